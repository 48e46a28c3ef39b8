"""Multi-year risk dynamics (sim.scenario.longrun): scenarios, event-driven time, determinism,
budgets, white-elephant vs risk-based maintenance, black swans, CLI."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.city import load_city
from sim.interfaces.cli.main import app
from sim.models.longrun import YEAR_H, RiskDynamicsModel
from sim.results.longrun_summary import maintenance_frame, shocks_frame, summarise
from sim.risk.pipeline import (
    PipelineAgeingModel,
    PipelineParams,
    generate_pipe_network,
)
from sim.risk.pipeline_year import (
    CAVITY,
    COLLAPSE,
    DETECTED,
    CavityShock,
    PipelineYearStepper,
)
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.longrun import LongRunScenario

ROOT = Path(__file__).resolve().parents[1]
PIPE = ROOT / "scenarios/shanghai/pipeline-ageing-2003-2020.yaml"
CONSTRUCTION = ROOT / "scenarios/shanghai/construction-safety-3y.yaml"
CITY = load_city(ROOT / "scenarios/data/shanghai")
runner = CliRunner()


def _run(path: Path, *overrides: str) -> RiskDynamicsModel:
    model = RiskDynamicsModel(load_scenario(path, list(overrides)))
    model.run()
    return model


def test_shipped_long_run_scenarios_validate_and_emergency_ones_still_do():
    pipe = load_scenario(PIPE)
    assert isinstance(pipe, LongRunScenario)
    assert (pipe.years.start_year, pipe.years.n_years) == (2003, 18)
    assert pipe.observed["road_collapses"].value == 95
    cons = load_scenario(CONSTRUCTION)
    assert cons.years.n_years == 3 and cons.processes.pipeline is None
    obs = cons.observed
    assert (obs["construction_accidents"].value, obs["construction_deaths"].value) == (69, 89)
    assert isinstance(load_scenario(ROOT / "scenarios/shanghai/lekima-2019.yaml"), Scenario)


def test_an_overwhelming_black_swan_collapses_every_cavity_open_at_its_time():
    # Many cavities (p_cavity 0.5) on a small network; x = 1e6 gives P = 1 - exp(-3e4) = 1.
    net = generate_pipe_network([400.0, 300.0], [50.0, 40.0], np.random.default_rng(1))
    params = PipelineParams(p_cavity_per_burst=0.5)
    stepper = PipelineYearStepper(PipelineAgeingModel(net, [0.0, 0.0], params))
    rng = np.random.default_rng(2)
    for y in range(2000, 2003):
        stepper.step(y, rng)
    carried = stepper.open_segment.size
    assert carried > 0
    ev = stepper.step(2003, rng, shocks=[CavityShock(2003.5, 1e6, 1.0)])
    ends = (ev.kind == COLLAPSE) | (ev.kind == DETECTED)
    born = ev.kind == CAVITY
    struck = (ev.kind == COLLAPSE) & (ev.t_yr == 2003.5)
    assert np.all(ev.shock_intensity[struck] == 1e6)
    assert np.all(ev.shock_intensity[~struck] == 0)
    # conservation: every cavity open at the shock collapses at it ...
    open_at_shock = carried + np.sum(born & (ev.t_yr <= 2003.5)) - np.sum(ends & (ev.t_yr < 2003.5))
    assert struck.sum() == open_at_shock > 0
    # ... so what ends after it, or stays open, was born after it
    later = np.sum(ends & (ev.t_yr > 2003.5)) + stepper.open_segment.size
    assert later == np.sum(born & (ev.t_yr > 2003.5))
    # a shock of zero sensitivity changes nothing: the year is the no-shock year
    a = PipelineYearStepper(PipelineAgeingModel(net, [0.0, 0.0], params))
    b = PipelineYearStepper(PipelineAgeingModel(net, [0.0, 0.0], params))
    ea = a.step(2010, np.random.default_rng(5))
    eb = b.step(2010, np.random.default_rng(5), shocks=[CavityShock(2010.5, 1e6, 0.0)])
    np.testing.assert_array_equal(ea.kind, eb.kind)


def test_short_run_is_deterministic_for_a_seed_and_differs_across_seeds():
    over = ("years.n_years=3", "processes.black_swans.rate_per_yr=2")
    a, b = _run(PIPE, *over), _run(PIPE, *over)
    c = _run(PIPE, *over, "seed=7")
    fa, fb, fc = a.events_frame(), b.events_frame(), c.events_frame()
    pd.testing.assert_frame_equal(fa, fb)
    pd.testing.assert_frame_equal(a.latent_frame(), b.latent_frame())
    sa, sb = summarise(a, 0.0), summarise(b, 0.0)
    assert sa == sb
    assert len(fa) != len(fc) or not fa["t_h"].equals(fc["t_h"])
    # every event lies inside the window; latent risk is non-negative
    assert fa["t_h"].min() >= 0 and fa["t_h"].max() < 3 * YEAR_H
    lat = a.latent_frame()
    assert (lat[["undetected", "known_unfixed", "total", "harm"]].to_numpy() >= 0).all()
    assert set(lat["t_yr"]) == {2003.0, 2004.0, 2005.0, 2006.0}
    assert all(math.isfinite(v) and v >= 0 for v in sa.values())


def test_eighteen_years_take_two_mesa_events_a_year_and_no_hourly_steps():
    model = _run(PIPE, "processes.slow_risk=null", "processes.black_swans=null")
    # 18 year-end events + 19 records (t = 0 and every year end); Mesa's step never ran
    assert model.mesa_events == 2 * 18 + 1
    assert model.steps == 0
    assert model.time == pytest.approx(18 * YEAR_H)
    assert summarise(model, 0.0)["road_collapses"] > 0


def test_white_elephant_defers_fixes_and_accumulates_more_latent_risk_than_risk_based():
    # Same seed: identical inventory, shocks and term phases (common random numbers);
    # 10 years with a black swan a year on average.
    over = (
        "processes.pipeline=null",
        "years.n_years=10",
        "processes.black_swans.rate_per_yr=1.0",
    )
    risk = _run(PIPE, *over, "processes.slow_risk.policy=risk")
    white = _run(PIPE, *over, "processes.slow_risk.policy=white_elephant")
    sr, sw = summarise(risk, 0.0), summarise(white, 0.0)
    assert sr["latent_risk_harm_initial"] == sw["latent_risk_harm_initial"]
    assert sw["latent_risk_harm_final"] > 1.1 * sr["latent_risk_harm_final"]
    # deferral leaves budget unspent; both stay within their budgets every year
    assert sw["maintenance_spent_yuan"] < 0.9 * sw["maintenance_budget_yuan"]
    for m in (risk, white):
        mf = maintenance_frame(m)
        assert (mf["planned_spend_yuan"] <= mf["budget_yuan"] + 1e-6).all()
        assert mf["budget_yuan"].sum() == pytest.approx(3e9 * 10)
    # the same shocks strike both stocks; the neglected one loses more assets to them
    kr, kw = shocks_frame(risk), shocks_frame(white)
    assert len(kr) > 0
    np.testing.assert_array_equal(kr["intensity"], kw["intensity"])
    assert (kr["amplification"] >= 1.0).all()
    assert sw["black_swan_failures"] > sr["black_swan_failures"]
    assert kw["amplification"].mean() > kr["amplification"].mean()


def test_construction_expectation_over_three_years_is_the_calibrated_record():
    model = _run(CONSTRUCTION)
    s = summarise(model, 0.0)
    # lambda0 x 600,000 workers x 2,500 h x 3 yr = 69 with mean multiplier 1; the realised
    # safety-grade draw shifts it by ~1-2% (sim/risk/construction.py)
    assert s["construction_accidents_expected"] == pytest.approx(69, rel=0.03)
    # deaths per accident 1 + mu = 89/69 (summary values rounded to 0.01)
    ratio = s["construction_deaths_expected"] / s["construction_accidents_expected"]
    assert ratio == pytest.approx(89 / 69, rel=1e-3)
    assert s["construction_deaths"] >= s["construction_accidents"] > 0
    assert model.mesa_events == 2 * 3 + 1


def _bad(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(f"extends: {PIPE}\n" + textwrap.dedent(body), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ("processes: {slow_risk: {policy: greedy}}\n", "processes.slow_risk.policy", "risk"),
        ("years: {n_years: 0}\n", "years.n_years", "greater than or equal to 1"),
        ("processes: {pipeline: {detection_prob: 1.5}}\n", "processes.pipeline.detection_prob",
         "less than or equal to 1"),
        ("processes: {pipeline: {colour: red}}\n", "processes.pipeline.colour", "unknown field"),
        ("kind: longrun\n", "kind", "long_run"),
        ("observed: {road_colapses: {value: 95, source: x}}\n", "observed", "road_colapses"),
        ("processes: {pipeline: null, slow_risk: null}\n", "processes", "at least one"),
        ("city: {data_dir: nowhere}\n", "city.data_dir", "not found"),
    ],
)  # fmt: skip
def test_cli_validate_reports_bad_long_run_fields_with_file_and_path(tmp_path, body, field, text):
    path = _bad(tmp_path, body)
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.startswith(f"{path}: {field}: ")]
    assert lines and text in lines[0], res.output
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_cli_run_writes_a_complete_run_folder(tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(
        app,
        [
            "run", str(PIPE), "-p", "years.n_years=2", "-p", "processes.black_swans.rate_per_yr=3",
            "--seed", "5", "--out", str(out), "--quiet",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "road_collapses" in res.output and "sim/obs" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 5 and summary["years"] == 2
    assert all(math.isfinite(v) and v >= 0 for v in summary.values())
    for name in ("events.parquet", "latent_risk.parquet", "maintenance.parquet",
                 "black_swans.parquet", "scenario.resolved.yaml", "events_per_year.png",
                 "latent_risk.png"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    ev = pd.read_parquet(out / "events.parquet")
    assert list(ev.columns) == ["t_h", "time_utc", "kind", "district", "sector", "asset", "value"]
    assert (ev["kind"] == "road_collapse").sum() == summary["road_collapses"]
    assert load_scenario(out / "scenario.resolved.yaml").seed == 5


WHITE_ELEPHANT = ROOT / "scenarios/shanghai/white-elephant-drainage.yaml"
LEKIMA = ROOT / "scenarios/shanghai/lekima-2019.yaml"


def test_validate_reads_a_long_runs_city_data(tmp_path):
    """A long run's city folder is read as the run reads it: a broken exposure table is a
    problem of ``city.data_dir``, not a traceback of ``run`` (it passed ``validate``)."""
    import shutil

    city = tmp_path / "city"
    shutil.copytree(ROOT / "scenarios/data/shanghai", city)
    table = city / "exposure_totals.csv"
    table.write_text(table.read_text().replace("city_total", "total", 1), encoding="utf-8")
    res = runner.invoke(app, ["validate", str(PIPE), "-p", f"city.data_dir={city}"])
    assert res.exit_code == 2, res.output
    assert f"{PIPE}: city.data_dir: unusable city data" in res.output
    assert "Traceback" not in res.output


def test_validate_checks_the_data_of_every_shock(tmp_path):
    """A shock's emergency scenario is checked as a run of it would be: its unreadable track
    is reported against the shock's own file and field."""
    bad_track = tmp_path / "track.csv"
    bad_track.write_text("when,where\n2019-08-09T00:00:00Z,here\n", encoding="utf-8")
    shock = tmp_path / "shock.yaml"
    shock.write_text(
        f"extends: {LEKIMA}\nhazard:\n  typhoon:\n    track_file: {bad_track}\n", encoding="utf-8"
    )
    long_run = tmp_path / "long.yaml"
    long_run.write_text(
        f"extends: {WHITE_ELEPHANT}\nshocks:\n  - name: lekima\n"
        f"    at_utc: 2019-08-08T00:00:00Z\n    scenario: {shock}\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["validate", str(long_run)])
    assert res.exit_code == 2, res.output
    assert f"{shock}: hazard.typhoon.track_file: unusable track" in res.output
    assert runner.invoke(app, ["validate", str(WHITE_ELEPHANT)]).exit_code == 0
