"""Overload (load-redistribution) tripping on a layer's transmission mesh, for the cascade engine.

The rule is that of Motter & Lai (2002), "Cascade-based attacks on complex networks", Phys.
Rev. E 66, 065102(R): every node i of the mesh carries a load L_i computed from shortest paths;
its capacity is C_i = (1 + α) L_i(0), α >= 0 the tolerance, with L_i(0) the load of the
intact mesh; after a loss, loads are recomputed on the surviving mesh, nodes with L_i > C_i
fail, and the two steps repeat until no node is overloaded.

Two load definitions (``load=``):

* ``"all_pairs"`` — Motter & Lai's own: betweenness over all node pairs
  (:func:`sim.networks.load_cascade.shortest_path_load`). Faithful, but on a planar city-wide mesh
  it moves loads between unrelated places, and costs ~1 s per stage on the 1,199-node
  25-million-city high-voltage mesh (measured).
* ``"nearest_source"`` (default) — a supply flow: each alive sink draws one unit from its
  nearest alive sources (hop distance; ties split equally) along all their shortest paths
  (equal split over paths, as in betweenness), and a node's load is the flow through it plus
  the flow it delivers (source) or receives (sink). The restriction of shortest-path load to
  source→sink pairs follows the generator→substation view of transmission grids in the
  network literature (e.g. Albert, Albert & Nakarado 2004, Phys. Rev. E 69, 025103; Kinney et
  al. 2005, Eur. Phys. J. B 46, 101-107 — cited from memory, their exact load definitions not
  re-checked here); the nearest-source assignment and the unit demand are this project's
  assumptions: city grids are operated in supply areas around their
  220 kV stations, so a loss moves demand to neighbouring stations rather than across the
  city. Counting endpoints gives every served node a positive capacity (under the pure
  betweenness rule a node that carries no through-flow has C = 0 and trips on any load).
  ~0.01 s per load computation on that mesh (measured; "all_pairs": ~0.4 s).

Measured on the generated mesh of scenarios/data/shanghai (1,199 nodes, 2,287 lines, 99
sources), nodes tripped after one loss, over 20 random nodes / 20 of the 220 kV sources:
α = 0.2 — 3 of 20 random losses and 17 of 20 source losses collapse 650-770 nodes (a lost
source moves its whole supply area onto 3-5 neighbours and the paths next to it); α = 0.5 — at
most 62 / 90 nodes; α = 1.0 — at most 29 / 35. α therefore plays the part of the grid's N-1
reserve margin.

State (choice made here, an assumption): tripped nodes are not damaged. Overload protection
disconnects equipment before it is harmed, and re-energising it is a switching operation of
minutes, short against the physics step and the repair of damaged assets; so the tripped set
is recomputed from the current damage at every engine update (a pure function of the damage,
cached), and a tripped substation comes back as soon as the repairs that caused its overload
are done. No repair job is created for a trip.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from scipy import sparse

from sim.networks.errors import CascadeError
from sim.networks.load_cascade import shortest_path_load
from sim.networks.multilayer import Layer

LOADS = ("nearest_source", "all_pairs")

MESH_DEFAULTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "power": (("substation_220kv", "substation_110_35kv"), ("hv_line",)),
    "water": (("water_plant", "booster_pumping_station"), ("trunk_main",)),
}
"""Layer → (asset types, edge types) of its transmission mesh: the 220 kV sources and
110/35 kV substations joined by sub-transmission lines; water plants and boosters joined by
trunk mains (sim.networks.generate)."""

_CACHE_SIZE = 64


def _restrict(adjacency, alive: np.ndarray | None) -> sparse.csr_array:
    """Unit-weight symmetric CSR without self-loops, rows/columns of dead nodes emptied."""
    a = sparse.csr_array(adjacency, dtype=np.float64, copy=True)
    a.setdiag(0.0)
    a.eliminate_zeros()
    a.data[:] = 1.0
    if alive is not None:
        d = sparse.diags_array(np.asarray(alive, bool).astype(np.float64))
        a = sparse.csr_array(d @ a @ d)
        a.eliminate_zeros()
    return a


def _nearest_source_hops(a: sparse.csr_array, src_mask: np.ndarray) -> tuple[np.ndarray, int]:
    """(n,) hop distance of every node to its nearest source (-1: unreachable) by one
    multi-source breadth-first search, and the largest distance reached."""
    n = a.shape[0]
    dmin = np.full(n, -1, np.int64)
    dmin[np.flatnonzero(src_mask)] = 0
    front = src_mask.astype(np.float64)
    depth = 0
    while True:
        reach = (a @ front > 0) & (dmin < 0)
        if not reach.any():
            break
        depth += 1
        dmin[reach] = depth
        front = reach.astype(np.float64)
    return dmin, depth


def supply_load(
    adjacency,
    is_source: np.ndarray,
    alive: np.ndarray | None = None,
    demand: np.ndarray | None = None,
) -> np.ndarray:
    """Nearest-source shortest-path supply load of every node (module docstring).

    Sink t (alive, not a source, reachable from an alive source) takes demand d_t equally from
    the set N_t of alive sources at the smallest hop distance; the flow d_t/|N_t| from s ∈ N_t
    to t is split over all shortest s–t paths in proportion to their number, as betweenness
    does (Brandes 2001, J. Math. Sociol. 25, 163-177, accumulation with target weights):
    L_v = Σ_t Σ_{s ∈ N_t} (d_t/|N_t|) σ_st(v)/σ_st over intermediate v, plus Σ_t d_t/|N_t|
    at each source s ∈ N_t and d_t at t itself.

    Cost: one multi-source breadth-first search for the nearest-source distances, then, for
    all sources at once, path counts forward and flows backward over that many levels only
    (one sparse-dense product per level each way). Memory O(sources · n · levels).

    Args:
        adjacency: (n, n) symmetric adjacency (nonzero = edge; weights ignored).
        is_source: (n,) bool sources.
        alive: (n,) bool nodes kept (default all); dead nodes get load 0.
        demand: (n,) sink demands (default 1 per sink).

    Returns:
        (n,) float loads, in units of demand.
    """
    a = _restrict(adjacency, alive)
    n = a.shape[0]
    keep = np.ones(n, bool) if alive is None else np.asarray(alive, bool)
    src_mask = np.asarray(is_source, bool) & keep
    sources = np.flatnonzero(src_mask)
    load = np.zeros(n)
    if sources.size == 0:
        return load
    dem = np.ones(n) if demand is None else np.asarray(demand, float)
    dmin, depth = _nearest_source_hops(a, src_mask)
    sink = keep & ~src_mask & (dmin > 0)
    # Path counts from each source (columns), down to the deepest sink.
    k = sources.size
    cols = np.arange(k)
    sigma = np.zeros((n, k))
    sigma[sources, cols] = 1.0
    unseen = np.ones((n, k))
    unseen[sources, cols] = 0.0
    levels = [sigma > 0]
    front = sigma.copy()
    for _ in range(depth):
        nxt = a @ front
        nxt *= unseen
        new = nxt > 0
        unseen[new] = 0.0
        sigma += nxt
        levels.append(new)
        front = nxt
    # Flow s → t where s is among t's nearest sources: t first reached at level dmin[t].
    near = np.zeros((n, k), bool)
    for lev in range(1, depth + 1):
        at = sink & (dmin == lev)
        near[at] = levels[lev][at]
    count = near.sum(axis=1)
    share = np.where(near, (dem / np.maximum(count, 1))[:, None], 0.0)  # (n, k)
    inv = np.divide(1.0, sigma, out=np.zeros_like(sigma), where=sigma > 0)
    delta = np.zeros((n, k))
    for lev in range(depth, 0, -1):
        coeff = (share + delta) * inv
        coeff *= levels[lev]
        contrib = a @ coeff
        contrib *= sigma
        contrib *= levels[lev - 1]
        delta += contrib
    delta[sources, cols] = 0.0
    load += delta.sum(axis=1)
    load[sources] += share.sum(axis=0)
    load += share.sum(axis=1)
    return load


class OverloadRule:
    """Motter–Lai overload tripping on the mesh of one layer (module docstring).

    The mesh is the subgraph of `layer` induced by the nodes whose asset type is in
    `asset_types`, with the closed edges whose edge type is in `edge_types`. Initial loads and
    capacities are computed once, on the intact mesh, at construction.

    Args:
        layer: the layer (its ``is_source`` nodes in the mesh are the sources).
        alpha: tolerance α >= 0, C = (1 + α) L(0).
        asset_types, edge_types: mesh selection (default `MESH_DEFAULTS[layer.name]`).
        load: "nearest_source" (default) or "all_pairs".

    Raises:
        CascadeError: unknown load kind, negative α, no default mesh for the layer, or a mesh
            without edges.
    """

    def __init__(
        self,
        layer: Layer,
        alpha: float,
        asset_types: tuple[str, ...] | None = None,
        edge_types: tuple[str, ...] | None = None,
        load: str = "nearest_source",
    ) -> None:
        if load not in LOADS:
            raise CascadeError(f"unknown overload load {load!r}; choose from {LOADS}")
        if not alpha >= 0:
            raise CascadeError(f"overload tolerance alpha must be >= 0, got {alpha}")
        if asset_types is None or edge_types is None:
            if layer.name not in MESH_DEFAULTS:
                raise CascadeError(
                    f"no default transmission mesh for layer {layer.name!r}; "
                    f"defaults exist for {sorted(MESH_DEFAULTS)}"
                )
            asset_types = asset_types or MESH_DEFAULTS[layer.name][0]
            edge_types = edge_types or MESH_DEFAULTS[layer.name][1]
        self.layer_name = layer.name
        self.alpha = float(alpha)
        self.load_kind = load
        codes = [i for i, t in enumerate(layer.asset_types) if t in asset_types]
        self.nodes = np.flatnonzero(np.isin(layer.nodes["asset_type"], codes))
        k = self.nodes.size
        local = np.full(layer.n_nodes, -1, np.int64)
        local[self.nodes] = np.arange(k)
        e = layer.edges
        ecodes = [i for i, t in enumerate(layer.edge_types) if t in edge_types]
        etype = e.get("edge_type", np.zeros(layer.n_edges, np.int64))
        sel = np.isin(etype, ecodes) & layer.closed_edge_mask()
        sel &= (local[e["u"]] >= 0) & (local[e["v"]] >= 0)
        self.edges = np.flatnonzero(sel)
        if self.edges.size == 0:
            raise CascadeError(
                f"layer {layer.name!r}: the mesh of {list(asset_types)} joined by "
                f"{list(edge_types)} has no edge"
            )
        self._u = local[e["u"][self.edges]]
        self._v = local[e["v"][self.edges]]
        self.is_source = layer.nodes["is_source"][self.nodes].astype(bool)
        self._full = self._adjacency(np.ones(self.edges.size, bool))
        self.initial_load = self.loads(np.ones(k, bool))
        self.capacity = (1.0 + self.alpha) * self.initial_load
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.evaluations = 0  # load computations done (cost accounting)

    def _adjacency(self, edge_ok: np.ndarray) -> sparse.csr_array:
        k = self.nodes.size
        u, v = self._u[edge_ok], self._v[edge_ok]
        ones = np.ones(2 * u.size)
        return sparse.csr_array((ones, (np.r_[u, v], np.r_[v, u])), shape=(k, k))

    def loads(self, alive: np.ndarray, edge_ok: np.ndarray | None = None) -> np.ndarray:
        """(k,) loads of the mesh nodes given alive mesh nodes and (optional) working edges."""
        adj = self._full if edge_ok is None or edge_ok.all() else self._adjacency(edge_ok)
        if self.load_kind == "all_pairs":
            return shortest_path_load(adj, alive)
        return supply_load(adj, self.is_source, alive)

    def cascade(self, alive: np.ndarray, edge_ok: np.ndarray | None = None) -> np.ndarray:
        """(k,) bool mesh nodes tripped by overload, starting from `alive` (Motter & Lai
        iteration: recompute loads, trip every node with L > C, repeat)."""
        alive = np.asarray(alive, bool).copy()
        tripped = np.zeros_like(alive)
        while True:
            self.evaluations += 1
            load = self.loads(alive, edge_ok)
            over = alive & (load > self.capacity + 1e-9 * np.maximum(1.0, self.capacity))
            if not over.any():
                return tripped
            tripped |= over
            alive &= ~over

    def tripped(self, functional: np.ndarray, edge_ok: np.ndarray | None = None) -> np.ndarray:
        """(n,) bool nodes of the layer tripped by overload.

        Args:
            functional: (n,) bool nodes of the layer working before overload is considered.
            edge_ok: (m,) bool edges of the layer in service (default all).

        The intact mesh is never overloaded (α >= 0); other states are looked up in a small
        cache keyed on the mesh state, since damage changes far less often than the engine
        is updated.
        """
        n = len(functional)
        alive = np.asarray(functional, bool)[self.nodes]
        eok = None if edge_ok is None else np.asarray(edge_ok, bool)[self.edges]
        out = np.zeros(n, bool)
        if alive.all() and (eok is None or eok.all()):
            return out
        key = np.packbits(alive).tobytes() + (b"" if eok is None else np.packbits(eok).tobytes())
        hit = self._cache.get(key)
        if hit is None:
            hit = self.cascade(alive, eok)
            self._cache[key] = hit
            # The survivors are stable: the engine's next call (after the trips) is free.
            calm = np.packbits(alive & ~hit).tobytes() + key[len(np.packbits(alive)) :]
            self._cache[calm] = np.zeros_like(hit)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        out[self.nodes[hit]] = True
        return out
