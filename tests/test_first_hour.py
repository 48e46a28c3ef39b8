"""A first hour without friction (issue 17, deliverable 5).

1. The README's commands work as written after the quick start: every command quoted in the
   README's and docs' code blocks (and the scripts' usage lines) names an executable the
   quick start's environment has (``.venv/bin/NAME``, not a bare ``citysafe`` or ``python``
   that is not on the PATH) and scripts and data files that exist; the quick start keeps its
   two set-up commands, the second run verbatim by ``.ci/run``.
2. The test command reports skipped browser tests loudly (tests/conftest.py): a banner, and
   exit 1 unless CITYSAFE_SKIP_BROWSER=1.
3. ``citysafe --help`` imports no command (no Mesa, pandas, matplotlib): each command is
   imported when run or asked for its help, and its help is what typer makes of it when
   registered eagerly; boolean flags show no ``<bool>``.
4. ``citysafe doctor`` checks the installation, one line per check, exit 1 on a FAIL.
5. The ensemble table keeps one line per outcome when piped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from sim.interfaces.cli.lazy import LazyCommands
from sim.interfaces.cli.main import COMMANDS, app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
BIN = Path(sys.executable).parent
"""The running environment's scripts: what the quick start's ``.venv/bin`` holds."""
WIDE = {"COLUMNS": "250"}
"""A console wide enough that rich never wraps a help line (comparisons by token)."""

# ------------------------------------------------- 3. a fast --help, same options


def test_help_imports_no_command_and_lists_them_all():
    script = (
        "import sys\n"
        "from sim.interfaces.cli.main import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "heavy = ['mesa', 'pandas', 'matplotlib', 'numpy', 'scipy', 'pydantic', 'solara',\n"
        "         'sim.scenario', 'sim.models', 'sim.interfaces.cli.run']\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), **WIDE}
    res = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert "LOADED []" in res.stdout, res.stdout
    listed = re.findall(r"^│ (\w+)\s{2,}", res.stdout, flags=re.M)
    assert listed == [c.name for c in COMMANDS], listed
    for spec in COMMANDS:
        assert f"{spec.name:<12} {spec.short_help}" in res.stdout.replace("│", "")


def _eager_app() -> typer.Typer:
    """The app as it was registered before: every command imported and added to the app."""
    eager = typer.Typer(
        name="citysafe", help=app.info.help, no_args_is_help=True, add_completion=False
    )
    for spec in COMMANDS:
        target = spec.load()
        if isinstance(target, typer.Typer):
            eager.add_typer(target, name=spec.name, short_help=spec.short_help)
        else:
            eager.command(spec.name, short_help=spec.short_help)(target)
    return eager


def _command_paths(group, prefix=()):
    yield prefix
    for name, cmd in group.commands.items():
        yield from (
            _command_paths(cmd, (*prefix, name)) if hasattr(cmd, "commands") else [(*prefix, name)]
        )


def _tokens(help_text: str) -> list[str]:
    """A help page's words, without rich's box drawing and the ``<bool>`` of flags."""
    return [w for w in re.findall(r"[^\s│─╭╮╰╯]+", help_text) if w != "<bool>"]


def test_every_commands_help_is_what_the_eager_registration_gave_without_bool():
    eager = _eager_app()
    runner = CliRunner()
    paths = list(_command_paths(typer.main.get_command(eager)))
    assert len(paths) >= 22  # root, 12 commands, verify's 5, sweep's 4, storm's 1
    for path in paths:
        lazy_help = runner.invoke(app, [*path, "--help"], env=WIDE)
        eager_help = runner.invoke(eager, [*path, "--help"], env=WIDE)
        assert lazy_help.exit_code == 0 == eager_help.exit_code, path
        assert "<bool>" not in lazy_help.output, path
        assert _tokens(lazy_help.output) == _tokens(eager_help.output), path


def test_flags_read_as_flags():
    out = CliRunner().invoke(app, ["run", "--help"], env=WIDE).output
    for flag in (
        r"--quiet\s+-q\s+No progress bar",
        r"--figures\s+--no-figures\s+Write the PNG figures",
        r"--overwrite\s+Replace a finished run folder",
        r"--help\s+Show this message",
    ):
        assert re.search(flag, out), (flag, out)


def test_commands_are_built_on_first_use_only():
    commands = typer.main.get_command(app).commands
    assert isinstance(commands, LazyCommands)
    assert list(commands) == [c.name for c in COMMANDS] and len(commands) == len(COMMANDS)
    assert commands.built("schema") is None and "schema" in commands
    assert commands.summary("schema").short_help == "Print the JSON Schema of scenario files."
    schema = commands["schema"]
    assert commands.built("schema") is schema and schema.callback is not None
    with pytest.raises(KeyError):
        commands["nosuch"]
    res = CliRunner().invoke(app, ["rn"])
    assert res.exit_code == 2 and "Did you mean 'run'?" in res.output
