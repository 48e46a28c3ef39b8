"""What every ``citysafe`` command shares: scenario arguments, loading a scenario or exiting
with its problems, staging and publishing an output folder (:mod:`sim.results.staging`).

Commands live in their own modules and the typer app in :mod:`sim.interfaces.cli.main`, which
registers them; they import these helpers from here, never from main (no cycle).
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from pathlib import Path
from typing import Annotated

import typer

from sim.core.cli_input import schema_bound
from sim.core.errors import InputDataWarning
from sim.interfaces.problems import echo_problems
from sim.models.data_check import check_data
from sim.scenario import Problem, ScenarioError, load_scenario
from sim.scenario.override_paths import overrides_of
from sim.scenario.paths import OVERRIDE_HELP, overrides_from_cwd
from sim.scenario.schema import Scenario, ScenarioBase

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SCENARIO_SEED = schema_bound(ScenarioBase, "seed", "a scenario's seed")
"""What ``--seed`` of a scenario accepts: the schema's ``seed`` field's bounds."""
NETWORK_RESOLUTION = schema_bound(Scenario, "networks.resolution")
"""What ``--resolution`` accepts: the schema's ``networks.resolution`` bounds (it is applied
as that field)."""
SeedOpt = Annotated[
    int | None,
    typer.Option(
        callback=SCENARIO_SEED.check,
        help=f"Seed (overrides the file's seed; {SCENARIO_SEED}).",
        show_default=False,
    ),
]
OverrideOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-p",
        "--param",
        metavar="PATH=VALUE",
        help=OVERRIDE_HELP,
        callback=overrides_from_cwd,
    ),
]


def echo_warnings(caught, category: type[Warning]) -> None:
    """Print the recorded warnings of ``category`` once each, as ``warning: FILE: message``
    (their messages start with the file), on stderr; pass any other warning on as it came.

    Args:
        caught: the records of :func:`warnings.catch_warnings` (``record=True``).
        category: the project's warning class to print (:class:`InputDataWarning`,
            :class:`~sim.core.errors.CacheWarning`).
    """
    shown: set[str] = set()
    for w in caught:
        if issubclass(w.category, category):
            if str(w.message) not in shown:  # a file read twice (a model built) warns once
                typer.echo(f"warning: {w.message}", err=True)
            shown.add(str(w.message))
        else:  # not ours: passed on as it came
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def load_or_exit(path: Path, overrides: list[str] | None, shown: dict[str, str] | None = None):
    """Load and validate a scenario, then read its data files.

    A problem that comes from one of the command line's overrides names it at its end
    (``FILE: hazard: unknown hazard 'foo'; ... (given as -p hazard.foo=3)``;
    :func:`name_overrides`); ``shown`` maps those
    overrides (as in ``overrides``) to how they are named
    (:func:`sim.scenario.paths.shown_overrides`); others, such as a journal's, are not named.

    What the input files warn (:class:`~sim.core.errors.InputDataWarning`: network imports'
    defaults applied, elements dropped or unreachable; a track that misses part of the window;
    scripted events outside the window; ...) is printed once as ``warning: FILE: message``;
    the same warnings of the run that follows are not printed again (the run logs the network
    imports' ones as ``import_warning`` events).

    Returns:
        The validated scenario (either kind).

    Raises:
        typer.Exit: code 2 after printing one ``FILE: field.path: message`` line per problem.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputDataWarning)
        try:
            scen = load_scenario(path, overrides or [])
        except ScenarioError as exc:
            problems = exc.problems
        else:
            problems = check_data(scen, str(path))
    echo_warnings(caught, InputDataWarning)
    if not problems:
        warnings.filterwarnings("ignore", category=InputDataWarning)
        return scen
    echo_problems(name_overrides(problems, shown or {}))
    raise typer.Exit(code=2)


def name_overrides(problems: list[Problem], shown: dict[str, str]) -> list[Problem]:
    """``problems`` with each one that comes from an override of ``shown`` (override → its
    name on the command line, e.g. ``-p hazard.foo=3``) naming it
    (:func:`sim.scenario.override_paths.overrides_of` says which): ``FILE: field: message
    (given as -p a.b=x)``, the ``FILE: field.path: expected`` line every input's problem is,
    with the override at its end; a malformed override, which has no field, is the field
    itself (``FILE: -p =3: override must look like a.b.c=value``)."""
    out = []
    for problem in problems:
        given = [o for o in overrides_of(problem.field, list(shown)) if o in shown]
        names = ", ".join(shown[o] for o in given)
        if not given:
            out.append(problem)
        elif given == [problem.field]:  # malformed: reported at its own text
            out.append(dataclasses.replace(problem, field=names))
        else:
            out.append(
                dataclasses.replace(problem, message=f"{problem.message} (given as {names})")
            )
    return out


def stage_or_exit(
    out_dir: Path,
    scen,
    overwrite: bool,
    finished_file: str | None = None,
    *,
    hold: contextlib.ExitStack,
    kind: str = "run",
    settings: dict | None = None,
    resume: bool = True,
    keep_other: bool = False,
) -> tuple[Path, Path]:
    """The output folder (absolute) and its staging folder, locked until ``hold`` closes
    (:func:`sim.results.staging.stage`; the scenario's city data folder may not hold it).

    Args:
        out_dir, overwrite, finished_file, kind, settings, resume, keep_other: as
            :func:`~sim.results.staging.stage`.
        hold: the command's exit stack: the staging folder's lock is released when it closes.

    Raises:
        typer.Exit: code 2 with the reason when ``out_dir`` cannot receive the output (a
            folder of other files, one another process is writing, ...).
    """
    from sim.results.staging import FINISHED_FILE, RunFolderError, resolve_out, stage
    from sim.scenario.loader import dump_resolved

    inputs = [scen.city.data_dir] if getattr(scen, "city", None) is not None else []
    try:
        out_dir = resolve_out(out_dir, inputs)
        staging = stage(
            out_dir,
            dump_resolved(scen),
            overwrite,
            finished_file or FINISHED_FILE,
            inputs,
            kind=kind,
            settings=settings,
            resume=resume,
            hold=hold,
            keep_other=keep_other,
        )
    except RunFolderError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    return out_dir, staging


def publish_or_exit(staging: Path, out_dir: Path, finished_file: str | None = None) -> None:
    """Rename a finished staging folder into place (:func:`sim.results.staging.publish`);
    print a warning naming where a folder that gained someone's files was moved aside.

    Raises:
        typer.Exit: code 1 with where each folder is when the rename failed.
    """
    from sim.results.staging import FINISHED_FILE, RunFolderError, publish

    try:
        kept = publish(staging, out_dir, finished_file or FINISHED_FILE)
    except RunFolderError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    if kept is not None:
        typer.echo(
            f"warning: {out_dir}: gained files its run did not write while this run ran; the "
            f"previous folder is kept, untouched, in {kept}",
            err=True,
        )
