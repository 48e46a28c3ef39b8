"""Joint calibration of household behaviour on many storms, and leave-one-storm-out checks.

Each calibration storm is run ``R`` times (seeds of ``citysafe run --replications``: the
forecast errors and the synthetic households differ) with decision tracing; its relocation
under other behaviour coefficients is then replayed from the traces
(:mod:`sim.studies.calibration.relocation_replay`). ABC-SMC (pyabc, through
:func:`sim.studies.calibration.abc.run_abc`) fits the coefficients to the observed people
relocated of all storms at once; each simulation of a particle replays every storm on one
replication picked from the particle's seed, so the posterior carries the run-to-run spread.
Leave-one-storm-out: fit on all storms but one, predict the one left out from the posterior
(median and 90% interval of replays over posterior draws x replications).

Distance: over storms, the sum of |ln(sim + 1) - ln(obs + 1)| / s (``norm`` 1), the root of
the sum of its squares (``norm`` 2) or its median (``norm`` "median"), s = ``obs_scale_ln`` (an
assumption: reported running totals and differing definitions, e.g. Lekima 253,000 by the
city's count against 149,000 by the NDRCC's, put the observations' own uncertainty at about
this much in ln units).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies.calibration.abc import particle_seed, run_abc, weighted_quantile
from sim.studies.calibration.relocation_replay import (
    StormTrace,
    collect_trace,
    record_trace,
    replay_relocated,
)
from sim.studies.calibration.spec import ObservedTarget, Prior


@dataclass(frozen=True)
class StormCase:
    """A calibration storm: its scenario and observed people relocated.

    Attributes:
        name: storm label (e.g. ``ampil-2018``).
        scenario: scenario file (made by ``citysafe storm new``).
        observed_persons: people relocated as reported (persons).
        source: where the figure comes from (row of the observations table).
        as_of_h: when the count was reported, in hours from the scenario's start: the
            model's running total at that hour is what it is compared with (reported counts
            are running totals, some made hours before landfall). None: the whole window.
    """

    name: str
    scenario: Path
    observed_persons: float
    source: str = ""
    as_of_h: float | None = None


def trace_run(scenario_path: Path, seed: int, overrides: Sequence[str] = ()) -> StormTrace:
    """Run a scenario once with decision tracing (no run folder written).

    Args:
        scenario_path: emergency scenario file.
        seed: run seed.
        overrides: ``a.b=value`` overrides, as ``citysafe run -p``.

    Returns:
        The run's :class:`StormTrace` (summary included).
    """
    from sim.results.kinds import model_kind  # the results layer: only when running
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(Path(scenario_path), [*overrides, f"seed={seed}"])
    kind = model_kind(scenario)
    model = kind.build(scenario)
    record_trace(model)
    model.run()
    return collect_trace(model, kind.summarise(model, 0.0))


def cached_trace(folder: Path, case: StormCase, rep: int, seed: int, overrides=()) -> StormTrace:
    """:func:`trace_run` through a pickle cache ``folder/<storm>-<rep>.pkl`` (written to a
    temporary name and renamed, so an interrupted run never leaves a partial trace)."""
    path = Path(folder) / f"{case.name}-{rep:03d}.pkl"
    if path.is_file():
        with path.open("rb") as fh:
            trace = pickle.load(fh)  # noqa: S301 - the experiment's own cache
        if trace.seed == seed:
            return trace
    trace = trace_run(case.scenario, seed, overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as fh:
        pickle.dump(trace, fh)
    os.replace(tmp, path)
    return trace


class ReplayModel:
    """The ABC simulator: coefficients -> people relocated of every storm (replayed).

    Args:
        traces: storm -> its replications' traces.
        seed: base of the particles' replication choice.
        until_h: storm -> the hour its observed count was made (None or absent: the whole
            run), as :attr:`StormCase.as_of_h`.
    """

    def __init__(
        self,
        traces: dict[str, list[StormTrace]],
        seed: int,
        until_h: dict[str, float | None] | None = None,
    ):
        self.traces, self.seed, self.until_h = traces, seed, dict(until_h or {})

    def __call__(self, params: dict[str, float]) -> dict[str, float]:
        k = particle_seed(params, self.seed)
        return {
            storm: replay_relocated(reps[(k + i) % len(reps)], params, self.until_h.get(storm))
            for i, (storm, reps) in enumerate(sorted(self.traces.items()))
        }


def targets_of(cases: Sequence[StormCase], obs_scale_ln: float) -> list[ObservedTarget]:
    """One log target per storm (key: the storm's name)."""
    return [
        ObservedTarget(
            key=c.name, observed=c.observed_persons, scale=obs_scale_ln, log=True, weight=1.0
        )
        for c in cases
    ]


def fit(
    cases: Sequence[StormCase],
    traces: dict[str, list[StormTrace]],
    parameters: dict[str, Prior],
    db_path: Path,
    population_size: int,
    max_generations: int,
    obs_scale_ln: float,
    seed: int,
    norm: int | str = 2,
) -> pd.DataFrame:
    """ABC-SMC posterior of the behaviour coefficients on ``cases`` (particles, weights);
    ``norm``: the distance's (:func:`sim.studies.calibration.abc.scaled_distance`)."""
    model = ReplayModel(
        {c.name: traces[c.name] for c in cases}, seed, {c.name: c.as_of_h for c in cases}
    )
    return run_abc(
        model,
        parameters,
        targets_of(cases, obs_scale_ln),
        Path(db_path),
        population_size,
        max_generations,
        seed=seed,
        norm=norm,
    )


def predictive(
    reps: list[StormTrace],
    posterior: pd.DataFrame,
    names: Sequence[str],
    draws: int,
    seed: int,
    until_h: float | None = None,
) -> np.ndarray:
    """People relocated of one storm under ``draws`` posterior draws, each replayed on a
    replication drawn with it (the posterior predictive sample, persons).

    Args:
        reps: the storm's replications.
        posterior: particles with the parameter columns ``names`` and ``weight``.
        names: parameter names.
        draws: sample size.
        seed: seed of the draws.
        until_h: count up to this hour of the run (the observation's as-of time); None: all.
    """
    rng = np.random.default_rng(seed)
    w = posterior["weight"].to_numpy(float)
    idx = rng.choice(len(posterior), size=draws, p=w / w.sum())
    rep = rng.integers(0, len(reps), size=draws)
    values = posterior[list(names)].to_numpy(float)
    return np.array(
        [
            replay_relocated(reps[r], dict(zip(names, values[i], strict=True)), until_h)
            for i, r in zip(idx, rep, strict=True)
        ]
    )


def summarise_posterior(posterior: pd.DataFrame, names: Sequence[str]) -> dict[str, dict]:
    """Weighted median and 90% interval of each coefficient."""
    w = posterior["weight"].to_numpy(float)
    return {
        n: {
            q: weighted_quantile(posterior[n].to_numpy(float), w, p)
            for q, p in (("p05", 0.05), ("median", 0.5), ("p95", 0.95))
        }
        for n in names
    }
