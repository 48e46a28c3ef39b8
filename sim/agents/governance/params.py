"""The parameters the monthly governance tick uses: the governance configuration with the
enabled policy plug-ins applied (each plug-in's ``adjust`` hook, in registration order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.governance.policies.registry import plugin
from sim.hazards.chemical import LAYERS
from sim.scenario.policies import GovernanceConfig, PoliciesConfig

YEAR_H = 24.0 * 365.25
"""Hours in a model year (Julian)."""
MONTH_H = YEAR_H / 12.0
"""Hours in a model month (the governance tick)."""
MONTH_YR = 1.0 / 12.0
"""A month in years."""

LEADERSHIP_BUDGET_WEIGHT = 0.5
"""Share of lower officials' budgets that depends on the leadership's diligence:
budget x (1 - 0.5 (1 - d_lead)) (assumption: a leadership that neglects safety funds it less;
the institutional policy removes the dependence)."""


@dataclass
class Effective:
    """Parameters after the policy plug-ins (what the tick uses).

    Attributes:
        regime: accountability regime, ``accident_only`` or ``problem_and_accident``.
        audit_prob: P(the leadership's review finds a concealed problem).
        concealment_penalty: utility penalty of discovered concealment.
        sharing: P(a hazard outside a regulator's remit is passed to the competent one).
        resident_report: P(residents report a noticed hazard).
        effectiveness: (5,) barrier effectiveness e_l of a fully diligent layer.
        rectification: P(an enforced hazard is rectified).
        capacity_factor, budget_factor: multipliers on official capacities and budgets.
        leadership_budget_weight: see :data:`LEADERSHIP_BUDGET_WEIGHT`.
        tenure_weight: share of an official's diligence that follows the tenure factor.
        targeted: inspections go to the enterprises ranked riskiest (risk inventory).
        self_detection: P(an enterprise's self-inspection finds a given hazard).
        price_pressure_insured: fee pressure on insurer-paid assessments.
        check_strength: P(an assessment report is checked against the site).
        check_strength_insured: the same for insurer-relied assessments.
        premium_sensitivity: enterprise diligence gain per unit of premium loading.
    """

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
    premium_sensitivity: float = 0.0


def base_parameters(cfg: GovernanceConfig) -> Effective:
    """The tick's parameters with every policy off."""
    tp = cfg.third_party
    return Effective(
        regime="accident_only",
        audit_prob=0.0,
        concealment_penalty=0.0,
        sharing=cfg.information_sharing,
        resident_report=min(1.0, cfg.residents.report_prob * 1),
        effectiveness=np.array([getattr(cfg.effectiveness, layer) for layer in LAYERS]),
        rectification=cfg.rectification_prob,
        capacity_factor=1.0,
        budget_factor=1.0,
        leadership_budget_weight=LEADERSHIP_BUDGET_WEIGHT,
        tenure_weight=cfg.tenure.weight * 1.0,
        targeted=False,
        self_detection=min(1.0, cfg.detection_prob.enterprise_self + 0.0),
        price_pressure_insured=tp.price_pressure,
        check_strength=tp.check_rate,
        check_strength_insured=tp.check_rate,
    )


def effective_parameters(cfg: GovernanceConfig, pol: PoliciesConfig) -> Effective:
    """Apply the enabled policy plug-ins to the governance parameters.

    Raises:
        KeyError: an enabled policy has a block but no registered effects.
    """
    p = base_parameters(cfg)
    for name in pol.enabled():
        plugin(name).adjust(p, pol.block(name), cfg)
    return p
