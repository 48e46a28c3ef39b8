"""Break-it finding of issue 16: a resume after the city's data files changed mixed runs of two
cities in one table, with no word.

``sweep run --resume`` (and ``compare``, ``run --replications``, a calibration's batches: the
same sweep store) checked that the scenario was unchanged, not the files it reads; a long run
reused a finished shock whose data had changed. Now the files a run reads are listed in one
place (:func:`sim.models.data_check.input_files`), recorded when a command starts
(``inputs.json``: path, sha256, size) and compared when it resumes: a changed, added or
removed file is refused naming it (exit 2); a shock with changed data runs again. The list is
held to what ``validate`` and ``run`` open (an ``open`` audit hook).

The sweeps here run a fake one-run function (no model): keep top-level imports light.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
SHANGHAI = ROOT / "scenarios" / "shanghai"
runner = CliRunner()


def _cli(*args):
    from sim.interfaces.cli.main import app

    res = runner.invoke(app, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _one_line(res) -> str:
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    return " ".join(lines[0].split())


def _city(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the example city's data folder (its track too) and a scenario on it."""
    data = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, data)
    scenario = tmp_path / "storm.yaml"
    scenario.write_text(
        f"extends: {EXAMPLE}\nname: storm\ncity: {{data_dir: {data}}}\n"
        f"hazard: {{typhoon: {{track_file: {data / 'typhoon_track.csv'}}}}}\n"
    )
    return scenario, data


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def _spec_data(scenario: Path) -> dict:
    return {
        "name": "tiny",
        "scenarios": [{"path": str(scenario), "label": "example"}],
        "fixed": {"time.duration_h": 2},
        "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 2.0]}},
        "replications": 1,
        "seed": 7,
        "max_attempts": 1,
    }


def _write_spec(tmp_path: Path, scenario: Path) -> Path:
    from sim.core.yaml_input import dump_yaml

    path = tmp_path / "spec.yaml"
    path.write_text(dump_yaml(_spec_data(scenario)), encoding="utf-8")
    return path


def _fake_row(spec, run, run_dir=None) -> dict:
    return {
        "run_id": run.run_id,
        "scenario": run.scenario,
        "point": run.point,
        "replication": run.replication,
        "seed": run.seed,
        "scenario_hash": "h",
        **run.params,
        "deaths": run.point,
    }


def _sweep(monkeypatch, *args):
    """``citysafe sweep ARGS`` with :func:`_fake_row` in place of the model."""
    import sim.interfaces.cli.sweep as sweep_cli
    from sim.studies.sweep.executor import run_sweep

    monkeypatch.setattr(sweep_cli, "run_sweep", functools.partial(run_sweep, run_fn=_fake_row))
    return runner.invoke(sweep_cli.sweep_app, [str(a) for a in args])


def _api_sweep(tmp_path: Path, scenario: Path, out: Path, resume: bool = False, run_fn=_fake_row):
    from sim.studies.sweep.design import expand
    from sim.studies.sweep.executor import run_sweep
    from sim.studies.sweep.spec import parse_spec

    spec = parse_spec(_spec_data(scenario), str(tmp_path / "spec.yaml"), tmp_path)
    return run_sweep(spec, expand(spec), out, workers=1, resume=resume, run_fn=run_fn)


# ---------------------------------------------------------------------------- sweeps


def test_a_sweep_resume_refuses_data_files_changed_since_it_started(tmp_path, monkeypatch):
    """The break-it case: districts.csv's population doubled between an interrupted sweep
    and its resume; the resume ran the missing run on the new city and mixed the two."""
    scenario, data = _city(tmp_path)
    spec, out = _write_spec(tmp_path, scenario), tmp_path / "o"
    assert _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q").exit_code == 0
    recorded = json.loads((out / "inputs.json").read_text())
    assert recorded["hash"] == "sha256"
    assert recorded["files"][str(data / "districts.csv")]["bytes"] == 294
    assert recorded["files"][str(data / "warning_criteria.yaml")] is None  # looked for
    assert str(data / "typhoon_track.csv") in recorded["files"]
    (out / "runs" / "example-p001-r00.parquet").unlink()  # one run left to do
    original = _edit(data / "districts.csv", "260000", "520000")
    msg = _one_line(_sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q", "--resume"))
    assert msg == (
        f"{out}: data files changed since its runs started: {data / 'districts.csv'} (content "
        "changed, same size, 294 bytes); the finished runs read them as they were, so new runs "
        "would mix two versions of the data in one table. Restore the files to resume, or "
        f"start again in another --out (the files as the runs read them are recorded in "
        f"{out / 'inputs.json'})"
    )
    assert not (out / "runs" / "example-p001-r00.parquet").exists()
    (data / "districts.csv").write_text(original, encoding="utf-8")  # restored: resumes
    res = _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q", "--resume")
    assert res.exit_code == 0 and "2/2 runs done (1 now, 1 before)" in res.output


def test_an_added_or_removed_file_is_refused_too(tmp_path):
    """A file the run looks for and did not find (the city's warning criteria) appearing, or
    a file it read disappearing, changes the runs as much as an edit."""
    from sim.studies.sweep.store import SweepError

    scenario, data = _city(tmp_path)
    out = tmp_path / "o"
    _api_sweep(tmp_path, scenario, out)
    criteria = data / "warning_criteria.yaml"
    criteria.write_text("source: added after the sweep started\n")
    with pytest.raises(SweepError, match=rf"{criteria} \(added\); the finished runs"):
        _api_sweep(tmp_path, scenario, out, resume=True)
    criteria.unlink()
    track = data / "typhoon_track.csv"
    track.rename(tmp_path / "track.csv")
    with pytest.raises(SweepError) as exc:
        _api_sweep(tmp_path, scenario, out, resume=True)
    assert f"changed since its runs started: {track} (removed); the finished" in str(exc.value)
    (tmp_path / "track.csv").rename(track)
    _edit(track, "2030-08-01", "2030-08-01")  # the same bytes written again: not a change
    assert _api_sweep(tmp_path, scenario, out, resume=True).skipped == 2


def test_a_sweep_of_an_earlier_version_resumes_with_a_warning(tmp_path, monkeypatch):
    """No record (an earlier version's folder): the finished runs' data cannot be checked; the
    resume says so once, records the files as they are, and checks them from then on."""
    scenario, data = _city(tmp_path)
    spec, out = _write_spec(tmp_path, scenario), tmp_path / "o"
    assert _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q").exit_code == 0
    (out / "inputs.json").unlink()
    (out / "runs" / "example-p001-r00.parquet").unlink()
    res = _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q", "--resume")
    assert res.exit_code == 0 and "2/2 runs done (1 now, 1 before)" in res.output
    assert (
        f"warning: {out / 'inputs.json'}: (file): missing (a sweep of an earlier version): the "
        "data files 1 finished run(s) read could not be checked against the files as they are "
        "now; recorded now and checked from here on"
    ) in " ".join(res.output.split())
    assert (out / "inputs.json").is_file()
    _edit(data / "links.csv", "land", "river")
    res = _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q", "--resume")
    assert res.exit_code == 2 and f"{data / 'links.csv'} (content changed" in res.output


def test_an_unreadable_record_is_set_aside_and_rewritten(tmp_path):
    scenario, _ = _city(tmp_path)
    out = tmp_path / "o"
    _api_sweep(tmp_path, scenario, out)
    (out / "inputs.json").write_text('{"hash": "sha256", "files": {"a": ')  # torn
    done = _api_sweep(tmp_path, scenario, out, resume=True)
    assert done.skipped == 2 and len(done.warnings) == 1
    assert "inputs.json: (file): unreadable (" in done.warnings[0]
    assert (
        "moved to damaged/): the data files 2 finished run(s) read could not" in (done.warnings[0])
    )
    assert (out / "damaged" / "inputs.json").is_file()
    assert json.loads((out / "inputs.json").read_text())["hash"] == "sha256"


def test_a_file_edited_while_the_sweep_runs_is_warned_of(tmp_path):
    """A sweep that runs to its end while a data file is edited: its table may mix the two
    versions; the sweep says so, and a resume refuses."""
    scenario, data = _city(tmp_path)
    out = tmp_path / "o"

    def editing_row(spec, run, run_dir=None):
        if run.point == 0:
            _edit(data / "districts.csv", "260000", "520000")
        return _fake_row(spec, run, run_dir)

    done = _api_sweep(tmp_path, scenario, out, run_fn=editing_row)
    assert done.completed == 2 and len(done.warnings) == 1
    assert done.warnings[0] == (
        f"{out}: data files changed while the runs ran: {data / 'districts.csv'} (content "
        "changed, same size, 294 bytes); runs finished since may have read either version, so "
        "the table may mix them: start again in another --out"
    )


def test_parameters_that_name_files_are_recorded_point_by_point(tmp_path):
    """A grid over the city's data folder: each folder's files are recorded (a number never
    names a file, so points differing in numbers only are listed once)."""
    from sim.studies.sweep.design import expand
    from sim.studies.sweep.inputs import input_digests, representatives
    from sim.studies.sweep.spec import parse_spec

    scenario, data = _city(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(data, other)
    spec_data = _spec_data(scenario)
    spec_data["space"]["parameters"]["city.data_dir"] = [str(data), str(other)]
    runs = expand(parse_spec(spec_data, str(tmp_path / "spec.yaml"), tmp_path))
    assert len(runs) == 4 and len(representatives(runs)) == 2
    files = input_digests(runs)
    assert str(data / "districts.csv") in files and str(other / "districts.csv") in files


# ---------------------------------------------------------------------------- ensembles


def test_an_interrupted_ensemble_refuses_data_changed_before_its_rerun(tmp_path, monkeypatch):
    """``run --replications`` resumes an interrupted ensemble when rerun: not on changed data."""
    import sim.studies.sweep.replicate as replicate
    from sim.studies.sweep.executor import run_sweep
    from sim.studies.sweep.runone import run_one

    scenario, data = _city(tmp_path)
    out = tmp_path / "ens"
    stop = tmp_path / "stop"

    def interrupted(spec, run, run_dir=None):
        if run.replication == 1 and stop.exists():
            raise KeyboardInterrupt
        return run_one(spec, run, run_dir)

    monkeypatch.setattr(replicate, "run_sweep", functools.partial(run_sweep, run_fn=interrupted))
    args = ["run", scenario, "--replications", "2", "-p", "time.duration_h=2", "-q"]
    stop.touch()
    assert _cli(*args, "--out", out).exit_code == 130
    sweep = Path(f"{out}.partial") / "replications"
    assert len(list((sweep / "runs").glob("*.parquet"))) == 1
    stop.unlink()
    original = _edit(data / "exposure_totals.csv", "signboards", "signboards")  # same bytes
    _edit(data / "evacuation.yaml", "\n", "\n# a comment added\n")
    msg = _one_line(_cli(*args, "--out", out))
    assert msg.startswith(
        f"{sweep}: data files changed since its runs started: {data / 'evacuation.yaml'} "
        "(content changed, "
    )
    assert not out.exists() and len(list((sweep / "runs").glob("*.parquet"))) == 1
    assert original  # exposure_totals.csv rewritten with the same bytes: not named
    text = (data / "evacuation.yaml").read_text().replace("\n# a comment added\n", "\n", 1)
    (data / "evacuation.yaml").write_text(text)
    res = _cli(*args, "--out", out)
    assert res.exit_code == 0, res.output
    assert json.loads((out / "ensemble.json").read_text())["replications_done"] == 2


# ---------------------------------------------------------------------------- a long run's shocks


def test_a_finished_shock_is_run_again_when_its_data_changed(tmp_path):
    """A long run rerun in its folder reuses a finished shock of the same fingerprint; the
    fingerprint now holds the content of the shock's data files."""
    from sim.city import load_city
    from sim.results.shocks import run_shock
    from sim.risk.city_state import CityState
    from sim.scenario.longrun import ShockConfig

    scenario, data = _city(tmp_path)
    shock = ShockConfig(name="a", at_utc="2030-08-02T00:00:00Z", scenario=scenario,
                        overrides=["time.duration_h=2"])  # fmt: skip
    n = load_city(data).n_districts
    ones, zeros = np.ones(n), np.zeros(n)
    state = CityState(
        t_utc="2030-08-02T00:00:00Z", drainage_capacity_factor=ones, drainage_defect_share=zeros,
        drainage_backlog_yuan=zeros, pipe_age_mean_yr=zeros, open_cavities=zeros,
        facade_median_factor=ones, old_housing_retrofit_share=zeros, construction_sites=zeros,
    )  # fmt: skip
    windows = []

    def window(em, folder, city_state):
        windows.append(em.city.data_dir)
        summary = {"direct_loss_yuan": 1.0}
        (folder / "summary.json").write_text(json.dumps(summary))
        return summary

    shocks = tmp_path / "shocks"
    shocks.mkdir()
    for _ in range(2):
        run_shock(shock, state, 11, shocks, window)
    assert len(windows) == 1  # the second reused the first
    _edit(data / "typhoon_track.csv", "EXAMPLE", "EXAMPLE")
    run_shock(shock, state, 11, shocks, window)
    assert len(windows) == 1  # the same bytes written again
    _edit(data / "districts.csv", "260000", "260001")
    run_shock(shock, state, 11, shocks, window)
    assert len(windows) == 2  # run again on the new data, not reused


# ---------------------------------------------------------------------------- the list is complete

_OPENED: list[str] | None = None


def _record_open(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        _OPENED.append(os.path.abspath(os.fsdecode(args[0])))


@pytest.fixture(scope="module")
def spy():
    """Run a command and return the files it opened (``open`` audit events, PEP 578; a hook
    cannot be removed, so it records only inside this fixture's calls)."""
    sys.addaudithook(_record_open)

    def opened(*args) -> tuple[object, set[Path]]:
        global _OPENED
        _OPENED = []
        try:
            res = _cli(*args)
        finally:
            found, _OPENED = _OPENED, None
        return res, {Path(p) for p in found}

    return opened


def _data_opened(opened: set[Path], roots: list[Path], out: Path) -> set[Path]:
    """The files under ``roots`` (the data) that were opened, the run's outputs aside."""
    return {
        p for p in opened if any(r in p.parents for r in roots) and not str(p).startswith(str(out))
    }


def _check_listed(spy, scenario: Path, overrides: list[str], roots: list[Path], out: Path):
    """``validate`` opens every listed file there is; ``run`` opens no data file not listed
    (the scenario's own YAML files aside)."""
    from sim.models.data_check import input_files
    from sim.scenario import load_scenario
    from sim.scenario.loader import scenario_files

    listed = set(input_files(load_scenario(scenario, overrides)))
    present = {p for p in listed if p.is_file()}
    res, opened = spy("validate", scenario, *[a for o in overrides for a in ("-p", o)])
    assert res.exit_code == 0, res.output
    assert present <= opened, sorted(present - opened)
    flags = [a for o in overrides for a in ("-p", o)]
    res, opened = spy("run", scenario, *flags, "--out", out, "-q", "--no-figures")
    assert res.exit_code == 0, res.output
    unlisted = _data_opened(opened, roots, out) - listed - set(scenario_files(scenario))
    assert not unlisted, sorted(unlisted)
    return listed


def test_every_file_the_example_city_opens_is_listed(spy, tmp_path):
    """With the optional warning criteria present, which the shipped example city lacks."""
    scenario, data = _city(tmp_path)
    source = (ROOT / "scenarios" / "data" / "shanghai" / "warning_criteria.yaml").read_text()
    head, _, rest = source.partition("coastal_waters:")  # Shanghai's waters: not this city's
    rest = rest[rest.index("\nhazards:") + 1 :].replace("    coastal: true\n", "")
    (data / "warning_criteria.yaml").write_text(head + rest)
    listed = _check_listed(
        spy, scenario, ["time.duration_h=2"], [tmp_path, ROOT / "scenarios"], tmp_path / "r"
    )
    assert {p.name for p in listed} == {
        "city.yaml", "districts.csv", "districts.geojson", "links.csv", "exposure_totals.csv",
        "evacuation.yaml", "emergency_resources.csv", "warning_criteria.yaml",
        "typhoon_track.csv", "behaviour_posterior.csv",  # absent here, looked for
    }  # fmt: skip


@pytest.mark.parametrize("name", ["lekima-pudong-net3.yaml", "storm-surge.yaml"])
def test_every_file_a_shanghai_scenario_opens_is_listed(spy, tmp_path, name):
    """Lekima with an EPANET import (track, JMA radii, warning criteria, Net3.inp) and the
    storm surge (seawalls, tide levels), at 5% of the assets for one hour (~2 s each)."""
    short = ["time.duration_h=1", "networks.resolution=0.05"]
    listed = _check_listed(spy, SHANGHAI / name, short, [ROOT / "scenarios"], tmp_path / "r")
    names = {p.name for p in listed}
    assert {"districts.csv", "warning_criteria.yaml"} <= names
    assert ({"lekima_track.csv", "lekima_jma_wind_radii.csv", "Net3.inp"} <= names) or (
        {"seawall.csv", "tide_levels.csv"} <= names
    )


def test_every_file_a_long_run_with_a_shock_opens_is_listed(spy, tmp_path):
    """A long run reads its city; its shock's scenario files (with ``extends:``) and that
    scenario's data are its inputs too: the long run's resolved scenario names only their path."""
    scenario, data = _city(tmp_path)
    long_run = tmp_path / "long.yaml"
    long_run.write_text(
        f"kind: long_run\nname: example-long\nseed: 7\ncity: {{data_dir: {data}}}\n"
        "years: {start_year: 2029, n_years: 2}\nprocesses:\n  pipeline: {}\n"
        f"shocks:\n  - {{name: a, at_utc: 2030-08-02T00:00:00Z, scenario: {scenario}, "
        "overrides: [time.duration_h=2]}\n"
    )
    listed = _check_listed(spy, long_run, [], [tmp_path, ROOT / "scenarios"], tmp_path / "r")
    assert {scenario, EXAMPLE, data / "typhoon_track.csv", data / "evacuation.yaml"} <= listed


def test_hashing_the_shanghai_inputs_is_cheap():
    """Lekima's inputs (the Shanghai data folder's files, track, radii): well under a second
    (a few milliseconds measured)."""
    from sim.core.file_digests import digests
    from sim.models.data_check import input_files
    from sim.scenario import load_scenario

    files = input_files(load_scenario(SHANGHAI / "lekima-2019.yaml"))
    started = time.perf_counter()
    found = digests(files)
    assert time.perf_counter() - started < 0.5
    assert all(v is not None for v in found.values()) and len(found) == 11
