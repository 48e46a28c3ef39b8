"""The district map: polygons coloured by warning level or impact, infrastructure on top,
district names inside the districts (small ones numbered, with a key) and a legend for every
colour and marker.

Drawn with matplotlib's object API (no pyplot: figures are built in several session threads
at once). Networks are drawn from their stored coordinates (node ``x_m``, ``y_m``; never a
graph layout) as scatter layers, thinned to at most :data:`MAX_POINTS_PER_LAYER` points by a
fixed stride, so a 25-million-city network (~79k assets) draws in a fraction of a second;
failed nodes and closed road segments are always drawn in full (up to
:data:`MAX_FAILED_POINTS`). :func:`map_data` copies what the map shows from the model
(milliseconds, under the session's lock); :func:`draw_map` draws it without the model;
:func:`map_svg` gives the page an SVG whose text (names, legends) stays text.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from matplotlib import patheffects, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from shapely import Point
from shapely.ops import polylabel

from sim.interfaces.app.readout import district_table, shown_layers
from sim.networks.services import layer_look
from sim.networks.telecom import LAYER as TELECOM
from sim.networks.telecom import city_stations, stations_down
from sim.results.figures import district_key, numbered_districts
from sim.results.outcome_text import count_of_total
from sim.scenario import ALERT_LEVELS

HALO = [patheffects.Stroke(linewidth=2.6, foreground="white"), patheffects.Normal()]
"""Path effects of the failure markers: a white outline under the black edge."""
MAX_POINTS_PER_LAYER = 2500
MAX_FAILED_POINTS = 5000
ALERT_COLOURS = {0: "#e8e8e8", 1: "#3b7dd8", 2: "#f2d430", 3: "#f28c28", 4: "#d7301f"}
"""Alert rank → colour of the Chinese four-colour warning scale (none grey)."""
ALERT_LABELS = {"none": "no warning", "blue": "blue", "yellow": "yellow", "orange": "orange",
                "red": "red"}  # fmt: skip
"""Legend text of each alert level."""
COLOUR_BY = {
    "alert level": "alert_rank",
    "service loss": "service_loss",
    "open incidents": "open_incidents",
    "people relocated": "relocated_now_persons",
}
"""Map colouring choices → column of :func:`sim.interfaces.app.readout.district_table`."""
COLOUR_LABELS = {
    "alert level": "Alert level in force",
    "service loss": "Service lost, mean over networks (% of normal)",
    "open incidents": "Open incidents (count)",
    "people relocated": "People relocated now (persons)",
}
"""What each colouring shows, with its unit (the choice list and the colour bar)."""
COLOUR_SCALE = {"service_loss": 100.0}
"""Factor from a column's value to the unit shown (service loss: fraction → %)."""
MAP_HEIGHT_IN = 8.6
"""Figure height, inches; the width follows the city's shape (:func:`_figure_size`). The
page shows the figure at its card's width (900-1,600 px on a projector)."""
LEGEND_WIDTH_IN = 3.5
"""Width of the side panel of legends, inches."""
MARGINS_IN = (0.9, 0.7, 0.25, 0.5)
"""Margins of the map axes (left, bottom, right, top), inches: tick labels, axis labels and
the title."""
LEFT_PAD_IN = 0.1
"""Least room between the figure's left edge and the latitude axis label, inches."""
ANCHOR_GRID = 9
"""Grid (points per side) of the places inside a district its name may be tried at."""
KEY_TOP = 0.5
"""Top of the key of numbered districts in the side panel, figure fraction (below the alert
legend or the colour bar, above the networks' legend)."""
FONT_PT = 14
"""Font size of names, axes and legends, points: ≥ 12 pt as shown on a 1,600-pixel-wide
screen (the figure, about 12.5 in wide, is scaled to a map card of about 1,100 pixels)."""
SVG_RASTER_DPI = 100
"""Resolution of the raster point layers inside the SVG, dots per inch."""
SIMPLIFY_SHARE = 1 / 1500
"""Tolerance of the drawn district outlines, share of the city's extent (half a pixel
on a 1,300-pixel-wide map)."""
_SVG_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def district_parts(city_key: str, polygons: tuple) -> tuple[list[np.ndarray], np.ndarray]:
    """Polygon rings (lon, lat) of every district part, and the district of each part.

    Rings are simplified (Douglas-Peucker, shapely ``simplify``) to :data:`SIMPLIFY_SHARE` of
    the city's extent, below a pixel at the sizes shown, so the page's SVG stays small."""
    rings, owner = [], []
    bounds = np.array([g.bounds for g in polygons], dtype=float)
    extent = max(np.ptp(bounds[:, [0, 2]]), np.ptp(bounds[:, [1, 3]])) if len(bounds) else 0.0
    for d, geom in enumerate(polygons):
        for part in getattr(geom, "geoms", [geom]):
            part = part.simplify(SIMPLIFY_SHARE * extent, preserve_topology=True)
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


def failed_count(model, layer: str) -> int:
    """How many of a layer's nodes are out of service now (for roads, plus the closed road
    segments): the count behind its failure markers, before thinning."""
    infra = model.infra
    n = int(np.count_nonzero(~np.asarray(infra.functional[layer], dtype=bool)))
    if layer == "roads":
        n += int(np.count_nonzero(infra.edge_speed_factor <= 0))
    return n


@dataclass(frozen=True)
class MapData:
    """What the map shows, copied from the model (:func:`map_data`): the district colouring
    values, the alert level, the time, each overlaid layer's points (lon, lat, failed lon,
    failed lat) and its count of failures (:func:`failed_count`); ``failed_text``: a layer's
    legend text of its failures where it says more than the count (:func:`failed_text`).
    ``city`` is the model's city, which a run never changes."""

    city: object
    t_h: float
    colour_by: str
    values: np.ndarray
    alert_level: str
    points: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    failed: dict[str, int] = field(default_factory=dict)
    failed_text: dict[str, str] = field(default_factory=dict)


def failed_text(model, layer: str) -> str | None:
    """A layer's legend text of its failures where the node count does not say enough: for
    the telecom layer, the base stations its sites down stand for, out of the city's
    ("base stations down: 797 of 6,818 (11.7 %)", :func:`sim.results.outcome_text.count_of_total`);
    None for the others (the registry's words and the count, :func:`draw_map`)."""
    if layer != TELECOM:
        return None
    tel = model.infra.layers[TELECOM]
    total = city_stations(tel)
    if total <= 0:
        return None
    down = stations_down(tel, model.infra.functional[TELECOM])
    return f"base stations down:\n{count_of_total(down, total)}"


def map_data(model, colour_by: str = "alert level", layers: tuple[str, ...] = ()) -> MapData:
    """The map's data at the model's current time: reads the model (milliseconds; callers
    hold the session's lock), copies what it reads.

    Raises:
        KeyError: unknown ``colour_by``.
    """
    table = district_table(model)
    values = table[COLOUR_BY[colour_by]].to_numpy(dtype=float, copy=True)
    shown = [layer for layer in shown_layers(model) if layer in layers]
    points = {layer: layer_points(model, layer) for layer in shown}
    failed = {layer: failed_count(model, layer) for layer in shown}
    texts = {layer: failed_text(model, layer) for layer in shown}
    texts = {layer: text for layer, text in texts.items() if text is not None}
    level = str(table["alert_level"].iloc[0])
    return MapData(model.city, float(model.time), colour_by, values, level, points, failed, texts)


def map_figure(model, colour_by: str = "alert level", layers: tuple[str, ...] = ()) -> Figure:
    """The map at the model's current time (:func:`draw_map` of :func:`map_data`).

    Args:
        model: a CityModel.
        colour_by: a key of :data:`COLOUR_BY`.
        layers: infrastructure layers to overlay (of
            :func:`sim.interfaces.app.readout.shown_layers`; others are ignored).

    Raises:
        KeyError: unknown ``colour_by``.
    """
    return draw_map(map_data(model, colour_by, layers))


@lru_cache(maxsize=4)
def label_anchors(city_key: str, polygons: tuple) -> tuple[np.ndarray, ...]:
    """Where each district's label may go: (lon, lat) points inside its largest part, best
    first — the pole of inaccessibility (shapely ``polylabel``, after Garcia-Castellanos &
    Lombardo 2007: the point inside the polygon furthest from its edge), then the points of a
    :data:`ANCHOR_GRID` × :data:`ANCHOR_GRID` grid over the part that lie inside it, furthest
    from its edge first. A label is so inside its own district even where the district's
    centroid is not (a crescent, a district beside a river bend).

    Args:
        city_key: the city's name (the cache key).
        polygons: the districts' (Multi)Polygons in lon/lat, in the districts' order.

    Returns:
        One array of shape (k, 2) per district, k ≥ 1.
    """
    out = []
    for geom in polygons:
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        x0, y0, x1, y1 = part.bounds
        best = polylabel(part, tolerance=max(1e-3 * max(x1 - x0, y1 - y0), 1e-9))
        xs = np.linspace(x0, x1, ANCHOR_GRID + 2)[1:-1]
        ys = np.linspace(y0, y1, ANCHOR_GRID + 2)[1:-1]
        grid = [Point(x, y) for y in ys for x in xs]
        inside = sorted(
            (p for p in grid if part.contains(p)), key=lambda p: -part.exterior.distance(p)
        )
        out.append(np.asarray([(q.x, q.y) for q in [best, *inside]], dtype=float))
    return tuple(out)


def _district_labels(ax, fig, city) -> list[int]:
    """District names inside their districts, bold on a white box so they read on every fill
    colour (a box, not a halo: a path effect would turn the SVG's text into outlines); a small
    district gets a number instead, named in the key (:func:`_district_key`).

    Each label sits at the first of its district's :func:`label_anchors` points where it
    overlaps no label already placed (a number at the first point). The districts the run
    figures number (:func:`sim.results.figures.numbered_districts`: below
    :data:`~sim.results.figures.SMALL_DISTRICT_SHARE` of the city's area) are numbered in the
    same order and placed first; the others are named, largest first, and a name that overlaps
    a label already placed at each of its district's points (tested on the rendered text
    extents in the axes' final box, ``Axes.apply_aspect``) is numbered too, after them.

    Returns:
        The numbered districts (rows of the city's table), in number order.
    """
    table = city.districts
    anchors = label_anchors(city.name, tuple(city.polygons_lonlat))
    numbered = numbered_districts(city)
    order = np.argsort(-table["area_km2"].to_numpy(dtype=float), kind="stable")
    style = {
        "fontsize": FONT_PT, "fontweight": "bold", "color": "#111111", "zorder": 6,
        "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                 "alpha": 0.8},
        "ha": "center", "va": "center", "gid": "district-label",
    }  # fmt: skip
    ax.apply_aspect()  # the axes' final box: text extents in their final place
    renderer = fig.canvas.get_renderer()

    def draw(d: int, where, text: str):
        label = ax.text(*where, text, **style)
        label.set_in_layout(False)
        return label, label.get_window_extent(renderer).padded(2)

    placed = [draw(d, anchors[d][0], str(k + 1))[1] for k, d in enumerate(numbered)]
    crowded = []
    for d in (int(d) for d in order if d not in numbered):
        for where in anchors[d]:
            label, box = draw(d, where, str(table["name_en"].iat[d]))
            if not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            label.remove()  # try the next place inside the district
        else:
            crowded.append(d)  # no room for its name: a number, named in the key
    for d in crowded:
        numbered.append(d)
        draw(d, anchors[d][0], str(len(numbered)))
    return numbered


def _district_key(fig, city, numbered: list[int], side: float) -> None:
    """The key of the numbered districts (:func:`sim.results.figures.district_key`, the run
    figures' key) in the side panel (left edge ``side``, figure fraction) below the fill's
    legend, in two columns."""
    if not numbered:
        return
    entries = district_key(city, numbered)
    handles = [Patch(visible=False, label=entry) for entry in entries]
    fig.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(side, KEY_TOP), fontsize=FONT_PT,
        title="Numbered districts", title_fontsize=FONT_PT, alignment="left",
        ncols=2 if len(entries) > 3 else 1, handlelength=0, handletextpad=0,
        columnspacing=1.0,
    )  # fmt: skip


def _fill(ax, fig, data: MapData, rings, owner, side: float) -> None:
    """District polygons coloured by ``data.colour_by``, with their legend in the side panel
    (left edge ``side``, figure fraction): the alert colours (a patch per level) or a colour
    bar in the measure's unit."""
    column = COLOUR_BY[data.colour_by]
    values = data.values
    if column == "alert_rank":
        faces = [ALERT_COLOURS[int(values[d])] for d in owner]
        coll = PolyCollection(rings, facecolors=faces, edgecolors="#333333", linewidths=0.8)
        ax.add_collection(coll)
        handles = [
            Patch(facecolor=ALERT_COLOURS[i], edgecolor="#333333", label=ALERT_LABELS[level])
            for i, level in enumerate(ALERT_LEVELS)
        ]
        fig.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(side, 0.97), fontsize=FONT_PT,
            title="Alert level in force", title_fontsize=FONT_PT, alignment="left",
        )  # fmt: skip
        return
    scale = COLOUR_SCALE.get(column, 1.0)
    shown = values * scale
    vmax = float(np.nanmax(shown)) if np.nanmax(shown) > 0 else 1.0
    coll = PolyCollection(
        rings, array=shown[owner], cmap="OrRd", norm=Normalize(0.0, vmax),
        edgecolors="#333333", linewidths=0.8,
    )  # fmt: skip
    ax.add_collection(coll)
    cax = fig.add_axes((side + 0.01, 0.52, 0.018, 0.42))
    bar = fig.colorbar(coll, cax=cax)
    bar.set_label(COLOUR_LABELS[data.colour_by], fontsize=FONT_PT)
    bar.ax.tick_params(labelsize=FONT_PT)


def _layers(ax, fig, data: MapData, side: float) -> None:
    """Each overlaid network: a thinned sample of its nodes (dots) and its failures (the
    layer's marker, black edge), with one legend entry each stating the failure count (or
    the layer's ``failed_text``), in the side panel (left edge ``side``, figure fraction).
    Failure markers carry a white halo (:data:`HALO`), so a layer drawn in a colour close to
    the district's fill (power red on a red warning) still reads.
    Colours, markers and words are the layer's registry entry
    (:func:`sim.networks.services.layer_look`)."""
    handles = []
    for layer, (lon, lat, blon, blat) in data.points.items():
        look = layer_look(layer)
        handles.append(
            ax.scatter(
                lon, lat, s=3, c=look.colour, alpha=0.6, linewidths=0, rasterized=True,
                label=f"{look.label.lower()} network",
            )
        )  # fmt: skip
        n_failed = data.failed.get(layer, blon.size)
        text = data.failed_text.get(layer, f"{look.failed_label}: {n_failed:,}")
        handles.append(
            ax.scatter(
                blon, blat, s=70, c=look.colour, marker=look.failed_marker, edgecolors="black",
                linewidths=0.8, rasterized=True, zorder=4, label=text, path_effects=HALO,
            )
        )  # fmt: skip
    if handles:
        fig.legend(
            handles=handles, loc="lower left", bbox_to_anchor=(side, 0.03), fontsize=FONT_PT,
            title="Networks: nodes, failures now", title_fontsize=FONT_PT, markerscale=1.4,
            alignment="left",
        )  # fmt: skip


def _figure_size(rings, mid_lat: float) -> tuple[float, float]:
    """Figure size (inches) for the city's shape: :data:`MAP_HEIGHT_IN` high, as wide as the
    map at equal distances (plus its margins) and :data:`LEGEND_WIDTH_IN` for the legends."""
    pts = np.concatenate(rings) if rings else np.zeros((1, 2))
    span_lon = max(float(np.ptp(pts[:, 0])), 1e-6) * np.cos(np.deg2rad(mid_lat))
    span_lat = max(float(np.ptp(pts[:, 1])), 1e-6)
    inner_h = MAP_HEIGHT_IN - MARGINS_IN[1] - MARGINS_IN[3]
    map_w = float(np.clip(span_lon / span_lat, 0.6, 1.8)) * inner_h
    return MARGINS_IN[0] + map_w + MARGINS_IN[2] + LEGEND_WIDTH_IN, MAP_HEIGHT_IN


def _fit_left(fig: Figure, ax, pad_in: float = LEFT_PAD_IN) -> float:
    """Move the map axes right (narrowing them) until its latitude tick labels and axis label
    start ``pad_in`` inches inside the figure's left edge: long tick labels (a city whose
    latitudes need three decimals) pushed the label "Latitude (°N)" past the fixed left
    margin (:data:`MARGINS_IN`), off the figure. Measured with the figure's renderer after
    the aspect is applied; the axes never move left.

    Returns:
        The shift, inches (0 when the margin was wide enough).
    """
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    need_in = pad_in - ax.yaxis.get_tightbbox(renderer).x0 / fig.dpi
    if need_in <= 0:
        return 0.0
    pos = ax.get_position(original=True)
    dx = need_in / fig.get_figwidth()
    ax.set_position((pos.x0 + dx, pos.y0, pos.width - dx, pos.height))
    return need_in


def draw_map(data: MapData) -> Figure:
    """The map figure of :func:`map_data` (reads no model: draw it outside the lock).

    Sized for a projector (:func:`_figure_size`, fonts :data:`FONT_PT`): the map on the
    left, district names (or numbers, for small districts) inside the districts
    (:func:`_district_labels`); on the right the legend of the fill (alert colours or a colour
    bar with its unit), the key of the numbered districts and the legend of each network's
    nodes and failure markers.
    The title starts ``t = <hours> h``. Fixed margins (:data:`MARGINS_IN`; the left one
    widened when the latitude labels need it, :func:`_fit_left`), no layout engine.
    """
    city = data.city
    rings, owner = district_parts(city.name, tuple(city.polygons_lonlat))
    mid_lat = float(city.districts["lat"].mean())
    width, height = _figure_size(rings, mid_lat)
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # a renderer to measure the names by
    left, bottom, right, top = MARGINS_IN
    side = (width - LEGEND_WIDTH_IN) / width
    ax = fig.add_axes(
        (left / width, bottom / height, side - (left + right) / width, 1 - (bottom + top) / height)
    )
    _fill(ax, fig, data, rings, owner, side)
    _layers(ax, fig, data, side)
    ax.autoscale_view()
    ax.set_aspect(1.0 / np.cos(np.deg2rad(mid_lat)))  # equal distances at the city's latitude
    ax.set_xlabel("Longitude (°E)", fontsize=FONT_PT)
    ax.set_ylabel("Latitude (°N)", fontsize=FONT_PT)
    ax.tick_params(labelsize=FONT_PT)
    title = f"t = {data.t_h:g} h  ·  alert level {data.alert_level}  ·  colour: {data.colour_by}"
    ax.set_title(title, fontsize=FONT_PT + 2)
    _fit_left(fig, ax)
    _district_key(fig, city, _district_labels(ax, fig, city), side)
    return fig


def map_svg(fig: Figure) -> str:
    """The map as SVG text for the page: names and legends stay text (searchable, sharp at any
    projector width: the page scales it to the card), the point layers are raster.

    The SVG font type is set under a lock (matplotlib's rcParams are process-wide and the
    server draws for several sessions at once)."""
    buf = io.StringIO()
    with _SVG_LOCK, rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", dpi=SVG_RASTER_DPI)
    text = buf.getvalue()
    return text[text.index("<svg") :]
