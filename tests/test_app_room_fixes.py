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
