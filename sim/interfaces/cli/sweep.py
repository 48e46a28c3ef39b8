"""``citysafe sweep``: run an experiment spec, report progress, write the trade-off report.

    citysafe sweep SPEC [--workers N | --scheduler tcp://HOST:PORT] [--out DIR] [--resume]
                        [--quiet]
    citysafe sweep status DIR
    citysafe sweep report DIR

``sweep SPEC`` is shorthand for ``sweep run SPEC``: the group forwards any first argument
that is not a subcommand name to ``run`` (a spec file literally named ``status`` must be
written ``./status``). Also runnable as ``python -m sim.interfaces.cli.sweep ...``.

Exit codes: 0 all runs done; 1 some runs failed after every attempt; 2 invalid spec,
unusable output folder or a file that cannot be written (a full disk: one line naming the
folder, never a traceback; finished runs are kept, continue with --resume); 130 interrupted
(finished runs are kept; continue with --resume).

Damaged files (a truncated or garbled run file, a run file holding another run, a garbled
manifest or failure-log line, a lost plan) are listed by ``status`` ("corrupt, will rerun"),
left out of ``report`` and ``analyse`` with a warning saying how many runs remain, and
mended by ``run --resume`` (:mod:`sim.studies.sweep.store`), which prints what it mended.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from sim.interfaces.problems import echo_problems
from sim.studies.analysis.sensitivity import analyse_command
from sim.studies.analysis.tradeoff import write_report
from sim.studies.sweep.checks import check_run_data
from sim.studies.sweep.design import check_runs, expand
from sim.studies.sweep.executor import WORKERS, run_sweep
from sim.studies.sweep.exits import echo_notes, sweep_exits
from sim.studies.sweep.files import remedy, write_failure
from sim.studies.sweep.spec import SpecError, load_spec
from sim.studies.sweep.status import sweep_status
from sim.studies.sweep.table import SweepDamageWarning, SweepFolderError, load, partial_notes


class DefaultToRunGroup(TyperGroup):
    """A typer group whose unknown first argument goes to its ``run`` command."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


sweep_app = typer.Typer(
    cls=DefaultToRunGroup,
    help="Parameter sweeps: run an experiment spec (citysafe sweep SPEC), check a sweep "
    "folder (status DIR), write the logistics trade-off report (report DIR).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


MAX_LISTED = 20
"""Damaged files listed by ``status`` per kind (the rest are counted)."""


def _echo_problems(problems) -> None:
    echo_problems(problems)


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _sweep_or_exit(exp, runs, out_dir: Path, **kwargs):
    """:func:`~sim.studies.sweep.executor.run_sweep`, or exit with one line: 2 for an
    unusable folder or a failed write (a full disk), 130 for Ctrl-C."""
    with sweep_exits(out_dir, "continue with --resume"):
        return run_sweep(exp, runs, out_dir, **kwargs)


@sweep_app.command("run")
def run_cmd(
    spec: Annotated[Path, typer.Argument(help="Experiment spec YAML.", show_default=False)],
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
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Sweep folder (default runs/sweeps/<spec name>/)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the sweep saved in --out.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress bar; the closing summary is still printed."
        ),
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run on the Dask distributed cluster at this scheduler address "
            "(tcp://HOST:PORT) instead of a local process pool; needs dask[distributed] "
            "and workers that can import citysafe.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run every run of an experiment spec; results stream to OUT/runs/ as runs end."""
    if workers is not None and scheduler is not None:
        typer.echo(
            "--workers and --scheduler exclude each other: the cluster sets the workers", err=True
        )
        raise typer.Exit(code=2)
    try:
        exp = load_spec(spec)
    except SpecError as exc:
        _echo_problems(exc.problems)
        raise typer.Exit(code=2) from None
    runs = expand(exp)
    problems = check_runs(exp, runs, str(spec))
    if not problems:  # validate's data checks, before any worker starts
        problems, notes = check_run_data(runs, str(spec))
        for note in notes:
            typer.echo(note, err=True)
    if problems:
        _echo_problems(problems)
        raise typer.Exit(code=2)
    out_dir = out or Path("runs") / "sweeps" / exp.name
    outcome = _sweep_or_exit(
        exp, runs, out_dir, workers=workers, resume=resume, progress=not quiet,
        scheduler=scheduler,
    )  # fmt: skip
    echo_notes(outcome)
    done = outcome.skipped + outcome.completed
    typer.echo(
        f"{exp.name}: {done}/{outcome.total} runs done ({outcome.completed} now, "
        f"{outcome.skipped} before), {len(outcome.failed)} failed, {outcome.retries} retried; "
        f"{outcome.workers} worker(s), {_fmt_s(outcome.wall_time_s)}; folder {out_dir}"
    )
    if outcome.failed:
        typer.echo(
            f"failed runs: {', '.join(outcome.failed[:10])}"
            f"{' ...' if len(outcome.failed) > 10 else ''} (errors in {out_dir}/failures.jsonl; "
            "rerun with --resume to retry them)",
            err=True,
        )
        raise typer.Exit(code=1)


@sweep_app.command("status")
def status_cmd(
    sweep_dir: Annotated[Path, typer.Argument(help="Sweep folder.", show_default=False)],
) -> None:
    """Report a sweep folder's progress: runs done, pending, failed, ETA if running."""
    try:
        st = sweep_status(sweep_dir)
    except SweepFolderError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    except OSError as exc:  # a folder where a file should be, permissions
        typer.echo(f"{write_failure(exc, sweep_dir, 'read')}; {remedy(exc)}", err=True)
        raise typer.Exit(code=2) from None
    pct = 100.0 * st.done / st.total if st.total else 100.0
    state = (
        f"running (pid {st.running.get('pid')}, {st.running.get('workers')} workers, "
        f"ETA {_fmt_s(st.eta_s)})"
        if st.running is not None
        else ("complete" if st.pending == 0 else "stopped (continue with --resume)")
    )
    typer.echo(f"{sweep_dir}: {st.done}/{st.total} runs done ({pct:.0f}%), {state}")
    typer.echo(
        f"pending {st.pending}, failed {st.failed} ({st.failed_attempts} failed attempts), "
        f"mean run {_fmt_s(st.mean_run_s)}"
    )
    for label, (done, total) in st.by_scenario.items():
        typer.echo(f"  {label}: {done}/{total}")
    for run_id, error in list(st.last_errors.items())[:5]:  # one problem a line, indented
        typer.echo(f"  failed {run_id}: " + "\n    ".join(str(error).splitlines() or [""]))
    for label, problems in (
        ("corrupt, will rerun", st.damaged),
        ("not in the plan, ignored", st.strays),
        ("warning", st.log_problems),
    ):
        for problem in problems[:MAX_LISTED]:
            typer.echo(f"  {label}: {problem}")
        if len(problems) > MAX_LISTED:
            typer.echo(f"  {label}: ... {len(problems) - MAX_LISTED} more")
    if st.set_aside:
        typer.echo(f"  {st.set_aside} damaged file(s) set aside in {sweep_dir}/damaged/")


def load_or_exit(sweep_dir: Path):
    """The sweep's table (:func:`~sim.studies.sweep.table.load`; its damage warning is left
    to :func:`~sim.studies.sweep.table.partial_notes`), or exit 2 with one line: not a sweep,
    an unreadable plan or folder, no finished run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SweepDamageWarning)
            df = load(sweep_dir)
    except SweepFolderError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    except OSError as exc:  # a folder where a file should be, permissions
        typer.echo(f"{write_failure(exc, sweep_dir, 'read')}; {remedy(exc)}", err=True)
        raise typer.Exit(code=2) from None
    if df.empty:
        damaged = len(df.attrs["damaged"])
        why = f" ({damaged} damaged run files: see `citysafe sweep status`)" if damaged else ""
        typer.echo(f"{sweep_dir}: no finished runs yet{why}", err=True)
        raise typer.Exit(code=2)
    return df


@sweep_app.command("report")
def report_cmd(
    sweep_dir: Annotated[Path, typer.Argument(help="Sweep folder.", show_default=False)],
) -> None:
    """Write the logistics trade-off report (tradeoff.csv, tradeoff_effects.csv,
    tradeoff_binding.csv, tradeoff.png) into the sweep folder."""
    df = load_or_exit(sweep_dir)
    for note in partial_notes(df, "the report"):
        typer.echo(note, err=True)
    try:
        paths = write_report(df, sweep_dir)
    except KeyError as exc:
        typer.echo(f"{sweep_dir}: {exc.args[0]}", err=True)
        raise typer.Exit(code=2) from None
    except OSError as exc:
        typer.echo(f"{write_failure(exc, sweep_dir)}; the report was not written", err=True)
        raise typer.Exit(code=2) from None
    for path in paths.values():
        typer.echo(str(path))


if __name__ == "__main__":  # python -m sim.interfaces.cli.sweep ...
    sweep_app()


def _register_analysis() -> None:
    sweep_app.command("analyse")(analyse_command)


_register_analysis()
