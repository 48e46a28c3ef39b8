"""Outcomes per household of the synthetic population: hours without power and water.

The networks serve customers from nodes (power: 10 kV transformers, water: junctions; each
node's ``customers_households``, :mod:`sim.networks.generate`), and the model adds up, per
node, the hours it was out of service (``Infrastructure.outage_h``). Each household of the
synthetic population (:mod:`sim.city.population`) is given one serving node of its district,
so its hours without power (water) are its node's.

Assignment: in each district the households are split over the serving nodes in proportion to
their customers (largest remainder), and filled in the order of the node nearest to each
household's building (an approximation: a node's block takes the households nearest to it
first, overflow goes to the next node by index). When a district's synthetic households
equal its network customers, every node serves exactly its customers and the households'
hours add up exactly to the model's ``customer_hours_without_power`` / ``_water``; otherwise
each district's total is the model's × (synthetic households / customers).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.city.exposure import largest_remainder

LAYERS = ("power", "water")


def serving_nodes(district, x_m, y_m, layer, n_districts: int) -> np.ndarray:
    """(H,) index of the node of ``layer`` serving each household.

    Args:
        district, x_m, y_m: (H,) each household's district and building position (metres).
        layer: a network layer with nodes ``district``, ``x_m``, ``y_m``,
            ``customers_households``.
        n_districts: D.

    Returns:
        (H,) int64 node indices; -1 where the household's district has no serving node.
    """
    nd = layer.nodes
    customers = np.asarray(nd["customers_households"], float)
    out = np.full(len(district), -1, np.int64)
    for d in range(n_districts):
        hh = np.flatnonzero(district == d)
        nodes = np.flatnonzero((nd["district"] == d) & (customers > 0))
        if hh.size == 0 or nodes.size == 0:
            continue
        quota = largest_remainder(hh.size, customers[nodes])
        tree = cKDTree(np.column_stack([nd["x_m"][nodes], nd["y_m"][nodes]]))
        nearest = tree.query(np.column_stack([x_m[hh], y_m[hh]]))[1]
        order = hh[np.argsort(nearest, kind="stable")]
        out[order] = np.repeat(nodes, quota)
    return out


def household_outage_hours(population, infra) -> dict[str, np.ndarray]:
    """Layer (``power``, ``water``) → (H,) hours each household was without service.

    Args:
        population: a :class:`~sim.city.population.generate.Population` of the model's city.
        infra: the model's :class:`~sim.networks.infrastructure.Infrastructure` after the run.

    Returns:
        Per layer, (H,) float hours (0 for a household whose district has no serving node).
    """
    h, b = population.households, population.buildings
    x, y = b["x_m"][h["building"]], b["y_m"][h["building"]]
    res = {}
    for name in LAYERS:
        node = serving_nodes(h["district"], x, y, infra.layers[name], infra.n_districts)
        hours = infra.outage_h[name]
        res[name] = np.where(node >= 0, hours[np.maximum(node, 0)], 0.0)
    return res
