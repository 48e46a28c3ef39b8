"""A calibration checked before it starts: everything its simulations will meet, up front.

A calibration runs hundreds of simulations of one scenario, each with a particle's values.
What would make one of them fail for its input would make every one fail, after pyabc has
started, its database and folder have been made and minutes have passed. So before any of
that, :func:`check_calibration` checks with the run's own code (the same readers and the
same overrides as each simulation, :func:`~sim.studies.calibration.runs.particle_overrides`):

- the targets file (:func:`~sim.studies.calibration.spec.read_targets`);
- the scenario with the spec's overrides, as ``citysafe validate -p ...`` does: the schema
  (:func:`sim.scenario.loader.load_scenario`) and, once everything else holds, every data
  file it reads (:func:`sim.models.data_check.check_data`);
- each target is an outcome of that scenario's kind;
- each parameter path is a number field of the scenario, and its prior lies inside what the
  field accepts: the scenario is validated with the parameter at a point inside the prior,
  then at the prior's ends (:meth:`~sim.studies.calibration.spec.Prior.probes`). The schema's
  bounds are intervals, so a prior whose ends pass passes everywhere between;
- the data files again with every parameter at the low ends of the priors together, and at
  the high ends (what a window or a scale breaks, it breaks first at an extreme, as for a
  sweep's points, :func:`sim.studies.sweep.checks.check_points`).

Every problem is one :class:`~sim.scenario.loader.Problem` (``FILE: field.path: what was
expected``): the spec's fields named in the spec file, the scenario's in the scenario file.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

from sim.core.errors import InputDataWarning
from sim.models.data_check import check_data
from sim.scenario.loader import (
    Problem,
    ScenarioError,
    apply_overrides,
    load_scenario,
    read_with_extends,
    validate_mapping,
)
from sim.scenario.override_paths import overlapping, override_key, set_twice
from sim.studies.calibration.runs import particle_overrides
from sim.studies.calibration.spec import CalibrationSpec, ObservedTarget, Prior, read_targets
from sim.studies.sweep.spec import EMERGENCY_OUTCOME_KEYS, LONGRUN_OUTCOME_KEYS

_MISSING = object()


def check_calibration(
    spec: CalibrationSpec, source: str
) -> tuple[list[ObservedTarget], list[Problem]]:
    """Check a validated spec against its targets file and its scenario (module docstring).

    Reads files only: nothing is written, pyabc is not imported. The data files are read
    (about 0.3 s a check) only when nothing else is wrong.

    Args:
        spec: the validated spec (:func:`~sim.studies.calibration.spec.load_calibration_spec`).
        source: the spec file, named in problems of its fields.

    Returns:
        The resolved targets and every problem found (empty when the calibration can start).
        What is legal but suspicious is warned of
        (:class:`~sim.core.errors.InputDataWarning`, the data checks' and the targets').
    """
    targets, problems = read_targets(spec, source)
    problems += _given_twice(spec, source)
    path = Path(spec.scenario)
    try:
        scen = load_scenario(path, list(spec.overrides))
    except ScenarioError as exc:
        note = f"the scenario was checked with these overrides: {list(spec.overrides)}"
        return targets, [*problems, *exc.problems, *_if(spec.overrides, source, note)]
    problems += _target_problems(spec, scen, source)
    raw = read_with_extends(path)  # read without a problem just now
    for name, prior in spec.parameters.items():
        problems += _parameter_problems(spec, raw, name, prior, source)
    if problems:
        return targets, problems
    found = check_data(scen, str(path))
    if found:
        note = f"the scenario's data were checked with these overrides: {list(spec.overrides)}"
        return targets, [*found, *_if(spec.overrides, source, note)]
    for end in (0, 1):
        problems += _corner_problems(spec, raw, end, source)
    return targets, problems


def _given_twice(spec: CalibrationSpec, source: str) -> list[Problem]:
    """Scenario paths the spec sets in two places, where one would silently lose: an override
    of a calibrated parameter or of ``seed`` (each simulation sets both after the overrides,
    :func:`~sim.studies.calibration.runs.particle_overrides`, while calibrated.yaml's header
    would still list the override), or two overrides of one path (the later one wins)."""
    given = list(spec.overrides)
    problems = [
        Problem(
            source,
            f"overrides[{j}]",
            f"{given[j]}: also set by overrides[{i}] {given[i]}: give one",
        )
        for i, j in set_twice(given)
    ]
    for i, item in enumerate(spec.overrides):
        key = override_key(item)
        if overlapping(key, "seed"):
            problems.append(
                Problem(
                    source,
                    f"overrides[{i}]",
                    f"{item}: seed is set by each "
                    "simulation (the particle's own seed, from the spec's seed)",
                )
            )
        problems += [
            Problem(
                source,
                f"overrides[{i}]",
                f"{item}: also calibrated in parameters.{name}: give it in one place",
            )
            for name in spec.parameters
            if overlapping(key, name)
        ]
    return problems


def _if(condition: Any, source: str, note: str) -> list[Problem]:
    """A note on the spec's ``overrides`` after the scenario's problems, when it has some."""
    return [Problem(source, "overrides", note)] if condition else []


def _target_problems(spec: CalibrationSpec, scen, source: str) -> list[Problem]:
    """Targets the scenario's kind never writes (an emergency run has no ``accidents``, a
    long run no ``people_relocated``; a long run's shock outcomes are its shocks')."""
    kind = scen.kind
    known = EMERGENCY_OUTCOME_KEYS if kind == "emergency" else LONGRUN_OUTCOME_KEYS
    if kind == "long_run":
        known = (*known, *scen.shock_outcome_keys(EMERGENCY_OUTCOME_KEYS))
    return [
        Problem(
            source,
            f"targets.{key}",
            f"not an outcome of {kind} scenarios, and {spec.scenario} is one; its outcomes: "
            f"{', '.join(k for k in known if k != 'wall_time_s')}",
        )
        for key in spec.targets
        if key not in known
    ]


def _probe(spec: CalibrationSpec, raw: dict, params: dict[str, float]):
    """The scenario as a simulation with ``params`` would load it (schema only: the files
    were checked with the base scenario), or the problems it has."""
    path = Path(spec.scenario)
    try:
        data = apply_overrides(raw, list(particle_overrides(spec, params, 0)), str(path))
        return validate_mapping(data, str(path), path.resolve().parent, check_files=False), []
    except ScenarioError as exc:
        return None, exc.problems


def _parameter_problems(
    spec: CalibrationSpec, raw: dict, name: str, prior: Prior, source: str
) -> list[Problem]:
    """The one problem of a parameter, if any: no such field, a field that is not a real
    number, or a prior reaching outside what the field accepts."""
    where = f"parameters.{name}"
    (inside, value), *ends = prior.probes()
    scen, found = _probe(spec, raw, {name: value})
    if found:
        return [Problem(source, where, _refusal(prior, name, f"{inside} {value:g}", found))]
    kept = _value_at(scen.model_dump(), name.split("."))
    if isinstance(kept, bool) or isinstance(kept, str | list | dict):
        what = f"a {type(kept).__name__} field ({kept!r} at the prior's {inside})"
        return [Problem(source, where, f"not a number field: {what}; a prior gives numbers")]
    if isinstance(kept, int):
        what = f"{kept} at the prior's {inside}"
        return [Problem(source, where, f"a whole-number field ({what}){_REAL}")]
    for label, value in ends:
        if not math.isfinite(value) or (value == 0.0 and prior.prior == "lognormal"):
            what = f"its {label} is {value:g}, beyond floating point: a narrower sigma"
            return [Problem(source, where, f"the {prior.describe()} prior is too wide: {what}")]
        _, found = _probe(spec, raw, {name: value})
        if found:
            return [Problem(source, where, _refusal(prior, name, f"{label} {value:g}", found))]
    return []


_REAL = (
    "; a prior gives real numbers, which the scenario would refuse or round: calibrate a "
    "real-valued field (e.g. a scale)"
)


def _refusal(prior: Prior, name: str, at: str, found: list[Problem]) -> str:
    """Why the scenario refused a parameter set to a value of its prior (``at``: where in the
    prior, and the value): no such field, a field of another type, or outside its bounds."""
    said = _joined(found, name)
    if any(p.message.startswith(("unknown field", "override path crosses")) for p in found):
        return f"no such field in the scenario: {said}"
    if any(p.message.startswith("Input should be a valid integer") for p in found):
        return f"a whole-number field (at the prior's {at}: {said}){_REAL}"
    if any(p.message.startswith("Input should be a valid ") for p in found):
        return f"not a number field (at the prior's {at}: {said}); a prior gives numbers"
    return (
        f"the {prior.describe()} prior reaches outside what the field accepts: at its {at}: {said}"
    )


def _corner_problems(spec: CalibrationSpec, raw: dict, end: int, source: str) -> list[Problem]:
    """The scenario and its data files with every parameter at the low (``end`` 0) or high
    (1) end of its prior together: the problems, named by the spec's ``parameters``."""
    params = {name: prior.ends()[end] for name, prior in spec.parameters.items()}
    scen, found = _probe(spec, raw, params)
    if scen is not None:
        with warnings.catch_warnings():  # warned of with the base scenario; here: problems
            warnings.simplefilter("ignore", InputDataWarning)
            found = check_data(scen, str(spec.scenario))
    at = ", ".join(f"{name} = {value:g}" for name, value in params.items())
    side = ("low", "high")[end]
    return [
        Problem(
            source, "parameters", f"with every parameter at the {side} end of its prior ({at}): {p}"
        )
        for p in found
    ]


def _joined(problems: list[Problem], name: str = "") -> str:
    """The scenario's problems as one text: ``field: message; ...`` (the field left out
    where it is the parameter ``name`` itself)."""
    return "; ".join(p.message if p.field == name else f"{p.field}: {p.message}" for p in problems)


def _value_at(tree: Any, parts: list[str]) -> Any:
    """The value at a dotted path of a dumped scenario, or ``_MISSING``."""
    for part in parts:
        if not isinstance(tree, dict) or part not in tree:
            return _MISSING
        tree = tree[part]
    return tree
