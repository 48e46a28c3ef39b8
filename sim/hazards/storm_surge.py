"""Storm surge / coastal flooding: storm tide, overflow of seawalls and floodwalls, inland depth.

Added through the hazard interface (:mod:`sim.hazards.base`): this module, its scenario block
(:mod:`sim.scenario.blocks.storm_surge`) and the city's data (``seawall.csv``,
``tide_levels.csv`` in the city folder, with their sources; read and checked by
:mod:`sim.hazards.surge_data`). It provides ``flood_depth_m``,
so every asset's existing depth fragility applies, and roads and underpasses flood.

**Water level** at defence segment k (m, in the vertical datum of the city's seawall table)::

    η_k(t) = tide(t) + surge(t) + offset_k

* tide: one semidiurnal constituent through the given high water,
  tide(t) = HW − (R/2)·(1 − cos(2π (t − t_HW)/T)), T = 12.42 h (M2 period); HW and range R
  from the scenario or the city's tide file;
* surge at the reference gauge: a hydrograph given in the scenario (linear between points,
  zero outside), or the parametric surge of the scenario's typhoon (:func:`parametric_surge_m`):
  inverse barometer Δp/(ρ_w g) (1 cm per hPa) plus steady wind setup on a shelf of width F and
  depth d, S = τ F/(ρ_w g d), from the momentum balance ∂η/∂x = τ/(ρ_w g d) (Stewart,
  *Introduction to Physical Oceanography*, §17.3, eq. 17.4), τ = ρ_a C_d U², with
  C_d = (0.8 + 0.065 U)·10⁻³ (Wu 1982, J. Geophys. Res. 87(C12):9704-9706); Δp at the gauge
  from the Holland (1980) pressure profile, p(r) = p_c + Δp·exp(−(R_max/r)^B);
* offset_k: the segment's level relative to the reference gauge (from the city's seawall
  table, e.g. the ratio of two gauges' 1000-year design levels along a tidal river).

**Overflow** where η_k exceeds the crest Z_k, per metre of wall: q = 0.54·√(g h³),
h = η_k − Z_k (overflow at negative freeboard without waves, EurOtop 2018 manual; the same as
critical flow over a broad crest, (2/3)^{3/2} = 0.544). Wave overtopping at positive freeboard
is not modelled (stated limitation).

**Inland storage and depth** (assumptions, calibration parameters): overflow fills a linear
reservoir per metre of wall, dV/dt = q − V/T_r (drainage time constant T_r), spread inland with
an exponential profile of length L, so that ∫ depth dx = V::

    depth_k(x, t) = min(V_k(t)/L · exp(−x/L),  max_{s≤t} η_k(s) − ground_k)

with x the distance to segment k (the depth never exceeds the highest water level reached so
far above the landward ground). A point takes the deepest of its segments; depths below
``min_depth_m`` are dry. Exponential decay of water levels inland is the simplification used
in broad-scale coastal flood assessments (Vafeidis et al. 2019, NHESS 19:973-984, water-level
attenuation); L and T_r are assumptions, checked for order of magnitude against a historical
overtopping of a tidal river's floodwalls (the first city's data folder records it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.hazards.base import Hazard, HazardContext, register_hazard
from sim.hazards.builtin import build_typhoon
from sim.hazards.errors import HazardDataError
from sim.hazards.surge_data import read_defences, tide_parameters

G = 9.81
"""Gravity, m/s²."""
RHO_SEA = 1025.0
"""Sea-water density, kg/m³."""
RHO_AIR = 1.225
"""Air density, kg/m³."""
OVERFLOW_COEFF = 0.54
"""q = 0.54 √(g h³): overflow at negative freeboard (EurOtop 2018)."""
GRID_STEP_H = 1.0 / 12.0
"""Time step of the precomputed level, overflow and storage series, h (5 min)."""


def tide_level_m(t_h, high_water_h: float, high_water_m: float, range_m: float, period_h=12.42):
    """Astronomical tide (one constituent through the given high water), m."""
    phase = 2.0 * np.pi * (np.asarray(t_h, float) - high_water_h) / period_h
    return high_water_m - 0.5 * range_m * (1.0 - np.cos(phase))


def drag_coefficient_wu1982(wind_ms) -> np.ndarray:
    """Sea-surface drag coefficient C_d = (0.8 + 0.065 U10)·10⁻³ (Wu 1982)."""
    return (0.8 + 0.065 * np.asarray(wind_ms, float)) * 1e-3


def parametric_surge_m(
    dp_hpa, wind_ms, shelf_width_km: float, shelf_depth_m: float, onshore_fraction: float = 1.0
) -> np.ndarray:
    """Inverse barometer + steady wind setup on a shelf (module docstring), m.

    Args:
        dp_hpa: pressure deficit at the gauge, hPa (≥ 0).
        wind_ms: 10-m sustained wind over water at the gauge, m/s.
        shelf_width_km, shelf_depth_m: the shelf the wind acts over.
        onshore_fraction: share of the wind stress directed onshore.
    """
    dp = np.maximum(np.asarray(dp_hpa, float), 0.0)
    u = np.asarray(wind_ms, float)
    barometric = dp * 100.0 / (RHO_SEA * G)
    tau = RHO_AIR * drag_coefficient_wu1982(u) * u**2
    setup = tau * shelf_width_km * 1e3 / (RHO_SEA * G * shelf_depth_m) * onshore_fraction
    return barometric + setup


def overflow_m2_s(level_m, crest_m) -> np.ndarray:
    """Overflow discharge per metre of wall, m²/s (0 below the crest)."""
    h = np.maximum(np.asarray(level_m, float) - crest_m, 0.0)
    return OVERFLOW_COEFF * np.sqrt(G * h**3)


def storage_m3_m(q_m2_s: np.ndarray, dt_h: float, recession_h: float) -> np.ndarray:
    """Inland storage per metre of wall, dV/dt = q − V/T_r (exact for q constant over a step).

    Args:
        q_m2_s: (T, ...) overflow at each step.
        dt_h: step, h.
        recession_h: drainage time constant T_r, h.
    """
    decay = np.exp(-dt_h / recession_h)
    gain = recession_h * 3600.0 * (1.0 - decay)  # ∫ e^{-(dt-s)/Tr} ds over the step, s
    out = np.zeros_like(q_m2_s, dtype=float)
    v = np.zeros(q_m2_s.shape[1:])
    for i, q in enumerate(q_m2_s):
        v = v * decay + q * gain
        out[i] = v
    return out


def point_segment_distance_m(x, y, x1, y1, x2, y2) -> np.ndarray:
    """(P, S) distance from P points to S segments, m."""
    px, py = np.asarray(x, float)[:, None], np.asarray(y, float)[:, None]
    dx, dy = x2 - x1, y2 - y1
    len2 = np.where(dx * dx + dy * dy > 0, dx * dx + dy * dy, 1.0)
    s = np.clip(((px - x1) * dx + (py - y1) * dy) / len2, 0.0, 1.0)
    return np.hypot(px - (x1 + s * dx), py - (y1 + s * dy))


class StormSurge(Hazard):
    """Storm tide, overflow and inland flood depth (module docstring).

    Args:
        defences: segments (:func:`read_defences`).
        times_h: (T,) model hours of the precomputed series (ascending, step ``GRID_STEP_H``).
        surge_m: (T,) surge at the reference gauge.
        tide_m: (T,) astronomical tide at the reference gauge.
        context: the model context.
        inundation_length_m, recession_h, min_depth_m: see the scenario block.
    """

    name = "storm_surge"
    ims = ("flood_depth_m",)

    def __init__(
        self,
        defences: pd.DataFrame,
        times_h: np.ndarray,
        surge_m: np.ndarray,
        tide_m: np.ndarray,
        context: HazardContext,
        inundation_length_m: float = 1000.0,
        recession_h: float = 12.0,
        min_depth_m: float = 0.01,
    ):
        super().__init__(context)
        self.defences = defences.reset_index(drop=True)
        self.times_h = np.asarray(times_h, float)
        self.length_m, self.min_depth_m = float(inundation_length_m), float(min_depth_m)
        d = self.defences
        to_xy = context.city.to_xy
        self.x1, self.y1 = (np.asarray(v, float) for v in to_xy(d["lon1"], d["lat1"]))
        self.x2, self.y2 = (np.asarray(v, float) for v in to_xy(d["lon2"], d["lat2"]))
        offset = d["level_offset_m"].to_numpy(float)
        self.level_m = (np.asarray(tide_m) + np.asarray(surge_m))[:, None] + offset  # (T, S)
        crest = d["crest_m"].to_numpy(float)
        self.overflow = overflow_m2_s(self.level_m, crest)
        dt = float(self.times_h[1] - self.times_h[0]) if self.times_h.size > 1 else GRID_STEP_H
        self.storage = storage_m3_m(self.overflow, dt, recession_h)
        head = np.maximum.accumulate(self.level_m, axis=0) - d["ground_m"].to_numpy(float)
        # depth cap: water never stands deeper than the highest level so far above the ground
        self.cap_m = np.where(self.storage > 0, np.maximum(head, 0.0), 0.0)
        wet = np.flatnonzero((self.storage / self.length_m).max(axis=1) >= self.min_depth_m)
        self._window = (
            (float(self.times_h[wet[0]]), float(self.times_h[wet[-1]]))
            if wet.size
            else (float(self.times_h[0]), float(self.times_h[0]) - 1.0)  # empty: never active
        )

    def window_h(self) -> tuple[float, float]:
        return self._window

    @property
    def segment_district(self) -> np.ndarray:
        """(S,) English name of the district each defence segment protects (``seawall.csv``)."""
        return self.defences["district"].to_numpy(str)

    @property
    def segment_length_m(self) -> np.ndarray:
        """(S,) length of each defence segment, m."""
        return np.hypot(self.x2 - self.x1, self.y2 - self.y1)

    def wall_depth_at(self, t_h: float) -> np.ndarray:
        """(S,) flood depth at the landward foot of each segment (x = 0: its deepest), m."""
        if not self.active(t_h):
            return np.zeros(len(self.defences))
        v, cap = self._series_at(self.storage, t_h), self._series_at(self.cap_m, t_h)
        depth = np.minimum(v / self.length_m, cap)
        return np.where(depth >= self.min_depth_m, depth, 0.0)

    def cross_shore_profile(self, cells: int = 80, extent: float = 8.0):
        """Depth behind each segment over time along the landward normal (module docstring).

        Args:
            cells: cells of the normal (midpoints), from the wall to ``extent`` × L inland.
            extent: reach of the normal in inundation lengths L (8 L: depth below e^-8 of the
                wall's, under any minimum depth worth counting).

        Returns:
            (times_h (T,), x_m (J,) cell midpoints, width_m cell width, depth_m (T, S, J)):
            depth = min(V/L·exp(−x/L), cap), 0 below ``min_depth_m``.
        """
        width = extent * self.length_m / cells
        x = (np.arange(cells) + 0.5) * width
        decay = np.exp(-x / self.length_m)
        depth = np.minimum(
            (self.storage / self.length_m)[:, :, None] * decay, self.cap_m[:, :, None]
        )
        depth = np.where(depth >= self.min_depth_m, depth, 0.0)
        return self.times_h, x, width, depth

    @property
    def instant(self) -> bool:
        return False

    def _series_at(self, series: np.ndarray, t_h: float) -> np.ndarray:
        """(S,) series values at ``t_h`` (linear in time; zero outside the series)."""
        if t_h < self.times_h[0] or t_h > self.times_h[-1]:
            return np.zeros(series.shape[1])
        return np.array(
            [np.interp(t_h, self.times_h, series[:, k]) for k in range(series.shape[1])]
        )

    def level_at(self, t_h: float) -> np.ndarray:
        """(S,) water level at each segment, m (city datum)."""
        return self._series_at(self.level_m, t_h)

    def at(self, im: str, t_h: float, x_m, y_m) -> np.ndarray:
        if im != "flood_depth_m":
            raise self._unknown(im)
        x = np.atleast_1d(np.asarray(x_m, float))
        if not self.active(t_h) or x.size == 0:
            return np.zeros(np.shape(x_m))
        v, cap = self._series_at(self.storage, t_h), self._series_at(self.cap_m, t_h)
        dist = point_segment_distance_m(x, np.atleast_1d(y_m), self.x1, self.y1, self.x2, self.y2)
        depth = np.minimum(v / self.length_m * np.exp(-dist / self.length_m), cap).max(axis=1)
        depth = np.where(depth >= self.min_depth_m, depth, 0.0)
        return depth.reshape(np.shape(x_m))


def _surge_series(cfg, context: HazardContext, times_h: np.ndarray) -> np.ndarray:
    """Surge at the reference gauge at ``times_h``: the hydrograph or the parametric surge."""
    if cfg.hydrograph is not None:
        th = np.array([context.hours(p.at_utc) for p in cfg.hydrograph])
        sm = np.array([p.surge_m for p in cfg.hydrograph])
        return np.interp(times_h, th, sm, left=0.0, right=0.0)
    typhoon = context.config.hazard.typhoon
    if typhoon is None:
        raise HazardDataError("hazard.storm_surge.from_typhoon needs a hazard.typhoon block")
    wind = build_typhoon(typhoon, context).wind
    p = cfg.from_typhoon
    gauge = context.city.to_xy(p.gauge.lon, p.gauge.lat)
    gx, gy = (np.atleast_1d(np.asarray(v, float)) for v in gauge)
    out = np.zeros(times_h.size)
    for i, t in enumerate(times_h):
        st = wind.storm_state(context.utc(float(t)))
        if st is None:
            continue
        r_km = max(float(np.hypot(gx[0] - st.x_m, gy[0] - st.y_m)) / 1e3, 1e-3)
        dp = st.dp_hpa * (1.0 - np.exp(-((st.rmax_km / r_km) ** st.holland_b)))
        u = float(wind.sustained_ms(context.utc(float(t)), gx, gy, over_water=np.array([True]))[0])
        out[i] = parametric_surge_m(dp, u, p.shelf_width_km, p.shelf_depth_m, p.onshore_fraction)
    return out


def build_storm_surge(cfg, context: HazardContext) -> StormSurge:
    """The storm surge of a ``hazard.storm_surge`` block
    (:class:`~sim.scenario.blocks.storm_surge.StormSurgeConfig`).

    Raises:
        HazardDataError: malformed defences or tide file, or a tide quantity missing
            (:mod:`sim.hazards.surge_data`); ``from_typhoon`` without a typhoon.
    """
    defences = read_defences(cfg.defences_file, list(context.city.districts["name_en"]))
    hw, rng = tide_parameters(cfg)
    if cfg.hydrograph is not None:
        t0 = context.hours(cfg.hydrograph[0].at_utc)
        t1 = context.hours(cfg.hydrograph[-1].at_utc)
    else:
        t0, t1 = 0.0, float(context.config.time.duration_h)
    t1 += 6.0 * cfg.recession_h  # the inland water drains after the last overflow
    times = t0 + np.arange(int(np.ceil((t1 - t0) / GRID_STEP_H)) + 1) * GRID_STEP_H
    surge = _surge_series(cfg, context, times)
    tide = tide_level_m(times, context.hours(cfg.tide.high_water_utc), hw, rng, cfg.tide.period_h)
    return StormSurge(
        defences,
        times,
        surge,
        tide,
        context,
        cfg.inundation_length_m,
        cfg.recession_h,
        cfg.min_depth_m,
    )


register_hazard("storm_surge", build_storm_surge, StormSurge.ims)
