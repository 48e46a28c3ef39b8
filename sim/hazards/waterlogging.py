"""Urban waterlogging: per-district ponding bucket, underpass depth and road speed reduction.

Bucket model (one bucket per district, state = ponded storage S in mm over the district):

    runoff   = C * R                                   (rational-method runoff, mm/h)
    outflow  = Q_cap * (1 - p + p * pump_fraction)     (mm/h; p = pump-dependent share)
    S(t+dt)  = max(S + (runoff - outflow) dt, 0)       exact for inputs constant over dt
    drained  = S + runoff dt - S(t+dt)                 (<= outflow dt)
    lost     = (1 - C) R dt                            (infiltration / depression storage)

so that, cumulatively, rain = (S - S0) + drained + lost exactly (mass balance).

Depths: ponded water collects on the low-lying, paved fraction ``ponding_area_fraction`` of the
district, so road depth = S / ponding_area_fraction; underpasses (下立交) collect water from a
larger surrounding area, modelled by a concentration factor: underpass depth = road depth x
``underpass_concentration``. Defaults (0.2, 4.0) are calibrated to the 21 Aug 2012 event
(scenarios/data/shanghai/facts.md §4: 60-70 mm/h on a ~36 mm/h system -> 20+ road sections at
5-15 cm and an airport rail underpass > 40 cm); see tests/test_waterlogging.py.

Thresholds (scenarios/data/shanghai/facts.md §4): underpass alert to maintainers 5 cm,
automatic report to the city flood headquarters 15 cm, city monitoring alert 20 cm, underpass
closure 25 cm.

Road speed: Pregnolato, Ford, Wilkinson & Dawson (2017), "The impact of flooding on road
transport: a depth-disruption function", Transportation Research Part D 55:67-81,
doi:10.1016/j.trd.2017.06.020: v(w) = 0.0009 w^2 - 0.5529 w + 86.9448 km/h for depth w in mm,
road impassable at w >= 300 mm (function checked in several public implementations).
"""

from __future__ import annotations

import numpy as np

UNDERPASS_ALERT_MAINTAINER_M = 0.05
UNDERPASS_ALERT_FLOOD_HQ_M = 0.15
CITY_ALERT_DEPTH_M = 0.20
UNDERPASS_CLOSURE_DEPTH_M = 0.25


PREGNOLATO_FREE_FLOW_KMH = 86.9448
PREGNOLATO_IMPASSABLE_MM = 300.0


def road_speed_factor(depth_m) -> np.ndarray:
    """Fraction of free-flow speed on a road under ``depth_m`` of standing water.

    Pregnolato et al. (2017) depth-disruption function normalised by its dry-road value
    86.9448 km/h; 0 at depth >= 300 mm; 1 for depth <= 0.

    Args:
        depth_m: water depth(s), m.

    Returns:
        Array in [0, 1], same shape.
    """
    w = np.maximum(np.asarray(depth_m, dtype=float), 0.0) * 1000.0
    v = 0.0009 * w * w - 0.5529 * w + PREGNOLATO_FREE_FLOW_KMH
    return np.where(w >= PREGNOLATO_IMPASSABLE_MM, 0.0, np.clip(v / PREGNOLATO_FREE_FLOW_KMH, 0, 1))


class Waterlogging:
    """Per-district ponding bucket with underpass depths.

    Args:
        area_km2: (D,) district areas (kept for volume outputs).
        drainage_capacity_mm_per_h: (D,) or scalar drainage outflow capacity with all pumps
            working, in mm/h of water depth over the district. For a network designed for rain
            intensity i_d use :meth:`from_design_intensity` (capacity = C * i_d, rational method).
        runoff_coefficient: (D,) or scalar composite runoff coefficient C in [0, 1].
        underpass_concentration: underpass depth / road depth (calibrated default 4.0).
        ponding_area_fraction: share of district area where ponded water collects (0.2).
        pump_dependent_fraction: share of the capacity that needs drainage pumps (1.0 = fully
            pumped, as in a low-lying city's central system).
        initial_storage_mm: initial ponded storage.

    Raises:
        ValueError: on shape mismatch or out-of-range parameters.
    """

    def __init__(
        self,
        area_km2,
        drainage_capacity_mm_per_h,
        runoff_coefficient,
        underpass_concentration=4.0,
        ponding_area_fraction=0.2,
        pump_dependent_fraction=1.0,
        initial_storage_mm=0.0,
    ) -> None:
        self.area_km2 = np.asarray(area_km2, dtype=float).reshape(-1)
        d = self.area_km2.size

        def per_district(value, name: str) -> np.ndarray:
            arr = np.broadcast_to(np.asarray(value, dtype=float), (d,)).copy()
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be finite")
            return arr

        self.drainage_capacity_mm_per_h = per_district(drainage_capacity_mm_per_h, "capacity")
        self.runoff_coefficient = per_district(runoff_coefficient, "runoff_coefficient")
        self.underpass_concentration = per_district(underpass_concentration, "concentration")
        self.ponding_area_fraction = per_district(ponding_area_fraction, "ponding_area_fraction")
        self.pump_dependent_fraction = per_district(pump_dependent_fraction, "pump fraction")
        if np.any(self.drainage_capacity_mm_per_h < 0):
            raise ValueError("drainage_capacity_mm_per_h must be >= 0")
        for name in ("runoff_coefficient", "pump_dependent_fraction"):
            arr = getattr(self, name)
            if np.any((arr < 0) | (arr > 1)):
                raise ValueError(f"{name} must lie in [0, 1]")
        if np.any((self.ponding_area_fraction <= 0) | (self.ponding_area_fraction > 1)):
            raise ValueError("ponding_area_fraction must lie in (0, 1]")
        self.storage_mm = per_district(initial_storage_mm, "initial_storage_mm")
        if np.any(self.storage_mm < 0):
            raise ValueError("initial_storage_mm must be >= 0")
        self.initial_storage_mm = self.storage_mm.copy()
        self.cumulative_rain_mm = np.zeros(d)
        self.cumulative_drained_mm = np.zeros(d)
        self.cumulative_loss_mm = np.zeros(d)

    @classmethod
    def from_design_intensity(
        cls, area_km2, design_intensity_mm_per_h, runoff_coefficient, **kwargs
    ) -> Waterlogging:
        """Bucket whose pipes carry the runoff of the design rain: capacity = C * i_design."""
        cap = np.asarray(runoff_coefficient, float) * np.asarray(design_intensity_mm_per_h, float)
        return cls(area_km2, cap, runoff_coefficient, **kwargs)

    @property
    def n_districts(self) -> int:
        return self.area_km2.size

    @property
    def road_depth_m(self) -> np.ndarray:
        """(D,) ponded depth on low-lying roads, m."""
        return self.storage_mm / self.ponding_area_fraction / 1000.0

    @property
    def underpass_depth_m(self) -> np.ndarray:
        """(D,) water depth in a typical underpass, m."""
        return self.road_depth_m * self.underpass_concentration

    @property
    def ponded_volume_m3(self) -> np.ndarray:
        """(D,) ponded water volume, m3 (storage mm x area)."""
        return self.storage_mm * 1e-3 * self.area_km2 * 1e6

    def outflow_capacity_mm_per_h(self, pump_functional_fraction) -> np.ndarray:
        """(D,) current outflow capacity given the functional share of drainage pumps."""
        pf = np.clip(np.asarray(pump_functional_fraction, dtype=float), 0.0, 1.0)
        p = self.pump_dependent_fraction
        return self.drainage_capacity_mm_per_h * (1.0 - p + p * pf)

    def step(self, rain_mm_per_h, pump_functional_fraction, dt_h: float) -> None:
        """Advance by ``dt_h`` hours with rain and pump availability constant over the step.

        Args:
            rain_mm_per_h: (D,) district-mean rain rate (or scalar), mm/h, >= 0.
            pump_functional_fraction: (D,) share of drainage pumps working, in [0, 1].
            dt_h: step length, hours (> 0).

        Raises:
            ValueError: negative rain or non-positive dt.
        """
        if not dt_h > 0:
            raise ValueError(f"dt_h must be > 0, got {dt_h}")
        rain = np.broadcast_to(np.asarray(rain_mm_per_h, dtype=float), (self.n_districts,))
        if np.any(rain < 0):
            raise ValueError("rain_mm_per_h must be >= 0")
        runoff_mm = self.runoff_coefficient * rain * dt_h
        available = self.storage_mm + runoff_mm
        drained = np.minimum(
            self.outflow_capacity_mm_per_h(pump_functional_fraction) * dt_h, available
        )
        self.storage_mm = available - drained
        self.cumulative_rain_mm += rain * dt_h
        self.cumulative_drained_mm += drained
        self.cumulative_loss_mm += rain * dt_h - runoff_mm

    def mass_balance_error_mm(self) -> np.ndarray:
        """(D,) rain - (storage change + drained + lost); zero up to rounding."""
        change = self.storage_mm - self.initial_storage_mm
        return self.cumulative_rain_mm - (
            change + self.cumulative_drained_mm + self.cumulative_loss_mm
        )

    def underpass_closed(self, threshold_m: float = UNDERPASS_CLOSURE_DEPTH_M) -> np.ndarray:
        """(D,) True where the typical underpass exceeds the closure depth (25 cm)."""
        return self.underpass_depth_m > threshold_m

    def road_speed_factor(self) -> np.ndarray:
        """(D,) Pregnolato speed factor at the current road depth."""
        return road_speed_factor(self.road_depth_m)
