"""Experiment specs (``experiments/*.yaml``): base scenarios, a parameter space, replications.

A spec names one or more base scenarios, overrides fixed for every run, a parameter space
(a full-factorial grid, a Latin hypercube, Saltelli's Sobol' sample or Morris trajectories),
the number of replications, a root seed and the outcomes to keep. :func:`load_spec` validates
it with pydantic; every problem is a :class:`~sim.scenario.loader.Problem`
(``FILE: field.path: message``), raised together in one :class:`SpecError`.

A spec with a ``comparison:`` block is a policy comparison (``citysafe compare``,
:mod:`sim.studies.compare.arms`): its scenarios are the arms, one of them the baseline.
Base scenarios may be emergency scenarios or long-run ones (``kind: long_run``); the
outcomes are the summary keys of either kind.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.core.cli_input import Bound
from sim.core.yaml_input import YamlInputError, dump_yaml, read_yaml_file
from sim.results.summary import SUMMARY_KEYS
from sim.scenario.loader import Problem, ScenarioError, validation_problems
from sim.scenario.longrun import LONGRUN_SUMMARY_KEYS, SHOCK_KEY
from sim.scenario.override_paths import overlapping, set_twice
from sim.scenario.paths import rebase_dotted

SLUG = r"^[A-Za-z0-9._-]+$"
MAX_MORRIS_LEVELS = 1000
"""Grid levels p of a Morris design: at most 1,000, where the grid step 1/(p − 1) is 0.1 % of a
parameter's range, finer than any scenario parameter means (Morris 1991 and Campolongo et al.
2007 use p = 4 to 10). SALib lays out p/2 grid values for each trajectory, so an unbounded p
sized memory (``morris_levels: 10^12`` asked for 3.6 TiB)."""
META_COLUMNS = ("run_id", "scenario", "point", "replication", "seed", "scenario_hash")
"""Columns of every result row besides parameters and outcomes (see :mod:`sim.studies.sweep`)."""
EMERGENCY_OUTCOME_KEYS = tuple(k for k in SUMMARY_KEYS if k != "seed")
"""Outcomes of an emergency run: its summary keys (``seed`` is a meta column)."""
LONGRUN_OUTCOME_KEYS = tuple(k for k in LONGRUN_SUMMARY_KEYS if k != "seed")
"""Outcomes of a long run (``kind: long_run``): its summary keys but ``seed``."""
OUTCOME_KEYS = tuple(dict.fromkeys(EMERGENCY_OUTCOME_KEYS + LONGRUN_OUTCOME_KEYS))
"""Outcomes a spec may keep: either kind's summary keys (emergency first, no repeats)."""
DEFAULT_COMPARISON_METRICS = ("deaths", "direct_loss_yuan", "accidents")
"""Metrics compared when ``comparison.metrics`` is not given (those the runs report)."""


def is_outcome_key(key: str) -> bool:
    """Whether ``key`` is an outcome of either kind, or a long run's shock outcome
    ``shocks.<name>.<emergency key>`` (:data:`sim.scenario.longrun.SHOCK_KEY`; whether the
    run has that shock is checked against its scenario, :func:`~.design.unreported_keys`)."""
    m = SHOCK_KEY.match(key)
    return key in OUTCOME_KEYS or (m is not None and m.group(2) in EMERGENCY_OUTCOME_KEYS)


def _outcome_list(v: list[str] | None, noun: str, field: str) -> list[str] | None:
    """Validator body of a list of outcome keys: each known (either kind), none twice."""
    if v is None:
        return v
    unknown = [k for k in v if not is_outcome_key(k)]
    if unknown:
        raise ValueError(
            f"unknown {noun} {unknown}; valid: {list(OUTCOME_KEYS)} and a long run's "
            "shocks.<shock name>.<emergency key>"
        )
    if len(set(v)) != len(v):
        raise ValueError(f"{field} are listed twice")
    return v


class SpecError(ScenarioError):
    """An experiment spec could not be loaded; ``problems`` lists every problem found."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioRef(_Strict):
    """A base scenario of the experiment."""

    path: str = Field(description="Scenario YAML file, relative to the spec file.")
    label: str | None = Field(
        None, pattern=SLUG, description="Name in results (default: the file's stem)."
    )
    fixed: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides (dotted path → value) for this scenario's runs only; they "
        "win over the spec-level ``fixed``.",
    )


class Parameter(_Strict):
    """One dimension of the parameter space: levels (grid) or bounds (sampled kinds)."""

    levels: list[Any] | None = Field(None, min_length=1, description="Grid levels.")
    low: float | None = Field(None, description="Lower bound (lhs, sobol, morris).")
    high: float | None = Field(None, description="Upper bound (lhs, sobol, morris).")
    integer: bool = Field(False, description="Round sampled values to integers.")
    name: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Column name in results (default: the path's last segment).",
    )

    @field_validator("levels")
    @classmethod
    def _distinct_levels(cls, v: list[Any] | None) -> list[Any] | None:
        """Each level once: a repeated level would run the same points again, unannounced,
        and weigh them twice in every mean over the grid."""
        for i, level in enumerate(v or []):
            if level in v[:i]:
                raise ValueError(f"level {level!r} repeated: give each level once")
        return v

    @model_validator(mode="after")
    def _levels_or_bounds(self) -> Parameter:
        has_bounds = self.low is not None or self.high is not None
        if self.levels is not None and has_bounds:
            raise ValueError("give either levels (grid) or low/high bounds (sampling), not both")
        if has_bounds and (self.low is None or self.high is None):
            raise ValueError("sampling bounds need both low and high")
        if has_bounds and not self.low < self.high:
            raise ValueError(f"low must be < high, got low={self.low}, high={self.high}")
        if self.levels is None and not has_bounds:
            raise ValueError("expected levels (a list) or low/high bounds")
        return self


class Space(_Strict):
    """The parameter space and how it is sampled."""

    kind: Literal["grid", "lhs", "sobol", "morris"] = Field(
        "grid",
        description="grid: full factorial of the levels; lhs: Latin hypercube "
        "(McKay, Beckman & Conover 1979; scipy.stats.qmc); sobol: Saltelli's scheme for "
        "Sobol' indices (Saltelli 2002; Saltelli et al. 2010; SALib), N·(2D+2) points with "
        "second-order indices, N·(D+2) without; morris: elementary-effects trajectories "
        "(Morris 1991; Campolongo et al. 2007; SALib), N·(D+1) points.",
    )
    parameters: dict[str, Parameter] = Field(
        default_factory=dict, description="Dotted scenario path → levels or bounds."
    )
    samples: int | None = Field(
        None, ge=1, description="lhs: points; sobol: base N (a power of 2); morris: trajectories."
    )
    second_order: bool = Field(True, description="sobol: sample for second-order indices.")
    morris_levels: int = Field(
        4,
        ge=2,
        le=MAX_MORRIS_LEVELS,
        description="morris: grid levels p (even; at most 1,000: SALib lays out p/2 grid values "
        "per trajectory, and a finer grid than that means nothing for a scenario parameter).",
    )

    @field_validator("parameters", mode="before")
    @classmethod
    def _lists_are_levels(cls, v: Any) -> Any:
        """Accept ``path: [a, b]`` as shorthand for ``path: {levels: [a, b]}``."""
        if isinstance(v, dict):
            return {k: ({"levels": p} if isinstance(p, list) else p) for k, p in v.items()}
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Space:
        problems = []
        for path, p in self.parameters.items():
            if self.kind == "grid" and p.levels is None:
                problems.append(f"{path}: a grid parameter needs a list of levels")
            if self.kind != "grid" and p.levels is not None:
                problems.append(f"{path}: kind {self.kind} needs low/high bounds, not levels")
        if self.kind == "grid" and self.samples is not None:
            problems.append("samples is not used by kind grid (the levels set the points)")
        if self.kind != "grid":
            if not self.parameters:
                problems.append(f"kind {self.kind} needs at least one parameter")
            if self.samples is None:
                problems.append(f"kind {self.kind} needs samples")
        if self.kind == "sobol" and self.samples and self.samples & (self.samples - 1):
            # Sobol' sequences keep their balance properties only at powers of 2
            # (Owen 2020, arXiv:2008.08051); SALib warns, we refuse.
            problems.append(f"samples must be a power of 2 for kind sobol, got {self.samples}")
        if self.kind == "morris" and self.morris_levels % 2:
            problems.append("morris_levels must be even (Morris 1991)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def n_points(self) -> int:
        """Parameter points the space gives, counted without sampling (the
        :func:`sim.studies.sweep.design.points` of each kind): grid, the product of the level
        counts; lhs, ``samples``; sobol, N·(2D+2) or N·(D+2); morris, N·(D+1); none, 1."""
        d = len(self.parameters)
        if not d:
            return 1
        if self.kind == "grid":
            return math.prod(len(p.levels or ()) for p in self.parameters.values())
        per = {"lhs": 1, "sobol": 2 * d + 2 if self.second_order else d + 2, "morris": d + 1}
        return (self.samples or 0) * per[self.kind]


class Comparison(_Strict):
    """The ``comparison:`` block: arms = the spec's scenarios, compared with a baseline arm."""

    baseline: str = Field(pattern=SLUG, description="Label of the baseline arm.")
    metrics: list[str] | None = Field(
        None,
        min_length=1,
        description="Outcome keys compared (default: those of deaths, direct_loss_yuan, "
        "accidents that the runs report).",
    )
    cost: str | None = Field(
        "policy_cost_yuan",
        description="Outcome key of each arm's cost, yuan; null: no cost-effectiveness. The "
        "default is skipped when the runs do not report it.",
    )
    deaths: str | None = Field(
        "deaths", description="Outcome key of deaths, for yuan per avoided death; null: none."
    )
    loss: str | None = Field(
        "direct_loss_yuan",
        description="Outcome key of the direct loss, yuan, for avoided loss per yuan spent; "
        "null: none.",
    )
    confidence: float = Field(0.95, gt=0, lt=1, description="Confidence level of the intervals.")
    bootstrap: int = Field(
        2000, ge=100, le=1_000_000, description="Bootstrap resamples for the ratio intervals."
    )

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, v: list[str] | None) -> list[str] | None:
        return _outcome_list(v, "outcome keys", "metrics")

    @field_validator("cost", "deaths", "loss")
    @classmethod
    def _known_key(cls, v: str | None) -> str | None:
        if v is not None and not is_outcome_key(v):
            raise ValueError(f"unknown outcome key {v!r}; valid: {list(OUTCOME_KEYS)}")
        return v


MAX_PLAN_RUNS = 100_000
"""Runs a plan may hold (points × scenarios × replications), checked before it is built: the
plan keeps a record and a table row of each run (about 1 KB: 100 MB), every point is validated
before the first run, and 100,000 runs are over a day of the example city's ~1-s runs on two
cores, weeks of Lekima's ~12 s. The same bound as ``replications``."""
PLAN_RUNS = Bound(1, MAX_PLAN_RUNS, integer=True, source="the runs a plan may hold")
"""What ``run --replications`` and ``riskmap -n`` accept: each is a plan of that many runs."""


class ExperimentSpec(_Strict):
    """A validated experiment spec (scenario paths absolute)."""

    name: str = Field(pattern=SLUG, description="Experiment name (slug).")
    description: str = ""
    scenarios: list[ScenarioRef] = Field(min_length=1, description="Base scenarios.")
    fixed: dict[str, Any] = Field(
        default_factory=dict, description="Overrides (dotted path → value) for every run."
    )
    space: Space = Field(default_factory=Space)
    replications: int = Field(
        1,
        ge=1,
        le=MAX_PLAN_RUNS,
        description="Runs per parameter point (the plan: at most 100,000 runs).",
    )
    seed: int = Field(0, ge=0, description="Root seed of the replication seeds and samplers.")
    outputs: list[str] | None = Field(
        None,
        description="Summary keys to keep (default: all of SUMMARY_KEYS but seed; "
        "wall_time_s is always kept).",
    )
    max_attempts: int = Field(3, ge=1, le=20, description="Attempts per run before giving up.")
    keep_run_folders: bool = Field(
        False, description="Keep each run's folder (tables) under OUT/run_folders/<run_id>/."
    )
    comparison: Comparison | None = Field(
        None, description="Policy comparison (citysafe compare): baseline arm, metrics, cost."
    )

    @field_validator("scenarios", mode="before")
    @classmethod
    def _strings_are_paths(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"path": s} if isinstance(s, str) else s for s in v]
        return v

    @field_validator("outputs")
    @classmethod
    def _known_outputs(cls, v: list[str] | None) -> list[str] | None:
        return _outcome_list(v, "outputs", "outputs")

    @model_validator(mode="after")
    def _names(self) -> ExperimentSpec:
        problems = []
        for where, mapping in [("fixed", self.fixed)] + [
            (f"scenarios[{i}].fixed", s.fixed) for i, s in enumerate(self.scenarios)
        ]:
            problems += [f"{where}: {k}: {m}" for k, m in _path_problems(mapping)]
        problems += [
            f"space.parameters: {k}: {m}" for k, m in _path_problems(self.space.parameters)
        ]
        labels = self.labels()
        if len(set(labels)) != len(labels):
            problems.append(f"scenario labels must be unique, got {labels} (set label:)")
        if any(not re.match(SLUG, lab) for lab in labels):
            problems.append(f"scenario labels must be slugs, got {labels} (set label:)")
        names = self.parameter_names()
        clash = set(names) & (set(META_COLUMNS) | set(OUTCOME_KEYS))
        if len(set(names)) != len(names) or clash:
            problems.append(
                f"parameter column names {names} must be unique and differ from result "
                f"columns {sorted(clash) or ''}; set name: for the parameters"
            )
        if problems:
            raise ValueError("; ".join(problems))
        too_large = self.plan_problem()
        if too_large:
            raise ValueError(too_large)
        return self

    def plan_problem(self) -> str | None:
        """What is wrong with the plan's size (:data:`MAX_PLAN_RUNS`), counted without
        building it, or None. Call it again after ``model_copy(update=...)``, which does not
        validate."""
        n_points = self.space.n_points()
        n_runs = n_points * len(self.scenarios) * self.replications
        if n_runs <= MAX_PLAN_RUNS:
            return None
        return (
            f"the plan has {n_runs:,} runs ({n_points:,} points × {len(self.scenarios)} "
            f"scenarios × {self.replications} replications); at most {MAX_PLAN_RUNS:,} (over a "
            "day of the example city's 1-s runs on 2 cores, weeks of Lekima's): give fewer "
            "levels or samples, or fewer replications"
        )

    def labels(self) -> list[str]:
        """Scenario labels, in spec order."""
        return [s.label or Path(s.path).stem for s in self.scenarios]

    def parameter_names(self) -> list[str]:
        """Result column of each parameter, in spec order."""
        return [p.name or path.split(".")[-1] for path, p in self.space.parameters.items()]

    def output_keys(self, kind: Literal["emergency", "long_run"] = "emergency") -> list[str]:
        """Outcome columns kept for a run of scenario ``kind``, in the listed order or the
        kind's summary-key order; ``wall_time_s`` is always kept (``sweep status`` estimates
        the ETA from it). A long run writes only its enabled processes' keys
        (:func:`sim.results.longrun_summary.summarise`): :func:`~sim.studies.sweep.runone.run_one`
        keeps the default keys it finds and insists on listed ones."""
        default = EMERGENCY_OUTCOME_KEYS if kind == "emergency" else LONGRUN_OUTCOME_KEYS
        keys = list(self.outputs) if self.outputs is not None else list(default)
        return keys if "wall_time_s" in keys else [*keys, "wall_time_s"]


def _path_problems(mapping: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key in mapping:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$", key):
            out.append((key, "expected a dotted scenario path such as logistics.teams_scale"))
        elif key == "seed":
            out.append((key, "the seed is set per replication from the spec's seed"))
    return out


def _problems_of(exc: ValidationError, source: str) -> list[Problem]:
    return validation_problems(
        exc,
        source,
        unknown="unknown field (not in the experiment spec schema)",
        model=ExperimentSpec,
    )


def parse_spec(data: Any, source: str, base_dir: Path) -> ExperimentSpec:
    """Validate a spec mapping; scenario paths, and the file paths that ``fixed`` values set
    (:func:`sim.scenario.paths.rebase_dotted`), are made absolute against ``base_dir``.

    Raises:
        SpecError: one :class:`Problem` per error, including missing scenario files.
    """
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise SpecError([Problem(source, "(top level)", f"expected a mapping, got {got}")])
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_problems_of(exc, source)) from None
    problems = []
    spec.fixed = {k: rebase_dotted(k, v, base_dir) for k, v in spec.fixed.items()}
    for i, ref in enumerate(spec.scenarios):
        path = (base_dir / ref.path).resolve()
        if not path.is_file():
            problems.append(Problem(source, f"scenarios[{i}].path", f"file not found: {path}"))
        ref.path = str(path)
        ref.fixed = {k: rebase_dotted(k, v, base_dir) for k, v in ref.fixed.items()}
    problems += _comparison_problems(spec, source)
    problems += _given_twice(spec, source)
    if problems:
        raise SpecError(problems)
    return spec


def _given_twice(spec: ExperimentSpec, source: str) -> list[Problem]:
    """Scenario paths a spec sets in two places, where one would silently lose: a ``fixed``
    path (the spec's or a scenario's) that the space also varies (the space's value wins),
    or two paths of one ``fixed`` mapping of which one lies inside the other (``networks``
    and ``networks.resolution``: the later one wins). A scenario's ``fixed`` over the spec's
    ``fixed`` is not one of these: it is the documented way to set one arm apart."""
    problems = []
    for where, mapping in [("fixed", spec.fixed)] + [
        (f"scenarios[{i}].fixed", s.fixed) for i, s in enumerate(spec.scenarios)
    ]:
        keys = list(mapping)
        for i, j in set_twice(keys):
            problems.append(
                Problem(source, f"{where}.{keys[j]}", f"also set by {where}.{keys[i]}: give one")
            )
        for key in keys:
            problems += [
                Problem(
                    source,
                    f"{where}.{key}",
                    f"also varied in space.parameters.{varied}: give it in one place",
                )
                for varied in spec.space.parameters
                if overlapping(key, varied)
            ]
    return problems


def _comparison_problems(spec: ExperimentSpec, source: str) -> list[Problem]:
    """Checks of the ``comparison:`` block that need the rest of the spec."""
    cmp = spec.comparison
    if cmp is None:
        return []
    problems = []
    labels = spec.labels()
    if cmp.baseline not in labels:
        problems.append(
            Problem(
                source,
                "comparison.baseline",
                f"no arm labelled {cmp.baseline!r}; arms (scenario labels): {labels}",
            )
        )
    if len(labels) < 2:
        problems.append(
            Problem(source, "scenarios", "a comparison needs at least two arms (scenarios)")
        )
    if spec.space.parameters:
        problems.append(
            Problem(
                source,
                "space.parameters",
                "a comparison's arms are its scenarios; move "
                "the parameters into each arm's fixed overrides",
            )
        )
    if spec.outputs is not None:
        wanted = {"metrics": cmp.metrics or []} | {
            k: [getattr(cmp, k)] for k in ("cost", "deaths", "loss") if getattr(cmp, k)
        }
        for field, keys in wanted.items():
            missing = [k for k in keys if k not in spec.outputs]
            if missing and (field == "metrics" or cmp.model_fields_set & {field}):
                problems.append(
                    Problem(
                        source,
                        f"comparison.{field}",
                        f"{missing} not in outputs "
                        f"(list them there, or drop outputs to keep every key)",
                    )
                )
    return problems


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and validate an experiment spec file.

    Args:
        path: the spec YAML file.

    Returns:
        The :class:`ExperimentSpec`, scenario paths absolute.

    Raises:
        SpecError: unreadable file, YAML syntax, schema problems, missing scenario files.
    """
    path = Path(path)
    source = str(path)
    try:
        data = read_yaml_file(path)
    except FileNotFoundError:
        raise SpecError([Problem(source, "(file)", "file not found")]) from None
    except YamlInputError as exc:
        raise SpecError([Problem(source, exc.where, exc.message)]) from None
    return parse_spec(data, source, path.resolve().parent)


def dump_spec(spec: ExperimentSpec) -> str:
    """The validated spec as YAML (absolute scenario paths, defaults filled in)."""
    return dump_yaml(spec.model_dump(mode="json"))
