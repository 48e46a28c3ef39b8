"""Common result type and line format of the ``citysafe verify`` checks.

Every check prints one line per compared quantity::

    NAME: QUANTITY simulated X vs theory Y (tolerance T) PASS|FAIL

and the command exits 1 if any line says FAIL. `Check` is the shared result type; checks that
compare against a bound rather than a value use ``relation="le"`` / ``"ge"`` (the theory
column then reads ``<= Y`` / ``>= Y``).

Sizes: each verification's options are bounded (their :class:`~sim.core.cli_input.Bound`
beside the code they size, checked as the command line is parsed) and the work they ask for
together is estimated before anything runs, from the cost measured on the development machine
(2 cores; constants in each module), and refused beyond :data:`MAX_VERIFY_S` with
:class:`VerifyInputError` naming the options and the estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

RELATIONS = ("abs", "le", "ge")
MAX_VERIFY_S = 3600.0
"""Longest a verification may be asked to run, estimated before it starts: one hour on the
development machine. The published checks take seconds to a minute at their defaults; an hour
is 60x that, room for larger sizes, but ``--nodes 10^12`` or ``--realisations 10^9`` never
starts a run that would not end."""


class VerifyInputError(ValueError):
    """Options a verification cannot run with (the message names them and the bound)."""


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:,.0f} days"


def budget_problem(asked: str, estimate_s: float, remedy: str) -> str | None:
    """None if the estimated run time is within :data:`MAX_VERIFY_S`, else the refusal:
    ``ASKED: about T of computing ...; at most 1 hour: REMEDY``."""
    if estimate_s <= MAX_VERIFY_S:
        return None
    return (
        f"{asked}: about {_duration(estimate_s)} of computing (estimated from the cost measured "
        f"on the development machine); at most {_duration(MAX_VERIFY_S)}: {remedy}"
    )


@dataclass(frozen=True)
class Check:
    """One verification comparison.

    Attributes:
        name: check name, e.g. "buldyrev" or "motter-lai".
        quantity: what is compared, e.g. "p_c" or "P_inf(p=0.700)".
        simulated: simulated value.
        theory: theoretical (published) value or bound.
        tolerance: allowed deviation (>= 0).
        relation: "abs": |simulated - theory| <= tolerance; "le": simulated <= theory +
            tolerance; "ge": simulated >= theory - tolerance.
        passed: verdict; computed from the relation when not given.
        detail: how the numbers were obtained (sample sizes, spread); not part of the line.

    Raises:
        ValueError: unknown relation or negative tolerance.
    """

    name: str
    quantity: str
    simulated: float
    theory: float
    tolerance: float
    relation: str = "abs"
    passed: bool | None = None
    detail: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"Check {self.name}: relation {self.relation!r} not in {RELATIONS}")
        if not self.tolerance >= 0:
            raise ValueError(f"Check {self.name}: tolerance must be >= 0, got {self.tolerance}")
        if self.passed is None:
            object.__setattr__(self, "passed", self._verdict())

    def _verdict(self) -> bool:
        x, y, t = float(self.simulated), float(self.theory), float(self.tolerance)
        if not (np.isfinite(x) and np.isfinite(y)):
            return False
        if self.relation == "abs":
            return abs(x - y) <= t
        if self.relation == "le":
            return x <= y + t
        return x >= y - t

    def line(self) -> str:
        """``NAME: QUANTITY simulated X vs theory Y (tolerance T) PASS|FAIL``."""
        prefix = {"abs": "", "le": "<= ", "ge": ">= "}[self.relation]
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{self.name}: {self.quantity} simulated {_fmt(self.simulated)} vs theory "
            f"{prefix}{_fmt(self.theory)} (tolerance {self.tolerance:g}) {verdict}"
        )


def _fmt(x: float) -> str:
    return f"{float(x):.4f}" if np.isfinite(x) else str(x)


def print_checks(checks: Iterable[Check], echo: Callable[[str], None] = print) -> bool:
    """Print one line per check; True when every check passed."""
    ok = True
    for c in checks:
        echo(c.line())
        ok &= bool(c.passed)
    return ok


def all_passed(checks: Iterable[Check]) -> bool:
    """True when every check passed (an empty list passes)."""
    return all(bool(c.passed) for c in checks)
