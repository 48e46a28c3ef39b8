"""Vectorised spatial-graph building blocks for the network generators.

All functions take point coordinates as an (n, 2) float array in metres and return edge lists as
two int arrays (u, v) with u < v (undirected, no duplicates unless stated).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

_EMPTY = np.empty(0, dtype=np.int64)


def allocate_integer(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split an integer `total` into len(weights) integers proportional to `weights`.

    Largest-remainder (Hamilton) method after giving every entry `minimum`; the result sums to
    `total` exactly (if total < minimum * len(weights) every entry gets `minimum` and the sum
    exceeds `total`).

    Args:
        total: integer to split (>= 0).
        weights: (k,) non-negative weights (not all zero unless total == minimum * k).
        minimum: floor per entry.
    """
    w = np.asarray(weights, dtype=float)
    k = len(w)
    base = np.full(k, int(minimum), dtype=np.int64)
    rest = int(total) - int(base.sum())
    if rest <= 0:
        return base
    if w.sum() <= 0:
        w = np.ones(k)
    quota = rest * w / w.sum()
    floor = np.floor(quota).astype(np.int64)
    short = rest - int(floor.sum())
    if short > 0:
        order = np.argsort(-(quota - floor), kind="stable")
        floor[order[:short]] += 1
    return base + floor


def unique_edges(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical (min, max) undirected edges without duplicates and self-loops."""
    a = np.minimum(u, v).astype(np.int64)
    b = np.maximum(u, v).astype(np.int64)
    keep = a != b
    if not keep.any():
        return _EMPTY, _EMPTY
    pairs = np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def _triangles(xy: np.ndarray) -> np.ndarray | None:
    if len(xy) < 3:
        return None
    try:
        return Delaunay(xy).simplices
    except QhullError:
        # Collinear / duplicate points: joggle (Qhull option QJ) gives a valid triangulation.
        try:
            return Delaunay(xy, qhull_options="QJ").simplices
        except QhullError:
            return None


def delaunay_edges(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges of the Delaunay triangulation (for n = 2 the single edge; n < 2: none)."""
    n = len(xy)
    if n == 2:
        return np.array([0]), np.array([1])
    s = _triangles(xy)
    if s is None:
        return _chain_edges(xy)
    s = s.astype(np.int64)
    return unique_edges(
        np.concatenate([s[:, 0], s[:, 1], s[:, 2]]), np.concatenate([s[:, 1], s[:, 2], s[:, 0]])
    )


def _chain_edges(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Fallback for degenerate point sets: connect points in x-then-y order (a path).
    if len(xy) < 2:
        return _EMPTY, _EMPTY
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    return unique_edges(order[:-1], order[1:])


def gabriel_edges(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gabriel graph (Gabriel & Sokal 1969, Systematic Zoology 18(3), 259-278).

    Edge (a, b) is kept iff no other point lies in the circle with diameter ab. Every Gabriel edge
    is a Delaunay edge, and a Delaunay edge is Gabriel iff for each adjacent triangle the angle at
    the opposite vertex c is acute, i.e. (a - c)·(b - c) > 0 (Matula & Sokal 1980, Geographical
    Analysis 12(3), 205-222). The Gabriel graph contains the Euclidean minimum spanning tree, so it
    is connected. Mean degree ≈ 4 for random points; total length ≈ 2.0·sqrt(n·A) for n uniform
    points in area A (measured numerically here on 10^4 points; used to size road networks).
    """
    n = len(xy)
    if n == 2:
        return np.array([0]), np.array([1])
    s = _triangles(xy)
    if s is None:
        return _chain_edges(xy)
    s = s.astype(np.int64)
    a = np.concatenate([s[:, 0], s[:, 1], s[:, 2]])
    b = np.concatenate([s[:, 1], s[:, 2], s[:, 0]])
    c = np.concatenate([s[:, 2], s[:, 0], s[:, 1]])
    dot = np.einsum("ij,ij->i", xy[a] - xy[c], xy[b] - xy[c])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * n + hi
    uniq, inv = np.unique(key, return_inverse=True)
    blocked = np.zeros(len(uniq), bool)
    np.logical_or.at(blocked, inv, dot <= 0)
    good = uniq[~blocked]
    return good // n, good % n


def edge_lengths(xy: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Euclidean lengths (m) of edges (u, v)."""
    return np.hypot(xy[u, 0] - xy[v, 0], xy[u, 1] - xy[v, 1])


def mst_mask(n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray) -> np.ndarray:
    """(m,) bool: edges in a minimum spanning forest of the graph (u, v, length)."""
    if len(u) == 0:
        return np.zeros(0, bool)
    w = np.maximum(length, 1e-6)
    g = sparse.coo_array((w, (u, v)), shape=(n, n)).tocsr()
    t = minimum_spanning_tree(g).tocoo()
    tree_key = np.minimum(t.row, t.col).astype(np.int64) * n + np.maximum(t.row, t.col)
    edge_key = np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)
    return np.isin(edge_key, tree_key)


def nearest_in_group(
    xy: np.ndarray, group: np.ndarray, target_xy: np.ndarray, target_group: np.ndarray
) -> np.ndarray:
    """Index of the nearest target point with the same group id (e.g. district) for each point.

    Args:
        xy: (n, 2) query points; group: (n,) group ids.
        target_xy: (t, 2) targets; target_group: (t,) group ids.

    Returns:
        (n,) int indices into the targets.

    Raises:
        ValueError: a group of the queries has no target.
    """
    out = np.empty(len(xy), dtype=np.int64)
    for g in np.unique(group):
        q = np.flatnonzero(group == g)
        t = np.flatnonzero(target_group == g)
        if t.size == 0:
            raise ValueError(f"group {g} has {q.size} points but no target to attach them to")
        _, j = cKDTree(target_xy[t]).query(xy[q])
        out[q] = t[j]
    return out


def descent_tree(
    xy: np.ndarray, root_of: np.ndarray, root_xy: np.ndarray, k: int = 8
) -> np.ndarray:
    """Radial tree: each point links to its nearest neighbour that is closer to its own root.

    Point i (assigned to root r = root_of[i]) links to the nearest of its k nearest neighbours j
    with root_of[j] == r and |x_j - x_r| < |x_i - x_r|; if none exists it links to the root
    itself. Distances to the root strictly decrease along links, so the result is a forest of
    trees, one per root, every point reaching its root (a radial feeder / drainage tree;
    a greedy construction, assumption of this generator).

    Args:
        xy: (n, 2) points; root_of: (n,) root index into root_xy; root_xy: (r, 2).
        k: neighbours examined per point.

    Returns:
        (n,) parent: index of the parent point, or -1 when the parent is the root.
    """
    n = len(xy)
    parent = np.full(n, -1, dtype=np.int64)
    if n < 2:
        return parent
    d_root = np.hypot(*(xy - root_xy[root_of]).T)
    kk = min(k + 1, n)
    dist, idx = cKDTree(xy).query(xy, k=kk)
    idx = idx.reshape(n, kk)
    ok = (idx != np.arange(n)[:, None]) & (root_of[idx] == root_of[:, None])
    ok &= d_root[idx] < d_root[:, None]
    has = ok.any(axis=1)
    first = np.argmax(ok, axis=1)  # neighbours are sorted by distance
    parent[has] = idx[has, first[has]]
    return parent


def connect_orphans(
    n: int, u: np.ndarray, v: np.ndarray, xy: np.ndarray, anchor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Extra edges so that every node's component contains its anchor node.

    For each connected component of (u, v) that does not contain the anchor of its nodes, the
    node closest to its anchor is linked to the anchor (one edge per such component and
    anchor).

    Args:
        n: number of nodes; u, v: edges; xy: (n, 2); anchor: (n,) node index each node must reach
            (anchor[a] == a for anchors themselves).
    """
    g = sparse.coo_array((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    _, lab = connected_components(g, directed=False)
    orphan = lab != lab[anchor]
    if not orphan.any():
        return _EMPTY, _EMPTY
    idx = np.flatnonzero(orphan)
    d = np.hypot(*(xy[idx] - xy[anchor[idx]]).T)
    # One link per (component, anchor) pair: the member closest to the anchor.
    key = lab[idx].astype(np.int64) * n + anchor[idx]
    order = np.lexsort((d, key))
    first = np.ones(len(order), bool)
    first[1:] = key[order][1:] != key[order][:-1]
    pick = idx[order[first]]
    return unique_edges(pick, anchor[pick])


def nearest_pairs(xy_a: np.ndarray, xy_b: np.ndarray, k: int, min_sep_m: float) -> np.ndarray:
    """Up to k short links between point sets A and B, spread out along their interface.

    Candidates are each A point with its nearest B point; they are taken shortest first, skipping
    any whose A end lies within `min_sep_m` of an already chosen A end (greedy spreading).

    Returns:
        (j, 2) int array of (index in A, index in B), j <= k.
    """
    if len(xy_a) == 0 or len(xy_b) == 0 or k <= 0:
        return np.empty((0, 2), dtype=np.int64)
    d, j = cKDTree(xy_b).query(xy_a)
    order = np.argsort(d, kind="stable")
    chosen: list[int] = []
    for i in order[: max(200, 20 * k)].tolist():
        p = xy_a[i]
        if all(np.hypot(*(p - xy_a[c])) >= min_sep_m for c in chosen):
            chosen.append(i)
            if len(chosen) == k:
                break
    ch = np.asarray(chosen, dtype=np.int64)
    return np.stack([ch, j[ch]], axis=1)
