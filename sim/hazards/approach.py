"""Where a storm track passes a city: distances to a point, closest approach, time in reach.

Distances are geodesic on the WGS84 ellipsoid (``pyproj.Geod.inv``, Karney 2013, J. Geodesy
87, 43-55), between the city's reference point (``city.yaml``) and the track centre linearly
interpolated in time (:meth:`sim.hazards.track.Track.interpolate`; adequate at the 3-6 h
best-track spacing). Times are UTC ``datetime64[s]``.

:func:`out_of_reach` is the one check that a storm comes near the city at all: ``citysafe storm
new`` refuses a storm that never comes within :data:`REACH_KM`, and ``validate`` / ``run``
warn of it (:mod:`sim.models.data_check`; a far storm may be run on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from sim.hazards.track import Track

_GEOD = Geod(ellps="WGS84")
SAMPLE_STEP_MIN = 10
"""Spacing of the interpolated track positions, minutes: a storm at 10 m/s moves 6 km in
10 min, so the closest distance is found to within a few km and its time to 10 min."""

REACH_KM = 800.0
"""Distance of the centre from the city's reference point within which a storm can affect
the city, km: the Hong Kong Observatory raises its Standby Signal No. 1 when a tropical
cyclone is centred within about 800 km and may affect the territory (HKO, "Tropical Cyclone
Warning Signals"); assumption for other cities."""


@dataclass(frozen=True)
class Pass:
    """How a track passes a point.

    Attributes:
        closest_utc: time of the closest approach (first, if the minimum repeats).
        closest_km: geodesic distance of the centre at that time, km.
        closest_lat, closest_lon: centre position then, degrees.
        first_in_reach_utc, last_in_reach_utc: first and last sampled time the centre is
            within ``reach_km``; None when it never is.
        reach_km: the radius used, km.
    """

    closest_utc: np.datetime64
    closest_km: float
    closest_lat: float
    closest_lon: float
    first_in_reach_utc: np.datetime64 | None
    last_in_reach_utc: np.datetime64 | None
    reach_km: float

    @property
    def in_reach(self) -> bool:
        return self.first_in_reach_utc is not None


def sample_times(track: Track, step_min: int = SAMPLE_STEP_MIN) -> np.ndarray:
    """Times from the track's start to its end every ``step_min`` minutes (end included)."""
    step = np.timedelta64(int(step_min) * 60, "s")
    if len(track) > 1:
        times = np.arange(track.start_utc, track.end_utc, step)
    else:  # one record: its time alone (an empty float array would not join a datetime64)
        times = np.array([], dtype="datetime64[s]")
    return np.append(times, track.end_utc).astype("datetime64[s]")


def distances_km(track: Track, lon: float, lat: float) -> np.ndarray:
    """Geodesic distance from the point (lon, lat, degrees) to each record's centre, km."""
    n = len(track)
    _, _, dist_m = _GEOD.inv(
        np.full(n, float(lon)), np.full(n, float(lat)), track.lon_deg, track.lat_deg
    )
    return np.asarray(dist_m, dtype=float) / 1000.0


def track_pass(track: Track, lon: float, lat: float, reach_km: float) -> Pass:
    """Closest approach of ``track`` to the point and the span it is within ``reach_km``.

    Args:
        track: the best track (positions finite).
        lon, lat: the point, degrees (WGS84).
        reach_km: radius of "within reach", km (> 0).

    Returns:
        The :class:`Pass`, on the track sampled every :data:`SAMPLE_STEP_MIN` minutes.

    Raises:
        ValueError: ``reach_km`` not positive, or missing or impossible track positions.
    """
    if not reach_km > 0:
        raise ValueError(f"reach_km must be > 0, got {reach_km}")
    if not (np.all(np.isfinite(track.lat_deg)) and np.all(np.isfinite(track.lon_deg))):
        raise ValueError(f"track {track.name!r} has missing (NaN) positions")
    if np.any(np.abs(track.lat_deg) > 90):
        raise ValueError(f"track {track.name!r} has latitudes beyond +-90 degrees")
    sampled = track.interpolate(sample_times(track))
    d = distances_km(sampled, lon, lat)
    k = int(np.argmin(d))
    inside = np.flatnonzero(d <= reach_km)
    return Pass(
        closest_utc=sampled.time_utc[k],
        closest_km=float(d[k]),
        closest_lat=float(sampled.lat_deg[k]),
        closest_lon=float(sampled.lon_deg[k]),
        first_in_reach_utc=sampled.time_utc[inside[0]] if inside.size else None,
        last_in_reach_utc=sampled.time_utc[inside[-1]] if inside.size else None,
        reach_km=float(reach_km),
    )


def out_of_reach(
    track: Track, lon: float, lat: float, where: str, reach_km: float = REACH_KM
) -> tuple[Pass, str | None]:
    """The pass of ``track`` by a city's reference point and, when the centre never comes
    within ``reach_km`` of it, the sentence saying so.

    Args:
        track: the best track (positions finite).
        lon, lat: the city's reference point, degrees (WGS84).
        where: the point for people, e.g. ``"122.9 E, 31.2 N, city/city.yaml"``.
        reach_km: radius within which a storm can affect the city, km (> 0).

    Returns:
        The :class:`Pass` and None, or the message ``the storm never comes within ... km of
        the city's reference point (WHERE): closest ... km at TIME``, with a note when the
        track's records with their longitudes' signs flipped come within reach (east
        longitudes are positive: a sign slip sends an East Asian storm to the Pacific's
        far side).

    Raises:
        ValueError: as :func:`track_pass`.
    """
    passage = track_pass(track, lon, lat, reach_km)
    if passage.in_reach:
        return passage, None
    when = f"{np.datetime_as_string(passage.closest_utc.astype('datetime64[s]'), unit='s')}Z"
    message = (
        f"the storm never comes within {reach_km:g} km of the city's reference point "
        f"({where}): closest {passage.closest_km:.0f} km at {when}"
    )
    n = len(track)
    _, _, flipped_m = _GEOD.inv(
        np.full(n, float(lon)), np.full(n, float(lat)), -track.lon_deg, track.lat_deg
    )
    if n and float(np.min(flipped_m)) / 1000.0 <= reach_km:
        message += (
            f" (with its longitudes' signs flipped it would pass {np.min(flipped_m) / 1e3:.0f}"
            " km away: east longitudes are positive)"
        )
    return passage, message
