"""Motter–Lai overload tripping on a transmission mesh, through the cascade engine."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

from sim.city.profile import load_profile
from sim.core.streams import RandomStreams
from sim.networks import CascadeEngine, CascadeError, Dependency, Layer, MultilayerNetwork
from sim.networks.infrastructure import Infrastructure
from sim.networks.overload import OverloadRule, supply_load
from sim.networks.spec import LAYER_ASSET_TYPES, POWER_EDGE_TYPES
from sim.networks.toy import make_toy_city
from sim.scenario.schema import NetworksConfig


def _adj(n, edges):
    u, v = np.array(edges).T
    a = sparse.csr_array((np.ones(len(u)), (u, v)), shape=(n, n))
    return a + a.T


def test_supply_load_on_a_square_matches_hand_count():
    # Square S1-A-B-C-S1 plus S2-B (S1=0, A=1, B=2, C=3, S2=4). Nearest sources: A, C -> S1,
    # B -> S2, all at one hop: loads are the endpoints only, S1 = 2, others 1.
    a = _adj(5, [(0, 1), (1, 2), (2, 3), (3, 0), (2, 4)])
    src = np.array([1, 0, 0, 0, 1], bool)
    assert supply_load(a, src) == pytest.approx([2, 1, 1, 1, 1])
    # Without S2, B is two hops from S1 by two paths (via A, via C): half its unit each way.
    alive = np.array([1, 1, 1, 1, 0], bool)
    assert supply_load(a, src, alive) == pytest.approx([3, 1.5, 1, 1.5, 0])


def _reference_supply_load(g: nx.Graph, sources: set, demand: dict) -> dict:
    """Brute force: enumerate every shortest path from each sink's nearest sources."""
    load = dict.fromkeys(g, 0.0)
    for t in g:
        if t in sources:
            continue
        dist = {s: nx.shortest_path_length(g, s, t) for s in sources if nx.has_path(g, s, t)}
        if not dist:
            continue
        near = [s for s, dd in dist.items() if dd == min(dist.values())]
        for s in near:
            flow = demand[t] / len(near)
            paths = list(nx.all_shortest_paths(g, s, t))
            load[s] += flow
            load[t] += flow
            for path in paths:
                for v in path[1:-1]:
                    load[v] += flow / len(paths)
    return load


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_supply_load_equals_brute_force_path_enumeration(seed):
    rng = np.random.default_rng(seed)
    g = nx.gnm_random_graph(30, 45, seed=seed)  # may be disconnected: unreachable sinks
    src = np.zeros(30, bool)
    src[rng.choice(30, 4, replace=False)] = True
    demand = rng.uniform(0.5, 2.0, 30)
    got = supply_load(nx.to_scipy_sparse_array(g), src, demand=demand)
    ref = _reference_supply_load(g, set(np.flatnonzero(src).tolist()), dict(enumerate(demand)))
    assert got == pytest.approx([ref[i] for i in range(30)])


# Hand-checked power grid: mesh S1 - A - B - C - S2 with a pendant sink D on A; a 10 kV
# transformer T hangs from C by a feeder, and a water booster W needs T (no backup).
# Indices: S1=0, A=1, B=2, C=3, S2=4, D=5, T=6.
#   intact nearest sources: A, D -> S1; C -> S2; B ties (two hops each way), half each.
#   intact loads: S1 = A + D + B/2 = 2.5; A = 1 + D + B/2 = 2.5; B = 1; C = 1 + B/2 = 1.5;
#   S2 = 1.5; D = 1.
#   S2 flooded: everything comes from S1 along the line: S1 = 4, A = 1 + D + B + C = 4,
#   B = 1 + C = 2, C = 1, D = 1. Ratios to the intact load: S1, A 1.6; B 2.0; C, D <= 1.
def _grid():
    types = LAYER_ASSET_TYPES["power"]
    code = np.array([0, 1, 1, 1, 0, 1, 2])
    power = Layer(
        "power",
        {
            "x_m": np.arange(7.0),
            "y_m": np.zeros(7),
            "asset_type": code,
            "is_source": code == 0,
            "customers_households": np.array([0, 0, 0, 0, 0, 0, 100.0]),
        },
        {
            "u": np.array([0, 1, 2, 3, 1, 3]),
            "v": np.array([1, 2, 3, 4, 5, 6]),
            "edge_type": np.array([0, 0, 0, 0, 0, 1]),
        },
        types,
        POWER_EDGE_TYPES,
    )
    water = Layer(
        "water",
        {"x_m": np.zeros(2), "is_source": np.array([True, False])},
        {"u": np.array([0]), "v": np.array([1])},
    )
    dep = Dependency("physical", "water", "power", [1], [6], 0.0)
    return MultilayerNetwork({"power": power, "water": water}, [dep])


def _engine(alpha):
    net = _grid()
    rule = OverloadRule(net.layers["power"], alpha)
    return CascadeEngine(net, overload=[rule], unconstrained_layers=()), rule


def _flood_s2(n_power=7):
    power = np.zeros(n_power, bool)
    power[4] = True
    return {"power": power}


def test_initial_loads_and_capacities_match_hand_count():
    _, rule = _engine(0.8)
    assert rule.nodes.tolist() == [0, 1, 2, 3, 4, 5]  # the transformer is not in the mesh
    assert rule.initial_load == pytest.approx([2.5, 2.5, 1.0, 1.5, 1.5, 1.0])
    assert rule.capacity == pytest.approx(1.8 * rule.initial_load)


def test_overload_trips_only_b_and_darkens_what_hangs_behind_it():
    # alpha 0.8: caps S1, A 4.5; B 1.8 -> only B (load 2) trips. Then C has no path to a
    # source: it and T go dark without tripping, the booster loses power; loads on the rest
    # drop (S1 = A = 2) so nothing else trips.
    eng, rule = _engine(0.8)
    func = eng.update(_flood_s2(), 1.0)
    assert np.flatnonzero(eng.tripped["power"]).tolist() == [2]
    assert func["power"].tolist() == [True, True, False, False, False, True, False]
    assert func["water"].tolist() == [True, False]
    assert rule.cascade(np.array([1, 1, 1, 1, 0, 1], bool)).tolist() == [0, 0, 1, 0, 0, 0]


def test_tolerance_at_the_overload_ratio_keeps_everything_energised():
    # B's load doubles: alpha = 1.0 is exactly enough (L > C trips, L = C does not).
    eng, _ = _engine(1.0)
    func = eng.update(_flood_s2(), 1.0)
    assert not eng.tripped["power"].any()
    assert func["power"].tolist() == [True, True, True, True, False, True, True]
    assert func["water"].all()


def test_small_tolerance_trips_the_whole_line_in_one_stage():
    # alpha 0.5: S1 and A (4 > 3.75) and B (2 > 1.5) trip together; C, D, T are cut off.
    eng, _ = _engine(0.5)
    func = eng.update(_flood_s2(), 1.0)
    assert np.flatnonzero(eng.tripped["power"]).tolist() == [0, 1, 2]
    assert not func["power"].any()
    assert not func["water"][1]


def test_trips_are_not_damage_and_clear_when_the_cause_is_repaired():
    eng, rule = _engine(0.8)
    damaged = _flood_s2()
    eng.update(damaged, 1.0)
    assert damaged["power"].tolist() == [False, False, False, False, True, False, False]
    evaluations = rule.evaluations
    eng.update(damaged, 2.0)  # same damage: cached, no new load computation
    assert rule.evaluations == evaluations
    assert eng.tripped["power"][2]
    damaged["power"][4] = False
    func = eng.update(damaged, 3.0)
    assert not eng.tripped["power"].any()
    assert func["power"].all() and func["water"].all()


def test_rules_are_validated():
    net = _grid()
    with pytest.raises(CascadeError, match="alpha"):
        OverloadRule(net.layers["power"], -0.1)
    with pytest.raises(CascadeError, match="has no edge"):
        OverloadRule(net.layers["water"], 0.2)  # no plant-booster trunk main here
    gas = Layer.from_edges("gas", 2, [0], [1])
    with pytest.raises(CascadeError, match="no default transmission mesh"):
        OverloadRule(gas, 0.2)
    rule = OverloadRule(net.layers["power"], 0.2)
    with pytest.raises(CascadeError, match="at most one rule per layer"):
        CascadeEngine(net, overload=[rule, rule])


class _Log:
    def __init__(self):
        self.rows = []

    def add_many(self, t_h, kind, layer, districts, assets, value=1.0):
        self.rows += [(t_h, kind, layer, int(a)) for a in assets]


def test_infrastructure_logs_trips_and_clears_them_after_the_repair():
    # Toy city: with no tolerance (alpha 0) losing the busiest 220 kV source must overload
    # some node (its supply area moves to others); the trips are logged, are not damage, and
    # clear when the source is repaired.
    city = make_toy_city()
    # the generator's city-wide statistics: those of scenarios/data/shanghai (unscaled)
    city.profile = load_profile(Path(__file__).parents[1] / "scenarios/data/shanghai")
    cfg = NetworksConfig(resolution=0.2, load_redistribution={"alpha": 0.0})
    cells = (np.array([2000.0, 6000.0, 4000.0, 12000.0]), np.array([2000.0, 2000.0, 6000, 4000]))
    infra = Infrastructure(city, SimpleNamespace(networks=cfg), RandomStreams(5), cells)
    rule = infra.cascade.overload[0]
    assert rule.layer_name == "power" and rule.is_source.sum() >= 2
    busiest = rule.nodes[rule.is_source][np.argmax(rule.initial_load[rule.is_source])]
    infra.event_log = log = _Log()
    infra.damaged["power"][busiest] = True
    infra.update_functionality(1.0)
    tripped = np.flatnonzero(infra.tripped["power"])
    assert tripped.size > 0 and infra.overload_trips == tripped.size
    assert not infra.damaged["power"][tripped].any()
    assert not infra.functional["power"][tripped].any()
    assert [r[3] for r in log.rows if r[1] == "overload_trip"] == tripped.tolist()
    infra.repair_node("power", int(busiest))  # last damage: refreshed at once
    assert infra.functional["power"].all()
    assert sorted(r[3] for r in log.rows if r[1] == "overload_clear") == tripped.tolist()


def test_loads_follow_shortest_paths_on_a_ring():
    # Ring of 6 with one source at 0: sinks 1, 5 at one hop, 2, 4 at two, 3 at three by two
    # paths. Loads: node 1 = 1 + (2) + (3)/2 = 2.5, node 2 = 1 + 1/2 = 1.5, source = 5.
    ring = _adj(6, list(pairwise(range(6))) + [(5, 0)])
    src = np.zeros(6, bool)
    src[0] = True
    assert supply_load(ring, src) == pytest.approx([5, 2.5, 1.5, 1, 1.5, 2.5])
