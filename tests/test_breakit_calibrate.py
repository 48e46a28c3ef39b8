"""Break-it findings on ``citysafe calibrate`` (issue 16): a calibration that cannot work is
refused before anything is made (no folder, no database, no pyabc), one line per problem
(``FILE: field.path: expected``), exit 2; a simulation that fails all the same stops the
calibration at once with its message on screen, and leaves nothing that looks finished."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

import pytest
import yaml
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.studies.calibration.outputs import observed_interval
from sim.studies.calibration.spec import CalibrationSpecError, parse_calibration_spec, read_targets

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
cli = CliRunner()

TARGETS = {
    "ex": {
        "targets": {
            "people_relocated": {"value": 9000, "low": 8000, "high": 10000},
            "trees_down": {"value": 1400},
            "deaths": {"value": 0},
        }
    }
}
SPEC = {
    "name": "bk-cal",
    "scenario": str(EXAMPLE),
    "targets_file": "targets.yaml",
    "targets_case": "ex",
    "parameters": {"logistics.teams_scale": {"prior": "uniform", "low": 0.5, "high": 2.0}},
    "targets": {"people_relocated": {}, "trees_down": {"log": True, "relative_scale": 0.5}},
    "population_size": 2,
    "max_generations": 1,
    "ppc_draws": 1,
    "seed": 1,
}


def _spec(tmp_path: Path, observed: dict | None = None, **changes) -> Path:
    """A spec file (SPEC with ``changes``; a value None drops the field) and its targets
    file (``observed``, default TARGETS)."""
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(observed or TARGETS))
    data = {**SPEC, **changes}
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}))
    return path


def _refused(tmp_path: Path, spec: Path, monkeypatch) -> list[str]:
    """``calibrate SPEC``: exit 2, no traceback, nothing made, pyabc never reached; the lines."""
    import sim.interfaces.cli.calibrate as cal

    def never(*_args, **_kw):
        raise AssertionError("the calibration started")

    monkeypatch.setattr(cal, "_take_out", never)
    out = tmp_path / "out"
    res = cli.invoke(app, ["calibrate", str(spec), "--out", str(out), "-w", "1", "-q"])
    assert res.exit_code == 2 and "Traceback" not in res.output, (res.output, res.exception)
    assert not out.exists()
    return [" ".join(line.split()) for line in res.output.splitlines() if line.strip()]


def _one(tmp_path, spec, monkeypatch) -> str:
    lines = _refused(tmp_path, spec, monkeypatch)
    assert len(lines) == 1, lines
    return lines[0]


# ------------------------------------------------------------ parameters: paths and priors


def test_a_misspelt_parameter_path_is_refused_before_anything_is_made(tmp_path, monkeypatch):
    """It ran the whole ABC, every simulation failed, exit 1, the reason only in
    failures.jsonl, abc.db and runs/ left behind."""
    prior = {"prior": "uniform", "low": 0.5, "high": 2.0}
    spec = _spec(tmp_path, parameters={"logistcs.teams_scale": prior})
    msg = _one(tmp_path, spec, monkeypatch)
    assert msg.startswith(f"{spec}: parameters.logistcs.teams_scale: no such field in the scenario")
    assert "did you mean 'logistics'?" in msg
    spec = _spec(tmp_path, parameters={"time.duration_h.x": prior})  # a value, not a section
    msg = _one(tmp_path, spec, monkeypatch)
    assert "time.duration_h: holds 36, not a mapping of fields" in msg  # says what is there


@pytest.mark.parametrize(
    ("prior", "expected"),
    [
        (  # wholly outside: a field that must be >= 0
            {"prior": "uniform", "low": -5, "high": -1},
            "the uniform [-5, -1] prior reaches outside what the field accepts: at its middle "
            "-3: Input should be greater than or equal to 0",
        ),
        (  # one end outside
            {"prior": "uniform", "low": -1, "high": 2},
            "at its low -1: Input should be greater than or equal to 0",
        ),
        (  # a lognormal prior's upper tail beyond the field's bound (<= 20)
            {"prior": "lognormal", "median": 5.0, "sigma": 1.0},
            "the lognormal (median 5, sigma 1) prior reaches outside what the field accepts: "
            f"at its 99.9999 % quantile {5 * math.exp(NormalDist().inv_cdf(1 - 1e-6)):g}: "
            "Input should be less than or equal to 20",
        ),
    ],
)
def test_a_prior_reaching_outside_the_fields_bounds_is_refused(
    tmp_path, monkeypatch, prior, expected
):
    spec = _spec(tmp_path, parameters={"logistics.teams_scale": prior})
    msg = _one(tmp_path, spec, monkeypatch)
    assert msg.startswith(f"{spec}: parameters.logistics.teams_scale: ") and expected in msg


def test_a_prior_on_a_field_that_is_not_a_real_number_is_refused(tmp_path, monkeypatch):
    prior = {"prior": "uniform", "low": 2.0, "high": 5.0}
    path = "warnings.downgrade_after_issues"  # int, 1..8
    msg = _one(tmp_path, _spec(tmp_path, parameters={path: prior}), monkeypatch)
    assert f"parameters.{path}: a whole-number field" in msg
    msg = _one(tmp_path, _spec(tmp_path, parameters={"name": prior}), monkeypatch)
    assert "parameters.name: not a number field" in msg and "valid string" in msg


def test_every_problem_is_one_line_naming_its_field(tmp_path, monkeypatch):
    targets = {"ex": {"targets": {**TARGETS["ex"]["targets"], "accidents": {"value": 3}}}}
    spec = _spec(
        tmp_path,
        targets,
        parameters={
            "logistics.teams_scale": {"prior": "uniform", "low": 0.5, "high": 2.0},
            "nonexist.key": {"prior": "uniform", "low": 0, "high": 1},
            "losses.scale": {"prior": "uniform", "low": -1, "high": 2},
        },
        # accidents: a long run's outcome
        targets={"people_relocated": {}, "accidents": {"relative_scale": 0.5}},
    )
    lines = _refused(tmp_path, spec, monkeypatch)
    assert [line.split(": ")[1] for line in lines] == [  # in the file's order
        "targets.accidents",
        "parameters.losses.scale",
        "parameters.nonexist.key",
    ]
    assert "not an outcome of emergency scenarios" in lines[0]


# ------------------------------------------------------------ priors and numbers of the spec


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        (  # said "uniform prior needs low < high"; found as "no low/high spread"
            {"parameters": {"a.b": {"prior": "uniform", "low": 5, "high": 2}}},
            "parameters.a.b",
            "low 5 is above high 2: a uniform prior needs low < high",
        ),
        (
            {"parameters": {"a.b": {"prior": "uniform", "low": 2, "high": 2}}},
            "parameters.a.b",
            "low and high are both 2",
        ),
        (  # was silently ignored
            {"parameters": {"a.b": {"prior": "uniform", "low": 1, "high": 2, "sigma": 1}}},
            "parameters.a.b",
            "median and sigma belong to a lognormal prior",
        ),
        (
            {"parameters": {"a.b": {"prior": "lognormal", "median": 1, "sigma": 1, "low": 0}}},
            "parameters.a.b",
            "low and high belong to a uniform prior",
        ),
        (
            {"parameters": {"a.b": {"prior": "uniform", "low": 0, "high": math.inf}}},
            "parameters.a.b.high",
            "finite number",
        ),
        ({"min_epsilon": math.nan}, "min_epsilon", "finite number"),
        ({"seed": 2**32}, "seed", "less than or equal to 4294967295"),
        (
            {"parameters": {"seed": {"prior": "uniform", "low": 0, "high": 9}}},
            "parameters.seed",
            "set by each simulation",
        ),
        ({"targets": {"trees_dwn": {}}}, "targets.trees_dwn", "did you mean 'trees_down'?"),
        ({"targets": {"wall_time_s": {}}}, "targets.wall_time_s", "not an outcome of the city"),
        ({"populaton_size": 4}, "populaton_size", "did you mean 'population_size'?"),
    ],
)
def test_the_specs_own_fields_are_refused_by_field(tmp_path, changes, field, expected):
    data = {**SPEC, **changes}
    with pytest.raises(CalibrationSpecError) as err:
        parse_calibration_spec(data, "cal.yaml", tmp_path)
    assert any(p.field == field and expected in p.message for p in err.value.problems), [
        str(p) for p in err.value.problems
    ]


def test_a_seed_numpy_cannot_take_was_a_traceback(tmp_path, monkeypatch):
    msg = _one(tmp_path, _spec(tmp_path, seed=2**40), monkeypatch)
    assert f"{tmp_path / 'cal.yaml'}: seed: Input should be less than or equal to" in msg


# ------------------------------------------------------------ targets


def test_a_log_target_of_value_0_without_a_spread_is_refused(tmp_path, monkeypatch):
    """It was accepted: the observed range became [-0.33, 0.5] and the posterior predictive
    check compared 1,500 fallen trees with it."""
    targets = {"ex": {"targets": {**TARGETS["ex"]["targets"], "trees_down": {"value": 0}}}}
    msg = _one(tmp_path, _spec(tmp_path, targets), monkeypatch)
    assert msg.startswith(f"{tmp_path / 'cal.yaml'}: targets.trees_down.log: the observed ")
    assert "trees_down is 0" in msg and "ex.targets.trees_down.value" in msg


def test_a_targets_low_above_its_high_is_named(tmp_path, monkeypatch):
    """It said the target "reports no low/high spread"."""
    rec = {"value": 9000, "low": 10000, "high": 8000}
    targets = {"ex": {"targets": {**TARGETS["ex"]["targets"], "people_relocated": rec}}}
    msg = _one(tmp_path, _spec(tmp_path, targets), monkeypatch)
    assert msg == (
        f"{tmp_path / 'targets.yaml'}: ex.targets.people_relocated.low: low 10000 is above "
        "high 8000: a reported spread needs low <= high"
    )


@pytest.mark.parametrize(
    ("rec", "expected"),
    [
        ({"low": 1}, "ex.targets.trees_down.value: required"),
        ({"value": "many"}, "ex.targets.trees_down.value: expected a finite number, got 'many'"),
        ({"value": 5, "low": 1}, "ex.targets.trees_down.high: missing: low is given"),
        ({"value": -5, "low": -9, "high": 1}, "ex.targets.trees_down.low: -9 is negative"),
        ([1, 2], "ex.targets.trees_down: expected a mapping"),
    ],
)
def test_a_damaged_target_record_is_one_problem_not_a_traceback(tmp_path, rec, expected):
    targets = {"ex": {"targets": {**TARGETS["ex"]["targets"], "trees_down": rec}}}
    spec = parse_calibration_spec(
        yaml.safe_load(_spec(tmp_path, targets).read_text()), "s", tmp_path
    )
    _, problems = read_targets(spec)
    assert len(problems) == 1 and str(problems[0]).startswith(
        f"{tmp_path / 'targets.yaml'}: {expected}"
    ), [str(p) for p in problems]


def test_observed_ranges_are_never_negative(tmp_path):
    """A log target's relative_scale is a factor either way of the value (never below 0), and
    a linear target of value 0 is cut at 0."""
    targets = {
        "ex": {"targets": {"trees_down": {"value": 0.2}, "deaths": {"value": 0}}},
    }
    data = {
        **SPEC,
        "targets": {
            "trees_down": {"log": True, "relative_scale": 0.5},
            "deaths": {"relative_scale": 1},
        },
    }
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(targets))
    found, problems = read_targets(parse_calibration_spec(data, "s", tmp_path))
    assert problems == []
    trees, deaths = found
    assert observed_interval(trees) == (pytest.approx(0.2 / 1.5), pytest.approx(0.3))
    assert observed_interval(deaths) == (0.0, 1.0)


def test_a_value_outside_its_reported_spread_is_warned_of(tmp_path):
    from sim.core.errors import InputDataWarning

    rec = {"value": 20000, "low": 8000, "high": 10000}
    targets = {"ex": {"targets": {**TARGETS["ex"]["targets"], "people_relocated": rec}}}
    spec = parse_calibration_spec(
        yaml.safe_load(_spec(tmp_path, targets).read_text()), "s", tmp_path
    )
    with pytest.warns(InputDataWarning, match="value 20000 lies outside its reported spread"):
        read_targets(spec)


# ------------------------------------------------------------ the scenario and its data


def test_the_scenario_is_checked_with_the_specs_overrides(tmp_path, monkeypatch):
    lines = _refused(tmp_path, _spec(tmp_path, overrides=["time.duration_h=-1"]), monkeypatch)
    assert lines[0].startswith(f"{EXAMPLE}: time.duration_h: Input should be greater than 0")
    assert lines[1].startswith(f"{tmp_path / 'cal.yaml'}: overrides: the scenario was checked")


def test_the_scenarios_data_files_are_read_as_the_run_reads_them(tmp_path, monkeypatch):
    track = tmp_path / "track.csv"
    track.write_text("time_utc,lat,lon\n2030-08-01T00:00:00Z,17,122\n")
    spec = _spec(tmp_path, overrides=[f"hazard.typhoon.track_file={track}"])
    lines = _refused(tmp_path, spec, monkeypatch)
    assert lines[0].startswith(f"{EXAMPLE}: hazard.typhoon.track_file: unusable track")


def test_the_data_are_checked_at_the_ends_of_the_priors(tmp_path, monkeypatch):
    """The file's 36-hour window from 31 July meets the track (from 1 August); a 12-hour one
    does not (no override of the calibrated duration: refused, tests/test_breakit_twice.py)."""
    spec = _spec(
        tmp_path,
        overrides=["time.start_utc=2030-07-31T00:00:00Z"],
        parameters={"time.duration_h": {"prior": "uniform", "low": 12, "high": 96}},
    )
    lines = _refused(tmp_path, spec, monkeypatch)  # and a warning: the track starts late
    (msg,) = [line for line in lines if not line.startswith("warning: ")]
    assert msg.startswith(
        f"{tmp_path / 'cal.yaml'}: parameters: with every parameter at the low end of its "
        f"prior (time.duration_h = 12): {EXAMPLE}: hazard.typhoon: the track"
    )
    assert "does not overlap the simulated window" in msg


# ------------------------------------------------------------ simulations that fail all the same


def _fake_rows(fail_from: int, error: Exception):
    """A stand-in for one simulation (no model): a row of made-up outcomes, then ``error``
    from the ``fail_from``-th call on; returns it and the list of calls."""
    calls = []

    def run_one(spec, run, run_dir=None):
        calls.append(run.run_id)
        if len(calls) >= fail_from:
            raise error
        row = {"run_id": run.run_id, "scenario": run.scenario, "point": run.point}
        row |= {"replication": run.replication, "seed": run.seed, "scenario_hash": "x"}
        return row | dict(run.params) | {"people_relocated": 9000.0, "trees_down": 1400.0}

    return run_one, calls


def test_a_simulation_that_refuses_its_input_stops_the_calibration_at_once(tmp_path, monkeypatch):
    """What the checks cannot see (here: the checks switched off) fails on the first
    simulation, with the scenario's message on screen, exit 2, and no folder left."""
    pytest.importorskip("pyabc")
    import sim.interfaces.cli.calibrate as cal
    import sim.studies.calibration.runs as runs

    prior = {"prior": "uniform", "low": 0.5, "high": 2.0}
    spec = _spec(tmp_path, parameters={"logistcs.teams_scale": prior})
    monkeypatch.setattr(cal, "_checked", lambda spec, path: read_targets(spec)[0])
    real, calls = runs.run_one, []
    monkeypatch.setattr(runs, "run_one", lambda *a: calls.append(1) or real(*a))
    out = tmp_path / "out"
    res = cli.invoke(app, ["calibrate", str(spec), "--out", str(out), "-w", "1", "-q"])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert len(calls) == 1  # not retried, not the rest of the batch
    assert "simulation particle-0000 of batch g00-b000 refused its input" in res.output
    assert f"{EXAMPLE}: logistcs: unknown field" in res.output
    assert not out.exists()


def test_a_failed_simulation_stops_the_calibration_with_its_error_and_no_result(
    tmp_path, monkeypatch
):
    """A simulation that fails every attempt (here: in the posterior predictive check) stops
    the calibration at once (exit 1, its error on screen), and the folder holds no posterior
    nor calibrated.yaml: only what --resume needs."""
    pytest.importorskip("pyabc")
    import sim.studies.calibration.runs as runs

    spec = _spec(tmp_path)
    fake, calls = _fake_rows(fail_from=5, error=RuntimeError("the model broke"))
    monkeypatch.setattr(runs, "run_one", fake)  # generation 0: a batch of 4, then the ppc
    out = tmp_path / "out"
    res = cli.invoke(app, ["calibrate", str(spec), "--out", str(out), "-w", "1", "-q"])
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert "RuntimeError: the model broke" in res.output
    assert "simulation particle-0000 of batch ppc failed every attempt" in res.output
    assert len(calls) == 4 + 3  # the ppc's first run, 3 attempts; no second
    left = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert left == ["abc.db", "runs"]


def _refusing_run(spec, run, run_dir=None):
    """A run whose input cannot be used (module level: a pool worker imports it by name)."""
    from sim.core.errors import InputDataError

    raise InputDataError(f"track.csv: line 2: not a number (run {run.run_id})")


def test_a_sweep_asked_to_stop_stops_at_the_first_run_that_refuses_its_input(tmp_path):
    """The executor's part: an error ``stop_on_failure`` lists is not retried, and the sweep
    ends there, the run's error being the cause. (A pool stops the same way, as on
    Ctrl-C: its start-up alone takes seconds, so it is not tested here.)"""
    workers = 1
    from sim.core.errors import InputDataError
    from sim.studies.sweep.design import expand
    from sim.studies.sweep.executor import RunFailedError, run_sweep
    from sim.studies.sweep.spec import parse_spec
    from sim.studies.sweep.store import read_jsonl

    data = {
        "name": "stop",
        "scenarios": [{"path": str(EXAMPLE), "label": "ex"}],
        "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 1, 2, 3]}},
        "max_attempts": 3,
    }
    spec = parse_spec(data, "s", tmp_path)
    with pytest.raises(RunFailedError) as err:
        run_sweep(
            spec,
            expand(spec),
            tmp_path / "o",
            workers=workers,
            run_fn=_refusing_run,
            stop_on_failure=(InputDataError,),
        )
    assert isinstance(err.value.__cause__, InputDataError)
    assert "track.csv: line 2: not a number" in err.value.error
    failures = read_jsonl(tmp_path / "o" / "failures.jsonl")
    assert 1 <= len(failures) <= workers and {f["attempt"] for f in failures} == {1}
