"""Which depots may serve an incident and how far they are: eligibility groups, travel times
from the depots to incident sites (cached per road-network version), the depot tie-break."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.response.dispatch.records import DispatchError, Job
from sim.response.resources import Depot


class DepotReach:
    """Eligibility and travel times of the depots.

    Groups: with mutual aid one group (every depot); without it one per district (the
    district's depots and the central reserves). Group ``g``'s stock is row ``g`` of
    ``group_matrix @ stock.available``.

    Args:
        router: a :class:`sim.response.routing.RoadRouter` (or any object with
            ``travel_time_h(sources, targets)``, ``is_cached(sources)``, ``n_nodes`` and
            ``version``). Roads must be two-way (symmetric travel times).
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
        self._group_of: dict[int, int] = {}
        self._group_masks: list[np.ndarray] = []
        self.group_matrix = np.zeros((0, n_d))
        self._rows_version, self._incident_rows = -1, 0
        self._node_times: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def group_index(self, district: int, mutual_aid: bool) -> int:
        """The eligibility group of an incident in ``district`` (created on first use)."""
        key = -1 if mutual_aid else int(district)
        g = self._group_of.get(key)
        if g is None:
            if key == -1:
                mask = np.ones(self.n_depots, dtype=bool)
            else:
                mask = (self.district == key) | self.central
            g = len(self._group_masks)
            self._group_of[key] = g
            self._group_masks.append(mask)
            self.group_matrix = np.vstack([self.group_matrix, mask[None, :].astype(float)])
        return g

    def group_stock(self, available: np.ndarray) -> np.ndarray:
        """(groups, N_RESOURCES) units available to each group."""
        return self.group_matrix @ available

    def group_stock_of(self, group: int, available: np.ndarray) -> np.ndarray:
        """(N_RESOURCES,) units available to one group."""
        return self.group_matrix[group] @ available

    def times_to(self, job: Job) -> tuple[np.ndarray, np.ndarray]:
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
                if self._incident_rows >= self.node.size or router.is_cached(self.node):
                    times = router.travel_time_h(self.node, [node])[:, 0]
                else:
                    self._incident_rows += 1
                    times = router.travel_time_h([node], self.node)[0]
                hit = (times, self._group_masks[job.group] & np.isfinite(times))
                self._node_times[key] = hit
            job.times_h, job.base_mask = hit
            job.times_version = version
        return job.times_h, job.base_mask

    def return_times(self, job: Job, depots: np.ndarray) -> np.ndarray:
        """Travel time back from the incident to each of ``depots`` (h) on today's roads if
        that costs no new shortest-path search (times known for this network state, or depot
        rows cached); else inf (the caller then uses the outbound time)."""
        if job.times_version == self.router.version:
            return job.times_h[depots]
        if self.router.is_cached(self.node[depots]):
            back = self.router.travel_time_h(self.node[depots], [job.incident.node])
            return back[:, 0]
        return np.full(depots.size, np.inf)

    def between(self, src: int, targets: np.ndarray) -> np.ndarray:
        """(k,) travel times from depot ``src`` to depots ``targets`` (h; inf: unreachable)."""
        return self.router.travel_time_h(self.node[[src]], self.node[targets])[0]
