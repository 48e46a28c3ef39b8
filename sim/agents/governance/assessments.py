"""Third-party safety assessments: intermediaries assess enterprises on a fixed cycle; under
fee pressure and weak checks some reports are falsified (and a checked one is caught).

The routine cycle: every enterprise is assessed once every ``12 / assessments_per_yr``
months, in the month given by its random phase. :meth:`Assessments.batch` also serves other
commissioners (the insurer's surveys of the risk-control insurance policy).
"""

from __future__ import annotations

import numpy as np

from sim.agents.governance import behaviour as rules
from sim.agents.governance.audit import DETAIL_CODE as _D
from sim.agents.governance.audit import DutyRecorder
from sim.agents.governance.cast import Cast
from sim.agents.governance.params import Effective


class Assessments:
    """Safety assessments of the park's enterprises by the assessment firms.

    Args:
        cast: the agents (park, firms, insurer).
        p: the effective parameters (rectification, check strength).
        detection: P(a genuine assessment finds a given latent hazard).
        counts: the system's event counters (updated).
        log: the duty recorder.
    """

    def __init__(self, cast: Cast, p: Effective, detection: float, counts: dict,
                 log: DutyRecorder) -> None:  # fmt: skip
        self.cast, self.p, self.detection, self.counts, self.log = cast, p, detection, counts, log

    def routine(self, t0: float, month: int, per_yr: float, price_pressure: float,
                rng: np.random.Generator) -> None:  # fmt: skip
        """The month's routine assessments (stream ``third_party``)."""
        if per_yr > 0:
            park = self.cast.park
            period = max(1, int(round(12.0 / per_yr)))
            idx = np.nonzero((park.assessment_phase % period) == (month % period))[0]
            self.batch(t0, idx, price_pressure, self.p.check_strength, rng)

    def batch(self, t0, idx, price_pressure, check_strength, rng, insurer=False) -> np.ndarray:
        """Safety assessments of enterprises ``idx`` by random firms; returns the genuine mask.

        With ``insurer`` the insurer checks each report it relies on (P = its diligence).
        """
        cast, counts, log = self.cast, self.counts, self.log
        park, k = cast.park, idx.size
        if k == 0:
            return np.zeros(0, bool)
        firm = rng.integers(0, len(cast.inspectors), k)
        p_f = float(rules.falsification_probability(price_pressure, check_strength))
        for f in cast.inspectors:
            f.diligence = 1.0 - p_f
        falsified = rng.random(k) < p_f
        caught = falsified & (rng.random(k) < check_strength)
        genuine = ~falsified | caught
        found = rng.binomial(park.hazards[idx], self.detection)
        found[~genuine] = 0
        fixed = park.rectify(idx, found, self.p.rectification, rng)
        counts["hazards_found"] += int(found.sum())
        counts["hazards_rectified"] += int(fixed.sum())
        counts["assessments"] += k
        counts["assessments_falsified"] += int(falsified.sum())
        park.certified[idx] = falsified & ~caught | (genuine & (found.sum(1) == 0))
        park.risk_estimate[idx[genuine]] = rules.ewma(
            park.risk_estimate[idx[genuine]], found[genuine].sum(1), 0.5
        )
        ids = np.array([f.unique_id for f in cast.inspectors], np.int64)[firm]
        detail = np.where(caught, _D["falsified_caught"],
                          np.where(falsified, _D["falsified"], _D["genuine"]))  # fmt: skip
        log(t0, ids, "inspect", idx, ~falsified, detail, "market",
            "third_party_inspector", park.district[idx])  # fmt: skip
        if insurer:
            checked = rng.random(k) < cast.insurer.base_diligence
            log(t0, cast.insurer, "inspect", idx, checked,
                np.where(checked, _D["reviewed"], _D["neglected"]))  # fmt: skip
        return genuine
