"""Responsibility layers over the city's own assets (issue 14, points 2-3).

Checks the money (every repair in the event log is paid by the leadership's budget or by an
owner, and the budget is never exceeded), the audit trail (every repair has its done
``maintain`` duty), the mechanisms one at a time with everything else fixed (deterrence,
problem accountability, the risk inventory, the leadership's budget → the city state), the
closed forms (contractors' accident multiplier, the report probability), the shock overrides
of the five ones, and the schema's refusals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.agents.city_layers.actors import Contractors
from sim.agents.governance import behaviour as rules
from sim.agents.governance.audit import AGENT_TYPES, AUDIT_LAYERS
from sim.models.emergency import CityModel
from sim.models.longrun import EVENT_KINDS, RiskDynamicsModel
from sim.scenario import load_scenario
from sim.scenario.loader import ScenarioError
from sim.scenario.responsibility import ResponsibilityConfig

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data" / "example-city"
EXAMPLE_TYPHOON = ROOT / "scenarios" / "example-city" / "typhoon.yaml"

LONG_RUN = """
kind: long_run
name: layers
seed: 11
city: {{data_dir: {data}}}
years: {{start_year: 2027, n_years: {years}}}
processes:
  pipeline: {{}}
  construction: {{}}
  slow_risk: {{policy: white_elephant, screening_coverage_per_yr: 0.5,
              budget_yuan_per_yr: {budget}}}
  responsibility: {{regulator_inspections_per_yr: {inspections}}}
policies: {{}}
"""


def run_layers(tmp_path: Path, *overrides: str, years=6, budget=1.0e9, inspections=100):
    path = tmp_path / "layers.yaml"
    path.write_text(LONG_RUN.format(data=DATA, years=years, budget=budget, inspections=inspections))
    model = RiskDynamicsModel(load_scenario(path, list(overrides)))
    model.run()
    return model


def summary_of(model) -> dict:
    from sim.results.longrun_summary import summarise

    return summarise(model, 0.0)


# ---------------------------------------------------------------- money and audit trail


def test_every_repair_is_paid_by_the_budget_or_an_owner_and_the_budget_holds(tmp_path):
    model = run_layers(tmp_path, budget=2.0e8)
    _, kind, district, sector, asset, value = model.events.arrays()
    repair = kind == EVENT_KINDS.index("repair")
    private = np.isin(sector, [model.sectors.index(s) for s in ("facade", "signboard")])
    public_spend = float(value[repair & ~private].sum())
    owner_spend = float(value[repair & private].sum())
    out = summary_of(model)
    assert public_spend == pytest.approx(out["maintenance_spent_yuan"], rel=1e-9)
    assert owner_spend == pytest.approx(model.layers.costs["owner_repair"], rel=1e-9)
    # each year's public repairs fit the budget the leadership released (<= the budget)
    t_yr = model.events.arrays()[0]
    for y in range(model.start_year, model.start_year + model.n_years):
        in_year = repair & ~private & (t_yr >= y) & (t_yr < y + 1)
        assert value[in_year].sum() <= 2.0e8 + 1e-6
    assert out["maintenance_spent_yuan"] > 0 and owner_spend > 0


def test_every_repair_has_its_done_maintain_duty_and_codes_are_known(tmp_path):
    model = run_layers(tmp_path)
    a = model.layers.audit.frame()
    assert set(a["layer"].astype(str)) <= set(AUDIT_LAYERS)
    assert set(a["agent_type"].astype(str)) <= set(AGENT_TYPES)
    _, kind, *_ = model.events.arrays()
    repairs = int(np.count_nonzero(kind == EVENT_KINDS.index("repair")))
    maintain_done = int((a["duty"].astype(str).eq("maintain") & a["done"]).sum())
    assert repairs == maintain_done > 0
    # the leadership's funding decisions: one per known public defect per year, and every
    # done public repair was funded
    fund = a[a["duty"].astype(str).eq("fund")]
    assert set(fund["agent_type"].astype(str)) == {"municipal_leadership"}
    public = a[a["duty"].astype(str).eq("maintain") & ~a["agent_type"].astype(str).eq(
        "building_owners")]  # fmt: skip
    funded = set(zip(fund.loc[fund["done"], "t_h"], fund.loc[fund["done"], "target"],
                     strict=True))  # fmt: skip
    assert all((t, g) in funded for t, g in zip(public["t_h"], public["target"], strict=True))
    assert model.layers.counts["repairs_deferred"] == int((~fund["done"]).sum())


def test_same_seed_same_run_and_the_audit_table_is_written(tmp_path):
    from sim.results.runner import run_scenario

    path = tmp_path / "layers.yaml"
    path.write_text(LONG_RUN.format(data=DATA, years=3, budget=1e9, inspections=100))
    s1 = run_scenario(load_scenario(path), tmp_path / "a", progress=False, figures=False)
    s2 = run_scenario(load_scenario(path), tmp_path / "b", progress=False, figures=False)
    del s1.summary["wall_time_s"], s2.summary["wall_time_s"]
    assert s1.summary == s2.summary
    assert (tmp_path / "a" / "city_audit.parquet").is_file()


# ---------------------------------------------------------------- mechanisms, one at a time


def test_more_regulator_inspections_deter_owners_and_leave_sounder_facades(tmp_path):
    few = run_layers(tmp_path, inspections=0)
    many = run_layers(tmp_path, inspections=2000)
    assert summary_of(few)["enforcement_orders"] == 0
    assert summary_of(many)["enforcement_orders"] > 0
    base = few.config.processes.responsibility.diligence.principal
    assert all(o.diligence == pytest.approx(base) for o in few.layers.owners)  # no pressure
    assert all(o.diligence > base for o in many.layers.owners)
    f_few = few.city_state(few.horizon_h).facade_median_factor.mean()
    f_many = many.city_state(many.horizon_h).facade_median_factor.mean()
    assert f_many > f_few


def test_problem_accountability_gets_more_problems_reported(tmp_path):
    off = summary_of(run_layers(tmp_path))
    on = summary_of(run_layers(tmp_path, "policies.accountability.enabled=true"))

    def share(s):
        return s["problems_reported"] / (s["problems_reported"] + s["problems_concealed"])

    assert share(on) > share(off)
    # the closed form of the regulator's choice at its base diligence (behaviour rule)
    d = 0.8
    assert float(rules.report_probability(d, "accident_only")) == pytest.approx(
        1 / (1 + np.exp(-(6 * (d - 0.5) - 1.5)))
    )


def test_risk_inventory_finds_more_and_costs_its_block_plus_the_inspections(tmp_path):
    off = run_layers(tmp_path, years=3)
    on = run_layers(tmp_path, "policies.risk_inventory.enabled=true", years=3)
    s_off, s_on = summary_of(off), summary_of(on)
    assert s_on["defects_detected"] > s_off["defects_detected"]
    assert s_off["five_ones_cost_yuan_per_yr"] == 0
    block = on.config.policies.risk_inventory.annual_cost_yuan
    assert s_on["five_ones_cost_yuan_per_yr"] > block  # + the inspections it buys


def test_the_leadership_budget_sets_the_drainage_the_shock_meets(tmp_path):
    # risk-based priorities (the white-elephant rule would defer drainage at any budget)
    risk = "processes.slow_risk.policy=risk"
    poor = run_layers(tmp_path, risk, budget=0.0, years=8)
    rich = run_layers(tmp_path, risk, budget=5.0e9, years=8)
    assert summary_of(poor)["maintenance_spent_yuan"] == 0
    cap_poor = poor.city_state(poor.horizon_h).drainage_capacity_factor
    cap_rich = rich.city_state(rich.horizon_h).drainage_capacity_factor
    assert cap_rich.mean() > cap_poor.mean()


def test_site_inspections_make_contractors_safer(tmp_path):
    calm = "processes.responsibility.accountability_spike=0"  # no boost after accidents
    none = run_layers(tmp_path, calm, "processes.responsibility.site_inspections_per_yr=0", years=3)
    many = run_layers(tmp_path, calm, "processes.responsibility.site_inspections_per_yr=1e6",
                      years=3)  # fmt: skip
    e_none = summary_of(none)["construction_accidents_expected"]
    e_many = summary_of(many)["construction_accidents_expected"]
    c = none.config.processes.construction
    calibrated = none.construction.expected_accidents(3 * c.hours_per_worker_year)
    assert e_none == pytest.approx(calibrated, abs=0.005)  # base diligence: the calibrated rate
    assert e_many < e_none


def test_contractor_multiplier_is_one_at_the_base_diligence_and_linear_above():
    from mesa import Model

    c = Contractors(Model(rng=1), 0, 0.3)
    assert c.accident_multiplier(0.5) == pytest.approx(1.0)
    c.diligence = 1.0
    assert c.accident_multiplier(0.5) == pytest.approx(0.5 / 0.85)


# ---------------------------------------------------------------- the five ones in the shocks


def test_shock_overrides_of_the_five_ones():
    cfg = ResponsibilityConfig()
    assert cfg.shock_overrides([]) == ["warnings.mode=disabled"]
    assert cfg.shock_overrides(["early_warning", "handbook"]) == [
        "warnings.mode=forecast",
        "logistics.preposition_level=orange",
    ]


def test_without_the_platform_no_warning_is_issued_and_nobody_relocates():
    def run(mode):
        sc = load_scenario(EXAMPLE_TYPHOON, [f"warnings.mode={mode}", "events=[]"])
        m = CityModel(sc)
        m.run()
        return m

    off, on = run("disabled"), run("forecast")
    assert off.warning_centre.enabled is False
    kinds_off = set(off.events_frame()["kind"].astype(str))
    assert not kinds_off & {"warning", "response"}
    assert off.warning_centre.withheld  # decided, but not issued
    assert off.people_relocated == 0
    assert "warning" in set(on.events_frame()["kind"].astype(str))
    assert on.people_relocated > 0


def test_disabled_warnings_refuse_warning_events_and_layers_need_assets(tmp_path):
    with pytest.raises(ScenarioError, match="disabled issues no warning"):
        load_scenario(EXAMPLE_TYPHOON, ["warnings.mode=disabled"])
    path = tmp_path / "bad.yaml"
    path.write_text(
        LONG_RUN.format(data=DATA, years=2, budget=1e9, inspections=1).replace(
            "  slow_risk: {policy: white_elephant, screening_coverage_per_yr: 0.5,\n"
            "              budget_yuan_per_yr: 1000000000.0}\n",
            "",
        )
    )
    with pytest.raises(ScenarioError, match="slow_risk is required"):
        load_scenario(path)


def test_shipped_five_ones_scenario_marks_its_shock_with_the_policy_overrides(tmp_path):
    sc = load_scenario(ROOT / "scenarios" / "shanghai" / "five-ones-city.yaml")
    assert sc.policy_shock_overrides() == ["warnings.mode=disabled"]
    sc2 = load_scenario(
        ROOT / "scenarios" / "shanghai" / "five-ones-city.yaml",
        ["policies.early_warning.enabled=true"],
    )
    assert sc2.policy_shock_overrides() == ["warnings.mode=forecast"]
    assert json.dumps(sc.processes.responsibility.model_dump())  # serialisable


def test_institutional_arrangements_buy_inspections_and_weaken_short_termism(tmp_path):
    off = run_layers(tmp_path, years=3, inspections=500)
    on = run_layers(tmp_path, "policies.institutional.enabled=true", years=3, inspections=500)
    s_off, s_on = summary_of(off), summary_of(on)
    assert s_on["enforcement_orders"] > s_off["enforcement_orders"]
    block = on.config.policies.institutional
    assert s_on["five_ones_cost_yuan_per_yr"] > block.annual_cost_yuan
    # 1.5x the inspectors, and each at least as diligent (a weaker tenure effect)
    ratio = s_on["regulator_inspection_yuan_per_yr"] / s_off["regulator_inspection_yuan_per_yr"]
    assert ratio >= block.capacity_multiplier * 0.999
    assert on.layers.housing_regulator.diligence >= off.layers.housing_regulator.diligence
