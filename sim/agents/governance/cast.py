"""Who is who around the park: the officials of the four official layers, the enterprises
(agents over :class:`~sim.agents.governance.park.EnterprisePark` arrays), the insurer, the
assessment firms and the residents; their barrier compliance and monthly diligence update.

Agents are created in a fixed order (leadership, district government, regulators, industry
department, enterprises, insurer, assessment firms, residents), which fixes their Mesa ids.
"""

from __future__ import annotations

import numpy as np

from sim.agents.governance import behaviour as rules
from sim.agents.governance.agents import (
    DistrictGovernment,
    Enterprise,
    IndustryDepartment,
    Insurer,
    MunicipalLeadership,
    Official,
    Regulator,
    Residents,
    ThirdPartyInspector,
)
from sim.agents.governance.barriers import barrier_compliance
from sim.agents.governance.params import Effective
from sim.agents.governance.park import EnterprisePark
from sim.hazards.chemical import LAYERS
from sim.scenario.policies import GovernanceConfig, PoliciesConfig


class Cast:
    """The agents of the governance system and their diligence.

    Args:
        model: the Mesa model (agents register with it).
        cfg: the governance configuration.
        policies: the policy blocks (the insurer's check rate).
        p: the effective parameters (residents' report probability).
        district: row of the park's district.
        setup: the governance ``setup`` stream (terms of office, the park).
    """

    def __init__(self, model, cfg: GovernanceConfig, policies: PoliciesConfig, p: Effective,
                 district: int, setup: np.random.Generator) -> None:  # fmt: skip
        self.cfg, self.p = cfg, p
        n_reg = len(cfg.regulators)
        terms = setup.uniform(0.0, cfg.tenure.tenure_yr, 3 + n_reg)

        def official(cls, layer: str, i: int, **kw):
            return cls(
                model,
                district if layer == "territorial" else -1,
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
        self.park = EnterprisePark(cfg, district, n_reg, setup)
        self.enterprises = [Enterprise(model, self.park, i) for i in range(self.park.n)]
        self.enterprise_ids = np.array([a.unique_id for a in self.enterprises], np.int64)
        # The insurer exists whether or not the insurance policy is on (stable agent ids).
        ins = policies.risk_control_insurance
        self.insurer = Insurer(
            model, -1, ins.insurer_check_rate, 10_000, 1e12, cfg.cost_per_duty_yuan
        )
        self.inspectors = [
            ThirdPartyInspector(model, -1, 1.0, 10_000, 1e12, cfg.cost_per_duty_yuan)
            for _ in range(cfg.third_party.firms)
        ]
        self.residents = Residents(
            model, district, p.resident_report, 10_000, 1e12, cfg.cost_per_duty_yuan
        )
        self.park_forced: float | None = None
        for k in range(cfg.failing_layers):  # collective-dereliction experiment
            self.force_layer(LAYERS[k], cfg.derelict_diligence)

    def force_layer(self, layer: str, value: float) -> None:
        """Hold a layer's diligence at ``value`` for the whole run."""
        if layer == "enterprise":
            self.park_forced = value
            self.park.diligence[:] = value
            return
        for a in self.officials:
            if a.layer == layer:
                a.forced = value
                a.diligence = value

    def official_budget_factor(self) -> float:
        """Budget multiplier of lower officials: the policy factor, less where the leadership
        neglects safety (:data:`sim.agents.governance.params.LEADERSHIP_BUDGET_WEIGHT`)."""
        w = self.p.leadership_budget_weight
        return self.p.budget_factor * (1.0 - w * (1.0 - self.leadership.diligence))

    def update_diligence(self, t_yr: float, decay: float) -> None:
        """The month's diligence: boosts decay by ``decay``, officials follow their tenure
        factor at ``t_yr`` (years since the start), enterprises their incentives
        (deterrence, risk-rated premiums); forced layers stay forced."""
        cfg = self.cfg
        m = rules.tenure_factor(
            t_yr, self._term_starts, cfg.tenure.tenure_yr, cfg.tenure.discount_rate,
            self.p.tenure_weight,
        )  # fmt: skip
        for a, m_a in zip(self.officials, m, strict=True):
            a.boost *= decay
            a.update_diligence(float(m_a))
        park = self.park
        park.boost *= decay
        d = rules.enterprise_diligence(
            park.base_diligence,
            park.enforcement_pressure,
            park.premium_signal,
            self.p.premium_sensitivity,
        )
        park.diligence = np.clip(d + park.boost, 0.0, 1.0)
        if self.park_forced is not None:
            park.diligence[:] = self.park_forced

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

    def barrier_miss(self) -> np.ndarray:
        """(n,) P(every barrier fails) per enterprise: prod_l (1 - e_l c_il)."""
        return np.prod(1.0 - self.p.effectiveness * self.compliance(), axis=1)

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
