"""Tests for sim.risk.construction: Poisson accidents per worker-hour, safety management."""

from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.risk.construction import (
    ACCIDENTS_PER_WORKER_HOUR,
    EXTRA_DEATHS_MEAN,
    SAFETY_MULTIPLIERS,
    SAFETY_SHARES,
    ConstructionAccidentModel,
    ConstructionSites,
    generate_sites,
)

CITY = load_city(Path(__file__).parents[1] / "scenarios/data/shanghai")
THREE_YEARS_H = 3 * 2500.0


def _shanghai(seed=0):
    sites = generate_sites(
        CITY.exposure["construction_sites"],
        CITY.exposure["construction_workers_persons"],
        np.random.default_rng(seed),
    )
    return ConstructionAccidentModel(sites)


def test_calibration_constants_reproduce_the_record():
    # 69 accidents / (600,000 workers x 2,500 h x 3 yr) = 1.5333e-8 per worker-hour
    assert ACCIDENTS_PER_WORKER_HOUR == pytest.approx(1.5333333e-8, rel=1e-6)
    assert 1 + EXTRA_DEATHS_MEAN == pytest.approx(89 / 69)
    # worker-weighted mean safety multiplier is 1, so management grades keep the calibration
    assert np.dot(SAFETY_SHARES, SAFETY_MULTIPLIERS) == pytest.approx(1.0)
    model = _shanghai()
    assert model.sites.workers.sum() == 600_000 and model.sites.n_sites == 4628
    assert model.expected_accidents(THREE_YEARS_H) == pytest.approx(69, rel=0.05)
    assert model.expected_deaths(THREE_YEARS_H) == pytest.approx(89, rel=0.05)


def test_simulated_accidents_are_poisson_and_deaths_average_89_per_69():
    model = _shanghai(1)
    rng = np.random.default_rng(2)
    counts, deaths = [], []
    for _ in range(300):
        ev = model.simulate(THREE_YEARS_H, rng)
        counts.append(len(ev))
        deaths.append(ev.deaths.sum())
        assert np.all(ev.deaths >= 1) and np.all(np.diff(ev.time_h) >= 0)
    mu = model.expected_accidents(THREE_YEARS_H)
    assert np.mean(counts) == pytest.approx(mu, abs=4 * np.sqrt(mu / 300))
    assert np.var(counts) / np.mean(counts) == pytest.approx(1.0, abs=0.25)  # Poisson dispersion
    assert np.sum(deaths) / np.sum(counts) == pytest.approx(89 / 69, abs=0.03)


def test_safety_grade_and_halts_scale_rates():
    sites = ConstructionSites(np.zeros(3, int), np.array([100, 100, 100]), np.array([0, 1, 2]))
    model = ConstructionAccidentModel(sites)
    r = model.site_rate_per_h()
    assert r[1] == pytest.approx(ACCIDENTS_PER_WORKER_HOUR * 100)
    assert r[0] / r[1] == pytest.approx(0.5) and r[2] / r[1] == pytest.approx(7 / 3)
    ev = model.simulate(1e9, np.random.default_rng(3), halted=np.array([True, True, True]))
    assert len(ev) == 0
    assert model.expected_accidents(1000, safety_improvement=0.5) == pytest.approx(
        0.5 * model.expected_accidents(1000)
    )


def test_workers_are_split_exactly_over_sites():
    sites = generate_sites([3, 0, 2], [10, 0, 7], np.random.default_rng(4))
    np.testing.assert_array_equal(sites.district, [0, 0, 0, 2, 2])
    np.testing.assert_array_equal(sites.workers, [4, 3, 3, 4, 3])
