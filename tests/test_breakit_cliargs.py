"""Break-it findings on command-line numbers (issue 16): every numeric option of every command
is checked as it is parsed, against the bound its reason sets (an overridden schema field's own
constraints, a memory or time budget, a physical range), and refused with one line naming the
option, the value and what is accepted, exit 2, before any scenario is read, any folder made or
any work started. Found: ``criticality --resolution nan`` traced back, ``0`` and ``-1`` were
accepted, ``1000`` ran away, ``--seeds 10^9`` ran forever, a refused option left
``OUT.partial`` behind; ``verify`` options traced back (negative seeds, ``--customers 0``,
``--samples 0``, ``--r0 1e300``) or hung (``--nodes 10^12``), ``app --port 70000`` traced back,
``morris_levels`` and ``--reach-km`` had no bound."""

from __future__ import annotations

import inspect
import math
import typing
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel, Field, ValidationError
from typer.testing import CliRunner

from sim.core.cli_input import Bound, schema_bound
from sim.interfaces.cli.main import COMMANDS, app
from sim.scenario.schema import NetworksConfig, Scenario, ScenarioBase

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
SPEC = ROOT / "experiments" / "smoke.yaml"
CALIBRATION = ROOT / "calibration" / "shanghai.yaml"
TRACK = ROOT / "scenarios" / "data" / "lekima-2019" / "lekima_track.csv"
LONG_RUN = ROOT / "scenarios" / "shanghai" / "construction-safety-3y.yaml"
cli = CliRunner()


def _cli(*args):
    res = cli.invoke(app, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _refused(res) -> str:
    """The one line of a refusal (exit 2, no traceback)."""
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert len(lines) == 1, res.output
    return lines[0]


# (command and its fixed arguments, option, refused value); OUT is replaced by a folder under
# the test's tmp_path, which must stay empty.
CASES = [
    (["run", EXAMPLE, "--out", "OUT"], "--seed", "-1"),
    (["run", EXAMPLE, "--out", "OUT"], "--replications", "0"),
    (["run", EXAMPLE, "--out", "OUT"], "--replications", "1000000"),
    (["run", EXAMPLE, "--out", "OUT", "--replications", "2"], "--workers", "0"),
    (["run", EXAMPLE, "--out", "OUT", "--replications", "2"], "--workers", "100000"),
    *[(["criticality", EXAMPLE, "--out", "OUT"], "--seeds", v) for v in ("0", "-1", "1000000000")],
    *[(["criticality", EXAMPLE, "--out", "OUT"], "--samples", v) for v in ("-1", "10000000")],
    *[(["criticality", EXAMPLE, "--out", "OUT"], "--horizon-h", v) for v in ("nan", "inf", "-5")],
    *[
        (["criticality", EXAMPLE, "--out", "OUT"], "--resolution", v)
        for v in ("nan", "inf", "0", "-1", "16.5", "1000")
    ],
    (["criticality", EXAMPLE, "--out", "OUT", "--samples", "100000"], "--seeds", "100"),
    (["riskmap", EXAMPLE, "--out", "OUT"], "--replications", "0"),
    (["riskmap", EXAMPLE, "--out", "OUT"], "--workers", "257"),
    *[(["riskmap", EXAMPLE, "--out", "OUT"], "--resolution", v) for v in ("nan", "0", "17")],
    (["compare", SPEC, "--out", "OUT"], "--replications", "0"),
    (["compare", SPEC, "--out", "OUT"], "--replications", "1000000"),
    (["compare", SPEC, "--out", "OUT"], "--workers", "0"),
    (["calibrate", CALIBRATION, "--out", "OUT"], "--workers", "0"),
    (["sweep", SPEC, "--out", "OUT"], "--workers", "1000"),
    (["sweep", "analyse", "OUT", "--outcome", "deaths"], "--threshold", "nan"),
    (["sweep", "analyse", "OUT", "--outcome", "deaths"], "--threshold", "inf"),
    (["sweep", "analyse", "OUT", "--outcome", "deaths"], "--seed", "-1"),
    *[(["app", EXAMPLE], "--port", v) for v in ("0", "-1", "70000")],
    (["storm", "new", "--track", TRACK, "--out", "OUT"], "--seed", "-1"),
    *[
        (["storm", "new", "--track", TRACK, "--out", "OUT"], "--reach-km", v)
        for v in ("nan", "inf", "0", "1000000")
    ],
    *[(["verify", "buldyrev"], "--mean-degree", v) for v in ("nan", "inf", "1")],
    *[(["verify", "buldyrev"], "--nodes", v) for v in ("0", "1000000000000")],
    (["verify", "buldyrev"], "--realisations", "1000000000"),
    (["verify", "buldyrev"], "--seed", "-1"),
    (["verify", "buldyrev", "--nodes", "1000000"], "--mean-degree", "10"),  # memory
    (["verify", "buldyrev", "--nodes", "1000000"], "--realisations", "100"),  # time
    *[(["verify", "motter-lai"], "--nodes", v) for v in ("0", "1000000000000")],
    (["verify", "motter-lai"], "-m", "0"),
    (["verify", "motter-lai"], "--graphs", "1000000000"),
    (["verify", "motter-lai", "--nodes", "5000"], "--graphs", "10"),  # time
    (["verify", "motter-lai"], "--seed", "-1"),
    (["verify", "erlang-c"], "--servers", "1000000000"),
    *[(["verify", "erlang-c"], "--arrival-rate", v) for v in ("nan", "inf", "0")],
    (["verify", "erlang-c"], "--service-rate", "nan"),
    *[(["verify", "erlang-c"], "--customers", v) for v in ("0", "-1", "1000000000000")],
    (["verify", "erlang-c"], "--seed", "-1"),
    *[(["verify", "sir-final-size"], "--r0", v) for v in ("nan", "inf", "1", "1e300", "1.001")],
    (["verify", "sir-final-size"], "--runs", "1000000000000"),
    (["verify", "sir-final-size"], "--population", "1000000000000"),
    (["verify", "sir-final-size"], "--seed", "-1"),
    *[(["verify", "fragility"], "--samples", v) for v in ("0", "-1", "1000000000000")],
    (["verify", "fragility"], "--seed", "-1"),
]


@pytest.mark.parametrize(
    "command,option,value", CASES, ids=[f"{c[0]}-{o}-{v}" for c, o, v in CASES]
)
def test_a_bad_number_is_refused_in_one_line_before_anything_is_made(
    command, option, value, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    args = [str(work / "out") if a == "OUT" else a for a in command]
    line = _refused(_cli(*args, option, value))
    assert option in line and (value.lstrip("-") in line or str(float(value)) in line), line
    assert "expected" in line or "at most" in line, line
    assert [p.name for p in tmp_path.iterdir()] == ["work"] and not any(work.iterdir())


def _commands(group: typer.Typer, prefix: str = ""):
    """(name, function) of every command of the CLI, subcommands included (the root app's
    commands are registered by its table, sim.interfaces.cli.main.COMMANDS)."""
    if group is app:
        for spec in COMMANDS:
            target = spec.load()
            if isinstance(target, typer.Typer):
                yield from _commands(target, f"{spec.name} ")
            else:
                yield spec.name, target
    for info in group.registered_commands:
        name = info.name or info.callback.__name__.removesuffix("_command").replace("_", "-")
        yield f"{prefix}{name}", info.callback
    for info in group.registered_groups:
        yield from _commands(info.typer_instance, f"{prefix}{info.name} ")


def _numeric_options():
    """(command, parameter, its Bound or None) of every int or float option of the CLI."""
    for name, fn in _commands(app):
        hints = typing.get_type_hints(fn, include_extras=True)
        for param in inspect.signature(fn).parameters:
            hint = hints[param]
            base, *meta = (
                typing.get_args(hint) if typing.get_origin(hint) is typing.Annotated else (hint,)
            )
            kinds = {t for t in typing.get_args(base) or (base,) if t is not type(None)}
            if not kinds <= {int, float} or not kinds:
                continue
            info = next(m for m in meta if isinstance(m, typer.models.ParameterInfo))
            check = inspect.unwrap(info.callback) if info.callback else None
            yield name, param, getattr(check, "__self__", None)


def test_every_numeric_option_of_every_command_declares_its_bound():
    found = list(_numeric_options())
    assert len(found) >= 38  # the 38 of this writing (a broken walk finds none)
    unbounded = [f"{cmd} {param}" for cmd, param, bound in found if not isinstance(bound, Bound)]
    assert unbounded == [], "numeric options without a Bound callback (sim.core.cli_input)"
    for cmd, param, bound in found:
        assert bound.problem(math.nan) is not None, (cmd, param)
        assert bound.problem(math.inf) is not None and bound.problem(-math.inf) is not None
        assert bound.integer or bound.low is not None or "threshold" in param, (cmd, param)


def test_an_overridden_field_accepts_exactly_what_the_schema_accepts():
    bound = schema_bound(Scenario, "networks.resolution")
    for value in (math.nan, math.inf, -1.0, 0.0, 1e-9, 0.25, 4.0, 4.000001, 1000.0):
        try:
            NetworksConfig(resolution=value)
        except ValidationError:
            assert bound.problem(value) is not None, value
        else:
            assert bound.problem(value) is None, value
    seed = schema_bound(ScenarioBase, "seed")
    assert seed.problem(-1) and seed.problem(0) is None and seed.problem(10**400) is None
    assert str(bound) == "a finite number > 0 and <= 16"


def test_a_field_constraint_without_a_command_line_form_is_not_passed_silently():
    class Toy(BaseModel):
        step: int = Field(2, multiple_of=2)

    with pytest.raises(TypeError, match="multiple_of"):
        schema_bound(Toy, "step")


def test_criticality_applies_resolution_as_the_scenario_field(tmp_path):
    out = tmp_path / "crit"
    res = _cli("criticality", EXAMPLE, "--out", out, "--seeds", 1, "--samples", 0,
               "--resolution", 0.5)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "resolution: 0.5" in (out / "scenario.resolved.yaml").read_text()


def test_criticality_refuses_a_long_run_before_its_folder(tmp_path):
    out = tmp_path / "crit"
    line = _refused(_cli("criticality", LONG_RUN, "--out", out, "--seeds", 1, "--samples", 0))
    assert f"{LONG_RUN}: criticality screens an emergency scenario's networks" in line
    assert list(tmp_path.iterdir()) == []


def test_run_criticality_refuses_what_the_command_refuses():
    from sim.studies.analysis import criticality as cr

    with pytest.raises(cr.CriticalityError, match="--seeds 1000 x --samples 10000"):
        cr.run_criticality(None, samples=10_000, seeds=1000)
    with pytest.raises(cr.CriticalityError, match="--resolution nan"):
        cr.run_criticality(None, resolution=math.nan)


def test_morris_levels_are_bounded_in_the_spec(tmp_path):
    from sim.studies.sweep.spec import MAX_MORRIS_LEVELS, SpecError, load_spec

    path = tmp_path / "m.yaml"
    path.write_text(
        f"name: m\nscenarios: [{EXAMPLE}]\nspace:\n  kind: morris\n  samples: 2\n"
        f"  morris_levels: 1000000000000\n  parameters:\n    logistics.teams_scale: "
        "{low: 0.5, high: 2}\n"
    )
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "space.morris_levels" in str(err.value.problems[0])
    assert f"{MAX_MORRIS_LEVELS}" in str(err.value.problems[0])


def test_app_refuses_a_journal_folder_below_a_file_before_serving(tmp_path):
    (tmp_path / "f").write_text("x")
    line = _refused(_cli("app", EXAMPLE, "--journal-dir", tmp_path / "f" / "journals"))
    folder = tmp_path / "f" / "journals"
    assert line == f"--journal-dir {folder}: {folder.parent} is a file; expected a folder"


def test_bounds_read_as_their_help_says_and_take_any_integer():
    assert str(Bound(1, 256, integer=True)) == "an integer from 1 to 256"
    assert str(Bound(0, None, low_open=True)) == "a finite number > 0"
    assert str(Bound()) == "a finite number"
    assert Bound(1, 256, integer=True).problem(10**400) is not None  # no OverflowError
    assert Bound(0, None, integer=True).problem(10**400) is None
    assert Bound(1, 256, integer=True).problem(True) is not None
