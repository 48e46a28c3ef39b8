"""Black swans: rare shocks with heavy-tailed intensity, amplified by accumulated latent risk.

Arrivals: Poisson process with rate ``rate_per_yr`` (default 0.05/yr, one per 20 years:
assumption). Intensity X ~ Pareto(alpha, x_min): P(X > x) = (x / x_min)^-alpha, default alpha 1.5
(finite mean, infinite variance: a heavy tail as found for many disaster-size distributions; see
Clauset, Shalizi & Newman 2009, "Power-law distributions in empirical data", SIAM Review
51(4):661-703, for fitting and caveats; the value 1.5 is an assumption), optionally capped at
``x_max``. Kind of shock: one of `SHOCK_KINDS`, uniformly (assumption), each hitting sectors
with a sensitivity in [0, 1] (assumption).

Interaction with latent risk: an asset in condition state s fails in a shock of intensity X with

    P = 1 - exp(-X v_s sensitivity),   v = (0.0005, 0.001, 0.003, 0.01, 0.03) (assumption),

so a stock with many deferred defects loses far more assets to the same shock than a maintained
one (the briefing: white elephants turn black swans into grey rhinos, docs/domain.md §2).
`amplification` reports that ratio against an as-new stock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.risk.deterioration import AssetInventory

SHOCK_KINDS: dict[str, dict[str, float]] = {
    "extreme_rainstorm": {"drainage_underpass": 1.0, "pipeline": 0.5, "old_housing": 0.2},
    "earthquake": {"old_housing": 1.0, "pipeline": 0.7, "facade": 0.5, "drainage_underpass": 0.3},
    "extreme_wind": {"signboard": 1.0, "facade": 1.0, "old_housing": 0.2},
}
VULNERABILITY_BY_STATE = np.array([0.0005, 0.001, 0.003, 0.01, 0.03])  # assumption


@dataclass(frozen=True)
class BlackSwanShocks:
    """Rare heavy-tailed shocks (module docstring)."""

    rate_per_yr: float = 0.05
    pareto_alpha: float = 1.5
    x_min: float = 1.0
    x_max: float | None = None
    kinds: dict[str, dict[str, float]] = field(default_factory=lambda: dict(SHOCK_KINDS))

    def sample(self, t0_yr: float, t1_yr: float, rng: np.random.Generator):
        """Shocks in [t0, t1): (times (k,), kinds (k,) str, intensities (k,))."""
        n = rng.poisson(self.rate_per_yr * (t1_yr - t0_yr))
        t = np.sort(rng.uniform(t0_yr, t1_yr, n))
        x = self.x_min * (1.0 - rng.random(n)) ** (-1.0 / self.pareto_alpha)
        if self.x_max is not None:
            x = np.minimum(x, self.x_max)
        names = sorted(self.kinds)
        kinds = np.array([names[i] for i in rng.integers(0, len(names), n)], dtype=object)
        return t, kinds, x

    def failure_probability(self, inv: AssetInventory, kind: str, intensity: float, state=None):
        """(n,) P(asset fails in this shock); ``state`` overrides the current states."""
        sens = np.array([self.kinds[kind].get(s.name, 0.0) for s in inv.sectors])[inv.sector]
        st = inv.state if state is None else state
        return -np.expm1(-intensity * VULNERABILITY_BY_STATE[st] * sens)

    def apply(self, inv: AssetInventory, kind: str, intensity: float, rng) -> np.ndarray:
        """Draw failures; returns (k,) failed asset indices (state is not changed here)."""
        p = self.failure_probability(inv, kind, intensity)
        return np.nonzero(rng.random(inv.n_assets) < p)[0]

    def amplification(self, inv: AssetInventory, kind: str, intensity: float) -> float:
        """Expected shock failures of the current stock / those of an as-new stock."""
        cur = self.failure_probability(inv, kind, intensity).sum()
        new = self.failure_probability(inv, kind, intensity, np.zeros_like(inv.state)).sum()
        return float(cur / new) if new > 0 else float("nan")
