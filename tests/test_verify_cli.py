"""The `citysafe verify` command line: line format, exit codes."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from sim.interfaces.cli.main import app

runner = CliRunner()
LINE = re.compile(r"^[\w\-\[\]=.,]+: .+ simulated \S+ vs theory \S+ \(tolerance \S+\) (PASS|FAIL)$")


def _verdict_lines(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.endswith(("PASS", "FAIL"))]


def test_erlang_c_passes_for_the_issue_example():
    # C = 5, λ = 4/h, μ = 1/h: P(wait) = Wq = 0.5541 (h) by Erlang C.
    res = runner.invoke(
        app,
        [
            "verify",
            "erlang-c",
            "--servers",
            "5",
            "--arrival-rate",
            "4",
            "--service-rate",
            "1",
            "--customers",
            "8000",
            "--seed",
            "3",
        ],
    )
    lines = _verdict_lines(res.output)
    assert res.exit_code == 0, res.output
    assert len(lines) == 2 and all(LINE.match(ln) for ln in lines), lines
    assert "theory 0.5541" in lines[0] and "theory 0.5541" in lines[1]


def test_erlang_c_rejects_an_unstable_queue():
    res = runner.invoke(app, ["verify", "erlang-c", "-c", "2", "-l", "3", "-m", "1"])
    assert res.exit_code == 2


def test_fragility_check_covers_every_curve():
    from sim.damage.fragility import FRAGILITY_LIBRARY

    res = runner.invoke(app, ["verify", "fragility", "--samples", "4000"])
    lines = _verdict_lines(res.output)
    assert res.exit_code == 0, res.output[-2000:]
    assert len(lines) == 5 * len(FRAGILITY_LIBRARY)
    assert all(LINE.match(ln) for ln in lines)


def test_sir_final_size_rejects_subcritical_r0():
    res = runner.invoke(app, ["verify", "sir-final-size", "--r0", "0.8"])
    assert res.exit_code == 2
