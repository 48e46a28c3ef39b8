"""Governance behaviour rules and the Swiss-cheese accident pathway (pure functions):
each rule pinned by a hand-computed value or an invariant."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.agents.governance import behaviour as rules
from sim.agents.governance.barriers import (
    accident_probability_in,
    initiating_rate_per_yr,
    miss_probability,
    sample_period,
)
from sim.agents.governance.consequences import accident_consequence, evacuated_share
from sim.agents.governance.early_warning import false_alarms, warning_levels
from sim.agents.governance.system import effective_parameters
from sim.scenario.policies import GovernanceConfig, PoliciesConfig


def test_swiss_cheese_probability_is_the_product_of_barrier_failures():
    # e = 0.5, every layer fully compliant: each misses half the events, 5 layers -> 1/32;
    # f = 3.2/yr over one year: p = 1 - exp(-3.2 / 32) = 1 - exp(-0.1)
    p = accident_probability_in(1.0, [3.2], np.ones((1, 5)), 0.5)
    assert p[0] == pytest.approx(1 - math.exp(-0.1), rel=1e-12)
    # one layer absent (c = 0): 1/16; a month is 1/12 of the year's rate
    c = np.array([[1, 1, 0, 1, 1]], float)
    assert accident_probability_in(1 / 12, [3.2], c, 0.5)[0] == pytest.approx(
        1 - math.exp(-3.2 / 12 / 16), rel=1e-12
    )
    # a perfect barrier (e = c = 1) stops everything
    assert accident_probability_in(1.0, [100.0], np.ones((1, 5)), 1.0)[0] == 0.0


def test_each_failing_layer_multiplies_the_accident_rate_by_one_over_its_miss_probability():
    # c = 0.8, e = 0.7: a working layer misses 1 - 0.56 = 0.44, a failed one (c = 0) 1.0,
    # so each failed layer multiplies the rate by 1 / 0.44 = 2.2727...: geometric in k
    rates = []
    for k in range(6):
        c = np.full((1, 5), 0.8)
        c[0, :k] = 0.0
        rates.append(miss_probability(c, 0.7).prod())
    ratios = np.array(rates[1:]) / np.array(rates[:-1])
    np.testing.assert_allclose(ratios, 1 / 0.44, rtol=1e-12)
    assert rates[5] == pytest.approx(1.0) and rates[0] == pytest.approx(0.44**5)


def test_sampled_accidents_are_events_that_pass_every_barrier_at_the_thinned_poisson_rate():
    rng = np.random.default_rng(3)
    n = 20_000
    c = np.tile([0.5, 0.5, 0.2, 0.0, 0.9], (n, 1))
    f = np.full(n, 6.0)
    d = sample_period(1.0, f, c, 0.7, rng)
    np.testing.assert_array_equal(d.accident, d.failed.all(axis=1))
    # expected accidents per source-year: f prod(1 - e c) = 6 x 0.65 x 0.65 x 0.86 x 1 x 0.37
    expected = 6 * 0.65 * 0.65 * 0.86 * 1.0 * 0.37
    se = math.sqrt(expected / n)
    assert abs(d.accident.sum() / n - expected) < 4 * se
    # the failing layer (c = 0) fails for every event
    assert d.failed[:, 3].all()
    # initiating rate grows with latent hazards: f0 (1 + w H)
    np.testing.assert_allclose(initiating_rate_per_yr(0.2, [0, 5], 0.5), [0.2, 0.7])


def test_tenure_factor_is_one_at_term_start_and_falls_to_the_discounted_share_near_its_end():
    h, r, t_term, w = rules.REFERENCE_HAZARD_PER_YR, 0.15, 5.0, 0.5

    def d(horizon):  # explicit sum of D(h, H, r) = sum_t e^{-rt} h (1 - h)^{t-1}
        return sum(math.exp(-r * t) * h * (1 - h) ** (t - 1) for t in range(1, horizon + 1))

    assert rules.tenure_factor(0.0, 0.0, t_term, r, w) == pytest.approx(1.0)
    # three years into the term: two years remain
    assert rules.tenure_factor(3.0, 0.0, t_term, r, w) == pytest.approx(1 - w + w * d(2) / d(5))
    # a later term start shifts the cycle; terms repeat every tenure
    assert rules.tenure_factor(4.0, 1.0, t_term, r, w) == pytest.approx(
        rules.tenure_factor(8.0, 0.0, t_term, r, w)
    )
    m = rules.tenure_factor(np.linspace(0, 4.99, 50), 0.0, t_term, r, w)
    assert np.all(np.diff(m) < 0) and m.min() > 1 - w


def test_accident_only_accountability_lowers_reporting_of_found_problems():
    # d = 0.5: accident only -> sigmoid(-1.5) = 0.1824; problem + accident with audit 0.5 and
    # penalty 3 -> sigmoid(+1.5) = 0.8176
    acc = rules.report_probability(0.5, "accident_only")
    prob = rules.report_probability(0.5, "problem_and_accident", 0.5, 3.0)
    assert acc == pytest.approx(1 / (1 + math.exp(1.5)))
    assert prob == pytest.approx(1 / (1 + math.exp(-1.5)))
    d = np.linspace(0, 1, 11)
    assert np.all(
        rules.report_probability(d, "accident_only")
        < rules.report_probability(d, "problem_and_accident", 0.5, 3.0)
    )
    with pytest.raises(ValueError, match="regime"):
        rules.report_probability(0.5, "none")


def test_campaign_spike_closes_the_gap_and_decays_with_its_half_life():
    assert rules.campaign_spike(0.4, 0.5) == pytest.approx(0.7)
    assert rules.campaign_decay(0.3, 4.0, 4.0) == pytest.approx(0.15)
    assert rules.campaign_decay(0.3, 8.0, 4.0) == pytest.approx(0.075)


def test_falsification_rises_with_price_pressure_and_falls_with_checks():
    assert rules.falsification_probability(0.5, 0.0) == pytest.approx(0.5)  # sigmoid(0)
    p = rules.falsification_probability(np.linspace(0, 1, 11), 0.1)
    assert np.all(np.diff(p) > 0)
    assert rules.falsification_probability(0.7, 0.6) < rules.falsification_probability(0.7, 0.1)


def test_enterprise_diligence_responds_to_enforcement_and_risk_rated_premiums():
    assert rules.enterprise_diligence(0.5, 0.0) == pytest.approx(0.5)
    assert rules.enterprise_diligence(0.5, 1.0) == pytest.approx(0.8)  # + 0.3 deterrence
    assert rules.enterprise_diligence(0.5, 0.0, 0.5, 0.4) == pytest.approx(0.7)
    assert rules.enterprise_diligence(0.9, 1.0, 1.0, 1.0) == 1.0  # clipped


def test_policies_change_the_effective_parameters_as_documented():
    cfg = GovernanceConfig()
    base = effective_parameters(cfg, PoliciesConfig())
    assert base.regime == "accident_only" and base.sharing == cfg.information_sharing
    pol = PoliciesConfig.model_validate({n: {"enabled": True} for n in PoliciesConfig.model_fields})
    on = effective_parameters(cfg, pol)
    assert on.regime == "problem_and_accident"
    assert on.sharing == 0.95
    assert on.resident_report == pytest.approx(0.2 * 3.0)
    np.testing.assert_allclose(on.effectiveness, 0.7 + 0.3 * 0.3)  # handbook
    assert on.rectification == pytest.approx(0.8 + 0.5 * 0.2)
    # insurer checks on top of regulator checks: 1 - (1 - 0.2)(1 - 0.5)
    assert on.check_strength_insured == pytest.approx(0.6)
    assert on.leadership_budget_weight == 0.0 and on.capacity_factor == 1.5
    assert on.targeted and on.self_detection == pytest.approx(0.7)
    # policy costs: sum of the enabled plug-ins' annual costs
    assert pol.annual_cost_yuan() == pytest.approx(2e7 + 5e6 + 1e6 + 1e7 + 3e6 + 1e6 + 2e6)
    assert PoliciesConfig().annual_cost_yuan() == 0.0


def test_warning_levels_count_reached_thresholds_and_evacuation_follows_lead_time():
    t = [0.02, 0.04, 0.08, 0.16]
    lv = warning_levels([0.0, 0.02, 0.05, 0.1, 0.5], t)
    np.testing.assert_array_equal(lv, [0, 1, 2, 3, 4])
    with pytest.raises(ValueError):
        warning_levels([0.1], [0.1, 0.05, 0.2, 0.3])
    assert evacuated_share(1.0, 2.0, 0.8) == pytest.approx(0.4)
    assert evacuated_share(5.0, 2.0, 0.8) == pytest.approx(0.8)
    # false alarms: P = 1 - exp(-12 / 12) per month at 12 per year
    fa = false_alarms(100_000, 12.0, 1.0, np.random.default_rng(0))
    assert fa.mean() == pytest.approx(1 - math.exp(-1), abs=0.01)


def test_consequences_scale_with_the_share_not_evacuated():
    # everyone evacuated: nobody exposed, no deaths or injuries
    c = accident_consequence("fire_explosion", 1400.0, 1.0, 1.0, 5e7, 0.0, np.random.default_rng(1))
    assert (c.persons_isolation, c.persons_protective, c.deaths, c.injuries) == (0, 0, 0, 0)
    assert c.loss_yuan == pytest.approx(5e7)  # sigma 0: the median
    # fire isolation circle r = 300 m at 1,400 /km2: pi 0.09 x 1400 = 396 persons expected
    n = [
        accident_consequence(
            "fire_explosion", 1400.0, 1.0, 0.0, 5e7, 0.0, np.random.default_rng(s)
        ).persons_isolation
        for s in range(200)
    ]
    assert np.mean(n) == pytest.approx(math.pi * 0.09 * 1400, rel=0.02)
