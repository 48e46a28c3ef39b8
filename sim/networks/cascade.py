"""Cascading failures in interdependent networks: functionality from damage, dependencies, time.

Three models:
- `CascadeEngine` (stateful, for the simulation clock): mechanism "source_served" (a node works
  iff undamaged, connected within its layer's working subgraph to a working source, and its
  dependencies are satisfied) or "giant_component" (Buldyrev et al. 2010: a node works only
  while in its layer's giant component and its dependencies work). Dependency buffers (backup
  generators, tanks) keep a dependent working for `buffer_h` hours after its supplier fails.
- `mutual_percolation`: the pure Buldyrev et al. (2010) mutual-giant-component cascade, for the
  analytic check P∞ = p(1 - exp(-k P∞))² on coupled Erdős–Rényi layers; incremental giant
  tracking (`_GiantTracker`) makes it O(N)-like up to 10^6 nodes per layer
  (benchmarks/cascade.py).
- `motter_lai`: load-redistribution cascade (Motter & Lai 2002) with vectorised betweenness
  (`shortest_path_load`), graphs up to a few thousand nodes: both live in
  :mod:`sim.networks.load_cascade` (the overload rule needs the load too). In the engine, the
  same rule acts on a layer's transmission mesh through `sim.networks.overload.OverloadRule`
  (argument `overload`): overloaded nodes trip (not functional, not damaged) and the
  connectivity and dependency passes run again.
  With feeder zones (`sim.networks.protection.FeederZones`, argument `zones`), a power layer's
  10 kV nodes follow their feeder's protection instead of the subtree cut: a fault trips the
  whole feeder, switching restores its healthy sections after the isolation time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components

from sim.networks.errors import CascadeError
from sim.networks.multilayer import Layer, MultilayerNetwork
from sim.networks.overload import OverloadRule
from sim.networks.protection import FeederZones

MECHANISMS = ("source_served", "giant_component")


def _labels(n: int, u: np.ndarray, v: np.ndarray, alive: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of the subgraph induced by `alive` (dead nodes are singletons)."""
    keep = alive[u] & alive[v]
    g = sparse.csr_array((np.ones(int(keep.sum()), np.int8), (u[keep], v[keep])), shape=(n, n))
    return connected_components(g, directed=False)


def source_served_mask(
    n: int, u: np.ndarray, v: np.ndarray, alive: np.ndarray, is_source: np.ndarray
) -> np.ndarray:
    """(n,) bool: alive nodes connected through alive nodes to an alive source.

    One `scipy.sparse.csgraph.connected_components` call: O(n + m).
    """
    ncomp, lab = _labels(n, u, v, alive)
    good = np.zeros(ncomp, bool)
    good[lab[alive & is_source]] = True
    return alive & good[lab]


def giant_component_mask(n: int, u: np.ndarray, v: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """(n,) bool: alive nodes in the largest connected component of the alive subgraph.

    Ties between equally large components go to the one containing the lowest node index.
    """
    if not alive.any():
        return alive.copy()
    ncomp, lab = _labels(n, u, v, alive)
    counts = np.bincount(lab[alive], minlength=ncomp)
    return alive & (lab == int(np.argmax(counts)))


class CascadeEngine:
    """Functionality of every node of a MultilayerNetwork given damage and the clock.

    Rule (mechanism "source_served"): node i of layer L functions iff
    (a) it is not damaged,
    (b) it is connected, through functioning nodes and undamaged closed edges of L, to a
        functioning source of L (layers with no source at all — roads — skip this test, and so
        do the layers in `unconstrained_layers`), and
    (c) each of its dependencies is satisfied: the supplier functions, or the supplier stopped
        functioning less than `buffer_h` hours ago (backup generator fuel, tank storage). A link
        with alternate supplies (`Dependency.alternate`, a dual-supplied pump) is supplied
        while any of them functions, and its buffer hours count from the moment the last one
        stopped; one supply is the rule above exactly. Cost O(k·a) per pass for k links with
        a alternates each (one gather and `any` over the (k, a) array).
    Mechanism "giant_component" replaces (b) by "is in the largest connected component of the
    functioning subgraph of L" (Buldyrev, Parshani, Paul, Stanley & Havlin 2010, Nature 464,
    1025-1028).

    Fixed point: within one `update` the damage is fixed and the set of nodes allowed by (c)
    starts full; each pass recomputes (b) per layer (one connected_components call per layer)
    and then (c). Both steps can only remove nodes, so the sets shrink monotonically and reach
    a fixed point after at most (number of nodes + 1) passes; in practice the number of passes
    is the length of the longest dependency chain + 1 (`last_passes`).

    Buffer state: for each dependency link the engine remembers the model time at which the
    link was first seen without a functioning supplier (at an `update` call); when a supplier
    functions again the clock resets (buffers refill at once — simplification). Times must not
    go back.

    Overload (load redistribution, Motter & Lai 2002, Phys. Rev. E 66, 065102): each
    `OverloadRule` is applied after the fixed point above to its layer's transmission mesh,
    starting from the nodes that still function; nodes it trips are removed like damaged ones
    (but are not damaged) and the fixed point is recomputed, until no rule trips a new node.
    Trips grow monotonically within an update, so this terminates. The tripped set is
    recomputed from the damage at each update (`sim.networks.overload`: a trip clears when its
    cause is repaired); `tripped` holds the last one.

    Args:
        net: the network.
        mechanism: "source_served" or "giant_component".
        unconstrained_layers: layers where functional = not damaged (and dependencies
            satisfied), e.g. roads.
        overload: overload rules (`sim.networks.overload.OverloadRule`), at most one per layer.
        zones: layer -> `sim.networks.protection.FeederZones`: on that layer a new fault trips
            its whole feeder, and after the switching time only the faulted sections and the
            sections cut off downstream without a tie stay out (replacing rule (b)'s cut of
            the faulted node's subtree, which depends on how finely the feeder is discretised).

    Raises:
        CascadeError: unknown mechanism or layer, two rules on one layer.
    """

    def __init__(
        self,
        net: MultilayerNetwork,
        mechanism: str = "source_served",
        unconstrained_layers: Sequence[str] = ("roads",),
        overload: Sequence[OverloadRule] = (),
        zones: dict[str, FeederZones] | None = None,
    ) -> None:
        if mechanism not in MECHANISMS:
            raise CascadeError(f"unknown cascade mechanism {mechanism!r}; choose from {MECHANISMS}")
        unknown = set(unconstrained_layers) - set(net.layers) - {"roads"}
        if unknown:
            raise CascadeError(f"unconstrained_layers {sorted(unknown)} not in {list(net.layers)}")
        names = [rule.layer_name for rule in overload]
        bad = sorted(set(names) - set(net.layers))
        if bad or len(set(names)) != len(names):
            raise CascadeError(
                f"overload rules name layers {names}: each must be one of {list(net.layers)}, "
                "at most one rule per layer"
            )
        self.net = net
        self.mechanism = mechanism
        self.unconstrained = set(unconstrained_layers)
        self.overload = list(overload)
        self.zones = dict(zones or {})
        if set(self.zones) - set(net.layers):
            raise CascadeError(f"zones name layers {sorted(self.zones)} not in {list(net.layers)}")
        self._uv = {k: (ly.edges["u"], ly.edges["v"]) for k, ly in net.layers.items()}
        self._uv |= {k: (z.u, z.v) for k, z in self.zones.items()}
        self._closed = {name: layer.closed_edge_mask() for name, layer in net.layers.items()}
        self.reset()

    def reset(self) -> None:
        """Forget buffer clocks and the last time (start a new run)."""
        self._lost_since = [np.full(len(d), np.nan) for d in self.net.dependencies]
        self._alternates = [
            None if d.alternate is None else (np.maximum(d.alternate, 0), d.alternate >= 0)
            for d in self.net.dependencies
        ]
        self._t_last = -np.inf
        self._conn_memo: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.last_passes = 0
        self.tripped = {k: np.zeros(ly.n_nodes, bool) for k, ly in self.net.layers.items()}
        for z in self.zones.values():
            z.reset()

    @property
    def last_t_h(self) -> float:
        """Model time of the last `update` (-inf before the first)."""
        return self._t_last

    def _check(self, masks: dict | None, what: str, size_of) -> dict[str, np.ndarray]:
        out = {}
        for name, layer in self.net.layers.items():
            n = size_of(layer)
            m = None if masks is None else masks.get(name)
            if m is None:
                out[name] = np.zeros(n, bool)
                continue
            m = np.asarray(m, bool)
            if m.shape != (n,):
                raise CascadeError(f"{what}[{name!r}] has shape {m.shape}, layer needs ({n},)")
            out[name] = m
        if masks is not None:
            extra = set(masks) - set(self.net.layers)
            if extra:
                raise CascadeError(f"{what} names unknown layers {sorted(extra)}")
        return out

    def _connectivity(self, name: str, layer: Layer, alive: np.ndarray, edge_ok: np.ndarray):
        """Nodes of ``layer`` connected as the mechanism requires. The last result of each
        layer is reused while its alive nodes and usable edges are unchanged (most steps of a
        storm change nothing in most layers): comparing two masks costs far less than the
        components."""
        if name in self.unconstrained:
            return alive
        last = self._conn_memo.get(name)
        if last is not None and np.array_equal(last[0], alive) and np.array_equal(last[1], edge_ok):
            return last[2].copy()
        out = self._connectivity_now(name, layer, alive, edge_ok)
        self._conn_memo[name] = (alive.copy(), np.asarray(edge_ok).copy(), out.copy())
        return out

    def _connectivity_now(self, name: str, layer: Layer, alive: np.ndarray, edge_ok: np.ndarray):
        u, v = self._uv[name]
        u, v = u[edge_ok], v[edge_ok]
        if self.mechanism == "giant_component":
            return giant_component_mask(layer.n_nodes, u, v, alive)
        src = layer.nodes["is_source"]
        if not src.any():
            return alive
        return source_served_mask(layer.n_nodes, u, v, alive, src)

    def update(
        self,
        damaged: dict[str, np.ndarray],
        t_h: float,
        edge_damaged: dict[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Functional state of every node at model time t_h.

        Args:
            damaged: layer -> (n,) bool, True = node damaged (missing layers: none damaged).
            t_h: model time (h); non-decreasing across calls.
            edge_damaged: optional layer -> (m,) bool, True = edge out of service (e.g. a
                faulted feeder span).

        Returns:
            layer -> (n,) bool, True = functioning.

        Raises:
            CascadeError: wrong mask shapes, unknown layers, or t_h earlier than the last call.
        """
        if t_h < self._t_last:
            raise CascadeError(f"t_h={t_h} is earlier than the previous update ({self._t_last})")
        alive = {k: ~m for k, m in self._check(damaged, "damaged", lambda ly: ly.n_nodes).items()}
        edead = self._check(edge_damaged, "edge_damaged", lambda ly: ly.n_edges)
        edge_ok = {k: self._closed[k] & ~edead[k] for k in self.net.layers}
        conn_ok = dict(edge_ok)  # edges of the connectivity graphs (a zoned layer has its own)
        for k, zone in self.zones.items():
            out, conn_ok[k] = zone.update(~alive[k], edead[k], edge_ok[k], t_h)
            alive[k] = alive[k] & ~out
        deps = self.net.dependencies
        since = [np.where(np.isnan(s), t_h, s) for s in self._lost_since]
        tripped = {k: np.zeros(ly.n_nodes, bool) for k, ly in self.net.layers.items()}
        passes = 0
        while True:  # terminates: the tripped sets only grow (class docstring)
            usable = {k: alive[k] & ~tripped[k] for k in alive}
            func, n = self._fixed_point(usable, conn_ok, since, t_h)
            passes += n
            grew = False
            for rule in self.overload:
                name = rule.layer_name
                new = rule.tripped(func[name], edge_ok[name]) & ~tripped[name]
                if new.any():
                    tripped[name] |= new
                    grew = True
            if not grew:
                break
        self.last_passes = passes
        self.tripped = tripped
        for i, dep in enumerate(deps):
            sup = self._supplied(func, i, dep)
            self._lost_since[i] = np.where(sup, np.nan, since[i])
        self._t_last = t_h
        return func

    def _fixed_point(self, alive, edge_ok, since, t_h) -> tuple[dict[str, np.ndarray], int]:
        """Connectivity (b) and dependency (c) passes until nothing changes (class docstring)."""
        dep_ok = {k: np.ones(ly.n_nodes, bool) for k, ly in self.net.layers.items()}
        passes = 0
        while True:  # terminates: dep_ok shrinks monotonically (class docstring)
            passes += 1
            func = {
                k: self._connectivity(k, ly, alive[k] & dep_ok[k], edge_ok[k])
                for k, ly in self.net.layers.items()
            }
            new_ok = {k: np.ones(ly.n_nodes, bool) for k, ly in self.net.layers.items()}
            for i, (dep, s) in enumerate(zip(self.net.dependencies, since, strict=True)):
                sat = self._supplied(func, i, dep) | (t_h - s < dep.buffer_h)
                new_ok[dep.dependent_layer][dep.dependent[~sat]] = False
            if all(np.array_equal(new_ok[k], dep_ok[k]) for k in dep_ok):
                return func, passes
            dep_ok = new_ok

    def _supplied(self, func: dict[str, np.ndarray], i: int, dep) -> np.ndarray:
        """(k,) bool: link i of `dep` has a functioning supplier (its own or an alternate)."""
        f = func[dep.supplier_layer]
        ok = f[dep.supplier]
        alt = self._alternates[i]
        if alt is not None:
            idx, has = alt
            ok = ok | (f[idx] & has).any(axis=1)
        return ok


def _expand_rows(
    indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All CSR entries of `rows`: (position in `rows` of each entry's row, column index)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, indices.dtype)
    which = np.repeat(np.arange(len(rows)), counts)
    # position of entry e = starts[which[e]] + (e - first entry of its row)
    pos = np.arange(total) + np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return which, indices[pos]


class _GiantTracker:
    """Giant component of a shrinking node set of one fixed graph (used by mutual_percolation).

    Masks in and out are global (n,) bool arrays; internally the tracker works on a compacted
    copy of the graph restricted to the last giant (re-compacted when the giant falls below
    COMPACT_FRACTION of it), so late cascade stages do not pay for nodes lost long ago.

    `full(alive)` computes the giant of the induced subgraph from scratch: the CSR is filtered
    to edges into alive nodes in one vectorised pass and one breadth-first search starts from
    the alive node of highest degree; if it reaches more than half of the alive nodes it is the
    unique largest component, otherwise `connected_components` labels everything (rare: near
    collapse). The search tree is kept.

    `after_removal(connected, alive, removed)` updates the giant when it loses a small set of
    nodes. Nodes whose tree path to the root avoids every node removed since the last full
    computation (the "core") are still connected to each other; the others ("cut": the
    removed nodes' subtrees, found by walking the tree's child lists) are re-attached by one
    `connected_components` call on the small graph of alive cut nodes plus one super-node for
    the core. Exact, and costs O(cut · degree) instead of O(N). A full recomputation is done
    instead when the removal is large, when the local work since the last full search exceeds
    REBUILD_WORK_FRACTION (see below), or when a detached piece is at least as large as the
    core's component (ties then follow `giant_component_mask`).
    """

    #: Performance tuning (fractions of the alive nodes). A removal larger than
    #: FULL_REMOVAL_FRACTION is handled by a full recomputation. The cut accumulates until the
    #: next full search and every local update re-examines all of it; so, ski-rental style, a
    #: full search replaces the local update once the cut nodes processed since the last one
    #: exceed REBUILD_WORK_FRACTION, about the cost of a full search plus tree in cut-node
    #: units (measured on ER graphs: ~0.47 µs per cut node vs ~0.37 µs per alive node), which
    #: keeps the total within about twice the best choice in hindsight.
    FULL_REMOVAL_FRACTION = 0.01
    REBUILD_WORK_FRACTION = 0.7
    COMPACT_FRACTION = 0.5

    def __init__(self, adjacency) -> None:
        # Duplicate entries and self-loops are harmless for every traversal below.
        csr = sparse.csr_array(adjacency)
        n = csr.shape[0]
        self.n = n
        self.itype = np.int32 if max(n, csr.nnz) < 2**31 - 1 else np.int64
        self._ones = np.ones(csr.nnz)
        self.index = None  # global id -> compact id, allocated at the first compaction
        self.local = None
        self._set_graph(
            None,
            csr.indptr.astype(np.int64, copy=False),
            csr.indices.astype(self.itype, copy=False),
        )

    def _set_graph(self, nodes, indptr: np.ndarray, indices: np.ndarray) -> None:
        """Install the compact graph; `nodes` = global ids of its nodes (None: identity)."""
        nc = self.n if nodes is None else len(nodes)
        self.nodes, self.nc = nodes, nc
        if nodes is not None:
            if self.index is None:
                self.index = np.zeros(self.n, np.int64)
            self.index[nodes] = np.arange(nc)
        self.indptr, self.indices = indptr, indices
        self.degree = np.diff(indptr)
        self.base = sparse.csr_array(
            (self._ones[: len(indices)], indices, indptr.astype(self.itype)), shape=(nc, nc)
        )
        self.cut = np.zeros(nc, bool)
        self.local = None  # scratch: node -> index among the cut nodes (allocated lazily)
        self.cut_nodes: list[np.ndarray] = []
        self._reset_tree()

    def _reset_tree(self) -> None:
        if self.cut_nodes:
            self.cut[np.concatenate(self.cut_nodes)] = False
        self.cut_nodes = []
        self.n_cut = 0
        self.local_work = 0
        self.tree_root = -1
        self.tree_ptr = None
        self._bfs = None

    def _filtered(self, keep: np.ndarray) -> tuple[sparse.csr_array, np.ndarray]:
        """Compact-graph CSR keeping the entries where `keep`; (graph, entries per row)."""
        ind = self.indices[keep]
        ck = np.zeros(len(keep) + 1, self.itype)
        np.cumsum(keep, out=ck[1:])
        ptr = ck[self.indptr]
        g = sparse.csr_array((self._ones[: len(ind)], ind, ptr), shape=(self.nc, self.nc))
        return g, np.diff(ptr)

    def _compact(self, keep: np.ndarray) -> None:
        """Restrict the compact graph (and the BFS tree) to the nodes where `keep`."""
        newid = np.cumsum(keep) - 1
        ent = keep[self.indices] & np.repeat(keep, self.degree)
        ck = np.zeros(len(ent) + 1, np.int64)
        np.cumsum(ent, out=ck[1:])
        counts = np.diff(ck[self.indptr])[keep]
        ptr = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=ptr[1:])
        order, pred = self._bfs
        root = self.tree_root
        self._set_graph(
            self._glob(np.flatnonzero(keep)),
            ptr,
            newid[self.indices[ent]].astype(self.itype, copy=False),
        )
        new_pred = np.full(self.nc, -9999, np.int64)
        new_pred[newid[order[1:]]] = newid[pred[order[1:]]]
        self.tree_root, self._bfs = int(newid[root]), (newid[order], new_pred)

    def _glob(self, compact_ids: np.ndarray) -> np.ndarray:
        return compact_ids if self.nodes is None else self.nodes[compact_ids]

    def _to_global(self, compact_mask: np.ndarray) -> np.ndarray:
        if self.nodes is None:
            return compact_mask.copy()
        out = np.zeros(self.n, bool)
        out[self.nodes[compact_mask]] = True
        return out

    def full(self, alive: np.ndarray) -> np.ndarray:
        """(n,) bool giant component of the subgraph induced by `alive` (global mask)."""
        self._reset_tree()
        a = alive if self.nodes is None else alive[self.nodes]
        n_alive = int(a.sum())
        if n_alive == 0:
            return np.zeros(self.n, bool)
        if n_alive == self.nc:
            g, deg = self.base, self.degree
        else:
            # Keep edges into alive nodes only; dead rows keep theirs but are never entered.
            g, deg = self._filtered(a[self.indices])
        start = int(np.argmax(np.where(a, deg, -1)))
        order, pred = breadth_first_order(g, start, directed=True, return_predecessors=True)
        if 2 * len(order) > n_alive:
            giant = np.zeros(self.nc, bool)
            giant[order] = True
            out = self._to_global(giant)
            self.tree_root, self._bfs = start, (order, pred)
            if len(order) < self.COMPACT_FRACTION * self.nc:
                self._compact(giant)
            return out
        g, _ = self._filtered(a[self.indices] & np.repeat(a, self.degree))
        ncomp, lab = connected_components(g, directed=False)
        counts = np.bincount(lab[a], minlength=ncomp)
        return self._to_global(a & (lab == int(np.argmax(counts))))

    def _build_tree(self) -> None:
        """Child lists of the BFS tree (built lazily: only needed for local updates).

        Breadth-first order appends the children of each node as one block, blocks in the order
        of their parents, so `order[1:]` grouped by parent position is already a CSR of
        children (checked; sorted otherwise)."""
        order, pred = self._bfs
        pos = np.empty(self.nc, np.int64)
        pos[order] = np.arange(len(order))
        children = order[1:]
        ppos = pos[pred[children]]
        if np.any(ppos[1:] < ppos[:-1]):
            srt = np.argsort(ppos, kind="stable")
            children, ppos = children[srt], ppos[srt]
        ptr = np.zeros(len(order) + 1, np.int64)
        np.cumsum(np.bincount(ppos, minlength=len(order)), out=ptr[1:])
        self.tree_pos, self.tree_ptr, self.tree_children = pos, ptr, children

    def after_removal(
        self, connected: np.ndarray, alive: np.ndarray, removed: np.ndarray
    ) -> np.ndarray:
        """Giant of `alive` = `connected` minus `removed` (global), where `connected` is the
        giant last returned by this tracker."""
        n_alive = int(connected.sum()) - len(removed)
        rem = removed if self.nodes is None else self.index[removed]
        if (
            self.tree_root < 0
            or len(removed) > self.FULL_REMOVAL_FRACTION * n_alive
            or not alive[self._glob(self.tree_root)]
        ):
            return self.full(alive)
        if self.tree_ptr is None:
            self._build_tree()
        # Mark the removed nodes' subtrees (cumulative since the last full computation).
        cut = self.cut
        front = rem[~cut[rem]]
        while len(front):
            cut[front] = True
            self.cut_nodes.append(front)
            self.n_cut += len(front)
            _, ch = _expand_rows(self.tree_ptr, self.tree_children, self.tree_pos[front])
            front = ch[~cut[ch]]
        self.local_work += self.n_cut
        if self.local_work > self.REBUILD_WORK_FRACTION * n_alive:
            return self.full(alive)
        cand = np.concatenate(self.cut_nodes)
        cand = cand[alive[self._glob(cand)]]
        if len(cand) == 0:
            return alive
        # Components of the alive cut nodes plus one super-node (index k) for the core.
        k = len(cand)
        if self.local is None:
            self.local = np.zeros(self.nc, np.int64)
        self.local[cand] = np.arange(k)  # every alive cut node is in cand: no reset needed
        which, nbr = _expand_rows(self.indptr, self.indices, cand)
        ok = alive[self._glob(nbr)]
        nbr = nbr[ok]
        other = np.where(cut[nbr], self.local[nbr], k)
        # `which` is sorted, so the kept entries already form a CSR (row k: no entries).
        ptr = np.zeros(k + 2, np.int64)
        np.cumsum(np.bincount(which[ok], minlength=k), out=ptr[1 : k + 1])
        ptr[k + 1] = ptr[k]
        graph = sparse.csr_array((np.ones(len(other), np.int8), other, ptr), shape=(k + 1, k + 1))
        ncomp, lab = connected_components(graph, directed=False)
        sizes = np.bincount(lab[:k], minlength=ncomp)
        core = lab[k]
        sizes[core] = 0
        if n_alive - int(sizes.sum()) <= sizes.max():
            return self.full(alive)  # a detached piece is at least as large as the core's
        out = alive.copy()
        out[self._glob(cand[lab[:k] != core])] = False
        return out


def _supplier_index(si: np.ndarray, di: np.ndarray, n_supplier: int):
    """CSR from supplier node to its dependents (counting sort; identity order kept)."""
    si = np.asarray(si, np.int64)
    di = np.asarray(di, np.int64)
    if len(si) > 1 and np.any(si[1:] < si[:-1]):
        order = np.argsort(si, kind="stable")
        si, di = si[order], di[order]
    ptr = np.zeros(n_supplier + 1, np.int64)
    np.cumsum(np.bincount(si, minlength=n_supplier), out=ptr[1:])
    return ptr, di


def mutual_percolation(
    adjacencies: Sequence,
    dependencies: Sequence[tuple[int, int, np.ndarray, np.ndarray]],
    alive: Sequence[np.ndarray],
    return_stages: bool = False,
):
    """Mutual-giant-component cascade of Buldyrev et al. (2010), Nature 464, 1025-1028.

    Each stage: every layer keeps only its giant component of surviving nodes, then every node
    whose supplier in another layer has failed is removed (dependencies applied in the given
    order). Stages repeat until nothing changes; the survivors form the mutually connected
    giant component. For two Erdős–Rényi layers with mean degree k, one-to-one mutual
    dependence and a random fraction p of layer A kept, its size fraction solves
    P∞ = p (1 - exp(-k P∞))² (Buldyrev et al. 2010, eq. for ER networks with a = b = k).

    Cost: a layer's giant is computed from scratch (one breadth-first search over the alive
    subgraph) on the first stage and whenever it loses more than 1 % of its nodes; smaller
    losses re-attach only the subtrees of the removed nodes in the last search tree (exact, see
    `_GiantTracker`), layers that lost nothing are skipped and dependencies are followed only
    from newly failed suppliers. The result is identical to recomputing `giant_component_mask`
    for every layer at every stage. Measured by benchmarks/cascade.py against networkx and
    against one connected_components call per stage.

    Args:
        adjacencies: per layer an (n_i, n_i) symmetric sparse adjacency.
        dependencies: tuples (dependent_layer, supplier_layer, dependent_idx, supplier_idx):
            node dependent_idx[j] of layer dependent_layer needs node supplier_idx[j] of
            supplier_layer.
        alive: per layer the (n_i,) bool initially surviving nodes.
        return_stages: also return the number of stages (the last one changes nothing).

    Returns:
        list of (n_i,) bool survivors (and the number of stages if requested).
    """
    trackers = [_GiantTracker(a) for a in adjacencies]
    cur = [np.asarray(a, bool).copy() for a in alive]
    deps = [(a, b, _supplier_index(si, di, trackers[b].n)) for a, b, di, si in dependencies]
    # Death log per layer; each dependency follows its supplier layer's log with a cursor.
    log = [[np.flatnonzero(~c)] for c in cur]
    cursor = [0] * len(deps)
    giant: list[np.ndarray | None] = [None] * len(cur)  # last computed giant (connected)
    stages = 0
    while True:
        stages += 1
        changed = False
        for i, tr in enumerate(trackers):
            if giant[i] is None:
                new = tr.full(cur[i])
            else:
                removed = np.flatnonzero(giant[i] & ~cur[i])
                new = tr.after_removal(giant[i], cur[i], removed) if len(removed) else cur[i]
            lost = np.flatnonzero(cur[i] & ~new)
            if len(lost):
                log[i].append(lost)
                changed = True
            cur[i] = new
            giant[i] = new.copy()
        for j, (a, b, (ptr, dependents)) in enumerate(deps):
            batch = log[b][cursor[j] :]
            cursor[j] = len(log[b])
            if not batch:
                continue
            _, hit = _expand_rows(ptr, dependents, np.concatenate(batch))
            hit = hit[cur[a][hit]]  # duplicates (shared suppliers) are harmless
            if len(hit):
                cur[a][hit] = False
                log[a].append(hit)
                changed = True
        if not changed:
            break
    return (cur, stages) if return_stages else cur


def service_by_district(
    layer: Layer, functional: np.ndarray, n_districts: int, weight: str = "customers_households"
) -> tuple[np.ndarray, np.ndarray]:
    """Served and total amount of `weight` per district (e.g. households with power).

    Returns:
        (served (D,), total (D,)) sums of layer.nodes[weight] over functioning / all nodes.
    """
    w = layer.nodes[weight]
    d = layer.nodes["district"]
    total = np.bincount(d, weights=w, minlength=n_districts)
    served = np.bincount(d, weights=np.where(functional, w, 0.0), minlength=n_districts)
    return served, total


def drainage_capacity_fraction(
    drainage: Layer, functional: np.ndarray, n_districts: int
) -> np.ndarray:
    """(D,) functioning pumping capacity / total pumping capacity of each district's outlets.

    Outlets are the drainage layer's sources; districts without outlets get 1.0 (nothing to
    lose). This is the `pump_functional_fraction` input of the waterlogging model.
    """
    out = drainage.nodes["is_source"]
    cap = np.where(out, drainage.nodes["capacity"], 0.0)
    d = drainage.nodes["district"]
    total = np.bincount(d, weights=cap, minlength=n_districts)
    ok = np.bincount(d, weights=np.where(functional, cap, 0.0), minlength=n_districts)
    return np.divide(ok, total, out=np.ones(n_districts), where=total > 0)
