"""Dispatch: assemble each incident's bundle (teams + equipment + supplies) from depots.

The dispatcher holds a queue of incidents, the depot stock ledger and an internal event heap of
*stock* events (units returning to depots, transfers and resupply arriving) and, when
``auto_complete`` is on, of job completions. All assignment decisions go through one code
path, :meth:`Dispatcher.assign`, whether the caller is the Mesa model or the self-contained
M/M/c check in :mod:`sim.response.queueing`.

Two ways to drive it:

* **Self-contained** (``auto_complete=True``, default): call ``submit(incident, t_h)`` as
  incidents appear and ``step(t_h)`` at each model tick; ``step`` processes every internal event
  up to ``t_h`` in time order (re-assigning queued incidents at the exact time units return) and
  returns the :class:`Dispatch` and :class:`Completion` records produced.
* **Caller-scheduled** (``auto_complete=False``): each :class:`Dispatch` carries its
  ``complete_h``; the caller schedules a Mesa event there and calls ``on_complete(id, t_h)``
  (possibly later, if the hazard delays the work). ``on_arrival(id, t_h)`` reports whether the
  full bundle is on scene.

Policy (:class:`DispatchPolicy`):

* ``priority``: ``"fcfs"`` (by creation time) or ``"severity"`` (higher severity first, then
  creation time).
* ``bundle_complete=False`` ("nearest"): as soon as a needed team is free at some eligible
  depot, send what is available now, each resource from the nearest depot holding it; the rest
  follows when it frees up. Teams may wait on scene for their equipment (counted as busy).
* ``bundle_complete=True``: commit nothing until the whole bundle can be assembled; take it
  from the nearest single depot holding all of it if that is no more than
  ``consolidation_slack_h`` later than the fastest multi-depot assembly, else from several
  depots (nearest first per resource). Full-bundle time = last arrival.
* ``mutual_aid``: if False an incident may only draw on depots of its own district and
  central reserves.
* ``backfill``: if True a later incident may be served when an earlier one cannot (its needs
  are not available); if False the queue is strict and stops at the first that cannot be
  fully served.

Timing: decisions for incidents submitted at time t are taken when time moves past t (or at
``step(t)``/``assign(t)``), so all incidents of one tick compete under the policy's priority.

Efficiency: pending incidents sit in arrays (one row per incident on the resource axis); each
records which resources it waits for, and an event (units returning, resupply arriving)
re-examines only incidents waiting for what grew and now possibly servable. Travel-time columns
come from cached shortest-path rows. Per-incident Python work is a few dozen array operations.

Assumptions: dispatch decisions are not revised (in-flight units are not re-routed when roads
change); reusable units go back to their own depot after the job, travelling the shortest route
at completion time when that is known without a new search, else (or if the depot is then
unreachable) taking their outbound time; supplies are used up.

Cost: each change of the road speed factors invalidates routes; afterwards each new incident
site costs one shortest-path search until ``n_depots`` sites have been routed, then all depot
rows are computed once (ski rental). Callers should change factors only when they change
materially (e.g. quantised), since equal factors keep the cache.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.response.incidents import Incident
from sim.response.resources import (
    EQUIPMENT,
    IS_TEAM,
    N_RESOURCES,
    RESOURCE_INDEX,
    REUSABLE,
    SKILLS,
    Bundle,
    Depot,
    DepotStock,
    ResupplyPolicy,
    UnknownResourceError,
)

_EPS = 1e-9
_TEAM_COLS = np.flatnonzero(IS_TEAM)
# Event ranks at equal times: stock arrivals before completions.
_RANK_STOCK, _RANK_COMPLETE = 0, 1


class DispatchError(ValueError):
    """Invalid use of the dispatcher (unknown or duplicate incident, wrong mode, bad policy)."""


class TimeOrderError(DispatchError):
    """A call went back in time; model time must not decrease."""


class UnreachableDepotError(DispatchError):
    """A transfer was asked between depots the road network does not connect."""


@dataclass(frozen=True)
class DispatchPolicy:
    """How queued incidents are ordered and bundles assembled (see module docstring)."""

    priority: str = "fcfs"
    bundle_complete: bool = False
    mutual_aid: bool = True
    backfill: bool = True
    consolidation_slack_h: float = 0.25

    def __post_init__(self) -> None:
        if self.priority not in ("fcfs", "severity"):
            raise DispatchError(f"priority must be 'fcfs' or 'severity', got {self.priority!r}")
        if not self.consolidation_slack_h >= 0:
            raise DispatchError("consolidation_slack_h must be >= 0")

    @classmethod
    def named(cls, name: str, **overrides) -> DispatchPolicy:
        """Preset by name: ``nearest``, ``severity``, ``bundle_complete``,
        ``severity_bundle_complete``; keyword overrides (e.g. ``mutual_aid=False``) apply on top.
        """
        presets = {
            "nearest": {},
            "severity": {"priority": "severity"},
            "bundle_complete": {"bundle_complete": True},
            "severity_bundle_complete": {"priority": "severity", "bundle_complete": True},
        }
        if name not in presets:
            raise DispatchError(f"unknown policy {name!r}; valid names are {sorted(presets)}")
        return cls(**{**presets[name], **overrides})


class Leg(NamedTuple):
    """Units sent from one depot to one incident.

    Attributes:
        depot: depot row index.
        resources: (N_RESOURCES,) quantities on the resource axis.
        depart_h, arrive_h: departure from the depot and arrival on scene (h).
    """

    depot: int
    resources: np.ndarray
    depart_h: float
    arrive_h: float

    @property
    def bundle(self) -> Bundle:
        return Bundle.from_vector(self.resources)


class Dispatch(NamedTuple):
    """One assignment decision.

    Attributes:
        incident_id: the incident served.
        t_h: decision time (h).
        legs: the units sent now.
        first_arrival_h: earliest arrival on scene of anything sent to this incident so far.
        full_bundle_h: time the whole need is on scene; NaN while part is still unassigned.
        complete_h: ``full_bundle_h + work_h`` (NaN while incomplete).
    """

    incident_id: int
    t_h: float
    legs: tuple[Leg, ...]
    first_arrival_h: float
    full_bundle_h: float
    complete_h: float


class Completion(NamedTuple):
    """An incident resolved at ``t_h`` (the model repairs the asset, frees the road, ...)."""

    incident_id: int
    kind: str
    t_h: float


class _Job:
    __slots__ = (
        "incident",
        "t_submitted_h",
        "residual",
        "legs",
        "t_first_dispatch_h",
        "first_arrival_h",
        "last_arrival_h",
        "full_bundle_h",
        "complete_h",
        "t_completed_h",
        "slot",
        "group",
        "times_h",
        "base_mask",
        "times_version",
        "needs_team",
    )

    def __init__(self, incident: Incident, t_h: float, group: int):
        self.incident = incident
        self.t_submitted_h = t_h
        self.residual = incident.need.to_vector()
        self.legs: list[Leg] = []
        self.t_first_dispatch_h = np.nan
        self.first_arrival_h = np.inf
        self.last_arrival_h = -np.inf
        self.full_bundle_h = np.nan
        self.complete_h = np.nan
        self.t_completed_h = np.nan
        self.slot = -1
        self.group = group
        self.times_h: np.ndarray | None = None
        self.base_mask: np.ndarray | None = None
        self.times_version = -1
        self.needs_team = bool(self.residual[_TEAM_COLS].max() > _EPS)


class Dispatcher:
    """Assign depot resources to incidents under a :class:`DispatchPolicy`.

    Args:
        router: a :class:`sim.response.routing.RoadRouter` (or any object with
            ``travel_time_h(sources, targets)``, ``is_cached(sources)``, ``n_nodes`` and
            ``version``). Roads must be two-way (symmetric travel times).
        depots: the depots; row ``k`` of every stock array is ``depots[k]``.
        policy: a :class:`DispatchPolicy` or a preset name (``DispatchPolicy.named``).
        rng: random generator; used once to draw a fixed tie-break order among depots at
            equal travel time (so ties do not always favour the first-listed depot).
        auto_complete: schedule completions internally at ``complete_h`` (see module doc).
        resupply: optional (s, S) policy that reorders consumables automatically.
        t0_h: model time at construction (start of the utilisation window).

    Raises:
        DispatchError: bad policy name; ResourceError: bad depot stock.
    """

    def __init__(
        self,
        router,
        depots: Sequence[Depot],
        policy: str | DispatchPolicy,
        rng: np.random.Generator,
        *,
        auto_complete: bool = True,
        resupply: ResupplyPolicy | None = None,
        t0_h: float = 0.0,
    ):
        self.router = router
        self.depots = list(depots)
        self.policy = DispatchPolicy.named(policy) if isinstance(policy, str) else policy
        self.stock = DepotStock(self.depots)
        self.auto_complete = auto_complete
        self.resupply = resupply
        self._lead_vec = resupply.lead_time_vector() if resupply is not None else None
        n_d = len(self.depots)
        self._depot_node = np.array([d.node for d in self.depots], dtype=np.int64)
        self._depot_district = np.array([d.district for d in self.depots], dtype=np.int64)
        self._depot_central = np.array([d.central for d in self.depots], dtype=bool)
        if n_d and (self._depot_node.min() < 0 or self._depot_node.max() >= router.n_nodes):
            raise DispatchError("a depot node is outside the road network")
        self._tiebreak = rng.permutation(n_d)
        # Eligibility groups: one (all depots) with mutual aid, else one per district.
        self._group_of: dict[int, int] = {}
        self._group_masks: list[np.ndarray] = []
        self._group_matrix = np.zeros((0, n_d))
        # Pending-incident table, one slot per unserved incident (vectorised pre-filter).
        self._cap = 0
        self._hi = 0
        self._n_active = 0
        self._free: list[int] = []
        self._slot_job: list[_Job | None] = []
        self._res = np.zeros((0, N_RESOURCES))
        self._prio = np.zeros(0)
        self._tc = np.zeros(0)
        self._seq = np.zeros(0, dtype=np.int64)
        self._grp = np.zeros(0, dtype=np.int64)
        self._dispatched = np.zeros(0, dtype=bool)
        self._needs_team = np.zeros(0, dtype=bool)
        self._active = np.zeros(0, dtype=bool)
        # Wake-up index: a pending incident is re-examined only when a resource it is blocked
        # on becomes more available (or it is new, or the road network changed), so an event
        # costs O(incidents affected), not O(queue).
        self._blocked = np.zeros((0, N_RESOURCES), dtype=bool)
        self._increased = np.zeros(N_RESOURCES, dtype=bool)
        self._new_slots: list[int] = []
        self._recheck_all = False  # examine every pending incident (tests, debugging)
        self._network_changed = False
        self._route_blocked = np.zeros(0, dtype=bool)  # failed for want of a reachable depot
        self._seen_version = router.version
        self._rows_version, self._incident_rows = -1, 0
        self._node_times: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._grow(64)
        self._jobs: dict[int, _Job] = {}
        self._heap: list[tuple] = []
        self._seq_counter = 0
        self._outbox: list[Dispatch | Completion] = []
        self._dirty = False
        self.t0_h = float(t0_h)
        self._clock_h = float(t0_h)
        self._integrated_h = float(t0_h)
        self._busy_unit_h = np.zeros(N_RESOURCES)
        self._owned_unit_h = np.zeros(N_RESOURCES)

    # -- clock and events ---------------------------------------------------------------
    @property
    def clock_h(self) -> float:
        """Model time up to which the dispatcher's state has been advanced."""
        return self._clock_h

    def _advance_clock(self, t_h: float) -> None:
        if t_h < self._clock_h - 1e-9:
            raise TimeOrderError(f"time went back: {t_h} h < dispatcher clock {self._clock_h} h")
        if t_h > self._clock_h:
            self._clock_h = t_h

    def _integrate(self) -> None:
        """Accumulate busy/owned unit-hours up to the clock; call before any stock change."""
        dt = self._clock_h - self._integrated_h
        if dt > 0:
            self._busy_unit_h += self.stock.out_total * dt
            self._owned_unit_h += self.stock.owned_total * dt
            self._integrated_h = self._clock_h

    def _push(self, t_h: float, rank: int, kind: str, payload) -> None:
        self._seq_counter += 1
        heapq.heappush(self._heap, (t_h, rank, self._seq_counter, kind, payload))

    def _catch_up(self, t_h: float) -> None:
        """Process internal events with time <= t_h, assigning after each event time."""
        if t_h < self._clock_h - 1e-9:
            raise TimeOrderError(f"time went back: {t_h} h < dispatcher clock {self._clock_h} h")
        if self._dirty and t_h > self._clock_h:
            # Incidents submitted at the current time are decided before time moves on.
            self._outbox.extend(self._assign(self._clock_h))
        heap = self._heap
        while heap and heap[0][0] <= t_h:
            te = heap[0][0]
            self._advance_clock(te)
            while heap and heap[0][0] == te:
                _, _, _, kind, payload = heapq.heappop(heap)
                if kind != "complete":
                    self._integrate()
                if kind == "return":
                    self.stock.return_from_job(*payload)
                elif kind == "transfer":
                    self.stock.finish_transfer(*payload)
                elif kind == "delivery":
                    self.stock.deliver(*payload)
                if kind != "complete":
                    self._increased |= payload[1] > _EPS
                    self._dirty = True
                else:
                    self._outbox.append(self._complete(self._jobs[payload], te))
            self._outbox.extend(self._assign(te))
        self._advance_clock(t_h)

    # -- public driving API -------------------------------------------------------------
    def submit(self, incident: Incident, t_h: float) -> None:
        """Queue an incident known to the response system at ``t_h``.

        Raises:
            DispatchError: duplicate id or node outside the road network.
            TimeOrderError: ``t_h`` earlier than the dispatcher clock.
        """
        self._catch_up(t_h)
        if incident.id in self._jobs:
            raise DispatchError(f"incident id {incident.id} submitted twice")
        if not 0 <= incident.node < self.router.n_nodes:
            raise DispatchError(f"incident {incident.id}: node {incident.node} not in road network")
        job = _Job(incident, t_h, self._group_index(incident.district))
        self._jobs[incident.id] = job
        if job.residual.max(initial=0.0) <= _EPS:  # nothing to bring: work starts at once
            job.t_first_dispatch_h = t_h
            job.first_arrival_h = job.last_arrival_h = t_h
            self._finish_bundle(job)
            self._outbox.append(Dispatch(incident.id, t_h, (), t_h, t_h, job.complete_h))
            return
        self._activate(job)

    def assign(self, t_h: float) -> list[Dispatch]:
        """Advance to ``t_h`` and assign queued incidents; return the decisions made at ``t_h``.

        Decisions made at earlier internal event times while catching up are kept for the
        next :meth:`step` / :meth:`drain_records`.
        """
        self._catch_up(t_h)
        return self._assign(t_h)

    def step(self, t_h: float) -> list[Dispatch | Completion]:
        """Advance to ``t_h`` (processing internal events in time order), assign, and return
        every record produced since the last call, in time order."""
        self._catch_up(t_h)
        self._outbox.extend(self._assign(t_h))
        return self.drain_records()

    def drain_records(self) -> list[Dispatch | Completion]:
        """Return and clear the records produced by internal processing."""
        out, self._outbox = self._outbox, []
        return out

    def run_until_idle(self) -> list[Dispatch | Completion]:
        """Process internal events until none remain (end of a simulation)."""
        self._outbox.extend(self._assign(self._clock_h))
        while self._heap:
            self._catch_up(self._heap[0][0])
        return self.drain_records()

    def on_arrival(self, incident_id: int, t_h: float) -> bool:
        """Caller-scheduled arrival hook: True if the incident's full bundle is on scene."""
        self._catch_up(t_h)
        job = self._job(incident_id)
        return bool(job.full_bundle_h <= t_h + 1e-9)

    def on_complete(self, incident_id: int, t_h: float) -> Completion:
        """Caller-scheduled completion (``auto_complete=False``): release the job's units.

        Raises:
            DispatchError: auto-completion is on, the incident is unknown, already completed,
                or its full bundle is not on scene by ``t_h``.
        """
        if self.auto_complete:
            raise DispatchError("on_complete is for auto_complete=False; completions are internal")
        self._catch_up(t_h)
        job = self._job(incident_id)
        if not np.isnan(job.t_completed_h):
            raise DispatchError(f"incident {incident_id} already completed")
        if not job.full_bundle_h <= t_h + 1e-9:
            raise DispatchError(
                f"incident {incident_id}: full bundle not on scene by {t_h} h "
                f"(full_bundle_h={job.full_bundle_h})"
            )
        return self._complete(job, t_h)

    def set_team_capacity(self, factor_by_district: np.ndarray, t_h: float) -> None:
        """Take a share of each district's teams off duty (e.g. crews sick in an epidemic).

        Args:
            factor_by_district: (D,) share of teams able to work, in [0, 1]; a depot's teams
                at home beyond ``floor(factor × owned)`` go off duty, and come back when the
                factor rises. Central reserves follow the city-wide mean factor.
            t_h: model time (h).
        """
        self._catch_up(t_h)
        self._integrate()
        factor = np.clip(np.asarray(factor_by_district, dtype=float), 0.0, 1.0)
        per_depot = np.where(
            self._depot_central, factor.mean(), factor[np.clip(self._depot_district, 0, None)]
        )
        owned = self.stock.initial + self.stock.delivered - self.stock.withdrawn
        target = np.zeros_like(owned)
        target[:, _TEAM_COLS] = owned[:, _TEAM_COLS] - np.floor(
            per_depot[:, None] * owned[:, _TEAM_COLS] + 1e-9
        )
        self.stock.set_off_duty(target)
        self._dirty = True

    def adjust_stock(self, depot: int, resource: str, amount: float, t_h: float) -> float:
        """Add (``amount`` > 0) or withdraw (< 0) units of one resource at a depot now
        (an exercise inject: reinforcements arrive, a team is called away).

        Withdrawals take at most what is at the depot (units out on jobs are not recalled).

        Returns:
            The change actually made (positive added, negative withdrawn).

        Raises:
            UnknownResourceError: ``resource`` is not a resource name.
        """
        if resource not in RESOURCE_INDEX:
            raise UnknownResourceError(
                f"unknown resource {resource!r}; valid are {list(RESOURCE_INDEX)}"
            )
        self._catch_up(t_h)
        self._integrate()
        r = RESOURCE_INDEX[resource]
        vec = np.zeros(N_RESOURCES)
        if amount >= 0:
            vec[r] = amount
            self.stock.deliver(depot, vec)
            self._increased[r] = True
            self._dirty = True
            return float(amount)
        vec[r] = min(-amount, float(self.stock.available[depot, r]))
        self.stock.withdraw(depot, vec)
        return -float(vec[r])

    def set_policy(self, policy: DispatchPolicy, t_h: float) -> None:
        """Switch the dispatch policy from now on (pending incidents are re-ordered and,
        when ``mutual_aid`` changes, re-grouped; dispatched units are not recalled)."""
        self._catch_up(t_h)
        self.policy = policy
        for job in self._jobs.values():
            if job.slot < 0:
                continue
            s = job.slot
            self._prio[s] = -job.incident.severity if policy.priority == "severity" else 0.0
            job.group = self._group_index(job.incident.district)
            self._grp[s] = job.group
            job.times_version = -1
        self._recheck_all = True
        self._dirty = True

    # -- pre-positioning and resupply ---------------------------------------------------
    def preposition(self, src: int, dst: int, bundle: Bundle, t_h: float) -> float:
        """Move units from depot ``src`` to depot ``dst`` (e.g. on an early warning).

        Returns:
            Arrival time at ``dst`` (h); the units are unavailable until then.

        Raises:
            NegativeStockError: ``src`` lacks the units.
            UnreachableDepotError: no road route between the depots.
        """
        self._catch_up(t_h)
        vec = bundle.to_vector()
        travel = float(
            self.router.travel_time_h(self._depot_node[[src]], self._depot_node[[dst]])[0, 0]
        )
        if not np.isfinite(travel):
            raise UnreachableDepotError(f"no road route from depot {src} to depot {dst}")
        self._integrate()
        self.stock.start_transfer(src, dst, vec)
        self._push(t_h + travel, _RANK_STOCK, "transfer", (dst, vec))
        return t_h + travel

    def preposition_for_warning(
        self, districts: Iterable[int], fraction: float, t_h: float
    ) -> list[tuple[int, int, Bundle, float]]:
        """Pre-positioning hook: on a warning for ``districts``, move ``fraction`` of each
        central reserve's available stock, split evenly (whole units) over the non-central
        depots of those districts.

        Returns:
            List of ``(src, dst, bundle, arrival_h)`` moves made (unreachable targets skipped).
        """
        if not 0.0 <= fraction <= 1.0:
            raise DispatchError(f"fraction must be in [0, 1], got {fraction}")
        self._catch_up(t_h)
        targets = np.flatnonzero(
            np.isin(self._depot_district, list(districts)) & ~self._depot_central
        )
        moves: list[tuple[int, int, Bundle, float]] = []
        if targets.size == 0:
            return moves
        for src in np.flatnonzero(self._depot_central):
            share = self.stock.available[src] * fraction / targets.size
            share[REUSABLE] = np.floor(share[REUSABLE] + 1e-9)
            if share.max() <= _EPS:
                continue
            reach = np.isfinite(
                self.router.travel_time_h(self._depot_node[[src]], self._depot_node[targets])[0]
            )
            for dst in targets[reach]:
                b = Bundle.from_vector(share)
                moves.append((int(src), int(dst), b, self.preposition(int(src), int(dst), b, t_h)))
        return moves

    def order_resupply(self, depot: int, bundle: Bundle, t_h: float, lead_time_h: float) -> float:
        """Order units from outside the system for ``depot``; they arrive after the lead time.

        Returns:
            Delivery time (h).
        """
        if not np.isfinite(lead_time_h) or lead_time_h < 0:
            raise DispatchError("lead_time_h must be finite and >= 0")
        self._catch_up(t_h)
        vec = bundle.to_vector()
        self.stock.order(depot, vec)
        self._push(t_h + lead_time_h, _RANK_STOCK, "delivery", (depot, vec))
        return t_h + lead_time_h

    # -- internals: slots and groups ----------------------------------------------------
    def _grow(self, new_cap: int) -> None:
        extra = new_cap - self._cap
        self._res = np.vstack([self._res, np.zeros((extra, N_RESOURCES))])
        self._prio = np.concatenate([self._prio, np.zeros(extra)])
        self._tc = np.concatenate([self._tc, np.zeros(extra)])
        self._seq = np.concatenate([self._seq, np.zeros(extra, np.int64)])
        self._grp = np.concatenate([self._grp, np.zeros(extra, np.int64)])
        self._dispatched = np.concatenate([self._dispatched, np.zeros(extra, bool)])
        self._needs_team = np.concatenate([self._needs_team, np.zeros(extra, bool)])
        self._active = np.concatenate([self._active, np.zeros(extra, bool)])
        self._blocked = np.vstack([self._blocked, np.zeros((extra, N_RESOURCES), bool)])
        self._route_blocked = np.concatenate([self._route_blocked, np.zeros(extra, bool)])
        self._slot_job.extend([None] * extra)
        self._free.extend(range(new_cap - 1, self._cap - 1, -1))
        self._cap = new_cap

    def _activate(self, job: _Job) -> None:
        if not self._free:
            self._grow(2 * self._cap)
        s = self._free.pop()
        inc = job.incident
        job.slot = s
        self._slot_job[s] = job
        self._res[s] = job.residual
        self._prio[s] = -inc.severity if self.policy.priority == "severity" else 0.0
        self._tc[s] = inc.t_created_h
        self._seq_counter += 1
        self._seq[s] = self._seq_counter
        self._grp[s] = job.group
        self._dispatched[s] = False
        self._needs_team[s] = job.needs_team
        self._blocked[s] = False
        self._route_blocked[s] = False
        self._new_slots.append(s)
        self._active[s] = True
        self._n_active += 1
        self._hi = max(self._hi, s + 1)
        self._dirty = True

    def _deactivate(self, job: _Job) -> None:
        s = job.slot
        self._active[s] = False
        self._n_active -= 1
        self._slot_job[s] = None
        self._free.append(s)
        job.slot = -1

    def _group_index(self, district: int) -> int:
        key = -1 if self.policy.mutual_aid else int(district)
        g = self._group_of.get(key)
        if g is None:
            if key == -1:
                mask = np.ones(len(self.depots), dtype=bool)
            else:
                mask = (self._depot_district == key) | self._depot_central
            g = len(self._group_masks)
            self._group_of[key] = g
            self._group_masks.append(mask)
            self._group_matrix = np.vstack([self._group_matrix, mask[None, :].astype(float)])
        return g

    def _job(self, incident_id: int) -> _Job:
        try:
            return self._jobs[incident_id]
        except KeyError:
            raise DispatchError(f"unknown incident id {incident_id}") from None

    # -- internals: assignment ----------------------------------------------------------
    def _times_to(self, job: _Job) -> tuple[np.ndarray, np.ndarray]:
        """(n_depots,) travel time depot -> incident (h) and the mask of eligible, reachable
        depots; cached per network version (and per node: repeated sites cost nothing).

        Roads are two-way, so the times can come from the depots' shortest-path rows or from
        one row out of the incident. After a network change the first ``n_depots`` incidents
        each use their own row (one Dijkstra each); after that all depot rows are computed
        once. This is the ski-rental rule: never more than twice the cost of the better of
        the two strategies, whatever the number of incidents per network state.
        """
        version = self.router.version
        if job.times_version != version:
            if self._rows_version != version:
                self._rows_version, self._incident_rows = version, 0
                self._node_times.clear()
            key = (job.incident.node, job.group)
            hit = self._node_times.get(key)
            if hit is None:
                router, node = self.router, job.incident.node
                if self._incident_rows >= self._depot_node.size or router.is_cached(
                    self._depot_node
                ):
                    times = router.travel_time_h(self._depot_node, [node])[:, 0]
                else:
                    self._incident_rows += 1
                    times = router.travel_time_h([node], self._depot_node)[0]
                hit = (times, self._group_masks[job.group] & np.isfinite(times))
                self._node_times[key] = hit
            job.times_h, job.base_mask = hit
            job.times_version = version
        return job.times_h, job.base_mask

    def _prefilter(self, res: np.ndarray, gavail: np.ndarray, dispatched: np.ndarray) -> np.ndarray:
        """Necessary conditions for serving each pending incident from its group's stock."""
        if self.policy.bundle_complete:
            return (res <= gavail + _EPS).all(axis=1)
        overlap = (res > _EPS) & (gavail > _EPS)
        team_needed = (res[:, _TEAM_COLS] > _EPS).any(axis=1)
        team_ok = overlap[:, _TEAM_COLS].any(axis=1)
        return np.where(~dispatched & team_needed, team_ok, overlap.any(axis=1))

    def _can_serve(self, s: int, gavail: np.ndarray) -> bool:
        """Scalar version of :meth:`_prefilter` for pending slot ``s``."""
        res = self._res[s]
        if self.policy.bundle_complete:
            return bool((res <= gavail + _EPS).all())
        overlap = (res > _EPS) & (gavail > _EPS)
        if not self._dispatched[s] and self._slot_job[s].needs_team:
            return bool(overlap[_TEAM_COLS].any())
        return bool(overlap.any())

    def _assign(self, t_h: float) -> list[Dispatch]:
        if self.router.version != self._seen_version:  # roads changed: every route may change
            self._seen_version = self.router.version
            self._network_changed = self._dirty = True
        if not self._dirty or self._n_active == 0:
            self._dirty = False
            return []
        self._dirty = False
        if not self.policy.backfill:
            return self._assign_strict(t_h)
        cand, gavail = self._woken()
        if cand.size == 0:
            return []
        if gavail is None:
            gavail = self._group_matrix @ self.stock.available
        if cand.size > 1:
            cand = cand[np.lexsort((self._seq[cand], self._tc[cand], self._prio[cand]))]
        if cand.size <= 8:
            return self._assign_few(cand, gavail, t_h)
        return self._assign_many(cand, gavail, t_h)

    def _woken(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Pending slots worth examining now.

        New slots, all slots after a road-network change, and blocked slots whose wait may be
        over: under ``bundle_complete`` every resource they were short of is now sufficient
        in their group; under ``nearest`` one of the resources they wait for is available.
        A blocked slot left out still lacks a resource it waits for, so it cannot be served
        before that resource increases, which will wake it again.

        Returns:
            The slots, and the group availability if it had to be computed (else None).
        """
        gavail = None
        if self._recheck_all:
            cand = np.flatnonzero(self._active[: self._hi])
        else:
            new = np.array(self._new_slots, dtype=np.int64)
            cand = new[self._active[new]] if new.size else new
            if self._network_changed:  # only routing failures can be cured by new routes
                hi = self._hi
                cand = np.union1d(
                    cand, np.flatnonzero(self._route_blocked[:hi] & self._active[:hi])
                )
            inc = np.flatnonzero(self._increased)
            if inc.size:
                hi = self._hi
                hit = np.flatnonzero(self._blocked[:hi, inc].any(axis=1) & self._active[:hi])
                if hit.size:
                    gavail = self._group_matrix @ self.stock.available
                    hit = hit[self._ready(hit, gavail)]
                    cand = np.union1d(hit, cand) if cand.size else hit
        self._recheck_all = self._network_changed = False
        self._increased[:] = False
        self._new_slots.clear()
        return cand, gavail

    def _ready(self, slots: np.ndarray, gavail: np.ndarray) -> np.ndarray:
        """(k,) bool: whether each slot's wait may be over (see :meth:`_woken`).

        Slots with an empty blocked row (new, or waiting for the road network) count as
        ready.
        """
        blk = self._blocked[slots]
        g = gavail[self._grp[slots]]
        if self.policy.bundle_complete:
            over = ((self._res[slots] <= g + _EPS) | ~blk).all(axis=1)
        else:
            over = (blk & (g > _EPS)).any(axis=1)
        return over | ~blk.any(axis=1)

    def _blocking(self, slots: np.ndarray, gavail_rows: np.ndarray) -> np.ndarray:
        """(k, N_RESOURCES) bool: the resources whose increase could let each slot proceed.

        bundle_complete: the resources short in its group. nearest: a job not yet started
        that needs a team waits for one of its teams; otherwise for any resource it lacks.
        """
        res = self._res[slots]
        if self.policy.bundle_complete:
            return res > gavail_rows + _EPS
        need = res > _EPS
        wait_team = ~self._dispatched[slots] & self._needs_team[slots]
        return np.where(wait_team[:, None], need & IS_TEAM, need)

    def _assign_few(self, cand: np.ndarray, gavail: np.ndarray, t_h: float) -> list[Dispatch]:
        out: list[Dispatch] = []
        for s in cand.tolist():
            g = gavail[self._grp[s]]
            if not self._can_serve(s, g):
                res = self._res[s]
                if self.policy.bundle_complete:
                    self._blocked[s] = res > g + _EPS
                elif not self._dispatched[s] and self._needs_team[s]:
                    self._blocked[s] = (res > _EPS) & IS_TEAM
                else:
                    self._blocked[s] = res > _EPS
                continue
            job = self._slot_job[s]
            d = self._try_assign(job, t_h)  # on failure it records what the job waits for
            if d is None:
                continue
            out.append(d)
            if job.slot >= 0:  # partly served: wait for any of the rest to free up
                self._blocked[s] = job.residual > _EPS
                self._route_blocked[s] = True  # the rest may sit at unreachable depots
            gavail = self._group_matrix @ self.stock.available
        return out

    def _assign_many(self, cand: np.ndarray, gavail: np.ndarray, t_h: float) -> list[Dispatch]:
        """As :meth:`_assign_few`, in priority-ordered chunks with a vectorised pre-check.

        After each commit the candidates not yet examined are filtered again with
        :meth:`_ready`: one that is no longer ready still lacks a resource it waits for, so
        it keeps its blocked row and is skipped (it will be woken when that resource grows).
        """
        out: list[Dispatch] = []
        chunk = 32
        rest = cand
        while rest.size:
            part, rest = rest[:chunk], rest[chunk:]
            ok = self._prefilter(self._res[part], gavail[self._grp[part]], self._dispatched[part])
            handled = np.zeros(part.size, dtype=bool)  # blocked row set by the attempt
            k = 0
            while True:
                nz = np.flatnonzero(ok[k:])
                if nz.size == 0:
                    break
                k += int(nz[0])
                s = int(part[k])
                job = self._slot_job[s]
                d = self._try_assign(job, t_h)
                handled[k] = True
                k += 1
                if d is None:
                    continue
                out.append(d)
                if job.slot >= 0:  # partly served: wait for any of the rest to free up
                    self._blocked[s] = job.residual > _EPS
                    self._route_blocked[s] = True
                gavail = self._group_matrix @ self.stock.available
                if k < part.size:
                    tail = part[k:]
                    ok[k:] = self._prefilter(
                        self._res[tail], gavail[self._grp[tail]], self._dispatched[tail]
                    )
                if rest.size:
                    rest = rest[self._ready(rest, gavail)]
            waiting = part[~handled & self._active[part]]
            if waiting.size:
                self._blocked[waiting] = self._blocking(waiting, gavail[self._grp[waiting]])
        return out

    def _assign_strict(self, t_h: float) -> list[Dispatch]:
        """No backfill: serve in priority order, stop at the first incident not fully served."""
        self._increased[:] = False
        self._new_slots.clear()
        self._recheck_all = self._network_changed = False
        active = np.flatnonzero(self._active[: self._hi])
        order = active[np.lexsort((self._seq[active], self._tc[active], self._prio[active]))]
        out: list[Dispatch] = []
        for s in order:
            gavail = self._group_matrix[self._grp[s]] @ self.stock.available
            if not self._can_serve(s, gavail):
                break
            job = self._slot_job[s]
            d = self._try_assign(job, t_h)
            if d is not None:
                out.append(d)
            if d is None or job.slot >= 0:
                break
        return out

    def _try_assign(self, job: _Job, t_h: float) -> Dispatch | None:
        need = job.residual
        avail = self.stock.available
        times, base = self._times_to(job)
        rel = need > _EPS
        idx = np.flatnonzero(base & (avail[:, rel] > _EPS).any(axis=1))
        if idx.size == 0:
            # The group holds stock (pre-check) but not at a reachable depot: wait for stock
            # there or for the roads to change; with no reachable depot at all, for the roads.
            self._blocked[job.slot] = rel if base.any() else False
            self._route_blocked[job.slot] = True
            return None
        if idx.size > 1:
            idx = idx[np.lexsort((self._tiebreak[idx], times[idx]))]
        a = np.minimum(avail[idx], need)
        if idx.size == 1:
            take = a
        else:
            # Greedy nearest-first per resource: row k takes what is still missing after
            # the nearer rows (cumulative sums capped at the need).
            cum = a.cumsum(axis=0)
            take = np.minimum(cum, need)
            take[1:] -= take[:-1].copy()
        if self.policy.bundle_complete:
            if (take.sum(axis=0) < need - _EPS).any():
                self._blocked[job.slot] = rel  # short at the reachable depots it may draw on
                self._route_blocked[job.slot] = True
                return None
            used = take.max(axis=1) > _EPS
            if idx.size > 1:
                t_star = times[idx[used]].max()
                single = (a >= need - _EPS).all(axis=1)
                j = int(np.argmax(single))  # nearest depot holding the whole bundle, if any
                if single[j] and times[idx[j]] <= t_star + self.policy.consolidation_slack_h:
                    return self._commit(job, idx[j : j + 1], need[None, :], times, t_h)
            return self._commit(job, idx[used], take[used], times, t_h)
        if job.legs == [] and job.needs_team and take[:, _TEAM_COLS].max() <= _EPS:
            self._blocked[job.slot] = rel & IS_TEAM  # "nearest" starts when a team can go
            self._route_blocked[job.slot] = True  # (a needed team exists, out of reach)
            return None
        used = take.max(axis=1) > _EPS
        return self._commit(job, idx[used], take[used], times, t_h)

    def _commit(
        self, job: _Job, depots: np.ndarray, takes: np.ndarray, times: np.ndarray, t_h: float
    ) -> Dispatch:
        self._integrate()
        self.stock.dispatch(depots, takes)
        arrive = t_h + times[depots]
        legs = tuple(
            Leg(d, row, t_h, a)
            for d, row, a in zip(depots.tolist(), takes.copy(), arrive.tolist(), strict=True)
        )
        first_dispatch = not job.legs
        job.legs.extend(legs)
        if first_dispatch:
            job.t_first_dispatch_h = t_h
        job.first_arrival_h = min(job.first_arrival_h, float(arrive.min()))
        job.last_arrival_h = max(job.last_arrival_h, float(arrive.max()))
        residual = job.residual - takes.sum(axis=0)
        residual[residual < _EPS] = 0.0
        job.residual = residual
        s = job.slot
        self._res[s] = residual
        self._dispatched[s] = True
        self._route_blocked[s] = False
        if residual.max() <= 0.0:
            self._deactivate(job)
            self._finish_bundle(job)
        if self.resupply is not None and (takes * ~REUSABLE).max() > 0:
            self._reorder(depots, t_h)
        return Dispatch(
            job.incident.id, t_h, legs, job.first_arrival_h, job.full_bundle_h, job.complete_h
        )

    def _finish_bundle(self, job: _Job) -> None:
        job.full_bundle_h = job.last_arrival_h
        job.complete_h = job.full_bundle_h + job.incident.work_h
        if self.auto_complete:
            self._push(job.complete_h, _RANK_COMPLETE, "complete", job.incident.id)

    def _complete(self, job: _Job, t_h: float) -> Completion:
        job.t_completed_h = t_h
        if job.legs:
            depots = np.array([leg.depot for leg in job.legs])
            # Return trip on today's roads if that costs no new shortest-path search (times
            # known for this network state, or depot rows cached); else the outbound time.
            if job.times_version == self.router.version:
                back = job.times_h[depots]
            elif self.router.is_cached(self._depot_node[depots]):
                back = self.router.travel_time_h(self._depot_node[depots], [job.incident.node])
                back = back[:, 0]
            else:
                back = np.full(depots.size, np.inf)
            for leg, tb in zip(job.legs, back, strict=True):
                units = leg.resources * REUSABLE
                if units.max() > 0:
                    tb = tb if np.isfinite(tb) else leg.arrive_h - leg.depart_h
                    self._push(t_h + tb, _RANK_STOCK, "return", (leg.depot, units))
        return Completion(job.incident.id, job.incident.kind, t_h)

    def _reorder(self, depots: np.ndarray, t_h: float) -> None:
        qty = self.stock.reorder_quantities(depots, self.resupply)
        for d, q in zip(depots, qty, strict=True):
            for r in np.flatnonzero(q > _EPS):
                vec = np.zeros(N_RESOURCES)
                vec[r] = q[r]
                self.stock.order(int(d), vec)
                self._push(t_h + self._lead_vec[r], _RANK_STOCK, "delivery", (int(d), vec))

    # -- results ------------------------------------------------------------------------
    def records(self) -> pd.DataFrame:
        """One row per submitted incident.

        Columns: incident_id, kind, district, severity, persons_at_risk, t_created_h,
        t_submitted_h, t_first_dispatch_h, first_arrival_h, full_bundle_h, complete_h,
        t_completed_h, n_legs, response_h (first arrival - creation), bundle_delay_h (full
        bundle - creation). Times not reached are NaN.
        """
        jobs = list(self._jobs.values())
        fa = np.array([j.first_arrival_h for j in jobs], dtype=float)
        fa[~np.isfinite(fa)] = np.nan
        tc = np.array([j.incident.t_created_h for j in jobs], dtype=float)
        full = np.array([j.full_bundle_h for j in jobs], dtype=float)
        return pd.DataFrame(
            {
                "incident_id": np.array([j.incident.id for j in jobs], dtype=np.int64),
                "kind": [j.incident.kind for j in jobs],
                "district": np.array([j.incident.district for j in jobs], dtype=np.int64),
                "severity": np.array([j.incident.severity for j in jobs], dtype=float),
                "persons_at_risk": np.array([j.incident.persons_at_risk for j in jobs], np.int64),
                "t_created_h": tc,
                "t_submitted_h": np.array([j.t_submitted_h for j in jobs], dtype=float),
                "t_first_dispatch_h": np.array([j.t_first_dispatch_h for j in jobs], float),
                "first_arrival_h": fa,
                "full_bundle_h": full,
                "complete_h": np.array([j.complete_h for j in jobs], dtype=float),
                "t_completed_h": np.array([j.t_completed_h for j in jobs], dtype=float),
                "n_legs": np.array([len(j.legs) for j in jobs], dtype=np.int64),
                "response_h": fa - tc,
                "bundle_delay_h": full - tc,
            }
        )

    def unmet(self, t_h: float | None = None) -> np.ndarray:
        """Ids of incidents whose full bundle is not on scene by ``t_h`` (default: clock)."""
        t = self._clock_h if t_h is None else t_h
        return np.array(
            [i for i, j in self._jobs.items() if not j.full_bundle_h <= t + 1e-9], dtype=np.int64
        )

    def utilisation(self, t_h: float | None = None) -> dict[str, float]:
        """Busy unit-hours / owned unit-hours per team skill and equipment type, from ``t0_h``.

        Busy = away on a job (travel out, on scene, travel back). Owned = at the depot, on a
        job or in transfer. NaN where nothing of that type is owned. ``t_h`` (>= clock)
        extends the window without changing state.
        """
        t = self._clock_h if t_h is None else t_h
        if t < self._clock_h - 1e-9:
            raise TimeOrderError(f"utilisation asked at {t} h before clock {self._clock_h} h")
        dt = t - self._integrated_h
        busy = self._busy_unit_h + self.stock.out_total * dt
        owned = self._owned_unit_h + self.stock.owned_total * dt
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(owned > 0, busy / owned, np.nan)
        return {name: float(ratio[RESOURCE_INDEX[name]]) for name in SKILLS + EQUIPMENT}

    def summary(self, t_h: float | None = None) -> dict[str, float]:
        """Headline service figures at ``t_h`` (default: clock)."""
        rec = self.records()
        t = self._clock_h if t_h is None else t_h
        served = rec["full_bundle_h"] <= t + 1e-9
        never = rec["t_first_dispatch_h"].isna()
        return {
            "n_incidents": float(len(rec)),
            "n_full_bundle": float(served.sum()),
            "n_unmet": float((~served).sum()),
            "n_never_dispatched": float(never.sum()),
            "mean_response_h": float(rec["response_h"].mean()),
            "mean_bundle_delay_h": float(rec.loc[served, "bundle_delay_h"].mean()),
        }
