"""Tests for sim.response.routing: shortest travel times on hand-made road grids."""

from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest

from sim.response.routing import RoadNetworkError, RoadRouter


def grid_roads(nx_: int, ny: int, spacing_m: float = 1000.0, speed_kmh: float = 60.0):
    """nx_ x ny grid; node id = i * ny + j at (i*spacing, j*spacing); 4-neighbour edges."""
    ii, jj = np.meshgrid(np.arange(nx_), np.arange(ny), indexing="ij")
    ids = ii * ny + jj
    u = np.concatenate([ids[:-1, :].ravel(), ids[:, :-1].ravel()])
    v = np.concatenate([ids[1:, :].ravel(), ids[:, 1:].ravel()])
    m = u.size
    return SimpleNamespace(
        nodes={
            "x_m": (ii * spacing_m).ravel().astype(float),
            "y_m": (jj * spacing_m).ravel().astype(float),
            "district": np.zeros(nx_ * ny, dtype=np.int64),
        },
        edges={
            "u": u,
            "v": v,
            "length_m": np.full(m, spacing_m),
            "speed_kmh": np.full(m, speed_kmh),
            "crossing": np.zeros(m, dtype=bool),
        },
    )


def edge_index(roads, a: int, b: int) -> int:
    u, v = roads.edges["u"], roads.edges["v"]
    return int(np.flatnonzero(((u == a) & (v == b)) | ((u == b) & (v == a)))[0])


def test_grid_travel_time_is_manhattan_distance_over_speed():
    roads = grid_roads(3, 3)
    router = RoadRouter(roads)
    # Corner (0,0)=node 0 to corner (2,2)=node 8: 4 edges of 1 km at 60 km/h = 4/60 h.
    # Node 0 to centre node 4: 2 edges = 2/60 h. Node 0 to itself: 0.
    tt = router.travel_time_h([0], [8, 4, 0])
    np.testing.assert_allclose(tt, [[4 / 60, 2 / 60, 0.0]], rtol=1e-12)


def test_travel_time_matrix_is_symmetric_for_two_way_roads():
    router = RoadRouter(grid_roads(4, 3))
    nodes = np.arange(12)
    tt = router.travel_time_h(nodes, nodes)
    np.testing.assert_allclose(tt, tt.T, rtol=1e-12)


def test_zero_factor_closes_edge_and_reroutes():
    roads = grid_roads(3, 3)
    router = RoadRouter(roads)
    # Nodes 0 and 3 are adjacent (i=0->1, j=0): 1 km = 1/60 h.
    assert router.travel_time_h([0], [3])[0, 0] == pytest.approx(1 / 60)
    factor = np.ones(router.n_edges)
    factor[edge_index(roads, 0, 3)] = 0.0
    router.set_edge_speed_factor(factor)
    # Detour 0 -> 1 -> 4 -> 3 is 3 km = 3/60 h.
    assert router.travel_time_h([0], [3])[0, 0] == pytest.approx(3 / 60)


def test_half_speed_factor_doubles_travel_time():
    router = RoadRouter(grid_roads(3, 3))
    before = router.travel_time_h([0], [8])[0, 0]
    router.set_edge_speed_factor(np.full(router.n_edges, 0.5))
    assert router.travel_time_h([0], [8])[0, 0] == pytest.approx(2 * before)


def test_isolated_node_is_unreachable_inf():
    roads = grid_roads(3, 3)
    router = RoadRouter(roads)
    factor = np.ones(router.n_edges)
    for nb in (1, 3):  # node 0's only neighbours
        factor[edge_index(roads, 0, nb)] = 0.0
    router.set_edge_speed_factor(factor)
    tt = router.travel_time_h([0, 4], [8, 0])
    assert tt[0, 0] == np.inf and tt[1, 1] == np.inf  # to and from the cut-off node
    assert tt[1, 0] == pytest.approx(2 / 60)  # the rest of the grid still connects 4 -> 8


def test_parallel_edges_use_the_fastest():
    roads = SimpleNamespace(
        nodes={"x_m": np.array([0.0, 1000.0]), "y_m": np.zeros(2)},
        edges={
            "u": np.array([0, 1]),
            "v": np.array([1, 0]),
            "length_m": np.array([1000.0, 1000.0]),
            "speed_kmh": np.array([20.0, 50.0]),
        },
    )
    # 1 km at the faster 50 km/h = 0.02 h (a summed duplicate would give 0.05 + 0.02).
    assert RoadRouter(roads).travel_time_h([0], [1])[0, 0] == pytest.approx(0.02)


def test_cache_dropped_only_when_factors_change():
    router = RoadRouter(grid_roads(3, 3))
    router.travel_time_h([0], [8])
    v0 = router.version
    router.set_edge_speed_factor(np.ones(router.n_edges))  # unchanged
    assert router.version == v0
    f = np.ones(router.n_edges)
    f[0] = 0.3
    router.set_edge_speed_factor(f)
    assert router.version == v0 + 1


def test_matches_networkx_dijkstra_with_small_cache_and_eviction():
    rng = np.random.default_rng(7)
    g = nx.random_geometric_graph(150, 0.15, seed=3)
    pos = np.array([g.nodes[i]["pos"] for i in range(150)]) * 10_000
    u, v = np.array(list(g.edges())).T
    length = np.hypot(*(pos[u] - pos[v]).T)
    speed = rng.uniform(20, 80, u.size)
    factor = rng.choice([0.0, 0.3, 1.0], size=u.size, p=[0.1, 0.3, 0.6])
    roads = SimpleNamespace(
        nodes={"x_m": pos[:, 0], "y_m": pos[:, 1]},
        edges={"u": u, "v": v, "length_m": length, "speed_kmh": speed},
    )
    # A tiny cache (2 rows of 150 floats) forces eviction and the uncached path.
    router = RoadRouter(roads, cache_mb=2 * 150 * 8 / 2**20)
    router.set_edge_speed_factor(factor)
    h = nx.Graph()
    h.add_nodes_from(range(150))
    for a, b, ln, sp, f in zip(u, v, length, speed, factor, strict=True):
        if f > 0:
            h.add_edge(int(a), int(b), w=ln / (1000 * sp * f))
    sources = np.array([5, 17, 5, 99])
    targets = np.arange(150)
    expected = np.full((4, 150), np.inf)
    for k, s in enumerate(sources):
        for t, d in nx.single_source_dijkstra_path_length(h, int(s), weight="w").items():
            expected[k, t] = d
    row_of = {5: 0, 17: 1, 99: 3}
    for srcs in (sources[:1], sources[1:2], sources[2:3], sources):  # one-by-one, then 3 > cap
        got = router.travel_time_h(srcs, targets)
        np.testing.assert_allclose(got, expected[[row_of[s] for s in srcs]], rtol=1e-10)
    pairs = router.travel_time_between(sources, np.array([0, 1, 2, 3]))
    np.testing.assert_allclose(pairs, expected[np.arange(4), [0, 1, 2, 3]], rtol=1e-10)


def test_nearest_node_returns_closest_grid_node():
    router = RoadRouter(grid_roads(3, 3))
    idx = router.nearest_node(np.array([10.0, 1900.0, 2600.0]), np.array([-50.0, 1100.0, 2000.0]))
    # (10,-50) -> node 0 at (0,0); (1900,1100) -> (2000,1000) = i2,j1 = node 7; (2600,2000) -> 8.
    np.testing.assert_array_equal(idx, [0, 7, 8])
    assert int(router.nearest_node(990.0, 10.0)) == 3


@pytest.mark.parametrize(
    "bad", [np.full(12, -0.1), np.full(12, 1.5), np.full(5, 1.0), np.full(12, np.nan)]
)
def test_invalid_speed_factor_raises(bad):
    router = RoadRouter(grid_roads(3, 3))
    with pytest.raises(RoadNetworkError):
        router.set_edge_speed_factor(bad)


def test_malformed_layer_and_bad_indices_raise():
    roads = grid_roads(2, 2)
    del roads.edges["speed_kmh"]
    with pytest.raises(RoadNetworkError, match="speed_kmh"):
        RoadRouter(roads)
    router = RoadRouter(grid_roads(2, 2))
    with pytest.raises(RoadNetworkError):
        router.travel_time_h([0], [4])


@pytest.mark.parametrize("share", [0.01, 0.1, 1.0])
def test_rows_kept_through_speed_changes_equal_a_fresh_search(share):
    """After each change of a share of the edges' factors (slower, faster, closed, reopened),
    the cached rows the router keeps give exactly the times a fresh router computes."""
    roads = grid_roads(9, 7)
    # parallel edges too: the fastest of a pair counts
    roads.edges = {k: np.concatenate([v, v[:5]]) for k, v in roads.edges.items()}
    roads.edges["speed_kmh"][-5:] = 30.0
    router = RoadRouter(roads)
    rng = np.random.default_rng(7)
    nodes = np.arange(63)
    sources = rng.choice(nodes, 12, replace=False)
    factor = np.ones(router.n_edges)
    for _ in range(15):
        router.travel_time_h(sources, nodes)  # fill the cache
        sel = rng.random(router.n_edges) < share
        factor = factor.copy()
        factor[sel] = np.clip(factor[sel] * rng.uniform(0.3, 1.5, sel.sum()), 0.0, 1.0)
        factor[sel & (rng.random(router.n_edges) < 0.1)] = 0.0
        router.set_edge_speed_factor(factor)
        kept = sources[router._slot_of[sources] >= 0]
        fresh = RoadRouter(roads)
        fresh.set_edge_speed_factor(factor)
        np.testing.assert_array_equal(
            router.travel_time_h(kept, nodes), fresh.travel_time_h(kept, nodes)
        )
        np.testing.assert_array_equal(
            router.travel_time_h(sources, nodes), fresh.travel_time_h(sources, nodes)
        )
    if share <= 0.01:
        assert router.rows_kept > 0  # localised changes keep rows (checked exact above)


def test_one_way_edges_match_networkx_on_a_directed_graph_and_times_to_agrees():
    rng = np.random.default_rng(11)
    g = nx.random_geometric_graph(120, 0.16, seed=5)
    pos = np.array([g.nodes[i]["pos"] for i in range(120)]) * 10_000
    u, v = np.array(list(g.edges())).T
    length = np.hypot(*(pos[u] - pos[v]).T)
    speed = rng.uniform(20, 80, u.size)
    oneway = rng.random(u.size) < 0.4
    roads = SimpleNamespace(
        nodes={"x_m": pos[:, 0], "y_m": pos[:, 1]},
        edges={"u": u, "v": v, "length_m": length, "speed_kmh": speed, "oneway": oneway},
    )
    router = RoadRouter(roads)
    assert router.directed
    for factor in (np.ones(u.size), rng.choice([0.0, 0.5, 1.0], size=u.size)):
        router.set_edge_speed_factor(factor)
        h = nx.DiGraph()
        h.add_nodes_from(range(120))
        for a, b, ln, sp, f, one in zip(u, v, length, speed, factor, oneway, strict=True):
            if f > 0:
                h.add_edge(int(a), int(b), w=ln / (1000 * sp * f))
                if not one:
                    h.add_edge(int(b), int(a), w=ln / (1000 * sp * f))
        expected = np.full((120, 120), np.inf)
        for s, row in nx.all_pairs_dijkstra_path_length(h, weight="w"):
            for t, d in row.items():
                expected[s, t] = d
        got = router.travel_time_h(np.arange(120), np.arange(120))
        np.testing.assert_allclose(got, expected, rtol=1e-10)
        assert not np.allclose(got, got.T)  # one-way streets break the symmetry
        for target in (0, 57):
            to = router.times_to(target, np.arange(120))
            np.testing.assert_allclose(to, expected[:, target], rtol=1e-10)
            near = router.times_to(target, np.arange(120), limit_h=0.05)
            want = np.where(expected[:, target] <= 0.05, expected[:, target], np.inf)
            np.testing.assert_allclose(near, want, rtol=1e-10)


def test_without_one_way_edges_times_to_is_the_row_out_of_the_node():
    router = RoadRouter(grid_roads(4, 3))
    assert not router.directed
    nodes = np.arange(12)
    np.testing.assert_allclose(router.times_to(5, nodes), router.travel_time_h([5], nodes)[0])
