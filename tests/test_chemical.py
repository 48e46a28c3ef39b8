"""Tests for sim.hazards.chemical: Swiss-cheese accident probability and exposure radii."""

from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.hazards.chemical import (
    HAZMAT_CLASSES,
    HazmatAccidentModel,
    accident_probability,
    exposed_persons,
    hazmat_sources,
)

CITY = load_city(Path(__file__).parents[1] / "scenarios/data/shanghai")


def test_swiss_cheese_probability_limits_and_monotonicity():
    f = np.array([0.2])
    # full compliance: 1 - exp(-0.2 x 0.3^5) = 4.8588e-4; none: 1 - exp(-0.2) = 0.181269
    assert accident_probability(f, [[1.0] * 5])[0] == pytest.approx(4.8588e-4, rel=1e-4)
    assert accident_probability(f, [[0.0] * 5])[0] == pytest.approx(0.1812692, rel=1e-6)
    c = np.linspace(0, 1, 11)
    p = accident_probability(np.full(11, 0.2), np.repeat(c[:, None], 5, axis=1))
    assert np.all(np.diff(p) < 0)
    # one failed layer multiplies the miss probability by 1 / (1 - e c) = 1 / 0.44 at c = 0.8
    one_gone = accident_probability(f, [[0.0, 0.8, 0.8, 0.8, 0.8]])[0]
    base = accident_probability(f, [[0.8] * 5])[0]
    assert -np.log1p(-one_gone) / -np.log1p(-base) == pytest.approx(1 / 0.44)
    with pytest.raises(ValueError):
        accident_probability(f, [[1.2] * 5])


def test_briefing_source_counts_and_iaea_cordon_radii():
    s = hazmat_sources(CITY)
    assert (~s.is_radioactive).sum() == 15 and s.is_radioactive.sum() == 78
    assert [HAZMAT_CLASSES[k].isolation_radius_m for k in
            ("radioactive_damaged", "radioactive_spill", "radioactive_fire", "radioactive_rdd")
            ] == [30.0, 100.0, 300.0, 400.0]  # fmt: skip
    assert HAZMAT_CLASSES["toxic_gas"].isolation_radius_m == 100.0


def test_exposed_persons_are_zone_area_times_density():
    iso, prot = exposed_persons(HAZMAT_CLASSES["toxic_gas"], 10_000.0)
    assert iso == pytest.approx(np.pi * 0.1**2 * 10_000)  # 314.16 persons
    assert prot == pytest.approx((1.0 - np.pi * 0.01 / 2) * 10_000)
    iso, prot = exposed_persons(HAZMAT_CLASSES["radioactive_damaged"], 10_000.0)
    assert prot == 0.0 and iso == pytest.approx(np.pi * 0.03**2 * 10_000)


def test_sampled_accident_frequency_matches_probability_and_no_radiation_deaths():
    dens = CITY.districts["population"] / CITY.districts["area_km2"]
    model = HazmatAccidentModel(hazmat_sources(CITY, compliance=0.3), dens.to_numpy())
    p = model.annual_probability()
    rng = np.random.default_rng(0)
    years = [model.sample_year(rng) for _ in range(400)]
    n = sum(len(y) for y in years)
    assert n / 400 == pytest.approx(p.sum(), abs=4 * np.sqrt(p.sum() / 400))
    rad = [y[y.hazmat_class.str.startswith("radioactive")] for y in years]
    assert sum(r.deaths.sum() for r in rad) == 0
    assert all(list(y.columns)[:3] == ["t_yr", "source", "district"] for y in years)
