"""Command-line numbers: what each numeric option accepts, checked as typer parses it.

Every numeric option of every ``citysafe`` command states what it accepts with a
:class:`Bound` and passes :meth:`Bound.check` as its typer ``callback``; anything else is
refused with one line ``--option VALUE: expected ...`` and exit code 2 while the command line
is parsed, before the command's body runs: before a scenario is loaded, a folder created or
any work started. The bounds come from where the reason is:

- an option that overrides a scenario or spec field (``--resolution``, ``--seed``,
  ``compare --replications``) takes that field's own pydantic constraints
  (:func:`schema_bound`): one source of truth, and the value then passes the schema too;
- a count (runs, workers, samples, realisations, ...) takes the constant of the module that
  states its reason (a memory or time budget, e.g.
  :data:`sim.studies.sweep.spec.MAX_PLAN_RUNS`, :data:`sim.studies.sweep.executor.MAX_WORKERS`);
- a float is finite (NaN and infinity are refused) and within its physical range, if any.

The options do not use typer's ``min=``/``max=``: click's ``FloatRange`` lets NaN through
(every comparison with NaN is false), typer releases that validate with pydantic refuse it but
pass ``inf`` when no upper bound is set, and neither names the value refused (``Invalid value
for '--workers': Input should be greater than or equal to 1``, in a box under the usage).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NoReturn, get_args

import annotated_types as at
import typer
from pydantic import BaseModel


def refuse(message: str) -> NoReturn:
    """Print ``message`` (one line, on stderr) and end the command with exit code 2.

    Raises:
        typer.Exit: always, code 2.
    """
    typer.echo(" ".join(message.split()), err=True)
    raise typer.Exit(code=2)


def option_name(param: Any) -> str:
    """The option's long name (``--replications`` of ``-n/--replications``), else its only one."""
    opts = list(getattr(param, "opts", None) or [getattr(param, "name", "?")])
    return max(opts, key=len)


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,g}"


@dataclass(frozen=True)
class Bound:
    """What a numeric option accepts: a finite number (an integer if ``integer``) from ``low``
    to ``high`` (None: no bound on that side; ``low_open``/``high_open``: that end excluded).

    Attributes:
        source: where the bound comes from, named in the refusal (e.g. the scenario field).
    """

    low: float | None = None
    high: float | None = None
    integer: bool = False
    low_open: bool = False
    high_open: bool = False
    source: str = ""

    def __str__(self) -> str:
        kind = "an integer" if self.integer else "a finite number"
        lo = None if self.low is None else (">" if self.low_open else ">=", self.low)
        hi = None if self.high is None else ("<" if self.high_open else "<=", self.high)
        if lo and hi and lo[0] == ">=" and hi[0] == "<=":
            return f"{kind} from {_num(self.low)} to {_num(self.high)}"
        sides = [f"{op} {_num(x)}" for op, x in (s for s in (lo, hi) if s is not None)]
        return " ".join([kind, " and ".join(sides)]).strip()

    def problem(self, value: Any) -> str | None:
        """None if ``value`` is accepted (None, an absent option, is), else what is expected."""
        if value is None:
            return None
        expected = f"expected {self}" + (f" ({self.source})" if self.source else "")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return expected
        if not isinstance(value, int) and (self.integer or not math.isfinite(value)):
            return expected  # an integer's float (typer gives int) or NaN, inf
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return expected
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            return expected
        return None

    def check(self, ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        """The typer callback: ``value`` if accepted, else :func:`refuse` naming the option.

        Raises:
            typer.Exit: code 2 after the line ``--option VALUE: expected ...``.
        """
        if ctx.resilient_parsing:  # shell completion: nothing is run
            return value
        problem = self.problem(value)
        if problem is not None:
            refuse(f"{option_name(param)} {value}: {problem}")
        return value


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model of a field's annotation (``Model`` or ``Model | None``)."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def schema_bound(model: type[BaseModel], path: str, source: str | None = None) -> Bound:
    """The :class:`Bound` of the field ``path`` (dotted) of ``model``, from the field's own
    constraints (``gt``, ``ge``, ``lt``, ``le``), so an option that overrides the field accepts
    exactly what the schema accepts.

    Args:
        model: the pydantic model (e.g. :class:`sim.scenario.schema.Scenario`).
        path: dotted field path (``networks.resolution``).
        source: how the refusal names the field (default ``"the scenario's <path>"``).

    Raises:
        KeyError: no such field; TypeError: the field has a constraint that has no
            command-line form here (add it rather than let it pass unchecked).
    """
    *parents, name = path.split(".")
    for part in parents:
        sub = _model_of(model.model_fields[part].annotation)
        if sub is None:
            raise KeyError(f"{path}: {part} is not a block of {model.__name__}")
        model = sub
    info = model.model_fields[name]
    annotation = next(
        (a for a in (info.annotation, *get_args(info.annotation)) if a in (int, float)), None
    )
    bound = {"low": None, "high": None, "low_open": False, "high_open": False}
    for c in info.metadata:
        if isinstance(c, at.Gt):
            bound.update(low=c.gt, low_open=True)
        elif isinstance(c, at.Ge):
            bound.update(low=c.ge)
        elif isinstance(c, at.Lt):
            bound.update(high=c.lt, high_open=True)
        elif isinstance(c, at.Le):
            bound.update(high=c.le)
        else:
            raise TypeError(f"{path}: constraint {c!r} has no command-line check")
    return Bound(**bound, integer=annotation is int, source=source or f"the scenario's {path}")


SEED = Bound(0, None, integer=True, source="numpy seeds are non-negative")
"""A random seed given on the command line: numpy's ``SeedSequence`` takes any non-negative
integer (it hashes the whole number, so no upper bound is needed)."""
