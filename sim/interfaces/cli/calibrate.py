"""``citysafe calibrate SPEC``: fit scenario parameters to observed figures by ABC-SMC.

The particles' simulations run on the sweep executor (:mod:`sim.studies.calibration.runs`: local
process pool or a Dask cluster, one resumable sweep folder per batch under ``OUT/runs/``);
pyabc's ABC-SMC drives them through :class:`~sim.studies.calibration.sampler.BatchSampler`, so the
posterior is identical with 1 or N workers and on Dask.

Writes to OUT: ``posterior.parquet`` (last-generation particles, weights, distances),
``posterior_summary.csv``, ``posterior.png``, ``ppc.csv`` / ``ppc.png`` (posterior
predictive check), ``calibrated.yaml`` (scenario snippet with the posterior medians; written
last) and ``runs/`` (every simulation, as sweep folders). OUT follows the rule of every output
folder (:mod:`sim.results.staging`): it is empty, absent or a calibration's own (marked; a
folder of other files is refused, naming them), locked while the calibration runs, and an
earlier calibration's outputs are removed when it starts; the outputs are written once every
simulation has run, so an interrupted or failed one leaves only ``abc.db`` and ``runs/``.

Before anything is made, the spec, its targets file, its scenario (with the run's own checks,
as ``citysafe validate``), each parameter path and prior and each target are checked
(:mod:`sim.studies.calibration.checks`): every problem is one ``FILE: field.path: expected``
line. A simulation that refuses its input all the same stops the calibration at once, with
the input's message. Exit codes: 0 done; 2 invalid spec, targets or scenario, a simulation
that refused its input, or an unusable output folder; 1 a simulation failed every attempt
(the calibration stops there, its message on screen).
"""

from __future__ import annotations

import contextlib
import shutil
import time
import warnings
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from sim.core.errors import InputDataWarning
from sim.interfaces.problems import echo_problems
from sim.results.staging import RunFolderError, take_folder
from sim.studies.calibration.abc import run_abc
from sim.studies.calibration.checks import check_calibration
from sim.studies.calibration.outputs import (
    calibrated_yaml,
    plot_posterior,
    plot_ppc,
    posterior_summary,
    ppc_table,
)
from sim.studies.calibration.runs import (
    CalibrationRunError,
    SimulationInputError,
    SweepSimulator,
)
from sim.studies.calibration.spec import CalibrationSpecError, load_calibration_spec
from sim.studies.sweep.executor import WORKERS
from sim.studies.sweep.exits import sweep_exits


def _posterior_predictive(post: pd.DataFrame, spec, targets, simulator):
    """Posterior predictive check: resample ``spec.ppc_draws`` particles by weight, one
    fresh-seeded run each (seeds from ``spec.seed``).

    Returns:
        (the draws with their simulated targets, the ppc table), or (None, None) when no draw
        is asked for.
    """
    names = list(spec.parameters)
    rng = np.random.default_rng(spec.seed)
    idx = rng.choice(len(post), size=spec.ppc_draws, p=post["weight"].to_numpy())
    draws = [{n: float(post.loc[i, n]) for n in names} for i in idx]
    seeds = [int(s) for s in rng.integers(2**31 - 1, size=len(draws))]
    if not draws:
        return None, None
    rows = simulator.run(draws, seeds, "ppc")
    sims = pd.concat([pd.DataFrame(draws), rows[list(spec.targets)]], axis=1)
    return sims, ppc_table(sims, targets)


def calibrate(
    spec_path: Path,
    out: Path,
    workers: int = 1,
    quiet: bool = False,
    scheduler: str | None = None,
    resume: bool = False,
) -> dict:
    """Run a calibration spec end to end and write its outputs; returns the medians table.

    Everything is checked before anything is made (:func:`~sim.studies.calibration.checks.
    check_calibration`: the spec, its targets, its scenario and data files, its parameter
    paths and priors): a spec with problems leaves no folder, no database.

    Args:
        spec_path: the calibration spec YAML.
        out: output folder.
        workers: local worker processes for the simulations (ignored with ``scheduler``).
        quiet: print nothing but warnings.
        scheduler: Dask scheduler address: simulate on that cluster.
        resume: continue a calibration interrupted in ``out`` (its finished simulations
            are reused; the result is the same as an uninterrupted run).

    Raises:
        CalibrationSpecError: every problem of the spec, its targets or its scenario; ``out``
            holds other files than a calibration's (named), or another process is writing
            it, or it holds simulations and ``resume`` is False.
        SimulationInputError: a simulation refused its input all the same (a
            ``CalibrationSpecError``); a folder this call made, and in which no simulation
            finished, is removed.
        CalibrationRunError: a simulation failed every attempt.
    """
    spec = load_calibration_spec(spec_path)
    targets = _checked(spec, spec_path)
    # pyabc (and scikit-learn under it) take seconds to import: only when calibrating.
    try:
        import pyabc  # noqa: F401 - the extra "calibration"
    except ImportError:
        raise CalibrationSpecError(
            'calibration needs pyabc: pip install -e ".[calibration]"'
        ) from None
    made = not out.exists() or (out.is_dir() and not any(out.iterdir()))
    try:
        with contextlib.ExitStack() as hold:  # the folder's lock, while the calibration runs
            _take_out(out, resume, hold)
            return _calibrate(spec, targets, out, workers, quiet, scheduler)
    except SimulationInputError:
        if made and not any(out.glob("runs/*/runs/*.parquet")):  # nothing to resume
            shutil.rmtree(out, ignore_errors=True)
        raise


def _checked(spec, spec_path: Path) -> list:
    """The spec's targets, once :func:`~sim.studies.calibration.checks.check_calibration`
    found no problem; what it warns of is printed once (``warning: FILE: ...``), and not
    again by the simulations.

    Raises:
        CalibrationSpecError: every problem found.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputDataWarning)
        targets, problems = check_calibration(spec, str(spec_path))
    shown = set()
    for w in caught:
        if not issubclass(w.category, InputDataWarning):  # not ours: passed on as it came
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif str(w.message) not in shown:
            shown.add(str(w.message))
            typer.echo(f"warning: {w.message}", err=True)
    if problems:
        raise CalibrationSpecError(problems)
    warnings.filterwarnings("ignore", category=InputDataWarning)
    return targets


OUTPUTS = (
    "posterior.parquet",
    "posterior_summary.csv",
    "posterior.png",
    "ppc_runs.csv",
    "ppc.csv",
    "ppc.png",
    "calibrated.yaml",
)
"""What a calibration writes when it ends, ``calibrated.yaml`` last."""


def _older_calibration(folder: Path) -> bool:
    """A calibration folder an earlier version wrote (no marker): its ABC database and runs."""
    return (folder / "abc.db").is_file() and (folder / "runs").is_dir()


def _take_out(out: Path, resume: bool, hold: contextlib.ExitStack) -> None:
    """Take ``out`` for this calibration (:func:`~sim.results.staging.take_folder`: empty,
    absent or a calibration's own; locked until ``hold`` closes) and remove an earlier
    calibration's outputs, so that until this one ends nothing there looks finished.

    Raises:
        CalibrationSpecError: ``out`` may not be used (a folder of other files, another
            process writing it), or it holds simulations and ``resume`` is False.
    """
    try:
        take_folder(out, "calibration", hold, _older_calibration)
    except RunFolderError as exc:
        raise CalibrationSpecError(str(exc)) from None
    runs_dir = out / "runs"
    if not resume and runs_dir.exists() and any(runs_dir.iterdir()):
        raise CalibrationSpecError(
            f"{out}: holds the simulations of an earlier calibration; pass --resume to "
            "continue it, or choose another --out"
        )
    for name in OUTPUTS:  # the folder is ours (marked): these are an earlier run's outputs
        (out / name).unlink(missing_ok=True)


def _calibrate(spec, targets, out: Path, workers: int, quiet: bool, scheduler) -> dict:
    """The ABC-SMC, the posterior predictive check and the outputs, in ``out`` (taken).

    The outputs are written once every simulation has run, ``calibrated.yaml`` last: a
    calibration that stops on the way leaves only its database and simulations (for
    ``--resume``), nothing that looks like a result."""
    from sim.studies.calibration.sampler import BatchSampler, CachedModel  # imports pyabc

    simulator = SweepSimulator(spec, out, workers=workers, scheduler=scheduler)
    model = CachedModel()
    sampler = BatchSampler(model, simulator, min_batch=max(2, workers))
    t0 = time.time()
    post = run_abc(
        model,
        dict(spec.parameters),
        targets,
        out / "abc.db",
        spec.population_size,
        spec.max_generations,
        spec.min_epsilon,
        sampler=sampler,
        seed=spec.seed,
    )
    t_abc = time.time() - t0
    summ = posterior_summary(post, list(spec.parameters))
    sims, ppc = _posterior_predictive(post, spec, targets, simulator)
    post.to_parquet(out / "posterior.parquet", index=False)
    summ.to_csv(out / "posterior_summary.csv", index_label="parameter")
    plot_posterior(post, spec, out / "posterior.png")
    if ppc is not None:
        sims.to_csv(out / "ppc_runs.csv", index=False)
        ppc.to_csv(out / "ppc.csv", index=False)
        plot_ppc(ppc, targets, out / "ppc.png")
    medians = summ["q50"].to_dict()
    (out / "calibrated.yaml").write_text(calibrated_yaml(spec, medians, out), encoding="utf-8")
    if not quiet:
        typer.echo(
            f"ABC-SMC: {len(post)} particles, epsilons {post.attrs['epsilons']}, "
            f"{sampler.batches} batches, {simulator.simulations} simulations run now; "
            f"{t_abc:.0f} s; total {time.time() - t0:.0f} s"
        )
        typer.echo(summ.to_string())
        if ppc is not None:
            typer.echo(ppc.to_string(index=False))
        typer.echo(f"outputs in {out}")
    return medians


def calibrate_command(
    spec: Annotated[Path, typer.Argument(help="Calibration spec YAML (calibration/*.yaml).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "runs/calibration"
    ),
    workers: Annotated[
        int,
        typer.Option(
            "--workers", "-w", callback=WORKERS.check, help=f"Worker processes ({WORKERS})."
        ),
    ] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://HOST:PORT)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a calibration interrupted in --out.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print only warnings and errors (no summary of the fit)."
        ),
    ] = False,
) -> None:
    """Fit scenario parameters to observed figures by ABC-SMC (pyabc); write the posterior,
    a posterior predictive check, plots and calibrated.yaml."""
    try:
        # a locked folder, an unreachable Dask scheduler, a full disk, Ctrl-C: one line
        with sweep_exits(out, f"rerun with --resume --out {out}"):
            calibrate(spec, out, workers=workers, quiet=quiet, scheduler=scheduler, resume=resume)
    except CalibrationSpecError as exc:  # one line per problem, FILE: field.path: expected
        echo_problems(exc.problems)
        raise typer.Exit(2) from None
    except CalibrationRunError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
