"""What each paired difference of a comparison says: the colours of the forest plot.

A difference arm − baseline is judged only where the outcome has a direction and the interval
settles its sign:

- ``worse`` (red): a harm outcome (:data:`HARM_KEYS`, lower is better) whose interval lies
  wholly above 0;
- ``better`` (blue): a harm outcome whose interval lies wholly below 0;
- ``resolved`` (black): an outcome without a direction (people relocated, duties done, ...)
  whose interval excludes 0;
- ``not resolved`` (grey): the interval includes 0;
- ``no interval`` (grey, hollow): fewer than two paired replications;
- ``cost`` (purple): spending (the comparison's ``cost`` key and :data:`COST_KEYS`) is the
  price of an arm, a trade-off against its effects, never coloured as harm. A policy's cost is
  usually fixed (the same every replication: an interval of zero width), so "its interval
  excludes 0" would say nothing.

The directions are a modelling judgement stated here, one list; a key not listed is not judged.
Shock outcomes ``shocks.<name>.<key>`` take the direction of their ``<key>``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HARM_KEYS = frozenset(
    {
        # emergency window
        "deaths", "injuries", "direct_loss_yuan", "customer_hours_without_power",
        "customer_hours_without_water", "incidents", "incidents_unserved",
        "response_time_mean_min", "response_time_p95_min", "full_bundle_time_mean_min",
        "relief_shortfall_person_days", "power_line_faults", "substations_failed",
        "transformers_flooded", "trees_down",
        "signboards_fallen",
        "waterlogged_roads", "underpasses_closed", "road_collapses", "epidemic_cases",
        "telecom_sites_down",
        # long run
        "pipe_bursts", "cavities", "road_collapses_in_black_swans", "open_cavities_final",
        "construction_accidents", "construction_deaths", "asset_failures",
        "black_swan_failures", "emergency_repair_yuan", "latent_risk_index_final",
        "latent_risk_harm_final", "accidents", "chemical_accidents", "chemical_deaths",
        "chemical_injuries", "chemical_loss_yuan", "initiating_events",
        "near_misses_one_barrier_left", "hazards_concealed", "assessments_falsified",
        "false_alarms", "latent_hazards_final", "latent_hazards_mean", "barrier_miss_mean",
        "dereliction_months", "problems_concealed", "repairs_deferred",
    }
)  # fmt: skip
"""Outcomes where lower is better (harm, loss, delay, hidden or concealed hazards)."""
COST_KEYS = frozenset(
    {
        "policy_cost_yuan", "five_ones_cost_yuan_per_yr", "cavity_screening_yuan_per_yr",
        "drainage_upkeep_yuan_per_yr", "maintenance_budget_yuan", "maintenance_spent_yuan",
        "maintenance_spent_yuan_per_yr", "governance_spend_yuan", "owner_repair_yuan_per_yr",
        "regulator_inspection_yuan_per_yr",
    }
)  # fmt: skip
"""Spending on prevention: the price of an arm, shown as a trade-off."""
COLOURS = {
    "worse": "#d62728",
    "better": "#1f77b4",
    "resolved": "#000000",
    "not resolved": "#9a9a9a",
    "no interval": "#9a9a9a",
    "cost": "#7b4ea3",
}
"""Colour of each verdict (matplotlib's tab:red and tab:blue, black, grey, purple)."""
LABELS = {
    "worse": "worse: interval above 0 (lower is better)",
    "better": "better: interval below 0 (lower is better)",
    "resolved": "interval excludes 0 (no better or worse)",
    "not resolved": "interval includes 0",
    "no interval": "no interval (n < 2)",
    "cost": "cost of the arm (a trade-off, not judged)",
}
"""Legend text of each verdict."""


def role(metric: str, cost: str | None = None) -> str:
    """``"cost"``, ``"harm"`` or ``"other"`` for an outcome key (see module doc)."""
    key = metric.rsplit(".", 1)[-1] if metric.startswith("shocks.") else metric
    if metric == cost or key in COST_KEYS:
        return "cost"
    return "harm" if key in HARM_KEYS else "other"


def effect_verdicts(table: pd.DataFrame, metrics: list[str], cost: str | None = None):
    """The data behind the forest plot: each non-baseline arm's paired difference per metric
    with its role and verdict (module doc).

    Args:
        table: the comparison table (:func:`sim.studies.compare.stats.comparison_table`).
        metrics: the metrics drawn, in order.
        cost: the comparison's cost key (drawn as a cost), or None.

    Returns:
        Rows (arm, metric): ``estimate``, ``ci_low``, ``ci_high`` (the table's), ``role``,
        ``verdict`` and ``colour``; arms in the table's order.
    """
    diff = table[(table["kind"] == "difference") & table["metric"].isin(metrics)]
    rows = diff[["arm", "metric", "estimate", "ci_low", "ci_high"]].copy()
    lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
    roles = np.array([role(m, cost) for m in rows["metric"]], dtype=object)
    has_ci = np.isfinite(lo) & np.isfinite(hi)
    above, below = has_ci & (lo > 0), has_ci & (hi < 0)
    harm = roles == "harm"
    verdict = np.select(
        [roles == "cost", ~has_ci, harm & above, harm & below, above | below],
        ["cost", "no interval", "worse", "better", "resolved"],
        default="not resolved",
    )
    rows["role"], rows["verdict"] = roles, verdict
    rows["colour"] = [COLOURS[v] for v in verdict]
    return rows.reset_index(drop=True)
