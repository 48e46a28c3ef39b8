"""District governments: territorial responsibility (属地责任) in an emergency.

Each district government acts hourly on the flood-control response level and the latest hazard
forecast (:class:`~sim.hazards.forecast.HazardForecast`, never the hazard itself). It orders
the relocation categories (construction-site temporary housing, dangerous old housing, sheds,
people outside the seawall and in ports, vessel crews) out of the places the forecast puts at
risk: a category is ordered at a place once the response has reached the category's level and
a forecast intensity there (gust, rain, flood depth within the lead window) reaches its
threshold, by the city's rules (``evacuation.yaml``, :mod:`sim.city.evacuation`). Its
households (:mod:`sim.agents.households`, a vectorised synthetic population) decide whether to
comply; those who go leave after a preparation delay, in the district's buses (persons per
hour = buses x persons per trip x trips per hour) to its shelter places, and return once the
warning has been lifted for a while.

Invariants (tests/test_evacuation.py): per category, relocated + remaining = at risk; persons
moved by bus in an hour <= the bus capacity; persons sheltered <= places; nobody moves before
a response level is in force.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents.households import Households, ProtectiveAction
from sim.agents.warning_reach import WarningReach
from sim.city.evacuation import TRIGGER_IMS, EvacuationData
from sim.hazards.forecast import HazardForecast
from sim.scenario.schema import HOUSING_TYPES, RELOCATION_CATEGORIES, RelocationConfig


class DistrictGovernment(mesa.Agent):
    """One district government and its households at risk.

    Args:
        model: the city model.
        district: district index.
        name: English district name.
        population_persons: resident population (census).
        households: the district's synthetic households (category indices into
            :data:`~sim.scenario.schema.RELOCATION_CATEGORIES`).
        points_xy: (x_m, y_m) of the district's sample points, the households' places (m, in
            the city's CRS).
        evacuation: the city's order rules, buses and shelters (:mod:`sim.city.evacuation`).
        config: relocation behaviour (scenario ``response.relocation``).

    Attributes:
        categories: relocation categories, in order.
        at_risk: (C,) persons at risk per category (the households' persons).
        ordered: (n,) whether each household's category is ordered out at its place.
        relocated_cumulative: persons moved out so far (each person counted once).
        moved_out: (n,) persons of each household sample moved out so far (cumulative;
            their sum + the displaced is ``relocated_cumulative``).
        departures: (t_h, (n,) persons of each sample who left in that step), one entry per
            step in which someone left, in time order.
        displacements: (t_h, persons) of each :meth:`shelter_displaced`, in time order.
        bus_persons_per_h: persons the district's buses move per hour.
        shelter_places: persons the district's shelters hold.
        moved_by_bus_last_h: persons moved out or home by bus in the last step.
        functionality: layer → share of the district's assets functional, in [0, 1].
    """

    def __init__(
        self,
        model: mesa.Model,
        district: int,
        name: str,
        population_persons: float,
        households: Households,
        points_xy: tuple[np.ndarray, np.ndarray],
        evacuation: EvacuationData,
        config: RelocationConfig,
    ):
        super().__init__(model)
        self.district = district
        self.name = name
        self.population_persons = float(population_persons)
        self.categories = RELOCATION_CATEGORIES
        self.households = households
        self.points_xy = points_xy
        self.config = config
        self.evacuation = evacuation
        self.at_risk = households.by_category(households.persons, len(self.categories))
        self._relocated = np.zeros(households.n)  # persons of each sample now relocated
        self._willing = np.zeros(households.n)  # persons of each sample decided to go
        self.ordered = np.zeros(households.n, dtype=bool)
        self._exposure_ratio = np.zeros(households.n)
        self.relocated_cumulative = 0.0
        self.moved_out = np.zeros(households.n)
        self.departures: list[tuple[float, np.ndarray]] = []
        self.displacements: list[tuple[float, float]] = []
        self.displaced_now = 0.0  # out of uninhabitable homes (earthquake), sheltered
        self.behaviour = ProtectiveAction(config.behaviour)
        self.compliance = np.array([config.compliance[c] for c in self.categories])
        self._rules(evacuation)
        self.bus_persons_per_h = float(evacuation.bus_persons_per_h[district]) * config.bus_scale
        self.shelter_places = float(evacuation.shelter_places[district]) * config.shelter_scale
        self.moved_by_bus_last_h = 0.0
        self._last_review_h: float | None = None
        self._last_level = 0
        self.lifted_since_h: float | None = None
        # Records read by the DataCollector (district × layer time series).
        self.functionality: dict[str, float] = {}
        self.open_incidents = 0
        self.busy_teams = 0
        self.road_depth_m = 0.0  # rain ponding on roads (district mean), m
        self.flood_depth_m = 0.0  # deepest hazard flood (storm surge), m
        self.underpasses_closed = 0
        self.gust_ms = 0.0
        self.rain_mm_per_h = 0.0
        self.infectious = 0.0
        # Decision trace (None: off). When a list, step() appends ("step", t_h, level) and
        # review_orders() ("review", t_h, raw exposure ratio): what the households saw,
        # so their decisions can be replayed under other behaviour coefficients
        # (sim.studies.calibration.relocation_replay).
        self.trace: list[tuple] | None = None

    def _rules(self, evacuation: EvacuationData) -> None:
        """Per-category rules and per-household flags from the city's ``evacuation.yaml``."""
        spec = evacuation.spec
        rules = [spec.orders[c] for c in self.categories]
        pops = [spec.households[c] for c in self.categories]
        self.lead_h = spec.lead_h
        min_level = np.array([r.min_response_level for r in rules])
        self._triggers = [[(t.im, t.at_least) for t in r.triggers] for r in rules]
        covered = np.array(
            [[r.housing is None or t in r.housing for t in HOUSING_TYPES] for r in rules]
        )
        cat, house = self.households.category, self.households.housing
        self._min_level = min_level[cat]  # per household: the response its category needs
        self._covered = covered[cat, house]
        self._by_bus = np.array([p.transport == "bus" for p in pops])[cat]
        self._sheltered = np.array([p.sheltered for p in pops])[cat]

    # ------------------------------------------------------------------ reads
    @property
    def relocated(self) -> np.ndarray:
        """(C,) persons currently relocated, per category."""
        return self.households.by_category(self._relocated, len(self.categories))

    @property
    def relocated_now(self) -> float:
        """Persons now away from home: the relocated categories and the displaced."""
        return float(self._relocated.sum()) + self.displaced_now

    @property
    def sheltered_now(self) -> float:
        """Persons now in the district's shelters (the displaced included)."""
        return float(self._relocated[self._sheltered].sum()) + self.displaced_now

    def shelter_displaced(self, persons: float) -> None:
        """Take in ``persons`` whose homes the hazard made uninhabitable (Hazus displaced
        households): counted as relocated and sheltered (assumption: every displaced person
        needs public shelter, Hazus's upper bound) for the rest of the window, since repairs
        take months; not sent home when the response ends."""
        if persons <= 0:
            return
        self.displaced_now += persons
        self.relocated_cumulative += persons
        self.displacements.append((float(self.model.time), float(persons)))
        self.model.log_event(
            "relocation", district=self.district, layer="", detail="displaced", value=persons
        )

    def scale_compliance(self, scale: float) -> None:
        """Set compliance to ``scale`` × the scenario's category multipliers (clipped to
        [0, 1]; a ``policy`` inject)."""
        base = np.array([self.config.compliance[c] for c in self.categories])
        self.compliance = np.clip(base * scale, 0.0, 1.0)

    # ------------------------------------------------------------------ decisions
    def step(
        self, forecast: HazardForecast, response_level: int, reach: WarningReach | None = None
    ) -> None:
        """Hourly: review orders against the forecast, households decide, buses move them.

        Args:
            forecast: the latest forecast (:class:`~sim.hazards.forecast.HazardForecast`).
            response_level: municipal flood-control response, 0 none, 1 (IV) … 4 (I).
            reach: what the warning channels delivered where the households live
                (:class:`~sim.agents.warning_reach.WarningReach`); None: every household
                received the level in force.
        """
        now = self.model.time
        received = self.received(reach, response_level)
        if self.trace is not None:
            self.trace.append(("step", now, response_level, received))
        if response_level <= 0:
            self.ordered[:] = False
            self._willing[:] = 0.0
            self._last_level = 0
            if self.lifted_since_h is None:
                self.lifted_since_h = now
            self.moved_by_bus_last_h = 0.0
            if now - self.lifted_since_h >= self.config.return_after_h:
                self._return_home()
            return
        self.lifted_since_h = None
        due = self._last_review_h is None or now - self._last_review_h >= self.config.review_h
        if due or response_level != self._last_level:
            self.review_orders(forecast, response_level)
        p = self._probability(response_level, received)
        p[~self._covered] = 0.0  # e.g. workers housed off site: not in the category at risk
        hh = self.households
        # decided households stay decided while a response is in force
        self._willing = np.maximum(self._willing, p * self.compliance[hh.category] * hh.persons)
        self._depart()

    def received(self, reach: WarningReach | None, response_level: int):
        """(shares (C,), levels (C, n)): the households' main-channel shares and the
        response level each one acts on by channel; None when every household received the
        level in force (no reach given)."""
        if reach is None or self.households.n == 0:
            return None
        places = self.district * len(self.points_xy[0]) + self.households.point
        return reach.shares, reach.received(places, response_level).astype(np.int8)

    def _probability(self, response_level: int, received) -> np.ndarray:
        """(n,) relocation probability of each household: PADM at the level in force, or with
        channels, the channel-share mixture of PADM at the level each channel delivered (0
        for households their channel has not reached: no warning, no action)."""
        hh = self.households
        args = (hh.housing, hh.experience, self._exposure_ratio)
        if received is None:
            return self.behaviour.probability(self.ordered, response_level, *args)
        shares, levels = received
        p = np.zeros(hh.n)
        last_lv, q = None, None
        for share, lv in zip(shares, levels, strict=True):
            if share > 0:
                if last_lv is None or not np.array_equal(lv, last_lv):  # channels often agree
                    last_lv, q = lv, self.behaviour.probability(self.ordered, lv, *args)
                p += share * q
        return p

    def review_orders(self, forecast: HazardForecast, response_level: int) -> None:
        """Order categories out of the places the forecast puts at risk.

        A category is ordered at a sample point when ``response_level`` has reached its rule's
        level and any trigger's forecast IM (peak, or total for rain, over the lead window)
        reaches the threshold (times ``behaviour.order_threshold_scale``) there. Orders stay
        until the response ends. Each household's exposure ratio (largest forecast / scaled
        threshold of its rule) is refreshed.
        """
        self._last_review_h, self._last_level = self.model.time, response_level
        if self.households.n == 0:
            return
        x, y = self.points_xy
        lead = min(self.lead_h, forecast.horizon_h)
        values = {}
        for im in sorted({im for trig in self._triggers for im, _ in trig}):
            query = forecast.peak if TRIGGER_IMS[im] == "peak" else forecast.total
            values[im] = np.asarray(query(im, x, y, lead), dtype=float)
        raw = np.array(
            [np.max([values[im] / thr for im, thr in trig], axis=0) for trig in self._triggers]
        )  # (C, K) forecast over the evacuation.yaml thresholds
        per_household = raw[self.households.category, self.households.point]
        if self.trace is not None:
            self.trace.append(("review", self.model.time, per_household))
        newly = self._order(per_household, response_level)
        persons = self.households.by_category(self.households.persons * newly, len(raw))
        for c in np.flatnonzero(persons > 0):
            self.model.log_event(
                "relocation_order",
                district=self.district,
                detail=self.categories[c],
                value=float(persons[c]),
            )

    def _order(self, raw_ratio: np.ndarray, response_level: int) -> np.ndarray:
        """Order out the households whose forecast reaches their category's triggers (times
        ``order_threshold_scale``) at a response level that calls for their category; refresh
        every household's exposure ratio. Shared with the replay, so both decide alike.

        Args:
            raw_ratio: (n,) per household, the largest forecast IM over its category's
                evacuation.yaml threshold.
            response_level: the response in force, 1 (IV) ... 4 (I).

        Returns:
            (n,) bool, the households ordered by this review.
        """
        ratio = raw_ratio / self.config.behaviour.order_threshold_scale
        at_level = response_level >= self._min_level
        newly = (ratio >= 1.0) & at_level & self._covered & ~self.ordered
        self.ordered |= newly
        self._exposure_ratio = ratio
        return newly

    def _depart(self) -> None:
        """Households decided but not gone leave at rate 1/departure_time_h, within the bus
        capacity (bus categories) and the free shelter places (sheltered categories)."""
        leave = 1.0 - np.exp(-1.0 / self.config.departure_time_h)  # share leaving this hour
        need = np.clip(self._willing - self._relocated, 0.0, None) * leave
        scale = np.ones_like(need)
        bus_need = need[self._by_bus].sum()
        if bus_need > self.bus_persons_per_h:
            scale[self._by_bus] = self.bus_persons_per_h / bus_need
        shelter_need = (need * scale)[self._sheltered].sum()
        free = max(self.shelter_places - self.sheltered_now, 0.0)
        if shelter_need > free:
            scale[self._sheltered] *= free / shelter_need
        moved = need * scale
        self._relocated = np.minimum(self._relocated + moved, self.households.persons)
        self.moved_by_bus_last_h = float(moved[self._by_bus].sum())
        total = float(moved.sum())
        if total > 0:
            self.relocated_cumulative += total
            self.moved_out += moved
            self.departures.append((float(self.model.time), moved))
            self.model.log_event(
                "relocation", district=self.district, layer="", detail="out", value=total
            )

    def _return_home(self) -> None:
        """Relocated people go home, by bus within its capacity (own means otherwise)."""
        back = self._relocated.copy()
        bus_back = back[self._by_bus].sum()
        if bus_back > self.bus_persons_per_h:
            back[self._by_bus] *= self.bus_persons_per_h / bus_back
        self._relocated = np.clip(self._relocated - back, 0.0, None)
        self.moved_by_bus_last_h = float(back[self._by_bus].sum())
        total = float(back.sum())
        if total > 0:
            self.model.log_event(
                "relocation", district=self.district, layer="", detail="return", value=total
            )

    def remaining_at_risk(self, category: str) -> float:
        """Persons of a category still in place (not relocated)."""
        if category not in self.categories:
            return 0.0
        i = self.categories.index(category)
        return float(self.at_risk[i] - self.relocated[i])
