"""Batch replay of a journal: ``citysafe run SCENARIO --journal FILE``.

The journal's injects become the scenario's ``injects:`` (each at its ``t_h``), so the run is
the live session's; the run folder gets the usual files plus ``journal.yaml``,
``after_action.csv`` (outcomes vs the same scenario and seed without injects) and
``timeline.csv``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.interfaces.exercise.after_action import AfterAction, baseline_model, compare
from sim.interfaces.exercise.journal import (
    Journal,
    JournalError,
    fit_problems,
    scenario_warnings,
)
from sim.interfaces.problems import echo_problems
from sim.models.emergency import CityModel
from sim.models.event_effects import InjectError
from sim.results.report import print_summary
from sim.results.runner import run_scenario
from sim.results.summary import outcome_totals
from sim.scenario.schema import Scenario


def with_journal(scenario: Scenario, journal: Journal) -> Scenario:
    """The scenario with the journal's injects (validated events with ``at_h``)."""
    return scenario.model_copy(update={"injects": journal.events()})


def replay_to_folder(
    scenario: Scenario,
    journal: Journal,
    out_dir: Path,
    progress: bool = False,
    figures: bool = True,
):
    """Run the scenario with the journal's injects, then its baseline; write the run folder.

    Returns:
        (RunResult, AfterAction).

    Raises:
        InjectError: an inject names an unknown district, depot or crossing.
    """
    out_dir = Path(out_dir)
    result = run_scenario(with_journal(scenario, journal), out_dir, progress, figures)
    journal.save(out_dir / "journal.yaml")
    review: AfterAction = compare(result, baseline_model(scenario))
    review.outcomes.to_csv(out_dir / "after_action.csv", index=False)
    review.timeline.to_csv(out_dir / "timeline.csv", index=False)
    result.paths.update(
        journal=out_dir / "journal.yaml",
        after_action=out_dir / "after_action.csv",
        timeline=out_dir / "timeline.csv",
    )
    return result, review


def load_journal_overrides(path: Path, overrides: list[str]) -> tuple[Journal, list[str]]:
    """CLI helper of ``run --journal`` and ``validate --journal``: read the journal (exit 2
    with one ``FILE: field.path: message`` line per problem if malformed) and put its overrides
    and seed before the command line's (which win)."""

    try:
        journal = Journal.load(path)
    except JournalError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(code=2) from None
    seed = [f"seed={journal.seed}"] if journal.seed is not None else []
    recorded = {o.split("=", 1)[0]: o for o in [*journal.overrides, *seed]}
    changed = [o for o in overrides if recorded.get(o.split("=", 1)[0], o) != o]
    if changed:  # allowed (what-if on a recorded exercise), but no longer an exact replay
        typer.echo(
            f"warning: {', '.join(changed)} replace the journal's "
            f"{', '.join(recorded[o.split('=', 1)[0]] for o in changed)}: outcomes will "
            "differ from the recorded exercise",
            err=True,
        )
    return journal, [*journal.overrides, *seed, *overrides]


def check_journal_or_exit(
    journal: Journal, scenario, source: Path | str, scenario_path: Path | str | None = None
) -> None:
    """CLI helper of ``run --journal`` and ``validate --journal`` (one path, so both refuse
    the same journals with the same messages): exit 2 printing every problem replaying
    ``journal`` on ``scenario`` would meet (:func:`~sim.interfaces.exercise.journal.fit_problems`;
    builds the scenario's model once, under a second for a full-resolution city); otherwise
    print a warning when the journal was recorded on another scenario of the city, or another
    version of it (:func:`~sim.interfaces.exercise.journal.scenario_warnings`).

    Raises:
        typer.Exit: code 2 after one ``FILE: field.path: message`` line per problem, or when
            the scenario is a long run (journals replay emergency windows).
    """
    if not isinstance(scenario, Scenario):
        typer.echo("--journal replays emergency scenarios only (not kind: long_run)", err=True)
        raise typer.Exit(code=2)
    model = CityModel(scenario)
    problems = fit_problems(journal, model, str(source))
    echo_problems(problems)
    if problems:
        raise typer.Exit(code=2)
    for line in scenario_warnings(journal, model, str(source), scenario_path):
        typer.echo(line, err=True)


def replay_command(
    scenario, journal: Journal, out_dir: Path, quiet: bool, figures: bool, console, event=None
):
    """CLI body of ``run --journal`` on a journal :func:`check_journal_or_exit` passed: replay,
    print the summary and the after-action table. ``event``: the period the scenario's observed
    figures cover (:func:`sim.results.report.event_window`; a journal's window overrides, an
    exercise started at landfall, make the replay's window shorter: then they are not
    compared)."""
    try:
        result, review = replay_to_folder(scenario, journal, out_dir, not quiet, figures)
    except InjectError as exc:
        typer.echo(f"journal: {exc}", err=True)
        raise typer.Exit(code=2) from None
    print_summary(
        console,
        result.summary,
        scenario,
        event,
        getattr(result.model, "warning_issued", True),
        outcome_totals(result.model),
    )
    console.print(review.outcomes.to_string(index=False), highlight=False)
