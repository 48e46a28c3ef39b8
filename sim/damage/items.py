"""Exposure as individual items, each with a location, an age and a capacity (full scale).

At the full-scale setting (``networks.resolution`` =
:data:`sim.scenario.schema.FULL_SCALE_RESOLUTION`) the counted exposure of
:mod:`sim.damage.exposure` — falling objects, sheds, dangerous old dwellings — is drawn as
items: the district counts of the exposure inventory (:mod:`sim.city.exposure`, city totals
with their sources in ``exposure_totals.csv``) are kept exactly, and every item gets

* a **site** (x_m, y_m) uniform in its district's polygon (``City.sample_points``;
  assumption: no finer data on where signboards or estates are). Items of one building share
  its site: the 20 vulnerable panels of a curtain-wall building (``units_per_item`` of
  :data:`sim.damage.falling_objects.OBJECT_TYPES`), the 200 insulation patches of an estate;
  a dangerous old dwelling lies in one of its district's old-housing buildings
  (``old_housing_m2`` in blocks of 2,000 m², small-beam thin-slab ones of 1,000 m²,
  :func:`sim.damage.earthquake.old_housing_stocks`);
* an **age** in years at the scenario's year, from a construction (or installation) year
  drawn uniform over :data:`BUILT_YEARS` — the old housing's 1950–1996 is the inventory's
  (exposure_totals.csv, ``old_housing_m2``), the others are assumptions. Age is recorded only:
  no source was found for a wind-fragility change with the age of these items, so it does not
  shift any capacity (assumption);
* a **capacity** c = θ·exp(β·z), z ~ N(0, 1), θ and β of the item's fragility curve
  (:mod:`sim.damage.fragility`). An item fails once the intensity at its site reaches c, so
  P(failed | peak IM) = Φ(ln(IM/θ)/β): the counted form's law
  (:class:`sim.damage.impact.CountedExposure`) item by item, and the two agree in expectation
  for the same peak IM (tests/test_assets18.py).

The intensity differs from the counted form's: an item sees the gust at its own site, while
the counted falling objects see their district's highest sample point (so items fail less at
the same storm), and casualty incidents are placed at the sites of the items that failed
(:class:`sim.damage.exposure.ExposureModel`). Air-conditioner brackets (`ITEM_KINDS`) stay
counted.

All draws come from one named stream (``exposure.items``): the same seed gives the same items.
Arrays are vectorised (one entry per item, one per site): 743,455 items on 451,619 sites for
the first city, drawn in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.damage.earthquake import old_housing_stocks
from sim.damage.falling_objects import OBJECT_TYPES
from sim.damage.fragility import get_curve

BUILT_YEARS: dict[str, tuple[float, float, str]] = {
    "shop_signboard": (2010.0, 2020.0, "assumption: a shop sign is renewed within ~10 years"),
    "advertising_structure": (2000.0, 2020.0, "assumption"),
    "glass_curtain_wall_panel": (1990.0, 2020.0, "assumption: curtain walls spread after 1990"),
    "external_insulation_patch": (
        2005.0,
        2015.0,
        "assumption: external insulation of the energy-saving retrofits of 2005-2015",
    ),
    "sheds": (2015.0, 2020.0, "assumption: temporary structures"),
    "old_dwellings": (
        1950.0,
        1996.0,
        "exposure_totals.csv old_housing_m2: housing built 1950-1996 without seismic design",
    ),
}
"""Item kind → (first, last construction year, source) of the uniform draw of its age."""

ITEM_KINDS = ("shop_signboard", "advertising_structure", "glass_curtain_wall_panel",
              "external_insulation_patch", "sheds", "old_dwellings")  # fmt: skip
"""Kinds drawn as items. Air-conditioner brackets (one per household, ~9.6 million) stay
counted: no inventory gives them a place beyond their household, and the households are
another part of this issue."""


@dataclass
class OldHousing:
    """Old housing (``old_housing_m2``, 146 million m² for the first city) as buildings.

    Attributes:
        district: (b,) district of each building.
        xy: (b, 2) site, metres (uniform in the district polygon; assumption).
        stock: (b,) 0 = pre-code masonry (2,000 m² blocks), 1 = small-beam thin-slab (1,000 m²),
            the classes and sizes of :func:`sim.damage.earthquake.old_housing_stocks`.
        floor_area_m2: (b,) floor area, m².
        age_years: (b,) age at the scenario's year (built uniform 1950-1996, `BUILT_YEARS`).

    The earthquake damages old housing by district (:func:`sim.damage.exposure.earthquake_impact`);
    these buildings place the dangerous dwellings and are kept for per-building outcomes.
    """

    district: np.ndarray
    xy: np.ndarray
    stock: np.ndarray
    floor_area_m2: np.ndarray
    age_years: np.ndarray


@dataclass
class ExposureItems:
    """Items of one or more kinds (parallel arrays, one entry per item) and their sites.

    Attributes:
        kinds: kind names; ``kind`` indexes this tuple.
        kind: (n,) int8 kind of each item.
        district: (n,) int16 district of each item.
        site: (n,) int32 index of the item's site.
        age_years: (n,) float32 age at the scenario's year, years.
        capacity: (n,) float32 capacity in the kind's intensity measure (gust, m/s).
        failed: (n,) bool failed so far.
        last_hit: indices of the items failed by the last `update`.
        site_xy: (m, 2) float64 site coordinates, metres in the city's CRS.
        old_housing: the old-housing buildings (`OldHousing`) the dwellings lie in.
    """

    kinds: tuple[str, ...]
    kind: np.ndarray
    district: np.ndarray
    site: np.ndarray
    age_years: np.ndarray
    capacity: np.ndarray
    failed: np.ndarray
    site_xy: np.ndarray
    old_housing: OldHousing
    last_hit: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def n_items(self) -> int:
        return int(self.kind.size)

    def counts(self, n_districts: int) -> np.ndarray:
        """(D, kinds) items per district and kind."""
        flat = self.district.astype(np.int64) * len(self.kinds) + self.kind
        return np.bincount(flat, minlength=n_districts * len(self.kinds)).reshape(n_districts, -1)

    def update(self, im_at_sites: np.ndarray, n_districts: int) -> np.ndarray:
        """Fail the standing items whose site's intensity reaches their capacity.

        Args:
            im_at_sites: (m,) intensity at each site now (gust, m/s).
            n_districts: D.

        Returns:
            (D, kinds) items newly failed per district and kind.
        """
        standing = np.flatnonzero(~self.failed)
        hit = standing[np.asarray(im_at_sites)[self.site[standing]] >= self.capacity[standing]]
        self.failed[hit] = True
        self.last_hit = hit
        flat = self.district[hit].astype(np.int64) * len(self.kinds) + self.kind[hit]
        return np.bincount(flat, minlength=n_districts * len(self.kinds)).reshape(n_districts, -1)


def failed_sites(items: ExposureItems, district: int, kinds: tuple[str, ...]) -> np.ndarray:
    """Sites of the items of ``kinds`` in ``district`` failed by the last update."""
    hit = items.last_hit
    codes = [items.kinds.index(k) for k in kinds if k in items.kinds]
    sel = (items.district[hit] == district) & np.isin(items.kind[hit], codes)
    return items.site[hit[sel]]


def kind_counts(city, persons_per_shed: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per district: (sites, items per site) of every item kind, from the exposure inventory.

    Falling objects: ``round(count × units_per_item)`` objects (as
    :meth:`sim.damage.falling_objects.FallingObjectHazard.from_city`) on ``count`` sites when
    ``units_per_item`` > 1 (buildings, estates), else one object per site. Sheds: occupants /
    ``persons_per_shed`` (:data:`sim.damage.exposure.PERSONS_PER_SHED`), rounded up; old
    dwellings: dangerous-housing residents / persons per household, rounded up (both as
    :class:`sim.damage.exposure.ExposureModel` counts them).
    """
    ex = city.exposure
    out = {}
    for t in OBJECT_TYPES:
        if t.name not in ITEM_KINDS:
            continue
        base = ex[t.exposure_column].to_numpy(float)
        if t.units_per_item > 1:
            out[t.name] = (np.round(base).astype(np.int64), np.full(len(base), t.units_per_item))
        else:
            out[t.name] = (np.round(base * t.units_per_item).astype(np.int64), np.ones(len(base)))
    sheds = np.ceil(ex["shed_dwellers_persons"].to_numpy(float) / persons_per_shed)
    out["sheds"] = (sheds.astype(np.int64), np.ones(len(sheds)))
    dwell = np.ceil(
        ex["dangerous_housing_persons"].to_numpy(float) / city.profile.persons_per_household
    )
    out["old_dwellings"] = (dwell.astype(np.int64), np.ones(len(dwell)))
    return out


def draw_items(
    city,
    year: float,
    rng: np.random.Generator,
    persons_per_shed: float,
    curve=get_curve,
    median_factor: np.ndarray | None = None,
) -> ExposureItems:
    """Draw the city's exposure items (sites, ages, capacities), reproducibly from ``rng``.

    Args:
        city: `sim.city.City` (districts, polygons, exposure inventory, profile).
        year: the scenario's year (ages are counted to it), e.g. 2019.
        rng: the model's ``exposure.items`` stream.
        persons_per_shed: occupants per shed (the counted form's, `kind_counts`).
        curve: fragility lookup (key → curve), the model's with scenario overrides.
        median_factor: optional (D,) multiplier on every item's median θ by district (a long
            run's facade condition, as :class:`sim.damage.falling_objects.FallingObjectHazard`).

    Returns:
        `ExposureItems` whose counts per district and kind are those of `kind_counts`.
    """
    counts = kind_counts(city, persons_per_shed)
    n_d = city.n_districts
    keys = _curve_keys()
    old = _old_housing(city, year, rng)
    parts = []
    sites: list[np.ndarray] = []
    n_sites = 0
    for k, name in enumerate(ITEM_KINDS):
        n_site, per_site = counts[name]
        for d in range(n_d):
            if name == "old_dwellings":
                xy = _dwelling_sites(city, old, d, int(n_site[d]), rng)
            else:
                xy = np.asarray(city.sample_points(d, int(n_site[d]), rng), float).reshape(-1, 2)
            reps = np.full(len(xy), int(round(per_site[d])))
            site = n_sites + np.repeat(np.arange(len(xy)), reps)
            sites.append(xy)
            n_sites += len(xy)
            parts.append((k, d, site))
    n = sum(p[2].size for p in parts)
    kind = np.concatenate([np.full(p[2].size, p[0], np.int8) for p in parts] or [[]])
    district = np.concatenate([np.full(p[2].size, p[1], np.int16) for p in parts] or [[]])
    site = np.concatenate([p[2] for p in parts]).astype(np.int32)
    lo = np.array([BUILT_YEARS[name][0] for name in ITEM_KINDS])[kind]
    hi = np.array([BUILT_YEARS[name][1] for name in ITEM_KINDS])[kind]
    age = np.maximum(year - rng.uniform(lo, hi), 0.0).astype(np.float32)
    theta = np.array([curve(keys[name]).theta for name in ITEM_KINDS])[kind]
    beta = np.array([curve(keys[name]).beta for name in ITEM_KINDS])[kind]
    if median_factor is not None:
        theta = theta * np.asarray(median_factor, float)[district]
    capacity = (theta * np.exp(beta * rng.standard_normal(n))).astype(np.float32)
    return ExposureItems(
        ITEM_KINDS, kind, district, site, age, capacity, np.zeros(n, bool),
        np.vstack(sites) if sites else np.empty((0, 2)), old,
    )  # fmt: skip


def _curve_keys() -> dict[str, str]:
    keys = {t.name: t.curve_key for t in OBJECT_TYPES}
    keys["sheds"] = "temporary_shed"
    keys["old_dwellings"] = "old_housing_urm_collapse"
    return keys


def _old_housing(city, year: float, rng) -> OldHousing:
    """Old-housing buildings per district: each stock's floor area in blocks of its size."""
    stocks = old_housing_stocks(city)
    district, stock, area = [], [], []
    for k, st in enumerate(stocks):
        n = st.buildings.astype(np.int64)
        district.append(np.repeat(np.arange(len(n)), n))
        stock.append(np.full(int(n.sum()), k, np.int8))
        area.append(np.full(int(n.sum()), st.building_floor_area_m2))
    district = np.concatenate(district)
    order = np.argsort(district, kind="stable")
    district, stock, area = district[order], np.concatenate(stock)[order], np.concatenate(area)
    xy = np.empty((district.size, 2))
    for d in range(city.n_districts):
        sel = np.flatnonzero(district == d)
        xy[sel] = np.asarray(city.sample_points(d, sel.size, rng), float).reshape(-1, 2)
    lo, hi, _ = BUILT_YEARS["old_dwellings"]
    age = np.maximum(year - rng.uniform(lo, hi, district.size), 0.0).astype(np.float32)
    return OldHousing(district.astype(np.int16), xy, stock, area[order], age)


def _dwelling_sites(city, old: OldHousing, d: int, n: int, rng) -> np.ndarray:
    """(n, 2) sites of ``n`` dangerous dwellings of district ``d``: each in one of the
    district's old-housing buildings (uniform); a district without old housing puts them
    uniform in its polygon."""
    if n == 0:
        return np.empty((0, 2))
    mine = np.flatnonzero(old.district == d)
    if mine.size == 0:
        return np.asarray(city.sample_points(d, n, rng), float).reshape(-1, 2)
    return old.xy[mine[rng.integers(0, mine.size, size=n)]]
