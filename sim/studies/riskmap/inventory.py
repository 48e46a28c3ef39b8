"""Monte Carlo harm records → the risk inventory (风险清单): likelihood, consequence, grade.

Per (hazard, district, category), over ``n_trials`` trials (see :mod:`sim.studies.riskmap.records`):

* likelihood = the annual frequency f of the risk, events per year, with its 95 % interval:
  - emergency scenarios (basis ``"scenario"``, one trial = one occurrence of the scenario):
    f = F · k / n, F the scenario's annual frequency (:mod:`sim.studies.riskmap.frequency`)
    and k of the n replications with any record of the category in the district; the
    interval is F times the Wilson interval of k / n (F itself is taken as given);
  - long runs (basis ``"year"``, one trial = one simulated year): f = N / n, N the events of
    the category in the district over the n simulated years; exact Poisson (Garwood)
    interval;
* consequence, in deaths, injuries and direct loss (yuan):
  - emergency scenarios: the mean, over the k replications with an occurrence, of the
    district's totals for the category (one disaster = one accident-like event);
  - long runs: the mean per event (one road collapse, one construction accident, one asset
    failure), the unit that 国务院令第493号 grades;
* risk = frequency × consequence: expected deaths, injuries and loss per year
  (``deaths_per_yr`` …: F · total / n, or total / n years);
* levels and grade by :mod:`sim.studies.riskmap.matrix` (:func:`~sim.studies.riskmap.matrix.grade`
  assigns every row's grade, and every figure and table draws from that column, through
  :func:`grade_cells`); responsible layers by :mod:`sim.studies.riskmap.categories`.

Every district gets a row for every (hazard, category) that occurred anywhere (frequency 0
where it never occurred, consequence 0), so the matrix and the map have no empty district.
Such a row is ``observed`` False and graded :data:`~sim.studies.riskmap.matrix.NOT_OBSERVED`
by the same :func:`~sim.studies.riskmap.matrix.grade`: all n trials say is that its frequency
is below ``frequency_hi_per_yr`` (:func:`not_observed_text`), not that it is level L1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.studies.riskmap.categories import category_zh, responsible_layers
from sim.studies.riskmap.matrix import (
    CELL_GRADES,
    GRADE_HEX,
    GRADE_ZH,
    NOT_OBSERVED,
    consequence_level,
    grade,
    grade_rank,
    likelihood_level,
    poisson_rate_interval,
    wilson_interval,
)
from sim.studies.riskmap.records import CITYWIDE

BASIS = {
    "scenario": (
        "scenario frequency x share of replications with an occurrence",
        "district total per occurrence",
    ),
    "year": ("events per simulated year", "per event"),
}
"""Basis → (frequency_basis, consequence_basis) labels of the inventory."""

INVENTORY_COLUMNS = (
    "scenario",
    "hazard",
    "district",
    "name_en",
    "name_zh",
    "category",
    "category_zh",
    "frequency_per_yr",
    "frequency_lo_per_yr",
    "frequency_hi_per_yr",
    "return_period_yr",
    "frequency_basis",
    "trials",
    "occurrences",
    "p_occurrence",
    "observed",
    "log_events",
    "deaths",
    "injuries",
    "loss_yuan",
    "consequence_basis",
    "deaths_per_yr",
    "injuries_per_yr",
    "loss_yuan_per_yr",
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
    scenario_frequency_per_yr: float | None = None,
) -> pd.DataFrame:
    """Aggregate harm records of all trials into the graded risk inventory.

    Args:
        records: :data:`sim.studies.riskmap.records.RECORD_COLUMNS` rows of every trial.
        n_trials: number of trials (replications, or replications × years).
        basis: ``"scenario"`` or ``"year"`` (see module docstring).
        districts: the city's district table (``name_en``, ``name_zh``; index = district).
        scenario: scenario name for the ``scenario`` column.
        scenario_frequency_per_yr: F, the emergency scenario's annual frequency (events per
            year); required for basis ``"scenario"``, ignored for ``"year"``.

    Returns:
        :data:`INVENTORY_COLUMNS`, sorted by risk score, expected loss per year and frequency
        (descending), district, category. ``log_events``, ``*_total`` sum over all trials:
        their column sums equal those of ``records`` (conservation).

    Raises:
        ValueError: unknown basis, ``n_trials`` < 1, fewer trials than occurrences, or basis
            ``"scenario"`` without a positive scenario frequency.
    """
    if basis not in BASIS:
        raise ValueError(f"basis must be one of {sorted(BASIS)}, got {basis!r}")
    if n_trials < 1:
        raise ValueError("n_trials must be >= 1")
    if basis == "scenario" and not (scenario_frequency_per_yr or 0) > 0:
        raise ValueError("basis 'scenario' needs the scenario's annual frequency (> 0 per year)")
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
    inv["trials"] = int(n_trials)
    _frequency(inv, n_trials, basis, scenario_frequency_per_yr)
    denom = inv["occurrences"] if basis == "scenario" else inv["log_events"]
    denom = denom.to_numpy(dtype=float)
    # per year = F · total / n (scenario) or total / n years: frequency × consequence
    per_trial = float(scenario_frequency_per_yr) / n_trials if basis == "scenario" else 1 / n_trials
    for col in ("deaths", "injuries", "loss_yuan"):
        tot = inv[f"{col}_total"].to_numpy(dtype=float)
        inv[col] = np.divide(tot, denom, out=np.zeros_like(tot), where=denom > 0)
        inv[f"{col}_per_yr"] = tot * per_trial
    inv["frequency_basis"], inv["consequence_basis"] = BASIS[basis]
    inv["likelihood_level"] = likelihood_level(inv["frequency_per_yr"].to_numpy())
    inv["consequence_level"] = consequence_level(inv["deaths"], inv["injuries"], inv["loss_yuan"])
    inv["risk_score"] = inv["likelihood_level"] * inv["consequence_level"]
    inv["observed"] = inv["occurrences"] > 0
    inv["grade"] = grade(inv["likelihood_level"], inv["consequence_level"], inv["observed"])
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
        ["risk_score", "loss_yuan_per_yr", "frequency_per_yr", "district", "category"],
        ascending=[False, False, False, True, True],
    )
    return inv[list(INVENTORY_COLUMNS)].reset_index(drop=True)


def _frequency(inv: pd.DataFrame, n_trials: int, basis: str, f_scen: float | None) -> None:
    """Fill ``p_occurrence``, ``frequency_*_per_yr`` and ``return_period_yr`` in place
    (rules in the module docstring)."""
    k = inv["occurrences"].to_numpy()
    inv["p_occurrence"] = k / n_trials
    if basis == "scenario":
        lo, hi = wilson_interval(k, np.full(k.shape, n_trials))
        f = float(f_scen)
        inv["frequency_per_yr"] = f * k / n_trials
        inv["frequency_lo_per_yr"], inv["frequency_hi_per_yr"] = f * lo, f * hi
    else:
        events = inv["log_events"].to_numpy(dtype=float)
        inv["frequency_per_yr"] = events / n_trials
        lo, hi = poisson_rate_interval(events, float(n_trials))
        inv["frequency_lo_per_yr"], inv["frequency_hi_per_yr"] = lo, hi
    f = inv["frequency_per_yr"].to_numpy(dtype=float)
    inv["return_period_yr"] = np.divide(1.0, f, out=np.full(f.shape, np.inf), where=f > 0)


def grade_counts(inventory: pd.DataFrame) -> dict[str, int]:
    """Rows of each grade, every grade present (0 when none), low to high, after the rows
    not observed (:data:`~sim.studies.riskmap.matrix.CELL_GRADES`)."""
    counts = inventory["grade"].value_counts()
    return {g: int(counts.get(g, 0)) for g in CELL_GRADES}


def not_observed_text(inventory: pd.DataFrame) -> str:
    """What a not-observed cell means in this inventory, for legends, ``grades.md`` and the
    console: "not observed in 8 replications (upper bound 0.097 per year)", the trials
    and the upper 95 % bound of their interval (Wilson for replications, Garwood for
    simulated years: the same for every such cell); "not observed" without trials."""
    if inventory.empty:
        return "not observed"
    r = inventory.iloc[0]
    unit = "simulated years" if r["frequency_basis"] == BASIS["year"][0] else "replications"
    text = f"not observed in {int(r['trials']):,} {unit}"
    mine = inventory.loc[~inventory["observed"].astype(bool), "frequency_hi_per_yr"]
    if len(mine):
        text += f" (upper bound {float(mine.max()):.2g} per year)"
    return text


CELL_COLUMNS = ("row", "row_label", "column", "column_label", "hazard", "category", "grade",
                "colour", "label", "frequency_hi_per_yr")  # fmt: skip


def grade_cells(inventory: pd.DataFrame, district_names: list[str]) -> pd.DataFrame:
    """The cells of the risk matrix and the risk map: one per inventory row, its grade as the
    inventory assigned it and its colour from :data:`~sim.studies.riskmap.matrix.GRADE_HEX`.

    Rows are the districts in order (then ``(city-wide)`` when the inventory has city-wide
    rows); columns are the (category, hazard) pairs, sorted; a column label names the hazard
    only when the inventory has several.

    Args:
        inventory: :func:`build_inventory` output.
        district_names: the city's district names, in district order.

    Returns:
        :data:`CELL_COLUMNS`; ``label`` is ``L<likelihood level> C<consequence level>``, or
        ``none seen`` and the frequency's upper bound for a not-observed cell.
    """
    inv = inventory.reset_index(drop=True)
    pairs = sorted(set(zip(inv["category"], inv["hazard"], strict=True)))
    several = len({h for _, h in pairs}) > 1
    column = {p: j for j, p in enumerate(pairs)}
    n_d = len(district_names)
    district = inv["district"].to_numpy()
    rows = np.where(district == CITYWIDE, n_d, district).astype(int)  # int even when empty
    labels = [*district_names, "(city-wide)"]
    cells = pd.DataFrame(
        {
            "row": rows.astype(int),
            "row_label": [labels[r] for r in rows],
            "column": [column[p] for p in zip(inv["category"], inv["hazard"], strict=True)],
            "column_label": [
                c.replace("_", " ") + (f"\n({h})" if several else "")
                for c, h in zip(inv["category"], inv["hazard"], strict=True)
            ],
            "hazard": inv["hazard"].to_numpy(),
            "category": inv["category"].to_numpy(),
            "grade": inv["grade"].to_numpy(),
            "colour": inv["grade"].map(GRADE_HEX).to_numpy(),
            "label": [
                f"L{a} C{b}" if g != NOT_OBSERVED else f"none seen\n≤ {hi:.2g}/yr"
                for a, b, g, hi in zip(
                    inv["likelihood_level"],
                    inv["consequence_level"],
                    inv["grade"],
                    inv["frequency_hi_per_yr"],
                    strict=True,
                )
            ],
            "frequency_hi_per_yr": inv["frequency_hi_per_yr"].to_numpy(dtype=float),
        }
    )
    if cells.duplicated(["row", "column"]).any():
        raise ValueError("two inventory rows for one (district, hazard, category) cell")
    return cells.sort_values(["column", "row"]).reset_index(drop=True)[list(CELL_COLUMNS)]


def worst_grade_by_district(inventory: pd.DataFrame, n_districts: int) -> np.ndarray:
    """(D,) worst grade rank (0 blue … 3 red) of each district over the risks that occurred
    in at least one trial; -1 where none did (no risk observed: not "low risk")."""
    out = np.full(n_districts, -1, dtype=int)
    rows = inventory[(inventory["district"] >= 0) & (inventory["occurrences"] > 0)]
    if len(rows):
        ranks = grade_rank(rows["grade"].to_numpy())
        np.maximum.at(out, rows["district"].to_numpy(dtype=int), ranks)
    return out
