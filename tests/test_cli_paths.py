"""Paths the CLI prints come out whole: no newline inside a long one when the output is piped
(an 80-column CliRunner stands for a pipe), and no ``[...]`` in a folder name read as rich
markup (``v[draft]`` printed as ``v``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]


def test_validate_prints_a_long_bracketed_path_whole(tmp_path):
    base = tmp_path / ("a-folder-name-long-enough-to-pass-eighty-columns-" * 2 + "v[draft]")
    shutil.copytree(ROOT / "scenarios" / "example-city", base / "scenarios" / "example-city")
    shutil.copytree(
        ROOT / "scenarios" / "data" / "example-city", base / "scenarios" / "data" / "example-city"
    )
    scenario = base / "scenarios" / "example-city" / "typhoon.yaml"
    assert len(str(scenario)) > 120
    res = CliRunner().invoke(app, ["validate", str(scenario)])
    assert res.exit_code == 0, res.output
    assert res.output == f"{scenario}: OK\n"
