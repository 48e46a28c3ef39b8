"""Break-it findings (issue 16): a value given in two places where one would silently lose is
refused, naming both places and asking for one: ``--seed``/``--resolution`` with a ``-p`` of
the same field, one path twice in ``-p``, a sweep spec's ``fixed`` path also varied in its
space, a calibration override of a calibrated parameter, a path twice in a long run's shock
``overrides``; and a sweep grid level given twice (the same points run again)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.scenario.longrun import ShockConfig
from sim.scenario.override_paths import overlapping, set_twice
from sim.scenario.paths import command_overrides
from sim.studies.sweep.spec import SpecError, parse_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
cli = CliRunner()


def _one_line(args: list[str]) -> str:
    """``citysafe ARGS``: exit 2, no traceback, one line; that line."""
    res = cli.invoke(app, args)
    assert res.exit_code == 2 and "Traceback" not in res.output, (res.output, res.exception)
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


# ------------------------------------------------------------ the command line


def test_run_seed_and_p_seed_refused():
    line = _one_line(["run", str(EXAMPLE), "--seed", "5", "-p", "seed=7"])
    assert line == "--seed 5 and -p seed=7 both set seed: give one"


def test_same_path_twice_in_p_refused():
    line = _one_line(["validate", str(EXAMPLE), "-p", "seed=1", "-p", "seed=2"])
    assert line == "-p seed=1 and -p seed=2 both set seed: give one"


def test_p_path_inside_another_p_path_refused():
    line = _one_line(
        [
            "validate",
            str(EXAMPLE),
            "-p",
            "networks={resolution: 0.5}",
            "-p",
            "networks.resolution=1",
        ]
    )
    assert "both set networks.resolution: give one" in line


@pytest.mark.parametrize("command", ["riskmap", "criticality"])
def test_resolution_option_and_p_refused(command, tmp_path):
    out = tmp_path / "out"
    line = _one_line(
        [command, str(EXAMPLE), "--resolution", "0.5", "-p", "networks.resolution=0.2"]
        + ["--out", str(out)]
    )
    assert (
        line
        == "--resolution 0.5 and -p networks.resolution=0.2 both set networks.resolution: give one"
    )
    assert not out.exists()


def test_command_overrides_keeps_order_and_adds_given_options():
    got = command_overrides(["a.b=1"], {"seed": ("--seed", 5), "x.y": ("--y", None)})
    assert got == ["a.b=1", "seed=5"]


def test_overlapping_is_path_wise():
    assert overlapping("a.b", "a.b") and overlapping("a", "a.b") and overlapping("a.b.c", "a.b")
    assert not overlapping("a.b", "a.bc")
    assert set_twice(["a=1", "b=2", "a.c=3", "b=4"]) == [(0, 2), (1, 3)]


# ------------------------------------------------------------ sweep specs

SWEEP = {
    "name": "tw",
    "scenarios": [{"path": str(EXAMPLE), "label": "ex"}],
    "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 1.0]}},
}


def _spec_problems(tmp_path: Path, **changes) -> list[str]:
    with pytest.raises(SpecError) as exc:
        parse_spec({**SWEEP, **changes}, str(tmp_path / "s.yaml"), tmp_path)
    return [str(p) for p in exc.value.problems]


def test_sweep_fixed_path_also_in_space_refused(tmp_path):
    problems = _spec_problems(tmp_path, fixed={"logistics.teams_scale": 3})
    assert problems == [
        f"{tmp_path / 's.yaml'}: fixed.logistics.teams_scale: also varied in "
        "space.parameters.logistics.teams_scale: give it in one place"
    ]


def test_sweep_scenario_fixed_block_over_space_path_refused(tmp_path):
    scen = [{"path": str(EXAMPLE), "label": "ex", "fixed": {"logistics": {"teams_scale": 2}}}]
    problems = _spec_problems(tmp_path, scenarios=scen)
    assert len(problems) == 1 and "scenarios[0].fixed.logistics: also varied in" in problems[0]


def test_sweep_fixed_path_inside_another_refused(tmp_path):
    fixed = {"networks": {"resolution": 0.5}, "networks.resolution": 1.0}
    problems = _spec_problems(tmp_path, fixed=fixed)
    assert problems == [
        f"{tmp_path / 's.yaml'}: fixed.networks.resolution: also set by fixed.networks: give one"
    ]


def test_sweep_repeated_level_refused(tmp_path):
    space = {"kind": "grid", "parameters": {"logistics.teams_scale": [1.0, 2.0, 1.0]}}
    problems = _spec_problems(tmp_path, space=space)
    assert len(problems) == 1
    assert "space.parameters.logistics.teams_scale.levels: level 1.0 repeated" in problems[0]


def test_sweep_distinct_fixed_and_space_accepted(tmp_path):
    spec = parse_spec({**SWEEP, "fixed": {"time.duration_h": 6}}, "s.yaml", tmp_path)
    assert spec.fixed == {"time.duration_h": 6}


# ------------------------------------------------------------ calibration specs

TARGETS = {"ex": {"targets": {"people_relocated": {"value": 9000, "low": 8000, "high": 10000}}}}
CAL = {
    "name": "tw-cal",
    "scenario": str(EXAMPLE),
    "targets_file": "targets.yaml",
    "targets_case": "ex",
    "parameters": {"logistics.teams_scale": {"prior": "uniform", "low": 0.5, "high": 2.0}},
    "targets": {"people_relocated": {}},
    "population_size": 2,
    "max_generations": 1,
    "ppc_draws": 1,
}


def _cal_lines(tmp_path: Path, monkeypatch, overrides: list[str]) -> list[str]:
    """``calibrate SPEC`` with ``overrides``: exit 2, nothing made, pyabc never reached."""
    import sim.interfaces.cli.calibrate as cal

    def never(*_args, **_kw):
        raise AssertionError("the calibration started")

    monkeypatch.setattr(cal, "_take_out", never)
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(TARGETS))
    spec = tmp_path / "cal.yaml"
    spec.write_text(yaml.safe_dump({**CAL, "overrides": overrides}))
    out = tmp_path / "out"
    res = cli.invoke(app, ["calibrate", str(spec), "--out", str(out), "-w", "1", "-q"])
    assert res.exit_code == 2 and "Traceback" not in res.output, (res.output, res.exception)
    assert not out.exists()
    return [" ".join(line.split()) for line in res.output.splitlines() if line.strip()]


def test_calibration_override_of_calibrated_parameter_refused(tmp_path, monkeypatch):
    lines = _cal_lines(tmp_path, monkeypatch, ["time.duration_h=6", "logistics.teams_scale=3"])
    assert lines == [
        f"{tmp_path / 'cal.yaml'}: overrides[1]: logistics.teams_scale=3: also calibrated in "
        "parameters.logistics.teams_scale: give it in one place"
    ]


def test_calibration_override_twice_and_seed_refused(tmp_path, monkeypatch):
    lines = _cal_lines(tmp_path, monkeypatch, ["seed=4", "time.duration_h=6", "time.duration_h=8"])
    assert len(lines) == 2, lines
    assert "overrides[2]: time.duration_h=8: also set by overrides[1] time.duration_h=6" in lines[0]
    assert "overrides[0]: seed=4: seed is set by each simulation" in lines[1]


# ------------------------------------------------------------ long runs' shocks


def test_shock_overrides_same_path_twice_refused():
    with pytest.raises(ValidationError, match="both set one path: give one"):
        ShockConfig.model_validate(
            {
                "name": "s",
                "at_utc": "2030-08-10T00:00:00Z",
                "scenario": str(EXAMPLE),
                "overrides": ["time.duration_h=6", "time.duration_h=8"],
            }
        )
