"""The city state a long run hands to an emergency window at a shock: one run, two clocks.

The long run (:class:`sim.models.longrun.RiskDynamicsModel`, years) produces a
:class:`CityState` at each shock date of its scenario (``shocks:``); the emergency model
(:class:`sim.models.emergency.CityModel`, hours) takes it as an optional argument and lets it
modify its physics. Without a state the emergency model is today's, bit for bit.

Every field is an array over the districts (district order of the city's ``districts.csv``)
with its unit, what the long run reads it from, and how the emergency physics uses it:

- ``drainage_capacity_factor`` (1): condition of the ``drainage_underpass`` assets
  (silting, deferred dredging and repairs) → drainage capacity (mm/h) = factor × the design
  capacity; factor by condition state from Manning's formula on a silted pipe
  (:func:`silted_capacity_ratio`, silt depth per state: assumption).
- ``drainage_defect_share`` (1), ``drainage_backlog_yuan`` (yuan: planned cost of the known,
  unfixed drainage defects): reported beside it, no effect of their own.
- ``pipe_age_mean_yr`` (yr): length-weighted mean age of the installed pipe segments;
  reported (ages act through the cavities the chain left).
- ``open_cavities`` (count): hidden ground cavities of the pipe chain (undetected, not
  collapsed) → each collapses under storm rain with P = 1 − exp(−κ·rain mm),
  κ = :data:`CAVITY_COLLAPSE_PER_MM` (assumption): a road segment closes and a
  ``road_collapse`` incident opens.
- ``facade_median_factor`` (1): condition of the ``facade`` and ``signboard`` assets (age,
  inspection, repair) → the median gust capacity θ of every falling-object type × factor
  (:data:`FACADE_MEDIAN_BY_STATE`, assumption).
- ``old_housing_retrofit_share`` (1): share of the ``old_housing`` assets repaired (planned)
  since the run's start → dangerous old dwellings exposed to collapse, and their residents
  to relocate, × (1 − share) (assumption: the exposure table is the stock at the start).
- ``construction_sites`` (count): active sites of the long run's construction inventory →
  site workers to relocate × sites / the exposure table's sites (workers per site constant:
  assumption).

The long run advances in closed-form years (:mod:`sim.models.longrun`): a shock inside a
calendar year sees the state left by the last whole year (the year's deterioration, screening
and repairs are drawn at its end), except pipe ages, which are taken at the shock date.

A second engineer's responsibility layers (issue 14, points 2-3) set this state through the
long run's processes; the emergency side only reads the arrays named here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields

import numpy as np

SILT_DEPTH_BY_STATE = np.array([0.0, 0.05, 0.15, 0.30, 0.50])
"""Sediment bed depth / pipe diameter of a drainage asset in condition state 0..4 (as new,
minor wear, defect, serious defect, critical; :mod:`sim.risk.deterioration`). ASSUMPTION:
the states read as silting grades; sewer inspection codes grade deposits by the share of the
cross-section lost (e.g. the WRc Manual of Sewer Condition Classification, 5th ed. 2013,
deposits graded in steps of 5-10 % of height); 50 % at the critical state."""

CAVITY_COLLAPSE_PER_MM = 1.0 / 500.0
"""κ, per mm of storm rain: an open cavity under 100 mm of rain collapses with P = 18 %.
ASSUMPTION (order of magnitude): infiltrating rain washes soil into the void and road
collapses cluster in the rainy season (docs/domain.md §1, priority 1); no rate per mm was found."""

FACADE_MEDIAN_BY_STATE = np.array([1.0, 0.97, 0.90, 0.80, 0.65])
"""Multiplier on the median gust capacity θ of a facade or signboard item in condition state
0..4. ASSUMPTION: corroded fixings and aged sealant lower the wind load at failure; a critical
item keeps 65 % of its median (its failure probability at Lekima's gusts rises about ten-fold
with the calibrated β = 0.2 of the signboard curve)."""


def silted_capacity_ratio(depth_fraction) -> np.ndarray:
    """Full-pipe flow of a circular pipe with a flat sediment bed / that of the clean pipe.

    Manning's formula Q = (1/n) A R^(2/3) S^(1/2) with the same roughness n and slope S
    (bed roughness equal to the pipe's: an assumption that errs on the side of capacity), so
    Q'/Q = (A'/A) (R'/R)^(2/3), R = A / P. For a bed of depth d = f·D the bed removes the
    circular segment of half-angle φ = arccos(1 − 2f): area (D²/4)(φ − sin φ cos φ), wetted
    perimeter: the arc φ·D it covers replaced by its chord D·sin φ.

    Args:
        depth_fraction: sediment depth / diameter, in [0, 1).

    Returns:
        Capacity ratio in (0, 1], same shape (1 at zero depth).

    Raises:
        ValueError: a depth fraction outside [0, 1).
    """
    f = np.asarray(depth_fraction, dtype=float)
    if np.any((f < 0) | (f >= 1)):
        raise ValueError("sediment depth fraction must lie in [0, 1)")
    phi = np.arccos(1.0 - 2.0 * f)
    area = np.pi / 4 - 0.25 * (phi - np.sin(phi) * np.cos(phi))  # D = 1
    perim = np.pi - phi + np.sin(phi)
    return (area / (np.pi / 4)) * ((area / perim) / 0.25) ** (2.0 / 3.0)


DRAINAGE_CAPACITY_BY_STATE = silted_capacity_ratio(SILT_DEPTH_BY_STATE)
"""Capacity factor of a drainage asset by condition state (≈ 1, 0.97, 0.86, 0.65, 0.36)."""


def cavity_collapse_probability(rain_mm) -> np.ndarray:
    """P(an open cavity collapses) over ``rain_mm`` of rain: 1 − exp(−κ·rain)."""
    return -np.expm1(-CAVITY_COLLAPSE_PER_MM * np.maximum(np.asarray(rain_mm, float), 0.0))


@dataclass(frozen=True, eq=False)
class CityState:
    """The long run's city at a shock date (module docstring: units, sources, effects).

    Attributes:
        t_utc: the shock date (ISO 8601, UTC) the state was taken for.
        drainage_capacity_factor: (D,) in (0, 1].
        drainage_defect_share: (D,) in [0, 1].
        drainage_backlog_yuan: (D,) ≥ 0, yuan.
        pipe_age_mean_yr: (D,) ≥ 0, years.
        open_cavities: (D,) ≥ 0, count.
        facade_median_factor: (D,) in (0, 1].
        old_housing_retrofit_share: (D,) in [0, 1].
        construction_sites: (D,) ≥ 0, count.

    Raises:
        ValueError: arrays of different lengths, or values out of range.
    """

    t_utc: str
    drainage_capacity_factor: np.ndarray
    drainage_defect_share: np.ndarray
    drainage_backlog_yuan: np.ndarray
    pipe_age_mean_yr: np.ndarray
    open_cavities: np.ndarray
    facade_median_factor: np.ndarray
    old_housing_retrofit_share: np.ndarray
    construction_sites: np.ndarray

    def __post_init__(self) -> None:
        sizes = {np.asarray(getattr(self, n)).shape for n in self.array_names()}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise ValueError(f"CityState arrays must be (D,) of one length, got {sizes}")
        for name in self.array_names():
            a = np.asarray(getattr(self, name), float)
            hi = 1.0 if name.endswith(("_factor", "_share")) else np.inf
            if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a > hi):
                raise ValueError(f"CityState.{name} out of range [0, {hi}]: {a}")
        for name in ("drainage_capacity_factor", "facade_median_factor"):
            if np.any(np.asarray(getattr(self, name)) <= 0):
                raise ValueError(f"CityState.{name} must be > 0")

    @classmethod
    def array_names(cls) -> list[str]:
        """Names of the per-district fields, in declaration order."""
        return [f.name for f in fields(cls) if f.name != "t_utc"]

    @property
    def n_districts(self) -> int:
        return int(np.asarray(self.drainage_capacity_factor).size)

    def to_dict(self) -> dict:
        """JSON-ready: ``t_utc`` and each field as a list (city_state.json of a shock)."""
        out = asdict(self)
        return {k: (np.asarray(v).tolist() if k != "t_utc" else v) for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict) -> CityState:
        """Inverse of :meth:`to_dict`."""
        arrays = {n: np.asarray(data[n], float) for n in cls.array_names()}
        return cls(t_utc=str(data["t_utc"]), **arrays)

    def digest(self) -> str:
        """sha256 of :meth:`to_dict` (a resumed shock is reused only for the same state)."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def condition_mean(table: np.ndarray, state, district, n_districts: int) -> np.ndarray:
    """(D,) district mean of ``table[state]`` over assets; 1 where a district has none.

    Args:
        table: value by condition state 0..4.
        state: (n,) condition states; district: (n,) district indices.
    """
    w = np.bincount(district, weights=table[state], minlength=n_districts)
    n = np.bincount(district, minlength=n_districts)
    return np.where(n > 0, w / np.maximum(n, 1), 1.0)


def share_by_district(mask, district, n_districts: int) -> np.ndarray:
    """(D,) share of assets with ``mask`` per district (0 where a district has none)."""
    k = np.bincount(district, weights=np.asarray(mask, float), minlength=n_districts)
    n = np.bincount(district, minlength=n_districts)
    return k / np.maximum(n, 1)
