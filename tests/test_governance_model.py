"""Governance inside the long-run model: audit log, determinism, common random numbers,
governance off leaves existing results identical, and the behaviour rules at model level."""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from sim.agents.governance.audit import AUDIT_COLUMNS
from sim.agents.governance.system import MONTH_H
from sim.models.longrun import STREAMS, RiskDynamicsModel
from sim.results.longrun_summary import summarise
from sim.results.report import print_summary
from sim.results.runner import run_scenario
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import dump_resolved

ROOT = Path(__file__).resolve().parents[1]
PARK = ROOT / "scenarios/shanghai/chemical-park-dereliction.yaml"
PIPE = ROOT / "scenarios/shanghai/pipeline-ageing-2003-2020.yaml"
CONSTRUCTION = ROOT / "scenarios/shanghai/construction-safety-3y.yaml"
SHORT = ("years.n_years=3",)


@functools.cache
def _run(path: Path, *overrides: str) -> RiskDynamicsModel:
    """A finished run, shared by the tests of this file (treat as read-only)."""
    model = RiskDynamicsModel(load_scenario(path, list(overrides)))
    model.run()
    return model


def _sha(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv().encode()).hexdigest()


def test_governance_off_leaves_the_existing_construction_run_identical():
    # Values of the construction golden (tests/golden/summaries.json, seed 2018), re-derived
    # when the long run moved to named component streams (sim.models.longrun.STREAMS): the
    # sites and accidents now draw from "construction.sites" / "construction.accidents".
    m = _run(CONSTRUCTION)
    s = summarise(m, 0.0)
    s.pop("wall_time_s")
    assert s == {
        "years": 3,
        "construction_accidents": 68,
        "construction_deaths": 94,
        "construction_accidents_expected": 70.48,
        "construction_deaths_expected": 90.91,
        "mesa_events": 7,
        "seed": 2018,
    }
    assert _sha(m.events_frame()) == (
        "a576c3da39f0eba62ab45a47a3cbddac6f3ec9ca755f33f6dc7faa22725c2bf5"
    )
    # streams are keyed by name: the construction streams draw the same whatever else runs
    assert m.streams.names == ["construction.sites", "construction.accidents"]
    assert "governance" in STREAMS
    text = dump_resolved(load_scenario(CONSTRUCTION))
    assert "governance" not in text and "policies" not in text


def test_switching_governance_on_changes_no_other_process_draws():
    base = _run(CONSTRUCTION)  # cached: the identity test ran it first
    with_gov = _run(CONSTRUCTION, "processes.governance.n_enterprises=10")
    pd.testing.assert_frame_equal(base.events_frame(), with_gov.events_frame())
    s = summarise(with_gov, 0.0)
    assert s["construction_accidents"] == 68
    # cross-process totals: construction + chemical accidents and deaths
    assert s["accidents"] == 68 + s["chemical_accidents"]
    assert s["deaths"] == 94 + s["chemical_deaths"]
    # 3 year ends + 4 records + 36 monthly governance ticks
    assert with_gov.mesa_events == 3 + 4 + 36


def test_audit_has_one_row_per_duty_instance_and_is_identical_for_a_seed():
    a = _run(PARK, *SHORT)
    b = RiskDynamicsModel(load_scenario(PARK, list(SHORT)))
    b.run()
    fa, fb = a.governance.audit.frame(), b.governance.audit.frame()
    pd.testing.assert_frame_equal(fa, fb)
    assert tuple(fa.columns) == AUDIT_COLUMNS
    s = summarise(a, 0.0)
    assert s["duties_due"] == len(fa) and s["duties_done"] == int(fa["done"].sum())
    # every enterprise owes one self-inspection ("maintain") a month: 30 x 36
    maintain = fa[fa["duty"] == "maintain"]
    assert len(maintain) == 30 * 36
    assert maintain.groupby("t_h").size().eq(30).all()
    # done_t_h is set iff done, inside the month the duty arose in; due = t_h + one month
    done = fa["done"].to_numpy()
    assert fa["done_t_h"].isna().to_numpy().tolist() == (~done).tolist()
    assert (fa.loc[done, "done_t_h"] >= fa.loc[done, "t_h"]).all()
    assert (fa.loc[done, "done_t_h"] <= fa.loc[done, "due"]).all()
    np.testing.assert_allclose(fa["due"] - fa["t_h"], MONTH_H)
    c = _run(PARK, *SHORT, "seed=99").governance.audit.frame()
    assert len(c) != len(fa) or not c["done"].equals(fa["done"])


def test_failing_layers_raise_barrier_failure_and_accidents_and_mark_dereliction():
    miss, acc = [], []
    for k in (0, 2, 5):
        s = summarise(_run(PARK, *SHORT, f"processes.governance.failing_layers={k}"), 0.0)
        miss.append(s["barrier_miss_mean"])
        acc.append(s["chemical_accidents"])
        if k == 5:  # every layer below the dereliction threshold in every month
            assert s["dereliction_months"] == 36
    assert miss[0] < miss[1] < miss[2]
    assert miss[2] > 0.8  # all five layers at diligence 0.05: (1 - 0.7 x 0.05)^5 = 0.837
    assert acc[2] > acc[0]


def test_problem_accountability_makes_officials_report_what_they_conceal_otherwise():
    base = summarise(_run(PARK, *SHORT), 0.0)
    acc = summarise(_run(PARK, *SHORT, "policies.accountability.enabled=true"), 0.0)
    assert base["concealments_discovered"] == 0  # nobody looks under accident-only rules
    assert acc["hazards_concealed"] < 0.5 * base["hazards_concealed"]


def test_information_sharing_leaves_fewer_violations_unrectified():
    # accountability on so that found problems are reported and the sharing step matters
    over = (*SHORT, "policies.accountability.enabled=true")
    silo = summarise(_run(PARK, *over, "processes.governance.information_sharing=0"), 0.0)
    shared = summarise(_run(PARK, *over, "processes.governance.information_sharing=1"), 0.0)
    assert shared["latent_hazards_mean"] < silo["latent_hazards_mean"]
    assert shared["hazards_rectified"] > silo["hazards_rectified"]


def test_falsified_assessments_rise_with_price_pressure():
    over = (*SHORT, "processes.governance.third_party.assessments_per_yr=4")
    low = summarise(_run(PARK, *over, "processes.governance.third_party.price_pressure=0.1"), 0)
    high = summarise(_run(PARK, *over, "processes.governance.third_party.price_pressure=0.9"), 0)
    assert low["assessments"] == high["assessments"] == 30 * 4 * 3
    assert high["assessments_falsified"] > 3 * max(low["assessments_falsified"], 1)


def test_co_governance_opens_the_residents_channel():
    base = summarise(_run(PARK, *SHORT), 0.0)
    co = summarise(_run(PARK, *SHORT, "policies.co_governance.enabled=true"), 0.0)
    assert co["resident_reports"] > base["resident_reports"]


def test_campaign_after_an_accident_spikes_diligence_which_halves_each_half_life():
    m = RiskDynamicsModel(load_scenario(PARK, [*SHORT, "processes.governance.tenure.weight=0"]))
    gov = m.governance
    reg = gov.cast.regulators[0]
    gov.cast.update_diligence(0.0, gov.campaign.decay())
    d0 = reg.diligence  # 0.6: base, no tenure effect
    gov.accident_pathway.after_accident(0.0, 0)
    gov.cast.update_diligence(0.0, gov.campaign.decay())  # one month of decay
    spike = 0.6  # default campaign.spike: d -> d + 0.6 (1 - d)
    h = gov.cfg.campaign.half_life_months
    boost1 = reg.diligence - d0
    assert boost1 == pytest.approx(spike * (1 - d0) * 2 ** (-1 / h))
    for _ in range(int(h)):
        gov.cast.update_diligence(0.0, gov.campaign.decay())
    assert reg.diligence - d0 == pytest.approx(boost1 / 2)
    # city-wide mode: every enterprise took the medicine
    assert (gov.park.boost > 0).all()


def test_long_run_schema_reports_bad_policy_fields_with_their_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"extends: {PARK}\npolicies: {{early_warning: {{thresholds_per_yr: [0.1, 0.05, 0.2, "
        "0.3]}, handbok: {enabled: true}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    text = str(err.value)
    assert "policies.early_warning" in text and "policies.handbok" in text
    with pytest.raises(ScenarioError, match="failing_layers"):
        load_scenario(PARK, ["processes.governance.failing_layers=6"])


def test_run_folder_holds_audit_and_the_console_summary_shows_governance_keys(tmp_path):
    # what `citysafe run` does for a long run (sim.interfaces.cli.main._run), without importing
    # the CLI
    # (its calibration commands import pyabc, ~10 s)
    out = tmp_path / "run"
    scen = load_scenario(
        PARK,
        [
            "years.n_years=2",
            "policies.early_warning.enabled=true",
            "policies.handbook.enabled=true",
        ],
    )
    run_scenario(scen, out, figures=False)
    console = Console(record=True, width=140)
    print_summary(console, json.loads((out / "summary.json").read_text()), scen)
    text = console.export_text()
    assert "duties_due" in text and "policy_cost_yuan" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["policy_cost_yuan"] == 2 * (1e7 + 1e6)
    assert summary["policies_enabled"] == 2
    assert all(math.isfinite(v) and v >= 0 for v in summary.values())
    audit = pd.read_parquet(out / "audit.parquet")
    assert tuple(audit.columns) == AUDIT_COLUMNS and len(audit) == summary["duties_due"]
    assert (audit["duty"] == "warn").sum() >= summary["warnings_issued"] > 0
    acc = pd.read_parquet(out / "chemical_accidents.parquet")
    assert len(acc) == summary["chemical_accidents"]
    assert len(pd.read_parquet(out / "governance.parquet")) == 24


def test_risk_inventory_sends_inspectors_to_the_chronic_violator():
    # Risk-based planning: with the inventory the month's visits go to the enterprises ranked
    # riskiest, so the chronic violator (8x hazard arrivals) is inspected far more often than
    # the 1-in-30 share a random round gives it (same seeds, same number of visits drawn).
    # Pooled over eight seeds: in one 3-year run an early accident can reform the violator
    # and leave the two shares alike (seed 2011 did so once the long run moved to named
    # streams: 0.071 against 0.043); pooled, targeted is about 2.8 times random.
    def visits(seed: int, *overrides: str) -> tuple[int, int]:
        m = RiskDynamicsModel(load_scenario(PARK, [*SHORT, f"seed={seed}", *overrides]))
        chronic = np.nonzero(m.governance.park.chronic)[0]  # before any accident reforms it
        assert chronic.size == 1
        m.run()
        audit = m.governance.audit.frame()
        done = audit[(audit["duty"] == "inspect") & audit["done"] & (audit["target"] >= 0)]
        return int(done["target"].isin(chronic).sum()), len(done)

    def pooled_share(*overrides: str) -> float:
        hits, total = np.sum([visits(seed, *overrides) for seed in range(1, 9)], axis=0)
        return hits / total

    random_share = pooled_share()
    targeted_share = pooled_share("policies.risk_inventory.enabled=true")
    assert 0.0 < random_share < 0.1  # about 1/30 of the visits
    assert targeted_share > 2 * random_share
