"""Verification of the gas layer's valve isolation against its graph, computed independently.

``citysafe verify gas-isolation SCENARIO``: the scenario's gas layer is generated as a run
builds it (`sim.networks.generate_city_networks` on the streams of the scenario's seed), and
mains are isolated one at a time through the layer's `CascadeEngine` (the source-served
cascade of a run, the gas layer alone: valve isolation, no power). Each result is compared with
what the topology says without the cascade engine:

- **medium-pressure mains**: the medium-pressure network is a forest of radial trees hanging
  under the regulators (`sim.networks.gas`), so isolating a main cuts exactly the customers of
  its subtree. Theory: the subtree sums over the tree's parent pointers (a breadth-first order
  from each regulator, children summed into parents in reverse order);
- **high-pressure mains and regulator stations**: the high-pressure grid is looped, so isolating
  a stretch cuts only the regulators it leaves in a part of the grid without a gate station,
  each with its whole tree. The generator meshes the regulator stations into the grid (its
  Gabriel graph spans gate stations, high-pressure nodes and regulators alike), so an isolated
  regulator cuts its own tree and any regulators only it joins to a gate. Theory: the connected
  components of the grid without the node (`scipy.sparse.csgraph.connected_components`);
- **conservation**: customers served + customers cut = the layer's customers, after every
  isolation.

Each check is exact (tolerance 0 households): the largest absolute difference over the mains
tried is compared with 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components

from sim.city import load_city
from sim.core.cli_input import Bound
from sim.core.streams import RandomStreams
from sim.networks import (
    CascadeEngine,
    MultilayerNetwork,
    NetworkSpec,
    generate_city_networks,
    service_by_district,
)
from sim.networks.multilayer import Layer
from sim.scenario import load_scenario
from sim.studies.verify.report import Check, VerifyInputError

NAME = "gas-isolation"
MAINS = Bound(1, 100_000, integer=True)
"""Mains isolated per class (drawn without replacement; all of them when fewer): each one
cascade of ~1 ms on the example city's layer, so 100,000 are about two minutes."""


def subtree_customers(layer: Layer) -> np.ndarray:
    """(n,) customers cut when each node of the medium-pressure forest is isolated: its own and
    its descendants' ``customers_households`` (NaN for high-pressure mains and gate stations).

    The forest: the layer's ``mp_main`` edges, each rooted at its regulator station.
    """
    nd, e = layer.nodes, layer.edges
    n = layer.n_nodes
    mp = e["edge_type"] == layer.edge_types.index("mp_main")
    adj = sparse.coo_matrix((np.ones(mp.sum()), (e["u"][mp], e["v"][mp])), shape=(n, n)).tocsr()
    adj = (adj + adj.T).tocsr()
    cust = np.asarray(nd["customers_households"], float)
    out = np.full(n, np.nan)
    regs = np.flatnonzero(nd["asset_type"] == layer.asset_type_code("gas_regulator_station"))
    for r in regs:
        order, parent = breadth_first_order(adj, int(r), directed=False)
        total = cust.copy()
        for i in order[::-1]:  # leaves first: add each node's total into its parent
            if parent[i] >= 0:
                total[parent[i]] += total[i]
        out[order] = total[order]
    return out


def grid_customers_cut(layer: Layer, node: int, tree: np.ndarray) -> float:
    """Customers of the regulators left without a gate station when high-pressure ``node`` is
    isolated: connected components of the ``hp_main`` grid without it; ``tree``: the
    regulators' tree customers (`subtree_customers`)."""
    nd, e = layer.nodes, layer.edges
    n = layer.n_nodes
    hp = (e["edge_type"] == layer.edge_types.index("hp_main")) & (e["u"] != node)
    hp &= e["v"] != node
    adj = sparse.coo_matrix((np.ones(hp.sum()), (e["u"][hp], e["v"][hp])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    fed = np.isin(label, label[nd["is_source"] & (np.arange(n) != node)])
    regs = np.flatnonzero(nd["asset_type"] == layer.asset_type_code("gas_regulator_station"))
    return float(sum(tree[r] for r in regs if not fed[r]))


def _isolate(engine: CascadeEngine, layer: Layer, node: int, t: float) -> tuple[float, float]:
    """(customers cut, customers served) after isolating ``node`` (the engine's state)."""
    damaged = np.zeros(layer.n_nodes, bool)
    damaged[node] = True
    func = engine.update({"gas": damaged}, t)["gas"]
    served, total = service_by_district(layer, func, int(layer.nodes["district"].max()) + 1)
    return float(total.sum() - served.sum()), float(served.sum())


def verify_gas_isolation(layer: Layer, rng: np.random.Generator, mains: int = 200) -> list[Check]:
    """Isolate up to ``mains`` medium-pressure mains, every regulator station and up to
    ``mains`` high-pressure mains of a gas ``layer`` and compare with the topology (module
    docstring).

    Args:
        layer: a generated gas layer (`sim.networks.gas.build_gas`).
        rng: generator of the mains drawn.
        mains: mains tried per pressure class (:data:`MAINS`).

    Returns:
        Four `Check` lines: medium-pressure mains, regulators, high-pressure mains (largest
        |simulated − theory| households, vs 0) and conservation (largest |served + cut −
        total|, vs 0).

    Raises:
        VerifyInputError: ``mains`` beyond :data:`MAINS`.
    """
    if (problem := MAINS.problem(mains)) is not None:
        raise VerifyInputError(f"--mains {mains}: {problem}")
    engine = CascadeEngine(MultilayerNetwork({"gas": layer}))
    code = layer.nodes["asset_type"]
    total = float(layer.nodes["customers_households"].sum())
    tree = subtree_customers(layer)
    groups = {}
    for name in ("gas_main_mp", "gas_regulator_station", "gas_main_hp"):
        idx = np.flatnonzero(code == layer.asset_type_code(name))
        if name != "gas_regulator_station" and idx.size > mains:
            idx = np.sort(rng.choice(idx, size=mains, replace=False))
        groups[name] = idx
    worst = dict.fromkeys(groups, 0.0)
    conservation, t = 0.0, 0.0
    for name, idx in groups.items():
        for i in idx.tolist():
            t += 1.0
            cut, served = _isolate(engine, layer, i, t)
            want = tree[i] if name == "gas_main_mp" else grid_customers_cut(layer, i, tree)
            worst[name] = max(worst[name], abs(cut - want))
            conservation = max(conservation, abs(served + cut - total))
    what = {
        "gas_main_mp": "medium-pressure main cuts its subtree's customers",
        "gas_regulator_station": "regulator station cuts its tree and what it cuts off",
        "gas_main_hp": "high-pressure main cuts the regulators it cuts off from every gate",
    }
    checks = [
        Check(
            NAME,
            f"{what[k]}: max |difference| households over {groups[k].size}",
            worst[k],
            0.0,
            0.0,
            detail=f"{groups[k].size} isolations",
        )  # fmt: skip
        for k in groups
    ]
    n_all = sum(g.size for g in groups.values())
    checks.append(
        Check(
            NAME,
            f"served + cut = {total:,.0f} customers: max |difference| over {n_all}",
            conservation,
            0.0,
            0.0,
        )  # fmt: skip
    )
    return checks


def scenario_gas_layer(path: str | Path) -> Layer:
    """The gas layer a run of the scenario at ``path`` builds (its seed's ``networks`` and
    ``networks.gas`` streams; imports of the scenario not applied).

    Raises:
        VerifyInputError: the scenario's city has no gas statistics (no gas layer).
        sim.scenario.ScenarioError, sim.core.errors.InputDataError: unreadable scenario or city.
    """
    scen = load_scenario(Path(path))
    city = load_city(Path(scen.city.data_dir))
    cfg = scen.networks
    spec = NetworkSpec.for_city(
        city.profile.network_statistics,
        resolution=cfg.resolution,
        pump_backup_fraction=cfg.pump_backup_fraction,
        pump_backup_buffer_h=cfg.pump_backup_h,
    )
    streams = RandomStreams(scen.seed)
    net = generate_city_networks(city, spec, streams["networks"], streams["networks.gas"])
    if "gas" not in net.layers:
        raise VerifyInputError(f"{path}: the city has no gas statistics, so no gas layer")
    return net.layers["gas"]
