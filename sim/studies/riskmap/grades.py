"""``grades.md``: how a risk map's grades were made, written beside its figures.

It states the likelihood basis (the scenario's annual frequency and its source, or the long
run's simulated years), the bounds of both axes, the colour of every matrix cell, the sources
of each part (:data:`sim.studies.riskmap.matrix.SOURCES`) and the count of each grade, so the
figures can be read without the code.
"""

from __future__ import annotations

from sim.studies.riskmap.frequency import AnnualFrequency, once_in_years
from sim.studies.riskmap.matrix import (
    CONSEQUENCE_BOUNDS,
    CONSEQUENCE_NAMES,
    GRADE_EN,
    GRADE_HEX,
    GRADE_ZH,
    LIKELIHOOD_BOUNDS_PER_YR,
    LIKELIHOOD_NAMES,
    NOT_OBSERVED,
    NOT_OBSERVED_HATCH,
    SCORE_BOUNDS,
    SOURCES,
    matrix_table,
)


def _basis_lines(frequency: AnnualFrequency | None, n_years: int | None) -> list[str]:
    if frequency is not None:
        f = frequency.events_per_yr
        return [
            f"Scenario frequency F = {f:.3g} per year ({once_in_years(f)}). "
            f"Source: {frequency.source}.",
            "",
            "A cell's annual frequency is F × k / n: k of the n replications had an event of "
            "the category in the district. Its consequence is the mean over those k "
            "replications; risk = frequency × consequence (the inventory's `*_per_yr` "
            "columns).",
        ]
    return [
        f"Long run: a cell's annual frequency is its events over the {n_years} simulated years "
        "(replications × years); its consequence is the mean per event; risk = frequency × "
        "consequence (the inventory's `*_per_yr` columns).",
    ]


def _likelihood_table() -> list[str]:
    bounds = (0.0, *LIKELIHOOD_BOUNDS_PER_YR, float("inf"))
    lines = [
        "| level | name | annual frequency f (events per year) | once in |",
        "|---|---|---|---|",
    ]
    for lvl in range(1, 6):
        lo, hi = bounds[lvl - 1], bounds[lvl]
        f_txt = (
            f"f < {hi:g}" if lvl == 1 else (f"f ≥ {lo:g}" if lvl == 5 else f"{lo:g} ≤ f < {hi:g}")
        )
        once = (
            f"more than {1 / hi:,.0f} years" if lvl == 1
            else ("a year or less" if lvl == 5 else f"{1 / hi:,.0f} to {1 / lo:,.0f} years")
        )  # fmt: skip
        lines.append(f"| L{lvl} | {LIKELIHOOD_NAMES[lvl - 1]} | {f_txt} | {once} |")
    return lines


def _consequence_table() -> list[str]:
    lines = [
        "| level | name (State Council Decree 493 grade) | mean deaths per occurrence | "
        "or mean serious injuries per occurrence | or mean direct loss per occurrence (yuan) |",
        "|---|---|---|---|---|",
    ]
    for lvl, d, i, y in CONSEQUENCE_BOUNDS:
        lines.append(f"| C{lvl} | {CONSEQUENCE_NAMES[lvl - 1]} | ≥ {d:g} | ≥ {i:g} | ≥ {y:,.0f} |")
    lines.append(f"| C1 | {CONSEQUENCE_NAMES[0]} | below C2 | below C2 | below C2 |")
    return lines


def grades_markdown(
    counts: dict[str, int],
    frequency: AnnualFrequency | None = None,
    n_years: int | None = None,
    not_observed: str = "not observed",
) -> str:
    """The text of ``grades.md``.

    Args:
        counts: rows of each grade in the inventory (and of :data:`NOT_OBSERVED` rows).
        frequency: the emergency scenario's annual frequency (None for a long run).
        n_years: simulated years of a long run (replications × years).
        not_observed: what a not-observed cell means here
            (:func:`sim.studies.riskmap.inventory.not_observed_text`).
    """
    matrix = matrix_table()
    grid = ["| | L1 | L2 | L3 | L4 | L5 |", "|---|---|---|---|---|---|"]
    grid += [f"| C{5 - i} | " + " | ".join(row) + " |" for i, row in enumerate(matrix)]
    b_y, b_o, b_r = SCORE_BOUNDS
    colours = [
        "| grade | 中文 | score R = L × C | colour | cells in this map |",
        "|---|---|---|---|---|",
        f"| red ({GRADE_EN['red']}) | {GRADE_ZH['red']} | R ≥ {b_r} | {GRADE_HEX['red']} | "
        f"{counts.get('red', 0)} |",
        f"| orange ({GRADE_EN['orange']}) | {GRADE_ZH['orange']} | {b_o} ≤ R ≤ {b_r - 1} | "
        f"{GRADE_HEX['orange']} | {counts.get('orange', 0)} |",
        f"| yellow ({GRADE_EN['yellow']}) | {GRADE_ZH['yellow']} | {b_y} ≤ R ≤ {b_o - 1} | "
        f"{GRADE_HEX['yellow']} | {counts.get('yellow', 0)} |",
        f"| blue ({GRADE_EN['blue']}) | {GRADE_ZH['blue']} | R ≤ {b_y - 1} | "
        f"{GRADE_HEX['blue']} | {counts.get('blue', 0)} |",
        f"| {not_observed}: not graded | {GRADE_ZH[NOT_OBSERVED]} | none (the risk never "
        f"occurred; its frequency lies below the upper bound, not at level L1) | "
        f"{GRADE_HEX[NOT_OBSERVED]}, hatched {NOT_OBSERVED_HATCH} | "
        f"{counts.get(NOT_OBSERVED, 0)} |",
    ]
    sources = [f"- {k.replace('_', ' ')}: {v}" for k, v in SOURCES.items()]
    parts = [
        "# Grades of this risk map",
        "",
        "## Likelihood: annual frequency",
        "",
        *_basis_lines(frequency, n_years),
        "",
        *_likelihood_table(),
        "",
        "## Consequence (any one measure reaches the level)",
        "",
        *_consequence_table(),
        "",
        "## Matrix and colours",
        "",
        *grid,
        "",
        *colours,
        "",
        "## Sources",
        "",
        *sources,
        "",
    ]
    return "\n".join(parts)
