"""Repair priority order: tiers, then the households regained by each repair."""

import numpy as np
import pytest

from sim.networks import (
    CascadeEngine,
    Dependency,
    Layer,
    MultilayerNetwork,
    NetworkError,
    repair_order,
    restoration_order,
)


def _tree_net(with_dependency=False):
    # Power feeder: 0 (source) - 1 - 2 - 3 - 5, and 1 - 4.
    # Households: node 2: 10, node 3: 20, node 4: 5, node 5: 5.
    power = Layer(
        "power",
        {
            "x_m": np.zeros(6),
            "is_source": np.array([True, False, False, False, False, False]),
            "customers_households": np.array([0, 0, 10, 20, 5, 5], float),
        },
        {"u": np.array([0, 1, 2, 3, 1]), "v": np.array([1, 2, 3, 5, 4])},
    )
    layers = {"power": power}
    deps = []
    if with_dependency:
        layers["water"] = Layer.from_edges("water", 1, [], [], is_source=[True])
        deps.append(Dependency("physical", "water", "power", [0], [4]))
    return MultilayerNetwork(layers, deps)


def test_repair_that_reconnects_households_now_comes_before_a_bigger_isolated_one():
    # Damaged 1 and 3 (both interior). Undamaged components: {0} served, {2} 10, {4} 5, {5} 5.
    # Repairing 1 reconnects {2} and {4} at once: immediate gain 15.
    # Repairing 3 alone restores nothing (still cut off by 1): immediate 0, potential 20+10+5.
    net = _tree_net()
    dmg = np.array([False, True, False, True, False, False])
    df = restoration_order(net, {"power": dmg})
    assert df["node"].tolist() == [1, 3]
    assert df["immediate_gain"].tolist() == [15.0, 0.0]
    assert df["potential_gain"].tolist() == [15.0, 35.0]
    # After repairing 1, node 3 brings back its own 20 and node 5's 5 households.
    dmg[1] = False
    df = restoration_order(net, {"power": dmg})
    assert df["immediate_gain"].tolist() == [25.0]
    # Consistency with the cascade: repairing 3 indeed restores 25 households.
    f0 = CascadeEngine(net).update({"power": dmg}, 0.0)["power"]
    f1 = CascadeEngine(net).update({"power": np.zeros(6, bool)}, 0.0)["power"]
    w = net.layers["power"].nodes["customers_households"]
    assert w[f1].sum() - w[f0].sum() == 25.0


def test_sources_come_first_then_dependency_suppliers():
    net = _tree_net(with_dependency=True)
    dmg = np.array([True, False, False, True, True, False])
    order = repair_order(net, "power", dmg)
    # 0 is the source (tier 0); 4 feeds the water plant (tier 1) although it serves only 5
    # households; 3 (interior, 25 households behind it) comes last.
    assert order.tolist() == [0, 4, 3]


def test_nothing_damaged_gives_an_empty_order_and_bad_masks_raise():
    net = _tree_net()
    assert len(restoration_order(net, {"power": np.zeros(6, bool)})) == 0
    with pytest.raises(NetworkError, match="shape"):
        restoration_order(net, {"power": np.zeros(5, bool)})
    with pytest.raises(NetworkError, match="no layer"):
        restoration_order(net, {"gas": np.zeros(5, bool)})


def test_layer_without_sources_reconnects_to_the_largest_component_first():
    # Roads 0-1-2-3-4-5-6 plus a spur 1-7; no sources, no customers (weight = 1 per node).
    # Damaged 1 and 3: undamaged components {0}, {2}, {7}, {4,5,6} (largest = "served").
    # Repairing 3 joins {2} to the largest: immediate 1 (itself) + 1 = 2.
    # Repairing 1 joins {0}, {2}, {7} but not to the largest: immediate 0, potential 1 + 3 = 4.
    roads = Layer.from_edges("roads", 8, [0, 1, 2, 3, 4, 5, 1], [1, 2, 3, 4, 5, 6, 7])
    net = MultilayerNetwork({"roads": roads})
    dmg = np.zeros(8, bool)
    dmg[[1, 3]] = True
    df = restoration_order(net, {"roads": dmg})
    assert df["node"].tolist() == [3, 1]
    assert df["immediate_gain"].tolist() == [2.0, 0.0]
    assert df["potential_gain"].tolist() == [2.0, 4.0]
