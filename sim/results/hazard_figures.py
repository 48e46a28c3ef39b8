"""Figures of what a run's hazards did, each drawn only for the hazards the run had and only
with the fields that are not all zero (:class:`sim.results.figures.RunFigure`):

* ``wind_map.png`` — a hazard providing ``gust_ms`` (a typhoon): peak 3-s gust by district.
* ``rain_map.png`` — a hazard providing ``rain_mm_per_h`` (rainstorm, typhoon rain): rain
  fallen and the share of road segments waterlogged (ponding ≥ 15 cm) by district.
* ``flood_map.png`` — a hazard providing ``flood_depth_m`` (storm surge): the share of each
  district's area under water, the defences that overflowed labelled with the depth at their
  foot and the area flooded with its mean depth, and the deaths in the water.
* ``earthquake_map.png`` — an instant hazard providing ``pga_g``: peak ground acceleration
  (with the Modified Mercalli intensity it corresponds to), rescue incidents (collapsed
  buildings with trapped persons) and deaths by district.
* ``epidemic_curves.png`` — an epidemic (configured or injected): susceptible, exposed,
  infectious and recovered persons over time, deaths if any; infectious per 100,000 residents
  by district on a log scale, in the order the epidemic reached them.

They read only what the model recorded: :class:`sim.models.records.HazardRecord` (peaks and
totals over every physics step), the event log and :class:`sim.models.records.EpidemicRecord`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import StrMethodFormatter
from mpl_toolkits.axes_grid1 import make_axes_locatable

from sim.results.figures import (
    Panel,
    RunFigure,
    count_by_district,
    draw_district_maps,
    figure_title,
    run_events,
    save,
    shade_alerts,
)
from sim.results.outcome_text import format_number


def provided(model, im: str) -> bool:
    """Whether one of the run's hazards provides intensity measure ``im``."""
    return any(im in h.ims for h in model.hazards)


# ------------------------------------------------------------------ wind, rain, flood
def wind_panels(model) -> list[Panel]:
    """Peak 3-s gust by district (m/s): the highest at any of its sample points over the run."""
    if not provided(model, "gust_ms"):
        return []
    gust = model.hazard_record.peak_gust_ms
    return [Panel("peak 3-s gust", "m/s", gust, "viridis", data={"from_zero": False})]


def waterlogged_share_pct(model) -> np.ndarray:
    """(D,) share of each district's road segments whose ponding reached 15 cm at least once, %.

    Read from the event log: one ``waterlogged`` event per road segment, the first time its
    ponding (cell depth × the segment's sag, plus any hazard flood depth) reached
    :data:`sim.networks.infrastructure.WATERLOGGED_DEPTH_M` (the same segments
    ``waterlogged_roads`` counts). A district without road segments shows 0.
    """
    n = model.city.n_districts
    waterlogged = count_by_district(run_events(model), "waterlogged", n, layer="roads")
    segments = np.bincount(model.infra.edge_district, minlength=n).astype(float)
    return np.divide(100.0 * waterlogged, segments, out=np.zeros(n), where=segments > 0)


def rain_panels(model) -> list[Panel]:
    """Rain fallen (district mean, mm) and the share of each district's road segments
    waterlogged, ponding ≥ 15 cm at least once (% of its segments,
    :func:`waterlogged_share_pct`)."""
    if not provided(model, "rain_mm_per_h"):
        return []
    rec = model.hazard_record
    return [
        Panel("rain fallen over the run", "mm (district mean)", rec.rain_mm, "Blues"),
        Panel(
            "share of road segments waterlogged (%, ponding ≥ 15 cm)",
            "% of the district's road segments",
            waterlogged_share_pct(model),
            "PuBu",
        ),
    ]


FLOOD_STRIP_HEX = "#b2182b"
"""Colour of the defences that overflowed and of their labels on the flood map."""
HELD_DEFENCE_HEX = "#555555"
"""Colour of the defences that held."""
OVERFLOWED_LW = 1.4
"""Line width of an overflowed defence, points: thin enough that a small district behind it
(all flooded) keeps its fill visible."""
DEFENCE_ALPHA = 0.7
"""Opacity of the defence lines: the district fill shows through them."""
DEFENCE_ZORDER = 1.5
"""Drawing order of the defence lines: over the district fill (1), under the district names
and numbers (annotations, 3)."""


def flooded_share_pct(model) -> np.ndarray:
    """(D,) share of each district's area under a storm surge's water at its largest, %
    (:attr:`sim.models.records.HazardRecord.peak_flooded_area_m2` over the district's area),
    at most 100: the strips behind a district's walls are 8 inundation lengths deep and may
    reach past a small district's own edges (assumption: counted as its own)."""
    area_m2 = model.city.districts["area_km2"].to_numpy(float) * 1e6
    flooded = model.hazard_record.peak_flooded_area_m2
    share = np.divide(100.0 * flooded, area_m2, out=np.zeros(area_m2.size), where=area_m2 > 0)
    return np.minimum(share, 100.0)  # strips reach past a small district's own edges


def flood_panels(model) -> list[Panel]:
    """What a storm surge flooded: the share of each district's area under water at its
    largest (%, :func:`flooded_share_pct`), with the defences drawn on it (those that
    overflowed in red) and, under the map, each flooded district's deepest water at its walls'
    foot, area under water and mean depth there (volume / area,
    :class:`sim.models.records.HazardRecord`); and the deaths in the water
    (``death`` events of cause ``coastal_flood``, :mod:`sim.damage.coastal_flood`), persons.
    A flooding hazard without defences (none recorded) shows the deepest flooding by district
    instead, m."""
    if not provided(model, "flood_depth_m"):
        return []
    rec = model.hazard_record
    ev = run_events(model)
    deaths = ev[(ev["kind"] == "death") & (ev["detail"] == "coastal_flood")]
    dead = np.bincount(
        deaths["district"].to_numpy(dtype=int),
        deaths["value"].to_numpy(float),
        minlength=model.city.n_districts,
    )
    if rec.defences is None:
        depth = rec.peak_flood_depth_m
        first = Panel("deepest flooding", "m (deepest sample point)", depth, "Blues")
    else:
        first = Panel(
            "area flooded at its largest (lines: defences)",
            "% of the district's area under water",
            flooded_share_pct(model),
            "Blues",
            data={
                "overlay": lambda ax: _flood_strips(ax, model),
                "legend": flood_strip_legend(),
            },
        )
    return [first, Panel("deaths in the coastal flooding", "persons", dead, "Reds")]


def _flood_strips(ax, model) -> None:
    """Draw the defences on a map axes, those that overflowed in
    :data:`FLOOD_STRIP_HEX` (their legend: :func:`flood_strip_legend`)."""
    rec = model.hazard_record
    over = rec.peak_wall_depth_m > 0
    ends = rec.defences[["lon1", "lat1", "lon2", "lat2"]].to_numpy(float)
    for (lon1, lat1, lon2, lat2), wet in zip(ends, over, strict=True):
        colour, width = (FLOOD_STRIP_HEX, OVERFLOWED_LW) if wet else (HELD_DEFENCE_HEX, 0.8)
        ax.plot(
            [lon1, lon2],
            [lat1, lat2],
            color=colour,
            lw=width,
            alpha=DEFENCE_ALPHA,
            solid_capstyle="round",
            zorder=DEFENCE_ZORDER,
        )


def flood_strip_legend() -> tuple[str, list]:
    """Title and handles of the defence lines' legend, drawn under the maps
    (:func:`sim.results.figures.draw_district_maps`): at upper left on the map it covered
    land and a defence line. The lines are schematic (:func:`defences_caption`)."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            color=FLOOD_STRIP_HEX,
            lw=OVERFLOWED_LW,
            alpha=DEFENCE_ALPHA,
            label="defence overflowed",
        ),
        Line2D(
            [], [], color=HELD_DEFENCE_HEX, lw=0.8, alpha=DEFENCE_ALPHA, label="defence that held"
        ),
    ]
    return "defences (schematic: straight between their two end points)", handles


def defences_caption(model) -> list[str]:
    """What the defence lines on the flood map are, under the figure: schematic. The defences
    file (``hazard.storm_surge.defences_file``, read by :func:`sim.hazards.surge_data.
    read_defences`) gives each segment by its two end points only, so each is drawn straight
    between them, cutting corners over land and water, not along the wall's real course,
    which no input holds (the file's ``source`` column cites its crest levels; a city's data
    README says how its end points were placed). None without a storm surge."""
    surge = getattr(model.config.hazard, "storm_surge", None)
    if surge is None:
        return []
    text = (
        f"defence lines are schematic: {Path(surge.defences_file).name} gives each segment by "
        "its two end points only (its source column cites crest levels, not a surveyed course), "
        "so each is drawn straight between them, not along the wall's real alignment"
    )
    return textwrap.wrap(text, width=140)


def flood_notes(model) -> list[str]:
    """One line per flooded district, most area first: the deepest water at the foot of its
    walls (m), its area under water at the largest (km², % of the district) and the mean
    depth there (volume / area, m); none without a storm surge's defences."""
    rec = model.hazard_record
    if rec.defences is None:
        return []
    depth, district = rec.peak_wall_depth_m, rec.defences["district"].to_numpy(int)
    names = model.city.districts["name_en"].to_numpy(str)
    share = flooded_share_pct(model)
    area, volume = rec.peak_flooded_area_m2, rec.peak_flood_volume_m3
    lines = []
    for d in sorted(np.unique(district[depth > 0]), key=lambda d: -area[d]):
        mean = volume[d] / area[d] if area[d] > 0 else 0.0
        lines.append(
            f"{names[d]}: {depth[district == d].max():.1f} m at the walls' foot; "
            f"{area[d] / 1e6:,.1f} km² under water ({share[d]:.0f} % of the district), "
            f"mean depth there {mean:.2f} m"
        )
    return lines


def draw_wind_map(model, panels, path: Path) -> Path:
    return draw_district_maps(model, panels, path, "wind by district")


def draw_rain_map(model, panels, path: Path) -> Path:
    return draw_district_maps(model, panels, path, "rain and ponding by district")


def draw_flood_map(model, panels, path: Path) -> Path:
    notes = flood_notes(model)
    if model.hazard_record.defences is not None:  # the lines are drawn: say what they are
        notes += defences_caption(model)
    return draw_district_maps(model, panels, path, "coastal flooding by district", notes)


# ------------------------------------------------------------------ earthquake
def mmi_from_pga_g(pga_g):
    """Modified Mercalli intensity from peak ground acceleration: I = 3.66 log10(PGA) − 1.66,
    PGA in cm/s² (Wald, Quitoriano, Heaton & Kanamori 1999, "Relationships between peak
    ground acceleration, peak ground velocity, and Modified Mercalli intensity in California",
    Earthquake Spectra 15(3):557–564; fitted for V ≤ I ≤ VIII). ``pga_g`` in g (9.80665 m/s²).
    """
    pga_cm_s2 = np.maximum(np.asarray(pga_g, dtype=float), 1e-12) * 980.665
    return 3.66 * np.log10(pga_cm_s2) - 1.66


def pga_g_from_mmi(mmi):
    """The inverse of :func:`mmi_from_pga_g`: PGA (g) of an intensity."""
    return 10.0 ** ((np.asarray(mmi, dtype=float) + 1.66) / 3.66) / 980.665


def _mmi_scale(bar) -> None:
    """The Modified Mercalli intensities of the PGA colour bar's range, on its left side."""
    ax = bar.ax.secondary_yaxis("left", functions=(mmi_from_pga_g, pga_g_from_mmi))
    size = bar.ax.yaxis.label.get_fontsize()  # as large as the PGA label and the map axes'
    ax.set_ylabel("MMI (Wald et al. 1999, fit for V–VIII)", fontsize=size)


def earthquake_panels(model) -> list[Panel]:
    """PGA (g, district mean of its sample points, as the strike logged it), rescue incidents
    (one per completely damaged building with trapped persons) and deaths (all causes) by
    district."""
    if not any("pga_g" in h.ims and h.instant for h in model.hazards):
        return []
    ev = run_events(model)
    n = model.city.n_districts
    quake = ev[(ev["kind"] == "earthquake") & (ev["detail"] == "pga_g")]
    pga = np.zeros(n)
    np.maximum.at(pga, quake["district"].to_numpy(dtype=int), quake["value"].to_numpy(float))
    deaths = ev[ev["kind"] == "death"]
    dead = np.bincount(
        deaths["district"].to_numpy(dtype=int), deaths["value"].to_numpy(float), minlength=n
    )
    mmi = _mmi_scale
    return [
        Panel(
            "peak ground acceleration",
            "PGA (g)",
            pga,
            "YlOrRd",
            data={"colour_bar": mmi, "from_zero": False},
        ),
        Panel(
            "collapsed buildings with trapped persons",
            "rescue incidents",
            count_by_district(ev, "incident", n, detail="structural_collapse"),
            "Oranges",
            data={"integer": True},
        ),
        Panel("deaths (all causes)", "persons", dead, "Reds"),
    ]


def draw_earthquake_map(model, panels, path: Path) -> Path:
    return draw_district_maps(model, panels, path, "ground shaking and its toll by district")


# ------------------------------------------------------------------ epidemic
PER_RESIDENTS = 100_000
"""Infectious residents are shown per this many residents of their district."""
HEAT_FLOOR_PER_100K = 0.1
"""Lowest value of the heat map's log colour scale (infectious per 100,000 residents); fewer
are drawn in :data:`HEAT_BELOW_HEX` (none or almost none yet)."""
HEAT_BELOW_HEX = "#f2f2f2"


def epidemic_panels(model) -> list[Panel]:
    """City-wide SEIR compartments over time (persons), deaths of all causes over time if any
    (persons, cumulative), and the infectious residents of each district per 100,000 of its
    residents, with the day of its first case (exposed, infectious or recovered ≥ 1 person)
    and its attack rate by the end (% of residents ever infected)."""
    if model.epidemic is None or not len(model.epidemic_record):
        return []
    frame = model.epidemic_frame()
    comps = ["susceptible", "exposed", "infectious", "recovered"]
    city = frame.groupby("t_h")[comps].sum()
    days = city.index.to_numpy(dtype=float) / 24.0
    wide = frame.pivot(index="t_h", columns="district", values="infectious")
    infected = (frame["exposed"] + frame["infectious"] + frame["recovered"]).rename("infected")
    ever = (
        frame[["t_h", "district"]]
        .join(infected)
        .pivot(index="t_h", columns="district", values="infected")
    )
    residents = frame[frame["t_h"] == frame["t_h"].iloc[0]].set_index("district")[comps].sum(1)
    residents = residents.reindex(wide.columns).to_numpy(dtype=float)
    per = PER_RESIDENTS * wide.to_numpy(dtype=float) / residents
    reached = ever.to_numpy(dtype=float) >= 1.0
    first_day = np.where(reached.any(axis=0), days[reached.argmax(axis=0)], np.nan)
    attack_pct = 100.0 * ever.to_numpy(dtype=float)[-1] / residents
    mv = model.datacollector.get_model_vars_dataframe()
    names = model.city.districts["name_en"].to_numpy()[wide.columns.to_numpy(dtype=int)]
    return [
        Panel(
            "SEIR compartments, whole city",
            "persons",
            (city["exposed"] + city["infectious"] + city["recovered"]).to_numpy(dtype=float),
            data={"days": days, "city": city},
        ),
        Panel(
            "deaths, all causes (cumulative)",
            "persons",
            mv["deaths"].to_numpy(dtype=float),
            data={"days": mv.index.to_numpy(dtype=float) / 24.0},
        ),
        Panel(
            "infectious residents by district",
            "infectious per 100,000 residents (log scale)",
            per.T,
            "magma_r",
            data={"days": days, "names": names, "first_day": first_day, "attack_pct": attack_pct},
        ),  # fmt: skip
    ]


def district_order(first_day: np.ndarray) -> np.ndarray:
    """Row order of the heat map: districts by the day of their first case, earliest on top
    (never reached last), ties in district order."""
    key = np.where(np.isnan(first_day), np.inf, first_day)
    return np.argsort(key, kind="stable")


def _heat_axes(fig, ax, cax, panel: Panel) -> None:
    """Infectious per 100,000 by district and day on a log colour scale, districts in the
    order the epidemic reached them, each one's first case marked."""
    from matplotlib.colors import LogNorm

    days, first = panel.data["days"], panel.data["first_day"]
    order = district_order(first)
    values = np.asarray(panel.values, dtype=float)[order]
    shown = np.ma.masked_less(values, HEAT_FLOOR_PER_100K)
    cmap = plt.get_cmap(panel.cmap).with_extremes(bad=HEAT_BELOW_HEX)
    top = max(float(np.nanmax(values)), 10 * HEAT_FLOOR_PER_100K)
    rows = np.arange(len(order))
    mesh = ax.pcolormesh(days, rows, shown, cmap=cmap, shading="nearest",
                         norm=LogNorm(vmin=HEAT_FLOOR_PER_100K, vmax=top))  # fmt: skip
    (mark,) = ax.plot(first[order], rows, "o", ms=4, mfc="white", mec="black", mew=0.8,
                      ls="none", label="first case in the district")  # fmt: skip
    labels = [
        f"{n} (day {d:.0f})" if np.isfinite(d) else f"{n} (none)"
        for n, d in zip(panel.data["names"][order], first[order], strict=True)
    ]
    ax.set_yticks(rows, labels=labels, fontsize=7)
    ax.set_ylim(len(order) - 0.5, -0.5)  # first reached on top
    attack = panel.data["attack_pct"]
    ax.set_title(
        f"infectious residents per 100,000 by district, in the order the epidemic reached "
        f"them\n(attack rate by the end: {np.nanmin(attack):.1f}–{np.nanmax(attack):.1f} % of "
        "each district's residents)",
        fontsize=10,
    )
    ax.legend([mark, Patch(facecolor=HEAT_BELOW_HEX, edgecolor="grey")],
              ["first case in the district",
               f"fewer than {HEAT_FLOOR_PER_100K:g} per 100,000"],
              loc="lower right", fontsize=7)  # fmt: skip
    bar = fig.colorbar(mesh, cax=cax)
    bar.set_label(panel.unit)


def _seir_axes(ax, model, panel: Panel, deaths: Panel | None) -> None:
    city, days = panel.data["city"], panel.data["days"]
    warnings = shade_alerts(ax, model, scale=24.0)
    colours = {"susceptible": "#4c72b0", "exposed": "#dd8452", "infectious": "#c44e52",
               "recovered": "#55a868"}  # fmt: skip
    residents = float(city.iloc[0].sum())
    scale, scale_name = (1e6, "millions") if residents >= 1e6 else (1e3, "thousands")
    for col, colour in colours.items():
        ax.plot(days, city[col].to_numpy() / scale, color=colour, lw=1.8, label=col)
    ax.set_ylabel(f"persons ({scale_name})")
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if deaths is not None:
        twin = ax.twinx()
        twin.set_axes_locator(ax.get_axes_locator())  # the panel's place beside its colour bar
        (line,) = twin.plot(deaths.data["days"], deaths.values, color="k", ls="--", lw=1.4)
        twin.set_ylabel("deaths, all causes (persons, cumulative)")
        twin.set_ylim(bottom=0)
        twin.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 120,000 not 120000
        handles, labels = [*handles, line], [*labels, "deaths (right axis)"]
    handles += warnings
    labels += [h.get_label() for h in warnings]
    ax.legend(handles, labels, loc="center left", fontsize=8)
    infected = float(residents - city["susceptible"].iloc[-1])
    ax.set_title(
        f"whole city: {format_number(infected)} of {format_number(residents)} residents infected "
        "by the end (seeds included)",
        fontsize=10,
    )


def draw_epidemic(model, panels: list[Panel], path: Path) -> Path:
    """Top: the city's SEIR curves (and deaths, right axis); bottom: infectious residents of
    each district per 100,000 over time on a log colour scale, districts in the order the
    epidemic reached them (:func:`_heat_axes`). A linear scale of the infectious share showed
    one colour: the districts mix so well that they peak together at the same share, and
    differ by weeks only in the early phase, at a few per 100,000."""
    by = {p.title: p for p in panels}
    seir = by.get("SEIR compartments, whole city")
    deaths = by.get("deaths, all causes (cumulative)")
    heat = by.get("infectious residents by district")
    rows = [p for p in (seir, heat) if p is not None]
    fig, axes = plt.subplots(
        len(rows), 1, figsize=(9.5, 3.8 * len(rows) + 0.4), squeeze=False, sharex=True
    )
    for ax, panel in zip(axes[:, 0], rows, strict=True):
        cax = make_axes_locatable(ax).append_axes("right", size="2.5%", pad=0.15)
        if panel is seir:
            _seir_axes(ax, model, seir, deaths)
            cax.set_visible(False)  # keeps the two panels' time axes aligned
        else:
            _heat_axes(fig, ax, cax, panel)
    axes[-1, 0].set_xlabel(f"days since {model.start_utc:%Y-%m-%d %H:%M} UTC")
    fig.suptitle(figure_title(model, "epidemic curves"))
    fig.tight_layout()
    return save(fig, path)


wind_map = RunFigure(
    wind_panels,
    draw_wind_map,
    "Peak 3-s gust in each district over the run (the highest at any of its sample points).",
)
rain_map = RunFigure(
    rain_panels,
    draw_rain_map,
    "Rain fallen over the run (district mean) and the share of each district's road segments "
    "whose ponding (rain beyond the drainage's capacity) reached 15 cm at least once.",
)
flood_map = RunFigure(
    flood_panels,
    draw_flood_map,
    "What the storm surge flooded: each district's share of area under water at its largest, "
    "the defences that overflowed (depth at their foot, area flooded and its mean depth), "
    "and the deaths in the water.",
)
earthquake_map = RunFigure(
    earthquake_panels,
    draw_earthquake_map,
    "Peak ground acceleration by district (with the Modified Mercalli intensity, Wald et al. "
    "1999), rescue incidents (collapsed buildings with trapped persons) and deaths.",
)
epidemic_curves = RunFigure(
    epidemic_panels,
    draw_epidemic,
    "Susceptible, exposed, infectious and recovered persons over time (deaths if any), and "
    "the infectious residents of each district per 100,000 (log scale), districts in the "
    "order the epidemic reached them.",
)


HAZARD_FIGURE_IMS = {
    "fig_wind": "gust_ms",
    "fig_rain": "rain_mm_per_h",
    "fig_flood": "flood_depth_m",
    "fig_earthquake": "pga_g",
}
"""Path key of a hazard figure → the intensity measure whose hazards it draws."""


def hazard_start_h(model, key: str) -> float:
    """Model hour at which the hazard a figure draws began (inf: not a hazard figure).

    The epidemic's start is its first record (configured or injected); another hazard's,
    the earliest active window (:meth:`sim.hazards.base.Hazard.window_h`) of the run's
    hazards providing the figure's intensity measure (:data:`HAZARD_FIGURE_IMS`).
    """
    if key == "fig_epidemic":
        if model.epidemic is None or not len(model.epidemic_record):
            return float("inf")
        return float(model.epidemic_frame()["t_h"].min())
    im = HAZARD_FIGURE_IMS.get(key)
    starts = [h.window_h()[0] for h in model.hazards if im is not None and im in h.ims]
    return float(min(starts)) if starts else float("inf")


def main_hazard_first(model, drawn: dict) -> dict:
    """The figures ``drawn`` (path key → path) with the hazard figures in the order their
    hazards began, so that the scenario's main hazard — the one that opens it, e.g. an
    epidemic into which a rainstorm later falls — comes first; the figures of what the hazards
    did to the city follow in their own order (a stable sort)."""
    keys = sorted(drawn, key=lambda k: hazard_start_h(model, k))
    return {k: drawn[k] for k in keys}
