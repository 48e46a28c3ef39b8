"""Construction-site accidents: Poisson rate per worker-hour modulated by site safety management.

Model: each site s (district d_s, W_s workers, safety-management grade g_s) has accidents as a
Poisson process in worked hours,

    rate_s = lambda0 x m(g_s) x W_s        accidents per worked hour,

paused while the site is halted (e.g. typhoon stop-work orders: all 4,628 housing and municipal
sites were halted for Typhoon Co-may in 2025, exposure table source). Each accident kills
1 + Poisson(mu) people, so deaths per accident have mean 1 + mu (the record counts fatal
production-safety accidents, hence at least one death).

Calibration (stated): the briefing's record (docs/domain.md §1), 69 construction accidents and 89
deaths in 3 years (docs/domain.md §1; scenarios/data/shanghai/facts.md §6: not corroborated in a
second source; context: 74 construction deaths in 2005, scenarios/data/shanghai/facts.md §6),
with the exposure table's ~600,000 workers (itself an assumption: ~130 per site x 4,628 sites)
and ``hours_per_worker_year`` = 2,500 h (assumption: ~10 h/day, 250 days/yr) gives

    lambda0 = 69 / (600,000 x 2,500 x 3) = 1.533e-8 accidents per worker-hour,
    mu      = 89 / 69 - 1 = 0.290.

Safety management (assumption, grade shares and multipliers chosen so that the
worker-weighted mean multiplier is 1 and the calibration is preserved in expectation over
the random grade draw; a realised draw shifts the expected count by ~1-2%): good 40% x0.5,
average 45% x1.0, poor 15% x2.333 (= (1 - 0.4 x 0.5 - 0.45) / 0.15). The idea that site safety
management scales accident rates follows Reason's organisational-accident view (Reason 1997,
"Managing the Risks of Organizational Accidents", Ashgate); the numbers are assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RECORD_ACCIDENTS = 69
RECORD_DEATHS = 89
RECORD_YEARS = 3
HOURS_PER_WORKER_YEAR = 2500.0  # assumption
CALIBRATION_WORKERS = 600_000  # exposure table total (assumption there)
ACCIDENTS_PER_WORKER_HOUR = RECORD_ACCIDENTS / (
    CALIBRATION_WORKERS * HOURS_PER_WORKER_YEAR * RECORD_YEARS
)
EXTRA_DEATHS_MEAN = RECORD_DEATHS / RECORD_ACCIDENTS - 1.0

SAFETY_GRADES = ("good", "average", "poor")
SAFETY_SHARES = (0.40, 0.45, 0.15)
SAFETY_MULTIPLIERS = (0.5, 1.0, (1.0 - 0.40 * 0.5 - 0.45 * 1.0) / 0.15)


@dataclass
class ConstructionSites:
    """Sites as a struct of arrays (length n).

    Attributes:
        district: (n,) district index.
        workers: (n,) workers on site.
        safety_grade: (n,) index into `SAFETY_GRADES`.
    """

    district: np.ndarray
    workers: np.ndarray
    safety_grade: np.ndarray

    @property
    def n_sites(self) -> int:
        return self.district.size


def generate_sites(sites_by_district, workers_by_district, rng: np.random.Generator):
    """Sites per district with workers split evenly and a random safety grade per site.

    Args:
        sites_by_district: (D,) site counts (exposure ``construction_sites``).
        workers_by_district: (D,) workers (exposure ``construction_workers_persons``); each
            district's workers are split exactly over its sites (largest remainder).
        rng: random generator (safety grades drawn with `SAFETY_SHARES`).

    Returns:
        `ConstructionSites`.
    """
    sites = np.asarray(sites_by_district, dtype=np.int64)
    workers = np.asarray(workers_by_district, dtype=np.int64)
    district = np.repeat(np.arange(sites.size), sites)
    base = np.repeat(workers // np.maximum(sites, 1), sites)
    extra = np.repeat(workers % np.maximum(sites, 1), sites)
    rank = np.arange(district.size) - np.repeat(np.cumsum(sites) - sites, sites)
    w = base + (rank < extra)
    grade = rng.choice(len(SAFETY_GRADES), size=district.size, p=SAFETY_SHARES)
    return ConstructionSites(district.astype(np.int16), w.astype(np.int64), grade.astype(np.int8))


@dataclass
class AccidentEvents:
    """Accidents (struct of arrays): time_h (hours of WORKED time since start), site, district,
    deaths."""

    time_h: np.ndarray
    site: np.ndarray
    district: np.ndarray
    deaths: np.ndarray

    def __len__(self) -> int:
        return self.time_h.size

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"time_h": self.time_h, "site": self.site, "district": self.district,
             "deaths": self.deaths}
        )  # fmt: skip


class ConstructionAccidentModel:
    """Poisson accidents per worker-hour (module docstring).

    Args:
        sites: `ConstructionSites`.
        accidents_per_worker_hour: lambda0 (default calibrated).
        extra_deaths_mean: mu, deaths per accident = 1 + Poisson(mu) (default calibrated).
        safety_multipliers: multiplier per grade.
    """

    def __init__(
        self,
        sites: ConstructionSites,
        accidents_per_worker_hour: float = ACCIDENTS_PER_WORKER_HOUR,
        extra_deaths_mean: float = EXTRA_DEATHS_MEAN,
        safety_multipliers=SAFETY_MULTIPLIERS,
    ) -> None:
        if accidents_per_worker_hour < 0 or extra_deaths_mean < 0:
            raise ValueError("rates must be >= 0")
        self.sites = sites
        self.lambda0 = float(accidents_per_worker_hour)
        self.extra_deaths_mean = float(extra_deaths_mean)
        self.safety_multipliers = np.asarray(safety_multipliers, dtype=float)

    def site_rate_per_h(self, safety_improvement=1.0) -> np.ndarray:
        """(n,) accidents per worked hour of each site.

        Args:
            safety_improvement: scalar or (n,) extra multiplier (e.g. an inspection campaign
                < 1); 1 = none.
        """
        m = self.safety_multipliers[self.sites.safety_grade]
        return self.lambda0 * m * self.sites.workers * np.asarray(safety_improvement, float)

    def expected_accidents(self, worked_hours: float, safety_improvement=1.0) -> float:
        """Expected accidents over ``worked_hours`` hours of site operation."""
        return float(self.site_rate_per_h(safety_improvement).sum() * worked_hours)

    def expected_deaths(self, worked_hours: float, safety_improvement=1.0) -> float:
        return self.expected_accidents(worked_hours, safety_improvement) * (
            1.0 + self.extra_deaths_mean
        )

    def simulate(
        self,
        worked_hours: float,
        rng: np.random.Generator,
        halted=None,
        safety_improvement=1.0,
    ) -> AccidentEvents:
        """Accidents over a period of ``worked_hours`` hours of operation.

        Args:
            worked_hours: hours of site operation in the period (e.g. one year: 2,500).
            rng: random generator.
            halted: optional (n,) bool, sites stopped for the whole period (e.g. stop-work order).
            safety_improvement: see `site_rate_per_h`.

        Returns:
            `AccidentEvents` sorted by time.
        """
        rate = self.site_rate_per_h(safety_improvement)
        if halted is not None:
            rate = np.where(np.asarray(halted, bool), 0.0, rate)
        counts = rng.poisson(rate * worked_hours)
        site = np.repeat(np.arange(counts.size), counts)
        t = rng.random(site.size) * worked_hours
        deaths = 1 + rng.poisson(self.extra_deaths_mean, site.size)
        order = np.argsort(t)
        return AccidentEvents(
            t[order], site[order], self.sites.district[site[order]], deaths[order]
        )

    def accidents_by_district(self, events: AccidentEvents) -> np.ndarray:
        d = int(self.sites.district.max()) + 1 if self.sites.n_sites else 0
        return np.bincount(events.district, minlength=d)
