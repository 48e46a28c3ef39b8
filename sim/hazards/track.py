"""Tropical-cyclone best tracks: container, linear interpolation and readers.

Readers:
    * :func:`read_track_csv` - the project's track table
      (``scenarios/data/lekima-2019/lekima_track.csv``: ``time_utc, lat, lon, pressure_hpa,
      wind_ms, agency, source``).
    * :func:`read_cma_bst` - the CMA (its Typhoon Institute, STI) best-track text format
      ``CHYYYYBST.txt``, described in ``scenarios/data/lekima-2019/cma_bst_format.md``
      (source: tcdata.typhoon.org.cn/zjljsjj.html). Header ``66666 BBBB CCC DDDD EEEE F G NAME
      DATE``; records ``YYYYMMDDHH I LAT LONG PRES WND [OWD]`` with LAT/LONG in 0.1 degree,
      PRES in hPa, WND the 2-min mean maximum sustained wind in m/s (9 = below 10 m/s, 0 =
      missing). Fields are whitespace separated, so lines are parsed with ``split()``.

All times are UTC (``numpy.datetime64[s]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.hazards.errors import StormNotFoundError, TrackFormatError, TrackTimeError

EARTH_RADIUS_M = 6_371_000.0  # mean Earth radius (IUGG), for translation speed only
KT_TO_MS = 0.514444

# GB/T 19201-2006 intensity categories of the 2-min mean wind (m/s), as listed in the CMA
# best-track description (cma_bst_format.md): lower bounds of categories 1..6.
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
    """

    time_utc: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    pressure_hpa: np.ndarray
    vmax_ms: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        self.time_utc = to_datetime64(self.time_utc).reshape(-1)
        n = self.time_utc.size
        for field in ("lat_deg", "lon_deg", "pressure_hpa", "vmax_ms"):
            arr = np.asarray(getattr(self, field), dtype=float).reshape(-1)
            if arr.size != n:
                raise ValueError(f"Track.{field} has {arr.size} values, time_utc has {n}")
            setattr(self, field, arr)
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


def read_track_csv(path: str | Path, agency: str = "CMA", name: str | None = None) -> Track:
    """Read the project's CSV track table, keeping one agency's rows.

    Args:
        path: CSV with columns ``time_utc, lat, lon, pressure_hpa, wind_ms, agency``
            (ISO-8601 UTC times).
        agency: value of the ``agency`` column to keep (e.g. "CMA" or "JMA").
        name: track name; defaults to ``"<file stem>:<agency>"``.

    Returns:
        The agency's :class:`Track`, sorted by time.

    Raises:
        TrackFormatError: missing columns, unparsable values or no rows for ``agency``.
    """
    path = Path(path)
    df = pd.read_csv(path)
    required = ["time_utc", "lat", "lon", "pressure_hpa", "wind_ms", "agency"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise TrackFormatError(
            path, 1, f"missing column(s) {missing}; header is {list(df.columns)}"
        )
    rows = df[df["agency"] == agency]
    if rows.empty:
        raise TrackFormatError(
            path,
            0,
            f"no rows for agency {agency!r}; agencies present: {sorted(df['agency'].unique())}",
        )
    try:
        times = to_datetime64(rows["time_utc"].to_numpy())
        values = rows[["lat", "lon", "pressure_hpa", "wind_ms"]].astype(float).to_numpy()
    except (ValueError, TypeError) as exc:
        raise TrackFormatError(
            path, 0, f"unparsable value in agency {agency!r} rows: {exc}"
        ) from exc
    order = np.argsort(times, kind="stable")
    return Track(
        time_utc=times[order],
        lat_deg=values[order, 0],
        lon_deg=values[order, 1],
        pressure_hpa=values[order, 2],
        vmax_ms=values[order, 3],
        name=name or f"{path.stem}:{agency}",
    )


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
    wind = np.nan if wnd == 0 else float(wnd)  # 0 = missing; 9 = "< 10 m/s", kept as 9
    return time, lat10 / 10.0, lon10 / 10.0, float(pres), wind


def read_cma_bst(path: str | Path, storm: str | int) -> Track:
    """Read one storm from a CMA best-track file ``CHYYYYBST.txt``.

    Args:
        path: the best-track text file.
        storm: international number (int 1909 or str "1909") or English name
            (case-insensitive, e.g. "LEKIMA").

    Returns:
        The storm's :class:`Track` (vmax = 2-min mean wind, NaN where WND = 0).

    Raises:
        TrackFormatError: malformed header/record, or record count differing from the header.
        StormNotFoundError: no such storm; the message lists the storms in the file.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    by_number = isinstance(storm, int) or str(storm).strip().isdigit()
    wanted = int(storm) if by_number else str(storm).strip().upper()
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
            return Track(t, lat, lon, pres, wind, name=name or f"{intl_id:04d}")
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

    Layout follows cma_bst_format.md; the header's last-line flag, interval and compile-date
    fields are written as placeholders (0, 6, 00000000) because a track carries no such
    information. Positions are rounded to 0.1 degree, pressure and wind to integers
    (NaN wind written as 0 = missing).

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
