"""Run ONE run of a sweep and return its result row: the unit every executor maps.

:func:`run_one` is a pure function of (spec, run record) with picklable arguments and result,
so a local process pool, a serial loop or a Dask cluster can map it unchanged; the row does
not depend on which process ran it. It runs either scenario kind (emergency window or
``kind: long_run``) through the one runner, :func:`sim.results.runner.run_scenario`.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from sim.results.ensemble import DRAWN_PREFIX
from sim.studies.sweep.design import RunRecord
from sim.studies.sweep.spec import ExperimentSpec


def scenario_hash(scenario) -> str:
    """sha256 (hex) of the resolved scenario YAML with its seed set to 0.

    The seed is left out so that the manifest key is the pair (scenario hash, seed): the runs
    of one parameter point share a hash across replications. The resolved YAML holds absolute
    data paths, so the hash also changes when the repository moves (a cache key, not an id).
    """
    from sim.scenario.loader import dump_resolved

    text = dump_resolved(scenario.model_copy(update={"seed": 0}))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_one(spec: ExperimentSpec, run: RunRecord, run_dir: str | None = None) -> dict[str, Any]:
    """Load the run's scenario, run it to the horizon and return its result row.

    Args:
        spec: the experiment spec (for the outputs kept).
        run: the run record (scenario, overrides including the seed).
        run_dir: where to keep the run folder; None writes it to a temporary folder that is
            removed afterwards (only the row is kept).

    Returns:
        Column → scalar: ``run_id, scenario, point, replication, seed, scenario_hash``, the
        parameters (their column names), the behaviour coefficients the run drew from the
        city's posterior (``behaviour.<name>``, when ``posterior_draw`` is on), then the kept
        outcomes (summary keys of the scenario's kind; a long run's default outcomes are the
        keys its enabled processes write).

    Raises:
        ScenarioError: the run's scenario is invalid.
        KeyError: an outcome listed in ``spec.outputs`` is not in this run's summary.
        Exception: any exception of the model.
    """
    from sim.results.runner import run_scenario  # heavy import, once per worker
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(run.scenario_path, list(run.overrides))
    kind = scenario.kind
    if run_dir is None:
        with tempfile.TemporaryDirectory(prefix=f"citysafe-{run.run_id}-") as tmp:
            result = run_scenario(scenario, Path(tmp), progress=False, figures=False)
    else:
        result = run_scenario(scenario, Path(run_dir), progress=False, figures=False)
    summary = result.summary
    drawn = getattr(result.model, "behaviour_drawn", None) or {}
    row: dict[str, Any] = {
        "run_id": run.run_id,
        "scenario": run.scenario,
        "point": run.point,
        "replication": run.replication,
        "seed": int(scenario.seed),
        "scenario_hash": scenario_hash(scenario),
        **run.params,
        **{f"{DRAWN_PREFIX}{k}": float(v) for k, v in drawn.items()},
    }
    keys = spec.output_keys(kind)
    if spec.outputs is None:  # default: also a long run's shock outcomes (shocks.<name>.<key>)
        keys += [k for k in summary if k.startswith("shocks.") and not k.endswith(".seed")]
    for key in keys:
        if key in summary:
            row[key] = summary[key]
        elif spec.outputs is not None and key in spec.outputs:
            raise KeyError(
                f"output {key!r} is not in the summary of {run.scenario_path} ({kind}; its "
                f"keys: {sorted(k for k in summary if k != 'seed')}); enable the process "
                "that reports it or drop it from outputs"
            )
    return row
