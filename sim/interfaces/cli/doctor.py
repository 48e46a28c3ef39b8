"""``citysafe doctor``: is this installation ready to run, test and serve citysafe?

One line per check, ``OK``, ``WARN`` or ``FAIL``, and exit 1 when any check fails:

- Python: the running interpreter against the project's ``requires-python``;
- packages: each dependency's installed version against its bounds in ``pyproject.toml``
  (FAIL for the base dependencies; WARN for an optional extra, which only its commands need),
  and whether the installed metadata still matches ``pyproject.toml`` (an editable install
  made before a dependency was added does not have it);
- data: every data file a run of the shipped scenario opens
  (:func:`sim.models.data_check.input_files`) present and readable, and read by the run's own
  readers without a problem (:func:`sim.models.data_check.check_data`, what ``validate`` runs);
- chromium: Debian's ``/usr/bin/chromium``, which the app's browser tests drive (WARN: only
  the tests need it);
- CJK font: an installed font that renders Chinese (:func:`sim.core.fonts.cjk_fonts`; WARN:
  without one, Chinese names in figures are boxes; ``apt-get install fonts-noto-cjk``);
- output: the default output folder ``runs/`` (in the current folder) can be written;
- command: ``citysafe`` on the PATH is this installation's (WARN: ``.venv/bin/citysafe``
  works without it).

Version bounds are read with ``packaging`` (the PyPA's reference implementation of PEP 440
versions and PEP 508 requirements), never compared as text.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Annotated, Literal

import typer
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

import sim

ROOT = Path(sim.__file__).resolve().parents[1]
"""The source tree of this installation (a clone, or the editable install's folder)."""
DEFAULT_SCENARIO = "scenarios/shanghai/lekima-2019.yaml"
"""The quick start's scenario, whose data files are checked by default."""
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium, which tests/test_app_browser.py drives (never a downloaded browser)."""
PROJECT = "citysafe"

Status = Literal["OK", "WARN", "FAIL"]


@dataclass(frozen=True)
class Check:
    """One line of the report: ``STATUS  what: detail``."""

    status: Status
    what: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.what}: {self.detail}"


@dataclass(frozen=True)
class Project:
    """What ``pyproject.toml`` asks for: Python, base dependencies, extras by name."""

    requires_python: str
    dependencies: list[str]
    extras: dict[str, list[str]]


def read_project(pyproject: Path = ROOT / "pyproject.toml") -> Project | None:
    """The project's requirements from ``pyproject.toml``, or None when the file is absent
    (an installation without its source tree: the installed metadata is used instead)."""
    if not pyproject.is_file():
        return None
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return Project(
        data.get("requires-python", ""),
        list(data.get("dependencies", [])),
        {k: list(v) for k, v in data.get("optional-dependencies", {}).items()},
    )


def installed_project() -> Project | None:
    """The requirements recorded when citysafe was installed, or None when it is not."""
    try:
        meta = metadata.metadata(PROJECT)
        requires = metadata.requires(PROJECT) or []
    except metadata.PackageNotFoundError:
        return None
    base, extras = [], {}
    for text in requires:
        req = Requirement(text)
        names = [e for e in meta.get_all("Provides-Extra") or [] if _in_extra(req, e)]
        if req.marker is None or not names:
            base.append(text.split(";")[0].strip())
        for name in names:
            extras.setdefault(name, []).append(text.split(";")[0].strip())
    return Project(meta.get("Requires-Python") or "", base, extras)


def _in_extra(req: Requirement, extra: str) -> bool:
    return req.marker is not None and req.marker.evaluate({"extra": extra})


def check_python(requires: str, version: str | None = None) -> Check:
    """The running Python against ``requires`` (a PEP 440 specifier such as ``>=3.12``)."""
    version = version or ".".join(map(str, sys.version_info[:3]))
    if not requires or SpecifierSet(requires).contains(version):
        return Check("OK", "python", f"{version} ({sys.executable}; project needs {requires})")
    return Check(
        "FAIL", "python", f"{version}: the project needs {requires} (use python3.12 -m venv)"
    )


def requirement_problem(text: str, version_of=metadata.version) -> str | None:
    """What is wrong with one requirement here: None when met, else ``name: why``.

    Args:
        text: a PEP 508 requirement (``pandas>=2.2,<3``).
        version_of: the installed version of a distribution name (raises
            ``PackageNotFoundError`` when absent).
    """
    req = Requirement(text)
    try:
        version = version_of(req.name)
    except metadata.PackageNotFoundError:
        return f"{req.name} not installed (needs {req.specifier or 'any version'})"
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        return f"{req.name} {version} installed, the project needs {req.specifier}"
    return None


def check_packages(project: Project, version_of=metadata.version) -> list[Check]:
    """The base dependencies (FAIL when one is missing or out of bounds) and each optional
    extra (WARN), one line each; requirements naming the project itself are skipped."""
    own = {PROJECT}
    problems = [requirement_problem(r, version_of) for r in project.dependencies]
    bad = [p for p in problems if p]
    checks = [
        Check("FAIL", "packages", "; ".join(bad) + ' (pip install -e ".[test]" again)')
        if bad
        else Check("OK", "packages", f"{_count(problems, 'required package')} within their bounds")
    ]
    for extra, reqs in project.extras.items():
        reqs = [r for r in reqs if Requirement(r).name not in own]
        bad = [p for p in (requirement_problem(r, version_of) for r in reqs) if p]
        what = f"extra [{extra}]"
        if bad:
            hint = f'optional: pip install -e ".[{extra}]"'
            checks.append(Check("WARN", what, "; ".join(bad) + f" ({hint})"))
        else:
            checks.append(Check("OK", what, f"{_count(reqs, 'package')} within their bounds"))
    return checks


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def check_metadata(source: Project | None, installed: Project | None) -> Check:
    """Whether the installed requirements are still those of ``pyproject.toml``."""
    if installed is None:
        return Check(
            "WARN", "install", f"{PROJECT} is not installed: run pip install -e . in {ROOT}"
        )
    if source is None or _normalised(source) == _normalised(installed):
        return Check("OK", "install", "installed requirements match pyproject.toml")
    return Check(
        "WARN",
        "install",
        "pyproject.toml changed since the install (its requirements differ): run "
        'pip install -e ".[test]" again',
    )


def _normalised(project: Project) -> tuple:
    def reqs(texts):
        out = set()
        for t in texts:
            try:
                r = Requirement(t)
            except InvalidRequirement:
                out.add(t)
                continue
            out.add((r.name.lower(), str(r.specifier), tuple(sorted(r.extras))))
        return frozenset(out)

    extras = {k: reqs(v) for k, v in project.extras.items()}
    return reqs(project.dependencies), frozenset(extras.items())


def check_data_files(scenario: Path) -> list[Check]:
    """The scenario's data files readable and read by the run's readers without a problem.

    A file the run looks for but does without (a city's ``warning_criteria.yaml``: national
    criteria then apply; ``behaviour_posterior.csv``: ensembles keep the scenario's
    coefficients) may be absent; one it needs is reported by the readers
    (:func:`~sim.models.data_check.check_data`, as ``validate`` reports it).
    """
    from sim.models.data_check import check_data, input_files
    from sim.scenario import ScenarioError, load_scenario

    try:
        scen = load_scenario(scenario, [])
    except ScenarioError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        return [Check("FAIL", "data", f"{scenario} does not load: {first}")]
    files = input_files(scen)
    unreadable = [f"{path}: {why}" for path in files if (why := _unreadable(path))]
    problems = check_data(scen, str(scenario))
    if unreadable or problems:
        more = f" ({_count(problems, 'problem')}: citysafe validate {scenario})" if problems else ""
        return [Check("FAIL", "data", "; ".join([*unreadable, *map(str, problems[:1])]) + more)]
    absent = [path.name for path in files if not path.exists()]
    note = f" ({', '.join(absent)} absent: the run does without)" if absent else ""
    present = len(files) - len(absent)
    return [Check("OK", "data", f"{present} data files of {scenario} readable{note}")]


def _unreadable(path: Path) -> str | None:
    """Why an existing ``path`` cannot be read as a data file, or None (absent included)."""
    if not path.exists():
        return None
    if not path.is_file():
        return "not a regular file"
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    return None


def check_chromium(path: Path = CHROMIUM) -> Check:
    """Debian's chromium for the browser tests (WARN when absent: only the tests need it)."""
    if path.is_file():
        return Check("OK", "chromium", f"{path} (the app's browser tests)")
    return Check(
        "WARN",
        "chromium",
        f"{path} missing: the app's browser tests cannot run (apt-get install chromium)",
    )


def check_cjk_font(fonts: list[str] | None = None) -> Check:
    """Whether an installed font renders Chinese (:data:`sim.core.fonts.CJK_PROBE`), which the
    figures then use for Chinese district, source and category names (WARN when none: they
    show as boxes; Debian's :data:`sim.core.fonts.CJK_PACKAGE` provides one).

    Args:
        fonts: the CJK font families found (default: :func:`sim.core.fonts.cjk_fonts`).
    """
    from sim.core.fonts import CJK_PACKAGE, CJK_PROBE, cjk_fonts

    fonts = cjk_fonts() if fonts is None else fonts
    if fonts:
        return Check(
            "OK", "CJK font", f"{fonts[0]} renders {CJK_PROBE} (figures use it for Chinese names)"
        )
    return Check(
        "WARN",
        "CJK font",
        f"no installed font renders {CJK_PROBE}: Chinese district and source names show as "
        f"boxes in the figures (apt-get install {CJK_PACKAGE})",
    )


def check_output(folder: Path = Path("runs")) -> Check:
    """Whether commands can write their default output folder ``folder`` (or create it)."""
    where = folder if folder.exists() else folder.absolute().parent
    if folder.exists() and not folder.is_dir():
        return Check(
            "FAIL", "output", f"{folder} is not a folder: commands write run folders there"
        )
    try:
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as exc:
        return Check(
            "FAIL", "output", f"cannot write in {where} ({exc.strerror}): cd elsewhere or use --out"
        )
    state = "writable" if folder.exists() else f"can be created in {where}"
    return Check("OK", "output", f"{folder}/ {state}")


def check_command(bin_dir: Path = Path(sys.executable).parent) -> Check:
    """Whether ``citysafe`` on the PATH is this environment's (else name the one that works)."""
    found = shutil.which(PROJECT)
    own = bin_dir / PROJECT
    if found is not None and Path(found).resolve() == own.resolve():
        return Check("OK", "command", f"citysafe on the PATH is {found}")
    hint = f"use {own}, or `source {bin_dir / 'activate'}` to put it on the PATH"
    if found is None:
        return Check("WARN", "command", f"citysafe is not on the PATH: {hint}")
    return Check(
        "WARN", "command", f"citysafe on the PATH is another installation's ({found}): {hint}"
    )


def default_scenario() -> Path:
    """The quick start's scenario: relative to the current folder if there, else the source
    tree's."""
    here = Path(DEFAULT_SCENARIO)
    return here if here.is_file() else ROOT / DEFAULT_SCENARIO


def run_checks(scenario: Path) -> list[Check]:
    """Every check, in the report's order."""
    source, installed = read_project(), installed_project()
    project = source or installed
    checks = [check_python(project.requires_python if project else "")]
    if project is not None:
        checks += check_packages(project)
    checks.append(check_metadata(source, installed))
    checks += check_data_files(scenario)
    checks += [check_chromium(), check_cjk_font(), check_output(), check_command()]
    return checks


def doctor_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help=f"Scenario whose data files to check (default: {DEFAULT_SCENARIO}).",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check this installation: Python, packages against pyproject.toml, the data files of a
    shipped scenario, chromium for the browser tests, a CJK font for the figures' Chinese
    names, the output folder and the command.

    One line per check (OK, WARN or FAIL); exit 1 when any check fails.
    """
    checks = run_checks(scenario or default_scenario())
    for check in checks:
        typer.echo(check.line())
    failed = sum(c.status == "FAIL" for c in checks)
    if failed:
        typer.echo(f"{failed} check(s) failed", err=True)
        raise typer.Exit(code=1)
