"""The assignment policy: which pending incidents are examined in a round, in which order, and
when the round stops.

A round examines the slots the wake-up index (:mod:`sim.response.dispatch.pending`) returns,
in priority order (``fcfs``: creation time; ``severity``: higher severity first, then creation
time; ties by arrival in the queue). With ``backfill`` a later incident may be served when an
earlier one cannot; without it the queue is strict and the round stops at the first incident
not fully served. Serving one incident (bundle assembly and commit) is the caller's ``serve``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.response.dispatch.pending import PendingTable
from sim.response.dispatch.reach import DepotReach
from sim.response.dispatch.records import EPS, Dispatch, DispatchPolicy, Job
from sim.response.resources import DepotStock

FEW = 8
"""Up to this many candidates are examined one by one; more go in vectorised chunks."""
CHUNK = 32
"""Candidates pre-checked together in a large round."""


class AssignmentRounds:
    """Runs assignment rounds over the pending table.

    Args:
        pending: the pending table (its wake-up index says whom to examine).
        reach: depot groups (each incident draws on its group's stock).
        stock: the depot stock ledger.
        serve: ``serve(job, t_h)`` assembles and commits legs for one job; returns the
            :class:`Dispatch`, or None after recording in the table what the job waits for.
    """

    def __init__(
        self,
        pending: PendingTable,
        reach: DepotReach,
        stock: DepotStock,
        serve: Callable[[Job, float], Dispatch | None],
    ):
        self.pending = pending
        self.reach = reach
        self.stock = stock
        self.serve = serve

    def _group_stock(self) -> np.ndarray:
        return self.reach.group_stock(self.stock.available)

    def run(self, policy: DispatchPolicy, t_h: float) -> list[Dispatch]:
        """One round at ``t_h``; returns the decisions made."""
        if not policy.backfill:
            return self._strict(policy, t_h)
        cand, gavail = self.pending.woken(self._group_stock, policy.bundle_complete)
        if cand.size == 0:
            return []
        if gavail is None:
            gavail = self._group_stock()
        if cand.size > 1:
            cand = self.pending.in_priority_order(cand)
        if cand.size <= FEW:
            return self._few(cand, gavail, policy, t_h)
        return self._many(cand, gavail, policy, t_h)

    def _served(self, s: int, job: Job) -> None:
        if job.slot >= 0:  # partly served: wait for any of the rest to free up
            # (the rest may sit at unreachable depots)
            self.pending.wait_for(s, job.residual > EPS)

    def _few(
        self, cand: np.ndarray, gavail: np.ndarray, policy: DispatchPolicy, t_h: float
    ) -> list[Dispatch]:
        pending, bc = self.pending, policy.bundle_complete
        out: list[Dispatch] = []
        for s in cand.tolist():
            g = gavail[pending.grp[s]]
            if not pending.can_serve(s, g, bc):
                pending.block(s, g, bc)
                continue
            job = pending.slot_job[s]
            d = self.serve(job, t_h)  # on failure it records what the job waits for
            if d is None:
                continue
            out.append(d)
            self._served(s, job)
            gavail = self._group_stock()
        return out

    def _many(
        self, cand: np.ndarray, gavail: np.ndarray, policy: DispatchPolicy, t_h: float
    ) -> list[Dispatch]:
        """As :meth:`_few`, in priority-ordered chunks with a vectorised pre-check.

        After each commit the candidates not yet examined are filtered again with
        :meth:`PendingTable.ready`: one that is no longer ready still lacks a resource it
        waits for, so it keeps its blocked row and is skipped (it will be woken when that
        resource grows).
        """
        pending, bc = self.pending, policy.bundle_complete
        out: list[Dispatch] = []
        rest = cand
        while rest.size:
            part, rest = rest[:CHUNK], rest[CHUNK:]
            ok = pending.servable(part, gavail[pending.grp[part]], bc)
            handled = np.zeros(part.size, dtype=bool)  # blocked row set by the attempt
            k = 0
            while True:
                nz = np.flatnonzero(ok[k:])
                if nz.size == 0:
                    break
                k += int(nz[0])
                s = int(part[k])
                job = pending.slot_job[s]
                d = self.serve(job, t_h)
                handled[k] = True
                k += 1
                if d is None:
                    continue
                out.append(d)
                self._served(s, job)
                gavail = self._group_stock()
                if k < part.size:
                    tail = part[k:]
                    ok[k:] = pending.servable(tail, gavail[pending.grp[tail]], bc)
                if rest.size:
                    rest = rest[pending.ready(rest, gavail, bc)]
            waiting = part[~handled & pending.active[part]]
            if waiting.size:
                pending.blocked[waiting] = pending.blocking(
                    waiting, gavail[pending.grp[waiting]], bc
                )
        return out

    def _strict(self, policy: DispatchPolicy, t_h: float) -> list[Dispatch]:
        """No backfill: serve in priority order, stop at the first incident not fully served."""
        pending = self.pending
        pending.clear_wake()
        order = pending.in_priority_order(pending.active_slots())
        out: list[Dispatch] = []
        for s in order:
            gavail = self.reach.group_stock_of(pending.grp[s], self.stock.available)
            if not pending.can_serve(s, gavail, policy.bundle_complete):
                break
            job = pending.slot_job[s]
            d = self.serve(job, t_h)
            if d is not None:
                out.append(d)
            if d is None or job.slot >= 0:
                break
        return out
