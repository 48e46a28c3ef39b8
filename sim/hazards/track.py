"""Tropical-cyclone best tracks: container, linear interpolation and readers.

Readers:
    * :func:`read_track_csv` - the project's track table
      (``scenarios/data/lekima-2019/lekima_track.csv``: ``time_utc, lat, lon, pressure_hpa,
      wind_ms, agency, source``), with optional wind-radii columns ``r30kt_km``, ``r50kt_km``.
    * :func:`read_wind_radii_csv` - JMA 30-kt / 50-kt wind radii tables
      (``scenarios/data/typhoons/*_jma_wind_radii.csv``).
    * :func:`read_cma_bst` - the CMA (its Typhoon Institute, STI) best-track text format
      ``CHYYYYBST.txt``, described in ``scenarios/data/lekima-2019/cma_bst_format.md``
      (source: tcdata.typhoon.org.cn/zjljsjj.html). Header ``66666 BBBB CCC DDDD EEEE F G NAME
      DATE``; records ``YYYYMMDDHH I LAT LONG PRES WND [OWD]`` with LAT/LONG in 0.1 degree,
      PRES in hPa, WND the 2-min mean maximum sustained wind in m/s (9 = below 10 m/s, 0 =
      missing). Fields are whitespace separated, so lines are parsed with ``split()``.

Agencies and averaging periods. ``wind_ms`` is the agency's maximum sustained wind in its own
averaging period (:data:`AGENCY_WIND_AVERAGING_MIN`: CMA 2-min, JMA / KMA / HKO / CWA and the
other WMO RSMCs 10-min, JTWC / NHC / CPHC 1-min; WMO (2017) Tropical Cyclone Operational Plan
conventions as summarised by Harper, Kepert & Ginger 2010, WMO/TD-1555 §1). Any other agency
string is accepted as a row label only: its winds are taken as 1-min means (assumption) unless
the scenario gives ``wind_averaging_min``. Agency names match case-insensitively.

All times are UTC (``numpy.datetime64[s]``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputDataWarning
from sim.core.text_input import TABLE_MAX_BYTES, read_csv_table, read_text
from sim.hazards.errors import StormNotFoundError, TrackFormatError, TrackTimeError

EARTH_RADIUS_M = 6_371_000.0  # mean Earth radius (IUGG), for translation speed only
KT_TO_MS = 0.514444
R30_MS = 30 * KT_TO_MS
"""30-kt wind (15.43 m/s), whose radius is the JMA "R30" (the R7 analogue of the brief)."""
R50_MS = 50 * KT_TO_MS
"""50-kt wind (25.72 m/s), whose radius is the JMA "R50" (the R10 analogue)."""

AGENCY_WIND_AVERAGING_MIN = {
    "CMA": 2.0,
    "JMA": 10.0,
    "KMA": 10.0,
    "HKO": 10.0,
    "CWA": 10.0,
    "CWB": 10.0,
    "RSMC": 10.0,
    "JTWC": 1.0,
    "NHC": 1.0,
    "CPHC": 1.0,
}
"""Averaging period (minutes) of each agency's best-track maximum sustained wind (WMO TC
operational conventions, as summarised in WMO/TD-1555 §1; CWB = CWA's former name)."""
DEFAULT_WIND_AVERAGING_MIN = 1.0
"""Averaging period assumed for an agency not in the table (assumption; the scenario's
``wind_averaging_min`` overrides it)."""
SUPPORTED_AVERAGING_MIN = (1.0, 2.0, 10.0)

# GB/T 19201-2006 intensity categories of the 2-min mean wind (m/s), as listed in the CMA
# best-track description (scenarios/data/lekima-2019/cma_bst_format.md): lower bounds of
# categories 1..6.
_GB_CATEGORY_LOWER_MS = (10.8, 17.2, 24.5, 32.7, 41.5, 51.0)
_VALID_CATEGORIES = {0, 1, 2, 3, 4, 5, 6, 9}


def to_datetime64(times) -> np.ndarray:
    """Convert times (str, datetime, pandas or numpy, tz-aware or naive UTC) to datetime64[s].

    Args:
        times: a scalar or array-like of times. Tz-aware values are converted to UTC;
            naive values are taken as UTC.

    Returns:
        ``numpy.ndarray`` of dtype ``datetime64[s]`` (0-d for a scalar input).
    """
    if isinstance(times, np.ndarray) and np.issubdtype(times.dtype, np.datetime64):
        return times.astype("datetime64[s]")
    if isinstance(times, np.datetime64):
        return np.asarray(times).astype("datetime64[s]")
    scalar = np.ndim(times) == 0
    idx = pd.to_datetime(pd.Index(np.atleast_1d(np.asarray(times, dtype=object))), utc=True)
    out = idx.tz_convert(None).to_numpy().astype("datetime64[s]")
    return out[0] if scalar else out


@dataclass
class Track:
    """A tropical-cyclone track: one row per best-track record.

    Attributes:
        time_utc: (n,) ``datetime64[s]``, strictly increasing.
        lat_deg: (n,) centre latitude, degrees north.
        lon_deg: (n,) centre longitude, degrees east.
        pressure_hpa: (n,) minimum central pressure, hPa.
        vmax_ms: (n,) maximum sustained wind, m/s, in the averaging period of the source
            agency (CMA: 2-min mean; JMA: 10-min mean). NaN where missing.
        name: storm name or label.
        wind_averaging_min: averaging period of ``vmax_ms`` (and of the radii's winds),
            minutes (1, 2 or 10; default 1).
        r30_km, r50_km: optional (n,) mean radii of 30-kt and 50-kt winds, km (NaN where
            not given or no such winds); None when the track carries no radii.
    """

    time_utc: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    pressure_hpa: np.ndarray
    vmax_ms: np.ndarray
    name: str = ""
    wind_averaging_min: float = DEFAULT_WIND_AVERAGING_MIN
    r30_km: np.ndarray | None = None
    r50_km: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.time_utc = to_datetime64(self.time_utc).reshape(-1)
        n = self.time_utc.size
        fields = ["lat_deg", "lon_deg", "pressure_hpa", "vmax_ms"]
        fields += [f for f in ("r30_km", "r50_km") if getattr(self, f) is not None]
        for field in fields:
            arr = np.asarray(getattr(self, field), dtype=float).reshape(-1)
            if arr.size != n:
                raise ValueError(f"Track.{field} has {arr.size} values, time_utc has {n}")
            setattr(self, field, arr)
        if self.wind_averaging_min not in SUPPORTED_AVERAGING_MIN:
            raise ValueError(
                f"Track.wind_averaging_min must be one of {SUPPORTED_AVERAGING_MIN} minutes, "
                f"got {self.wind_averaging_min}"
            )
        if n == 0:
            raise ValueError("Track needs at least one record")
        if n > 1 and np.any(np.diff(self.time_utc.astype(np.int64)) <= 0):
            raise ValueError(
                "Track.time_utc must be strictly increasing (sort and drop duplicates)"
            )

    def __len__(self) -> int:
        return self.time_utc.size

    @property
    def start_utc(self) -> np.datetime64:
        return self.time_utc[0]

    @property
    def end_utc(self) -> np.datetime64:
        return self.time_utc[-1]

    def _seconds(self, times: np.ndarray) -> np.ndarray:
        return (times - self.time_utc[0]).astype("timedelta64[s]").astype(float)

    def covers(self, times_utc) -> np.ndarray:
        """Boolean mask: which times lie within [start_utc, end_utc]."""
        t = to_datetime64(times_utc)
        return (t >= self.time_utc[0]) & (t <= self.time_utc[-1])

    def interpolate(self, times_utc) -> Track:
        """Track at the given times, linear in time for lat, lon, pressure and vmax.

        Linear interpolation of lon/lat is adequate at the 3-6 h best-track spacing (positions
        move < 1 degree between records).

        Args:
            times_utc: scalar or (m,) times (anything :func:`to_datetime64` accepts).

        Returns:
            A new :class:`Track` with m records.

        Raises:
            TrackTimeError: if any time lies outside [start_utc, end_utc].
        """
        t = np.atleast_1d(to_datetime64(times_utc))
        bad = ~self.covers(t)
        if np.any(bad):
            raise TrackTimeError(
                f"{int(bad.sum())} time(s) outside track {self.name!r} span "
                f"{self.start_utc} .. {self.end_utc} UTC, e.g. {t[bad][0]}"
            )
        s, s0 = self._seconds(t), self._seconds(self.time_utc)
        return Track(
            time_utc=t,
            lat_deg=np.interp(s, s0, self.lat_deg),
            lon_deg=np.interp(s, s0, self.lon_deg),
            pressure_hpa=np.interp(s, s0, self.pressure_hpa),
            vmax_ms=np.interp(s, s0, self.vmax_ms),
            name=self.name,
            wind_averaging_min=self.wind_averaging_min,
        )

    def radii(self) -> WindRadii | None:
        """The track's own wind radii (records with at least one radius), or None."""
        if self.r30_km is None and self.r50_km is None:
            return None
        nan = np.full(len(self), np.nan)
        r30 = nan if self.r30_km is None else self.r30_km
        r50 = nan if self.r50_km is None else self.r50_km
        keep = np.isfinite(r30) | np.isfinite(r50)
        if not keep.any():
            return None
        return WindRadii(
            self.time_utc[keep], r30[keep], r50[keep], self.wind_averaging_min, self.name
        )

    def translation_velocity_ms(self) -> tuple[np.ndarray, np.ndarray]:
        """Storm translation velocity at each record (eastward, northward), m/s.

        Centred differences inside the track, one-sided at the ends, on a local
        equirectangular projection (dx = R cos(lat) dlon, dy = R dlat); the error of this
        approximation is far below 1% over the < 1 degree steps between records.

        Returns:
            (u_east_ms, v_north_ms), each (n,). Zero for a single-record track.
        """
        n = len(self)
        if n < 2:
            return np.zeros(n), np.zeros(n)
        s = self._seconds(self.time_utc)
        lat, lon = np.radians(self.lat_deg), np.radians(self.lon_deg)
        x = EARTH_RADIUS_M * np.cos(lat.mean()) * lon
        y = EARTH_RADIUS_M * lat
        return np.gradient(x, s), np.gradient(y, s)


def wind_averaging_for(agency: str, override: float | None = None) -> float:
    """Averaging period (minutes) of an agency's best-track winds.

    Args:
        agency: agency string (case-insensitive).
        override: the scenario's ``wind_averaging_min``; wins when given.

    Returns:
        Minutes: the override, else :data:`AGENCY_WIND_AVERAGING_MIN`, else
        :data:`DEFAULT_WIND_AVERAGING_MIN` (an unknown agency is accepted as a label).
    """
    if override is not None:
        return float(override)
    return AGENCY_WIND_AVERAGING_MIN.get(str(agency).strip().upper(), DEFAULT_WIND_AVERAGING_MIN)


RADII_COLUMNS = ("r30kt_km", "r50kt_km")
"""Optional track-CSV columns: mean radius of 30-kt / 50-kt winds, km (empty or 0 = none)."""


def _radius_column(df: pd.DataFrame, column: str, path: Path) -> np.ndarray | None:
    """Radii of one optional column, km (0 or empty = no such winds -> NaN), or None.

    Raises:
        TrackFormatError: a cell that is not a number or lies outside [0, :data:`RADIUS_MAX_KM`]
            (naming its line).
    """
    if column not in df.columns:
        return None
    r = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    given = df[column].notna().to_numpy() & (df[column].astype(str).str.strip() != "").to_numpy()
    bad = (given & np.isnan(r)) | np.isinf(r) | (r < 0) | (r > RADIUS_MAX_KM)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        shown = repr(str(df[column].iloc[k]).strip()) if np.isnan(r[k]) else f"{r[k]:g}"
        raise TrackFormatError(
            path,
            int(df.index[k]) + 2,
            f"{column} = {shown}: expected a radius in km from 0 to {RADIUS_MAX_KM:g} (0 or "
            "empty: no such winds)",
        )
    return np.where(r > 0, r, np.nan)


def _check_radii_order(path: Path, lines: np.ndarray, r30, r50) -> None:
    """Where both radii are given, the 50-kt winds lie inside the 30-kt ones (r50 <= r30).

    Raises:
        TrackFormatError: the first record with r50 > r30, by its line.
    """
    if r30 is None or r50 is None:
        return
    bad = np.isfinite(r30) & np.isfinite(r50) & (r50 > r30)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise TrackFormatError(
            path,
            int(lines[k]),
            f"the 50-kt radius {r50[k]:g} km exceeds the 30-kt radius {r30[k]:g} km: the "
            "stronger winds lie inside the weaker ones (columns swapped?)",
        )


def _csv_times(path: Path, cells: pd.Series, lines: np.ndarray) -> np.ndarray:
    """The ``time_utc`` cells as UTC ``datetime64[s]``, each read on its own as ISO 8601
    (:meth:`datetime.fromisoformat`; an offset such as +08:00 is converted to UTC, a time
    without one is UTC). No guessing of day-first or month-first dates.

    Raises:
        TrackFormatError: a blank or unreadable cell, by its line.
    """
    out = np.empty(len(cells), dtype="datetime64[s]")
    for k, cell in enumerate(cells):
        text = "" if pd.isna(cell) else str(cell).strip()
        if not text:
            raise TrackFormatError(
                path, int(lines[k]), "time_utc is blank: every fix needs its time (ISO 8601)"
            )
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise TrackFormatError(
                path,
                int(lines[k]),
                f"time_utc {text!r} is not an ISO 8601 time, e.g. 2019-08-09T18:00:00Z",
            ) from None
        if when.tzinfo is not None:
            when = when.astimezone(UTC).replace(tzinfo=None)
        out[k] = np.datetime64(when, "s")
    return out


TRANSLATION_MAX_MS = 40.0
"""Fastest forward speed believed between two fixes, m/s: the fastest tropical cyclones move at
about 30 m/s (the 1938 New England hurricane, about 60 kt; NOAA NHC), and the shipped tracks
stay below 20 m/s. A faster step is most likely a mistyped position; it is warned of."""


def _warn_jumps(path: Path, lines: np.ndarray, times: np.ndarray, lat, lon) -> None:
    """Warn (:class:`~sim.core.errors.InputDataWarning`) of the first step between consecutive
    fixes (in time order) faster than :data:`TRANSLATION_MAX_MS`, naming its two lines: the
    storm would jump (great-circle distance on the mean Earth radius)."""
    if len(times) < 2:
        return
    la, lo = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    hav = (
        np.sin(np.diff(la) / 2) ** 2
        + np.cos(la[:-1]) * np.cos(la[1:]) * np.sin(np.diff(lo) / 2) ** 2
    )
    km = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0))) / 1e3
    hours = np.diff(times.astype("datetime64[s]").astype(np.int64)) / 3600.0
    fast = np.flatnonzero(km / hours / 3.6 > TRANSLATION_MAX_MS)
    if fast.size:
        k = int(fast[0])
        warnings.warn(
            f"{path}: lines {int(lines[k])} and {int(lines[k + 1])}: the storm moves {km[k]:,.0f} "
            f"km in {hours[k]:g} h ({km[k] / hours[k] / 3.6:.0f} m/s), faster than any tropical "
            f"cyclone (at most about 30 m/s): a mistyped position?",
            InputDataWarning,
            stacklevel=3,
        )


def _check_increasing(path: Path, lines: np.ndarray, times: np.ndarray, ordered: bool) -> None:
    """A track's times are distinct (``ordered``: also increasing in file order).

    Raises:
        TrackFormatError: naming the two lines of a repeated time, or the line where time goes
            back.
    """
    order = np.argsort(times, kind="stable")
    same = np.flatnonzero(np.diff(times[order].astype(np.int64)) == 0)
    if same.size:
        a, b = sorted((int(lines[order[same[0]]]), int(lines[order[same[0] + 1]])))
        raise TrackFormatError(
            path,
            b,
            f"time {times[order[same[0]]]} is listed twice (lines {a} and {b}): a track's times "
            "must be strictly increasing; keep one fix",
        )
    back = np.flatnonzero(np.diff(times.astype(np.int64)) < 0) if ordered else []
    if len(back):
        k = int(back[0])
        raise TrackFormatError(
            path,
            int(lines[k + 1]),
            f"time {times[k + 1]} comes before {times[k]} of line {int(lines[k])}: a track's "
            "times must be strictly increasing",
        )


def read_track_csv(
    path: str | Path,
    agency: str = "CMA",
    name: str | None = None,
    wind_averaging_min: float | None = None,
) -> Track:
    """Read the project's CSV track table, keeping one agency's rows.

    Args:
        path: CSV with columns ``time_utc, lat, lon, pressure_hpa, wind_ms, agency``
            (ISO-8601 UTC times; ``source`` and other columns are carried along unread), and
            optionally ``r30kt_km``, ``r50kt_km`` (mean radii of 30-kt / 50-kt winds, km,
            in the agency's averaging period).
        agency: value of the ``agency`` column to keep (case-insensitive, e.g. "CMA").
        name: track name; defaults to ``"<file stem>:<agency>"``.
        wind_averaging_min: averaging period of the winds, minutes (None: from the agency,
            :func:`wind_averaging_for`).

    Returns:
        The agency's :class:`Track`, sorted by time.

    Raises:
        TrackFormatError: missing columns, empty agency cells, no rows for ``agency`` (the
            message lists the agencies present), an unsupported averaging period, or, naming
            its line, a blank or non-ISO-8601 time, a time listed twice, a value that is not a
            number or lies outside :data:`FIX_BOUNDS` (a missing wind is allowed), a radius
            outside [0, :data:`RADIUS_MAX_KM`] or a 50-kt radius beyond the 30-kt one.
    """
    path = Path(path)
    df = read_csv_table(path)
    required = ["time_utc", "lat", "lon", "pressure_hpa", "wind_ms", "agency"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise TrackFormatError(
            path, 1, f"missing column(s) {missing}; header is {list(df.columns)}"
        )
    labels = df["agency"].astype("string").str.strip()
    if labels.isna().any() or (labels == "").any():
        line = int(np.flatnonzero((labels.isna() | (labels == "")).to_numpy())[0]) + 2
        raise TrackFormatError(path, line, "empty 'agency' cell: every row needs its agency")
    rows = df[(labels.str.upper() == str(agency).strip().upper()).to_numpy()]
    if rows.empty:
        raise TrackFormatError(
            path,
            0,
            f"no rows for agency {agency!r}; agencies present: {sorted(labels.unique())}",
        )
    minutes = wind_averaging_for(agency, wind_averaging_min)
    if minutes not in SUPPORTED_AVERAGING_MIN:
        raise TrackFormatError(
            path, 0, f"wind averaging {minutes} min not supported: {SUPPORTED_AVERAGING_MIN}"
        )
    lines = rows.index.to_numpy() + 2
    times = _csv_times(path, rows["time_utc"], lines)
    values = _fix_values(path, rows, lines)
    _check_fixes(path, lines, values)
    _check_increasing(path, lines, times, ordered=False)  # rows may come in any order
    order = np.argsort(times, kind="stable")
    r30, r50 = (_radius_column(rows, c, path) for c in RADII_COLUMNS)
    _check_radii_order(path, lines, r30, r50)
    _warn_jumps(path, lines[order], times[order], values[order, 0], values[order, 1])
    return Track(
        time_utc=times[order],
        lat_deg=values[order, 0],
        lon_deg=values[order, 1],
        pressure_hpa=values[order, 2],
        vmax_ms=values[order, 3],
        name=name or f"{path.stem}:{agency}",
        wind_averaging_min=minutes,
        r30_km=None if r30 is None else r30[order],
        r50_km=None if r50 is None else r50[order],
    )


FIX_BOUNDS = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 360.0),
    "pressure_hpa": (850.0, 1050.0),
    "wind_ms": (0.0, 100.0),
}
"""Bounds of a best-track fix (physical limits with margin). Latitude and longitude: degrees
(east longitudes past 180 allowed, as some agencies write them). Central pressure, hPa: the
lowest sea-level pressure observed is 870 hPa (Typhoon Tip, 12 Oct 1979, WMO Weather and Climate
Extremes Archive); a cyclone's centre lies below its environment's pressure, about 1,010 hPa
in the tropics, so 1,050 hPa is above any fix. Maximum sustained wind, m/s: the highest
best-track winds are 95 m/s (Hurricane Patricia 2015, 185 kt 1-min, NHC Tropical Cyclone
Report AL202015) and 87 m/s (Typhoon Haiyan 2013, 170 kt 1-min, JTWC); a storm of 1e6 m/s
made the run silently wrong. The wind may be missing (empty): it is then derived from the
pressure."""
RADIUS_MAX_KM = 1500.0
"""Largest accepted 30-kt / 50-kt wind radius, km: the largest tropical cyclone observed, Tip
(1979), had gales out to about 1,100 km (Dunnavan & Diercks 1980, Mon. Wea. Rev. 108:1915)."""
_FIX_COLUMNS = ("lat", "lon", "pressure_hpa", "wind_ms")


def _fix_values(path: Path, rows: pd.DataFrame, lines: np.ndarray) -> np.ndarray:
    """(n, 4) lat, lon, pressure, wind of the rows; an empty cell is NaN.

    Raises:
        TrackFormatError: a cell that is not a number, by its line.
    """
    values = np.empty((len(rows), len(_FIX_COLUMNS)))
    for col, name in enumerate(_FIX_COLUMNS):
        cells = rows[name]
        v = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
        text = cells.astype("string").str.strip()
        bad = np.isnan(v) & cells.notna().to_numpy() & (text != "").fillna(False).to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise TrackFormatError(
                path, int(lines[k]), f"{name} = {cells.iloc[k]!r} is not a number"
            )
        values[:, col] = v
    return values


def _check_fixes(path: Path, lines: np.ndarray, values: np.ndarray) -> None:
    """Every fix has a position and a central pressure, and every value lies within
    :data:`FIX_BOUNDS` (the wind may be missing: it is then derived from the pressure).

    Raises:
        TrackFormatError: the first bad fix, with its line and what was expected.
    """
    for col, (name, (lo, hi)) in enumerate(FIX_BOUNDS.items()):
        v = values[:, col]
        bad = (v < lo) | (v > hi) | np.isinf(v)
        if name != "wind_ms":
            bad |= np.isnan(v)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise TrackFormatError(
                path,
                int(lines[k]),
                f"{name} = {float(v[k])}: expected a number in [{lo:g}, {hi:g}] "
                "(fill the fix or remove the row)",
            )


@dataclass
class WindRadii:
    """Radii of 30-kt and 50-kt winds over time (the wind-field size of a best track).

    Attributes:
        time_utc: (m,) ``datetime64[s]``, increasing.
        r30_km, r50_km: (m,) azimuthal mean radius of 30-kt / 50-kt winds, km; NaN where the
            winds are absent or not analysed.
        wind_averaging_min: averaging period of the 30/50-kt winds, minutes (JMA: 10).
        name: label.
    """

    time_utc: np.ndarray
    r30_km: np.ndarray
    r50_km: np.ndarray
    wind_averaging_min: float = 10.0
    name: str = ""

    def __post_init__(self) -> None:
        self.time_utc = to_datetime64(self.time_utc).reshape(-1)
        self.r30_km = np.asarray(self.r30_km, dtype=float).reshape(-1)
        self.r50_km = np.asarray(self.r50_km, dtype=float).reshape(-1)
        if not (self.time_utc.size == self.r30_km.size == self.r50_km.size):
            raise ValueError("WindRadii: time_utc, r30_km and r50_km differ in length")

    def __len__(self) -> int:
        return self.time_utc.size


_JMA_RADII_COLUMNS = ("r30kt_mean_km", "r50kt_mean_km")


def read_wind_radii_csv(path: str | Path, wind_averaging_min: float = 10.0) -> WindRadii:
    """Read a wind-radii table (``*_jma_wind_radii.csv``, or any CSV with ``time_utc`` and the
    radii columns ``r30kt_mean_km``/``r50kt_mean_km`` or ``r30kt_km``/``r50kt_km``).

    The mean of JMA's longest and shortest radius stands for the azimuthal mean radius
    (assumption; JMA gives no azimuthal mean). A radius of 0 means "no such winds" (NaN).

    Args:
        path: the CSV.
        wind_averaging_min: averaging period of the 30/50-kt winds (JMA: 10-min means).

    Raises:
        TrackFormatError: missing columns, or, naming its line, a blank or non-ISO-8601 time,
            a time listed twice, a radius that is not a number or lies outside
            [0, :data:`RADIUS_MAX_KM`], a 50-kt radius beyond the 30-kt one.
    """
    path = Path(path)
    df = read_csv_table(path)
    cols = _JMA_RADII_COLUMNS if _JMA_RADII_COLUMNS[0] in df.columns else RADII_COLUMNS
    missing = [c for c in ("time_utc", *cols) if c not in df.columns]
    if missing:
        raise TrackFormatError(
            path,
            1,
            f"missing column(s) {missing}; a radii table needs time_utc and "
            f"{_JMA_RADII_COLUMNS} or {RADII_COLUMNS}; header is {list(df.columns)}",
        )
    lines = df.index.to_numpy() + 2
    times = _csv_times(path, df["time_utc"], lines)
    _check_increasing(path, lines, times, ordered=False)
    r30, r50 = (_radius_column(df, c, path) for c in cols)
    _check_radii_order(path, lines, r30, r50)
    order = np.argsort(times, kind="stable")
    return WindRadii(times[order], r30[order], r50[order], wind_averaging_min, path.stem)


def _parse_header(tokens: list[str], path: Path, line_no: int) -> tuple[int, int, str]:
    """Return (international id, number of records, name) of a ``66666`` header line."""
    if len(tokens) < 7:
        raise TrackFormatError(path, line_no, f"header needs >= 7 fields, got {len(tokens)}")
    try:
        intl_id, n_records = int(tokens[1]), int(tokens[2])
    except ValueError as exc:
        raise TrackFormatError(path, line_no, f"header id/count not integers: {exc}") from exc
    rest = tokens[7:]
    if rest and rest[-1].isdigit() and len(rest[-1]) == 8:  # trailing compile date YYYYMMDD
        rest = rest[:-1]
    return intl_id, n_records, " ".join(rest)


def _parse_record(tokens: list[str], path: Path, line_no: int) -> tuple:
    """Return (time, lat, lon, pressure, wind) of one data record."""
    if len(tokens) not in (6, 7):
        raise TrackFormatError(
            path,
            line_no,
            f"record needs 6 or 7 fields (YYYYMMDDHH I LAT LONG PRES WND [OWD]), got {len(tokens)}",
        )
    stamp = tokens[0]
    if len(stamp) != 10 or not stamp.isdigit():
        raise TrackFormatError(path, line_no, f"time {stamp!r} is not YYYYMMDDHH")
    try:
        time = np.datetime64(f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:00:00", "s")
        category, lat10, lon10, pres, wnd = (int(v) for v in tokens[1:6])
    except ValueError as exc:
        raise TrackFormatError(path, line_no, f"bad value: {exc}") from exc
    if category not in _VALID_CATEGORIES:
        raise TrackFormatError(path, line_no, f"intensity category {category} not in 0-6 or 9")
    if not (-900 <= lat10 <= 900 and 0 <= lon10 <= 3600):
        raise TrackFormatError(path, line_no, f"position {lat10} {lon10} (0.1 deg) out of range")
    for name, value in (("pressure_hpa", pres), ("wind_ms", wnd)):
        lo, hi = FIX_BOUNDS[name]
        if not lo <= value <= hi and not (name == "wind_ms" and value == 0):
            raise TrackFormatError(
                path, line_no, f"{name} = {value}: expected a number in [{lo:g}, {hi:g}]"
            )
    wind = np.nan if wnd == 0 else float(wnd)  # 0 = missing; 9 = "< 10 m/s", kept as 9
    return time, lat10 / 10.0, lon10 / 10.0, float(pres), wind


def _header_matches(lines: list[str], wanted: int | str) -> list[tuple[int, str]]:
    """(1-based line, ``'NNNN NAME'``) of every ``66666`` header selected by ``wanted`` (an
    international number, or an upper-case name); headers that do not parse are skipped (the
    reader reports them where it reaches them)."""
    found = []
    for i, line in enumerate(lines):
        tokens = line.split()
        if tokens[:1] != ["66666"]:
            continue
        try:
            intl_id, _, name = _parse_header(tokens, Path(), i + 1)
        except TrackFormatError:
            continue
        if (intl_id == wanted) if isinstance(wanted, int) else (name.upper() == wanted):
            found.append((i + 1, f"{intl_id:04d} {name or '(no name)'}"))
    return found


def _refuse_ambiguous(path: Path, storm: str | int, matches: list[tuple[int, str]]) -> None:
    """Refuse a selection that several storms of the file answer to: real files number every
    tropical depression 0000 and name it "(nameless)", and taking the first would silently run
    another storm than the one meant.

    Raises:
        StormNotFoundError: naming the matching storms and their header lines.
    """
    if len(matches) < 2:
        return
    listed = ", ".join(f"line {line}: {storm_id}" for line, storm_id in matches)
    raise StormNotFoundError(
        f"{path}: storm {str(storm).strip()!r} matches {len(matches)} storms ({listed}), so "
        "which one is meant cannot be told: select it by a number or name no other storm "
        "has, or copy its block (its 66666 header and records) into a file of its own"
    )


def read_cma_bst(path: str | Path, storm: str | int) -> Track:
    """Read one storm from a CMA best-track file ``CHYYYYBST.txt``.

    Args:
        path: the best-track text file.
        storm: international number (int 1909 or str "1909") or English name
            (case-insensitive, e.g. "LEKIMA").

    Returns:
        The storm's :class:`Track` (vmax = 2-min mean wind, NaN where WND = 0).

    Raises:
        TrackFormatError: malformed header/record, a pressure or wind outside
            :data:`FIX_BOUNDS`, times not strictly increasing (naming the lines), or record
            count differing from the header.
        StormNotFoundError: no such storm (the message lists the storms in the file), or
            several storms answer to ``storm`` (:func:`_refuse_ambiguous`).
        InputFileError: not UTF-8 text (`sim.core.text_input.read_text`: the file, the
            encoding it looks like and how to convert it), a folder, or too large.
    """
    path = Path(path)
    lines = read_text(path, TABLE_MAX_BYTES).splitlines()  # UTF-8 or refused, never guessed
    by_number = isinstance(storm, int) or str(storm).strip().isdigit()
    wanted = int(storm) if by_number else str(storm).strip().upper()
    _refuse_ambiguous(path, storm, _header_matches(lines, wanted))
    seen: list[str] = []
    i = 0
    while i < len(lines):
        tokens = lines[i].split()
        if not tokens:
            i += 1
            continue
        if tokens[0] != "66666":
            raise TrackFormatError(path, i + 1, f"expected a '66666' header line, got {lines[i]!r}")
        intl_id, n_records, name = _parse_header(tokens, path, i + 1)
        seen.append(f"{intl_id:04d} {name or '(no name)'}")
        match = intl_id == wanted if by_number else name.upper() == wanted
        start = i + 1
        end = start
        while end < len(lines) and lines[end].split()[:1] != ["66666"]:
            end += 1
        body = [(k + 1, lines[k].split()) for k in range(start, end) if lines[k].strip()]
        if match:
            if len(body) != n_records:
                raise TrackFormatError(
                    path, i + 1, f"header announces {n_records} records, found {len(body)}"
                )
            recs = [_parse_record(tok, path, ln) for ln, tok in body]
            if not recs:
                raise TrackFormatError(path, i + 1, "storm has no records")
            t, lat, lon, pres, wind = (np.array(col) for col in zip(*recs, strict=True))
            _check_increasing(path, np.array([ln for ln, _ in body]), t, ordered=True)
            _warn_jumps(path, np.array([ln for ln, _ in body]), t, lat, lon)
            return Track(
                t, lat, lon, pres, wind, name=name or f"{intl_id:04d}", wind_averaging_min=2.0
            )
        i = end
    raise StormNotFoundError(f"storm {storm!r} not in {path}; storms present: {seen}")


def gb19201_category(wind_ms: np.ndarray) -> np.ndarray:
    """GB/T 19201-2006 intensity category (0-6) of a 2-min mean wind (m/s); NaN -> 0."""
    w = np.nan_to_num(np.asarray(wind_ms, dtype=float), nan=0.0)
    return np.searchsorted(np.array(_GB_CATEGORY_LOWER_MS), w, side="right")


def format_cma_bst_block(
    track: Track, international_id: int, name: str, serial: int = 0, chinese_id: int = 0
) -> str:
    """Format a track as one CMA best-track block (header + records), e.g. for test fixtures.

    Layout follows scenarios/data/lekima-2019/cma_bst_format.md; the header's last-line flag,
    interval and compile-date fields are written as placeholders (0, 6, 00000000) because a
    track carries no such information. Positions are rounded to 0.1 degree, pressure and wind
    to integers (NaN wind written as 0 = missing).

    Returns:
        The block as text, newline-terminated.
    """
    header = (
        f"66666 {international_id:04d} {len(track):4d} {serial:04d} {chinese_id:04d} 0 6 "
        f"{name:<20s}{'00000000':>15s}"
    )
    cats = gb19201_category(track.vmax_ms)
    out = [header]
    for k in range(len(track)):
        stamp = pd.Timestamp(track.time_utc[k]).strftime("%Y%m%d%H")
        wind = 0 if np.isnan(track.vmax_ms[k]) else int(round(track.vmax_ms[k]))
        out.append(
            f"{stamp} {int(cats[k])} {int(round(track.lat_deg[k] * 10)):3d} "
            f"{int(round(track.lon_deg[k] * 10)):4d} {int(round(track.pressure_hpa[k])):4d} "
            f"{wind:6d}"
        )
    return "\n".join(out) + "\n"
