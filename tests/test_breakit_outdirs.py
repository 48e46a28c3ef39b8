"""Break-it findings on the commands that write an output folder besides ``run`` (issue 16):
``riskmap``, ``criticality``, ``sweep``, ``compare``, ``calibrate`` and ``run --replications``
follow ``run``'s rule (sim/results/staging.py). A folder holding a user's files is refused with
one line naming them (exit 2) and left as it was; citysafe's folders of another kind are
refused too; a finished folder is replaced only with ``--overwrite``; an interrupted or failed
command leaves nothing that looks complete; resumable commands resume their own folders; and
one process at a time writes a folder — a second is refused naming the first one's pid."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.core.folder_lock import LOCK_FILE, FolderLock, holder
from sim.interfaces.cli.main import app
from sim.results.staging import MARKER_FILE, fingerprint, stage, staging_path
from sim.studies.sweep.design import expand
from sim.studies.sweep.executor import run_sweep
from sim.studies.sweep.spec import parse_spec
from sim.studies.sweep.store import SweepError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
SHORT = ["-p", "time.duration_h=4"]  # 4 hours of the example city: well under a second
cli = CliRunner()


def _cli(*args):
    res = cli.invoke(app, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _one_line(res, code: int = 2) -> str:
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == code and "Traceback" not in res.output, res.output
    assert len(lines) == 1, res.output
    return " ".join(lines[0].split())


def _users_folder(path: Path, *names: str) -> dict[str, str]:
    """A folder of the user's own files (``names`` with citysafe's output names among them)."""
    path.mkdir(parents=True)
    files = {name: f"the user's {name}" for name in ("notes.md", *names)}
    for name, text in files.items():
        (path / name).write_text(text)
    return files


def _unchanged(path: Path, files: dict[str, str]) -> bool:
    return {p.name: p.read_text() for p in path.iterdir()} == files


def _sweep_spec(tmp_path: Path, comparison: bool = False) -> Path:
    arms = f"  - {{path: {EXAMPLE}, label: more, fixed: {{logistics.teams_scale: 2.0}}}}\n"
    text = (
        f"name: tiny\nscenarios:\n  - {{path: {EXAMPLE}, label: base}}\n"
        + (arms if comparison else "")
        + "fixed: {time.duration_h: 4}\nreplications: 1\nseed: 1\n"
        + (
            "comparison: {baseline: base, metrics: [incidents]}\n"
            if comparison
            else "space: {kind: grid, parameters: {logistics.teams_scale: [0.5, 1.0]}}\n"
        )
    )
    path = tmp_path / ("cmp.yaml" if comparison else "spec.yaml")
    path.write_text(text)
    return path


def _fake_row(spec, run, run_dir=None) -> dict:
    """A run without the model: a deterministic row from the run record."""
    return {
        "run_id": run.run_id,
        "scenario": run.scenario,
        "point": run.point,
        "replication": run.replication,
        "seed": run.seed,
        "scenario_hash": f"h{run.point}",
        **run.params,
        "deaths": run.seed % 97,
    }


# ---------------------------------------------------------------- a folder of the user's files


def test_riskmap_refuses_a_folder_of_the_users_files_naming_them(tmp_path):
    """riskmap wrote into any folder and replaced the user's riskmap.json."""
    out = tmp_path / "mine"
    files = _users_folder(out, "riskmap.json")
    msg = _one_line(_cli("riskmap", EXAMPLE, "-n", 1, "-q", "--out", out))
    assert f"{out}: is not empty and not a risk-map folder (no {MARKER_FILE})" in msg
    assert "it holds notes.md, riskmap.json" in msg and "choose another --out" in msg
    assert _unchanged(out, files) and sorted(os.listdir(tmp_path)) == ["mine"]


def test_criticality_refuses_a_folder_of_the_users_files_before_computing(tmp_path):
    """criticality overwrote the user's criticality.png (and computed first)."""
    out = tmp_path / "mine"
    files = _users_folder(out, "criticality.png")
    res = _cli("criticality", EXAMPLE, "--out", out, "--samples", 5, "--seeds", 1)
    msg = _one_line(res)
    assert "is not empty and not a criticality folder" in msg and "criticality.png" in msg
    assert _unchanged(out, files) and sorted(os.listdir(tmp_path)) == ["mine"]


def test_criticality_reports_a_broken_city_file_in_one_line(tmp_path):
    """criticality loaded the scenario without reading its data: a traceback."""
    city = tmp_path / "city"
    shutil.copytree(ROOT / "scenarios" / "data" / "example-city", city)
    with (city / "city.yaml").open("a") as fh:
        fh.write("garbage: [\n")
    res = _cli("criticality", EXAMPLE, "-p", f"city.data_dir={city}", "--out", tmp_path / "o")
    assert f"{EXAMPLE}: city.data_dir: unusable city data: {city / 'city.yaml'}" in _one_line(res)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("resume", [(), ("--resume",)])
@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_sweep_and_compare_refuse_a_folder_of_the_users_files(tmp_path, command, resume):
    """They answered 'pass --resume', then 'not a sweep folder', leaving a .lock behind."""
    spec = _sweep_spec(tmp_path, comparison=command == "compare")
    out = tmp_path / "mine"
    files = _users_folder(out, "plan.parquet")
    msg = _one_line(_cli(command, spec, "-w", 1, "-q", "--out", out, *resume))
    assert f"{out}: is not empty and not a sweep folder" in msg
    assert "it holds notes.md, plan.parquet" in msg
    assert _unchanged(out, files)  # no .lock, no marker


def test_calibrate_refuses_a_folder_of_the_users_files(tmp_path):
    """calibrate deleted the user's abc.db and replaced their calibrated.yaml."""
    pytest.importorskip("pyabc")
    targets = tmp_path / "targets.yaml"
    targets.write_text("case:\n  targets:\n    direct_loss_yuan: {value: 1.0e+6}\n")
    spec = tmp_path / "cal.yaml"
    spec.write_text(
        f"name: tiny\nscenario: {EXAMPLE}\ntargets_file: {targets}\ntargets_case: case\n"
        "parameters:\n  losses.scale: {prior: uniform, low: 1.0, high: 3.0}\n"
        "targets:\n  direct_loss_yuan: {log: true, relative_scale: 0.5}\n"
        "population_size: 2\nmax_generations: 1\nppc_draws: 0\n"
    )
    out = tmp_path / "mine"
    files = _users_folder(out, "abc.db", "calibrated.yaml")
    msg = _one_line(_cli("calibrate", spec, "--out", out, "-w", 1))
    assert f"{out}: is not empty and not a calibration folder" in msg and "abc.db" in msg
    assert _unchanged(out, files)


def test_run_names_the_users_files_it_refuses(tmp_path):
    out = tmp_path / "mine"
    files = _users_folder(out, "summary.json", "data.csv", "a.png")
    msg = _one_line(_cli("run", EXAMPLE, *SHORT, "-q", "--no-figures", "--out", out))
    assert "not empty and not a run folder" in msg
    assert "it holds a.png, data.csv, notes.md and 1 more" in msg
    assert _unchanged(out, files)


# ---------------------------------------------------------------- citysafe's folders of a kind


def test_a_folder_of_another_command_is_refused_even_with_overwrite(tmp_path):
    spec = _sweep_spec(tmp_path)
    sweep = tmp_path / "sweep"
    exp = parse_spec(_read(spec), str(spec), tmp_path)
    run_sweep(exp, expand(exp)[:1], sweep, workers=1, run_fn=_fake_row)
    msg = _one_line(_cli("run", EXAMPLE, "-q", "--no-figures", "--out", sweep, "--overwrite"))
    assert f"{sweep}: is citysafe's sweep folder, not a run folder" in msg
    msg = _one_line(_cli("riskmap", EXAMPLE, "-n", 1, "--out", sweep, "--overwrite"))
    assert "is citysafe's sweep folder, not a risk-map folder" in msg
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / MARKER_FILE).write_text(json.dumps({"written_by": "citysafe", "files": []}))
    msg = _one_line(_cli("sweep", spec, "-w", 1, "-q", "--out", run_dir, "--resume"))
    assert f"{run_dir}: is citysafe's run folder, not a sweep folder" in msg


def _read(path: Path) -> dict:
    from sim.core.yaml_input import read_yaml_file

    return read_yaml_file(path)


def test_a_sweep_folder_of_an_earlier_version_is_still_resumed(tmp_path):
    """Sweep folders written before the marker (a plan, a spec and the lock file) resume as
    before, and get the marker."""
    spec = parse_spec(_read(_sweep_spec(tmp_path)), "spec.yaml", tmp_path)
    runs = expand(spec)
    out = tmp_path / "old"
    run_sweep(spec, runs[:1], out, workers=1, run_fn=_fake_row)
    (out / MARKER_FILE).unlink()
    (out / LOCK_FILE).write_text("")  # an earlier version kept its lock file
    with pytest.raises(SweepError, match="pass --resume"):
        run_sweep(spec, runs[:1], out, workers=1, run_fn=_fake_row)
    again = run_sweep(spec, runs[:1], out, workers=1, resume=True, run_fn=_fake_row)
    assert again.skipped == 1 and again.completed == 0
    assert json.loads((out / MARKER_FILE).read_text())["kind"] == "sweep"
    assert not (out / LOCK_FILE).exists()  # removed by its holder on release


# ---------------------------------------------------------------- finished, failed, interrupted


def test_a_quiet_window_gives_an_empty_risk_map_not_a_traceback(tmp_path):
    """Four hours without any damage: the console table of an empty inventory traced back
    (IndexError) after the files were written."""
    out = tmp_path / "map"
    res = _cli("riskmap", EXAMPLE, *SHORT, "-n", 1, "-q", "--out", out)
    assert res.exit_code == 0 and "no risk recorded in any district" in res.output, res.output
    assert (out / "risk_inventory.csv").read_text().count("\n") == 1  # the header only


@pytest.fixture(scope="module")
def riskmap_dir(tmp_path_factory) -> Path:
    """A finished risk map (4 quiet hours, one replication)."""
    out = tmp_path_factory.mktemp("rm") / "map"
    res = _cli("riskmap", EXAMPLE, *SHORT, "-n", 1, "-q", "--out", out)
    assert res.exit_code == 0, res.output
    return out


def test_a_finished_riskmap_is_replaced_only_with_overwrite(riskmap_dir, tmp_path):
    out = tmp_path / "map"
    shutil.copytree(riskmap_dir, out)
    marker = json.loads((out / MARKER_FILE).read_text())
    assert marker["kind"] == "riskmap" and "riskmap.json" in marker["files"]
    assert (out / "scenario.resolved.yaml").is_file() and not (out / LOCK_FILE).exists()
    before = (out / "riskmap.json").read_text()
    msg = _one_line(_cli("riskmap", EXAMPLE, *SHORT, "-n", 1, "--out", out))
    assert f"{out}: holds a finished risk map; pass --overwrite to replace it" in msg
    assert (out / "riskmap.json").read_text() == before


def test_a_riskmap_that_fails_to_write_leaves_the_previous_one_whole(
    riskmap_dir, tmp_path, monkeypatch
):
    """A failed write (here: a full disk while drawing) traced back and left a folder mixing
    the new inventory with the previous riskmap.json."""
    from sim.studies.riskmap import figures

    out = tmp_path / "map"
    shutil.copytree(riskmap_dir, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(figures, "grade_matrix", full_disk)
    res = _cli("riskmap", EXAMPLE, *SHORT, "-n", 2, "-q", "--out", out, "--overwrite")
    msg = _one_line(res)
    assert "cannot write the risk map (No space left on device)" in msg
    assert f"{out} was not changed" in msg
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.undo()
    res = _cli("riskmap", EXAMPLE, *SHORT, "-n", 2, "-q", "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output  # the unfinished attempt's staging is cleared
    assert json.loads((out / "riskmap.json").read_text())["replications"] == 2
    assert not staging_path(out).exists()


def test_an_interrupted_ensemble_resumes_its_finished_replications(tmp_path, monkeypatch):
    """The interrupted ensemble said 'rerun to resume it', but the rerun wiped replications/
    and ran every replication again."""
    from sim.interfaces.cli import ensemble

    out = tmp_path / "ens"
    args = ["run", EXAMPLE, *SHORT, "--replications", 2, "-q", "--out", out]

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ensemble, "write_ensemble", interrupted)  # Ctrl-C after the runs
    res = _cli(*args)
    assert res.exit_code == 130 and "rerun to resume it" in res.output
    partial = staging_path(out)
    runs = sorted((partial / "replications" / "runs").glob("*.parquet"))
    assert len(runs) == 2 and not (partial / LOCK_FILE).exists()
    stamps = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in runs]
    monkeypatch.undo()
    assert _cli(*args).exit_code == 0
    runs = sorted((out / "replications" / "runs").glob("*.parquet"))
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in runs] == stamps  # not rerun
    assert sorted(os.listdir(tmp_path)) == ["ens"] and not (out / LOCK_FILE).exists()


def test_another_n_is_another_staging_folder():
    assert fingerprint("s", {"replications": 2}) != fingerprint("s", {"replications": 3})
    # a plain run's fingerprint is unchanged: its staging folders still resume
    assert fingerprint("s") == fingerprint("s", None) == fingerprint("s", {})


def test_calibrate_clears_an_earlier_calibrations_outputs_when_it_starts(tmp_path):
    """A resumed calibration interrupted before its end left the previous calibrated.yaml
    and posterior beside the new runs: a folder that looked finished."""
    import contextlib

    pytest.importorskip("pyabc")
    from sim.interfaces.cli.calibrate import OUTPUTS, _take_out
    from sim.studies.calibration.spec import CalibrationSpecError

    out = tmp_path / "cal"
    with contextlib.ExitStack() as hold:
        _take_out(out, resume=False, hold=hold)
        assert holder(out)["pid"] == os.getpid()
    for name in OUTPUTS:
        (out / name).write_text("an earlier calibration's")
    (out / "runs" / "g00-b000").mkdir(parents=True)
    with contextlib.ExitStack() as hold, pytest.raises(CalibrationSpecError, match="--resume"):
        _take_out(out, resume=False, hold=hold)
    with contextlib.ExitStack() as hold:
        _take_out(out, resume=True, hold=hold)
    assert sorted(os.listdir(out)) == [MARKER_FILE, "runs"]


# ---------------------------------------------------------------- one process at a time


def _hold_lock(folder: Path) -> subprocess.Popen:
    """Another process holding ``folder``'s lock until it is killed."""
    code = (
        "import sys, time; from sim.core.folder_lock import FolderLock; "
        f"FolderLock({str(folder)!r}).acquire(); print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_into_the_same_folder_is_refused_naming_the_first(tmp_path):
    """Two runs into one --out shared <out>.partial without a lock: the second wrote into
    the first one's folder and left a .partial without the marker that blocked every rerun."""
    out = tmp_path / "run"
    partial = stage(out, "scenario A", overwrite=False)
    other = _hold_lock(partial)
    before = sorted(os.listdir(partial))
    try:
        msg = _one_line(_cli("run", EXAMPLE, *SHORT, "-q", "--no-figures", "--out", out))
        assert msg == (
            f"{out} is being written by another citysafe process (pid {other.pid}); wait for "
            "it to finish or choose another --out"
        )
        assert sorted(os.listdir(partial)) == before and not out.exists()
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait()
    # a holder killed with -9 holds nothing: the kernel released its lock
    res = _cli("run", EXAMPLE, *SHORT, "-q", "--no-figures", "--out", out)
    assert res.exit_code == 0, res.output
    assert not partial.exists() and not (out / LOCK_FILE).exists()
    assert sorted(os.listdir(tmp_path)) == ["run"]


def test_a_second_sweep_in_the_same_folder_is_refused_naming_the_first(tmp_path):
    spec = _sweep_spec(tmp_path)
    out = tmp_path / "sweep"
    out.mkdir()
    other = _hold_lock(out)
    try:
        msg = _one_line(_cli("sweep", spec, "-w", 1, "-q", "--out", out))
        assert f"{out} is being written by another citysafe process (pid {other.pid})" in msg
        status = _cli("sweep", "status", out)
        assert holder(out)["pid"] == other.pid
        assert status.exit_code == 2  # a folder being started: no plan yet
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait()
    assert holder(out) is None


def test_a_lock_in_this_process_is_also_exclusive_and_removed_on_release(tmp_path):
    first = FolderLock(tmp_path, workers=3)
    first.acquire()
    assert holder(tmp_path) == {
        "pid": os.getpid(),
        "started_utc": holder(tmp_path)["started_utc"],
        "workers": 3,
    }
    with pytest.raises(Exception, match=f"pid {os.getpid()}"):
        FolderLock(tmp_path).acquire()
    first.release()
    first.release()  # idempotent
    assert os.listdir(tmp_path) == [] and holder(tmp_path) is None
