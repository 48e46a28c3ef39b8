"""Tests for sim.hazards.rainstorm: design storms, arrivals, drainage capacity, waterlogging."""

from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.hazards.design_storm import intensity_mm_per_h
from sim.hazards.rainstorm import (
    RainstormEvent,
    RainstormHazard,
    district_waterlogging,
    drainage_capacity_mm_per_h,
    pump_functional_fraction,
    sample_rainstorms,
    simulate_waterlogging,
)

CITY = load_city(Path(__file__).parents[1] / "scenarios/data/shanghai")
IDF = CITY.profile.rainfall_idf
X = CITY.districts["centroid_x_m"].to_numpy()
Y = CITY.districts["centroid_y_m"].to_numpy()


def test_design_capacity_reproduces_legacy_standards():
    # facts.md §4: 1-yr ~ 36 mm/h, key areas 3-yr ~ 50-56 mm/h (60-min IDF intensities)
    assert float(drainage_capacity_mm_per_h(1.0, 1.0, IDF)) == pytest.approx(36.4, abs=0.1)
    assert 50.0 < float(drainage_capacity_mm_per_h(3.0, 1.0, IDF)) < 56.0
    assert float(drainage_capacity_mm_per_h(1.0, 0.5, IDF)) == pytest.approx(18.22, abs=0.05)


def test_storm_centre_depth_equals_idf_depth_and_footprint_decays():
    ev = RainstormEvent(10.0, 120.0, start_h=5.0, centre_x_m=X[0], centre_y_m=Y[0])
    h = RainstormHazard(ev, IDF)
    idf_depth = float(intensity_mm_per_h(10.0, 120.0, IDF)) * 2.0
    assert float(h.depth_mm(X[0], Y[0])) == pytest.approx(idf_depth, rel=1e-9)
    # Gaussian footprint: exp(-1/2) at one radius (15 km)
    assert float(h.spatial_factor(X[0] + 15_000, Y[0])) == pytest.approx(np.exp(-0.5))
    assert h.rain_mm_per_h(4.9, X, Y).max() == 0 and h.rain_mm_per_h(7.01, X, Y).max() == 0
    peak_t = 5.0 + 0.367 * 2.0  # Chicago peak at r x duration
    assert h.centre_intensity_mm_per_h(peak_t) == h.hyetograph_mm_per_h.max()
    uni = RainstormHazard(RainstormEvent(10.0, 120.0, footprint_radius_km=None), IDF)
    np.testing.assert_allclose(uni.depth_mm(X, Y), idf_depth)


def test_waterlogging_conserves_mass_and_grows_with_return_period_and_pump_loss():
    depths = []
    for rp in (1.0, 10.0, 100.0):
        h = RainstormHazard(RainstormEvent(rp, 120.0, centre_x_m=X[0], centre_y_m=Y[0]), IDF)
        w = district_waterlogging(CITY)
        out = simulate_waterlogging(h, w, X, Y, 6.0)
        np.testing.assert_allclose(w.mass_balance_error_mm(), 0.0, atol=1e-9)
        depths.append(out["underpass_depth_m"].max(axis=0))
        assert out["road_depth_m"].shape == (72, 16)
    assert np.all(depths[0] <= depths[1]) and np.all(depths[1] <= depths[2])
    assert depths[0][0] < depths[1][0] < depths[2][0]  # storm-centre district
    h = RainstormHazard(RainstormEvent(10.0, 120.0, centre_x_m=X[0], centre_y_m=Y[0]), IDF)
    w = district_waterlogging(CITY)
    dark = simulate_waterlogging(
        h, w, X, Y, 6.0, pump_fraction=pump_functional_fraction(np.zeros(16))
    )
    assert np.all(dark["underpass_depth_m"].max(axis=0) >= depths[1] - 1e-12)
    assert dark["underpass_depth_m"].max() > depths[1].max()


def test_pump_fraction_with_backup_power():
    np.testing.assert_allclose(pump_functional_fraction([1.0, 0.0, 0.5], 0.3), [1.0, 0.3, 0.65])


def test_storm_arrivals_follow_the_partial_duration_series():
    df = sample_rainstorms(2000, np.random.default_rng(0), min_return_period_yr=0.5)
    # Poisson count with mean 2000 / 0.5 = 4000
    assert len(df) == pytest.approx(4000, abs=4 * np.sqrt(4000))
    # P(T > t) = 0.5 / t: 10 % of storms above 5 yr, 1 % above 50 yr
    assert np.mean(df.return_period_yr > 5.0) == pytest.approx(0.1, abs=0.02)
    assert np.mean(df.return_period_yr > 50.0) == pytest.approx(0.01, abs=0.006)
    day = (df.time_yr % 1) * 365
    assert day.min() >= 152 and day.max() <= 274
    assert np.all(np.diff(df.time_yr) >= 0)
