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
- A file without any coordinates (EPANET, pandapower) is laid out to scale from its edge
  lengths (`sim.networks.schematic`, frame "local:1 m schematic"), with a warning.

Files as people have them (issue 16): every reader tells the file's type from its content and
decodes its text as every citysafe input (UTF-8 with or without BOM, UTF-16; anything else
refused with the way to convert it: `sim.networks.import_files`), and refuses what the
format's own software would refuse with a `NetworkImportError` naming the file and the element
(EPANET's rules:
`sim.networks.epanet_inp`). A default applied (EPANET ``Units``, missing positions), an element
dropped (out-of-service buses, segments cut at an extract's edge, self-loops) or one no source
or vehicle can reach is reported as a `sim.networks.errors.NetworkImportWarning` starting with
the file and naming the elements, and kept in the layer's ``notes``. OSM one-way streets
become one-way edges and ``maxspeed`` is read by the OSM wiki's conventions
(`sim.networks.osm_tags`).

`place_in_district` then moves a layer into a district of the city: it translates the layer's
centroid onto the district centroid (metres in the city's CRS, ``city.crs``), optionally scaling
about it, and assigns each node the district it falls in. Translating between UTM zones keeps local
distances up to the UTM scale factor (0.9996-1.001), so lengths are preserved.

Asset types reuse the names of `sim.networks.spec.ASSET_TYPES` where the meaning matches, so
`assign_fragility` applies the project's default curves (mapping choices are assumptions and
are listed in each importer's docstring). Fragility fields are left NaN.
"""

from __future__ import annotations

import io
import json
import math
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sim.core.text_input import InputFileError, parse_json
from sim.networks.cascade import source_served_mask
from sim.networks.city_bounds import check_inside_city, element_name, fit_mask
from sim.networks.epanet_inp import check_inp, inp_rows, wntr_failure
from sim.networks.errors import NetworkImportError
from sim.networks.import_files import (
    SNIFF_BYTES,
    check_lonlat,
    decode_text,
    id_list,
    note,
    read_bytes,
    require_kind,
)
from sim.networks.multilayer import NODE_FIELDS, Layer
from sim.networks.osm_tags import oneway_direction, parse_maxspeed
from sim.networks.pandapower_tables import bus_lonlat, check_saved_tables, check_tables
from sim.networks.schematic import LAYOUT_MAX_NODES, layout_to_scale, length_scale

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


@dataclass(eq=False)
class ImportedLayer(Layer):
    """A `Layer` read from an external source.

    Attributes:
        crs: frame of x_m / y_m: the city's CRS once placed, "EPSG:326zz" for projected
            lon/lat sources, "local:<unit> m" for EPANET drawing coordinates, "local:1 m
            schematic" for a layout computed from edge lengths (`sim.networks.schematic`).
        source: file or network the layer came from.
        placement: where `place_in_district` put it (the source's frame, district, scale).
        notes: the import's warnings (defaults applied, elements dropped or unconnected), each
            starting with the file; also issued as `NetworkImportWarning`.
    """

    crs: str = ""
    source: str = ""
    placement: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

NETWORKS_IO_HINT = ': install the importers\' extra, .venv/bin/pip install -e ".[networks-io]"'
"""How to get the optional importer libraries (pyproject.toml ``networks-io``)."""


def utm_epsg(lon: float, lat: float) -> str:
    """EPSG code of the UTM zone containing (lon, lat): 326zz north, 327zz south."""
    zone = int(np.floor((float(lon) + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def project_lonlat(lon, lat, source: str = "") -> tuple[np.ndarray, np.ndarray, str]:
    """Project WGS84 degrees to the UTM zone of their (finite) centroid: (x_m, y_m, crs).

    Raises:
        NetworkImportError: no finite position (``SOURCE: no node has coordinates``).
    """
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise NetworkImportError(f"{source or 'the network'}: no node has coordinates")
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


def _read_wntr(path: Path, notes: list[str]):
    """(WNTR water network model, checked text) of an EPANET ``.inp`` file: its bytes are
    checked to be an
    EPANET file, decoded (`sim.networks.import_files.decode_text`) and checked
    (`sim.networks.epanet_inp.check_inp`), and WNTR — which reads a path as UTF-8 — reads
    that text from a temporary copy.

    Raises:
        NetworkImportError: wntr missing; the file missing, of another type, undecodable,
            refused by the checks or by WNTR (`sim.networks.epanet_inp.wntr_failure`: WNTR's
            message with the section and line it was reading).
    """
    try:
        import wntr  # heavy optional dependency (extra "networks"): imported on demand
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NetworkImportError("read_epanet needs wntr" + NETWORKS_IO_HINT) from exc
    data = read_bytes(path)
    require_kind(path, data, ("epanet",), "an EPANET .inp file")
    text = check_inp(decode_text(path, data), path, notes)
    with tempfile.TemporaryDirectory(prefix="citysafe-inp-") as tmp:
        copy = Path(tmp) / "network.inp"
        copy.write_text(text, encoding="utf-8")
        try:
            return wntr.network.WaterNetworkModel(str(copy)), text
        except Exception as exc:  # wntr raises many types for malformed files
            raise wntr_failure(exc, path) from exc


def _epanet_nodes(wn, path: Path, located: set[str]):
    """(ids, id -> row, drawing xy, asset type codes, elevation or head (m), base demand
    (m³/s)) of the reservoirs, junctions and tanks, in that order; xy NaN for the nodes not
    in `located` (the ids of ``[COORDINATES]``: WNTR reads a missing position as (0, 0)).

    Raises:
        NetworkImportError: the file has no nodes.
    """
    res, tanks, juncs = wn.reservoir_name_list, wn.tank_name_list, wn.junction_name_list
    ids = list(res) + list(juncs) + list(tanks)
    if not ids:
        raise NetworkImportError(f"{path}: no nodes ([JUNCTIONS], [RESERVOIRS], [TANKS] empty)")
    index = {nid: i for i, nid in enumerate(ids)}
    xy = np.array(
        [wn.get_node(i).coordinates if i in located else (np.nan, np.nan) for i in ids], float
    )
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


def _epanet_xy(wn, ids: list, xy: np.ndarray, links, path: Path, unit, notes) -> tuple:
    """Drawing coordinates and metres per unit: the file's, partly filled, or a layout.

    Nodes missing from ``[COORDINATES]`` are placed at the mean of their located neighbours
    (`_fill_missing_xy`, after the pumps are added) with a warning naming them; a file without
    any coordinates is laid out to scale from its pipe lengths (`sim.networks.schematic`),
    with a warning; the unit is then 1 m.

    Returns:
        (xy, metres per coordinate unit, crs text).

    Raises:
        NetworkImportError: no coordinates and more nodes than a layout is computed for, or no
            pipe to estimate the unit from.
    """
    located = np.isfinite(xy).all(axis=1)
    if not located.any():
        if len(ids) > LAYOUT_MAX_NODES:
            raise NetworkImportError(
                f"{path}: [COORDINATES] is empty and the network has {len(ids)} nodes; a "
                f"layout is computed only up to {LAYOUT_MAX_NODES}: add the coordinates"
            )
        pu, pv = _link_ends(wn, list(wn.pump_name_list) + list(wn.valve_name_list), ids)
        lens = list(links[2]) + [1.0] * len(pu)  # pumps and valves: 1 m, as in the layer
        x, y = layout_to_scale(len(ids), list(links[0]) + pu, list(links[1]) + pv, lens)
        note(
            notes,
            path,
            f"[COORDINATES] is empty: the {len(ids)} nodes are laid out to scale "
            "from the pipe lengths (a schematic, not the network's geography)",
        )
        return np.column_stack([x, y]), 1.0, "local:1 m schematic"
    if not located.all():
        missing = [i for i, ok in zip(ids, located, strict=True) if not ok]
        note(
            notes,
            path,
            f"[COORDINATES] lacks {len(missing)} of {len(ids)} nodes "
            f"({id_list(missing)}): each is placed at the mean of its located "
            "neighbours",
        )
    if unit is None:
        unit = length_scale(xy[:, 0], xy[:, 1], *links[:3])
        if not np.isfinite(unit):
            raise NetworkImportError(
                f"{path}: cannot estimate the coordinate unit (no pipe of length > 0 between "
                "two located nodes); pass coordinate_unit_m"
            )
    return xy, float(unit), f"local:{unit:.6g} m"


def _link_ends(wn, names, ids: list) -> tuple[list, list]:
    """(u, v) rows of the links `names` (pumps, valves) between the nodes `ids`."""
    index = {nid: i for i, nid in enumerate(ids)}
    links = [wn.get_link(n) for n in names]
    return [index[p.start_node_name] for p in links], [index[p.end_node_name] for p in links]


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


def _report_unserved(notes, path, nodes: dict, edges: dict, ids, what: str) -> None:
    """Warn naming the nodes that no source reaches over the edges in service (they would
    never be served, whatever the damage)."""
    n = len(ids)
    closed = np.asarray(edges.get("normally_open", np.zeros(len(edges["u"]), bool)), bool)
    served = source_served_mask(
        n,
        np.asarray(edges["u"])[~closed],
        np.asarray(edges["v"])[~closed],
        np.ones(n, bool),
        np.asarray(nodes["is_source"], bool),
    )
    if not served.all():
        cut = [str(i) for i, ok in zip(ids, served, strict=True) if not ok]
        note(
            notes,
            path,
            f"{len(cut)} of {n} nodes reach no {what} over the links in service "
            f"({id_list(cut)}): they are never served",
        )


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

    Files as people have them: UTF-8 with or without BOM or UTF-16
    (`sim.networks.import_files`); EPANET's rules checked first, naming the element
    (`sim.networks.epanet_inp`: ids of at most 31 characters, pipe lengths > 0, links between
    defined nodes; no ``Units`` → GPM with a warning); nodes without coordinates filled or
    laid out (`_epanet_xy`), with a warning; nodes no reservoir or tank reaches are named in a
    warning. Warnings are in the layer's ``notes``.

    Args:
        path: the ``.inp`` file.
        name: layer name.
        coordinate_unit_m: metres per coordinate unit; None = estimate (module docstring).
        household_use_m3_per_day: water use per household (assumption, see constant).

    Returns:
        ImportedLayer with crs "local:<unit> m" (or "local:1 m schematic").

    Raises:
        NetworkImportError: wntr missing; the file unreadable, of another type or refused
            (above); no nodes.
    """
    path, notes = Path(path), []
    wn, text = _read_wntr(path, notes)
    located = {tok[0] for sec, _, tok in inp_rows(text) if sec == "COORDINATES"}
    ids, index, xy, code, elev, demand = _epanet_nodes(wn, path, located)
    pumps, n0 = wn.pump_name_list, len(ids)

    links = _epanet_pipes(wn, index)
    xy, coordinate_unit_m, crs = _epanet_xy(wn, ids, xy, links, path, coordinate_unit_m, notes)
    pump_xy = _epanet_pumps_and_valves(wn, index, xy, n0, links)
    edges = _epanet_edges(*links)
    n = n0 + len(pumps)
    xy_all = np.vstack([xy, np.array(pump_xy, float).reshape(-1, 2)])
    _fill_missing_xy(xy_all[:, 0], xy_all[:, 1], edges["u"], edges["v"])
    drawn = xy_all if crs != "local:1 m schematic" else np.full_like(xy_all, np.nan)
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
        x_source=drawn[:, 0].copy(),
        y_source=drawn[:, 1].copy(),
    )
    _report_unserved(notes, path, nodes, edges, ids + list(pumps), "reservoir or tank")
    types = (list(EPANET_ASSET_TYPES), list(EPANET_EDGE_TYPES))
    return ImportedLayer(name, nodes, edges, *types, crs=crs, source=str(path), notes=notes)


def _epanet_edges(us, vs, lens, diam, etype, closed) -> dict[str, np.ndarray]:
    """The edge arrays of the lists built by `_epanet_pipes` and `_epanet_pumps_and_valves`."""
    return {
        "u": np.array(us, np.int64),
        "v": np.array(vs, np.int64),
        "length_m": np.array(lens, float),
        "diameter_m": np.array(diam, float),
        "edge_type": np.array(etype, np.int64),
        "normally_open": np.array(closed, bool),
    }


# --------------------------------------------------------------------------------------------
# pandapower
# --------------------------------------------------------------------------------------------
PANDAPOWER_ASSET_TYPES = ["substation_110_35kv", "distribution_transformer_10kv", "mv_bus"]
PANDAPOWER_EDGE_TYPES = ["line", "trafo", "switch"]
PANDAPOWER_TRAFO_LENGTH_M = 10.0
"""Spring length of a transformer in a layout of a net without geodata: pandapower's own for
generic coordinates (``create_generic_coordinates(trafo_length_km=0.01)``); switches 1 m."""
PANDAPOWER_IGNORED = ("trafo3w", "impedance", "dcline", "ward", "xward", "tcsc", "vsc")
"""Element tables the layer does not represent: reported when they hold rows."""


def _read_pandapower_json(path: Path, notes: list[str]):
    """A pandapower network saved as ``.json`` (``pandapower.to_json``).

    Raises:
        NetworkImportError: pandapower missing; the file missing, of another type, not valid
            JSON (line and column; nesting or integers Python's parser refuses:
            `sim.core.text_input.parse_json`), JSON of something else than a pandapower net,
            a damaged table (`sim.networks.pandapower_tables.check_saved_tables`), or refused
            by pandapower.
    """
    try:
        import pandapower as pp  # heavy optional dependency (extra "networks"): on demand
    except ImportError as exc:  # pragma: no cover
        raise NetworkImportError("read_pandapower needs pandapower" + NETWORKS_IO_HINT) from exc
    data = read_bytes(path)
    require_kind(path, data, ("json",), "a pandapower network (JSON of pandapower.to_json)")
    text = decode_text(path, data)
    try:
        doc = parse_json(text, path)
    except InputFileError as exc:  # syntax (line, column), nesting, huge integers
        raise NetworkImportError(str(exc)) from None
    if not isinstance(doc, dict) or doc.get("_class") != "pandapowerNet":
        raise NetworkImportError(
            f'{path}: JSON but not a pandapower network (no "_class": "pandapowerNet" at the '
            "top; save the net with pandapower.to_json)"
        )
    check_saved_tables(doc, str(path))
    try:
        return pp.from_json_string(text, convert=True)
    except Exception as exc:
        raise NetworkImportError(f"{path}: cannot read pandapower network: {exc}") from exc


def _pandapower_branches(net, idx, source, notes) -> list[tuple[np.ndarray, ...]]:
    """Per branch kind (lines, transformers, bus-bus switches): (u, v, length_m (NaN for
    transformers), edge type code, normally_open, element id) between kept buses (``idx``
    maps bus ids to node rows, NaN if not kept). Branches to a bus not kept and self-loops
    are dropped and named in a warning."""
    sw, tr, line = net.switch, net.trafo, net.line
    line_open = np.zeros(len(line), bool)
    if len(sw):
        ls = sw[(sw["et"] == "l") & ~sw["closed"].astype(bool)]
        line_open |= np.isin(line.index.to_numpy(), ls["element"].to_numpy())
    bb = sw[sw["et"] == "b"] if len(sw) else sw
    kinds = (
        (
            "line",
            line,
            "from_bus",
            "to_bus",
            line["length_km"].to_numpy(float) * 1000.0,
            0,
            line_open | ~line["in_service"].astype(bool).to_numpy(),
        ),
        (
            "trafo",
            tr,
            "hv_bus",
            "lv_bus",
            np.full(len(tr), np.nan),
            1,
            ~tr["in_service"].astype(bool).to_numpy(),
        ),
        (
            "switch",
            bb,
            "bus",
            "element",
            np.ones(len(bb)),
            2,
            ~bb["closed"].astype(bool).to_numpy(),
        ),
    )
    out = []
    for kind, table, a, b, length, code, opened in kinds:
        u, v = idx(table[a]), idx(table[b])
        ok = np.isfinite(u) & np.isfinite(v)
        loop = ok & (u == v)
        dropped = table.index.to_numpy()[~ok | loop]
        if dropped.size:
            note(
                notes,
                source,
                f"{dropped.size} {kind}(s) dropped: an end bus is out of "
                f"service or missing, or both ends are one bus "
                f"({id_list(dropped)})",
            )
        keep = ok & ~loop
        ids = table.index.to_numpy()[keep]
        out.append(
            (
                u[keep].astype(np.int64),
                v[keep].astype(np.int64),
                length[keep],
                np.full(keep.sum(), code),
                opened[keep],
                ids,
            )
        )
    return out


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


def _pandapower_xy(lon, lat, u, v, length, et, source, notes) -> tuple[np.ndarray, ...]:
    """(x_m, y_m, crs) of the kept buses: their geodata projected to UTM, missing positions
    filled from neighbours (warning naming how many), or — without any geodata — a layout to
    scale from the line lengths (`sim.networks.schematic`; transformers
    `PANDAPOWER_TRAFO_LENGTH_M`, switches 1 m), with a warning. The NaN `length` of
    transformers becomes the straight-line distance of their buses (in place).

    Raises:
        NetworkImportError: no geodata and more buses than a layout is computed for.
    """
    n = len(lon)
    located = np.isfinite(lon) & np.isfinite(lat)
    if not located.any():
        if n > LAYOUT_MAX_NODES:
            raise NetworkImportError(
                f"{source}: the buses have no geodata and there are {n}; a layout is computed "
                f"only up to {LAYOUT_MAX_NODES} buses: add bus geodata"
            )
        spring = np.where(et == 1, PANDAPOWER_TRAFO_LENGTH_M, length)
        x, y = layout_to_scale(n, u, v, spring)
        _straight_where_nan(length, x, y, u, v)
        note(
            notes,
            source,
            f"the {n} buses have no geodata: laid out to scale from the line "
            "lengths (a schematic, not the grid's geography)",
        )
        return x, y, "local:1 m schematic"
    if not located.all():
        note(
            notes,
            source,
            f"{int((~located).sum())} of {n} buses have no geodata: each is "
            "placed at the mean of its located neighbours",
        )
    x, y, crs = project_lonlat(lon, lat, source)
    _fill_missing_xy(x, y, u, v)
    _straight_where_nan(length, x, y, u, v)
    return x, y, crs


def _straight_where_nan(length: np.ndarray, x, y, u, v) -> None:
    """Edge lengths that are NaN become the straight-line distance of their ends (in place)."""
    nan = ~np.isfinite(length)
    length[nan] = np.hypot(x[u[nan]] - x[v[nan]], y[u[nan]] - y[v[nan]])


def _power_flow(net, source, notes, edges: dict, kinds: np.ndarray, ids: np.ndarray) -> None:
    """Run one AC power flow (pandapower ``runpp``, Newton-Raphson, at the loads as given) and
    take every line and transformer loaded over 100 % out of service (``normally_open``), as
    its protection would trip it (assumption: the steady-state loading stands for the
    protection's decision); their loading is kept in the edge field ``loading_percent``.
    Non-convergence and other failures of the power flow are reported, nothing is changed.
    In place."""
    import pandapower as pp  # already imported by the caller's reader: on demand

    loading = np.full(len(kinds), np.nan)
    edges["loading_percent"] = loading
    try:
        pp.runpp(net)
    except pp.LoadflowNotConverged:
        note(
            notes,
            source,
            "power flow did not converge (pandapower runpp): loading not "
            "checked; every line and transformer kept in service",
        )
        return
    except Exception as exc:  # pandapower raises many types on nets it cannot solve
        note(notes, source, f"power flow failed ({type(exc).__name__}: {exc}): loading not checked")
        return
    for kind, table in (("line", net.res_line), ("trafo", net.res_trafo)):
        sel = kinds == kind
        loading[sel] = table["loading_percent"].reindex(ids[sel]).to_numpy(float)
    over = np.nan_to_num(loading) > 100.0
    if over.any():
        edges["normally_open"] = edges["normally_open"] | over
        named = [
            f"{k} {i} ({p:.0f} %)"
            for k, i, p in zip(kinds[over], ids[over], loading[over], strict=True)
        ]
        note(
            notes,
            source,
            f"{int(over.sum())} branch(es) loaded over 100 % by the power flow "
            f"taken out of service: {', '.join(named[:10])}",
        )


def read_pandapower(
    net,
    name: str = "power",
    *,
    kw_per_household: float = HOUSEHOLD_PEAK_KW,
    power_flow: bool = False,
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
    ``normally_open`` = line or bus-bus switch open, or element out of service. Extra fields
    ``pp_element`` ("line", "trafo", "switch") and ``pp_index``.

    Reported as warnings (the layer's ``notes``, naming the file, or the net's name when given
    an object): buses out of service and the branches to them, dropped; element tables not
    represented (`PANDAPOWER_IGNORED`); buses without geodata (filled, or all laid out); buses
    no source reaches; with `power_flow`, the power flow's outcome (`_power_flow`).

    Args:
        net: a pandapowerNet or the path of its ``.json``.
        name: layer name.
        kw_per_household: diversified peak per household (assumption, see constant).
        power_flow: run one AC power flow and open the branches loaded over 100 %.

    Raises:
        NetworkImportError: pandapower missing; an unreadable file, one of another type, or
            not a pandapower net; no bus in service; no geodata on a net too large to lay out.
    """
    notes: list[str] = []
    if isinstance(net, str | Path):
        source = str(net)
        net = _read_pandapower_json(Path(net), notes)
    else:
        source = getattr(net, "name", "") or "pandapower network"
    in_service = _pandapower_kept_buses(net, source, notes)
    bus = net.bus[in_service]
    lon, lat = (a[in_service] for a in bus_lonlat(net, source))
    bus_ids = bus.index.to_numpy()
    pos = pd.Series(np.arange(len(bus_ids)), index=bus_ids)
    n = len(bus_ids)

    def idx(series) -> np.ndarray:
        return pos.reindex(np.asarray(series)).to_numpy()

    parts = _pandapower_branches(net, idx, source, notes)
    u, v, length, et, op, elem = (np.concatenate(col) for col in zip(*parts, strict=True))
    elem = elem.astype(np.int64)
    kinds = np.array(PANDAPOWER_EDGE_TYPES, dtype=object)[et.astype(int)]
    x, y, crs = _pandapower_xy(lon, lat, u, v, length, et, source, notes)
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
    edges = {"u": u, "v": v, "length_m": length, "edge_type": et.astype(np.int64)}
    edges |= {"normally_open": op.astype(bool), "pp_element": kinds, "pp_index": elem}
    if power_flow:
        _power_flow(net, source, notes, edges, kinds, elem)
    _report_unserved(notes, source, nodes, edges, [f"bus {b}" for b in bus_ids], "source")
    types = (list(PANDAPOWER_ASSET_TYPES), list(PANDAPOWER_EDGE_TYPES))
    return ImportedLayer(name, nodes, edges, *types, crs=crs, source=source, notes=notes)


def _pandapower_kept_buses(net, source: str, notes: list[str]) -> np.ndarray:
    """(buses,) bool: the buses in service, once the tables are checked
    (`sim.networks.pandapower_tables.check_tables`); the others and the element tables the
    layer does not represent (`PANDAPOWER_IGNORED`) are reported.

    Raises:
        NetworkImportError: a table or column missing, values pandapower refuses (naming the
            elements), or no bus in service.
    """
    check_tables(net, source)
    in_service = net.bus["in_service"].astype(bool).to_numpy()
    if not in_service.any():
        raise NetworkImportError(f"{source}: no in-service bus")
    if not in_service.all():
        dropped = net.bus.index[~in_service]
        note(notes, source, f"{dropped.size} bus(es) out of service dropped ({id_list(dropped)})")
    for table in PANDAPOWER_IGNORED:
        rows = len(getattr(net, table, ()))
        if rows:
            note(notes, source, f"{rows} {table} element(s) not represented in the layer")
    return in_service


# --------------------------------------------------------------------------------------------
# OpenStreetMap
# --------------------------------------------------------------------------------------------
def _grouped(notes, source, found: dict[str, list], what: str) -> None:
    """One warning per reason, naming the ways it concerns."""
    for reason, ways in found.items():
        note(notes, source, f"{reason} on way(s) {id_list(sorted(set(ways)))}; {what}")


def _speed_kmh(maxspeed, highway, way_ids, source, notes) -> np.ndarray:
    """Per segment: ``maxspeed`` read by the OSM wiki's conventions
    (`sim.networks.osm_tags.parse_maxspeed`), else the highway-class default
    (`OSM_DEFAULT_SPEED_KMH`, 30 km/h for other classes). Values that cannot be read are
    reported once per value, naming the ways."""
    out = np.empty(len(highway))
    parsed: dict[str, tuple] = {}
    unread: dict[str, list] = {}
    for i, (ms, hw, way) in enumerate(zip(maxspeed, highway, way_ids, strict=True)):
        key = str(ms)
        if key not in parsed:
            parsed[key] = parse_maxspeed(ms)
        kmh, why = parsed[key]
        if why:
            used = f"{kmh:g} km/h used" if kmh else "the highway class default used"
            unread.setdefault(f"{why} ({used})", []).append(way)
        out[i] = kmh if kmh else OSM_DEFAULT_SPEED_KMH.get(str(hw), 30.0)
    _grouped(notes, source, unread, "see OSM wiki Key:maxspeed")
    return out


def _report_strong_components(notes, source, n: int, u, v, oneway, osm_ids) -> None:
    """Warn naming the road nodes outside the largest strongly connected part (one-way
    streets leading out of the extract, or into a dead end): a vehicle can reach them or
    leave them, not both."""
    two = ~np.asarray(oneway, bool)
    a = np.concatenate([u, v[two]])
    b = np.concatenate([v, u[two]])
    g = sparse.csr_array((np.ones(a.size), (a, b)), shape=(n, n))
    _, lab = connected_components(g, directed=True, connection="strong")
    main = lab == np.argmax(np.bincount(lab))
    if not main.all():
        cut = np.asarray(osm_ids)[~main]
        note(
            notes,
            source,
            f"{cut.size} of {n} road nodes are outside the largest strongly "
            "connected part (one-way streets out of the extract or into a dead "
            f"end): they can be reached or left, not both ({id_list(cut)})",
        )


def _roads_layer(name: str, ids, lon, lat, seg: dict, length_m, source: str,
                 notes: list[str]) -> ImportedLayer:  # fmt: skip
    """The road layer of OSM nodes and way segments.

    Args:
        ids, lon, lat: the nodes (OSM ids, WGS84).
        seg: per segment, oriented in the permitted direction of a one-way way: ``u``, ``v``
            (OSM node ids), ``highway``, ``maxspeed``, ``bridge``, ``oneway`` (bool), ``way``
            (OSM way id).
        length_m: per segment (pyrosm's) or None (haversine).

    Raises:
        NetworkImportError: no segment between two known nodes.
    """
    index = pd.Index(ids)
    u, v = index.get_indexer(seg["u"]), index.get_indexer(seg["v"])
    ok = (u >= 0) & (v >= 0) & (u != v)
    way = np.asarray(seg["way"])
    cut = (u < 0) | (v < 0)
    if cut.any():
        note(
            notes,
            source,
            f"{int(cut.sum())} segment(s) reference nodes missing from the "
            "file (an extract cut at its edge), dropped: way(s) "
            f"{id_list(sorted(set(way[cut].tolist())))}",
        )
    if not ok.any():
        raise NetworkImportError(f"{source}: no road segment between two nodes of the file")
    u, v, way = u[ok].astype(np.int64), v[ok].astype(np.int64), way[ok]
    pick = np.flatnonzero(ok)
    highway = [seg["highway"][i] for i in pick]
    oneway = np.asarray(seg["oneway"], bool)[ok]
    x, y, crs = project_lonlat(lon, lat, source)
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
        "speed_kmh": _speed_kmh([seg["maxspeed"][i] for i in pick], highway, way, source, notes),
        "crossing": np.zeros(len(u), bool),
        "bridge": np.asarray(seg["bridge"], bool)[ok],
        "edge_type": etype,
        "oneway": oneway,
        "osm_way": way.astype(np.int64),
    }
    _report_strong_components(notes, source, len(ids), u, v, oneway, nodes["osm_id"])
    return ImportedLayer(
        name, nodes, edges, ["intersection"], classes, crs=crs, source=source, notes=notes
    )


def _add_way(seg: dict, way_id: int, refs: list, tags: dict, odd: dict) -> None:
    """Append a way's segments to `seg`, oriented in the permitted direction
    (`sim.networks.osm_tags.oneway_direction`); odd oneway values are collected in `odd`."""
    direction, why = oneway_direction(tags)
    if why:
        odd.setdefault(why, []).append(way_id)
    if direction < 0:
        refs = refs[::-1]
    k = len(refs) - 1
    seg["u"] += refs[:-1]
    seg["v"] += refs[1:]
    seg["highway"] += [tags["highway"]] * k
    seg["maxspeed"] += [tags.get("maxspeed", np.nan)] * k
    seg["bridge"] += [str(tags.get("bridge", "no")) not in ("no", "", "nan", "None")] * k
    seg["oneway"] += [direction != 0] * k
    seg["way"] += [way_id] * k


def parse_graphml_file(path: Path) -> nx.Graph:
    """A GraphML file read as the network importers read it: its type told by content, its
    text decoded (:func:`_xml_utf8`), parsed by networkx.

    Raises:
        NetworkImportError: unreadable file, one of another type, malformed GraphML, no nodes.
    """
    raw = read_bytes(path)
    require_kind(path, raw, ("graphml",), "a GraphML file")
    try:
        g = nx.parse_graphml(_xml_utf8(path, raw))
    except Exception as exc:  # networkx raises ParseError, NetworkXError, KeyError …
        raise NetworkImportError(f"{path}: cannot read GraphML: {exc}") from exc
    if not g.number_of_nodes():
        raise NetworkImportError(f"{path}: no nodes")
    return g


def _xml_utf8(path: Path, data: bytes) -> bytes:
    """An XML file's bytes as UTF-8, decoded by `sim.networks.import_files.decode_text`; the
    declaration's encoding is removed (the text is UTF-8 now, and an encoding the XML parser
    does not know would stop it with a LookupError)."""
    text = decode_text(path, data)
    text = re.sub(r"^(\s*<\?xml[^>]*?)\s+encoding=(['\"])[^'\"]*\2", r"\1", text, count=1)
    return text.encode("utf-8")


OSM_ID_RANGE = (-(2**63), 2**63 - 1)
"""OSM element ids are signed 64-bit integers (OSM wiki "Elements": 64-bit; editors such as
JOSM give new elements negative ids)."""


def _osm_id(text, path: Path, what: str, attr: str = "id") -> int:
    """An element's id or a node reference (`attr`) in an OSM XML file.

    Raises:
        NetworkImportError: missing, not an integer, or outside 64 bits, naming `what` (the
            element: "the <node> after node 12", "way 10's <nd>").
    """
    try:
        value = int(text)
    except (TypeError, ValueError):
        got = f"no {attr}" if text is None else f"{attr}={text!r}, not an integer"
        raise NetworkImportError(f"{path}: {what} has {got}") from None
    if not OSM_ID_RANGE[0] <= value <= OSM_ID_RANGE[1]:
        raise NetworkImportError(
            f"{path}: {what} has {attr}={text}, outside OSM's 64-bit integer ids"
        )
    return value


def _osm_node(el, path: Path, after: str) -> tuple[int, float, float]:
    """(id, lon, lat) of a ``<node>`` (`after`: the element before it, named when the node
    has no id); a position outside WGS84's range is left to
    `sim.networks.import_files.check_lonlat`.

    Raises:
        NetworkImportError: no id, or a ``lat``/``lon`` missing or not a finite number,
            naming the node.
    """
    nid = _osm_id(el.get("id"), path, f"the <node> after {after}")
    out = []
    for key in ("lon", "lat"):
        text = el.get(key)
        try:
            value = float(text)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):
            got = f"no {key}" if text is None else f"{key}={text!r}, not a number"
            raise NetworkImportError(f"{path}: node {nid} has {got}; expected WGS84 degrees")
        out.append(value)
    return nid, out[0], out[1]


def _read_osm_xml(path: Path, name: str, classes: set[str]) -> ImportedLayer:
    """Minimal OSM XML reader: ways with a kept ``highway`` tag, split at every node, each
    segment oriented in its permitted direction.

    Raises:
        NetworkImportError: malformed XML; a node or way without a usable id, a node without
            a finite ``lat``/``lon`` or outside WGS84's range, a ``<nd>`` without an integer
            ``ref``, each named by its id (`_osm_id`, `_osm_node`).
    """
    notes: list[str] = []
    data = read_bytes(path)
    require_kind(path, data, ("osm-xml",), "an OpenStreetMap file (.osm XML or .osm.pbf)")
    data = _xml_utf8(path, data)
    coords: dict[int, tuple[float, float]] = {}
    seg: dict[str, list] = {
        k: [] for k in ("u", "v", "highway", "maxspeed", "bridge", "oneway", "way")
    }
    odd: dict[str, list] = {}
    after = "the file's start"
    try:
        for _, el in ET.iterparse(io.BytesIO(data), events=("end",)):
            if el.tag == "node":
                nid, lon, lat = _osm_node(el, path, after)
                coords[nid], after = (lon, lat), f"node {nid}"
                el.clear()
            elif el.tag == "way":
                wid = _osm_id(el.get("id"), path, f"the <way> after {after}")
                tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
                where = f"way {wid}'s <nd>"
                refs = [_osm_id(nd.get("ref"), path, where, "ref") for nd in el.findall("nd")]
                after = f"way {wid}"
                if tags.get("highway") in classes and len(refs) >= 2:
                    _add_way(seg, wid, refs, tags, odd)
                el.clear()
    except ET.ParseError as exc:
        raise NetworkImportError(f"{path}: malformed OSM XML: {exc}") from exc
    lonlat = np.array(list(coords.values()), float).reshape(-1, 2)
    check_lonlat(lonlat[:, 0], lonlat[:, 1], list(coords), path, "node")
    _grouped(notes, path, odd, "see OSM wiki Key:oneway")
    ends = np.array(seg["u"] + seg["v"], np.int64)
    used = np.array(sorted({int(i) for i in ends if int(i) in coords}), np.int64)
    lon = np.array([coords[int(i)][0] for i in used], float)
    lat = np.array([coords[int(i)][1] for i in used], float)
    return _roads_layer(name, used, lon, lat, seg, None, str(path), notes)


def _pyrosm_segments(edges: pd.DataFrame, path: Path, notes: list[str]) -> tuple[dict, np.ndarray]:
    """Segments of pyrosm's edge table (one row per way segment, drawn direction), oriented
    in their permitted direction; ``junction`` is read from the column or the ``tags`` JSON.

    Returns:
        (segments as for `_roads_layer`, pyrosm's lengths in the same order).
    """

    def column(key: str) -> list:
        return edges[key].tolist() if key in edges.columns else [np.nan] * len(edges)

    junction = column("junction")
    if "junction" not in edges.columns and "tags" in edges.columns:
        junction = [
            json.loads(t).get("junction") if isinstance(t, str) else None for t in edges["tags"]
        ]
    seg: dict[str, list] = {"u": [], "v": [], "oneway": [], "bridge": []}
    odd: dict[str, list] = {}
    way = edges["id"].to_numpy(np.int64)
    for a, b, ow, jn, hw, br, w in zip(
        edges["u"],
        edges["v"],
        column("oneway"),
        junction,
        column("highway"),
        column("bridge"),
        way,
        strict=True,
    ):
        direction, why = oneway_direction({"oneway": ow, "junction": jn, "highway": hw})
        if why:
            odd.setdefault(why, []).append(int(w))
        seg["u"].append(b if direction < 0 else a)
        seg["v"].append(a if direction < 0 else b)
        seg["oneway"].append(direction != 0)
        seg["bridge"].append(isinstance(br, str) and br not in ("no", ""))
    _grouped(notes, path, odd, "see OSM wiki Key:oneway")
    seg.update(highway=column("highway"), maxspeed=column("maxspeed"), way=way)
    return seg, edges["length"].to_numpy(float)


def read_osm(
    path: str | Path, name: str = "roads", *, network_type: str = "driving"
) -> ImportedLayer:
    """OpenStreetMap road network (``.osm.pbf`` via pyrosm, ``.osm`` XML built in) as a road layer.

    Every OSM node of a kept way is a node ("intersection" type; ways are not simplified) and
    every consecutive node pair of a way an edge: length_m (pyrosm's, or haversine for XML),
    speed_kmh (``maxspeed`` by the OSM wiki's conventions, `sim.networks.osm_tags`, or the
    `OSM_DEFAULT_SPEED_KMH` class default), bridge (``bridge`` tag), crossing False,
    edge_type = index into the sorted highway classes present (the layer's ``edge_types``),
    ``oneway`` (True: the edge may be driven only from u to v — a one-way way's segments are
    oriented in its permitted direction; `sim.response.routing` honours it) and ``osm_way``
    (the way id). Coordinates: WGS84 → UTM zone of the centroid; ``lon``, ``lat``, ``osm_id``
    kept.

    The file's type is told from its content, not its name (`sim.networks.import_files`).
    Reported as warnings (the layer's ``notes``), naming the ways or nodes: maxspeed and oneway
    values that cannot be read, segments to nodes missing from the file (dropped), nodes
    outside the largest strongly connected part.

    Args:
        path: an OSM PBF file (pyrosm; network_type as in pyrosm: "driving", "walking",
            "cycling", "all", ...) or OSM XML (highway classes of `OSM_DEFAULT_SPEED_KMH`).
        name: layer name.
        network_type: pyrosm network type (PBF only).

    Raises:
        NetworkImportError: missing file or pyrosm, a file of another type, malformed XML, no
            road segment.
    """
    path = Path(path)
    kind = require_kind(
        path, read_bytes(path, SNIFF_BYTES), ("osm-xml", "osm-pbf"), "an OpenStreetMap file"
    )
    if kind == "osm-xml":
        return _read_osm_xml(path, name, set(OSM_DEFAULT_SPEED_KMH))
    try:
        # pyrosm (optional): only to read OpenStreetMap extracts
        from pyrosm import OSM
    except ImportError as exc:  # pragma: no cover
        raise NetworkImportError("reading .pbf needs pyrosm" + NETWORKS_IO_HINT) from exc
    try:
        got = OSM(str(path)).get_network(network_type=network_type, nodes=True)
    except Exception as exc:
        raise NetworkImportError(f"{path}: pyrosm failed: {exc}") from exc
    if got is None or got[1] is None or not len(got[1]):
        raise NetworkImportError(f"{path}: no {network_type} network in the extract")
    nodes, edges = got
    check_lonlat(nodes["lon"], nodes["lat"], nodes["id"].tolist(), path, "node")
    notes: list[str] = []
    seg, length = _pyrosm_segments(edges, path, notes)
    return _roads_layer(
        name,
        nodes["id"].to_numpy(np.int64),
        nodes["lon"].to_numpy(float),
        nodes["lat"].to_numpy(float),
        seg,
        length,
        str(path),
        notes,
    )


# --------------------------------------------------------------------------------------------
# GraphML
# --------------------------------------------------------------------------------------------
def _number(value, path: Path, what: str) -> float:
    """A numeric attribute, or an error naming the element."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise NetworkImportError(f"{path}: {what} is {value!r}, not a number") from None


def _graphml_xy(g, ids: list, x: str, y: str, path: Path, notes) -> tuple[np.ndarray, ...]:
    """Node coordinates (attributes `x`, `y`; NaN where missing, reported).

    Raises:
        NetworkImportError: no node has them, or a value is not a number (naming the node).
    """
    data = [g.nodes[i] for i in ids]
    have = np.array([x in d and y in d for d in data])
    if not have.any():
        raise NetworkImportError(
            f"{path}: no node has the coordinate attributes {x!r} and {y!r} (name them with "
            "read_graphml's x= and y=)"
        )
    xs = np.full(len(ids), np.nan)
    ys = np.full(len(ids), np.nan)
    for k in np.flatnonzero(have):
        xs[k] = _number(data[k][x], path, f"node {ids[k]!r} attribute {x!r}")
        ys[k] = _number(data[k][y], path, f"node {ids[k]!r} attribute {y!r}")
    if not have.all():
        missing = [i for i, h in zip(ids, have, strict=True) if not h]
        note(
            notes,
            path,
            f"{len(missing)} of {len(ids)} nodes lack coordinates ({id_list(missing)}): "
            "each is placed at the mean of its located neighbours",
        )
    return xs, ys


def _graphml_edges(g, index: dict, path: Path, notes) -> tuple[list, np.ndarray]:
    """The edges to keep and their ``oneway`` flags. Self-loops are dropped (reported). In a
    directed graph (an OSMnx export) a pair of opposite edges is one two-way edge and an
    edge without its opposite is one-way (u → v)."""
    elist = list(g.edges(data=True))
    loops = [a for a, b, _ in elist if a == b]
    if loops:
        note(notes, path, f"{len(loops)} self-loop edge(s) dropped, at node(s) {id_list(loops)}")
    elist = [(a, b, d) for a, b, d in elist if a != b]
    if not g.is_directed():
        return elist, np.zeros(len(elist), bool)
    pairs = {(a, b) for a, b, _ in elist}
    keep, oneway = [], []
    for a, b, d in elist:
        both = (b, a) in pairs
        if both and index[a] > index[b]:
            continue  # the opposite edge stands for both directions
        keep.append((a, b, d))
        oneway.append(not both)
    return keep, np.array(oneway, bool)


def _graphml_speed(elist: list, path: Path, notes) -> np.ndarray | None:
    """Per edge km/h from ``speed_kph`` (OSMnx) or ``maxspeed`` (`_speed_kmh`); None when no
    edge has either."""
    if not any("speed_kph" in d or "maxspeed" in d for _, _, d in elist):
        return None
    highway = [str(d.get("highway", "")) for _, _, d in elist]
    ways = [d.get("osmid", f"{a}-{b}") for a, b, d in elist]
    parsed = _speed_kmh([d.get("maxspeed") for _, _, d in elist], highway, ways, path, notes)
    given = [d.get("speed_kph") for _, _, d in elist]
    return np.array(
        [
            _number(s, path, f"edge {a!r}-{b!r} attribute 'speed_kph'") if s is not None else p
            for (a, b, _), s, p in zip(elist, given, parsed, strict=True)
        ]
    )


def _graphml_frame(xs, ys, crs: str | None, ids: list, path: Path) -> tuple:
    """(x_m, y_m, frame, extra node fields) of coordinates in `crs` (`read_graphml`).

    Raises:
        NetworkImportError: lon/lat outside WGS84's range (read, or transformed from `crs`),
            naming the nodes (`sim.networks.import_files.check_lonlat`).
    """
    if crs is None:
        inf = np.isinf(xs) | np.isinf(ys)
        if inf.any():
            bad = np.asarray(ids, dtype=object)[inf]
            raise NetworkImportError(f"{path}: node(s) {id_list(bad)}: infinite coordinates")
        return xs, ys, "local:1 m", {}
    if crs.upper() in ("EPSG:4326", "WGS84"):
        lon, lat = xs.copy(), ys.copy()
    else:
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xs, ys)
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        lon[np.isnan(xs)], lat[np.isnan(ys)] = np.nan, np.nan
    check_lonlat(lon, lat, ids, path, "node")
    return (*project_lonlat(lon, lat, str(path)), {"lon": lon, "lat": lat})


def _graphml_lengths(elist: list, straight: np.ndarray, keys: tuple, path: Path) -> np.ndarray:
    """Per edge: the first attribute of `keys` present, else the straight-line distance.

    Raises:
        NetworkImportError: a length that is not a number >= 0 (naming the edge).
    """
    lens = np.empty(len(elist))
    for j, (a, b, d) in enumerate(elist):
        key = next((k for k in keys if k in d), None)
        what = f"edge {a!r}-{b!r} attribute {key!r}"
        lens[j] = _number(d[key], path, what) if key else straight[j]
        if not lens[j] >= 0:
            raise NetworkImportError(f"{path}: {what} is {lens[j]:g}; a length must be >= 0")
    return lens


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
    likewise), or None (already metres in a local frame); nodes without them are placed at the
    mean of their neighbours (warning). Optional node attributes: `asset_type` (names, become
    the layer's asset types; default one type "node"), `is_source` (truthy strings
    "true"/"1"), `customers` (float). Edge length: the first attribute of `length` present,
    else the straight-line distance. A directed graph's edges carry ``oneway``
    (`_graphml_edges`); ``speed_kph`` or ``maxspeed`` give ``speed_kmh`` (`_graphml_speed`).
    Other attributes are ignored. The file may be in any encoding of
    `sim.networks.import_files`.

    Raises:
        NetworkImportError: unreadable file, one of another type, malformed GraphML, no nodes,
            no coordinates, a non-numeric value or a negative length (naming the element).
    """
    path, notes = Path(path), []
    g = parse_graphml_file(path)
    ids = list(g.nodes)
    index = {nid: i for i, nid in enumerate(ids)}
    data = [g.nodes[i] for i in ids]
    xs, ys, frame, extra = _graphml_frame(*_graphml_xy(g, ids, x, y, path, notes), crs, ids, path)

    def truthy(val) -> bool:
        return str(val).strip().lower() in ("true", "1", "yes")

    types = ["node"]
    code = np.zeros(len(ids), np.int64)
    if asset_type and any(asset_type in d for d in data):
        names = [str(d.get(asset_type, "node")) for d in data]
        types = sorted(set(names))
        code = np.array([types.index(t) for t in names], np.int64)
    elist, oneway = _graphml_edges(g, index, path, notes)
    u = np.array([index[a] for a, _, _ in elist], np.int64)
    v = np.array([index[b] for _, b, _ in elist], np.int64)
    _fill_missing_xy(xs, ys, u, v)
    lens = _graphml_lengths(elist, np.hypot(xs[u] - xs[v], ys[u] - ys[v]), length, path)
    nodes = _nodes(
        len(ids),
        x_m=xs,
        y_m=ys,
        asset_type=code,
        is_source=np.array([truthy(d.get(is_source, False)) for d in data]),
        customers_households=np.array(
            [
                _number(d.get(customers, 0.0), path, f"node {i!r} attribute {customers!r}")
                for i, d in zip(ids, data, strict=True)
            ]
        ),
        graphml_id=np.array(ids, dtype=object),
        **extra,
    )
    edges = {"u": u, "v": v, "length_m": lens}
    if g.is_directed():
        edges["oneway"] = oneway
    speed = _graphml_speed(elist, path, notes)
    if speed is not None:
        edges["speed_kmh"] = speed
    return ImportedLayer(name, nodes, edges, types, crs=frame, source=str(path), notes=notes)


# --------------------------------------------------------------------------------------------
# placement
# --------------------------------------------------------------------------------------------
def _placement_scale(scale, x: np.ndarray, y: np.ndarray, bounds) -> float:
    """The factor s of `place_in_district` for `scale` (None, a number or "fit": the largest
    s <= 1 that fits the points `x`, `y` into the district's bounding box `bounds`).

    Raises:
        NetworkImportError: a scale that is neither a positive number nor "fit".
    """
    if scale is None:
        return 1.0
    if isinstance(scale, str):
        if scale != "fit":
            raise NetworkImportError(f"scale must be a number or 'fit', got {scale!r}")
        x0, y0, x1, y1 = bounds
        w, h = np.ptp(x), np.ptp(y)
        ratios = ((x1 - x0) / w if w > 0 else np.inf, (y1 - y0) / h if h > 0 else np.inf)
        return float(min(1.0, *ratios))
    s = float(scale)
    if not s > 0:
        raise NetworkImportError(f"scale must be > 0, got {scale}")
    return s


def _note_far_points(placed: ImportedLayer, far: np.ndarray, source: str) -> None:
    """Warn (in ``placed.notes``) of the points `far` that did not set ``scale: fit`` (beyond
    Tukey's outer fences, `sim.networks.city_bounds.fit_mask`) yet lie near enough the city
    to be kept."""
    if not far.size:
        return
    names = [element_name(placed, int(i), source) for i in far[:5]]
    more = " …" if far.size > 5 else ""
    note(placed.notes, source, f"{far.size} point(s) far from the rest of the network "
         f"({', '.join(names)}{more}) did not set scale: fit (beyond Tukey's outer fences); "
         "placed with the rest, they may lie outside the district")  # fmt: skip


def place_in_district(
    layer: Layer, city, district: int | str, scale: float | str | None = None
) -> ImportedLayer:
    """Move a (metric) layer into a district: centroid → district centroid, city CRS.

    x' = c_d + s (x - c_layer), with c_layer the mean node position and c_d the district's
    ``centroid_x_m``/``centroid_y_m``. `scale` s: None or 1 keeps true size; a float scales
    (edge ``length_m`` is multiplied by s too, so lengths stay consistent); "fit" shrinks (never
    enlarges) the layer so that the bounding box of its bulk fits inside the district polygon's
    bounding box, c_layer then the bulk's mean (the bulk: the points inside Tukey's outer fences,
    `sim.networks.city_bounds.fit_mask`; all points unless one lies far from the rest).
    Each node's ``district`` becomes the district containing it (`city.locate`); nodes outside
    every district polygon (water, or a network larger than the district) keep the target
    district. ``road_node`` is reset to -1 (link to the city's roads with the generator's
    nearest-node rule if needed). Then every node must lie inside a district or within
    `sim.networks.city_bounds.OUTSIDE_CITY_KM` km of one (`check_inside_city`).

    Args:
        layer: layer with x_m, y_m in metres (any frame, e.g. from an importer).
        city: `sim.city.City` (districts with centroid_x_m, centroid_y_m; polygons_xy; locate).
        district: index or English name.
        scale: None, a positive float, or "fit".

    Returns:
        New ImportedLayer with crs ``city.crs``, the same ``source`` and ``notes``, and
        ``placement`` saying where it was put (input arrays are copied, not modified).

    Raises:
        NetworkImportError: unknown district, bad scale, no finite coordinates, or a node over
            `OUTSIDE_CITY_KM` km outside every district once placed (naming the source file,
            the element as the file names it and the distance).
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
    if scale == "fit":  # the bulk sizes and centres the network
        ok = fit_mask(x, y)
    cx, cy = x[ok].mean(), y[ok].mean()
    s = _placement_scale(scale, x[ok], y[ok], city.polygons_xy[d].bounds)
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
    placed = f"from {frame} into district {d}" + (f", scale {s:g}" if s != 1.0 else "")
    out = ImportedLayer(
        layer.name,
        nodes,
        edges,
        list(layer.asset_types),
        list(layer.edge_types),
        crs=city.crs,
        source=src,
        placement=placed,
        notes=list(getattr(layer, "notes", [])),
    )
    where_from = src or f"imported {layer.name}"
    hint = "; scale: fit sizes a network by its bulk, not by a point far from the rest"
    check_inside_city(out, city, where_from, hint if scale == "fit" else "")
    _note_far_points(out, np.flatnonzero(np.isfinite(x) & np.isfinite(y) & ~ok), where_from)
    return out
