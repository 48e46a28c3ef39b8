"""``citysafe riskmap SCENARIO``: the safety risk map and risk inventory (安全风险地图/风险清单).

The likelihood is an annual frequency (events per year): an emergency scenario's own
(:mod:`sim.studies.riskmap.frequency`; refused with exit 2 when it gives none) times the share
of replications in which the risk occurred, or a long run's events per simulated year.

Writes to OUT: ``risk_inventory.csv`` / ``.parquet`` (:mod:`sim.studies.riskmap.inventory`),
``risk_matrix.png`` (district × risk grades) and ``riskmap.png`` (one four-colour district map
per risk), both drawn from the inventory's grades, ``grades.md`` (the likelihood basis, the
bounds of both axes, the colours, sources and grade counts), ``replications.csv`` (seed and
totals of each replication), ``scenario.resolved.yaml`` and ``riskmap.json`` (the matrix,
thresholds, sources, scenario frequency and run settings; written last). OUT follows
the rule of every output folder (:mod:`sim.results.staging`): written in ``OUT.partial`` and
renamed into place when complete, never into a folder of someone's files, a finished one
replaced only with ``--overwrite``. Exit codes: 0 done; 2 invalid scenario or options, an
unusable folder or a failed write; 130 interrupted (OUT unchanged). Each replication is saved
in ``OUT.partial`` as it finishes (:mod:`sim.studies.riskmap.resume`): an interrupted risk
map is resumed by the same command — same scenario, overrides, ``--resolution`` and N — which
runs only the missing replications, and gives the same tables as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from sim.city import load_city
from sim.interfaces.cli.common import (
    NETWORK_RESOLUTION,
    load_or_exit,
    publish_or_exit,
    stage_or_exit,
)
from sim.results.staging import untouched
from sim.scenario.paths import (
    OVERRIDE_HELP,
    command_overrides,
    overrides_from_cwd,
    shown_overrides,
)
from sim.studies.riskmap import matrix
from sim.studies.riskmap.frequency import (
    AnnualFrequency,
    FrequencyMissing,
    cited_from,
    once_in_years,
    scenario_frequency,
)
from sim.studies.riskmap.grades import grades_markdown
from sim.studies.riskmap.inventory import build_inventory, grade_counts, not_observed_text
from sim.studies.riskmap.montecarlo import (
    Replication,
    is_long_run,
    replication_seeds,
    replications_frame,
    run_replications,
)
from sim.studies.riskmap.resume import (
    SAVED_DIR,
    load_replications,
    save_replication,
    scenario_key,
)
from sim.studies.sweep.executor import WORKERS
from sim.studies.sweep.spec import PLAN_RUNS

FINISHED_FILE = "riskmap.json"
"""Written last: a risk-map folder holding it is complete."""


@dataclass
class RiskMapResult:
    """A finished risk map: the inventory, the replications and the written files."""

    inventory: pd.DataFrame
    replications: pd.DataFrame
    paths: dict[str, Path]
    wall_time_s: float


def make_riskmap(
    scenario,
    replications: int,
    out_dir: Path,
    workers: int = 1,
    progress=None,
    settings: dict | None = None,
    scenario_file: Path | None = None,
    on_resume: Callable[[int, int], None] | None = None,
) -> RiskMapResult:
    """Run the Monte Carlo, build the graded inventory and write every output.

    Args:
        scenario: validated emergency or long-run scenario.
        replications: N.
        out_dir: output folder (created).
        workers: worker processes.
        progress: called with each finished :class:`~sim.studies.riskmap.montecarlo.Replication`.
        settings: extra run settings recorded in riskmap.json (overrides, resolution).
        scenario_file: the scenario file as given: the files its frequency's source cites
            relative to it are named so they resolve from here
            (:func:`~sim.studies.riskmap.frequency.cited_from`); None: the source as written.
        on_resume: called with (replications found finished, N) before the others run when
            ``out_dir`` holds replications an interrupted risk map of the same scenario saved
            (:mod:`sim.studies.riskmap.resume`: each replication is saved as it finishes, and
            the saved ones are removed once the tables are written).

    Raises:
        FrequencyMissing: an emergency scenario without an annual frequency (checked before
            any replication runs).
    """
    from sim.studies.riskmap.figures import grade_matrix, risk_map  # matplotlib: only when drawing

    t0 = time.perf_counter()
    long = is_long_run(scenario)
    freq = None if long else scenario_frequency(scenario)
    if freq is not None and scenario_file is not None:
        freq = cited_from(freq, scenario_file)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    city = load_city(Path(scenario.city.data_dir))
    reps = _run_resumable(scenario, replications, out_dir, workers, progress, on_resume)
    n_trials = replications * (scenario.years.n_years if long else 1)
    records = pd.concat([r.records for r in reps], ignore_index=True)
    inv = build_inventory(
        records, n_trials, "year" if long else "scenario", city.districts, scenario.name,
        scenario_frequency_per_yr=None if long else freq.events_per_yr,
    )  # fmt: skip
    paths = {
        "csv": out_dir / "risk_inventory.csv",
        "parquet": out_dir / "risk_inventory.parquet",
        "map": out_dir / "riskmap.png",
        "matrix": out_dir / "risk_matrix.png",
        "grades": out_dir / "grades.md",
        "replications": out_dir / "replications.csv",
        "meta": out_dir / "riskmap.json",
    }
    inv.to_csv(paths["csv"], index=False)
    inv.to_parquet(paths["parquet"], index=False)
    reps_df = replications_frame(reps)
    reps_df.to_csv(paths["replications"], index=False)
    title = f"{scenario.name}: safety risk map, {replications} replications; likelihood: "
    title += _basis(freq, n_trials)
    risk_map(inv, city, title, paths["map"])
    grade_matrix(inv, city, title, paths["matrix"])
    counts = grade_counts(inv)
    text = grades_markdown(counts, freq, n_trials if long else None, not_observed_text(inv))
    paths["grades"].write_text(text, "utf-8")
    shutil.rmtree(out_dir / SAVED_DIR)  # in replications.csv and the inventory now
    wall = time.perf_counter() - t0
    meta = _meta(scenario.name, replications, n_trials, workers, freq, reps_df, counts, wall)
    meta.update(settings or {})
    paths["meta"].write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")  # last
    return RiskMapResult(inventory=inv, replications=reps_df, paths=paths, wall_time_s=wall)


def _run_resumable(scenario, n, out_dir, workers, progress, on_resume) -> list[Replication]:
    """:func:`~sim.studies.riskmap.montecarlo.run_replications`, each replication saved into
    ``out_dir/replications/`` as it finishes and those an interrupted attempt saved there
    reused (:mod:`sim.studies.riskmap.resume`; arguments as :func:`make_riskmap`)."""
    folder, key = out_dir / SAVED_DIR, scenario_key(scenario)
    kept = load_replications(folder, replication_seeds(scenario.seed, n), key)
    if kept and on_resume is not None:
        on_resume(len(kept), n)

    def save(rep: Replication) -> None:
        save_replication(folder, rep, key)
        if progress is not None:
            progress(rep)

    reps = run_replications(scenario, n, workers, save, done=kept)
    return reps


def _meta(name, replications, n_trials, workers, freq, reps_df, counts, wall) -> dict:
    """riskmap.json: the basis, the matrix, its bounds, colours and sources, the counts."""
    return {
        "scenario": name,
        "replications": replications,
        "trials": n_trials,
        "likelihood_basis": "annual frequency, events per year: " + _basis(freq, n_trials),
        "scenario_frequency": None
        if freq is None
        else {"events_per_yr": freq.events_per_yr, "source": freq.source, "origin": freq.origin},
        "workers": workers,
        "seeds": reps_df["seed"].tolist(),
        "matrix_rows_C5_to_C1_cols_L1_to_L5": matrix.matrix_table(),
        "likelihood_bounds_per_yr": list(matrix.LIKELIHOOD_BOUNDS_PER_YR),
        "likelihood_names": list(matrix.LIKELIHOOD_NAMES),
        "consequence_bounds_level_deaths_injuries_yuan": [
            list(b) for b in matrix.CONSEQUENCE_BOUNDS
        ],
        "score_bounds_yellow_orange_red": list(matrix.SCORE_BOUNDS),
        "grade_colours": dict(matrix.GRADE_HEX),
        "sources": matrix.SOURCES,
        "grades": counts,
        "wall_time_s": round(wall, 2),
    }


def _basis(freq: AnnualFrequency | None, n_trials: int) -> str:
    """One line on the likelihood basis (titles, riskmap.json)."""
    if freq is None:
        return f"events per year over {n_trials} simulated years"
    f = freq.events_per_yr
    return f"scenario {f:.3g}/yr ({once_in_years(f)}) x share of replications"


def print_summary(console: Console, inv: pd.DataFrame, limit: int = 25) -> None:
    """Rich table of the red and orange entries (or the top entries when there are none)."""
    top = inv[inv["grade"].isin(("red", "orange"))]
    heading = "red (重大) and orange (较大) risks"
    if top.empty:
        top, heading = inv.head(10), "no red or orange risk; highest entries"
    counts = ", ".join(f"{g.replace('_', ' ')} {n}" for g, n in reversed(grade_counts(inv).items()))
    table = Table(title=f"{heading} — {counts}")
    for col in ("grade", "district", "category", "events/yr [95% CI]", "L×C", "deaths",
                "injuries", "loss M¥", "loss M¥/yr", "responsible layers"):  # fmt: skip
        table.add_column(col)
    style = {"red": "bold red", "orange": "dark_orange", "yellow": "yellow", "blue": "blue",
             matrix.NOT_OBSERVED: "dim"}  # fmt: skip
    for _, r in top.head(limit).iterrows():
        table.add_row(
            f"[{style[r['grade']]}]{r['grade']}[/]",
            f"{r['name_en']} {r['name_zh']}",
            str(r["category"]),
            f"{r['frequency_per_yr']:.3g} [{r['frequency_lo_per_yr']:.3g}, "
            f"{r['frequency_hi_per_yr']:.3g}]",
            f"{r['likelihood_level']}×{r['consequence_level']}",
            f"{r['deaths']:.2f}",
            f"{r['injuries']:.1f}",
            f"{r['loss_yuan'] / 1e6:.1f}",
            f"{r['loss_yuan_per_yr'] / 1e6:.2f}",
            str(r["responsible_layers"]),
        )
    if inv.empty:  # a window in which nothing happened (no risk of any category)
        table.caption = "no risk recorded in any district"
    else:
        basis, consequences = inv["frequency_basis"].iloc[0], inv["consequence_basis"].iloc[0]
        table.caption = (
            f"events/yr: annual frequency = {basis}; deaths, injuries, loss: {consequences}; "
            "loss M¥/yr = frequency × loss; bounds and sources in grades.md; "
            f"{not_observed_text(inv)}: not graded"
        )
    if len(top) > limit:
        table.caption += f"; {len(top) - limit} more in risk_inventory.csv"
    console.print(table)


def riskmap_command(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    replications: Annotated[
        int,
        typer.Option(
            "--replications",
            "-n",
            callback=PLAN_RUNS.check,
            help=f"Monte Carlo replications ({PLAN_RUNS}, the sweep plan's bound).",
        ),
    ] = 8,
    workers: Annotated[
        int, typer.Option(callback=WORKERS.check, help=f"Worker processes ({WORKERS}).")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default runs/riskmap-<name>)."),
    ] = None,
    resolution: Annotated[
        float | None,
        typer.Option(
            callback=NETWORK_RESOLUTION.check,
            help=f"Override networks.resolution (emergency scenarios only; {NETWORK_RESOLUTION}).",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("-p", "--param", help=OVERRIDE_HELP, callback=overrides_from_cwd),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No per-replication lines.")] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace a finished risk map at --out.", show_default=False
        ),
    ] = False,
) -> None:
    """Safety risk map and risk inventory (安全风险地图/风险清单): likelihood × consequence of each
    risk category in each district by Monte Carlo, graded red/orange/yellow/blue."""
    options = {"networks.resolution": ("--resolution", resolution)}
    overrides = command_overrides(param, options)  # exit 2 if -p sets it too
    shown = shown_overrides(ctx, param)  # a refused -p is named as typed
    scen = load_or_exit(scenario, list(param or []), shown)
    if resolution is not None:
        if is_long_run(scen):
            typer.echo(f"{scenario}: --resolution applies to emergency scenarios only", err=True)
            raise typer.Exit(code=2)
        scen = load_or_exit(scenario, overrides, shown)
    if not is_long_run(scen):
        try:
            scenario_frequency(scen)
        except FrequencyMissing as exc:  # before any folder or replication
            typer.echo(f"{scenario}: {exc}", err=True)
            raise typer.Exit(code=2) from None
    console = Console(width=None if Console().is_terminal else 150)

    def tick(rep) -> None:
        if not quiet:
            console.print(
                f"replication {rep.index + 1}/{replications} (seed {rep.seed}): "
                f"{rep.wall_time_s:.1f} s, deaths {rep.deaths:.0f}, "
                f"loss {rep.loss_yuan / 1e6:.1f} M yuan",
                highlight=False,
            )

    settings = {"overrides": overrides, "resolution": resolution}
    out_dir = out or Path("runs") / f"riskmap-{scen.name}"
    out_dir, res = _staged(
        scen, replications, workers, out_dir, overwrite, tick, settings, scenario, console
    )
    print_summary(console, res.inventory)
    console.print(
        f"wrote {out_dir}/risk_inventory.csv, .parquet, riskmap.png, risk_matrix.png, grades.md "
        f"in {res.wall_time_s:.1f} s",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def _staged(
    scen, replications, workers, out, overwrite, progress, settings, scenario_file, console
):
    """:func:`make_riskmap` into ``out``'s staging folder, published when complete
    (:mod:`sim.results.staging`; its lock held throughout).

    The staging folder is resumed as ``run --replications`` resumes its own: by the same
    scenario (overrides and ``--resolution`` included) and N, whose finished replications
    are kept (:mod:`sim.studies.riskmap.resume`; ``console`` says how many); another
    scenario's or N's unfinished replications are refused, or discarded with ``--overwrite``.

    Returns:
        (the output folder, absolute; the :class:`RiskMapResult`).

    Raises:
        typer.Exit: 2 on an unusable folder or a failed write, 130 on Ctrl-C (``out`` is
            unchanged either way; the finished replications are kept in the staging folder).
    """
    with contextlib.ExitStack() as hold:
        out_dir, staging = stage_or_exit(
            out, scen, overwrite, FINISHED_FILE, hold=hold, kind="riskmap",
            settings={"replications": replications},  # another N: not this staging folder
            keep_other=not overwrite,  # another scenario's replications: refused, not lost
        )  # fmt: skip
        try:
            res = make_riskmap(
                scen, replications, staging, workers, progress, settings, scenario_file,
                on_resume=lambda kept, n: console.print(
                    f"resumed: {kept} of {n} replications done (finished by the interrupted "
                    f"run, kept); running the other {n - kept}",
                    highlight=False,
                ),
            )  # fmt: skip
        except KeyboardInterrupt:
            typer.echo(f"interrupted: {_kept(staging, replications, out_dir)}", err=True)
            raise typer.Exit(code=130) from None
        except OSError as exc:  # a full disk: the staging folder is not published
            typer.echo(
                f"{staging}: cannot write the risk map ({exc.strerror or exc}); "
                + _kept(staging, replications, out_dir),
                err=True,
            )
            raise typer.Exit(code=2) from None
        publish_or_exit(staging, out_dir, FINISHED_FILE)
    return out_dir, res


def _kept(staging: Path, replications: int, out_dir: Path) -> str:
    """What an unfinished risk map left: how many replications are saved, where, and how to
    resume it."""
    saved = len(list((staging / SAVED_DIR).glob("replication-*.parquet")))
    return (
        f"{saved} of {replications} replications finished and are saved in {staging}; rerun "
        f"the same command to resume it ({untouched(out_dir)})"
    )
