"""Synthetic interdependent infrastructure for a city: power, water, drainage and roads.

Nodes are placed uniformly at random inside the district polygons (`City.sample_points`), in
numbers set per district by documented drivers, then wired with spatial-graph rules. City-wide
statistics come from the city profile (``city.yaml`` ``networks``, with sources); every other
count is a parameter of `NetworkSpec` (sim/networks/spec.py) marked "assumption".

Drivers per district d (assumption): urbanised area U_d = min(A_d, P_d / 10,000 persons/km²),
rural area R_d = A_d - U_d (the first city: U ≈ 2,108 km², its core districts fully urbanised).
- power: 220 kV sources ∝ population; 110/35 kV substations ∝ households with an area floor;
  10 kV transformers ∝ households. Sub-transmission = Gabriel mesh of all substations; feeders
  = radial greedy-descent trees from each transformer to the nearest substation of its
  district; a few normally-open ties between feeders.
- water: plants ∝ population (≥ 1 per district); boosters ∝ households; junctions ∝ households
  with an area floor. Trunk = Gabriel mesh of plants + boosters per district, joined across
  land and river borders; each junction belongs to the pressure zone of its nearest plant or
  booster, zones are looped Gabriel meshes joined to the trunk only at their head.
- drainage: municipal pumping stations in the urban-core zones ∝ area, district stations elsewhere
  ∝ urbanised area; catchment nodes ∝ urbanised area (pipe km); radial trees to the nearest
  outlet.
- roads: urban road km ∝ population, rural km ∝ rural area; intersections sized so that a
  Gabriel mesh has that length; stitched across land borders, across river borders only at
  `river_crossings` fixed links, plus one tunnel-bridge and one ferry edge per such link.
  Underpasses split road edges; urban bridges are flagged edges. Intersections scale with
  `resolution` up to 1 only: a finer mesh would be longer than the city's road length.
- telecom: base-station sites and backbone nodes (sim/networks/telecom.py).
Pumping stations, water plants and telecom sites depend on power (physical `Dependency`);
booster and drainage pumping stations on two 10 kV feeders, either of which feeds them (dual
supply of first-class loads, GB 50052-2009 §3.0.2, GB 50788-2012 §7.3.1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from sim.damage.fragility import get_curve as fragility_curve
from sim.hazards.base import INTENSITY_MEASURES
from sim.networks import spatial as sp
from sim.networks.errors import NetworkError
from sim.networks.gas import build_gas, gas_power_dependency, has_gas
from sim.networks.multilayer import Dependency, Layer, MultilayerNetwork
from sim.networks.protection import feeder_of, second_supply
from sim.networks.spec import (
    DEFAULT_FRAGILITY_TABLE,
    DRAINAGE_EDGE_TYPES,
    LAYER_ASSET_TYPES,
    POWER_EDGE_TYPES,
    ROAD_EDGE_TYPES,
    WATER_EDGE_TYPES,
    NetworkSpec,
    asset_node_fields,
    city_network_spec,
)
from sim.networks.telecom import build_telecom, telecom_dependencies

__all__ = ["NetworkSpec", "assign_fragility", "district_counts", "generate_city_networks"]


@dataclass
class _Drivers:
    population: np.ndarray
    households: np.ndarray
    area_km2: np.ndarray
    urban_km2: np.ndarray
    rural_km2: np.ndarray
    urban_core: np.ndarray


def _drivers(city, spec: NetworkSpec) -> _Drivers:
    d = city.districts
    for col in ("population", "households", "area_km2", "urban_core"):
        if col not in d.columns:
            raise NetworkError(f"city.districts lacks column {col!r} needed by the generator")
    pop = d["population"].to_numpy(float)
    area = d["area_km2"].to_numpy(float)
    urban = np.minimum(area, pop / spec.urban_density_persons_per_km2)
    return _Drivers(
        population=pop,
        households=d["households"].to_numpy(float),
        area_km2=area,
        urban_km2=urban,
        rural_km2=area - urban,
        urban_core=d["urban_core"].to_numpy(bool),
    )


def _sample(city, counts: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    pts, dist = [], []
    for d, n in enumerate(np.asarray(counts, int)):
        if n > 0:
            pts.append(np.asarray(city.sample_points(d, int(n), rng), float).reshape(-1, 2))
            dist.append(np.full(int(n), d, dtype=np.int64))
    if not pts:
        return np.empty((0, 2)), np.empty(0, np.int64)
    return np.vstack(pts), np.concatenate(dist)


def _split_households(households: np.ndarray, district: np.ndarray, n_d: int) -> np.ndarray:
    """Integer customers per node: round(households_d) split evenly over the district's nodes."""
    out = np.zeros(len(district))
    for d in range(n_d):
        idx = np.flatnonzero(district == d)
        if idx.size:
            out[idx] = sp.allocate_integer(int(round(households[d])), np.ones(idx.size))
    return out


def _blocks(*counts: int) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


def _per_district_graph(
    xy: np.ndarray, district: np.ndarray, n_d: int, builder: Callable = sp.gabriel_edges
) -> tuple[np.ndarray, np.ndarray]:
    us, vs = [], []
    for d in range(n_d):
        idx = np.flatnonzero(district == d)
        if idx.size >= 2:
            u, v = builder(xy[idx])
            us.append(idx[u])
            vs.append(idx[v])
    if not us:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(us), np.concatenate(vs)


def _link_pairs(city, types: tuple[str, ...]) -> set[tuple[int, int]]:
    lk = city.links
    sel = lk[lk["link_type"].isin(types)]
    a, b = sel["a"].to_numpy(int), sel["b"].to_numpy(int)
    return {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)}


def _pair_mask(da: np.ndarray, db: np.ndarray, pairs: set[tuple[int, int]], n_d: int) -> np.ndarray:
    table = np.zeros((n_d, n_d), bool)
    for a, b in pairs:
        table[a, b] = table[b, a] = True
    return table[da, db]


# --------------------------------------------------------------------------------------------
# power
# --------------------------------------------------------------------------------------------
def _build_power(city, spec: NetworkSpec, drv: _Drivers, rng) -> Layer:
    n_d = len(drv.population)
    n_src_total = max(1, int(round(drv.population.sum() / spec.persons_per_bulk_source)))
    n_src = sp.allocate_integer(n_src_total, drv.population, minimum=1 if n_src_total >= n_d else 0)
    n_sub = np.maximum(
        np.ceil(drv.households / spec.households_per_substation),
        np.ceil(drv.area_km2 / spec.km2_per_substation_max),
    ).astype(int)
    n_tr = np.maximum(
        1, np.round(drv.households / spec.households_per_transformer * spec.resolution)
    ).astype(int)
    xy_src, d_src = _sample(city, n_src, rng)
    xy_sub, d_sub = _sample(city, n_sub, rng)
    xy_tr, d_tr = _sample(city, n_tr, rng)
    s, b, t = len(xy_src), len(xy_sub), len(xy_tr)
    xy = np.vstack([xy_src, xy_sub, xy_tr])
    district = np.concatenate([d_src, d_sub, d_tr])
    code = _blocks(s, b, t)

    # Meshed sub-transmission: Gabriel graph over all 220 kV and 110/35 kV substations.
    hu, hv = sp.gabriel_edges(xy[: s + b])
    # Radial feeders: transformer -> nearest substation of its district, greedy descent tree.
    root = sp.nearest_in_group(xy_tr, d_tr, xy_sub, d_sub)
    parent = sp.descent_tree(xy_tr, root, xy_sub)
    child = s + b + np.arange(t)
    fu = child
    fv = np.where(parent >= 0, s + b + parent, s + root)
    # Normally-open ties between feeders of different substations in the same district.
    k = min(7, t)
    _, nb = cKDTree(xy_tr).query(xy_tr, k=k)
    nb = nb.reshape(t, k)
    cand = (root[nb] != root[:, None]) & (d_tr[nb] == d_tr[:, None])
    ci, cj = np.nonzero(cand)
    first = np.unique(ci, return_index=True)[1]
    ti, tj = sp.unique_edges(ci[first], nb[ci[first], cj[first]])
    n_tie = min(len(ti), int(round(spec.tie_fraction * t)))
    pick = rng.choice(len(ti), size=n_tie, replace=False) if n_tie else np.empty(0, int)
    tu, tv = s + b + ti[pick], s + b + tj[pick]

    u = np.concatenate([hu, fu, tu])
    v = np.concatenate([hv, fv, tv])
    etype = _blocks(len(hu), len(fu), len(tu))
    cap = np.array([spec.bulk_source_kva, spec.substation_kva, spec.transformer_kva])[code]
    customers = np.zeros(len(xy))
    customers[s + b :] = _split_households(drv.households, d_tr, n_d)
    nodes = asset_node_fields("power", xy, district, code, rng, cap, code == 0, customers)
    edges = {
        "u": u,
        "v": v,
        "length_m": sp.edge_lengths(xy, u, v),
        "edge_type": etype,
        "normally_open": etype == 2,
    }
    return Layer("power", nodes, edges, LAYER_ASSET_TYPES["power"], POWER_EDGE_TYPES)


# --------------------------------------------------------------------------------------------
# water
# --------------------------------------------------------------------------------------------
def _build_water(city, spec: NetworkSpec, drv: _Drivers, rng) -> Layer:
    n_d = len(drv.population)
    # At least one plant per district (assumption: islands have their own
    # works); with fewer plants than districts the total exceeds spec.water_plants.
    n_pl = sp.allocate_integer(max(spec.water_plants, n_d), drv.population, minimum=1)
    n_bo = np.maximum(1, np.round(drv.households / spec.households_per_booster)).astype(int)
    n_ju = np.maximum(
        np.round(drv.households / spec.households_per_water_junction),
        np.round(drv.area_km2 / spec.km2_per_water_junction_max),
    )
    n_ju = np.maximum(1, np.round(n_ju * spec.resolution)).astype(int)
    xy_pl, d_pl = _sample(city, n_pl, rng)
    xy_bo, d_bo = _sample(city, n_bo, rng)
    xy_ju, d_ju = _sample(city, n_ju, rng)
    p, b, j = len(xy_pl), len(xy_bo), len(xy_ju)
    xy = np.vstack([xy_pl, xy_bo, xy_ju])
    district = np.concatenate([d_pl, d_bo, d_ju])
    code = _blocks(p, b, j)
    h = p + b  # zone heads: plants and boosters

    # Trunk mains: Gabriel mesh of heads within each district plus city-wide Gabriel edges that
    # join districts sharing a land or river border (mains cross rivers in culverts).
    tu1, tv1 = _per_district_graph(xy[:h], district[:h], n_d)
    gu, gv = sp.gabriel_edges(xy[:h])
    linked = _pair_mask(district[gu], district[gv], _link_pairs(city, ("land", "river")), n_d)
    tu, tv = np.concatenate([tu1, gu[linked]]), np.concatenate([tv1, gv[linked]])
    # Pressure zones: each junction belongs to the nearest head of its district; distribution
    # mains form a Gabriel mesh inside the zone (looped), joined to the trunk only at the head.
    zone = np.concatenate([np.arange(h), sp.nearest_in_group(xy_ju, d_ju, xy[:h], district[:h])])
    du, dv = _per_district_graph(xy, district, n_d)
    keep = (zone[du] == zone[dv]) & ~((du < h) & (dv < h))
    du, dv = du[keep], dv[keep]
    ou, ov = sp.connect_orphans(len(xy), du, dv, xy, zone)
    du, dv = np.concatenate([du, ou]), np.concatenate([dv, ov])

    u, v = np.concatenate([tu, du]), np.concatenate([tv, dv])
    u, v = sp.unique_edges(u, v)
    etype = np.where((u < h) & (v < h), 0, 1)
    customers = np.zeros(len(xy))
    customers[h:] = _split_households(drv.households, d_ju, n_d)
    per_household = spec.water_capacity_m3_per_day / max(customers.sum(), 1.0)
    zone_customers = np.bincount(zone, weights=customers, minlength=len(xy))
    cap = np.where(
        code == 0,
        spec.water_capacity_m3_per_day / max(p, 1),
        np.where(code == 1, zone_customers * per_household, customers * per_household),
    )
    nodes = asset_node_fields("water", xy, district, code, rng, cap, code == 0, customers)
    nodes["zone_head"] = zone
    edges = {"u": u, "v": v, "length_m": sp.edge_lengths(xy, u, v), "edge_type": etype}
    return Layer("water", nodes, edges, LAYER_ASSET_TYPES["water"], WATER_EDGE_TYPES)


# --------------------------------------------------------------------------------------------
# drainage
# --------------------------------------------------------------------------------------------
def _build_drainage(city, spec: NetworkSpec, drv: _Drivers, rng) -> Layer:
    n_d = len(drv.population)
    central = drv.urban_core.copy()
    if not central.any():
        central = np.ones(n_d, bool)
    n_mun = sp.allocate_integer(
        spec.municipal_drainage_stations,
        np.where(central, drv.area_km2, 0.0),
        minimum=0,
    )
    n_mun[central & (n_mun == 0)] = 1
    n_dst_total = int(
        round(spec.district_drainage_capacity_m3_per_s / spec.district_station_capacity_m3_per_s)
    )
    n_dst = np.zeros(n_d, int)
    if (~central).any():
        n_dst[~central] = sp.allocate_integer(n_dst_total, drv.urban_km2[~central], minimum=1)
    pipe_km = spec.drainage_pipe_km * drv.urban_km2 / drv.urban_km2.sum()
    n_ca = np.maximum(
        1, np.round(pipe_km / spec.pipe_km_per_catchment_node * spec.resolution)
    ).astype(int)
    xy_m, d_m = _sample(city, n_mun, rng)
    xy_s, d_s = _sample(city, n_dst, rng)
    xy_c, d_c = _sample(city, n_ca, rng)
    m, s, c = len(xy_m), len(xy_s), len(xy_c)
    o = m + s
    xy = np.vstack([xy_m, xy_s, xy_c])
    district = np.concatenate([d_m, d_s, d_c])
    code = _blocks(m, s, c)

    # Sewers: each catchment node drains along a greedy descent tree to the nearest outlet
    # (pumping station) of its district.
    outlet = sp.nearest_in_group(xy_c, d_c, xy[:o], district[:o])
    parent = sp.descent_tree(xy_c, outlet, xy[:o])
    u = o + np.arange(c)
    v = np.where(parent >= 0, o + parent, outlet)
    out_cap = np.concatenate(
        [
            np.full(m, spec.municipal_drainage_capacity_m3_per_s / max(m, 1)),
            np.full(s, spec.district_drainage_capacity_m3_per_s / max(s, 1)),
        ]
    )
    served = np.bincount(outlet, minlength=o)
    cap = np.concatenate([out_cap, out_cap[outlet] / np.maximum(served[outlet], 1)])
    nodes = asset_node_fields("drainage", xy, district, code, rng, cap, code < 2)
    nodes["outlet"] = np.concatenate([np.arange(o), outlet])
    edges = {
        "u": u,
        "v": v,
        "length_m": sp.edge_lengths(xy, u, v),
        "edge_type": np.zeros(c, int),
    }
    return Layer("drainage", nodes, edges, LAYER_ASSET_TYPES["drainage"], DRAINAGE_EDGE_TYPES)


# --------------------------------------------------------------------------------------------
# roads
# --------------------------------------------------------------------------------------------
def _midpoints_inside(polys: list, d: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    inside = np.zeros(len(d), bool)
    for k in np.unique(d):
        sel = d == k
        inside[sel] = shapely.contains_xy(polys[k], mx[sel], my[sel])
    return inside


def _road_links(city, spec: NetworkSpec, xy: np.ndarray, district: np.ndarray, n_d: int):
    """Roads between districts: land-border Gabriel edges (at least one per land border; type
    -1 = the district's own road type), a fixed number of river crossings spread along each
    river border, and one link per tunnel-bridge and ferry.

    Returns:
        (u, v) of the land-border Gabriel edges, and lists of (u, v, type) arrays of the others.
    """
    polys = city.polygons_xy
    # Land borders: city-wide Gabriel edges between land-linked districts.
    gu, gv = sp.gabriel_edges(xy)
    cross = district[gu] != district[gv]
    gu, gv = gu[cross], gv[cross]
    land = _link_pairs(city, ("land",))
    ok = _pair_mask(district[gu], district[gv], land, n_d)
    gmx, gmy = (xy[gu, 0] + xy[gv, 0]) / 2, (xy[gu, 1] + xy[gv, 1]) / 2
    ok &= _midpoints_inside(polys, district[gu], gmx, gmy) | _midpoints_inside(
        polys, district[gv], gmx, gmy
    )
    lu, lv = gu[ok], gv[ok]
    have = {(min(a, b), max(a, b)) for a, b in zip(district[lu], district[lv], strict=True)}
    extra_u, extra_v, extra_t = [], [], []
    for a, b in sorted(land - have):  # guarantee at least one road per land border
        ia, ib = np.flatnonzero(district == a), np.flatnonzero(district == b)
        pr = sp.nearest_pairs(xy[ia], xy[ib], 1, 0.0)
        extra_u.append(ia[pr[:, 0]])
        extra_v.append(ib[pr[:, 1]])
        extra_t.append(np.full(len(pr), -1))

    # River links: a limited number of fixed crossings, spread along the border.
    lk = city.links
    river = lk[lk["link_type"] == "river"]
    if len(river):
        border = river["shared_border_km"].fillna(1.0).to_numpy(float)
        n_cross = sp.allocate_integer(spec.river_crossings, border, minimum=1)
        for (a, b), k, km in zip(river[["a", "b"]].to_numpy(int), n_cross, border, strict=True):
            ia, ib = np.flatnonzero(district == a), np.flatnonzero(district == b)
            pr = sp.nearest_pairs(xy[ia], xy[ib], int(k), 1000.0 * km / (k + 1))
            extra_u.append(ia[pr[:, 0]])
            extra_v.append(ib[pr[:, 1]])
            extra_t.append(np.full(len(pr), 2))
    for kind, code in (("tunnel_bridge", 3), ("ferry", 4)):
        for a, b in lk.loc[lk["link_type"] == kind, ["a", "b"]].to_numpy(int):
            ia, ib = np.flatnonzero(district == a), np.flatnonzero(district == b)
            pr = sp.nearest_pairs(xy[ia], xy[ib], 1, 0.0)
            extra_u.append(ia[pr[:, 0]])
            extra_v.append(ib[pr[:, 1]])
            extra_t.append(np.full(len(pr), code))
    return lu, lv, extra_u, extra_v, extra_t


def _split_underpasses(city, spec: NetworkSpec, drv: _Drivers, xy, district, eu, ev, etype,
                       midpoint_inside, rng):  # fmt: skip
    """Split randomly chosen intra-district edges (midpoint inside) at their midpoint, the new
    node being an underpass; counts per district follow the city's underpass inventory
    (else urban area). One draw from ``rng`` (:func:`_choose_per_district`).

    Returns:
        (xy, district, u, v, edge type) with the new nodes and halves, the eligible edges and
        the chosen (split) ones.
    """
    weights = drv.urban_km2
    if "underpasses" in getattr(city, "exposure", pd.DataFrame()).columns:
        w = city.exposure["underpasses"].to_numpy(float)
        if w.sum() > 0:
            weights = w
    n_up = sp.allocate_integer(spec.underpasses, weights)
    eligible = np.flatnonzero(midpoint_inside)
    chosen = _choose_per_district(district[eu[eligible]], eligible, n_up, rng)
    n0 = len(xy)
    new = n0 + np.arange(len(chosen))
    mid = (xy[eu[chosen]] + xy[ev[chosen]]) / 2
    xy_all = np.vstack([xy, mid])
    district_all = np.concatenate([district, district[eu[chosen]]])
    split_v = ev[chosen].copy()
    ev = ev.copy()
    ev[chosen] = new
    eu = np.concatenate([eu, new])
    ev = np.concatenate([ev, split_v])
    etype = np.concatenate([etype, etype[chosen]])
    return xy_all, district_all, eu, ev, etype, eligible, chosen


def _road_node_counts(spec: NetworkSpec, drv: _Drivers) -> tuple[np.ndarray, np.ndarray]:
    """(D,) urban road km and intersections per district.

    Urban roads follow population (trip demand; assumption), rural roads follow rural land;
    intersections are sized so that their Gabriel mesh has that length. Above resolution 1 the
    mesh keeps its size: a Gabriel mesh over r times the nodes is sqrt(r) times longer (23,342
    km at 4 for the first city's 11,496 km), which would break the road-length statistic it is
    sized from (and multiply the trees along it).
    """
    urban_km = spec.urban_road_km * drv.population / drv.population.sum()
    length_km = urban_km + spec.rural_road_km_per_km2 * drv.rural_km2
    n_nodes = (length_km / spec.gabriel_length_constant) ** 2 / drv.area_km2
    n_nodes = n_nodes * min(spec.resolution, 1.0)
    return urban_km, np.maximum(3, np.round(n_nodes)).astype(int)


def _build_roads(city, spec: NetworkSpec, drv: _Drivers, rng) -> Layer:
    n_d = len(drv.population)
    polys = city.polygons_xy
    urban_km, n_nodes = _road_node_counts(spec, drv)
    xy, district = _sample(city, n_nodes, rng)

    # Intra-district Gabriel mesh; drop edges whose midpoint leaves the polygon (they would span
    # a bay or a concavity) unless they belong to the district's minimum spanning tree.
    u, v = _per_district_graph(xy, district, n_d)
    length = sp.edge_lengths(xy, u, v)
    mst = sp.mst_mask(len(xy), u, v, length)
    mx, my = (xy[u, 0] + xy[v, 0]) / 2, (xy[u, 1] + xy[v, 1]) / 2
    inside = _midpoints_inside(polys, district[u], mx, my)
    keep = mst | inside
    u, v, inside = u[keep], v[keep], inside[keep]

    lu, lv, extra_u, extra_v, extra_t = _road_links(city, spec, xy, district, n_d)

    density = drv.population / drv.area_km2
    urban_speed = density >= spec.urban_speed_density_persons_per_km2
    base_type = np.where(urban_speed, 0, 1)
    eu = np.concatenate([u, lu, *extra_u])
    ev = np.concatenate([v, lv, *extra_v])
    etype = np.concatenate([base_type[district[u]], base_type[district[lu]], *extra_t]).astype(
        np.int64
    )
    land_fix = etype == -1
    etype[land_fix] = base_type[district[eu[land_fix]]]
    n_intra = len(u)
    midpoint_inside = np.zeros(len(eu), bool)
    midpoint_inside[:n_intra] = inside

    # Underpasses: split randomly chosen intra-district edges (midpoint inside) at the midpoint.
    xy_all, district_all, eu, ev, etype, eligible, chosen = _split_underpasses(
        city, spec, drv, xy, district, eu, ev, etype, midpoint_inside, rng
    )
    n0 = len(xy)

    # Bridges over creeks: flag urban-road edges (not crossings, not underpass halves).
    is_plain = np.zeros(len(eu), bool)
    is_plain[eligible] = True
    is_plain[chosen] = False
    n_br = sp.allocate_integer(spec.urban_bridges, urban_km)
    plain = np.flatnonzero(is_plain)
    bridges = _choose_per_district(district[eu[plain]], plain, n_br, rng)
    bridge = np.zeros(len(eu), bool)
    bridge[bridges] = True

    speeds = np.array(
        [
            spec.speed_urban_kmh,
            spec.speed_suburban_kmh,
            spec.speed_river_crossing_kmh,
            spec.speed_tunnel_bridge_kmh,
            spec.speed_ferry_kmh,
        ]
    )
    code = _blocks(n0, len(chosen))
    nan = np.full(len(xy_all), np.nan)
    nodes = asset_node_fields("roads", xy_all, district_all, code, rng, nan, np.zeros(len(xy_all)))
    nodes["road_node"] = np.arange(len(xy_all))
    elen = sp.edge_lengths(xy_all, eu, ev)
    elen[etype == 3] = np.maximum(elen[etype == 3], 1000.0 * spec.tunnel_bridge_min_length_km)
    edges = {
        "u": eu,
        "v": ev,
        "length_m": elen,
        "speed_kmh": speeds[etype],
        "crossing": etype >= 2,
        "bridge": bridge,
        "edge_type": etype,
    }
    return Layer("roads", nodes, edges, LAYER_ASSET_TYPES["roads"], ROAD_EDGE_TYPES)


def _choose_per_district(
    group: np.ndarray, items: np.ndarray, counts: np.ndarray, rng
) -> np.ndarray:
    """Draw counts[d] items without replacement among `items` whose group is d (capped)."""
    out = []
    for d, k in enumerate(np.asarray(counts, int)):
        pool = items[group == d]
        if k > 0 and pool.size:
            out.append(rng.choice(pool, size=min(k, pool.size), replace=False))
    return np.concatenate(out) if out else np.empty(0, np.int64)


# --------------------------------------------------------------------------------------------
# assembly
# --------------------------------------------------------------------------------------------
def _backup_buffer(n: int, spec: NetworkSpec, rng) -> np.ndarray:
    has = rng.random(n) < spec.pump_backup_fraction
    return np.where(has, spec.pump_backup_buffer_h, 0.0)


def _nearest_of_type(src: Layer, mask_src: np.ndarray, dst: Layer, type_name: str) -> np.ndarray:
    code = dst.asset_type_code(type_name)
    t = np.flatnonzero(dst.nodes["asset_type"] == code)
    xy_t = np.column_stack([dst.nodes["x_m"][t], dst.nodes["y_m"][t]])
    q = np.flatnonzero(mask_src)
    xy_q = np.column_stack([src.nodes["x_m"][q], src.nodes["y_m"][q]])
    j = sp.nearest_in_group(xy_q, src.nodes["district"][q], xy_t, dst.nodes["district"][t])
    return t[j]


def _dual_supplied(
    src: Layer, mask: np.ndarray, power: Layer, spec: NetworkSpec, feeder: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dependents, first supply, second supply (k, 1), -1 where none) of pumping stations:
    the nearest 10 kV node, and the nearest one of another feeder of the district
    (`sim.networks.protection.second_supply`, with the sources of the dual supply; ``feeder``:
    `sim.networks.protection.feeder_of` of the power layer)."""
    dependents = np.flatnonzero(mask)
    first = _nearest_of_type(src, mask, power, "distribution_transformer_10kv")
    xy = np.column_stack([src.nodes["x_m"][dependents], src.nodes["y_m"][dependents]])
    second = second_supply(
        xy, src.nodes["district"][dependents], power, first, spec.households_per_feeder,
        feeder=feeder,
    )  # fmt: skip
    return dependents, first, second[:, None]


def _dependencies(power: Layer, water: Layer, drainage: Layer, spec, rng) -> list[Dependency]:
    """Physical dependencies on power: water plants on the nearest 110/35 kV substation;
    booster and drainage pumping stations on two 10 kV feeders (first-class loads' dual supply,
    GB 50052-2009 §3.0.2, GB 50788-2012 §7.3.1; `sim.networks.protection.second_supply`),
    working while either feeds them and then for their backup generation's hours."""
    deps = []
    backup = (
        f"{spec.pump_backup_fraction:.0%} have {spec.pump_backup_buffer_h:g} h of backup "
        "generation (assumption), counted from the loss of the second supply"
    )
    dual = (
        "nearest 10 kV node and the nearest one of another feeder of its district (dual supply "
        "of a first-class load, GB 50052-2009 §3.0.2, GB 50788-2012 §7.3.1)"
    )
    plant = water.nodes["asset_type"] == water.asset_type_code("water_plant")
    deps.append(
        Dependency(
            "physical",
            "water",
            "power",
            np.flatnonzero(plant),
            _nearest_of_type(water, plant, power, "substation_110_35kv"),
            0.0,
            "water plant fed from the nearest 110/35 kV substation of its district; no backup "
            "(assumption)",
        )
    )
    booster = water.nodes["asset_type"] == water.asset_type_code("booster_pumping_station")
    feeder = feeder_of(power, spec.households_per_feeder)  # once for both kinds of pump
    dependents, first, second = _dual_supplied(water, booster, power, spec, feeder)
    deps.append(
        Dependency(
            "physical",
            "water",
            "power",
            dependents,
            first,
            _backup_buffer(dependents.size, spec, rng),
            f"booster pump fed from the {dual}; {backup}",
            alternate=second,
        )
    )
    outlet = drainage.nodes["is_source"]
    dependents, first, second = _dual_supplied(drainage, outlet, power, spec, feeder)
    deps.append(
        Dependency(
            "physical",
            "drainage",
            "power",
            dependents,
            first,
            _backup_buffer(dependents.size, spec, rng),
            f"drainage pump fed from the {dual}; {backup}",
            alternate=second,
        )
    )
    return deps


def generate_city_networks(
    city, spec: NetworkSpec | None = None, rng=None, rng_gas=None
) -> MultilayerNetwork:
    """Generate the power, water, drainage and road layers of a city and their dependencies.

    Args:
        city: `sim.city.City` (or any object with `districts` (population, households,
            area_km2, urban_core), `polygons_xy`, `links` (a, b, link_type, shared_border_km)
            and `sample_points(district, n, rng)`).
        spec: generator parameters; by default the city's (`city_network_spec`, its profile).
        rng: numpy Generator (required).
        rng_gas: generator of the gas layer (`sim.networks.gas`), built last and only when the
            spec has the city's gas statistics; default ``rng`` (after every other draw).

    Returns:
        MultilayerNetwork with layers "power", "water", "drainage", "roads", "telecom"
        (sim/networks/telecom.py) and physical dependencies of water plants / pumps and
        telecom sites on power. Every non-road node has `road_node`, the
        index of the nearest road intersection in its district. `net.meta["district_counts"]`
        holds per-district node counts by asset type; fragility fields are NaN (see
        `assign_fragility`).

    Raises:
        NetworkError: missing district columns, or a district without a node to attach to.
    """
    if rng is None:
        raise NetworkError("generate_city_networks needs an explicit numpy Generator `rng`")
    spec = spec or city_network_spec(city)
    drv = _drivers(city, spec)
    try:
        roads = _build_roads(city, spec, drv, rng)
        power = _build_power(city, spec, drv, rng)
        water = _build_water(city, spec, drv, rng)
        drainage = _build_drainage(city, spec, drv, rng)
    except ValueError as exc:
        if isinstance(exc, NetworkError):
            raise
        raise NetworkError(f"network generation failed: {exc}") from exc
    inter = roads.nodes["asset_type"] == roads.asset_type_code("intersection")
    for layer in (power, water, drainage):
        every = np.ones(layer.n_nodes, bool)
        layer.nodes["road_node"] = _nearest_of_type(layer, every, roads, "intersection")
    assert inter[: inter.sum()].all()  # intersections come first in the road layer
    deps = _dependencies(power, water, drainage, spec, rng)
    # telecom: drawn after the four layers, so their draws are those of a city without it
    telecom = build_telecom(city, spec, drv.population, drv.households, _sample, rng)
    telecom.nodes["road_node"] = _nearest_of_type(
        telecom, np.ones(telecom.n_nodes, bool), roads, "intersection"
    )
    deps += telecom_dependencies(telecom, power, spec)
    layers = {"power": power, "water": water, "drainage": drainage, "roads": roads}
    layers["telecom"] = telecom
    if has_gas(spec):  # the gas layer: its own draws, after all others
        gas = build_gas(city, spec, drv.households, drv.area_km2, rng_gas or rng)
        gas.nodes["road_node"] = _nearest_of_type(
            gas, np.ones(gas.n_nodes, bool), roads, "intersection"
        )
        layers["gas"] = gas
        deps.append(gas_power_dependency(gas, power, spec))
    net = MultilayerNetwork(layers, deps)
    net.meta["spec"] = asdict(spec)
    net.meta["district_counts"] = district_counts(net, city.n_districts)
    return net


def district_counts(net: MultilayerNetwork, n_districts: int) -> pd.DataFrame:
    """Nodes per district (rows) and asset type (columns "layer:type")."""
    cols = {}
    for name, layer in net.layers.items():
        for code, t in enumerate(layer.asset_types):
            sel = layer.nodes["asset_type"] == code
            cols[f"{name}:{t}"] = np.bincount(layer.nodes["district"][sel], minlength=n_districts)
    return pd.DataFrame(cols)


def assign_fragility(
    net: MultilayerNetwork,
    table: Mapping[str, Mapping[str, str]] | None = None,
    get_curve: Callable | None = None,
) -> None:
    """Fill fragility medians and dispersions by asset type and intensity measure, in place.

    Each IM's fields are its ``theta_field``/``beta_field``
    (:data:`sim.hazards.base.INTENSITY_MEASURES`: ``wind_theta_ms``/``wind_beta`` for
    ``gust_ms``, ``flood_theta_m``/``flood_beta`` for ``flood_depth_m``, ``<im>_theta``/
    ``<im>_beta`` otherwise), added as NaN columns to a layer that lacks them.

    Args:
        net: the network.
        table: asset type name -> {IM name: curve key}; the older keys "wind" and "flood"
            stand for ``gust_ms`` and ``flood_depth_m``. Default `DEFAULT_FRAGILITY_TABLE`
            (sim/networks/spec.py).
        get_curve: function key -> object with `theta`, `beta` (and optionally `im`); default
            `sim.damage.fragility.get_curve`.

    Raises:
        NetworkError: an asset type in `table` exists in no layer, an IM is not registered, or
            a curve's intensity measure is not the IM it is listed under.
    """
    if table is None:
        table = DEFAULT_FRAGILITY_TABLE
    if get_curve is None:
        get_curve = fragility_curve
    known = {t for layer in net.layers.values() for t in layer.asset_types}
    unknown = set(table) - known
    if unknown:
        raise NetworkError(f"unknown asset types {sorted(unknown)}; known: {sorted(known)}")
    alias = {im.stream: name for name, im in INTENSITY_MEASURES.items()}
    for layer in net.layers.values():
        for t, curves in table.items():
            if t not in layer.asset_types:
                continue
            sel = layer.nodes["asset_type"] == layer.asset_type_code(t)
            for im_name, key in curves.items():
                im = INTENSITY_MEASURES.get(alias.get(im_name, im_name))
                if im is None:
                    raise NetworkError(
                        f"{t}: intensity measure {im_name!r} is not registered; "
                        f"registered: {sorted(INTENSITY_MEASURES)}"
                    )
                curve = get_curve(key)
                if getattr(curve, "im", im.name) != im.name:
                    raise NetworkError(
                        f"{t}: curve {key!r} is in {curve.im!r}, expected {im.name!r}"
                    )
                for fld in (im.theta_field, im.beta_field):
                    if fld not in layer.nodes:
                        layer.nodes[fld] = np.full(layer.n_nodes, np.nan)
                layer.nodes[im.theta_field][sel] = curve.theta
                layer.nodes[im.beta_field][sel] = curve.beta
