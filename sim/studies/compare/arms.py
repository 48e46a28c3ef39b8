"""``citysafe compare``: run the arms of a policy comparison and report paired effects.

    citysafe compare EXPERIMENT [--replications N] [--out DIR] [--workers N] [--resume]
                                [--quiet]

EXPERIMENT is an experiment spec (:mod:`sim.studies.sweep.spec`) with a ``comparison:`` block;
its ``scenarios:`` are the arms (a label and fixed overrides each), one of them the baseline.
Every arm runs every replication with the same seed (common random numbers), through the
sweep executor (:func:`~sim.studies.sweep.executor.run_sweep`): the folder is a sweep folder,
so an interrupted comparison continues where it stopped and a re-run in the same folder
repeats no finished run (``--resume`` is implied when the folder already holds this
comparison's plan). Both scenario kinds work (emergency and ``kind: long_run``).

Writes into DIR (default ``runs/comparisons/<name>/``), besides the sweep files:

- ``comparison.csv`` / ``comparison.parquet``: the table of
  :func:`sim.studies.compare.stats.comparison_table` (levels, paired differences with
  t-intervals, cost-effectiveness ratios with bootstrap intervals);
- ``comparison.png``: forest plot of the paired differences, one panel per metric.

Exit codes: 0 done; 1 some runs failed after every attempt (the table uses the others);
2 invalid spec, metric or output folder; 130 interrupted (continue with the same command).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from sim.core.cli_input import schema_bound
from sim.core.errors import Picklable
from sim.results.outcome_text import format_number
from sim.scenario.loader import (
    Problem,
    ScenarioError,
    apply_overrides,
    read_with_extends,
    validate_mapping,
)
from sim.studies.compare.stats import (
    BOOTSTRAP_MISS_FACTOR,
    LOSS_PER_YUAN,
    YUAN_PER_DEATH,
    bootstrap_coverage,
    comparison_table,
    min_bootstrap_n,
    sample_line,
)
from sim.studies.sweep.design import expand, unreported_keys
from sim.studies.sweep.executor import WORKERS, run_sweep
from sim.studies.sweep.exits import echo_notes, sweep_exits
from sim.studies.sweep.spec import DEFAULT_COMPARISON_METRICS, ExperimentSpec, SpecError, load_spec
from sim.studies.sweep.store import PLAN_FILE
from sim.studies.sweep.table import load

if TYPE_CHECKING:
    import pandas as pd

REPLICATIONS = schema_bound(ExperimentSpec, "replications", "the spec's replications")
"""What ``compare --replications`` accepts: the spec field's own bounds (it overrides it)."""
COMPARE_STREAM = 0xC0_4DA7E
"""Second entropy word of the bootstrap generator, ``SeedSequence([spec.seed, this])``."""


class ComparisonError(Picklable, ValueError):
    """The comparison cannot be computed as asked; ``problems`` lists why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Keys:
    """Result columns the comparison uses, resolved against the runs' outcomes."""

    metrics: list[str]
    cost: str | None
    deaths: str | None
    loss: str | None
    notes: list[str] = field(default_factory=list)


def resolve_keys(spec: ExperimentSpec, columns: list[str], source: str) -> Keys:
    """Metrics, cost, deaths and loss columns present in the results.

    Listed keys must be present; defaults that the runs do not report are dropped with a
    note (a long run reports only its enabled processes' keys).

    Raises:
        ComparisonError: a listed key is missing, or no metric is left.
    """
    cmp = spec.comparison
    have = set(columns)
    problems, notes = [], []
    avail = f"the runs report: {[c for c in columns if c not in _META]}"
    if cmp.metrics is not None:
        missing = [m for m in cmp.metrics if m not in have]
        if missing:
            problems.append(
                Problem(
                    source, "comparison.metrics", f"{missing} not in the runs' summaries; {avail}"
                )
            )
        metrics = [m for m in cmp.metrics if m in have]
    else:
        metrics = [m for m in DEFAULT_COMPARISON_METRICS if m in have]
        dropped = [m for m in DEFAULT_COMPARISON_METRICS if m not in have]
        if dropped:
            notes.append(f"default metrics not reported by these runs, skipped: {dropped}")
        if not metrics:
            problems.append(
                Problem(
                    source,
                    "comparison.metrics",
                    "none of the default "
                    f"metrics {list(DEFAULT_COMPARISON_METRICS)} is reported; "
                    f"list metrics; {avail}",
                )
            )
    resolved = {}
    for name in ("cost", "deaths", "loss"):
        key = getattr(cmp, name)
        if key is not None and key not in have:
            if name in cmp.model_fields_set:
                problems.append(
                    Problem(
                        source, f"comparison.{name}", f"{key!r} not in the runs' summaries; {avail}"
                    )
                )
            else:
                notes.append(f"{name} key {key!r} not reported by these runs, skipped")
            key = None
        resolved[name] = key
    if problems:
        raise ComparisonError(problems)
    if resolved["cost"] is None and (resolved["deaths"] or resolved["loss"]):
        resolved["deaths"] = resolved["loss"] = None
    return Keys(metrics, notes=notes, **resolved)


_META = ("run_id", "scenario", "point", "replication", "seed", "scenario_hash", "wall_time_s")


def check_arms(spec: ExperimentSpec, runs, source: str) -> list[Problem]:
    """Validate each arm's scenario (overrides applied) before any run, either kind.

    Returns:
        ``source: scenarios[label]: ...`` problems; empty when every arm is valid.
    """
    problems, seen = [], set()
    for run in runs:
        if run.scenario in seen:
            continue
        seen.add(run.scenario)
        path = run.scenario_path
        try:
            data = apply_overrides(read_with_extends(Path(path)), list(run.overrides), path)
            scen = validate_mapping(data, path, Path(path).parent, check_files=False)
        except ScenarioError as exc:
            problems += [
                Problem(source, f"scenarios[{run.scenario}]", str(p)) for p in exc.problems
            ]
            continue
        problems += unreported_keys(spec, scen, run.scenario, source)
    return problems


def bootstrap_rng(spec: ExperimentSpec) -> np.random.Generator:
    """The bootstrap's generator: a stream of its own from the spec's seed."""
    return np.random.default_rng(np.random.SeedSequence([spec.seed, COMPARE_STREAM]))


def analyse(spec: ExperimentSpec, df: pd.DataFrame, source: str) -> tuple[pd.DataFrame, Keys]:
    """The comparison table of a results frame (see :func:`comparison_table`).

    Raises:
        ComparisonError: see :func:`resolve_keys`.
    """
    cmp = spec.comparison
    keys = resolve_keys(spec, list(df.columns), source)
    table = comparison_table(
        df,
        cmp.baseline,
        keys.metrics,
        bootstrap_rng(spec),
        cost=keys.cost,
        deaths=keys.deaths,
        loss=keys.loss,
        confidence=cmp.confidence,
        n_boot=cmp.bootstrap,
        arms=spec.labels(),
    )
    return table, keys


def write_outputs(table: pd.DataFrame, keys: Keys, out_dir: Path) -> dict[str, Path]:
    """comparison.csv, comparison.parquet and comparison.png into ``out_dir``."""
    paths = {
        "csv": out_dir / "comparison.csv",
        "parquet": out_dir / "comparison.parquet",
        "png": out_dir / "comparison.png",
    }
    from sim.studies.compare.figure import forest_plot  # matplotlib: only when drawing

    table.to_csv(paths["csv"], index=False)
    table.to_parquet(paths["parquet"], index=False)
    panels = [*keys.metrics, *([keys.cost] if keys.cost and keys.cost not in keys.metrics else [])]
    forest_plot(table, panels, paths["png"], cost=keys.cost)
    return paths


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    return format_number(round(float(v), 2) if abs(v) < 1e6 else float(v))


def console_tables(table: pd.DataFrame, keys: Keys, title: str) -> list:
    """Rich tables: (1) per arm and metric its mean, Δ vs baseline and interval; (2) per
    non-baseline arm the cost-effectiveness ratios with bootstrap intervals (if any)."""

    t = table.set_index(["arm", "metric", "kind"])
    baseline = str(table["baseline"].iloc[0])
    conf = float(table["confidence"].iloc[0])
    cols = [*keys.metrics, *([keys.cost] if keys.cost and keys.cost not in keys.metrics else [])]
    effects = Table(
        title=title,
        caption=(
            f"Δ = arm − {baseline}, paired by replication seed; {conf:.0%} Student t-intervals "
            "(levels of outcomes that cannot be negative stop at 0)"
        ),
        box=box.SIMPLE_HEAD,
    )
    for name in ("arm / metric", "n", "mean", "Δ", f"{conf:.0%} interval"):
        effects.add_column(name, justify="left" if name == "arm / metric" else "right")
    arms = list(dict.fromkeys(table["arm"]))
    for arm in arms:
        effects.add_row(f"[bold]{arm}[/bold]" + (" (baseline)" if arm == baseline else ""))
        for i, c in enumerate(cols):
            level = t.loc[(arm, c, "level")]
            cells = [f"  {c}", str(int(level["n"])), _fmt(level["estimate"])]
            if arm != baseline:
                d = t.loc[(arm, c, "difference")]
                cells += [_fmt(d["estimate"]), f"[{_fmt(d['ci_low'])}, {_fmt(d['ci_high'])}]"]
            effects.add_row(*cells, end_section=i == len(cols) - 1)
    out = [effects]
    ratios = [r for r in (YUAN_PER_DEATH, LOSS_PER_YUAN) if (table["metric"] == r).any()]
    if ratios:
        ce = Table(
            title="cost-effectiveness",
            caption=f"{conf:.0%} percentile-bootstrap intervals",
            box=box.SIMPLE_HEAD,
        )
        ce.add_column("arm")
        headers = {YUAN_PER_DEATH: "yuan per death avoided", LOSS_PER_YUAN: "loss avoided per yuan"}
        for r in ratios:
            ce.add_column(headers[r], justify="right", no_wrap=True)
        for arm in arms:
            if arm == baseline:
                continue
            cells = [arm]
            for r in ratios:
                row = t.loc[(arm, r, "ratio")]
                if math.isnan(row["estimate"]):
                    cells.append(row["note"].split(":")[0])
                else:
                    cells.append(
                        f"{_fmt(row['estimate'])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"
                    )
            ce.add_row(*cells)
        out.append(ce)
    return out


def bootstrap_warning(table: pd.DataFrame) -> str | None:
    """The console's warning when a cost-effectiveness interval rests on fewer pairs than a
    bootstrap interval needs (:func:`~sim.studies.compare.stats.bootstrap_note`), or None."""
    ratios = table[(table["kind"] == "ratio") & table["ci_low"].notna()]
    if ratios.empty:
        return None
    n, conf = int(ratios["n"].min()), float(ratios["confidence"].iloc[0])
    need = min_bootstrap_n(conf)
    if n >= need:
        return None
    cover = (
        f"covers the true ratio about {bootstrap_coverage(n, conf):.0%} of the time"
        if n > 1
        else "has no width"
    )
    return (
        f"warning: the cost-effectiveness intervals rest on n = {n} paired replications: a "
        f"{conf:.0%} percentile-bootstrap interval from {n} {cover}; at least {need} are "
        f"needed for it to miss at most {BOOTSTRAP_MISS_FACTOR:g} × {1 - conf:.0%} of the time "
        f"(Hesterberg 2015; comparison.csv notes it): rerun with -n {need} or more"
    )


def _echo_problems(problems) -> None:
    for p in problems:
        typer.echo(str(p), err=True)


def _comparison_plan(experiment: Path, replications: int | None):
    """(spec, runs) of a comparison spec; prints the problems and exits 2 when it is not one."""
    source = str(experiment)
    try:
        spec = load_spec(experiment)
    except SpecError as exc:
        _echo_problems(exc.problems)
        raise typer.Exit(code=2) from None
    if spec.comparison is None:
        typer.echo(
            f"{source}: comparison: required by citysafe compare (baseline: an arm label; "
            "optional metrics, cost, deaths, loss, confidence)",
            err=True,
        )
        raise typer.Exit(code=2)
    if replications is not None:
        spec = spec.model_copy(update={"replications": replications})
        if too_large := spec.plan_problem():
            typer.echo(f"{source}: --replications {replications}: {too_large}", err=True)
            raise typer.Exit(code=2)
    runs = expand(spec)
    problems = check_arms(spec, runs, source)
    if problems:
        _echo_problems(problems)
        raise typer.Exit(code=2)
    return spec, runs


def compare_command(
    experiment: Annotated[
        Path, typer.Argument(help="Experiment spec with a comparison: block.", show_default=False)
    ],
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications",
            "-n",
            callback=REPLICATIONS.check,
            help=f"Replications per arm (overrides the spec's; {REPLICATIONS}).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default runs/comparisons/<spec name>/)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            callback=WORKERS.check,
            help=f"Processes (default: all cores; {WORKERS}).",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the comparison saved in --out (implied when the folder holds its plan).",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress bar; the tables and warnings are still printed."
        ),
    ] = False,
) -> None:
    """Compare policy arms with common random numbers: paired differences with confidence
    intervals and cost-effectiveness; writes comparison.csv/.parquet/.png."""
    source = str(experiment)
    spec, runs = _comparison_plan(experiment, replications)
    out_dir = out or Path("runs") / "comparisons" / spec.name
    resume = resume or (out_dir / PLAN_FILE).exists()
    with sweep_exits(out_dir, "rerun to continue"):
        outcome = run_sweep(spec, runs, out_dir, workers=workers, resume=resume, progress=not quiet)
    echo_notes(outcome)
    df = load(out_dir)
    try:
        table, keys = analyse(spec, df, source)
    except ComparisonError as exc:
        _echo_problems(exc.problems)
        raise typer.Exit(code=2) from None
    paths = write_outputs(table, keys, out_dir)
    console = Console()
    for rich_table in console_tables(table, keys, f"{spec.name}: {len(df)}/{outcome.total} runs"):
        console.print(rich_table)
    for note in keys.notes:
        console.print(f"note: {note}", highlight=False)
    if warning := bootstrap_warning(table):
        typer.echo(warning, err=True)
    if "too few" in (line := sample_line(table)):  # the t-intervals too: the plot's subtitle
        typer.echo(f"warning: {line}", err=True)
    console.print(
        f"{outcome.completed} runs now, {outcome.skipped} before; "
        + ", ".join(str(p) for p in paths.values()),
        highlight=False,
    )
    if outcome.failed:
        typer.echo(
            f"failed runs: {', '.join(outcome.failed[:10])} (errors in {out_dir}/"
            "failures.jsonl; rerun to retry them)",
            err=True,
        )
        raise typer.Exit(code=1)
