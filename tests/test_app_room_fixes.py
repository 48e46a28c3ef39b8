"""Fixes to the exercise page after a fresh user's review (issue 17): the map's labels lie
inside their own districts or are numbers named in a key (the run figures' key), the
timeline's legend lists only the marks it draws and a landfall only where the data give one,
the charts' time axes tick at 6, 12 or 24 hours.

The first city (scenarios/data/shanghai) is loaded without a model (about a second); the
example city runs in about a second.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest
from shapely import Point

pytest.importorskip("solara")  # the `app` extra

from sim.city import load_city  # noqa: E402
from sim.interfaces.app.mapview import MapData, draw_map, map_svg  # noqa: E402
from sim.results.figures import district_key, numbered_districts  # noqa: E402

SHANGHAI = "scenarios/data/shanghai"
EXAMPLE_CITY = "scenarios/data/example-city"


@pytest.fixture(scope="module")
def shanghai():
    return load_city(Path(SHANGHAI))


def _map(city, t_h=48.0):
    n = len(city.districts)
    return draw_map(MapData(city, t_h, "alert level", np.full(n, 3.0), "orange", {}, {}))


def _labels(fig):
    return [t for t in fig.axes[0].texts if t.get_gid() == "district-label"]


def _key(fig) -> list[str]:
    legends = {lg.get_title().get_text(): lg for lg in fig.legends}
    if "Numbered districts" not in legends:
        return []
    return [t.get_text() for t in legends["Numbered districts"].get_texts()]


# ---------------------------------------------------------------------------- map labels
def test_every_map_label_is_inside_its_district_or_a_number_in_the_key(shanghai):
    fig = _map(shanghai)
    names = list(shanghai.districts["name_en"])
    polygon = dict(zip(names, shanghai.polygons_lonlat, strict=True))
    key = dict(entry.split(" ", 1) for entry in _key(fig))  # number -> name
    labelled = []
    for label in _labels(fig):
        text = label.get_text()
        name = key[text] if text.isdigit() else text
        assert name in polygon, text
        assert not hasattr(label, "xyann")  # a text at its place, no leader line
        lon, lat = label.get_position()
        assert polygon[name].contains(Point(lon, lat)), (text, name, lon, lat)
        labelled.append(name)
    assert sorted(labelled) == sorted(names)  # each district once, by name or number
    # Huangpu (east bank of the river is Pudong) and Jing'an were drawn outside themselves
    assert key and set(key.values()) >= {"Huangpu", "Jing'an"}


def test_map_labels_do_not_overlap(shanghai):
    fig = _map(shanghai)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in _labels(fig)]
    clashes = [
        (i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]  # fmt: skip
    assert clashes == []


def test_map_key_is_the_run_figures_key(shanghai):
    fig = _map(shanghai)
    numbered = numbered_districts(shanghai)
    assert len(numbered) == 7  # the seven central districts below 1.5 % of the city's area
    assert _key(fig)[: len(numbered)] == district_key(shanghai, numbered)
    svg = map_svg(fig)
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert {"1 Huangpu", "4 Jing'an", "Numbered districts", "Pudong New Area"} <= texts


def test_example_city_names_every_district_and_has_no_key():
    city = load_city(Path(EXAMPLE_CITY))
    fig = _map(city)
    assert _key(fig) == []
    assert sorted(t.get_text() for t in _labels(fig)) == sorted(city.districts["name_en"])


# ---------------------------------------------------------------------------- timeline
@pytest.fixture(scope="module")
def scenario():
    from sim.interfaces.app.settings import load_app_scenario

    return load_app_scenario("scenarios/example-city/typhoon.yaml", ())


def _legend(text: str) -> str:
    return text[text.index('class="tl-legend"') :]


def test_timeline_legend_lists_only_the_marks_drawn(scenario):
    from sim.interfaces.app.adapter import SessionController
    from sim.interfaces.app.timeline import next_event_h, timeline_html

    ctrl = SessionController(scenario)
    ctrl.step(16)
    tl = ctrl.timeline()
    assert {m.kind for m in tl.markers} == {"closest approach"}  # no landfall event, no inject
    legend = _legend(timeline_html(tl))
    assert "◆ closest approach" in legend and "no warning" in legend and "now (black" in legend
    for absent in ("landfall", "inject", "scenario event"):
        assert absent not in legend
    assert next_event_h(tl) == 30.0  # the lifting at 30 h: no landfall claimed on the way


def test_a_landfall_event_is_drawn_listed_and_stopped_at(scenario):
    from sim.interfaces.app.adapter import SessionController
    from sim.interfaces.app.timeline import timeline_html

    ctrl = SessionController(scenario)
    ctrl.step(10)
    ctrl.inject(
        {"type": "typhoon_landfall", "landfall_lon": 120.4, "landfall_lat": 30.2,
         "landfall_in_h": 4}
    )  # fmt: skip
    tl = ctrl.timeline()
    (landfall,) = [m for m in tl.markers if m.kind == "landfall"]
    assert landfall.t_h == 14.0  # inject at 10 h + 4 h
    legend = _legend(timeline_html(tl))
    assert "● landfall" in legend and "▲ inject" in legend and "scenario event" not in legend
    assert ctrl.step_to_next_event() == 4.0 and ctrl.t_h == 14.0


# ---------------------------------------------------------------------------- chart ticks
@pytest.mark.parametrize(
    ("hours", "interval"),
    [
        (np.arange(43.0), 5),  # 0-42 h: every 6 h (ECharts chose every 7 h)
        (np.arange(97.0), 11),  # Lekima's 96 h: every 12 h
        (np.arange(200.0), 23),  # over 120 h: every 24 h
        (np.arange(0.0, 24.5, 0.5), 11),  # half-hour records: still every 6 h
        (np.array([0.0, 1.0, 2.5]), None),  # irregular: ECharts' own choice
        (np.arange(1.0, 20.0), None),  # not starting on a tick
    ],
)
def test_hour_label_interval(hours, interval):
    from sim.interfaces.app.charts import hour_label_interval

    assert hour_label_interval(hours) == interval


def test_chart_time_axes_label_every_6_hours_up_to_48_hours():
    import pandas as pd

    from sim.interfaces.app.charts import chart_options
    from sim.interfaces.app.readout import LAYERS

    n = 43
    history = pd.DataFrame(
        {
            "t_h": np.arange(n, dtype=float),
            **{k: np.zeros(n) for k in ("open_incidents", "busy_teams", "deaths", "injuries",
                                         "relocated_now_persons", "direct_loss_yuan")},
            **{f"functionality_{k}": np.ones(n) for k in LAYERS},
        }
    )  # fmt: skip
    for option in chart_options(history):
        axis = option["xAxis"]
        shown = axis["data"][:: axis["axisLabel"]["interval"] + 1]
        assert shown == ["0 h", "6 h", "12 h", "18 h", "24 h", "30 h", "36 h", "42 h"]
        assert axis["axisTick"]["interval"] == axis["axisLabel"]["interval"]
