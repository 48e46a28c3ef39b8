"""Erlang C check of the dispatcher: an M/M/c queue simulated through the real dispatch code.

Poisson incidents (rate λ per hour), exponential on-scene times (rate μ per hour), C identical
teams at one depot, zero travel, first-come first-served: the dispatcher is then an M/M/c
queue, and its simulated P(wait) and mean wait in queue Wq (hours) must be consistent with
Erlang's C formula (Erlang 1917; Gross et al. 2008, §2.3): the theory value must lie within
the simulation's 99.9% batch-means confidence interval (the printed tolerance is the
interval's half-width on the theory's side). See :mod:`sim.response.queueing`.
"""

from __future__ import annotations

import numpy as np

from sim.response.queueing import erlang_c, simulate_mmc
from sim.studies.verify.report import Check


def default_customers(c: int, lam: float, mu: float) -> int:
    """Customers to simulate: more when the queue is heavily loaded (slow batch convergence).

    The relaxation time of M/M/c grows like 1/(1 − ρ)²; 40,000 customers at ρ ≤ 0.8 give
    99.9% intervals of about ±0.05 in P(wait) (~30 s), scaled up to 400,000 as ρ → 1.
    """
    rho = lam / (c * mu)
    return int(min(400_000, max(40_000, 40_000 * (0.2 / max(1e-3, 1 - rho)) ** 2)))


def _ci_check(
    name: str, quantity: str, sim: float, ci: tuple[float, float], theory: float
) -> Check:
    lo, hi = ci
    # tolerance = half-width on the theory's side of the estimate (asymmetric intervals allowed)
    tol = (sim - lo) if theory <= sim else (hi - sim)
    return Check(
        name,
        quantity,
        float(sim),
        float(theory),
        float(max(tol, 0.0)),
        detail=f"99.9% batch-means interval [{lo:.4f}, {hi:.4f}]",
    )


def verify_erlang_c(
    c: int,
    lam: float,
    mu: float,
    rng: np.random.Generator,
    n_customers: int | None = None,
) -> list[Check]:
    """Simulate the queue and compare with Erlang C.

    Args:
        c: identical teams (servers).
        lam: incident arrival rate, per hour.
        mu: service rate of one team, per hour.
        rng: random generator.
        n_customers: incidents after warm-up (default :func:`default_customers`).

    Returns:
        Two checks: P(wait) and Wq (hours).

    Raises:
        UnstableQueueError: λ ≥ cμ or a non-positive rate.
    """
    p_theory, wq_theory = erlang_c(c, lam, mu)
    n = default_customers(c, lam, mu) if n_customers is None else int(n_customers)
    res = simulate_mmc(c, lam, mu, n, rng)
    return [
        _ci_check("erlang-c", "P(wait)", res.p_wait, res.p_wait_ci, p_theory),
        _ci_check("erlang-c", "Wq (h)", res.wq_h, res.wq_ci, wq_theory),
    ]
