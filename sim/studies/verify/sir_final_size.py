"""Verification: stochastic SIR final size and major-outbreak probability vs theory.

``citysafe verify sir-final-size --r0 R`` runs many single-population outbreaks seeded with one
infective with the epidemic model as implemented in `sim.hazards.epidemic` and compares:

1. the share of MAJOR outbreaks with its branching-process value: 1 - 1/R0 for the exact
   Markov SIR with exponentially distributed infectious periods (Whittle 1955, Biometrika
   42:116-122; Andersson & Britton 2000, "Stochastic Epidemic Models and Their Statistical
   Analysis", Springer LNS 151, ch. 3), and 1 - s* from the offspring pgf of the binomial chain
   (see `sim.hazards.epidemic.binomial_chain_major_probability`);
2. the mean final attack fraction of major outbreaks with the root z of z = 1 - exp(-R0 z)
   (Kermack & McKendrick 1927, Proc. R. Soc. A 115:700-721).

Classification: an outbreak is major if its final fraction exceeds z/2, half-way between the
minor outbreaks (O(1) cases) and the major mode. N is chosen automatically so that the two
modes are separated for any R0 > 1, including R0 close to 1 where both the major spread and
the minor tail grow:
    - majors: z/2 >= 10 sd of the major final fraction, sd^2 = sigma2(R0)/N with
      sigma2 = z(1-z)(1 + R0^2 (1-z)) / (1 - R0(1-z))^2, the central-limit variance for
      exponential infectious periods (Andersson & Britton 2000, Thm 4.2 as recalled; the
      simulated spreads match it, see tests/test_verify_sir.py);
    - minors: the total progeny of the subcritical dual branching process (geometric offspring
      with mean 1/R0) has a tail ~ rho^k, rho = 4 R0/(1 + R0)^2; z N/2 is set to >= 30
      decay lengths 1/(-ln rho).
    N = max(2000, 100 sigma2/z^2, 30 / ((z/2)(-ln rho))): 2000 for R0 >= 2, ~8,300 for 1.3,
    ~150,000 for 1.1 (run time grows as R0 -> 1; R0 <= 1 is rejected).

Tolerances (reported in each line):
    - major share: half-width of the Wilson score interval at ``confidence`` (default 99.9%)
      around the simulated share; the check passes if the theory value lies inside it.
    - mean major fraction: z_crit x (sample sd / sqrt(#majors)) plus a finite-size allowance
      3 (1 + sigma2)/N for the O(1/N) bias of the finite-population mean (measured |bias| <=
      2 (1 + sigma2)/N for N = 2000-10000).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from sim.core.cli_input import Bound
from sim.hazards.epidemic import (
    MetapopulationSEIR,
    SEIRParams,
    binomial_chain_major_probability,
    final_size_root,
    sir_final_sizes_gillespie,
)
from sim.studies.verify.report import Check, VerifyInputError, budget_problem

METHODS = ("gillespie", "binomial_chain")
R0 = Bound(1, 100, low_open=True, source="a major outbreak needs R0 > 1")
"""R0: above 1 (a major outbreak needs it); at most 100, beyond any known infection's (measles,
12-18), where the final size is 1 to machine precision."""
RUNS = Bound(1, 10_000_000, integer=True)
"""Outbreaks simulated: their state is a few arrays of that length (~0.3 GB at 10 million);
the time budget bounds them further with the population."""
POPULATION = Bound(1, 10_000_000_000, integer=True)
"""Population N: at most the world's (8 billion, rounded up); the time budget bounds it
further with the runs."""
SECONDS_PER_RUN_PERSON = 4e-8
"""Gillespie's time per outbreak and person (0.37 s for 4,000 runs of 2,000 people, 3.1 s of
20,000, on the development machine)."""
CHAIN_SECONDS_4000 = 0.9
"""The binomial chain's time for 4,000 runs of 2,000 people; it grows with the runs and the
epidemic's length, about log N."""


def wilson_interval(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209-212)."""
    if n <= 0:
        raise ValueError("n must be > 0")
    zc = float(norm.ppf(0.5 + confidence / 2.0))
    p = successes / n
    denom = 1.0 + zc * zc / n
    centre = (p + zc * zc / (2 * n)) / denom
    half = zc * np.sqrt(p * (1 - p) / n + zc * zc / (4 * n * n)) / denom
    return centre - half, centre + half


def final_size_variance(r0: float) -> float:
    """sigma2(R0): N x Var(final fraction | major), exponential infectious periods."""
    z = final_size_root(r0)
    return z * (1 - z) * (1 + r0 * r0 * (1 - z)) / (1 - r0 * (1 - z)) ** 2


def auto_population(r0: float) -> int:
    """Population size separating minor and major outbreaks (module docstring)."""
    if r0 <= 1.0:
        raise ValueError(f"R0 must be > 1 for major outbreaks, got {r0}")
    z = final_size_root(r0)
    rho = 4 * r0 / (1 + r0) ** 2
    n = max(2000.0, 100 * final_size_variance(r0) / z**2, 30.0 / ((z / 2) * -np.log(rho)))
    return int(np.ceil(n))


def input_problem(r0: float, n: int | None, runs: int, method: str) -> str | None:
    """What is wrong with the options of :func:`verify_sir_final_size` (:data:`R0`,
    :data:`RUNS`, :data:`POPULATION`, the time budget with the population ``n`` or, when None,
    the one :func:`auto_population` chooses: it grows without bound as R0 -> 1), or None."""
    for option, value, bound in (
        ("--r0", r0, R0),
        ("--runs", runs, RUNS),
        ("--population", n, POPULATION),
    ):
        if (problem := bound.problem(value)) is not None:
            return f"{option} {value}: {problem}"
    try:
        pop = auto_population(r0) if n is None else int(n)
    except (ValueError, OverflowError):  # brentq cannot bracket z = 1 - exp(-R0 z) near 0
        return f"--r0 {r0}: too close to 1 (the major final size, about 2(R0 - 1), is not resolved)"
    if method == "gillespie":
        estimate = SECONDS_PER_RUN_PERSON * runs * pop
    else:
        estimate = CHAIN_SECONDS_4000 * runs / 4000 * max(1.0, np.log(pop) / np.log(2000))
    asked = f"--r0 {r0:g}: population {pop:,}" if n is None else f"--population {pop:,}"
    return budget_problem(
        f"{asked} x --runs {runs}", estimate, "fewer runs or people, or a larger R0"
    )


def _chain_final_fractions(r0, n, runs, dt_d, rng) -> np.ndarray:
    params = SEIRParams(r0=r0)
    model = MetapopulationSEIR([n], np.ones((1, 1)), params)
    state = model.initial_state(np.array([1]), n_runs=runs)
    while state.e.any() or state.i.any():
        model.step_binomial(state, dt_d, rng)
    return (n - state.s[:, 0]) / n


def verify_sir_final_size(
    r0: float,
    rng: np.random.Generator,
    *,
    n: int | None = None,
    runs: int = 4000,
    method: str = "gillespie",
    dt_d: float = 0.25,
    confidence: float = 0.999,
) -> list[Check]:
    """Run the SIR final-size verification for one R0.

    Args:
        r0: basic reproduction number (> 1).
        rng: random generator.
        n: population size (default `auto_population`).
        runs: number of outbreaks simulated.
        method: "gillespie" (exact SSA) or "binomial_chain" (the tau-leap used at city scale,
            single district, latent period 3 d, infectious period 5 d).
        dt_d: step of the binomial chain, days.
        confidence: confidence level of the tolerances.

    Returns:
        Two `sim.studies.verify.report.Check`: major-outbreak share, mean major final fraction.

    Raises:
        VerifyInputError: options beyond their bounds or the time budget
            (:func:`input_problem`).
        ValueError: unknown method, or no major outbreak to average.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if (problem := input_problem(r0, n, runs, method)) is not None:
        raise VerifyInputError(problem)
    n = auto_population(r0) if n is None else int(n)
    z = final_size_root(r0)
    if method == "gillespie":
        frac = sir_final_sizes_gillespie(n, r0, runs, rng) / n
        p_theory = 1.0 - 1.0 / r0
        p_label = "1 - 1/R0"
    else:
        frac = _chain_final_fractions(r0, n, runs, dt_d, rng)
        gamma_dt = dt_d / SEIRParams(r0=r0).infectious_period_d
        p_theory = binomial_chain_major_probability(r0, gamma_dt)
        p_label = f"1 - s* of the chain pgf (gamma dt = {gamma_dt:.3g})"
    major = frac > z / 2
    k = int(major.sum())
    if k < 2:
        raise ValueError(f"only {k} major outbreaks in {runs} runs; increase runs")
    lo, hi = wilson_interval(k, runs, confidence)
    p_sim = k / runs
    # tolerance = the interval's half-width on the theory's side: PASS <=> theory in [lo, hi]
    p_tol = hi - p_sim if p_theory >= p_sim else p_sim - lo
    zc = float(norm.ppf(0.5 + confidence / 2.0))
    se = float(frac[major].std(ddof=1) / np.sqrt(k))
    bias_allow = 3.0 * (1.0 + final_size_variance(r0)) / n
    m_tol = zc * se + bias_allow
    m_sim = float(frac[major].mean())
    tag = f"sir-final-size[R0={r0:g},{method}]"
    common = f"N={n}, runs={runs}, major if final fraction > z/2 = {z / 2:.4g}"
    return [
        Check(
            name=tag,
            quantity="major-outbreak probability",
            simulated=p_sim,
            theory=p_theory,
            tolerance=p_tol,
            detail=f"{common}; theory {p_label}; Wilson {confidence:.1%} interval [{lo:.4g}, "
            f"{hi:.4g}]",
        ),
        Check(
            name=tag,
            quantity="mean major final size",
            simulated=m_sim,
            theory=z,
            tolerance=m_tol,
            detail=f"{common}; {k} majors; z_crit x SE = {zc * se:.3g} + finite-N allowance "
            f"{bias_allow:.3g}",
        ),
    ]
