"""Schema of the responsibility layers over the city's own assets (``processes.responsibility``
of a long run; the agents: :mod:`sim.agents.city_layers`).

Every number here is an ASSUMPTION of this model unless its description cites a source: the
forms (diligence as the probability a duty is done, expected-penalty deterrence, tenure
discounting, attention that decays) are those of the chemical-park governance
(:mod:`sim.agents.governance.behaviour`, sources there); the values set orders of magnitude
for policy experiments and are not estimated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.schema import Fraction, Strict


class LayerDiligence(Strict):
    """Base diligence (P(a due duty is done), before tenure and accountability effects)."""

    leadership: Fraction = Field(0.9, description="Municipal leadership (fund, review).")
    territorial: Fraction = Field(
        0.8, description="District governments (old-housing retrofit, screening of it)."
    )
    regulatory: Fraction = Field(
        0.8, description="Housing-and-construction and emergency-management regulators."
    )
    industry: Fraction = Field(0.85, description="Drainage authority and utilities.")
    principal: Fraction = Field(
        0.3,
        description="Building owners and contractors before deterrence and insurance "
        "(owners rarely check facades and signs unprompted: docs/domain.md §1, priority 3).",
    )


class ResponsibilityConfig(Strict):
    """The five responsibility layers over the city's assets (docs/domain.md §2).

    Owners by asset sector: the drainage authority (drainage and underpass assets) and the
    utilities (pipes, and the pipe chain's cavity screening) are the industry layer; district
    governments own the old-housing retrofit (territorial); building owners own facades and
    signboards, contractors the construction sites (principal). The housing-and-construction
    regulator inspects facades, signboards and sites and orders repairs; the
    emergency-management regulator reviews the public owners' backlogs and reports problems to
    the leadership, which funds the public owners from ``slow_risk.budget_yuan_per_yr`` by
    ``slow_risk.policy`` with its own term of office (``slow_risk.white_elephant``).
    """

    diligence: LayerDiligence = Field(default_factory=LayerDiligence)
    officials_tenure_weight: Fraction = Field(
        0.5,
        description="Share of an official's diligence that follows the time left in the term "
        "(sim.agents.governance.behaviour.tenure_factor; tenure and discount rate of "
        "slow_risk.white_elephant).",
    )
    regulator_inspections_per_yr: float = Field(
        3000.0,
        ge=0,
        le=1e7,
        description="Facade and signboard items the housing-and-construction regulator "
        "inspects a year (one item = a building's facade or a block of 10 signs).",
    )
    site_inspections_per_yr: float = Field(
        2000.0, ge=0, le=1e7, description="Construction-site inspections a year (same regulator)."
    )
    enforcement_compliance: Fraction = Field(
        0.9, description="P(an owner ordered to repair a found defect repairs it that year)."
    )
    deterrence_weight: float = Field(
        3.0,
        ge=0,
        le=100,
        description="Owner and contractor diligence gain per unit of P(inspected this year); "
        "expected-penalty deterrence (Becker 1968), weight an assumption.",
    )
    contractor_safety_effect: Fraction = Field(
        0.5,
        description="Accident rate of a fully diligent contractor / that of a derelict one is "
        "1 - this; the construction rates stay calibrated at the base diligence.",
    )
    accountability_spike: Fraction = Field(
        0.5,
        description="After an accident (a failure of an asset it owns) or, with problem "
        "accountability, a reported problem, an owner's diligence d -> d + spike (1 - d).",
    )
    accountability_half_life_yr: float = Field(
        2.0, gt=0, le=50, description="Half-life of that boost, years (Downs 1972: it fades)."
    )
    inspection_cost_yuan: float = Field(
        800.0,
        ge=0,
        le=1e7,
        description="Cost of one item inspection or third-party survey, yuan (a facade or a "
        "block of signs; assumption).",
    )
    insured_share: Fraction = Field(
        0.5,
        description="Share of facade and signboard items under risk-control insurance when "
        "that policy is enabled.",
    )
    risk_inventory_coverage_gain: Fraction = Field(
        0.3,
        description="With the risk inventory: screening coverage (public owners and the pipe "
        "chain) + this, and every screening goes to the riskiest items first.",
    )
    handbook_preposition_level: Literal["blue", "yellow", "orange", "red"] = Field(
        "orange",
        description="With the handbook: the response protocol pre-positions the central "
        "reserve at this warning level in each shock (logistics.preposition_level), and "
        "ordered repairs are done more often (policies.handbook.rectification_gain).",
    )

    def shock_overrides(self, enabled) -> list[str]:
        """Overrides of every shock's emergency scenario from the enabled five ones
        (``enabled``: names of the enabled policies), applied before the shock's own.

        The early-warning platform is the model-decided colour-coded warning with its graded
        response (issue 13): with it the shock's warning centre decides from its forecasts
        (``warnings.mode=forecast``); without it no colour-coded warning is issued
        (``warnings.mode=disabled``; a shock scenario that scripts warning events must clear them,
        ``events=[]``, as validation says). The handbook's protocol pre-positions the central
        reserve at :attr:`handbook_preposition_level`.
        """
        mode = "forecast" if "early_warning" in enabled else "disabled"
        out = [f"warnings.mode={mode}"]
        if "handbook" in enabled:
            out.append(f"logistics.preposition_level={self.handbook_preposition_level}")
        return out
