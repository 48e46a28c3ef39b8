"""Maintenance budgets: fix found defects by a priority rule within an annual budget.

Priority rules (scores; higher = fixed first):
- ``risk``: expected discounted harm averted per yuan, value / cost with
  value = consequence x V x D(h, H, rho), h = the asset's current annual failure probability,
  H = planning horizon (default 10 yr), rho = social discount rate (default 3%/yr), V = yuan per
  unit of consequence (default 5 million yuan: assumption). D is the discounted probability of
  failing within H years if not fixed (constant hazard h):
      D = sum_{t=1..H} e^{-rho t} h (1 - h)^{t-1} = h e^{-rho} (1 - x^H) / (1 - x),
      x = e^{-rho} (1 - h).
- ``visible``: visibility first (ties broken by the risk score): the "preference for visible
  spending" in its pure form.
- ``white_elephant``: see `sim.risk.white_elephant`.

Allocation (`allocate_budget`): candidates sorted by score; a prefix whose cumulative cost fits
is taken, then up to ``refill_passes`` further passes take, among the remaining candidates in
score order, the prefix that fits the money left (a vectorised approximation of greedy
knapsack). Spending never exceeds the budget (asserted in tests).
"""

from __future__ import annotations

import numpy as np

from sim.risk.deterioration import AssetInventory

PRIORITY_RULES = ("risk", "visible", "white_elephant")
VALUE_PER_CONSEQUENCE_YUAN = 5e6  # assumption


def discounted_failure_probability(h, horizon_yr, discount_rate) -> np.ndarray:
    """D(h, H, r) = sum_{t=1..H} e^{-r t} h (1-h)^{t-1} (closed form; H may be an array)."""
    h = np.asarray(h, float)
    hz = np.asarray(horizon_yr, float)
    x = np.exp(-discount_rate) * (1.0 - h)
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(np.isclose(x, 1.0), hz, (1.0 - x**hz) / (1.0 - x))
    return h * np.exp(-discount_rate) * np.where(hz > 0, geo, 0.0)


def risk_scores(
    inv: AssetInventory,
    idx: np.ndarray,
    horizon_yr: float = 10.0,
    discount_rate: float = 0.03,
    value_per_consequence_yuan: float = VALUE_PER_CONSEQUENCE_YUAN,
) -> np.ndarray:
    """(k,) risk-based benefit / cost of fixing assets ``idx`` now."""
    h = inv.failure_probability()[idx]
    value = (
        inv.sector_array("consequence")[idx]
        * value_per_consequence_yuan
        * discounted_failure_probability(h, horizon_yr, discount_rate)
    )
    return value / inv.fix_cost_yuan()[idx]


def visible_scores(inv: AssetInventory, idx: np.ndarray) -> np.ndarray:
    """(k,) visibility-first scores (risk score as a small tie-breaker)."""
    r = risk_scores(inv, idx)
    return inv.sector_array("visibility")[idx] + 1e-6 * r / (1.0 + r.max(initial=0.0))


def allocate_budget(cost, score, budget: float, refill_passes: int = 3) -> np.ndarray:
    """Choose items to fund.

    Args:
        cost: (k,) item costs (>= 0).
        score: (k,) priority scores; items with score <= -inf are never funded.
        budget: money available.
        refill_passes: extra passes over the remaining items (see module docstring).

    Returns:
        (m,) positions (into cost/score) of funded items, in funding order.

    Raises:
        ValueError: negative costs or budget.
    """
    cost = np.asarray(cost, float)
    if np.any(cost < 0) or budget < 0:
        raise ValueError("costs and budget must be >= 0")
    order = np.argsort(-np.asarray(score, float), kind="stable")
    order = order[np.isfinite(np.asarray(score, float)[order])]
    chosen = []
    left = float(budget)
    for _ in range(1 + refill_passes):
        if order.size == 0 or left <= 0:
            break
        fits = np.cumsum(cost[order]) <= left + 1e-9
        take = order[fits] if fits.all() else order[: np.argmin(fits)]
        if take.size == 0:
            # skip items that can never fit, keep the rest in order
            order = order[cost[order] <= left]
            continue
        chosen.append(take)
        left -= float(cost[take].sum())
        order = np.setdiff1d(order, take, assume_unique=True)
        order = order[np.argsort(-np.asarray(score, float)[order], kind="stable")]
    return np.concatenate(chosen) if chosen else np.zeros(0, np.int64)
