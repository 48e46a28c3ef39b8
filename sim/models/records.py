"""What the emergency model records beyond its hourly DataCollector rows: the peak and total
of each hazard field by district over every physics step, and the epidemic's compartments by
hour. The figures of a run (:mod:`sim.results.hazard_figures`) and ``epidemic.parquet`` read
them; nothing in the model reads them back.

Why not the hourly rows: the DataCollector samples a field once an hour (the last physics step
before the record), so a 3-hour design storm stepped every 15 minutes would be summed from 3
samples of 12, and a gust peaking between records would be missed. These records are updated
at every physics step instead (:meth:`HazardRecord.add_step`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class HazardRecord:
    """Per-district extremes and totals of the hazard fields over a run.

    Args:
        n_districts: number of districts D.

    Attributes:
        peak_gust_ms: (D,) highest 3-s gust at any of the district's sample points, m/s.
        rain_mm: (D,) rain fallen, district mean of its sample points, mm (Σ rate × step).
        peak_road_depth_m: (D,) deepest district-mean ponding on roads (rain beyond the
            drainage's capacity, :mod:`sim.hazards.waterlogging`), m.
        peak_flood_depth_m: (D,) deepest flooding by a hazard's ``flood_depth_m`` (storm
            surge) at any of the district's sample points or at the foot of its overflowing
            defences (the model adds that column: a strip the sample points miss), m.
        peak_flooded_area_m2: (D,) largest area under a storm surge's water behind the
            district's defences at one time, m² (:meth:`add_flood_extent`).
        peak_flood_volume_m3: (D,) largest volume of that water at one time, m³.
        defences: a storm surge's defence segments (``lon1, lat1, lon2, lat2, district``,
            :meth:`set_defences`); None without one.
        peak_wall_depth_m: (S,) deepest water at the landward foot of each segment, m.
    """

    def __init__(self, n_districts: int):
        d = int(n_districts)
        self.peak_gust_ms = np.zeros(d)
        self.rain_mm = np.zeros(d)
        self.peak_road_depth_m = np.zeros(d)
        self.peak_flood_depth_m = np.zeros(d)
        self.peak_flooded_area_m2 = np.zeros(d)
        self.peak_flood_volume_m3 = np.zeros(d)
        self.defences: pd.DataFrame | None = None
        self.peak_wall_depth_m = np.zeros(0)

    def set_defences(self, defences: pd.DataFrame) -> None:
        """Keep a storm surge's defence segments (``lon1, lat1, lon2, lat2`` in degrees,
        ``district`` index) for the flood map; their peak wall-foot depths start at zero."""
        self.defences = defences[["lon1", "lat1", "lon2", "lat2", "district"]].reset_index(
            drop=True
        )
        self.peak_wall_depth_m = np.zeros(len(self.defences))

    def add_flood_extent(self, area_m2, volume_m3, wall_depth_m) -> None:
        """Take one physics step's storm-surge extent behind each defence segment.

        Args:
            area_m2: (S,) area under water behind each segment, m².
            volume_m3: (S,) water standing behind it, m³.
            wall_depth_m: (S,) depth at each segment's landward foot, m.

        Raises:
            ValueError: no defences set (:meth:`set_defences`).
        """
        if self.defences is None:
            raise ValueError("add_flood_extent before set_defences")
        d, n = self.defences["district"].to_numpy(int), self.peak_flooded_area_m2.size
        area = np.bincount(d, np.asarray(area_m2, float), minlength=n)
        volume = np.bincount(d, np.asarray(volume_m3, float), minlength=n)
        self.peak_flooded_area_m2 = np.maximum(self.peak_flooded_area_m2, area)
        self.peak_flood_volume_m3 = np.maximum(self.peak_flood_volume_m3, volume)
        self.peak_wall_depth_m = np.maximum(self.peak_wall_depth_m, wall_depth_m)

    def add_step(
        self,
        dt_h: float,
        gust_ms: np.ndarray,
        rain_mm_per_h: np.ndarray,
        road_depth_m: np.ndarray,
        flood_depth_m: np.ndarray | None = None,
    ) -> None:
        """Take one physics step's fields at the district sample points.

        Args:
            dt_h: the step, hours.
            gust_ms: (D, K) 3-s gust at the K sample points of each district, m/s.
            rain_mm_per_h: (D, K) mean rain rate over the step, mm/h.
            road_depth_m: (D, K) ponding depth on roads at the step's end, m.
            flood_depth_m: (D, K) hazard flood depth (points of the district: sample points
                and defence feet), m; None: no hazard floods.
        """
        self.peak_gust_ms = np.maximum(self.peak_gust_ms, np.max(gust_ms, axis=1))
        self.rain_mm = self.rain_mm + np.mean(rain_mm_per_h, axis=1) * float(dt_h)
        depth = np.mean(road_depth_m, axis=1)
        self.peak_road_depth_m = np.maximum(self.peak_road_depth_m, depth)
        if flood_depth_m is not None:
            deepest = np.max(flood_depth_m, axis=1)
            self.peak_flood_depth_m = np.maximum(self.peak_flood_depth_m, deepest)


EPIDEMIC_COLUMNS = ("susceptible", "exposed", "infectious", "recovered")
"""The SEIR compartments of ``epidemic.parquet`` (persons), :mod:`sim.hazards.epidemic`."""


class EpidemicRecord:
    """The epidemic's compartments by district at each hourly record (from the hour the
    epidemic starts: configured, or injected by an ``epidemic_cases`` event)."""

    def __init__(self) -> None:
        self._rows: list[tuple[float, np.ndarray]] = []

    def add(self, t_h: float, s, e, i, r) -> None:
        """Record the (D,) susceptible, exposed, infectious and recovered persons at ``t_h``."""
        self._rows.append((float(t_h), np.stack([s, e, i, r], axis=1).astype(np.int64)))

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self, start_utc: pd.Timestamp, names) -> pd.DataFrame:
        """Long table: ``t_h, time_utc, district, district_name`` and the persons in each of
        :data:`EPIDEMIC_COLUMNS`; empty (those columns) when nothing was recorded.

        Args:
            start_utc: the run's start (for ``time_utc``).
            names: the districts' names in district order.
        """
        cols = ["t_h", "time_utc", "district", "district_name", *EPIDEMIC_COLUMNS]
        if not self._rows:
            return pd.DataFrame(columns=cols)
        names = np.asarray(names, dtype=object)
        d = len(names)
        t = np.repeat([t for t, _ in self._rows], d)
        values = np.concatenate([v for _, v in self._rows])
        out = pd.DataFrame(
            {
                "t_h": t,
                "time_utc": start_utc + pd.to_timedelta(t, unit="h"),
                "district": np.tile(np.arange(d, dtype=np.int16), len(self._rows)),
                "district_name": np.tile(names, len(self._rows)),
            }
        )
        for k, col in enumerate(EPIDEMIC_COLUMNS):
            out[col] = values[:, k]
        return out
