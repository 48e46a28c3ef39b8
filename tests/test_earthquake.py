"""Tests for sim.hazards.earthquake (BA08 PGA) and sim.damage.earthquake (HAZUS fragility and
casualties)."""

from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.damage.earthquake import (
    URM_CASUALTY_RATES,
    damage_state_probabilities,
    expected_impact,
    old_housing_stocks,
    sample_impact,
)
from sim.hazards.earthquake import ScenarioEarthquake, ba08_ln_pga

CITY = load_city(Path(__file__).parents[1] / "scenarios/data/shanghai")


def test_ba08_rock_value_by_hand():
    # M 6, Rjb 10 km, Vs30 760 (site term 0), unspecified mechanism:
    # F_M = e1 + e5 (6 - 6.75) + e6 (6 - 6.75)^2 = -0.53804 - 0.2160375 - 0.05717250 = -0.81125
    # R = sqrt(100 + 1.35^2) = 10.0907; F_D = (-0.6605 + 0.1197*1.5) ln R + (-0.01151)(R - 1)
    #   = -0.48095 * 2.311616 - 0.104614 = -1.216406; ln PGA = -2.027656 -> PGA = 0.13164 g
    assert float(ba08_ln_pga(6.0, 10.0, 760.0)) == pytest.approx(-2.027656, abs=2e-6)


def test_ba08_scaling_with_distance_magnitude_and_soft_soil():
    r = np.array([1.0, 10.0, 50.0, 150.0])
    ln = ba08_ln_pga(6.5, r, 760.0)
    assert np.all(np.diff(ln) < 0)
    assert float(ba08_ln_pga(7.0, 20.0, 760.0)) > float(ba08_ln_pga(6.0, 20.0, 760.0))
    # weak motion is amplified on soft soil (linear + low-strain nonlinear term > 0)
    assert float(ba08_ln_pga(5.5, 100.0, 200.0)) > float(ba08_ln_pga(5.5, 100.0, 760.0))
    with pytest.raises(KeyError):
        ba08_ln_pga(6.0, 10.0, 760.0, mechanism="oblique")


def test_damage_state_probabilities_sum_to_one_and_thin_slab_is_most_fragile():
    pga = np.array([0.05, 0.1, 0.2, 0.4, 1.0])
    for prefix in ("eq_urm_precode_midrise", "eq_small_beam_thin_slab", "eq_urm_precode_lowrise"):
        p = damage_state_probabilities(pga, prefix)
        np.testing.assert_allclose(p.sum(axis=-1), 1.0)
        assert p.min() >= 0
    sb = damage_state_probabilities(pga, "eq_small_beam_thin_slab")
    urm = damage_state_probabilities(pga, "eq_urm_precode_midrise")
    assert np.all(sb[:, 4] > urm[:, 4]) and np.all(sb[:, 0] < urm[:, 0])
    # at the HAZUS URMMP complete median 0.38 g half the stock is complete
    assert damage_state_probabilities(0.38, "eq_urm_precode_midrise")[4] == pytest.approx(0.5)


def test_hazus_urm_complete_rates_decompose_into_collapse_and_no_collapse():
    # 0.85 x (10, 2, 0.02, 0.02) % + 0.15 x (40, 20, 5, 10) % = (14.5, 4.7, 0.767, 1.517) %
    np.testing.assert_allclose(URM_CASUALTY_RATES[3], [0.145, 0.047, 0.00767, 0.01517])


def test_total_collapse_limit_gives_hazus_death_rate_times_occupants():
    stocks = old_housing_stocks(CITY)
    e = expected_impact(np.full(CITY.n_districts, 50.0), stocks, local_hour=2)
    residents = sum(s.residents.sum() for s in stocks)
    assert e["casualties"][:, 3].sum() == pytest.approx(residents * 0.95 * 0.01517, rel=1e-3)
    area = e["area_by_ds_m2"].sum(axis=(0, 1))
    assert area.sum() == pytest.approx(CITY.exposure["old_housing_m2"].sum())


def test_sampled_impact_matches_expectation_and_day_is_lower_than_night():
    stocks = old_housing_stocks(CITY)
    quake = ScenarioEarthquake(
        6.0, CITY.districts["centroid_x_m"][0], CITY.districts["centroid_y_m"][0]
    )
    vs30 = CITY.profile.site.vs30_ms  # soft soil (city.yaml)
    pga = quake.pga_g(CITY.districts["centroid_x_m"], CITY.districts["centroid_y_m"], vs30)
    assert pga.argmax() == 0
    e = expected_impact(pga, stocks, 2)["casualties"].sum(axis=0)
    rng = np.random.default_rng(0)
    s = np.mean(
        [sample_impact(pga, stocks, 2, rng)["casualties"].sum(axis=0) for _ in range(20)], 0
    )
    np.testing.assert_allclose(s, e, rtol=0.05)
    assert expected_impact(pga, stocks, 14)["casualties"].sum() < e.sum()


def test_random_pga_has_ba08_dispersion():
    quake = ScenarioEarthquake(6.0, 0.0, 0.0)
    rng = np.random.default_rng(1)
    ln = np.log([quake.pga_g(np.array([1e4]), np.array([0.0]), 760.0, rng)[0] for _ in range(4000)])
    assert ln.std() == pytest.approx(np.hypot(0.260, 0.502), rel=0.05)
    assert ln.mean() == pytest.approx(float(ba08_ln_pga(6.0, 10.0, 760.0)), abs=0.05)
