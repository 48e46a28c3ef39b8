"""Tests for sim.hazards.epidemic: SEIR metapopulation, mobility, stochastic and ODE versions."""

import numpy as np
import pytest

from sim.hazards.epidemic import (
    MetapopulationSEIR,
    SEIRParams,
    binomial_chain_major_probability,
    final_size_root,
    gravity_mobility_matrix,
    sir_final_sizes_gillespie,
)


def _random_mobility(rng, d):
    m = rng.random((d, d)) + np.eye(d) * d
    return m / m.sum(axis=1, keepdims=True)


def test_gravity_matrix_is_row_stochastic_with_stay_share_on_diagonal():
    rng = np.random.default_rng(0)
    pop = rng.integers(1e5, 1e6, 6)
    x, y = rng.random(6) * 5e4, rng.random(6) * 5e4
    m = gravity_mobility_matrix(pop, x, y, travel_fraction=0.25)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.diag(m), 0.75)
    # closer, bigger destinations attract more: double a destination's population -> its share up
    pop2 = pop.copy()
    pop2[3] *= 2
    m2 = gravity_mobility_matrix(pop2, x, y, travel_fraction=0.25)
    assert m2[0, 3] > m[0, 3]


def test_r0_equals_beta_over_gamma_for_any_commuter_mobility():
    # next-generation matrix K = (beta/gamma) diag(N) M diag(1/P) M^T: columns sum to beta/gamma,
    # so its spectral radius (R0) is beta/gamma whatever M is.
    rng = np.random.default_rng(1)
    n = rng.integers(1e4, 1e6, 5).astype(float)
    m = _random_mobility(rng, 5)
    p = n @ m
    k = 2.5 * np.diag(n) @ m @ np.diag(1 / p) @ m.T
    np.testing.assert_allclose(k.sum(axis=0), 2.5)
    assert max(abs(np.linalg.eigvals(k))) == pytest.approx(2.5)


def test_final_size_root_solves_kermack_mckendrick():
    for r0 in (1.3, 2.0, 3.0, 5.0):
        z = final_size_root(r0)
        assert z == pytest.approx(1 - np.exp(-r0 * z), abs=1e-12) and z > 0
    assert final_size_root(2.0) == pytest.approx(0.7968121300, abs=1e-9)
    assert final_size_root(0.9) == 0.0


def test_gillespie_two_person_outbreak_matches_jump_chain_probability():
    # n = 2, one infective: next event is infection w.p. (R0 S/N)/(R0 S/N + 1) = (R0/2)/(R0/2+1).
    # For R0 = 2 that is 1/2: final size 2 in half the runs, else 1.
    fs = sir_final_sizes_gillespie(2, 2.0, 40_000, np.random.default_rng(2))
    assert set(np.unique(fs)) <= {1, 2}
    assert np.mean(fs == 2) == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / 40_000))


def test_chain_major_probability_tends_to_continuous_value_and_exceeds_it():
    for r0 in (1.5, 2.0, 4.0):
        assert binomial_chain_major_probability(r0, 0.0) == pytest.approx(1 - 1 / r0)
        assert binomial_chain_major_probability(r0, 1e-4) == pytest.approx(1 - 1 / r0, abs=1e-4)
        assert binomial_chain_major_probability(r0, 0.2) > 1 - 1 / r0
    assert binomial_chain_major_probability(0.8, 0.1) == 0.0


def test_binomial_chain_conserves_residents_and_responders_every_step():
    rng = np.random.default_rng(3)
    pop = np.array([50_000, 80_000, 30_000])
    model = MetapopulationSEIR(
        pop, _random_mobility(rng, 3), SEIRParams(2.5), responders=np.array([500, 800, 300])
    )
    state = model.initial_state(np.array([10, 0, 0]), n_runs=4)
    for _ in range(200):
        model.step_binomial(state, 0.5, rng)
        np.testing.assert_array_equal(state.population, np.broadcast_to(pop, (4, 3)))
        resp = state.resp_s + state.resp_e + state.resp_i + state.resp_r
        np.testing.assert_array_equal(resp, np.broadcast_to([500, 800, 300], (4, 3)))
        assert min(a.min() for a in (state.s, state.e, state.i, state.r)) >= 0
    assert state.r.sum() > 0


def test_deterministic_single_population_final_size_matches_root():
    model = MetapopulationSEIR([1_000_000], np.ones((1, 1)), SEIRParams(2.0))
    t, y = model.deterministic(np.array([10]), 600.0, 10.0)
    np.testing.assert_allclose(y.sum(axis=1), 1_000_000, rtol=1e-6)  # conservation
    assert y[-1, 3, 0] / 1e6 == pytest.approx(final_size_root(2.0), abs=2e-3)


def test_epidemic_spreads_only_through_mobility():
    pop = np.array([200_000, 200_000])
    rng = np.random.default_rng(4)
    closed = MetapopulationSEIR(pop, np.eye(2), SEIRParams(3.0))
    _, y = closed.simulate_binomial_chain(np.array([50, 0]), 300, 0.5, rng)
    assert y[-1, 3, 1] == 0 and y[-1, 3, 0] > 100_000
    coupled = MetapopulationSEIR(
        pop, gravity_mobility_matrix(pop, [0, 1e4], [0, 0]), SEIRParams(3.0)
    )
    _, y = coupled.simulate_binomial_chain(np.array([50, 0]), 400, 0.5, rng)
    # both districts reach about the homogeneous final size 0.9405
    np.testing.assert_allclose(y[-1, 3] / pop, final_size_root(3.0), atol=0.02)


def test_sick_responders_reduce_response_capacity():
    pop = np.array([100_000])
    model = MetapopulationSEIR(pop, np.ones((1, 1)), SEIRParams(3.0), responders=np.array([1000]))
    state = model.initial_state(np.array([100]))
    rng = np.random.default_rng(5)
    peak = 0.0
    for _ in range(200):
        model.step_binomial(state, 0.5, rng)
        f = state.responders_sick_fraction()[0]
        assert 0.0 <= f <= 1.0
        assert state.response_capacity_factor()[0] == pytest.approx(1 - f)
        peak = max(peak, f)
    assert peak > 0.05  # R0 = 3 epidemic: a sizeable share of responders sick at the peak


def test_invalid_inputs_raise():
    with pytest.raises(ValueError):
        SEIRParams(0.0)
    with pytest.raises(ValueError):
        MetapopulationSEIR([10, 10], np.array([[0.5, 0.4], [0.5, 0.5]]), SEIRParams(2))
    with pytest.raises(ValueError):
        gravity_mobility_matrix([1, 2], [0, 1], [0, 1], travel_fraction=1.0)
