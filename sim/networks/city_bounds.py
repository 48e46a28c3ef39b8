"""One distance check for every placed import: a point far outside the city is refused.

Every real network joins the city through `sim.networks.importers.place_in_district`, and real
telecom sites through `sim.networks.telecom_sites`; both then ask `check_inside_city` /
`km_outside_city` whether each point lies inside a district or near one. A point more than
`OUTSIDE_CITY_KM` km from every district once placed is almost always a coordinate typed wrong
(a swapped or mistyped digit of a longitude moves a point by tens to hundreds of km) and is
refused in one line naming the file, the element in the format's own terms (an EPANET
junction, reservoir, tank or pump; a pandapower bus; an OSM or GraphML node; a GeoJSON
feature; a telecom site and its line), the distance and what was expected.

``scale: fit`` shrinks a network so that it fits its district; a point typed far from the rest
would dictate that shrink and the whole network would come out tiny with no word said. So
`fit_mask` gives the network's bulk — the points inside Tukey's outer fences (Tukey 1977,
*Exploratory Data Analysis*, Addison-Wesley, ch. 2: beyond the quartiles by 3 interquartile
ranges, "far out") — and the fit sizes and centres the network by its bulk; the far-out points
are then placed with the same transform and refused by the same check when they land over
`OUTSIDE_CITY_KM` km outside the city.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from sim.networks.errors import NetworkImportError

OUTSIDE_CITY_KM = 5.0
"""Tolerance, km beyond every district, for a placed point (assumption: room for a coastal
intake, an offshore site or a network drawn a little larger than its district; a typed-wrong
coordinate lies tens of km or more away)."""
TUKEY_OUTER_FENCE_IQR = 3.0
"""Outer fences at 3 interquartile ranges beyond the quartiles (Tukey 1977, ch. 2)."""
EPANET_SECTIONS = {
    "water_plant": "reservoir",
    "storage_tank": "tank",
    "mains_junction": "junction",
    "booster_pumping_station": "pump",
}
"""Asset type of an EPANET import (`sim.networks.importers.read_epanet`) → the EPANET section
that defines the element, the term a message names it by."""


def km_outside_city(city, x_m, y_m) -> np.ndarray:
    """Distance of each point from the nearest district, km (0 inside a district).

    Args:
        city: the city (``locate``; ``polygons_xy`` in metres, its CRS).
        x_m, y_m: point coordinates in the city's CRS, metres.

    Returns:
        (n,) km outside every district polygon; NaN for a non-finite coordinate.
    """
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    km = np.where(np.isfinite(x) & np.isfinite(y), 0.0, np.nan)
    out = np.flatnonzero(np.isfinite(km) & (np.asarray(city.locate(x, y)) < 0))
    if out.size:
        land = shapely.union_all(np.asarray(city.polygons_xy, dtype=object))
        km[out] = shapely.distance(land, shapely.points(x[out], y[out])) / 1000.0
    return km


def outside_text(km: float, placed: bool = True) -> str:
    """What the message says of a point `km` km outside the city, and what is expected
    (``placed``: the point was moved with its network onto its district; False for a point
    read where its coordinates put it, a telecom site)."""
    where = " once placed" if placed else ""
    return (
        f"coordinates lie {km:,.1f} km outside the city{where}; expected a position "
        f"inside the city's districts or within {OUTSIDE_CITY_KM:g} km of them"
    )


def element_name(layer, i: int, path) -> str:
    """Node `i` of an imported layer named as its file names it, e.g. "junction '15'",
    "bus 3", "node 2408829", "feature 'P1'" (by the id field each importer stores)."""
    nodes = layer.nodes
    if "epanet_id" in nodes:
        kind = EPANET_SECTIONS.get(layer.asset_types[int(nodes["asset_type"][i])], "node")
        return f"{kind} {str(nodes['epanet_id'][i])!r}"
    if "bus_id" in nodes:
        return f"bus {int(nodes['bus_id'][i])}"
    if "osm_id" in nodes:
        return f"node {int(nodes['osm_id'][i])}"
    if "gas_id" in nodes:
        if Path(str(path)).suffix.lower() != ".graphml":
            return f"feature {str(nodes['gas_id'][i])!r}"
        pipe = np.isfinite(np.asarray(nodes.get("pipe_km", np.full(i + 1, np.nan)), float)[i])
        return f"{'edge' if pipe else 'node'} {str(nodes['gas_id'][i])!r}"
    if "graphml_id" in nodes:
        return f"node {str(nodes['graphml_id'][i])!r}"
    return f"node {i}"


def check_inside_city(layer, city, path, hint: str = "") -> None:
    """Refuse a placed layer with a node more than `OUTSIDE_CITY_KM` km outside the city.

    Args:
        layer: the layer placed in the city CRS (``x_m``, ``y_m`` in metres; the importer's
            id field names the node, `element_name`).
        city: the city (``locate``, ``polygons_xy`` in metres).
        path: the file, for the message.
        hint: appended to the message (what the placement did, e.g. under ``scale: fit``).

    Raises:
        NetworkImportError: "FILE: ELEMENT: coordinates lie N km outside every district …;
            expected …", naming the farthest node (a coordinate typed wrong drags the others
            with it, as a layer is placed by its centre).
    """
    km = km_outside_city(city, layer.nodes["x_m"], layer.nodes["y_m"])
    if not np.any(km > OUTSIDE_CITY_KM):
        return
    worst = int(np.nanargmax(km))
    raise NetworkImportError(
        f"{path}: {element_name(layer, worst, path)}: {outside_text(float(km[worst]))} "
        f"(check its coordinates in the file{hint})"
    )


def fit_mask(x_m, y_m) -> np.ndarray:
    """The points that size a network under ``scale: fit``: finite and inside Tukey's outer
    fences on both axes (module docstring), one spread for both axes — the larger
    interquartile range — so a network drawn along one street is not cut by its thin axis.

    Args:
        x_m, y_m: coordinates (any metric frame).

    Returns:
        (n,) bool; all finite points when no point is far out.
    """
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 4:  # quartiles of fewer points say nothing of a far-out one
        return ok
    qx, qy = np.percentile(x[ok], [25, 75]), np.percentile(y[ok], [25, 75])
    step = TUKEY_OUTER_FENCE_IQR * max(qx[1] - qx[0], qy[1] - qy[0])
    inside = (x >= qx[0] - step) & (x <= qx[1] + step) & (y >= qy[0] - step) & (y <= qy[1] + step)
    return ok & inside
