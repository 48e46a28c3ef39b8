"""Typhoon forecasts with errors (sim.hazards.typhoon_forecast): the zero-error limit is the
perfect forecast; the error spread matches the published CMA means; successive issues evolve
as a martingale (exact variances and covariances of the revision weights)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.hazards.forecast import PerfectForecast
from sim.hazards.track import EARTH_RADIUS_M, Track
from sim.hazards.typhoon_forecast import (
    CMA_INTENSITY_ERROR_MS,
    CMA_LEADS_H,
    CMA_TRACK_ERROR_KM,
    ForecastErrors,
    TyphoonForecaster,
    perturb_track,
    revision_weights,
)
from sim.models.emergency import CityModel
from sim.scenario import load_scenario

LEKIMA = "scenarios/shanghai/lekima-2019.yaml"


def _straight_track() -> Track:
    """A storm moving north-west at ~20 km/h from 20N 125E, 6-hourly for 4 days."""
    hours = np.arange(0, 97, 6.0)
    t0 = np.datetime64("2030-08-01T00:00:00", "s")
    times = t0 + (hours * 3600).astype("timedelta64[s]")
    flat = np.ones_like(hours)
    return Track(times, 20.0 + 0.08 * hours / 6, 125.0 - 0.09 * hours / 6, 950 * flat, 40 * flat)


def _distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle (haversine) distance, km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a)) / 1e3


@pytest.fixture(scope="module")
def lekima_model():
    """Lekima (its rain gradient and Rmax scale included) with the errors scaled to zero."""
    scen = load_scenario(LEKIMA, ["warnings.typhoon_errors.scale=0"])
    return CityModel(scen)


def test_zero_error_forecast_is_the_perfect_forecast(lekima_model):
    m = lekima_model
    x, y = m.exposure.sample_xy
    for t in (0.0, 18.0, 36.0, 54.0):
        fc = m.forecaster.issue(m.hazards, t)
        pf = PerfectForecast(m.hazards, t)
        for im in ("gust_ms", "sustained_ms", "rain_mm_per_h"):
            for lead in (6.0, 24.0, 72.0):
                assert np.array_equal(fc.peak(im, x, y, lead), pf.peak(im, x, y, lead))
                assert np.array_equal(fc.total(im, x, y, lead), pf.total(im, x, y, lead))
        assert fc.peak("gust_ms", x, y, 72).max() > 20  # the storm is in the window
        assert m.forecaster.track is not m.hazard.track  # a forecast track, not the truth


def test_forecast_errors_move_the_future_only(lekima_model):
    m = lekima_model
    truth = m.hazard.track
    errors = ForecastErrors()
    issued = np.datetime64("2019-08-09T00:00:00", "s")
    track = perturb_track(truth, issued, np.array([1.0, -1.0, 1.0]), errors, 1010.0)
    past = truth.time_utc <= issued
    assert np.array_equal(track.lat_deg[past], truth.lat_deg[past])
    assert np.array_equal(track.pressure_hpa[past], truth.pressure_hpa[past])
    assert np.all(track.lat_deg[~past] != truth.lat_deg[~past])
    # a stronger forecast storm has a deeper centre (dp ~ V^2)
    assert np.all(track.vmax_ms[~past] > truth.vmax_ms[~past])
    assert np.all(track.pressure_hpa[~past] < truth.pressure_hpa[~past])


def test_error_spread_matches_the_published_cma_means():
    """Over many issues, the mean distance error at 24/48/72 h is CMA's 66.2/119.5/176.3 km and
    the mean absolute wind error 4.5/6.0/6.6 m/s (sampling error < 1%: tolerance 4%)."""
    track = _straight_track()
    errors = ForecastErrors()
    rng = np.random.default_rng(12)
    issued = track.time_utc[0]
    n = 4000
    leads = [int(np.flatnonzero((track.time_utc - issued) == np.timedelta64(h * 3600, "s"))[0])
             for h in (24, 48, 72)]  # fmt: skip
    dist = np.zeros((n, 3))
    dwind = np.zeros((n, 3))
    dlat = np.zeros((n, 3))
    for i in range(n):
        fc = perturb_track(track, issued, rng.standard_normal(3), errors, 1010.0)
        dist[i] = _distance_km(track.lat_deg[leads], track.lon_deg[leads],
                               fc.lat_deg[leads], fc.lon_deg[leads])  # fmt: skip
        dwind[i] = fc.vmax_ms[leads] - track.vmax_ms[leads]
        dlat[i] = fc.lat_deg[leads] - track.lat_deg[leads]
    assert np.allclose(dist.mean(axis=0), CMA_TRACK_ERROR_KM, rtol=0.04)
    assert np.allclose(np.abs(dwind).mean(axis=0), CMA_INTENSITY_ERROR_MS, rtol=0.04)
    assert np.allclose(dwind.mean(axis=0), 0.0, atol=0.3)  # unbiased
    assert np.allclose(dlat.mean(axis=0), 0.0, atol=0.05)  # degrees: no systematic drift
    # errors grow with lead time and vanish at the issue
    assert np.all(np.diff(dist.mean(axis=0)) > 0)
    assert errors.sigma_track_km(0.0) == 0.0
    assert CMA_LEADS_H == (24.0, 48.0, 72.0)


def test_errors_between_issues_are_ar1_with_the_published_marginals(lekima_model):
    """AR(1) between issues keeps each issue's marginal N(0, 1) and correlates successive
    issues by the coefficient; 0 gives independent issues."""
    m = lekima_model
    for rho in (0.0, 0.8):
        fcst = TyphoonForecaster(
            ForecastErrors(), m.forecaster.cfg, m._hazard_context,
            np.random.default_rng(5), autocorrelation=rho, evolution="ar1",
        )  # fmt: skip
        z = np.array([fcst._draw() for _ in range(20000)])
        assert np.allclose(z.std(axis=0), 1.0, atol=0.03)
        lag1 = np.mean([np.corrcoef(z[:-1, k], z[1:, k])[0, 1] for k in range(3)])
        assert lag1 == pytest.approx(rho, abs=0.03)
    with pytest.raises(ValueError, match="autocorrelation"):
        TyphoonForecaster(ForecastErrors(), None, None, None, autocorrelation=1.0)


def test_bad_error_tables_are_refused():
    with pytest.raises(ValueError, match="same"):
        ForecastErrors(lead_h=(24.0, 48.0), track_km=(1.0,), intensity_ms=(1.0, 2.0))
    with pytest.raises(ValueError, match="increasing"):
        ForecastErrors(lead_h=(48.0, 24.0), track_km=(1.0, 2.0), intensity_ms=(1.0, 2.0))


@pytest.mark.parametrize("sigma", [ForecastErrors().sigma_track_km, ForecastErrors().sigma_vmax_ms])
def test_martingale_weights_give_the_published_variance_and_converging_issues(sigma):
    """sum_j w_j(T)^2 = sigma^2(T - t) for any issue t (the published marginal), and two
    issues t < t' share exactly sigma^2(T - t') of it (each issue revises the last by an
    independent increment: corr = sigma(T - t') / sigma(T - t)); the covariance is exact for
    issues at whole model hours (the centre's)."""
    valid = np.array([3.0, 17.5, 24.0, 47.0, 90.0])  # model hours
    hours = np.arange(0, 100)
    for t in (0.0, 2.5, 6.0):
        w = revision_weights(sigma, t, valid, hours)
        ahead = valid > t
        assert np.allclose((w**2).sum(axis=1)[ahead], sigma(valid[ahead] - t) ** 2, rtol=1e-12)
        assert np.all(w[:, hours < np.floor(t)] == 0)  # revisions before the issue: none
        assert np.all(w[hours[None, :] >= valid[:, None]] == 0)  # nor after the valid time
        if t != int(t):
            continue  # issues inside an hour share that hour's revision only in part
        later = revision_weights(sigma, t + 6.0, valid, hours)
        both = valid > t + 6.0
        shared = (w * later).sum(axis=1)[both]
        assert np.allclose(shared, sigma(valid[both] - t - 6.0) ** 2, rtol=1e-12)


def test_martingale_forecast_does_not_depend_on_the_issues_before_it(lekima_model):
    """The revisions are drawn per model hour, so the forecast issued at 12 h is the same
    whether or not the centre issued at 0 and 6 h; with errors, it differs from the truth."""
    m = lekima_model

    def forecaster():
        return TyphoonForecaster(
            ForecastErrors(), m.forecaster.cfg, m._hazard_context, np.random.default_rng(3),
            evolution="martingale",
        )  # fmt: skip

    a, b = forecaster(), forecaster()
    for t in (0.0, 6.0, 12.0):
        a.issue(m.hazards, t)
    b.issue(m.hazards, 12.0)
    assert np.array_equal(a.track.lat_deg, b.track.lat_deg)
    assert np.array_equal(a.track.vmax_ms, b.track.vmax_ms)
    assert not np.array_equal(a.track.lat_deg, m.hazard.track.lat_deg)
    with pytest.raises(ValueError, match="evolution"):
        TyphoonForecaster(ForecastErrors(), None, None, None, evolution="random")


def test_spreads_and_autocorrelation_are_refused_where_they_cannot_hold():
    """A reported spread must hold its own value (else the table shows one range and "inside"
    is judged against another); autocorrelation means nothing to martingale errors."""
    from pydantic import ValidationError

    from sim.scenario.schema import ObservedOutcome, TyphoonForecastErrorsConfig

    ObservedOutcome(value=253000, low=149000, high=259000, source="two counts")
    for low, high in ((5000, 12000), (12000, 5000)):
        with pytest.raises(ValidationError, match="low <= value <= high"):
            ObservedOutcome(value=20000, low=low, high=high, source="x")
    TyphoonForecastErrorsConfig(evolution="martingale")
    with pytest.raises(ValidationError, match="ar1 only"):
        TyphoonForecastErrorsConfig(evolution="martingale", autocorrelation=0.5)
