"""Rainstorms: IDF design storms in space and time, storm arrivals, drainage capacity, and
road / underpass waterlogging (reusing `design_storm` and `waterlogging`).

Design storm: the city's IDF formula (``city.profile.rainfall_idf``, with its source) and the
Chicago hyetograph of `sim.hazards.design_storm`.

Drainage capacity (rational method, as in `Waterlogging.from_design_intensity`): a network
designed for return period P carries C x i(P, t_d) mm/h, with i the IDF mean intensity for the
design duration t_d. t_d = 60 min is the default (a consistency choice, not a design rule: with
the first city's IDF it reproduces its legacy design figures, 1-yr ~ 36 mm/h and 3-yr ~ 51 mm/h,
scenarios/data/shanghai/facts.md §4).

Spatial footprint (assumption): the point IDF intensity applies at the storm centre and decays
as exp(-r^2 / (2 R^2)) with footprint radius R (default 15 km, a convective-storm scale);
``footprint_radius_km=None`` gives spatially uniform rain. Areal reduction factors are not
applied separately (the footprint plays that role).

Storm arrivals (partial-duration series convention): storms whose intensity exceeds the T-year
IDF value occur at an annual rate 1/T, so storms above a threshold T_min arrive as a Poisson
process of rate 1/T_min per year with return periods T = T_min / U, U ~ Uniform(0, 1]
(then P(T > t) = T_min / t). Default T_min = 0.5 yr (two rainstorms a year above the half-year
intensity; the briefing says "several rainstorms a year", docs/domain.md §1): assumption. Storms
fall in the flood season June-September (uniform: assumption).

Compound chain (issue item 2): typhoon -> power loss -> pump failure -> waterlogging. Drainage
pumps work when their feeder is served or they have backup power:
``pump_functional_fraction(power_served_fraction, backup_share)`` = served + (1 - served) x
backup_share (backup_share default 0.3: assumption), to be passed to `Waterlogging.step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.hazards.design_storm import chicago_hyetograph_mm_per_h, intensity_mm_per_h
from sim.hazards.waterlogging import Waterlogging

if TYPE_CHECKING:
    from sim.city.profile import IDFCurve

DESIGN_DURATION_MIN = 60.0
FLOOD_SEASON_DAYS = (152, 273)  # day of year: 1 Jun .. 30 Sep (non-leap)


def drainage_capacity_mm_per_h(
    design_return_period_yr,
    runoff_coefficient,
    idf: IDFCurve,
    design_duration_min=DESIGN_DURATION_MIN,
) -> np.ndarray:
    """Outflow capacity C x i(P, t_d) in mm/h over the district (rational method).

    Args:
        design_return_period_yr: design return period P (scalar or (D,)).
        runoff_coefficient: C (scalar or (D,)).
        idf: the city's IDF coefficients (``city.profile.rainfall_idf``).
        design_duration_min: design duration t_d (default 60 min, module docstring).
    """
    i = intensity_mm_per_h(design_return_period_yr, design_duration_min, idf)
    return np.asarray(runoff_coefficient, float) * i


def pump_functional_fraction(power_served_fraction, backup_share: float = 0.3) -> np.ndarray:
    """(D,) share of drainage pumps working given the share of pump feeders with power.

    Args:
        power_served_fraction: (D,) share of pump stations whose feeder is energised.
        backup_share: share of stations with working backup generators (assumption 0.3).
    """
    s = np.clip(np.asarray(power_served_fraction, float), 0.0, 1.0)
    return s + (1.0 - s) * backup_share


@dataclass(frozen=True)
class RainstormEvent:
    """A design rainstorm.

    Attributes:
        return_period_yr: IDF return period P.
        duration_min: storm duration (multiple of ``dt_min``).
        start_h: model time of the storm start, hours.
        centre_x_m, centre_y_m: storm centre, metres in the city's CRS.
        footprint_radius_km: Gaussian footprint radius R; None = uniform.
        dt_min: hyetograph block length.
        peak_ratio: Chicago peak position r; None = the IDF curve's ``chicago_r``.
    """

    return_period_yr: float
    duration_min: float
    start_h: float = 0.0
    centre_x_m: float = 0.0
    centre_y_m: float = 0.0
    footprint_radius_km: float | None = 15.0
    dt_min: float = 5.0
    peak_ratio: float | None = None


class RainstormHazard:
    """Rain intensity field of one `RainstormEvent`.

    Args:
        event: the storm.
        idf: the city's IDF coefficients (``city.profile.rainfall_idf``).
    """

    def __init__(self, event: RainstormEvent, idf: IDFCurve) -> None:
        self.event = event
        self.hyetograph_mm_per_h = chicago_hyetograph_mm_per_h(
            event.return_period_yr, event.duration_min, idf, event.dt_min, event.peak_ratio
        )

    @property
    def end_h(self) -> float:
        return self.event.start_h + self.event.duration_min / 60.0

    def centre_intensity_mm_per_h(self, t_h) -> np.ndarray:
        """Intensity at the storm centre at model time(s) t_h (0 outside the storm)."""
        t = np.asarray(t_h, float)
        k = np.floor((t - self.event.start_h) * 60.0 / self.event.dt_min).astype(int)
        n = self.hyetograph_mm_per_h.size
        inside = (k >= 0) & (k < n)
        return np.where(inside, self.hyetograph_mm_per_h[np.clip(k, 0, n - 1)], 0.0)

    def spatial_factor(self, x_m, y_m) -> np.ndarray:
        """Footprint multiplier in [0, 1] at points (1 at the centre)."""
        if self.event.footprint_radius_km is None:
            return np.ones(np.shape(x_m))
        r2 = (np.asarray(x_m) - self.event.centre_x_m) ** 2 + (
            np.asarray(y_m) - self.event.centre_y_m
        ) ** 2
        return np.exp(-r2 / (2.0 * (self.event.footprint_radius_km * 1000.0) ** 2))

    def rain_mm_per_h(self, t_h: float, x_m, y_m) -> np.ndarray:
        """Point rain rates (mm/h) at one model time."""
        return float(self.centre_intensity_mm_per_h(t_h)) * self.spatial_factor(x_m, y_m)

    def depth_mm(self, x_m, y_m) -> np.ndarray:
        """Storm-total depth (mm) at points."""
        total = self.hyetograph_mm_per_h.sum() * self.event.dt_min / 60.0
        return total * self.spatial_factor(x_m, y_m)


def sample_rainstorms(
    years: int,
    rng: np.random.Generator,
    min_return_period_yr: float = 0.5,
    durations_min=(60.0, 120.0, 180.0),
    start_year: int = 0,
) -> pd.DataFrame:
    """Rainstorm catalogue over ``years`` years (partial-duration Poisson arrivals).

    Returns:
        DataFrame sorted by time: time_yr (decimal year), return_period_yr, duration_min.
    """
    n = rng.poisson(years / min_return_period_yr)
    year = start_year + rng.integers(0, years, n)
    day = rng.uniform(FLOOD_SEASON_DAYS[0], FLOOD_SEASON_DAYS[1] + 1, n)
    rp = min_return_period_yr / (1.0 - rng.random(n))  # U in (0, 1]
    dur = rng.choice(np.asarray(durations_min, float), n)
    df = pd.DataFrame({"time_yr": year + day / 365.0, "return_period_yr": rp, "duration_min": dur})
    return df.sort_values("time_yr", ignore_index=True)


def district_waterlogging(
    city, design_return_period_yr=1.0, runoff_coefficient=None, **kwargs
) -> Waterlogging:
    """Per-district bucket of a city: capacity from the design return period (default 1 yr)
    and the city's IDF, runoff coefficients by zone from the city profile (None) or given."""
    c = city.zone_values("runoff_coefficient") if runoff_coefficient is None else runoff_coefficient
    cap = drainage_capacity_mm_per_h(design_return_period_yr, c, city.profile.rainfall_idf)
    return Waterlogging(city.districts["area_km2"].to_numpy(float), cap, c, **kwargs)


def simulate_waterlogging(
    hazard: RainstormHazard,
    waterlogging: Waterlogging,
    x_m,
    y_m,
    t_end_h: float,
    dt_h: float = 5.0 / 60.0,
    pump_fraction: float | np.ndarray | Callable[[float], np.ndarray] = 1.0,
) -> dict[str, np.ndarray]:
    """Step a `Waterlogging` bucket through a rainstorm.

    Args:
        hazard: the rainstorm.
        waterlogging: bucket (modified in place).
        x_m, y_m: (D,) representative points (e.g. district centroids).
        t_end_h: end time (model hours); the run starts at the storm start.
        dt_h: step (default 5 min, the hyetograph block).
        pump_fraction: constant, (D,) or a function of t_h giving the functional pump share.

    Returns:
        dict of arrays: t_h (T,), rain_mm_per_h (T, D), road_depth_m (T, D),
        underpass_depth_m (T, D) (values at the end of each step).
    """
    t0 = hazard.event.start_h
    n = int(np.ceil((t_end_h - t0) / dt_h))
    ts, rain, road, under = [], [], [], []
    for k in range(n):
        t = t0 + k * dt_h
        r = hazard.rain_mm_per_h(t + 0.5 * dt_h, x_m, y_m)
        pf = pump_fraction(t) if callable(pump_fraction) else pump_fraction
        waterlogging.step(r, pf, dt_h)
        ts.append(t + dt_h)
        rain.append(r)
        road.append(waterlogging.road_depth_m.copy())
        under.append(waterlogging.underpass_depth_m.copy())
    return {
        "t_h": np.asarray(ts),
        "rain_mm_per_h": np.asarray(rain),
        "road_depth_m": np.asarray(road),
        "underpass_depth_m": np.asarray(under),
    }
