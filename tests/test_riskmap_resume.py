"""An interrupted ``citysafe riskmap`` resumes: its finished replications are kept in
``OUT.partial`` and reused by the same command, which runs only the missing ones and gives the
same tables as an uninterrupted run; another command refuses the partial folder or, with
``--overwrite``, replaces it (as ``run --replications`` does)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.studies.riskmap import figures, montecarlo
from sim.studies.riskmap.montecarlo import Replication, replication_seeds, run_replications
from sim.studies.riskmap.resume import (
    SAVED_DIR,
    load_replications,
    save_replication,
    saved_path,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
SHORT = ["-p", "time.duration_h=12"]
"""Twelve hours of the example typhoon: ~0.35 s a replication, a few hundred classified
events and a loss that differs between replications."""
TABLES = ("risk_inventory.csv", "risk_inventory.parquet", "grades.md")


@pytest.fixture
def ran(monkeypatch):
    """Record the replication indices run; no figures drawn (they are drawn from the
    inventory, compared byte for byte below) to keep the test fast."""
    run = []
    real = montecarlo.run_replication

    def counted(scenario, index, seed):
        run.append(index)
        return real(scenario, index, seed)

    monkeypatch.setattr(montecarlo, "run_replication", counted)
    for name in ("risk_map", "grade_matrix"):
        monkeypatch.setattr(figures, name, lambda inv, city, title, path: path.write_bytes(b""))
    return run


def _args(out: Path, n: int = 3, *extra: str) -> list[str]:
    return ["riskmap", str(EXAMPLE), "-n", str(n), "-q", "--out", str(out), *SHORT, *extra]


def _interrupt_after(monkeypatch, finished: int) -> None:
    """Ctrl-C when replication ``finished`` (0-based) starts: ``finished`` are done."""
    real = montecarlo.run_replication

    def cut(scenario, index, seed):
        if index >= finished:
            raise KeyboardInterrupt
        return real(scenario, index, seed)

    monkeypatch.setattr(montecarlo, "run_replication", cut)


def _partial(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def test_an_interrupted_riskmap_resumes_and_equals_an_uninterrupted_one(tmp_path, monkeypatch, ran):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert CliRunner().invoke(app, _args(whole)).exit_code == 0
    assert ran == [0, 1, 2]
    ran.clear()

    with monkeypatch.context() as m:
        _interrupt_after(m, 2)
        first = CliRunner().invoke(app, _args(cut))
    assert first.exit_code == 130, first.output
    partial = _partial(cut)
    # the message names the partial folder, what it holds and how to go on
    assert f"2 of 3 replications finished and are saved in {partial}" in first.output
    assert "rerun the same command to resume it" in first.output
    assert f"({cut} was not created)" in first.output
    assert not cut.exists()
    assert sorted(p.name for p in (partial / SAVED_DIR).iterdir()) == [
        "replication-0000.parquet",
        "replication-0001.parquet",
    ]

    again = CliRunner().invoke(app, _args(cut))
    assert again.exit_code == 0, again.output
    assert ran == [0, 1, 2]  # 0 and 1 before Ctrl-C, then only the missing one, 2
    assert "resumed: 2 of 3 replications done" in again.output
    assert "running the other 1" in again.output
    assert not partial.exists() and not (cut / SAVED_DIR).exists()
    for name in TABLES:
        assert (cut / name).read_bytes() == (whole / name).read_bytes(), name
    reps = [pd.read_csv(d / "replications.csv").drop(columns="wall_time_s") for d in (whole, cut)]
    pd.testing.assert_frame_equal(reps[0], reps[1], check_exact=True)
    assert reps[1]["seed"].tolist() == replication_seeds(2030, 3)
    assert reps[1]["loss_yuan"].nunique() > 1  # the replications differ: order would matter


def test_another_command_refuses_the_partial_folder_or_replaces_it_with_overwrite(
    tmp_path, monkeypatch, ran
):
    out = tmp_path / "o"
    with monkeypatch.context() as m:
        _interrupt_after(m, 1)
        assert CliRunner().invoke(app, _args(out)).exit_code == 130
    partial = _partial(out)
    saved = saved_path(partial / SAVED_DIR, 0)
    assert saved.is_file()
    before = saved.read_bytes()

    for args in (_args(out, 4), _args(out, 3, "--resolution", "1.0")):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2, res.output
        assert f"{partial}: holds the unfinished work of another scenario or settings" in (
            " ".join(res.output.split())  # the message may be wrapped
        )
        assert saved.read_bytes() == before  # refused, nothing lost

    ran.clear()
    res = CliRunner().invoke(app, _args(out, 2, "--overwrite"))
    assert res.exit_code == 0, res.output
    assert ran == [0, 1]  # another N: the partial folder was replaced, nothing reused
    assert "resumed" not in res.output
    assert len(pd.read_csv(out / "replications.csv")) == 2


def _rep(index: int, seed: int, loss: float) -> Replication:
    """A hand-made replication: two harm records, totals that are not round in binary."""
    records = pd.DataFrame(
        {
            "trial": [index, index],
            "district": [1, 3],
            "hazard": ["typhoon", "typhoon"],
            "category": ["wind", "waterlogging"],
            "log_events": [2, 5],
            "deaths": [0.1, 0.0],
            "injuries": [1.0 / 3.0, 2.0],
            "loss_yuan": [loss, 0.7],
        }
    )
    return Replication(index, seed, records, 0.1, 7.0 / 3.0, loss + 0.7, 7, 0.123)


def test_a_saved_replication_reads_back_exactly_and_only_for_its_plan(tmp_path):
    folder = tmp_path / SAVED_DIR
    seeds = [11, 22, 33]
    for i in (0, 1, 2):
        save_replication(folder, _rep(i, seeds[i], 1e6 / 3.0 + i), key="this")
    got = load_replications(folder, seeds, "this")
    assert sorted(got) == [0, 1, 2]
    for i in (0, 1, 2):
        want = _rep(i, seeds[i], 1e6 / 3.0 + i)
        pd.testing.assert_frame_equal(got[i].records, want.records, check_exact=True)
        assert (got[i].seed, got[i].loss_yuan, got[i].injuries, got[i].wall_time_s) == (
            want.seed,
            want.loss_yuan,
            want.injuries,
            want.wall_time_s,
        )
    assert load_replications(folder, seeds, "another scenario") == {}
    assert sorted(load_replications(folder, [11, 99, 33], "this")) == [0, 2]  # seed differs
    assert sorted(load_replications(folder, seeds[:2], "this")) == [0, 1]  # N = 2
    saved_path(folder, 1).write_bytes(saved_path(folder, 1).read_bytes()[:100])  # torn file
    assert sorted(load_replications(folder, seeds, "this")) == [0, 2]
    assert load_replications(tmp_path / "absent", seeds, "this") == {}


def test_run_replications_runs_only_those_not_done(monkeypatch):
    ran = []

    def fake(scenario, index, seed):
        ran.append(index)
        return _rep(index, seed, float(index))

    monkeypatch.setattr(montecarlo, "run_replication", fake)

    class Scenario:
        seed = 5

    seeds = replication_seeds(5, 4)
    kept = {1: _rep(1, seeds[1], 1.0), 3: _rep(3, seeds[3], 3.0)}
    shown = []
    reps = run_replications(Scenario(), 4, progress=shown.append, done=kept)
    assert ran == [0, 2]
    assert [r.index for r in shown] == [0, 2]  # progress only for what ran now
    assert [r.index for r in reps] == [0, 1, 2, 3]
    assert reps[1] is kept[1] and reps[3] is kept[3]
    assert [r.seed for r in reps] == seeds
