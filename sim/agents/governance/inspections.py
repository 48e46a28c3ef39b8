"""Routine inspections by the district government, each regulator and the industry
department: who is visited (random, or risk-targeted with the risk inventory), within what
capacity, and what is found. What becomes of the findings: :mod:`.reporting`."""

from __future__ import annotations

import numpy as np

from sim.agents.governance import behaviour as rules
from sim.agents.governance.agents import Regulator
from sim.agents.governance.audit import DETAIL_CODE as _D
from sim.agents.governance.audit import DutyRecorder
from sim.agents.governance.cast import Cast
from sim.agents.governance.params import Effective
from sim.agents.governance.reporting import Reporting
from sim.scenario.policies import GovernanceConfig

INVENTORY_SCREENING_PROB = 0.3
"""P(the risk inventory's screening sees a given hazard in a month) (assumption)."""


class Inspections:
    """The month's routine inspection rounds (stream ``inspections``).

    Args:
        cast: the agents.
        p: the effective parameters (targeting, capacity and budget factors).
        cfg: the governance configuration (rates, detection, campaign, reliance).
        reporting: where findings go.
        counts: the system's event counters (updated).
        log: the duty recorder.
    """

    def __init__(self, cast: Cast, p: Effective, cfg: GovernanceConfig, reporting: Reporting,
                 counts: dict, log: DutyRecorder) -> None:  # fmt: skip
        self.cast, self.p, self.cfg = cast, p, cfg
        self.reporting, self.counts, self.log = reporting, counts, log

    def month(self, t0: float, campaign_active: bool, territorial_used: int,
              rng: np.random.Generator) -> None:  # fmt: skip
        """Every official's round, in order: district government, regulators, industry.

        Args:
            t0: start of the month (model hours).
            campaign_active: a campaign multiplies the rates (and, city-wide, unfocuses them).
            territorial_used: district-government capacity already used this month.
            rng: the ``inspections`` stream.
        """
        cast, park, cfg = self.cast, self.cast.park, self.cfg
        if self.p.targeted:  # the risk inventory's screening refreshes the estimates
            seen = rng.binomial(park.total_hazards(), INVENTORY_SCREENING_PROB)
            park.risk_estimate = rules.ewma(park.risk_estimate, seen, 0.5)
        rates = cfg.inspections_per_yr
        det = cfg.detection_prob
        jobs = [(cast.district_gov, rates.territorial, det.territorial, -1)]
        jobs += [(r, rates.regulatory, det.regulatory, r.remit) for r in cast.regulators]
        jobs += [(cast.industry, rates.industry, det.industry, -1)]
        factor = cfg.campaign.inspection_factor if campaign_active else 1.0
        targeted = self.p.targeted and not (
            campaign_active and cfg.campaign.mode == "city_wide"
        )  # a city-wide campaign inspects everyone alike: focus is lost
        enforced = np.zeros(park.n, bool)
        for agent, rate, p_detect, remit in jobs:
            self._round(t0, agent, rate * factor, p_detect, remit, targeted, enforced,
                        territorial_used, rng)  # fmt: skip
        park.enforcement_pressure = rules.ewma(park.enforcement_pressure, enforced)

    def _due(self, rate: float, targeted: bool, rng: np.random.Generator) -> np.ndarray:
        park = self.cast.park
        if targeted:
            # Risk-based inspection planning: the month's visits (as many as a random round
            # would make) go to the enterprises ranked riskiest by the inventory; ties in
            # random order.
            n_due = rng.binomial(park.n, min(1.0, rate / 12.0))
            order = rng.permutation(park.n)
            return order[np.argsort(-park.risk_estimate[order], kind="stable")[:n_due]]
        return np.nonzero(rng.random(park.n) < min(1.0, rate / 12.0))[0]

    def _round(self, t0, agent, rate, p_detect, remit, targeted, enforced, territorial_used,
               rng) -> None:  # fmt: skip
        park = self.cast.park
        due = self._due(rate, targeted, rng)
        if isinstance(agent, Regulator):
            relied = park.certified[due] & (
                rng.random(due.size) < self.cfg.third_party.certificate_reliance
            )
            self.log(t0, agent, "inspect", due[relied], np.zeros(relied.sum(), bool),
                     _D["relied_on_certificate"])  # fmt: skip
            due = due[~relied]
        if targeted:
            due = due[np.argsort(-park.risk_estimate[due], kind="stable")]
        else:
            due = rng.permutation(due)
        cap = agent.capacity(self.p.capacity_factor, self.cast.official_budget_factor())
        if agent is self.cast.district_gov:
            cap = max(0, cap - territorial_used)
        admitted, done = agent.perform(due.size, cap, rng)
        found = np.zeros((due.size, park.hazards.shape[1]), np.int64)
        found[done] = rng.binomial(park.hazards[due[done]], p_detect)
        any_found = found.sum(1) > 0
        detail = np.where(~admitted, _D["over_capacity"], np.where(~done, _D["neglected"],
                          np.where(any_found, _D["found"], _D["clean"])))  # fmt: skip
        self.log(t0, agent, "inspect", due, done, detail)
        park.risk_estimate[due[done]] = rules.ewma(
            park.risk_estimate[due[done]], found[done].sum(1), 0.5
        )
        self.counts["hazards_found"] += int(found.sum())
        self.reporting.report(t0, agent, due, found, remit, enforced, rng)
