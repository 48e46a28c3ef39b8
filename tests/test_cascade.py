"""Cascade models: source-served with buffers, Buldyrev mutual percolation, Motter-Lai."""

import networkx as nx
import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import brentq

from sim.networks import (
    CascadeEngine,
    CascadeError,
    Dependency,
    Layer,
    MultilayerNetwork,
    drainage_capacity_fraction,
    motter_lai,
    mutual_percolation,
)


def _feeder():
    # Radial feeder: 0 (substation, source) - 1 - 2 - 3, and 2 - 4.
    #   edge 0: (0,1), edge 1: (1,2), edge 2: (2,3), edge 3: (2,4)
    return Layer.from_edges(
        "power", 5, [0, 1, 2, 2], [1, 2, 3, 4], is_source=[True, False, False, False, False]
    )


def test_cutting_a_feeder_edge_deenergises_exactly_the_downstream_nodes():
    eng = CascadeEngine(MultilayerNetwork({"power": _feeder()}))
    cut = np.array([False, True, False, False])  # edge 1-2
    f = eng.update({}, 0.0, edge_damaged={"power": cut})["power"]
    # Downstream of edge (1,2) are nodes 2, 3, 4.
    assert f.tolist() == [True, True, False, False, False]


def test_damaged_node_deenergises_its_subtree_but_not_siblings():
    eng = CascadeEngine(MultilayerNetwork({"power": _feeder()}))
    dmg = np.array([False, False, False, True, False])
    assert eng.update({"power": dmg}, 0.0)["power"].tolist() == [True, True, True, False, True]
    dmg = np.array([True, False, False, False, False])  # source lost: nothing is served
    assert not eng.update({"power": dmg}, 0.0)["power"].any()


def _power_water(buffer_h):
    # power: source 0 - node 1; water: pump 0 (source of its layer) - junction 1.
    # The pump depends on power node 1 with a backup of `buffer_h` hours.
    power = Layer.from_edges("power", 2, [0], [1], is_source=[True, False])
    water = Layer.from_edges("water", 2, [0], [1], is_source=[True, False])
    dep = Dependency("physical", "water", "power", [0], [1], buffer_h)
    return MultilayerNetwork({"power": power, "water": water}, [dep])


def test_buffer_keeps_dependent_working_until_it_runs_out_then_resets_on_restoration():
    eng = CascadeEngine(_power_water(2.0))
    out = {"power": np.array([False, True])}
    ok = {"power": np.array([False, False])}
    assert eng.update(ok, 0.0)["water"].all()
    # Power node 1 fails at t = 0.5 h; 2 h of backup -> water works until t = 2.5 h.
    f = eng.update(out, 0.5)
    assert not f["power"][1] and f["water"].all()
    assert eng.update(out, 2.0)["water"].all()  # 1.5 h without supply
    f = eng.update(out, 3.0)  # 2.5 h without supply: backup exhausted
    assert f["water"].tolist() == [False, False]  # the junction loses its only source too
    assert eng.update(ok, 3.5)["water"].all()  # supply back: works again
    # A new outage restarts the 2 h clock from its own start (t = 4 h).
    assert eng.update(out, 4.0)["water"].all()
    assert eng.update(out, 5.5)["water"].all()
    assert not eng.update(out, 6.5)["water"].any()


def test_zero_buffer_fails_at_once_and_infinite_buffer_never():
    out = {"power": np.array([False, True])}
    assert not CascadeEngine(_power_water(0.0)).update(out, 0.0)["water"].any()
    eng = CascadeEngine(_power_water(np.inf))
    assert eng.update(out, 0.0)["water"].all() and eng.update(out, 1e6)["water"].all()


def test_engine_rejects_time_going_back_and_bad_shapes():
    eng = CascadeEngine(_power_water(1.0))
    eng.update({}, 5.0)
    with pytest.raises(CascadeError, match="earlier"):
        eng.update({}, 4.0)
    with pytest.raises(CascadeError, match="shape"):
        eng.update({"power": np.zeros(3, bool)}, 6.0)
    with pytest.raises(CascadeError, match="unknown layers"):
        eng.update({"gas": np.zeros(3, bool)}, 6.0)
    with pytest.raises(CascadeError, match="mechanism"):
        CascadeEngine(_power_water(1.0), mechanism="magic")


def test_dependency_chain_reaches_fixed_point_across_three_layers():
    # Each layer: source 0 - node 1. Water's source 0 needs power node 1; drainage's source 0
    # needs water node 1. Damaging power node 1 starves water, which starves drainage.
    layers = {
        k: Layer.from_edges(k, 2, [0], [1], is_source=[True, False])
        for k in ("power", "water", "drainage")
    }
    deps = [
        Dependency("physical", "water", "power", [0], [1]),
        Dependency("cyber", "drainage", "water", [0], [1]),
    ]
    eng = CascadeEngine(MultilayerNetwork(layers, deps))
    f = eng.update({"power": np.array([False, True])}, 0.0)
    assert not any(f[k].any() for k in ("water", "drainage"))
    assert f["power"].tolist() == [True, False]
    # Pass 1: power loses node 1, the water pump's dependency fails; pass 2: water goes dark,
    # the drainage outlet's dependency fails; pass 3: drainage goes dark, nothing new: fixed point.
    assert eng.last_passes == 3


def _coupled_pair():
    # Layer A: path 0-1-2-3-4-5. Layer B: edges 3-0, 0-4, 4-5, 1-2. Node i of A <-> node i of B.
    a = Layer.from_edges("A", 6, [0, 1, 2, 3, 4], [1, 2, 3, 4, 5])
    b = Layer.from_edges("B", 6, [3, 0, 4, 1], [0, 4, 5, 2])
    idx = np.arange(6)
    deps = [Dependency("physical", "A", "B", idx, idx), Dependency("physical", "B", "A", idx, idx)]
    return MultilayerNetwork({"A": a, "B": b}, deps)


def test_giant_component_cascade_on_coupled_tiny_graphs_matches_hand_derivation():
    # Remove A2. Stage 1: A giant = {3,4,5} (vs {0,1}); B giant = {0,3,4,5} (vs {1,2});
    #   dependencies: B loses 0,1,2 -> B = {3,4,5}; A = {3,4,5}.
    # Stage 2: B's subgraph on {3,4,5} has only edge 4-5 -> giant {4,5}; A loses 3.
    # Stage 3: A = B = {4,5}, no change.
    net = _coupled_pair()
    expected = [False, False, False, False, True, True]
    alive0 = np.ones(6, bool)
    alive0[2] = False
    adj = [net.layers["A"].adjacency(), net.layers["B"].adjacency()]
    idx = np.arange(6)
    out, stages = mutual_percolation(
        adj, [(0, 1, idx, idx), (1, 0, idx, idx)], [alive0, np.ones(6, bool)], return_stages=True
    )
    assert out[0].tolist() == expected and out[1].tolist() == expected
    assert stages == 3
    eng = CascadeEngine(net, mechanism="giant_component")
    f = eng.update({"A": ~alive0}, 0.0)
    assert f["A"].tolist() == expected and f["B"].tolist() == expected


def _er_adjacency(n, k, rng):
    # G(n, M) with M = n k / 2 random pairs; self-loops dropped, duplicates merged (a fraction
    # ~k/n of edges, negligible at n = 2e4).
    m = n * k // 2
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    a = sparse.coo_array((np.ones(keep.sum()), (u[keep], v[keep])), shape=(n, n)).tocsr()
    return ((a + a.T) > 0).astype(float)


def test_mutual_percolation_on_er_layers_matches_buldyrev_theory():
    # Buldyrev et al. 2010: for two ER layers with <k> = 4, one-to-one mutual dependence and a
    # random fraction p = 0.8 of layer A kept, P∞ solves P = p (1 - exp(-k P))^2 -> 0.70884.
    # Finite size: over 20 seeds at N = 2e4 the simulated fraction had mean 0.7088 and standard
    # deviation 0.0041; tolerance 0.02 ≈ 5 sigma (p = 0.8 is far above p_c = 2.4554/k = 0.614,
    # where finite-size effects would be large).
    k, p, n = 4, 0.8, 20_000
    theory = brentq(lambda x: x - p * (1 - np.exp(-k * x)) ** 2, 0.3, 1.0)
    assert theory == pytest.approx(0.70884, abs=1e-4)
    rng = np.random.default_rng(12345)
    a, b = _er_adjacency(n, k, rng), _er_adjacency(n, k, rng)
    idx = np.arange(n)
    alive = [rng.random(n) < p, np.ones(n, bool)]
    out = mutual_percolation([a, b], [(0, 1, idx, idx), (1, 0, idx, idx)], alive)
    assert np.array_equal(out[0], out[1])  # mutual dependence: same survivors in both layers
    assert out[0].mean() == pytest.approx(theory, abs=0.02)
    # Below p_c the mutually connected component vanishes (first-order collapse).
    alive = [rng.random(n) < 0.5, np.ones(n, bool)]
    out = mutual_percolation([a, b], [(0, 1, idx, idx), (1, 0, idx, idx)], alive)
    assert out[0].mean() < 0.01


def _two_path_graph():
    # a1, a2 - A ; A - B - C ; A - D - C ; C - c1, c2.   indices:
    #  a1=0 a2=1 A=2 B=3 D=4 C=5 c1=6 c2=7
    g = nx.Graph([(0, 2), (1, 2), (2, 3), (2, 4), (3, 5), (4, 5), (5, 6), (5, 7)])
    return nx.to_scipy_sparse_array(g, nodelist=range(8))


def test_motter_lai_overload_when_parallel_path_is_removed():
    # Initial loads (pairs counted once): B and D each carry half of the 3 x 3 pairs between
    # {a1, a2, A} and {C, c1, c2}: 4.5. Removing D sends all 9 through B: 9 > 1.5 * 4.5 = 6.75,
    # so with alpha = 0.5 B fails; A's load drops (11.5 -> 9 -> 1), leaves carry none.
    removed = np.zeros(8, bool)
    removed[4] = True
    alive = motter_lai(_two_path_graph(), 0.5, removed)
    assert alive.tolist() == [True, True, True, False, False, True, True, True]
    # With alpha = 1, B's capacity is 9 = its new load: no overload, only D is lost.
    alive = motter_lai(_two_path_graph(), 1.0, removed)
    assert alive.tolist() == [True, True, True, True, False, True, True, True]


def test_motter_lai_star_losing_a_leaf_never_overloads_the_hub():
    # Star with hub 0 and 5 leaves: hub load C(5,2) = 10 -> C(4,2) = 6 after a leaf goes.
    g = nx.star_graph(5)
    removed = np.zeros(6, bool)
    removed[3] = True
    alive = motter_lai(nx.to_scipy_sparse_array(g), 0.0, removed)
    assert alive.sum() == 5 and not alive[3]


def test_drainage_capacity_fraction_weights_outlets_by_capacity():
    layer = Layer(
        "drainage",
        {
            "x_m": np.zeros(4),
            "district": np.array([0, 0, 1, 1]),
            "is_source": np.array([True, True, True, False]),
            "capacity": np.array([10.0, 30.0, 5.0, 1.0]),
        },
        {"u": np.array([2]), "v": np.array([3])},
    )
    f = drainage_capacity_fraction(layer, np.array([True, False, False, True]), 3)
    assert f.tolist() == [0.25, 0.0, 1.0]  # district 2 has no outlets -> 1.0
