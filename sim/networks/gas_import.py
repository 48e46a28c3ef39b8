"""Real gas networks as the gas layer: GraphML or GeoJSON files of stations and pipes.

A gas utility's GIS holds its network as points (gate stations, regulator stations, pipe
junctions) and pipes between them; both formats read here describe it so:

- **GeoJSON** (RFC 7946, Butler et al. 2016): a FeatureCollection of ``Point`` features (the
  stations and junctions) and ``LineString`` features (the pipes), coordinates WGS84 longitude
  and latitude in degrees, as RFC 7946 requires; a legacy ``crs`` member naming another frame
  is refused. Each feature's id is its ``id`` member, else ``properties.id``.
- **GraphML**: nodes are the stations and junctions (attributes ``x``, ``y``: longitude and
  latitude in degrees, or metres in a local frame with ``crs: null`` — read as
  `sim.networks.importers.read_graphml` reads them), edges are the pipes.

Attributes (units in the names; every one refused, naming the file, the element and the field,
when missing or outside its range):

- station / junction: ``asset_type`` — ``gas_gate_station`` (a source of the layer),
  ``gas_regulator_station`` or ``gas_junction`` (a node of the pipe graph, never damaged);
  optional ``age_years``.
- pipe: ``pressure_kpa`` (gauge, 0 < p <= 4,000: the upper limit of the high-pressure class A
  of GB 50028-2006 Table 6.1.6), above 400 kPa a high-pressure main (``gas_main_hp``: the
  sub-high and high classes of the same table), else medium pressure (``gas_main_mp``, low
  pressure included, as in the generated layer); ``diameter_mm`` (0 < d <= 2,000);
  ``material`` — ``steel``, ``pe``, ``ductile_iron`` (ductile pipe for the repair rates of
  `sim.damage.gas_pipes`) or ``cast_iron`` (brittle); ``age_years`` (0-150); optional
  ``customers_households`` (>= 0: the households supplied along the pipe, as the generated
  medium-pressure mains carry them) and ``length_m`` (> 0; default the geometry's length: the
  LineString's on the WGS84 ellipsoid, the straight line between a GraphML edge's ends).
  GeoJSON pipes name their end points in ``from`` and ``to`` (point ids); GraphML edges join
  their nodes.

The layer follows the generated one (`sim.networks.gas`): every pipe becomes a main node at its
midpoint (``pipe_km`` its length, ``pressure_kpa``, ``diameter_m``, ``ductile``) joined to its two
end points by edges of half its length (``hp_main`` or ``mp_main`` by its class), so a failed
pipe is isolated with its valves and the source-served cascade cuts what lies behind it.
Coordinates are projected to their UTM zone (`sim.networks.importers.project_lonlat`) and
placed in a district by `sim.networks.importers.place_in_district`. A network without a gate
station would serve nobody and is refused; points no pipe reaches are a warning.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from pyproj import Geod

from sim.core.text_input import InputFileError, parse_json
from sim.networks.errors import NetworkImportError
from sim.networks.import_files import decode_text, id_list, note, read_bytes, require_kind
from sim.networks.importers import (
    ImportedLayer,
    _graphml_frame,
    _graphml_xy,
    _nodes,
    parse_graphml_file,
    project_lonlat,
)
from sim.networks.spec import ASSET_TYPES, GAS_EDGE_TYPES

POINT_TYPES = ("gas_gate_station", "gas_regulator_station", "gas_junction")
"""Asset types of a station or junction."""
GAS_IMPORT_TYPES = ["gas_gate_station", "gas_main_hp", "gas_regulator_station", "gas_main_mp",
                    "gas_junction"]  # fmt: skip
"""Asset types of an imported gas layer: the generator's, then the junction."""
MATERIALS = {"steel": True, "pe": True, "ductile_iron": True, "cast_iron": False}
"""Pipe material → ductile (Hazus' classes of the repair-rate relation)."""
HP_ABOVE_KPA = 400.0
"""A pipe above this gauge pressure is a high-pressure main (GB 50028-2006 Table 6.1.6)."""
PIPE_FIELDS = {
    "pressure_kpa": (0.0, 4000.0, "a number of kPa (gauge), > 0 and <= 4000"),
    "diameter_mm": (0.0, 2000.0, "a number of mm, > 0 and <= 2000"),
    "age_years": (-1e-9, 150.0, "a number of years from 0 to 150"),
}
"""Required numeric pipe fields: (exclusive lower, inclusive upper, what is expected)."""
WGS84 = Geod(ellps="WGS84")


def _field(props: dict, key: str, where: str, path: Path, lo: float, hi: float, want: str):
    """A numeric field in (lo, hi], or the error naming the element and the field."""
    if key not in props or props[key] is None:
        raise NetworkImportError(f"{path}: {where}: no {key!r}; expected {want}")
    val = props[key]
    try:
        x = float(val) if not isinstance(val, bool) else math.nan
    except (TypeError, ValueError):
        x = math.nan
    if not (math.isfinite(x) and lo < x <= hi):
        raise NetworkImportError(f"{path}: {where}: {key} is {val!r}; expected {want}")
    return x


def _optional(props: dict, key: str, where: str, path: Path, default: float, want: str):
    """An optional number >= 0 (``default`` when absent)."""
    if props.get(key) is None:
        return default
    return _field(props, key, where, path, -1e-12, math.inf, want)


def _point(props: dict, where: str, path: Path) -> tuple[str, float]:
    """(asset type, age in years or NaN) of a station or junction."""
    kind = props.get("asset_type")
    if kind not in POINT_TYPES:
        raise NetworkImportError(
            f"{path}: {where}: asset_type is {kind!r}; expected one of {list(POINT_TYPES)}"
        )
    age = math.nan
    if props.get("age_years") is not None:
        age = _field(props, "age_years", where, path, *PIPE_FIELDS["age_years"])
    return kind, age


def _pipe(props: dict, where: str, path: Path) -> dict:
    """The checked attributes of one pipe (module docstring)."""
    out = {k: _field(props, k, where, path, *spec) for k, spec in PIPE_FIELDS.items()}
    material = props.get("material")
    if material not in MATERIALS:
        raise NetworkImportError(
            f"{path}: {where}: material is {material!r}; expected one of {list(MATERIALS)}"
        )
    out["ductile"] = MATERIALS[material]
    out["customers_households"] = _optional(
        props, "customers_households", where, path, 0.0, "a number of households >= 0"
    )
    out["length_m"] = None
    if props.get("length_m") is not None:
        out["length_m"] = _field(props, "length_m", where, path, 0.0, math.inf, "a length > 0 m")
    return out


def gas_layer(name, ids, xy, kinds, ages, pipes, ends, lengths_m, frame, path, notes):
    """The gas layer of checked points and pipes (module docstring).

    Args:
        name: the layer's name.
        ids: (P,) point ids; xy: (P, 2) metres in ``frame``; kinds, ages: per point.
        pipes: (M,) dicts of `_pipe`; ends: (M, 2) point indices; lengths_m: (M,) metres.
        frame: the frame of ``xy``; path: the file; notes: the import's warnings.

    Raises:
        NetworkImportError: no gate station, or a pipe joining a point to itself.
    """
    n_p, n_m = len(ids), len(pipes)
    kinds = np.asarray(kinds, dtype=object)
    if not (kinds == "gas_gate_station").any():
        raise NetworkImportError(
            f"{path}: no point has asset_type 'gas_gate_station': the network has no source "
            "and would serve nobody"
        )
    ends = np.asarray(ends, np.int64).reshape(-1, 2)
    loops = np.flatnonzero(ends[:, 0] == ends[:, 1])
    if loops.size:
        pid = [pipes[i]["id"] for i in loops]
        raise NetworkImportError(f"{path}: pipe(s) {id_list(pid)}: 'from' and 'to' are the same")
    lone = np.setdiff1d(np.arange(n_p), ends.ravel())
    if lone.size:
        note(notes, path, f"{lone.size} point(s) {id_list(np.asarray(ids)[lone])} on no pipe")
    hp = np.array([p["pressure_kpa"] > HP_ABOVE_KPA for p in pipes], bool)
    code = {t: GAS_IMPORT_TYPES.index(t) for t in GAS_IMPORT_TYPES}
    types = [*kinds.tolist(), *np.where(hp, "gas_main_hp", "gas_main_mp").tolist()]
    mid = 0.5 * (xy[ends[:, 0]] + xy[ends[:, 1]]) if n_m else np.empty((0, 2))
    length = np.asarray(lengths_m, float)

    def col(key):
        return np.array([p[key] for p in pipes], float)

    nan_p = np.full(n_p, np.nan)
    nodes = _nodes(
        n_p + n_m,
        x_m=np.concatenate([xy[:, 0], mid[:, 0]]),
        y_m=np.concatenate([xy[:, 1], mid[:, 1]]),
        district=np.zeros(n_p + n_m, np.int64),
        asset_type=np.array([code[t] for t in types], np.int64),
        age_years=np.concatenate([np.asarray(ages, float), col("age_years")]),
        is_source=np.array([t == "gas_gate_station" for t in types]),
        customers_households=np.concatenate([np.zeros(n_p), col("customers_households")]),
        replacement_cost_yuan=np.array(
            [ASSET_TYPES[t].replacement_cost_yuan if t in ASSET_TYPES else 0.0 for t in types]
        ),
        pipe_km=np.concatenate([nan_p, length / 1000.0]),
        pressure_kpa=np.concatenate([nan_p, col("pressure_kpa")]),
        diameter_m=np.concatenate([nan_p, col("diameter_mm") / 1000.0]),
        ductile=np.concatenate([np.zeros(n_p, bool), col("ductile").astype(bool)]),
        gas_id=np.array([*map(str, ids), *(str(p["id"]) for p in pipes)], dtype=object),
    )
    main = n_p + np.arange(n_m)
    edges = {
        "u": np.concatenate([ends[:, 0], main]),
        "v": np.concatenate([main, ends[:, 1]]),
        "length_m": np.concatenate([length / 2.0, length / 2.0]),
        "edge_type": np.tile(np.where(hp, 0, 1), 2).astype(np.int64),
    }
    return ImportedLayer(name, nodes, edges, list(GAS_IMPORT_TYPES), list(GAS_EDGE_TYPES),
                         crs=frame, source=str(path), notes=notes)  # fmt: skip


# --------------------------------------------------------------------------------------------
# GeoJSON
# --------------------------------------------------------------------------------------------
CRS84_NAMES = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
               "urn:ogc:def:crs:EPSG::4326")  # fmt: skip
"""Legacy GeoJSON ``crs`` names that mean WGS84 longitude/latitude (others are refused)."""


def _features(doc, path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection in WGS84 (module docstring)."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise NetworkImportError(f"{path}: expected a GeoJSON FeatureCollection at the top level")
    crs = doc.get("crs")
    if crs is not None:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else crs
        if name not in CRS84_NAMES:
            raise NetworkImportError(
                f"{path}: crs is {name!r}; expected WGS84 longitude/latitude in degrees "
                "(RFC 7946): reproject the file, e.g. ogr2ogr -t_srs EPSG:4326"
            )
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        raise NetworkImportError(f"{path}: features: expected a non-empty list of features")
    return feats


def _feature_id(f, k: int, path: Path) -> str:
    if not isinstance(f, dict) or not isinstance(f.get("geometry"), dict):
        raise NetworkImportError(f"{path}: feature {k}: expected an object with a geometry")
    props = f.get("properties") or {}
    fid = f.get("id", props.get("id"))
    if fid is None or isinstance(fid, bool) or str(fid).strip() == "":
        raise NetworkImportError(f"{path}: feature {k}: no 'id'; expected an id (a string)")
    return str(fid)


def _lonlat(coords, where: str, path: Path) -> np.ndarray:
    """(k, 2) WGS84 degrees of a Point's or a LineString's coordinates."""
    try:
        arr = np.asarray(coords, float)
    except (TypeError, ValueError):
        arr = np.empty((0,))
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape[1] < 2 or not np.isfinite(arr[:, :2]).all():
        raise NetworkImportError(
            f"{path}: {where}: coordinates are {coords!r:.80}; expected [longitude, latitude] "
            "numbers in degrees"
        )
    lon, lat = arr[:, 0], arr[:, 1]
    if ((np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)).any():
        raise NetworkImportError(
            f"{path}: {where}: coordinates {arr[0, :2].tolist()}…: not WGS84 degrees "
            "(longitude -180..180, latitude -90..90)"
        )
    return arr[:, :2]


# long: reads and checks two kinds of feature, each with its own message
def read_gas_geojson(path: str | Path, name: str = "gas") -> ImportedLayer:
    """A GeoJSON gas network as a layer (module docstring).

    Raises:
        NetworkImportError: unreadable file, not GeoJSON, another CRS, a feature without id or
            with a duplicate one, a geometry other than Point or LineString, a missing or
            out-of-range attribute, a pipe end naming no point (each naming the file, the
            feature and the field), no gate station.
    """
    path, notes = Path(path), []
    raw = read_bytes(path)
    require_kind(path, raw, ("json",), "a GeoJSON file")
    try:
        doc = parse_json(decode_text(path, raw), path)
    except InputFileError as exc:
        raise NetworkImportError(str(exc)) from None
    points, lines = [], []
    seen = set()
    for k, f in enumerate(_features(doc, path)):
        fid = _feature_id(f, k, path)
        if fid in seen:
            raise NetworkImportError(f"{path}: feature {k}: id {fid!r} is used twice")
        seen.add(fid)
        where, geom = f"feature {fid!r}", f["geometry"]
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            raise NetworkImportError(f"{path}: {where}: properties: expected an object")
        if geom.get("type") == "Point":
            points.append((fid, _lonlat(geom.get("coordinates"), where, path)[0], props))
        elif geom.get("type") == "LineString":
            coords = _lonlat(geom.get("coordinates"), where, path)
            if len(coords) < 2:
                raise NetworkImportError(f"{path}: {where}: a LineString needs 2 positions")
            lines.append((fid, coords, props))
        else:
            raise NetworkImportError(
                f"{path}: {where}: geometry {geom.get('type')!r}; expected Point (a station or "
                "junction) or LineString (a pipe)"
            )
    if not points:
        raise NetworkImportError(
            f"{path}: no Point feature; expected the stations and junctions as Points"
        )
    index = {fid: i for i, (fid, _, _) in enumerate(points)}
    kinds, ages = zip(*(_point(p, f"feature {fid!r}", path) for fid, _, p in points), strict=True)
    pipes, ends, lengths = [], [], []
    for fid, coords, props in lines:
        where = f"feature {fid!r}"
        pipe = {"id": fid, **_pipe(props, where, path)}
        pair = []
        for key in ("from", "to"):
            if props.get(key) is None or str(props[key]) not in index:
                raise NetworkImportError(
                    f"{path}: {where}: {key} is {props.get(key)!r}; expected the id of a Point "
                    "feature (a station or junction)"
                )
            pair.append(index[str(props[key])])
        geod = WGS84.line_length(coords[:, 0], coords[:, 1])
        pipes.append(pipe)
        ends.append(pair)
        lengths.append(pipe["length_m"] if pipe["length_m"] is not None else geod)
    lonlat = np.array([c for _, c, _ in points], float)
    x, y, frame = project_lonlat(lonlat[:, 0], lonlat[:, 1], str(path))
    xy = np.column_stack([x, y])
    ids = [fid for fid, _, _ in points]
    return gas_layer(name, ids, xy, kinds, ages, pipes, ends, lengths, frame, path, notes)


# --------------------------------------------------------------------------------------------
# GraphML
# --------------------------------------------------------------------------------------------
def read_gas_graphml(
    path: str | Path, name: str = "gas", *, crs: str | None = "EPSG:4326"
) -> ImportedLayer:
    """A GraphML gas network as a layer (module docstring): nodes are stations and junctions
    (``x``, ``y`` in ``crs``), edges are pipes (an edge's ``id`` names it, else its ends).

    Raises:
        NetworkImportError: unreadable file, not GraphML, nodes without coordinates, a missing
            or out-of-range attribute (naming the file, the node or edge and the field), no
            gate station.
    """
    path, notes = Path(path), []
    g = parse_graphml_file(path)
    ids = list(g.nodes)
    # refused before reading them: the other GraphML importers place such nodes (and warn so)
    unplaced = [i for i in ids if "x" not in g.nodes[i] or "y" not in g.nodes[i]]
    if unplaced:
        raise NetworkImportError(
            f"{path}: node(s) {id_list(unplaced)}: no 'x' and 'y'; every station and junction "
            "needs its position"
        )
    xs, ys = _graphml_xy(g, ids, "x", "y", path, notes)
    x, y, frame, _ = _graphml_frame(xs, ys, crs, ids, path)
    index = {nid: i for i, nid in enumerate(ids)}
    kinds, ages = zip(*(_point(g.nodes[i], f"node {i!r}", path) for i in ids), strict=True)
    pipes, ends, lengths = [], [], []
    for a, b, d in g.edges(data=True):
        pid = d.get("id", f"{a}-{b}")
        pipe = {"id": pid, **_pipe(d, f"edge {pid!r}", path)}
        pair = [index[a], index[b]]
        pipes.append(pipe)
        ends.append(pair)
        straight = float(np.hypot(x[pair[0]] - x[pair[1]], y[pair[0]] - y[pair[1]]))
        lengths.append(pipe["length_m"] if pipe["length_m"] is not None else straight)
    xy = np.column_stack([x, y])
    return gas_layer(name, ids, xy, kinds, ages, pipes, ends, lengths, frame, path, notes)
