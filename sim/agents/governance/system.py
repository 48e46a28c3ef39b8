"""GovernanceSystem: the monthly governance tick of a chemical park inside a long run.

One tick (a Mesa recurring event every month, :class:`sim.models.longrun.RiskDynamicsModel`)
runs, in order, each step the job of one part:

1. diligence update: campaign decay, tenure factor of officials, enterprise incentives
   (deterrence, risk-rated premiums), forced failing layers (:mod:`.cast`);
2. latent hazards accumulate at enterprises, fewer where diligence is high (:mod:`.park`);
3. enterprises' self-inspection and rectification, "maintain" (:mod:`.duties`);
4. third-party safety assessments, genuine or falsified (:mod:`.assessments`), then the
   policies' ``after_assessments`` hooks (insurer-paid surveys);
5. residents notice and report hazards; the district government responds (:mod:`.duties`);
6. routine inspections by the district government, each regulator and the industry
   department, capacity-limited, random or risk-targeted (:mod:`.inspections`); found
   problems are reported or concealed, shared or not, and enforced (:mod:`.reporting`);
7. the leadership's review, which finds concealment under problem accountability
   (:mod:`.reporting`);
8. the policies' ``warn`` hooks: early warning and graded response;
9. initiating events pass the five barriers (Swiss cheese); accidents, consequences,
   accountability and campaigns (:mod:`.accidents`);
10. the monthly record (:mod:`.monthly`).

The parameters the steps use are the configuration with the enabled policy plug-ins applied
(:mod:`.params`, :mod:`sim.agents.governance.policies`). Every duty instance goes to the
:class:`~sim.agents.governance.audit.AuditLog`. Each step draws from its own child stream
(:data:`SUBSTREAMS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents.governance.accidents import AccidentPathway, Campaign
from sim.agents.governance.assessments import Assessments
from sim.agents.governance.audit import AuditLog, DutyRecorder
from sim.agents.governance.cast import Cast
from sim.agents.governance.duties import maintain, residents_report
from sim.agents.governance.early_warning import LEVELS
from sim.agents.governance.inspections import Inspections
from sim.agents.governance.monthly import MonthlyRecord, summarise, summary_keys
from sim.agents.governance.params import MONTH_H, YEAR_H, effective_parameters
from sim.agents.governance.policies.registry import plugin
from sim.agents.governance.reporting import Reporting
from sim.scenario.policies import COUNT_KEYS, GovernanceConfig, PoliciesConfig

SUBSTREAMS = (
    "setup",
    "hazards",
    "enterprise",
    "third_party",
    "residents",
    "inspections",
    "warning",
    "initiating",
    "consequences",
    "audit",
)
"""Child streams of the governance stream, one per step, so that switching a policy moves
as few other draws as possible (common random numbers)."""


class GovernanceError(ValueError):
    """Invalid governance set-up (e.g. unknown park district)."""


class GovernanceSystem:
    """Responsibility-layer agents around a chemical park, advanced one month per tick.

    Args:
        model: the Mesa model (needs ``city``, ``n_years``; agents register with it).
        cfg: :class:`~sim.scenario.policies.GovernanceConfig`.
        policies: :class:`~sim.scenario.policies.PoliciesConfig`.
        rng: the model's ``governance`` stream (spawns :data:`SUBSTREAMS`).

    Raises:
        GovernanceError: unknown park district.
        KeyError: an enabled policy has no registered effects.
    """

    def __init__(self, model, cfg: GovernanceConfig, policies: PoliciesConfig, rng) -> None:
        self.model, self.cfg, self.policies = model, cfg, policies
        self.rng = dict(zip(SUBSTREAMS, rng.spawn(len(SUBSTREAMS)), strict=True))
        self.p = effective_parameters(cfg, policies)
        self.plugins = [(plugin(name), policies.block(name)) for name in policies.enabled()]
        self.audit = AuditLog()
        self.log = DutyRecorder(self.audit, self.rng["audit"], MONTH_H)
        city = model.city
        park = cfg.park_district
        if park is None:  # the city's chemical park (city.yaml hazmat)
            if city.profile.hazmat is None:
                raise GovernanceError(
                    "processes.governance.park_district: not given and the city's city.yaml "
                    "has no hazmat.chemical_park_district"
                )
            park = city.profile.hazmat.chemical_park_district
        try:
            self.district = city.index_of(park)
        except KeyError as exc:
            raise GovernanceError(f"processes.governance.park_district: {exc.args[0]}") from None
        row = city.districts.iloc[self.district]
        self.density_per_km2 = float(row["population"]) / float(row["area_km2"])
        self.cast = Cast(model, cfg, policies, self.p, self.district, self.rng["setup"])
        self.park = self.cast.park
        self.month = 0
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.warnings_by_level = np.zeros(len(LEVELS), np.int64)
        self.campaign = Campaign(cfg.campaign)
        self.assessments = Assessments(
            self.cast, self.p, cfg.detection_prob.third_party, self.counts, self.log
        )
        self.reporting = Reporting(self.cast, self.p, cfg.campaign.spike, self.counts, self.log)
        self.inspections = Inspections(
            self.cast, self.p, cfg, self.reporting, self.counts, self.log
        )
        self.accident_pathway = AccidentPathway(
            self.cast, cfg, self.density_per_km2, self.campaign, self.counts, self.log
        )
        self.record = MonthlyRecord(self.cast, cfg.dereliction_threshold)

    def tick(self, t_h: float) -> None:
        """Advance the month ending at model hour ``t_h``."""
        t0 = t_h - MONTH_H
        cfg, rng = self.cfg, self.rng
        self.cast.update_diligence(t0 / YEAR_H, self.campaign.decay())
        self.park.accumulate(cfg.hazard_arrival_per_yr, 1.0, rng["hazards"])
        maintain(self.cast, self.p, cfg.capacity_per_month.enterprise, self.counts, self.log,
                 t0, rng["enterprise"])  # fmt: skip
        tp = cfg.third_party
        self.assessments.routine(t0, self.month, tp.assessments_per_yr, tp.price_pressure,
                                 rng["third_party"])  # fmt: skip
        for policy, block in self.plugins:
            policy.after_assessments(self, block, t0, rng["third_party"])
        used = residents_report(self.cast, self.p, cfg.residents.notice_prob, self.counts,
                                self.log, t0, rng["residents"])  # fmt: skip
        self.inspections.month(t0, self.campaign.active, used, rng["inspections"])
        self.reporting.review(t0, rng["inspections"])
        suspension, evacuated = self._warn(t0)
        self.accident_pathway.month(
            t0, suspension, evacuated, rng["initiating"], rng["consequences"]
        )
        self.record.record(t_h, self.campaign.level)
        self.month += 1

    def _warn(self, t0: float) -> tuple[np.ndarray, np.ndarray]:
        """The policies' warnings: (n,) suspension and evacuated share per enterprise
        (several warning policies combine as independent cuts: 1 - prod(1 - x))."""
        out = None
        for policy, block in self.plugins:
            got = policy.warn(self, block, t0, self.rng["warning"])
            if got is None:
                continue
            if out is None:
                out = got
            else:
                out = tuple(1.0 - (1.0 - a) * (1.0 - b) for a, b in zip(out, got, strict=True))
        n = self.park.n
        return out if out is not None else (np.zeros(n), np.zeros(n))

    # ------------------------------------------------------------------ outputs
    @property
    def campaign_level(self) -> float:
        return self.campaign.level

    def compliance(self) -> np.ndarray:
        """(n, 5) barrier compliance per enterprise and layer (see :meth:`Cast.compliance`)."""
        return self.cast.compliance()

    def layer_diligence(self) -> np.ndarray:
        """(5,) mean diligence per layer."""
        return self.cast.layer_diligence()

    def spend_yuan(self) -> float:
        """Officials' spending on duties so far, yuan."""
        return self.record.spend_yuan()

    def accidents_frame(self) -> pd.DataFrame:
        """One row per chemical accident (chemical_accidents.parquet)."""
        return self.accident_pathway.frame()

    def monthly_frame(self) -> pd.DataFrame:
        """One row per month (governance.parquet)."""
        return self.record.frame()

    def summary(self, n_years: int) -> dict[str, float]:
        """Governance outcomes (keys in sim.scenario.longrun.GOVERNANCE_SUMMARY_KEYS order)."""
        due, done = self.audit.counts()
        return summarise(
            self.accidents_frame(), self.monthly_frame(), due, done, self.counts,
            self.warnings_by_level, int(self.park.hazards.sum()), self.spend_yuan(),
        )  # fmt: skip


__all__ = [
    "MONTH_H",
    "GovernanceError",
    "GovernanceSystem",
    "effective_parameters",
    "summary_keys",
]
