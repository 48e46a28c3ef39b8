"""Break-it findings on ``citysafe run`` (issue 16): a run never deletes or overwrites a user's
files, and a user's number never sizes a hang or an impossible allocation; each is refused
with one line (file or option, what was expected, the number), exit 2, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.results.shocks import clear_partials
from sim.results.staging import (
    MARKER_FILE,
    RunFolderError,
    publish,
    resolve_out,
    stage,
    staging_path,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
cli = CliRunner()


def _cli(*args):
    res = cli.invoke(app, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _run(scenario: Path, out, *extra):
    return _cli("run", scenario, "--out", out, "--no-figures", "-q", *extra)


def _one_line(res) -> str:
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    return " ".join(" ".join(lines).split())


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished run folder of the example city (copied per test by ``myexp``)."""
    out = tmp_path_factory.mktemp("finished") / "run"
    assert _run(EXAMPLE, out).exit_code == 0
    return out


@pytest.fixture
def myexp(finished, tmp_path) -> Path:
    out = tmp_path / "myexp"
    shutil.copytree(finished, out)
    return out


# ---------------------------------------------------------------- nothing of the user's lost


def test_a_run_folder_lists_what_its_run_wrote(myexp):
    marker = json.loads((myexp / MARKER_FILE).read_text())
    assert marker["written_by"] == "citysafe" and len(marker["fingerprint"]) == 64
    assert "summary.json" in marker["files"] and "scenario.resolved.yaml" in marker["files"]
    assert set(marker["files"]) == {p.name for p in myexp.iterdir()} - {MARKER_FILE}


@pytest.mark.parametrize("overwrite", [(), ("--overwrite",)])
def test_a_rerun_into_its_own_folder_keeps_the_users_notes(myexp, overwrite):
    """The break-it case: ``run myexp/scenario.resolved.yaml --out myexp`` deleted notes.md
    (a folder with the resolved scenario but no summary was taken for an unfinished run)."""
    (myexp / "notes.md").write_text("keep me")
    (myexp / "summary.json").unlink()
    before = sorted(p.name for p in myexp.iterdir())
    res = _run(myexp / "scenario.resolved.yaml", myexp, *overwrite)
    msg = _one_line(res)
    assert f"{myexp}: holds files its run did not write (notes.md)" in msg
    assert "even with --overwrite" in msg and "choose another --out" in msg
    assert sorted(p.name for p in myexp.iterdir()) == before
    assert (myexp / "notes.md").read_text() == "keep me"
    assert not staging_path(myexp).exists()


def test_a_file_added_inside_a_run_folder_is_kept_too(myexp):
    sub = myexp / "analysis"
    sub.mkdir()
    (sub / "plot.py").write_text("x")
    msg = _one_line(_run(EXAMPLE, myexp, "--overwrite"))
    assert "(analysis, analysis/plot.py)" in msg
    assert (sub / "plot.py").read_text() == "x"


def test_a_run_folder_without_the_marker_is_never_replaced(myexp):
    """An older version's run folder: its files cannot be told from a user's."""
    (myexp / MARKER_FILE).unlink()
    msg = _one_line(_run(EXAMPLE, myexp, "--overwrite"))
    assert f"{myexp}: a run folder without citysafe's marker {MARKER_FILE}" in msg
    assert "remove it yourself or choose another --out" in msg
    assert (myexp / "summary.json").is_file()


def test_a_users_partial_folder_is_refused_not_reused(tmp_path):
    out = tmp_path / "run"
    mine = staging_path(out)
    mine.mkdir()
    (mine / "scenario.resolved.yaml").write_text("my draft")
    (mine / "data.csv").write_text("1,2")
    msg = _one_line(_run(EXAMPLE, out))
    assert f"{mine}: exists and was not made by citysafe (no {MARKER_FILE})" in msg
    assert sorted(p.name for p in mine.iterdir()) == ["data.csv", "scenario.resolved.yaml"]
    assert (mine / "scenario.resolved.yaml").read_text() == "my draft" and not out.exists()
    (tmp_path / "other").mkdir()
    afile = tmp_path / "other" / "run.partial"
    afile.write_text("x")  # a file where the staging folder would go
    assert "no .citysafe-run.json" in _one_line(_run(EXAMPLE, tmp_path / "other" / "run"))
    assert afile.read_text() == "x"


def test_a_file_added_while_the_run_runs_is_moved_aside_not_removed(myexp):
    partial = stage(myexp, "scenario B", overwrite=True)
    (partial / "summary.json").write_text("{}")
    (myexp / "notes.md").write_text("written during the run")
    kept = publish(partial, myexp)
    assert kept is not None and kept.name.startswith("myexp.kept-")
    assert (kept / "notes.md").read_text() == "written during the run"
    assert (kept / "summary.json").is_file()  # the previous run, whole
    assert (myexp / "scenario.resolved.yaml").read_text() == "scenario B"
    assert json.loads((myexp / MARKER_FILE).read_text())["files"] == [
        "scenario.resolved.yaml",
        "summary.json",
    ]


def test_an_empty_folder_receives_the_run_and_a_clean_one_is_replaced(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    partial = stage(out, "A", overwrite=False)
    (partial / "summary.json").write_text("{}")
    assert publish(partial, out) is None and (out / "summary.json").is_file()
    with pytest.raises(RunFolderError, match="holds a finished run; pass --overwrite"):
        stage(out, "B", overwrite=False)
    partial = stage(out, "B", overwrite=True)
    (partial / "summary.json").write_text("{}")
    assert publish(partial, out) is None
    assert (out / "scenario.resolved.yaml").read_text() == "B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


# ---------------------------------------------------------------- where a run folder may go


def test_out_paths_that_cannot_be_a_run_folder(tmp_path, monkeypatch):
    """``--out .`` traced back (``PosixPath('.') has an empty name``)."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)  # empty: '.' would have passed the content check
    for out in (".", "..", "/", str(tmp_path)):
        msg = _one_line(_run(EXAMPLE, out))
        assert "give a new folder, e.g. --out runs/NAME" in msg, out
    assert "is the current folder or holds it" in _one_line(_run(EXAMPLE, "."))
    assert "the filesystem root cannot be a run folder" in _one_line(_run(EXAMPLE, "/"))
    msg = _one_line(_run(EXAMPLE, "~no-such-user-here/runs"))
    assert "~no-such-user-here/runs: no such user's home folder" in msg
    assert list(here.iterdir()) == [] and not (tmp_path / "here.partial").exists()


def test_an_out_path_that_is_a_file_a_link_or_among_the_inputs(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(EXAMPLE.read_text())
    msg = _one_line(_run(EXAMPLE, scenario))
    assert f"{scenario}: exists and is not a folder" in msg
    assert scenario.read_text() == EXAMPLE.read_text()
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    assert f"{link}: is a symbolic link" in _one_line(_run(EXAMPLE, link))
    inside = EXAMPLE_DATA / "runs" / "x"
    msg = _one_line(_run(EXAMPLE, inside))
    assert f"is inside the city's data folder {EXAMPLE_DATA}" in msg
    assert not (EXAMPLE_DATA / "runs").exists()
    with pytest.raises(RunFolderError, match="empty path"):
        resolve_out("  ")


def test_a_home_relative_out_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_out("~/runs/a") == tmp_path / "runs" / "a"


# ---------------------------------------------------------------- a long run's shock folders


def test_only_citysafes_unfinished_shock_folders_are_cleared(tmp_path):
    shocks = tmp_path / "shocks"
    ours = shocks / ".a.partial-x1"
    ours.mkdir(parents=True)
    (ours / MARKER_FILE).write_text(json.dumps({"written_by": "citysafe", "fingerprint": "f"}))
    (ours / "events.parquet").write_text("half")
    clear_partials(shocks)
    assert not ours.exists()
    mine = shocks / ".b.partial-mine"
    mine.mkdir()
    (mine / "notes.md").write_text("keep")
    with pytest.raises(RunFolderError, match=f"not written by citysafe \\(no {MARKER_FILE}\\)"):
        clear_partials(shocks)
    assert (mine / "notes.md").read_text() == "keep"


def test_a_shock_temp_folder_carries_the_marker_first(tmp_path, monkeypatch):
    """The marker is in the shock's temporary folder before the window runs."""
    from sim.results import shocks as shocks_mod

    seen = []

    def window(em, out_dir, state):
        seen.append((Path(out_dir) / MARKER_FILE).is_file())
        raise KeyboardInterrupt

    class Shock:
        name, scenario, overrides = "a", EXAMPLE, []

    class State:
        t_utc = "2030-08-02T00:00:00Z"

        def digest(self):
            return "state"

    with pytest.raises(KeyboardInterrupt):
        shocks_mod.run_shock(Shock(), State(), 1, tmp_path, window)
    assert seen == [True]
    (left,) = tmp_path.iterdir()
    shocks_mod.clear_partials(tmp_path)  # ours: cleared by the rerun
    assert not left.exists() and os.listdir(tmp_path) == []


# ---------------------------------------------------------------- bounds against hangs


def _validate(*overrides: str, scenario: Path = EXAMPLE):
    args = ["validate", scenario]
    for o in overrides:
        args += ["-p", o]
    return _cli(*args)


@pytest.mark.parametrize(
    ("override", "field", "expected"),
    [
        # hung: 360,000 physics steps of the example city
        ("time.physics_step_h=0.0001", "time.physics_step_h", "must be at least one minute"),
        ("time.duration_h=8784", "time", "87,840 physics steps; at most 50,000"),
        # hung: a forecast issue every 3.6 s
        ("warnings.forecast_interval_h=0.001", "warnings.forecast_interval_h", "equal to 1"),
        # 5.8 GB and 3.5 GB of rain cells before the 30-s timeout
        ("hazard.typhoon.cell_radius_km=0.001", "hazard.typhoon", "7.96e+04 (cell_coverage"),
        ("hazard.typhoon.cell_duration_h=0.00001", "hazard.typhoon", "at most 0.1 (8× the"),
    ],
)
def test_a_step_or_rate_that_would_hang_the_run(override, field, expected):
    extra = ["time.physics_step_h=0.1"] if override.startswith("time.duration") else []
    msg = _one_line(_validate(override, *extra))
    assert f"{EXAMPLE}: {field}: " in msg and expected in msg


def test_an_epidemic_step_below_an_hour_is_refused(tmp_path):
    scen = ROOT / "scenarios" / "shanghai" / "epidemic-black-swan.yaml"
    msg = _one_line(_validate("hazard.epidemic.step_h=0.001", scenario=scen))
    assert "hazard.epidemic.step_h: Input should be greater than or equal to 1" in msg


def test_the_bounds_leave_the_shipped_steps_alone():
    assert _validate("time.physics_step_h=0.02").exit_code == 0  # 72 s, 1,800 steps
    assert _validate("hazard.typhoon.cell_radius_km=1").exit_code == 0


# ---------------------------------------------------------------- counts in the city's files


@pytest.fixture
def city(tmp_path) -> Path:
    folder = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, folder, ignore=shutil.ignore_patterns("*.py", "README.md"))
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _city_problem(city: Path) -> str:
    return _one_line(_validate(f"city.data_dir={city}"))


@pytest.mark.parametrize("count", ["1e9", "100000000000000000000000"])
def test_a_depot_count_beyond_any_city_is_refused_not_ignored(city, count):
    """1e9 fire stations built a billion depots; 10^23 overflowed to one per district."""
    _edit(city / "city.yaml", "fire_station: {count: 12,", f"fire_station: {{count: {count},")
    msg = _city_problem(city)
    assert f"{city / 'city.yaml'}: emergency.depots.fire_station.count:" in msg
    assert "less than or equal to 10000" in msg or "exceeded maximum size" in msg


def test_a_total_that_cannot_be_split_exactly_raises():
    from sim.city.exposure import largest_remainder

    assert largest_remainder(2**53, [1, 1]).tolist() == [2**52, 2**52]
    with pytest.raises(ValueError, match="above 2\\^53"):
        largest_remainder(10**23, [1.0, 2.0])


def test_exposure_totals_beyond_any_city_are_refused_by_line(city):
    path = city / "exposure_totals.csv"
    _edit(path, "shop_signboards,signboards,12000,", "shop_signboards,signboards,1e20,")
    msg = _city_problem(city)
    assert f"{path}: line 3 (shop_signboards): city_total 1e+20 is above 1,000,000,000,000" in msg
    _edit(path, "1e20,", "12000,")
    _edit(path, "construction_sites,sites,150,", "construction_sites,sites,2000000,")
    msg = _city_problem(city)
    assert "(construction_sites): city_total 2e+06 is above 1,000,000 (the model keeps" in msg


def test_buses_and_risk_sources_beyond_any_city_are_refused(city):
    _edit(city / "evacuation.yaml", "city_total: 120", "city_total: 100000000000000000000")
    msg = _city_problem(city)
    assert "evacuation.yaml: transport.buses.city_total: Input should be less than" in msg
    shutil.copy(EXAMPLE_DATA / "evacuation.yaml", city / "evacuation.yaml")
    _edit(city / "city.yaml", "radioactive_sources: 4", "radioactive_sources: 1000000000")
    msg = _city_problem(city)
    assert "city.yaml: hazmat: 1,000,000,003 risk sources" in msg and "at most 100,000" in msg


# ---------------------------------------------------------------- coastal waters


@pytest.fixture
def criteria(tmp_path) -> Path:
    path = tmp_path / "warning_criteria.yaml"
    shutil.copy(ROOT / "scenarios" / "data" / "shanghai" / "warning_criteria.yaml", path)
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # 3.8 TiB of grid points asked for
        ("spacing_deg: 0.06", "spacing_deg: 0.000001", "940,003,500,003 grid points at spacing"),
        # the whole globe: validate hung projecting and locating it
        (
            "lon_deg: [121.45, 122.5], lat_deg: [31.2, 31.7]",
            "lon_deg: [-180, 180], lat_deg: [-90, 90]",
            "grid points at spacing_deg 0.06 over areas",
        ),
        ("lon_deg: [121.45, 122.5]", "lon_deg: [-190, 122.5]", "areas.0.lon_deg.0: Input"),
    ],
)
def test_coastal_waters_are_counted_before_they_are_laid_out(criteria, old, new, expected):
    _edit(criteria, old, new)
    res, took = _timed(_validate, f"warnings.criteria_file={criteria}")
    msg = _one_line(res)
    assert f"{criteria}: coastal_waters" in msg and expected in msg and took < 10
    if "grid points" in expected:
        assert "at most 20,000" in msg and "widen spacing_deg or shrink the areas" in msg


def test_the_grid_count_is_the_grid_laid_out():
    import numpy as np

    from sim.city.warning_criteria import load_warning_criteria

    path = ROOT / "scenarios" / "data" / "shanghai" / "warning_criteria.yaml"
    waters = load_warning_criteria(path).coastal_waters
    for area in waters.areas:
        for spacing in (waters.spacing_deg, 0.05, 0.1, 0.013):
            rows, cols = area.grid_shape(spacing)
            assert cols == len(np.arange(area.lon_deg[0], area.lon_deg[1] + 1e-9, spacing))
            assert rows == len(np.arange(area.lat_deg[0], area.lat_deg[1] + 1e-9, spacing))


def _timed(fn, *args):
    import time

    t0 = time.perf_counter()
    res = fn(*args)
    return res, time.perf_counter() - t0


# ---------------------------------------------------------------- plans of runs


def _grid_spec(tmp_path: Path, n: int, kind: str = "grid") -> Path:
    levels = ", ".join(f"{0.5 + i * 0.001:.3f}" for i in range(n))
    path = tmp_path / "big.yaml"
    space = (
        f"  kind: grid\n  parameters:\n    logistics.teams_scale: [{levels}]\n"
        f"    logistics.equipment_scale: [{levels}]\n"
        if kind == "grid"
        else "  kind: sobol\n  samples: 1099511627776\n  parameters:\n"
        "    logistics.teams_scale: {low: 0.5, high: 2}\n"
    )
    path.write_text(f"name: big\nscenarios: [{EXAMPLE}]\nspace:\n{space}")
    return path


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("grid", "the plan has 4,000,000 runs (4,000,000 points × 1 scenarios × 1 replications)"),
        ("sobol", "the plan has 4,398,046,511,104 runs"),
    ],
)
def test_a_sweep_plan_beyond_the_budget_is_refused_before_it_is_built(tmp_path, kind, expected):
    spec = _grid_spec(tmp_path, 2000, kind)
    res, took = _timed(_cli, "sweep", "run", spec, "--out", tmp_path / "sweep")
    msg = _one_line(res)
    assert f"{spec}: " in msg and expected in msg and "at most 100,000" in msg
    assert "give fewer levels or samples, or fewer replications" in msg and took < 10
    assert not (tmp_path / "sweep").exists()


def test_the_plan_count_is_the_plan_built(tmp_path):
    from sim.studies.sweep.design import points
    from sim.studies.sweep.spec import load_spec

    spec = load_spec(_grid_spec(tmp_path, 7))
    assert spec.space.n_points() == len(points(spec)) == 49
    pytest.importorskip("SALib")
    for kind, samples, extra in [
        ("lhs", 5, ""),
        ("sobol", 8, ""),
        ("sobol", 8, "\n  second_order: false"),
        ("morris", 3, ""),
    ]:
        path = tmp_path / f"{kind}.yaml"
        path.write_text(
            f"name: s\nscenarios: [{EXAMPLE}]\nspace:\n  kind: {kind}\n  samples: {samples}"
            f"{extra}\n  parameters:\n    logistics.teams_scale: {{low: 0.5, high: 2}}\n"
            "    logistics.equipment_scale: {low: 0.5, high: 2}\n"
        )
        spec = load_spec(path)
        assert spec.space.n_points() == len(points(spec)), (kind, extra)


def test_replications_and_workers_beyond_their_bounds_are_refused(tmp_path):
    out = tmp_path / "ens"
    res = _cli("run", EXAMPLE, "--replications", 1_000_000, "--out", out, "-q")
    assert res.exit_code == 2 and "--replications" in res.output and "100000" in res.output
    res = _cli("run", EXAMPLE, "--replications", 2, "--workers", 100_000, "--out", out, "-q")
    assert res.exit_code == 2 and "--workers" in res.output and "256" in res.output
    assert list(tmp_path.iterdir()) == []  # refused before a staging folder
    spec = ROOT / "experiments" / "collective-dereliction.yaml"
    msg = _one_line(_cli("compare", spec, "-n", 100_000, "--out", tmp_path / "cmp"))
    assert f"{spec}: --replications 100000: the plan has 600,000 runs" in msg


def test_a_calibration_beyond_the_budget_is_refused(tmp_path):
    text = (ROOT / "calibration" / "shanghai.yaml").read_text()
    assert "population_size: 20" in text
    path = tmp_path / "cal.yaml"
    path.write_text(text.replace("population_size: 20", "population_size: 100000000"))
    for key in ("scenario", "targets_file"):  # relative to the shipped spec's folder
        text = path.read_text()
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{key}: "))
        rel = line.split(": ", 1)[1]
        path.write_text(text.replace(line, f"{key}: {(ROOT / 'calibration' / rel).resolve()}"))
    msg = _one_line(_cli("calibrate", path, "--out", tmp_path / "cal"))
    assert "population_size × max_generations + ppc_draws = 300,000,008 runs" in msg
    assert "Value error" not in msg


def test_run_refuses_a_foreign_folder_among_a_long_runs_shocks(tmp_path):
    """The shocks of a resumed long run: a foreign ``.NAME.partial-*`` is refused by ``run``
    with one line (exit 2), not removed."""
    data = ROOT / "scenarios" / "data" / "example-city"
    path = tmp_path / "long.yaml"
    path.write_text(
        f"kind: long_run\nname: example-long\nseed: 7\ncity: {{data_dir: {data}}}\n"
        "years: {start_year: 2027, n_years: 4}\nprocesses:\n  pipeline: {}\n"
        f"shocks:\n  - {{name: a, at_utc: 2030-08-02T00:00:00Z, scenario: {EXAMPLE}}}\n"
    )
    from sim.scenario import load_scenario
    from sim.scenario.loader import dump_resolved

    out = tmp_path / "run"
    partial = stage(out, dump_resolved(load_scenario(path)), overwrite=False)
    mine = partial / "shocks" / ".a.partial-mine"
    mine.mkdir(parents=True)
    (mine / "notes.md").write_text("keep")
    msg = _one_line(_run(path, out))  # resumes the staging folder (same scenario)
    assert f"{mine}: looks like an unfinished shock folder but was not written by citysafe" in msg
    assert f"({out} was not created)" in msg  # a first run: nothing published yet
    assert (mine / "notes.md").read_text() == "keep" and not out.exists()
