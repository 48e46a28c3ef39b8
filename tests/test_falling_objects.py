"""Tests for sim.damage.falling_objects: wind fragility x pedestrian exposure -> casualties."""

from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.damage.falling_objects import (
    ACTIVITY_BY_HOUR,
    OBJECT_TYPES,
    FallingObjectHazard,
    pedestrian_density_per_m2,
)
from sim.damage.fragility import get_curve

CITY = load_city(Path(__file__).parents[1] / "scenarios/data/shanghai")


def test_counts_from_city_include_insulation_and_brackets():
    h = FallingObjectHazard.from_city(CITY)
    names = [t.name for t in OBJECT_TYPES]
    total = dict(zip(names, h.counts.sum(axis=0), strict=True))
    assert total["shop_signboard"] == 360_000
    assert total["advertising_structure"] == 29_000
    assert total["external_insulation_patch"] == 236 * 200
    assert total["air_conditioner_bracket"] == pytest.approx(
        CITY.districts["households"].sum(), abs=16
    )


def test_expected_falls_are_counts_times_fragility():
    h = FallingObjectHazard.from_city(CITY)
    g = np.full(CITY.n_districts, 31.0)
    f = h.expected_falls(g)
    p_sign = get_curve("shop_signboard").probability(np.array([31.0]))[0]
    assert f[:, 0].sum() == pytest.approx(360_000 * p_sign)
    assert np.all(h.expected_falls(np.zeros(CITY.n_districts)) == 0)


def test_stepwise_failures_depend_only_on_the_running_peak_gust():
    counts = np.array([[200_000, 0, 0, 0, 0]])
    p_peak = get_curve("shop_signboard").probability(np.array([45.0]))[0]
    totals = []
    for seed in range(30):
        h = FallingObjectHazard(counts, [0.0])
        rng = np.random.default_rng(seed)
        for g in (20.0, 35.0, 45.0, 30.0, 44.0):  # falls after the peak add nothing
            h.step(np.array([g]), rng, local_hour=3)
        totals.append(h.failed[0, 0])
    mu = 200_000 * p_peak
    assert np.mean(totals) == pytest.approx(mu, abs=4 * np.sqrt(mu / 30))
    assert h.max_gust_ms[0] == 45.0 and h.deaths[0] == 0  # zero pedestrian density


def test_warnings_and_night_reduce_exposure_and_casualties():
    h = FallingObjectHazard.from_city(CITY)
    falls = h.expected_falls(np.full(CITY.n_districts, 33.0))
    day = h.expected_casualties(falls, 18)[0].sum()
    assert h.expected_casualties(falls, 18, warning="red")[0].sum() < day
    assert h.expected_casualties(falls, 3)[0].sum() < day
    rho = pedestrian_density_per_m2(np.array([0.02]), 18.5)
    assert rho[0] == pytest.approx(0.02 * ACTIVITY_BY_HOUR[18])
    with pytest.raises(KeyError):
        pedestrian_density_per_m2(np.array([0.02]), 12, warning="purple")


def test_lekima_like_storm_gives_few_signboards_and_no_expected_death():
    # facts.md §2c: 4 falling signboards, no casualties, at land peak gusts ~22-31 m/s
    h = FallingObjectHazard.from_city(CITY)
    gust = np.linspace(22.0, 31.0, CITY.n_districts)
    falls = h.expected_falls(gust)
    assert 0.5 < falls[:, 0].sum() < 20
    deaths, _ = h.expected_casualties(falls, 14, warning="orange")
    assert deaths.sum() < 1.0
