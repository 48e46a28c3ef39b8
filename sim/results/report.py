"""Console report of a run, either kind: outcomes, with simulated against observed where
records exist. :func:`print_summary` is the one entry of ``citysafe run`` for both clocks.

Observed figures are totals of the event the scenario file describes: they cover the window
of the file that writes them (:func:`event_window`, before any ``-p`` or journal override). A
run over a window that does not cover it (``-p time.duration_h=12``, an exercise started at
landfall, a variant that shortens its parent's window) is not compared: its table says which
period each column covers and gives no sim/obs ratio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.results.outcome_text import (
    format_outcome,
    observed_figure,
    observed_ratio,
    observed_text,
    outcome_unit,
)


def _title(scenario) -> str:
    """Name and seed; the calendar years of a long run's window."""
    years = getattr(scenario, "years", None)
    window = ""
    if years is not None:
        window = f", {years.start_year}–{years.start_year + years.n_years - 1}"
    return f"{scenario.name} (seed {scenario.seed}{window})"


@dataclass(frozen=True)
class Window:
    """A simulated period: start (UTC) and length (hours)."""

    start_utc: pd.Timestamp
    hours: float

    @classmethod
    def of(cls, scenario) -> Window | None:
        """The window of an emergency scenario (None for a long run: no ``time``)."""
        time = getattr(scenario, "time", None)
        if time is None:
            return None
        return cls(pd.Timestamp(time.start_utc).tz_convert("UTC"), float(time.duration_h))

    @property
    def end_utc(self) -> pd.Timestamp:
        return self.start_utc + timedelta(hours=self.hours)

    def covers(self, other: Window) -> bool:
        """Whether this window contains ``other`` (to the minute)."""
        slack = timedelta(minutes=1)
        return self.start_utc <= other.start_utc + slack and self.end_utc >= other.end_utc - slack

    def __str__(self) -> str:
        fmt = "%d %b %Y %H:%M"
        return (
            f"{self.start_utc.strftime(fmt)} to {self.end_utc.strftime(fmt)} UTC, {self.hours:g} h"
        )


def event_window(path) -> Window | None:
    """The period a scenario file's observed figures cover: the window of the file that
    writes its ``observed:`` (the file itself or the first of its ``extends:`` ancestors that
    does), as written there, without ``-p`` or journal overrides. A child that shortens its
    parent's window (a test variant, an exercise) inherits the parent's figures, not its period.

    Returns:
        The window; None for a long run, or a file that does not load alone.
    """
    from sim.core.yaml_input import YamlInputError, read_yaml_file
    from sim.scenario import ScenarioError, load_scenario
    from sim.scenario.loader import scenario_files

    try:
        for file in scenario_files(path):
            data = read_yaml_file(file)
            if isinstance(data, dict) and "observed" in data:
                return Window.of(load_scenario(file))
        return Window.of(load_scenario(path))
    except (ScenarioError, YamlInputError, OSError):
        return None


def observed_comparable(scenario, event: Window | None) -> bool:
    """Whether the run's window covers ``event``, the period of its observed figures (True
    when either is unknown: a long run, or no period given)."""
    run = Window.of(scenario)
    return run is None or event is None or run.covers(event)


def not_compared(scenario, event: Window) -> str:
    """The line that says why observed figures are not compared with this run."""
    return (
        f"not compared: simulated {Window.of(scenario)}; observed figures are totals of the "
        f"whole event, {event} (the window of the scenario file that gives them)"
    )


def fold_name(name: str, width: int) -> str:
    """``name`` on lines of at most ``width`` characters, broken only after an underscore or a
    dot (a part longer than ``width`` stays whole on its own line): an outcome name is never
    split mid-word ("road_collapses_in_black_" / "swans" is the break this avoids)."""
    parts = [p for p in re.split(r"(?<=[_.])", name) if p]
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def outcome_width(total: int | None, other: list[list[str]], longest: int) -> int:
    """Width left for the outcome column in a table ``total`` characters wide (None: no
    limit) whose other columns hold ``other`` (header and cells of each); at least 12."""
    if total is None:
        return longest
    used = sum(max(len(c) for c in col) for col in other) + 3 * (len(other) + 1) + 1
    return max(12, min(longest, total - used))


def summary_table(
    summary: dict,
    scenario,
    comparable: bool = True,
    width: int | None = None,
    warned: bool = True,
    totals: dict[str, float] | None = None,
) -> Table:
    """A rich table: outcome, unit (:func:`sim.results.outcome_text.outcome_unit`: the
    scenario kind's ``OUTCOME_UNITS``, else read from the key's name), simulated, observed,
    simulated / observed.

    The reported spread and source of each observed figure are printed below the table
    (see :func:`print_summary`), which keeps it within an 80-column terminal: given the
    terminal's ``width``, outcome names longer than the room left fold at underscores
    (:func:`fold_name`), never mid-word. When the run's window does not cover the observed
    figures' period (``comparable`` False) the columns say so — "simulated (12 h)",
    "observed (event)" — and there is no sim/obs column. Values read as
    :func:`sim.results.outcome_text.format_outcome` writes them (``warned`` False: the run
    had no warning in force; ``totals``: the city totals of counts,
    :func:`sim.results.summary.outcome_totals`).
    """
    units = type(scenario).OUTCOME_UNITS
    cols = ["unit", "simulated", "observed", "sim/obs"]
    if not comparable:
        window = Window.of(scenario)
        cols = ["unit", f"simulated ({window.hours:g} h)" if window else "simulated"]
        cols.append("observed (event)")
    rows = []
    for key, value in summary.items():
        if key == "seed" or key.endswith(".seed"):  # a shock's seed: in its summary.json
            continue
        obs = scenario.observed.get(key)
        obs_txt, ratio = "", ""
        if obs is not None:
            obs_txt, ratio = observed_figure(obs.value, obs.bound), observed_ratio(value, obs)
        shown = format_outcome(key, value, units, warned, totals)
        cells = [outcome_unit(key, units), shown, obs_txt]
        rows.append((key, [*cells, *([ratio] if comparable else [])]))
    other = [[c, *(r[1][i] for r in rows)] for i, c in enumerate(cols)]
    room = outcome_width(width, other, max([len("outcome"), *(len(k) for k, _ in rows)]))
    table = Table(title=_title(scenario), show_lines=False)
    table.add_column("outcome", no_wrap=True)  # folded at underscores by fold_name only
    table.add_column("unit", overflow="fold")
    for col in cols[1:]:
        table.add_column(col, justify="right", no_wrap=True, min_width=min(len(col), 10))
    for key, cells in rows:
        table.add_row(fold_name(key, room), *cells)
    return table


def outcome_notes(summary: dict, scenario=None) -> list[str]:
    """What an outcome of the summary does not count, when the run makes that easy to misread.

    An epidemic (``epidemic_cases`` > 0) next to a direct loss: ``direct_loss_yuan`` is the
    damage of the physical hazards (buildings, contents, networks; :mod:`sim.damage`) only; the
    epidemic's own cost (care, lost work) is not modelled, so it is not in the figure.
    An earthquake (``scenario.hazard.earthquake``): ground motion damages the old housing
    stock (:mod:`sim.damage.earthquake`; its displaced residents are sheltered) and the power
    network's substations and distribution circuits (Hazus PGA fragility); water and drainage
    plants and pipes have no seismic fragility here, so their outages follow the power's.
    A storm surge (``scenario.hazard.storm_surge``): flood deaths by Jonkman et al. (2008) with
    no upper-floor shelter; flood injuries are not modelled.

    Returns:
        One sentence per note (none for most runs).
    """
    notes = []
    hazard = getattr(scenario, "hazard", None)
    if getattr(hazard, "earthquake", None) is not None:
        notes.append(
            "the earthquake damages the old housing stock (its displaced residents count as "
            "people relocated) and the power substations and distribution circuits; water and "
            "drainage plants and pipes have no seismic fragility here, so their outages follow "
            "the power's"
        )
    if getattr(hazard, "storm_surge", None) is not None:
        notes.append(
            "coastal-flood deaths follow Jonkman et al. (2008) mortality by depth and rise rate "
            "with no credit for upper floors; injuries from the flood water are not modelled "
            "(the injuries counted are those of the incidents)"
        )
    if summary.get("epidemic_cases", 0) > 0 and summary.get("direct_loss_yuan", 0) > 0:
        notes.append(
            "direct_loss_yuan counts the physical hazards' damage only; the epidemic's own "
            "cost (care, lost work) is not modelled"
        )
    return notes


def print_summary(
    console: Console,
    summary: dict,
    scenario,
    event: Window | None = None,
    warned: bool = True,
    totals: dict[str, float] | None = None,
) -> None:
    """Print the table, then each observed figure (value, unit, spread) and its source.

    Args:
        console: where to print.
        summary: the run's summary.
        scenario: the scenario as run (overrides applied).
        event: the period the observed figures cover (:func:`event_window`); None: the
            run's own window. With observed figures, the line under the table names both
            periods, and says they are not compared when the run's window does not cover it.
        warned: False when the run had no warning in force (``warning_reach_share`` then
            reads "no warning issued").
        totals: summary key → the city total its count is out of
            (:func:`sim.results.summary.outcome_totals`); None: numbers alone.
    """
    run = Window.of(scenario)
    comparable = observed_comparable(scenario, event)
    console.print(summary_table(summary, scenario, comparable, console.width, warned, totals))
    for note in outcome_notes(summary, scenario):
        console.print(f"note: {note}", highlight=False)
    if scenario.observed and run is not None:
        if comparable:
            console.print(f"simulated and observed: {run}", highlight=False)
        else:
            console.print(not_compared(scenario, event), style="bold", highlight=False)
    print_observed_sources(console, scenario)


def print_observed_sources(console: Console, scenario) -> None:
    """Print each observed figure of the scenario (value, unit, reported spread) and its
    source — with the report's cut-off time where the source gives one ("as of …") — under a
    heading; nothing without observed figures. The single run's console and the ensemble's
    (:func:`sim.results.ensemble.print_ensemble`) print them alike."""
    if scenario.observed:
        console.print("Observed figures (reported spread) and sources:", style="bold")
        units = type(scenario).OUTCOME_UNITS
        for key, obs in scenario.observed.items():
            figure = observed_text(key, obs, units)
            console.print(f"  {key} = {figure}: {obs.source}", highlight=False)
