"""Console report of a run, either kind: outcomes, with simulated against observed where
records exist. :func:`print_summary` is the one entry of ``citysafe run`` for both clocks."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def format_number(v: float) -> str:
    """Counts with thousands separators, millions as 'x.xx M', other values to 2 decimals."""
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}"


def _title(scenario) -> str:
    """Name and seed; the calendar years of a long run's window."""
    years = getattr(scenario, "years", None)
    window = ""
    if years is not None:
        window = f", {years.start_year}–{years.start_year + years.n_years - 1}"
    return f"{scenario.name} (seed {scenario.seed}{window})"


def summary_table(summary: dict, scenario) -> Table:
    """A rich table: outcome, unit (for a kind whose units are not in the key names:
    ``OUTCOME_UNITS`` of its schema), simulated, observed, simulated / observed.

    The reported spread and source of each observed figure are printed below the table
    (see :func:`print_summary`), which keeps it within an 80-column terminal.
    """
    units = type(scenario).OUTCOME_UNITS
    table = Table(title=_title(scenario), show_lines=False)
    table.add_column("outcome", overflow="fold")  # long keys fold rather than squeeze numbers
    if units is not None:
        table.add_column("unit", overflow="fold")
    for col in ("simulated", "observed", "sim/obs"):
        table.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    for key, value in summary.items():
        if key == "seed" or key.endswith(".seed"):  # a shock's seed: in its summary.json
            continue
        obs = scenario.observed.get(key)
        obs_txt, ratio = "", ""
        if obs is not None:
            obs_txt = format_number(obs.value)
            ratio = f"{value / obs.value:.2f}" if obs.value else ("0" if value == 0 else "—")
        shock = key.startswith("shocks.")  # an emergency key: its unit is in its name
        unit = [] if units is None else [units.get(key, "" if shock else "count")]
        table.add_row(key, *unit, format_number(value), obs_txt, ratio)
    return table


def print_summary(console: Console, summary: dict, scenario) -> None:
    """Print the table, then each observed figure's spread and source."""
    console.print(summary_table(summary, scenario))
    if scenario.observed:
        console.print("Observed figures (reported spread) and sources:", style="bold")
        for key, obs in scenario.observed.items():
            spread = ""
            if obs.low is not None and obs.high is not None and obs.low != obs.high:
                spread = f" (reported {format_number(obs.low)} to {format_number(obs.high)})"
            console.print(f"  {key}{spread}: {obs.source}", highlight=False)
