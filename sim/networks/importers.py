"""Importers of real infrastructure networks into `Layer`s, and their placement in a district.

Supported sources (optional dependencies, the "networks-io" extra):

- EPANET ``.inp`` water networks, read with WNTR (Klise et al. 2017, "A software framework for
  assessing the resilience of drinking water systems to disasters with an example earthquake
  case study", Environ. Model. Softw. 95, 420-431): `read_epanet`.
- pandapower grids (Thurner et al. 2018, "pandapower — an open-source Python tool for
  convenient modeling, analysis, and optimization of electric power systems", IEEE Trans.
  Power Syst. 33(6), 6510-6521): `read_pandapower`.
- OpenStreetMap road networks from ``.osm.pbf`` (via pyrosm) or ``.osm`` XML (built-in
  parser): `read_osm`.
- GraphML (e.g. OSMnx exports): `read_graphml`.

Coordinate frames (kept explicit: each importer returns an `ImportedLayer`, a `Layer` with the
attributes ``crs`` = frame of x_m / y_m and ``source``):

- lon/lat sources (pandapower geodata, OSM, GraphML with ``crs="EPSG:4326"``) are projected to
  the UTM zone of their centroid (metres, EPSG:326zz / 327zz); the original degrees are kept in
  the node fields ``lon`` and ``lat``.
- EPANET ``[COORDINATES]`` are drawing coordinates without a unit. By default the drawing is
  assumed to be to scale and the metres per coordinate unit are estimated as the median, over
  pipes, of pipe length (metres: WNTR converts the file's units, feet for US flow units) over
  the straight-line distance of the end nodes (assumption; pass ``coordinate_unit_m`` — e.g.
  0.3048 for coordinates in feet — when the unit is known). The frame is local (arbitrary
  origin); the original coordinates are kept in ``x_source`` / ``y_source``.

`place_in_district` then moves a layer into a district of the city: it translates the layer's
centroid onto the district centroid (metres in the city's CRS, ``city.crs``), optionally scaling
about it, and assigns each node the district it falls in. Translating between UTM zones keeps local
distances up to the UTM scale factor (0.9996-1.001), so lengths are preserved.

Asset types reuse the names of `sim.networks.spec.ASSET_TYPES` where the meaning matches, so
`assign_fragility` applies the project's default curves (mapping choices are assumptions and
are listed in each importer's docstring). Fragility fields are left NaN.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer

from sim.networks.errors import NetworkError
from sim.networks.multilayer import NODE_FIELDS, Layer

HOUSEHOLD_WATER_USE_M3_PER_DAY = 0.35
"""Assumption: residential use ~150 L per person per day (order of magnitude of Chinese urban
residential use, not from a cited table) x 2.32 persons per household (the household size the
city data use, sim.city) ≈ 0.35 m³/day; converts EPANET base demands to households."""
HOUSEHOLD_PEAK_KW = 1.5
"""Assumption: diversified peak demand per household (kW), order of magnitude of after-diversity
maximum demand used in distribution planning; converts pandapower loads to households."""
OSM_DEFAULT_SPEED_KMH = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 30.0,
}
"""Free-flow speed by OSM highway class when ``maxspeed`` is missing (assumption, typical urban
limits); also the set of highway classes kept for ``network_type="driving"``."""


class NetworkImportError(NetworkError):
    """A network file cannot be read or lacks what the importer needs (message names the file)."""


@dataclass(eq=False)
class ImportedLayer(Layer):
    """A `Layer` read from an external source.

    Attributes:
        crs: frame of x_m / y_m: the city's CRS once placed, "EPSG:326zz" for projected
            lon/lat sources, "local:<unit> m" for EPANET drawing coordinates.
        source: file or network the layer came from.
    """

    crs: str = ""
    source: str = ""


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def utm_epsg(lon: float, lat: float) -> str:
    """EPSG code of the UTM zone containing (lon, lat): 326zz north, 327zz south."""
    zone = int(np.floor((float(lon) + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def project_lonlat(lon, lat) -> tuple[np.ndarray, np.ndarray, str]:
    """Project WGS84 degrees to the UTM zone of their (finite) centroid: (x_m, y_m, crs)."""
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise NetworkImportError("no node has coordinates")
    crs = utm_epsg(lon[ok].mean(), lat[ok].mean())
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    return np.asarray(x, float), np.asarray(y, float), crs


def _fill_missing_xy(x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> int:
    """Give nodes without coordinates the mean of their located neighbours (repeatedly), then
    the centroid. Returns the number of nodes filled. In place."""
    missing = ~(np.isfinite(x) & np.isfinite(y))
    n_missing = int(missing.sum())
    for _ in range(len(x)):
        if not missing.any():
            break
        a = np.concatenate([u, v])
        b = np.concatenate([v, u])
        sel = missing[a] & ~missing[b]
        if not sel.any():
            break
        cnt = np.bincount(a[sel], minlength=len(x))
        sx = np.bincount(a[sel], weights=x[b[sel]], minlength=len(x))
        sy = np.bincount(a[sel], weights=y[b[sel]], minlength=len(x))
        fill = cnt > 0
        x[fill], y[fill] = sx[fill] / cnt[fill], sy[fill] / cnt[fill]
        missing &= ~fill
    if missing.any():
        x[missing], y[missing] = np.nanmean(x), np.nanmean(y)
    return n_missing


def _nodes(n: int, **fields) -> dict[str, np.ndarray]:
    out = {k: np.full(n, default, dtype=dtype) for k, (dtype, default) in NODE_FIELDS.items()}
    out.update({k: np.asarray(v) for k, v in fields.items()})
    return out


def _haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance on a sphere of radius 6,371,008.8 m (IUGG mean Earth radius)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))


# --------------------------------------------------------------------------------------------
# EPANET
# --------------------------------------------------------------------------------------------
EPANET_ASSET_TYPES = ["water_plant", "booster_pumping_station", "mains_junction", "storage_tank"]
EPANET_EDGE_TYPES = ["pipe", "pump", "valve"]


def _read_wntr(path: Path):
    """The WNTR water network model of an EPANET ``.inp`` file.

    Raises:
        NetworkImportError: wntr missing or the file unreadable.
    """
    try:
        import wntr  # heavy optional dependency (extra "networks"): imported on demand
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NetworkImportError("read_epanet needs wntr: pip install wntr") from exc
    try:
        return wntr.network.WaterNetworkModel(str(path))
    except Exception as exc:  # wntr raises many types for malformed files
        raise NetworkImportError(f"{path}: cannot read EPANET file: {exc}") from exc


def _epanet_nodes(wn, path: Path):
    """(ids, id -> row, drawing xy, asset type codes, elevation or head (m), base demand
    (m³/s)) of the reservoirs, junctions and tanks, in that order.

    Raises:
        NetworkImportError: the file has no nodes.
    """
    res, tanks, juncs = wn.reservoir_name_list, wn.tank_name_list, wn.junction_name_list
    ids = list(res) + list(juncs) + list(tanks)
    if not ids:
        raise NetworkImportError(f"{path}: no nodes")
    index = {nid: i for i, nid in enumerate(ids)}
    xy = np.array([wn.get_node(i).coordinates or (np.nan, np.nan) for i in ids], float)
    code = np.array(
        [0] * len(res) + [2] * len(juncs) + [3] * len(tanks),
        dtype=np.int64,
    )
    elev = np.array(
        [wn.get_node(i).base_head for i in res]
        + [wn.get_node(i).elevation for i in juncs]
        + [wn.get_node(i).elevation for i in tanks],
        float,
    )
    demand = np.zeros(len(ids))
    for i in juncs:
        demand[index[i]] = sum(d.base_value for d in wn.get_node(i).demand_timeseries_list)
    return ids, index, xy, code, elev, demand


def _epanet_pipes(wn, index: dict) -> tuple[list, ...]:
    """Lists (u, v, length_m, diameter_m, edge type 0, initially closed) of the pipes."""
    us, vs, lens, diam, etype, closed = [], [], [], [], [], []
    for pname in wn.pipe_name_list:
        p = wn.get_link(pname)
        us.append(index[p.start_node_name])
        vs.append(index[p.end_node_name])
        lens.append(p.length)
        diam.append(p.diameter)
        etype.append(0)
        closed.append(str(p.initial_status).lower() == "closed")
    return us, vs, lens, diam, etype, closed


def _coordinate_unit(xy: np.ndarray, us: list, vs: list, lens: list, path: Path) -> float:
    """Metres per coordinate unit: the median of pipe length / drawing distance.

    Raises:
        NetworkImportError: no pipe with coordinates to estimate it from.
    """
    pu, pv, plen = np.array(us, int), np.array(vs, int), np.array(lens, float)
    dist = np.hypot(*(xy[pu] - xy[pv]).T) if len(pu) else np.empty(0)
    ok = np.isfinite(dist) & (dist > 0) & (plen > 0)
    if not ok.any():
        raise NetworkImportError(
            f"{path}: cannot estimate the coordinate unit (no pipe with coordinates); "
            "pass coordinate_unit_m"
        )
    return float(np.median(plen[ok] / dist[ok]))


def _epanet_pumps_and_valves(wn, index: dict, xy: np.ndarray, n0: int, links) -> list:
    """Append to ``links`` two 1 m halves per pump (through a new node ``n0 + k`` at the
    pump's midpoint) and one 1 m edge per valve; returns the pump nodes' drawing xy."""
    us, vs, lens, diam, etype, closed = links
    pump_xy = []
    for k, pname in enumerate(wn.pump_name_list):
        p = wn.get_link(pname)
        a, b = index[p.start_node_name], index[p.end_node_name]
        node = n0 + k
        pump_xy.append((xy[a] + xy[b]) / 2)
        for s, t in ((a, node), (node, b)):
            us.append(s)
            vs.append(t)
            lens.append(1.0)
            diam.append(np.nan)
            etype.append(1)
            closed.append(False)
    for vname in wn.valve_name_list:
        p = wn.get_link(vname)
        us.append(index[p.start_node_name])
        vs.append(index[p.end_node_name])
        lens.append(1.0)
        diam.append(p.diameter)
        etype.append(2)
        closed.append(False)
    return pump_xy


def read_epanet(
    path: str | Path,
    name: str = "water",
    *,
    coordinate_unit_m: float | None = None,
    household_use_m3_per_day: float = HOUSEHOLD_WATER_USE_M3_PER_DAY,
) -> ImportedLayer:
    """Read an EPANET ``.inp`` file (via WNTR) as a water layer.

    Nodes: reservoirs → "water_plant" (fixed-head sources: treatment-plant clear wells,
    rivers, lakes; typed as plants so that the plant fragility and dependency rules apply —
    assumption), tanks → "storage_tank", junctions → "mains_junction", and every pump becomes a
    "booster_pumping_station" node at the middle of its link (so that pumping stations can fail
    as assets). Reservoirs and tanks are sources (``is_source``). Junction base demands (summed
    over demand categories, m³/s in WNTR's SI units) give ``capacity`` (m³/day) and
    ``customers_households`` = demand / `household_use_m3_per_day`. Extra node fields:
    ``elevation_m`` (reservoir: base head), ``epanet_id``, ``x_source``, ``y_source``.

    Edges: pipes (length_m, diameter_m from WNTR, SI), pump halves and valves (length 1 m,
    diameter NaN); ``edge_type`` codes into ["pipe", "pump", "valve"]; pipes whose initial
    status is Closed are ``normally_open`` (not in the adjacency).

    Args:
        path: the ``.inp`` file.
        name: layer name.
        coordinate_unit_m: metres per coordinate unit; None = estimate (module docstring).
        household_use_m3_per_day: water use per household (assumption, see constant).

    Returns:
        ImportedLayer with crs "local:<unit> m".

    Raises:
        NetworkImportError: wntr missing, file unreadable, no coordinates or no nodes.
    """
    path = Path(path)
    wn = _read_wntr(path)
    ids, index, xy, code, elev, demand = _epanet_nodes(wn, path)
    pumps, n0 = wn.pump_name_list, len(ids)

    links = _epanet_pipes(wn, index)
    if coordinate_unit_m is None:
        coordinate_unit_m = _coordinate_unit(xy, *links[:3], path)
    pump_xy = _epanet_pumps_and_valves(wn, index, xy, n0, links)
    us, vs, lens, diam, etype, closed = links
    n = n0 + len(pumps)
    xy_all = np.vstack([xy, np.array(pump_xy, float).reshape(-1, 2)])
    u, v = np.array(us, np.int64), np.array(vs, np.int64)
    _fill_missing_xy(xy_all[:, 0], xy_all[:, 1], u, v)
    code_all = np.concatenate([code, np.ones(len(pumps), np.int64)])
    demand_all = np.concatenate([demand, np.zeros(len(pumps))]) * 86_400.0
    nodes = _nodes(
        n,
        x_m=xy_all[:, 0] * coordinate_unit_m,
        y_m=xy_all[:, 1] * coordinate_unit_m,
        asset_type=code_all,
        is_source=(code_all == 0) | (code_all == 3),
        capacity=np.where(code_all == 2, demand_all, np.nan),
        customers_households=demand_all / household_use_m3_per_day,
        elevation_m=np.concatenate([elev, np.full(len(pumps), np.nan)]),
        epanet_id=np.array(ids + list(pumps), dtype=object),
        x_source=xy_all[:, 0].copy(),
        y_source=xy_all[:, 1].copy(),
    )
    edges = {
        "u": u,
        "v": v,
        "length_m": np.array(lens, float),
        "diameter_m": np.array(diam, float),
        "edge_type": np.array(etype, np.int64),
        "normally_open": np.array(closed, bool),
    }
    return ImportedLayer(
        name,
        nodes,
        edges,
        list(EPANET_ASSET_TYPES),
        list(EPANET_EDGE_TYPES),
        crs=f"local:{coordinate_unit_m:.6g} m",
        source=str(path),
    )


# --------------------------------------------------------------------------------------------
# pandapower
# --------------------------------------------------------------------------------------------
PANDAPOWER_ASSET_TYPES = ["substation_110_35kv", "distribution_transformer_10kv", "mv_bus"]
PANDAPOWER_EDGE_TYPES = ["line", "trafo", "switch"]


def _bus_lonlat(net) -> tuple[np.ndarray, np.ndarray]:
    """Bus lon/lat from ``net.bus.geo`` (GeoJSON, pandapower >= 3) or ``net.bus_geodata``."""
    n = len(net.bus)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    if "geo" in net.bus.columns:
        for i, g in enumerate(net.bus["geo"].tolist()):
            if isinstance(g, str) and g:
                c = json.loads(g).get("coordinates")
                if c:
                    lon[i], lat[i] = float(c[0]), float(c[1])
    elif getattr(net, "bus_geodata", None) is not None and len(net.bus_geodata):
        gd = net.bus_geodata.reindex(net.bus.index)
        lon, lat = gd["x"].to_numpy(float), gd["y"].to_numpy(float)
    return lon, lat


def _read_pandapower_json(path: str | Path):
    """A pandapower network saved as ``.json``.

    Raises:
        NetworkImportError: pandapower missing or the file unreadable.
    """
    try:
        import pandapower as pp  # heavy optional dependency (extra "networks"): on demand
    except ImportError as exc:  # pragma: no cover
        raise NetworkImportError(
            "read_pandapower needs pandapower: pip install pandapower"
        ) from exc
    try:
        return pp.from_json(str(path))
    except Exception as exc:
        raise NetworkImportError(f"{path}: cannot read pandapower network: {exc}") from exc


def _pandapower_edges(net, idx) -> tuple[np.ndarray, ...]:
    """(u, v, length_m (NaN for transformers), edge type code, normally_open) of the lines,
    transformers and bus-bus switches of a pandapower net between in-service buses
    (``idx`` maps bus ids to node rows, NaN if not kept); self-loops dropped."""
    sw, tr = net.switch, net.trafo
    us, vs, lens, etype, opened = [], [], [], [], []
    line = net.line
    line_open = np.zeros(len(line), bool)
    if len(sw):
        ls = sw[(sw["et"] == "l") & ~sw["closed"].astype(bool)]
        line_open |= np.isin(line.index.to_numpy(), ls["element"].to_numpy())
    lu, lv = idx(line["from_bus"]), idx(line["to_bus"])
    ok = np.isfinite(lu) & np.isfinite(lv)
    us.append(lu[ok])
    vs.append(lv[ok])
    lens.append(line["length_km"].to_numpy(float)[ok] * 1000.0)
    etype.append(np.zeros(ok.sum(), int))
    opened.append((line_open | ~line["in_service"].astype(bool).to_numpy())[ok])
    tu, tv = idx(tr["hv_bus"]), idx(tr["lv_bus"])
    ok = np.isfinite(tu) & np.isfinite(tv)
    us.append(tu[ok])
    vs.append(tv[ok])
    lens.append(np.full(ok.sum(), np.nan))
    etype.append(np.ones(ok.sum(), int))
    opened.append(~tr["in_service"].astype(bool).to_numpy()[ok])
    if len(sw):
        bb = sw[sw["et"] == "b"]
        bu, bv = idx(bb["bus"]), idx(bb["element"])
        ok = np.isfinite(bu) & np.isfinite(bv)
        us.append(bu[ok])
        vs.append(bv[ok])
        lens.append(np.full(ok.sum(), 1.0))
        etype.append(np.full(ok.sum(), 2))
        opened.append(~bb["closed"].astype(bool).to_numpy()[ok])
    u = np.concatenate(us).astype(np.int64)
    v = np.concatenate(vs).astype(np.int64)
    loop = u == v
    u, v = u[~loop], v[~loop]
    length = np.concatenate(lens)[~loop]
    et = np.concatenate(etype)[~loop]
    op = np.concatenate(opened)[~loop]
    return u, v, length, et, op


def _pandapower_buses(net, idx, n: int) -> tuple[np.ndarray, ...]:
    """Per node row: (asset type code, load kW (scaled), rated load kW, substation kVA,
    is_source) from the loads, transformers and external grids of a pandapower net."""
    tr = net.trafo
    code = np.full(n, 2, np.int64)
    load = net.load[net.load["in_service"].astype(bool)]
    load_kw = np.zeros(n)
    li = idx(load["bus"])
    okl = np.isfinite(li)
    np.add.at(
        load_kw,
        li[okl].astype(int),
        (load["p_mw"] * load["scaling"]).to_numpy(float)[okl] * 1000.0,
    )
    rated_kw = np.zeros(n)
    np.add.at(rated_kw, li[okl].astype(int), load["p_mw"].to_numpy(float)[okl] * 1000.0)
    code[rated_kw > 0] = 1
    sub_kva = np.zeros(n)
    for col in ("hv_bus", "lv_bus"):
        ti = idx(tr[col])
        okt = np.isfinite(ti)
        np.add.at(sub_kva, ti[okt].astype(int), tr["sn_mva"].to_numpy(float)[okt] * 1000.0)
        code[ti[okt].astype(int)] = 0
    source_mask = np.zeros(n, bool)
    eg = idx(net.ext_grid["bus"][net.ext_grid["in_service"].astype(bool)])
    eg = eg[np.isfinite(eg)].astype(int)
    code[eg] = 0
    source_mask[eg] = True
    lvb = idx(tr["lv_bus"][tr["in_service"].astype(bool)])
    source_mask[lvb[np.isfinite(lvb)].astype(int)] = True
    return code, load_kw, rated_kw, sub_kva, source_mask


def read_pandapower(
    net,
    name: str = "power",
    *,
    kw_per_household: float = HOUSEHOLD_PEAK_KW,
) -> ImportedLayer:
    """A pandapower network (object or saved ``.json``) as a power layer.

    Nodes = in-service buses, with bus geodata taken as WGS84 lon/lat (pandapower's convention
    for real grids such as ``mv_oberrhein``) and projected to their UTM zone. Types: buses of a
    transformer or an external grid → "substation_110_35kv" (the HV/MV substation), buses with
    loads → "distribution_transformer_10kv" (MV/LV stations), others → "mv_bus". Sources
    (``is_source``): external-grid buses and transformer low-voltage buses (the substation
    busbars feeding the grid). ``customers_households`` = Σ load p_mw·scaling·1000 /
    `kw_per_household`; ``capacity`` (kVA) = transformer rating at substation buses, load
    p_mw·1000 at load buses (power factor 1, assumption). Extra fields ``vn_kv``, ``bus_id``,
    ``lon``, ``lat``.

    Edges: lines (length_km·1000), transformers (straight-line length), bus-bus switches;
    ``normally_open`` = line or bus-bus switch open, or element out of service.

    Raises:
        NetworkImportError: pandapower missing, unreadable file, no buses or no geodata.
    """
    if isinstance(net, str | Path):
        net = _read_pandapower_json(net)
    source = getattr(net, "name", "") or "pandapower network"
    bus = net.bus[net.bus["in_service"].astype(bool)]
    if not len(bus):
        raise NetworkImportError(f"{source}: no in-service bus")
    lon_all, lat_all = _bus_lonlat(net)
    keep = net.bus["in_service"].astype(bool).to_numpy()
    lon, lat = lon_all[keep], lat_all[keep]
    bus_ids = bus.index.to_numpy()
    pos = pd.Series(np.arange(len(bus_ids)), index=bus_ids)
    n = len(bus_ids)

    def idx(series) -> np.ndarray:
        return pos.reindex(np.asarray(series)).to_numpy()

    u, v, length, et, op = _pandapower_edges(net, idx)

    if not np.isfinite(lon).any():
        raise NetworkImportError(f"{source}: buses have no geodata (lon/lat)")
    x, y, crs = project_lonlat(lon, lat)
    _fill_missing_xy(x, y, u, v)
    nan_len = ~np.isfinite(length)
    length[nan_len] = np.hypot(x[u[nan_len]] - x[v[nan_len]], y[u[nan_len]] - y[v[nan_len]])

    code, load_kw, rated_kw, sub_kva, source_mask = _pandapower_buses(net, idx, n)

    nodes = _nodes(
        n,
        x_m=x,
        y_m=y,
        asset_type=code,
        is_source=source_mask,
        capacity=np.where(code == 0, sub_kva, np.where(code == 1, rated_kw, np.nan)),
        customers_households=load_kw / kw_per_household,
        vn_kv=bus["vn_kv"].to_numpy(float),
        bus_id=bus_ids.astype(np.int64),
        lon=lon,
        lat=lat,
    )
    edges = {"u": u, "v": v, "length_m": length, "edge_type": et, "normally_open": op}
    return ImportedLayer(
        name,
        nodes,
        edges,
        list(PANDAPOWER_ASSET_TYPES),
        list(PANDAPOWER_EDGE_TYPES),
        crs=crs,
        source=str(source),
    )


# --------------------------------------------------------------------------------------------
# OpenStreetMap
# --------------------------------------------------------------------------------------------
def _speed_kmh(maxspeed, highway) -> np.ndarray:
    """Numeric maxspeed (km/h; "mph" converted) else the highway-class default (30 km/h)."""
    out = np.empty(len(highway))
    for i, (ms, hw) in enumerate(zip(maxspeed, highway, strict=True)):
        val = np.nan
        if isinstance(ms, str | int | float) and ms == ms:
            txt = str(ms).split(";")[0].strip().lower()
            factor = 1.609344 if "mph" in txt else 1.0
            try:
                val = float(txt.replace("mph", "").replace("km/h", "").strip()) * factor
            except ValueError:
                val = np.nan
        if not np.isfinite(val) or val <= 0:
            val = OSM_DEFAULT_SPEED_KMH.get(str(hw), 30.0)
        out[i] = val
    return out


def _roads_layer(
    name: str,
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    u_ids: np.ndarray,
    v_ids: np.ndarray,
    length_m: np.ndarray | None,
    highway: list,
    maxspeed: list,
    bridge: np.ndarray,
    source: str,
) -> ImportedLayer:
    index = pd.Index(ids)
    u, v = index.get_indexer(u_ids), index.get_indexer(v_ids)
    ok = (u >= 0) & (v >= 0) & (u != v)
    if not ok.any():
        raise NetworkImportError(f"{source}: no road edge between known nodes")
    u, v = u[ok].astype(np.int64), v[ok].astype(np.int64)
    highway = [highway[i] for i in np.flatnonzero(ok)]
    maxspeed = [maxspeed[i] for i in np.flatnonzero(ok)]
    x, y, crs = project_lonlat(lon, lat)
    if length_m is None:
        length = _haversine_m(lon[u], lat[u], lon[v], lat[v])
    else:
        length = np.asarray(length_m, float)[ok]
    classes = sorted({str(h) for h in highway})
    etype = np.array([classes.index(str(h)) for h in highway], np.int64)
    nodes = _nodes(
        len(ids), x_m=x, y_m=y, asset_type=np.zeros(len(ids), np.int64), lon=lon, lat=lat
    )
    nodes["osm_id"] = np.asarray(ids, np.int64)
    nodes["road_node"] = np.arange(len(ids))
    edges = {
        "u": u,
        "v": v,
        "length_m": length,
        "speed_kmh": _speed_kmh(maxspeed, highway),
        "crossing": np.zeros(len(u), bool),
        "bridge": np.asarray(bridge, bool)[ok],
        "edge_type": etype,
    }
    return ImportedLayer(name, nodes, edges, ["intersection"], classes, crs=crs, source=source)


def _read_osm_xml(path: Path, name: str, classes: set[str]) -> ImportedLayer:
    """Minimal OSM XML reader: ways with a kept ``highway`` tag, split at every node."""
    coords: dict[int, tuple[float, float]] = {}
    segs_u, segs_v, hw, ms, br = [], [], [], [], []
    try:
        for _, el in ET.iterparse(str(path), events=("end",)):
            if el.tag == "node":
                coords[int(el.get("id"))] = (float(el.get("lon")), float(el.get("lat")))
                el.clear()
            elif el.tag == "way":
                tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
                refs = [int(nd.get("ref")) for nd in el.findall("nd")]
                if tags.get("highway") in classes and len(refs) >= 2:
                    segs_u += refs[:-1]
                    segs_v += refs[1:]
                    k = len(refs) - 1
                    hw += [tags["highway"]] * k
                    ms += [tags.get("maxspeed", np.nan)] * k
                    br += [tags.get("bridge", "no") not in ("no", "")] * k
                el.clear()
    except (ET.ParseError, TypeError, ValueError) as exc:
        raise NetworkImportError(f"{path}: malformed OSM XML: {exc}") from exc
    used = np.unique(np.concatenate([np.array(segs_u, np.int64), np.array(segs_v, np.int64)]))
    used = used[[int(i) in coords for i in used]]
    lon = np.array([coords[int(i)][0] for i in used], float)
    lat = np.array([coords[int(i)][1] for i in used], float)
    return _roads_layer(
        name,
        used,
        lon,
        lat,
        np.array(segs_u, np.int64),
        np.array(segs_v, np.int64),
        None,
        hw,
        ms,
        np.array(br, bool),
        str(path),
    )


def read_osm(
    path: str | Path, name: str = "roads", *, network_type: str = "driving"
) -> ImportedLayer:
    """OpenStreetMap road network (``.osm.pbf`` via pyrosm, ``.osm`` XML built in) as a road layer.

    Every OSM node of a kept way is a node ("intersection" type; ways are not simplified) and
    every consecutive node pair of a way an edge: length_m (pyrosm's, or haversine for XML),
    speed_kmh (``maxspeed`` or the `OSM_DEFAULT_SPEED_KMH` class default), bridge (``bridge``
    tag), crossing False, edge_type = index into the sorted highway classes present (the
    layer's ``edge_types``). One-way restrictions are ignored (undirected layer). Coordinates:
    WGS84 → UTM zone of the centroid; ``lon``, ``lat``, ``osm_id`` kept.

    Args:
        path: ``.pbf`` / ``.osm.pbf`` (pyrosm; network_type as in pyrosm: "driving", "walking",
            "cycling", "all", ...) or ``.osm`` XML (highway classes of `OSM_DEFAULT_SPEED_KMH`).
        name: layer name.
        network_type: pyrosm network type (``.pbf`` only).

    Raises:
        NetworkImportError: missing file or pyrosm, unknown extension, no road edges.
    """
    path = Path(path)
    if not path.exists():
        raise NetworkImportError(f"{path}: file not found")
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith(".osm") or suffix.endswith(".xml"):
        return _read_osm_xml(path, name, set(OSM_DEFAULT_SPEED_KMH))
    if not suffix.endswith(".pbf"):
        raise NetworkImportError(f"{path}: expected .osm.pbf, .pbf or .osm")
    try:
        # pyrosm (optional): only to read OpenStreetMap extracts
        from pyrosm import OSM
    except ImportError as exc:  # pragma: no cover
        raise NetworkImportError("reading .pbf needs pyrosm: pip install pyrosm") from exc
    try:
        got = OSM(str(path)).get_network(network_type=network_type, nodes=True)
    except Exception as exc:
        raise NetworkImportError(f"{path}: pyrosm failed: {exc}") from exc
    if got is None or got[1] is None or not len(got[1]):
        raise NetworkImportError(f"{path}: no {network_type} network in the extract")
    nodes, edges = got
    bridge = edges["bridge"] if "bridge" in edges.columns else pd.Series([None] * len(edges))
    return _roads_layer(
        name,
        nodes["id"].to_numpy(np.int64),
        nodes["lon"].to_numpy(float),
        nodes["lat"].to_numpy(float),
        edges["u"].to_numpy(np.int64),
        edges["v"].to_numpy(np.int64),
        edges["length"].to_numpy(float),
        edges["highway"].tolist(),
        edges["maxspeed"].tolist() if "maxspeed" in edges.columns else [np.nan] * len(edges),
        np.array([isinstance(b, str) and b not in ("no", "") for b in bridge], bool),
        str(path),
    )


# --------------------------------------------------------------------------------------------
# GraphML
# --------------------------------------------------------------------------------------------
def read_graphml(
    path: str | Path,
    name: str,
    *,
    x: str = "x",
    y: str = "y",
    crs: str | None = "EPSG:4326",
    asset_type: str | None = "asset_type",
    is_source: str = "is_source",
    customers: str = "customers_households",
    length: tuple[str, ...] = ("length_m", "length"),
) -> ImportedLayer:
    """A GraphML graph as a layer (OSMnx exports work with the defaults).

    Node coordinates come from attributes `x`, `y` in `crs`: "EPSG:4326" (lon/lat, projected to
    their UTM zone and kept as ``lon``/``lat``), another EPSG code (transformed to lon/lat, then
    likewise), or
    None (already metres in a local frame). Optional node attributes: `asset_type` (names,
    become the layer's asset types; default one type "node"), `is_source` (truthy strings
    "true"/"1"), `customers` (float). Edge length: the first attribute of `length` present,
    else the straight-line distance. Other attributes are ignored.

    Raises:
        NetworkImportError: unreadable file, missing coordinates.
    """
    path = Path(path)
    try:
        g = nx.read_graphml(str(path))
    except Exception as exc:
        raise NetworkImportError(f"{path}: cannot read GraphML: {exc}") from exc
    ids = list(g.nodes)
    if not ids:
        raise NetworkImportError(f"{path}: no nodes")
    index = {nid: i for i, nid in enumerate(ids)}
    data = [g.nodes[i] for i in ids]
    try:
        xs = np.array([float(d[x]) for d in data])
        ys = np.array([float(d[y]) for d in data])
    except KeyError as exc:
        raise NetworkImportError(f"{path}: node lacks coordinate attribute {exc}") from exc
    extra: dict[str, np.ndarray] = {}
    if crs is None:
        frame = "local:1 m"
    elif crs.upper() in ("EPSG:4326", "WGS84"):
        extra = {"lon": xs.copy(), "lat": ys.copy()}
        xs, ys, frame = project_lonlat(xs, ys)
    else:
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xs, ys)
        extra = {"lon": np.asarray(lon, float), "lat": np.asarray(lat, float)}
        xs, ys, frame = project_lonlat(lon, lat)

    def truthy(val) -> bool:
        return str(val).strip().lower() in ("true", "1", "yes")

    types = ["node"]
    code = np.zeros(len(ids), np.int64)
    if asset_type and any(asset_type in d for d in data):
        names = [str(d.get(asset_type, "node")) for d in data]
        types = sorted(set(names))
        code = np.array([types.index(t) for t in names], np.int64)
    elist = list(g.edges(data=True))
    u = np.array([index[a] for a, _, _ in elist], np.int64)
    v = np.array([index[b] for _, b, _ in elist], np.int64)
    lens = np.empty(len(elist))
    for j, (_, _, d) in enumerate(elist):
        key = next((k for k in length if k in d), None)
        lens[j] = float(d[key]) if key else np.hypot(xs[u[j]] - xs[v[j]], ys[u[j]] - ys[v[j]])
    keep = u != v
    nodes = _nodes(
        len(ids),
        x_m=xs,
        y_m=ys,
        asset_type=code,
        is_source=np.array([truthy(d.get(is_source, False)) for d in data]),
        customers_households=np.array([float(d.get(customers, 0.0)) for d in data]),
        graphml_id=np.array(ids, dtype=object),
        **extra,
    )
    edges = {"u": u[keep], "v": v[keep], "length_m": lens[keep]}
    return ImportedLayer(name, nodes, edges, types, crs=frame, source=str(path))


# --------------------------------------------------------------------------------------------
# placement
# --------------------------------------------------------------------------------------------
def place_in_district(
    layer: Layer, city, district: int | str, scale: float | str | None = None
) -> ImportedLayer:
    """Move a (metric) layer into a district: centroid → district centroid, city CRS.

    x' = c_d + s (x - c_layer), with c_layer the mean node position and c_d the district's
    ``centroid_x_m``/``centroid_y_m``. `scale` s: None or 1 keeps true size; a float scales
    (edge ``length_m`` is multiplied by s too, so lengths stay consistent); "fit" shrinks (never
    enlarges) the layer so its bounding box fits inside the district polygon's bounding box.
    Each node's ``district`` becomes the district containing it (`city.locate`); nodes outside
    every district polygon (water, or a network larger than the district) keep the target
    district. ``road_node`` is reset to -1 (link to the city's roads with the generator's
    nearest-node rule if needed).

    Args:
        layer: layer with x_m, y_m in metres (any frame, e.g. from an importer).
        city: `sim.city.City` (districts with centroid_x_m, centroid_y_m; polygons_xy; locate).
        district: index or English name.
        scale: None, a positive float, or "fit".

    Returns:
        New ImportedLayer with crs ``city.crs`` (input arrays are copied, not modified).

    Raises:
        NetworkImportError: unknown district, bad scale or no finite coordinates.
    """
    if isinstance(district, str):
        try:
            district = city.index_of(district)
        except KeyError as exc:
            raise NetworkImportError(str(exc)) from None
    if not 0 <= int(district) < city.n_districts:
        raise NetworkImportError(f"district {district} out of range 0..{city.n_districts - 1}")
    d = int(district)
    x = np.asarray(layer.nodes["x_m"], float)
    y = np.asarray(layer.nodes["y_m"], float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise NetworkImportError(f"layer {layer.name!r}: no finite coordinates to place")
    cx, cy = x[ok].mean(), y[ok].mean()
    if scale is None:
        s = 1.0
    elif isinstance(scale, str):
        if scale != "fit":
            raise NetworkImportError(f"scale must be a number or 'fit', got {scale!r}")
        x0, y0, x1, y1 = city.polygons_xy[d].bounds
        w, h = np.ptp(x[ok]), np.ptp(y[ok])
        ratios = [
            r for r in ((x1 - x0) / w if w > 0 else np.inf, (y1 - y0) / h if h > 0 else np.inf)
        ]
        s = float(min(1.0, *ratios))
    else:
        s = float(scale)
        if not s > 0:
            raise NetworkImportError(f"scale must be > 0, got {scale}")
    row = city.districts.loc[d]
    nodes = {k: np.array(val, copy=True) for k, val in layer.nodes.items()}
    nodes["x_m"] = row["centroid_x_m"] + s * (x - cx)
    nodes["y_m"] = row["centroid_y_m"] + s * (y - cy)
    where = np.asarray(city.locate(nodes["x_m"], nodes["y_m"]), np.int64)
    nodes["district"] = np.where(where >= 0, where, d)
    nodes["road_node"] = np.full(len(x), -1, np.int64)
    edges = {k: np.array(val, copy=True) for k, val in layer.edges.items()}
    edges["length_m"] = edges["length_m"] * s
    src = getattr(layer, "source", "")
    frame = getattr(layer, "crs", "")
    note = f"{src} ({frame}) placed in district {d}" + (f", scale {s:g}" if s != 1.0 else "")
    return ImportedLayer(
        layer.name,
        nodes,
        edges,
        list(layer.asset_types),
        list(layer.edge_types),
        crs=city.crs,
        source=note,
    )
