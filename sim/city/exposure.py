"""Exposure inventory: city totals allocated to districts by documented, deterministic rules.

City totals and their sources live in ``exposure_totals.csv`` (category, unit, city_total, source,
confidence) beside the district data; the rule of each category (which weight, which zone
factors) lives in the city profile (``city.yaml``, ``exposure_allocation``), with its rationale.
This module holds the rule kinds only. Every allocation is integer-valued and conserves the city
total exactly (largest-remainder rounding, `largest_remainder`). The weights are assumptions —
calibration parameters — wherever no district-level breakdown of an inventory exists.

Weight building blocks (d = district, all shares sum to 1 over the districts):
    pop_share[d]      = population[d] / sum(population)                      (census)
    area_share[d]     = area_km2[d] / sum(area_km2)                    (published land area)
    rural_share[d]    = area_share restricted to districts outside the urban-core zones
                        (``urban_core`` of the profile's zones), renormalised
    foreshore_km2[d]  = max(polygon_area_km2 - area_km2, 0) where it exceeds 5 % of area_km2,
                        else 0: the water / intertidal part of coastal districts' administrative
                        polygons, a proxy for estuary and sea frontage.
    zone factor       = multiplier by zone (a table per rule, in the profile)

Rule kinds (``rule:`` in the profile -> weight):
    population_by_zone                 pop x zone factor
    population_area_mix                p x pop_share + a x area_share
    population_by_zone_and_rural_area  p x share(pop x zone factor) + r x rural_share
    rural_area                         rural_share
    foreshore                          foreshore_km2
    zones                              1 in the listed zones, 0 elsewhere

Relocation before typhoons (briefing: construction workers, dangerous old housing, sheds) draws
on `RELOCATION_CATEGORIES`; the totals are exposed pools, not relocation counts — who is
relocated is decided in the model (district orders, household decisions:
:mod:`sim.agents.households`), not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.city.errors import CityDataError, require_file
from sim.city.profile import (
    AllocationSpec,
    Foreshore,
    InZones,
    PopulationAreaMix,
    PopulationByZone,
    PopulationByZoneAndRural,
    RuralArea,
)
from sim.core.text_input import read_csv_table
from sim.scenario.schema import RELOCATION_CATEGORIES  # noqa: F401  (one list, re-exported)

TOTALS_COLUMNS = ("category", "unit", "city_total", "source", "confidence")
FORESHORE_MIN_FRACTION = 0.05


_EXACT_TOTAL = 2**53
"""Largest total split exactly: the quotas are float64, whose integers are exact to 2^53 (and
int64 parts overflow past ~9.2e18, which silently turned a huge depot count into one a
district)."""


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total into integer parts proportional to ``weights`` (Hamilton's method).

    Each part is its quota ``total * w / sum(w)`` rounded down; the units left over go to the
    largest fractional remainders, ties to the lower index (stable sort), so the result is
    deterministic, sums exactly to ``total`` and every part is within 1 of its quota.

    Args:
        total: non-negative integer to split.
        weights: (D,) non-negative weights with a positive sum.

    Returns:
        (D,) int64 array summing to ``total``; zero weight gives zero.

    Raises:
        ValueError: negative total or weights, non-finite weights, all weights zero, or a
            total above 2^53.
    """
    w = np.asarray(weights, dtype=float)
    total = int(total)
    if total < 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        shown = np.array2string(w, precision=4, threshold=20)
        raise ValueError(
            f"cannot split {total} by weights {shown}: needs a total >= 0 and finite weights "
            ">= 0, not all 0"
        )
    if total > _EXACT_TOTAL:  # quotas are floats: beyond 2^53 the parts would not sum exactly
        raise ValueError(f"largest_remainder: total {total:,} above 2^53 cannot be split exactly")
    quota = total * (w / w.sum())
    parts = np.floor(quota).astype(np.int64)
    left = total - int(parts.sum())
    if left > 0:
        order = np.argsort(-(quota - parts), kind="stable")
        parts[order[:left]] += 1
    return parts


@dataclass(frozen=True)
class AllocationRule:
    """How one exposure category is spread over districts.

    Attributes:
        description: the rule in words.
        weights: function of the districts table returning (D,) non-negative weights.
    """

    description: str
    weights: Callable[[pd.DataFrame], np.ndarray]


def _share(values) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v / v.sum()


def _zone_weighted_pop(factors: dict[str, float]) -> Callable[[pd.DataFrame], np.ndarray]:
    def weights(d: pd.DataFrame) -> np.ndarray:
        return d["population"].to_numpy(float) * d["zone"].map(factors).to_numpy(float)

    return weights


def _mix(pop: float, area: float) -> Callable[[pd.DataFrame], np.ndarray]:
    def weights(d: pd.DataFrame) -> np.ndarray:
        return pop * _share(d["population"]) + area * _share(d["area_km2"])

    return weights


def _rural_share(d: pd.DataFrame) -> np.ndarray:
    return _share(d["area_km2"].to_numpy(float) * (~d["urban_core"]).to_numpy())


def foreshore_km2(d: pd.DataFrame) -> np.ndarray:
    """Water/intertidal area inside coastal districts' polygons, km² (see module docstring).

    Args:
        d: districts table with ``polygon_area_km2`` and ``area_km2`` (published land area).

    Returns:
        (D,) float, zero for districts whose polygon exceeds the land area by < 5 %.
    """
    excess = d["polygon_area_km2"].to_numpy(float) - d["area_km2"].to_numpy(float)
    coastal = excess > FORESHORE_MIN_FRACTION * d["area_km2"].to_numpy(float)
    return np.where(coastal, excess, 0.0)


def _zone_and_rural(pop: float, rural: float, factors: dict[str, float]):
    def weights(d: pd.DataFrame) -> np.ndarray:
        return pop * _share(_zone_weighted_pop(factors)(d)) + rural * _rural_share(d)

    return weights


def _factors_text(factors: dict[str, float]) -> str:
    return "{" + ", ".join(f"{z} {f:g}" for z, f in factors.items()) + "}"


def allocation_rule(spec: AllocationSpec) -> AllocationRule:
    """The `AllocationRule` of a profile rule (``exposure_allocation.rules.<category>``)."""
    match spec:
        case PopulationByZone(factors=f):
            return AllocationRule(
                f"population x zone factor {_factors_text(f)}", _zone_weighted_pop(f)
            )
        case PopulationAreaMix(population=p, area=a):
            return AllocationRule(f"{p:g} population share + {a:g} land-area share", _mix(p, a))
        case PopulationByZoneAndRural(factors=f, population=p, rural=r):
            return AllocationRule(
                f"{p:g} share of population x zone factor {_factors_text(f)} + {r:g} "
                "rural land-area share",
                _zone_and_rural(p, r, f),
            )
        case RuralArea():
            return AllocationRule("rural (non-urban-core) land-area share", _rural_share)
        case Foreshore():
            return AllocationRule(
                "foreshore area (polygon minus land area, coastal districts)", foreshore_km2
            )
        case InZones(zones=zones):
            return AllocationRule(
                f"zone(s) {', '.join(zones)} only",
                lambda d: d["zone"].isin(zones).to_numpy(float),
            )
    raise TypeError(f"unknown allocation rule {spec!r}")


TOTAL_MAX = 1e12
"""Largest city total of a category: 7,000× the largest of the default case study (146 million m² of
old housing), and far inside the exact integers of the float64 quotas and int64 counts (2^53 ≈ 9e15;
1e20 wrapped round to a negative count)."""

PER_ITEM_TOTAL_MAX = {"construction_sites": 1e6}
"""Categories the model holds one record per item of (:func:`sim.risk.construction.generate_sites`:
district, workers and safety grade per site, drawn for every year), and their bound: 216×
the default case study's 4,628 sites, a few tens of MB."""

PER_RESIDENT_MAX = {"persons": 1.0, "m2": 1_000.0, "km": 1.0}
"""Largest city total of a category per resident, by its unit (any other unit:
:data:`ITEMS_PER_RESIDENT_MAX`). Persons: the exposed people are among the residents.
Assumptions, each far above any city: 1,000 m² per resident is 170× the default case
study's old housing (146 million m² for 24.9 million residents) and over 20× any city's
floor area per person; 1 km per resident is 250× its 100,000 km of underground pipelines."""

ITEMS_PER_RESIDENT_MAX = 1.0
"""Largest number of counted items (signboards, buildings, sites …) per resident. Assumption:
69× the default case study's densest item (360,000 shop signboards for 24.9 million
residents). Counted items fail and become incidents one by one, so a total far beyond the
city's size is a run of millions of incidents (10^12 signboards in the example city: 2
million incidents, 9 minutes) rather than an answer."""

_CAP_REASON = {
    True: "no city counts more; the counts must stay exact integers",
    False: "the model keeps a record of each",
}


def read_exposure_totals(
    path: Path, rules: dict[str, AllocationSpec], population: int | None = None
) -> pd.DataFrame:
    """Read and check ``exposure_totals.csv``.

    Args:
        path: CSV with columns category, unit, city_total, source, confidence.
        rules: the profile's allocation rules by category (``exposure_allocation.rules``).
        population: the city's residents; when given, a total counted in ``persons`` may not
            exceed it (the exposed people are among the residents).

    Returns:
        The table, ``city_total`` as int64, one row per category.

    Raises:
        CityDataError: missing file or column, a blank category (by line), duplicate or
            unknown category (no rule in the profile's ``exposure_allocation.rules``), a
            category of the rules without a row, non-integer or negative total, a total above
            :data:`TOTAL_MAX` (or the category's :data:`PER_ITEM_TOTAL_MAX`), a total beyond
            its bound per resident of ``population`` (:data:`PER_RESIDENT_MAX`,
            :data:`ITEMS_PER_RESIDENT_MAX`), empty source.
    """
    path = Path(path)
    require_file(path, "exposure city totals")
    table = read_csv_table(path, dtype={"category": str, "source": str, "unit": str})
    missing = [c for c in TOTALS_COLUMNS if c not in table.columns]
    if missing:
        raise CityDataError(path, f"missing column(s) {missing}; expected {list(TOTALS_COLUMNS)}")
    blank = table["category"].isna() | table["category"].astype(str).str.strip().eq("")
    if blank.any():
        raise CityDataError(path, f"line {int(np.flatnonzero(blank.to_numpy())[0]) + 2}: "
                            "category is blank")  # fmt: skip
    dup = table["category"][table["category"].duplicated()].tolist()
    if dup:
        raise CityDataError(path, f"duplicate categories {dup}")
    unknown = sorted(set(table["category"]) - set(rules))
    if unknown:
        raise CityDataError(
            path,
            f"no allocation rule for {unknown} in city.yaml exposure_allocation.rules; "
            f"rules: {sorted(rules)}",
        )
    absent = sorted(set(rules) - set(table["category"]))
    if absent:
        raise CityDataError(
            path,
            f"no city total for {absent}: city.yaml exposure_allocation.rules lists them and "
            "the model reads every category listed there",
        )
    totals = pd.to_numeric(table["city_total"], errors="coerce")
    bad = table["category"][~(totals.notna() & (totals >= 0) & (totals == totals.round()))]
    if len(bad):
        raise CityDataError(path, f"city_total must be a non-negative integer for {list(bad)}")
    for i, (category, total) in enumerate(zip(table["category"], totals, strict=True), start=2):
        cap = PER_ITEM_TOTAL_MAX.get(category, TOTAL_MAX)
        if total > cap:
            raise CityDataError(
                path,
                f"line {i} ({category}): city_total {total:.6g} is above {cap:,.0f} "
                f"({_CAP_REASON[cap == TOTAL_MAX]})",
            )
    if population is not None:
        _check_per_resident(path, table, totals, population)
    blank = table["source"].fillna("").str.strip().eq("").to_numpy()
    if blank.any():
        k = int(np.flatnonzero(blank)[0])
        raise CityDataError(
            path,
            f"line {k + 2}: {table['category'].iloc[k]} has no source (every category needs "
            "one, or an explicit assumption)",
        )
    return table.assign(city_total=totals.astype(np.int64)).reset_index(drop=True)


def _check_per_resident(path: Path, table: pd.DataFrame, totals: pd.Series, population: int):
    """Refuse the first category whose total exceeds its bound per resident
    (:data:`PER_RESIDENT_MAX` by unit, else :data:`ITEMS_PER_RESIDENT_MAX`).

    Raises:
        CityDataError: naming the line, the category, its total and the bound.
    """
    units = table["unit"].astype(str).str.strip()
    per = units.map(PER_RESIDENT_MAX).fillna(ITEMS_PER_RESIDENT_MAX).to_numpy(float)
    over = totals.to_numpy(float) > per * population
    if not over.any():
        return
    k = int(np.flatnonzero(over)[0])
    unit, category = units.iloc[k], table["category"].iloc[k]
    if unit == "persons":
        why = f"persons exceed the city's {population:,} residents (districts.csv)"
    else:
        why = (
            f"{unit} exceed {per[k]:g} per resident of the city's {population:,} "
            "(districts.csv); no city has as many"
        )
    raise CityDataError(path, f"line {k + 2} ({category}): {int(totals.iloc[k]):,} {why}")


def allocate_exposure(
    districts: pd.DataFrame, totals: pd.DataFrame, rules: dict[str, AllocationSpec]
) -> pd.DataFrame:
    """Allocate each city total to districts with its rule and largest-remainder rounding.

    Args:
        districts: (D rows) with population, area_km2, polygon_area_km2, zone, urban_core.
        totals: output of `read_exposure_totals`.
        rules: the profile's allocation rules by category.

    Returns:
        DataFrame indexed like ``districts`` (district index), one int64 column per category in
        the order of ``totals``; each column sums exactly to its ``city_total``.

    Raises:
        ValueError: a rule yields no positive weight (e.g. no coastal district for foreshore,
            no district in the zones named); the message names the rule
            (``exposure_allocation.rules.<category>``) and its weights.
    """
    columns = {}
    for category, total in zip(totals["category"], totals["city_total"], strict=True):
        rule = allocation_rule(rules[category])
        try:
            columns[category] = largest_remainder(int(total), rule.weights(districts))
        except ValueError as exc:
            raise ValueError(
                f"exposure_allocation.rules.{category} ({rule.description}): {exc}"
            ) from None
    return pd.DataFrame(columns, index=districts.index)
