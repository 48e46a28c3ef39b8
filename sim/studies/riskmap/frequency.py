"""Annual frequency of an emergency scenario: the likelihood basis of the risk map.

A risk map compares risks on one time basis, the year. An emergency scenario is one event; how
often such an event happens is not something the simulation can tell, so it comes from the
scenario file or from the hazard's own definition:

1. the scenario's ``frequency:`` block (``events_per_yr`` and its ``source``), when given;
2. otherwise, when the scenario's one hazard is a design rainstorm, 1 / T with T its IDF
   return period ``hazard.rainstorm.return_period_yr`` in years. The return period is the
   mean recurrence interval of storms at least as intense (the definition used by the IDF
   formula, :mod:`sim.hazards.design_storm`), so its reciprocal is their annual frequency:
   a 1-in-100-year storm occurs 0.01 times a year;
3. otherwise there is no annual frequency: :class:`FrequencyMissing`.

Long runs need none of this: they simulate years, and their event counts per year are the
frequency (:mod:`sim.studies.riskmap.inventory`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path


class FrequencyMissing(ValueError):
    """The scenario gives no annual frequency (no ``frequency:`` block, no lone rainstorm)."""


@dataclass(frozen=True)
class AnnualFrequency:
    """A scenario's annual frequency.

    Attributes:
        events_per_yr: occurrences per year (> 0).
        source: citation or stated assumption.
        origin: ``"frequency"`` (the scenario's block) or ``"return_period"`` (derived).
    """

    events_per_yr: float
    source: str
    origin: str

    @property
    def return_period_yr(self) -> float:
        """Mean recurrence interval, years (1 / frequency)."""
        return 1.0 / self.events_per_yr


def once_in_years(events_per_yr: float) -> str:
    """'once in N years' wording of a frequency: N to 2 significant figures below 10 years,
    whole years with thousands separators above (e.g. 3.2, 5, 2,475)."""
    t_yr = 1.0 / events_per_yr
    return f"once in {t_yr:.2g} years" if t_yr < 10 else f"once in {t_yr:,.0f} years"


def scenario_frequency(scenario) -> AnnualFrequency:
    """Annual frequency of an emergency scenario (rules in the module docstring).

    Args:
        scenario: a validated emergency :class:`~sim.scenario.schema.Scenario`.

    Raises:
        FrequencyMissing: neither a ``frequency:`` block nor a lone rainstorm; the message
            names the field and what is expected.
    """
    block = getattr(scenario, "frequency", None)
    if block is not None:
        return AnnualFrequency(float(block.events_per_yr), block.source, "frequency")
    hazards = list(scenario.hazard.blocks())
    if hazards == ["rainstorm"]:
        t_yr = float(scenario.hazard.rainstorm.return_period_yr)
        return AnnualFrequency(
            1.0 / t_yr,
            f"hazard.rainstorm.return_period_yr = {t_yr:g} years: annual frequency 1/T of "
            "storms at least this intense (return period = mean recurrence interval)",
            "return_period",
        )
    raise FrequencyMissing(
        "frequency: expected the scenario's annual frequency for the risk map's likelihood, "
        "e.g. frequency: {events_per_yr: 0.01, source: '...'} (a 1-in-100-year event); "
        f"hazard {'+'.join(hazards)} gives none by itself (only a lone rainstorm does, by "
        "its return period)"
    )


RELATIVE_PATH = re.compile(r"(?<![\w/])\.{1,2}/[^\s,;:()]*[^\s,;:().]")
"""A path written relative to its file (``../data/x.csv``, ``./y.csv``) inside a source text."""


def cited_from(frequency: AnnualFrequency, scenario_file: Path, cwd: Path | None = None):
    """``frequency`` with the files its source cites relative to the scenario file (the
    schema's rule for paths, e.g. ``../data/shanghai/tide_levels.csv``) rewritten so they
    resolve where the risk map is read: relative to the folder citysafe was run from (the
    convention of the path the user gave, e.g. ``scenarios/data/shanghai/tide_levels.csv`` from
    the repository's root), or absolute when the file lies outside it.

    A cited path that names no existing file next to the scenario (e.g. one written relative
    to an ``extends:`` parent in another folder) is left as written.

    Args:
        frequency: :func:`scenario_frequency`'s result.
        scenario_file: the scenario file as the user gave it.
        cwd: the folder paths are shown relative to (default: the current one).
    """
    base = Path(scenario_file).resolve().parent
    here = Path(cwd or Path.cwd()).resolve()

    def shown(match: re.Match) -> str:
        target = (base / match.group(0)).resolve()
        if not target.exists():
            return match.group(0)
        if target.is_relative_to(here):
            return os.path.relpath(target, here)
        return str(target)

    return replace(frequency, source=RELATIVE_PATH.sub(shown, frequency.source))
