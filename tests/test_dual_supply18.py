"""Dual supply of pumping stations (issue 18): a dependency with alternate supplies holds while
any supplier works, its backup buffer counted from the loss of the last one; one supply keeps
the old rule; the generator's second supply of each pump lies on another feeder.

Hand-computed timelines on a two-feeder toy; the example city for the generator's choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.networks.cascade import CascadeEngine
from sim.networks.errors import NetworkError
from sim.networks.multilayer import Dependency, Layer, MultilayerNetwork
from sim.networks.protection import feeder_of, second_supply
from sim.studies.analysis.criticality import with_horizon

EXAMPLE_DATA = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "example-city"
BUFFER_H = 3.0


def _net(alternate) -> MultilayerNetwork:
    """Power: source 0 with two 10 kV nodes 1 and 2 on separate lines. Water: one pump (a
    source of its layer) needing node 1, or (with ``alternate``) node 1 or 2; 3 h of backup."""
    power = Layer.from_edges("power", 3, np.array([0, 0]), np.array([1, 2]), is_source=[1, 0, 0])
    water = Layer.from_edges("water", 1, np.empty(0, int), np.empty(0, int), is_source=[1])
    dep = Dependency("physical", "water", "power", [0], [1], BUFFER_H, alternate=alternate)
    return MultilayerNetwork({"power": power, "water": water}, [dep])


def _pump_up(alternate, outages: dict[int, list[tuple[float, float]]], hours: int) -> list[bool]:
    """Pump working at t = 0, 1, …, hours - 1; ``outages``: power node -> [out from, back at)
    intervals."""
    engine = CascadeEngine(_net(alternate))
    up = []
    for t in range(hours):
        dmg = np.zeros(3, bool)
        for node, spans in outages.items():
            dmg[node] = any(a <= t < b for a, b in spans)
        up.append(bool(engine.update({"power": dmg}, float(t))["water"][0]))
    return up


def test_pump_with_two_supplies_is_out_only_after_both_and_its_buffer():
    # Supply 1 out 1-7 h and again from 9 h; supply 2 out from 2 h. Both out from 2 h: the
    # 3 h buffer lasts to 5 h, so the pump is out at 5 and 6 h; supply 1 is back at 7 h (the
    # buffer refills); both out again from 9 h: out from 12 h.
    up = _pump_up([[2]], {1: [(1, 7), (9, 99)], 2: [(2, 99)]}, 16)
    assert up == [True] * 5 + [False] * 2 + [True] * 5 + [False] * 4
    assert up.count(False) == 6  # hours without water: 5, 6 and 12-15 h


def test_buffer_counts_from_the_second_failure_not_the_first():
    # First supply lost at 1 h, second at 4 h: out at 4 + 3 = 7 h, not 1 + 3 = 4 h.
    outages = {1: [(1, 99)], 2: [(4, 99)]}
    assert _pump_up([[2]], outages, 10).index(False) == 7
    # The old one-supply rule on the same outages: out at 1 + 3 = 4 h.
    assert _pump_up(None, outages, 10).index(False) == 4


@pytest.mark.parametrize("alternate", [None, [[-1]], [[1]]])
def test_one_supply_is_the_old_rule(alternate):
    # No alternate, an empty one (-1) or the same node twice: supply 1 out 2-10 h, back at
    # 10 h; with 3 h of backup the pump is out at 5-9 h (hand-computed, old rule).
    up = _pump_up(alternate, {1: [(2, 10)], 2: [(0, 99)]}, 12)
    assert up == [True] * 5 + [False] * 5 + [True] * 2


def test_alternates_match_single_supply_on_random_damage():
    """On a random two-layer network, a dependency whose alternates are all -1 gives exactly
    the functional sets of the same dependency without alternates, at every step."""
    rng = np.random.default_rng(18)
    n_p, n_w = 200, 120
    pu, pv = rng.integers(0, n_p, (2, 400))
    wu, wv = rng.integers(0, n_w, (2, 240))
    keep_p, keep_w = pu != pv, wu != wv
    src_p, src_w = np.arange(n_p) < 5, np.arange(n_w) < 3
    power = Layer.from_edges("power", n_p, pu[keep_p], pv[keep_p], is_source=src_p)
    water = Layer.from_edges("water", n_w, wu[keep_w], wv[keep_w], is_source=src_w)
    sup, buf = rng.integers(0, n_p, n_w), rng.choice([0.0, 2.0, 6.0], n_w)

    def engine(alt):
        dep = Dependency("physical", "water", "power", np.arange(n_w), sup, buf, alternate=alt)
        net = MultilayerNetwork({"power": power, "water": water}, [dep])
        return CascadeEngine(net)

    plain, padded = engine(None), engine(np.full((n_w, 2), -1))
    dmg_p, dmg_w = np.zeros(n_p, bool), np.zeros(n_w, bool)
    lost = 0
    for t in range(24):
        dmg_p |= rng.random(n_p) < 0.02
        dmg_w |= rng.random(n_w) < 0.01
        dmg_p &= rng.random(n_p) > 0.1  # some repairs
        a = plain.update({"power": dmg_p, "water": dmg_w}, float(t))
        b = padded.update({"power": dmg_p, "water": dmg_w}, float(t))
        assert all(np.array_equal(a[k], b[k]) for k in a)
        lost += int((~a["water"]).sum())
    assert lost > 0  # the check saw outages


def test_dependency_checks_alternates():
    with pytest.raises(NetworkError, match="alternate"):
        Dependency("physical", "water", "power", [0, 1], [1, 2], alternate=[[1, 2, 3]])
    with pytest.raises(NetworkError, match="alternate"):
        Dependency("physical", "water", "power", [0], [1], alternate=[[-2]])
    dep = Dependency("physical", "water", "power", [0], [1], alternate=[[7]])
    with pytest.raises(NetworkError, match="alternate index out of range"):
        MultilayerNetwork(_net(None).layers, [dep])
    assert _net([[2]]).dependencies[0].suppliers.tolist() == [[1, 2]]


def test_networkx_view_numbers_the_supplies():
    g = _net([[2]]).to_networkx()
    assert g.edges[("power", 1), ("water", 0)]["supply"] == 0
    assert g.edges[("power", 2), ("water", 0)]["supply"] == 1
    assert _net([[-1]]).to_networkx().in_degree(("water", 0)) == 1  # no arc for a -1


def test_horizon_conversion_keeps_alternates():
    net = with_horizon(_net([[2]]), 1.0)
    dep = net.dependencies[0]
    assert dep.alternate.tolist() == [[2]] and dep.buffer_h.tolist() == [np.inf]


@pytest.fixture(scope="module")
def example_net():
    from sim.city import load_city
    from sim.networks import generate_city_networks
    from sim.networks.spec import city_network_spec

    city = load_city(EXAMPLE_DATA)
    spec = city_network_spec(city)
    return generate_city_networks(city, spec, np.random.default_rng(18)), spec


def test_example_city_pumps_are_fed_from_two_feeders(example_net):
    net, spec = example_net
    power = net.layers["power"]
    feeder = feeder_of(power, spec.households_per_feeder)
    d_power = power.nodes["district"]
    feeders_in = {d: np.unique(feeder[(feeder >= 0) & (d_power == d)]).size for d in range(5)}
    checked = 0
    for dep in net.dependencies:
        if dep.dependent_layer not in ("water", "drainage") or dep.alternate is None:
            continue
        layer = net.layers[dep.dependent_layer]
        d = layer.nodes["district"][dep.dependent]
        second = dep.alternate[:, 0]
        many = np.array([feeders_in[int(x)] >= 2 for x in d])
        assert (second[~many] == -1).all()
        assert (second[many] >= 0).all()
        first, second = dep.supplier[many], second[many]
        assert (feeder[first] != feeder[second]).all()  # on different feeders
        assert (feeder[second] >= 0).all()
        assert (d_power[second] == d[many]).all()  # of the pump's own district
        checked += int(many.sum())
    dual = {
        net.layers[d.dependent_layer].asset_types[t]
        for d in net.dependencies
        if d.alternate is not None
        for t in net.layers[d.dependent_layer].nodes["asset_type"][d.dependent]
    }
    assert "booster_pumping_station" in dual
    assert dual <= {
        "booster_pumping_station",
        "drainage_pumping_station_municipal",
        "drainage_pumping_station_district",
    }
    assert checked >= 8  # every booster of the example city and its drainage stations


def test_second_supply_is_the_nearest_node_of_another_feeder(example_net):
    net, spec = example_net
    power = net.layers["power"]
    feeder = feeder_of(power, spec.households_per_feeder)
    nd = power.nodes
    on = np.flatnonzero(feeder >= 0)
    primary = on[::97][:20]  # some 10 kV nodes as first supplies, loads at their sites
    xy = np.column_stack([nd["x_m"][primary], nd["y_m"][primary]])
    got = second_supply(xy, nd["district"][primary], power, primary, spec.households_per_feeder)
    for i, p in enumerate(primary):  # brute force over the district's other feeders
        sel = on[(nd["district"][on] == nd["district"][p]) & (feeder[on] != feeder[p])]
        d2 = (nd["x_m"][sel] - xy[i, 0]) ** 2 + (nd["y_m"][sel] - xy[i, 1]) ** 2
        assert got[i] == sel[np.argmin(d2)]


# ------------------------------------------------------------------ imports (sim.networks.compose)
@pytest.fixture(scope="module")
def toy():
    from sim.city.profile import load_profile
    from sim.networks import NetworkSpec, generate_city_networks
    from sim.networks.toy import make_toy_city

    stats = load_profile(EXAMPLE_DATA.parent / "shanghai").network_statistics
    city = make_toy_city()
    spec = NetworkSpec.for_city(stats, resolution=0.3)
    spec = spec.scaled_to_population(city.districts["population"].sum())
    return city, spec, generate_city_networks(city, spec, np.random.default_rng(3))


def _imported(name: str, types: list[str], code: list[int], spacing_m: float = 400.0):
    from sim.networks.importers import ImportedLayer

    k = len(code)
    nodes = {
        "x_m": np.arange(k) * spacing_m,
        "y_m": np.zeros(k),
        "asset_type": np.array(code),
        "is_source": np.array(code) == 0,
        "customers_households": np.where(np.array(code) == 0, 0.0, 1.0),
    }
    edges = {"u": np.arange(k - 1), "v": np.arange(1, k)}
    return ImportedLayer(name, nodes, edges, types, ["line"])


def test_imported_boosters_get_a_second_supply_on_another_feeder(toy):
    from sim.networks.compose import add_imported_network
    from sim.networks.importers import place_in_district

    city, spec, net = toy
    water = _imported("water", ["water_plant", "booster_pumping_station", "mains_junction"],
                      [0, 1, 2, 1, 2])  # fmt: skip
    placed = place_in_district(water, city, "Gamma")
    out = add_imported_network(net, placed, city, "Gamma", replace=True, spec=spec,
                               rng=np.random.default_rng(0))  # fmt: skip
    layer, power = out.layers["water"], out.layers["power"]
    boosters = np.flatnonzero(
        (layer.nodes["import_id"] == 0)
        & (layer.nodes["asset_type"] == layer.asset_type_code("booster_pumping_station"))
    )
    (dep,) = [d for d in out.dependencies if np.isin(boosters, d.dependent).all()]
    at = np.searchsorted(dep.dependent, boosters)
    first, second = dep.supplier[at], dep.alternate[at, 0]
    feeder = feeder_of(power, spec.households_per_feeder)
    assert boosters.size == 2 and (second >= 0).all()
    assert (feeder[first] != feeder[second]).all()
    assert (power.nodes["district"][second] == city.index_of("Gamma")).all()


def test_replacing_power_drops_the_second_supplies_it_removed(toy):
    from sim.networks.compose import add_imported_network
    from sim.networks.importers import place_in_district

    city, spec, net = toy
    grid = _imported("power", ["substation_110_35kv", "distribution_transformer_10kv"],
                     [0, 1, 1, 1, 1])  # fmt: skip
    placed = place_in_district(grid, city, "Delta")
    out = add_imported_network(net, placed, city, 3, replace=True, spec=spec,
                               rng=np.random.default_rng(0))  # fmt: skip
    (old,) = [d for d in net.dependencies if d.dependent_layer == "drainage"]
    (new,) = [d for d in out.dependencies if d.dependent_layer == "drainage"]
    p0, p1 = net.layers["power"].nodes, out.layers["power"].nodes
    was_in_delta = p0["district"][old.alternate[:, 0]] == 3
    assert was_in_delta.any() and (~was_in_delta).any()
    assert (new.alternate[was_in_delta, 0] == -1).all()
    kept_old, kept_new = old.alternate[~was_in_delta, 0], new.alternate[~was_in_delta, 0]
    assert np.array_equal(p0["x_m"][kept_old], p1["x_m"][kept_new])  # the same nodes
