"""Issue 17, cosmetic findings of the fresh-clone reviews: the gas panel's title, the MMI
scale's label size, the flood map's defence lines over small districts, the app map's
latitude label and the timeline's marker names beside the "now" line."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sim.city import load_city  # noqa: E402
from sim.interfaces.app.mapview import MapData, draw_map  # noqa: E402
from sim.interfaces.app.timeline import Marker, Timeline, label_on_left, timeline_html  # noqa: E402
from sim.results import hazard_figures as hf  # noqa: E402
from sim.results.figures import SERVICE_LOSS_PANELS  # noqa: E402

EXAMPLE_CITY = Path("scenarios/data/example-city")


def test_every_service_loss_title_reads_households_without_the_service():
    titles = {layer: title for layer, (title, *_) in SERVICE_LOSS_PANELS.items()}
    assert titles["gas"] == "households without gas, worst hour"
    for title in titles.values():
        assert re.fullmatch(r"households without [a-z ]+, worst hour", title), title


def test_the_mmi_label_is_as_large_as_the_pga_label():
    fig, ax = plt.subplots()
    try:
        bar = fig.colorbar(ScalarMappable(Normalize(0.05, 0.25), "YlOrRd"), ax=ax)
        bar.set_label("PGA (g)")
        hf._mmi_scale(bar)
        (mmi_axis,) = bar.ax.child_axes
        label = mmi_axis.yaxis.label
        assert label.get_text().startswith("MMI")
        assert label.get_fontsize() == bar.ax.yaxis.label.get_fontsize()
        assert label.get_fontsize() == ax.xaxis.label.get_fontsize()  # the map's axis labels
    finally:
        plt.close(fig)


def test_overflowed_defences_are_thin_translucent_and_under_the_district_labels():
    defences = pd.DataFrame(
        {"lon1": [0.0, 1.0], "lat1": [0.0, 0.0], "lon2": [1.0, 2.0], "lat2": [1.0, 1.0]}
    )
    rec = SimpleNamespace(defences=defences, peak_wall_depth_m=np.array([2.2, 0.0]))
    fig, ax = plt.subplots()
    try:
        hf._flood_strips(ax, SimpleNamespace(hazard_record=rec))
        over, held = ax.lines
        assert over.get_color() == hf.FLOOD_STRIP_HEX and held.get_color() == hf.HELD_DEFENCE_HEX
        assert over.get_linewidth() <= 1.5  # was 3 pt: hid a small, fully flooded district
        assert over.get_alpha() < 1.0
        fill_z = 1.0  # a PatchCollection's default drawing order (the district fill)
        assert fill_z < over.get_zorder() < Text(0, 0, "x").get_zorder()  # names drawn on top
        _, handles = hf.flood_strip_legend()
        assert handles[0].get_linewidth() == over.get_linewidth()
    finally:
        plt.close(fig)


def test_app_map_latitude_label_is_inside_the_figure_and_clear_of_the_ticks():
    city = load_city(EXAMPLE_CITY)  # latitudes with three decimals: the longest tick labels
    n = len(city.districts)
    fig = draw_map(MapData(city, 6.0, "alert level", np.full(n, 3.0), "orange", {}, {}))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    label = ax.yaxis.label.get_window_extent(renderer)
    assert ax.yaxis.label.get_text() == "Latitude (°N)"
    assert label.x0 >= 0.09 * fig.dpi  # at least the 0.1 in pad, less rounding
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and not any(b.overlaps(label) for b in ticks)


@pytest.mark.parametrize(
    ("left", "now", "expected"),
    [
        (40.0, 45.0, True),  # the now line just right of the marker: name on the left
        (40.0, 80.0, False),  # the now line far away: name on the right
        (40.0, 40.0, False),  # the line through the symbol only
        (95.0, 10.0, True),  # would run past the strip's end
        (5.0, 10.0, False),  # no room on the left: stays on the right
    ],
)
def test_marker_name_side(left, now, expected):
    assert label_on_left(left, len("◆ closest approach"), now) is expected


def test_closest_approach_name_does_not_run_over_the_now_line():
    tl = Timeline(
        now_h=18.0, duration_h=40.0, start_utc=pd.Timestamp("2030-01-01", tz="UTC"),
        utc_offset_h=0.0, hazards=(), warnings=(),
        markers=(Marker("closest approach", 16.0, "45 km"),), pending_h=(),
    )  # fmt: skip
    text = timeline_html(tl)
    assert re.search(
        r'data-kind="closest approach"[^>]*left:40\.000%[^>]*translateX[^>]*>closest approach ',
        text,
    )
    late = Timeline(**{**tl.__dict__, "now_h": 36.0})  # the line well to the right
    assert re.search(
        r'data-kind="closest approach"[^>]*left:40\.000%;top:\d+px;color[^>]*>\S+ closest',
        timeline_html(late),
    )


def test_the_gas_panel_says_its_share_is_of_the_households_on_gas():
    # review: "% of households" on the gas panel read as all households, but the share is of
    # those on the gas network (the layer's functionality)
    units = {layer: unit for layer, (_, _, unit) in SERVICE_LOSS_PANELS.items()}
    assert units["gas"] == "% of households on gas"
    assert units["power"] == units["water"] == units["telecom"] == "% of households"
