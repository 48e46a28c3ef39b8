"""Typhoon forecasts with errors that grow with lead time.

At each issue (model hour ``t``) the forecaster takes the track seen up to ``t`` (the true
records at or before ``t``, unchanged) and the future track (records after ``t``) perturbed by
along-track, cross-track and intensity errors, and builds the model's own wind and rain fields
on that forecast track with :func:`sim.hazards.typhoon.typhoon_from_config` (the same function
the model builds its typhoon with). The forecast of the run is then
:class:`~sim.hazards.forecast.PerfectForecast` over the run's hazards with the typhoon replaced
by its forecast: a rainstorm or any other continuous hazard is forecast as itself (no
published basis for design-storm forecast errors was found; the no-error limit).

Error model (:class:`ForecastErrors`):

* Position. The published verification statistic is the mean great-circle distance error
  DPE(L) at lead L. Along- and cross-track errors are taken as independent zero-mean normals
  of equal standard deviation sigma(L) (assumption: isotropic; verifications usually find
  larger along-track errors), so the distance error is Rayleigh with mean
  sigma sqrt(pi/2): sigma(L) = DPE(L) / sqrt(pi/2).
* Intensity. The maximum sustained wind error is a zero-mean normal of standard deviation
  s(L) = MAE(L) sqrt(pi/2) (the mean absolute error of a normal is s sqrt(2/pi)). The central
  pressure follows through dp' = dp (V'/V)^2 (cyclostrophic balance, Holland 1980, as in the
  landfall inject, :mod:`sim.scenario.events`).
* sigma(L) and s(L) are linear in L between 0 (the analysis at issue time is taken as exact)
  and the published 24, 48 and 72 h values, and constant beyond 72 h.
* How the errors of successive issues relate (``evolution``):

  - ``martingale``: the martingale model of forecast evolution (Heath & Jackson
    1994, IIE Transactions 26(3): 17-30): each issue revises the previous
    forecast by an increment independent of everything before it, so the error of the
    forecast for a valid time T issued at t is the sum of the revisions still to come,
    e(t, T) = sum over hours j in [t, T) of w_j(T) eta_j, with one standard-normal triple
    eta_j per model hour (drawn in hour order from the run's ``forecast`` stream, shared by
    every issue and every valid time) and w_j(T)^2 = sigma^2(T - max(j, t)) -
    sigma^2(T - j - 1) (sigma(L) = 0 for L <= 0). The weights telescope, so every issue's
    marginal error is exactly the published sigma(L); the forecasts of one valid time issued
    h hours apart (at whole model hours, as the centre issues) correlate by
    sigma(L - h) / sigma(L) (forecasts that improve as the valid time nears, which
    decision models of an approaching storm anticipate: Regnier & Harr 2006, Weather and
    Forecasting 21: 764-780); the records of one forecast share the
    revisions of the hours before both, so a forecast track is displaced smoothly.
    Assumption: the official forecasts are efficient (revisions unpredictable), which the
    model needs and no verification of CMA forecasts was read to confirm. With independent
    issues a district that orders on any issue meeting its trigger orders on the largest of
    several independent errors; with martingale errors an over-forecast persists across
    issues instead (measured below: more people move).
  - ``ar1`` (default, what the shipped behaviour posterior was calibrated with): one
    standard-normal triple per issue scales the errors at every lead (fully correlated along
    one forecast); between issues the triple is AR(1) with coefficient ``autocorrelation``
    (0, the default: independent issues). Measured on the eight calibration storms (6
    replications each, the shipped posterior, ``run.py --shipped-only``;
    ``results/shipped_evolution_{ar1,martingale}.md``): martingale errors give Yagi 96,868
    (ar1 56,403; reported 10,660), Ampil 66,557 (192,915; 192,727) and a median error of
    0.78 (0.59): an over-forecast persists across issues. The default changes only with a
    posterior fitted on martingale forecasts.

Default errors (``CMA_*``): CMA's National Meteorological Centre (中央气象台) official
forecasts, 2015 verification of Chen G. M. et al. (2017, Meteorological Monthly 43(4),
2015年西北太平洋热带气旋预报精度评定): mean track errors 66.2, 119.5 and 176.3 km at 24, 48
and 72 h. Chen et al. (2021, Met. Mon. 47(10): 1266-1276, the 2019 verification, Lekima's
year) state that track errors within 72 h have not improved substantively since 2013, so the
2015 values stand for 2015-2020. Intensity: NMC mean absolute errors of the maximum wind 4.5,
6.0 and 6.6 m/s at 24, 48 and 72 h (2012 forecasts; Journal of Hohai University (Natural
Sciences) 2013, 41(6): 531-535, "2012年西北太平洋多台站台风预报误差比较分析"), inside the
range 4.11-4.63, 6.10-6.90 and 6.84-8.71 m/s of the four official Chinese methods (Chen, Yu
& Cao 2013, Met. Mon. 39(10): 1350-1358).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.hazards.base import HazardContext, HazardSet
from sim.hazards.builtin import TyphoonField
from sim.hazards.forecast import PerfectForecast
from sim.hazards.track import EARTH_RADIUS_M, Track, to_datetime64
from sim.hazards.typhoon import TyphoonHazard, typhoon_from_config

CMA_LEADS_H = (24.0, 48.0, 72.0)
CMA_TRACK_ERROR_KM = (66.2, 119.5, 176.3)
"""Mean track (distance) errors of NMC/CMA official forecasts at 24, 48, 72 h (Chen et al.
2017, 2015 verification; see the module docstring)."""
CMA_INTENSITY_ERROR_MS = (4.5, 6.0, 6.6)
"""Mean absolute maximum-wind errors of NMC/CMA forecasts at 24, 48, 72 h, m/s (2012
forecasts, J. Hohai Univ. 2013; see the module docstring)."""

RAYLEIGH_MEAN = float(np.sqrt(np.pi / 2.0))
"""Mean of a Rayleigh distance per unit component standard deviation; also the ratio of a
normal's standard deviation to its mean absolute value."""


@dataclass(frozen=True)
class ForecastErrors:
    """Published mean forecast errors by lead time, and a scale on them.

    Attributes:
        lead_h: lead times of the published errors, hours, increasing.
        track_km: mean distance errors at those leads, km.
        intensity_ms: mean absolute maximum-wind errors at those leads, m/s.
        scale: multiplier on every error (0: the perfect forecast; sensitivity).

    Raises:
        ValueError: lengths differ, leads not increasing and positive, or negative values.
    """

    lead_h: tuple[float, ...] = CMA_LEADS_H
    track_km: tuple[float, ...] = CMA_TRACK_ERROR_KM
    intensity_ms: tuple[float, ...] = CMA_INTENSITY_ERROR_MS
    scale: float = 1.0

    def __post_init__(self) -> None:
        n = len(self.lead_h)
        if not (n == len(self.track_km) == len(self.intensity_ms)) or n == 0:
            raise ValueError("lead_h, track_km and intensity_ms need the same, non-zero length")
        if np.any(np.diff(self.lead_h) <= 0) or self.lead_h[0] <= 0:
            raise ValueError(f"lead_h must be positive and increasing, got {self.lead_h}")
        if min(self.track_km) < 0 or min(self.intensity_ms) < 0 or self.scale < 0:
            raise ValueError("forecast errors and their scale must not be negative")

    def _at(self, values, lead_h) -> np.ndarray:
        return np.interp(lead_h, (0.0, *self.lead_h), (0.0, *values)) * self.scale

    def sigma_track_km(self, lead_h) -> np.ndarray:
        """Standard deviation of the along- and of the cross-track error, km."""
        return self._at(self.track_km, lead_h) / RAYLEIGH_MEAN

    def sigma_vmax_ms(self, lead_h) -> np.ndarray:
        """Standard deviation of the maximum-wind error, m/s."""
        return self._at(self.intensity_ms, lead_h) * RAYLEIGH_MEAN


def perturb_track(
    track: Track,
    issued_utc,
    z: np.ndarray,
    errors: ForecastErrors,
    ambient_pressure_hpa: float,
) -> Track:
    """The forecast track issued at ``issued_utc``: past records as they are, future records
    moved along and across the motion and re-intensified.

    Args:
        track: the true track.
        issued_utc: issue time (anything :func:`~sim.hazards.track.to_datetime64` takes).
        z: (3,) standard normals: along-track, cross-track (positive to the left of the
            motion), intensity, for every record; or (records, 3), one triple per record of
            ``track`` (each the record's error over its sigma at its lead; past rows unused).
        errors: the error model.
        ambient_pressure_hpa: environmental pressure of the wind model, hPa (dp = ambient -
            central pressure).

    Returns:
        A new :class:`Track` with the same record times (so its interpolation and translation
        velocities are the truth's when the errors are zero).
    """
    t0 = to_datetime64(issued_utc)
    lead_h = (track.time_utc - t0).astype("timedelta64[s]").astype(float) / 3600.0
    future = lead_h > 0
    z = np.broadcast_to(np.asarray(z, dtype=float), (len(lead_h), 3))[future]
    lat, lon = track.lat_deg.copy(), track.lon_deg.copy()
    vmax, pres = track.vmax_ms.copy(), track.pressure_hpa.copy()
    if np.any(future):
        u, v = track.translation_velocity_ms()
        speed = np.hypot(u, v)
        moving = speed > 1e-6
        ux = np.where(moving, u / np.where(moving, speed, 1.0), 0.0)  # motion unit vector;
        uy = np.where(moving, v / np.where(moving, speed, 1.0), 1.0)  # north if stationary
        sig_km = errors.sigma_track_km(lead_h[future])
        along, cross = z[:, 0] * sig_km * 1e3, z[:, 1] * sig_km * 1e3
        dx = along * ux[future] - cross * uy[future]  # left normal of (ux, uy) is (-uy, ux)
        dy = along * uy[future] + cross * ux[future]
        lat_f = lat[future]
        lat[future] = lat_f + np.degrees(dy / EARTH_RADIUS_M)
        lon[future] = lon[future] + np.degrees(dx / (EARTH_RADIUS_M * np.cos(np.radians(lat_f))))
        v_true = vmax[future]
        v_new = np.maximum(v_true + z[:, 2] * errors.sigma_vmax_ms(lead_h[future]), 0.0)
        dp = ambient_pressure_hpa - pres[future]
        ratio = np.divide(v_new, v_true, out=np.ones_like(v_true), where=v_true > 0)
        ratio = np.where(np.isfinite(v_true), ratio, 1.0)  # missing wind: pressure as is
        # records whose wind is unchanged keep their pressure bit for bit (zero errors)
        pres[future] = np.where(ratio == 1.0, pres[future], ambient_pressure_hpa - dp * ratio**2)
        vmax[future] = np.where(np.isfinite(v_true), v_new, v_true)
    return Track(track.time_utc, lat, lon, pres, vmax, name=f"{track.name}@forecast")


EVOLUTIONS = ("martingale", "ar1")
"""How the errors of successive issues relate (module docstring)."""


def revision_weights(sigma, issued_h: float, valid_h: np.ndarray, hours: np.ndarray):
    """Weights of the hourly revisions in the martingale error of one forecast.

    Args:
        sigma: lead (hours, array) -> error standard deviation, 0 at lead 0.
        issued_h: issue time, model hours.
        valid_h: (n,) valid times of the forecast records, model hours.
        hours: (J,) the model hours j whose revision eta_j may count (from floor(issued_h)).

    Returns:
        (n, J) w_j(T) with w_j(T)^2 = sigma^2(T - max(j, t)) - sigma^2(T - j - 1), lead
        clipped at 0: e(t, T) = w @ eta, and sum_j w_j(T)^2 = sigma^2(T - t) for T > t.
    """
    valid = np.asarray(valid_h, dtype=float)[:, None]
    j = np.asarray(hours, dtype=float)[None, :]
    near = sigma(np.maximum(valid - np.maximum(j, issued_h), 0.0))
    far = sigma(np.maximum(valid - j - 1.0, 0.0))
    return np.sqrt(np.clip(near**2 - far**2, 0.0, None))


class TyphoonForecaster:
    """Issues forecasts of a run's hazards: the typhoon seen with errors, the rest as they are.

    Args:
        errors: the error model.
        cfg: the scenario's ``hazard.typhoon`` block (settings of the forecast's wind and rain
            fields, as the model's own; :func:`typhoon_from_config`).
        context: the model's hazard context (clock, sample points).
        rng: the stream ``forecast``: martingale, one triple of normals per model hour, drawn
            in hour order as issues reach them; ar1, one triple per issue with a typhoon.
        autocorrelation: AR(1) coefficient of the error triple between issues, [0, 1)
            (``ar1`` only).
        horizon_h: longest lead of a forecast, hours.
        evolution: ``"martingale"`` or ``"ar1"`` (module docstring).

    Attributes:
        track: the forecast track of the latest issue (None without a typhoon).

    Raises:
        ValueError: ``autocorrelation`` outside [0, 1), or an unknown ``evolution``.
    """

    def __init__(
        self,
        errors: ForecastErrors,
        cfg,
        context: HazardContext,
        rng: np.random.Generator,
        autocorrelation: float = 0.0,
        horizon_h: float = 72.0,
        evolution: str = "ar1",
    ):
        if not 0.0 <= autocorrelation < 1.0:
            raise ValueError(f"autocorrelation must lie in [0, 1), got {autocorrelation}")
        if evolution not in EVOLUTIONS:
            raise ValueError(f"evolution must be one of {EVOLUTIONS}, got {evolution!r}")
        self.errors, self.cfg, self.context, self.rng = errors, cfg, context, rng
        self.rho = float(autocorrelation)
        self.horizon_h = float(horizon_h)
        self.evolution = evolution
        self.track: Track | None = None
        self._z: np.ndarray | None = None
        self._eta = np.zeros((0, 3))  # martingale: revisions of model hours 0, 1, ...

    def _draw(self) -> np.ndarray:
        """ar1: the issue's error triple."""
        eps = self.rng.standard_normal(3)
        if self._z is None or self.rho == 0.0:
            self._z = eps
        else:
            self._z = self.rho * self._z + np.sqrt(1.0 - self.rho**2) * eps
        return self._z

    def _revisions(self, first: int, stop: int) -> np.ndarray:
        """martingale: the revision triples of model hours first .. stop - 1, drawing the
        hours not drawn yet in hour order (so a forecast does not depend on which issues came
        before it)."""
        if stop > len(self._eta):
            fresh = self.rng.standard_normal((stop - len(self._eta), 3))
            self._eta = np.vstack([self._eta, fresh])
        return self._eta[first:stop]

    def martingale_z(self, track: Track, t_h: float) -> np.ndarray:
        """(records, 3) standardised errors (along, cross, intensity) of the forecast of
        ``track`` issued at model hour ``t_h`` (zeros for past records)."""
        t0 = to_datetime64(self.context.utc(t_h))
        lead = (track.time_utc - t0).astype("timedelta64[s]").astype(float) / 3600.0
        z = np.zeros((len(lead), 3))
        ahead = lead > 0
        if not np.any(ahead):
            return z
        valid = t_h + lead[ahead]
        first = int(np.floor(t_h))
        hours = np.arange(first, int(np.ceil(valid.max())))
        eta = self._revisions(first, int(hours[-1]) + 1)
        for sigma, cols in (
            (self.errors.sigma_track_km, [0, 1]),
            (self.errors.sigma_vmax_ms, [2]),
        ):
            w = revision_weights(sigma, t_h, valid, hours)
            total = sigma(lead[ahead])[:, None]
            e = w @ eta[:, cols]
            z[np.flatnonzero(ahead)[:, None], cols] = np.divide(
                e, total, out=np.zeros_like(e), where=total > 0
            )
        return z

    def issue(self, hazards: HazardSet, t_h: float) -> PerfectForecast:
        """The forecast issued at model hour ``t_h`` from the hazards in force now."""
        typhoon = hazards.get("typhoon")
        self.track = None
        if typhoon is None or not isinstance(typhoon.wind, TyphoonHazard):
            return PerfectForecast(hazards, t_h, self.horizon_h)
        truth = typhoon.wind
        z = self.martingale_z(truth.track, t_h) if self.evolution == "martingale" else self._draw()
        track = perturb_track(
            truth.track, self.context.utc(t_h), z, self.errors, truth.ambient_pressure_hpa
        )
        wind = typhoon_from_config(
            track, self.cfg, truth.crs, rain_multiplier=truth.rain_multiplier
        )
        seen = TyphoonField(wind, self.context)  # no rain cells: not foreseeable
        self.track = track
        forecast = HazardSet([seen if h is typhoon else h for h in hazards])
        return PerfectForecast(forecast, t_h, self.horizon_h)
