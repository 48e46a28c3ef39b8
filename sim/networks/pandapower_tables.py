"""Checks of a pandapower network's tables before `sim.networks.importers.read_pandapower`
builds a layer from them.

A saved net (``pandapower.to_json``) is a set of pandas tables; pandapower reads back whatever
the file holds, so a damaged file gives a net whose columns are missing, whose numbers are
text or null, or whose bus positions are not GeoJSON points. Each column the layer reads is
checked against what pandapower's own ``create_*`` functions accept (pandapower 3
documentation, "Datastructure and Elements"): ``length_km`` > 0 (and at most
`LENGTH_MAX_KM`), ``vn_kv`` and ``sn_mva`` > 0, ``scaling`` >= 0, ``in_service`` and
``closed`` booleans, bus references integers, switch ``et`` one of "b", "l", "t", "t3"; each
bus ``geo`` must be a GeoJSON point in WGS84 degrees (RFC 7946). A problem is a
`NetworkImportError` naming the file, the table, the elements, the column and the values.
"""

from __future__ import annotations

import json
import math
from numbers import Real

import numpy as np
import pandas as pd

from sim.core.text_input import InputFileError, parse_json
from sim.networks.errors import NetworkImportError
from sim.networks.import_files import MAX_IDS_SHOWN, check_lonlat, id_list

LENGTH_MAX_KM = 40_075
"""Longest line accepted (km): the Earth's equatorial circumference (WGS84). A longer line is a
unit error, and its length in metres can overflow to infinity."""
COLUMNS = {
    "bus": {"in_service": "bool", "vn_kv": "positive"},
    "line": {"from_bus": "bus", "to_bus": "bus", "length_km": "length", "in_service": "bool"},
    "trafo": {"hv_bus": "bus", "lv_bus": "bus", "sn_mva": "positive", "in_service": "bool"},
    "load": {"bus": "bus", "p_mw": "number", "scaling": "nonneg", "in_service": "bool"},
    "ext_grid": {"bus": "bus", "in_service": "bool"},
    "switch": {"bus": "bus", "element": "bus", "et": "et", "closed": "bool"},
}
"""The tables and columns the layer reads, and what each value must be (`EXPECTED`)."""
EXPECTED = {
    "bool": "True or False",
    "positive": "a number > 0",
    "length": f"a number > 0 and at most {LENGTH_MAX_KM:,} km",
    "nonneg": "a number >= 0",
    "number": "a number",
    "bus": "an integer (an element index)",
    "et": 'one of "b", "l", "t", "t3"',
}
SWITCH_ELEMENTS = ("b", "l", "t", "t3")
"""Switch element types of pandapower: bus, line, transformer, three-winding transformer."""


def _finite(v) -> float | None:
    """`v` as a finite float, or None (text, null, NaN, infinite, a flag)."""
    if isinstance(v, bool | np.bool_) or not isinstance(v, Real):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def _ok(kind: str, v) -> bool:
    """Whether the value `v` is what `kind` (a key of `EXPECTED`) asks for."""
    if kind == "bool":
        return isinstance(v, bool | np.bool_) or (_finite(v) is not None and v in (0, 1))
    if kind == "et":
        return v in SWITCH_ELEMENTS
    x = _finite(v)
    if x is None:
        return False
    return {
        "positive": x > 0,
        "length": 0 < x <= LENGTH_MAX_KM,
        "nonneg": x >= 0,
        "number": True,
        "bus": x == int(x),
    }[kind]


def check_tables(net, source: str) -> None:
    """Check the columns of `COLUMNS` in every table of `net` (module docstring).

    Raises:
        NetworkImportError: a table missing or not a table, a column missing, or values that
            are not what pandapower accepts (the first bad column, its elements and values).
    """
    for table, columns in COLUMNS.items():
        frame = getattr(net, table, None)
        if not isinstance(frame, pd.DataFrame):
            raise NetworkImportError(
                f"{source}: no {table!r} table (pandapower's {table} DataFrame), got "
                f"{type(frame).__name__}"
            )
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise NetworkImportError(
                f"{source}: the {table!r} table lacks the column(s) {missing} pandapower "
                "writes (save the net with pandapower.to_json)"
            )
        for col, kind in columns.items():
            values = frame[col].tolist()
            bad = [i for i, v in enumerate(values) if not _ok(kind, v)]
            if bad:
                ids = frame.index[bad]
                shown = ", ".join(repr(values[i]) for i in bad[:MAX_IDS_SHOWN])
                raise NetworkImportError(
                    f"{source}: {table} {id_list(ids)}: {col} is {shown}; expected {EXPECTED[kind]}"
                )


def _point(geo, bus, source: str) -> tuple[float, float]:
    """(lon, lat) of one bus's ``geo`` (a GeoJSON point, as text or a mapping); NaN, NaN
    when it has none.

    Raises:
        NetworkImportError: a ``geo`` that is not a GeoJSON point with two numbers.
    """
    if geo is None or (isinstance(geo, float) and math.isnan(geo)) or geo == "":
        return math.nan, math.nan
    try:
        doc = json.loads(geo) if isinstance(geo, str) else geo
        coords = doc.get("coordinates") if isinstance(doc, dict) else None
        if not isinstance(coords, list | tuple) or len(coords) < 2:
            raise ValueError(coords)
        lon, lat = float(coords[0]), float(coords[1])
    except (ValueError, TypeError, IndexError, RecursionError):
        shown = repr(geo) if len(repr(geo)) <= 60 else repr(geo)[:57] + "..."
        raise NetworkImportError(
            f"{source}: bus {bus}: geo is {shown}; expected a GeoJSON point, e.g. "
            '{"type": "Point", "coordinates": [lon, lat]}'
        ) from None
    return lon, lat


def bus_lonlat(net, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Bus lon/lat from ``net.bus.geo`` (GeoJSON, pandapower >= 3) or ``net.bus_geodata``
    (older nets; ``x``, ``y``); NaN for buses without a position.

    Raises:
        NetworkImportError: a ``geo`` that is not a GeoJSON point, or positions that are not
            WGS84 degrees (`sim.networks.import_files.check_lonlat`), naming the buses.
    """
    n = len(net.bus)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    if "geo" in net.bus.columns:
        for i, (bus, geo) in enumerate(zip(net.bus.index, net.bus["geo"].tolist(), strict=True)):
            lon[i], lat[i] = _point(geo, bus, source)
    elif getattr(net, "bus_geodata", None) is not None and len(net.bus_geodata):
        gd = net.bus_geodata.reindex(net.bus.index)
        if {"x", "y"} <= set(gd.columns):
            lon = pd.to_numeric(gd["x"], errors="coerce").to_numpy(float)
            lat = pd.to_numeric(gd["y"], errors="coerce").to_numpy(float)
    check_lonlat(lon, lat, [f"{b}" for b in net.bus.index], source, "bus")
    return lon, lat


def check_saved_tables(doc: dict, source: str) -> None:
    """Check the tables of a saved net (``pandapower.to_json``: each DataFrame a JSON text in
    pandas' "split" orientation, ``columns``, ``index``, ``data``) before pandapower reads
    them, so a damaged table is named rather than reported by pandas as "Trailing data" or
    "Length of values (6) does not match length of index (7)".

    Raises:
        NetworkImportError: a table's text is not JSON (line and column within it), or its
            rows do not match its index and columns (the first bad row).
    """
    tables = doc.get("_object")
    for name, item in tables.items() if isinstance(tables, dict) else ():
        if not (isinstance(item, dict) and item.get("_class") == "DataFrame"):
            continue
        if not isinstance(item.get("_object"), str) or item.get("orient", "split") != "split":
            continue
        try:
            frame = parse_json(item["_object"], source)
        except InputFileError as exc:
            raise NetworkImportError(
                f"{source}: table {name!r} (its JSON text): {exc.what}"
            ) from None
        columns = frame.get("columns") if isinstance(frame, dict) else None
        index = frame.get("index") if isinstance(frame, dict) else None
        data = frame.get("data") if isinstance(frame, dict) else None
        if not all(isinstance(v, list) for v in (columns, index, data)):
            raise NetworkImportError(
                f"{source}: table {name!r} lacks the lists columns, index and data of a "
                "pandas table"
            )
        if len(data) != len(index):
            raise NetworkImportError(
                f"{source}: table {name!r} has {len(index)} index entries but {len(data)} rows"
            )
        for k, row in enumerate(data):
            if not isinstance(row, list) or len(row) != len(columns):
                got = len(row) if isinstance(row, list) else type(row).__name__
                raise NetworkImportError(
                    f"{source}: table {name!r} row {k} (index {index[k]!r}) has {got} values "
                    f"for {len(columns)} columns"
                )
