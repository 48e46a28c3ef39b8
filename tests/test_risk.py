"""Tests for sim.risk: deterioration, screening, budgets, white elephant, latent risk, shocks."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.city import load_city
from sim.risk import (
    AssetInventory,
    BlackSwanShocks,
    MaintenancePolicy,
    Sector,
    SlowRiskProcess,
    WhiteElephantDecisionMaker,
    allocate_budget,
    build_inventory,
    deteriorate,
    discounted_failure_probability,
    latent_risk_index,
    screen,
)
from sim.risk.deterioration import FAILURE_PROB_BY_STATE, transition_probability

CITY = load_city(Path(__file__).parents[1] / "scenarios/data/shanghai")
# two sectors: invisible, costly, high-consequence pipes vs visible, cheap, low-consequence signs
PIPES = Sector("pipes", (), 1.0, 0.05, 30.0, 40.0, 3e5, 3.0, 0.05)
SIGNS = Sector("signs", (), 1.0, 0.05, 30.0, 40.0, 5e4, 0.1, 1.0)


def _inventory(n_per=2000, d=2, state=2, seed=0):
    n = 2 * n_per
    rng = np.random.default_rng(seed)
    return AssetInventory(
        district=rng.integers(0, d, n).astype(np.int16),
        sector=np.repeat([0, 1], n_per).astype(np.int8),
        state=np.full(n, state, np.int8),
        age_yr=np.full(n, 20.0),
        load=np.ones(n),
        known_defect=np.zeros(n, bool),
        sectors=(PIPES, SIGNS),
        n_districts=d,
    )


def test_deterioration_keeps_states_in_range_and_never_improves():
    inv = _inventory(state=0)
    rng = np.random.default_rng(1)
    p = transition_probability(inv)
    # 1 - exp(-b (1 + age/tau)) = 1 - exp(-0.05 x (1 + 20/30)) = 0.079955
    assert p[0] == pytest.approx(1 - np.exp(-0.05 * (1 + 20 / 30)))
    prev = inv.state.copy()
    for _ in range(60):
        deteriorate(inv, rng)
        assert inv.state.min() >= 0 and inv.state.max() <= 4
        assert np.all(inv.state >= prev)
        prev = inv.state.copy()
    assert inv.age_yr[0] == 80.0 and np.mean(inv.state == 4) > 0.9


def test_city_inventory_has_every_sector_and_plausible_initial_states():
    inv = build_inventory(CITY, np.random.default_rng(2))
    counts = np.bincount(inv.sector, minlength=len(inv.sectors))
    assert counts[0] == 100_000 and counts[1] == 500
    assert counts[2] == pytest.approx(146e6 / 2000, abs=16)  # per-district rounding
    assert inv.state.max() <= 4 and np.mean(inv.state >= 2) < 0.5


def test_screening_finds_only_defects_at_coverage_times_detection():
    inv = _inventory(n_per=20_000, state=3)
    inv.state[:1000] = 1  # not defects
    found = screen(inv, 0.5, np.random.default_rng(3))
    assert np.all(inv.state[found] >= 2) and np.all(inv.known_defect[found])
    # state 3: P(found) = coverage 0.5 x detection 0.7 = 0.35
    assert found.size / (inv.n_assets - 1000) == pytest.approx(0.35, abs=0.01)
    assert screen(_inventory(), 0.0, np.random.default_rng(4)).size == 0
    with pytest.raises(ValueError):
        screen(inv, 1.5, np.random.default_rng(0))


@settings(max_examples=60, deadline=None)
@given(
    costs=st.lists(st.floats(0, 1e6), min_size=0, max_size=60),
    budget=st.floats(0, 5e6),
    seed=st.integers(0, 1000),
)
def test_allocation_never_exceeds_budget(costs, budget, seed):
    score = np.random.default_rng(seed).random(len(costs))
    pick = allocate_budget(np.array(costs), score, budget)
    assert np.sum(np.array(costs)[pick]) <= budget + 1e-6
    assert len(set(pick.tolist())) == len(pick)


def test_allocation_funds_by_score_and_everything_when_rich():
    cost = np.array([5.0, 1.0, 3.0, 2.0])
    score = np.array([0.1, 0.9, 0.5, 0.7])
    np.testing.assert_array_equal(allocate_budget(cost, score, 6.0), [1, 3, 2])
    assert set(allocate_budget(cost, score, 100.0).tolist()) == {0, 1, 2, 3}
    # refill: the top item does not fit, cheaper lower-ranked ones still get funded
    np.testing.assert_array_equal(allocate_budget(cost, -score, 4.0), [2, 1])
    assert allocate_budget(cost, np.array([-np.inf] * 4), 100.0).size == 0


def test_discounted_failure_probability_closed_form_equals_sum():
    h, r, big_h = 0.02, 0.05, 12
    explicit = sum(np.exp(-r * t) * h * (1 - h) ** (t - 1) for t in range(1, big_h + 1))
    assert float(discounted_failure_probability(h, big_h, r)) == pytest.approx(explicit)
    assert float(discounted_failure_probability(h, 0, r)) == 0.0


def test_latent_risk_is_nonnegative_and_counts_defect_failure_probabilities():
    inv = _inventory(state=0)
    assert latent_risk_index(inv)["total"].sum() == 0.0
    inv.state[:10] = 3
    inv.known_defect[:4] = True
    lr = latent_risk_index(inv)
    assert lr["total"].sum() == pytest.approx(10 * FAILURE_PROB_BY_STATE[3])
    assert lr["known_unfixed"].sum() == pytest.approx(4 * FAILURE_PROB_BY_STATE[3])
    assert lr["harm"][:, 0].sum() == pytest.approx(10 * FAILURE_PROB_BY_STATE[3] * 3.0)
    assert all(v.min() >= 0 for v in lr.values())


def test_white_elephant_tenure_and_deferral():
    dm = WhiteElephantDecisionMaker(tenure_yr=5.0)
    assert dm.remaining_tenure_yr(0.0) == 5.0 and dm.remaining_tenure_yr(4.0) == 1.0
    inv = _inventory(state=2)
    s = dm.scores(inv, np.arange(inv.n_assets), t_yr=4.0)
    assert np.all(np.isinf(s[inv.sector == 0]))  # invisible long-payoff pipes deferred
    assert np.all(np.isfinite(s[inv.sector == 1]))  # visible signs funded


def test_white_elephant_lets_latent_risk_accumulate_in_invisible_assets():
    budgets = {}
    for rule in ("risk", "white_elephant"):
        inv = _inventory(state=1, seed=5)
        proc = SlowRiskProcess(
            inv, MaintenancePolicy(rule=rule, budget_yuan_per_yr=2e8, screening_coverage=0.5)
        )
        ev = proc.advance(15, np.random.default_rng(6))
        h = proc.history_arrays()
        assert np.all(h["planned_spend_yuan"] <= 2e8 + 1e-6)
        assert np.all(np.diff(ev.t_yr) >= 0) and h["latent_total"].min() >= 0
        budgets[rule] = h
    risk, we = budgets["risk"], budgets["white_elephant"]
    # the budget is ample: the risk-based city fixes every defect it finds ...
    assert risk["latent_known"][-1].sum() == 0.0
    # ... the white-elephant city defers found pipe defects although money is left over
    assert we["latent_known"][-1][:, 0].sum() > 0.0 and we["planned_spend_yuan"].max() < 2e8
    assert we["latent_harm"][-1][:, 0].sum() > 1.1 * risk["latent_harm"][-1][:, 0].sum()
    assert we["latent_harm"][-1].sum() > risk["latent_harm"][-1].sum()


def test_black_swan_tail_and_amplification_by_latent_risk():
    shocks = BlackSwanShocks(rate_per_yr=50.0, pareto_alpha=1.5)
    t, kinds, x = shocks.sample(0.0, 200.0, np.random.default_rng(7))
    assert len(x) == pytest.approx(10_000, abs=400) and np.all(np.diff(t) >= 0)
    # Pareto: P(X > 4) = 4^-1.5 = 0.125
    assert np.mean(x > 4.0) == pytest.approx(0.125, abs=0.012)
    inv = build_inventory(CITY, np.random.default_rng(8))
    assert shocks.amplification(inv, "earthquake", 5.0) > 1.0
    inv.state[:] = 0
    assert shocks.amplification(inv, "earthquake", 5.0) == pytest.approx(1.0)


def test_process_emits_shock_events_and_records_amplification():
    inv = _inventory(state=2)
    sectors_kinds = {"storm": {"pipes": 1.0, "signs": 0.5}}
    proc = SlowRiskProcess(
        inv,
        MaintenancePolicy(budget_yuan_per_yr=1e7),
        BlackSwanShocks(rate_per_yr=2.0, kinds=sectors_kinds),
    )
    ev = proc.advance(5, np.random.default_rng(9))
    assert ev.count("shock") == len(proc.history["shock_amplification"]) > 0
    assert set(ev.to_frame().kind.unique()) <= {
        "failure",
        "shock",
        "shock_failure",
        "detection",
        "repair",
    }
    with pytest.raises(ValueError):
        MaintenancePolicy(rule="lottery")
