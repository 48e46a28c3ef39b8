"""Run one long-run scenario end to end: model → run folder (tables, figures, resolved scenario).

Run folder:

* ``scenario.resolved.yaml`` — the scenario with every default filled in;
* ``summary.json`` — :func:`sim.results.longrun_summary.summarise` (finite, non-negative numbers);
* ``events.parquet`` — every event: ``t_h, time_utc, kind, district, sector, asset, value``;
* ``latent_risk.parquet`` — latent-risk index per year × district × sector;
* ``maintenance.parquet`` — year × district budget and spending (with ``slow_risk``);
* ``black_swans.parquet`` — one row per shock with its amplification by latent risk;
* ``audit.parquet`` — one row per duty instance (with ``processes.governance``; columns
  :data:`sim.agents.governance.audit.AUDIT_COLUMNS`);
* ``chemical_accidents.parquet`` — one row per chemical-park accident; ``governance.parquet``
  — monthly diligence per layer, latent hazards, barrier miss probability (with governance);
* ``events_per_year.png``, ``latent_risk.png``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim.models.longrun import RiskDynamicsModel
from sim.results.longrun_summary import maintenance_frame, shocks_frame, summarise
from sim.scenario.loader import dump_resolved
from sim.scenario.longrun import LongRunScenario


@dataclass
class LongRunResult:
    """A finished long run: its summary, folder, written files and the model itself."""

    summary: dict
    out_dir: Path
    paths: dict[str, Path]
    model: RiskDynamicsModel


def run_long_scenario(
    scenario: LongRunScenario, out_dir: Path, progress: bool = False, figures: bool = True
) -> LongRunResult:
    """Build the model, run the window and write the run folder.

    Args:
        scenario: validated long-run scenario.
        out_dir: run folder (created; existing files of the same names are replaced).
        progress: show a progress bar of simulated years.
        figures: write the PNG figures.

    Returns:
        The :class:`LongRunResult`.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"scenario": out_dir / "scenario.resolved.yaml"}
    paths["scenario"].write_text(dump_resolved(scenario), encoding="utf-8")
    model = RiskDynamicsModel(scenario)
    if progress:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} years"),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(scenario.name, total=model.n_years)
            model.run(progress=lambda years: bar.update(task, completed=years))
    else:
        model.run()
    paths |= {
        "summary": out_dir / "summary.json",
        "events": out_dir / "events.parquet",
        "latent_risk": out_dir / "latent_risk.parquet",
    }
    model.events_frame().to_parquet(paths["events"], index=False)
    if model.latent and (model.offices or model.pipeline is not None):
        model.latent_frame().to_parquet(paths["latent_risk"], index=False)
    else:
        del paths["latent_risk"]
    if model.offices:
        paths["maintenance"] = out_dir / "maintenance.parquet"
        maintenance_frame(model).to_parquet(paths["maintenance"], index=False)
    if model.black_swans is not None:
        paths["black_swans"] = out_dir / "black_swans.parquet"
        shocks_frame(model).to_parquet(paths["black_swans"], index=False)
    if model.governance is not None:
        gov = model.governance
        paths |= {
            "audit": out_dir / "audit.parquet",
            "chemical_accidents": out_dir / "chemical_accidents.parquet",
            "governance": out_dir / "governance.parquet",
        }
        gov.audit.frame().to_parquet(paths["audit"], index=False)
        gov.accidents_frame().to_parquet(paths["chemical_accidents"], index=False)
        gov.monthly_frame().to_parquet(paths["governance"], index=False)
    if figures:
        from sim.results.longrun_figures import write_figures

        paths |= write_figures(model, out_dir)
    summary = summarise(model, time.perf_counter() - t0)
    paths["summary"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return LongRunResult(summary=summary, out_dir=out_dir, paths=paths, model=model)
