"""The pipeline chain (bursts → cavities → road collapses) one year at a time, with black swans.

:meth:`sim.risk.pipeline.PipelineAgeingModel.run` simulates a whole window in one call and
keeps its open cavities local to that call. The multi-year model needs the same chain one
year at a time, because screening coverage and black-swan shocks act between and within
years. :class:`PipelineYearStepper` holds the open cavities between calls and makes the SAME
draws in the SAME order as ``run`` (per year: construction proximity, Poisson burst counts,
burst times, cavity draws, competing exponential clocks), so with no shocks a year-by-year
run with a generator is identical, event for event, to ``run`` with that generator
(tests/test_longrun.py). Formulas and sources: :mod:`sim.risk.pipeline`.

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

from sim.risk.pipeline import EVENT_KINDS, PipelineAgeingModel, shamir_howard_expected_breaks

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
        nw, p = model.network, model.params
        self._n0 = nw.material_array("n0_per_km_yr")
        self._a = nw.material_array("growth_per_yr")
        self._base = nw.length_km * np.where(nw.heavy_traffic, p.heavy_traffic_multiplier, 1.0)
        self._share = model.construction_share()
        self.open_segment = np.zeros(0, np.int64)
        self._open_t = np.zeros(0)

    def year_hazard(self, year: float) -> np.ndarray:
        """(n,) expected bursts of each segment over [year, year + 1) without construction.

        Closed-form Shamir–Howard integral from the later of the year start and the install
        date (:func:`sim.risk.pipeline.shamir_howard_expected_breaks`).
        """
        nw = self.model.network
        age0 = year - nw.install_year
        span = 1.0 - np.clip(-age0, 0.0, 1.0)
        h = shamir_howard_expected_breaks(np.maximum(age0, 0.0), span, self._n0, self._a)
        return np.where(age0 > -1.0, h * self._base, 0.0)

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
        y = float(year)
        cov = p.screening_coverage_per_yr if coverage is None else coverage
        cov = np.broadcast_to(np.asarray(cov, float), (nw.n_districts,))
        # --- the draws of PipelineAgeingModel.run, in its order -------------------------
        near = rng.random(nw.n_segments) < self._share[nw.district]
        h = self.year_hazard(y) * np.where(near, p.construction_multiplier, 1.0)
        counts = rng.poisson(h)
        seg = np.repeat(np.nonzero(counts)[0], counts[counts > 0])
        a = self._a[seg]
        lo = np.clip(nw.install_year[seg] - y, 0.0, 1.0)
        u = rng.random(seg.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            tau = np.where(
                a > 0,
                np.log(np.exp(a * lo) + u * (np.exp(a) - np.exp(a * lo))) / np.where(a > 0, a, 1),
                lo + u * (1 - lo),
            )
        t_b = y + tau
        cav = rng.random(seg.size) < p.p_cavity_per_burst
        open_seg = np.concatenate([self.open_segment, seg[cav]])
        open_t = np.concatenate([self._open_t, t_b[cav]])
        rate = p.collapse_rate_per_yr + cov[nw.district[open_seg]] * p.detection_prob
        t_end = open_t + rng.exponential(1.0, open_seg.size) / rate
        ends = t_end < y + 1.0
        is_col = rng.random(open_seg.size) * rate < p.collapse_rate_per_yr
        # --- black swans: open cavities struck collapse at the shock time --------------
        struck_x = np.zeros(open_seg.size)
        shock_rng = rng if shock_rng is None else shock_rng
        for s in sorted(shocks, key=lambda s: s.t_yr):
            prob = -np.expm1(-s.intensity * self.shock_vulnerability * s.sensitivity)
            is_open = (open_t <= s.t_yr) & (t_end > s.t_yr)  # born, not yet ended
            hit = is_open & (shock_rng.random(open_seg.size) < prob)
            t_end[hit], ends[hit], is_col[hit], struck_x[hit] = s.t_yr, True, True, s.intensity
        # --- events in run's order (bursts, cavities, collapses, detections) -----------
        col, det = ends & is_col, ends & ~is_col
        t = np.concatenate([t_b, t_b[cav], t_end[col], t_end[det]])
        kind = np.concatenate(
            [
                np.full(seg.size, BURST, np.int8),
                np.full(int(cav.sum()), CAVITY, np.int8),
                np.full(int(col.sum()), COLLAPSE, np.int8),
                np.full(int(det.sum()), DETECTED, np.int8),
            ]
        )
        segment = np.concatenate([seg, seg[cav], open_seg[col], open_seg[det]]).astype(np.int64)
        x = np.concatenate([np.zeros(seg.size + int(cav.sum())), struck_x[col], struck_x[det]])
        # memoryless clocks: survivors restart at the year end with next year's rates
        self.open_segment = open_seg[~ends].astype(np.int64)
        self._open_t = np.full(self.open_segment.size, y + 1.0)
        order = np.argsort(t, kind="stable")
        return PipelineYear(t[order], kind[order], segment[order], x[order])
