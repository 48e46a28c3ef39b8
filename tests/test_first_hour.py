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

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import typer
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from sim.interfaces.cli import doctor
from sim.interfaces.cli.lazy import _LITERAL, _ROLE, LazyCommands
from sim.interfaces.cli.main import COMMANDS, app
from sim.results.ensemble import outcome_stats, print_ensemble
from sim.scenario import load_scenario
from sim.studies.sweep.spec import EMERGENCY_OUTCOME_KEYS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
BIN = Path(sys.executable).parent
"""The running environment's scripts: what the quick start's ``.venv/bin`` holds."""
WIDE = {"COLUMNS": "250"}
"""A console wide enough that rich never wraps a help line (comparisons by token)."""

# ------------------------------------------------- 1. the README's commands


def _doc_texts() -> list[Path]:
    """The pages a user copies commands from."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder in ("experiments", "benchmarks", "calibration", "scenarios"):
        pages += sorted((ROOT / folder).rglob("README.md"))
    return pages


def _shell_lines(text: str) -> list[str]:
    """The commands of a page: lines of its ``bash``/``sh`` code blocks and the lines of its
    unlabelled blocks that start with a command word (comments dropped, backslash
    continuations joined), and inline code that starts with one (``.venv/bin/…``, ``python``,
    ``pytest``, ``pip``, ``PYTHONPATH=``; not ``citysafe``, which prose uses to name a
    command)."""
    starts = r"(?:\S*/bin/|python3? |pytest |pip |citysafe |PYTHONPATH=)"
    out = []
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M):
        if lang in ("", "bash", "sh", "console", "shell"):
            body = body.replace("\\\n", " ")
            lines = [ln.split(" #")[0].strip() for ln in body.splitlines()]
            out += [ln for ln in lines if lang or re.match(starts, ln)]  # "": text or commands
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    inline = starts.replace("citysafe |", "")  # `citysafe run` in prose names the command
    out += [m for m in re.findall(r"`([^`\n]+)`", prose) if re.match(inline, m)]
    return [ln for ln in out if ln and not ln.startswith("#")]


def _script_usage_lines() -> list[str]:
    """The usage lines of the benchmark and experiment scripts (``Usage: … python X.py``)."""
    out = []
    for folder in ("benchmarks", "experiments", "tests/golden"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for m in re.finditer(
                r"^\s*(?:Usage:\s*)?(?:``)?((?:\S+=\S+ )*\S*python3? \S+\.py[^`\n]*)",
                path.read_text(encoding="utf-8"),
                flags=re.M,
            ):
                out.append(m.group(1))
    return out


def _simple_commands(line: str) -> list[list[str]]:
    """The simple commands of a shell line (split at ``&&``, ``||``, ``;``, ``|``)."""
    out = []
    for part in re.split(r"&&|\|\||;|\|", line):
        try:
            words = shlex.split(part)
        except ValueError:  # an unbalanced quote in prose-like code
            words = part.split()
        while words and re.match(r"^[A-Z_]+=", words[0]):
            words = [*words[1:]]
        if words:
            out.append(words)
    return out


PLACEHOLDER = re.compile(r"(?:^|/)[A-Z][A-Z_]+(?:\.\w+)?$|<|\[")
"""A path argument that is a placeholder (``benchmarks/NAME.py``, ``<city>/<scenario>``)."""
TOP_FOLDERS = ("scenarios/", "experiments/", "benchmarks/", "calibration/", "tests/", "docs/")
SYSTEM_TOOLS = {"apt-get", "git", "cd", "source", "iconv", "ls", "cat", "dask"}
"""Commands the quick start does not provide and the README may name."""


def _command_problems(words: list[str], made: set[str]) -> list[str]:
    """What keeps one simple command from working as written after the quick start."""
    exe, args = words[0], words[1:]
    if exe == "python3" and args[:2] == ["-m", "venv"]:
        return []  # the quick start's set-up
    if exe in ("python", "python3", "citysafe", "pytest", "pip", "ruff"):
        return [f"{exe} is not on the PATH after the quick start: write .venv/bin/{exe}"]
    problems = []
    if exe.startswith(".venv/bin/"):
        if not (BIN / exe.removeprefix(".venv/bin/")).exists():
            problems.append(f"{exe}: the environment has no such command")
    elif exe not in SYSTEM_TOOLS:
        problems.append(f"{exe}: not a command of the environment or a listed system tool")
    if exe.endswith("/python") and args and args[0] == "-m":
        import importlib.util

        if importlib.util.find_spec(args[1]) is None:
            problems.append(f"{exe} -m {args[1]}: no such module")
    for i, arg in enumerate(args):
        if args[i - 1 : i] == ["--out"] or arg.startswith("-"):
            made.add(arg)
            continue
        if arg.startswith(TOP_FOLDERS) and not PLACEHOLDER.search(arg) and arg not in made:
            if not (ROOT / arg).exists():
                problems.append(f"{arg}: no such file in the repository")
    return problems


def test_the_scan_finds_the_commands_and_catches_each_kind_of_mistake():
    lines = [ln for p in _doc_texts() for ln in _shell_lines(p.read_text("utf-8"))]
    assert len(lines) > 30 and any("benchmarks/lekima.py" in ln for ln in lines)
    assert any(".venv/bin/citysafe storm new" in ln for ln in lines)
    assert len(_script_usage_lines()) >= 10
    made: set[str] = set()
    assert _command_problems(["python", "benchmarks/lekima.py"], made)
    assert _command_problems(["citysafe", "run", "x.yaml"], made)
    assert _command_problems([".venv/bin/nosuch"], made)
    assert _command_problems([".venv/bin/python", "benchmarks/nosuch.py"], made)
    assert _command_problems([".venv/bin/python", "-m", "sim.nosuch"], made)
    assert not _command_problems([".venv/bin/python", "benchmarks/NAME.py"], made)
    assert not _command_problems(
        [".venv/bin/citysafe", "storm", "new", "--out", "scenarios/x/new.yaml"], made
    )
    assert not _command_problems([".venv/bin/citysafe", "run", "scenarios/x/new.yaml"], made)
    assert _simple_commands("PYTHONPATH=. a b && c | d") == [["a", "b"], ["c"], ["d"]]


def test_every_quoted_command_works_as_written_after_the_quick_start():
    problems = []
    for page in _doc_texts():
        made: set[str] = set()  # files a command of the page writes (--out) before its use
        for line in _shell_lines(page.read_text("utf-8")):
            for words in _simple_commands(line):
                problems += [
                    f"{page.relative_to(ROOT)}: {line}: {p}" for p in _command_problems(words, made)
                ]
    for line in _script_usage_lines():
        for words in _simple_commands(line):
            problems += [f"usage line {line}: {p}" for p in _command_problems(words, set())]
    assert not problems, "\n".join(problems)


def test_no_quoted_command_needs_pythonpath():
    """The editable install makes ``sim`` importable from any folder: PYTHONPATH=. was a
    leftover that hid whether the install worked."""
    found = [
        f"{p.relative_to(ROOT)}: {ln}"
        for p in _doc_texts()
        for ln in _shell_lines(p.read_text("utf-8"))
        if "PYTHONPATH" in ln
    ]
    found += [ln for ln in _script_usage_lines() if "PYTHONPATH" in ln]
    assert not found, found


def test_the_quick_start_keeps_two_setup_commands_and_ci_runs_the_second_verbatim():
    readme = (ROOT / "README.md").read_text("utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", quick, flags=re.S | re.M)
    assert len(blocks) == 2 and all(b.count("\n") == 1 for b in blocks), blocks
    install_and_run, install_and_test = (b.strip() for b in blocks)
    assert install_and_run.startswith("python3 -m venv .venv && .venv/bin/pip install -e .")
    assert ".venv/bin/citysafe run " in install_and_run
    ci = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert ci[-1] == install_and_test, (ci[-1], install_and_test)
    assert "activate" in quick and "citysafe doctor" in quick


# ------------------------------------------------- 2. loud browser skips


BROWSER_SKIPPED = (
    "import pytest\n"
    "pytest.skip('/nowhere/chromium not installed (apt-get install chromium)',"
    " allow_module_level=True)\n"
)


def test_skipped_browser_tests_fail_the_session_with_a_banner(tmp_path):
    """End to end: pytest on a copy of tests/conftest.py, a passing test and a stand-in
    test_app_browser.py that skips as the real one does without chromium."""
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text("utf-8"))
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert 1 + 1 == 2\n")
    (tmp_path / "test_app_browser.py").write_text(BROWSER_SKIPPED)
    env = {k: v for k, v in os.environ.items() if k != "CITYSAFE_SKIP_BROWSER"}
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "browser tests NOT run: /nowhere/chromium not installed" in out
    assert "apt-get install chromium" in out and "CITYSAFE_SKIP_BROWSER=1" in out
    assert "1 passed, 1 skipped" in out  # the other test did run and pass


def _conftest():
    """tests/conftest.py as a module of its own (its hooks called directly below)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("first_hour_conftest", CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONFTEST = ROOT / "tests" / "conftest.py"


class _Terminal:
    """Records what a hook writes to the terminal."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def section(self, title, **markup) -> None:
        self.text.append(f"== {title} ==")

    def line(self, text, **markup) -> None:
        self.text.append(text)


def _session(hooks, reports, keyword: str = "", env: str | None = None, monkeypatch=None):
    """Feed ``reports`` to the hooks of a passing session; return (exit status, banner)."""
    config = SimpleNamespace(
        getoption=lambda name, default=None: {"keyword": keyword}.get(name, "")
    )
    session = SimpleNamespace(config=config, exitstatus=pytest.ExitCode.OK)
    if env is None:
        monkeypatch.delenv("CITYSAFE_SKIP_BROWSER", raising=False)
    else:
        monkeypatch.setenv("CITYSAFE_SKIP_BROWSER", env)
    hooks.pytest_sessionstart(session)
    for report in reports:
        if isinstance(report, pytest.CollectReport):
            hooks.pytest_collectreport(report)
        else:
            hooks.pytest_runtest_logreport(report)
    hooks.pytest_sessionfinish(session, pytest.ExitCode.OK)
    terminal = _Terminal()
    hooks.pytest_terminal_summary(terminal, session.exitstatus, config)
    return session.exitstatus, "\n".join(terminal.text)


MODULE_SKIP = pytest.CollectReport(
    "tests/test_app_browser.py",
    "skipped",
    ("tests/test_app_browser.py", 27, "Skipped: /usr/bin/chromium not installed"),
    [],
)
ITEM_SKIP = pytest.TestReport(
    "tests/test_app_browser.py::test_page",
    ("tests/test_app_browser.py", 80, "test_page"),
    {},
    "skipped",
    ("tests/test_app_browser.py", 80, "Skipped: no display"),
    "setup",
)
OTHER_SKIP = pytest.CollectReport(
    "tests/test_other.py", "skipped", ("tests/test_other.py", 1, "Skipped: slow"), []
)


def test_the_hooks_fail_only_a_full_session_that_skipped_browser_tests(monkeypatch):
    hooks = _conftest()
    status, banner = _session(hooks, [MODULE_SKIP, ITEM_SKIP], monkeypatch=monkeypatch)
    assert status == pytest.ExitCode.TESTS_FAILED
    assert "browser tests NOT run: /usr/bin/chromium not installed; no display" in banner
    assert "the session fails; set CITYSAFE_SKIP_BROWSER=1" in banner
    status, banner = _session(hooks, [MODULE_SKIP], env="1", monkeypatch=monkeypatch)
    assert status == pytest.ExitCode.OK and "accepted (CITYSAFE_SKIP_BROWSER=1)" in banner
    status, banner = _session(hooks, [MODULE_SKIP], keyword="other", monkeypatch=monkeypatch)
    assert status == pytest.ExitCode.OK and "-k/-m narrowed the selection" in banner
    status, banner = _session(hooks, [OTHER_SKIP], monkeypatch=monkeypatch)  # not a browser test
    assert status == pytest.ExitCode.OK and banner == ""
    status, banner = _session(hooks, [], monkeypatch=monkeypatch)  # the browser tests ran
    assert status == pytest.ExitCode.OK and banner == ""


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
        # the lazy group makes each help plain (sim.interfaces.cli.lazy.plain_help): the same
        # words as the eager registration's once its markup and list metavars are read plainly
        eager_plain = _LITERAL.sub(r"\1", _ROLE.sub(r"\1", eager_help.output))
        eager_plain = eager_plain.replace("<list[str]>", "VALUE ...")
        assert _tokens(lazy_help.output) == _tokens(eager_plain), path


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


# ------------------------------------------------- 4. citysafe doctor


def _versions(installed: dict[str, str]):
    def version_of(name: str) -> str:
        try:
            return installed[name]
        except KeyError:
            raise doctor.metadata.PackageNotFoundError(name) from None

    return version_of


def test_python_and_requirements_are_read_as_pep440_not_as_text():
    assert doctor.check_python(">=3.12", "3.12.0").status == "OK"
    assert doctor.check_python(">=3.12", "3.9.18").status == "FAIL"  # "3.9" > "3.12" as text
    version_of = _versions({"pandas": "2.10.0", "numpy": "1.26.4"})
    assert doctor.requirement_problem("pandas>=2.2,<3", version_of) is None
    assert "pandas 2.10.0 installed, the project needs" in doctor.requirement_problem(
        "pandas>=2.11,<3", version_of
    )
    assert doctor.requirement_problem("mesa>=3.5", version_of) == (
        "mesa not installed (needs >=3.5)"
    )


def test_packages_fail_for_the_base_and_warn_for_an_extra():
    project = doctor.Project(
        ">=3.12",
        ["numpy>=1.26", "pandas>=2.2,<3"],
        {"app": ["solara>=1.40"], "test": ["pytest>=8", "citysafe[app]"]},
    )
    checks = doctor.check_packages(project, _versions({"numpy": "2.0", "pandas": "3.0.1"}))
    assert [(c.status, c.what) for c in checks] == [
        ("FAIL", "packages"),
        ("WARN", "extra [app]"),
        ("WARN", "extra [test]"),
    ]
    assert "pandas 3.0.1 installed, the project needs <3,>=2.2" in checks[0].detail
    assert "citysafe" not in checks[2].detail and "pytest not installed" in checks[2].detail
    good = doctor.check_packages(
        project, _versions({"numpy": "2.0", "pandas": "2.3", "solara": "1.64", "pytest": "9"})
    )
    assert [c.status for c in good] == ["OK", "OK", "OK"]
    assert good[0].detail == "2 required packages within their bounds"


def test_an_install_older_than_pyproject_is_named():
    a = doctor.Project(">=3.12", ["filelock>=3.30", "pandas>=2.2,<3"], {})
    b = doctor.Project(">=3.12", ["pandas<3,>=2.2"], {})  # before filelock was added
    assert doctor.check_metadata(a, a).status == "OK"
    assert (
        doctor.check_metadata(
            a, doctor.Project(">=3.12", ["pandas<3, >=2.2", "filelock>=3.30"], {})
        ).status
        == "OK"
    )
    assert "changed since the install" in doctor.check_metadata(a, b).detail
    assert "not installed" in doctor.check_metadata(a, None).detail
    source = doctor.read_project()
    assert source is not None and "mesa>=3.5" in source.dependencies and "app" in source.extras


def test_data_files_present_readable_and_read_without_a_problem(tmp_path):
    from sim.models.data_check import input_files

    [ok] = doctor.check_data_files(EXAMPLE)
    files = input_files(load_scenario(EXAMPLE, []))
    present = sum(f.exists() for f in files)
    assert ok.status == "OK" and ok.detail.startswith(f"{present} data files of "), ok
    # optional files the example city lacks: its warning criteria and behaviour posterior
    assert present == len(files) - 2 and "warning_criteria.yaml" in ok.detail
    assert "behaviour_posterior.csv" in ok.detail and "absent" in ok.detail
    city = tmp_path / "city"
    shutil.copytree(EXAMPLE.parent.parent / "data" / "example-city", city)
    (city / "links.csv").unlink()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {EXAMPLE}\ncity: {{data_dir: {city}}}\n", encoding="utf-8")
    [missing] = doctor.check_data_files(scenario)
    assert missing.status == "FAIL", missing  # the city reader's own message, as validate's
    assert f"{city / 'links.csv'}: file not found" in missing.detail
    assert missing.detail.endswith(f"(1 problem: citysafe validate {scenario})")
    (city / "links.csv").mkdir()
    [folder] = doctor.check_data_files(scenario)
    assert folder.status == "FAIL" and f"{city / 'links.csv'}: not a regular file" in folder.detail


def test_chromium_output_folder_and_command_checks(tmp_path, monkeypatch):
    assert doctor.check_chromium(tmp_path / "chromium").status == "WARN"
    (tmp_path / "chromium").write_text("")
    assert doctor.check_chromium(tmp_path / "chromium").status == "OK"
    assert doctor.check_output(tmp_path / "runs").detail.endswith(f"can be created in {tmp_path}")
    (tmp_path / "runs").mkdir()
    assert doctor.check_output(tmp_path / "runs").status == "OK"
    (tmp_path / "file").write_text("")
    assert doctor.check_output(tmp_path / "file").status == "FAIL"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "not on the PATH" in doctor.check_command(bin_dir).detail
    (bin_dir / "citysafe").write_text("#!/bin/sh\n")
    (bin_dir / "citysafe").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert doctor.check_command(bin_dir).status == "OK"


def test_doctor_prints_one_line_per_check_and_exits_1_on_a_fail(monkeypatch):
    runner = CliRunner()
    res = runner.invoke(app, ["doctor", str(EXAMPLE)])
    lines = res.stdout.splitlines()
    assert lines and all(re.match(r"^(OK  |WARN|FAIL)  [\w \[\]-]+: ", ln) for ln in lines), lines
    assert any(ln.startswith("OK    data: ") for ln in lines), lines
    assert res.exit_code == (1 if any(ln.startswith("FAIL") for ln in lines) else 0)
    monkeypatch.setattr(
        doctor, "check_chromium", lambda: doctor.Check("FAIL", "chromium", "stand-in")
    )
    res = runner.invoke(app, ["doctor", str(EXAMPLE)])
    assert res.exit_code == 1 and "FAIL  chromium: stand-in" in res.stdout


# ------------------------------------------------- 5. the ensemble table, piped


def _stats():
    scen = load_scenario(EXAMPLE, [])
    keys = [k for k in EMERGENCY_OUTCOME_KEYS if k != "wall_time_s"]
    rows = pd.DataFrame(
        {k: [123_456.0 * (i + 1) + 1_000.0 * j for i in range(5)] for j, k in enumerate(keys)}
    )
    return scen, keys, outcome_stats(rows, keys, scen.observed)


def test_the_piped_ensemble_table_keeps_one_line_per_outcome():
    scen, keys, stats = _stats()
    piped = Console(file=io.StringIO(), width=80)  # not a terminal: rich's 80 columns
    print_ensemble(piped, stats, scen, 5)
    out = piped.file.getvalue()
    for key in keys:
        [line] = [ln for ln in out.splitlines() if f" {key} " in ln]
        # shares are shown with 2 decimals (sim.results.outcome_text.format_outcome)
        want = (
            f"{stats[key]['median']:.2f}" if key.endswith("_share") else f"{stats[key]['median']:,}"
        )
        assert want in line, line
    assert max(map(len, out.splitlines())) > 80 and piped.width == 80


def test_on_a_terminal_the_table_still_fits_the_window():
    scen, keys, stats = _stats()
    term = Console(file=io.StringIO(), width=80, force_terminal=True, color_system=None)
    print_ensemble(term, stats, scen, 5)
    assert max(map(len, term.file.getvalue().splitlines())) <= 80
