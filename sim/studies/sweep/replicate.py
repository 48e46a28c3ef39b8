"""Replications of one scenario (``citysafe run SCENARIO --replications N``) as a sweep.

The N runs are the plan of a one-scenario, one-point :class:`ExperimentSpec` whose root seed
is the scenario's seed: :func:`~sim.studies.sweep.design.expand` spawns the replication seeds
with ``numpy.random.SeedSequence(seed).spawn(N)`` (as every sweep does), and
:func:`~sim.studies.sweep.executor.run_sweep` runs them through the one runner, serially or on
a process pool, into a sweep folder. Each row depends on its seed alone, never on the worker
that ran it, so serial and parallel ensembles are identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.core.yaml_input import YamlInputError, load_yaml
from sim.studies.sweep.design import RunRecord, expand
from sim.studies.sweep.executor import SweepOutcome, run_sweep
from sim.studies.sweep.spec import ExperimentSpec, ScenarioRef
from sim.studies.sweep.store import SweepStore

REPLICATIONS_DIR = "replications"
"""Sweep folder of an ensemble, inside its run folder."""


@dataclass
class Replications:
    """A finished ensemble: its spec, plan, the executor's outcome and the rows.

    Attributes:
        spec: the one-scenario spec (root seed = the scenario's seed).
        runs: the plan, one run per replication.
        outcome: what the executor did (failures included).
        rows: one row per finished replication, sorted by replication (columns of
            :func:`~sim.studies.sweep.runone.run_one`).
        folder: the sweep folder.
    """

    spec: ExperimentSpec
    runs: list[RunRecord]
    outcome: SweepOutcome
    rows: pd.DataFrame
    folder: Path


def _fixed(overrides: list[str]) -> dict:
    """``a.b=value`` overrides as a spec's ``fixed`` mapping (values parsed as the scenario
    loader parses them); ``seed=`` is dropped: it is the root seed of the replications."""
    out = {}
    for item in overrides:
        key, _, raw = item.partition("=")
        if key.strip() == "seed":
            continue
        try:
            value = load_yaml(raw) if raw.strip() else ""
        except YamlInputError:
            value = raw
        out[key.strip()] = value
    return out


def replication_spec(
    scenario_path: str | Path, overrides: list[str], name: str, root_seed: int, n: int
) -> ExperimentSpec:
    """The spec of ``n`` replications of a scenario file with its ``-p`` overrides.

    Args:
        scenario_path: the scenario file.
        overrides: ``a.b=value`` overrides (a ``seed=`` one is left to ``root_seed``).
        name: the scenario's name (a slug: spec name and run-id label).
        root_seed: the scenario's seed, root of the replication seeds.
        n: number of replications (>= 1).
    """
    return ExperimentSpec(
        name=name,
        scenarios=[ScenarioRef(path=str(Path(scenario_path).resolve()), label=name)],
        fixed=_fixed(overrides),
        replications=n,
        seed=root_seed,
        max_attempts=1,  # a model error repeats with the same seed: report it, do not retry
    )


def run_replications(
    scenario_path: str | Path,
    overrides: list[str],
    name: str,
    root_seed: int,
    n: int,
    out_dir: str | Path,
    workers: int = 1,
    progress: bool = False,
    on_start: Callable[[SweepOutcome], None] | None = None,
) -> Replications:
    """Run ``n`` replications of a scenario into ``OUT_DIR/replications/``, resuming the
    replications an interrupted run of the same ensemble finished there.

    Args:
        scenario_path, overrides, name, root_seed, n: as :func:`replication_spec`.
        out_dir: the ensemble's run folder.
        workers: processes (1: in this process).
        progress: show the executor's progress bar.
        on_start: called before the first replication runs with the outcome so far
            (:func:`~sim.studies.sweep.executor.run_sweep`: how many a resumed ensemble finds
            done).

    Returns:
        The :class:`Replications`; ``outcome.failed`` lists replications that raised (their
        errors in ``replications/failures.jsonl``).

    Raises:
        SweepError: the sweep folder cannot be used (another plan, another process in it).
        KeyboardInterrupt: finished replications are kept on disk.
    """
    spec = replication_spec(scenario_path, overrides, name, root_seed, n)
    runs = expand(spec)
    folder = Path(out_dir) / REPLICATIONS_DIR
    # An interrupted ensemble's finished replications are kept: the run folder's staging
    # is resumed only for the same scenario and N (sim.results.staging), hence the same plan.
    resume = folder.is_dir() and any(folder.iterdir())
    outcome = run_sweep(
        spec, runs, folder, workers=workers, resume=resume, progress=progress, on_start=on_start
    )
    done = SweepStore(folder).completed(repair=False)
    rows = pd.DataFrame([done[r.run_id] for r in runs if r.run_id in done])
    if not rows.empty:
        rows = rows.sort_values("replication", kind="stable").reset_index(drop=True)
    return Replications(spec, runs, outcome, rows, folder)
