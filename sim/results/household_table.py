"""``households.parquet``: each household of the 1:1 synthetic population and its outcomes.

Written by a run with ``population.resolution: full`` (:mod:`sim.scenario.population`). The
model simulates the city as it always does; this table **allocates** the model's outcomes to
the households of the synthetic population (:mod:`sim.city.population`, built or read from
its cache for the run's seed). It is an allocation, not a second simulation: every rule below
is an assumption of this module, chosen so the table's sums equal the run's tables.

* **Hours without power and water**: the household's serving node's outage hours
  (:func:`sim.results.household_outcomes.household_outage_hours`). A district's households
  add up to the model's customer-hours × (synthetic households / network customers).
* **Relocation** (category, persons, hour). The model's households at risk are weighted
  samples per district and relocation category (:mod:`sim.agents.households`); each district
  government records each sample's departures (``DistrictGovernment.departures``).
  1. *Members.* Per district and category, households of the category's housing types
     (:data:`CATEGORY_HOUSING`, in order of preference, in random order within a type) are
     taken until their persons (their workers, for the worker categories: one per
     household) cover the category's persons at risk, or the persons relocated if more
     (someone who returned and left again counts twice, as in the model). A household is
     a member of at most one category; non-members are never relocated by an order.
  2. *Whole persons.* The model's relocated persons by district and category (and the
     displaced by district, an earthquake's uninhabitable homes) are made whole by the
     largest-remainder rule over all of them, total ``round(people_relocated)``, the summary's
     figure; each group's whole persons are split over its samples likewise.
  3. *Fill.* The samples, earliest departure first, fill the members in their random order,
     whole households first (a household decides as one: Lindell & Perry 2012's PADM, as in
     the model), so per district and category the persons relocated equal the model's
     whole persons exactly. A household's ``relocated_h`` is the hour its sample's
     departures passed the persons placed before it.
  The displaced (earthquake) are taken from the old housing (dangerous old housing first) of
  households not relocated before, as the model takes them from old housing.
* **Casualties** (deaths and injuries, whole persons). The ledger's persons by district and
  cause are made whole by the largest-remainder rule (totals ``round(deaths)``,
  ``round(injuries)``, the summary's figures) and given to persons drawn without replacement
  (multivariate hypergeometric) from the households exposed to the cause
  (:data:`CAUSE_HOUSING`): trapped in collapsed sheds and old housing
  (``structural_collapse``) or hit in old housing by an earthquake: the persons of those
  households who stayed (not relocated by an order); a coastal flood: anyone who stayed;
  any other cause (falling objects hit pedestrians, fires, epidemics): any resident of the
  district by persons. Where the exposed have too few persons, the rest of the district's
  residents are drawn from. A person is harmed at most once.

Randomness: the stream ``household_outcomes`` of the scenario seed (:mod:`sim.core.streams`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.city.exposure import largest_remainder
from sim.city.population.cache import population_for
from sim.city.population.inputs import HOUSING, KINDS
from sim.core.streams import RandomStreams
from sim.results.household_outcomes import household_outage_hours

STREAM = "household_outcomes"
DISPLACED = "displaced"
HOUSING_CODE = {name: i for i, name in enumerate(HOUSING)}

CATEGORY_HOUSING: dict[str, tuple[tuple[str, ...], bool]] = {
    "dangerous_housing_persons": (("old_dangerous", "old_housing"), False),
    "shed_dwellers_persons": (("shed", "old_dangerous", "old_housing"), False),
    "construction_workers_persons": (("site_temporary", "dormitory"), False),
    "seawall_outside_workers_persons": (("dormitory", "ordinary"), True),
    "offshore_port_workers_persons": (("dormitory", "ordinary"), True),
    "vessel_crew_persons": (("dormitory", "ordinary"), True),
}
"""Relocation category → (housing types of its member households, in order of preference;
whether a member gives one person, a worker, rather than the whole household). Assumptions:
the model relocates construction workers from on-site temporary housing only (the rule's
``housing: [site_temporary]``), so they are site camps first, then dormitories where the
population has fewer on site; the workers outside the seawall, in ports and on vessels have
no housing type of their own: their homes are collective quarters first, then family homes,
one worker each. Processed in this order (the housing categories first)."""

DISPLACED_HOUSING = ("old_dangerous", "old_housing")
"""Housing of the displaced: the earthquake's uninhabitable homes are old housing
(:mod:`sim.damage.exposure`, ``old_housing_stocks``)."""

CAUSE_HOUSING: dict[str, tuple[str, ...] | None] = {
    "structural_collapse": ("shed", "old_dangerous", "old_housing", "site_temporary"),
    "earthquake": ("old_dangerous", "old_housing"),
    "coastal_flood": None,
}
"""Causes harming those who stayed at home → housing types exposed (None: any). Every other
cause harms any resident of the district by persons (relocated or not)."""


def age_columns(bands) -> list[str]:
    """Column names of the persons in each age band: ``persons_aged_A_to_B`` (aged A to under
    B years) and, for the last band, ``persons_aged_A_plus``: the census's last band is open
    ("65 and over", ``city.yaml`` ``population_ages``); its ``to_years`` only closes it for
    averaging an epidemic's IFR over the band (assumption stated there), so it is no age limit.

    Args:
        bands: (from_years, to_years) of each band, youngest first.
    """
    edges = list(bands)
    names = [f"persons_aged_{lo:g}_to_{hi:g}" for lo, hi in edges[:-1]]
    return [*names, f"persons_aged_{edges[-1][0]:g}_plus"] if edges else names


@lru_cache(maxsize=1)
def run_population(data_dir: str, seed: int):
    """The 1:1 population of a city and seed (cached on disk; the last one kept in memory,
    since a run's summary and its table both read it)."""
    return population_for(Path(data_dir), int(seed))


def whole(values: dict, total: int) -> dict:
    """Key → whole number, by the largest-remainder rule on ``values`` summing to ``total``
    (all zero when the values are)."""
    keys = list(values)
    w = np.array([max(float(values[k]), 0.0) for k in keys])
    if not keys or w.sum() <= 0 or total <= 0:
        return dict.fromkeys(keys, 0)
    return dict(zip(keys, largest_remainder(int(total), w).tolist(), strict=True))


def _candidates(dist_rows, housing, types, free, rng) -> np.ndarray:
    """Rows of a district's households of ``types`` (in that order, random within) that are
    ``free``."""
    out = []
    for t in types:
        rows = dist_rows[(housing[dist_rows] == HOUSING_CODE[t]) & free[dist_rows]]
        out.append(rng.permutation(rows))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _fill(members, capacity, demands, times) -> tuple[np.ndarray, np.ndarray, int]:
    """Fill ``members`` (capacities in persons) with ``demands`` (whole persons of each
    sample, in order) → (persons of each member, hour of each member's first person, persons
    left over). ``times[i](q)`` is the hour sample i's q-th person left."""
    cap_end = np.cumsum(capacity)
    start = cap_end - capacity
    dem_end = np.cumsum(demands)
    total = int(dem_end[-1]) if dem_end.size else 0
    persons = np.clip(np.minimum(cap_end, total) - start, 0, None)
    hour = np.full(members.size, np.nan)
    taken = persons > 0
    sample = np.searchsorted(dem_end, start[taken], side="right")
    q = start[taken] - (dem_end[sample] - np.asarray(demands)[sample])
    hour[taken] = [times[s](k) for s, k in zip(sample, q, strict=True)]
    return persons, hour, max(total - int(cap_end[-1] if cap_end.size else 0), 0)


def _sample_clock(t_h: np.ndarray, cum: np.ndarray, whole_persons: int):
    """The hour the q-th of a sample's ``whole_persons`` left: its cumulative departures
    ``cum`` (at hours ``t_h``) scaled to the whole persons."""
    scaled = cum * (whole_persons / cum[-1])

    def at(q: int) -> float:
        i = min(int(np.searchsorted(scaled, q + 1e-9, side="right")), t_h.size - 1)
        return float(t_h[i])

    return at


def _groups(model) -> tuple[dict, dict, dict]:
    """Per (district, category): persons at risk, the samples' cumulative departures
    ((hours,), (hours, n)), and persons relocated; the displaced as (district, DISPLACED)."""
    pools, series, relocated = {}, {}, {}
    for gov in model.districts:
        hh, d = gov.households, gov.district
        hours = np.array([t for t, _ in gov.departures])
        moved = np.array([m for _, m in gov.departures]).reshape(len(hours), hh.n)
        for c, name in enumerate(gov.categories):
            idx = np.flatnonzero(hh.category == c)
            if idx.size == 0:
                continue
            pools[d, name] = float(gov.at_risk[c])
            relocated[d, name] = float(gov.moved_out[idx].sum())
            series[d, name] = (hours, np.cumsum(moved[:, idx], axis=0))
        if gov.displacements:
            hours = np.array([t for t, _ in gov.displacements])
            persons = np.array([p for _, p in gov.displacements])
            pools[d, DISPLACED] = relocated[d, DISPLACED] = float(persons.sum())
            series[d, DISPLACED] = (hours, np.cumsum(persons)[:, None])
    return pools, series, relocated


def allocate_relocation(model, h: np.ndarray, rng) -> dict[str, np.ndarray | int]:
    """Members, relocated persons and hours of each household (module docstring, rules 1-3).

    Args:
        model: the finished :class:`~sim.models.emergency.CityModel`.
        h: the population's households (structured array).
        rng: the ``household_outcomes`` stream.

    Returns:
        ``category`` (H,) int8 index into the categories + displaced (-1: none),
        ``persons`` (H,) int32 relocated, ``hour`` (H,) float (NaN: not relocated),
        ``reason`` (H,) int8 (like ``category``, the displaced as the last),
        ``by_group`` {(district, category): whole persons relocated}, ``short`` persons that
        found no household (0 unless the population lacks the housing).
    """
    names = [*CATEGORY_HOUSING, DISPLACED]
    pools, series, relocated = _groups(model)
    targets = whole(relocated, round(model.people_relocated))
    n = h.size
    category = np.full(n, -1, np.int8)
    reason = np.full(n, -1, np.int8)
    persons = np.zeros(n, np.int32)
    hour = np.full(n, np.nan)
    order = np.argsort(h["district"], kind="stable")
    bounds = np.searchsorted(h["district"][order], np.arange(len(model.districts) + 1))
    short = 0
    for (d, name), target in sorted(
        pools.items(), key=lambda kv: (kv[0][0], names.index(kv[0][1]))
    ):
        rows = order[bounds[d] : bounds[d + 1]]
        target = targets[d, name]
        displaced = name == DISPLACED
        types, one_each = (DISPLACED_HOUSING, False) if displaced else CATEGORY_HOUSING[name]
        free = (persons == 0) if displaced else (category < 0)
        cand = _candidates(rows, h["housing"], types, free, rng)
        cap = np.ones(cand.size, np.int64) if one_each else h["size"][cand].astype(np.int64)
        need = max(int(np.ceil(pools[d, name] - 1e-9)), target)
        k = int(np.searchsorted(np.cumsum(cap), need)) + 1
        members, cap = cand[:k], cap[:k]
        if not displaced:
            category[members] = names.index(name)
        if target == 0:
            continue
        t_h, cum = series[d, name]
        final = cum[-1] if cum.size else np.zeros(0)
        demands = whole(dict(enumerate(final)), target)
        live = [i for i in np.argsort(np.argmax(cum > 0, axis=0), kind="stable") if demands[i]]
        clocks = [_sample_clock(t_h, cum[:, i], demands[i]) for i in live]
        got, when, left = _fill(members, cap, [demands[i] for i in live], clocks)
        short += left
        moved = members[got > 0]
        persons[moved] += got[got > 0].astype(np.int32)
        hour[moved] = np.fmin(hour[moved], when[got > 0])
        reason[moved] = names.index(name)
    return {
        "category": category,
        "persons": persons,
        "hour": hour,
        "reason": reason,
        "by_group": targets,
        "short": short,
    }


def allocate_casualties(model, h: np.ndarray, stayed: np.ndarray, rng):
    """(H,) deaths, (H,) injuries (whole persons) and (H,) causes (``;``-joined) of each
    household (module docstring: the rule by cause).

    Args:
        model: the finished model (its ledger's casualties by district and cause).
        h: the population's households.
        stayed: (H,) persons of each household not relocated by an order.
        rng: the ``household_outcomes`` stream.
    """
    frame = model.ledger.casualties.to_frame()
    keys = list(zip(frame["district"], frame["cause"], strict=True))
    dead = whole(dict(zip(keys, frame["deaths"], strict=True)), round(model.deaths))
    hurt = whole(dict(zip(keys, frame["injuries"], strict=True)), round(model.injuries))
    deaths = np.zeros(h.size, np.int32)
    injuries = np.zeros(h.size, np.int32)
    causes = np.full(h.size, "", dtype=object)
    size = h["size"].astype(np.int64)
    for d, cause in keys:
        rows = np.flatnonzero(h["district"] == d)
        types = CAUSE_HOUSING.get(cause, ())
        base = stayed[rows] if cause in CAUSE_HOUSING else size[rows]
        if types:
            exposed = np.isin(h["housing"][rows], [HOUSING_CODE[t] for t in types])
            base = np.where(exposed, base, 0)
        for count, out in ((dead[d, cause], deaths), (hurt[d, cause], injuries)):
            if count == 0:
                continue
            free = size[rows] - deaths[rows] - injuries[rows]
            pool = np.minimum(base, free)
            if pool.sum() < count:  # too few exposed: the district's other residents too
                pool = free
            got = rng.multivariate_hypergeometric(pool, min(count, int(pool.sum())))
            out[rows] += got.astype(np.int32)
            hit = rows[got > 0]
            causes[hit] = [f"{c};{cause}" if c else cause for c in causes[hit]]
    return deaths, injuries, causes


def household_table(model, details: dict | None = None) -> pd.DataFrame:
    """``households.parquet`` of a finished full-resolution run (columns: docs/outputs.md).

    Args:
        model: a finished :class:`~sim.models.emergency.CityModel` whose scenario has
            ``population.resolution: full``.
        details: when given, filled with ``relocated_by_group`` ({(district, category):
            whole persons}) and ``relocated_short`` (persons no household could take).

    Returns:
        One row per household.

    Raises:
        CityDataError: the population's inputs are missing or invalid.
    """
    cfg = model.config
    pop = run_population(str(cfg.city.data_dir), int(cfg.seed))
    h = pop.households
    rng = RandomStreams(int(cfg.seed))[STREAM]
    outage = household_outage_hours(pop, model.infra)
    rel = allocate_relocation(model, h, rng)
    ordered = np.where(rel["reason"] >= len(CATEGORY_HOUSING), 0, rel["persons"])
    deaths, injuries, causes = allocate_casualties(model, h, h["size"] - ordered, rng)
    names = np.array([*CATEGORY_HOUSING, DISPLACED, ""], dtype=object)
    cols = {
        "household_id": np.arange(h.size, dtype=np.int64),
        "district": h["district"],
        "district_name": pd.Categorical.from_codes(h["district"], list(pop.district_names)),
        "building": h["building"],
        "housing": pd.Categorical.from_codes(h["housing"], list(HOUSING)),
        "kind": pd.Categorical.from_codes(h["kind"], list(KINDS)),
        "from_other_province": h["from_other_province"],
        "persons": h["size"],
    }
    for b, name in enumerate(age_columns(pop.age_bands)):
        cols[name] = h["persons_by_age"][:, b]
    cols |= {
        "hours_without_power": outage["power"],
        "hours_without_water": outage["water"],
        "relocation_category": pd.Categorical(names[rel["category"]]),
        "relocated": rel["persons"] > 0,
        "relocated_persons": rel["persons"],
        "relocated_h": rel["hour"],
        "relocated_reason": pd.Categorical(names[rel["reason"]]),
        "deaths": deaths,
        "injuries": injuries,
        "casualty_causes": pd.Categorical(causes),
    }
    if details is not None:
        details |= {"relocated_by_group": rel["by_group"], "relocated_short": rel["short"]}
    return pd.DataFrame(cols)
