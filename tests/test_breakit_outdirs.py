"""Break-it findings on the commands that write an output folder besides ``run`` (issue 16)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
SHORT = ["-p", "time.duration_h=4"]  # 4 hours of the example city: well under a second
cli = CliRunner()


def _cli(*args):
    res = cli.invoke(app, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def test_a_quiet_window_gives_an_empty_risk_map_not_a_traceback(tmp_path):
    """Four hours without any damage: the console table of an empty inventory traced back
    (IndexError) after the files were written."""
    out = tmp_path / "map"
    res = _cli("riskmap", EXAMPLE, *SHORT, "-n", 1, "-q", "--out", out)
    assert res.exit_code == 0 and "no risk recorded in any district" in res.output, res.output
    assert (out / "risk_inventory.csv").read_text().count("\n") == 1  # the header only
