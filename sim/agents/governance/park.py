"""The hazardous-chemical enterprises of a park, as arrays (struct of arrays).

Latent hazards are counts per enterprise and hazard type; the type is the remit of the
regulator competent for it (e.g. process safety → emergency management, equipment and
pressure vessels → market regulation, hazardous waste storage → ecology: assumption), so
a hazard found by another regulator must be shared to be enforced.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.policies import GovernanceConfig


class EnterprisePark:
    """Enterprise state, length n.

    Attributes:
        district: (n,) district index.
        hazmat_class: (n,) "toxic_gas" or "fire_explosion" (sim.hazards.chemical classes).
        chronic: (n,) True for enterprises violating rules for years.
        base_diligence: (n,) diligence before incentives.
        diligence: (n,) current diligence.
        boost: (n,) campaign / accountability boost (decays).
        hazards: (n, T) latent hazards per type (int).
        enforcement_pressure: (n,) EWMA of months with enforcement at the enterprise.
        premium_signal: (n,) EWMA of risk-rated premium loading.
        certified: (n,) True while the last safety assessment was clean (genuine or not).
        risk_estimate: (n,) EWMA of hazards found by genuine checks (the risk inventory).
        assessment_phase: (n,) month (mod the assessment period) of the assessment.
    """

    def __init__(self, cfg: GovernanceConfig, district: int, n_types: int, rng) -> None:
        n = cfg.n_enterprises
        self.n = n
        self.district = np.full(n, district, np.int16)
        n_tox = int(round(n * cfg.toxic_share))
        self.hazmat_class = np.array(["toxic_gas"] * n_tox + ["fire_explosion"] * (n - n_tox))
        # chronic violators are drawn among the enterprises (assumption: any class)
        self.chronic = np.zeros(n, bool)
        self.chronic[rng.choice(n, cfg.chronic_violators, replace=False)] = True
        self.base_diligence = np.where(
            self.chronic, cfg.chronic_diligence, cfg.diligence.enterprise
        ).astype(float)
        self.diligence = self.base_diligence.copy()
        self.arrival_multiplier = np.where(self.chronic, cfg.chronic_hazard_multiplier, 1.0)
        self.boost = np.zeros(n)
        # start from one year's accumulation at base diligence (assumption)
        lam = cfg.hazard_arrival_per_yr * self.arrival_multiplier * (1.0 - self.base_diligence)
        lam = lam / n_types
        self.hazards = rng.poisson(np.repeat(lam[:, None], n_types, axis=1)).astype(np.int64)
        self.enforcement_pressure = np.zeros(n)
        self.premium_signal = np.zeros(n)
        self.certified = np.zeros(n, bool)
        self.risk_estimate = np.zeros(n)
        self.assessment_phase = rng.integers(0, 1 << 30, n)

    def total_hazards(self) -> np.ndarray:
        return self.hazards.sum(axis=1)

    def accumulate(self, arrival_per_yr: float, months: float, rng: np.random.Generator):
        """New hazards ~ Poisson(a m_i (1 - d_i) months / 12 / T) per type (violations grow
        where diligence is low; m_i: chronic-violator multiplier; assumption); returns the
        (n, T) new counts."""
        n_types = self.hazards.shape[1]
        lam = arrival_per_yr * self.arrival_multiplier * (1.0 - self.diligence)
        lam = lam * months / 12.0 / n_types
        new = rng.poisson(np.repeat(lam[:, None], n_types, axis=1))
        self.hazards += new
        return new

    def rectify(self, idx, found, p: float, rng: np.random.Generator) -> np.ndarray:
        """Remove Binomial(found, p) hazards at enterprises ``idx`` (rows of (k, T) found);
        returns the (k, T) rectified counts. ``idx`` must not repeat."""
        fixed = rng.binomial(found, p)
        fixed = np.minimum(fixed, self.hazards[idx])
        self.hazards[idx] -= fixed
        return fixed
