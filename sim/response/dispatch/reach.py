"""Which depots may serve an incident and how far they are: eligibility groups, travel times
from the depots to incident sites (cached per road-network version), the depot tie-break."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.response.dispatch.records import DispatchError, Job
from sim.response.resources import Depot

SEARCH_LIMIT_H = 1.5
"""Default horizon of an incident's own shortest-path search (h). Assumption, a cost knob
only: results are exact whatever its value (the search is redone in full when the depots
within it cannot serve); 1.5 h covers the bundles of most incidents in a city of this size."""


class DepotReach:
    """Eligibility and travel times of the depots.

    Groups: with mutual aid every depot is eligible; without it the district's depots and the
    central reserves. A group is also one connected component of the open roads: an incident
    draws on the eligible depots it can reach, so readiness is judged against the stock it can
    reach and a depot cut off by closed roads is never counted. Group ``g``'s stock is row
    ``g`` of ``group_matrix @ stock.available``. When closures change which nodes connect,
    the groups are rebuilt (:meth:`refresh_components`) and the caller re-groups its jobs.

    Args:
        router: a :class:`sim.response.routing.RoadRouter` (or any object with
            ``travel_time_h(sources, targets)``, ``is_cached(sources)``, ``n_nodes`` and
            ``version``; with ``component_labels()`` and ``closure_version`` groups follow
            the road components, else all nodes count as connected). Roads must be two-way
            (symmetric travel times).
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
        self.node_comp = np.zeros(router.n_nodes, dtype=np.int64)
        self.depot_comp = np.zeros(n_d, dtype=np.int64)
        self._reset_groups()
        self.refresh_components()
        self._rows_version, self._incident_rows = -1, 0
        #: How far an incident's own search looks (h); ``inf``: unbounded searches.
        self.search_limit_h = SEARCH_LIMIT_H
        self._node_times: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, float]] = {}

    def _reset_groups(self) -> None:
        self._group_of: dict[tuple[int, int], int] = {}
        self._group_masks: list[np.ndarray] = []
        self.group_matrix = np.zeros((0, self.n_depots))

    def refresh_components(self) -> bool:
        """Follow the road components after closures changed. Returns True when the partition
        changed: the groups were rebuilt and every job must be re-grouped
        (:meth:`group_index`)."""
        version = getattr(self.router, "closure_version", 0)
        if version == self._closure_seen:
            return False
        self._closure_seen = version
        labels = getattr(self.router, "component_labels", None)
        if labels is None:
            return False
        comp = labels()
        if np.array_equal(comp, self.node_comp):
            return False
        self.node_comp = comp
        self.depot_comp = comp[self.node]
        self._reset_groups()
        return True

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
        comp = int(self.node_comp[node])
        key = (-1 if mutual_aid else int(district), comp)
        g = self._group_of.get(key)
        if g is None:
            if key[0] == -1:
                mask = np.ones(self.n_depots, dtype=bool)
            else:
                mask = (self.district == key[0]) | self.central
            mask &= self.depot_comp == comp
            g = len(self._group_masks)
            self._group_of[key] = g
            self._group_masks.append(mask)
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

    def times_to(self, job: Job, *, full: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(n_depots,) travel time depot -> incident (h) and the mask of eligible, reachable
        depots; cached per network version (and per node: repeated sites cost nothing).
        ``job.times_horizon_h`` says how far the times are known: depots beyond it read inf.

        Roads are two-way, so the times can come from the depots' shortest-path rows or from
        one search out of the incident. After a network change the first ``n_depots``
        incidents each use their own search; after that all depot rows are computed once
        (exact). This is the ski-rental rule: never more than twice the cost of the better of
        the two strategies, whatever the number of incidents per network state. An incident's
        own search stops at ``search_limit_h`` (a bounded Dijkstra settles only the nodes
        within it); ``full=True`` asks for the exact times to every depot, which the caller
        does when the depots within the horizon cannot serve the bundle
        (:meth:`sim.response.dispatch.dispatcher.Dispatcher._try_assign`).
        """
        version = self.router.version
        if job.times_version != version or (full and job.times_horizon_h < np.inf):
            if self._rows_version != version:
                self._rows_version, self._incident_rows = version, 0
                self._node_times.clear()
            key = (job.incident.node, job.group)
            hit = self._node_times.get(key)
            if hit is None or (full and hit[2] < np.inf):
                router, node = self.router, job.incident.node
                horizon = np.inf
                if self._incident_rows >= self.node.size or router.is_cached(self.node):
                    times = router.travel_time_h(self.node, [node])[:, 0]
                elif full or not np.isfinite(self.search_limit_h):
                    # (a full search after this site's bounded one is not counted again, so
                    # the rows used do not depend on the horizon)
                    self._incident_rows += hit is None
                    times = router.travel_time_h([node], self.node)[0]
                else:
                    self._incident_rows += 1
                    horizon = self.search_limit_h
                    times = router.times_within(node, horizon)[self.node]
                hit = (times, self._group_masks[job.group] & np.isfinite(times), horizon)
                self._node_times[key] = hit
            job.times_h, job.base_mask, job.times_horizon_h = hit
            job.times_version = version
        return job.times_h, job.base_mask

    def return_times(self, job: Job, depots: np.ndarray) -> np.ndarray:
        """Travel time back from the incident to each of ``depots`` (h) on today's roads when
        the roads have not changed since the job's times were found; else inf (the caller then
        uses the outbound time). It never depends on what the router happens to cache, so
        results do not depend on the cache or the search horizon."""
        if job.times_version == self.router.version:
            return job.times_h[depots]
        return np.full(depots.size, np.inf)

    def between(self, src: int, targets: np.ndarray) -> np.ndarray:
        """(k,) travel times from depot ``src`` to depots ``targets`` (h; inf: unreachable)."""
        return self.router.travel_time_h(self.node[[src]], self.node[targets])[0]
