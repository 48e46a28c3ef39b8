"""An ensemble of replications: each outcome's median and 90% interval, beside the records.

Input: one summary row per replication (the rows of ``citysafe run --replications N``,
:mod:`sim.studies.sweep.replicate`) and the scenario's ``observed:`` records. Output, in the
ensemble's run folder:

- ``ensemble.parquet``: one row per replication (replication, seed, the outcomes,
  wall_time_s);
- ``ensemble.json``: per outcome the median, the 5th and 95th percentiles (the 90% interval
  over seeds), mean, min and max, and for observed outcomes the record and whether it falls
  inside the interval;

and a console table: outcome, median, [5%, 95%], observed, inside.

Percentiles are ``numpy.quantile``'s linear interpolation between order statistics
(Hyndman & Fan 1996, Am. Stat. 50, 361-365, definition 7). With fewer than 20 replications the
5% and 95% points interpolate between the extreme runs, so the interval is narrower than the
model's (the report says so).

Counts are counts: an outcome in :data:`COUNT_UNITS` whose every replication is a whole number
(``whole_numbers``), given the scenario kind's units, takes its median and 90% interval from
the replications' own values — ``numpy.quantile(..., method="inverted_cdf")`` (Hyndman & Fan
definition 1: the smallest value with at least a share q of the replications at or below it),
so the median of an even number of replications is the lower of the middle two, and at least
90% of the replications lie inside the interval: 0 and 2 read "0 [0, 2]", never "1 [1, 1]",
9 and 10 "9 [9, 10]", never "9.50". ``ensemble.json`` names each outcome's ``quantiles``
method, and the console's legend says it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from sim.results.outcome_text import format_outcome, observed_figure, outcome_unit
from sim.results.report import fold_name, outcome_width, print_observed_sources
from sim.scenario.schema import interval_meets

LOW_PERCENTILE = 5.0
HIGH_PERCENTILE = 95.0
"""The ensemble interval: 5th to 95th percentile over replications (90%)."""
COUNT_UNITS = ("count", "persons", "base stations")
"""Units of counted outcomes (:func:`sim.results.outcome_text.outcome_unit`), summarised by
order statistics when every replication's value is a whole number (:func:`outcome_stats`)."""
COUNT_QUANTILES = "inverted_cdf"
"""``numpy.quantile`` method of counts (Hyndman & Fan 1996, definition 1; module docstring)."""
LINEAR_QUANTILES = "linear"
"""``numpy.quantile`` method of every other outcome (Hyndman & Fan 1996, definition 7)."""
COUNT_LEGEND = (
    "counts (count, persons, base stations): median and interval are replications' own values "
    "(numpy.quantile inverted_cdf: the lower of the middle two for an even number; at least 90% "
    "of replications inside); other outcomes interpolate linearly"
)
"""The legend line under the console table."""
MIN_REPLICATIONS_FOR_TAILS = 20
"""Replications needed for a run beyond each end of a 90% interval (1 / 0.05)."""
TABLE_FILE = "ensemble.parquet"
STATS_FILE = "ensemble.json"
ROW_COLUMNS = ("replication", "seed")
DRAWN_PREFIX = "behaviour."
"""Column prefix of the behaviour coefficients a replication drew (one particle of the
city's posterior; :func:`sim.studies.sweep.runone.run_one`)."""
"""Columns of the ensemble table before the outcomes."""
MAX_PIPED_WIDTH = 1000
"""The widest (columns) the table is printed when piped: no row of it comes near."""


def ensemble_table(rows: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """The replications' rows as the ensemble table: replication, seed, the behaviour
    coefficients each drew (``behaviour.<name>``, when drawn from the posterior), the outcomes
    present (in ``outcomes`` order), then wall_time_s; sorted by replication."""
    drawn = [c for c in rows.columns if c.startswith(DRAWN_PREFIX)]
    keep = [c for c in (*ROW_COLUMNS, *drawn, *outcomes, "wall_time_s") if c in rows.columns]
    return rows[keep].sort_values("replication", kind="stable").reset_index(drop=True)


def _number(x: float) -> float | int:
    """A JSON number: an integer when whole, else a float rounded to 6 significant digits."""
    x = float(x)
    if x.is_integer():
        return int(x)
    return float(f"{x:.6g}")


def outcome_stats(
    table: pd.DataFrame, outcomes: list[str], observed: dict, units: dict | None = None
) -> dict[str, dict]:
    """Median, 5th/95th percentiles, mean, min and max of each outcome over replications.

    Args:
        table: the ensemble table (one row per replication).
        outcomes: outcome columns to summarise (those absent are skipped).
        observed: the scenario's ``observed`` mapping (key → record with ``value``,
            optionally ``low``/``high``).
        units: the scenario kind's own units (``OUTCOME_UNITS``, ``{}`` for a kind without
            its own: the names' units, :func:`sim.results.outcome_text.outcome_unit`); given,
            a count (unit in :data:`COUNT_UNITS`, every value whole) takes
            :data:`COUNT_QUANTILES` (module docstring); None: every outcome interpolates
            linearly.

    Returns:
        Outcome → statistics (``whole_numbers``: every replication's value is a whole
        number; ``quantiles``: the ``numpy.quantile`` method of median, p5 and p95);
        observed outcomes also carry ``observed`` (value, low, high; ``bound`` when
        the value is a bound, :data:`sim.scenario.schema.OBSERVED_BOUNDS`) and ``inside``
        (p5 <= value <= p95; a lower bound: p95 >= value; an upper bound: p5 <= value,
        :func:`sim.scenario.schema.interval_meets`).

    Raises:
        ValueError: the table has no rows.
    """
    if table.empty:
        raise ValueError("no finished replication to summarise")
    stats: dict[str, dict] = {}
    for key in outcomes:
        if key not in table.columns:
            continue
        x = pd.to_numeric(table[key], errors="coerce").to_numpy(dtype=float)
        x = x[~np.isnan(x)]  # a null (no warning issued: warning_reach_share) has no value
        if x.size < len(table):
            stats[key] = _stats_of_values(key, x, observed, units)
            continue
        whole = bool(np.all(x == np.round(x)))
        count = units is not None and whole and outcome_unit(key, units) in COUNT_UNITS
        method = COUNT_QUANTILES if count else LINEAR_QUANTILES
        q = (LOW_PERCENTILE / 100.0, 0.5, HIGH_PERCENTILE / 100.0)
        p5, med, p95 = np.quantile(x, q, method=method)
        entry: dict[str, Any] = {
            "median": _number(med),
            "p5": _number(p5),
            "p95": _number(p95),
            "mean": _number(x.mean()),
            "min": _number(x.min()),
            "max": _number(x.max()),
            "whole_numbers": whole,
            "quantiles": method,
        }
        obs = observed.get(key)
        if obs is not None:
            entry["observed"] = {
                k: getattr(obs, k) for k in ("value", "low", "high") if getattr(obs, k) is not None
            }
            bound = getattr(obs, "bound", "exact")
            if bound != "exact":
                entry["observed"]["bound"] = bound
            entry["inside"] = bool(
                interval_meets(
                    obs.value, bound, p5, p95, getattr(obs, "low", None), getattr(obs, "high", None)
                )
            )
        stats[key] = entry
    return stats


def _stats_of_values(key: str, x: np.ndarray, observed: dict, units) -> dict:
    """Statistics of an outcome some replications hold no value of (summary.json's null:
    ``warning_reach_share`` without a warning, :data:`sim.results.summary.NULLABLE_KEYS`):
    those of the replications with one, ``replications_with_value`` saying how many; with none
    at all, every statistic None (read "no warning issued") and no ``inside``."""
    if x.size:
        table = pd.DataFrame({key: x})
        entry = outcome_stats(table, [key], observed, units)[key]
    else:
        entry = dict.fromkeys(("median", "p5", "p95", "mean", "min", "max"))
        entry |= {"whole_numbers": False, "quantiles": LINEAR_QUANTILES}
        obs = observed.get(key)
        if obs is not None:
            entry["observed"] = {
                k: getattr(obs, k) for k in ("value", "low", "high") if getattr(obs, k) is not None
            }
    entry["replications_with_value"] = int(x.size)
    return entry


def write_ensemble(
    table: pd.DataFrame, stats: dict[str, dict], out_dir: Path, meta: dict[str, Any]
) -> dict[str, Path]:
    """Write ``ensemble.parquet`` and ``ensemble.json`` (``meta`` first: scenario, seeds …).

    Returns:
        ``{"ensemble_table": path, "ensemble": path}``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table_path = out_dir / TABLE_FILE
    table.to_parquet(table_path, index=False)
    inside = [s["inside"] for s in stats.values() if "inside" in s]
    doc = {
        **meta,
        "replications_done": len(table),
        "interval": {
            "low_percentile": LOW_PERCENTILE,
            "high_percentile": HIGH_PERCENTILE,
            "method": "numpy.quantile: counts inverted_cdf (Hyndman & Fan 1996, definition 1), "
            "other outcomes linear (definition 7); each outcome's own under 'quantiles'",
        },
        "observed_inside": {"inside": sum(inside), "observed": len(inside)},
        "outcomes": stats,
    }
    stats_path = out_dir / STATS_FILE
    stats_path.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return {"ensemble_table": table_path, "ensemble": stats_path}


def shown_stats(key: str, s: dict, units: dict | None) -> tuple[float, float, float]:
    """The median, low and high end of the 90% interval as shown to a reader: the statistics
    as computed (:func:`outcome_stats`; a count's are whole numbers, its replications' own).

    Args:
        key: the outcome's summary key.
        s: its statistics (:func:`outcome_stats`).
        units: the scenario kind's own units (unused: a count's statistics are whole
            numbers already; kept so the console, report and figure call it alike).
    """
    del key, units
    return s["median"], s["p5"], s["p95"]


def _short(key: str, v: float, units: dict | None = None) -> str:
    """Like :func:`sim.results.outcome_text.format_outcome` (a share with 2 decimals), but
    whole units from 100 up (percentiles interpolate); None: "no warning issued" or "—"."""
    if v is not None and 100 <= abs(v) < 1e6 and not outcome_unit(key, units).startswith("share"):
        return f"{round(v):,}"
    return format_outcome(key, v, units)


def observed_cell(key: str, obs: dict, units: dict | None) -> str:
    """The observed column: the figure, and the reported spread "inside" was judged against
    when there is one (e.g. "253,000 (149,000-259,000)"), so a "yes" can be checked by eye."""
    text = observed_figure(obs["value"], obs.get("bound", "exact"))
    low, high = obs.get("low"), obs.get("high")
    if low is not None and high is not None and low != high:
        text += f" ({_short(key, low, units)}-{_short(key, high, units)})"
    return text


def _interval(key: str, low: float, high: float, units: dict | None) -> str:
    """The 90 % interval as the console shows it: "[low, high]"; blank without values."""
    if low is None:
        return ""
    return f"[{_short(key, low, units)}, {_short(key, high, units)}]"


def ensemble_report(
    stats: dict[str, dict], scenario, n_done: int, width: int | None = None
) -> Table:
    """A rich table: outcome, (unit), median, 90% interval, observed, inside; in ``width``
    characters (None: no limit) the outcome names fold at underscores only
    (:func:`sim.results.report.fold_name`), never mid-word."""
    units = type(scenario).OUTCOME_UNITS
    title = f"{scenario.name}: {n_done} replications (seeds spawned from {scenario.seed})"
    cols = ("unit", "median", "[5%, 95%]", "observed", "inside")
    rows = []
    for key, s in stats.items():
        obs = s.get("observed")
        inside = "" if "inside" not in s else ("yes" if s["inside"] else "no")
        obs_txt = "" if obs is None else observed_cell(key, obs, units)
        unit = outcome_unit(key, units)
        median, low, high = shown_stats(key, s, units)
        rows.append(
            (
                key,
                [
                    unit,
                    _short(key, median, units),
                    _interval(key, low, high, units),
                    obs_txt,
                    inside,
                ],
            )
        )
    other = [[c, *(r[1][i] for r in rows)] for i, c in enumerate(cols)]
    room = outcome_width(width, other, max([len("outcome"), *(len(k) for k, _ in rows)]))
    table = Table(title=title)
    table.add_column("outcome", no_wrap=True)  # folded at underscores by fold_name only
    table.add_column("unit", no_wrap=True)  # short words, counted in the outcome's room
    for col in cols[1:]:
        table.add_column(col, justify="right", no_wrap=True)
    for key, cells in rows:
        table.add_row(fold_name(key, room), *cells)
    return table


def partial_value_notes(stats: dict[str, dict], n_done: int) -> list[str]:
    """One sentence per outcome that some replications hold no value of (summary.json's
    null, :func:`_stats_of_values`): which replications its statistics are over."""
    notes = []
    for key, s in stats.items():
        k = s.get("replications_with_value")
        if k is None:
            continue
        if k == 0:
            notes.append(f"{key}: {format_outcome(key, None)} in any of the {n_done} replications")
        else:
            notes.append(
                f"{key}: over the {k} of {n_done} replications with a value (the others: "
                f"{format_outcome(key, None)})"
            )
    return notes


def print_ensemble(console: Console, stats: dict[str, dict], scenario, n_done: int) -> None:
    """Print the table, its legend (how counts are summarised), the share of records inside
    the intervals, each observed figure's spread and source as the single run prints them
    (:func:`sim.results.report.print_observed_sources`: the report's cut-off, "as of …", is
    part of its source) and a small-N caveat.

    On a terminal the table fits the window (long outcome names fold); piped or redirected
    (``console.is_terminal`` false, where rich assumes 80 columns) it is printed at its
    natural width, one line per outcome, so ``grep`` and other readers get whole rows.
    """
    if console.is_terminal:
        console.print(ensemble_report(stats, scenario, n_done, console.width))
    else:
        print_unwrapped(console, ensemble_report(stats, scenario, n_done))
    if any(s.get("quantiles") == COUNT_QUANTILES for s in stats.values()):
        console.print(f"legend: {COUNT_LEGEND}", highlight=False)
    for note in partial_value_notes(stats, n_done):
        console.print(f"note: {note}", highlight=False)
    inside = [s["inside"] for s in stats.values() if "inside" in s]
    if inside:
        console.print(
            f"{sum(inside)} of {len(inside)} observed figures inside the 90% interval (a "
            "figure reported with a spread: the interval meets the spread)",
            highlight=False,
        )
    print_observed_sources(console, scenario)
    if n_done < MIN_REPLICATIONS_FOR_TAILS:
        console.print(
            f"note: {n_done} replications; at least {MIN_REPLICATIONS_FOR_TAILS} put a run "
            "beyond each end of the "
            "90% interval (fewer give a narrower interval)",
            highlight=False,
        )


def print_unwrapped(console: Console, table: Table) -> None:
    """Print ``table`` no narrower than its natural width (the widest its cells ask for,
    :class:`rich.measure.Measurement`, up to :data:`MAX_PIPED_WIDTH` columns), widening
    ``console`` for this one print."""
    natural = Measurement.get(console, console.options.update_width(MAX_PIPED_WIDTH), table)
    natural = natural.maximum
    width = console.width
    console.width = max(width, natural)
    try:
        console.print(table)
    finally:
        console.width = width
