"""What happens to a hazard an inspector found: reported or concealed (accountability
regime), shared with the competent regulator or not (co-governance), enforced; and the
leadership's review, which under problem accountability uncovers concealment."""

from __future__ import annotations

import numpy as np

from sim.agents.governance import behaviour as rules
from sim.agents.governance.agents import Official
from sim.agents.governance.audit import DETAIL_CODE as _D
from sim.agents.governance.audit import DutyRecorder
from sim.agents.governance.cast import Cast
from sim.agents.governance.params import Effective


class Reporting:
    """Reporting, concealment, sharing and enforcement of found hazards.

    Args:
        cast: the agents (regulators enforce, the leadership reviews).
        p: the effective parameters (regime, audit probability, sharing, rectification).
        spike: the campaign spike (a concealing official caught is held to account).
        counts: the system's event counters (updated).
        log: the duty recorder.
    """

    def __init__(self, cast: Cast, p: Effective, spike: float, counts: dict,
                 log: DutyRecorder) -> None:  # fmt: skip
        self.cast, self.p, self.spike, self.counts, self.log = cast, p, spike, counts, log
        self.concealed: list[tuple[Official, np.ndarray, np.ndarray]] = []
        """(official, enterprises, (k, n_types) hazards) concealed since the last review."""

    def report(self, t0, agent, due, found, remit, enforced, rng) -> None:
        """``agent`` found ``found`` (rows: enterprises ``due``) in its round: report or
        conceal each enterprise's findings, then pass the reported ones on and enforce them
        (``enforced`` marks the enterprises enforced this month)."""
        hit = np.nonzero(found.sum(1) > 0)[0]
        p = self.p
        p_rep = float(rules.report_probability(
            agent.diligence, p.regime, p.audit_prob, p.concealment_penalty
        ))  # fmt: skip
        rep = rng.random(hit.size) < p_rep
        self.log(t0, agent, "report", due[hit], rep,
                 np.where(rep, _D["reported"], _D["concealed"]))  # fmt: skip
        if (~rep).any():
            self.concealed.append((agent, due[hit[~rep]], found[hit[~rep]]))
            self.counts["hazards_concealed"] += int(found[hit[~rep]].sum())
        self._enforce(t0, agent, due[hit[rep]], found[hit[rep]], remit, enforced, rng)

    def _enforce(self, t0, finder, idx, found, remit, enforced, rng) -> None:
        """Pass found hazards to the competent regulators (sharing unless the finder is
        competent) and enforce them."""
        park = self.cast.park
        rows, types = np.nonzero(found)
        if rows.size == 0:
            return
        counts = found[rows, types]
        own = types == remit
        share = ~own
        shared = np.ones(rows.size, bool)
        shared[share] = rng.random(int(share.sum())) < self.p.sharing
        self.log(t0, finder, "report", idx[rows[share]], shared[share],
                 np.where(shared[share], _D["shared"], _D["not_shared"]))  # fmt: skip
        for k, reg in enumerate(self.cast.regulators):
            sel = np.nonzero(shared & (types == k))[0]
            if sel.size == 0:
                continue
            done = rng.random(sel.size) < reg.diligence
            ent = idx[rows[sel]]
            amount = np.zeros((sel.size, park.hazards.shape[1]), np.int64)
            amount[np.arange(sel.size), k] = counts[sel] * done
            fixed = park.rectify(ent, amount, self.p.rectification, rng)
            self.counts["hazards_rectified"] += int(fixed.sum())
            enforced[ent[done]] = True
            self.log(t0, reg, "enforce", ent, done,
                     np.where(~done, _D["neglected"], np.where(fixed.sum(1) > 0,
                              _D["rectified"], _D["not_rectified"])))  # fmt: skip

    def review(self, t0: float, rng: np.random.Generator) -> None:
        """The leadership's monthly review: under problem accountability each concealed
        finding is uncovered with P = ``audit_prob``, rectified, and the concealing official
        held to account (a diligence boost). Stream: ``inspections``."""
        lead, p = self.cast.leadership, self.p
        cap = lead.capacity(p.capacity_factor, p.budget_factor)
        _, done = lead.perform(1, cap, rng)
        self.log(t0, lead, "report", -1, done, np.where(done, _D["reviewed"], _D["neglected"]))
        concealed, self.concealed = self.concealed, []
        if not (done[0] and p.regime == "problem_and_accident"):
            return
        for agent, idx, found in concealed:
            hit = rng.random(idx.size) < p.audit_prob
            if not hit.any():
                continue
            self.counts["concealments_discovered"] += int(hit.sum())
            fixed = self.cast.park.rectify(idx[hit], found[hit], p.rectification, rng)
            self.counts["hazards_rectified"] += int(fixed.sum())
            # problem accountability: the concealing official is held to account
            agent.boost += self.spike * (1.0 - agent.diligence) * 0.5
