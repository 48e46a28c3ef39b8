"""Calibration simulations as sweeps: every batch of particles runs on the sweep executor.

A batch of parameter sets becomes a small sweep (:func:`sim.studies.sweep.executor.run_sweep`)
in its own folder under ``OUT/runs/`` — ``g00-b000`` for generation 0's first batch,
``ppc`` for the posterior predictive draws — so calibration runs get everything sweeps have:
a local process pool or a Dask cluster (``scheduler``), retries of failed runs, one Parquet
file per finished run and resumption (a restarted calibration with the same seed proposes
the same batches, see :mod:`sim.studies.calibration.sampler`, and finds their finished runs on
disk).

Each run is built as any sweep run (:func:`sim.studies.sweep.runone.run_one`): the base
scenario plus the spec's overrides, ``path=value`` per parameter and ``seed=``
(:func:`particle_overrides`, which the checks before a calibration use too).

A particle without an outcome leaves ABC-SMC nothing to weigh, so a batch stops at the first
simulation that failed all its attempts (the sweep's ``stop_on_failure``; finished
simulations are kept for ``--resume``). A simulation that refuses its input (the scenario
with the particle's values, a data file) is not retried: every simulation would refuse it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.core.errors import InputDataError
from sim.scenario.loader import ScenarioError
from sim.studies.calibration.abc import particle_seed
from sim.studies.calibration.spec import CalibrationSpec, CalibrationSpecError
from sim.studies.sweep.design import RunRecord
from sim.studies.sweep.executor import RunFailedError, run_sweep
from sim.studies.sweep.exits import echo_notes
from sim.studies.sweep.runone import run_one
from sim.studies.sweep.spec import ExperimentSpec, parse_spec
from sim.studies.sweep.table import load

INPUT_ERRORS = (ScenarioError, InputDataError)
"""What a simulation raises when its input cannot be used: not retried, and it stops the
calibration (exit 2) with the input's own message."""


class CalibrationRunError(RuntimeError):
    """A simulation failed every attempt (its tracebacks in the batch's failures.jsonl)."""


class SimulationInputError(CalibrationSpecError):
    """A simulation refused its input (:data:`INPUT_ERRORS`): the calibration stopped at the
    first; ``problems`` says where and then what the input's readers said."""


def particle_overrides(spec: CalibrationSpec, params: dict[str, float], seed: int) -> tuple:
    """The ``-p`` overrides of a particle's simulation: the spec's, then ``path=value`` per
    parameter, then its seed."""
    own = [f"{k}={float(v)!r}" for k, v in params.items()]
    return (*spec.overrides, *own, f"seed={int(seed)}")


class SweepSimulator:
    """Run batches of particles as sweeps and return their summaries.

    Args:
        spec: the calibration spec (scenario, overrides, targets, seed).
        out_dir: the calibration's output folder; runs go to ``out_dir/runs/<batch>/``.
        workers: local worker processes (1: in this process).
        scheduler: Dask scheduler address (``tcp://HOST:PORT``) instead of the local pool.
        progress: show the sweep progress bar of each batch.
    """

    def __init__(
        self,
        spec: CalibrationSpec,
        out_dir: Path,
        workers: int = 1,
        scheduler: str | None = None,
        progress: bool = False,
    ):
        self.spec = spec
        self.runs_dir = Path(out_dir) / "runs"
        self.workers = workers
        self.scheduler = scheduler
        self.progress = progress
        self.experiment = self._experiment_spec()
        self.simulations = 0

    def _experiment_spec(self) -> ExperimentSpec:
        data = {
            "name": f"{self.spec.name}-particles",
            "scenarios": [{"path": str(self.spec.scenario), "label": "particle"}],
            "outputs": list(self.spec.targets),
            "seed": self.spec.seed,
        }
        return parse_spec(data, f"{self.spec.name} (calibration)", Path(self.spec.scenario).parent)

    def records(self, params_list: list[dict[str, float]], seeds: list[int]) -> list[RunRecord]:
        """The sweep runs of a batch: one run per parameter set, with its seed."""
        runs = []
        for i, (params, seed) in enumerate(zip(params_list, seeds, strict=True)):
            runs.append(
                RunRecord(
                    run_id=f"particle-{i:04d}",
                    scenario="particle",
                    scenario_path=str(self.spec.scenario),
                    point=i,
                    replication=0,
                    seed=int(seed),
                    params={k: float(v) for k, v in params.items()},
                    overrides=particle_overrides(self.spec, params, seed),
                )
            )
        return runs

    def run(self, params_list: list[dict[str, float]], seeds: list[int], tag: str) -> pd.DataFrame:
        """Run one batch in ``runs/<tag>`` (resuming it if present); rows in batch order. What
        the batch's sweep mended or could not check is printed (``repaired:``, ``warning:``).

        Raises:
            SimulationInputError: a run refused its input (the batch stopped there).
            CalibrationRunError: a run failed all its attempts (the batch stopped there).
        """
        runs = self.records(params_list, seeds)
        folder = self.runs_dir / tag
        try:
            outcome = run_sweep(
                self.experiment,
                runs,
                folder,
                workers=self.workers,
                resume=True,
                progress=self.progress,
                run_fn=run_one,
                scheduler=self.scheduler,
                stop_on_failure=INPUT_ERRORS,  # stop at the first failure; these: at once
            )
        except RunFailedError as exc:
            raise _stopped(exc, folder) from None
        echo_notes(outcome)
        self.simulations += outcome.completed
        rows = load(folder).set_index("run_id")
        return rows.loc[[r.run_id for r in runs]].reset_index()

    def __call__(
        self, params_list: list[dict[str, float]], generation: int, batch: int
    ) -> list[dict[str, float]]:
        """:class:`~sim.studies.calibration.sampler.BatchSampler` hook: summaries of the particles.

        Each particle's seed is :func:`~sim.studies.calibration.abc.particle_seed` of its values.
        """
        seeds = [particle_seed(p, self.spec.seed) for p in params_list]
        rows = self.run(params_list, seeds, f"g{generation:02d}-b{batch:03d}")
        keys = list(self.spec.targets)
        return [{k: float(row[k]) for k in keys} for _, row in rows.iterrows()]


def _stopped(exc: RunFailedError, folder: Path) -> CalibrationSpecError | CalibrationRunError:
    """What to tell of the simulation that stopped a batch: the input's problems, or its error
    (the tracebacks are in the batch's failures.jsonl)."""
    cause = exc.__cause__
    where = f"{folder.parent.parent}: simulation {exc.run_id} of batch {folder.name}"
    if isinstance(cause, INPUT_ERRORS):
        found = cause.problems if isinstance(cause, ScenarioError) else str(cause).splitlines()
        head = (
            f"{where} refused its input, as every simulation would: the calibration stopped "
            "at the first (fix the input and rerun)"
        )
        return SimulationInputError([head, *found])
    return CalibrationRunError(
        f"{where} failed every attempt: {exc.error}; the calibration stopped there (ABC-SMC "
        f"needs every particle's outcome); tracebacks in {folder / 'failures.jsonl'}; "
        "finished simulations are kept: rerun with --resume"
    )
