"""Run folders appear only when finished (issue 16 item 4): runs write into ``<out>.partial``
and are renamed into place; a finished folder is replaced only with ``--overwrite``; an
interrupted run leaves the previous folder as it was and nothing that looks complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.results.runner as runner_mod
from sim.interfaces.cli.main import app
from sim.results.staging import (
    MARKER_FILE,
    RunFolderError,
    publish,
    stage,
    staging_path,
    untouched,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
cli = CliRunner()


def _run(out: Path, *extra: str):
    return cli.invoke(app, ["run", str(EXAMPLE), "--out", str(out), "--no-figures", "-q", *extra])


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def test_a_finished_folder_is_replaced_only_with_overwrite(tmp_path):
    out = tmp_path / "run"
    res = _run(out)
    assert res.exit_code == 0, res.output
    summary = (out / "summary.json").read_text()
    assert (out / "scenario.resolved.yaml").is_file() and _leftovers(out) == []
    res = _run(out, "--seed", "7")
    assert res.exit_code == 2 and "holds a finished run; pass --overwrite" in res.output
    assert (out / "summary.json").read_text() == summary and _leftovers(out) == []
    res = _run(out, "--seed", "7", "--overwrite")
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text()) != json.loads(summary)
    assert "seed: 7" in (out / "scenario.resolved.yaml").read_text()
    assert _leftovers(out) == []  # no .partial, no .replaced-* folder


def test_an_interrupted_run_leaves_the_previous_folder_untouched(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert _run(out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = runner_mod.run_scenario

    def interrupted(scenario, out_dir, **kw):  # writes some files, then Ctrl-C
        (Path(out_dir) / "scenario.resolved.yaml").write_text("half")
        (Path(out_dir) / "incidents.parquet").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(runner_mod, "run_scenario", interrupted)
    res = _run(out, "--seed", "7", "--overwrite")
    assert res.exit_code == 130
    assert f"{out} was not changed; the unfinished run is in {staging_path(out)}" in " ".join(
        res.output.split()
    )
    assert "it does not resume: rerun to start it again" in " ".join(res.output.split())
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    partial = staging_path(out)
    assert partial.is_dir() and not (partial / "summary.json").exists()
    monkeypatch.setattr(runner_mod, "run_scenario", real)
    res = _run(out, "--seed", "7", "--overwrite")  # the rerun clears the stale partial files
    assert res.exit_code == 0 and _leftovers(out) == []
    assert (out / "incidents.parquet").read_bytes() != b"half"


def test_a_folder_of_other_files_or_a_file_is_never_replaced(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    res = _run(mine)
    assert res.exit_code == 2 and "not empty and not a run folder" in res.output
    assert (mine / "notes.txt").read_text() == "keep me" and len(list(mine.iterdir())) == 1
    afile = tmp_path / "afile"
    afile.write_text("x")
    res = _run(afile)
    assert res.exit_code == 2 and "exists and is not a folder" in res.output
    assert afile.read_text() == "x"


def test_staging_is_resumed_for_the_same_scenario_and_cleared_for_another(tmp_path):
    out = tmp_path / "run"
    partial = stage(out, "scenario A", overwrite=False)
    assert (partial / "scenario.resolved.yaml").read_text() == "scenario A"
    (partial / "shocks").mkdir()  # a finished shock window of a long run
    assert stage(out, "scenario A", overwrite=False) == partial
    assert (partial / "shocks").is_dir()  # resumed
    stage(out, "scenario B", overwrite=False)
    # another scenario: cleared, then its marker and resolved scenario written
    assert sorted(p.name for p in partial.iterdir()) == [MARKER_FILE, "scenario.resolved.yaml"]
    assert (partial / "scenario.resolved.yaml").read_text() == "scenario B"
    with pytest.raises(RunFolderError, match="did not finish"):
        publish(partial, out)
    assert not out.exists()


def test_messages_say_a_missing_folder_was_not_created(tmp_path):
    """An interrupted first run must not claim it left an existing folder alone."""
    out = tmp_path / "run"
    assert untouched(out) == f"{out} was not created"
    out.mkdir()
    assert untouched(out) == f"{out} was not changed"
