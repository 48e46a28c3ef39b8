"""The emergency service: the bridge between the model and :mod:`sim.response`.

Damage becomes incidents (each needing a bundle of personnel, equipment and supplies —
docs/domain.md §4: the combatants, the guns and the ammunition), incidents are dispatched from
district depots over the road network as it is now (ponding, fallen trees, closed
underpasses), and completions feed back: repaired assets return to service, cleared roads
reopen, and the delay until the full bundle arrived decides the harm to people at risk.

Depots (:mod:`sim.response.depots`): every depot kind of the city profile, each holding what
its owner holds (crews, their equipment and their supplies sit with different owners), so an
incident's bundle is usually assembled from several depots and its legs arrive at different
times; plus the central reserve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.agents.warning_centre import LEVEL_RANK
from sim.damage.restoration import RESTORATION
from sim.response import (
    SKILLS,
    Completion,
    Dispatch,
    Dispatcher,
    DispatchPolicy,
    ResupplyPolicy,
    RoadRouter,
    make_incident,
    sample_harm,
)
from sim.response.depots import build_depots
from sim.response.incidents import get_incident_type
from sim.response.relief import ReliefLoad, ShelterRelief

RELIEF_KIND = "shelter_resupply"

if TYPE_CHECKING:
    from sim.city import City
    from sim.core.context import RunContext
    from sim.networks.infrastructure import Infrastructure
    from sim.scenario.schema import LogisticsConfig


class EmergencyService:
    """Incidents, dispatch and restoration during a run.

    Args:
        ctx: the run's clock, event log and ledger (incidents are logged, harm booked there).
        city: the city.
        infra: the infrastructure (road network; completed jobs repair assets, clear roads).
        cfg: the scenario's ``logistics`` section.
        data_dir: the city's data folder (``emergency_resources.csv``).
        schedule_event: the model's ``schedule_event(callback, at=t_h)`` (completion times).
        rng_logistics: stream for dispatch tie-breaks and depot placement.
        rng_casualties: stream for harm outcomes (deaths).
        rng_restoration: stream for the restoration times of assets whose repair takes more
            than the crews' work (:data:`sim.damage.restoration.RESTORATION`: an earthquake's
            substations); None: a generator of its own, seeded 0 (tests).
    """

    def __init__(
        self,
        ctx: RunContext,
        city: City,
        infra: Infrastructure,
        cfg: LogisticsConfig,
        data_dir: Path,
        schedule_event: Callable[..., object],
        rng_logistics,
        rng_casualties,
        rng_restoration=None,
    ):
        self.ctx = ctx
        self.city = city
        self.infra = infra
        self.cfg = cfg
        self._schedule_event = schedule_event
        roads = infra.layers["roads"]
        self.roads = roads
        self.router = RoadRouter(roads)
        self.depots = build_depots(city, cfg, data_dir, self.router, rng_logistics)
        policy = DispatchPolicy.named(
            cfg.policy,
            mutual_aid=cfg.mutual_aid,
            aid_activation_h=cfg.aid_activation_h,
            reserve_activation_h=cfg.reserve_activation_h,
        )
        resupply = (
            None
            if cfg.resupply_reorder_fraction is None
            else ResupplyPolicy(reorder_fraction=cfg.resupply_reorder_fraction)
        )
        self.dispatcher = Dispatcher(
            self.router,
            self.depots,
            policy,
            rng=rng_logistics,
            auto_complete=True,
            resupply=resupply,
        )
        self.rng_casualties = rng_casualties
        self.rng_restoration = rng_restoration or np.random.default_rng(0)
        self._restore_at: dict[int, float] = {}  # incident → earliest return to service (h)
        self._waiting: list[tuple[float, str, int, int]] = []  # (time, layer, asset, incident)
        self._target: dict[int, tuple[str, str, int]] = {}
        self._persons: dict[int, tuple[str, int, float]] = {}
        self._district_of_depot = np.array([d.district for d in self.depots])
        self._team_cols = np.arange(len(SKILLS))
        self._scheduled: set[float] = set()
        self._factor = np.ones(roads.n_edges)
        self._open = np.zeros(city.n_districts, dtype=np.int64)
        self._district_of_incident: dict[int, int] = {}
        self.n_incidents = 0
        self._final_records: pd.DataFrame | None = None
        self._prepositioned = False
        # Relief for the sheltered: each district's loads go to the road node nearest its
        # centroid (the district's shelters, aggregated).
        self.relief = ShelterRelief(city.n_districts)
        self._shelter_node = self.router.nearest_node(
            city.districts["centroid_x_m"].to_numpy(float),
            city.districts["centroid_y_m"].to_numpy(float),
        )
        self._relief_loads: dict[int, ReliefLoad] = {}
        self.n_relief_loads = 0

    # ------------------------------------------------------------------ inputs
    def _new_incident(
        self,
        kind: str,
        district: int,
        node: int,
        target,
        persons: int | None = None,
        *,
        need=None,
        event: str = "incident",
        value: float | None = None,
        alt_node: int = -1,
    ) -> int:
        """Submit one job; ``need`` replaces the catalogue bundle (relief loads), ``event`` and
        ``value`` name its log row (default: persons at risk). Returns its id."""
        iid = self.n_incidents
        self.n_incidents += 1
        t = self.ctx.time
        inc = make_incident(
            kind, iid, district, int(node), t, persons_at_risk=persons, alt_node=alt_node
        )
        if need is not None:
            inc = dataclasses.replace(inc, need=need)
        self._target[iid] = target
        if inc.persons_at_risk > 0:
            self._persons[iid] = (kind, int(inc.persons_at_risk), t)
        self._district_of_incident[iid] = district
        self._open[district] += 1
        self.dispatcher.submit(inc, t)
        self.ctx.log_event(
            event,
            district=district,
            layer=target[0],
            detail=kind,
            asset=target[1],
            incident=iid,
            value=float(inc.persons_at_risk if value is None else value),
        )
        return iid

    def raise_incident(
        self, kind: str, district: int, node: int, target, persons: int | None = None
    ) -> None:
        """One incident from an exercise inject. ``target`` = (layer, index, 0) names what the
        completed job restores: a layer's node, ``("roads_closed", edge, 0)`` to reopen a
        closed road segment, or ``("people", -1, 0)``."""
        self._new_incident(kind, district, node, target, persons)

    def submit_damage(self, new_damage, underpass_alarms, casualties) -> None:
        """Turn this update's damage into incidents.

        Args:
            new_damage: (kind, layer, index) from :meth:`Infrastructure.apply_hazard`; index is
                a node, or a road edge for ``road_blocked_by_tree``.
            underpass_alarms: positions into ``infra.underpass_nodes`` newly above 15 cm.
            casualties: :class:`~sim.damage.exposure.CasualtyIncident` list.
        """
        infra = self.infra
        for kind, layer, idx in new_damage:
            alt = -1
            if kind == "road_blocked_by_tree" or layer == "roads_closed":  # either end works
                node, alt = int(self.roads.edges["u"][idx]), int(self.roads.edges["v"][idx])
                district = int(infra.edge_district[idx])
            else:
                nodes = infra.layers[layer].nodes
                node = int(nodes["road_node"][idx])
                district = int(nodes["district"][idx])
            iid = self._new_incident(kind, district, node, (layer, int(idx), 0), alt_node=alt)
            if kind in RESTORATION:
                self._restore_at[iid] = self.ctx.time + self._restoration_h(kind, layer, idx)
        for pos in underpass_alarms:
            node = int(infra.underpass_nodes[pos])
            district = int(self.roads.nodes["district"][node])
            self._new_incident(
                "waterlogged_underpass", district, node, ("roads_underpass", node, 0)
            )
        if casualties:
            xs = np.array([c.x_m for c in casualties])
            ys = np.array([c.y_m for c in casualties])
            nodes = self.router.nearest_node(xs, ys)
            for c, node in zip(casualties, nodes, strict=True):
                self._new_incident(
                    c.kind, c.district, int(node), ("people", -1, 0), persons=c.persons
                )

    def supply_shelters(self, sheltered: np.ndarray) -> None:
        """Raise the relief loads the districts' shelters need now (:mod:`sim.response.relief`).

        Args:
            sheltered: (D,) persons in each district's shelters now.
        """
        for load in self.relief.orders(self.ctx.time, sheltered):
            d = load.district
            iid = self._new_incident(
                RELIEF_KIND, d, self._shelter_node[d], ("relief", d, 0), persons=0,
                need=load.bundle(), event="relief_order", value=load.persons,
            )  # fmt: skip
            self._relief_loads[iid] = load
            self.n_relief_loads += 1

    def update_roads(self, factor: np.ndarray) -> None:
        """Pass road speed factors to the router when they changed materially (routes are
        recomputed only then: a closure or reopening, or a speed change above 10%)."""
        closed_changed = np.any((factor == 0) != (self._factor == 0))
        if closed_changed or np.max(np.abs(factor - self._factor), initial=0.0) > 0.1:
            self._factor = factor.copy()
            self.router.set_edge_speed_factor(self._factor)

    def on_alert(self, level_rank: int) -> None:
        """Pre-position the central reserve once the alert reaches ``logistics.preposition_level``
        (pre-positioning on warnings: the earlier the warning, the nearer the stock)."""
        cfg = self.cfg
        target = LEVEL_RANK[cfg.preposition_level]
        if self._prepositioned or target == 0 or level_rank < target:
            return
        self._prepositioned = True
        city = self.city
        names = cfg.preposition_districts or list(city.districts["name_en"])
        districts = [city.index_of(n) for n in names]
        moves = self.dispatcher.preposition_for_warning(
            districts, cfg.preposition_fraction, self.ctx.time
        )
        for src, dst, bundle, arrive_h in moves:
            self.ctx.events.add(
                self.ctx.time,
                "preposition",
                self.depots[dst].district,
                "",
                -1,
                -1,
                float(bundle.to_vector().sum()),
                f"{self.depots[src].name} -> {self.depots[dst].name}",
            )
            del arrive_h

    def set_coordination_delay(self, delay_h: np.ndarray) -> None:
        """(D,) hours added to set-outs for incidents in each district (telecom outage;
        :meth:`sim.response.dispatch.Dispatcher.set_coordination_delay`)."""
        self.dispatcher.set_coordination_delay(delay_h)

    # ------------------------------------------------------------------ processing
    def dispatch(self) -> None:
        """Assign queued incidents now and handle every record produced since last time."""
        self._handle(self.dispatcher.step(self.ctx.time))

    def process_due(self) -> None:
        """Mesa event at an exact completion time: advance the dispatcher and apply records."""
        self._scheduled.discard(round(self.ctx.time, 9))
        self._handle(self.dispatcher.step(self.ctx.time))

    def _schedule(self, t_h: float) -> None:
        key = round(t_h, 9)
        if np.isfinite(t_h) and t_h > self.ctx.time and key not in self._scheduled:
            self._scheduled.add(key)
            self._schedule_event(self.process_due, at=float(t_h))

    def _handle(self, records) -> None:
        events = self.ctx.events
        for rec in records:
            if isinstance(rec, Dispatch):
                district = self._district_of_incident[rec.incident_id]
                for leg in rec.legs:
                    events.add(
                        rec.t_h,
                        "dispatch",
                        district,
                        "",
                        -1,
                        rec.incident_id,
                        float(leg.resources[self._team_cols].sum()),
                        self.depots[leg.depot].name,
                    )
                    events.add(
                        leg.arrive_h,
                        "arrival",
                        district,
                        "",
                        -1,
                        rec.incident_id,
                        float(leg.resources[self._team_cols].sum()),
                        self.depots[leg.depot].name,
                    )
                self._schedule(rec.complete_h)
            elif isinstance(rec, Completion):
                self._complete(rec)

    def _complete(self, rec: Completion) -> None:
        infra = self.infra
        iid = rec.incident_id
        district = self._district_of_incident[iid]
        self._open[district] -= 1
        layer, idx, _ = self._target[iid]
        drawn = iid in self._restore_at  # a restoration time was drawn for this asset
        restore_at = self._restore_at.pop(iid, rec.t_h)
        if layer in ("power", "water", "drainage", "gas") and restore_at > rec.t_h:
            self._waiting.append((restore_at, layer, idx, iid))
            self._schedule_event(self._restore_due, at=restore_at)
        elif layer in ("power", "water", "drainage", "gas"):
            infra.repair_node(layer, idx)
            if drawn:  # its drawn time had passed when the crews finished: back now
                self.ctx.events.add(rec.t_h, "restored", district, layer, idx, iid, 1.0, "")
        elif layer == "roads":
            infra.clear_edge(idx)
        elif layer == "roads_closed":  # a collapsed segment repaired (exercise inject)
            infra.reopen_edges([idx])
            self.update_roads(infra.edge_speed_factor)
        self.ctx.events.add(rec.t_h, "resolution", district, layer, idx, iid, 1.0, rec.kind)
        if iid in self._relief_loads:
            self._relief_arrived(iid, self.dispatcher._jobs[iid].full_bundle_h)
        if iid in self._persons:
            kind, persons, t0 = self._persons.pop(iid)
            job = self.dispatcher._jobs[iid]
            self._apply_harm(kind, persons, job.full_bundle_h - t0, district, iid)

    def _restoration_h(self, kind: str, layer: str, idx: int) -> float:
        """Hours a newly failed asset stays out of service, drawn from the restoration function
        of its damage state (:mod:`sim.damage.restoration`), logged as a ``restoration_drawn``
        event (value: hours; detail: the damage state)."""
        fn = RESTORATION[kind]
        state = fn.damage_state(self.infra.peak_over_capacity(layer, int(idx), fn.im))
        hours = fn.draw_hours(state, self.rng_restoration)
        district = int(self.infra.layers[layer].nodes["district"][idx])
        self.ctx.log_event(
            "restoration_drawn", district=district, layer=layer, asset=int(idx), detail=state,
            value=hours,
        )  # fmt: skip
        return hours

    def _restore_due(self) -> None:
        """Mesa event: the assets whose repair job finished earlier and whose drawn
        restoration time (:meth:`_restoration_h`) has come are back in service, each logged
        as ``restored``."""
        now = self.ctx.time
        due = [w for w in self._waiting if w[0] <= now + 1e-9]
        self._waiting = [w for w in self._waiting if w[0] > now + 1e-9]
        for _, layer, idx, iid in due:
            self.infra.repair_node(layer, idx)
            district = self._district_of_incident[iid]
            self.ctx.events.add(now, "restored", district, layer, idx, iid, 1.0, "")

    def _relief_arrived(self, iid: int, arrive_h: float) -> None:
        load = self._relief_loads.pop(iid)
        short = self.relief.delivered(load, arrive_h)
        if short > 0:
            self.ctx.log_event(
                "relief_shortfall", district=load.district, detail="person-days",
                incident=iid, value=short,
            )  # fmt: skip

    def _apply_harm(self, kind: str, persons: int, delay_h: float, district: int, iid: int) -> None:
        harm = sample_harm([kind], [delay_h], [persons], [0.0], self.rng_casualties)
        deaths = float(harm.deaths[0])
        hurt = get_incident_type(kind).harm in ("trapped", "injury")
        injuries = (persons - deaths) if hurt else 0.0
        self.ctx.book_casualties(district, kind, deaths=deaths, injuries=injuries, incident=iid)

    def finalise(self) -> None:
        """End of run: people still waiting suffer the harm of the whole remaining delay."""
        end = self.ctx.time
        self._handle(self.dispatcher.step(end))
        for iid, (kind, persons, t0) in sorted(self._persons.items()):
            self._apply_harm(kind, persons, end - t0, self._district_of_incident[iid], iid)
        self._persons.clear()
        for iid in sorted(self._relief_loads):  # loads not delivered: short until the end
            self._relief_arrived(iid, end)
        self._final_records = self.dispatcher.records()

    # ------------------------------------------------------------------ queries
    def records(self) -> pd.DataFrame:
        """One row per incident (times in hours; see ``Dispatcher.records``)."""
        return self._final_records if self._final_records is not None else self.dispatcher.records()

    def utilisation(self) -> dict[str, float]:
        """Busy / owned unit-hours per team skill and equipment type (NaN: none owned)."""
        return self.dispatcher.utilisation(self.ctx.time)

    @property
    def open_incidents(self) -> int:
        return int(self._open.sum())

    @property
    def busy_teams(self) -> int:
        return int(self.dispatcher.stock.out_on_job[:, self._team_cols].sum())

    def by_district(self) -> tuple[np.ndarray, np.ndarray]:
        """(open incidents (D,), busy teams (D,) by home depot district)."""
        busy = self.dispatcher.stock.out_on_job[:, self._team_cols].sum(axis=1)
        busy_d = np.bincount(self._district_of_depot, weights=busy, minlength=self._open.size)
        return self._open.copy(), busy_d

    def damage_records(self) -> pd.DataFrame:
        """The rows of damage incidents: every job but the relief loads (ordered ahead, not
        responses; reported as ``relief_*``)."""
        rec = self.records()
        return rec[rec["kind"] != RELIEF_KIND] if len(rec) else rec

    @property
    def n_damage_incidents(self) -> int:
        return self.n_incidents - self.n_relief_loads

    @property
    def n_unserved(self) -> int:
        rec = self.damage_records()
        return int(rec["full_bundle_h"].isna().sum()) if len(rec) else 0

    def response_times_h(self) -> np.ndarray:
        rec = self.damage_records()
        return rec["response_h"].dropna().to_numpy() if len(rec) else np.zeros(0)

    def full_bundle_times_h(self) -> np.ndarray:
        rec = self.damage_records()
        return rec["bundle_delay_h"].dropna().to_numpy() if len(rec) else np.zeros(0)
