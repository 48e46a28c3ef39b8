"""Bundle assembly: which depots send what to one incident now (its legs), or what it waits for.

A pure function of the need, the depot stock and the travel times, so the policy's bundle
rule can be read and tested on its own:

* ``bundle_complete=False`` ("nearest"): take what is available now, each resource from the
  nearest depot holding it (greedy, nearest first per resource); a job not yet started that
  needs a team starts only when one of its teams can go.
* ``bundle_complete=True``: all or nothing; the fastest assembly (nearest first per resource)
  sets the time ``t*``; among the depots reached by ``t* + consolidation_slack_h`` the legs are
  then chosen to be few (greedy set cover: a depot holding the whole bundle is one leg, a crew
  brings its own depot's tools).

Depots at equal travel time are taken in the dispatcher's fixed tie-break order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.response.dispatch.records import EPS, TEAM_COLS, DispatchPolicy
from sim.response.resources import IS_TEAM


class Legs(NamedTuple):
    """Depots (row indices) and the (k, N_RESOURCES) quantities each sends now; ``t_star_h``:
    under ``bundle_complete``, when the fastest assembly (nearest first per resource) would
    have the whole bundle on scene (NaN otherwise)."""

    depots: np.ndarray
    takes: np.ndarray
    t_star_h: float = float("nan")


class Wait(NamedTuple):
    """Nothing is sent now. ``blocked``: (N_RESOURCES,) bool resources whose increase at a
    reachable depot could let the incident proceed, or False when no eligible depot is
    reachable at all (only a road change can help)."""

    blocked: np.ndarray | bool


def plan_legs(
    need: np.ndarray,
    available: np.ndarray,
    times: np.ndarray,
    eligible: np.ndarray,
    tiebreak: np.ndarray,
    policy: DispatchPolicy,
    *,
    started: bool,
    needs_team: bool,
) -> Legs | Wait:
    """Plan the legs that serve (part of) ``need`` now.

    Args:
        need: (N_RESOURCES,) units still missing at the incident.
        available: (n_depots, N_RESOURCES) units at each depot now.
        times: (n_depots,) travel time depot -> incident (h).
        eligible: (n_depots,) bool depots in the incident's group and reachable.
        tiebreak: (n_depots,) order among depots at equal travel time.
        policy: the bundle rule (``bundle_complete``, ``consolidation_slack_h``).
        started: something was already sent to this incident.
        needs_team: the incident needs a team at all.

    Returns:
        :class:`Legs` (at least one depot, quantities > 0) or :class:`Wait`.
    """
    rel = need > EPS
    idx = np.flatnonzero(eligible & (available[:, rel] > EPS).any(axis=1))
    if idx.size == 0:
        # The group holds stock (pre-check) but not at a reachable depot: wait for stock
        # there or for the roads to change; with no reachable depot at all, for the roads.
        return Wait(rel if eligible.any() else False)
    if idx.size > 1:
        idx = idx[np.lexsort((tiebreak[idx], times[idx]))]
    a = np.minimum(available[idx], need)
    if idx.size == 1:
        take = a
    else:
        # Greedy nearest-first per resource: row k takes what is still missing after
        # the nearer rows (cumulative sums capped at the need).
        cum = a.cumsum(axis=0)
        take = np.minimum(cum, need)
        take[1:] -= take[:-1].copy()
    if policy.bundle_complete:
        if (take.sum(axis=0) < need - EPS).any():
            return Wait(rel)  # short at the reachable depots it may draw on
        used = take.max(axis=1) > EPS
        t_star = float(times[idx[used]].max())
        if idx.size > 1 and used.sum() > 1:
            near = times[idx] <= t_star + policy.consolidation_slack_h
            legs = _fewest_legs(idx[near], a[near], need)
            return legs._replace(t_star_h=t_star)
        return Legs(idx[used], take[used], t_star)
    if not started and needs_team and take[:, TEAM_COLS].max() <= EPS:
        # "nearest" starts when a team can go (a needed team exists, out of reach)
        return Wait(rel & IS_TEAM)
    used = take.max(axis=1) > EPS
    return Legs(idx[used], take[used])


def _fewest_legs(idx: np.ndarray, a: np.ndarray, need: np.ndarray) -> Legs:
    """Cover ``need`` from the depots ``idx`` (nearest first, all within the slack) with few
    legs: greedy set cover, each time the depot that supplies the largest share of what is
    still missing (ties: the nearer). A crew thus travels with its own depot's tools when that
    depot is within the slack, and a depot holding the whole bundle is one leg.

    ``a`` holds ``min(available, need)`` per depot and resource; the nearest-first assembly
    covers the need from these depots, so the loop ends with the need covered.
    """
    rest = need.copy()
    rel = rest > EPS
    chosen: list[int] = []
    takes: list[np.ndarray] = []
    while rel.any():
        share = (np.minimum(a[:, rel], rest[rel]) / rest[rel]).sum(axis=1)
        k = int(np.argmax(share))
        if share[k] <= 0.0:  # float residue below what any depot holds
            break
        take = np.minimum(a[k], rest)
        chosen.append(k)
        takes.append(take)
        rest = rest - take
        a[k] = 0.0
        rel = rest > EPS
    return Legs(idx[np.array(chosen)], np.array(takes))
