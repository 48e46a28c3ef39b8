"""Motter & Lai (2002) verification: loads, cascade, the published behaviour, CLI."""

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from sim.interfaces.cli import verify as cli_verify
from sim.interfaces.cli.verify import verify_app
from sim.networks.load_cascade import motter_lai, shortest_path_load
from sim.studies.verify import motter_lai as ml
from sim.studies.verify.report import Check


def _adj(g, n=None):
    return nx.to_scipy_sparse_array(g, nodelist=range(n or g.number_of_nodes()), format="csr")


def test_load_on_hand_computed_graphs():
    # Path 0-1-2-3-4: node 1 lies on the pairs (0,2),(0,3),(0,4) -> 3; node 2 on
    # (0,3),(0,4),(1,3),(1,4) -> 4; end nodes carry nothing.
    assert shortest_path_load(_adj(nx.path_graph(5))).tolist() == [0, 3, 4, 3, 0]
    # Star with 4 leaves: all C(4,2) = 6 leaf pairs pass the hub.
    assert shortest_path_load(_adj(nx.star_graph(4))).tolist() == [6, 0, 0, 0, 0]
    # 4-cycle: the opposite pair (0,2) has two shortest paths, via 1 and via 3: 1/2 each.
    assert shortest_path_load(_adj(nx.cycle_graph(4))).tolist() == [0.5] * 4


@pytest.mark.parametrize("seed", range(4))
def test_load_equals_networkx_betweenness_on_subgraphs(seed):
    rng = np.random.default_rng(seed)
    g = nx.gnm_random_graph(120, 150, seed=seed)  # sparse: several components
    alive = rng.random(120) < 0.85
    ref = nx.betweenness_centrality(g.subgraph(np.flatnonzero(alive).tolist()), normalized=False)
    expect = np.zeros(120)
    for node, val in ref.items():
        expect[node] = val
    assert np.allclose(shortest_path_load(_adj(g), alive, block=16), expect, atol=1e-9)


def test_largest_component_fraction_counts_only_alive_nodes():
    g = nx.Graph([(0, 1), (1, 2), (3, 4)])
    g.add_node(5)
    alive = np.array([True, False, True, True, True, True])
    # survivors {0}, {2}, {3,4}, {5}: largest has 2 of 6 nodes
    assert ml.largest_component_fraction(_adj(g), alive) == pytest.approx(2 / 6)


def test_precomputed_initial_load_gives_the_same_cascade():
    g = nx.barabasi_albert_graph(150, 2, seed=3)
    a = _adj(g)
    load = shortest_path_load(a)
    removed = np.zeros(150, bool)
    removed[np.argmax(load)] = True
    assert np.array_equal(
        motter_lai(a, 0.2, removed), motter_lai(a, 0.2, removed, initial_load=load)
    )


def test_ba_graph_reproduces_motter_lai_behaviour():
    # One BA graph at the published size (N = 1000, m = 2): load attack devastating, random
    # failure harmless, G non-decreasing in alpha (a single graph is enough at these margins:
    # targeted G was 0.03-0.15 and random medians > 0.99 over the seeds tried).
    res = ml.run_motter_lai(nodes=1000, m=2, seed=0, graphs=1, random_samples=5)
    checks = res.checks()
    assert all(c.passed for c in checks), [c.line() for c in checks]
    assert res.g_targeted[0] <= 0.5
    assert np.median(res.g_random) >= 0.95
    means = res.sweep_means()
    assert np.all(np.diff(means) >= 0) and means[-1] - means[0] > 0.3


def test_invalid_inputs_are_rejected():
    with pytest.raises(ml.MotterLaiInputError):
        ml.run_motter_lai(nodes=10)
    with pytest.raises(ml.MotterLaiInputError):
        ml.run_motter_lai(nodes=100, graphs=0)


def test_cli_exit_codes(monkeypatch):
    runner = CliRunner()
    assert runner.invoke(verify_app, ["motter-lai", "--nodes", "10"]).exit_code == 2

    class Fake:
        alphas = (0.1,)
        elapsed_s = 0.0

        def sweep_means(self):
            return np.array([0.9])

        def checks(self):
            return [Check("motter-lai", "G", 0.9, 0.5, 0.0, relation="le")]

    monkeypatch.setattr(cli_verify, "run_motter_lai", lambda **k: Fake())
    out = runner.invoke(verify_app, ["motter-lai"])
    assert out.exit_code == 1
    assert "motter-lai: G simulated 0.9000 vs theory <= 0.5000 (tolerance 0) FAIL" in out.output
