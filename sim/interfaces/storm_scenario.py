"""Make an emergency scenario for any storm from its best track (``citysafe storm new``).

Input: a CMA best-track file (``CHYYYYBST.txt``, :func:`sim.hazards.track.read_cma_bst`) or the
project's track CSV (``time_utc, lat, lon, pressure_hpa, wind_ms, agency, source``,
:func:`sim.hazards.track.read_track_csv`), told apart by their first line; a city data folder
(its reference point, ``city.yaml``). Output: a self-contained scenario YAML whose paths are
relative to the output file, with

- the **window** (``time``): from the later of the track's start and :data:`LEAD_H` = 72 h
  before the closest approach to the city's reference point, floored to a 6-hourly synoptic
  time (00/06/12/18 UTC: best-track records and official typhoon forecasts are issued there),
  to the time the centre leaves :data:`~sim.hazards.approach.REACH_KM` of the point, but at
  least :data:`AFTER_MIN_H` = 24 h and at most :data:`AFTER_MAX_H` = 48 h after the closest
  approach;
- **no scripted warnings** (no ``events:``): the warning centre decides from its forecasts
  (``warnings: {mode: forecast}`` is written when the scenario schema has that field);
- **no observed figures** unless an observations file is given.

Why 72 h: the run must begin before the first warning the storm could bring. The warning
signals look at most 24 h ahead (typhoon blue and yellow: affected within 24 h; orange 12 h;
red 6 h; CMA Order No. 16, 2007, "Measures for the release and dissemination of meteorological
disaster warning signals"), and the forecasts they are decided from reach 72 h (the longest
lead of the official typhoon track forecasts verified at 24, 48 and 72 h; the forecast warning
centre's horizon), so starting 72 h before the closest approach leaves every forecast that
could raise a warning inside the run, with a margin for storms whose gales arrive long before
their centre. Why 24-48 h after: warnings are lifted, repairs proceed and relocated residents
return in the day or two after the storm passes (assumption); the upper bound keeps a slow
storm's run short. Why :data:`~sim.hazards.approach.REACH_KM` = 800 km: the Hong Kong
Observatory raises its Standby Signal No. 1 when a tropical cyclone is centred within about
800 km and may affect the territory (HKO, "Tropical Cyclone Warning Signals"); taken here as
the distance within which a storm can affect a coastal city (assumption for other cities).

The scenario is self-contained rather than ``extends:`` a city base: a child inherits every
mapping of its parent (``observed:`` included, see :func:`sim.scenario.loader.deep_merge`),
any city works without a base file, and the file shows every setting it runs with.

**The same files as a run.** The track is read by the run's own readers through the project's
one text reader (:mod:`sim.core.text_input`: UTF-8 with or without BOM, UTF-16 with its BOM,
anything else refused naming the encoding it looks like), and the scenario made is checked by
:func:`sim.models.data_check.check_data`, as ``citysafe validate`` checks it: what ``run``
would refuse (a wind-radii table it cannot read, a city whose tables it cannot load) is
refused here with the same messages, and what it would warn of is warned of here.

**Nothing lost** (:func:`check_output`, :func:`write_scenario`; the rule of output folders in
:mod:`sim.results.staging`, for one file). The file written is marked as storm new's by its
first line, :data:`MARK` with citysafe's version and the sha256 of the text below it. An
output that is one of the command's inputs (``--track``, ``--observed``, ``--radii``) or lies
inside the city's data folder is refused; an existing file is replaced, with ``--force``, only
if its first line is that mark and the text below still matches it (storm new wrote it and no
one has edited it since); any other file is refused even with ``--force``, as are a folder and a
symbolic link. The file is written atomically
(:func:`sim.studies.sweep.files.atomic_write_bytes`): whole, or not at all.
"""

from __future__ import annotations

import hashlib
import os
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from sim.city.errors import CityDataError
from sim.city.profile import load_profile
from sim.core.cli_input import Bound
from sim.core.text_input import TABLE_MAX_BYTES, InputFileError, read_csv_table, read_text
from sim.core.yaml_input import SCENARIO_MAX_BYTES, YamlInputError, dump_yaml, read_yaml_file
from sim.hazards.approach import REACH_KM, Pass, out_of_reach
from sim.hazards.errors import StormNotFoundError, TrackFormatError
from sim.hazards.track import EARTH_RADIUS_M, Track, read_cma_bst, read_track_csv
from sim.models.data_check import check_data
from sim.results.staging import citysafe_version
from sim.results.summary import SUMMARY_KEYS
from sim.scenario.loader import ScenarioError, validate_mapping
from sim.scenario.schema import ObservedOutcome, Scenario, TyphoonConfig
from sim.studies.sweep.files import atomic_write_bytes, remedy

LEAD_H = 72.0
"""Hours before the closest approach at which the window starts at the latest (see above)."""
AFTER_MIN_H = 24.0
"""Least hours simulated after the closest approach (assumption, see above)."""
AFTER_MAX_H = 48.0
"""Most hours simulated after the closest approach (assumption, see above)."""
REACH = Bound(1.0, np.pi * EARTH_RADIUS_M / 1e3, source="a distance on the Earth, km")
"""What ``--reach-km`` accepts: at least 1 km (best-track positions are given to 0.1°, ~11
km, so a smaller reach means nothing), at most half the Earth's circumference (~20,015 km):
no point is farther away."""
SYNOPTIC_H = 6
"""Spacing of synoptic times (00/06/12/18 UTC) to which the window start is floored, hours."""
PHYSICS_STEP_H = 0.25
"""Physics step written to the scenario, hours (the schema default, as in the shipped
typhoon scenarios)."""
CSV_COLUMNS = ("time_utc", "lat", "lon", "pressure_hpa", "wind_ms", "agency")
"""Columns a track CSV must have (``source`` and others are carried along unread)."""
READ_ERRORS = (ValueError, LookupError, OSError, TypeError)
"""What the readers raise on malformed input (their own errors derive from the first two;
pandas' parser errors and ``UnicodeDecodeError`` derive from ValueError)."""
MARK = "# citysafe storm new"
"""Start of the first line of every file storm new writes: ``# citysafe storm new VERSION
sha256:HEX``, HEX the sha256 of the UTF-8 text after that line (:func:`storm_new_mark`)."""
_MARK_LINE = re.compile(rf"^{re.escape(MARK)} (\S+) sha256:([0-9a-f]{{64}})$")
HINT = "choose another --out, e.g. --out my/storm.yaml"
"""What every refusal of ``--out`` suggests."""


class StormScenarioError(ValueError):
    """The scenario cannot be made; the message is one line naming the file and the problem."""


@dataclass
class StormTrack:
    """A storm's track and how to select it again from its file.

    Attributes:
        track: the :class:`~sim.hazards.track.Track`.
        path: the track file.
        track_format: ``csv`` or ``cma_bst``.
        agency: the CSV's agency label selected (None for a CMA file).
        storm: the CMA storm selection written to the scenario (None for a CSV).
        label: storm name for the scenario's name (lower case, may be empty).
    """

    track: Track
    path: Path
    track_format: str
    agency: str | None = None
    storm: str | None = None
    label: str = ""

    @property
    def title(self) -> str:
        """The storm's name for people: the CMA name, or the CSV's label and agency."""
        if self.track_format == "csv":
            return f"{self.label} ({self.agency} track)"
        return self.track.name


@dataclass
class StormScenario:
    """The scenario made, as a mapping, with what it was made from.

    Attributes:
        data: the scenario mapping (paths relative to the output file).
        storm: the track read.
        passage: the closest approach and time within reach.
        start_utc, end_utc: the window, ``datetime64[s]``.
        notes: remarks for the user (e.g. the track ends before the storm passes).
        inputs: the files it was made from, by option (``--track``, ``--observed``,
            ``--radii``), and the city's data folder (``--city``): the output may not be one
            of them or lie inside the folder (:func:`check_output`).
        observed_as_of: each observed outcome's report cut-off time, as the impacts table
            gives it (``as_of_local``); empty for a YAML observations file or a table without
            the column. Written in the header and printed by the command.
    """

    data: dict[str, Any]
    storm: StormTrack
    passage: Pass
    start_utc: np.datetime64
    end_utc: np.datetime64
    notes: list[str] = field(default_factory=list)
    inputs: dict[str, Path] = field(default_factory=dict)
    observed_as_of: dict[str, str] = field(default_factory=dict)

    def observed_lines(self) -> list[str]:
        """One line per observed outcome: key, value (with its bound) and, when known, the
        cut-off time of the report it comes from (``as of ...``)."""
        bounds = {"at_least": ">= ", "at_most": "<= "}
        out = []
        for key, rec in (self.data.get("observed") or {}).items():
            value = f"{bounds.get(rec.get('bound', ''), '')}{rec['value']:,}"
            when = self.observed_as_of.get(key)
            out.append(f"{key} {value}" + (f" as of {when}" if when else ""))
        return out


def _fail(path: Path | str, what: str) -> StormScenarioError:
    return StormScenarioError(f"{path}: {what}")


def _one_line(exc: BaseException, path: Path) -> str:
    """The reader's message on one line (its line breaks joined by a space, nothing else
    changed: the run prints the same text), prefixed by the file unless it already names it."""
    text = " ".join(ln.strip() for ln in str(exc).splitlines() if ln.strip())
    text = text or type(exc).__name__
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _read_text(path: Path) -> str:
    """The track file's text, read as the run's track readers read it
    (:func:`sim.core.text_input.read_text`: the same files accepted, the same messages).

    Raises:
        StormScenarioError: no such file, a folder, too large, or not UTF-8/UTF-16 text.
    """
    try:
        return read_text(path, TABLE_MAX_BYTES)
    except FileNotFoundError:
        raise _fail(path, "track file not found") from None
    except InputFileError as exc:
        raise StormScenarioError(_one_line(exc, path)) from None


def sniff_format(path: Path) -> str:
    """``cma_bst`` when the first non-blank line starts with ``66666`` (a CMA header),
    ``csv`` when it is a header holding :data:`CSV_COLUMNS` (separated by commas, or by ';' or
    tabs, which the CSV reader then refuses saying how to save the file).

    Raises:
        StormScenarioError: neither (or the file cannot be read).
    """
    lines = [ln for ln in _read_text(path).splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    if first.split()[:1] == ["66666"]:
        return "cma_bst"
    for sep in (",", ";", "\t"):  # ';' or tabs: the CSV reader says how to save it
        header = [c.strip().strip('"').strip("'") for c in first.split(sep)]
        if all(c in header for c in CSV_COLUMNS):
            return "csv"
    raise _fail(
        path,
        "neither a CMA best-track file (first line a '66666 ...' storm header, "
        "CHYYYYBST.txt) nor a track CSV (header time_utc,lat,lon,pressure_hpa,wind_ms,agency,"
        "source)",
    )


def cma_storms(path: Path) -> list[str]:
    """``'NNNN NAME'`` of every storm header in a CMA best-track file, in file order."""
    out = []
    for line in _read_text(path).splitlines():
        tokens = line.split()
        if tokens[:1] == ["66666"] and len(tokens) >= 2:
            rest = tokens[7:]
            if rest and rest[-1].isdigit() and len(rest[-1]) == 8:  # compile date
                rest = rest[:-1]
            out.append(f"{tokens[1]} {' '.join(rest) or '(no name)'}")
    return out


def csv_agencies(path: Path) -> list[str]:
    """The distinct ``agency`` labels of a track CSV, in order of appearance.

    Raises:
        StormScenarioError: unreadable CSV, or an empty agency cell.
    """
    try:
        labels = read_csv_table(path, usecols=["agency"], dtype={"agency": "string"})["agency"]
    except READ_ERRORS as exc:
        raise StormScenarioError(_one_line(exc, path)) from None
    labels = labels.str.strip()
    empty = np.flatnonzero((labels.isna() | (labels == "")).to_numpy())
    if empty.size:
        raise _fail(f"{path}:{int(empty[0]) + 2}", "empty 'agency' cell: every row needs one")
    return list(dict.fromkeys(labels.tolist()))


def _pick_agency(path: Path, wanted: str | None) -> str:
    """The file's agency label matching ``wanted`` (case-insensitive), or its only one."""
    present = csv_agencies(path)
    if not present:
        raise _fail(path, "the track CSV has no rows")
    if wanted is None:
        if len(present) > 1:
            raise _fail(path, f"several agencies {present}: choose one with --agency")
        return present[0]
    match = [a for a in present if a.upper() == wanted.strip().upper()]
    if not match:
        raise _fail(path, f"no rows for agency {wanted!r}; agencies present: {present}")
    return match[0]


def _pick_storm(path: Path, wanted: str | None) -> str:
    """The storm selection: ``wanted`` (number or name), or the file's only storm's number."""
    if wanted is not None:
        return wanted.strip()
    storms = cma_storms(path)
    if len(storms) != 1:
        raise _fail(path, f"{len(storms)} storms in the file; choose one with --storm: {storms}")
    number, name = storms[0].split(" ", 1)
    return number if int(number) or name == "(no name)" else name


def _check_positions(st: StormTrack) -> None:
    """Refuse a track with fewer than two records (no passage can be found along one point)
    or with records lacking a position or pressure, or beyond +-90 / -180..360 degrees."""
    t = st.track
    if len(t) < 2:
        raise _fail(
            st.path,
            f"the track has {len(t)} record(s): at least 2 are needed to find where the storm "
            "passes the city (its closest approach and the window)",
        )
    bad = ~(np.isfinite(t.lat_deg) & np.isfinite(t.lon_deg) & np.isfinite(t.pressure_hpa))
    if bad.any():
        raise _fail(st.path, f"{int(bad.sum())} record(s) lack a position or a central pressure")
    if np.any(np.abs(t.lat_deg) > 90) or np.any((t.lon_deg < -180) | (t.lon_deg > 360)):
        raise _fail(st.path, "latitude or longitude out of range (degrees expected)")


def read_storm_track(path: Path, storm: str | None = None, agency: str | None = None) -> StormTrack:
    """Read one storm's track from either file format.

    Args:
        path: the track file.
        storm: CMA file: international number (``1909``) or name (``LEKIMA``); None selects
            the file's only storm. Not allowed for a CSV (one storm per file).
        agency: CSV: agency label (case-insensitive); None selects the file's only agency.

    Raises:
        StormScenarioError: one line: unreadable or neither format, malformed content, storm
            or agency not found (listing those in the file), missing positions.
    """
    path = Path(path)
    fmt = sniff_format(path)
    try:
        if fmt == "csv":
            if storm is not None:
                raise _fail(path, "a track CSV holds one storm: --storm selects in a CMA file")
            label = _pick_agency(path, agency)
            st = StormTrack(read_track_csv(path, agency=label), path, fmt, agency=label)
            st.label = re.sub(r"[_-]?track$", "", path.stem, flags=re.I)
        else:
            if agency is not None and agency.strip().upper() != "CMA":
                raise _fail(path, f"a CMA best-track file has CMA rows only, not {agency!r}")
            selection = _pick_storm(path, storm)
            st = StormTrack(read_cma_bst(path, selection), path, fmt, storm=selection)
            st.label = st.track.name if not st.track.name.isdigit() else f"storm-{st.track.name}"
    except StormScenarioError:
        raise
    except (TrackFormatError, StormNotFoundError, *READ_ERRORS) as exc:
        raise StormScenarioError(_one_line(exc, path)) from None
    _check_positions(st)
    return st


def storm_window(track: Track, passage: Pass) -> tuple[np.datetime64, np.datetime64]:
    """The simulated window (start, end), ``datetime64[s]``, by the rules of this module."""
    hour = np.timedelta64(3600, "s")
    start = max(track.start_utc, passage.closest_utc - int(LEAD_H) * hour)
    synoptic = SYNOPTIC_H * 3600
    start = np.datetime64(int(start.astype(np.int64)) // synoptic * synoptic, "s")
    lo = passage.closest_utc + int(AFTER_MIN_H) * hour
    hi = passage.closest_utc + int(AFTER_MAX_H) * hour
    end = min(max(passage.last_in_reach_utc or lo, lo), hi)
    end = np.datetime64(-(-int(end.astype(np.int64)) // 3600) * 3600, "s")  # ceil to the hour
    return start, end


def _iso(t: np.datetime64) -> str:
    return f"{np.datetime_as_string(t.astype('datetime64[s]'), unit='s')}Z"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._") or "storm"


def _relative(target: Path, out_dir: Path) -> str:
    """``target`` relative to ``out_dir`` (POSIX separators), absolute if on another drive."""
    try:
        return Path(os.path.relpath(target.resolve(), out_dir.resolve())).as_posix()
    except ValueError:  # pragma: no cover - another drive (Windows)
        return target.resolve().as_posix()


def forecast_warnings_block() -> dict[str, str] | None:
    """``{"mode": "forecast"}`` when the scenario schema has ``warnings.mode`` accepting it
    (the warning centre deciding from forecasts), else None (this schema has no such field;
    without scripted events the model then issues no warning)."""
    spec = Scenario.model_fields.get("warnings")
    model = getattr(spec, "annotation", None)
    if model is None or "mode" not in getattr(model, "model_fields", {}):
        return None
    try:
        model.model_validate({"mode": "forecast"})
    except ValidationError:
        return None
    return {"mode": "forecast"}


def _observed_outcomes() -> list[str]:
    return [k for k in SUMMARY_KEYS if k not in ("seed", "wall_time_s")]


def _validated_observed(path: Path, data: dict) -> dict[str, dict[str, Any]]:
    """Check outcome keys and records (:class:`~sim.scenario.schema.ObservedOutcome`)."""
    valid = _observed_outcomes()
    unknown = sorted(str(k) for k in data if k not in valid)
    if unknown:
        raise _fail(path, f"unknown outcomes {unknown}; valid: summary keys {valid}")
    try:
        records = TypeAdapter(dict[str, ObservedOutcome]).validate_python(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise _fail(path, f"{where}: {err['msg']}") from None
    return {
        key: {f: _whole(x) for f, x in rec.model_dump(exclude_none=True).items()}
        for key, rec in records.items()
    }


def _whole(x: Any) -> Any:
    """A whole float as an int (counts read back as written)."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


QUALIFIER_BOUND = {
    "": "exact",
    "=": "exact",
    "~": "exact",
    ">": "at_least",
    ">=": "at_least",
    "<": "at_most",
    "<=": "at_most",
}
"""An impacts table's ``qualifier`` (scenarios/data/typhoons/README.md: ``=`` as stated, ``>``
"more than" / 超过 / 余, ``~`` approximate) → the record's ``bound``
(:data:`sim.scenario.schema.OBSERVED_BOUNDS`). "3,000 余" is read as "at least 3,000" (the
strict "more than" of the source differs by one unit at most)."""


def _bound_of(path: Path, rows: pd.DataFrame) -> str:
    """The bound of a record from the qualifiers of its rows that give its value (the largest
    number): their common bound, else ``exact`` (a row stating the figure outweighs a bound).

    Raises:
        StormScenarioError: a qualifier outside :data:`QUALIFIER_BOUND`.
    """
    quals = rows["qualifier"].str.strip() if "qualifier" in rows else pd.Series([""] * len(rows))
    unknown = sorted(set(quals) - set(QUALIFIER_BOUND))
    if unknown:
        raise _fail(
            path,
            f"qualifier {unknown[0]!r} of outcome {rows['outcome'].iloc[0]!r}: expected one of "
            f"{', '.join(repr(q) for q in QUALIFIER_BOUND if q)} or empty",
        )
    bounds = {QUALIFIER_BOUND[q] for q in quals}
    return bounds.pop() if len(bounds) == 1 else "exact"


def _as_of(row: pd.Series) -> str:
    """A row's report cut-off time (``as_of_local``, e.g. ``2018-08-02 20:00 BJT``; the
    table's README: Beijing time), or empty when the table has none."""
    return str(row.get("as_of_local", "") or "").strip()


def _cited(path: Path, grp: pd.DataFrame) -> str:
    """The source of a record: the table's name, then each row's outlet, date, URL, figure,
    qualifier and cut-off time (``as of ...``: a count reported before the event's end is a
    running total, scenarios/data/typhoons/README.md, so the time belongs with the figure)."""
    cited = []
    for _, r in grp.iterrows():
        text = f"{r.source_outlet} {r.get('source_date', '')} {r.get('source_url', '')}".strip()
        text += f": {r.value}" + (
            "" if r.get("qualifier", "=") in ("=", "") else f" ({r.qualifier})"
        )
        cited.append(text + (f" as of {_as_of(r)}" if _as_of(r) else ""))
    return f"{path.name}: " + "; ".join(cited)


def _observed_from_table(
    path: Path, storm: str, as_of: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Records of one storm from an impacts table (``storm, outcome, value, qualifier,
    as_of_local, source_outlet, source_date, ...``, as
    ``scenarios/data/typhoons/observed_calibration.csv``).

    Rows whose outcome is a summary key and whose value is a number are kept. Several rows of
    one outcome (different sources or cut-off times) give ``value`` = the largest, ``low`` /
    ``high`` = the smallest / largest: counts reported before the end of an event are running
    totals, lower bounds of its total (scenarios/data/typhoons/README.md). The rows giving the
    value set its ``bound`` by their ``qualifier`` (:data:`QUALIFIER_BOUND`): "3,000 余"
    (``>``) becomes ``{value: 3000, bound: at_least}``, so a higher simulated figure agrees.
    Each row's cut-off time is cited with it in ``source`` (:func:`_cited`); ``as_of``, when
    given, receives each outcome's cut-off time of the rows giving its value (distinct ones
    joined by "; "; none when the table has no ``as_of_local``).

    Raises:
        StormScenarioError: unreadable table, missing columns, no record of the storm, or an
            unknown qualifier.
    """
    try:
        df = read_csv_table(path, dtype=str, keep_default_na=False)
    except READ_ERRORS as exc:
        raise StormScenarioError(_one_line(exc, path)) from None
    missing = [c for c in ("storm", "outcome", "value", "source_outlet") if c not in df.columns]
    if missing:
        raise _fail(path, f"missing column(s) {missing} of an impacts table")
    rows = df[(df["storm"] == storm) & df["outcome"].isin(_observed_outcomes())].copy()
    rows["number"] = pd.to_numeric(rows["value"], errors="coerce")
    rows = rows[rows["number"].notna()]
    if rows.empty:
        raise _fail(
            path,
            f"no numeric record of a summary outcome for storm {storm!r} (the scenario "
            "name; set it with --name)",
        )
    out: dict[str, dict[str, Any]] = {}
    for outcome, grp in rows.groupby("outcome", sort=False):
        rec = {"value": float(grp["number"].max()), "source": _cited(path, grp)}
        if len(grp) > 1:
            rec |= {"low": float(grp["number"].min()), "high": float(grp["number"].max())}
        top = grp[grp["number"] == grp["number"].max()]
        bound = _bound_of(path, top)
        if bound != "exact":
            rec["bound"] = bound
        out[str(outcome)] = rec
        times = list(dict.fromkeys(t for t in (_as_of(r) for _, r in top.iterrows()) if t))
        if as_of is not None and times:
            as_of[str(outcome)] = "; ".join(times)
    return out


def read_observed(
    path: Path, storm: str, as_of: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """An observations file: a YAML mapping of summary key to ``{value, source, low, high}``
    (the scenario's ``observed:`` section), or a ``.csv`` impacts table read for the rows of
    ``storm`` (:func:`_observed_from_table`, which cites each row's cut-off time in the
    record's source and fills ``as_of``, when given, with each outcome's; a YAML file's
    records are taken as written, a cut-off time in their sources kept as it is).

    Raises:
        StormScenarioError: unreadable, not a mapping, unknown outcome key, bad record or no
            record of the storm (the first problem, as ``FILE: key.field: message``).
    """
    path = Path(path)
    if not path.is_file():
        raise _fail(path, "observations file not found")
    if path.suffix.lower() == ".csv":
        return _validated_observed(path, _observed_from_table(path, storm, as_of))
    try:
        data = read_yaml_file(path)
    except (OSError, YamlInputError) as exc:
        raise _fail(path, f"cannot read the observations ({' '.join(str(exc).split())})") from None
    if isinstance(data, dict) and set(data) == {"observed"}:
        data = data["observed"]
    if not isinstance(data, dict) or not data:
        raise _fail(path, "expected a mapping of outcome (summary key) to {value, source, ...}")
    return _validated_observed(path, data)


def _typhoon_block(st: StormTrack, out_dir: Path, radii: Path | None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "track_file": _relative(st.path, out_dir),
        "track_format": st.track_format,
    }
    if st.agency is not None:
        block["agency"] = st.agency
    if st.storm is not None:
        block["storm"] = st.storm
    if radii is not None:
        if "radii_file" not in TyphoonConfig.model_fields:
            raise _fail(radii, "this version's scenario schema has no hazard.typhoon.radii_file")
        block["radii_file"] = _relative(radii, out_dir)
    return block


def _passage(st: StormTrack, city_dir: Path, reach_km: float) -> tuple[Pass, str]:
    """The pass of the track by the city's reference point; the point as text."""
    try:
        ref = load_profile(city_dir).reference_point
    except CityDataError as exc:
        raise StormScenarioError(" ".join(str(exc).split())) from None
    where = f"{ref.lon:g} E, {ref.lat:g} N"
    passage, far = out_of_reach(
        st.track, ref.lon, ref.lat, f"{where}, {city_dir}/city.yaml", reach_km
    )
    if far is not None:
        raise _fail(st.path, far)
    return passage, where


def _check_scenario(data: dict[str, Any], out_path: Path, name: str | None) -> None:
    """Check the scenario made as ``citysafe validate`` would check the file: its schema
    (:func:`~sim.scenario.loader.validate_mapping`), then every data file the run reads, with
    the run's readers (:func:`~sim.models.data_check.check_data`; what they warn of is warned
    of, :class:`~sim.core.errors.InputDataWarning`).

    Raises:
        StormScenarioError: the schema refuses it: its first problem, as ``--name 'x': ...``
            when the name given is the problem.
        ScenarioError: the run's readers refuse a file (a wind-radii table, the city's tables):
            every problem, each naming ``out_path``, the field and the file.
    """
    try:
        scen = validate_mapping(data, str(out_path), out_path.parent.resolve())
    except ScenarioError as exc:
        first = exc.problems[0]
        if name is not None and first.field == "name":
            raise StormScenarioError(
                f"--name {name!r}: {first.message}; a scenario name holds only the letters "
                "A-Z and a-z, digits, '.', '_' and '-'"
            ) from None
        raise StormScenarioError(str(first)) from None
    problems = check_data(scen, str(out_path))
    if problems:
        raise ScenarioError(problems)


def build_scenario(
    track_path: Path,
    out_path: Path,
    city_dir: Path,
    storm: str | None = None,
    agency: str | None = None,
    name: str | None = None,
    seed: int | None = None,
    observed_path: Path | None = None,
    radii_path: Path | None = None,
    reach_km: float = REACH_KM,
) -> StormScenario:
    """Make the scenario mapping of a storm over a city (see the module docstring).

    Args:
        track_path: CMA best-track file or track CSV.
        out_path: where the scenario will be written (its paths are relative to its folder).
        city_dir: the city's data folder (``city.yaml`` gives the reference point).
        storm, agency: selection in the track file (:func:`read_storm_track`).
        name: scenario name (default ``<storm>-<year of the closest approach>``).
        seed: scenario seed (default the closest approach's UTC date as YYYYMMDD).
        observed_path: observations file (:func:`read_observed`); None: no ``observed:``.
        radii_path: wind-radii table written as ``hazard.typhoon.radii_file`` (only where the
            schema has that field).
        reach_km: distance within which the storm can affect the city, km (:data:`REACH`).

    Returns:
        The :class:`StormScenario`, validated against the scenario schema.

    Raises:
        StormScenarioError: one line naming the file and the problem.
        ScenarioError: the scenario made would be refused by ``citysafe validate`` (its data
            files read as the run reads them: :func:`_check_scenario`); one problem each.
    """
    if (problem := REACH.problem(reach_km)) is not None:
        raise StormScenarioError(f"reach_km {reach_km}: {problem}")
    out_dir = Path(out_path).parent
    city_dir = Path(city_dir)
    st = read_storm_track(Path(track_path), storm, agency)
    passage, where = _passage(st, city_dir, reach_km)
    start, end = storm_window(st.track, passage)
    year = str(passage.closest_utc.astype("datetime64[Y]"))
    label = _slug(st.label)
    data: dict[str, Any] = {
        "name": name or (label if year in label else f"{label}-{year}"),
        "description": (
            f"Storm {st.title}, {st.path.name}: closest approach {passage.closest_km:.0f} "
            f"km from the city's reference point ({where}) at {_iso(passage.closest_utc)}; "
            "warnings and relocation decided by the model. Made by citysafe storm new."
        ),
        "seed": seed if seed is not None else int(str(passage.closest_utc)[:10].replace("-", "")),
        "city": {"data_dir": _relative(city_dir, out_dir)},
        "time": {
            "start_utc": _iso(start),
            "duration_h": int((end - start).astype(np.int64) // 3600),
            "physics_step_h": PHYSICS_STEP_H,
        },
        "hazard": {"typhoon": _typhoon_block(st, out_dir, radii_path)},
    }
    warnings = forecast_warnings_block()
    if warnings is not None:
        data["warnings"] = warnings
    as_of: dict[str, str] = {}
    if observed_path is not None:
        data["observed"] = read_observed(Path(observed_path), data["name"], as_of)
    _check_scenario(data, Path(out_path), name)
    notes = []
    if passage.closest_utc == st.track.end_utc:
        notes.append("the closest approach is the track's last record: it may end too early")
    if warnings is None:
        notes.append(
            "this scenario schema has no warnings.mode: without scripted warning events the "
            "model issues no warning (add events: to replay a warning history)"
        )
    inputs = {"--track": st.path, "--observed": observed_path, "--radii": radii_path}
    inputs = {k: Path(v) for k, v in inputs.items() if v is not None}
    inputs |= {"--city": city_dir}
    return StormScenario(data, st, passage, start, end, notes, inputs, as_of)


def _comment(line: str) -> str:
    """``line`` as one comment line: a character that is not printable (a YAML line break
    such as U+2028 in a file name would end the comment and start a mapping) is escaped."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in line)
    return f"# {text}\n"


def storm_new_mark(text: str) -> str:
    """The first line that marks ``text`` as written by storm new (:data:`MARK`, citysafe's
    version, the sha256 of ``text`` as UTF-8), newline included."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{MARK} {citysafe_version()} sha256:{digest}\n"


def scenario_text(sc: StormScenario) -> str:
    """The scenario as YAML, after storm new's mark (:func:`storm_new_mark`) and a comment
    header that says how it was made."""
    st, p = sc.storm, sc.passage
    typhoon = sc.data["hazard"]["typhoon"]
    select = f"agency {st.agency}" if st.agency is not None else f"storm {st.storm}"
    header = [
        f"Storm {st.title}: made by `citysafe storm new` (sim/interfaces/storm_scenario.py).",
        f"Track: {typhoon['track_file']} ({st.track_format}, {select}).",
        f"Closest approach: {p.closest_km:.0f} km from the city's reference point at "
        f"{_iso(p.closest_utc)} (centre {p.closest_lat:.1f} N, {p.closest_lon:.1f} E).",
        f"Window: {_iso(sc.start_utc)} to {_iso(sc.end_utc)}, from the later of the track "
        f"start and {LEAD_H:g} h before the closest approach (floored to 00/06/12/18 UTC) to "
        f"when the centre leaves {p.reach_km:g} km, within {AFTER_MIN_H:g}-{AFTER_MAX_H:g} h "
        "after the closest approach.",
        "Warnings: none scripted (no events:); "
        + (
            "the warning centre decides from its forecasts (warnings.mode: forecast)."
            if "warnings" in sc.data
            else "this schema has no warnings.mode, so no warning is issued unless events: "
            "script them."
        ),
        "Observed: "
        + (
            f"from {sc.inputs['--observed'].name} (each source cites its report and cut-off "
            f"time): {'; '.join(sc.observed_lines())}."
            if "observed" in sc.data
            else "none (add an observed: section of summary key -> {value, source} to compare;"
            " bound: at_least or at_most for a figure reported as more or less than value)."
        ),
        "The first line marks this file as storm new's: storm new --force replaces it only "
        "while the text below that line is as written (its sha256).",
    ]
    body = dump_yaml(sc.data, width=100)
    lines = [w for line in header for w in textwrap.wrap(line, 97, subsequent_indent="  ")]
    text = "".join(_comment(line) for line in lines) + body
    return storm_new_mark(text) + text


def storm_new_file(path: Path) -> str | None:
    """Whether ``path`` is a file storm new wrote: ``"ours"`` (its first line is storm new's
    mark and the text below matches its sha256), ``"edited"`` (the mark, but the text has
    changed since) or None (no mark: any other file, or an older version's output).

    Raises:
        OSError: the file cannot be read.
    """
    with open(path, "rb") as handle:
        data = handle.read(SCENARIO_MAX_BYTES + 1)  # a scenario is at most this (yaml_input)
    first, _, rest = data.partition(b"\n")
    found = _MARK_LINE.match(first.decode("utf-8", errors="replace"))
    if found is None:
        return None
    return "ours" if hashlib.sha256(rest).hexdigest() == found.group(2) else "edited"


def _refuse_input(path: Path, inputs: dict[str, Path]) -> None:
    """Refuse an output that is one of the inputs or lies inside the city's data folder."""
    real = Path(os.path.realpath(path))
    for option, given in inputs.items():
        source = Path(os.path.realpath(os.path.expanduser(given)))
        if option == "--city":
            if source == real or source in real.parents:
                raise _fail(
                    path,
                    f"is inside the city's data folder {source}, and scenarios are not written "
                    f"among the inputs; {HINT}",
                )
        elif real == source or (path.exists() and source.exists() and path.samefile(source)):
            raise _fail(
                path,
                f"is the file this command reads as {option} ({given}), and a scenario is never "
                f"written over its inputs; {HINT}",
            )


def check_output(out_path: Path | str, inputs: dict[str, Path], force: bool = False) -> Path:
    """The scenario file to write (``~`` expanded), or the refusal of one (module docstring).

    Args:
        out_path: ``--out`` as given.
        inputs: option -> the files read (``--track``, ``--observed``, ``--radii``) and the
            city's data folder (``--city``).
        force: replace a file storm new wrote and no one has edited since.

    Raises:
        StormScenarioError: one line naming the path, why, and what to do: an empty path;
            ``~user`` of no such user; a folder; a name not ending in .yaml or .yml (the file
            is a YAML scenario); a symbolic link; one of ``inputs`` or inside
            the city's data folder; an existing file that is not storm new's unedited output
            (even with ``force``), or is and ``force`` is not given; a file that cannot be read.
    """
    raw = str(out_path)
    if not raw.strip():
        raise StormScenarioError(f"--out: an empty path; {HINT}")
    path = Path(os.path.expanduser(raw))
    if path.parts and path.parts[0].startswith("~"):
        raise _fail(raw, f"no such user's home folder to expand '~' into; {HINT}")
    if path.is_symlink():
        raise _fail(path, "is a symbolic link; give the file it points to")
    if path.is_dir():
        raise _fail(path, f"is a folder; give a scenario file in it, e.g. {path / 'storm.yaml'}")
    _refuse_input(path, inputs)
    if path.suffix.lower() not in (".yaml", ".yml"):  # a scenario named .csv reads as a table
        raise _fail(path, f"a scenario is YAML: name it .yaml, e.g. {path.with_suffix('.yaml')}")
    if not path.exists():
        return path
    try:
        state = storm_new_file(path)
    except OSError as exc:
        raise _fail(path, f"exists and cannot be read ({exc.strerror or exc}); {HINT}") from None
    if state is None:
        raise _fail(
            path,
            f"exists and was not written by citysafe storm new (its first line is not "
            f"'{MARK} VERSION sha256:...'; an older version's output has none either), so it "
            f"is not replaced, even with --force: move it away or {HINT}",
        )
    if state == "edited":
        raise _fail(
            path,
            "was written by citysafe storm new and edited since (the text no longer matches "
            "the sha256 in its first line), so it is not replaced, even with --force: move it "
            f"away or {HINT}",
        )
    if not force:
        raise _fail(path, "holds a scenario citysafe storm new wrote; pass --force to replace it")
    return path


def write_scenario(sc: StormScenario, out_path: Path, force: bool = False) -> None:
    """Write the scenario file atomically (creating its folder): whole, or not at all, an
    existing file left as it was on any failure.

    Raises:
        StormScenarioError: ``out_path`` refused (:func:`check_output`: an input, inside the
            city's data folder, an existing file not storm new's unedited output, or without
            ``force``), or the file cannot be written (why, and what to do).
    """
    out_path = check_output(out_path, sc.inputs, force)
    data = scenario_text(sc).encode("utf-8")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out_path, data)
    except OSError as exc:
        raise _fail(
            out_path,
            f"cannot write the scenario here ({exc.strerror or exc}): the file was not written "
            f"or changed; {remedy(exc)}",
        ) from None
