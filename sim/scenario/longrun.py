"""Pydantic schema of a multi-year (long-run) risk-dynamics scenario.

A long-run scenario is told apart from an emergency scenario by ``kind: long_run``
(:func:`sim.scenario.loader.validate_mapping` dispatches on it); it shares the loader
(``extends:``, ``-p`` overrides, problems as ``FILE: field.path: message``), ``city`` and
``observed`` with :class:`sim.scenario.schema.Scenario`. Each block of ``processes`` switches one
slow process on; its fields default to the values of the standalone module (cited there):

``pipeline`` → :mod:`sim.risk.pipeline`, ``construction`` → :mod:`sim.risk.construction`,
``slow_risk`` → :mod:`sim.risk`, ``black_swans`` → :mod:`sim.risk.shocks`, ``governance`` →
:mod:`sim.agents.governance` (responsibility-layer agents around a chemical park),
``responsibility`` → :mod:`sim.agents.city_layers` (the layers over the city's assets). The
top-level ``policies`` block holds the policy plug-ins
(:class:`sim.scenario.policies.PoliciesConfig`). Absent ``governance``, ``responsibility`` and
``policies`` blocks are left out of the resolved scenario, so the
resolved file of a scenario without them is unchanged.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, field_validator, model_serializer, model_validator

from sim.risk.construction import (
    ACCIDENTS_PER_WORKER_HOUR,
    EXTRA_DEATHS_MEAN,
    HOURS_PER_WORKER_YEAR,
)
from sim.risk.maintenance import PRIORITY_RULES
from sim.risk.pipeline import P_CAVITY_PER_BURST_CALIBRATED
from sim.scenario.override_paths import set_twice
from sim.scenario.policies import COUNT_KEYS, GovernanceConfig, PoliciesConfig
from sim.scenario.responsibility import ResponsibilityConfig
from sim.scenario.schema import DataPath, Fraction, ScenarioBase, Strict, UtcTime

PolicyRule = Literal["risk", "visible", "white_elephant"]
assert set(get_args(PolicyRule)) == set(PRIORITY_RULES)  # keep in step with sim.risk


class YearsConfig(Strict):
    """The simulated window: whole calendar years of 365.25 days (8,766 model hours each)."""

    start_year: int = Field(ge=1900, le=2200, description="First simulated calendar year.")
    n_years: int = Field(ge=1, le=200, description="Number of simulated years.")


class PipelineConfig(Strict):
    """Pipe bursts → ground cavities → road collapses (:mod:`sim.risk.pipeline`)."""

    segment_length_km: float = Field(
        0.5, gt=0, le=10, description="Length of one pipe segment of the inventory, km."
    )
    growth_rate_per_yr: float = Field(
        0.04, ge=0, le=0.5, description="Network growth rate for install-year draws, 1/yr."
    )
    heavy_traffic_share: Fraction = Field(
        0.3, description="Share of segments under heavy-traffic roads (assumption)."
    )
    heavy_traffic_multiplier: float = Field(
        1.5, ge=1, le=20, description="Burst-rate multiplier under heavy traffic (assumption)."
    )
    construction_multiplier: float = Field(
        3.0, ge=1, le=20, description="Burst-rate multiplier near construction (assumption)."
    )
    construction_radius_m: float = Field(
        100.0, ge=0, le=2000, description="Influence radius of a construction site, m."
    )
    p_cavity_per_burst: Fraction = Field(
        P_CAVITY_PER_BURST_CALIBRATED,
        description="P(ground cavity | burst); default calibrated to 95 road collapses "
        "2003-2020 with the other defaults (sim.risk.pipeline).",
    )
    collapse_rate_per_yr: float = Field(
        0.5, gt=0, le=100, description="Collapse rate of an open cavity, 1/yr (assumption)."
    )
    screening_coverage_per_yr: Fraction = Field(
        0.3, description="Share of roads scanned by ground-penetrating radar per year."
    )
    detection_prob: Fraction = Field(
        0.7, description="P(a scan finds the cavity under it) (assumption)."
    )
    screening_cost_yuan_per_km: float = Field(
        1000.0,
        ge=0,
        le=1e6,
        description="Cost of screening one km of the pipe network by ground-penetrating radar, "
        "yuan (summary key cavity_screening_yuan_per_yr = coverage x network km x this). "
        "ASSUMPTION: an order of magnitude for vehicle-borne GPR road surveys; no published "
        "price for the city was found.",
    )
    shock_vulnerability: float = Field(
        0.03,
        ge=0,
        le=10,
        description="v in P(open cavity collapses in a black swan) = 1 - exp(-x v s), x the "
        "shock intensity, s the shock kind's pipeline sensitivity; default: the critical-"
        "defect vulnerability of sim.risk.shocks (an open cavity is a critical defect: "
        "assumption).",
    )


class ConstructionConfig(Strict):
    """Construction-site accidents per worker-hour (:mod:`sim.risk.construction`)."""

    accidents_per_worker_hour: float = Field(
        ACCIDENTS_PER_WORKER_HOUR,
        ge=0,
        le=1e-3,
        description="lambda0, accidents per worked hour of one worker (default calibrated to "
        "69 accidents in 3 years).",
    )
    extra_deaths_mean: float = Field(
        EXTRA_DEATHS_MEAN,
        ge=0,
        le=100,
        description="mu: deaths per accident = 1 + Poisson(mu) (default calibrated to 89/69).",
    )
    hours_per_worker_year: float = Field(
        HOURS_PER_WORKER_YEAR, gt=0, le=8766, description="Worked hours per worker-year, h."
    )
    safety_improvement: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Multiplier on every site's accident rate (< 1: an inspection campaign).",
    )


class WhiteElephantConfig(Strict):
    """Parameters of the white-elephant rule (:mod:`sim.risk.white_elephant`; assumptions)."""

    tenure_yr: float = Field(5.0, gt=0, le=50, description="Term of office, years.")
    discount_rate: float = Field(0.15, ge=0, le=5, description="Official's discount rate, 1/yr.")
    visibility_weight: float = Field(
        1.0, ge=0, le=100, description="Credit per yuan of visible repair (dimensionless)."
    )
    min_benefit_cost: float = Field(
        0.3,
        ge=0,
        le=100,
        description="Fixes perceived below this benefit/cost ratio are deferred (budget left "
        "unspent); 1.0 = the official's break-even.",
    )
    stagger_terms: bool = Field(
        True,
        description="District terms start at different years (offset drawn per district, "
        "uniform over the tenure: assumption); false: every term starts at year 0 mod tenure.",
    )


class SlowRiskConfig(Strict):
    """Deterioration, screening, maintenance budgets and decisions (:mod:`sim.risk`)."""

    policy: PolicyRule = Field(
        "risk", description="Priority rule of every district maintenance office."
    )
    budget_yuan_per_yr: float = Field(
        1e9,
        ge=0,
        le=1e13,
        description="City-wide planned-maintenance budget, yuan/yr, split over districts by "
        "their share of the asset stock's repair value (assumption).",
    )
    screening_coverage_per_yr: Fraction = Field(
        0.2, description="Share of assets inspected per year (hidden-hazard screening)."
    )
    targeted_screening: bool = Field(
        False, description="Inspect the assets with the highest failure probability first."
    )
    emergency_cost_factor: float = Field(
        2.0, ge=1, le=20, description="Reactive repair cost / planned repair cost."
    )
    white_elephant: WhiteElephantConfig = Field(default_factory=WhiteElephantConfig)


class BlackSwanConfig(Strict):
    """Rare heavy-tailed city-wide shocks (:mod:`sim.risk.shocks`)."""

    rate_per_yr: float = Field(0.05, ge=0, le=50, description="Poisson arrival rate, 1/yr.")
    pareto_alpha: float = Field(1.5, gt=0, le=10, description="Pareto tail index (dimensionless).")
    x_min: float = Field(1.0, gt=0, le=1e6, description="Smallest intensity (dimensionless).")
    x_max: float | None = Field(None, gt=0, description="Cap on the intensity (None: no cap).")

    @model_validator(mode="after")
    def _cap_above_min(self) -> BlackSwanConfig:
        if self.x_max is not None and self.x_max < self.x_min:
            raise ValueError("x_max must be >= x_min")
        return self


class ProcessesConfig(Strict):
    pipeline: PipelineConfig | None = None
    construction: ConstructionConfig | None = None
    slow_risk: SlowRiskConfig | None = None
    black_swans: BlackSwanConfig | None = None
    governance: GovernanceConfig | None = None
    responsibility: ResponsibilityConfig | None = Field(
        None,
        description="Responsibility layers over the city's own assets (needs slow_risk): "
        "owners, regulators, the leadership and district governments inspect, fund, repair, "
        "enforce and report; their choices set the city state of the shocks.",
    )

    @model_validator(mode="after")
    def _layers_need_assets(self) -> ProcessesConfig:
        if self.responsibility is not None and self.slow_risk is None:
            raise ValueError(
                "processes.responsibility acts on the asset stock: processes.slow_risk is "
                "required with it"
            )
        return self

    @model_validator(mode="after")
    def _at_least_one(self) -> ProcessesConfig:
        if all(
            p is None for p in (self.pipeline, self.construction, self.slow_risk, self.governance)
        ):
            raise ValueError(
                "at least one of processes.pipeline, processes.construction, "
                "processes.slow_risk, processes.governance is required"
            )
        return self

    @model_serializer(mode="wrap")
    def _drop_absent_governance(self, handler):
        data = handler(self)
        if self.governance is None:
            data.pop("governance", None)
        if self.responsibility is None:
            data.pop("responsibility", None)
        return data


LONGRUN_SUMMARY_KEYS = (
    "years",
    "pipe_bursts",
    "cavities",
    "cavities_detected",
    "road_collapses",
    "road_collapses_in_black_swans",
    "road_collapses_expected",
    "open_cavities_final",
    "cavity_screening_yuan_per_yr",
    "construction_accidents",
    "construction_deaths",
    "construction_accidents_expected",
    "construction_deaths_expected",
    "asset_failures",
    "black_swan_failures",
    "defects_detected",
    "repairs",
    "maintenance_budget_yuan",
    "maintenance_spent_yuan",
    "emergency_repair_yuan",
    # with shocks: the upkeep beside the shocks' effects (sim.results.longrun_summary)
    "maintenance_spent_yuan_per_yr",
    "drainage_upkeep_yuan_per_yr",
    "latent_risk_index_initial",
    "latent_risk_index_final",
    "latent_risk_harm_initial",
    "latent_risk_harm_final",
    "black_swans",
    "black_swan_intensity_max",
    "black_swan_amplification_max",
    # with processes.governance or an enabled policy (sim.results.longrun_summary.summarise):
    "accidents",
    "deaths",
    "direct_loss_yuan",
    "policy_cost_yuan",
    "policies_enabled",
    "chemical_accidents",
    "chemical_deaths",
    "chemical_injuries",
    "chemical_loss_yuan",
    "duties_due",
    "duties_done",
    "duty_completion",
    *COUNT_KEYS,
    "warnings_blue",
    "warnings_yellow",
    "warnings_orange",
    "warnings_red",
    "latent_hazards_final",
    "latent_hazards_mean",
    "barrier_miss_mean",
    "dereliction_months",
    "governance_spend_yuan",
    # with processes.responsibility (sim.agents.city_layers.CityLayers.summary):
    "owner_repair_yuan_per_yr",
    "regulator_inspection_yuan_per_yr",
    "five_ones_cost_yuan_per_yr",
    "enforcement_orders",
    "problems_reported",
    "problems_concealed",
    "repairs_deferred",
    "city_duty_completion",
    "owner_diligence_final",
    "mesa_events",
    "wall_time_s",
    "seed",
)
"""Every key summary.json of a long run may hold, in order (only enabled processes' keys are
written; see :func:`sim.results.longrun_summary.summarise`)."""

BLACK_SWAN_INTENSITY_UNIT = "multiple of x_min"
"""Unit of a black swan's intensity: X is dimensionless, drawn from a Pareto distribution
whose smallest value is ``processes.black_swan.x_min`` (:mod:`sim.risk.shocks`), so it reads as
a multiple of that smallest intensity (x_min = 1 by default: the value itself)."""

LONGRUN_SUMMARY_UNITS = {
    "years": "yr",
    "maintenance_budget_yuan": "yuan",
    "maintenance_spent_yuan": "yuan",
    "emergency_repair_yuan": "yuan",
    "maintenance_spent_yuan_per_yr": "yuan/yr",
    "drainage_upkeep_yuan_per_yr": "yuan/yr",
    "latent_risk_index_initial": "failures/yr",
    "latent_risk_index_final": "failures/yr",
    "latent_risk_harm_initial": "consequence/yr",
    "latent_risk_harm_final": "consequence/yr",
    "black_swan_intensity_max": BLACK_SWAN_INTENSITY_UNIT,
    "black_swan_amplification_max": "ratio",
    "construction_deaths": "persons",
    "construction_deaths_expected": "persons",
    "wall_time_s": "s",
    "deaths": "persons",
    "direct_loss_yuan": "yuan",
    "policy_cost_yuan": "yuan/horizon",
    "chemical_deaths": "persons",
    "chemical_injuries": "persons",
    "chemical_loss_yuan": "yuan",
    "duty_completion": "share",
    "latent_hazards_mean": "hazards",
    "barrier_miss_mean": "P(all layers fail)",
    "dereliction_months": "months",
    "governance_spend_yuan": "yuan",
    "owner_repair_yuan_per_yr": "yuan/yr",
    "regulator_inspection_yuan_per_yr": "yuan/yr",
    "five_ones_cost_yuan_per_yr": "yuan/yr",
    "city_duty_completion": "share",
    "owner_diligence_final": "P(duty done)",
}
"""Units of the long run's summary keys in the console table (keys not listed: counts)."""


SHOCK_KEY = re.compile(r"^shocks\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)$")
"""Summary key of a shock's emergency outcome: ``shocks.<shock name>.<emergency summary key>``
(e.g. ``shocks.lekima.waterlogged_roads``), written into the long run's summary.json."""


class ShockConfig(Strict):
    """An emergency window run at a date of the long run, on the city state of that date
    (one run, two clocks: :mod:`sim.results.shocks`, :mod:`sim.risk.city_state`).

    The emergency scenario's own time window is kept as its file says (typhoon tracks and
    scripted warnings carry absolute times): the shock date must lie inside it. To place a
    design storm elsewhere, move its times with ``overrides``.
    """

    name: str = Field(
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Shock name (slug): its folder shocks/<name>/ and its summary keys "
        "shocks.<name>.<key>.",
    )
    at_utc: UtcTime = Field(
        description="Hand-over date (UTC): inside the run's years and inside the emergency "
        "scenario's own window; the emergency window runs on the long run's state of it."
    )
    scenario: DataPath = Field(
        description="Emergency scenario YAML (relative to this file), e.g. lekima-2019.yaml."
    )
    overrides: list[str] = Field(
        default_factory=list,
        description="-p style overrides of the emergency scenario (a.b.c=value); not seed: "
        "the shock's seed derives from the run seed and the shock name.",
    )

    @field_validator("overrides")
    @classmethod
    def _override_form(cls, v: list[str]) -> list[str]:
        bad = [o for o in v if "=" not in o or not o.partition("=")[0].strip()]
        if bad:
            raise ValueError(f"expected a.b.c=value overrides, got {bad}")
        if any(o.partition("=")[0].strip() == "seed" for o in v):
            raise ValueError("seed cannot be overridden: it derives from the run seed and name")
        twice = [f"{v[i]} and {v[j]}" for i, j in set_twice(v)]
        if twice:  # the later would silently win
            raise ValueError(f"{'; '.join(twice)} both set one path: give one")
        return v


class LongRunScenario(ScenarioBase):
    """A complete, validated multi-year risk-dynamics scenario (the long run's clock)."""

    OUTCOME_KEYS = LONGRUN_SUMMARY_KEYS
    OUTCOME_UNITS = LONGRUN_SUMMARY_UNITS

    kind: Literal["long_run"] = Field(description="Marks a multi-year risk-dynamics scenario.")
    years: YearsConfig
    processes: ProcessesConfig
    policies: PoliciesConfig | None = Field(
        None,
        description="Policy plug-ins (the 'five ones' and remedies, sim.scenario.policies); "
        "each is switched by e.g. -p policies.risk_inventory.enabled=true.",
    )

    shocks: list[ShockConfig] = Field(
        default_factory=list,
        description="Emergency windows run at dates of the long run on its city state "
        "(shocks/<name>/ of the run folder; summary keys shocks.<name>.<key>).",
    )

    @field_validator("shocks")
    @classmethod
    def _unique_names(cls, v: list[ShockConfig]) -> list[ShockConfig]:
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError(f"shock names must be unique, got {names}")
        return v

    def _drop_absent(self, data: dict) -> dict:
        if self.policies is None:
            data.pop("policies", None)
        if not self.shocks:
            data.pop("shocks", None)
        return data

    def window_utc(self) -> tuple[datetime, datetime]:
        """The run's years as [1 January of the first, 1 January after the last) in UTC."""
        y0 = self.years.start_year
        return datetime(y0, 1, 1, tzinfo=UTC), datetime(y0 + self.years.n_years, 1, 1, tzinfo=UTC)

    def shock_outcome_keys(self, emergency_keys) -> list[str]:
        """The summary keys its shocks add: ``shocks.<name>.<key>`` for each of
        ``emergency_keys`` (:data:`sim.results.summary.SUMMARY_KEYS`) but ``wall_time_s``."""
        keys = [k for k in emergency_keys if k != "wall_time_s"]
        return [f"shocks.{s.name}.{k}" for s in self.shocks for k in keys]

    def policy_shock_overrides(self) -> list[str]:
        """Overrides the enabled five ones put on every shock's emergency scenario, before
        the shock's own (none without ``processes.responsibility``)."""
        layers = self.processes.responsibility
        if layers is None:
            return []
        return layers.shock_overrides(self.policies.enabled() if self.policies else [])

    def cross_file_problems(self, load, check_files: bool = True) -> list[tuple[str, str]]:
        """(field path, what was expected) of each shock that does not fit: a date outside
        the run's years; with ``check_files``, an emergency scenario that does not load
        (``load(path, overrides, kind="emergency")``, :func:`sim.scenario.loader.load_scenario`:
        a long run there, its own file included, is one problem), is not an
        emergency scenario, is of another city, or whose window misses the date."""
        t0, t1 = self.window_utc()
        out = []
        for i, s in enumerate(self.shocks):
            if not t0 <= s.at_utc < t1:
                out.append(
                    (
                        f"shocks[{i}].at_utc",
                        f"expected a date inside the run's years {t0:%Y-%m-%d} to "
                        f"{t1:%Y-%m-%d} (exclusive), got {s.at_utc:%Y-%m-%dT%H:%M}Z",
                    )
                )
            if check_files:
                out += self._shock_file_problems(i, s, load)
        return out

    def _shock_file_problems(self, i: int, s: ShockConfig, load) -> list[tuple[str, str]]:
        where = f"shocks[{i}].scenario"
        try:
            em = load(s.scenario, [*self.policy_shock_overrides(), *s.overrides], kind="emergency")
        except ValueError as exc:  # the loader's ScenarioError lists its problems
            got = getattr(exc, "got_kind", None)
            if got is not None:  # a long run, maybe this one: not loaded, so no recursion
                return [(where, f"expected an emergency scenario, got kind {got!r}: {s.scenario}")]
            problems = getattr(exc, "problems", [exc])
            return [(where, f"the emergency scenario does not load: {p}") for p in problems]
        if em.kind != "emergency":
            return [(where, f"expected an emergency scenario, got kind {em.kind!r}: {s.scenario}")]
        if Path(em.city.data_dir).resolve() != Path(self.city.data_dir).resolve():
            return [
                (
                    where,
                    f"expected the long run's city {self.city.data_dir}, got "
                    f"{em.city.data_dir} ({s.scenario})",
                )
            ]
        start = em.time.start_utc
        end = start.timestamp() + em.time.duration_h * 3600.0
        if not start.timestamp() <= s.at_utc.timestamp() <= end:
            return [
                (
                    f"shocks[{i}].at_utc",
                    f"expected a date inside the emergency scenario's window from "
                    f"{start:%Y-%m-%dT%H:%M}Z for {em.time.duration_h:g} h ({s.scenario}; "
                    "its window is kept as the file says: move it with overrides)",
                )
            ]
        return []
