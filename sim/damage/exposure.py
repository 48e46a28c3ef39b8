"""Counted exposure in the districts: falling objects from height, sheds, old housing.

The exposure inventory (:mod:`sim.city.exposure`) gives counts per district, not
locations. Each district gets K sample points (uniform in its polygon); its counts are
spread evenly over them, so wind varies within a district. Damage follows
:class:`sim.damage.impact.CountedExposure` (incremental lognormal fragility).

Casualties (all assumptions, stated where used; Lekima had none,
scenarios/data/shanghai/facts.md §2c):

* falling objects from height — signboards, advertising structures, curtain-wall panels,
  air-conditioner brackets, external insulation — follow :mod:`sim.damage.falling_objects`
  (pedestrian density by zone, hour and alert level); deaths on the spot are counted there,
  the injured become ambulance incidents;
* a collapsed shed or dangerous old dwelling traps a share ``trapped_share`` of the people
  still inside (those not relocated; the scenario's ``casualties.trapped_share``, calibrated:
  :data:`sim.scenario.schema.TRAPPED_SHARE`).

Each hit or trapped group becomes an incident for the emergency service, whose delay to the
full rescue bundle decides deaths (:mod:`sim.response.harm`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.city.exposure import RELOCATION_CATEGORIES
from sim.damage.earthquake import old_housing_stocks, pager_casualty_scale, sample_impact
from sim.damage.falling_objects import OBJECT_TYPES, FallingObjectHazard
from sim.damage.fragility import get_curve
from sim.damage.impact import CountedExposure, spread_counts
from sim.damage.items import ITEM_KINDS, ExposureItems, draw_items, failed_sites
from sim.scenario.schema import ALERT_LEVELS, TRAPPED_SHARE

if TYPE_CHECKING:
    from sim.city import City
    from sim.core.context import RunContext

SAMPLE_POINTS_PER_DISTRICT = 24
FALLING_OBJECT_LOSS = {
    "shop_signboard": "shop_signboards",
    "advertising_structure": "advertising_structures",
    "glass_curtain_wall_panel": "glass_curtain_wall_buildings",
    "air_conditioner_bracket": "air_conditioner_bracket",
    "external_insulation_patch": "external_insulation_patch",
}
"""Falling-object type (sim.damage.falling_objects) → loss item (sim.damage.impact)."""
DISPLACED_WEIGHT = (0.0, 0.0, 0.0, 0.9, 1.0)
"""Share of a multi-family building's residents displaced by its damage state (none, slight,
moderate, extensive, complete): FEMA Hazus Earthquake Technical Manual, shelter needs
(displaced households = multi-family dwellings weighted 0.9 at extensive and 1.0 at complete
damage; single-family 0 and 1). The old housing stock is multi-family (walk-up flats)."""
PERSONS_PER_SHED = 4.0
"""Assumption: occupants of a work or farm shed."""


@dataclass(frozen=True)
class CasualtyIncident:
    """A group of hurt or trapped people at one place, waiting for rescue."""

    kind: str  # "falling_object_injury" | "structural_collapse"
    district: int
    x_m: float
    y_m: float
    persons: int


class ExposureModel:
    """Counted exposure state of the city.

    Args:
        city: the city (districts, polygons, exposure inventory).
        streams: the model's :class:`~sim.core.streams.RandomStreams`. Each kind of draw has
            its own stream (``exposure`` for the sample points, ``exposure.<item>`` for each
            counted item's failures, ``exposure.trapped``, ``exposure.falling_objects``,
            ``exposure.placement`` for where casualty incidents are), so a change in how many
            people remain in sheds never moves the signboards' draws.
        curve: fragility lookup (key → curve), the model's with scenario overrides.
        condition: optional per-district arrays from a long run's city state
            (:mod:`sim.risk.city_state`; absent keys: as without): ``facade_median_factor``
            (D,) multiplies the falling objects' median capacity; ``old_housing_share`` (D,)
            the dangerous old dwellings and their residents to relocate (1 − retrofit share);
            ``construction_site_ratio`` (D,) the site workers to relocate.
        items_year: None (default): counted exposure. A year (the scenario's, e.g. 2019): the
            full-scale setting, the falling objects (but air-conditioner brackets), sheds and
            dangerous old dwellings drawn as individual items aged to that year
            (:mod:`sim.damage.items`, stream ``exposure.items``), failing by the gust at their
            own sites (:meth:`apply_wind` then needs the hazard field).
        trapped_share: share of the people still in a collapsed shed or dangerous dwelling who
            are trapped (scenario ``casualties.trapped_share``).

    Attributes:
        sample_xy: (x_m, y_m) arrays of the D·K sample points, district-major.
        sample_shape: (D, K).
    """

    def __init__(
        self,
        city: City,
        streams,
        curve=get_curve,
        condition: dict | None = None,
        items_year: float | None = None,
        trapped_share: float = TRAPPED_SHARE,
    ):
        self.city = city
        self.trapped_share = float(trapped_share)
        self.curve = curve
        self.condition = condition or {}
        self.streams = streams
        rng = streams["exposure"]
        d_count = city.n_districts
        k = SAMPLE_POINTS_PER_DISTRICT
        pts = np.concatenate([city.sample_points(d, k, rng) for d in range(d_count)])
        self.sample_xy = (pts[:, 0], pts[:, 1])
        self.sample_shape = (d_count, k)
        self.utc_offset = city.profile.utc_offset  # local time = UTC + this (city.yaml)
        ex = city.exposure
        self.items: dict[str, CountedExposure] = {}
        self.falling = FallingObjectHazard.from_city(city, OBJECT_TYPES)
        # the scenario's fragility overrides apply to falling objects too
        self.falling.curves = [curve(t.curve_key) for t in OBJECT_TYPES]
        self.falling.median_factor = self.condition.get("facade_median_factor")
        self.sheds_per_district = np.ceil(ex["shed_dwellers_persons"].to_numpy() / PERSONS_PER_SHED)
        self.items["sheds"] = CountedExposure(
            "sheds", curve("temporary_shed"), spread_counts(self.sheds_per_district, k)
        )
        self.displaced_persons = np.zeros(d_count)  # out of uninhabitable homes, not yet housed
        self.old_dwellings_per_district = np.ceil(
            self._pool(ex, "dangerous_housing_persons") / city.profile.persons_per_household
        )
        self.items["old_dwellings"] = CountedExposure(
            "old_dwellings",
            curve("old_housing_urm_collapse"),
            spread_counts(self.old_dwellings_per_district, k),
        )
        self.item_exposure: ExposureItems | None = None
        if items_year is not None:
            self.item_exposure = draw_items(
                city, items_year, streams["exposure.items"], PERSONS_PER_SHED, curve,
                self.condition.get("facade_median_factor"),
            )  # fmt: skip

    # ------------------------------------------------------------------ queries
    def _pool(self, ex, column: str) -> np.ndarray:
        """(D,) persons of a relocation category, scaled by the city state's condition."""
        scale = {
            "dangerous_housing_persons": self.condition.get("old_housing_share"),
            "construction_workers_persons": self.condition.get("construction_site_ratio"),
        }.get(column)
        persons = ex[column].to_numpy()
        return persons if scale is None else persons * scale

    def at_risk_persons(self, district: int) -> dict[str, float]:
        """Relocation pools of a district: category → persons (exposure inventory, scaled by
        a city state's retrofits and construction sites when given)."""
        row = self.city.exposure.loc[district]
        if not self.condition:
            return {c: float(row[c]) for c in RELOCATION_CATEGORIES}
        ex = self.city.exposure
        return {c: float(self._pool(ex, c)[district]) for c in RELOCATION_CATEGORIES}

    def add_displaced(self, persons) -> None:
        """Residents of homes made uninhabitable, (D,) persons, awaiting shelter."""
        self.displaced_persons = self.displaced_persons + np.asarray(persons, float)

    def take_displaced(self) -> np.ndarray:
        """(D,) displaced persons not yet handed to the district governments; resets to 0."""
        out, self.displaced_persons = self.displaced_persons, np.zeros_like(self.displaced_persons)
        return out

    def failed(self, column: str) -> int:
        """Items failed so far: a counted item, or a falling-object type name."""
        it = self.item_exposure
        if it is not None and column in it.kinds and column in self.items:
            return int(it.failed[it.kind == it.kinds.index(column)].sum())
        if column in self.items:
            return self.items[column].failed_total
        names = [t.name for t in self.falling.types]
        return int(self.falling.failed[:, names.index(column)].sum())

    # ------------------------------------------------------------------ dynamics
    def apply_wind(
        self,
        ctx: RunContext,
        gust_ms: np.ndarray,
        alert_rank: int,
        remaining_at_risk: Callable[[str], np.ndarray],
        field=None,
    ) -> list[CasualtyIncident]:
        """Damage counted exposure under the gust field; return casualty incidents.

        Losses and deaths on the spot are booked in the run's ledger, damage and deaths logged.

        Args:
            ctx: the run's clock, event log and ledger.
            gust_ms: (D, K) 3-s gust at the sample points, m/s.
            alert_rank: effective alert level rank (0 none … 4 red).
            remaining_at_risk: relocation category → (D,) persons still in place (not
                relocated) per district, from the district governments.
            field: the hazard field now (``at("gust_ms", x, y)``); needed with items only.

        Returns:
            New casualty incidents (one per pedestrian hit or per collapsed occupied structure).
        """
        item_falls = self._item_falls(field)
        incidents = self._falling_objects(ctx, gust_ms, alert_rank, item_falls)
        for column, persons_key, per_unit, loss_item in (
            ("sheds", "shed_dwellers_persons", self.sheds_per_district, "shed"),
            (
                "old_dwellings",
                "dangerous_housing_persons",
                self.old_dwellings_per_district,
                "old_housing_unit",
            ),
        ):
            if item_falls is None:
                collapsed = self.items[column].update(gust_ms, self.streams[f"exposure.{column}"])
            else:
                collapsed = item_falls[column]
            total = int(collapsed.sum())
            if total == 0:
                continue
            ctx.losses.add(loss_item, total)
            remaining = remaining_at_risk(persons_key)
            occupants = np.divide(
                remaining, per_unit, out=np.zeros_like(remaining), where=per_unit > 0
            )
            trapped = self.streams["exposure.trapped"].binomial(
                np.rint(collapsed * occupants).astype(np.int64), self.trapped_share
            )
            for d in np.flatnonzero(collapsed):
                ctx.log_event(
                    "damage",
                    district=int(d),
                    layer="exposure",
                    detail=column,
                    value=float(collapsed[d]),
                )
            # Trapped people are spread over the collapsed structures: one incident per
            # structure with anyone trapped (at most one per trapped person).
            groups = np.minimum(collapsed, trapped)
            incidents += self._incidents_at("structural_collapse", groups, trapped, (column,))
        return incidents

    def _item_falls(self, field) -> dict[str, np.ndarray] | None:
        """Item kind → (D,) items newly failed under the gust at their sites (None: counted)."""
        it = self.item_exposure
        if it is None:
            return None
        n_d = self.sample_shape[0]
        if field is None or not field.provides("gust_ms"):
            return {name: np.zeros(n_d, np.int64) for name in it.kinds}
        gust = field.at("gust_ms", it.site_xy[:, 0], it.site_xy[:, 1])
        new = it.update(gust, n_d)
        return {name: new[:, k] for k, name in enumerate(it.kinds)}

    def _falling_objects(
        self, ctx: RunContext, gust_ms: np.ndarray, alert_rank: int, item_falls=None
    ) -> list[CasualtyIncident]:
        """Falling objects under the gust field (pedestrian exposure by local hour and day):
        losses and deaths on the spot booked; returns the injured as ambulance incidents."""
        local = ctx.utc() + self.utc_offset  # local time of the city (city.yaml)
        hour = float((local.astype("datetime64[m]").astype(np.int64) / 60.0) % 24)
        weekend = bool(((local.astype("datetime64[D]").astype(np.int64) + 3) % 7) >= 5)
        out = self.falling.step(
            gust_ms.max(axis=1),
            self.streams["exposure.falling_objects"],
            hour,
            weekend,
            ALERT_LEVELS[alert_rank],
            item_falls,
        )
        falls = out["falls"]  # (D, types)
        if not falls.any():
            return []
        for j, t in enumerate(self.falling.types):
            ctx.losses.add(FALLING_OBJECT_LOSS[t.name], int(falls[:, j].sum()))
        for d in np.flatnonzero(falls.sum(axis=1)):
            ctx.log_event(
                "damage",
                district=int(d),
                layer="exposure",
                detail="falling_objects",
                value=float(falls[d].sum()),
            )
        # deaths on the spot; the injured wait for an ambulance (harm grows with delay)
        for d in np.flatnonzero(out["deaths"]):
            ctx.book_casualties(int(d), "falling_object", deaths=float(out["deaths"][d]))
        injured = out["injuries"]
        falling_kinds = tuple(t.name for t in self.falling.types if t.name in ITEM_KINDS)
        return self._incidents_at("falling_object_injury", injured, injured, falling_kinds)

    def _incidents_at(
        self, kind: str, groups: np.ndarray, persons: np.ndarray, item_kinds: tuple = ()
    ) -> list[CasualtyIncident]:
        """Split ``persons[d]`` people into ``groups[d]`` incidents at random sample points;
        with items (full scale), at the sites of the items of ``item_kinds`` that failed in
        the district at this step, when there are any."""
        out: list[CasualtyIncident] = []
        x, y = self.sample_xy
        k = self.sample_shape[1]
        rng = self.streams["exposure.placement"]
        for d in np.flatnonzero(groups):
            g = int(groups[d])
            sizes = np.full(g, int(persons[d]) // g)
            sizes[: int(persons[d]) % g] += 1
            sites = np.empty(0, np.int64)
            if self.item_exposure is not None and item_kinds:
                sites = failed_sites(self.item_exposure, int(d), item_kinds)
            if sites.size:
                xy = self.item_exposure.site_xy[sites[rng.integers(0, sites.size, size=g)]]
            else:
                where = d * k + rng.integers(0, k, size=g)
                xy = np.column_stack([x[where], y[where]])
            out += [
                CasualtyIncident(kind, int(d), float(p[0]), float(p[1]), int(s))
                for p, s in zip(xy, sizes, strict=True)
                if s > 0
            ]
        return out


EARTHQUAKE_REPAIR_RATIO = (0.0, 0.02, 0.10, 0.50, 1.0)
"""Repair cost / replacement cost by damage state none, slight, moderate, extensive, complete:
HAZUS-MH structural repair ratios for residential buildings (order of magnitude; assumption
for Chinese old housing)."""
REPLACEMENT_COST_YUAN_PER_M2 = 3_000.0
"""Assumption: reconstruction cost of old multi-storey housing, yuan/m²."""


def earthquake_impact(
    ctx: RunContext, exposure: ExposureModel, pga_points: np.ndarray, rng
) -> list[CasualtyIncident]:
    """Damage old housing by a scenario earthquake; book losses and casualties.

    Ground motion: ``pga_points`` (g) at the D·K district sample points, one realisation of
    the hazard's ground motion (:mod:`sim.hazards.earthquake`, Boore & Atkinson 2008; district
    PGA = mean of its points); damage: HAZUS-type PGA fragility of pre-code masonry and
    small-beam thin-slab housing; casualties: HAZUS indoor casualty rates by damage state,
    scaled per district so that the deaths on the spot are USGS PAGER's empirical estimate
    for the city's country when ``city.yaml`` has ``earthquake_fatality`` (Jaiswal & Wald
    2010; :mod:`sim.damage.earthquake`); ``rng``: the earthquake's stream.
    Severity 1–2 casualties are injuries; severity 4 are deaths on the spot; severity 3
    (life-threatening, trapped) wait for rescue teams, and the delay until their bundle
    arrives decides whether they survive.

    Args:
        ctx: the run's clock, event log and ledger (losses and casualties are booked there).
        exposure: the city's counted exposure (sample points, incident placement).
        pga_points: (D·K,) peak ground acceleration at the district sample points, g.
        rng: the model's ``earthquake`` stream.

    Displaced: the residents of its extensively or completely damaged buildings, weighted by
    :data:`DISPLACED_WEIGHT` (Hazus shelter model), handed to ``exposure.add_displaced`` for the
    district governments to shelter.

    Returns:
        One structural-collapse incident per completely damaged building with trapped people.
    """
    shape = exposure.sample_shape
    pga = np.asarray(pga_points).reshape(shape).mean(axis=1)
    local = ctx.utc() + exposure.utc_offset  # local time of the city
    local_hour = local.astype("datetime64[h]").astype(int) % 24
    stocks = old_housing_stocks(exposure.city)
    fatality = exposure.city.profile.earthquake_fatality
    scale = None
    if fatality is not None:
        population = exposure.city.districts["population"].to_numpy(float)
        scale, _ = pager_casualty_scale(
            pga, population, stocks, float(local_hour), fatality, exposure.curve
        )
    impact = sample_impact(pga, stocks, float(local_hour), rng, exposure.curve, scale)
    casualties = impact["casualties"]  # (D, 4) persons by severity 1..4
    buildings = impact["buildings_by_ds"]  # (S, D, 5)
    area = sum(
        buildings[i] * st.building_floor_area_m2 for i, st in enumerate(stocks)
    )  # (D, 5) m² by damage state
    loss = float((area * np.asarray(EARTHQUAKE_REPAIR_RATIO)).sum() * REPLACEMENT_COST_YUAN_PER_M2)
    ctx.losses.add_yuan("earthquake_housing", loss)
    residents = sum(
        buildings[i] * st.building_floor_area_m2 / st.m2_per_person for i, st in enumerate(stocks)
    )  # (D, 5) residents by damage state
    exposure.add_displaced(residents @ np.asarray(DISPLACED_WEIGHT))  # fmt: skip
    for d in range(shape[0]):
        ctx.log_event(
            "earthquake", district=d, layer="exposure", detail="pga_g", value=float(pga[d])
        )
        ctx.book_casualties(
            d,
            "earthquake",
            deaths=float(casualties[d, 3]),
            injuries=float(casualties[d, :2].sum()),
        )
    collapsed = buildings[:, :, 4].sum(axis=0)  # (D,)
    trapped = casualties[:, 2]
    groups = np.minimum(collapsed, trapped)
    return exposure._incidents_at("structural_collapse", groups, trapped)
