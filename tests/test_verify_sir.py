"""Tests for sim.studies.verify.sir_final_size (stochastic SIR final size vs theory)."""

import re

import numpy as np
import pytest
from scipy.stats import binomtest

import sim.studies.verify.sir_final_size as sfs
from sim.hazards.epidemic import final_size_root, sir_final_sizes_gillespie

LINE = re.compile(r"^\S+: .+ simulated \S+ vs theory \S+ \(tolerance \S+\) (PASS|FAIL)$")


@pytest.mark.parametrize("r0", [1.3, 2.0, 3.0, 5.0])
def test_gillespie_final_size_and_major_probability_pass(r0):
    res = sfs.verify_sir_final_size(r0, np.random.default_rng(10), runs=2000)
    assert len(res) == 2
    for r in res:
        assert r.passed, r.line()
        assert LINE.match(r.line())
    assert res[0].theory == pytest.approx(1 - 1 / r0)
    assert res[1].theory == pytest.approx(final_size_root(r0))


def test_binomial_chain_passes_against_its_own_offspring_pgf():
    res = sfs.verify_sir_final_size(
        2.0, np.random.default_rng(11), runs=2000, method="binomial_chain"
    )
    assert all(r.passed for r in res), [r.line() for r in res]
    assert res[0].theory > 0.5  # the chain's value, not 1 - 1/R0


def test_check_fails_when_the_model_is_wrong(monkeypatch):
    # simulate with R0 x 1.3 but compare with theory for R0: both checks must fail
    def biased(n, r0, runs, rng, initial_infected=1):
        return sir_final_sizes_gillespie(n, 1.3 * r0, runs, rng, initial_infected)

    monkeypatch.setattr(sfs, "sir_final_sizes_gillespie", biased)
    res = sfs.verify_sir_final_size(2.0, np.random.default_rng(12), runs=4000)
    assert not res[0].passed and not res[1].passed


def test_population_grows_as_r0_approaches_one_and_r0_below_one_is_rejected():
    assert sfs.auto_population(2.0) == 2000
    assert sfs.auto_population(1.3) > 5000
    assert sfs.auto_population(1.1) > 100_000
    with pytest.raises(ValueError):
        sfs.auto_population(1.0)
    with pytest.raises(ValueError):
        sfs.verify_sir_final_size(2.0, np.random.default_rng(0), method="ode")


def test_major_final_size_spread_matches_clt_variance():
    # sd of the major final fraction ~ sqrt(sigma2 / N) (Andersson & Britton 2000, Thm 4.2)
    n, r0 = 4000, 2.0
    fs = sir_final_sizes_gillespie(n, r0, 3000, np.random.default_rng(13)) / n
    major = fs[fs > final_size_root(r0) / 2]
    assert major.std() == pytest.approx(np.sqrt(sfs.final_size_variance(r0) / n), rel=0.12)


def test_wilson_interval_matches_scipy():
    lo, hi = sfs.wilson_interval(37, 200, 0.999)
    ci = binomtest(37, 200).proportion_ci(confidence_level=0.999, method="wilson")
    assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-12)
