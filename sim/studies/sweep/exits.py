"""How the commands that run sweeps end when a sweep cannot go on: one line, an exit code.

``sweep run``, ``run --replications``, ``compare`` and ``calibrate`` all run their
simulations through the sweep store, so they fail the same ways — an unusable or locked
folder (:class:`~sim.studies.sweep.store.SweepError`), a write that failed (a full disk, a
read-only folder: :func:`~sim.studies.sweep.files.write_failure`; the store has written
nothing halfway), Ctrl-C — and say so the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer

from sim.core.errors import InputDataError
from sim.studies.sweep.files import remedy, write_failure
from sim.studies.sweep.store import SweepError, SweepStore


def echo_notes(outcome) -> None:
    """Print what a sweep mended (``repaired: ...``) and what it could not check or saw change
    (``warning: ...``) to stderr: :attr:`~sim.studies.sweep.executor.SweepOutcome.repairs`
    and ``warnings``."""
    for repair in outcome.repairs:
        typer.echo(f"repaired: {repair}", err=True)
    for warning in outcome.warnings:
        typer.echo(f"warning: {warning}", err=True)


@contextlib.contextmanager
def sweep_exits(out_dir: Path, resume_hint: str, finished: Path | None = None) -> Iterator[None]:
    """Run the body; turn a sweep's expected failures into one line on stderr and an exit.

    Args:
        out_dir: the sweep folder, named in the messages.
        resume_hint: how to continue, e.g. "continue with --resume" or "rerun to resume it".
        finished: the sweep folder whose finished runs an interrupt counts (``interrupted: 2
            finished runs are saved ...``); None: not counted.

    Raises:
        typer.Exit: code 2 for a :class:`SweepError`, an input file that cannot be used
            (:class:`~sim.core.errors.InputDataError`) or an ``OSError`` (finished runs kept;
            the advice is the error's, :func:`~sim.studies.sweep.files.remedy`), 130 for
            Ctrl-C.
    """
    try:
        yield
    except (SweepError, InputDataError) as exc:  # input files: validate's backstop
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    except OSError as exc:  # a full disk, a read-only folder: finished runs are on disk
        typer.echo(
            f"{write_failure(exc, out_dir)}; finished runs are kept (nothing is half-written): "
            f"{remedy(exc)}, then {resume_hint}",
            err=True,
        )
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:
        typer.echo(
            f"interrupted: {_count(finished)} saved in {out_dir}; {resume_hint}",
            err=True,
        )
        raise typer.Exit(code=130) from None


def _count(folder: Path | None) -> str:
    """The subject of the interrupt line: "2 finished runs are", "1 finished run is", or
    "finished runs are" when the sweep folder cannot be read."""
    if folder is None:
        return "finished runs are"
    try:
        n = len(SweepStore(folder).completed(repair=False))
    except (SweepError, OSError, ValueError):
        return "finished runs are"  # the count is a courtesy: the interrupt is reported without it
    return "1 finished run is" if n == 1 else f"{n} finished runs are"
