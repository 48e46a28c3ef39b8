"""Monte Carlo replications of a scenario for the risk map: seeds, parallel runs, records.

Replication seeds are spawned from the scenario seed with :class:`numpy.random.SeedSequence`
(independent, reproducible streams: the same scenario seed and N give the same seeds, and the
first n seeds do not depend on N). Each replication runs the model in memory (no run folder)
and returns only its harm records and totals, so workers send little data back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.results.kinds import build_model
from sim.studies.riskmap.records import chemical_records, emergency_records, longrun_records


def replication_seeds(seed: int, n: int) -> list[int]:
    """``n`` 32-bit seeds spawned from ``seed`` (SeedSequence.spawn; one word each)."""
    if n < 1:
        raise ValueError("need at least one replication")
    children = np.random.SeedSequence(int(seed)).spawn(n)
    return [int(c.generate_state(1, np.uint32)[0]) for c in children]


@dataclass
class Replication:
    """One finished replication: its harm records and the model's own totals."""

    index: int
    seed: int
    records: pd.DataFrame
    deaths: float
    injuries: float
    loss_yuan: float
    classified_events: int
    wall_time_s: float


def is_long_run(scenario) -> bool:
    return scenario.kind == "long_run"


def hazard_label(scenario) -> str:
    """``typhoon``, ``rainstorm``, … (joined by '+') of an emergency scenario: its hazard
    blocks, in registration order (any registered hazard, e.g. ``storm_surge``)."""
    return "+".join(scenario.hazard.blocks())


def run_replication(scenario, index: int, seed: int) -> Replication:
    """Run one replication of ``scenario`` with ``seed`` (picklable: used by workers)."""
    t0 = time.perf_counter()
    scen = scenario.model_copy(update={"seed": int(seed)})
    model = build_model(scen)  # either kind: sim.results.kinds, the one dispatch on kind
    model.run()
    if model.kind == "long_run":
        rec, deaths, injuries = _long_run_records(model, index)
        loss = float(rec["loss_yuan"].sum())
    else:
        ev = model.events_frame()
        rec = emergency_records(ev, dict(model.losses.by_item), index, hazard_label(scen))
        deaths, injuries = float(model.deaths), float(model.injuries)
        loss = float(model.losses.total_yuan)
    return Replication(
        index=index,
        seed=int(seed),
        records=rec,
        deaths=deaths,
        injuries=injuries,
        loss_yuan=loss,
        classified_events=int(rec["log_events"].sum()) if len(rec) else 0,
        wall_time_s=time.perf_counter() - t0,
    )


def _long_run_records(model, index: int) -> tuple[pd.DataFrame, float, float]:
    """Harm records, deaths and injuries of a finished long run (construction accidents, road
    collapses and, with governance, chemical-park accidents)."""
    ev = model.events_frame()
    rec = longrun_records(ev, index, model.n_years, model.step_h)
    deaths = float(ev.loc[ev["kind"] == "construction_accident", "value"].sum())
    injuries = 0.0
    if model.governance is not None:  # chemical-park accidents (sim.agents.governance)
        acc = model.governance.accidents_frame()
        chem = chemical_records(acc, index, model.n_years, model.step_h)
        rec = pd.concat([rec, chem], ignore_index=True) if len(chem) else rec
        deaths += float(acc["deaths"].sum())
        injuries += float(acc["injuries"].sum())
    return rec, deaths, injuries


def run_replications(
    scenario,
    n: int,
    workers: int = 1,
    progress: Callable[[Replication], None] | None = None,
    done: dict[int, Replication] | None = None,
) -> list[Replication]:
    """Run ``n`` replications (in ``workers`` processes when > 1), in index order.

    Args:
        scenario: a validated emergency or long-run scenario.
        n: replications.
        workers: worker processes (1: in this process).
        progress: called with each replication as it finishes (in this process).
        done: replications already finished, by index (an interrupted risk map's, read back
            by :func:`sim.studies.riskmap.resume.load_replications`): not run again, returned
            as they are; progress is not called for them.

    Returns:
        The ``n`` replications, sorted by index.
    """
    seeds = replication_seeds(scenario.seed, n)
    finished: list[Replication] = [r for i, r in sorted((done or {}).items()) if i < n]
    todo = [(i, s) for i, s in enumerate(seeds) if i not in (done or {})]
    if workers <= 1:
        for i, s in todo:
            finished.append(run_replication(scenario, i, s))
            if progress:
                progress(finished[-1])
    elif todo:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_replication, scenario, i, s) for i, s in todo]
            try:
                for fut in as_completed(futures):
                    finished.append(fut.result())
                    if progress:
                        progress(finished[-1])
            except BaseException:  # Ctrl-C, a failure: start no other replication
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    return sorted(finished, key=lambda r: r.index)


def replications_frame(reps: list[Replication]) -> pd.DataFrame:
    """One row per replication: index, seed, totals and wall time (replications.csv)."""
    return pd.DataFrame(
        {
            "replication": [r.index for r in reps],
            "seed": [r.seed for r in reps],
            "deaths": [r.deaths for r in reps],
            "injuries": [r.injuries for r in reps],
            "loss_yuan": [r.loss_yuan for r in reps],
            "classified_events": [r.classified_events for r in reps],
            "wall_time_s": [round(r.wall_time_s, 2) for r in reps],
        }
    )
