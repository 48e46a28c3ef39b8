"""Monte Carlo harm records → the risk inventory (风险清单): likelihood, consequence, grade.

Per (hazard, district, category), over ``n_trials`` trials (see :mod:`sim.studies.riskmap.records`):

* likelihood = k / n, k = trials with any record of the category in the district (the
  maximum-likelihood estimate of a binomial proportion), with its 95 % Wilson interval;
  the basis is one scenario occurrence (emergency scenarios) or one year (long runs);
* consequence given occurrence, in expected deaths, injuries and direct loss (yuan):
  - per scenario occurrence: the mean, over the k trials with an occurrence, of the district's
    totals for the category (one disaster = one accident-like event);
  - per year (long runs): the mean per event (one road collapse, one construction accident,
    one asset failure), the unit that 国务院令第493号 grades;
* levels and grade by :mod:`sim.studies.riskmap.matrix`; responsible layers by
  :mod:`sim.studies.riskmap.categories`.

Every district gets a row for every category that occurred anywhere (likelihood 0 where it
never occurred, consequence 0), so the map shows districts without risk as blue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.studies.riskmap.categories import category_zh, responsible_layers
from sim.studies.riskmap.matrix import (
    GRADE_ZH,
    consequence_level,
    grade,
    grade_rank,
    likelihood_level,
    wilson_interval,
)
from sim.studies.riskmap.records import CITYWIDE

BASIS = {
    "scenario": ("per scenario occurrence", "district total per occurrence"),
    "year": ("per year", "per event"),
}
"""Basis → (likelihood_basis, consequence_basis) labels of the inventory."""

INVENTORY_COLUMNS = (
    "scenario",
    "hazard",
    "district",
    "name_en",
    "name_zh",
    "category",
    "category_zh",
    "likelihood",
    "likelihood_lo",
    "likelihood_hi",
    "likelihood_basis",
    "trials",
    "occurrences",
    "log_events",
    "deaths",
    "injuries",
    "loss_yuan",
    "consequence_basis",
    "deaths_total",
    "injuries_total",
    "loss_yuan_total",
    "likelihood_level",
    "consequence_level",
    "risk_score",
    "grade",
    "grade_zh",
    "responsible_layers",
)


def _occurrences(records: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per ``keys``: trials with an occurrence (any event or harm), log events and harm
    totals summed over all trials."""
    rec = records.copy()
    rec["occurred"] = (rec[["log_events", "deaths", "injuries", "loss_yuan"]] > 0).any(axis=1)
    per_trial = rec.groupby([*keys, "trial"], as_index=False).agg(
        log_events=("log_events", "sum"),
        deaths=("deaths", "sum"),
        injuries=("injuries", "sum"),
        loss_yuan=("loss_yuan", "sum"),
        occurred=("occurred", "any"),
    )
    return per_trial.groupby(keys, as_index=False).agg(
        occurrences=("occurred", "sum"),
        log_events=("log_events", "sum"),
        deaths_total=("deaths", "sum"),
        injuries_total=("injuries", "sum"),
        loss_yuan_total=("loss_yuan", "sum"),
    )


def build_inventory(
    records: pd.DataFrame,
    n_trials: int,
    basis: str,
    districts: pd.DataFrame,
    scenario: str = "",
) -> pd.DataFrame:
    """Aggregate harm records of all trials into the graded risk inventory.

    Args:
        records: :data:`sim.studies.riskmap.records.RECORD_COLUMNS` rows of every trial.
        n_trials: number of trials (replications, or replications × years).
        basis: ``"scenario"`` or ``"year"`` (see module docstring).
        districts: the city's district table (``name_en``, ``name_zh``; index = district).
        scenario: scenario name for the ``scenario`` column.

    Returns:
        :data:`INVENTORY_COLUMNS`, sorted by risk score (descending), district, category.
        ``log_events``, ``*_total`` sum over all trials: their column sums equal those of
        ``records`` (conservation).

    Raises:
        ValueError: unknown basis, ``n_trials`` < 1, or fewer trials than occurrences.
    """
    if basis not in BASIS:
        raise ValueError(f"basis must be one of {sorted(BASIS)}, got {basis!r}")
    if n_trials < 1:
        raise ValueError("n_trials must be >= 1")
    keys = ["hazard", "district", "category"]
    agg = _occurrences(records, keys)
    if (agg["occurrences"] > n_trials).any():
        raise ValueError("more trials with an occurrence than trials: wrong n_trials")
    # every district × category that occurred anywhere (city-wide rows only where present)
    pairs = agg[["hazard", "category"]].drop_duplicates()
    full = pairs.merge(pd.DataFrame({"district": districts.index.astype(int)}), how="cross")
    full = pd.concat([full, agg.loc[agg["district"] == CITYWIDE, keys]], ignore_index=True)
    inv = full.merge(agg, on=keys, how="left").fillna(
        {c: 0 for c in ("occurrences", "log_events", "deaths_total", "injuries_total")}
        | {"loss_yuan_total": 0.0}
    )
    inv["occurrences"] = inv["occurrences"].astype(np.int64)
    inv["log_events"] = inv["log_events"].astype(np.int64)
    k = inv["occurrences"].to_numpy()
    inv["trials"] = int(n_trials)
    inv["likelihood"] = k / n_trials
    inv["likelihood_lo"], inv["likelihood_hi"] = wilson_interval(k, np.full(k.shape, n_trials))
    denom = inv["occurrences"] if basis == "scenario" else inv["log_events"]
    denom = denom.to_numpy(dtype=float)
    for col in ("deaths", "injuries", "loss_yuan"):
        tot = inv[f"{col}_total"].to_numpy(dtype=float)
        inv[col] = np.divide(tot, denom, out=np.zeros_like(tot), where=denom > 0)
    inv["likelihood_basis"], inv["consequence_basis"] = BASIS[basis]
    inv["likelihood_level"] = likelihood_level(inv["likelihood"].to_numpy())
    inv["consequence_level"] = consequence_level(inv["deaths"], inv["injuries"], inv["loss_yuan"])
    inv["risk_score"] = inv["likelihood_level"] * inv["consequence_level"]
    inv["grade"] = grade(inv["likelihood_level"], inv["consequence_level"])
    inv["grade_zh"] = inv["grade"].map(GRADE_ZH)
    inv["responsible_layers"] = [
        responsible_layers(c, g) for c, g in zip(inv["category"], inv["grade"], strict=True)
    ]
    inv["category_zh"] = inv["category"].map(category_zh)
    names_en = districts["name_en"].to_dict() | {CITYWIDE: "(city-wide)"}
    names_zh = districts["name_zh"].to_dict() | {CITYWIDE: "全市"}
    inv["name_en"] = inv["district"].map(names_en)
    inv["name_zh"] = inv["district"].map(names_zh)
    inv["scenario"] = scenario
    inv = inv.sort_values(
        ["risk_score", "likelihood", "district", "category"], ascending=[False, False, True, True]
    )
    return inv[list(INVENTORY_COLUMNS)].reset_index(drop=True)


def worst_grade_by_district(inventory: pd.DataFrame, n_districts: int) -> np.ndarray:
    """(D,) worst grade rank (0 blue … 3 red) of each district over the risks that occurred
    in at least one trial; -1 where none did (no risk observed: not "low risk")."""
    out = np.full(n_districts, -1, dtype=int)
    rows = inventory[(inventory["district"] >= 0) & (inventory["occurrences"] > 0)]
    if len(rows):
        ranks = grade_rank(rows["grade"].to_numpy())
        np.maximum.at(out, rows["district"].to_numpy(dtype=int), ranks)
    return out
