"""The Dask backend: a real scheduler and worker process on loopback run the same sweep as
the serial executor, with identical rows, the same retries and the same resume.

The fake one-run functions run in the Dask worker process, which imports this module by name
(the worker is spawned with this process's ``sys.path``): keep top-level imports light.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("distributed")

from sim.interfaces.cli.sweep import sweep_app  # noqa: E402
from sim.studies.sweep.design import expand  # noqa: E402
from sim.studies.sweep.executor import run_sweep  # noqa: E402
from sim.studies.sweep.spec import parse_spec  # noqa: E402
from sim.studies.sweep.store import SweepError, read_jsonl  # noqa: E402
from sim.studies.sweep.table import load  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
LEKIMA = REPO / "scenarios" / "shanghai" / "lekima-2019.yaml"


def _spec_dict(**over) -> dict:
    # The tiny sweep of tests/test_sweep.py: 2 h of Lekima near landfall on a coarse city,
    # 2 points x 2 replications = 4 runs of ~1 s, with incidents.
    d = {
        "name": "tiny",
        "scenarios": [{"path": str(LEKIMA), "label": "lekima"}],
        "fixed": {
            "networks.resolution": 0.1,
            "time.start_utc": "2019-08-09T16:00:00Z",
            "time.duration_h": 2,
        },
        "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 2.0]}},
        "replications": 2,
        "seed": 7,
    }
    d.update(over)
    return d


@pytest.fixture(scope="module")
def scheduler():
    """A scheduler and one single-threaded worker process, on 127.0.0.1 only."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        yield cluster.scheduler_address


def _fake_row(spec, run, run_dir=None) -> dict:
    return {
        "run_id": run.run_id,
        "scenario": run.scenario,
        "point": run.point,
        "replication": run.replication,
        "seed": run.seed,
        "scenario_hash": f"h{run.point}",
        **run.params,
        "deaths": run.seed % 97 + run.point,
    }


def _set_env(key: str, value: str) -> None:
    """Set an environment variable in the worker process (a module-level function: a bound
    ``os.environ`` method would be pickled with a copy of this process's environment)."""
    os.environ[key] = value


def _flaky_row(spec, run, run_dir=None) -> dict:
    """(p1, r0) fails on its first attempt only; (p0, r1) always fails. The attempt count
    lives in a file: the worker is another process."""
    marker = Path(os.environ["CITYSAFE_TEST_FLAKY_DIR"]) / run.run_id
    n = len(marker.read_text()) if marker.exists() else 0
    marker.write_text("x" * (n + 1))
    if run.point == 1 and run.replication == 0 and n == 0:
        raise ValueError("transient failure")
    if run.point == 0 and run.replication == 1:
        raise RuntimeError("always fails")
    return _fake_row(spec, run)


def test_dask_sweep_gives_the_serial_rows_exactly(tmp_path, scheduler):
    spec = parse_spec(_spec_dict(), "s", tmp_path)
    runs = expand(spec)
    run_sweep(spec, runs, tmp_path / "serial", workers=1)
    out = run_sweep(spec, runs, tmp_path / "dask", scheduler=scheduler)
    assert out.completed == len(runs) == 4 and out.failed == [] and out.workers == 1
    a = load(tmp_path / "serial").sort_values("run_id", ignore_index=True)
    b = load(tmp_path / "dask").sort_values("run_id", ignore_index=True)
    assert a["incidents"].sum() > 0  # the window has incidents: the comparison is not vacuous
    cols = [c for c in a.columns if c != "wall_time_s"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    manifest = read_jsonl(tmp_path / "dask" / "manifest.jsonl")
    assert sorted(m["run_id"] for m in manifest) == sorted(r.run_id for r in runs)
    assert all(m["attempts"] == 1 for m in manifest)


def test_dask_retries_up_to_max_attempts_and_resume_skips_done_runs(tmp_path, scheduler):
    # The LocalCluster worker was spawned before this setenv: hand it the folder another way.
    flaky_dir = tmp_path / "flaky"
    flaky_dir.mkdir()
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:
        client.run(_set_env, "CITYSAFE_TEST_FLAKY_DIR", str(flaky_dir))
    spec = parse_spec(_spec_dict(max_attempts=3), "s", tmp_path)
    runs = expand(spec)
    out = run_sweep(spec, runs, tmp_path / "o", scheduler=scheduler, run_fn=_flaky_row)
    flaky, broken = runs[1].run_id, runs[2].run_id  # (p1, r0) and (p0, r1)
    assert out.failed == [broken] and out.completed == 3 and out.retries == 3  # 1 + 2
    failures = read_jsonl(tmp_path / "o" / "failures.jsonl")
    assert [f["attempt"] for f in failures if f["run_id"] == broken] == [1, 2, 3]
    assert [f["error"] for f in failures if f["run_id"] == flaky] == [
        "ValueError: transient failure"
    ]
    assert "always fails" in failures[-1]["traceback"]
    manifest = {m["run_id"]: m for m in read_jsonl(tmp_path / "o" / "manifest.jsonl")}
    assert manifest[flaky]["attempts"] == 2 and broken not in manifest
    # Resume runs only the failed run (3 more attempts), never a finished one again.
    again = run_sweep(
        spec, runs, tmp_path / "o", scheduler=scheduler, resume=True, run_fn=_flaky_row
    )
    assert again.skipped == 3 and again.completed == 0 and again.failed == [broken]
    assert len((flaky_dir / flaky).read_text()) == 2  # not rerun
    assert len((flaky_dir / broken).read_text()) == 6


def test_unreachable_scheduler_is_a_sweep_error_and_cli_exit_2(tmp_path, monkeypatch):
    import functools

    import yaml

    from sim.studies.sweep import dask_backend

    # The 30 s default waits for a scheduler still starting; 1 s is enough to fail here.
    monkeypatch.setattr(
        dask_backend, "connect", functools.partial(dask_backend.connect, timeout_s=1.0)
    )
    spec = parse_spec(_spec_dict(), "s", tmp_path)
    # Port 9 (discard) on loopback: nothing listens, every connection is refused.
    with pytest.raises(SweepError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        run_sweep(spec, expand(spec), tmp_path / "o", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "o").exists()  # nothing written before the cluster is reached
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(_spec_dict()), encoding="utf-8")
    args = [str(path), "--out", str(tmp_path / "o"), "-q"]
    result = CliRunner().invoke(sweep_app, [*args, "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output
    result = CliRunner().invoke(sweep_app, [*args, "-w", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "exclude each other" in result.output
