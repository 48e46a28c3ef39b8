"""10 kV feeders as protection zones (sim/networks/protection.py): a fault trips the whole
feeder; after the isolation time only the faulted section and the downstream sections without
a tie stay out. Customer-hours are computed by hand on a small feeder; the households per
feeder of the example city do not depend on the network's resolution."""

from __future__ import annotations

import numpy as np
import pytest

from sim.networks.cascade import CascadeEngine
from sim.networks.multilayer import Layer, MultilayerNetwork
from sim.networks.protection import FeederZones
from sim.networks.spec import LAYER_ASSET_TYPES, POWER_EDGE_TYPES

TYPES = LAYER_ASSET_TYPES["power"]
SRC, SUB, TR = (TYPES.index(t) for t in TYPES)  # 220 kV, 110/35 kV, 10 kV node


def _feeder_layer() -> Layer:
    """Source 0 at the origin; substations 1 (x = 0) and 2 (x = 5 km) on hv lines; feeder A:
    nodes 3-8 along +y from substation 1, 100 households each, 100 m apart (a radial chain);
    feeder B: nodes 9-10 from substation 2, 100 households each.

    With 600 households per feeder and 3 sections, A is one feeder in sections
    {3, 4} (0), {5, 6} (1), {7, 8} (2); B is one feeder (its 200 households round up to 1)."""
    x = np.array([0, 0, 5000, 0, 0, 0, 0, 0, 0, 5000, 5000], float)
    y = np.array([0, 10, 10, 110, 210, 310, 410, 510, 610, 110, 210], float)
    code = np.array([SRC, SUB, SUB] + [TR] * 8)
    cust = np.array([0, 0, 0] + [100.0] * 8)
    hv = [(0, 1), (0, 2)]
    feeder = [(3, 1), (4, 3), (5, 4), (6, 5), (7, 6), (8, 7), (9, 2), (10, 9)]
    u, v = np.array(hv + feeder + [(8, 10)]).T  # and a normally-open tie, not a fault
    nodes = {
        "x_m": x,
        "y_m": y,
        "district": np.zeros(11, np.int64),
        "asset_type": code,
        "is_source": code == SRC,
        "customers_households": cust,
    }
    etype = np.array([0, 0] + [1] * 8 + [2])
    edges = {"u": u, "v": v, "edge_type": etype, "normally_open": etype == 2}
    return Layer("power", nodes, edges, TYPES, POWER_EDGE_TYPES)


def _zones(layer: Layer, tie_share: float) -> FeederZones:
    return FeederZones(layer, 600.0, 3, tie_share, 1.0, np.random.default_rng(0))


def _customer_hours(tie_share: float, faults: dict[int, tuple[float, float]], end_h: float):
    """Household-hours without power over [0, end_h) in 15-min steps; ``faults``: node ->
    (damaged from, repaired at) hours."""
    layer = _feeder_layer()
    zones = _zones(layer, tie_share)
    engine = CascadeEngine(MultilayerNetwork({"power": layer}), zones={"power": zones})
    cust = layer.nodes["customers_households"]
    total, dt = 0.0, 0.25
    for t in np.arange(0.0, end_h, dt):
        dmg = np.zeros(layer.n_nodes, bool)
        for node, (a, b) in faults.items():
            dmg[node] = a <= t < b
        func = engine.update({"power": dmg}, float(t))["power"]
        total += cust[~func].sum() * dt
    return total, zones


def test_feeders_and_sections_of_the_small_feeder():
    zones = _zones(_feeder_layer(), 1.0)
    assert zones.n_feeders == 2
    assert zones.feeder[3:9].tolist() == [0] * 6 and zones.feeder[9:].tolist() == [1, 1]
    assert zones.section[3:9].tolist() == [0, 0, 1, 1, 2, 2]
    assert zones.households.tolist() == [600.0, 200.0]
    assert zones.partner.tolist() == [1, 0]  # each other's tie (another substation)
    assert (zones.feeder[:3] == -1).all()


def test_fault_trips_the_feeder_then_only_faulted_section_waits_for_repair():
    # Node 5 (section 1 of A) damaged from 0 h to 3 h. 0-1 h: all of A (600) is tripped;
    # 1-3 h: section 1 (200) waits for repair, section 0 back from the substation, section 2
    # back through the tie; after 3 h: none. By hand: 600 * 1 + 200 * 2 = 1,000.
    hours, zones = _customer_hours(1.0, {5: (0.0, 3.0)}, 4.0)
    assert hours == pytest.approx(1_000.0)
    assert zones.trips == 1


def test_downstream_section_without_a_tie_stays_out_until_repair():
    # No tie: section 2 (200) is cut off downstream too: 600 * 1 + 400 * 2 = 1,400.
    hours, _ = _customer_hours(0.0, {5: (0.0, 3.0)}, 4.0)
    assert hours == pytest.approx(1_400.0)


def test_tie_partner_with_a_fault_cannot_take_the_load():
    # B faulted too (node 10, 0-3 h): A's section 2 has no healthy partner. B's two nodes
    # fall in sections 0 (node 9) and 2 (node 10); node 9, upstream of B's fault, is back
    # after 1 h. A: 600 * 1 + 400 * 2; B: 200 * 1 + 100 * 2.
    hours, zones = _customer_hours(1.0, {5: (0.0, 3.0), 10: (0.0, 3.0)}, 4.0)
    assert hours == pytest.approx(1_400.0 + 400.0)
    assert zones.trips == 2


def test_second_fault_trips_the_feeder_again_and_sections_between_faults_stay_out():
    # Node 3 (section 0) 0-3 h, node 7 (section 2) from 2 h to 3 h. 0-1 h: A out (600);
    # 1-2 h: section 0 faulted, sections 1-2 downstream, via the tie (400 back): 200;
    # 2-3 h: the new fault trips A again (600); from 3 h all repaired: 0.
    hours, zones = _customer_hours(1.0, {3: (0.0, 3.0), 7: (2.0, 3.0)}, 4.0)
    assert hours == pytest.approx(600.0 + 200.0 + 600.0)
    assert zones.trips == 2


def test_old_rule_cuts_only_the_subtree():
    # Without zones the fault at node 5 cuts nodes 5-8 (400) for 3 h: 1,200, not 1,000.
    layer = _feeder_layer()
    engine = CascadeEngine(MultilayerNetwork({"power": layer}))
    dmg = np.zeros(layer.n_nodes, bool)
    dmg[5] = True
    func = engine.update({"power": dmg}, 0.0)["power"]
    assert layer.nodes["customers_households"][~func].sum() * 3.0 == 1_200.0


def test_households_per_feeder_do_not_depend_on_resolution():
    from sim.results.kinds import build_model
    from sim.scenario.loader import load_scenario

    stats = {}
    for r in (1, 4):
        sc = load_scenario("scenarios/example-city/typhoon.yaml", [f"networks.resolution={r}"])
        infra = build_model(sc).infra
        z = infra.feeders
        power = infra.layers["power"].nodes
        stats[r] = (z.n_feeders, z.households, power["customers_households"][z.nodes].sum())
    (n1, h1, tot1), (n4, h4, tot4) = stats[1], stats[4]
    assert tot1 == tot4 == pytest.approx(h1.sum())  # every household is on one feeder
    assert abs(n1 - n4) <= 0.03 * n1  # the same number of feeders (rounding per substation)
    assert h4.mean() == pytest.approx(h1.mean(), rel=0.03)
    assert np.median(h4) == pytest.approx(3_000.0, rel=0.1)  # NetworkSpec.households_per_feeder
    # 4 times the nodes, the same households: a feeder is not a node
    assert len(infra.feeders.nodes) / n4 > 3.0 * 12


def test_feeder_isolation_none_keeps_the_old_rule():
    from sim.results.kinds import build_model
    from sim.scenario.loader import load_scenario

    sc = load_scenario(
        "scenarios/example-city/typhoon.yaml",
        ["networks.feeder_isolation_h=null", "networks.resolution=0.2"],
    )
    model = build_model(sc)
    assert model.infra.feeders is None and model.infra.feeder_trips == 0
