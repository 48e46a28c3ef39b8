"""Multilayer core: Layer / Dependency / MultilayerNetwork validation and conversions."""

import networkx as nx
import numpy as np
import pytest

from sim.networks import Dependency, Layer, MultilayerNetwork, NetworkError
from sim.networks.multilayer import NODE_FIELDS


def _square_layer(name="power", normally_open=None):
    # Unit square 0-1-2-3-0 with side 100 m, node 0 the source.
    nodes = {
        "x_m": np.array([0.0, 100.0, 100.0, 0.0]),
        "y_m": np.array([0.0, 0.0, 100.0, 100.0]),
        "is_source": np.array([True, False, False, False]),
        "customers_households": np.array([0.0, 10.0, 20.0, 30.0]),
    }
    edges = {
        "u": np.array([0, 1, 2, 3]),
        "v": np.array([1, 2, 3, 0]),
        "length_m": np.array([100.0, 100.0, 100.0, 100.0]),
    }
    if normally_open is not None:
        edges["normally_open"] = np.asarray(normally_open)
    return Layer(name, nodes, edges)


def test_layer_fills_standard_fields_with_defaults():
    layer = _square_layer()
    assert set(NODE_FIELDS) <= set(layer.nodes)
    assert np.isnan(layer.nodes["wind_theta_ms"]).all()
    assert (layer.nodes["district"] == -1).all()
    assert layer.nodes["is_source"].dtype == bool
    assert layer.n_nodes == 4 and layer.n_edges == 4


def test_adjacency_is_symmetric_with_lengths_and_cached():
    layer = _square_layer()
    a = layer.adjacency()
    dense = a.toarray()
    assert np.array_equal(dense, dense.T)
    assert dense[0, 1] == 100.0 and dense[0, 2] == 0.0
    assert a.nnz == 8
    assert layer.adjacency() is a


def test_adjacency_keeps_shortest_parallel_edge():
    layer = Layer(
        "x",
        {"x_m": np.zeros(2)},
        {"u": np.array([0, 1]), "v": np.array([1, 0]), "length_m": np.array([50.0, 20.0])},
    )
    assert layer.adjacency().toarray()[0, 1] == 20.0


def test_normally_open_edges_are_not_in_the_adjacency():
    layer = _square_layer(normally_open=[False, False, False, True])
    assert layer.adjacency().toarray()[0, 3] == 0.0
    assert layer.adjacency(include_open=True).toarray()[0, 3] == 100.0
    assert list(layer.degree()) == [1, 2, 2, 1]


@pytest.mark.parametrize(
    ("nodes", "edges", "match"),
    [
        ({"x_m": np.zeros(3)}, {"u": [0, 1], "v": [1, 3]}, "out of range"),
        ({"x_m": np.zeros(3), "y_m": np.zeros(2)}, {"u": [0], "v": [1]}, "differ in length"),
        ({"x_m": np.zeros(3)}, {"u": [0, 1], "v": [1]}, "differ in length"),
        ({"x_m": np.zeros(3)}, {"u": [1], "v": [1]}, "self-loop"),
        ({"x_m": np.zeros(3)}, {"u": [0]}, "need field 'v'"),
        ({"x_m": np.zeros(2), "asset_type": [0, 1]}, {"u": [0], "v": [1]}, "asset_type codes"),
        ({"x_m": np.zeros(2)}, {"u": [0], "v": [1], "length_m": [-1.0]}, "length_m"),
    ],
)
def test_layer_rejects_malformed_input(nodes, edges, match):
    with pytest.raises(NetworkError, match=match):
        Layer("bad", nodes, edges)


def test_dependency_validates_kind_lengths_and_buffers():
    dep = Dependency("physical", "water", "power", [0, 1], [2, 3], 2.0)
    assert dep.buffer_h.tolist() == [2.0, 2.0]
    with pytest.raises(NetworkError, match="kind"):
        Dependency("magic", "water", "power", [0], [1])
    with pytest.raises(NetworkError, match="suppliers"):
        Dependency("cyber", "water", "power", [0, 1], [1])
    with pytest.raises(NetworkError, match="buffer_h"):
        Dependency("cyber", "water", "power", [0], [1], [-1.0])


def test_network_rejects_dependency_on_missing_layer_or_node():
    power = _square_layer("power")
    water = _square_layer("water")
    with pytest.raises(NetworkError, match="unknown supplier layer 'gas'"):
        MultilayerNetwork({"water": water}, [Dependency("physical", "water", "gas", [0], [0])])
    with pytest.raises(NetworkError, match=r"supplier index out of range \[0, 4\)"):
        MultilayerNetwork(
            {"power": power, "water": water},
            [Dependency("physical", "water", "power", [0], [4])],
        )
    with pytest.raises(NetworkError, match="layers are"):
        MultilayerNetwork({"power": power}).layer("roads")


def test_summary_counts_nodes_edges_sources_customers_dependents():
    net = MultilayerNetwork(
        {"power": _square_layer("power"), "water": _square_layer("water")},
        [Dependency("physical", "water", "power", [1, 2, 2], [0, 0, 1])],
    )
    s = net.summary()
    assert s.loc["power", "n_nodes"] == 4 and s.loc["total", "n_nodes"] == 8
    assert s.loc["total", "n_edges"] == 8
    assert s.loc["water", "n_sources"] == 1
    assert s.loc["power", "customers_households"] == 60.0
    assert s.loc["water", "n_dependent"] == 2  # nodes 1 and 2 (node 2 has two links)
    assert s.loc["power", "n_dependent"] == 0


def test_layer_networkx_round_trip_preserves_attributes():
    layer = _square_layer(normally_open=[False, False, True, False])
    g = layer.to_networkx()
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 4
    assert g.nodes[2]["customers_households"] == 20.0
    back = Layer.from_networkx("power", g)
    assert np.array_equal(back.nodes["is_source"], layer.nodes["is_source"])
    assert np.array_equal(back.adjacency().toarray(), layer.adjacency().toarray())
    assert back.edges["normally_open"].sum() == 1


def test_from_networkx_uses_euclidean_length_and_renumbers_nodes():
    g = nx.Graph()
    g.add_node("a", x_m=0.0, y_m=0.0)
    g.add_node("b", x_m=3.0, y_m=4.0)
    g.add_edge("a", "b")
    layer = Layer.from_networkx("x", g)
    assert layer.edges["length_m"].tolist() == [5.0]
    assert layer.nodes["nx_id"].tolist() == ["a", "b"]


def test_multiplex_networkx_tags_nodes_by_layer_and_adds_dependency_arcs():
    net = MultilayerNetwork(
        {"power": _square_layer("power"), "water": _square_layer("water")},
        [Dependency("physical", "water", "power", [1], [3], 4.0)],
    )
    g = net.to_networkx()
    assert g.number_of_nodes() == 8
    assert g.nodes[("water", 1)]["layer"] == "water"
    arc = g.edges[("power", 3), ("water", 1)]
    assert arc["kind"] == "physical" and arc["buffer_h"] == 4.0
    assert not g.has_edge(("water", 1), ("power", 3))
    assert g.edges[("power", 0), ("power", 1)]["kind"] == "intra"
    assert g.number_of_edges() == 2 * 8 + 1
