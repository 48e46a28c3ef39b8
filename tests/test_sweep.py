"""Sweeps: spec validation, deterministic expansion, storage that loses nothing, retries,
serial = parallel, SIGKILL + --resume, the tidy table, the trade-off analysis.

The fake one-run functions below run in spawned workers, which import this module: keep its
top-level imports light (the trade-off analysis, with scipy.stats, is imported in its tests).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.interfaces.cli.sweep import sweep_app
from sim.studies.sweep.design import check_runs, expand, points, replication_seeds
from sim.studies.sweep.executor import run_sweep
from sim.studies.sweep.spec import SpecError, load_spec, parse_spec
from sim.studies.sweep.store import SweepError, SweepStore, read_jsonl
from sim.studies.sweep.table import load

REPO = Path(__file__).resolve().parents[1]
LEKIMA = REPO / "scenarios" / "shanghai" / "lekima-2019.yaml"

# Two hours of Lekima near landfall on a coarse city: ~1 s per run, incidents > 0.
TINY_FIXED = {
    "networks.resolution": 0.1,
    "time.start_utc": "2019-08-09T16:00:00Z",
    "time.duration_h": 2,
}


def _spec_dict(**over) -> dict:
    d = {
        "name": "tiny",
        "scenarios": [{"path": str(LEKIMA), "label": "lekima"}],
        "fixed": dict(TINY_FIXED),
        "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 2.0]}},
        "replications": 2,
        "seed": 7,
    }
    d.update(over)
    return d


def _write_spec(tmp_path: Path, data: dict, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
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
        "deaths": run.seed % 97 + run.point,
    }


# --- spec validation -------------------------------------------------------------------


def test_spec_problems_name_file_field_and_expectation(tmp_path):
    bad = _spec_dict(
        colour="red",
        outputs=["deaths", "nonsense"],
        space={"kind": "sobol", "samples": 10, "parameters": {"a.b": {"low": 0, "high": 1}}},
    )
    path = _write_spec(tmp_path, bad)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    text = str(err.value)
    assert f"{path}: colour: unknown field" in text
    assert f"{path}: outputs: unknown outputs ['nonsense']" in text
    assert "samples must be a power of 2 for kind sobol, got 10" in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"fixed": {"seed": 3}}, "fixed: seed: the seed is set per replication"),
        ({"space": {"kind": "grid", "parameters": {"x.y": {"low": 0, "high": 1}}}}, "needs a list"),
        (
            {"space": {"kind": "lhs", "parameters": {"x.y": {"low": 2, "high": 1}}, "samples": 4}},
            "low must be < high",
        ),
        ({"scenarios": [{"path": "nowhere.yaml"}]}, "scenarios[0].path: file not found"),
        ({"replications": 0}, "replications: Input should be greater than or equal to 1"),
    ],
)
def test_spec_rejects_invalid_fields(tmp_path, change, expected):
    with pytest.raises(SpecError) as err:
        load_spec(_write_spec(tmp_path, _spec_dict(**change)))
    assert expected in str(err.value)


def test_plan_check_reports_a_bad_parameter_path_before_running(tmp_path):
    spec = parse_spec(
        _spec_dict(space={"kind": "grid", "parameters": {"logistics.team_scale": [1, 2]}}),
        "s.yaml",
        tmp_path,
    )
    problems = check_runs(spec, expand(spec), "s.yaml")
    assert problems and all(p.file == "s.yaml" for p in problems)
    assert "logistics.team_scale" in str(problems[0]) and "unknown field" in str(problems[0])


def test_cli_exits_2_with_problems_on_an_invalid_spec(tmp_path):
    path = _write_spec(tmp_path, _spec_dict(replications="many"))
    result = CliRunner().invoke(sweep_app, [str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{path}: replications:" in result.output


# --- expansion -------------------------------------------------------------------------


def test_expansion_is_deterministic_with_common_random_numbers(tmp_path):
    d = _spec_dict(
        space={
            "kind": "grid",
            "parameters": {
                "logistics.teams_scale": [0.5, 1, 2],
                "logistics.supplies_scale": [1, 3],
            },
        },
        replications=3,
    )
    runs = expand(parse_spec(d, "s", tmp_path))
    again = expand(parse_spec(d, "s", tmp_path))
    assert runs == again and [r.params for r in runs] == [r.params for r in again]
    assert len(runs) == 3 * 2 * 3 and len({r.run_id for r in runs}) == len(runs)
    # One seed per replication, shared by all 6 points (common random numbers).
    seeds = replication_seeds(7, 3)
    for r in runs:
        assert r.seed == seeds[r.replication]
        assert r.overrides[-1] == f"seed={r.seed}"
    ss = np.random.SeedSequence(7).spawn(3)
    assert seeds == [int(c.generate_state(1)[0]) for c in ss]
    # More replications keep the earlier seeds; mixed int/float levels become floats.
    assert replication_seeds(7, 5)[:3] == seeds
    assert {type(r.params["teams_scale"]) for r in runs} == {float}
    assert runs[0].params == {"teams_scale": 0.5, "supplies_scale": 1}


def test_latin_hypercube_puts_one_point_in_each_stratum(tmp_path):
    d = _spec_dict(
        space={
            "kind": "lhs",
            "samples": 8,
            "parameters": {
                "logistics.teams_scale": {"low": 0.5, "high": 2.5},
                "logistics.equipment_scale": {"low": 1, "high": 9},
            },
        }
    )
    pts = points(parse_spec(d, "s", tmp_path))
    assert pts == points(parse_spec(d, "s", tmp_path))
    for path, low, high in (
        ("logistics.teams_scale", 0.5, 2.5),
        ("logistics.equipment_scale", 1, 9),
    ):
        v = np.array([p[path] for p in pts])
        strata = np.floor((v - low) / (high - low) * 8).astype(int)
        assert sorted(strata) == list(range(8))  # McKay et al. 1979: one per 1/8 stratum


def test_sobol_sample_has_saltelli_size(tmp_path):
    d = _spec_dict(
        space={
            "kind": "sobol",
            "samples": 4,
            "second_order": False,
            "parameters": {
                "logistics.teams_scale": {"low": 0.5, "high": 2},
                "logistics.equipment_scale": {"low": 0.5, "high": 2},
            },
        },
        replications=1,
    )
    assert len(expand(parse_spec(d, "s", tmp_path))) == 4 * (2 + 2)  # N·(D+2)


# --- storage and retries (no model: a fake one-run function) ----------------------------

_FLAKY = Counter()


def _flaky_row(spec, run, run_dir=None) -> dict:
    _FLAKY[run.run_id] += 1
    if run.point == 1 and run.replication == 0 and _FLAKY[run.run_id] == 1:
        raise ValueError("transient failure")
    if run.point == 0 and run.replication == 1:
        raise RuntimeError("always fails")
    return _fake_row(spec, run)


def test_a_raising_run_is_recorded_and_retried(tmp_path):
    spec = parse_spec(_spec_dict(max_attempts=3), "s", tmp_path)
    runs = expand(spec)
    out = run_sweep(spec, runs, tmp_path / "o", workers=1, run_fn=_flaky_row)
    flaky, broken = runs[1].run_id, runs[2].run_id  # (p1, r0) and (p0, r1)
    assert out.failed == [broken] and out.completed == len(runs) - 1
    failures = read_jsonl(tmp_path / "o" / "failures.jsonl")
    assert [f["run_id"] for f in failures].count(broken) == 3
    assert [f["error"] for f in failures if f["run_id"] == flaky] == [
        "ValueError: transient failure"
    ]
    assert "always fails" in failures[-1]["traceback"]
    manifest = {m["run_id"]: m for m in read_jsonl(tmp_path / "o" / "manifest.jsonl")}
    assert manifest[flaky]["attempts"] == 2 and broken not in manifest


def test_store_repairs_a_folder_killed_between_writes(tmp_path):
    spec = parse_spec(_spec_dict(), "s", tmp_path)
    runs = expand(spec)
    store = SweepStore(tmp_path / "o")
    store.open(spec, runs, resume=False)
    for run in runs[:3]:
        store.write_row(_fake_row(spec, run))
    store.close()
    # A kill between the Parquet write and the manifest append; a half-written temporary;
    # a truncated run file; a partial last manifest line.
    lines = store.manifest_path.read_text().splitlines()
    store.manifest_path.write_text("\n".join(lines[:2]) + "\n" + '{"run_id": "lek')
    (store.runs_dir / f".{runs[3].run_id}.parquet.tmp-1").write_bytes(b"PAR1")
    (store.runs_dir / f"{runs[3].run_id}.parquet").write_bytes(b"PAR1 truncated")
    store.open(spec, runs, resume=True)
    done = store.completed()
    store.close()
    assert sorted(done) == sorted(r.run_id for r in runs[:3])
    assert sorted(os.listdir(store.runs_dir)) == sorted(f"{r.run_id}.parquet" for r in runs[:3])
    ids = [m["run_id"] for m in read_jsonl(store.manifest_path)]
    assert sorted(ids) == sorted(done)


def test_non_empty_folder_needs_resume_and_the_same_spec(tmp_path):
    spec = parse_spec(_spec_dict(), "s", tmp_path)
    run_sweep(spec, expand(spec), tmp_path / "o", workers=1, run_fn=_fake_row)
    with pytest.raises(SweepError, match="pass --resume"):
        run_sweep(spec, expand(spec), tmp_path / "o", workers=1, run_fn=_fake_row)
    other = parse_spec(_spec_dict(seed=8), "s", tmp_path)
    with pytest.raises(SweepError, match="different spec"):
        run_sweep(other, expand(other), tmp_path / "o", workers=1, resume=True, run_fn=_fake_row)
    again = run_sweep(spec, expand(spec), tmp_path / "o", workers=1, resume=True, run_fn=_fake_row)
    assert again.skipped == 4 and again.completed == 0


def _crash_twice_row(spec, run, run_dir=None) -> dict:
    """Kill the worker process on the first two attempts of (p1, r1)."""
    if run.point == 1 and run.replication == 1:
        marker = Path(os.environ["CITYSAFE_TEST_CRASH_DIR"]) / "crashes"
        n = len(marker.read_text()) if marker.exists() else 0
        if n < 2:
            marker.write_text("x" * (n + 1))
            os._exit(7)
    return _fake_row(spec, run)


def test_a_crashed_worker_is_retried_and_innocent_runs_are_not_charged(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYSAFE_TEST_CRASH_DIR", str(tmp_path))
    spec = parse_spec(_spec_dict(replications=3, max_attempts=3), "s", tmp_path)
    runs = expand(spec)
    out = run_sweep(spec, runs, tmp_path / "o", workers=2, run_fn=_crash_twice_row)
    assert out.failed == [] and out.completed == len(runs) == 6
    crasher = next(r.run_id for r in runs if r.point == 1 and r.replication == 1)
    failures = read_jsonl(tmp_path / "o" / "failures.jsonl")
    charged = [f["run_id"] for f in failures if f["kind"] == "worker_died"]
    assert charged and set(charged) == {crasher}  # only the culprit, identified running alone
    df = load(tmp_path / "o")
    assert sorted(df["run_id"]) == sorted(r.run_id for r in runs)


# --- the model: serial = parallel; SIGKILL + resume --------------------------------------


def test_serial_and_two_workers_give_identical_rows(tmp_path):
    spec = parse_spec(_spec_dict(), "s", tmp_path)
    runs = expand(spec)
    run_sweep(spec, runs, tmp_path / "serial", workers=1)
    run_sweep(spec, runs, tmp_path / "pool", workers=2)
    a, b = load(tmp_path / "serial"), load(tmp_path / "pool")
    assert len(a) == len(runs) == 4 and a.attrs["parameters"] == ["teams_scale"]
    assert a["incidents"].sum() > 0  # the window has incidents: the comparison is not vacuous
    cols = [c for c in a.columns if c != "wall_time_s"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # The manifest key: one scenario hash per parameter point, shared by its replications.
    assert a.groupby("point")["scenario_hash"].nunique().eq(1).all()
    assert a["scenario_hash"].nunique() == 2


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_sigkilled_sweep_resumes_with_every_run_exactly_once(tmp_path):
    spec_path = _write_spec(
        tmp_path,
        _spec_dict(space={"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 1, 2]}}),
    )
    out_dir = tmp_path / "o"
    cmd = [sys.executable, "-m", "sim.interfaces.cli.sweep", str(spec_path)]
    cmd += ["--workers", "2", "--out", str(out_dir), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if list((out_dir / "runs").glob("[!.]*.parquet")):
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        finished = len(list((out_dir / "runs").glob("[!.]*.parquet")))
        assert 1 <= finished < 6
        # Orphaned workers notice their parent is gone and exit (within ~1 s).
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
    result = CliRunner().invoke(
        sweep_app, [str(spec_path), "-w", "1", "--out", str(out_dir), "--resume", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert f"6/6 runs done ({6 - finished} now, {finished} before)" in result.output
    spec = load_spec(spec_path)
    expected = sorted(r.run_id for r in expand(spec))
    df = load(out_dir)
    assert sorted(df["run_id"]) == expected and df["run_id"].is_unique
    manifest = [m["run_id"] for m in read_jsonl(out_dir / "manifest.jsonl")]
    assert sorted(manifest) == expected
    status = CliRunner().invoke(sweep_app, ["status", str(out_dir)])
    assert status.exit_code == 0 and "6/6 runs done (100%), complete" in status.output


def test_lead_wiring_citysafe_sweep_spec_and_sweep_status(tmp_path):
    """``app.add_typer(sweep_app, name="sweep")`` serves both ``sweep SPEC`` and
    ``sweep status DIR`` (checked with the fake run through ``sweep status``)."""
    import typer

    app = typer.Typer()

    @app.command()
    def other() -> None:  # pragma: no cover - gives the parent app a second command
        pass

    app.add_typer(sweep_app, name="sweep")
    spec = parse_spec(_spec_dict(), "s", tmp_path)
    run_sweep(spec, expand(spec)[:1], tmp_path / "o", workers=1, run_fn=_fake_row)
    result = CliRunner().invoke(app, ["sweep", "status", str(tmp_path / "o")])
    assert result.exit_code == 0 and "1/1 runs done" in result.output
    bad = _write_spec(tmp_path, _spec_dict(replications=0))
    result = CliRunner().invoke(app, ["sweep", str(bad), "--workers", "2", "--resume"])
    assert result.exit_code == 2 and "replications" in result.output


# --- trade-off analysis -----------------------------------------------------------------


def _leontief_table() -> pd.DataFrame:
    """Response time = 60 / min(teams, equipment) + replication noise; supplies never bind.

    With common random numbers the noise is the same in every cell of a replication, so
    paired differences are exact: raising teams alone from 1 to 2 changes nothing
    (min(2, 1) = 1), raising both halves the time: 60/2 − 60/1 = −30 min.
    """
    rows = []
    levels = (0.5, 1.0, 2.0)
    for rep, noise in enumerate((0.0, 3.0, -1.5)):
        for t in levels:
            for e in levels:
                for s in levels:
                    rows.append(
                        {
                            "scenario": "x",
                            "replication": rep,
                            "teams_scale": t,
                            "equipment_scale": e,
                            "supplies_scale": s,
                            "response_time_mean_min": 60.0 / min(t, e) + noise,
                        }
                    )
    return pd.DataFrame(rows)


def test_tradeoff_finds_complements_and_no_single_factor_effect():
    from sim.studies.analysis.tradeoff import binding_factors, cell_means, factor_effects

    df = _leontief_table()
    eff = factor_effects(df).set_index(["direction", "changed"])
    assert eff.loc[("raise", "teams_scale"), "change"] == pytest.approx(0.0)
    assert eff.loc[("raise", "teams_scale+equipment_scale"), "change"] == pytest.approx(-30.0)
    # interaction = joint − (0 + 0) = −30: the factors are complements.
    assert eff.loc[("raise", "teams_scale+equipment_scale"), "interaction"] == pytest.approx(-30.0)
    assert eff.loc[("raise", "teams_scale+equipment_scale"), "change_ci95"] == pytest.approx(0.0)
    # Cutting teams to 0.5 alone doubles the time: 60/0.5 − 60 = +60 min; supplies: 0.
    assert eff.loc[("cut", "teams_scale"), "change"] == pytest.approx(60.0)
    assert eff.loc[("cut", "supplies_scale"), "change"] == pytest.approx(0.0)
    binding = binding_factors(factor_effects(df)).set_index("direction")
    assert binding.loc["cut", "binding"] in ("teams_scale", "equipment_scale")
    means = cell_means(df)
    base = means[
        (means.teams_scale == 1) & (means.equipment_scale == 1) & (means.supplies_scale == 1)
    ]
    # mean of 60 + (0, 3, −1.5) = 60.5; CI = t(0.975, 2)·sd/√3, sd of (0, 3, −1.5) = 2.291
    assert base["mean"].iloc[0] == pytest.approx(60.5)
    assert base["ci95"].iloc[0] == pytest.approx(4.302653 * 2.2912878 / np.sqrt(3), rel=1e-5)


def test_extra_personnel_buy_nothing_while_equipment_is_short():
    from sim.studies.analysis.tradeoff import conditional_effects, paired_changes

    df = _leontief_table()
    cond = conditional_effects(df)
    teams = cond[(cond.factor == "teams_scale") & (cond.direction == "raise")]
    teams = teams.set_index("others")["change"]
    # min(2, 0.5) = min(1, 0.5): 0; min(2, 2) vs min(1, 2): 60/2 − 60/1 = −30 min.
    assert teams["equipment_scale=0.5, supplies_scale=1"] == pytest.approx(0.0)
    assert teams["equipment_scale=2, supplies_scale=1"] == pytest.approx(-30.0)
    ch = paired_changes(df).set_index(["teams_scale", "equipment_scale", "supplies_scale"])
    assert ch.loc[(1.0, 1.0, 1.0), "change"] == 0.0 and ch.loc[(1.0, 1.0, 1.0), "ci95"] == 0.0
    assert ch.loc[(0.5, 2.0, 0.5), "change"] == pytest.approx(60.0)  # 60/0.5 − 60/1


def test_shipped_specs_are_valid_and_expand():
    for name, n_runs in (("smoke.yaml", 20), ("logistics-tradeoff.yaml", None)):
        spec = load_spec(REPO / "experiments" / name)
        runs = expand(spec)
        assert check_runs(spec, runs, name) == []
        if n_runs is not None:
            assert len(runs) == n_runs
    json.dumps([r.overrides for r in runs])
