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
* ``bundle_complete=True``: commit nothing until the whole bundle can be assembled; the
  fastest assembly (nearest depot first per resource) sets the time ``t*``, and the legs are
  then chosen among the depots reached by ``t* + consolidation_slack_h`` to be few (greedy set
  cover; a depot holding the whole bundle is one leg). Full-bundle time = last arrival.
* ``mutual_aid``: if False an incident may only draw on depots of its own district and
  central reserves.
* ``backfill``: if True a later incident may be served when an earlier one cannot (its needs
  are not available); if False the queue is strict and stops at the first that cannot be
  fully served.

Timing: decisions for incidents submitted at time t are taken when time moves past t (or at
``step(t)``/``assign(t)``), so all incidents of one tick compete under the policy's priority.

Efficiency: pending incidents sit in arrays (one row per incident on the resource axis); each
records which resources it waits for, and an event (units returning, resupply arriving)
re-examines only incidents waiting for what grew and now possibly servable. An incident draws on
the eligible depots in its road component (labels recomputed when closures change what connects
to what), so readiness is judged against the stock it can reach and no assembly attempt fails
for stock behind a closed road (``attempts``, ``failed_attempts`` count them). Travel-time
columns come from cached shortest-path rows. Per-incident Python work is a few dozen array
operations.

Assumptions: dispatch decisions are not revised (in-flight units are not re-routed when roads
change); reusable units go back to their own depot after the job, on the roads of the dispatch
if they have not changed since, else (or if the depot is then unreachable) taking their
outbound time; supplies are used up.

Cost: each change of the road speed factors invalidates the routes it may alter (the router
keeps the rows it provably leaves exact); afterwards each new incident site costs one
shortest-path search, bounded at the horizon its kind's recent plans needed
(:meth:`DepotReach.first_horizon_h`) and redone farther (to ``t* + slack`` of the plan found,
or twice as far) only when the depots within cannot be shown to give the unbounded plan, until
``n_depots`` sites have been searched; then all depot rows are computed once (ski rental).
Callers should change factors only when they change materially (e.g. quantised), since equal
factors keep the cache. A closure re-examines only the incidents whose reach changed or grew.

Parts, one job each (the public API is :class:`Dispatcher` and the records below):

- ``records.py``: the policy, the records (:class:`Leg`, :class:`Dispatch`,
  :class:`Completion`), the job kept per incident, the errors;
- ``clock.py``: event-time bookkeeping (clock, internal event heap, unit-hours);
- ``reach.py``: eligibility groups and travel times depot -> incident (cached);
- ``pending.py``: the pending incidents and the wake-up index;
- ``rounds.py``: the assignment policy (whom to examine, in which order, when to stop);
- ``assembly.py``: bundle assembly and leg planning for one incident;
- ``stock_moves.py``: stock changes outside jobs (returns, transfers, resupply, teams off
  duty, injects);
- ``results.py``: the job table and its headline figures;
- ``dispatcher.py``: :class:`Dispatcher`, which owns the jobs and drives the parts.
"""

from sim.response.dispatch.dispatcher import Dispatcher
from sim.response.dispatch.records import (
    Completion,
    Dispatch,
    DispatchError,
    DispatchPolicy,
    Leg,
    TimeOrderError,
    UnreachableDepotError,
)

__all__ = [
    "Completion",
    "Dispatch",
    "DispatchError",
    "DispatchPolicy",
    "Dispatcher",
    "Leg",
    "TimeOrderError",
    "UnreachableDepotError",
]
