"""Console report of a run: outcomes, with simulated against observed where records exist."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sim.scenario.schema import Scenario


def format_number(v: float) -> str:
    """Counts with thousands separators, millions as 'x.xx M', other values to 2 decimals."""
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}"


def summary_table(summary: dict, scenario: Scenario) -> Table:
    """A rich table: outcome (unit in its name), simulated, observed, simulated / observed.

    The observed spread and sources are printed below the table (see :func:`print_summary`).
    """
    table = Table(title=f"{scenario.name} (seed {scenario.seed})", show_lines=False)
    table.add_column("outcome", no_wrap=True)
    for col in ("simulated", "observed", "sim/obs"):
        table.add_column(col, justify="right", no_wrap=True)
    for key, value in summary.items():
        if key == "seed":
            continue
        obs = scenario.observed.get(key)
        obs_txt, ratio = "", ""
        if obs is not None:
            obs_txt = format_number(obs.value)
            ratio = f"{value / obs.value:.2f}" if obs.value else "—"
        table.add_row(key, format_number(value), obs_txt, ratio)
    return table


def print_summary(console: Console, summary: dict, scenario: Scenario) -> None:
    """Print the table, then each observed figure's spread and source."""
    console.print(summary_table(summary, scenario))
    if scenario.observed:
        console.print("Observed figures (reported spread) and sources:", style="bold")
        for key, obs in scenario.observed.items():
            spread = ""
            if obs.low is not None and obs.high is not None and obs.low != obs.high:
                spread = f" (reported {format_number(obs.low)} to {format_number(obs.high)})"
            console.print(f"  {key}{spread}: {obs.source}", highlight=False)
