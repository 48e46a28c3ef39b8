"""Run one scenario of either kind end to end: model → run folder (resolved scenario, tables,
figures, report.html, summary).

The one runner of both clocks: ``citysafe run``, sweeps (:func:`sim.studies.sweep.runone.run_one`)
and calibration (through sweeps) call :func:`run_scenario`; what differs by kind comes from
:func:`sim.results.kinds.model_kind`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim.models.base import SimulationModel
from sim.results.html_report import write_report
from sim.results.kinds import ModelKind, model_kind
from sim.results.run_folder import write_resolved, write_summary, write_tables
from sim.results.shocks import run_with_shocks, shock_keys
from sim.results.summary import outcome_totals


@dataclass
class RunResult:
    """A finished run: its summary, folder, written files (path key → path) and the model;
    ``resumed``: a long run's shocks that a previous, interrupted attempt had finished (reused,
    not run again)."""

    summary: dict
    out_dir: Path
    paths: dict[str, Path]
    model: SimulationModel
    resumed: tuple[str, ...] = ()


def run_scenario(
    scenario,
    out_dir: Path,
    progress: bool = False,
    figures: bool = True,
    city_state=None,
    report: bool = True,
) -> RunResult:
    """Build the model of the scenario's kind, run it to the horizon and write the run folder.

    A long run with ``shocks:`` runs an emergency window at each shock date on its city state
    (:func:`sim.results.shocks.run_with_shocks`: ``shocks/<name>/``, summary keys
    ``shocks.<name>.<key>``; a re-run in the same folder reuses complete shocks).

    Args:
        scenario: a validated scenario of either kind (:mod:`sim.scenario.kinds`).
        out_dir: run folder (created; existing files of the same names are replaced).
        progress: show a progress bar of simulated time (hours or years).
        figures: write the PNG figures (those that apply to the run: :mod:`sim.results.kinds`).
        city_state: an emergency scenario's :class:`~sim.risk.city_state.CityState` (a shock
            of a long run); None: none.
        report: write the one-page ``report.html`` (:mod:`sim.results.html_report`; with or
            without figures).

    Returns:
        The :class:`RunResult`; ``summary["wall_time_s"]`` covers building, running and
        writing (seconds).

    Raises:
        ValueError: the scenario's kind has no model, or a summary value is negative or not
            finite (a model bug).
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    kind = model_kind(scenario)
    paths = {"scenario": write_resolved(scenario, out_dir)}
    model = (
        kind.build(scenario) if city_state is None else kind.build(scenario, city_state=city_state)
    )
    shocks = getattr(scenario, "shocks", None)
    reused: list[str] = []
    if shocks:
        (out_dir / "summary.json").unlink(missing_ok=True)  # complete only when rewritten
        window = partial(_window, figures=figures)
        done = run_with_shocks(model, scenario, out_dir, window, reused)
    else:
        run_model(model, kind, scenario.name, progress)
    summary = kind.summarise(model, time.perf_counter() - t0)
    if shocks:
        summary |= shock_keys(done)
    paths |= write_tables(kind.tables(model), out_dir)
    shown: list[tuple[Path, str]] = []
    if figures:
        from sim.results.figures import caption_of, write_figures  # matplotlib: only when drawing

        makers = kind.figure_makers()
        drawn = write_figures(model, out_dir, makers)
        if hasattr(kind, "order_figures"):  # the main hazard's figure first
            drawn = kind.order_figures(model, drawn)
        assert not drawn.keys() & paths.keys(), "a figure's path key names a table"
        paths |= drawn
        shown = [(path, caption_of(makers[key][1], model)) for key, path in drawn.items()]
    summary["wall_time_s"] = round(time.perf_counter() - t0, 2)
    if report:
        warned = getattr(model, "warning_issued", True)  # only emergency runs warn
        paths["report"] = write_report(
            out_dir, scenario, summary, paths, shown, drawn=figures, warned=warned,
            totals=outcome_totals(model),
        )  # fmt: skip
    paths["summary"] = write_summary(summary, out_dir)
    return RunResult(summary, out_dir, paths, model, resumed=tuple(reused))


def _window(scenario, out_dir: Path, city_state, figures: bool) -> dict:
    """A shock's emergency window (:data:`sim.results.shocks.RunWindow`)."""
    return run_scenario(scenario, out_dir, figures=figures, city_state=city_state).summary


def run_model(model: SimulationModel, kind: ModelKind, label: str, progress: bool) -> None:
    """Run ``model`` to its horizon, with a progress bar of simulated time if ``progress``."""
    if not progress:
        model.run()
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} " + kind.progress_unit),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        _, total, _ = kind.progress(model, 0.0)
        task = bar.add_task(label, total=total, clock="")

        def tick(t_h: float) -> None:
            done, _, caption = kind.progress(model, t_h)
            bar.update(task, completed=done, clock=caption)

        model.run(progress=tick)
