"""The storm-surge hazard's data files: defence segments and tide levels, read and checked.

``defences_file`` (e.g. ``scenarios/data/shanghai/seawall.csv``): one row per seawall or
floodwall segment, columns :data:`DEFENCE_COLUMNS` plus ``level_offset_m`` (0 when absent),
optionally ``district``, ``standard`` and ``source``. ``tide_file`` (e.g.
``tide_levels.csv``): rows ``station, quantity, value_m, source``; the first row's station is
the reference gauge, whose ``spring_high_water_m`` and ``spring_range_m`` set the tide unless
the scenario gives them (:func:`tide_parameters`). Levels are metres in the city's vertical
datum (the first city's: Wusong datum), as the crest levels are.

Every problem is a :class:`~sim.hazards.errors.HazardDataError` naming the file, the line and
what was expected: a blank, repeated or non-numeric cell would otherwise zero or change the
surge silently (a blank tide value became NaN, a repeated one silently replaced the first).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputDataError
from sim.core.text_input import read_csv_table
from sim.hazards.errors import HazardDataError
from sim.scenario.suggest import closest

DEFENCE_COLUMNS = ("segment", "kind", "lon1", "lat1", "lon2", "lat2", "crest_m", "ground_m")
TIDE_COLUMNS = ("station", "quantity", "value_m")

CREST_RANGE_M = (0.0, 30.0)
"""Crest level of a defence, m above the city's datum. The highest sea defences stand about
15 m above sea level (the Fudai floodgate, Japan, 15.5 m); a crest below the datum (a tide
datum near mean or low water) would be under water at every high tide."""
GROUND_MIN_M = -10.0
"""Lowest landward ground level, m: land lies below sea level behind dikes (the lowest Dutch
polder, Zuidplaspolder, about −7 m NAP), never 10 m below."""
LEVEL_MAX_M = 30.0
"""Largest tide level or level difference from the datum, m: the largest tidal range on Earth
(16.3 m, Bay of Fundy, Canadian Hydrographic Service) plus the highest storm surges (about
8.5 m, Katrina 2005 at Pass Christian, NHC Tropical Cyclone Report AL122005) stay below it."""
_COORD_RANGES = {"lon1": (-180.0, 360.0), "lat1": (-90.0, 90.0)}
_COORD_RANGES |= {"lon2": _COORD_RANGES["lon1"], "lat2": _COORD_RANGES["lat1"]}


def _fail(path: Path, line: int, what: str) -> HazardDataError:
    return HazardDataError(f"{path}: line {line}: {what}")


def _read(path: Path, what: str, text_columns: tuple[str, ...]) -> pd.DataFrame:
    """A table with its data lines (column ``line``); text columns kept as text."""
    try:
        df = read_csv_table(path, dtype=dict.fromkeys(text_columns, "string"))
    except (OSError, InputDataError) as exc:
        raise HazardDataError(f"{path}: cannot read {what}: {exc}") from None
    return df.assign(line=np.arange(len(df)) + 2)


def _text(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A text column with every cell filled.

    Raises:
        HazardDataError: a blank cell, by its line.
    """
    cells = df[column].astype("string").str.strip()
    blank = (cells.isna() | (cells == "")).to_numpy()
    if blank.any():
        raise _fail(path, int(df["line"].iloc[int(np.flatnonzero(blank)[0])]), f"{column} is blank")
    return cells


def _numbers(df: pd.DataFrame, column: str, path: Path, lo: float, hi: float) -> np.ndarray:
    """A numeric column, every cell a number in [lo, hi].

    Raises:
        HazardDataError: a blank, non-numeric or out-of-range cell, by its line.
    """
    v = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v < lo) | (v > hi)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        cell = df[column].iloc[k]
        shown = "blank" if pd.isna(cell) or not str(cell).strip() else repr(str(cell).strip())
        shown = f"{v[k]:g}" if np.isfinite(v[k]) else shown
        raise _fail(
            path,
            int(df["line"].iloc[k]),
            f"{column} is {shown}: expected a number in [{lo:g}, {hi:g}]",
        )
    return v


def _no_repeats(df: pd.DataFrame, keys: list[str], path: Path) -> None:
    """No two rows share ``keys``.

    Raises:
        HazardDataError: naming both lines.
    """
    dup = df.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        rows = df[dup]
        first = rows.iloc[0]
        same = rows[(rows[keys] == first[keys]).all(axis=1)]["line"].tolist()
        named = ", ".join(f"{k} {first[k]!r}" for k in keys)
        raise _fail(
            path, int(same[1]), f"{named} is listed twice (lines {same[0]} and {same[1]}); keep one"
        )


def read_defences(path: Path, districts: list[str] | None = None) -> pd.DataFrame:
    """Defence segments (module docstring), checked row by row.

    Args:
        path: the CSV.
        districts: the city's district names; when given, a ``district`` cell must be one of
            them (a blank cell is allowed: the column is informative).

    Returns:
        The table (``level_offset_m`` 0 where the column is absent; column ``line``).

    Raises:
        HazardDataError: an unreadable file, a missing column, or, naming its line, a blank or
            repeated segment name, a coordinate that is not a number in degrees, a crest outside
            :data:`CREST_RANGE_M`, a ground level below :data:`GROUND_MIN_M` or not below the
            crest, an offset beyond ±:data:`LEVEL_MAX_M`, an unknown district.
    """
    path = Path(path)
    df = _read(path, "defences", ("segment", "kind", "district"))
    missing = [c for c in DEFENCE_COLUMNS if c not in df.columns]
    if missing or df.empty:
        raise HazardDataError(
            f"{path}: missing columns {missing or list(DEFENCE_COLUMNS)} or no rows; need "
            f"{list(DEFENCE_COLUMNS)}"
        )
    if "level_offset_m" not in df.columns:
        df["level_offset_m"] = 0.0
    df["segment"] = _text(df, "segment", path)
    _no_repeats(df, ["segment"], path)
    for col, (lo, hi) in _COORD_RANGES.items():
        df[col] = _numbers(df, col, path, lo, hi)
    df["crest_m"] = _numbers(df, "crest_m", path, *CREST_RANGE_M)
    df["ground_m"] = _numbers(df, "ground_m", path, GROUND_MIN_M, CREST_RANGE_M[1])
    df["level_offset_m"] = _numbers(df, "level_offset_m", path, -LEVEL_MAX_M, LEVEL_MAX_M)
    above = np.flatnonzero((df["ground_m"] >= df["crest_m"]).to_numpy())
    if above.size:
        r = df.iloc[int(above[0])]
        raise _fail(
            path,
            int(r["line"]),
            f"ground_m {r['ground_m']:g} is not below crest_m {r['crest_m']:g} of segment "
            f"{r['segment']!r}: a defence's crest stands above the land behind it",
        )
    if districts is not None and "district" in df.columns:
        _known_districts(df, districts, path)
    return df


def _known_districts(df: pd.DataFrame, districts: list[str], path: Path) -> None:
    """Every filled ``district`` cell names a district of the city (with the closest name)."""
    cells = df["district"].astype("string").str.strip()
    for k, name in enumerate(cells):
        if pd.isna(name) or name == "" or name in districts:
            continue
        hint = closest(str(name), districts)
        mean = f"; did you mean {hint!r}?" if hint else f"; districts: {districts}"
        raise _fail(path, int(df["line"].iloc[k]), f"unknown district {name!r} of the city{mean}")


def read_tide_table(path: Path) -> pd.DataFrame:
    """The tide-level table (module docstring), checked row by row.

    Returns:
        Columns station, quantity (stripped text), value_m (float), line.

    Raises:
        HazardDataError: an unreadable file, a missing column, no rows, or, naming its line, a
            blank station or quantity, a value that is blank, not a number or beyond
            ±:data:`LEVEL_MAX_M`, a negative range (a quantity ending in ``range_m``), a
            (station, quantity) listed twice.
    """
    path = Path(path)
    df = _read(path, "tide levels", ("station", "quantity"))
    if not set(TIDE_COLUMNS) <= set(df.columns) or df.empty:
        raise HazardDataError(
            f"{path}: need columns {list(TIDE_COLUMNS)} and at least one row; header is "
            f"{[c for c in df.columns if c != 'line']}"
        )
    df["station"] = _text(df, "station", path)
    df["quantity"] = _text(df, "quantity", path)
    df["value_m"] = _numbers(df, "value_m", path, -LEVEL_MAX_M, LEVEL_MAX_M)
    _no_repeats(df, ["station", "quantity"], path)
    negative = df["quantity"].str.endswith("range_m").to_numpy() & (df["value_m"] < 0).to_numpy()
    if negative.any():
        r = df.iloc[int(np.flatnonzero(negative)[0])]
        raise _fail(path, int(r["line"]), f"{r['quantity']} {r['value_m']:g} m: a range is >= 0")
    return df


def read_tide_levels(path: Path) -> dict[str, float]:
    """Tide quantities of the reference gauge (the file's first station): quantity -> m.

    Raises:
        HazardDataError: as :func:`read_tide_table`.
    """
    df = read_tide_table(path)
    ref = df[df["station"] == df["station"].iloc[0]]
    return {str(q): float(v) for q, v in zip(ref["quantity"], ref["value_m"], strict=True)}


TIDE_QUANTITIES = {"high_water_m": "spring_high_water_m", "range_m": "spring_range_m"}
"""Field of ``hazard.storm_surge.tide`` -> the tide file's quantity it defaults to."""


def tide_parameters(cfg) -> tuple[float, float]:
    """High-water level and tidal range of a ``hazard.storm_surge`` block, m: the scenario's
    ``tide.high_water_m`` / ``tide.range_m``, else the reference gauge's
    ``spring_high_water_m`` / ``spring_range_m`` in ``tide_file``.

    Raises:
        HazardDataError: the tide file is malformed (:func:`read_tide_table`), or a quantity
            the scenario leaves to it is missing for the reference gauge; the message names a
            row that looks like it (a misspelt station or quantity) with "did you mean".
    """
    table = read_tide_table(cfg.tide_file)
    ref = str(table["station"].iloc[0])
    levels = read_tide_levels(cfg.tide_file)
    out = []
    for field, quantity in TIDE_QUANTITIES.items():
        given = getattr(cfg.tide, field)
        if given is None and quantity not in levels:
            raise HazardDataError(
                f"{cfg.tide_file}: the reference gauge {ref!r} (the first row's station) has no "
                f"{quantity}{_lookalike(table, ref, quantity)}; add the row or set "
                f"hazard.storm_surge.tide.{field}"
            )
        out.append(float(given if given is not None else levels[quantity]))
    return out[0], out[1]


def _lookalike(table: pd.DataFrame, ref: str, quantity: str) -> str:
    """ " (line L ...: did you mean ...?)" for the row that is probably the missing one: the
    quantity under a station named like the reference gauge, else a quantity of the gauge
    named like it (not another required one); "" when none is."""
    others = table[(table["quantity"] == quantity) & (table["station"] != ref)]
    for _, r in others.iterrows():
        if closest(r["station"], [ref]):
            return (
                f" (line {r['line']} gives it for station {r['station']!r}, named like the "
                f"reference gauge {ref!r}: one of them misspelt?)"
            )
    own = table[(table["station"] == ref) & ~table["quantity"].isin(TIDE_QUANTITIES.values())]
    for _, r in own.iterrows():
        if closest(r["quantity"], [quantity]):
            return f" (line {r['line']} has quantity {r['quantity']!r}: did you mean {quantity!r}?)"
    return ""
