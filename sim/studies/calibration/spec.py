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
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.core.yaml_input import YamlInputError, read_yaml_file
from sim.results.summary import SUMMARY_KEYS
from sim.studies.sweep.spec import MAX_PLAN_RUNS


class CalibrationSpecError(ValueError):
    """The calibration spec or its targets file is invalid; the message names file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
            if self.low is None or self.high is None or not self.low < self.high:
                raise ValueError("uniform prior needs low < high")
        elif self.median is None or self.sigma is None:
            raise ValueError("lognormal prior needs median > 0 and sigma > 0")
        return self


class TargetSpec(_Strict):
    """How one observed figure enters the distance.

    ``log``: compare ln(simulated + 1) with ln(observed + 1) (for figures spanning orders of
    magnitude, e.g. losses). ``relative_scale``: distance scale as a share of the observed
    value, required when targets.yaml reports no low/high spread (assumption per target).
    """

    log: bool = False
    relative_scale: float | None = Field(None, gt=0)
    weight: float = Field(1.0, gt=0)


class CalibrationSpec(_Strict):
    """A calibration: scenario, fixed overrides, parameters (dotted paths) and targets."""

    name: str = "calibration"
    scenario: Path
    targets_file: Path
    targets_case: str
    overrides: list[str] = Field(default_factory=list)
    parameters: dict[str, Prior] = Field(min_length=1)
    targets: dict[str, TargetSpec] = Field(min_length=1)
    population_size: int = Field(20, ge=2)
    max_generations: int = Field(3, ge=1)
    min_epsilon: float = Field(0.0, ge=0)
    ppc_draws: int = Field(10, ge=0)
    seed: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _paths_and_keys(self) -> CalibrationSpec:
        runs = self.population_size * self.max_generations + self.ppc_draws
        if runs > MAX_PLAN_RUNS:  # the sweep's bound: the runs go through its executor
            raise ValueError(
                f"population_size × max_generations + ppc_draws = {runs:,} runs at least; at "
                f"most {MAX_PLAN_RUNS:,}, the sweep plan's bound (sim.studies.sweep.spec)"
            )
        for key in self.parameters:
            if "=" in key or not all(key.split(".")):
                raise ValueError(f"parameter {key!r} must be a dotted scenario path like a.b.c")
        unknown = sorted(set(self.targets) - set(SUMMARY_KEYS))
        if unknown:
            raise ValueError(f"targets {unknown} are not summary keys; valid: {SUMMARY_KEYS}")
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


def resolve_targets(spec: CalibrationSpec) -> list[ObservedTarget]:
    """Observed centre and scale of each target from the targets file.

    With a reported spread [low, high] the centre is its midpoint (geometric for log targets)
    and the scale its half-width (in ln units for log targets): sources disagree by that much,
    so a simulation inside the range is "as good as the data". Without a spread the centre is
    the value and the scale ``relative_scale * value`` (spec assumption).

    Raises:
        CalibrationSpecError: unknown case or target, or no spread and no relative_scale.
    """
    try:
        data = read_yaml_file(spec.targets_file)
    except (OSError, YamlInputError) as exc:
        raise CalibrationSpecError(f"{spec.targets_file}: cannot read targets: {exc}") from exc
    case = (data or {}).get(spec.targets_case)
    if not isinstance(case, dict) or "targets" not in case:
        raise CalibrationSpecError(
            f"{spec.targets_file}: no case {spec.targets_case!r} with a 'targets' mapping"
        )
    out = []
    for key, tspec in spec.targets.items():
        rec = case["targets"].get(key)
        if rec is None:
            raise CalibrationSpecError(
                f"{spec.targets_file}: case {spec.targets_case!r} has no target {key!r}; "
                f"available: {sorted(case['targets'])}"
            )
        value, low, high = rec["value"], rec.get("low"), rec.get("high")
        if low is not None and high is not None and high > low:
            if tspec.log:
                observed = math.sqrt((low + 1.0) * (high + 1.0)) - 1.0
                scale = 0.5 * (math.log(high + 1.0) - math.log(low + 1.0))
            else:
                observed, scale = 0.5 * (low + high), 0.5 * (high - low)
        elif tspec.relative_scale is not None:
            observed = float(value)
            scale = tspec.relative_scale * max(abs(value), 1.0)
            if tspec.log:
                scale = math.log1p(tspec.relative_scale)
        else:
            raise CalibrationSpecError(
                f"{spec.targets_file}: target {key!r} reports no low/high spread; "
                f"set targets.{key}.relative_scale in the calibration spec"
            )
        out.append(
            ObservedTarget(
                key=key, observed=observed, scale=scale, log=tspec.log, weight=tspec.weight
            )
        )
    return out


def parse_calibration_spec(data: Any, source: str, base_dir: Path) -> CalibrationSpec:
    """Validate a mapping; relative paths are resolved against ``base_dir``.

    Raises:
        CalibrationSpecError: every validation problem, naming ``source`` and field path.
    """
    if not isinstance(data, dict):
        raise CalibrationSpecError(f"{source}: expected a mapping at top level")
    data = dict(data)
    for k in ("scenario", "targets_file"):
        if isinstance(data.get(k), str):
            data[k] = (base_dir / data[k]).resolve()
    try:
        return CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        msgs = [
            f"{source}: {'.'.join(str(p) for p in e['loc']) or '<top>'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise CalibrationSpecError("\n".join(msgs)) from exc


def load_calibration_spec(path: Path) -> CalibrationSpec:
    """Read and validate a calibration spec YAML file (see :func:`parse_calibration_spec`)."""
    path = Path(path)
    try:
        data = read_yaml_file(path)
    except (OSError, YamlInputError) as exc:
        raise CalibrationSpecError(f"{path}: cannot read spec: {exc}") from exc
    return parse_calibration_spec(data, str(path), path.resolve().parent)
