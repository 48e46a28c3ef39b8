"""Which depots may serve an incident and how far they are: eligibility groups, travel times
from the depots to incident sites (cached per road-network version), the depot tie-break."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.response.dispatch.records import DispatchError, Job
from sim.response.resources import Depot

SEARCH_LIMIT_H = 1.5
"""Horizon of an incident's first shortest-path search (h) until its kind has a history
(:meth:`DepotReach.first_horizon_h`). A cost knob only: results are exact whatever its value
(the search is redone farther when the depots within cannot be shown to give the plan)."""
HISTORY = 64
"""Plans remembered per incident kind to choose the first search horizon."""
HORIZON_QUANTILE = 0.7
"""Quantile of the remembered ``t* + slack`` searched first. Assumption, a cost knob only: a
higher one searches wider than most plans need, a lower one searches twice more often."""


class DepotReach:
    """Eligibility and travel times of the depots.

    Groups: with mutual aid every depot is eligible; without it the district's depots and the
    central reserves. A group is also one connected component of the open roads: an incident
    draws on the eligible depots it can reach, so readiness is judged against the stock it can
    reach and a depot cut off by closed roads is never counted. Group ``g``'s stock is row
    ``g`` of ``group_matrix @ stock.available``. When closures change which depots a node
    reaches, the groups' depots are recomputed (:meth:`refresh_components`) and the caller
    re-groups the jobs whose reach changed.

    Args:
        router: a :class:`sim.response.routing.RoadRouter` (or any object with
            ``travel_time_h(sources, targets)``, ``is_cached(sources)``, ``n_nodes`` and
            ``version``; with ``component_labels()`` and ``closure_version`` groups follow
            the road components, else all nodes count as connected). An incident's own
            search uses ``times_to`` when the router has it (one-way streets: the times to
            the incident differ from the times out of it), else assumes two-way roads.
        depots: the depots; row ``k`` of every stock array is ``depots[k]``.
        rng: the dispatcher's stream; one permutation draws a fixed tie-break order among
            depots at equal travel time (so ties do not always favour the first-listed depot).

    Raises:
        DispatchError: a depot node outside the road network.
    """

    def __init__(self, router, depots: Sequence[Depot], rng: np.random.Generator):
        self.router = router
        n_d = len(depots)
        self.n_depots = n_d
        self.node = np.array([d.node for d in depots], dtype=np.int64)
        self.district = np.array([d.district for d in depots], dtype=np.int64)
        self.central = np.array([d.central for d in depots], dtype=bool)
        if n_d and (self.node.min() < 0 or self.node.max() >= router.n_nodes):
            raise DispatchError("a depot node is outside the road network")
        self.tiebreak = rng.permutation(n_d)
        self._closure_seen = -1
        self._activation: dict[tuple[int, float, float], np.ndarray] = {}
        #: Each node's reach: the lowest index of the depots in its road component (-1: none).
        self.node_rep = np.full(router.n_nodes, 0 if n_d else -1, dtype=np.int64)
        self.depot_rep = np.zeros(n_d, dtype=np.int64)
        self._group_of: dict[tuple[int, int], int] = {}
        self._group_masks: list[np.ndarray] = []
        #: (groups,) the reach (``node_rep``) each group stands for.
        self.group_rep = np.zeros(0, dtype=np.int64)
        self.group_matrix = np.zeros((0, n_d))
        self.refresh_components()
        self._rows_version, self._incident_rows = -1, 0
        #: How far an incident's first search looks until its kind has a history (h);
        #: ``inf``: unbounded searches.
        self.search_limit_h = SEARCH_LIMIT_H
        self._node_times: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, float]] = {}
        self._needed: dict[str, tuple[np.ndarray, list[int]]] = {}  # kind -> ring, [count]
        self._first_h: dict[str, float] = {}

    def refresh_components(self) -> np.ndarray | None:
        """Follow the road components after closures changed.

        A node's reach is the set of depots in its component, named by the lowest depot index
        in it (``node_rep``), so a group keeps its identity while its component keeps that
        depot, however the rest of the network splits. Each group's depots are recomputed
        in place.

        Returns:
            None when no node's reach changed; else (groups,) bool, the groups that gained
            depots (their jobs may now be served). Jobs whose node's reach differs from their
            group's (``node_rep[node] != group_rep[group]``) must be re-grouped
            (:meth:`group_index`); jobs in groups that only lost depots need no new look,
            as less stock never lets a waiting job proceed.
        """
        version = getattr(self.router, "closure_version", 0)
        if version == self._closure_seen:
            return None
        self._closure_seen = version
        labels = getattr(self.router, "component_labels", None)
        if labels is None:
            return None
        comp = labels()
        n_d = self.n_depots
        rep_of = np.full(int(comp.max(initial=0)) + 1, n_d, dtype=np.int64)
        np.minimum.at(rep_of, comp[self.node], np.arange(n_d))
        rep_of[rep_of == n_d] = -1
        node_rep = rep_of[comp]
        if np.array_equal(node_rep, self.node_rep):
            return None
        self.node_rep = node_rep
        self.depot_rep = node_rep[self.node]
        before = self.group_matrix > 0
        for g, (dk, rep) in enumerate(self._group_of):
            self._group_masks[g] = self._mask(dk, rep)
        self.group_matrix = np.array(self._group_masks, dtype=float).reshape(-1, n_d)
        return ((self.group_matrix > 0) & ~before).any(axis=1)

    def _mask(self, dk: int, rep: int) -> np.ndarray:
        """(n_depots,) bool: depots eligible for district key ``dk`` (-1: any district) in
        the reach named by depot ``rep`` (-1: none)."""
        if dk == -1:
            mask = np.ones(self.n_depots, dtype=bool)
        else:
            mask = (self.district == dk) | self.central
        return mask & (self.depot_rep == rep) if rep >= 0 else np.zeros_like(mask)

    def activation_h(self, district: int, aid_h: float, reserve_h: float) -> np.ndarray:
        """(n_depots,) hours before each depot's units set out for an incident in
        ``district``: 0 for the district's own depots, ``aid_h`` for other districts',
        ``reserve_h`` for the central reserves (cached per district and delays)."""
        key = (int(district), float(aid_h), float(reserve_h))
        out = self._activation.get(key)
        if out is None:
            out = np.where(self.district == key[0], 0.0, key[1])
            out[self.central] = key[2]
            out.setflags(write=False)
            self._activation[key] = out
        return out

    def group_index(self, district: int, mutual_aid: bool, node: int) -> int:
        """The group of an incident in ``district`` at road ``node``: the eligible depots in
        its road component (created on first use)."""
        key = (-1 if mutual_aid else int(district), int(self.node_rep[node]))
        g = self._group_of.get(key)
        if g is None:
            g = len(self._group_masks)
            self._group_of[key] = g  # dicts keep insertion order: key g is the g-th
            mask = self._mask(*key)
            self._group_masks.append(mask)
            self.group_rep = np.append(self.group_rep, key[1])
            self.group_matrix = np.vstack([self.group_matrix, mask[None, :].astype(float)])
        return g

    def group_mask(self, group: int) -> np.ndarray:
        """(n_depots,) bool: the depots of ``group`` (eligible and in its road component)."""
        return self._group_masks[group]

    def group_stock(self, available: np.ndarray) -> np.ndarray:
        """(groups, N_RESOURCES) units available to each group."""
        return self.group_matrix @ available

    def group_stock_of(self, group: int, available: np.ndarray) -> np.ndarray:
        """(N_RESOURCES,) units available to one group."""
        return self.group_matrix[group] @ available

    def learn_horizon(self, kind: str, horizon_h: float) -> None:
        """Remember how far a complete plan for an incident of ``kind`` had to look (its
        ``t* + slack``, h); the first search of later incidents of that kind looks as far as
        the ``HORIZON_QUANTILE`` of the last ``HISTORY`` (a cost choice: decisions do not
        depend on it)."""
        ring, count = self._needed.setdefault(kind, (np.empty(HISTORY), [0]))
        ring[count[0] % HISTORY] = horizon_h
        count[0] += 1
        if count[0] >= 8 and count[0] % 8 == 0:  # refreshed every 8 plans
            self._first_h[kind] = float(
                np.quantile(ring[: min(count[0], HISTORY)], HORIZON_QUANTILE)
            )

    def first_horizon_h(self, kind: str) -> float:
        """How far the first search for an incident of ``kind`` looks (h); inf when
        ``search_limit_h`` is inf (unbounded searches, no history used)."""
        if not np.isfinite(self.search_limit_h):
            return np.inf
        return self._first_h.get(kind, self.search_limit_h)

    def times_to(
        self, job: Job, *, horizon_h: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n_depots,) travel time depot -> incident (h) and the mask of eligible, reachable
        depots; cached per network version (and per node: repeated sites cost nothing).
        ``job.times_horizon_h`` says how far the times are known: depots beyond it read inf.

        The times come from the depots' shortest-path rows or from one search from the
        incident (out of it on two-way roads, on the reversed graph with one-way streets:
        ``router.times_to``). After a network change the first ``n_depots``
        incidents each use their own search; after that all depot rows are computed once
        (exact). This is the ski-rental rule: never more than twice the cost of the better of
        the two strategies, whatever the number of incidents per network state. An incident's
        own search stops at ``horizon_h`` (default :meth:`first_horizon_h`; a bounded Dijkstra
        settles only the nodes within it); the caller asks for a farther horizon, up to
        ``inf`` (every depot), when the depots within cannot be shown to give the unbounded
        plan (:meth:`sim.response.dispatch.dispatcher.Dispatcher._try_assign`).
        """
        version = self.router.version
        if horizon_h is None:
            want = self.first_horizon_h(job.incident.kind)
        else:
            want = float(horizon_h)
        if job.times_version != version or job.times_horizon_h < want:
            if self._rows_version != version:
                self._rows_version, self._incident_rows = version, 0
                self._node_times.clear()
            key = (job.incident.node, job.group)
            hit = self._node_times.get(key)
            if hit is None or hit[2] < want:
                router, node = self.router, job.incident.node
                horizon = np.inf
                if self._incident_rows >= self.node.size or router.is_cached(self.node):
                    times = router.travel_time_h(self.node, [node])[:, 0]
                else:
                    # (a site searched again farther is not counted again, so the rows
                    # used do not depend on the horizon)
                    self._incident_rows += hit is None
                    if np.isfinite(want):
                        horizon = want
                    times = self._times_to(node, horizon)
                hit = (times, self._group_masks[job.group] & np.isfinite(times), horizon)
                self._node_times[key] = hit
            job.times_h, job.base_mask, job.times_horizon_h = hit
            job.times_version = version
        return job.times_h, job.base_mask

    def _times_to(self, node: int, horizon: float) -> np.ndarray:
        """(n_depots,) travel times depot -> ``node`` from one search at ``node``, bounded by
        ``horizon`` (inf: unbounded)."""
        router = self.router
        if getattr(router, "directed", False):
            return router.times_to(node, self.node, horizon)
        if np.isfinite(horizon):  # two-way roads: the times out of the incident
            return router.times_within(node, horizon)[self.node]
        return router.travel_time_h([node], self.node)[0]

    def return_times(self, job: Job, depots: np.ndarray) -> np.ndarray:
        """Travel time back from the incident to each of ``depots`` (h) on today's roads when
        the roads have not changed since the job's times were found; else inf (the caller then
        uses the outbound time). On two-way roads these are the outbound times; with one-way
        streets a search out of the incident (exact, like every router query). It never
        depends on what the router happens to cache, so results do not depend on the cache or
        the search horizon."""
        if job.times_version != self.router.version:
            return np.full(depots.size, np.inf)
        if getattr(self.router, "directed", False):
            return self.router.travel_time_h([job.incident.node], self.node[depots])[0]
        return job.times_h[depots]

    def between(self, src: int, targets: np.ndarray) -> np.ndarray:
        """(k,) travel times from depot ``src`` to depots ``targets`` (h; inf: unreachable)."""
        return self.router.travel_time_h(self.node[[src]], self.node[targets])[0]
