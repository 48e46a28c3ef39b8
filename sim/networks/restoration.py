"""Repair priority for damaged infrastructure assets (the order; crews are sim.response' job).

Heuristic (assumption, following common utility practice of restoring the supply backbone
before the distribution periphery; not calibrated):
1. tier — sources first (bulk substations, water plants, drainage outlets), then assets that
   other layers depend on (suppliers of a Dependency, e.g. the feeder node of a pump), then
   other non-leaf assets, then the rest;
2. within a tier, the immediate gain: customers (households; for layers without customers,
   nodes) that regain service if this asset alone is repaired, given the current damage — its
   own customers plus those of the unserved undamaged components it touches, counted only if
   it also touches a served component or is a source (one connected_components call); in
   layers without sources (roads) the largest undamaged component counts as served;
3. then the potential gain (same count, ignoring the "touches a served component" condition),
   so that assets on the path to large outages come before isolated ones;
4. then the node index (deterministic ties).
Recompute after each repair batch for a greedy restoration sequence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sim.networks.errors import NetworkError
from sim.networks.multilayer import Layer, MultilayerNetwork

TIER_SOURCE, TIER_SUPPLIER, TIER_INTERIOR, TIER_LEAF = 0, 1, 2, 3


def _gains(layer: Layer, damaged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Immediate and potential gain of repairing each node (see module docstring)."""
    n = layer.n_nodes
    w = layer.nodes["customers_households"]
    if not (w > 0).any():
        w = np.ones(n)
    ok_edge = layer.closed_edge_mask()
    u, v = layer.edges["u"][ok_edge], layer.edges["v"][ok_edge]
    alive = ~damaged
    keep = alive[u] & alive[v]
    g = sparse.csr_array((np.ones(int(keep.sum())), (u[keep], v[keep])), shape=(n, n))
    ncomp, lab = connected_components(g, directed=False)
    src = layer.nodes["is_source"]
    served = np.zeros(ncomp, bool)
    if src.any():
        served[lab[alive & src]] = True
    elif alive.any():
        # No sources (roads): the largest undamaged component plays the served part.
        served[np.argmax(np.bincount(lab[alive], minlength=ncomp))] = True
    comp_w = np.bincount(lab, weights=np.where(alive, w, 0.0), minlength=ncomp)
    # Edges from a damaged node to an undamaged neighbour, deduplicated per (node, component).
    a = np.concatenate([u, v])
    b = np.concatenate([v, u])
    sel = damaged[a] & alive[b]
    a, c = a[sel], lab[b[sel]]
    pairs = np.unique(a.astype(np.int64) * ncomp + c)
    a, c = pairs // ncomp, pairs % ncomp
    unserved_w = np.where(served[c], 0.0, comp_w[c])
    potential = w * damaged + np.bincount(a, weights=unserved_w, minlength=n)
    touches_served = np.zeros(n, bool)
    touches_served[a[served[c]]] = True
    immediate = np.where(touches_served | src, potential, 0.0)
    return np.where(damaged, immediate, 0.0), np.where(damaged, potential, 0.0)


def restoration_order(
    net: MultilayerNetwork, damaged: dict[str, np.ndarray], layers: list[str] | None = None
) -> pd.DataFrame:
    """Damaged assets in repair-priority order.

    Args:
        net: the network.
        damaged: layer -> (n,) bool damaged nodes (missing layers: nothing damaged).
        layers: restrict to these layers (default: all in `damaged`).

    Returns:
        DataFrame with columns layer, node, asset_type (name), tier, immediate_gain,
        potential_gain, sorted by priority (row 0 first). Empty if nothing is damaged.

    Raises:
        NetworkError: unknown layer or mask of the wrong length.
    """
    names = list(damaged) if layers is None else list(layers)
    frames = []
    for name in names:
        layer = net.layer(name)
        mask = np.asarray(damaged.get(name, np.zeros(layer.n_nodes, bool)), bool)
        if mask.shape != (layer.n_nodes,):
            raise NetworkError(f"damaged[{name!r}] has shape {mask.shape}, need ({layer.n_nodes},)")
        if not mask.any():
            continue
        supplier = np.zeros(layer.n_nodes, bool)
        for dep in net.dependencies:
            if dep.supplier_layer == name:
                every = dep.suppliers.ravel()
                supplier[every[every >= 0]] = True
        deg = layer.degree()
        tier = np.where(
            layer.nodes["is_source"],
            TIER_SOURCE,
            np.where(supplier, TIER_SUPPLIER, np.where(deg > 1, TIER_INTERIOR, TIER_LEAF)),
        )
        immediate, potential = _gains(layer, mask)
        idx = np.flatnonzero(mask)
        frames.append(
            pd.DataFrame(
                {
                    "layer": name,
                    "node": idx,
                    "asset_type": np.asarray(layer.asset_types, dtype=object)[
                        layer.nodes["asset_type"][idx]
                    ],
                    "tier": tier[idx],
                    "immediate_gain": immediate[idx],
                    "potential_gain": potential[idx],
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=["layer", "node", "asset_type", "tier", "immediate_gain", "potential_gain"]
        )
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(
        ["tier", "immediate_gain", "potential_gain", "layer", "node"],
        ascending=[True, False, False, True, True],
        kind="stable",
    )
    return df.reset_index(drop=True)


def repair_order(net: MultilayerNetwork, layer: str, damaged: np.ndarray) -> np.ndarray:
    """Node indices of one layer's damaged assets in priority order (see `restoration_order`)."""
    df = restoration_order(net, {layer: damaged})
    return df["node"].to_numpy(np.int64)
