"""``citysafe run SCENARIO --replications N [--workers W]``: an ensemble over seeds.

The replications run as a one-scenario sweep (:mod:`sim.studies.sweep.replicate`: seeds
spawned from the scenario's seed, the sweep executor, the one runner); the run folder gets the
resolved scenario, ``ensemble.parquet`` and ``ensemble.json`` (:mod:`sim.results.ensemble`) and
the sweep folder ``replications/`` (plan, one row per replication, failures). The console shows
each outcome's median and 90% interval beside the observed figures.

The folder is written in ``<out>.partial`` and renamed into place when the ensemble is written
(:mod:`sim.results.staging`, locked while it runs; an interrupted ensemble is resumed by the same
command — its finished replications are not run again — a finished one is replaced only with
``--overwrite``).

Exit codes: 0 every replication done; 1 some failed (the others are summarised); 2 unusable
folder; 130 interrupted.
"""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path

import typer
from rich.console import Console

from sim.interfaces.cli.behaviour import behaviour_draws
from sim.interfaces.cli.common import publish_or_exit, stage_or_exit
from sim.results.ensemble import STATS_FILE as ENSEMBLE_FILE
from sim.results.ensemble import ensemble_table, outcome_stats, print_ensemble, write_ensemble
from sim.results.staging import untouched
from sim.studies.sweep.exits import echo_notes, sweep_exits
from sim.studies.sweep.replicate import REPLICATIONS_DIR, run_replications
from sim.studies.sweep.spec import EMERGENCY_OUTCOME_KEYS


def ensemble_command(
    scenario_path: Path,
    overrides: list[str],
    scen,
    out: Path | None,
    replications: int,
    workers: int,
    quiet: bool,
    journal: Path | None,
    console: Console | None = None,
    overwrite: bool = False,
    fixed_behaviour: bool = False,
    figures: bool = True,
) -> None:
    """Run the replications, write the ensemble files, print the table (see module doc).

    Args:
        scenario_path: the scenario file; overrides: its ``-p`` overrides (``seed=`` too);
        scen: the scenario loaded with them (its seed is the root seed).
        out: the run folder (default ``runs/<name>-<seed>-x<N>/``).
        replications, workers: N runs on this many processes.
        quiet: no progress bar; journal: must be None (a replay is one run).
        overwrite: replace a finished ensemble folder at ``out``.
        fixed_behaviour: keep the scenario's behaviour coefficients (else each replication
            draws them from the city's posterior when there is one: :func:`behaviour_draws`).
        figures: draw the report's figure (False: ``--no-figures``).

    Raises:
        typer.Exit: 1 when some replication failed, 2 on a journal or an unusable folder, 130
            on Ctrl-C.
    """
    console = console or Console()
    if journal is not None:
        typer.echo("--journal replays one run: it excludes --replications", err=True)
        raise typer.Exit(code=2)
    final_dir = out or Path("runs") / f"{scen.name}-{scen.seed}-x{replications}"
    overrides, drawn, coefficients = behaviour_draws(scen, overrides, fixed_behaviour)
    with contextlib.ExitStack() as hold:  # the staging folder's lock, until published
        final_dir, out_dir = stage_or_exit(
            final_dir,
            scen,
            overwrite,
            ENSEMBLE_FILE,
            hold=hold,
            settings={"replications": replications},  # another N: not this staging folder
            keep_other=not overwrite,  # another scenario's replications: refused, not lost
        )
        kept = f"{untouched(final_dir)}; the unfinished ensemble is in {out_dir}"
        with sweep_exits(
            out_dir, f"rerun to resume it ({kept})", finished=out_dir / REPLICATIONS_DIR
        ):
            done = run_replications(
                scenario_path,
                overrides,
                scen.name,
                scen.seed,
                replications,
                out_dir,
                workers=workers,
                progress=not quiet,
                on_start=partial(_say_resumed, console, coefficients),
            )
            echo_notes(done.outcome)
            observed = _comparable_observed(scenario_path, scen, console)
            meta = {"behaviour_posterior_draws": drawn}
            stats, n_rows = _write_stats(done, scen, replications, out_dir, observed, meta, figures)
        publish_or_exit(out_dir, final_dir, ENSEMBLE_FILE)
    failed = done.outcome.failed
    sweep_folder = final_dir / Path(done.folder).relative_to(out_dir)  # moved with it
    print_ensemble(console, stats, scen, n_rows)
    console.print(f"run folder: {final_dir}", highlight=False, markup=False, soft_wrap=True)
    if failed:
        typer.echo(
            f"{len(failed)} of {replications} replications failed: {', '.join(failed[:5])} "
            f"(errors in {sweep_folder}/failures.jsonl)",
            err=True,
        )
        raise typer.Exit(code=1)


def _say_resumed(console: Console, coefficients: str, outcome) -> None:
    """Before running (the folder and its data checked): which behaviour coefficients the
    replications use, and how many an interrupted attempt had finished (kept)."""
    if coefficients:
        console.print(coefficients, highlight=False)
    if outcome.skipped:
        console.print(
            f"resumed: {outcome.skipped} of {outcome.total} replications done (finished by the "
            f"interrupted run, kept); running the other {outcome.total - outcome.skipped}",
            highlight=False,
        )


def _comparable_observed(scenario_path: Path, scen, console: Console) -> dict:
    """The scenario's observed figures if the ensemble's window covers their period
    (:func:`sim.results.report.event_window`); otherwise none, with the line saying why."""
    from sim.results.report import event_window, not_compared, observed_comparable

    if not scen.observed:
        return {}
    event = event_window(scenario_path)
    if observed_comparable(scen, event):
        return scen.observed
    console.print(not_compared(scen, event) + "; none compared", style="bold", highlight=False)
    return {}


def _write_stats(
    done,
    scen,
    replications: int,
    out_dir: Path,
    observed: dict | None = None,
    extra_meta: dict | None = None,
    figures: bool = True,
) -> tuple[dict, int]:
    """Write ``report.html`` and its figure (:mod:`sim.results.ensemble_report`),
    ``ensemble.parquet`` and ``ensemble.json`` (last: the finished file) into the staging
    folder; return the outcome statistics and the number of finished replications.
    ``observed``: the figures to compare (default the scenario's); ``extra_meta``: added to
    the file's metadata (e.g. whether behaviour coefficients were drawn); ``figures``: draw
    the report's figure.

    Raises:
        typer.Exit: code 1 when every replication failed (nothing is written).
    """
    if done.rows.empty:
        typer.echo(f"every replication failed (errors in {done.folder}/failures.jsonl)", err=True)
        raise typer.Exit(code=1)
    outcomes = [k for k in done.spec.output_keys(scen.kind) if k != "wall_time_s"]
    if scen.kind == "long_run":  # its shocks' outcomes, shocks.<name>.<key>
        outcomes += scen.shock_outcome_keys(EMERGENCY_OUTCOME_KEYS)
    table = ensemble_table(done.rows, outcomes)
    units = type(scen).OUTCOME_UNITS or {}  # counts: by their replications' own values
    stats = outcome_stats(table, outcomes, scen.observed if observed is None else observed, units)
    meta = {
        "scenario": scen.name,
        "root_seed": int(scen.seed),
        "replications": replications,
        "seeds": [int(r.seed) for r in done.runs],
        "failed": done.outcome.failed,
        **(extra_meta or {}),
    }
    from sim.results.ensemble_report import write_ensemble_report  # matplotlib: when needed

    write_ensemble_report(out_dir, scen, table, stats, meta, figures=figures)
    write_ensemble(table, stats, out_dir, meta)
    return stats, len(table)
