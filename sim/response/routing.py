"""Shortest travel times on the road layer.

Travel time of edge e (h) = length_m[e] / (1000 * speed_kmh[e] * factor[e]); ``factor`` in
[0, 1] models slow-downs (waterlogging, debris, speed limits during a typhoon) and 0 closes the
edge. Times come from Dijkstra's algorithm (scipy.sparse.csgraph.dijkstra, Dijkstra 1959,
Numerische Mathematik 1:269-271). An edge is usable in both directions unless the layer's edge
field ``oneway`` is True: then only from ``u`` to ``v`` (importers orient one-way streets so,
`sim.networks.importers.read_osm`). Without one-way edges the graph is symmetric and
:meth:`RoadRouter.times_to` reuses the rows out of a node; with them it searches the reversed
graph.

Rows of the all-pairs matrix (one per source node) are cached, so a dispatcher that
repeatedly asks "how far is each depot from this incident" pays one Dijkstra per depot per
network state, then only array indexing. When factors change, a cached row is kept if it is
still exact: no changed arc is tight in it (d[a] + w_old = d[b]: on a shortest path) when its
time grows, and no changed arc improves it (d[a] + w_new < d[b]) when its time shrinks; then
every shortest path of the row avoids the changed arcs and no new path is shorter, so its
distances are unchanged. Other rows are dropped and recomputed on demand. The sparse graph
keeps one fixed structure (every directed node pair of the layer); a change rewrites its
weights in place (a closed pair weighs inf, which Dijkstra treats as no arc).

Three more queries serve the dispatcher: :meth:`RoadRouter.component_labels` (connected
components of the open roads, recomputed only when the set of closed roads changes),
:meth:`RoadRouter.times_within` (a search bounded in time, not cached) and
:meth:`RoadRouter.times_to` (times from many nodes to one).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

# Lower bound on an edge time (h): csgraph treats explicit zeros as edges, but a strictly
# positive weight keeps zero-length edges robust under any sparse-matrix clean-up.
_MIN_EDGE_TIME_H = 1e-12
MAX_CHECK_CELLS = 1_000_000
"""Largest (cached rows x changed arcs) the validity check examines; above it, or when more
than :data:`MAX_CHANGED_SHARE` of the arcs change, every row is dropped (such a change
invalidates most rows anyway, and the check would cost more than it saves)."""
MAX_CHANGED_SHARE = 0.1


class RoadNetworkError(ValueError):
    """The road layer is malformed, or an argument does not fit it."""


class RoadRouter:
    """Travel times on a road layer (duck-typed ``sim.networks.Layer``).

    Args:
        roads: object with ``nodes`` (dict with ``x_m``, ``y_m`` arrays of length n) and
            ``edges`` (dict with ``u``, ``v``, ``length_m``, ``speed_kmh`` arrays of length m;
            optional ``oneway``, bool: drivable only from u to v).
        cache_mb: memory budget for cached Dijkstra rows (8 bytes x n per row).

    Raises:
        RoadNetworkError: missing keys, mismatched lengths, node ids out of range,
            non-positive speeds or negative lengths.
    """

    def __init__(self, roads, *, cache_mb: float = 256.0):
        nodes, edges = roads.nodes, roads.edges
        for key in ("x_m", "y_m"):
            if key not in nodes:
                raise RoadNetworkError(f"road layer nodes lack {key!r}")
        for key in ("u", "v", "length_m", "speed_kmh"):
            if key not in edges:
                raise RoadNetworkError(f"road layer edges lack {key!r}")
        x = np.asarray(nodes["x_m"], dtype=float)
        y = np.asarray(nodes["y_m"], dtype=float)
        if x.shape != y.shape or x.ndim != 1 or x.size == 0:
            raise RoadNetworkError("nodes x_m and y_m must be equal-length, non-empty 1-D arrays")
        self.n_nodes = int(x.size)
        u = np.asarray(edges["u"], dtype=np.int64)
        v = np.asarray(edges["v"], dtype=np.int64)
        length_m = np.asarray(edges["length_m"], dtype=float)
        speed_kmh = np.asarray(edges["speed_kmh"], dtype=float)
        m = u.size
        if not (v.size == length_m.size == speed_kmh.size == m):
            raise RoadNetworkError("edge arrays u, v, length_m, speed_kmh differ in length")
        if m and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= self.n_nodes):
            raise RoadNetworkError(f"edge endpoints must be node indices in [0, {self.n_nodes})")
        if np.any(~np.isfinite(length_m)) or np.any(length_m < 0):
            raise RoadNetworkError("length_m must be finite and >= 0")
        if np.any(~np.isfinite(speed_kmh)) or np.any(speed_kmh <= 0):
            raise RoadNetworkError("speed_kmh must be finite and > 0 (close edges with a factor)")
        self.n_edges = int(m)
        self._u, self._v = u, v
        oneway = edges.get("oneway") if hasattr(edges, "get") else None
        self._oneway = np.zeros(m, bool) if oneway is None else np.asarray(oneway, bool)
        if self._oneway.shape != (m,):
            raise RoadNetworkError("edge array oneway differs in length from u")
        #: Whether some edge is one-way (travel times are then not symmetric).
        self.directed = bool(self._oneway.any())
        self._reverse: tuple[int, object] | None = None  # (version, transposed graph)
        self.free_flow_time_h = length_m / (1000.0 * speed_kmh)
        self._factor = np.ones(m)
        self._tree = cKDTree(np.column_stack([x, y]))
        #: Incremented whenever travel times change; callers may key their own caches on it.
        self.version = 0
        #: Incremented when the set of closed node pairs changes (what connects to what may).
        self.closure_version = 0
        self._labels: np.ndarray | None = None
        self._labels_version = -1
        self._cap_rows = max(1, int(cache_mb * 2**20 // (8 * self.n_nodes)))
        self._build_structure()
        self._clear_cache()
        #: Dijkstra rows dropped by factor changes, and rows kept exact through them.
        self.rows_dropped = 0
        self.rows_kept = 0

    # -- network state ------------------------------------------------------------------
    def _build_structure(self) -> None:
        """The fixed sparse structure: one arc per directed node pair of the layer (both
        directions of a two-way edge, u → v of a one-way edge; self-loops never shorten a
        path), weighted by the fastest of its parallel edges (:meth:`_pair_times`)."""
        m = self.n_edges
        two = ~self._oneway
        a = np.concatenate([self._u, self._v[two]])
        b = np.concatenate([self._v, self._u[two]])
        edge = np.concatenate([np.arange(m), np.arange(m)[two]])
        keep = a != b
        a, b, edge = a[keep], b[keep], edge[keep]
        order = np.lexsort((b, a))
        a, b, edge = a[order], b[order], edge[order]
        first = np.ones(a.size, dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        self._arc_edge = edge
        self._pair_start = np.flatnonzero(first)
        self._pair_a, self._pair_b = a[first], b[first]
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(self._pair_a, minlength=self.n_nodes), out=indptr[1:])
        self._graph = csr_array(
            (self._pair_times(self._factor), self._pair_b.copy(), indptr),
            shape=(self.n_nodes,) * 2,
        )

    def _pair_times(self, factor: np.ndarray) -> np.ndarray:
        """(pairs,) travel time of each directed pair under ``factor`` (h; inf: closed)."""
        with np.errstate(divide="ignore"):
            t = np.where(factor > 0, self.free_flow_time_h / factor, np.inf)
        t = np.maximum(t, _MIN_EDGE_TIME_H)
        if self._arc_edge.size == 0:
            return np.zeros(0)
        return np.minimum.reduceat(t[self._arc_edge], self._pair_start)

    def _clear_cache(self) -> None:
        self._buf = np.empty((0, self.n_nodes))
        self._slot_of = np.full(self.n_nodes, -1, dtype=np.int64)
        self._slot_src = np.empty(0, dtype=np.int64)
        self._slot_age = np.empty(0, dtype=np.int64)
        self._n_used = 0
        self._age = 0

    @property
    def speed_factor(self) -> np.ndarray:
        """(m,) current speed factor per edge (read-only copy)."""
        return self._factor.copy()

    def set_edge_speed_factor(self, factor: np.ndarray) -> None:
        """Set the speed factor of every edge; 0 closes the edge.

        If a factor changed, ``version`` is incremented and the cached rows that the change
        may alter are dropped (module docstring); the others stay, exact.

        Args:
            factor: (m,) floats in [0, 1].

        Raises:
            RoadNetworkError: wrong shape, NaN, or values outside [0, 1].
        """
        factor = np.asarray(factor, dtype=float)
        if factor.shape != (self.n_edges,):
            raise RoadNetworkError(f"factor must have shape ({self.n_edges},), got {factor.shape}")
        if np.any(~np.isfinite(factor)) or np.any(factor < 0) or np.any(factor > 1):
            raise RoadNetworkError("speed factors must be finite and in [0, 1]")
        if np.array_equal(factor, self._factor):
            return
        self._factor = factor.copy()
        new = self._pair_times(factor)
        old = self._graph.data  # the pair weights in force
        changed = np.flatnonzero(new != old)
        self.version += 1
        if changed.size == 0:
            return
        if (np.isinf(new[changed]) != np.isinf(old[changed])).any():
            self.closure_version += 1
        self._drop_invalid_rows(changed, old[changed], new[changed])
        self._graph.data[:] = new

    def _drop_invalid_rows(self, pairs: np.ndarray, w_old: np.ndarray, w_new: np.ndarray):
        """Keep the cached rows that stay exact when ``pairs`` change from ``w_old`` to
        ``w_new`` (module docstring); drop the others (the buffer is compacted)."""
        n = self._n_used
        if n == 0:
            return
        n_pairs = self._graph.data.size
        if n * pairs.size > MAX_CHECK_CELLS or pairs.size > MAX_CHANGED_SHARE * n_pairs:
            self.rows_dropped += n
            self._clear_cache()
            return
        d = self._buf[:n]
        da, db = d[:, self._pair_a[pairs]], d[:, self._pair_b[pairs]]
        grew = w_new > w_old
        with np.errstate(invalid="ignore"):
            # tight: on a shortest path (d[b] = d[a] + w, up to the last bits of the sum)
            tight = grew & np.isfinite(da) & (da + w_old <= db * (1 + 1e-12) + 1e-15)
            better = ~grew & (da + w_new < db)
        valid = ~(tight | better).any(axis=1)
        self.rows_kept += int(valid.sum())
        self.rows_dropped += int(n - valid.sum())
        if valid.all():
            return
        keep = np.flatnonzero(valid)
        drop = np.flatnonzero(~valid)
        self._slot_of[self._slot_src[drop]] = -1
        k = keep.size
        self._buf[:k] = self._buf[keep]
        self._slot_src[:k] = self._slot_src[keep]
        self._slot_age[:k] = self._slot_age[keep]
        self._slot_src[k:n] = -1
        self._slot_of[self._slot_src[:k]] = np.arange(k)
        self._n_used = k

    def component_labels(self) -> np.ndarray:
        """(n_nodes,) label of each node's connected component over the open roads, arcs
        taken both ways (weak components: with one-way edges a node may share a component
        with a depot that cannot reach it; its travel time is then inf); recomputed only
        after the set of closed roads changed (``closure_version``), O(edges). Labels number
        the components in order of their lowest node, so an unchanged partition gives
        identical labels."""
        if self._labels_version != self.closure_version or self._labels is None:
            g = self._graph.copy()
            g.data = np.isfinite(g.data).astype(np.float64)
            g.eliminate_zeros()
            _, labels = connected_components(g, directed=False)
            self._labels = labels.astype(np.int64)
            self._labels_version = self.closure_version
        return self._labels

    # -- queries ------------------------------------------------------------------------
    def _check_nodes(self, idx, what: str) -> np.ndarray:
        idx = np.asarray(idx).reshape(-1)
        if idx.dtype.kind not in "iu":
            if idx.size == 0:
                return idx.astype(np.int64)
            raise RoadNetworkError(f"{what} must be integer node indices")
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_nodes):
            raise RoadNetworkError(f"{what} must be node indices in [0, {self.n_nodes})")
        return idx

    def _cache_rows(self, src: np.ndarray) -> bool:
        """Make sure rows for the unique sources ``src`` are cached; False if they cannot fit."""
        missing = src[self._slot_of[src] < 0]
        if missing.size == 0:
            return True
        if src.size > self._cap_rows:
            return False
        rows = dijkstra(self._graph, directed=True, indices=missing)
        k = missing.size
        free = self._buf.shape[0] - self._n_used
        if free < k and self._buf.shape[0] < self._cap_rows:  # grow geometrically
            new_cap = min(self._cap_rows, max(2 * self._buf.shape[0], self._n_used + k, 16))
            grow = new_cap - self._buf.shape[0]
            self._buf = np.vstack([self._buf, np.empty((grow, self.n_nodes))])
            self._slot_src = np.concatenate([self._slot_src, np.full(grow, -1, np.int64)])
            self._slot_age = np.concatenate([self._slot_age, np.zeros(grow, np.int64)])
            free = self._buf.shape[0] - self._n_used
        slots = np.arange(self._n_used, self._n_used + min(free, k))
        self._n_used += slots.size
        if slots.size < k:  # evict the oldest rows not needed by this request
            used = np.arange(self._n_used)
            evictable = used[~np.isin(self._slot_src[used], src)]
            victims = evictable[np.argsort(self._slot_age[evictable])[: k - slots.size]]
            self._slot_of[self._slot_src[victims]] = -1
            slots = np.concatenate([slots, victims])
        self._buf[slots] = rows
        self._slot_src[slots] = missing
        self._slot_of[missing] = slots
        self._slot_age[slots] = self._age
        self._age += 1
        return True

    def travel_time_h(self, sources, targets) -> np.ndarray:
        """Shortest travel times from each source to each target (h).

        Args:
            sources: (s,) int node indices.
            targets: (t,) int node indices.

        Returns:
            (s, t) float64 array; ``inf`` where the target is unreachable.

        Raises:
            RoadNetworkError: indices out of range or not integers.
        """
        src = self._check_nodes(sources, "sources")
        tgt = self._check_nodes(targets, "targets")
        slots = self._slot_of[src]
        if slots.min(initial=0) < 0:  # some rows not cached yet
            uniq, inv = np.unique(src, return_inverse=True)
            if not self._cache_rows(uniq):
                rows = dijkstra(self._graph, directed=True, indices=uniq)  # too many to cache
                return rows[inv[:, None], tgt[None, :]]
            slots = self._slot_of[src]
        return self._buf[slots[:, None], tgt[None, :]]

    def times_within(self, source: int, limit_h: float) -> np.ndarray:
        """(n_nodes,) shortest travel times from ``source`` (h), searched only up to
        ``limit_h``: nodes farther away (or unreachable) read inf. A cached row of ``source``
        is used when there is one; otherwise the search is not cached (it is partial).

        Raises:
            RoadNetworkError: ``source`` is not a node index.
        """
        src = self._check_nodes([source], "source")
        slot = self._slot_of[src[0]]
        if slot >= 0:
            row = self._buf[slot]
            return np.where(row <= limit_h, row, np.inf)
        return dijkstra(self._graph, directed=True, indices=int(src[0]), limit=limit_h)

    def times_to(self, target: int, sources, limit_h: float = np.inf) -> np.ndarray:
        """(k,) shortest travel times from each of ``sources`` to ``target`` (h), searched up
        to ``limit_h`` (farther or unreachable: inf).

        Two-way roads: the times out of ``target`` (its row, cached or bounded as in
        :meth:`travel_time_h` and :meth:`times_within`). With one-way edges: one search out
        of ``target`` on the reversed graph (not cached; the transpose is rebuilt once per
        network version).

        Raises:
            RoadNetworkError: ``target`` or ``sources`` are not node indices.
        """
        tgt = int(self._check_nodes([target], "target")[0])
        src = self._check_nodes(sources, "sources")
        if not self.directed:
            if np.isfinite(limit_h):
                return self.times_within(tgt, limit_h)[src]
            return self.travel_time_h([tgt], src)[0]
        if self._reverse is None or self._reverse[0] != self.version:
            self._reverse = (self.version, self._graph.T.tocsr())
        row = dijkstra(self._reverse[1], directed=True, indices=tgt, limit=limit_h)
        return row[src]

    def is_cached(self, sources) -> bool:
        """True if rows for all ``sources`` are cached for the current network state."""
        src = self._check_nodes(sources, "sources")
        return bool(self._slot_of[src].min(initial=0) >= 0)

    def travel_time_between(self, a, b) -> np.ndarray:
        """Element-wise travel time a[i] -> b[i] (h), shape (k,)."""
        a = self._check_nodes(a, "a")
        b = self._check_nodes(b, "b")
        if a.shape != b.shape:
            raise RoadNetworkError("a and b must have the same length")
        uniq = np.unique(a)
        if self._cache_rows(uniq):
            return self._buf[self._slot_of[a], b]
        out = np.empty(a.size)
        for s in uniq:  # rare path: more distinct sources than the cache holds
            sel = a == s
            out[sel] = dijkstra(self._graph, directed=True, indices=int(s))[b[sel]]
        return out

    def nearest_node(self, x_m, y_m) -> np.ndarray:
        """Index of the road node nearest to each point (Euclidean, UTM metres).

        Args:
            x_m, y_m: scalars or broadcastable arrays (m).

        Returns:
            int64 array of the broadcast shape (0-d for scalars).
        """
        x, y = np.broadcast_arrays(np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float))
        _, idx = self._tree.query(np.column_stack([x.ravel(), y.ravel()]))
        return np.asarray(idx, dtype=np.int64).reshape(x.shape)
