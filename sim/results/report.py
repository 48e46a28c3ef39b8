"""Console report of a run: outcomes, with simulated against observed where records exist."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sim.scenario.schema import Scenario

UNITS = {
    "people_relocated": "persons",
    "deaths": "persons",
    "injuries": "persons",
    "direct_loss_yuan": "yuan",
    "customer_hours_without_power": "household·h",
    "customer_hours_without_water": "household·h",
    "response_time_mean_min": "min",
    "response_time_p95_min": "min",
    "full_bundle_time_mean_min": "min",
    "wall_time_s": "s",
}


def _fmt(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}"


def summary_table(summary: dict, scenario: Scenario) -> Table:
    """A rich table: outcome, unit, simulated, observed (with spread), simulated / observed."""
    table = Table(title=f"{scenario.name} (seed {scenario.seed})", show_lines=False)
    for col, just in (
        ("outcome", "left"),
        ("unit", "left"),
        ("simulated", "right"),
        ("observed", "right"),
        ("sim/obs", "right"),
    ):
        table.add_column(col, justify=just)
    for key, value in summary.items():
        if key == "seed":
            continue
        obs = scenario.observed.get(key)
        obs_txt, ratio = "", ""
        if obs is not None:
            obs_txt = _fmt(obs.value)
            if obs.low is not None and obs.high is not None and obs.low != obs.high:
                obs_txt += f" ({_fmt(obs.low)}–{_fmt(obs.high)})"
            ratio = f"{value / obs.value:.2f}" if obs.value else ("0" if value == 0 else "—")
        table.add_row(key, UNITS.get(key, "count"), _fmt(value), obs_txt, ratio)
    return table


def print_summary(console: Console, summary: dict, scenario: Scenario) -> None:
    console.print(summary_table(summary, scenario))
    if scenario.observed:
        console.print("Observed figures and sources:", style="bold")
        for key, obs in scenario.observed.items():
            console.print(f"  {key}: {obs.source}", highlight=False)
