"""Calibration spec (YAML → pydantic): base scenario, parameters with priors, targets.

Example (calibration/shanghai.yaml)::

    scenario: ../scenarios/shanghai/lekima-2019.yaml
    targets_file: targets.yaml
    targets_case: lekima_2019
    overrides: [networks.resolution=0.1]
    parameters:
      losses.scale: {prior: uniform, low: 1.0, high: 6.0}
    targets:
      direct_loss_yuan: {log: true}
      power_line_faults: {relative_scale: 0.5}
    population_size: 20
    max_generations: 3
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from statistics import NormalDist
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.core.errors import InputDataWarning, Picklable
from sim.core.yaml_input import YamlInputError, read_yaml_file
from sim.scenario.loader import Problem, validation_problems
from sim.scenario.longrun import SHOCK_KEY
from sim.scenario.paths import rebase_overrides
from sim.scenario.suggest import closest
from sim.studies.sweep.spec import EMERGENCY_OUTCOME_KEYS, MAX_PLAN_RUNS, OUTCOME_KEYS

NOT_TARGETS = ("seed", "wall_time_s")
"""Summary keys that are not outcomes of the simulated city (the run's seed, its computing
time): a calibration cannot aim at them."""
TARGET_KEYS = tuple(k for k in OUTCOME_KEYS if k not in NOT_TARGETS)
"""What a target may name: an outcome of either kind of run (whether the spec's scenario
writes it is checked against its kind, :mod:`sim.studies.calibration.checks`), or a long
run's shock outcome ``shocks.<name>.<key>``."""
MAX_SEED = 2**32 - 1
"""pyabc draws from numpy's legacy global generator, which takes seeds below 2**32."""
PRIOR_TAIL = 1e-6
"""A lognormal prior has no ends: its checks (and the plot's range) use the quantiles
``PRIOR_TAIL`` and ``1 - PRIOR_TAIL``. A particle beyond them is a one-in-a-million draw; one
beyond what the scenario accepts stops the calibration with the scenario's message (exit 2),
never a wrong result."""


class CalibrationSpecError(Picklable, ValueError):
    """The calibration spec, its targets file, its scenario or the output folder cannot be
    used. ``problems``: one line each (``FILE: field.path: what was expected``, or a
    sentence naming the folder); the message is those lines."""

    def __init__(self, problems: list[Problem | str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Strict(BaseModel):
    # a number in a spec is finite: nan or .inf as a bound, a scale or a weight means nothing
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Prior(_Strict):
    """Prior of one parameter: uniform on [low, high] or lognormal (median, sigma of ln)."""

    prior: Literal["uniform", "lognormal"] = "uniform"
    low: float | None = None
    high: float | None = None
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> Prior:
        if self.prior == "uniform":
            if self.median is not None or self.sigma is not None:
                raise ValueError(
                    "median and sigma belong to a lognormal prior (prior: lognormal); a "
                    "uniform prior takes low and high"
                )
            if self.low is None or self.high is None:
                raise ValueError("a uniform prior needs low and high, low < high")
            if self.low > self.high:
                raise ValueError(
                    f"low {self.low:g} is above high {self.high:g}: a uniform prior needs "
                    "low < high"
                )
            if self.low == self.high:
                raise ValueError(
                    f"low and high are both {self.low:g}: a uniform prior needs low < high "
                    "(a fixed value belongs in overrides)"
                )
        elif self.low is not None or self.high is not None:
            raise ValueError(
                "low and high belong to a uniform prior; a lognormal prior takes median and sigma"
            )
        elif self.median is None or self.sigma is None:
            raise ValueError("a lognormal prior needs median > 0 and sigma > 0")
        return self

    def describe(self) -> str:
        """The prior in words, e.g. ``uniform [0.5, 2]``, ``lognormal (median 2, sigma 0.8)``."""
        if self.prior == "uniform":
            return f"uniform [{self.low:g}, {self.high:g}]"
        return f"lognormal (median {self.median:g}, sigma {self.sigma:g})"

    def ends(self) -> tuple[float, float]:
        """The ends of the prior's support: ``low, high``; for a lognormal prior its
        :data:`PRIOR_TAIL` quantiles ``median · exp(∓ z · sigma)``."""
        if self.prior == "uniform":
            return float(self.low), float(self.high)
        z = NormalDist().inv_cdf(1.0 - PRIOR_TAIL)
        return self.median * math.exp(-z * self.sigma), self.median * math.exp(z * self.sigma)

    def probes(self) -> list[tuple[str, float]]:
        """Values a check tries, each with its name: a point inside the prior (the middle of
        a uniform one, a lognormal's median) first, then the ends (:meth:`ends`)."""
        low, high = self.ends()
        if self.prior == "uniform":
            return [("middle", 0.5 * (low + high)), ("low", low), ("high", high)]
        pct = f"{100 * PRIOR_TAIL:g} %"
        return [
            ("median", float(self.median)),
            (f"{pct} quantile", low),
            (f"{100 - 100 * PRIOR_TAIL:g} % quantile", high),
        ]


class TargetSpec(_Strict):
    """How one observed figure enters the distance.

    ``log``: compare ln(simulated + 1) with ln(observed + 1) (for figures spanning orders of
    magnitude, e.g. losses; the figures must be >= 0). ``relative_scale`` r: the distance
    scale when targets.yaml reports no low/high spread (an assumption per target): r × the
    value (at least r × 1) for a linear target; for a log target the range from value / (1 + r)
    to value × (1 + r), a factor 1 + r either way, taken as a reported spread (so a log target
    whose value is 0 needs a reported spread: a factor of 0 is 0).
    """

    log: bool = False
    relative_scale: float | None = Field(None, gt=0)
    weight: float = Field(1.0, gt=0)


def _dotted_path(key: str) -> str:
    """A parameter's key: a dotted scenario path (``a.b.c``) that a simulation may set."""
    if "=" in key or not all(part.strip() for part in key.split(".")):
        raise ValueError(f"{key!r} must be a dotted scenario path like a.b.c")
    if key.strip() == "seed":
        raise ValueError(
            "seed is set by each simulation (the particle's own seed); it cannot be calibrated"
        )
    return key


def _outcome_key(key: str) -> str:
    """A target's key: an outcome a run writes (:data:`TARGET_KEYS`, a shock's outcome)."""
    shock = SHOCK_KEY.match(key)
    if key in TARGET_KEYS or (shock is not None and shock.group(2) in TARGET_KEYS):
        return key
    why = " (not an outcome of the city)" if key in NOT_TARGETS else ""
    hint = closest(key, TARGET_KEYS)
    hint = f"; did you mean {hint!r}?" if hint else ""
    raise ValueError(
        f"{key!r} is not an outcome a run writes{why}{hint} (an emergency run's: "
        f"{', '.join(k for k in EMERGENCY_OUTCOME_KEYS if k not in NOT_TARGETS)}; a long "
        "run's: the keys of its summary.json)"
    )


class CalibrationSpec(_Strict):
    """A calibration: scenario, fixed overrides, parameters (dotted paths) and targets."""

    name: str = "calibration"
    scenario: Path
    targets_file: Path
    targets_case: str
    overrides: list[str] = Field(default_factory=list)
    parameters: dict[Annotated[str, AfterValidator(_dotted_path)], Prior] = Field(min_length=1)
    targets: dict[Annotated[str, AfterValidator(_outcome_key)], TargetSpec] = Field(min_length=1)
    population_size: int = Field(20, ge=2)
    max_generations: int = Field(3, ge=1)
    min_epsilon: float = Field(0.0, ge=0)
    ppc_draws: int = Field(10, ge=0)
    seed: int = Field(0, ge=0, le=MAX_SEED)

    @model_validator(mode="after")
    def _plan_size(self) -> CalibrationSpec:
        runs = self.population_size * self.max_generations + self.ppc_draws
        if runs > MAX_PLAN_RUNS:  # the sweep's bound: the runs go through its executor
            raise ValueError(
                f"population_size × max_generations + ppc_draws = {runs:,} runs at least; at "
                f"most {MAX_PLAN_RUNS:,}, the sweep plan's bound (sim.studies.sweep.spec)"
            )
        return self


class ObservedTarget(BaseModel):
    """A target resolved against targets.yaml: observed centre and distance scale."""

    key: str
    observed: float
    scale: float
    log: bool
    weight: float

    def transform(self, x: float) -> float:
        """Value on the distance's scale (ln(x + 1) for log targets)."""
        return math.log(max(x, 0.0) + 1.0) if self.log else float(x)


def _read_yaml_problem(path: Path, what: str) -> tuple[Any, Problem | None]:
    """The parsed YAML file, or the one problem that it cannot be read."""
    try:
        return read_yaml_file(path), None
    except FileNotFoundError:
        return None, Problem(str(path), "(file)", f"file not found (the {what})")
    except YamlInputError as exc:
        return None, Problem(str(path), exc.where, exc.message)


def _numbers(rec: dict, file: str, where: str) -> tuple[dict[str, float], list[Problem]]:
    """A target record's ``value``, ``low`` and ``high`` (those given), each a finite number."""
    nums: dict[str, float] = {}
    problems = []
    for name in ("value", "low", "high"):
        v = rec.get(name)
        if v is None:
            if name == "value":
                problems.append(Problem(file, f"{where}.value", "required: the observed figure"))
        elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            problems.append(
                Problem(file, f"{where}.{name}", f"expected a finite number, got {v!r}")
            )
        else:
            nums[name] = float(v)
    return nums, problems


def _spread(
    key: str, nums: dict[str, float], tspec: TargetSpec, file: str, where: str, source: str
):
    """(low, high) the distance treats as the observed range, or the problem why there is none.

    A reported spread is the targets file's (low < high); without one, ``relative_scale``'s
    (:class:`TargetSpec`)."""
    value, low, high = nums["value"], nums.get("low"), nums.get("high")
    if (low is None) != (high is None):
        given, missing = ("low", "high") if high is None else ("high", "low")
        return Problem(
            file,
            f"{where}.{missing}",
            f"missing: {given} is given, and a reported spread needs both low and high",
        )
    if low is not None and low > high:
        return Problem(
            file,
            f"{where}.low",
            f"low {low:g} is above high {high:g}: a reported spread needs low <= high",
        )
    if tspec.log and min(nums.values()) < 0:
        name = min(nums, key=nums.get)
        return Problem(
            file,
            f"{where}.{name}",
            f"{nums[name]:g} is negative: targets.{key} has "
            "log: true, which compares ln(x + 1), for figures >= 0",
        )
    if low is not None and high > low:
        if not low <= value <= high:
            warnings.warn(
                f"{file}: {where}: value {value:g} lies outside its reported spread "
                f"{low:g} to {high:g}; the calibration aims at the spread",
                InputDataWarning,
                stacklevel=4,
            )
        return low, high
    r = tspec.relative_scale
    if r is None:
        what = "reports no low/high spread" if low is None else f"low = high = {low:g}: no spread"
        return Problem(
            file,
            where,
            f"{what}; set targets.{key}.relative_scale in the "
            "calibration spec (the distance scale, as a share of the value)",
        )
    if tspec.log and value == 0:
        return Problem(
            source,
            f"targets.{key}.log",
            f"the observed {key} is 0 ({file}: "
            f"{where}.value) without a reported spread, and on a log scale "
            f"relative_scale is a factor: 0 × (1 + {r:g}) is still 0. Give the "
            "reported range as low and high in the targets file, or set log: false "
            f"(the scale is then {r:g} × 1)",
        )
    if tspec.log:
        return value / (1.0 + r), value * (1.0 + r)
    half = r * max(abs(value), 1.0)
    return value - half, value + half


def read_targets(
    spec: CalibrationSpec, source: str = "the calibration spec"
) -> tuple[list[ObservedTarget], list[Problem]]:
    """Observed centre and scale of each target from the targets file, and every problem.

    The observed range of a target is its reported spread [low, high] (sources disagree by
    that much, so a simulation inside it is "as good as the data") or, without one, the
    spec's ``relative_scale`` around the value (:class:`TargetSpec`). The centre is the
    range's midpoint (geometric, of x + 1, for log targets) and the scale its half-width (in
    ln(x + 1) units for log targets). A value outside its reported spread is warned of
    (:class:`~sim.core.errors.InputDataWarning`).

    Args:
        spec: the validated spec.
        source: the spec file, named in problems of the spec's own fields.

    Returns:
        The targets (those without problems) and one :class:`Problem` per problem: file
        unreadable, unknown case or target, a figure that is not a finite number, low above
        high, a negative figure of a log target, no range (no spread, no ``relative_scale``;
        a log target of value 0 without a spread).
    """
    file = str(spec.targets_file)
    data, problem = _read_yaml_problem(spec.targets_file, "targets_file of the spec")
    if problem is not None:
        return [], [problem]
    case = data.get(spec.targets_case) if isinstance(data, dict) else None
    if not isinstance(case, dict) or not isinstance(case.get("targets"), dict):
        cases = sorted(str(k) for k in data) if isinstance(data, dict) else []
        hint = closest(spec.targets_case, cases)
        hint = f"; did you mean {hint!r}?" if hint else ""
        what = f"no case {spec.targets_case!r} with a 'targets' mapping{hint} (cases: {cases})"
        return [], [Problem(file, spec.targets_case, what)]
    out, problems = [], []
    for key, tspec in spec.targets.items():
        where = f"{spec.targets_case}.targets.{key}"
        rec = case["targets"].get(key)
        if not isinstance(rec, dict):
            what = (
                f"no target {key!r} in case {spec.targets_case!r}; available: "
                f"{sorted(case['targets'])}"
                if rec is None
                else f"expected a mapping of value (and low, high), got {rec!r}"
            )
            problems.append(Problem(file, where, what))
            continue
        nums, bad = _numbers(rec, file, where)
        found = bad or _spread(key, nums, tspec, file, where, source)
        if not isinstance(found, tuple):
            problems += found if isinstance(found, list) else [found]
            continue
        low, high = found
        if tspec.log:
            observed = math.sqrt((low + 1.0) * (high + 1.0)) - 1.0
            scale = 0.5 * (math.log(high + 1.0) - math.log(low + 1.0))
        else:
            observed, scale = 0.5 * (low + high), 0.5 * (high - low)
        out.append(
            ObservedTarget(
                key=key, observed=observed, scale=scale, log=tspec.log, weight=tspec.weight
            )
        )
    return out, problems


def resolve_targets(
    spec: CalibrationSpec, source: str = "the calibration spec"
) -> list[ObservedTarget]:
    """:func:`read_targets`, all or nothing.

    Raises:
        CalibrationSpecError: its problems, when there are any.
    """
    targets, problems = read_targets(spec, source)
    if problems:
        raise CalibrationSpecError(problems)
    return targets


def parse_calibration_spec(data: Any, source: str, base_dir: Path) -> CalibrationSpec:
    """Validate a mapping; relative paths (``scenario``, ``targets_file`` and the file paths
    ``overrides`` set: :func:`sim.scenario.paths.rebase_overrides`) are resolved against
    ``base_dir``.

    Raises:
        CalibrationSpecError: one :class:`Problem` per validation problem, naming ``source``
            and the field path (an unknown field gets the closest valid name).
    """
    if not isinstance(data, dict):
        got = type(data).__name__
        raise CalibrationSpecError(
            [Problem(source, "(top level)", f"expected a mapping, got {got}")]
        )
    data = dict(data)
    for k in ("scenario", "targets_file"):
        if isinstance(data.get(k), str):
            data[k] = (base_dir / data[k]).resolve()
    overrides = data.get("overrides")
    if isinstance(overrides, list) and all(isinstance(o, str) for o in overrides):
        data["overrides"] = rebase_overrides(overrides, base_dir)  # paths: from the spec's folder
    try:
        return CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        unknown = "unknown field of a calibration spec"
        problems = validation_problems(exc, source, unknown=unknown, model=CalibrationSpec)
        # a key of parameters or targets is named by itself, not by pydantic's "[key]"
        problems = [Problem(p.file, p.field.removesuffix(".[key]"), p.message) for p in problems]
        raise CalibrationSpecError(problems) from None


def load_calibration_spec(path: Path) -> CalibrationSpec:
    """Read and validate a calibration spec YAML file (see :func:`parse_calibration_spec`).

    Raises:
        CalibrationSpecError: the file cannot be read, or its problems.
    """
    path = Path(path)
    data, problem = _read_yaml_problem(path, "calibration spec")
    if problem is not None:
        raise CalibrationSpecError([problem])
    return parse_calibration_spec(data, str(path), path.resolve().parent)
