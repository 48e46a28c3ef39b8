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

from sim.core.cli_input import Bound
from sim.response.queueing import erlang_c, simulate_mmc
from sim.studies.verify.report import Check, VerifyInputError

SERVERS = Bound(1, 10_000_000, integer=True)
"""Teams C: the Erlang B recursion takes C steps (about 2 s for 10 million on the development
machine); the dispatcher holds a count of teams, not one object each."""
RATE = Bound(0, None, low_open=True, source="a rate per hour")
"""λ and μ: positive and finite."""
N_BATCHES = 30
"""Batches of the batch-means confidence interval (:func:`sim.response.queueing.simulate_mmc`)."""
CUSTOMERS = Bound(N_BATCHES, 500_000, integer=True)
"""Customers after warm-up: at least one per batch of the interval; at most 500,000: the
dispatcher keeps a record of each, about 2 KB (220 MB and 74 s for 100,000 on the development
machine), so 500,000 are ~1.1 GB and ~6 minutes; the default is at most 400,000."""


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
        n_customers: incidents after warm-up (default :func:`default_customers`;
            :data:`CUSTOMERS`).

    Returns:
        Two checks: P(wait) and Wq (hours).

    Raises:
        VerifyInputError: an option beyond its bound (:data:`SERVERS`, :data:`RATE`,
            :data:`CUSTOMERS`).
        UnstableQueueError: λ ≥ cμ.
    """
    asked = (("--servers", c, SERVERS), ("--arrival-rate", lam, RATE),
             ("--service-rate", mu, RATE), ("--customers", n_customers, CUSTOMERS))  # fmt: skip
    for option, value, bound in asked:
        if (problem := bound.problem(value)) is not None:
            raise VerifyInputError(f"{option} {value}: {problem}")
    p_theory, wq_theory = erlang_c(c, lam, mu)
    n = default_customers(c, lam, mu) if n_customers is None else int(n_customers)
    res = simulate_mmc(c, lam, mu, n, rng, n_batches=N_BATCHES)
    return [
        _ci_check("erlang-c", "P(wait)", res.p_wait, res.p_wait_ci, p_theory),
        _ci_check("erlang-c", "Wq (h)", res.wq_h, res.wq_ci, wq_theory),
    ]
