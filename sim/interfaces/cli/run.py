"""``citysafe validate``, ``schema`` and ``run``: the commands on one scenario file.

Registered by :mod:`sim.interfaces.cli.main` (which imports this module only when one of them
is run or its help is asked); ``run --replications`` hands over to
:mod:`sim.interfaces.cli.ensemble`.
"""

from __future__ import annotations

import contextlib
import json
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sim.core.errors import CacheWarning, InputDataError
from sim.interfaces.cli.common import (
    OverrideOpt,
    ScenarioArg,
    SeedOpt,
    echo_warnings,
    load_or_exit,
    publish_or_exit,
    stage_or_exit,
)
from sim.results.staging import RunFolderError, untouched
from sim.scenario.paths import command_overrides, shown_overrides
from sim.studies.sweep.executor import WORKERS
from sim.studies.sweep.spec import PLAN_RUNS

console = Console()


def validate(
    ctx: typer.Context,
    scenario: ScenarioArg,
    param: OverrideOpt = None,
    journal: Annotated[
        Path | None,
        typer.Option(help="Also check an exercise journal (YAML) as run --journal reads it."),
    ] = None,
) -> None:
    """Check a scenario file (and a journal to replay on it); print every problem as
    FILE: field.path: expected (exit 2)."""
    _load_checked(scenario, list(param or []), journal, shown_overrides(ctx, param))
    also = f"; {journal}: OK" if journal is not None else ""
    # a path printed whole: no newline inside it when piped (soft wrap), no [..] read as markup
    console.print(f"{scenario}: OK{also}", highlight=False, markup=False, soft_wrap=True)


def _load_checked(
    scenario: Path, overrides: list[str], journal_path: Path | None, shown: dict[str, str]
):
    """The scenario (with the journal's seed and overrides, then the command line's) and the
    journal, checked exactly as ``run`` uses them: ``validate`` and ``run`` share this path.
    ``shown``: the ``-p`` overrides and how a problem names them
    (:func:`sim.scenario.paths.shown_overrides`).

    Returns:
        (scenario, Journal or None, the overrides applied).

    Raises:
        typer.Exit: code 2 after printing every problem of the first file that has some.
    """
    from sim.interfaces.cli.behaviour import check_posterior_or_exit

    if journal_path is None:
        scen = load_or_exit(scenario, overrides, shown)
        check_posterior_or_exit(scen)  # a damaged posterior: exit 2 before anything runs
        return scen, None, overrides
    from sim.interfaces.exercise.replay import check_journal_or_exit, load_journal_overrides

    journal, overrides = load_journal_overrides(journal_path, overrides)  # exit 2 if malformed
    try:
        scen = load_or_exit(scenario, overrides, shown)
    except typer.Exit:
        if journal.overrides:  # say where the overrides in those problems came from
            typer.echo(
                f"{journal_path}: overrides: the scenario was loaded with the journal's "
                f"overrides {journal.overrides}",
                err=True,
            )
        raise
    check_journal_or_exit(journal, scen, journal_path, scenario)  # exit 2 if it does not fit
    check_posterior_or_exit(scen)
    return scen, journal, overrides


def schema() -> None:
    """Print the JSON Schema of scenario files (both kinds: emergency and long_run)."""
    from sim.scenario.kinds import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


# long: the typer options are declared in the signature; the body is a dozen lines
def run(
    ctx: typer.Context,
    scenario: ScenarioArg,
    param: OverrideOpt = None,
    seed: SeedOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Run folder (default runs/<scenario>-<seed>/).")
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No progress bar; the outcome table, warnings and the run folder are still "
            "printed.",
            show_default=False,
        ),
    ] = False,
    figures: Annotated[
        bool,
        typer.Option(
            "--figures/--no-figures",
            help="Write the PNG figures (default: yes).",
            show_default=False,
        ),
    ] = True,
    journal: Annotated[
        Path | None,
        typer.Option(help="Replay an exercise journal (YAML) with the journal's seed."),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(
            callback=PLAN_RUNS.check,
            help="Run an ensemble of N seeds spawned from the scenario's seed: median and "
            "90% interval of each outcome (ensemble.parquet, ensemble.json, report.html); "
            f"{PLAN_RUNS} (the sweep plan's bound).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            callback=WORKERS.check,
            help=f"Processes for --replications ({WORKERS}).",
        ),
    ] = 1,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace a finished run folder at --out.", show_default=False
        ),
    ] = False,
    fixed_behaviour: Annotated[
        bool,
        typer.Option(
            "--fixed-behaviour",
            help="With --replications: keep the households' behaviour coefficients at the "
            "scenario's values in every replication (default: each replication draws them "
            "from the city's calibrated posterior, when the city ships one).",
            show_default=False,
        ),
    ] = False,
) -> None:
    """Run a scenario and write its run folder (summary, tables, figures).

    The run writes into ``<out>.partial`` and the folder is renamed into place when the run
    has finished (:mod:`sim.results.staging`): an interrupted run leaves ``<out>`` as it was.
    """
    overrides = command_overrides(param, {"seed": ("--seed", seed)})  # exit 2 if both given
    shown = shown_overrides(ctx, param)
    scen, journal, overrides = _load_checked(scenario, overrides, journal, shown)
    if replications is not None:
        from sim.interfaces.cli.ensemble import ensemble_command

        ensemble_command(
            scenario,
            overrides,
            scen,
            out,
            replications,
            workers,
            quiet,
            journal,
            overwrite=overwrite,
            fixed_behaviour=fixed_behaviour,
            figures=figures,
        )
        return
    out_dir = out or Path("runs") / f"{scen.name}-{scen.seed}"
    event = _observed_period(scenario, scen)
    _run_staged(scen, out_dir, overwrite, journal, quiet, figures, event)


def _observed_period(path: Path, scen):
    """The period the scenario's observed figures cover: the window of the file that gives
    them (:func:`sim.results.report.event_window`); None without observed figures."""
    if not scen.observed:
        return None
    from sim.results.report import event_window

    return event_window(path)


def _run_staged(
    scen, out_dir: Path, overwrite: bool, journal, quiet: bool, figures: bool, event=None
) -> None:
    """Run (or replay ``journal``) into ``out_dir``'s staging folder and publish it when
    finished (:mod:`sim.results.staging`), holding the staging folder's lock throughout; exit 2
    on an unusable folder or any input file error (:class:`~sim.core.errors.InputDataError`:
    city, hazard, network data), 130 on Ctrl-C. ``event``: the period the scenario's observed
    figures cover (:func:`sim.results.report.event_window`), for the console table."""
    with contextlib.ExitStack() as hold:
        out_dir, staging = stage_or_exit(out_dir, scen, overwrite, hold=hold)
        try:
            if journal is not None:
                from sim.interfaces.exercise.replay import replay_command

                replay_command(scen, journal, staging, quiet, figures, console, event)
            else:
                _run(scen, staging, quiet, figures, event)
        except KeyboardInterrupt:
            # only a long run's finished shocks are kept for a rerun (sim.models.longrun)
            resumes = journal is None and bool(getattr(scen, "shocks", None))
            hint = (
                "rerun to resume it: its finished shocks are reused"
                if resumes
                else "it does not resume: rerun to start it again"
            )
            typer.echo(
                f"interrupted: {untouched(out_dir)}; the unfinished run is in {staging} ({hint})",
                err=True,
            )
            raise typer.Exit(code=130) from None
        except (InputDataError, RunFolderError) as exc:  # validate reads the files first
            typer.echo(f"{exc} ({untouched(out_dir)})", err=True)
            raise typer.Exit(code=2) from None
        except MemoryError:  # statistics or parameters that ask for an impossible city
            typer.echo(
                f"the scenario needs more memory than this machine has: check the size-setting "
                f"figures (city.yaml networks statistics, networks.resolution) "
                f"({untouched(out_dir)})",
                err=True,
            )
            raise typer.Exit(code=2) from None
        publish_or_exit(staging, out_dir)
    console.print(f"run folder: {out_dir}", highlight=False, markup=False, soft_wrap=True)


def import_lines(model) -> list[str]:
    """What each of the run's network imports brought in
    (:func:`sim.networks.compose.import_text`); none for a model without networks."""
    from sim.networks.compose import import_text

    infra = getattr(model, "infra", None)
    if infra is None:
        return []
    names = list(model.city.districts["name_en"])
    return [import_text(imp, names) for imp in infra.net.meta.get("imports", [])]


def _run(scen, out_dir: Path, quiet: bool, figures: bool, event=None) -> None:
    """Run a scenario of either kind into ``out_dir`` and print its console table."""
    from sim.results.report import print_summary
    from sim.results.runner import run_scenario
    from sim.results.summary import outcome_totals

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CacheWarning)
        result = run_scenario(scen, out_dir, progress=not quiet, figures=figures)
    echo_warnings(caught, CacheWarning)
    for text in import_lines(result.model):
        typer.echo(f"imported: {text}")  # one line, whatever the terminal width
    if result.resumed:  # a rerun after an interrupt: say what it did not run again
        n = len(getattr(scen, "shocks", None) or ())
        console.print(
            f"resumed: {len(result.resumed)} of {n} shocks done ({', '.join(result.resumed)}: "
            "finished by the interrupted run, reused)",
            highlight=False,
        )
    print_summary(
        console,
        result.summary,
        scen,
        event,
        getattr(result.model, "warning_issued", True),
        outcome_totals(result.model),
    )
