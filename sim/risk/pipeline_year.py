"""The pipeline chain (bursts → cavities → road collapses) one year at a time, with black swans.

:meth:`sim.risk.pipeline.PipelineAgeingModel.run` simulates a whole window in one call and
keeps its open cavities local to that call. The multi-year model needs the same chain one
year at a time, because screening coverage and black-swan shocks act between and within
years. :class:`PipelineYearStepper` holds the open cavities between calls; both draw each
year with the ONE sampler :meth:`~sim.risk.pipeline.PipelineAgeingModel.sample_year`, so
with no shocks a year-by-year run with a generator is identical, event for event, to ``run``
with that generator (tests/test_pipeline_chain.py). Formulas and sources:
:mod:`sim.risk.pipeline`.

Black swans (added here): an open cavity — a latent defect nobody has found — collapses in
a shock of intensity x at the shock time with probability

    P = 1 - exp(-x v s),

s the shock kind's ``pipeline`` sensitivity (:data:`sim.risk.shocks.SHOCK_KINDS`) and v
the shock vulnerability (default 0.03, the critical-defect value of
:data:`sim.risk.shocks.VULNERABILITY_BY_STATE`: assumption). Because cavity clocks are
memoryless and a shock only removes cavities, drawing the year's clocks first and then
overriding the fate of cavities struck while still open is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.risk.pipeline import EVENT_KINDS, ChainYear, PipelineAgeingModel

BURST, CAVITY, DETECTED, COLLAPSE = (
    EVENT_KINDS.index(k) for k in ("burst", "cavity", "cavity_detected", "road_collapse")
)


@dataclass(frozen=True)
class CavityShock:
    """A shock as the pipeline chain sees it.

    Attributes:
        t_yr: decimal calendar year of the shock.
        intensity: x (dimensionless, Pareto-distributed).
        sensitivity: s, the shock kind's pipeline sensitivity in [0, 1].
    """

    t_yr: float
    intensity: float
    sensitivity: float


@dataclass
class PipelineYear:
    """One year's events (struct of arrays, sorted by time).

    Attributes:
        t_yr: (k,) decimal calendar year.
        kind: (k,) code into :data:`sim.risk.pipeline.EVENT_KINDS`.
        segment: (k,) pipe segment.
        shock_intensity: (k,) intensity of the black swan that caused a collapse, else 0.
    """

    t_yr: np.ndarray
    kind: np.ndarray
    segment: np.ndarray
    shock_intensity: np.ndarray


class PipelineYearStepper:
    """Advance a :class:`PipelineAgeingModel` one calendar year per call.

    Args:
        model: the pipeline model (network and parameters).
        shock_vulnerability: v of the module docstring.

    Attributes:
        open_segment: (m,) segments with an open (undetected, uncollapsed) cavity.
    """

    def __init__(self, model: PipelineAgeingModel, shock_vulnerability: float = 0.03) -> None:
        self.model = model
        self.shock_vulnerability = float(shock_vulnerability)
        self.open_segment = np.zeros(0, np.int64)
        self._open_t = np.zeros(0)

    def open_by_district(self) -> np.ndarray:
        """(D,) open cavities per district now."""
        nw = self.model.network
        return np.bincount(nw.district[self.open_segment], minlength=nw.n_districts)

    def step(
        self,
        year: int,
        rng: np.random.Generator,
        coverage=None,
        shocks: Sequence[CavityShock] = (),
        shock_rng: np.random.Generator | None = None,
    ) -> PipelineYear:
        """Simulate calendar year ``year`` (model years [year, year + 1)).

        Args:
            year: the calendar year.
            rng: random generator.
            coverage: share of roads GPR-scanned this year: None (the parameter), scalar or
                (D,) per district.
            shocks: black swans within the year (any order).
            shock_rng: generator of the shock-collapse draws (default ``rng``); a separate
                stream keeps the chain's own draws identical with and without shocks.

        Returns:
            The year's :class:`PipelineYear` events.
        """
        p, nw = self.model.params, self.model.network
        cov = p.screening_coverage_per_yr if coverage is None else coverage
        cov = np.broadcast_to(np.asarray(cov, float), (nw.n_districts,))
        chain = self.model.sample_year(year, rng, cov, self.open_segment, self._open_t)
        self._strike(chain, shocks, rng if shock_rng is None else shock_rng)
        t, kind, segment, x = chain.events()
        self.open_segment, self._open_t = chain.survivors()
        order = np.argsort(t, kind="stable")
        return PipelineYear(t[order], kind[order], segment[order], x[order])

    def _strike(
        self, chain: ChainYear, shocks: Sequence[CavityShock], rng: np.random.Generator
    ) -> None:
        """Black swans: open cavities struck collapse at the shock time (in place).

        One uniform draw per cavity of the year per shock, in time order of the shocks.
        """
        for s in sorted(shocks, key=lambda s: s.t_yr):
            prob = -np.expm1(-s.intensity * self.shock_vulnerability * s.sensitivity)
            is_open = (chain.open_t <= s.t_yr) & (chain.t_end > s.t_yr)  # born, not yet ended
            hit = is_open & (rng.random(chain.open_segment.size) < prob)
            chain.t_end[hit], chain.ends[hit] = s.t_yr, True
            chain.is_collapse[hit], chain.struck_x[hit] = True, s.intensity
