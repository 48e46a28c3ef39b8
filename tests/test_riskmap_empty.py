"""A risk map in which no risk occurs is written whole: not-observed cells graded, no traceback
(before: ``grade_cells`` indexed the row labels with floats when the table held no hits)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sim.interfaces.cli.main import app

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "example-city" / "typhoon.yaml"


def test_a_riskmap_where_nothing_happens_grades_every_cell_not_observed(tmp_path):
    out = tmp_path / "rm"
    args = ["riskmap", str(EXAMPLE), "-n", "3", "-p", "time.duration_h=6", "--out", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    inv = pd.read_csv(out / "risk_inventory.csv")
    assert (inv["grade"] == "not_observed").any()
    assert (out / "risk_matrix.png").is_file() and (out / "riskmap.png").is_file()
