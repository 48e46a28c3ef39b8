"""An interrupted ensemble says how many replications it kept (sim.studies.sweep.exits)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from sim.studies.sweep.exits import _count, sweep_exits

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "example-city" / "typhoon.yaml"


def test_the_interrupt_counts_the_finished_replications(tmp_path, capsys):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    out = tmp_path / "ens"
    args = ["run", str(EXAMPLE), "--replications", "2", "-q", "-p", "time.duration_h=6"]
    assert CliRunner().invoke(app, [*args, "--out", str(out)]).exit_code == 0
    assert _count(out / "replications") == "2 finished runs are"
    assert _count(tmp_path / "none") == "finished runs are" and not (tmp_path / "none").exists()
    with pytest.raises(typer.Exit) as stop, sweep_exits(out, "rerun", out / "replications"):
        raise KeyboardInterrupt
    assert stop.value.exit_code == 130
    assert f"interrupted: 2 finished runs are saved in {out}; rerun" in capsys.readouterr().err
