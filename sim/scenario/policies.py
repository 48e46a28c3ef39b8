"""Pydantic schema of the governance process (``processes.governance``) and of the policy
plug-ins (top-level ``policies:``) of a long-run scenario.

Every number here is an ASSUMPTION unless its description cites a source: there are no
published figures for inspection capacities, diligence or intermediary behaviour.
The behaviour rules these parameters feed are documented (with sources) in
:mod:`sim.agents.governance.behaviour`; the accident pathway in
:mod:`sim.agents.governance.barriers`.

Policy plug-ins are registered: each ``policies.<name>`` block is validated by the model
registered for ``name`` (:func:`register_policy_block`); its effects are registered in the
agents layer (:mod:`sim.agents.governance.policies`). The seven shipped blocks are typed
fields of :class:`PoliciesConfig` and registered below; a new policy's block lives in a module
of the package ``sim.scenario.policy_blocks`` (imported by :func:`discover_policy_blocks`, so
no list is edited) or is registered directly (a test). See docs/extending.md, "Adding a
policy".
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from sim.scenario.schema import Fraction, Strict

OFFICIAL_LAYERS = ("leadership", "territorial", "regulatory", "industry")


COUNT_KEYS = (
    "initiating_events",
    "near_misses_one_barrier_left",
    "hazards_found",
    "hazards_concealed",
    "concealments_discovered",
    "hazards_rectified",
    "assessments",
    "assessments_falsified",
    "resident_reports",
    "warnings_issued",
    "false_alarms",
    "campaigns",
)
"""Event counters of the governance tick (summary keys, in this order)."""


class LayerFractions(Strict):
    """One fraction per responsibility layer (docs/domain.md §2), in the fixed layer order."""

    leadership: Fraction = 0.8
    territorial: Fraction = 0.7
    regulatory: Fraction = 0.7
    industry: Fraction = 0.6
    enterprise: Fraction = 0.7


class LayerCapacity(Strict):
    """Duty instances one agent of each layer can carry out per month (assumptions); the
    enterprise value is hazards one enterprise can rectify per month."""

    leadership: int = Field(2, ge=0, le=10_000)
    territorial: int = Field(6, ge=0, le=10_000)
    regulatory: int = Field(8, ge=0, le=10_000)
    industry: int = Field(5, ge=0, le=10_000)
    enterprise: int = Field(3, ge=0, le=10_000)


class LayerBudget(Strict):
    """Safety budget per agent of each layer, yuan/yr (assumptions: order of a few staff
    salaries plus travel for an inspection team)."""

    leadership: float = Field(1.0e6, ge=0, le=1e12)
    territorial: float = Field(2.0e6, ge=0, le=1e12)
    regulatory: float = Field(3.0e6, ge=0, le=1e12)
    industry: float = Field(1.5e6, ge=0, le=1e12)
    enterprise: float = Field(5.0e5, ge=0, le=1e12)


class InspectionRates(Strict):
    """Routine inspections due per enterprise per year from each official agent (assumptions;
    the regulatory value is per regulator)."""

    territorial: float = Field(2.0, ge=0, le=365)
    regulatory: float = Field(4.0, ge=0, le=365)
    industry: float = Field(2.0, ge=0, le=365)


class DetectionProbs(Strict):
    """P(an inspection finds a given latent hazard) by inspector (assumptions: specialised
    regulators and genuine third-party assessments see more than territorial patrols)."""

    territorial: Fraction = 0.3
    regulatory: Fraction = 0.6
    industry: Fraction = 0.4
    third_party: Fraction = 0.7
    enterprise_self: Fraction = 0.5


class TenureConfig(Strict):
    """Short-termism of officials (white elephant, :mod:`sim.risk.white_elephant`)."""

    tenure_yr: float = Field(5.0, gt=0, le=50, description="Term of office, years.")
    discount_rate: float = Field(0.15, ge=0, le=5, description="Official's discount rate, 1/yr.")
    weight: Fraction = Field(
        0.5, description="Share of an official's diligence that follows the tenure factor."
    )


class CampaignConfig(Strict):
    """Reaction to an accident ("one falls ill, everyone takes medicine", docs/domain.md §2)."""

    mode: Literal["city_wide", "risk_targeted"] = Field(
        "city_wide",
        description="city_wide: every agent's diligence spikes and inspections lose their "
        "targeting while the campaign lasts; risk_targeted: only the accident enterprise's "
        "responsible agents react and extra inspections go to the highest-risk enterprises.",
    )
    spike: Fraction = Field(
        0.6, description="Diligence jump as a share of the gap to 1 (d += spike (1 - d))."
    )
    half_life_months: float = Field(
        4.0, gt=0, le=600, description="Half-life of the campaign boost, months."
    )
    inspection_factor: float = Field(
        2.0, ge=1, le=20, description="Due inspections multiplier while a campaign lasts."
    )


class ThirdPartyConfig(Strict):
    """Safety-assessment intermediaries (third-party inspectors)."""

    firms: int = Field(3, ge=1, le=100, description="Number of assessment firms.")
    assessments_per_yr: float = Field(
        1.0 / 3.0,
        ge=0,
        le=12,
        description="Safety assessments per enterprise per year; default one every 3 years "
        "(hazardous-chemical enterprises must commission a safety evaluation every three "
        "years: Regulations on the Safe Management of Hazardous Chemicals, State Council "
        "Decree 591 (2011), Art. 22).",
    )
    price_pressure: Fraction = Field(
        0.3, description="Fee competition below cost (0: none, 1: extreme) (assumption)."
    )
    check_rate: Fraction = Field(
        0.2, description="P(a regulator checks an assessment report against the site)."
    )
    certificate_reliance: Fraction = Field(
        0.3,
        description="P(a regulator skips a routine inspection of an enterprise holding a "
        "clean assessment report) (assumption).",
    )


class ResidentsConfig(Strict):
    """Residents near the park (one aggregate agent per district)."""

    notice_prob: Fraction = Field(
        0.02, description="P(residents notice a given latent hazard in a month) (assumption)."
    )
    report_prob: Fraction = Field(
        0.2, description="P(a noticed hazard is reported to the district) (assumption)."
    )


class GovernanceConfig(Strict):
    """Responsibility-layer agents around a park of hazardous-chemical enterprises
    (:mod:`sim.agents.governance`). ``None`` in the scenario switches the process off."""

    park_district: str | None = Field(
        None,
        description="District (name_en) of the chemical park and its enterprises (None: the "
        "city's, city.yaml hazmat.chemical_park_district).",
    )
    n_enterprises: int = Field(30, ge=1, le=5000, description="Enterprises in the park.")
    chronic_violators: int = Field(
        1, ge=0, le=5000, description="Enterprises violating rules for years (low diligence)."
    )
    chronic_diligence: Fraction = Field(
        0.1, description="Base diligence of a chronic violator (assumption)."
    )
    chronic_hazard_multiplier: float = Field(
        5.0,
        ge=1,
        le=1000,
        description="Hazard arrival multiplier of a chronic violator (e.g. illegal storage "
        "of hazardous waste for years, Xiangshui 2019) (assumption).",
    )
    toxic_share: Fraction = Field(
        2.0 / 3.0,
        description="Share of toxic-gas enterprises (others: fire/explosion), as "
        "sim.hazards.chemical.ENTERPRISE_CLASS_SHARES.",
    )
    initiating_rate_per_yr: float = Field(
        0.2,
        ge=0,
        le=100,
        description="f0: initiating events per enterprise-year with no latent hazard "
        "(sim.hazards.chemical default; assumption).",
    )
    hazard_rate_weight: float = Field(
        0.15,
        ge=0,
        le=100,
        description="w in f = f0 (1 + w H): each latent hazard adds w f0 (assumption).",
    )
    hazard_arrival_per_yr: float = Field(
        3.0,
        ge=0,
        le=1000,
        description="New latent hazards per enterprise-year at zero diligence; scaled by "
        "(1 - diligence) (assumption).",
    )
    regulators: list[str] = Field(
        default_factory=lambda: ["emergency_management", "market_regulation", "ecology"],
        min_length=1,
        max_length=10,
        description="Regulators; each latent hazard falls in exactly one regulator's remit.",
    )
    effectiveness: LayerFractions = Field(
        default_factory=lambda: LayerFractions(
            leadership=0.7, territorial=0.7, regulatory=0.7, industry=0.7, enterprise=0.7
        ),
        description="e_l: barrier effectiveness of a fully diligent layer "
        "(sim.hazards.chemical default 0.7; assumption).",
    )
    diligence: LayerFractions = Field(
        default_factory=LayerFractions, description="Base diligence per layer (assumption)."
    )
    capacity_per_month: LayerCapacity = Field(default_factory=LayerCapacity)
    budget_yuan_per_yr: LayerBudget = Field(default_factory=LayerBudget)
    cost_per_duty_yuan: float = Field(
        2.0e4, gt=0, le=1e9, description="Cost of one duty instance (assumption)."
    )
    inspections_per_yr: InspectionRates = Field(default_factory=InspectionRates)
    detection_prob: DetectionProbs = Field(default_factory=DetectionProbs)
    rectification_prob: Fraction = Field(
        0.8, description="P(an enforced hazard is rectified) (assumption)."
    )
    information_sharing: Fraction = Field(
        0.3,
        description="P(a regulator passes a hazard outside its remit to the competent "
        "regulator) without co-governance (assumption).",
    )
    failing_layers: int = Field(
        0,
        ge=0,
        le=5,
        description="Collective-dereliction experiment: the first k layers of (leadership, "
        "territorial, regulatory, industry, enterprise) have their diligence forced to "
        "derelict_diligence for the whole run.",
    )
    derelict_diligence: Fraction = Field(0.05, description="Diligence of a forced-failing layer.")
    dereliction_threshold: Fraction = Field(
        0.5, description="A layer is derelict in a month when its mean diligence is below this."
    )
    tenure: TenureConfig = Field(default_factory=TenureConfig)
    campaign: CampaignConfig = Field(default_factory=CampaignConfig)
    third_party: ThirdPartyConfig = Field(default_factory=ThirdPartyConfig)
    residents: ResidentsConfig = Field(default_factory=ResidentsConfig)
    presence: float = Field(
        1.0, ge=0, le=100, description="People present / residents in the consequence zones."
    )
    loss_yuan_median: float = Field(
        5.0e7,
        ge=0,
        le=1e12,
        description="Median direct loss of one accident, yuan (assumption; the 2019 Xiangshui "
        "explosion cost 1.986e9 yuan, You et al. 2020, Process Safety Progress 39(1):e12132).",
    )
    loss_sigma: float = Field(1.5, ge=0, le=5, description="Lognormal sigma of the loss.")

    @model_validator(mode="after")
    def _violators_fit(self) -> GovernanceConfig:
        if self.chronic_violators > self.n_enterprises:
            raise ValueError("chronic_violators must be <= n_enterprises")
        return self


# ---------------------------------------------------------------------------- policies
class PolicyBlock(Strict):
    """Base of every policy block: a switch and the yearly cost (yuan/yr) of running the
    policy, summed over the enabled plug-ins into ``policy_cost_yuan``."""

    enabled: bool = Field(False, description="Switch the plug-in on.")
    annual_cost_yuan: float = Field(0.0, ge=0, le=1e12, description="Cost per year, yuan.")


def _nested(error: dict, key: str | None = None) -> dict:
    """A pydantic error detail re-raised from a containing model (``key`` prefixes its loc)."""
    out = {k: error[k] for k in ("type", "loc", "input", "ctx") if k in error}
    if key is not None:
        out["loc"] = (key, *error["loc"])
    return out


POLICY_BLOCKS: dict[str, type[PolicyBlock]] = {}
"""Registered policy blocks, ``policies.<name>`` -> model, in registration order."""
_blocks_discovered = False


def register_policy_block(name: str, model: type[PolicyBlock]) -> None:
    """Register the block ``policies.<name>``.

    Raises:
        ValueError: the name is not a lower-case identifier, the model is not a
            :class:`PolicyBlock`, or another model has the name.
    """
    if not name.isidentifier() or name != name.lower():
        raise ValueError(f"policy name {name!r} must be a lower-case identifier")
    if not (isinstance(model, type) and issubclass(model, PolicyBlock)):
        raise ValueError(f"policy block {name!r} must subclass PolicyBlock")
    old = POLICY_BLOCKS.get(name)
    if old is not None and old is not model:
        raise ValueError(f"policy block {name!r} is already registered ({old.__name__})")
    POLICY_BLOCKS[name] = model


def unregister_policy_block(name: str) -> None:
    """Remove a registered block (tests that register a policy of their own clean up)."""
    if name in PoliciesConfig.model_fields:
        raise ValueError(f"{name!r} is a shipped policy; it cannot be unregistered")
    POLICY_BLOCKS.pop(name, None)


def discover_policy_blocks() -> list[str]:
    """Import the modules of ``sim.scenario.policy_blocks`` once (their blocks register);
    returns every registered name."""
    global _blocks_discovered
    if not _blocks_discovered:
        _blocks_discovered = True
        pkg = importlib.import_module("sim.scenario.policy_blocks")
        for info in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"sim.scenario.policy_blocks.{info.name}")
    return list(POLICY_BLOCKS)


class InstitutionalPolicy(PolicyBlock):
    """One set of institutional arrangements: sustained commitment, budgets, plans."""

    annual_cost_yuan: float = Field(
        2.0e7, ge=0, le=1e12, description="Extra staff and budget, yuan/yr (assumption)."
    )
    capacity_multiplier: float = Field(1.5, ge=1, le=20, description="On official capacities.")
    budget_multiplier: float = Field(1.5, ge=1, le=20, description="On official budgets.")
    tenure_weight_factor: Fraction = Field(
        0.3,
        description="Tenure weight multiplier (plans outlast terms, so short-termism weakens).",
    )


class RiskInventoryPolicy(PolicyBlock):
    """One risk map / risk inventory: enterprises ranked by risk, inspections targeted."""

    annual_cost_yuan: float = Field(
        5.0e6, ge=0, le=1e12, description="Hazard screening and grading, yuan/yr (assumption)."
    )
    self_detection_gain: Fraction = Field(
        0.2, description="Added to enterprises' self-inspection detection probability."
    )


class HandbookPolicy(PolicyBlock):
    """One management handbook: who does what, how, to which standard."""

    annual_cost_yuan: float = Field(
        1.0e6, ge=0, le=1e12, description="Drafting, training, yuan/yr (assumption)."
    )
    effectiveness_gain: Fraction = Field(
        0.3, description="e_l -> e_l + gain (1 - e_l): clearer duties make barriers tighter."
    )
    rectification_gain: Fraction = Field(0.5, description="rectification_prob -> p + gain (1 - p).")


class EarlyWarningPolicy(PolicyBlock):
    """One early-warning and management platform: colour levels, graded response."""

    annual_cost_yuan: float = Field(
        1.0e7, ge=0, le=1e12, description="Sensors and platform, yuan/yr (assumption)."
    )
    sensing_coverage: Fraction = Field(
        0.5, description="P(the platform senses a given latent hazard in a month)."
    )
    thresholds_per_yr: list[float] = Field(
        default_factory=lambda: [0.02, 0.04, 0.08, 0.16],
        min_length=4,
        max_length=4,
        description="Indicator (estimated accidents per enterprise-year) thresholds of "
        "blue, yellow, orange, red (increasing; assumption).",
    )
    false_alarm_rate_per_yr: float = Field(
        0.5,
        ge=0,
        le=12,
        description="Spurious yellow warnings per enterprise-year (sensor faults).",
    )
    lead_time_h: float = Field(
        1.0, ge=0, le=1000, description="Warning lead time before a release, h."
    )
    evacuation_time_h: float = Field(
        2.0, gt=0, le=1000, description="Time to clear the consequence zones, h."
    )
    evacuation_compliance: Fraction = Field(0.8, description="Share of people who leave.")
    suspension_effect: Fraction = Field(
        0.9, description="Red: initiating rate cut while operations are suspended."
    )

    @model_validator(mode="after")
    def _increasing(self) -> EarlyWarningPolicy:
        t = self.thresholds_per_yr
        if any(b <= a for a, b in zip(t, t[1:], strict=False)) or t[0] <= 0:
            raise ValueError("thresholds_per_yr must be positive and strictly increasing")
        return self


class RiskControlInsurancePolicy(PolicyBlock):
    """One risk-control insurance policy: premiums tied to inspections, third-party services."""

    annual_cost_yuan: float = Field(
        3.0e6,
        ge=0,
        le=1e12,
        description="Public premium subsidy and scheme administration, yuan/yr (assumption; "
        "premiums themselves are paid by enterprises).",
    )
    surveys_per_yr: float = Field(
        2.0, ge=0, le=12, description="Insurer-paid risk surveys per enterprise-year."
    )
    premium_loading: Fraction = Field(
        0.5, description="Premium increase per found hazard, share of the base premium."
    )
    premium_sensitivity: Fraction = Field(
        0.4, description="Enterprise diligence gain per unit of expected premium loading."
    )
    insurer_check_rate: Fraction = Field(
        0.5, description="P(the insurer checks an assessment it relies on)."
    )
    fee_uplift: Fraction = Field(
        0.5, description="Share of the price pressure removed by insurer-paid fees."
    )


class AccountabilityPolicy(PolicyBlock):
    """Problem accountability plus accident accountability (docs/domain.md §2 remedy)."""

    annual_cost_yuan: float = Field(
        1.0e6, ge=0, le=1e12, description="Audit office staff, yuan/yr (assumption)."
    )
    regime: Literal["accident_only", "problem_and_accident"] = "problem_and_accident"
    audit_prob: Fraction = Field(
        0.5, description="P(a concealed problem is found by the leadership's review)."
    )
    concealment_penalty: float = Field(
        3.0, ge=0, le=100, description="Utility penalty of discovered concealment."
    )


class CoGovernancePolicy(PolicyBlock):
    """Multi-party co-governance: regulators share information, residents report."""

    annual_cost_yuan: float = Field(
        2.0e6, ge=0, le=1e12, description="Shared data platform and hotline, yuan/yr (assumption)."
    )
    information_sharing: Fraction = Field(
        0.95, description="P(a hazard outside a regulator's remit is passed on)."
    )
    resident_report_multiplier: float = Field(
        3.0, ge=1, le=100, description="On residents' report probability (open channel)."
    )


class PoliciesConfig(Strict):
    """The "five ones" (docs/domain.md §5) and two remedies of §2, each switchable, and any other
    registered policy (validated by its own block model, read with :meth:`block`)."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    institutional: InstitutionalPolicy = Field(default_factory=InstitutionalPolicy)
    risk_inventory: RiskInventoryPolicy = Field(default_factory=RiskInventoryPolicy)
    handbook: HandbookPolicy = Field(default_factory=HandbookPolicy)
    early_warning: EarlyWarningPolicy = Field(default_factory=EarlyWarningPolicy)
    risk_control_insurance: RiskControlInsurancePolicy = Field(
        default_factory=RiskControlInsurancePolicy
    )
    accountability: AccountabilityPolicy = Field(default_factory=AccountabilityPolicy)
    co_governance: CoGovernancePolicy = Field(default_factory=CoGovernancePolicy)

    @model_validator(mode="wrap")
    @classmethod
    def _registered_blocks(cls, data, handler, info: ValidationInfo):
        """Validate every block that is not a typed field by its registered model; report
        its problems (and unknown policy names) together with those of the typed blocks."""
        if not isinstance(data, dict):
            return handler(data)
        out, errors = dict(data), []
        for key, value in data.items():
            if key in cls.model_fields:
                continue
            model = POLICY_BLOCKS.get(str(key))
            if model is None and str(key) in discover_policy_blocks():
                model = POLICY_BLOCKS[str(key)]
            if model is None:
                msg = "unknown policy '{name}'; registered: {names}"
                ctx = {"name": str(key), "names": list(POLICY_BLOCKS)}
                errors.append(
                    {
                        "type": PydanticCustomError("unknown_policy", msg, ctx),
                        "loc": (key,),
                        "input": value,
                    }  # fmt: skip
                )
                del out[key]
            elif not isinstance(value, model):
                try:
                    out[key] = model.model_validate(value or {}, context=info.context)
                except ValidationError as exc:
                    errors += [_nested(e, key) for e in exc.errors()]
                    del out[key]
        try:
            result = handler(out)
        except ValidationError as exc:
            errors = [_nested(e) for e in exc.errors()] + errors
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return result

    def block(self, name: str) -> PolicyBlock:
        """The block of policy ``name`` (a registered policy left out: its defaults, off).

        Raises:
            KeyError: no policy of that name is registered.
        """
        if name in type(self).model_fields:
            return getattr(self, name)
        extra = self.model_extra or {}
        if name in extra:
            return extra[name]
        if name not in POLICY_BLOCKS and name not in discover_policy_blocks():
            raise KeyError(f"unknown policy {name!r}; registered: {list(POLICY_BLOCKS)}")
        return POLICY_BLOCKS[name]()

    def enabled(self) -> list[str]:
        """Names of the enabled plug-ins, in registration order (the shipped seven first)."""
        present = [*type(self).model_fields, *(self.model_extra or {})]
        return [n for n in POLICY_BLOCKS if n in present and self.block(n).enabled]

    def annual_cost_yuan(self) -> float:
        """Sum of the enabled plug-ins' annual costs, yuan/yr."""
        return float(sum(self.block(n).annual_cost_yuan for n in self.enabled()))


for _name in PoliciesConfig.model_fields:  # the shipped blocks, in declaration order
    register_policy_block(_name, PoliciesConfig.model_fields[_name].annotation)
