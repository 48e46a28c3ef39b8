"""The district map: polygons coloured by warning level or impact, infrastructure on top.

Drawn with matplotlib's object API (no pyplot: figures are built in several session threads
at once). Networks are drawn from their stored coordinates (node ``x_m``, ``y_m``; never a
graph layout) as scatter layers, thinned to at most :data:`MAX_POINTS_PER_LAYER` points by a
fixed stride, so a 25-million-city network (~79k assets) draws in a fraction of a second;
failed nodes and closed road segments are always drawn in full (up to
:data:`MAX_FAILED_POINTS`). :func:`map_data` copies what the map shows from the model
(milliseconds, under the session's lock); :func:`draw_map` draws it without the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from sim.interfaces.app.readout import LAYERS, district_table

MAX_POINTS_PER_LAYER = 2500
MAX_FAILED_POINTS = 5000
ALERT_COLOURS = {0: "#e8e8e8", 1: "#3b7dd8", 2: "#f2d430", 3: "#f28c28", 4: "#d7301f"}
"""Alert rank → colour of the Chinese four-colour warning scale (none grey)."""
LAYER_COLOURS = {"power": "#7b3294", "water": "#0571b0", "drainage": "#1a9641", "roads": "#555555"}
COLOUR_BY = {
    "alert level": "alert_rank",
    "service loss": "service_loss",
    "open incidents": "open_incidents",
    "people relocated": "relocated_now_persons",
}
"""Map colouring choices → column of :func:`sim.interfaces.app.readout.district_table`."""


@lru_cache(maxsize=4)
def district_parts(city_key: str, polygons: tuple) -> tuple[list[np.ndarray], np.ndarray]:
    """Polygon rings (lon, lat) of every district part, and the district of each part."""
    rings, owner = [], []
    for d, geom in enumerate(polygons):
        for part in getattr(geom, "geoms", [geom]):
            rings.append(np.asarray(part.exterior.coords)[:, :2])
            owner.append(d)
    return rings, np.asarray(owner)


def _stride(idx: np.ndarray, cap: int) -> np.ndarray:
    """At most ``cap`` of ``idx`` by a fixed stride (deterministic, spatially spread)."""
    if idx.size <= cap:
        return idx
    return idx[np.linspace(0, idx.size - 1, cap).astype(int)]


def layer_points(model, layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat) of a thinned sample of a layer's nodes, and (lon, lat) of its failures
    (nodes not functional; for roads also the midpoints of closed segments)."""
    infra = model.infra
    nodes = infra.layers[layer].nodes
    n = nodes["x_m"].size
    ok = np.asarray(infra.functional[layer], dtype=bool)
    shown = _stride(np.arange(n), MAX_POINTS_PER_LAYER)
    lon, lat = model.city.to_lonlat(nodes["x_m"][shown], nodes["y_m"][shown])
    bad = _stride(np.flatnonzero(~ok), MAX_FAILED_POINTS)
    bx, by = nodes["x_m"][bad], nodes["y_m"][bad]
    if layer == "roads":
        closed = _stride(np.flatnonzero(infra.edge_speed_factor <= 0), MAX_FAILED_POINTS)
        bx = np.concatenate([bx, infra.edge_mid[0][closed]])
        by = np.concatenate([by, infra.edge_mid[1][closed]])
    blon, blat = model.city.to_lonlat(bx, by)
    return np.asarray(lon), np.asarray(lat), np.asarray(blon), np.asarray(blat)


@dataclass(frozen=True)
class MapData:
    """What the map shows, copied from the model (:func:`map_data`): the district colouring
    values, the alert level, the time and each overlaid layer's points (lon, lat, failed lon,
    failed lat). ``city`` is the model's city, which a run never changes."""

    city: object
    t_h: float
    colour_by: str
    values: np.ndarray
    alert_level: str
    points: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def map_data(model, colour_by: str = "alert level", layers: tuple[str, ...] = ()) -> MapData:
    """The map's data at the model's current time: reads the model (milliseconds; callers
    hold the session's lock), copies what it reads.

    Raises:
        KeyError: unknown ``colour_by``.
    """
    table = district_table(model)
    values = table[COLOUR_BY[colour_by]].to_numpy(dtype=float, copy=True)
    points = {layer: layer_points(model, layer) for layer in layers if layer in LAYERS}
    level = str(table["alert_level"].iloc[0])
    return MapData(model.city, float(model.time), colour_by, values, level, points)


def map_figure(model, colour_by: str = "alert level", layers: tuple[str, ...] = ()) -> Figure:
    """The map at the model's current time (:func:`draw_map` of :func:`map_data`).

    Args:
        model: a CityModel.
        colour_by: a key of :data:`COLOUR_BY`.
        layers: infrastructure layers to overlay (subset of readout.LAYERS).

    Raises:
        KeyError: unknown ``colour_by``.
    """
    return draw_map(map_data(model, colour_by, layers))


def draw_map(data: MapData) -> Figure:
    """The map figure of :func:`map_data` (reads no model: draw it outside the lock)."""
    column = COLOUR_BY[data.colour_by]
    city = data.city
    rings, owner = district_parts(city.name, tuple(city.polygons_lonlat))
    fig = Figure(figsize=(6.4, 5.6), layout="constrained")
    ax = fig.add_subplot()
    values = data.values
    if column == "alert_rank":
        faces = [ALERT_COLOURS[int(values[d])] for d in owner]
        coll = PolyCollection(rings, facecolors=faces, edgecolors="#333333", linewidths=0.5)
    else:
        vmax = float(np.nanmax(values)) if np.nanmax(values) > 0 else 1.0
        coll = PolyCollection(
            rings, array=values[owner], cmap="OrRd", norm=Normalize(0.0, vmax),
            edgecolors="#333333", linewidths=0.5,
        )  # fmt: skip
        fig.colorbar(coll, ax=ax, shrink=0.6, label=data.colour_by)
    ax.add_collection(coll)
    for layer, (lon, lat, blon, blat) in data.points.items():
        ax.scatter(lon, lat, s=1.5, c=LAYER_COLOURS[layer], alpha=0.5, label=layer, linewidths=0)
        if blon.size:
            ax.scatter(blon, blat, s=9, c="red", marker="x", linewidths=0.8)
    ax.autoscale_view()
    mid_lat = city.districts["lat"].mean()
    ax.set_aspect(1.0 / np.cos(np.deg2rad(mid_lat)))  # equal distances at the city's latitude
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    title = f"t = {data.t_h:g} h  ·  alert: {data.alert_level}  ·  colour: {data.colour_by}"
    ax.set_title(title, fontsize=9)
    if data.points:
        ax.legend(loc="lower right", fontsize=7, markerscale=4)
    return fig
