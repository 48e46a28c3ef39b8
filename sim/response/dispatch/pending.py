"""The pending table: unserved incidents as rows on the resource axis, and the wake-up index
that says which of them are worth examining after an event.

Each pending incident has a slot (row) holding what it still needs, its priority keys and
group. A slot that could not be served records in ``blocked`` the resources whose increase
could let it proceed; an event that adds stock (units returning, resupply) wakes only the slots
blocked on what grew, so an event costs O(incidents affected), not O(queue). A slot that failed
for want of a *reachable* depot is marked ``route_blocked`` and is woken by a road change.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.response.dispatch.records import EPS, TEAM_COLS, Job
from sim.response.resources import IS_TEAM, N_RESOURCES


class PendingTable:
    """Rows of the pending incidents and the wake-up index (see the module docstring).

    Args:
        capacity: initial number of rows (doubled when full).
    """

    def __init__(self, capacity: int = 64):
        self.cap = 0
        self.hi = 0  # rows below this may be active
        self.n_active = 0
        self._free: list[int] = []
        self.slot_job: list[Job | None] = []
        self.res = np.zeros((0, N_RESOURCES))  # what each slot still needs
        self.prio = np.zeros(0)  # -severity under "severity", else 0; lower goes first
        self.base_prio = np.zeros(0)  # the policy's priority, before access boosts
        self.life = np.zeros(0, dtype=bool)  # persons at risk wait on this job
        self.tc = np.zeros(0)  # incident creation time (h)
        self.seq = np.zeros(0, dtype=np.int64)  # activation order
        self.grp = np.zeros(0, dtype=np.int64)
        self.node = np.zeros(0, dtype=np.int64)  # the incident's road node
        self.alt = np.zeros(0, dtype=np.int64)  # its other end (Incident.alt_node), -1 none
        self.dispatched = np.zeros(0, dtype=bool)
        self.needs_team = np.zeros(0, dtype=bool)
        self.active = np.zeros(0, dtype=bool)
        self.blocked = np.zeros((0, N_RESOURCES), dtype=bool)
        self.route_blocked = np.zeros(0, dtype=bool)  # failed for want of a reachable depot
        self.increased = np.zeros(N_RESOURCES, dtype=bool)  # resources that grew since
        self.new_slots: list[int] = []
        self.recheck_all = False  # examine every pending incident (tests, debugging)
        self.network_changed = False
        self._activations = 0
        self.grow(capacity)

    def grow(self, new_cap: int) -> None:
        """Add rows up to ``new_cap``."""
        extra = new_cap - self.cap
        self.res = np.vstack([self.res, np.zeros((extra, N_RESOURCES))])
        self.prio = np.concatenate([self.prio, np.zeros(extra)])
        self.base_prio = np.concatenate([self.base_prio, np.zeros(extra)])
        self.life = np.concatenate([self.life, np.zeros(extra, bool)])
        self.tc = np.concatenate([self.tc, np.zeros(extra)])
        self.seq = np.concatenate([self.seq, np.zeros(extra, np.int64)])
        self.grp = np.concatenate([self.grp, np.zeros(extra, np.int64)])
        self.node = np.concatenate([self.node, np.zeros(extra, np.int64)])
        self.alt = np.concatenate([self.alt, np.full(extra, -1, np.int64)])
        self.dispatched = np.concatenate([self.dispatched, np.zeros(extra, bool)])
        self.needs_team = np.concatenate([self.needs_team, np.zeros(extra, bool)])
        self.active = np.concatenate([self.active, np.zeros(extra, bool)])
        self.blocked = np.vstack([self.blocked, np.zeros((extra, N_RESOURCES), bool)])
        self.route_blocked = np.concatenate([self.route_blocked, np.zeros(extra, bool)])
        self.slot_job.extend([None] * extra)
        self._free.extend(range(new_cap - 1, self.cap - 1, -1))
        self.cap = new_cap

    def activate(self, job: Job, prio: float) -> None:
        """Give ``job`` a row (``job.slot``), new and not yet examined."""
        if not self._free:
            self.grow(2 * self.cap)
        s = self._free.pop()
        job.slot = s
        self.slot_job[s] = job
        self.res[s] = job.residual
        self.prio[s] = self.base_prio[s] = prio
        self.life[s] = job.incident.persons_at_risk > 0
        self.tc[s] = job.incident.t_created_h
        self._activations += 1
        self.seq[s] = self._activations
        self.grp[s] = job.group
        self.node[s] = job.incident.node
        self.alt[s] = job.incident.alt_node
        self.dispatched[s] = False
        self.needs_team[s] = job.needs_team
        self.blocked[s] = False
        self.route_blocked[s] = False
        self.new_slots.append(s)
        self.active[s] = True
        self.n_active += 1
        self.hi = max(self.hi, s + 1)

    def deactivate(self, job: Job) -> None:
        """Free the row of a fully served job."""
        s = job.slot
        self.active[s] = False
        self.n_active -= 1
        self.slot_job[s] = None
        self._free.append(s)
        job.slot = -1

    def active_slots(self) -> np.ndarray:
        """Rows of the pending incidents."""
        return np.flatnonzero(self.active[: self.hi])

    def in_priority_order(self, slots: np.ndarray) -> np.ndarray:
        """``slots`` sorted by priority, then creation time, then activation."""
        return slots[np.lexsort((self.seq[slots], self.tc[slots], self.prio[slots]))]

    def wake(self, slots: np.ndarray) -> None:
        """Examine ``slots`` at the next round, as if new (their reach changed)."""
        self.new_slots.extend(slots.tolist())

    def clear_wake(self) -> None:
        """Forget what woke slots (after a round that examines them)."""
        self.recheck_all = self.network_changed = False
        self.increased[:] = False
        self.new_slots.clear()

    def woken(
        self, group_stock: Callable[[], np.ndarray], bundle_complete: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Pending slots worth examining now.

        New slots, all slots after a road-network change, and blocked slots whose wait may be
        over: under ``bundle_complete`` every resource they were short of is now sufficient
        in their group; under ``nearest`` one of the resources they wait for is available.
        A blocked slot left out still lacks a resource it waits for, so it cannot be served
        before that resource increases, which will wake it again.

        Args:
            group_stock: returns the (groups, N_RESOURCES) stock available to each group.
            bundle_complete: the policy's bundle rule.

        Returns:
            The slots, and the group availability if it had to be computed (else None).
        """
        gavail = None
        if self.recheck_all:
            cand = np.flatnonzero(self.active[: self.hi])
        else:
            new = np.unique(np.array(self.new_slots, dtype=np.int64))
            cand = new[self.active[new]] if new.size else new
            if self.network_changed:  # only routing failures can be cured by new routes
                hi = self.hi
                cand = np.union1d(cand, np.flatnonzero(self.route_blocked[:hi] & self.active[:hi]))
            inc = np.flatnonzero(self.increased)
            if inc.size:
                hi = self.hi
                hit = np.flatnonzero(self.blocked[:hi, inc].any(axis=1) & self.active[:hi])
                if hit.size:
                    gavail = group_stock()
                    hit = hit[self.ready(hit, gavail, bundle_complete)]
                    cand = np.union1d(hit, cand) if cand.size else hit
        self.clear_wake()
        return cand, gavail

    def ready(self, slots: np.ndarray, gavail: np.ndarray, bundle_complete: bool) -> np.ndarray:
        """(k,) bool: whether each slot's wait may be over (see :meth:`woken`).

        Slots with an empty blocked row (new, or waiting for the road network) count as
        ready.
        """
        blk = self.blocked[slots]
        g = gavail[self.grp[slots]]
        if bundle_complete:
            over = ((self.res[slots] <= g + EPS) | ~blk).all(axis=1)
        else:
            over = (blk & (g > EPS)).any(axis=1)
        return over | ~blk.any(axis=1)

    def blocking(
        self, slots: np.ndarray, gavail_rows: np.ndarray, bundle_complete: bool
    ) -> np.ndarray:
        """(k, N_RESOURCES) bool: the resources whose increase could let each slot proceed.

        bundle_complete: the resources short in its group. nearest: a job not yet started
        that needs a team waits for one of its teams; otherwise for any resource it lacks.
        """
        res = self.res[slots]
        if bundle_complete:
            return res > gavail_rows + EPS
        need = res > EPS
        wait_team = ~self.dispatched[slots] & self.needs_team[slots]
        return np.where(wait_team[:, None], need & IS_TEAM, need)

    def servable(self, slots: np.ndarray, gavail_rows: np.ndarray, bundle_complete: bool):
        """(k,) bool necessary conditions for serving each slot from its group's stock."""
        res, dispatched = self.res[slots], self.dispatched[slots]
        if bundle_complete:
            return (res <= gavail_rows + EPS).all(axis=1)
        overlap = (res > EPS) & (gavail_rows > EPS)
        team_needed = (res[:, TEAM_COLS] > EPS).any(axis=1)
        team_ok = overlap[:, TEAM_COLS].any(axis=1)
        return np.where(~dispatched & team_needed, team_ok, overlap.any(axis=1))

    def can_serve(self, s: int, gavail: np.ndarray, bundle_complete: bool) -> bool:
        """Scalar version of :meth:`servable` for slot ``s``."""
        res = self.res[s]
        if bundle_complete:
            return bool((res <= gavail + EPS).all())
        overlap = (res > EPS) & (gavail > EPS)
        if not self.dispatched[s] and self.slot_job[s].needs_team:
            return bool(overlap[TEAM_COLS].any())
        return bool(overlap.any())

    def block(self, s: int, gavail: np.ndarray, bundle_complete: bool) -> None:
        """Record what slot ``s`` waits for when its group cannot serve it now."""
        res = self.res[s]
        if bundle_complete:
            self.blocked[s] = res > gavail + EPS
        elif not self.dispatched[s] and self.needs_team[s]:
            self.blocked[s] = (res > EPS) & IS_TEAM
        else:
            self.blocked[s] = res > EPS

    def wait_for(self, s: int, blocked) -> None:
        """Slot ``s`` was examined and must wait for ``blocked`` resources (or roads)."""
        self.blocked[s] = blocked
        self.route_blocked[s] = True
