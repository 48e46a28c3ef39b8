"""PNG figures of a run, either kind: :func:`write_figures` is the one entry.

A figure is a :class:`RunFigure`: a function giving the data of each of its panels
(:class:`Panel`) from what the finished model recorded, and a function drawing them. Only the
panels that show something are drawn (a field that is all zero or absent has no panel), and a
figure without a panel is not written: which figures a run folder holds follows from what the
run simulated (:meth:`sim.results.kinds.ModelKind.figure_makers` lists the candidates).

Drawn here: the helpers every figure shares (district maps labelled with the districts' names
at their centroids, the alert-level legend, titles naming the scenario) and the emergency
window's service figures — resilience curves, service loss by district, response times. The
hazard figures (wind, rain, storm-surge flooding, earthquake, epidemic) are in
:mod:`sim.results.hazard_figures`, the long run's in :mod:`sim.results.longrun_figures`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects as path_effects  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.patches import Polygon as MplPolygon  # noqa: E402
from matplotlib.ticker import MaxNLocator, StrMethodFormatter  # noqa: E402
from mpl_toolkits.axes_grid1 import make_axes_locatable  # noqa: E402
from shapely import unary_union  # noqa: E402

from sim.core.fonts import use_cjk_fallback  # noqa: E402
from sim.networks.services import NETWORK_LAYERS, SERVICE_LAYERS  # noqa: E402
from sim.results.run_folder import timeseries_frame  # noqa: E402
from sim.scenario.schema import ALERT_LEVELS  # noqa: E402

use_cjk_fallback()  # Chinese names in a CJK font when one is installed (sim.core.fonts)

if TYPE_CHECKING:
    from sim.models.emergency import CityModel

DPI = 110
"""Resolution of the run's PNGs (dots per inch)."""

ALERT_COLOURS = {1: "#3b7dd8", 2: "#f2c400", 3: "#f28c00", 4: "#d62728"}
"""Colour of each alert level (rank of :data:`sim.scenario.schema.ALERT_LEVELS`: blue,
yellow, orange, red), the colours the levels are named after."""

WATERLOGGED_COUNT_TITLE = "road segments waterlogged (count, ponding ≥ 15 cm)"
"""Title of the service-loss map's count of waterlogged segments; "count" tells it from the
rain map's share of segments (:func:`sim.results.hazard_figures.rain_panels`), in %."""

SMALL_DISTRICT_SHARE = 0.015
"""A district covering less than this share of the city's area is labelled on a map by a number
(its name in the key under the map): its name would not fit inside it (assumption: 1.5 %,
which numbers the first city's seven central districts and none of the example city's)."""


@dataclass(frozen=True)
class Panel:
    """The data of one panel of a run figure.

    Attributes:
        title: what the panel shows (e.g. ``peak 3-s gust``).
        unit: the unit of ``values`` (axis or colour-bar label), e.g. ``m/s``, ``persons``.
        values: the numbers the panel draws — one per district on a map, a series over time
            on a curve; the panel is drawn only if one of them is non-zero
            (:meth:`shows_something`).
        cmap: colour map of a district map.
        reference: a recorded value drawn beside the simulated ones (a record's mean per year),
            or None; a panel with a non-zero reference is drawn even if ``values`` are zero.
        data: whatever else the drawing needs, by name: times, labels; on a map ``integer``
            (whole-number colour-bar ticks), ``from_zero`` (False: the colour scale spans the
            values' range, for an intensity that is nowhere near zero), ``colour_bar`` (a
            function decorating the colour bar), ``overlay`` (a function drawing on the map
            axes, e.g. the flooded strips of a storm surge), ``legend`` (title and handles of
            what the overlay draws: one legend under the maps, never on them).
    """

    title: str
    unit: str
    values: np.ndarray
    cmap: str = "viridis"
    reference: float | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def shows_something(self, tolerance: float = 1e-9) -> bool:
        """Whether a value (or the reference) differs from zero by more than ``tolerance``."""
        v = np.asarray(self.values, dtype=float)
        finite = v[np.isfinite(v)]
        return bool(np.any(np.abs(finite) > tolerance)) or bool(self.reference)


@dataclass(frozen=True)
class RunFigure:
    """A figure of a finished run: ``panels(model)`` gives its candidate panels from what the
    model recorded, ``draw(model, panels, path)`` draws those that show something.

    Calling it (``figure(model, path)``) writes the PNG and returns its path, or returns None
    when no panel shows anything (the figure does not apply to this run). ``caption``: one
    sentence saying what it shows (the run's report prints it under the figure); ``describe``,
    when given, writes that sentence for a run (``describe(model)``: e.g. naming the layers the
    run has), see `caption_for`.
    """

    panels: Callable[[Any], list[Panel]]
    draw: Callable[[Any, list[Panel], Path], Path]
    caption: str = ""
    describe: Callable[[Any], str] | None = None

    def caption_for(self, model) -> str:
        """The caption of this figure for ``model``: ``describe(model)``, else ``caption``."""
        return self.describe(model) if self.describe is not None else self.caption

    def drawn_panels(self, model) -> list[Panel]:
        """The panels that would be drawn for ``model`` (none: no figure)."""
        return [p for p in self.panels(model) if p.shows_something()]

    def __call__(self, model, path: Path) -> Path | None:
        panels = self.drawn_panels(model)
        return self.draw(model, panels, Path(path)) if panels else None


def figure_title(model, what: str) -> str:
    """``<scenario name> (seed N): <what>`` — every figure names its scenario."""
    return f"{model.config.name} (seed {model.config.seed}): {what}"


def save(fig, path: Path) -> Path:
    """Write ``fig`` to ``path`` as PNG at :data:`DPI` and close it."""
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def outside_legend(ax, **kwargs):
    """The legend of ``ax`` to the right of its axes, top-aligned, so it hides no curve or
    bar whatever the data (matplotlib's ``loc="best"`` or a fixed corner can still cover
    data: a resilience curve's legend at lower left hid the gas layer's dip); ``kwargs`` go
    to :meth:`~matplotlib.axes.Axes.legend` (e.g. ``handles``). The figure's
    ``tight_layout`` makes room for it."""
    return ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, **kwargs
    )


# ------------------------------------------------------------------ district maps
def _patches(geom):
    polys = getattr(geom, "geoms", [geom])
    return [MplPolygon(np.asarray(p.exterior.coords), closed=True) for p in polys]


def numbered_districts(city) -> list[int]:
    """Districts labelled by a number on maps (:data:`SMALL_DISTRICT_SHARE`), in order."""
    area = city.districts["area_km2"].to_numpy(dtype=float)
    return [int(d) for d in np.flatnonzero(area < SMALL_DISTRICT_SHARE * area.sum())]


def district_key(city, numbered: list[int]) -> list[str]:
    """The key of the numbered districts: ``"<number> <name>"`` for each of ``numbered`` (district
    rows, numbered from 1 in this order), as maps print it beside or under the map."""
    names = city.districts["name_en"].to_numpy()
    return [f"{k + 1} {names[d]}" for k, d in enumerate(numbered)]


def _label_districts(ax, city, numbered: list[int]) -> None:
    """Each district's name (or number, for a small one) at its centroid, with a white halo."""
    halo = [path_effects.withStroke(linewidth=2.2, foreground="white")]
    for d, row in city.districts.reset_index(drop=True).iterrows():
        text = str(numbered.index(d) + 1) if d in numbered else row["name_en"]
        ax.annotate(
            text,
            (row["lon"], row["lat"]),
            xytext=(0.0, 0.0),
            textcoords="offset points",
            fontsize=7.5,
            ha="center",
            va="center",
            path_effects=halo,
        )


def separate_labels(fig, ax, gap_pt: float = 6.0, tries: int = 4) -> int:
    """Move a district's name that overlaps (or nearly touches) an earlier one down, below it,
    after the layout is final (display extents are only known then); the numbers of small
    districts stay where they are.

    Args:
        fig: the figure (drawn once here to know the texts' extents).
        ax: a map axes whose annotations are the district labels (:func:`_label_districts`).
        gap_pt: space left around a name, points (its halo is 1.1 pt wide).
        tries: moves per label at most (a label moved onto a third one moves again).

    Returns:
        The number of moves made.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72.0
    placed, moves = [], 0
    names = [t for t in ax.texts if hasattr(t, "xyann") and not t.get_text().isdigit()]
    for ann in names:  # numbers stay on their small districts (the key names them)
        for _ in range(tries):
            box = ann.get_window_extent(renderer)
            pad = gap_pt * px_per_pt  # labels that touch read as one
            hit = next((b for b in placed if b.padded(pad).overlaps(box)), None)
            if hit is None:
                break
            down_pt = (box.y1 - hit.y0) / px_per_pt + gap_pt
            x_pt, y_pt = ann.xyann
            ann.xyann = (x_pt, y_pt - down_pt)
            moves += 1
        placed.append(ann.get_window_extent(renderer))
    return moves


def _district_map(fig, ax, city, panel: Panel, numbered: list[int], pad: float = 0.1) -> None:
    """One panel: the districts coloured by ``panel.values`` with a colour bar in its unit,
    ``pad`` inches to the right of the map (the same in every panel of a figure, so that the
    maps are the same size)."""
    patches, vals = [], []
    for d, geom in enumerate(city.polygons_lonlat):
        for p in _patches(geom):
            patches.append(p)
            vals.append(panel.values[d])
    vals = np.asarray(vals, dtype=float)
    top = float(np.nanmax(vals)) if vals.size else 1.0
    low = float(np.nanmin(vals)) if vals.size else 0.0
    if panel.data.get("from_zero", True):
        low = min(0.0, low)
    norm = Normalize(vmin=low, vmax=top if top > low else low + 1.0)
    coll = PatchCollection(patches, cmap=panel.cmap, norm=norm, edgecolor="white", linewidth=0.6)
    coll.set_array(vals)
    ax.add_collection(coll)
    lon0, lat0, lon1, lat1 = unary_union(list(city.polygons_lonlat)).bounds
    margin = 0.04 * max(lon1 - lon0, lat1 - lat0)  # the same extent and ticks in every panel
    ax.set_xlim(lon0 - margin, lon1 + margin)
    ax.set_ylim(lat0 - margin, lat1 + margin)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.set_aspect(1.0 / np.cos(np.deg2rad(city.districts["lat"].mean())))
    ax.set_title(panel.title, fontsize=10)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    decorate = panel.data.get("colour_bar")
    cax = make_axes_locatable(ax).append_axes("right", size="4%", pad=pad)
    bar = fig.colorbar(coll, cax=cax)
    bar.set_label(panel.unit)
    if panel.data.get("integer"):
        bar.locator = MaxNLocator(integer=True)
    if top >= 1e4:  # 50,000 rather than 50000
        bar.formatter = StrMethodFormatter("{x:,.0f}")
    bar.update_ticks()
    if decorate is not None:
        decorate(bar)
    overlay = panel.data.get("overlay")
    if overlay is not None:  # what the panel marks on the map (a surge's flooded strips)
        overlay(ax)
    _label_districts(ax, city, numbered)


def _map_aspect(city) -> float:
    """Height / width of the city's bounding box on the map (longitude shrunk by cos lat),
    bounded to [0.5, 1.6] so that a long thin city still gets a readable map."""
    lon0, lat0, lon1, lat1 = unary_union(list(city.polygons_lonlat)).bounds
    width = (lon1 - lon0) * np.cos(np.deg2rad(0.5 * (lat0 + lat1)))
    return float(np.clip((lat1 - lat0) / max(width, 1e-9), 0.5, 1.6))


def draw_district_maps(
    model, panels: list[Panel], path: Path, what: str, notes: list[str] | None = None
) -> Path:
    """Maps of the districts, one per panel (up to three in a row), each coloured by its
    panel's values with a colour bar in its unit; districts named at their centroids (small
    ones numbered, with the key under the maps); titled with the scenario. ``notes``: lines
    printed under the maps, above the key (the figure grows to hold them)."""
    city = model.city
    n = len(panels)
    cols = min(n, 3)
    rows = -(-n // cols)
    notes = notes or []
    legend = next((p.data["legend"] for p in panels if "legend" in p.data), None)
    legend_in = 0.5 if legend is not None else 0.0  # a title and one row of handles, inches
    height = 4.3 * _map_aspect(city) * rows + 1.0 + 0.16 * len(notes) + legend_in
    fig, axes = plt.subplots(rows, cols, figsize=(5.6 * cols, height), squeeze=False)
    numbered = numbered_districts(city)
    pad = 0.6 if any(p.data.get("colour_bar") for p in panels) else 0.1  # room for a left scale
    for ax, panel in zip(axes.ravel(), panels, strict=False):
        _district_map(fig, ax, city, panel, numbered, pad)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    fig.suptitle(figure_title(model, what))
    bottom = 0.0
    lines = list(notes)
    if numbered:
        key = ", ".join(district_key(city, numbered))
        lines += textwrap.wrap(f"numbered districts: {key}", width=int(15 * 5.6 * cols))
    if lines:
        fig.text(0.5, 0.012, "\n".join(lines), ha="center", va="bottom", fontsize=8)
        bottom = 0.03 + 0.16 * len(lines) / height
    if legend is not None:  # between the maps and the notes: it covers no district
        title, handles = legend
        fig.legend(
            handles=handles, title=title, loc="lower center", bbox_to_anchor=(0.5, bottom),
            ncol=len(handles), fontsize=7, title_fontsize=7, frameon=False,
        )  # fmt: skip
        bottom += legend_in / height
    fig.tight_layout(rect=(0, bottom, 1, 1))
    for ax in axes.ravel()[:n]:
        separate_labels(fig, ax)
    return save(fig, path)


# ------------------------------------------------------------------ time series helpers
def alert_spans(issued, end_h: float) -> list[tuple[float, float, int]]:
    """(start hour, end hour, level rank) of each period under one city alert level > 0, from
    the warning centre's issue log: a level holds from the hour it was issued until the next
    issue changes the highest level in force (step semantics), the last to ``end_h``.

    Args:
        issued: :attr:`sim.agents.warning_centre.WarningCentre.issued`, (t_h, hazard,
            level, source) in issue order.
        end_h: the end of the run (hours).
    """
    levels: dict[str, int] = {}
    spans, start, rank = [], 0.0, 0
    for t_h, hazard, level, _ in issued:
        levels[hazard] = ALERT_LEVELS.index(level)
        now = max(levels.values())
        if now != rank:
            if rank > 0 and t_h > start:
                spans.append((start, float(t_h), rank))
            start, rank = float(t_h), now
    if rank > 0 and end_h > start:
        spans.append((start, float(end_h), rank))
    return spans


def shade_alerts(ax, model, scale: float = 1.0) -> list[Patch]:
    """Shade the hours under each alert level (x in hours / ``scale``) from the hour each
    warning was issued (:func:`alert_spans`); return the legend handles of the levels that
    occurred, in rank order."""
    seen = set()
    for t0, t1, lvl in alert_spans(model.warning_centre.issued, float(model.time)):
        ax.axvspan(t0 / scale, t1 / scale, color=ALERT_COLOURS[lvl], alpha=0.15, lw=0)
        seen.add(lvl)
    return [
        Patch(color=ALERT_COLOURS[lvl], alpha=0.3, label=f"{ALERT_LEVELS[lvl]} warning in force")
        for lvl in sorted(seen)
    ]


# ------------------------------------------------------------------ service figures
def layer_colour(layer: str) -> str | None:
    """Matplotlib colour of a layer's curve: its `sim.networks.services.NETWORK_LAYERS`
    entry's (None, the next colour of the cycle, for a layer nobody registered)."""
    look = NETWORK_LAYERS.get(layer)
    return None if look is None else look.colour


def _city_functionality(model) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Hours and the city-wide functionality of each layer of
    `Infrastructure.functionality_layers`: household-serving layers (power, water, gas,
    telecom) weighted by each district's households counted on the layer, drainage and roads by
    district (each district's share is already capacity- or length-weighted)."""
    ts = timeseries_frame(model)
    out, hours = {}, np.zeros(0)
    for layer in model.infra.functionality_layers:
        sub = ts[ts["layer"] == layer].pivot(
            index="t_h", columns="district", values="functionality"
        )
        w = _layer_households(model, layer, sub.columns.to_numpy(dtype=int))
        out[layer] = (sub.to_numpy() * w).sum(axis=1) / w.sum()
        hours = sub.index.to_numpy(dtype=float)
    return hours, out


def _layer_households(model, layer: str, districts: np.ndarray) -> np.ndarray:
    """(len(districts),) households a layer serves in each district (its nodes'
    ``customers_households``); ones for layers without that field (drainage, roads) or with
    none counted."""
    nodes = model.infra.layers[layer].nodes
    if layer not in SERVICE_LAYERS or "customers_households" not in nodes:
        return np.ones(districts.size)
    n = model.city.n_districts
    per = np.bincount(nodes["district"], weights=nodes["customers_households"], minlength=n)
    w = per[districts].astype(float)
    return w if w.sum() > 0 else np.ones(districts.size)


def resilience_panels(model) -> list[Panel]:
    """One panel: the share of each layer's service lost over time (drawn only when some
    service was lost: an earthquake that damages housing only leaves a flat line)."""
    hours, func = _city_functionality(model)
    lost = np.vstack([1.0 - v for v in func.values()])
    return [
        Panel(
            "city-wide functionality",
            "share of service",
            np.where(np.abs(lost) < 1e-9, 0.0, lost),
            data={"t_h": hours, "functionality": func},
        )
    ]


def disrupted_window(hours: np.ndarray, lost: np.ndarray) -> tuple[float, float] | None:
    """The hours to show when service is lost for a short part of a long run: from 6 h (or a
    quarter of the disruption) before the first loss to as long after the last; None when the
    disruption spans over 40 % of the run (show it whole)."""
    hit = hours[np.any(lost > 1e-9, axis=0)]
    span = float(hit[-1] - hit[0]) if hit.size else 0.0
    if not hit.size or span > 0.4 * float(hours[-1] - hours[0]):
        return None
    pad = max(6.0, 0.25 * span)
    return max(float(hours[0]), float(hit[0]) - pad), min(float(hours[-1]), float(hit[-1]) + pad)


def draw_resilience(model: CityModel, panels: list[Panel], path: Path) -> Path:
    """City-wide functionality of each layer over time (the resilience curve), with the
    alert levels shaded; zoomed on the disruption when it is short against the run."""
    (panel,) = panels
    hours, func = panel.data["t_h"], panel.data["functionality"]
    fig, ax = plt.subplots(figsize=(10.5, 4.8))
    for layer, share in func.items():
        ax.plot(hours, share, label=layer, lw=1.8, color=layer_colour(layer))
    handles = shade_alerts(ax, model)
    lowest = min(float(np.nanmin(v)) for v in func.values())
    ax.set_ylim(max(0.0, lowest - 0.1 * (1.0 - lowest) - 0.01), 1.0 + 0.05 * (1.0 - lowest) + 0.002)
    xlabel = f"hours since {model.start_utc:%Y-%m-%d %H:%M} UTC"
    window = disrupted_window(hours, panel.values)
    if window is not None:
        ax.set_xlim(*window)
        xlabel += f" (hours {window[0]:.0f}–{window[1]:.0f} of {hours[-1]:.0f}: the disruption)"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("functionality (share of service)")
    ax.set_title(figure_title(model, "resilience curves"))
    outside_legend(ax, handles=ax.get_legend_handles_labels()[0] + handles)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save(fig, path)


def run_events(model):
    """The emergency model's event log as a table (:meth:`CityModel.events_frame`)."""
    return model.events_frame()


def count_by_district(events, kind: str, n_districts: int, detail: str | None = None, layer=None):
    """(D,) events of ``kind`` (and ``detail``, ``layer`` if given) per district."""
    sel = events["kind"] == kind
    if detail is not None:
        sel &= events["detail"] == detail
    if layer is not None:
        sel &= events["layer"] == layer
    d = events.loc[sel, "district"].to_numpy(dtype=int)
    return np.bincount(d[d >= 0], minlength=n_districts).astype(float)


SERVICE_LOSS_PANELS = {
    "power": ("households without power, worst hour", "magma_r", "% of households"),
    "water": ("households without water, worst hour", "PuBu", "% of households"),
    "gas": ("households without gas, worst hour", "Oranges", "% of households on gas"),
    "telecom": ("households without mobile service, worst hour", "RdPu", "% of households"),
}
"""Title, colour map and unit of the service-loss panel of each household-serving layer (gas:
of the households on the gas network, whose share is the layer's functionality)."""


def impact_panels(model) -> list[Panel]:
    """Service loss by district: households without power, water, gas (of those on the gas
    network) and mobile service (their base-station site down) at the worst hour (%, one panel
    per layer the run has), people relocated at the peak (persons), road segments waterlogged
    (ponding reached 15 cm at least once; a count, titled so: ``rain_map.png`` shows the share
    of each district's segments beside the rain) and underpasses closed."""
    ts = timeseries_frame(model)
    n = model.city.n_districts
    worst = [
        Panel(
            title,
            unit,
            100.0
            * (
                1.0 - ts[ts["layer"] == layer].groupby("district")["functionality"].min().to_numpy()
            ),
            cmap,
        )
        for layer, (title, cmap, unit) in SERVICE_LOSS_PANELS.items()
        if layer in model.infra.functionality_layers
    ]
    relocated = ts[ts["layer"] == "power"].groupby("district")["relocated"].max().to_numpy()
    ev = run_events(model)
    return [
        *worst,
        Panel("people relocated, peak", "persons", relocated, "Greens"),
        Panel(
            WATERLOGGED_COUNT_TITLE,
            "road segments (count)",
            count_by_district(ev, "waterlogged", n),
            "Blues",
            data={"integer": True},
        ),
        Panel(
            "underpasses closed",
            "underpasses",
            count_by_district(ev, "underpass_closed", n),
            "Purples",
            data={"integer": True},
        ),
    ]


def draw_impact_map(model, panels: list[Panel], path: Path) -> Path:
    return draw_district_maps(model, panels, path, "service loss by district")


def response_panels(model) -> list[Panel]:
    """Minutes from each damage incident to its first arrival and to its full bundle."""
    resp = np.asarray(model.service.response_times_h(), dtype=float) * 60.0
    full = np.asarray(model.service.full_bundle_times_h(), dtype=float) * 60.0
    return [Panel("response times", "minutes after the incident", resp, data={"full": full})]


def draw_response_times(model, panels: list[Panel], path: Path) -> Path:
    """Distributions of the first arrival and of the full bundle on scene (minutes after the
    incident; damage incidents only), with their means."""
    (panel,) = panels
    resp, full = panel.values, panel.data["full"]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    top = np.percentile(np.concatenate([resp, full]), 99)
    bins = np.linspace(0, max(top, 1.0), 40)
    ax.hist(resp, bins=bins, alpha=0.7, label=f"first arrival (n={resp.size})")
    ax.axvline(
        np.mean(resp), color="k", ls="--", lw=1, label=f"first arrival mean {np.mean(resp):.0f} min"
    )
    if full.size:
        ax.hist(full, bins=bins, alpha=0.5, label=f"full bundle (n={full.size})")
        ax.axvline(
            np.mean(full),
            color="C1",
            ls=":",
            lw=1.5,
            label=f"full bundle mean {np.mean(full):.0f} min",
        )
    outside_legend(ax)
    ax.set_xlabel("minutes after the incident (99th percentile shown)")
    ax.set_ylabel("incidents")
    ax.set_title(figure_title(model, "response times"))
    fig.tight_layout()
    return save(fig, path)


def _listed(words: list[str], conj: str = "and") -> str:
    """Words joined as "a", "a and b" or "a, b and c" (``conj`` in place of "and")."""
    return f" {conj} ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


LAYER_MEASURES = {"drainage": "pump capacity", "roads": "passable length"}
"""What a resilience curve of a layer that serves no households measures
(`sim.networks.infrastructure.Infrastructure.district_functionality`)."""


def resilience_caption(model) -> str:
    """The caption of ``resilience_curves.png``: the layers it draws (the run's
    `functionality_layers`, labels from `NETWORK_LAYERS`), each with what its curve measures."""
    by: dict[str, list[str]] = {}
    for name in model.infra.functionality_layers:
        label = NETWORK_LAYERS[name].label.lower() if name in NETWORK_LAYERS else name
        by.setdefault(LAYER_MEASURES.get(name, "households served"), []).append(label)
    parts = [f"{_listed(names)} by {measure}" for measure, names in by.items()]
    return (
        f"Share of each network's service over time, city-wide ({', '.join(parts)}); shading: "
        "the alert level in force."
    )


SERVICE_LOSS_WORDS = {"gas": "gas (of those on the gas network)", "telecom": "mobile service"}
"""How `impact_caption` names a layer's service when not by the layer's name."""


def impact_caption(model) -> str:
    """The caption of ``district_impact_map.png``: the services whose loss it can draw (the
    run's layers with a panel in `SERVICE_LOSS_PANELS`)."""
    layers = [n for n in SERVICE_LOSS_PANELS if n in model.infra.functionality_layers]
    words = [SERVICE_LOSS_WORDS.get(n, n) for n in layers]
    lost = f"households without {_listed(words, 'or')} at the worst hour, "
    return (
        f"Service loss by district: {lost if words else ''}people relocated at the peak, road "
        "segments waterlogged and underpasses closed (panels that stayed zero are left out)."
    )


resilience_curves = RunFigure(
    resilience_panels,
    draw_resilience,
    "Share of each network's service over time, city-wide; shading: the alert level in force.",
    describe=resilience_caption,
)
district_map = RunFigure(
    impact_panels,
    draw_impact_map,
    "Service loss by district: households without service at the worst hour, people relocated "
    "at the peak, road segments waterlogged and underpasses closed (panels that stayed zero are "
    "left out).",
    describe=impact_caption,
)
response_times = RunFigure(
    response_panels,
    draw_response_times,
    "Minutes from each damage incident to the first unit on scene and to the full bundle of "
    "crew, equipment and supplies.",
)


def caption_of(maker, model) -> str:
    """The caption of a figure maker for ``model`` (`RunFigure.caption_for`, else its
    ``caption`` attribute, else "")."""
    if hasattr(maker, "caption_for"):
        return maker.caption_for(model)
    return getattr(maker, "caption", "")


def write_figures(model, out_dir: Path, makers: dict) -> dict[str, Path]:
    """Draw every figure of a finished run that applies.

    Args:
        model: the finished model (either kind).
        out_dir: the run folder.
        makers: path key → (file name, maker), as
            :meth:`sim.results.kinds.ModelKind.figure_makers`; a maker returns None when its
            figure does not apply (no panel shows anything: e.g. no wind map of a rainstorm).

    Returns:
        Path key → written path, in the makers' order.
    """
    out_dir = Path(out_dir)
    out = {}
    for key, (name, make) in makers.items():
        path = make(model, out_dir / name)
        if path is not None:
            out[key] = path
    return out
