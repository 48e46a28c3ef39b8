"""Two clocks of one model family: the emergency window (hours) and the long run (years)
share the base model (seed, named streams, UTC clock, event log, run loop), one runner, one
run-folder writer, one figures entry, one console report and one scenario schema tree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.models.base import SimulationModel
from sim.models.emergency import CityModel
from sim.models.longrun import STREAMS, YEAR_H, RiskDynamicsModel
from sim.results.kinds import MODEL_KINDS, build_model, model_kind
from sim.results.runner import run_scenario
from sim.results.summary import SUMMARY_KEYS
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.kinds import SCENARIO_KINDS
from sim.scenario.longrun import LONGRUN_SUMMARY_KEYS
from sim.studies.sweep.design import RunRecord
from sim.studies.sweep.runone import run_one
from sim.studies.sweep.spec import parse_spec

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests/data/small-lekima.yaml"
PIPE = ROOT / "scenarios/shanghai/pipeline-ageing-2003-2020.yaml"
CONSTRUCTION = ROOT / "scenarios/shanghai/construction-safety-3y.yaml"
SHORT_EMERGENCY = ["time.duration_h=4"]
SHORT_LONG = ["years.n_years=2", "processes.black_swans.rate_per_yr=3"]
runner = CliRunner()


def test_every_scenario_kind_has_a_model_and_outputs():
    assert set(SCENARIO_KINDS) == set(MODEL_KINDS) == {"emergency", "long_run"}
    emergency = build_model(load_scenario(SMALL, SHORT_EMERGENCY))
    long_run = build_model(load_scenario(CONSTRUCTION))
    assert isinstance(emergency, CityModel) and isinstance(long_run, RiskDynamicsModel)
    for model in (emergency, long_run):
        assert isinstance(model, SimulationModel)
        assert model_kind(model.config).kind == model.kind == model.config.kind


def test_both_clocks_share_the_utc_clock_and_run_loop():
    emergency = build_model(load_scenario(SMALL, SHORT_EMERGENCY))
    long_run = build_model(load_scenario(CONSTRUCTION))
    # hour 0 is the scenario start; a Julian year after 1 Jan 2018 00:00 is 1 Jan 2019 06:00
    # (2018 has 365 days, the model year 365.25)
    assert emergency.utc(0.0) == np.datetime64("2019-08-09T06:00:00")
    assert emergency.utc(1.5) == np.datetime64("2019-08-09T07:30:00")
    assert long_run.utc(YEAR_H) == np.datetime64("2019-01-01T06:00:00")
    seen: dict[str, list[float]] = {"emergency": [], "long_run": []}
    for model in (emergency, long_run):
        model.run(progress=seen[model.kind].append)
        assert model.time == pytest.approx(model.horizon_h)
    # progress after each step of the clock: hourly, yearly
    assert seen["emergency"] == [1.0, 2.0, 3.0, 4.0]
    assert seen["long_run"] == [YEAR_H, 2 * YEAR_H, 3 * YEAR_H]
    assert long_run.events_frame()["t_h"].max() < long_run.horizon_h
    for model in (emergency, long_run):  # the event log as events.parquet lists it
        ev = model.events_frame()
        assert len(ev) == len(model.events) > 0
        assert ev["t_h"].is_monotonic_increasing and ev["t_h"].min() >= 0
        expect = model.start_utc + pd.to_timedelta(np.round(ev["t_h"] * 3600), unit="s")
        assert (ev["time_utc"] == expect).all()


def test_long_run_streams_are_named_and_independent_of_other_processes():
    # construction draws from its own named streams: the same with or without the pipeline
    alone = RiskDynamicsModel(load_scenario(CONSTRUCTION, ["years.n_years=1"]))
    alone.run()
    both = RiskDynamicsModel(
        load_scenario(CONSTRUCTION, ["years.n_years=1", "processes.pipeline={}"])
    )
    both.run()
    assert set(alone.streams.names) == {"construction.sites", "construction.accidents"}
    assert {"pipeline.network", "pipeline.chain"} <= set(both.streams.names)
    assert set(both.streams.names) <= set(STREAMS)
    ea, eb = alone.events_frame(), both.events_frame()
    eb = eb[eb["kind"] == "construction_accident"].reset_index(drop=True)
    pd.testing.assert_frame_equal(ea.reset_index(drop=True), eb, check_categorical=False)


@pytest.mark.parametrize(
    ("path", "overrides", "files", "keys"),
    [
        (
            SMALL,
            SHORT_EMERGENCY,
            ("timeseries.parquet", "events.parquet", "model_timeseries.parquet",
             "incidents.parquet", "utilisation.csv", "resilience_curves.png",
             "district_impact_map.png", "response_times.png"),
            SUMMARY_KEYS,
        ),
        (
            PIPE,
            SHORT_LONG,
            ("events.parquet", "latent_risk.parquet", "maintenance.parquet",
             "black_swans.parquet", "events_per_year.png", "latent_risk.png"),
            LONGRUN_SUMMARY_KEYS,
        ),
    ],
    ids=["emergency", "long_run"],
)  # fmt: skip
def test_one_runner_writes_each_kinds_run_folder(tmp_path, path, overrides, files, keys):
    result = run_scenario(load_scenario(path, overrides), tmp_path, figures=True)
    for name in ("scenario.resolved.yaml", "summary.json", *files):
        assert (tmp_path / name).stat().st_size > 0, name
    # the paths the runner reports are exactly the files it wrote
    assert sorted(p.name for p in result.paths.values()) == sorted(
        p.name for p in tmp_path.iterdir()
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary == result.summary
    # summary keys: the kind's, in its order
    assert list(summary) == [k for k in keys if k in summary]
    assert all(np.isfinite(v) and v >= 0 for v in summary.values())
    assert load_scenario(tmp_path / "scenario.resolved.yaml") == result.model.config
    ev = pd.read_parquet(tmp_path / "events.parquet")
    assert list(ev.columns[:2]) == ["t_h", "time_utc"]


@pytest.mark.parametrize(
    ("path", "overrides", "title", "outcome", "compared"),
    [
        # 3 h of Lekima against its whole-event figures: shown, labelled, not compared
        (SMALL, ["time.duration_h=3"], "small-lekima (seed 20190810)", "people_relocated",
         "not compared: simulated"),
        (CONSTRUCTION, ["years.n_years=1"], "(seed 2018, 2018–2018)", "construction_deaths",
         "sim/obs"),
    ],
    ids=["emergency", "long_run"],
)  # fmt: skip
def test_cli_run_prints_each_kinds_console_table(
    tmp_path, path, overrides, title, outcome, compared
):
    args = ["run", str(path), "--out", str(tmp_path), "--quiet", "--no-figures"]
    for o in overrides:
        args += ["-p", o]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert title in res.output and outcome in res.output and compared in res.output
    assert "Observed figures (reported spread) and sources:" in res.output
    assert f"run folder: {tmp_path}" in res.output
    assert (tmp_path / "summary.json").exists()


@pytest.mark.parametrize(
    ("path", "overrides", "outputs"),
    [
        (SMALL, ["time.duration_h=2"], ["deaths", "trees_down"]),
        (CONSTRUCTION, ["years.n_years=1"], ["construction_accidents", "mesa_events"]),
    ],
    ids=["emergency", "long_run"],
)
def test_sweep_run_one_runs_both_kinds(tmp_path, path, overrides, outputs):
    spec = parse_spec(
        {"name": "clocks", "scenarios": [{"path": str(path), "label": "s"}], "outputs": outputs},
        "clocks",
        tmp_path,
    )
    run = RunRecord(
        run_id="s-p0-r0",
        scenario="s",
        scenario_path=str(path),
        point=0,
        replication=0,
        seed=11,
        params={},
        overrides=(*overrides, "seed=11"),
    )
    row = run_one(spec, run, str(tmp_path / "folder"))
    summary = json.loads((tmp_path / "folder" / "summary.json").read_text())
    assert row["seed"] == summary["seed"] == 11
    assert {k: row[k] for k in outputs} == {k: summary[k] for k in outputs}


def test_kind_is_explicit_or_emergency_and_an_unknown_kind_is_one_problem(tmp_path):
    explicit = tmp_path / "explicit.yaml"
    explicit.write_text(f"extends: {SMALL}\nkind: emergency\n", encoding="utf-8")
    assert load_scenario(explicit) == load_scenario(SMALL)
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SMALL}\nkind: weekly\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    assert [str(p) for p in err.value.problems] == [
        f"{bad}: kind: expected one of 'emergency', 'long_run' (got 'weekly')"
    ]
