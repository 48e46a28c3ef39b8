"""GovernanceSystem: the monthly governance tick of a chemical park inside a long run.

One tick (a Mesa recurring event every month, :class:`sim.models.longrun.RiskDynamicsModel`)
runs, in order:

1. diligence update: campaign decay, tenure factor of officials, enterprise incentives
   (deterrence, risk-rated premiums), forced failing layers;
2. latent hazards accumulate at enterprises (fewer where diligence is high);
3. enterprises' self-inspection and rectification ("maintain");
4. third-party safety assessments (genuine or falsified) and, with the risk-control
   insurance policy, insurer-paid surveys;
5. residents notice and report hazards; the district government responds;
6. routine inspections by the district government, each regulator and the industry
   department (capacity-limited, random or risk-targeted order); found problems are reported
   or concealed (accountability regime), shared with the competent regulator or not
   (co-governance) and enforced;
7. the leadership's review (finds concealment under problem accountability);
8. early warning and graded response (policy);
9. initiating events pass the five barriers (Swiss cheese); accidents, consequences,
   accountability and campaigns.

Every duty instance goes to the :class:`~sim.agents.governance.audit.AuditLog`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.agents.governance import behaviour as rules
from sim.agents.governance.agents import (
    DistrictGovernment,
    DutyBearer,
    Enterprise,
    IndustryDepartment,
    Insurer,
    MunicipalLeadership,
    Official,
    Regulator,
    Residents,
    ThirdPartyInspector,
)
from sim.agents.governance.audit import DETAILS, AuditLog
from sim.agents.governance.barriers import barrier_compliance, initiating_rate_per_yr, sample_period
from sim.agents.governance.consequences import accident_consequence, evacuated_share
from sim.agents.governance.early_warning import LEVELS, false_alarms, warning_levels
from sim.agents.governance.park import EnterprisePark
from sim.hazards.chemical import LAYERS
from sim.scenario.policies import COUNT_KEYS, GovernanceConfig, PoliciesConfig

YEAR_H = 24.0 * 365.25
MONTH_H = YEAR_H / 12.0
MONTH_YR = 1.0 / 12.0

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

LEADERSHIP_BUDGET_WEIGHT = 0.5
"""Share of lower officials' budgets that depends on the leadership's diligence:
budget x (1 - 0.5 (1 - d_lead)) (assumption: a leadership that neglects safety funds it less;
the institutional policy removes the dependence)."""
CAMPAIGN_ACTIVE_LEVEL = 0.25
"""A campaign is under way while its decaying level (1 at launch) exceeds this (two
half-lives)."""
INVENTORY_SCREENING_PROB = 0.3
"""P(the risk inventory's screening sees a given hazard in a month) (assumption)."""

_D = {name: DETAILS.index(name) for name in DETAILS}


class GovernanceError(ValueError):
    """Invalid governance set-up (e.g. unknown park district)."""


@dataclass
class Effective:
    """Parameters after the policy plug-ins (what the tick uses)."""

    regime: str
    audit_prob: float
    concealment_penalty: float
    sharing: float
    resident_report: float
    effectiveness: np.ndarray
    rectification: float
    capacity_factor: float
    budget_factor: float
    leadership_budget_weight: float
    tenure_weight: float
    targeted: bool
    self_detection: float
    price_pressure_insured: float
    check_strength: float
    check_strength_insured: float


def effective_parameters(cfg: GovernanceConfig, pol: PoliciesConfig) -> Effective:
    """Apply the enabled policy plug-ins to the governance parameters."""
    e = np.array([getattr(cfg.effectiveness, layer) for layer in LAYERS])
    rect = cfg.rectification_prob
    if pol.handbook.enabled:
        e = e + pol.handbook.effectiveness_gain * (1.0 - e)
        rect = rect + pol.handbook.rectification_gain * (1.0 - rect)
    inst = pol.institutional
    acc = pol.accountability
    co = pol.co_governance
    ins = pol.risk_control_insurance
    tp = cfg.third_party
    check = tp.check_rate
    check_ins = 1.0 - (1.0 - check) * (1.0 - ins.insurer_check_rate) if ins.enabled else check
    return Effective(
        regime=acc.regime if acc.enabled else "accident_only",
        audit_prob=acc.audit_prob if acc.enabled else 0.0,
        concealment_penalty=acc.concealment_penalty if acc.enabled else 0.0,
        sharing=co.information_sharing if co.enabled else cfg.information_sharing,
        resident_report=min(
            1.0, cfg.residents.report_prob * (co.resident_report_multiplier if co.enabled else 1)
        ),
        effectiveness=e,
        rectification=rect,
        capacity_factor=inst.capacity_multiplier if inst.enabled else 1.0,
        budget_factor=inst.budget_multiplier if inst.enabled else 1.0,
        leadership_budget_weight=0.0 if inst.enabled else LEADERSHIP_BUDGET_WEIGHT,
        tenure_weight=cfg.tenure.weight * (inst.tenure_weight_factor if inst.enabled else 1.0),
        targeted=pol.risk_inventory.enabled,
        self_detection=min(
            1.0,
            cfg.detection_prob.enterprise_self
            + (pol.risk_inventory.self_detection_gain if pol.risk_inventory.enabled else 0.0),
        ),
        price_pressure_insured=tp.price_pressure * (1.0 - ins.fee_uplift),
        check_strength=check,
        check_strength_insured=check_ins,
    )


class GovernanceSystem:
    """Responsibility-layer agents around a chemical park, advanced one month per tick.

    Args:
        model: the Mesa model (needs ``city``, ``n_years``; agents register with it).
        cfg: :class:`~sim.scenario.policies.GovernanceConfig`.
        policies: :class:`~sim.scenario.policies.PoliciesConfig`.
        rng: the model's ``governance`` stream (spawns :data:`SUBSTREAMS`).

    Raises:
        GovernanceError: unknown park district.
    """

    def __init__(self, model, cfg: GovernanceConfig, policies: PoliciesConfig, rng) -> None:
        self.model, self.cfg, self.policies = model, cfg, policies
        self.rng = dict(zip(SUBSTREAMS, rng.spawn(len(SUBSTREAMS)), strict=True))
        self.p = effective_parameters(cfg, policies)
        self.audit = AuditLog()
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
        setup = self.rng["setup"]
        n_reg = len(cfg.regulators)
        terms = setup.uniform(0.0, cfg.tenure.tenure_yr, 3 + n_reg)

        def official(cls, layer: str, i: int, **kw):
            return cls(
                model,
                self.district if layer == "territorial" else -1,
                getattr(cfg.diligence, layer),
                getattr(cfg.capacity_per_month, layer),
                getattr(cfg.budget_yuan_per_yr, layer),
                cfg.cost_per_duty_yuan,
                term_start_yr=float(terms[i]),
                **kw,
            )

        self.leadership = official(MunicipalLeadership, "leadership", 0)
        self.district_gov = official(DistrictGovernment, "territorial", 1)
        self.regulators = [
            official(Regulator, "regulatory", 3 + k, remit=k, name=name)
            for k, name in enumerate(cfg.regulators)
        ]
        self.industry = official(IndustryDepartment, "industry", 2)
        self.officials: list[Official] = [
            self.leadership,
            self.district_gov,
            *self.regulators,
            self.industry,
        ]
        self._term_starts = np.array([a.term_start_yr for a in self.officials])
        self.park = EnterprisePark(cfg, self.district, n_reg, setup)
        self.enterprises = [Enterprise(model, self.park, i) for i in range(self.park.n)]
        self.enterprise_ids = np.array([a.unique_id for a in self.enterprises], np.int64)
        ins = policies.risk_control_insurance
        self.insurer = Insurer(
            model, -1, ins.insurer_check_rate, 10_000, 1e12, cfg.cost_per_duty_yuan
        )
        self.inspectors = [
            ThirdPartyInspector(model, -1, 1.0, 10_000, 1e12, cfg.cost_per_duty_yuan)
            for _ in range(cfg.third_party.firms)
        ]
        self.residents = Residents(
            model, self.district, self.p.resident_report, 10_000, 1e12, cfg.cost_per_duty_yuan
        )
        self.park_forced: float | None = None
        self._territorial_used = 0
        for k in range(cfg.failing_layers):  # collective-dereliction experiment
            self._force_layer(LAYERS[k], cfg.derelict_diligence)
        self.month = 0
        self.campaign_level = 0.0
        self.concealed: list[tuple[Official, np.ndarray, np.ndarray]] = []
        self.accidents: list[dict] = []
        self.monthly: list[dict] = []
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.warnings_by_level = np.zeros(len(LEVELS), np.int64)

    # ------------------------------------------------------------------ helpers
    def _force_layer(self, layer: str, value: float) -> None:
        if layer == "enterprise":
            self.park_forced = value
            self.park.diligence[:] = value
            return
        for a in self.officials:
            if a.layer == layer:
                a.forced = value
                a.diligence = value

    def _log(self, t0, agent: DutyBearer | np.ndarray, duty: str, target, done, detail,
             layer=None, agent_type=None, district=None) -> None:  # fmt: skip
        """Audit a batch of duties arising at t0 and due at the month's end."""
        done = np.asarray(done, bool)
        n = done.size
        if n == 0:
            return
        u = self.rng["audit"].random(n)
        done_t = np.where(done, t0 + u * MONTH_H, np.nan)
        if isinstance(agent, DutyBearer):
            agent_id, layer, agent_type, district = (
                agent.unique_id, agent.layer, agent.agent_type, agent.district,
            )  # fmt: skip
        else:
            agent_id = agent
        self.audit.add(t0, agent_id, layer, agent_type, district, duty, target,
                       t0 + MONTH_H, done, done_t, detail)  # fmt: skip

    def _official_budget_factor(self) -> float:
        w = self.p.leadership_budget_weight
        return self.p.budget_factor * (1.0 - w * (1.0 - self.leadership.diligence))

    @property
    def campaign_active(self) -> bool:
        return self.campaign_level > CAMPAIGN_ACTIVE_LEVEL

    def compliance(self) -> np.ndarray:
        """(n, 5) barrier compliance c_il = diligence x coverage of layer l's agent for
        enterprise i (regulatory: mean over regulators)."""
        n = self.park.n
        c = np.empty((n, len(LAYERS)))
        c[:, 0] = barrier_compliance(self.leadership.diligence, self.leadership.coverage)
        c[:, 1] = barrier_compliance(self.district_gov.diligence, self.district_gov.coverage)
        c[:, 2] = np.mean([barrier_compliance(r.diligence, r.coverage) for r in self.regulators])
        c[:, 3] = barrier_compliance(self.industry.diligence, self.industry.coverage)
        c[:, 4] = self.park.diligence
        return c

    def layer_diligence(self) -> np.ndarray:
        """(5,) mean diligence per layer."""
        return np.array(
            [
                self.leadership.diligence,
                self.district_gov.diligence,
                np.mean([r.diligence for r in self.regulators]),
                self.industry.diligence,
                float(self.park.diligence.mean()),
            ]
        )

    # ------------------------------------------------------------------ the tick
    def tick(self, t_h: float) -> None:
        """Advance the month ending at model hour ``t_h``."""
        t0 = t_h - MONTH_H
        self._territorial_used = 0
        self._update_diligence(t0 / YEAR_H)
        self.park.accumulate(self.cfg.hazard_arrival_per_yr, 1.0, self.rng["hazards"])
        self._maintain(t0)
        self._assessments(t0)
        self._residents(t0)
        self._inspections(t0)
        self._leadership_review(t0)
        suspension, evacuated = self._early_warning(t0)
        self._accident_step(t0, suspension, evacuated)
        self._record(t_h)
        self.month += 1

    def _update_diligence(self, t_yr: float) -> None:
        cfg = self.cfg
        decay = 2.0 ** (-1.0 / cfg.campaign.half_life_months)
        self.campaign_level *= decay
        m = rules.tenure_factor(
            t_yr, self._term_starts, cfg.tenure.tenure_yr, cfg.tenure.discount_rate,
            self.p.tenure_weight,
        )  # fmt: skip
        for a, m_a in zip(self.officials, m, strict=True):
            a.boost *= decay
            a.update_diligence(float(m_a))
        park = self.park
        park.boost *= decay
        ins = self.policies.risk_control_insurance
        d = rules.enterprise_diligence(
            park.base_diligence,
            park.enforcement_pressure,
            park.premium_signal,
            ins.premium_sensitivity if ins.enabled else 0.0,
        )
        park.diligence = np.clip(d + park.boost, 0.0, 1.0)
        if self.park_forced is not None:
            park.diligence[:] = self.park_forced

    def _maintain(self, t0: float) -> None:
        park, rng = self.park, self.rng["enterprise"]
        done = rng.random(park.n) < park.diligence
        found = rng.binomial(park.hazards, self.p.self_detection) * done[:, None]
        cap = self.cfg.capacity_per_month.enterprise
        prev = np.cumsum(found, axis=1) - found
        fixed = np.clip(np.minimum(found, cap - prev), 0, None)
        park.hazards -= fixed
        self.counts["hazards_rectified"] += int(fixed.sum())
        detail = np.where(~done, _D["neglected"], np.where(fixed.sum(1) > 0, _D["rectified"],
                          _D["clean"]))  # fmt: skip
        self._log(t0, self.enterprise_ids, "maintain", np.arange(park.n), done, detail,
                  "enterprise", "enterprise", park.district)  # fmt: skip

    def _assessment_batch(self, t0, idx, price_pressure, check_strength, rng, insurer=False):
        """Safety assessments of enterprises ``idx`` by random firms; returns genuine mask."""
        park, k = self.park, idx.size
        if k == 0:
            return np.zeros(0, bool)
        firm = rng.integers(0, len(self.inspectors), k)
        p_f = float(rules.falsification_probability(price_pressure, check_strength))
        for f in self.inspectors:
            f.diligence = 1.0 - p_f
        falsified = rng.random(k) < p_f
        caught = falsified & (rng.random(k) < check_strength)
        genuine = ~falsified | caught
        found = rng.binomial(park.hazards[idx], self.cfg.detection_prob.third_party)
        found[~genuine] = 0
        fixed = park.rectify(idx, found, self.p.rectification, rng)
        self.counts["hazards_found"] += int(found.sum())
        self.counts["hazards_rectified"] += int(fixed.sum())
        self.counts["assessments"] += k
        self.counts["assessments_falsified"] += int(falsified.sum())
        park.certified[idx] = falsified & ~caught | (genuine & (found.sum(1) == 0))
        park.risk_estimate[idx[genuine]] = rules.ewma(
            park.risk_estimate[idx[genuine]], found[genuine].sum(1), 0.5
        )
        ids = np.array([f.unique_id for f in self.inspectors], np.int64)[firm]
        detail = np.where(caught, _D["falsified_caught"],
                          np.where(falsified, _D["falsified"], _D["genuine"]))  # fmt: skip
        self._log(t0, ids, "inspect", idx, ~falsified, detail, "market",
                  "third_party_inspector", park.district[idx])  # fmt: skip
        if insurer:
            checked = rng.random(k) < self.insurer.base_diligence
            self._log(t0, self.insurer, "inspect", idx, checked,
                      np.where(checked, _D["reviewed"], _D["neglected"]))  # fmt: skip
        return genuine

    def _assessments(self, t0: float) -> None:
        cfg, park, rng = self.cfg, self.park, self.rng["third_party"]
        tp = cfg.third_party
        if tp.assessments_per_yr > 0:
            period = max(1, int(round(12.0 / tp.assessments_per_yr)))
            idx = np.nonzero((park.assessment_phase % period) == (self.month % period))[0]
            self._assessment_batch(t0, idx, tp.price_pressure, self.p.check_strength, rng)
        ins = self.policies.risk_control_insurance
        if ins.enabled:
            idx = np.nonzero(rng.random(park.n) < ins.surveys_per_yr / 12.0)[0]
            genuine = self._assessment_batch(
                t0, idx, self.p.price_pressure_insured, self.p.check_strength_insured, rng, True
            )
            # risk-rated premium: the loading bites only where the survey was genuine
            park.premium_signal[idx] = rules.ewma(
                park.premium_signal[idx], ins.premium_loading * genuine, 0.5
            )

    def _residents(self, t0: float) -> None:
        park, rng = self.park, self.rng["residents"]
        noticed = rng.binomial(park.hazards, self.cfg.residents.notice_prob)
        idx = np.nonzero(noticed.sum(1) > 0)[0]
        if idx.size == 0:
            return
        res = self.residents
        res.diligence = self.p.resident_report
        reported = rng.random(idx.size) < res.diligence
        self._log(t0, res, "report", idx, reported, np.where(reported, _D["reported"], _D[""]))
        self.counts["resident_reports"] += int(reported.sum())
        idx = idx[reported]
        gov = self.district_gov
        cap = gov.capacity(self.p.capacity_factor, self._official_budget_factor())
        _, done = gov.perform(idx.size, cap, rng)
        fixed = park.rectify(idx[done], noticed[idx[done]], self.p.rectification, rng)
        self.counts["hazards_rectified"] += int(fixed.sum())
        self._log(t0, gov, "respond", idx, done,
                  np.where(done, _D["rectified"], _D["over_capacity"]))  # fmt: skip
        self._territorial_used = min(cap, idx.size)  # answering residents uses capacity

    def _inspections(self, t0: float) -> None:
        rng = self.rng["inspections"]
        park = self.park
        if self.p.targeted:  # the risk inventory's screening refreshes the estimates
            seen = rng.binomial(park.total_hazards(), INVENTORY_SCREENING_PROB)
            park.risk_estimate = rules.ewma(park.risk_estimate, seen, 0.5)
        rates = self.cfg.inspections_per_yr
        det = self.cfg.detection_prob
        jobs = [(self.district_gov, rates.territorial, det.territorial, -1)]
        jobs += [(r, rates.regulatory, det.regulatory, r.remit) for r in self.regulators]
        jobs += [(self.industry, rates.industry, det.industry, -1)]
        factor = self.cfg.campaign.inspection_factor if self.campaign_active else 1.0
        targeted = self.p.targeted and not (
            self.campaign_active and self.cfg.campaign.mode == "city_wide"
        )  # a city-wide campaign inspects everyone alike: focus is lost
        enforced = np.zeros(park.n, bool)
        for agent, rate, p_detect, remit in jobs:
            self._inspection_round(t0, agent, rate * factor, p_detect, remit, targeted, enforced,
                                   rng)  # fmt: skip
        park.enforcement_pressure = rules.ewma(park.enforcement_pressure, enforced)

    def _inspection_round(self, t0, agent, rate, p_detect, remit, targeted, enforced, rng):
        park = self.park
        if targeted:
            # Risk-based inspection planning: the month's visits (as many as a random round
            # would make) go to the enterprises ranked riskiest by the inventory; ties in
            # random order.
            n_due = rng.binomial(park.n, min(1.0, rate / 12.0))
            order = rng.permutation(park.n)
            due = order[np.argsort(-park.risk_estimate[order], kind="stable")[:n_due]]
        else:
            due = np.nonzero(rng.random(park.n) < min(1.0, rate / 12.0))[0]
        if isinstance(agent, Regulator):
            relied = park.certified[due] & (
                rng.random(due.size) < self.cfg.third_party.certificate_reliance
            )
            self._log(t0, agent, "inspect", due[relied], np.zeros(relied.sum(), bool),
                      _D["relied_on_certificate"])  # fmt: skip
            due = due[~relied]
        if targeted:
            due = due[np.argsort(-park.risk_estimate[due], kind="stable")]
        else:
            due = rng.permutation(due)
        cap = agent.capacity(self.p.capacity_factor, self._official_budget_factor())
        if agent is self.district_gov:
            cap = max(0, cap - self._territorial_used)
        admitted, done = agent.perform(due.size, cap, rng)
        found = np.zeros((due.size, park.hazards.shape[1]), np.int64)
        found[done] = rng.binomial(park.hazards[due[done]], p_detect)
        any_found = found.sum(1) > 0
        detail = np.where(~admitted, _D["over_capacity"], np.where(~done, _D["neglected"],
                          np.where(any_found, _D["found"], _D["clean"])))  # fmt: skip
        self._log(t0, agent, "inspect", due, done, detail)
        park.risk_estimate[due[done]] = rules.ewma(
            park.risk_estimate[due[done]], found[done].sum(1), 0.5
        )
        self.counts["hazards_found"] += int(found.sum())
        # report or conceal what was found (accountability regime)
        hit = np.nonzero(any_found)[0]
        p_rep = float(rules.report_probability(
            agent.diligence, self.p.regime, self.p.audit_prob, self.p.concealment_penalty
        ))  # fmt: skip
        rep = rng.random(hit.size) < p_rep
        self._log(t0, agent, "report", due[hit], rep,
                  np.where(rep, _D["reported"], _D["concealed"]))  # fmt: skip
        if (~rep).any():
            self.concealed.append((agent, due[hit[~rep]], found[hit[~rep]]))
            self.counts["hazards_concealed"] += int(found[hit[~rep]].sum())
        self._enforce(t0, agent, due[hit[rep]], found[hit[rep]], remit, enforced, rng)

    def _enforce(self, t0, finder, idx, found, remit, enforced, rng) -> None:
        """Pass found hazards to the competent regulators (sharing unless the finder is
        competent) and enforce them."""
        park = self.park
        rows, types = np.nonzero(found)
        if rows.size == 0:
            return
        counts = found[rows, types]
        own = types == remit
        share = ~own
        shared = np.ones(rows.size, bool)
        shared[share] = rng.random(int(share.sum())) < self.p.sharing
        self._log(t0, finder, "report", idx[rows[share]], shared[share],
                  np.where(shared[share], _D["shared"], _D["not_shared"]))  # fmt: skip
        for k, reg in enumerate(self.regulators):
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
            self._log(t0, reg, "enforce", ent, done,
                      np.where(~done, _D["neglected"], np.where(fixed.sum(1) > 0,
                               _D["rectified"], _D["not_rectified"])))  # fmt: skip

    def _leadership_review(self, t0: float) -> None:
        lead, rng = self.leadership, self.rng["inspections"]
        cap = lead.capacity(self.p.capacity_factor, self.p.budget_factor)
        _, done = lead.perform(1, cap, rng)
        self._log(t0, lead, "report", -1, done, np.where(done, _D["reviewed"], _D["neglected"]))
        concealed, self.concealed = self.concealed, []
        if not (done[0] and self.p.regime == "problem_and_accident"):
            return
        for agent, idx, found in concealed:
            hit = rng.random(idx.size) < self.p.audit_prob
            if not hit.any():
                continue
            self.counts["concealments_discovered"] += int(hit.sum())
            fixed = self.park.rectify(idx[hit], found[hit], self.p.rectification, rng)
            self.counts["hazards_rectified"] += int(fixed.sum())
            # problem accountability: the concealing official is held to account
            agent.boost += self.cfg.campaign.spike * (1.0 - agent.diligence) * 0.5

    def _early_warning(self, t0: float):
        park, n = self.park, self.park.n
        none = np.zeros(n), np.zeros(n)
        ew = self.policies.early_warning
        if not ew.enabled:
            return none
        rng = self.rng["warning"]
        sensed = rng.binomial(park.hazards, ew.sensing_coverage)
        rate = initiating_rate_per_yr(
            self.cfg.initiating_rate_per_yr, sensed.sum(1), self.cfg.hazard_rate_weight
        )
        miss = np.prod(1.0 - self.p.effectiveness * self.compliance(), axis=1)
        level = warning_levels(rate * miss, ew.thresholds_per_yr)
        fault = false_alarms(n, ew.false_alarm_rate_per_yr, 1.0, rng) & (level < 2)
        level = np.where(fault, 2, level)
        idx = np.nonzero(level > 0)[0]
        gov = self.district_gov
        warned = rng.random(idx.size) < gov.diligence
        detail = np.array([_D[name] for name in LEVELS[1:]])[level[idx] - 1]
        detail = np.where(fault[idx], _D["false_alarm"], detail)
        self._log(t0, gov, "warn", idx, warned, detail)
        self.counts["warnings_issued"] += int(warned.sum())
        self.counts["false_alarms"] += int((warned & (park.hazards[idx].sum(1) == 0)).sum())
        np.add.at(self.warnings_by_level, level[idx[warned]], 1)
        act = idx[warned]
        lv = level[act]
        # yellow+: response inspection by the first regulator (process safety)
        reg = self.regulators[0]
        yel = act[lv >= 2]
        done = rng.random(yel.size) < reg.diligence
        found = rng.binomial(park.hazards[yel[done]], self.cfg.detection_prob.regulatory)
        fixed = park.rectify(yel[done], found, self.p.rectification, rng)
        self._log(t0, reg, "respond", yel, done,
                  np.where(done, _D["rectified"], _D["neglected"]))  # fmt: skip
        orange = act[lv >= 3]
        fixed2 = park.rectify(orange, np.minimum(sensed[orange], park.hazards[orange]),
                              self.p.rectification, rng)  # fmt: skip
        self.counts["hazards_rectified"] += int(fixed.sum() + fixed2.sum())
        suspension, evacuated = np.zeros(n), np.zeros(n)
        suspension[act[lv >= 4]] = ew.suspension_effect
        evacuated[orange] = evacuated_share(
            ew.lead_time_h, ew.evacuation_time_h, ew.evacuation_compliance
        )
        return suspension, evacuated

    def _accident_step(self, t0: float, suspension, evacuated) -> None:
        cfg, park = self.cfg, self.park
        rate = initiating_rate_per_yr(
            cfg.initiating_rate_per_yr, park.total_hazards(), cfg.hazard_rate_weight
        ) * (1.0 - suspension)
        draws = sample_period(
            MONTH_YR, rate, self.compliance(), self.p.effectiveness, self.rng["initiating"]
        )
        self.counts["initiating_events"] += int(draws.enterprise.size)
        self.counts["near_misses_one_barrier_left"] += int(
            np.sum(draws.layers_failed == len(LAYERS) - 1)
        )
        rng = self.rng["consequences"]
        for i in np.unique(draws.enterprise[draws.accident]):  # rare
            c = accident_consequence(
                str(park.hazmat_class[i]), self.density_per_km2, cfg.presence,
                float(evacuated[i]), cfg.loss_yuan_median, cfg.loss_sigma, rng,
            )  # fmt: skip
            self.accidents.append(
                {
                    "t_h": t0 + rng.random() * MONTH_H,
                    "enterprise": int(i),
                    "district": int(park.district[i]),
                    "hazmat_class": str(park.hazmat_class[i]),
                    "chronic_violator": bool(park.chronic[i]),
                    "latent_hazards": int(park.hazards[i].sum()),
                    "persons_isolation": c.persons_isolation,
                    "persons_protective": c.persons_protective,
                    "deaths": c.deaths,
                    "injuries": c.injuries,
                    "loss_yuan": c.loss_yuan,
                }
            )
            self._after_accident(t0, int(i))

    def _after_accident(self, t0: float, i: int) -> None:
        """Accident accountability for every layer, then a campaign (mode of the config)."""
        cfg, park = self.cfg, self.park
        spike = cfg.campaign.spike
        park.hazards[i] = 0  # investigation: the site is rebuilt to standard (assumption)
        park.chronic[i] = False  # the violation ends with the investigation
        park.arrival_multiplier[i] = 1.0
        park.base_diligence[i] = max(park.base_diligence[i], cfg.diligence.enterprise)
        for a in self.officials:  # accident accountability, both regimes
            a.boost = max(a.boost, float(rules.campaign_spike(a.diligence, spike)) - a.diligence)
        if cfg.campaign.mode == "city_wide":
            targets = np.arange(park.n)  # everyone takes the medicine
        else:
            top = max(1, park.n // 4)
            targets = np.argsort(-park.risk_estimate, kind="stable")[:top]
            targets = np.union1d(targets, [i])
        lift = rules.campaign_spike(park.diligence[targets], spike) - park.diligence[targets]
        park.boost[targets] = np.maximum(park.boost[targets], lift)
        self.campaign_level = 1.0
        self.counts["campaigns"] += 1
        self._log(t0, self.leadership, "respond", i, np.ones(1, bool), _D["campaign"])

    def _record(self, t_h: float) -> None:
        d = self.layer_diligence()
        miss = np.prod(1.0 - self.p.effectiveness * self.compliance(), axis=1)
        self.monthly.append(
            {
                "t_h": t_h,
                **{f"diligence_{layer}": float(v) for layer, v in zip(LAYERS, d, strict=True)},
                "derelict_layers": int(np.sum(d < self.cfg.dereliction_threshold)),
                "latent_hazards": int(self.park.hazards.sum()),
                "barrier_miss_mean": float(miss.mean()),
                "campaign_level": self.campaign_level,
                "spend_yuan": self.spend_yuan(),
            }
        )

    # ------------------------------------------------------------------ outputs
    def spend_yuan(self) -> float:
        return float(sum(a.spent_yuan for a in self.officials))

    def accidents_frame(self) -> pd.DataFrame:
        cols = ["t_h", "enterprise", "district", "hazmat_class", "chronic_violator",
                "latent_hazards", "persons_isolation", "persons_protective", "deaths",
                "injuries", "loss_yuan"]  # fmt: skip
        return pd.DataFrame(self.accidents, columns=cols)

    def monthly_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.monthly)

    def summary(self, n_years: int) -> dict[str, float]:
        """Governance outcomes (keys in sim.scenario.longrun.GOVERNANCE_SUMMARY_KEYS order)."""
        acc = self.accidents_frame()
        due, done = self.audit.counts()
        monthly = self.monthly_frame()
        derelict = int((monthly["derelict_layers"] >= 3).sum()) if len(monthly) else 0
        c = self.counts
        return {
            "chemical_accidents": len(acc),
            "chemical_deaths": int(acc["deaths"].sum()),
            "chemical_injuries": int(acc["injuries"].sum()),
            "chemical_loss_yuan": round(float(acc["loss_yuan"].sum())),
            "duties_due": due,
            "duties_done": done,
            "duty_completion": round(done / due, 4) if due else 0.0,
            **{k: c[k] for k in COUNT_KEYS},
            **{
                f"warnings_{name}": int(self.warnings_by_level[k])
                for k, name in enumerate(LEVELS)
                if k > 0
            },  # fmt: skip
            "latent_hazards_final": int(self.park.hazards.sum()),
            "latent_hazards_mean": round(float(monthly["latent_hazards"].mean()), 3)
            if len(monthly)
            else 0.0,  # fmt: skip
            "barrier_miss_mean": round(float(monthly["barrier_miss_mean"].mean()), 6)
            if len(monthly)
            else 0.0,  # fmt: skip
            "dereliction_months": derelict,
            "governance_spend_yuan": round(self.spend_yuan()),
        }


def summary_keys() -> tuple[str, ...]:
    """Keys of :meth:`GovernanceSystem.summary`, in order."""
    return (
        "chemical_accidents", "chemical_deaths", "chemical_injuries", "chemical_loss_yuan",
        "duties_due", "duties_done", "duty_completion", "initiating_events",
        "near_misses_one_barrier_left", "hazards_found", "hazards_concealed",
        "concealments_discovered", "hazards_rectified", "assessments", "assessments_falsified",
        "resident_reports", "warnings_issued", "false_alarms", "campaigns",
        *(f"warnings_{name}" for name in LEVELS[1:]),
        "latent_hazards_final", "latent_hazards_mean", "barrier_miss_mean",
        "dereliction_months", "governance_spend_yuan",
    )  # fmt: skip


__all__ = ["GovernanceError", "GovernanceSystem", "effective_parameters", "summary_keys"]
