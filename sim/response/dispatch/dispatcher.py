"""The dispatcher: the public face of :mod:`sim.response.dispatch` (see there for the driving
modes, the policy and the assumptions). It owns the job of each incident, drives its parts in
event-time order and turns their decisions into records:

- :class:`~sim.response.dispatch.clock.EventClock`: clock, internal event heap, unit-hours;
- :class:`~sim.response.dispatch.reach.DepotReach`: eligibility groups, travel times;
- :class:`~sim.response.dispatch.pending.PendingTable`: pending incidents, wake-up index;
- :class:`~sim.response.dispatch.rounds.AssignmentRounds`: whom to examine, in which order;
- :func:`~sim.response.dispatch.assembly.plan_legs`: which depots send what to one incident;
- :class:`~sim.response.dispatch.stock_moves.StockMoves`: stock changes outside jobs, on the
  ledger :class:`~sim.response.resources.DepotStock`;
- :mod:`~sim.response.dispatch.results`: the job table and its headline figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sim.response.dispatch.assembly import Legs, Wait, plan_legs
from sim.response.dispatch.clock import RANK_COMPLETE, RANK_STOCK, EventClock
from sim.response.dispatch.pending import PendingTable
from sim.response.dispatch.reach import DepotReach
from sim.response.dispatch.records import (
    EPS,
    Completion,
    Dispatch,
    DispatchError,
    DispatchPolicy,
    Job,
    Leg,
)
from sim.response.dispatch.results import job_records, service_summary
from sim.response.dispatch.rounds import AssignmentRounds
from sim.response.dispatch.stock_moves import StockMoves
from sim.response.incidents import Incident
from sim.response.resources import (
    EQUIPMENT,
    RESOURCE_INDEX,
    REUSABLE,
    SKILLS,
    Bundle,
    Depot,
    DepotStock,
    ResupplyPolicy,
    UnknownResourceError,
)

MAX_DOUBLINGS = 2
"""A bounded search that found no complete bundle is redone twice as far, at most this many
times before searching everywhere (a cost knob only: decisions do not depend on it)."""


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

    pending_table = PendingTable
    """Class of the pending table (a test replaces it to switch the wake-up index off)."""

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
        self.reach = DepotReach(router, self.depots, rng)
        self.pending = self.pending_table(64)
        self.rounds = AssignmentRounds(self.pending, self.reach, self.stock, self._try_assign)
        self.clock = EventClock(t0_h)
        self.moves = StockMoves(self.stock, self.clock, self.reach, resupply)
        self._seen_version = router.version
        self._size_version, self._comp_size = -1, None  # road component sizes, by closures
        self._ends_version = -1  # closures under which two-ended jobs were last placed
        self._jobs: dict[int, Job] = {}
        self._outbox: list[Dispatch | Completion] = []
        self._dirty = False  # something changed that may let a pending incident proceed
        #: Assembly attempts, and those that found the bundle short (futile retries).
        self.attempts = 0
        self.failed_attempts = 0
        #: (D,) hours added to every set-out for an incident in each district (telecom down:
        #: slower coordination; :meth:`set_coordination_delay`); empty: none.
        self.coordination_delay_h = np.zeros(0)
        self.t0_h = float(t0_h)

    # -- clock and events ---------------------------------------------------------------
    @property
    def clock_h(self) -> float:
        """Model time up to which the dispatcher's state has been advanced."""
        return self.clock.now_h

    def _catch_up(self, t_h: float) -> None:
        """Process internal events with time <= t_h, assigning after each event time."""
        clock = self.clock
        clock.check(t_h)
        if self._dirty and t_h > clock.now_h:
            # Incidents submitted at the current time are decided before time moves on.
            self._outbox.extend(self._assign(clock.now_h))
        while (te := clock.next_h()) is not None and te <= t_h:
            clock.advance(te)
            while clock.next_h() == te:
                kind, payload = clock.pop()
                if kind == "complete":
                    self._outbox.append(self._complete(self._jobs[payload], te))
                    continue
                self.pending.increased |= self.moves.receive(kind, payload)
                self._dirty = True
            self._outbox.extend(self._assign(te))
        clock.advance(t_h)

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
        self._follow_components()
        if incident.alt_node >= 0:
            size = self._component_size()
            if size is not None and size[incident.alt_node] > size[incident.node]:
                incident.node, incident.alt_node = incident.alt_node, incident.node
        group = self.reach.group_index(incident.district, self.policy.mutual_aid, incident.node)
        job = Job(incident, t_h, group)
        self._jobs[incident.id] = job
        if job.residual.max(initial=0.0) <= EPS:  # nothing to bring: work starts at once
            job.t_first_dispatch_h = t_h
            job.first_arrival_h = job.last_arrival_h = t_h
            self._finish_bundle(job)
            self._outbox.append(Dispatch(incident.id, t_h, (), t_h, t_h, job.complete_h))
            return
        self.pending.activate(job, self._priority(incident))
        if incident.alt_node >= 0 or incident.persons_at_risk > 0:
            self._ends_version = -1  # place it and weigh access again before assigning
        self._dirty = True

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
        self._outbox.extend(self._assign(self.clock.now_h))
        while (t_next := self.clock.next_h()) is not None:
            self._catch_up(t_next)
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

    def set_policy(self, policy: DispatchPolicy, t_h: float) -> None:
        """Switch the dispatch policy from now on (pending incidents are re-ordered and,
        when ``mutual_aid`` changes, re-grouped; dispatched units are not recalled)."""
        self._catch_up(t_h)
        self.policy = policy
        for job in self._jobs.values():
            if job.slot < 0:
                continue
            s = job.slot
            self.pending.prio[s] = self.pending.base_prio[s] = self._priority(job.incident)
            job.group = self.reach.group_index(
                job.incident.district, policy.mutual_aid, job.incident.node
            )
            self.pending.grp[s] = job.group
            job.times_version = -1
        self.pending.recheck_all = True
        self._dirty = True

    # -- stock: capacity, injects, pre-positioning and resupply -------------------------
    def set_team_capacity(self, factor_by_district: np.ndarray, t_h: float) -> None:
        """Take a share of each district's teams off duty (e.g. crews sick in an epidemic).

        Args:
            factor_by_district: (D,) share of teams able to work, in [0, 1]; a depot's teams
                at home beyond ``floor(factor × owned)`` go off duty, and come back when the
                factor rises. Central reserves follow the city-wide mean factor.
            t_h: model time (h).
        """
        self._catch_up(t_h)
        self.moves.set_team_capacity(factor_by_district)
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
        change = self.moves.adjust(depot, resource, amount)
        if amount >= 0:
            self.pending.increased[RESOURCE_INDEX[resource]] = True
            self._dirty = True
        return change

    def preposition(self, src: int, dst: int, bundle: Bundle, t_h: float) -> float:
        """Move units from depot ``src`` to depot ``dst`` (e.g. on an early warning).

        Returns:
            Arrival time at ``dst`` (h); the units are unavailable until then.

        Raises:
            NegativeStockError: ``src`` lacks the units.
            UnreachableDepotError: no road route between the depots.
        """
        self._catch_up(t_h)
        return self.moves.transfer(src, dst, bundle, t_h)

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
        return [
            (src, dst, b, self.preposition(src, dst, b, t_h))
            for src, dst, b in self.moves.warning_moves(districts, fraction)
        ]

    def order_resupply(self, depot: int, bundle: Bundle, t_h: float, lead_time_h: float) -> float:
        """Order units from outside the system for ``depot``; they arrive after the lead time.

        Returns:
            Delivery time (h).
        """
        if not np.isfinite(lead_time_h) or lead_time_h < 0:
            raise DispatchError("lead_time_h must be finite and >= 0")
        self._catch_up(t_h)
        return self.moves.order(depot, bundle, t_h, lead_time_h)

    # -- jobs: assignment, commit, completion -------------------------------------------
    def _priority(self, incident: Incident) -> float:
        return -incident.severity if self.policy.priority == "severity" else 0.0

    def _job(self, incident_id: int) -> Job:
        try:
            return self._jobs[incident_id]
        except KeyError:
            raise DispatchError(f"unknown incident id {incident_id}") from None

    def _follow_components(self) -> None:
        """After closures changed which depots a node reaches: re-group the pending jobs
        whose reach changed and examine them, with the jobs whose group gained depots
        (:meth:`DepotReach.refresh_components`); O(pending) in numpy, a Python step per
        re-grouped job only."""
        gained = self.reach.refresh_components()
        pending, reach = self.pending, self.reach
        switched = self._switch_ends()
        if gained is None and not switched:
            return
        slots = pending.active_slots()
        if gained is None:
            gained = np.zeros(len(reach.group_rep), dtype=bool)
        grp = pending.grp[slots]
        moved = reach.node_rep[pending.node[slots]] != reach.group_rep[grp]
        wake = slots[moved | gained[grp]]
        for s in slots[moved].tolist():
            job = pending.slot_job[s]
            job.group = reach.group_index(
                job.incident.district, self.policy.mutual_aid, job.incident.node
            )
            pending.grp[s] = job.group
        if wake.size:
            pending.wake(wake)
            self._dirty = True

    def _component_size(self) -> np.ndarray | None:
        """(n_nodes,) nodes in each node's component of the open roads (None: the router
        has no components), computed once per set of closures."""
        labels = getattr(self.router, "component_labels", None)
        if labels is None:
            return None
        version = getattr(self.router, "closure_version", 0)
        if self._size_version != version:
            comp = labels()
            self._comp_size = np.bincount(comp)[comp]
            self._size_version = version
        return self._comp_size

    def _switch_ends(self) -> bool:
        """Serve each job with two ends (a blocked road) that no unit has set out for from
        the end in the larger road component; returns whether a job moved. Without it, fallen
        trees that enclose a pocket of the network deadlock: a job at the pocket's inner end
        waits for crews that can only come from inside (Rumbia 2018: hundreds of jobs and the
        people trapped in such pockets never served). Component size stands for the depots
        an end can reach (assumption). Looked at once per set of closures."""
        version = getattr(self.router, "closure_version", 0)
        if version == self._ends_version:
            return False
        self._ends_version = version
        pending = self.pending
        slots = pending.active_slots()
        two = slots[(pending.alt[slots] >= 0) & ~pending.dispatched[slots]]
        size = self._component_size() if two.size else None
        if size is None:
            return False
        move = two[size[pending.alt[two]] > size[pending.node[two]]]
        for s in move.tolist():
            inc = pending.slot_job[s].incident
            inc.node, inc.alt_node = inc.alt_node, inc.node
            pending.node[s], pending.alt[s] = inc.node, inc.alt_node
            pending.slot_job[s].times_version = -1
        self._access_first(slots, two)
        return bool(move.size)

    def _access_first(self, slots: np.ndarray, two: np.ndarray) -> None:
        """Clear the way to people first: a two-ended job whose far end lies in a pocket of
        the road network (a component smaller than the largest) where people wait on an
        undispatched job goes ahead of every job of the policy's order (priority one above
        the most urgent of those people's jobs). Assumption: incident command opens the
        access to a rescue before other clearing work; the boost is recomputed whenever the
        closures change and dropped once the pocket holds no waiting person."""
        pending = self.pending
        pending.prio[two] = pending.base_prio[two]
        size = self._comp_size
        life = slots[pending.life[slots] & ~pending.dispatched[slots]]
        cut = life[size[pending.node[life]] < size.max(initial=0)]
        if not cut.size:
            return
        comp = self.router.component_labels()
        urgent: dict[int, float] = {}
        for c, p in zip(comp[pending.node[cut]].tolist(), pending.prio[cut].tolist(), strict=True):
            urgent[c] = min(p, urgent.get(c, p))
        far = comp[pending.alt[two]]
        for s, c in zip(two.tolist(), far.tolist(), strict=True):
            if c in urgent:
                pending.prio[s] = min(pending.base_prio[s], urgent[c] - 1.0)

    def _assign(self, t_h: float) -> list[Dispatch]:
        if self.router.version != self._seen_version:  # roads changed: every route may change
            self._seen_version = self.router.version
            self.pending.network_changed = self._dirty = True
            self._follow_components()
            self.moves.release_held()
        elif self._ends_version == -1:
            self._follow_components()
        if not self._dirty or self.pending.n_active == 0:
            self._dirty = False
            return []
        self._dirty = False
        return self.rounds.run(self.policy, t_h)

    def _try_assign(self, job: Job, t_h: float) -> Dispatch | None:
        act = self._activation(job)
        times, eligible = self.reach.times_to(job)
        times = times + act  # when each depot's units would be on scene
        plan = self._plan(job, times, eligible)
        while job.times_horizon_h < np.inf and not self._exact(job, plan, times, eligible, act):
            times, eligible = self.reach.times_to(job, horizon_h=self._farther(job, plan))
            times = times + act
            plan = self._plan(job, times, eligible)
        if isinstance(plan, Legs) and self.policy.bundle_complete:
            self.reach.learn_horizon(
                job.incident.kind, plan.t_star_h + self.policy.consolidation_slack_h
            )
        self.attempts += 1
        if isinstance(plan, Wait):
            self.failed_attempts += 1
            self.pending.wait_for(job.slot, plan.blocked)
            return None
        return self._commit(job, plan.depots, plan.takes, times, t_h)

    def _activation(self, job: Job) -> np.ndarray:
        """(n_depots,) hours before each depot's units set out for ``job`` (mutual aid and
        the city reserve are activated first; :class:`DispatchPolicy`)."""
        p = self.policy
        act = self.reach.activation_h(
            job.incident.district, p.aid_activation_h, p.reserve_activation_h
        )
        d = job.incident.district
        if 0 <= d < self.coordination_delay_h.size and self.coordination_delay_h[d] > 0:
            return act + self.coordination_delay_h[d]
        return act

    def set_coordination_delay(self, delay_h: np.ndarray) -> None:
        """Hours added to every unit's set-out for incidents in each district from now on
        ((D,), >= 0; plans already made keep their times)."""
        delay = np.asarray(delay_h, float)
        if delay.ndim != 1 or not np.isfinite(delay).all() or (delay < 0).any():
            raise DispatchError("coordination delays must be a finite, non-negative (D,) array")
        self.coordination_delay_h = delay

    def _plan(self, job: Job, times: np.ndarray, eligible: np.ndarray) -> Legs | Wait:
        return plan_legs(
            job.residual,
            self.stock.available,
            times,
            eligible,
            self.reach.tiebreak,
            self.policy,
            started=bool(job.legs),
            needs_team=job.needs_team,
        )

    def _exact(self, job: Job, plan, times: np.ndarray, eligible: np.ndarray, act) -> bool:
        """Whether a plan made from a bounded search equals the unbounded one.

        Under ``bundle_complete``: a depot the search did not reach is more than the horizon
        away, so it arrives later than horizon + its activation delay; when that is no earlier
        than ``t* + slack`` for every such depot of the job's group, none of them could enter
        the fastest assembly or the consolidation window, and the plan is the same. Otherwise
        (and for ``nearest``) the depots within the horizon less the slack must hold the whole
        need (:meth:`_served_within_horizon`).
        """
        if not self.policy.bundle_complete:
            return self._served_within_horizon(job, times, eligible)
        if not isinstance(plan, Legs):
            return False
        unknown = self.reach.group_mask(job.group) & ~eligible
        if not unknown.any():
            return True
        # an unreached depot is strictly beyond the horizon (the bounded search keeps times
        # <= it), so it arrives strictly after ``bound``: outside a window ending at bound
        bound = job.times_horizon_h + act[unknown].min()
        return bool(bound >= plan.t_star_h + self.policy.consolidation_slack_h)

    def _farther(self, job: Job, plan) -> float:
        """How far to search after a bounded search could not be shown exact (h), strictly
        farther than it went. Under ``bundle_complete`` with a complete plan: its ``t* +
        slack`` (adding depots never delays the fastest assembly, so every depot of the
        unbounded plan arrives by then); with none yet: twice as far, up to
        ``MAX_DOUBLINGS`` doublings of the first horizon; otherwise everywhere (inf)."""
        went = job.times_horizon_h
        if self.policy.bundle_complete:
            if isinstance(plan, Legs):
                h = plan.t_star_h + self.policy.consolidation_slack_h
            else:
                h = 2.0 * went
                if h > self.reach.first_horizon_h(job.incident.kind) * 2**MAX_DOUBLINGS:
                    return np.inf
            if h > went:
                return h
        return np.inf

    def _served_within_horizon(self, job: Job, times: np.ndarray, eligible: np.ndarray) -> bool:
        """True when the depots known to be within the search horizon (less the consolidation
        slack; ``times`` include the activation delays, which only push depots farther) hold
        the whole residual need: then the nearest-first takes come from known depots only and
        equal those of an unbounded search (the rule of the ``nearest`` policy)."""
        within = eligible & (times <= job.times_horizon_h - self.policy.consolidation_slack_h)
        if not within.any():
            return False
        held = self.stock.available[within].sum(axis=0)
        return bool((held >= job.residual - EPS).all())

    def _commit(
        self, job: Job, depots: np.ndarray, takes: np.ndarray, times: np.ndarray, t_h: float
    ) -> Dispatch:
        self.clock.integrate(self.stock)
        self.stock.dispatch(depots, takes)
        arrive = t_h + times[depots]  # times include the activation delays
        depart = t_h + self._activation(job)[depots]
        legs = tuple(
            Leg(d, row, t0, a)
            for d, row, t0, a in zip(
                depots.tolist(), takes.copy(), depart.tolist(), arrive.tolist(), strict=True
            )
        )
        first_dispatch = not job.legs
        job.legs.extend(legs)
        if first_dispatch:
            job.t_first_dispatch_h = t_h
        job.first_arrival_h = min(job.first_arrival_h, float(arrive.min()))
        job.last_arrival_h = max(job.last_arrival_h, float(arrive.max()))
        residual = job.residual - takes.sum(axis=0)
        residual[residual < EPS] = 0.0
        job.residual = residual
        s = job.slot
        self.pending.res[s] = residual
        self.pending.dispatched[s] = True
        self.pending.route_blocked[s] = False
        if residual.max() <= 0.0:
            self.pending.deactivate(job)
            self._finish_bundle(job)
        if self.resupply is not None and (takes * ~REUSABLE).max() > 0:
            self.moves.reorder(depots, t_h)
        return Dispatch(
            job.incident.id, t_h, legs, job.first_arrival_h, job.full_bundle_h, job.complete_h
        )

    def _finish_bundle(self, job: Job) -> None:
        job.full_bundle_h = job.last_arrival_h
        job.complete_h = job.full_bundle_h + job.incident.work_h
        if self.auto_complete:
            self.clock.push(job.complete_h, RANK_COMPLETE, "complete", job.incident.id)

    def _complete(self, job: Job, t_h: float) -> Completion:
        job.t_completed_h = t_h
        if job.legs:
            depots = np.array([leg.depot for leg in job.legs])
            # Return trip on today's roads if they have not changed since the dispatch, else
            # the outbound time.
            back = self.reach.return_times(job, depots)
            for leg, tb in zip(job.legs, back, strict=True):
                units = leg.resources * REUSABLE
                if units.max() > 0:
                    tb = tb if np.isfinite(tb) else leg.arrive_h - leg.depart_h
                    self.clock.push(t_h + tb, RANK_STOCK, "return", (leg.depot, units))
        return Completion(job.incident.id, job.incident.kind, t_h)

    # -- results ------------------------------------------------------------------------
    def records(self) -> pd.DataFrame:
        """One row per submitted incident (:func:`~sim.response.dispatch.results.job_records`)."""
        return job_records(self._jobs.values())

    def unmet(self, t_h: float | None = None) -> np.ndarray:
        """Ids of incidents whose full bundle is not on scene by ``t_h`` (default: clock)."""
        t = self.clock.now_h if t_h is None else t_h
        return np.array(
            [i for i, j in self._jobs.items() if not j.full_bundle_h <= t + 1e-9], dtype=np.int64
        )

    def utilisation(self, t_h: float | None = None) -> dict[str, float]:
        """Busy unit-hours / owned unit-hours per team skill and equipment type, from ``t0_h``.

        Busy = away on a job (travel out, on scene, travel back). Owned = at the depot, on a
        job or in transfer. NaN where nothing of that type is owned. ``t_h`` (>= clock)
        extends the window without changing state.
        """
        t = self.clock.now_h if t_h is None else t_h
        busy, owned = self.clock.unit_hours(self.stock, t)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(owned > 0, busy / owned, np.nan)
        return {name: float(ratio[RESOURCE_INDEX[name]]) for name in SKILLS + EQUIPMENT}

    def summary(self, t_h: float | None = None) -> dict[str, float]:
        """Headline service figures at ``t_h`` (default: clock)."""
        return service_summary(self.records(), self.clock.now_h if t_h is None else t_h)
