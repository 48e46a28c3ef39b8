"""Run one scenario end to end: model → run folder (tables, figures, resolved scenario)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim.models.emergency import CityModel
from sim.results.run_folder import write_resolved, write_tables
from sim.results.summary import summarise
from sim.scenario.schema import Scenario


@dataclass
class RunResult:
    """A finished run: its summary, folder, written files and the model itself."""

    summary: dict
    out_dir: Path
    paths: dict[str, Path]
    model: CityModel


def run_scenario(
    scenario: Scenario, out_dir: Path, progress: bool = False, figures: bool = True
) -> RunResult:
    """Build the model, run it to the horizon and write the run folder.

    Args:
        scenario: validated scenario.
        out_dir: run folder (created; existing files of the same names are replaced).
        progress: show a progress bar of simulated time (hours).
        figures: write the PNG figures.

    Returns:
        The :class:`RunResult`.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    write_resolved(scenario, out_dir)
    model = CityModel(scenario)
    horizon = scenario.time.duration_h
    if progress:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} h simulated"),
            TextColumn("{task.fields[clock]}"),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(scenario.name, total=horizon, clock="")

            def tick(t_h: float) -> None:
                clock = str(model.utc(t_h)).replace("T", " ") + " UTC"
                bar.update(task, completed=t_h, clock=f"{clock} · {model.alert_level_name}")

            model.run(progress=tick)
    else:
        model.run()
    summary = summarise(model, time.perf_counter() - t0)
    paths = write_tables(model, summary, out_dir)
    paths["scenario"] = out_dir / "scenario.resolved.yaml"
    if figures:
        from sim.results.figures import write_figures

        paths.update(write_figures(model, out_dir))
    summary["wall_time_s"] = round(time.perf_counter() - t0, 2)
    paths["summary"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return RunResult(summary=summary, out_dir=out_dir, paths=paths, model=model)
