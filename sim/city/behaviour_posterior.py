"""The calibrated joint posterior of the households' behaviour coefficients.

A city that calibrated its relocation behaviour ships the posterior as weighted particles in
``<data_dir>/behaviour_posterior.csv`` (for the shipped city: the ABC-SMC fit of
``experiments/typhoon_calibration/run.py`` on the storms before 2021). Comment lines (``#``)
carry the source; then a header with one column per coefficient (names of
:class:`sim.scenario.schema.BehaviourConfig`) and ``weight``, one particle per row::

    # source: ...
    intercept,official_order,per_response_level,exposure,weight
    -6.2,2.4,1.1,1.7,0.012

An ensemble (``citysafe run --replications N``) draws one particle per replication from its
own stream, so the outcome intervals carry the coefficients' uncertainty beside that of the
seeds and forecast errors (posterior predictive; Gelman et al. 2013, *Bayesian Data
Analysis*, 3rd ed., §6.3).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.city.errors import CityDataError, require_file

POSTERIOR_FILE = "behaviour_posterior.csv"
WEIGHT = "weight"


@dataclass(frozen=True)
class BehaviourPosterior:
    """Weighted particles of the coefficients.

    Attributes:
        names: the coefficients, in column order.
        values: (n, k) particle values (log-odds units of the PADM logistic).
        weights: (n,) normalised importance weights (sum 1).
        file: where they were read from.
    """

    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    file: Path

    def draw(self, rng: np.random.Generator) -> dict[str, float]:
        """One particle chosen with probability its weight (one draw from ``rng``)."""
        i = int(rng.choice(len(self.weights), p=self.weights))
        return {n: float(v) for n, v in zip(self.names, self.values[i], strict=True)}


def posterior_path(data_dir: str | Path) -> Path:
    """Where a city keeps its behaviour posterior."""
    return Path(data_dir) / POSTERIOR_FILE


def load_posterior(path: str | Path, known: Collection[str]) -> BehaviourPosterior:
    """Read and check a posterior file.

    Args:
        path: the CSV file.
        known: coefficient names the model has (columns other than these and ``weight`` are
            refused).

    Raises:
        CityDataError: missing or unreadable file; no ``weight`` or no coefficient column;
            an unknown column; no rows; a value that is not a finite number; a negative
            weight or weights summing to zero.
    """
    path = require_file(path, "calibrated behaviour posterior, weighted particles")
    try:
        table = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CityDataError(path, f"not a readable CSV table ({exc})") from None
    columns = [str(c).strip() for c in table.columns]
    unknown = sorted(set(columns) - set(known) - {WEIGHT})
    if unknown:
        raise CityDataError(
            path, f"unknown columns {unknown}; expected {WEIGHT!r} and some of {sorted(known)}"
        )
    names = tuple(c for c in columns if c != WEIGHT)
    if WEIGHT not in columns or not names:
        raise CityDataError(path, f"expected a {WEIGHT!r} column and at least one coefficient")
    if table.empty:
        raise CityDataError(path, "no particles (rows)")
    table.columns = columns
    numbers = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise CityDataError(
            path, f"line {_file_line(path, row)}, column {columns[col]!r}: expected a finite "
            f"number, got {table.iat[row, col]!r}",
        )  # fmt: skip
    weights = numbers[:, columns.index(WEIGHT)]
    if (weights < 0).any() or weights.sum() <= 0:
        raise CityDataError(path, f"column {WEIGHT!r}: expected weights >= 0 with a positive sum")
    values = numbers[:, [columns.index(n) for n in names]]
    return BehaviourPosterior(names, values, weights / weights.sum(), path)


def check_particles(posterior: BehaviourPosterior, validate: Callable[[dict], object]) -> None:
    """Check every particle against the model's own bounds before any run draws one.

    Args:
        posterior: the particles (:func:`load_posterior`).
        validate: called with each particle's ``{name: value}``; raises
            ``pydantic.ValidationError`` for a value out of range (e.g. the scenario's
            behaviour settings updated with the particle and validated).

    Raises:
        CityDataError: the first refused particle's line, column and the bound it breaks.
    """
    for row, values in enumerate(posterior.values):
        try:
            validate(dict(zip(posterior.names, values.tolist(), strict=True)))
        except ValidationError as exc:
            err = exc.errors()[0]
            column = str(err["loc"][0]) if err["loc"] else "?"
            raise CityDataError(
                posterior.file,
                f"line {_file_line(posterior.file, row)}, column {column!r}: {err['msg']}, "
                f"got {err.get('input')!r}",
            ) from None


def _file_line(path: Path, row: int) -> int:
    """The file's line number (1-based) of data row ``row`` (0-based), counting the comment
    lines, blank lines and the header that the table reader skips."""
    lines = path.read_text(encoding="utf-8").splitlines()
    data = [i for i, t in enumerate(lines) if t.strip() and not t.lstrip().startswith("#")]
    return data[row + 1] + 1 if row + 1 < len(data) else len(lines)


def posterior_for(behaviour, data_dir: str | Path, known: Collection[str]) -> BehaviourPosterior:
    """The posterior a scenario's behaviour settings draw from, checked against them.

    Args:
        behaviour: the scenario's ``response.relocation.behaviour`` (its ``posterior_file``
            and the fields the scenario or its overrides set, ``model_fields_set``).
        data_dir: the city's data folder (default file :func:`posterior_path`).
        known: coefficient names the model has.

    Raises:
        CityDataError: the file is missing or malformed (:func:`load_posterior`), or the
            scenario also sets a coefficient the posterior draws (a value given in two places
            is refused rather than one silently winning).
    """
    posterior = load_posterior(behaviour.posterior_file or posterior_path(data_dir), known)
    both = sorted(set(posterior.names) & set(behaviour.model_fields_set))
    if both:
        raise CityDataError(
            posterior.file,
            f"response.relocation.behaviour sets {both} and posterior_draw draws them from this "
            "file: give either the values or posterior_draw, not both",
        )
    return posterior
