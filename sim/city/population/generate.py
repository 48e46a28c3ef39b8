"""A synthetic population of the city at 1:1: one row per household, placed in buildings.

Built district by district from the census persons of ``districts.csv`` (exact at scale 1),
the city's family households and their mean size (``population.yaml``), the residents' age
bands (``city.yaml`` ``population_ages``) and the exposure inventory's pools by district
(construction workers, shed dwellers, dangerous and old housing; ``sim.city.exposure``):

1. **Collective households** (集体户): a district's construction workers (share
   ``site_workers_on_site_share`` on site, the rest in dormitories) plus its share, by
   population, of the city's other collective residents (city persons − family households ×
   mean size − construction workers; none if negative). Grouped in units of
   1 + Poisson(mean − 1) persons whose sizes sum to the pool.
2. **Family households** (家庭户): the city's count split over districts by their family
   persons (largest remainder); sizes drawn from the size distribution tilted to the mean
   (:func:`tilted_shares`), then single persons moved so a district's sizes sum exactly to its
   family persons.
3. **Housing** of family households: households taken in random order until the persons of
   sheds, dangerous old housing and the rest of old housing (old floor area /
   ``old_housing_m2_per_person``) are reached, within one household of each pool; the others
   ordinary housing.
4. **Ages** as counts of persons by the profile's bands: a family household's first person from
   the bands aged 15 and over, the others from shares chosen so the city's expected shares
   are the profile's (:func:`family_band_shares`); collective residents in the band of age 30.
5. **From other provinces**: every collective household (assumption), family households with
   the probability that gives the census count in expectation.
6. **Buildings**: per district and housing type, households in random order grouped in
   buildings of 1 + Poisson(mean − 1) households, each building placed uniformly in the
   district polygon (:meth:`sim.city.City.sample_points`; no footprints ship: assumption).

All draws come from one generator (the model's ``population`` stream), district by district in
a fixed order, so a seed gives the same arrays. At ``scale`` < 1 (tests, benchmarks) every
count is scaled first (persons by district by largest remainder).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from sim.city.exposure import largest_remainder
from sim.city.population.inputs import HOUSING, KINDS, PopulationInputs

H_CODE = {name: i for i, name in enumerate(HOUSING)}
HEAD_MIN_AGE_YEARS = 15.0
"""A family household's first person is aged 15 or over (assumption: the census's working-age
threshold)."""
COLLECTIVE_AGE_YEARS = 30.0
"""Collective residents are in the band holding this age (assumption: workers and students)."""


def household_dtype(n_bands: int) -> np.dtype:
    """Structured dtype of a household row: district index, kind (:data:`KINDS`), housing
    (:data:`HOUSING`), from another province, size (persons), persons by age band and the
    building's index (row of the buildings array)."""
    return np.dtype(
        [
            ("district", "u2"),
            ("kind", "u1"),
            ("housing", "u1"),
            ("from_other_province", "?"),
            ("size", "u2"),
            ("persons_by_age", "u2", (n_bands,)),
            ("building", "u4"),
        ]
    )


BUILDING_DTYPE = np.dtype(
    [("district", "u2"), ("housing", "u1"), ("x_m", "f8"), ("y_m", "f8"), ("households", "u4")]
)
"""A building: district, housing type, position (metres, city CRS), households in it."""


@dataclass(frozen=True)
class Population:
    """The synthetic population: structured arrays, households sorted by building.

    Attributes:
        households: (H,) :func:`household_dtype` rows.
        buildings: (N,) :data:`BUILDING_DTYPE` rows; ``households["building"]`` indexes them.
        age_bands: (B,) (from_years, to_years) of the ``persons_by_age`` columns.
        district_names: (D,) English names, in district order.
        scale: share of the city generated (1 = 1:1).
    """

    households: np.ndarray
    buildings: np.ndarray
    age_bands: tuple[tuple[float, float], ...]
    district_names: tuple[str, ...]
    scale: float

    @property
    def persons(self) -> int:
        """Residents, persons."""
        return int(self.households["size"].sum(dtype=np.int64))

    def persons_by_district(self) -> np.ndarray:
        """(D,) residents by district, persons."""
        h = self.households
        return np.bincount(h["district"], weights=h["size"], minlength=len(self.district_names))

    def households_by_district(self, kind: str | None = None) -> np.ndarray:
        """(D,) households by district (of one kind of :data:`KINDS`, or all)."""
        h = self.households
        if kind is not None:
            h = h[h["kind"] == KINDS.index(kind)]
        return np.bincount(h["district"], minlength=len(self.district_names))


def tilted_shares(shares, mean: float) -> np.ndarray:
    """Shares of sizes 1..K with the given mean, nearest to ``shares`` in relative entropy.

    p_k ∝ shares_k · exp(θ·k), θ solved by Brent's method (the minimum-discrimination-
    information adjustment of a distribution to a moment: Kullback 1959, *Information Theory
    and Statistics*, ch. 3).

    Raises:
        ValueError: the mean lies outside the sizes with a positive share.
    """
    base = np.asarray(shares, float) / np.sum(shares)
    k = np.arange(1, base.size + 1, dtype=float)
    sizes = k[base > 0]
    if not sizes.min() <= mean <= sizes.max():
        raise ValueError(f"mean {mean} outside sizes {sizes.min():g}..{sizes.max():g}")
    if sizes.min() == sizes.max():
        return base

    def excess(theta: float) -> float:
        w = base * np.exp(theta * (k - mean))
        return float((w * (k - mean)).sum() / w.sum())

    lo, hi = -50.0, 50.0
    theta = brentq(excess, lo, hi, xtol=1e-14) if excess(lo) < 0 < excess(hi) else 0.0
    w = base * np.exp(theta * (k - mean))
    return w / w.sum()


def family_band_shares(
    bands, total_persons: int, family_persons: int, family_households: int, collective_band: int
) -> tuple[np.ndarray, np.ndarray]:
    """Age-band shares of a family household's first person and of its other persons.

    The first person is drawn from the bands starting at ≥ 15 years in proportion to their
    city shares (``a``); the others from ``r`` such that, with every collective resident in
    ``collective_band``, the expected persons by band equal the city's shares × residents:
    r_b = (s_b·P − C·[b = c] − a_b·H) / (F − H).

    Returns:
        (a, r), each (B,) summing to 1.

    Raises:
        ValueError: no band for the first person, or the shares cannot be met (a negative r).
    """
    s = np.array([b.share for b in bands], float)
    s = s / s.sum()
    adult = np.array([b.from_years >= HEAD_MIN_AGE_YEARS for b in bands])
    if not adult.any():
        raise ValueError(f"no age band starts at {HEAD_MIN_AGE_YEARS:g} years or later")
    a = np.where(adult, s, 0.0) / s[adult].sum()
    collective = total_persons - family_persons
    need = s * total_persons - a * family_households
    need[collective_band] -= collective
    others = family_persons - family_households
    if others <= 0:
        return a, a
    r = need / others
    if (r < -1e-9).any():
        raise ValueError(f"age shares {np.round(s, 4)} cannot be met by these households")
    r = np.clip(r, 0.0, None)
    return a, r / r.sum()


def split_persons(total: int, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Sizes (≥ 1) of units of 1 + Poisson(mean − 1) persons that sum exactly to ``total``
    (the last unit takes what is left)."""
    if total <= 0:
        return np.zeros(0, np.int64)
    n = int(total / mean * 1.1) + 8
    sizes = 1 + rng.poisson(mean - 1.0, n)
    while sizes.sum() < total:
        sizes = np.concatenate([sizes, 1 + rng.poisson(mean - 1.0, n)])
    cs = np.cumsum(sizes)
    last = int(np.searchsorted(cs, total))
    sizes = sizes[: last + 1].copy()
    sizes[-1] = total - (cs[last - 1] if last > 0 else 0)
    return sizes


def fit_sizes(sizes: np.ndarray, target: int, max_size: int, rng) -> np.ndarray:
    """Move single persons into or out of random households (sizes kept in 1..max_size) until
    the sizes sum to ``target``.

    Raises:
        ValueError: the target is outside n..n·max_size.
    """
    n = sizes.size
    if not n <= target <= n * max_size:
        raise ValueError(f"{target} persons cannot fill {n} households of 1..{max_size}")
    sizes = sizes.copy()
    diff = target - int(sizes.sum())
    while diff:
        step = 1 if diff > 0 else -1
        cand = np.flatnonzero(sizes < max_size) if step > 0 else np.flatnonzero(sizes > 1)
        pick = rng.choice(cand, min(abs(diff), cand.size), replace=False)
        sizes[pick] += step
        diff -= step * pick.size
    return sizes


@dataclass(frozen=True)
class DistrictCounts:
    """(D,) int64 counts a population is built to, by district (scaled)."""

    persons: np.ndarray
    collective: np.ndarray  # persons in collective households (site workers included)
    site_on: np.ndarray  # construction workers in on-site temporary housing, persons
    site_off: np.ndarray  # construction workers in off-site dormitories, persons
    family_households: np.ndarray
    shed: np.ndarray  # shed dwellers, persons
    dangerous: np.ndarray  # residents of dangerous old housing, persons
    old_rest: np.ndarray  # other residents of old housing, persons
    from_other_provinces: int  # city, persons


def district_counts(city, inputs: PopulationInputs, scale: float = 1.0) -> DistrictCounts:
    """The counts of every district at ``scale`` (1 = the census: persons exact).

    Raises:
        ValueError: scale outside (0, 1], or family households that cannot hold the family
            persons (fewer persons than households).
    """
    if not 0.0 < scale <= 1.0:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    pop = city.districts["population"].to_numpy(np.int64)
    persons = pop if scale == 1.0 else largest_remainder(round(pop.sum() * scale), pop)
    ex = city.exposure

    def pool(col: str, per: float = 1.0) -> np.ndarray:
        return np.rint(ex[col].to_numpy(float) * scale / per).astype(np.int64)

    site = np.minimum(pool("construction_workers_persons"), persons)
    site_on = np.rint(site * inputs.site_workers_on_site_share).astype(np.int64)
    n_family = round(inputs.family_households * scale)
    collective_total = int(persons.sum()) - round(n_family * inputs.family_household_size_mean)
    other = max(0, collective_total - int(site.sum()))  # collective residents besides sites
    other = min(other, int((persons - site).sum()))
    collective = site + largest_remainder(other, persons - site)
    family_persons = persons - collective
    households = largest_remainder(n_family, family_persons)
    if (households > family_persons).any():
        raise ValueError("family households outnumber their persons in a district")
    dangerous = pool("dangerous_housing_persons")
    old = pool("old_housing_m2", inputs.old_housing_m2_per_person)
    return DistrictCounts(
        persons=persons,
        collective=collective,
        site_on=site_on,
        site_off=site - site_on,
        family_households=households,
        shed=pool("shed_dwellers_persons"),
        dangerous=dangerous,
        old_rest=np.maximum(old - dangerous, 0),
        from_other_provinces=round(inputs.from_other_provinces_persons * scale),
    )


def _housing_by_quota(sizes: np.ndarray, quotas: list[int], codes: list[int], rng) -> np.ndarray:
    """Housing codes of households taken in random order until each pool of persons is met
    (within one household); the rest ordinary."""
    order = rng.permutation(sizes.size)
    start = np.cumsum(sizes[order]) - sizes[order]  # persons before each household
    slot = np.searchsorted(np.cumsum(quotas), start, side="right")
    housing = np.empty(sizes.size, np.uint8)
    housing[order] = np.array(codes + [H_CODE["ordinary"]], np.uint8)[slot]
    return housing


def _family(d: int, c: DistrictCounts, p_size, a, r, p_migrant, rng) -> dict:
    """Family households of district ``d``: sizes, housing, ages, from other provinces."""
    n, persons = int(c.family_households[d]), int(c.persons[d] - c.collective[d])
    sizes = 1 + rng.choice(p_size.size, n, p=p_size)
    sizes = fit_sizes(sizes, persons, p_size.size, rng)
    quotas = [int(c.shed[d]), int(c.dangerous[d]), int(c.old_rest[d])]
    codes = [H_CODE["shed"], H_CODE["old_dangerous"], H_CODE["old_housing"]]
    housing = _housing_by_quota(sizes, quotas, codes, rng)
    ages = np.zeros((n, a.size), np.int64)
    ages[np.arange(n), rng.choice(a.size, n, p=a)] = 1
    ages += rng.multinomial(sizes - 1, r)
    migrant = rng.random(n) < p_migrant
    return dict(kind=np.zeros(n, np.uint8), housing=housing, size=sizes, ages=ages, migrant=migrant)


def _collective(d: int, c: DistrictCounts, inputs, n_bands: int, c_band: int, rng) -> dict:
    """Collective households of district ``d``: site camps, site dormitories, other quarters."""
    mean = inputs.collective_household_mean_persons
    other = int(c.collective[d] - c.site_on[d] - c.site_off[d])
    parts = [
        (split_persons(int(c.site_on[d]), mean, rng), H_CODE["site_temporary"]),
        (split_persons(int(c.site_off[d]) + other, mean, rng), H_CODE["dormitory"]),
    ]
    sizes = np.concatenate([p for p, _ in parts])
    housing = np.concatenate([np.full(p.size, code, np.uint8) for p, code in parts])
    ages = np.zeros((sizes.size, n_bands), np.int64)
    ages[:, c_band] = sizes
    n = sizes.size
    return dict(
        kind=np.ones(n, np.uint8), housing=housing, size=sizes, ages=ages, migrant=np.ones(n, bool)
    )


def _buildings(d: int, housing: np.ndarray, inputs, city, rng) -> tuple[np.ndarray, np.ndarray]:
    """Group district ``d``'s households into buildings by housing type and place them.

    Returns:
        (building index of each household, 0-based within the district; the district's
        :data:`BUILDING_DTYPE` rows).
    """
    local = np.empty(housing.size, np.int64)
    rows, offset = [], 0
    for code in np.unique(housing):
        idx = rng.permutation(np.flatnonzero(housing == code))
        counts = split_persons(idx.size, inputs.households_per_building[HOUSING[code]], rng)
        local[idx] = offset + np.repeat(np.arange(counts.size), counts)
        xy = city.sample_points(d, counts.size, rng)
        b = np.zeros(counts.size, BUILDING_DTYPE)
        b["district"], b["housing"], b["households"] = d, code, counts
        b["x_m"], b["y_m"] = xy[:, 0], xy[:, 1]
        rows.append(b)
        offset += counts.size
    return local, np.concatenate(rows) if rows else np.zeros(0, BUILDING_DTYPE)


def build_population(
    city, inputs: PopulationInputs, rng: np.random.Generator, scale: float = 1.0
) -> Population:
    """Draw the synthetic population of ``city`` (module docstring: the steps and sources).

    Args:
        city: the loaded :class:`~sim.city.City` (districts, exposure, polygons, profile with
            ``population_ages``).
        inputs: the city's ``population.yaml``.
        rng: the model's ``population`` stream (the only source of randomness).
        scale: share of the city to build, (0, 1]; 1 = every resident.

    Returns:
        The :class:`Population`: persons by district equal the census (scaled) exactly.

    Raises:
        ValueError: the profile has no ``population_ages``, or the counts are inconsistent
            (:func:`district_counts`, :func:`family_band_shares`).
    """
    ages = city.profile.population_ages
    if ages is None:
        raise ValueError("the city's city.yaml has no population_ages: residents need ages")
    bands = ages.bands
    c_band = next(
        i for i, b in enumerate(bands) if b.from_years <= COLLECTIVE_AGE_YEARS < b.to_years
    )
    c = district_counts(city, inputs, scale)
    total, family = int(c.persons.sum()), int((c.persons - c.collective).sum())
    n_family = int(c.family_households.sum())
    a, r = family_band_shares(bands, total, family, n_family, c_band)
    p_size = tilted_shares(inputs.household_size_shares, inputs.family_household_size_mean)
    p_migrant = float(np.clip((c.from_other_provinces - (total - family)) / max(family, 1), 0, 1))
    parts, buildings, offset = [], [], 0
    for d in range(city.n_districts):
        fam = _family(d, c, p_size, a, r, p_migrant, rng)
        col = _collective(d, c, inputs, len(bands), c_band, rng)
        part = {k: np.concatenate([fam[k], col[k]]) for k in fam}
        local, b = _buildings(d, part["housing"], inputs, city, rng)
        part["building"], part["district"] = local + offset, np.full(local.size, d)
        parts.append(part)
        buildings.append(b)
        offset += b.size
    return _assemble(parts, buildings, bands, city, scale)


def _assemble(parts, buildings, bands, city, scale: float) -> Population:
    """One structured array of households, sorted by building."""
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cat["building"], kind="stable")
    h = np.zeros(order.size, household_dtype(len(bands)))
    h["district"], h["kind"], h["housing"] = (
        cat[k][order] for k in ("district", "kind", "housing")
    )
    h["from_other_province"], h["size"] = cat["migrant"][order], cat["size"][order]
    h["persons_by_age"], h["building"] = cat["ages"][order], cat["building"][order]
    return Population(
        households=h,
        buildings=np.concatenate(buildings),
        age_bands=tuple((float(b.from_years), float(b.to_years)) for b in bands),
        district_names=tuple(city.districts["name_en"]),
        scale=float(scale),
    )
