"""The city gas layer: gate stations, high-pressure mains, regulator stations, medium-pressure
mains with their customers, scaled from the city's gas statistics (``city.yaml`` ``networks``:
`sim.networks.spec.GAS_STATISTICS`, each with its source).

Nodes (asset types of `sim.networks.spec.ASSET_TYPES`, layer ``gas``):

- ``gas_gate_station``: the layer's sources (city gate stations), ``gas_gate_stations`` of them
  spread over the districts by area;
- ``gas_main_hp``: a stretch of high-pressure main, ``gas_km_per_main_node`` km each
  (``pipe_km``), ``gas_hp_pipe_km`` in all, spread by area;
- ``gas_regulator_station``: high- to medium-pressure regulator stations, one per
  ``gas_households_per_regulator`` gas households of the district (at least one where the
  district has gas customers);
- ``gas_main_mp``: a stretch of medium-pressure main with the low-pressure service pipes and
  customer connections behind it, aggregated (``customers_households``: the district's gas
  households split evenly over its nodes; gas households = households × ``gas_piped_persons`` /
  ``statistics_population``); the rest of ``gas_pipe_km`` spread by gas households.

Topology: the high-pressure grid is a Gabriel mesh of gate stations, high-pressure nodes and
regulator stations, kept within a district or between districts sharing a land or river border
(a looped grid; stragglers joined to their nearest gate station); each medium-pressure node
hangs in a radial tree (greedy descent) under the nearest regulator station of its district.
A damaged (leaking) main is isolated by closing its valves: with the layer's source-served
cascade (`sim.networks.cascade`) everything downstream of it in the radial tree loses supply
until it is repaired, while the looped high-pressure grid reroutes around an isolated stretch.

Node fields beyond the standard ones: ``pipe_km`` (km of main, NaN for stations),
``pressure_kpa`` (gauge: 1,600 high pressure, 400 medium pressure — the upper limits of
classes B high and A medium of GB 50028-2006 Table 6.1.6; assumption: the city's grid runs at
them), ``diameter_m`` (assumption: 0.5 high-pressure, 0.2 medium-pressure), ``ductile`` (steel
high-pressure mains always; medium-pressure mains younger than ``gas_ductile_age_years``).
Ages are uniform on [0, design life] (`AssetType.design_life_years`, assumption).

Dependencies: each regulator station's telemetry and electrically actuated valves need power
from the nearest 10 kV feeder node of its district (kind ``cyber``), with
``gas_regulator_ups_h`` hours of UPS (assumption: the utility then isolates the unmonitored
station; a self-operated regulator would keep running without power, so this overstates the
coupling rather than missing it).
"""

from __future__ import annotations

import numpy as np

from sim.damage.gas_pipes import pgv_capacity_cm_s
from sim.networks.multilayer import Dependency, Layer
from sim.networks.services import register_layer, register_service_layer
from sim.networks.spatial import (
    allocate_integer,
    connect_orphans,
    descent_tree,
    edge_lengths,
    gabriel_edges,
    nearest_in_group,
    unique_edges,
)
from sim.networks.spec import (
    GAS_EDGE_TYPES,
    LAYER_ASSET_TYPES,
    NetworkSpec,
    asset_node_fields,
)

PRESSURE_KPA = {"gas_main_hp": 1600.0, "gas_main_mp": 400.0}
"""Gauge pressure by main type, kPa (module docstring)."""
DIAMETER_M = {"gas_main_hp": 0.5, "gas_main_mp": 0.2}
"""Main diameter by type, m (assumption)."""

# gas customers are households served: criticality screens every regulator (and gate) station
register_service_layer("gas", ("gas_regulator_station",), "#8c564b")
register_layer("gas", "Gas", "#8c564b", "D", "gas nodes failed")


def has_gas(spec: NetworkSpec) -> bool:
    """Whether the spec carries the city's gas statistics (else no gas layer is built)."""
    return spec.gas_pipe_km is not None


def gas_households(spec: NetworkSpec, households: np.ndarray) -> np.ndarray:
    """(D,) households with piped gas: households × piped persons / statistics population."""
    share = min(1.0, float(spec.gas_piped_persons) / float(spec.statistics_population))
    return np.asarray(households, float) * share


def _sample(city, counts, rng) -> tuple[np.ndarray, np.ndarray]:
    pts, dist = [np.empty((0, 2))], [np.empty(0, np.int64)]
    for d, n in enumerate(np.asarray(counts, int)):
        if n > 0:
            pts.append(np.asarray(city.sample_points(d, int(n), rng), float).reshape(-1, 2))
            dist.append(np.full(int(n), d, dtype=np.int64))
    return np.vstack(pts), np.concatenate(dist)


def _counts(spec: NetworkSpec, households, area_km2) -> dict[str, np.ndarray]:
    """Nodes per district by asset type (module docstring)."""
    hh = gas_households(spec, households)
    per_node = spec.gas_km_per_main_node / spec.resolution
    n_hp_total = max(1, int(round(spec.gas_hp_pipe_km / per_node)))
    mp_km = max(spec.gas_pipe_km - spec.gas_hp_pipe_km, 0.0) * hh / max(hh.sum(), 1.0)
    n_reg = np.where(hh > 0, np.maximum(1, np.ceil(hh / spec.gas_households_per_regulator)), 0)
    return {
        "gas_gate_station": allocate_integer(int(spec.gas_gate_stations), area_km2),
        "gas_main_hp": allocate_integer(n_hp_total, area_km2),
        "gas_regulator_station": n_reg.astype(int),
        "gas_main_mp": np.where(hh > 0, np.maximum(1, np.round(mp_km / per_node)), 0).astype(int),
        "mp_km": mp_km,
        "households": hh,
    }


def _hp_grid(city, xy, district, n_grid: int, gate_idx: np.ndarray):
    """Looped high-pressure grid over the first ``n_grid`` nodes (module docstring)."""
    gu, gv = gabriel_edges(xy[:n_grid])
    pairs = set()
    lk = city.links
    sel = lk[lk["link_type"].isin(("land", "river", "tunnel_bridge"))]
    for a, b in sel[["a", "b"]].to_numpy(int):
        pairs.add((min(a, b), max(a, b)))
    da, db = district[gu], district[gv]
    keep = (da == db) | np.array(
        [(min(a, b), max(a, b)) in pairs for a, b in zip(da.tolist(), db.tolist(), strict=True)],
        dtype=bool,
    )
    gu, gv = gu[keep], gv[keep]
    if gate_idx.size:
        nearest = gate_idx[
            np.argmin(
                np.hypot(
                    xy[:n_grid, None, 0] - xy[None, gate_idx, 0],
                    xy[:n_grid, None, 1] - xy[None, gate_idx, 1],
                ),
                axis=1,
            )
        ]
        ou, ov = connect_orphans(n_grid, gu, gv, xy[:n_grid], nearest)
        gu, gv = np.concatenate([gu, ou]), np.concatenate([gv, ov])
    return unique_edges(gu, gv)


def build_gas(city, spec: NetworkSpec, households, area_km2, rng) -> Layer:
    """Generate the gas layer of a city (module docstring).

    Args:
        city: `sim.city.City` (``sample_points``, ``links``).
        spec: the network spec with the gas statistics (`has_gas`).
        households: (D,) households by district; area_km2: (D,) district areas.
        rng: generator (the model's stream ``networks.gas``).

    Returns:
        The ``gas`` layer; ``road_node`` is set by the caller.

    Raises:
        ValueError: the spec has no gas statistics.
    """
    if not has_gas(spec):
        raise ValueError("the city profile has no gas statistics (networks: gas_pipe_km, ...)")
    names = LAYER_ASSET_TYPES["gas"]
    c = _counts(spec, households, area_km2)
    parts = [_sample(city, c[t], rng) for t in names]
    sizes = [len(p[0]) for p in parts]
    xy = np.vstack([p[0] for p in parts])
    district = np.concatenate([p[1] for p in parts])
    code = np.repeat(np.arange(len(names)), sizes)
    g, h, r, m = sizes
    n_grid = g + h + r
    hu, hv = _hp_grid(city, xy, district, n_grid, np.arange(g))
    mp = np.arange(n_grid, n_grid + m)
    reg = np.arange(g + h, n_grid)
    root = nearest_in_group(xy[mp], district[mp], xy[reg], district[reg])
    parent = descent_tree(xy[mp], root, xy[reg])
    mu, mv = mp, np.where(parent >= 0, n_grid + parent, reg[root])
    u, v = np.concatenate([hu, mu]), np.concatenate([hv, mv])
    etype = np.repeat([0, 1], [len(hu), len(mu)])
    nodes = _gas_nodes(spec, c, xy, district, code, rng)
    cust = nodes["customers_households"]
    nodes["capacity"][reg] = np.bincount(root, weights=cust[mp], minlength=r)
    nodes["capacity"][mp] = cust[mp]
    edges = {"u": u, "v": v, "length_m": edge_lengths(xy, u, v), "edge_type": etype}
    return Layer("gas", nodes, edges, names, GAS_EDGE_TYPES)


def _gas_nodes(spec, c, xy, district, code, rng) -> dict[str, np.ndarray]:
    """Standard and gas node fields (module docstring)."""
    names = LAYER_ASSET_TYPES["gas"]
    n = len(xy)
    typ = np.asarray(names, dtype=object)[code]
    is_mp = typ == "gas_main_mp"
    is_hp = typ == "gas_main_hp"
    n_d = len(c["households"])
    customers = np.zeros(n)
    nodes = asset_node_fields(
        "gas", xy, district, code, rng, np.full(n, np.nan), typ == "gas_gate_station", customers
    )
    age = nodes["age_years"]
    pipe_km = np.full(n, np.nan)
    pipe_km[is_hp] = spec.gas_hp_pipe_km / max(int(is_hp.sum()), 1)
    for d in range(n_d):
        idx = np.flatnonzero(is_mp & (district == d))
        if idx.size:
            customers[idx] = allocate_integer(int(round(c["households"][d])), np.ones(idx.size))
            pipe_km[idx] = c["mp_km"][d] / idx.size
    return {
        **nodes,
        "pipe_km": pipe_km,
        "pressure_kpa": np.array([PRESSURE_KPA.get(t, np.nan) for t in typ]),
        "diameter_m": np.array([DIAMETER_M.get(t, np.nan) for t in typ]),
        "ductile": is_hp | (is_mp & (age < spec.gas_ductile_age_years)),
    }


def gas_power_dependency(gas: Layer, power: Layer, spec: NetworkSpec) -> Dependency:
    """Regulator stations on the nearest 10 kV feeder node of their district (module
    docstring), kind ``cyber``, ``gas_regulator_ups_h`` hours of buffer."""
    reg = np.flatnonzero(gas.nodes["asset_type"] == gas.asset_type_code("gas_regulator_station"))
    code = power.asset_type_code("distribution_transformer_10kv")
    t = np.flatnonzero(power.nodes["asset_type"] == code)
    xy_t = np.column_stack([power.nodes["x_m"][t], power.nodes["y_m"][t]])
    xy_q = np.column_stack([gas.nodes["x_m"][reg], gas.nodes["y_m"][reg]])
    j = nearest_in_group(xy_q, gas.nodes["district"][reg], xy_t, power.nodes["district"][t])
    return Dependency(
        "cyber",
        "gas",
        "power",
        reg,
        t[j],
        spec.gas_regulator_ups_h,
        f"regulator station telemetry and valve actuators on the nearest 10 kV feeder node; "
        f"{spec.gas_regulator_ups_h:g} h of UPS, then isolated (assumption)",
    )


def gas_pgv_capacity(layer: Layer, rng) -> np.ndarray:
    """(n,) PGV (cm/s) of each main's first repair under shaking
    (:func:`sim.damage.gas_pipes.pgv_capacity_cm_s`: O'Rourke & Ayala 1993 as in Hazus); NaN
    for stations (no PGV damage)."""
    return pgv_capacity_cm_s(layer.nodes["pipe_km"], layer.nodes["ductile"], rng)
