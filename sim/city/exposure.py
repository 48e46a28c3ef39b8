"""Exposure inventory: city totals allocated to districts by documented, deterministic rules.

City totals and their sources live in ``exposure_totals.csv`` (category, unit, city_total, source,
confidence) beside the district data; this module holds only the allocation rules. Every
allocation is integer-valued and conserves the city total exactly (largest-remainder rounding,
`largest_remainder`). All weights below are assumptions — calibration parameters: they spread a
sourced city total over districts using census population, published land area and the
central / Pudong / suburban zoning, because no district-level breakdown of these inventories was
found (see scenarios/data/shanghai/README.md for the table and the sources of the totals).

Weight building blocks (d = district, all shares sum to 1 over the districts):
    pop_share[d]      = population[d] / sum(population)                      (2020 census)
    area_share[d]     = area_km2[d] / sum(area_km2)                    (published land area)
    rural_share[d]    = area_share restricted to non-central districts, renormalised
    foreshore_km2[d]  = max(polygon_area_km2 - area_km2, 0) where it exceeds 5 % of area_km2,
                        else 0: the water / intertidal part of coastal districts' administrative
                        polygons (Pudong, Chongming, Baoshan, Fengxian, Jinshan), a proxy for
                        estuary and sea frontage. Inland districts differ by < 3 % (digitising).
    zone factor       = multiplier by zone {"central", "pudong", "suburban"} (table per rule)

Rules (category -> weight):
    glass_curtain_wall_buildings     pop x {central 2.0, pudong 2.0, suburban 0.5}: high-rise
                                     office/commercial stock is concentrated in the centre and
                                     Pudong (Lujiazui).
    shop_signboards, advertising_structures
                                     pop x {central 1.5, pudong 1.2, suburban 1.0}: street-front
                                     commerce per resident is densest in the centre.
    old_housing_m2                   pop x {central 3.0, pudong 1.0, suburban 0.6}: 1950–1996
                                     housing was built in the then-urban area, today mostly the
                                     central districts; suburban stock is mostly newer.
    small_beam_thin_slab_m2          pop x {central 1.0, pudong 0.1, suburban 0.05}: 1950s–70s
                                     workers' housing in the old urban core.
    historic_buildings, historic_protected_sites
                                     pop x {central 1.0, pudong 0.05, suburban 0.05}: listed
                                     historic buildings are overwhelmingly in the old city. Known
                                     limitation: within the centre this follows population, so it
                                     under-weights Huangpu/Xuhui/Jing'an (former concessions)
                                     against Putuo/Yangpu; replace with a sourced district list.
    external_insulation_estates      pop x {central 0.5, pudong 1.0, suburban 1.0}: external wall
                                     insulation belongs to newer (energy-saving era) estates.
    underpasses                      pop x {central 1.5, pudong 1.0, suburban 0.7}: grade-separated
                                     road/rail crossings are densest in the urban core.
    underground_pipeline_km          0.7 pop_share + 0.3 area_share: networks follow customers,
                                     with a length term for service area.
    construction_sites, construction_workers_persons
                                     0.6 pop_share + 0.4 area_share: building and municipal works
                                     follow demand and renewal (population) plus greenfield
                                     development land (suburbs, Pudong/Lingang).
    dangerous_housing_persons        0.5 old_housing share + 0.5 rural_share: old urban housing and
                                     dilapidated rural houses.
    shed_dwellers_persons            rural_share: work sheds, farm sheds and simple houses are on
                                     suburban farmland and construction land.
    seawall_outside_workers_persons, vessel_crew_persons
                                     foreshore_km2: mudflat/seawall works and sheltering vessels
                                     are on the coast and estuary.
    offshore_port_workers_persons    zone pudong only: Yangshan deep-water port is reached only by
                                     the Donghai Bridge from Lingang (Pudong).

Relocation before typhoons (facts.md §2c; briefing: construction workers, dangerous old housing,
sheds) draws on `RELOCATION_CATEGORIES`; the totals are exposed pools, not relocation counts —
the fraction relocated is calibrated by the model, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.city.errors import CityDataError

TOTALS_COLUMNS = ("category", "unit", "city_total", "source", "confidence")
ZONES = ("central", "pudong", "suburban")
FORESHORE_MIN_FRACTION = 0.05

RELOCATION_CATEGORIES = (
    "construction_workers_persons",
    "dangerous_housing_persons",
    "shed_dwellers_persons",
    "seawall_outside_workers_persons",
    "offshore_port_workers_persons",
    "vessel_crew_persons",
)


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
        ValueError: negative total or weights, non-finite weights, or all weights zero.
    """
    w = np.asarray(weights, dtype=float)
    total = int(total)
    if total < 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("largest_remainder needs total >= 0 and finite weights >= 0, not all 0")
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
        description: the rule in words (shown in the data README).
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
    return _share(d["area_km2"].to_numpy(float) * (d["zone"] != "central").to_numpy())


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


_OLD_HOUSING = {"central": 3.0, "pudong": 1.0, "suburban": 0.6}
_COMMERCE = {"central": 1.5, "pudong": 1.2, "suburban": 1.0}
_HISTORIC = {"central": 1.0, "pudong": 0.05, "suburban": 0.05}


def _dangerous_housing(d: pd.DataFrame) -> np.ndarray:
    return 0.5 * _share(_zone_weighted_pop(_OLD_HOUSING)(d)) + 0.5 * _rural_share(d)


ALLOCATION_RULES: dict[str, AllocationRule] = {
    "glass_curtain_wall_buildings": AllocationRule(
        "population x zone factor {central 2.0, pudong 2.0, suburban 0.5}",
        _zone_weighted_pop({"central": 2.0, "pudong": 2.0, "suburban": 0.5}),
    ),
    "shop_signboards": AllocationRule(
        "population x zone factor {central 1.5, pudong 1.2, suburban 1.0}",
        _zone_weighted_pop(_COMMERCE),
    ),
    "advertising_structures": AllocationRule(
        "population x zone factor {central 1.5, pudong 1.2, suburban 1.0}",
        _zone_weighted_pop(_COMMERCE),
    ),
    "old_housing_m2": AllocationRule(
        "population x zone factor {central 3.0, pudong 1.0, suburban 0.6}",
        _zone_weighted_pop(_OLD_HOUSING),
    ),
    "small_beam_thin_slab_m2": AllocationRule(
        "population x zone factor {central 1.0, pudong 0.1, suburban 0.05}",
        _zone_weighted_pop({"central": 1.0, "pudong": 0.1, "suburban": 0.05}),
    ),
    "historic_buildings": AllocationRule(
        "population x zone factor {central 1.0, pudong 0.05, suburban 0.05}",
        _zone_weighted_pop(_HISTORIC),
    ),
    "historic_protected_sites": AllocationRule(
        "population x zone factor {central 1.0, pudong 0.05, suburban 0.05}",
        _zone_weighted_pop(_HISTORIC),
    ),
    "external_insulation_estates": AllocationRule(
        "population x zone factor {central 0.5, pudong 1.0, suburban 1.0}",
        _zone_weighted_pop({"central": 0.5, "pudong": 1.0, "suburban": 1.0}),
    ),
    "underpasses": AllocationRule(
        "population x zone factor {central 1.5, pudong 1.0, suburban 0.7}",
        _zone_weighted_pop({"central": 1.5, "pudong": 1.0, "suburban": 0.7}),
    ),
    "underground_pipeline_km": AllocationRule(
        "0.7 population share + 0.3 land-area share", _mix(0.7, 0.3)
    ),
    "construction_sites": AllocationRule(
        "0.6 population share + 0.4 land-area share", _mix(0.6, 0.4)
    ),
    "construction_workers_persons": AllocationRule(
        "0.6 population share + 0.4 land-area share", _mix(0.6, 0.4)
    ),
    "dangerous_housing_persons": AllocationRule(
        "0.5 old_housing_m2 share + 0.5 non-central land-area share", _dangerous_housing
    ),
    "shed_dwellers_persons": AllocationRule("non-central land-area share", _rural_share),
    "seawall_outside_workers_persons": AllocationRule(
        "foreshore area (polygon minus land area, coastal districts)", foreshore_km2
    ),
    "vessel_crew_persons": AllocationRule(
        "foreshore area (polygon minus land area, coastal districts)", foreshore_km2
    ),
    "offshore_port_workers_persons": AllocationRule(
        "zone pudong only (Yangshan port via Donghai Bridge / Lingang)",
        lambda d: (d["zone"] == "pudong").to_numpy(float),
    ),
}


def read_exposure_totals(path: Path) -> pd.DataFrame:
    """Read and check ``exposure_totals.csv``.

    Args:
        path: CSV with columns category, unit, city_total, source, confidence.

    Returns:
        The table, ``city_total`` as int64, one row per category.

    Raises:
        CityDataError: missing file or column, duplicate or unknown category (no rule in
            `ALLOCATION_RULES`), non-integer or negative total, empty source.
    """
    path = Path(path)
    if not path.is_file():
        raise CityDataError(path, "file not found (exposure city totals)")
    table = pd.read_csv(path, dtype={"category": str, "source": str})
    missing = [c for c in TOTALS_COLUMNS if c not in table.columns]
    if missing:
        raise CityDataError(path, f"missing column(s) {missing}; expected {list(TOTALS_COLUMNS)}")
    dup = table["category"][table["category"].duplicated()].tolist()
    if dup:
        raise CityDataError(path, f"duplicate categories {dup}")
    unknown = sorted(set(table["category"]) - set(ALLOCATION_RULES))
    if unknown:
        raise CityDataError(
            path, f"no allocation rule for {unknown}; known: {sorted(ALLOCATION_RULES)}"
        )
    totals = pd.to_numeric(table["city_total"], errors="coerce")
    bad = table["category"][~(totals.notna() & (totals >= 0) & (totals == totals.round()))]
    if len(bad):
        raise CityDataError(path, f"city_total must be a non-negative integer for {list(bad)}")
    if table["source"].fillna("").str.strip().eq("").any():
        raise CityDataError(path, "every category needs a source (or an explicit assumption)")
    return table.assign(city_total=totals.astype(np.int64)).reset_index(drop=True)


def allocate_exposure(districts: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Allocate each city total to districts with its rule and largest-remainder rounding.

    Args:
        districts: (D rows) with population, area_km2, polygon_area_km2, zone.
        totals: output of `read_exposure_totals`.

    Returns:
        DataFrame indexed like ``districts`` (district index), one int64 column per category in
        the order of ``totals``; each column sums exactly to its ``city_total``.

    Raises:
        ValueError: a rule yields no positive weight (e.g. no coastal district for foreshore).
    """
    columns = {}
    for category, total in zip(totals["category"], totals["city_total"], strict=True):
        weights = ALLOCATION_RULES[category].weights(districts)
        columns[category] = largest_remainder(int(total), weights)
    return pd.DataFrame(columns, index=districts.index)
