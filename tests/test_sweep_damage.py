"""Sweep tools that survive damage (issue 16): damaged files are reported and rerun, a full
disk or Ctrl-C in any write leaves nothing half-written, and a resume afterwards ends with
exactly the rows of an undisturbed sweep.

Most tests run the sweep CLI on the fake one-run function of test_sweep (no model, serial);
one runs the model on test_sweep's tiny spec. Faults are injected into ``os.write`` for
files of the test's folder only (as a full disk would), at the N-th write.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sweep import _fake_row, _spec_dict, _write_spec
from typer.testing import CliRunner

import sim.interfaces.cli.sweep as sweep_cli
from sim.scenario.loader import Problem
from sim.studies.sweep.executor import run_sweep
from sim.studies.sweep.files import (
    append_jsonl,
    atomic_write_bytes,
    scan_jsonl,
    write_failure,
)
from sim.studies.sweep.store import check_run_file, parquet_bytes
from sim.studies.sweep.table import SweepDamageWarning, load

_REAL_WRITE = os.write


class DiskFault:
    """``os.write`` that raises ``exc()`` at the ``n``-th write into a file under
    ``folder``, after writing half of that call's bytes (a full disk takes a few); every
    other write goes through."""

    def __init__(self, folder: Path, n: int, exc=lambda: OSError(errno.ENOSPC, "No space")):
        self.folder, self.n, self.exc, self.calls = os.path.realpath(folder), n, exc, 0

    def __call__(self, fd: int, data) -> int:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.startswith(self.folder + os.sep):
            self.calls += 1
            if self.calls == self.n:
                if len(data) > 1:
                    _REAL_WRITE(fd, bytes(data[: len(data) // 2]))
                raise self.exc()
        return _REAL_WRITE(fd, data)


def _cli(monkeypatch, args: list[str], run_fn=_fake_row):
    """``citysafe sweep ARGS`` with ``run_fn`` in place of the model."""
    monkeypatch.setattr(sweep_cli, "run_sweep", functools.partial(run_sweep, run_fn=run_fn))
    return CliRunner().invoke(sweep_cli.sweep_app, args)


def _run(monkeypatch, spec_path: Path, out: Path, *extra: str, run_fn=_fake_row):
    args = [str(spec_path), "-w", "1", "--out", str(out), "-q", *extra]
    return _cli(monkeypatch, args, run_fn)


def _leftovers(folder: Path) -> list[Path]:
    """Temporaries of the atomic writer anywhere under ``folder``."""
    return [p for p in folder.rglob(".*") if ".tmp-" in p.name]


def _rows(folder: Path) -> pd.DataFrame:
    df = load(folder)
    return df[[c for c in df.columns if c != "wall_time_s"]]


def _assert_nothing_half_written(out: Path) -> None:
    """No temporary; every run file there is a valid run; no torn or garbled JSONL line."""
    assert _leftovers(out) == []
    from sim.studies.sweep.store import SweepStore

    if (out / "plan.parquet").exists():
        scan = SweepStore(out).scan()
        assert scan.damaged == [] and scan.strays == []
    for name in ("manifest.jsonl", "failures.jsonl"):
        assert scan_jsonl(out / name)[1] == []


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The rows of the undisturbed fake sweep (test_sweep's tiny spec, 4 runs)."""
    tmp = tmp_path_factory.mktemp("ref")
    spec = _write_spec(tmp, _spec_dict())
    with pytest.MonkeyPatch.context() as mp:
        assert _run(mp, spec, tmp / "o").exit_code == 0
    return _rows(tmp / "o")


# --- the one writer --------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        lambda: OSError(errno.ENOSPC, "No space left on device"),
        lambda: OSError(errno.EDQUOT, "Disk quota exceeded"),
        KeyboardInterrupt,
    ],
)
@pytest.mark.parametrize("existing", [True, False])
def test_atomic_write_leaves_the_old_file_or_none(tmp_path, monkeypatch, exc, existing):
    target = tmp_path / "plan.parquet"
    if existing:
        target.write_bytes(b"old content")
    monkeypatch.setattr(os, "write", DiskFault(tmp_path, 1, exc))
    with pytest.raises((OSError, KeyboardInterrupt)) as info:
        atomic_write_bytes(target, b"new content " * 1000)
    if isinstance(info.value, OSError):  # the message can name the file
        assert info.value.filename == str(target)
    assert list(tmp_path.iterdir()) == ([target] if existing else [])
    assert not existing or target.read_bytes() == b"old content"
    monkeypatch.undo()
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("exc", [lambda: OSError(errno.ENOSPC, "No space"), KeyboardInterrupt])
def test_a_jsonl_append_is_whole_or_absent(tmp_path, monkeypatch, exc):
    log = tmp_path / "failures.jsonl"
    append_jsonl(log, {"run_id": "a", "error": "x"})
    before = log.read_bytes()
    monkeypatch.setattr(os, "write", DiskFault(tmp_path, 1, exc))
    with pytest.raises((OSError, KeyboardInterrupt)):
        append_jsonl(log, {"run_id": "b", "error": "y" * 500})
    assert log.read_bytes() == before  # the half line written before the error is gone
    monkeypatch.undo()
    append_jsonl(log, {"run_id": "c"})
    assert scan_jsonl(log) == ([{"run_id": "a", "error": "x"}, {"run_id": "c"}], [])


def test_an_append_after_a_torn_line_is_kept_and_the_torn_line_named(tmp_path):
    log = tmp_path / "manifest.jsonl"
    log.write_text('{"run_id": "a"}\n{"run_id": "b", "se')  # a writer SIGKILLed mid-line
    records, problems = scan_jsonl(log)
    assert records == [{"run_id": "a"}]
    assert [str(p) for p in problems] == [
        f"{log}: line 2: torn last line (a write was interrupted); ignored"
    ]
    append_jsonl(log, {"run_id": "c"})  # starts on a new line: not glued onto the torn one
    records, problems = scan_jsonl(log)
    assert records == [{"run_id": "a"}, {"run_id": "c"}]
    assert [(p.field, p.message.split(":")[0]) for p in problems] == [("line 2", "garbled")]


_RECORD = st.dictionaries(
    st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=3
)
_GARBAGE = st.one_of(st.text(min_size=1, max_size=20), st.binary(min_size=1, max_size=20)).map(
    lambda g: (g.encode("utf-8") if isinstance(g, str) else g).replace(b"\n", b"~")
)


def _is_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw.decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(_RECORD, min_size=1, max_size=8),
    garbage=st.dictionaries(st.integers(0, 7), _GARBAGE, max_size=3),
    cut=st.integers(0, 40),
)
def test_scan_jsonl_keeps_every_intact_line_and_names_the_others(tmp_path, records, garbage, cut):
    lines = [json.dumps(r).encode("utf-8") for r in records]
    bad = {i for i, g in garbage.items() if i < len(lines) and g.strip() and not _is_object(g)}
    for i in bad:
        lines[i] = garbage[i]
    data = b"\n".join(lines) + b"\n"
    torn = 0 < cut < len(lines[-1]) and len(lines) - 1 not in bad
    if torn:  # the last record cut short, without its newline (a killed writer)
        data = b"\n".join(lines[:-1] + [lines[-1][:cut]])
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    got, problems = scan_jsonl(path)
    kept = [i for i in range(len(lines)) if i not in bad and not (torn and i == len(lines) - 1)]
    assert got == [records[i] for i in kept]
    named = {int(p.field.removeprefix("line ")) - 1: p.message for p in problems}
    expected = bad | ({len(lines) - 1} if torn else set())
    assert set(named) == expected
    assert all(named[i].startswith("garbled: ") for i in bad)  # each ends in a newline
    if torn:
        assert named[len(lines) - 1].startswith("torn last line")


_ROW = {
    "run_id": "lekima-p000-r00",
    "scenario": "lekima",
    "point": 0,
    "replication": 0,
    "seed": 12345,
    "scenario_hash": "h0",
    "teams_scale": 0.5,
    "deaths": 3,
    "response_time_mean_min": 117.25,
}
_PLANNED = {"lekima-p000-r00": {"scenario": "lekima", "point": 0, "replication": 0, "seed": 12345,
                                "teams_scale": 0.5}}  # fmt: skip
_RUN_FILE = parquet_bytes(pa.Table.from_pylist([_ROW]))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at=st.integers(0, len(_RUN_FILE) - 1),
    flip=st.integers(1, 255),
    truncate=st.booleans(),
)
def test_a_cut_or_garbled_run_file_is_refused_or_intact(tmp_path, at, flip, truncate):
    """Whatever byte is cut or flipped, the file is refused with a problem naming it, or
    reads as exactly the row written: never another row (the digest), never an exception."""
    data = bytearray(_RUN_FILE)
    if truncate:
        data = data[:at]
    else:
        data[at] ^= flip
    path = tmp_path / "lekima-p000-r00.parquet"
    path.write_bytes(bytes(data))
    table, problem = check_run_file(path, _PLANNED)
    if table is None:
        assert problem.file == str(path) and problem.message
    else:
        assert table.to_pylist() == [_ROW]


def test_a_run_file_of_two_rows_or_of_no_planned_run_is_named(tmp_path):
    two = tmp_path / "lekima-p000-r00.parquet"
    two.write_bytes(parquet_bytes(pa.Table.from_pylist([_ROW, _ROW])))
    assert check_run_file(two, _PLANNED) == (
        None,
        Problem(str(two), "(file)", "holds 2 rows; a run file holds 1"),
    )
    stray = tmp_path / "lekima-p099-r00.parquet"
    stray.write_bytes(_RUN_FILE)
    assert check_run_file(stray, _PLANNED)[1].message == (
        "'lekima-p099-r00' is not a run of this sweep's plan"
    )


def test_write_failure_names_the_folder_the_file_and_a_full_disk(tmp_path):
    exc = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "runs" / "x.parquet"))
    assert write_failure(exc, tmp_path) == (
        f"{tmp_path}: cannot write runs/x.parquet: no space left on the device"
    )
    quota = OSError(errno.EDQUOT, "Disk quota exceeded")
    assert write_failure(quota, tmp_path) == f"{tmp_path}: cannot write: disk quota exceeded"
    denied = PermissionError(errno.EACCES, "Permission denied", "/elsewhere/f")
    assert write_failure(denied, tmp_path).endswith("cannot write /elsewhere/f: Permission denied")


# --- a full disk or Ctrl-C at any write of a sweep --------------------------------------

N_WRITES = 12  # spec, plan, scenarios, inputs, then a run file and a manifest line per run (4)


@pytest.mark.parametrize("n", range(1, N_WRITES + 1))
def test_a_full_disk_at_any_write_gives_one_line_and_resume_loses_nothing(
    tmp_path, monkeypatch, reference, n
):
    spec, out = _write_spec(tmp_path, _spec_dict()), tmp_path / "o"
    fault = DiskFault(out.parent, n)
    monkeypatch.setattr(os, "write", fault)
    result = _run(monkeypatch, spec, out)
    monkeypatch.setattr(os, "write", _REAL_WRITE)
    assert fault.calls == n  # the n-th write failed and none was attempted after it
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"{out}: cannot write ")
    assert "no space left on the device" in message and "--resume" in message
    _assert_nothing_half_written(out)
    again = _run(monkeypatch, spec, out, "--resume")
    assert again.exit_code == 0, again.output
    assert "4/4 runs done" in again.output
    pd.testing.assert_frame_equal(_rows(out), reference)
    manifest = [m["run_id"] for m in scan_jsonl(out / "manifest.jsonl")[0]]
    assert sorted(manifest) == sorted(reference["run_id"])  # each run once
    _assert_nothing_half_written(out)


@pytest.mark.parametrize("n", [2, 3, 4, 9])
def test_ctrl_c_inside_a_write_leaves_nothing_that_looks_complete(
    tmp_path, monkeypatch, reference, n
):
    spec, out = _write_spec(tmp_path, _spec_dict()), tmp_path / "o"
    monkeypatch.setattr(os, "write", DiskFault(out.parent, n, KeyboardInterrupt))
    result = _run(monkeypatch, spec, out)
    monkeypatch.setattr(os, "write", _REAL_WRITE)
    assert result.exit_code == 130 and "continue with --resume" in result.output
    _assert_nothing_half_written(out)
    done = len(list((out / "runs").glob("[!.]*.parquet")))
    assert done == max(0, (n - 4) // 2)  # runs whose file was written before the interrupt
    again = _run(monkeypatch, spec, out, "--resume")
    assert again.exit_code == 0 and f"({4 - done} now, {done} before)" in again.output
    pd.testing.assert_frame_equal(_rows(out), reference)


def test_a_full_disk_under_the_model_resumes_to_the_undisturbed_rows(tmp_path, monkeypatch):
    """The same with the model (test_sweep's tiny spec, 2 h of Lekima, one replication: 2
    runs): the disk fills while the second run's file is written. The undisturbed rows are
    what the model returned the first time it ran each run (rows depend on the run record
    alone: test_sweep checks serial = parallel), so the resumed folder must hold exactly
    those, the lost one recomputed."""
    from sim.studies.sweep.runone import run_one

    first: dict[str, dict] = {}

    def recording_run_one(spec, run, run_dir=None):
        row = run_one(spec, run, run_dir)
        first.setdefault(run.run_id, row)
        return row

    spec, out = _write_spec(tmp_path, _spec_dict(replications=1)), tmp_path / "o"
    monkeypatch.setattr(os, "write", DiskFault(out, 7))  # spec, plan, scenarios, inputs,
    # run 1 + line, run 2
    result = _run(monkeypatch, spec, out, run_fn=recording_run_one)
    monkeypatch.setattr(os, "write", _REAL_WRITE)
    assert result.exit_code == 2 and "no space left on the device" in result.output
    assert [p.name for p in (out / "runs").iterdir()] == ["lekima-p000-r00.parquet"]
    assert sorted(first) == ["lekima-p000-r00", "lekima-p001-r00"]  # the second one was lost
    again = _run(monkeypatch, spec, out, "--resume", run_fn=recording_run_one)
    assert again.exit_code == 0 and "(1 now, 1 before)" in again.output
    undisturbed = pd.DataFrame([first[k] for k in sorted(first)]).drop(columns="wall_time_s")
    assert undisturbed["incidents"].sum() > 0  # the runs did something: not vacuous
    pd.testing.assert_frame_equal(_rows(out), undisturbed, check_dtype=False)


# --- damaged files: reported by status, report and analyse; rerun by resume -------------


def _factorial_row(spec, run, run_dir=None) -> dict:
    """A fake logistics run: response time 60 / min(teams, equipment) + replication noise."""
    p = run.params
    return {
        **_fake_row(spec, run),
        "response_time_mean_min": 60.0 / min(p["teams_scale"], p["equipment_scale"])
        + 3.0 * run.replication,
    }


def _factorial_spec(tmp_path: Path) -> Path:
    space = {
        "kind": "grid",
        "parameters": {
            "logistics.teams_scale": [0.5, 1.0],
            "logistics.equipment_scale": [0.5, 1.0],
            "logistics.supplies_scale": [1.0, 2.0],
        },
    }
    return _write_spec(tmp_path, _spec_dict(space=space))  # 8 points x 2 replications


def _damage(out: Path) -> dict[str, str]:
    """Damage four run files, a manifest line and the failure log's tail; return run id ->
    what its status line must say."""
    runs = sorted((out / "runs").glob("*.parquet"))  # p000-r00, p000-r01, p001-r00, ...
    # one replication of four points: each of their report cells keeps one run
    truncated, garbled, other, wrong = runs[0], runs[3], runs[4], runs[7]
    row = pq.read_table(wrong).to_pylist()[0]
    truncated.write_bytes(truncated.read_bytes()[:100])
    data = bytearray(garbled.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8] = b"\xff" * 8
    garbled.write_bytes(bytes(data))
    shutil.copyfile(runs[9], other)  # another run's row under this run's name
    row["teams_scale"] = 9.0  # the right run id, another parameter value (the plan: 0.5)
    wrong.write_bytes(parquet_bytes(pa.Table.from_pylist([row])))
    lines = (out / "manifest.jsonl").read_text().splitlines()
    lines[2] = lines[2][:20] + "#garbled#"
    (out / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    (out / "failures.jsonl").write_text('{"run_id": "x", "error": "boom"}\n{"run_id": "y", "err')
    return {
        truncated.stem: ": (file): not a readable Parquet file (truncated or garbled",
        garbled.stem: ": (file): ",
        other.stem: f": run_id: is '{runs[9].stem}': this file should hold run '{other.stem}'",
        wrong.stem: ": teams_scale: is 9.0; the plan has 0.5 for this run",
    }


def test_damaged_files_are_reported_then_rerun_once(tmp_path, monkeypatch):
    spec = _factorial_spec(tmp_path)
    ref, out = tmp_path / "ref", tmp_path / "o"
    assert _run(monkeypatch, spec, ref, run_fn=_factorial_row).exit_code == 0
    shutil.copytree(ref, out)
    expected = _damage(out)
    stray = out / "runs" / "lekima-p099-r00.parquet"  # a run file of no planned run
    shutil.copyfile(out / "runs" / "lekima-p005-r00.parquet", stray)

    status = _cli(monkeypatch, ["status", str(out)])
    assert status.exit_code == 0, status.output
    assert "12/16 runs done" in status.output
    for run_id, what in expected.items():
        assert f"  corrupt, will rerun: {out}/runs/{run_id}.parquet{what}" in status.output
    assert f"  not in the plan, ignored: {stray}: (file): 'lekima-p099-r00' is not a run" in (
        status.output
    )
    assert f"  warning: {out}/manifest.jsonl: line 3: garbled: not JSON" in status.output
    assert f"  warning: {out}/failures.jsonl: line 2: torn last line" in status.output

    with pytest.warns(SweepDamageWarning, match="4 damaged run file"):
        assert len(load(out)) == 12  # damaged runs left out, never another run's row twice

    report = _cli(monkeypatch, ["report", str(out)])
    assert report.exit_code == 0, report.output
    for run_id in expected:
        assert f"warning: damaged, left out: {out}/runs/{run_id}.parquet" in report.output
    assert "the report uses 12 of 16 runs (4 damaged, 0 not finished)" in report.output
    cells = pd.read_csv(out / "tradeoff.csv")
    assert cells["n"].min() == 1 and cells["n"].max() == 2  # what the warning said

    analyse = _cli(monkeypatch, ["analyse", str(out), "--outcome", "deaths", "--threshold", "50"])
    assert "the analysis uses 12 of 16 runs (4 damaged" in analyse.output, analyse.output

    again = _run(monkeypatch, spec, out, "--resume", run_fn=_factorial_row)
    assert again.exit_code == 0, again.output
    assert "16/16 runs done (4 now, 12 before)" in again.output
    for run_id in expected:
        assert f"repaired: {out}/runs/{run_id}.parquet" in again.output
        assert (out / "damaged" / f"{run_id}.parquet").exists()  # kept for inspection
    assert f"repaired: {out}/manifest.jsonl: line 3: garbled" in again.output
    pd.testing.assert_frame_equal(_rows(out), _rows(ref))
    manifest, problems = scan_jsonl(out / "manifest.jsonl")
    assert problems == [] and sorted(m["run_id"] for m in manifest) == sorted(load(ref)["run_id"])
    status = _cli(monkeypatch, ["status", str(out)])
    assert "16/16 runs done (100%), complete" in status.output
    assert "corrupt" not in status.output and "5 damaged file(s) set aside" in status.output
    assert (out / "damaged" / stray.name).exists() and not stray.exists()
    # the failure log is never rewritten: its torn line is still named, its record kept
    assert f"warning: {out}/failures.jsonl: line 2: torn last line" in status.output


def test_status_of_a_running_sweep_does_not_call_a_line_being_written_torn(tmp_path):
    from sim.studies.sweep.design import expand
    from sim.studies.sweep.spec import parse_spec
    from sim.studies.sweep.status import sweep_status
    from sim.studies.sweep.store import SweepStore

    spec = parse_spec(_spec_dict(), "s", tmp_path)
    store = SweepStore(tmp_path / "o")
    store.open(spec, expand(spec), resume=False)
    store.write_row(_fake_row(spec, expand(spec)[0]))
    with store.manifest_path.open("a") as fh:
        fh.write('{"run_id": "lekima-p001')  # an append in progress
    try:
        assert sweep_status(store.out_dir).log_problems == []
    finally:
        store.close()
    assert [p.field for p in sweep_status(store.out_dir).log_problems] == ["line 2"]


@pytest.mark.parametrize("how", ["missing", "garbled"])
def test_a_lost_plan_is_refused_by_readers_and_rebuilt_by_resume(tmp_path, monkeypatch, how):
    spec, out = _write_spec(tmp_path, _spec_dict()), tmp_path / "o"
    assert _run(monkeypatch, spec, out).exit_code == 0
    before = _rows(out)
    (out / "runs" / f"{before['run_id'][3]}.parquet").unlink()  # one run to do on resume
    plan = out / "plan.parquet"
    if how == "missing":
        plan.unlink()
    else:
        plan.write_bytes(plan.read_bytes()[:-40])
    for cmd in (["status"], ["report"], ["analyse", "--outcome", "deaths", "--threshold", "1"]):
        result = _cli(monkeypatch, [cmd[0], str(out), *cmd[1:]])
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
        if how == "missing":
            assert result.output.strip() == f"{out}: not a sweep folder (no plan.parquet)"
        else:
            assert result.output.startswith(f"{plan}: (file): not a readable Parquet file")
            assert "run the sweep again with its spec and --resume to rebuild it" in result.output
    again = _run(monkeypatch, spec, out, "--resume")
    assert again.exit_code == 0, again.output
    assert f"repaired: {plan}: (file): {how if how == 'missing' else 'not a readable'}" in (
        again.output
    )
    assert "4/4 runs done (1 now, 3 before)" in again.output
    pd.testing.assert_frame_equal(_rows(out), before)
    assert (out / "damaged" / "plan.parquet").exists() == (how == "garbled")


def test_a_lost_plan_with_a_lost_or_foreign_spec_is_a_clear_error(tmp_path, monkeypatch):
    spec, out = _write_spec(tmp_path, _spec_dict()), tmp_path / "o"
    assert _run(monkeypatch, spec, out).exit_code == 0
    (out / "plan.parquet").write_bytes(b"PAR1 garbage")
    other = _write_spec(tmp_path, _spec_dict(seed=8), "other.yaml")
    result = _run(monkeypatch, other, out, "--resume")
    assert result.exit_code == 2 and "spec.resolved.yaml holds another spec" in result.output
    (out / "spec.resolved.yaml").write_text("name: [unclosed")
    result = _run(monkeypatch, spec, out, "--resume")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.output.strip().startswith(f"{out}: plan.parquet is not a readable Parquet")
    assert "and spec.resolved.yaml is unreadable" in result.output
    assert "nothing tells which spec the runs there belong to" in result.output
    assert len(list((out / "runs").iterdir())) == 4  # nothing was touched


def test_a_lost_spec_file_is_rewritten_when_the_plan_matches(tmp_path, monkeypatch):
    spec, out = _write_spec(tmp_path, _spec_dict()), tmp_path / "o"
    assert _run(monkeypatch, spec, out).exit_code == 0
    text = (out / "spec.resolved.yaml").read_text()
    (out / "spec.resolved.yaml").write_text(text[: len(text) // 3])
    again = _run(monkeypatch, spec, out, "--resume")
    assert again.exit_code == 0 and f"repaired: {out}/spec.resolved.yaml" in again.output
    assert (out / "spec.resolved.yaml").read_text() == text


def test_report_and_analyse_on_a_full_disk_write_nothing_half(tmp_path, monkeypatch):
    spec, out = _factorial_spec(tmp_path), tmp_path / "o"
    assert _run(monkeypatch, spec, out, run_fn=_factorial_row).exit_code == 0
    before = sorted(p.name for p in out.iterdir())
    for cmd in (["report"], ["analyse", "--outcome", "deaths", "--threshold", "50"]):
        monkeypatch.setattr(os, "write", DiskFault(out, 1))
        result = _cli(monkeypatch, [cmd[0], str(out), *cmd[1:]])
        monkeypatch.setattr(os, "write", _REAL_WRITE)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
        assert f"{out}: cannot write " in result.output
        assert "no space left on the device" in result.output
        assert sorted(p.name for p in out.iterdir()) == before  # no half CSV, no temporary


def test_an_ensemble_on_a_full_disk_gives_one_line_and_resumes(tmp_path, monkeypatch):
    """``run --replications`` runs through the sweep store too: a full disk while its runs
    are written is one line and exit 2 (it traced back), and a rerun finishes the ensemble."""
    from sim.interfaces.cli.main import app

    scenario = Path(__file__).resolve().parents[1] / "scenarios/example-city/typhoon.yaml"
    out = tmp_path / "ens"
    args = ["run", str(scenario), "--replications", "2", "--workers", "1", "--out", str(out),
            "-q", "--no-figures", "-p", "time.duration_h=3"]  # fmt: skip
    monkeypatch.setattr(os, "write", DiskFault(tmp_path, 4))
    res = CliRunner().invoke(app, args)
    monkeypatch.setattr(os, "write", _REAL_WRITE)
    assert res.exit_code == 2, res.output
    assert "no space left on the device" in res.output and "rerun to resume" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not out.exists()  # the unfinished ensemble stays in the staging folder
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert (out / "ensemble.json").is_file()
