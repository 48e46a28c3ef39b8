"""Accident pathway as layered barriers (Reason's Swiss-cheese model).

Latent hazards H_i (violations, unreported defects) raise the rate of initiating events at
enterprise i: f_i = f0 (1 + w H_i) per year (hazardous preconditions; Reason 1997, "Managing
the Risks of Organizational Accidents", Ashgate, ch. 1: latent conditions create the holes
that an active failure passes through; the linear form is an assumption). Each initiating
event is stopped by layer l with probability s_il = e_l c_il, with c_il = diligence x
capacity coverage of the agent that holds layer l for enterprise i; it becomes an accident
only if every barrier fails. Over a period of dt years this is a thinned Poisson process:

    accidents_i ~ Poisson(f_i dt prod_l (1 - e_l c_il)),

the per-year probability of :func:`sim.hazards.chemical.accident_probability` (same
formula, reused). Failing k layers (c = 0) multiplies the rate by prod over those layers of
1 / (1 - e_l c_l): geometric in k for equal layers (the collective-dereliction experiment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.hazards.chemical import LAYERS, accident_probability


def barrier_compliance(diligence, coverage) -> np.ndarray:
    """c = diligence x coverage, clipped to [0, 1]; coverage = min(1, capacity / due)."""
    return np.clip(np.asarray(diligence, float) * np.asarray(coverage, float), 0.0, 1.0)


def initiating_rate_per_yr(f0: float, hazards, weight: float) -> np.ndarray:
    """f_i = f0 (1 + w H_i), per enterprise-year."""
    return f0 * (1.0 + weight * np.asarray(hazards, float))


def miss_probability(compliance, effectiveness) -> np.ndarray:
    """(n, L) P(layer l does not stop an initiating event) = 1 - e_l c_il."""
    return 1.0 - np.asarray(effectiveness, float) * np.asarray(compliance, float)


def accident_probability_in(dt_yr: float, rate_per_yr, compliance, effectiveness) -> np.ndarray:
    """(n,) P(at least one accident in dt years) = 1 - exp(-f dt prod_l (1 - e_l c_l)),
    via :func:`sim.hazards.chemical.accident_probability` with f dt as the rate."""
    return accident_probability(np.asarray(rate_per_yr, float) * dt_yr, compliance, effectiveness)


@dataclass
class BarrierDraws:
    """Initiating events of one period and their passage through the layers.

    Attributes:
        enterprise: (m,) enterprise of each initiating event.
        failed: (m, L) True where layer l failed to stop event k.
        accident: (m,) True where every layer failed.
    """

    enterprise: np.ndarray
    failed: np.ndarray
    accident: np.ndarray

    @property
    def layers_failed(self) -> np.ndarray:
        return self.failed.sum(axis=1)


def sample_period(
    dt_yr: float,
    rate_per_yr,
    compliance,
    effectiveness,
    rng: np.random.Generator,
) -> BarrierDraws:
    """Draw initiating events in dt years and each barrier's failure for each event.

    Args:
        dt_yr: period length, years.
        rate_per_yr: (n,) initiating rate f_i (already cut by any suspension).
        compliance: (n, L) c_il in [0, 1].
        effectiveness: scalar or (L,) e_l.
        rng: random generator (two draws: event counts, barrier uniforms).

    Returns:
        :class:`BarrierDraws`; accidents are Poisson(f dt prod(1 - e c)) per enterprise.
    """
    n_events = rng.poisson(np.asarray(rate_per_yr, float) * dt_yr)
    ent = np.repeat(np.arange(n_events.size), n_events)
    miss = miss_probability(compliance, effectiveness)
    failed = rng.random((ent.size, miss.shape[1])) < miss[ent]
    return BarrierDraws(ent, failed, failed.all(axis=1))


__all__ = [
    "LAYERS",
    "BarrierDraws",
    "accident_probability_in",
    "barrier_compliance",
    "initiating_rate_per_yr",
    "miss_probability",
    "sample_period",
]
