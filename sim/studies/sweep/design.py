"""Expand a spec into its deterministic list of runs: points × scenarios × replications.

Seeds: ``numpy.random.SeedSequence(spec.seed).spawn(replications)`` gives one seed per
replication (``child.generate_state(1)[0]``, a 32-bit int), shared by every parameter point
and scenario of that replication: common random numbers (Law 2015, *Simulation Modeling and
Analysis*, 5th ed., §11.2), so differences between points are not masked by sampling noise
(the model's named child streams keep components aligned, docs/architecture.md). The
samplers (Latin hypercube, Sobol', Morris) draw from a separate stream,
``SeedSequence([spec.seed, DESIGN_STREAM])``, so adding replications never moves the points.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.yaml_input import dump_yaml
from sim.scenario.loader import (
    Problem,
    ScenarioError,
    apply_overrides,
    read_with_extends,
    validate_mapping,
)
from sim.studies.sweep.spec import EMERGENCY_OUTCOME_KEYS, LONGRUN_OUTCOME_KEYS, ExperimentSpec

DESIGN_STREAM = 0x5EED_DE51
"""Second entropy word of the samplers' seed sequence (any constant other than none)."""


@dataclass(frozen=True)
class RunRecord:
    """One run of a sweep: a scenario, a parameter point and a replication's seed.

    Attributes:
        run_id: ``<label>-p<point>-r<replication>``, zero-padded; unique in the sweep.
        scenario: scenario label.
        scenario_path: absolute path of the base scenario file.
        point: index of the parameter point (0-based, the sampler's order).
        replication: replication index (0-based).
        seed: the scenario seed of this run.
        params: parameter column name → value.
        overrides: every ``a.b=value`` override, in application order (fixed, scenario's
            fixed, parameters, seed).
    """

    run_id: str
    scenario: str
    scenario_path: str
    point: int
    replication: int
    seed: int
    params: dict[str, Any] = field(hash=False)
    overrides: tuple[str, ...]


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """One 32-bit scenario seed per replication, spawned from ``root_seed``.

    Child ``i`` of a :class:`numpy.random.SeedSequence` depends only on the root and ``i``,
    so raising ``replications`` keeps the earlier replications' seeds.
    """
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(c.generate_state(1)[0]) for c in children]


def _unit_samples(spec: ExperimentSpec) -> np.ndarray:
    """Points of a sampled space as an (n_points, D) array in parameter units."""
    space = spec.space
    params = list(space.parameters.values())
    bounds = np.array([[p.low, p.high] for p in params], dtype=float)
    seed_seq = np.random.SeedSequence([spec.seed, DESIGN_STREAM])
    if space.kind == "lhs":
        from scipy.stats import qmc

        sampler = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(seed_seq))
        return qmc.scale(sampler.random(space.samples), bounds[:, 0], bounds[:, 1])
    problem = {
        "num_vars": len(params),
        "names": list(space.parameters),
        "bounds": bounds.tolist(),
    }
    salib_seed = int(seed_seq.generate_state(1)[0])
    if space.kind == "sobol":
        # SALib (extra "analysis"): imported only for this method
        from SALib.sample import sobol

        return sobol.sample(
            problem, space.samples, calc_second_order=space.second_order, seed=salib_seed
        )
    # SALib (extra "analysis"): imported only for this method
    from SALib.sample import morris

    return morris.sample(problem, space.samples, num_levels=space.morris_levels, seed=salib_seed)


def _normalise_levels(levels: list[Any]) -> list[Any]:
    """Numeric levels of one parameter as all-float when any is a float (one column dtype)."""
    numeric = [v for v in levels if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numeric) == len(levels) and any(isinstance(v, float) for v in levels):
        return [float(v) for v in levels]
    return list(levels)


def points(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """The parameter points, each a mapping of dotted path → value, in a fixed order.

    grid: the full factorial, the last parameter varying fastest; sampled kinds: the
    sampler's rows. A spec without parameters has one empty point.
    """
    space = spec.space
    if not space.parameters:
        return [{}]
    paths = list(space.parameters)
    if space.kind == "grid":
        levels = [_normalise_levels(p.levels) for p in space.parameters.values()]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*levels)]
    rows = _unit_samples(spec)
    out = []
    for row in rows:
        point = {}
        for path, value in zip(paths, row, strict=True):
            p = space.parameters[path]
            if p.integer:  # nearest integer inside [low, high]
                value = min(max(math.floor(value + 0.5), math.ceil(p.low)), math.floor(p.high))
                point[path] = int(value)
            else:
                point[path] = float(value)
        out.append(point)
    return out


def format_override(path: str, value: Any) -> str:
    """``path=value`` with the value as one-line YAML (parsed back by the scenario loader)."""
    text = dump_yaml(value, default_flow_style=True, width=math.inf, sort_keys=True).strip()
    text = text.removesuffix("...").strip()
    return f"{path}={text}"


def expand(spec: ExperimentSpec) -> list[RunRecord]:
    """Every run of the spec, in execution order (replication, scenario, point).

    Replication-major order makes a partial sweep usable: the first replication of every
    point finishes before any second one.

    Returns:
        The runs; identical for identical specs (no clock, no global random state).
    """
    pts = points(spec)
    seeds = replication_seeds(spec.seed, spec.replications)
    names = dict(zip(spec.space.parameters, spec.parameter_names(), strict=True))
    wp = max(len(str(len(pts) - 1)), 3)
    wr = max(len(str(spec.replications - 1)), 2)
    labels = spec.labels()
    runs = []
    for rep, seed in enumerate(seeds):
        for ref, label in zip(spec.scenarios, labels, strict=True):
            fixed = {**spec.fixed, **ref.fixed}
            base = [format_override(k, v) for k, v in fixed.items()]
            for i, point in enumerate(pts):
                overrides = base + [format_override(k, v) for k, v in point.items()]
                runs.append(
                    RunRecord(
                        run_id=f"{label}-p{i:0{wp}d}-r{rep:0{wr}d}",
                        scenario=label,
                        scenario_path=ref.path,
                        point=i,
                        replication=rep,
                        seed=seed,
                        params={names[k]: v for k, v in point.items()},
                        overrides=(*overrides, f"seed={seed}"),
                    )
                )
    return runs


def plan_frame(runs: list[RunRecord]):
    """The runs as a pandas DataFrame (one row per run; ``params`` spread as columns)."""
    rows = [
        {
            "run_id": r.run_id,
            "scenario": r.scenario,
            "point": r.point,
            "replication": r.replication,
            "seed": r.seed,
            **r.params,
            "scenario_path": r.scenario_path,
            "overrides": "\n".join(r.overrides),
        }
        for r in runs
    ]
    return pd.DataFrame(rows)


def unreported_keys(spec: ExperimentSpec, scen, label: str, source: str) -> list:
    """Keys the spec lists (``outputs``, ``comparison.metrics``) that runs of ``scen``'s kind
    never report: both kinds sweep (run_one dispatches on kind), each with its own outcomes,
    so a wrong key fails before any run instead of after the last.

    Returns:
        ``source: FIELD: 'key' is not an outcome of KIND scenarios (arm LABEL)`` problems.
    """
    kind = scen.kind
    known = EMERGENCY_OUTCOME_KEYS if kind == "emergency" else LONGRUN_OUTCOME_KEYS
    if kind == "long_run":  # its shocks' outcomes (shocks.<name>.<emergency key>)
        known = (*known, *scen.shock_outcome_keys(EMERGENCY_OUTCOME_KEYS))
    listed = [("outputs", k) for k in spec.outputs or []]
    if spec.comparison is not None:
        listed += [("comparison.metrics", k) for k in spec.comparison.metrics or []]
    return [
        Problem(source, where, f"{key!r} is not an outcome of {kind} scenarios (arm {label})")
        for where, key in listed
        if key not in known
    ]


def check_runs(spec: ExperimentSpec, runs: list[RunRecord], source: str) -> list:
    """Validate every (scenario, point) of the plan against the scenario schema, before any
    run starts: a typo in a parameter path fails in a second, not after hours.

    Returns:
        :class:`~sim.scenario.loader.Problem` list, ``source: scenarios[label] point i: ...``;
        empty when every run's scenario is valid.
    """
    problems: list[Problem] = []
    bases: dict[str, dict] = {}
    seen: set[tuple[str, int]] = set()
    for run in runs:
        if (run.scenario, run.point) in seen:
            continue
        seen.add((run.scenario, run.point))
        path = run.scenario_path
        try:
            if path not in bases:
                bases[path] = read_with_extends(Path(path))
            data = apply_overrides(bases[path], list(run.overrides), path)
            scen = validate_mapping(data, path, Path(path).parent, check_files=False)
        except ScenarioError as exc:
            where = f"scenarios[{run.scenario}] point {run.point}"
            problems += [Problem(source, where, str(p)) for p in exc.problems]
            continue
        problems += unreported_keys(spec, scen, run.scenario, source)
        if len(problems) >= 20:
            problems.append(Problem(source, "(plan)", "more problems not shown"))
            break
    return problems
