"""Tests for sim.risk.pipeline: Shamir-Howard breaks -> cavities -> road collapses."""

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from sim.city import load_city
from sim.risk.pipeline import (
    EVENT_KINDS,
    PipelineAgeingModel,
    PipelineParams,
    calibrate_p_cavity,
    city_pipeline_model,
    generate_pipe_network,
    shamir_howard_expected_breaks,
    shamir_howard_rate,
)

CITY = load_city(Path(__file__).parents[1] / "scenarios/data/shanghai")


def test_shamir_howard_closed_form_equals_integral_of_rate():
    # N(t) = N0 e^{A t}: integral over [a0, a0+T] = N0 e^{A a0}(e^{AT}-1)/A
    for a0, t, n0, a in [(0.0, 18.0, 0.05, 0.04), (37.5, 3.0, 0.02, 0.1), (10.0, 5.0, 0.03, 0.0)]:
        num = quad(lambda s, n0=n0, a=a: float(shamir_howard_rate(s, n0, a)), a0, a0 + t)[0]
        assert float(shamir_howard_expected_breaks(a0, t, n0, a)) == pytest.approx(num, rel=1e-9)
    # hand value: 0.05 e^{0.04*50} = 0.05 e^2 = 0.369453 breaks / km yr
    assert float(shamir_howard_rate(50.0, 0.05, 0.04)) == pytest.approx(0.3694528, rel=1e-6)
    assert float(shamir_howard_rate(-1.0, 0.05, 0.04)) == 0.0  # not yet laid


def test_generated_network_conserves_km_and_respects_material_eras():
    km = CITY.exposure["underground_pipeline_km"].to_numpy(float)
    nw = generate_pipe_network(km, CITY.districts["area_km2"], np.random.default_rng(0))
    np.testing.assert_allclose(nw.km_by_district(), km)
    for k, m in enumerate(nw.materials):
        yrs = nw.install_year[nw.material == k]
        assert yrs.min() >= m.first_year and yrs.max() <= m.last_year
        assert np.mean(nw.material == k) == pytest.approx(m.share, abs=0.01)
    assert np.mean(nw.heavy_traffic) == pytest.approx(0.3, abs=0.01)
    # network grows: less pipe in service in 2003 than in 2020
    assert nw.km_by_district(2003).sum() < nw.km_by_district(2020).sum()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_expected_collapses_2003_2020_match_the_95_record(seed):
    # calibration: expected road collapses 2003-2020 = 95 (briefing, domain.md §1); band +-10 %
    model = city_pipeline_model(CITY, np.random.default_rng(seed))
    exp = model.expected_counts(2003, 18)
    assert 85.5 <= exp["collapses"] <= 104.5
    assert exp["collapses_by_district"].sum() == pytest.approx(exp["collapses"])
    assert calibrate_p_cavity(model, 95.0, 2003, 18) == pytest.approx(
        model.params.p_cavity_per_burst, rel=0.02
    )


def test_simulated_counts_agree_with_expectations():
    base = city_pipeline_model(CITY, np.random.default_rng(3), segment_length_km=2.0)
    model = PipelineAgeingModel(
        base.network, base.construction_sites, PipelineParams(p_cavity_per_burst=0.02)
    )
    exp = model.expected_counts(2003, 18)
    rng = np.random.default_rng(4)
    runs = [model.run(2003, 18, rng) for _ in range(4)]
    bursts = np.mean([r.count("burst") for r in runs])
    coll = np.mean([r.count("road_collapse") for r in runs])
    # means of 4 Poisson-like totals: 4-sigma bands sqrt(mu/4) x 4
    assert abs(bursts - exp["bursts"]) < 4 * 2 * np.sqrt(exp["bursts"] / 4)
    assert abs(coll - exp["collapses"]) < 4 * 2 * np.sqrt(exp["collapses"] / 4)


def test_events_are_sorted_and_form_a_consistent_chain():
    model = city_pipeline_model(CITY, np.random.default_rng(5), segment_length_km=2.0)
    ev = model.run(2003, 18, np.random.default_rng(6))
    assert np.all(np.diff(ev.time_yr) >= 0)
    assert ev.time_yr.min() >= 2003 and ev.time_yr.max() < 2021
    assert set(np.unique(ev.kind)) <= set(range(len(EVENT_KINDS)))
    # every collapse or detection follows a cavity; cavities <= bursts
    assert ev.count("road_collapse") + ev.count("cavity_detected") <= ev.count("cavity")
    assert ev.count("cavity") <= ev.count("burst")
    assert ev.latent_cavities_by_year.shape == (18, 16) and ev.latent_cavities_by_year.min() >= 0
    assert ev.count_by_year("burst", 2003, 18).sum() == ev.count("burst")
    assert list(ev.to_frame().columns) == ["time_yr", "kind", "district", "segment"]


def test_screening_and_construction_change_risk_in_the_expected_direction():
    base = city_pipeline_model(CITY, np.random.default_rng(7), segment_length_km=2.0)

    def expected(**kw):
        m = PipelineAgeingModel(base.network, base.construction_sites, PipelineParams(**kw))
        return m.expected_counts(2003, 18)

    ref = expected()
    assert expected(screening_coverage_per_yr=1.0)["collapses"] < ref["collapses"]
    assert expected(screening_coverage_per_yr=0.0)["collapses"] > ref["collapses"]
    assert expected(construction_multiplier=6.0)["bursts"] > ref["bursts"]
    # competing risks: with no screening every cavity collapses if the horizon is long enough
    m = PipelineAgeingModel(
        base.network, base.construction_sites, PipelineParams(screening_coverage_per_yr=0.0)
    )
    e = m.expected_counts(2003, 18)
    assert e["collapses"] < e["cavities"]


def test_invalid_parameters_raise():
    with pytest.raises(ValueError):
        PipelineParams(p_cavity_per_burst=1.5)
    with pytest.raises(ValueError):
        generate_pipe_network([10.0], [1.0], np.random.default_rng(0), segment_length_km=0)
