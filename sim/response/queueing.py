"""Queueing check of the dispatcher against the M/M/c closed form.

With zero travel time, one depot holding ``c`` identical teams, Poisson arrivals (rate
``lam`` per h), exponential on-scene times (rate ``mu`` per h) and FCFS order, the dispatcher
*is* an M/M/c queue, so its simulated waiting times must match Erlang's C formula:

    a = lam / mu,  rho = a / c < 1
    P(wait) = C(c, a) = [a^c / c! * c / (c - a)] / [sum_{k<c} a^k / k! + a^c / c! * c / (c - a)]
    Wq = C(c, a) / (c * mu - lam)

(Erlang 1917; e.g. Gross, Shortle, Thompson & Harris 2008, "Fundamentals of Queueing
Theory", 4th ed., section 2.3). C is computed through the Erlang B recursion
B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), C = c B / (c - a (1 - B)), which is stable for
large c. For c = 1 this reduces to M/M/1: P(wait) = rho, Wq = rho / (mu - lam).

The simulation uses :class:`sim.response.dispatch.Dispatcher` unchanged (same assignment
code as the model); the confidence interval uses non-overlapping batch means (e.g. Law 2015,
"Simulation Modeling and Analysis", 5th ed., ch. 9) with a Student-t quantile.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy import stats

from sim.response.dispatch import Dispatcher, DispatchPolicy
from sim.response.incidents import Incident
from sim.response.resources import Bundle, Depot
from sim.response.routing import RoadRouter


class UnstableQueueError(ValueError):
    """The offered load is at or above capacity (lam >= c * mu) or a rate is not positive."""


def _check(c: int, lam: float, mu: float) -> None:
    if int(c) != c or c < 1:
        raise UnstableQueueError(f"c must be a positive integer, got {c}")
    if not (lam > 0 and mu > 0 and np.isfinite(lam) and np.isfinite(mu)):
        raise UnstableQueueError(f"rates must be positive and finite, got lam={lam}, mu={mu}")
    if lam >= c * mu:
        raise UnstableQueueError(f"unstable: lam={lam} >= c*mu={c * mu}")


def erlang_c(c: int, lam: float, mu: float) -> tuple[float, float]:
    """M/M/c probability of waiting and mean wait in queue.

    Args:
        c: number of servers (teams).
        lam: arrival rate (1/h).
        mu: service rate per server (1/h).

    Returns:
        ``(p_wait, wq_h)``.

    Raises:
        UnstableQueueError: ``lam >= c * mu`` or non-positive rates.
    """
    _check(c, lam, mu)
    a = lam / mu
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    p_wait = c * b / (c - a * (1.0 - b))
    return float(p_wait), float(p_wait / (c * mu - lam))


@dataclass(frozen=True)
class MMcResult:
    """Simulated M/M/c waiting statistics with batch-means confidence intervals."""

    p_wait: float
    p_wait_ci: tuple[float, float]
    wq_h: float
    wq_ci: tuple[float, float]
    n_customers: int
    n_batches: int
    confidence: float


def _batch_ci(x: np.ndarray, n_batches: int, confidence: float) -> tuple[float, tuple]:
    m = x.size // n_batches
    means = x[: m * n_batches].reshape(n_batches, m).mean(axis=1)
    centre = float(means.mean())
    half = stats.t.ppf(0.5 + confidence / 2, n_batches - 1) * means.std(ddof=1) / np.sqrt(n_batches)
    return centre, (centre - float(half), centre + float(half))


def single_node_roads() -> SimpleNamespace:
    """A one-node road layer with no edges (all travel times 0)."""
    return SimpleNamespace(
        nodes={"x_m": np.zeros(1), "y_m": np.zeros(1), "district": np.zeros(1, np.int64)},
        edges={
            "u": np.zeros(0, np.int64),
            "v": np.zeros(0, np.int64),
            "length_m": np.zeros(0),
            "speed_kmh": np.zeros(0),
            "crossing": np.zeros(0, bool),
        },
    )


def simulate_mmc(
    c: int,
    lam: float,
    mu: float,
    n_customers: int,
    rng: np.random.Generator,
    warmup: int | None = None,
    *,
    n_batches: int = 30,
    confidence: float = 0.999,
) -> MMcResult:
    """Simulate an M/M/c queue through the dispatcher (zero travel, FCFS).

    Args:
        c, lam, mu: servers, arrival rate (1/h), service rate (1/h).
        n_customers: customers after the warm-up used for the statistics.
        rng: random generator (arrivals, service times, dispatcher tie-break).
        warmup: customers discarded first (default ``n_customers // 10``).
        n_batches: batches for the batch-means interval.
        confidence: two-sided confidence level of the intervals.

    Returns:
        :class:`MMcResult`.

    Raises:
        UnstableQueueError: ``lam >= c * mu``.
    """
    _check(c, lam, mu)
    warmup = n_customers // 10 if warmup is None else int(warmup)
    n_total = n_customers + warmup
    arrivals = np.cumsum(rng.exponential(1.0 / lam, n_total))
    service = rng.exponential(1.0 / mu, n_total)
    router = RoadRouter(single_node_roads())
    depot = Depot(node=0, district=0, teams={"medical": int(c)}, name="mmc")
    disp = Dispatcher(router, [depot], DispatchPolicy(priority="fcfs"), rng)
    need = Bundle(teams={"medical": 1})
    for i in range(n_total):
        t = float(arrivals[i])
        disp.submit(Incident(i, "mmc_customer", 0, 0, t, 1.0, need, work_h=float(service[i])), t)
        disp.step(t)
    disp.run_until_idle()
    rec = disp.records().sort_values("incident_id")
    wait = rec["first_arrival_h"].to_numpy()[warmup:] - arrivals[warmup:]
    p_wait, p_ci = _batch_ci((wait > 1e-12).astype(float), n_batches, confidence)
    wq, wq_ci = _batch_ci(wait, n_batches, confidence)
    return MMcResult(p_wait, p_ci, wq, wq_ci, n_customers, n_batches, confidence)
