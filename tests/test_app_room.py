"""The exercise page a trainer runs a room with (issue 17, deliverable 3), without a browser:
the timeline (warnings issued so far, closest approach, injects; nothing shown before it
happens), the "to next event" and 6-hour steps, the map (district names that do not overlap,
legends for the alert colours and each network's failure markers, fonts ≥ 12 pt, SVG text),
the charts (ECharts options with units), the outcome labels and what ``--share`` prints.

The example city (``scenarios/example-city/typhoon.yaml``: 36 h, warnings yellow at 0 h,
orange at 9 h, red at 15 h, lifted at 30 h) runs in about a second.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from typer.testing import CliRunner

pytest.importorskip("solara")  # the `app` extra

from sim.city import load_city  # noqa: E402
from sim.hazards.approach import REACH_KM, track_pass  # noqa: E402
from sim.interfaces.app import server  # noqa: E402
from sim.interfaces.app.adapter import SessionController  # noqa: E402
from sim.interfaces.app.charts import chart_options  # noqa: E402
from sim.interfaces.app.mapview import (  # noqa: E402
    FONT_PT,
    MapData,
    draw_map,
    map_svg,
)
from sim.interfaces.app.page import DEFAULT_STEP, NEXT_EVENT, advance, outcome_table  # noqa: E402
from sim.interfaces.app.readout import LAYERS, OUTCOME_KEYS, label, outcomes  # noqa: E402
from sim.interfaces.app.settings import load_app_scenario  # noqa: E402
from sim.interfaces.app.timeline import (  # noqa: E402
    Marker,
    Timeline,
    next_event_h,
    timeline_html,
    warning_spans,
)
from sim.interfaces.cli.main import app as cli  # noqa: E402

EXAMPLE = "scenarios/example-city/typhoon.yaml"
SHANGHAI = "scenarios/data/shanghai"


@pytest.fixture(scope="module")
def scenario():
    return load_app_scenario(EXAMPLE, ())


@pytest.fixture(scope="module")
def shanghai():
    return load_city(Path(SHANGHAI))


# ---------------------------------------------------------------------------- timeline
def test_warning_spans_run_from_each_issue_to_the_next_of_the_same_hazard():
    issued = [
        (0.0, "typhoon", "yellow", "a"),
        (9.0, "typhoon", "orange", "b"),
        (10.5, "rainstorm", "blue", "c"),
        (15.0, "typhoon", "red", "d"),
    ]
    spans = [(s.hazard, s.level, s.start_h, s.end_h) for s in warning_spans(issued, 16.0)]
    assert spans == [
        ("typhoon", "yellow", 0.0, 9.0),
        ("typhoon", "orange", 9.0, 15.0),
        ("rainstorm", "blue", 10.5, 16.0),  # in force now
        ("typhoon", "red", 15.0, 16.0),
    ]
    # levels issued before the start all apply at 0 h: only the one in force is a span
    before = [(0.0, "typhoon", "blue", "a"), (0.0, "typhoon", "yellow", "b")]
    assert [(s.level, s.start_h, s.end_h) for s in warning_spans(before, 0.0)] == [
        ("yellow", 0.0, 0.0)
    ]


def test_timeline_shows_what_happened_and_the_storms_closest_approach(scenario):
    ctrl = SessionController(scenario)
    ctrl.step(10)
    ctrl.inject({"type": "road_collapse", "district": "Old Harbour", "count": 2})
    ctrl.step(6)
    tl = ctrl.timeline()
    assert tl.now_h == 16.0 and tl.duration_h == 36.0
    assert [(s.level, s.start_h, s.end_h) for s in tl.warnings] == [
        ("yellow", 0.0, 9.0),
        ("orange", 9.0, 15.0),
        ("red", 15.0, 16.0),
    ]
    (inject,) = [m for m in tl.markers if m.kind == "inject"]
    assert inject.t_h == 10.0 and inject.text.startswith("road_collapse")
    # the closest approach: the pass of the track in use, in model hours
    model = ctrl.model
    ref = model.city.profile.reference_point
    passage = track_pass(model.hazard.track, ref.lon, ref.lat, REACH_KM)
    expected_h = (passage.closest_utc - np.datetime64("2030-08-02T00:00:00")) / np.timedelta64(
        1, "h"
    )
    (approach,) = [m for m in tl.markers if m.kind == "closest approach"]
    assert approach.t_h == pytest.approx(float(expected_h))
    assert f"{passage.closest_km:,.0f} km" in approach.text
    # still to come: the lifting at 2030-08-03T06:00Z = 30 h (its content is not shown)
    assert tl.pending_h == (30.0,)


def test_timeline_html_places_spans_in_proportion_and_hides_what_is_coming(scenario):
    ctrl = SessionController(scenario)
    ctrl.step(16)
    text = timeline_html(ctrl.timeline())
    # 36-hour strip: yellow 0-9 h = 0-25 %, orange 9-15 h = 25-41.667 %, now at 44.444 %
    assert re.search(r'data-level="yellow"[^>]*style="left:0\.000%;width:25\.000%', text)
    assert re.search(r'data-level="orange"[^>]*style="left:25\.000%;width:16\.667%', text)
    assert 'class="tl-now" style="left:44.444%"' in text
    assert 'data-level="none"' not in text  # the lifting at 30 h is not drawn before it
    assert "Typhoon warning" in text and "Time since start (h)" in text
    assert "now: 16 h (03 Aug 00:00 local) of 36 h" in text  # UTC+8


def test_timeline_text_is_escaped():
    tl = Timeline(
        now_h=1.0, duration_h=10.0, start_utc=pd.Timestamp("2030-01-01", tz="UTC"),
        utc_offset_h=0.0, hazards=("typhoon",), warnings=(),
        markers=(Marker("inject", 0.5, "policy: <script>alert(1)</script>"),), pending_h=(),
    )  # fmt: skip
    text = timeline_html(tl)
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_a_closest_approach_after_the_horizon_is_not_drawn():
    short = load_app_scenario(EXAMPLE, ("time.duration_h=12",))  # the pass is at 15.8 h
    tl = SessionController(short).timeline()
    assert [m.kind for m in tl.markers] == []
    assert 'data-kind="closest approach"' not in timeline_html(tl)
    assert next_event_h(tl) == 9.0  # the orange warning


def test_a_marker_near_the_end_has_its_name_on_its_left():
    tl = Timeline(
        now_h=1.0, duration_h=10.0, start_utc=pd.Timestamp("2030-01-01", tz="UTC"),
        utc_offset_h=0.0, hazards=(),  warnings=(),
        markers=(Marker("inject", 1.0, "policy: x"), Marker("landfall", 9.0, "at sea")),
        pending_h=(),
    )  # fmt: skip
    text = timeline_html(tl)
    assert re.search(r'data-kind="inject"[^>]*left:10\.000%;top:\d+px;color[^>]*>▲ policy<', text)
    assert re.search(
        r'data-kind="landfall"[^>]*left:90\.000%[^>]*translateX[^>]*>landfall ●<', text
    )


def test_step_to_next_event_stops_on_the_whole_hour_after_each_event(scenario):
    ctrl = SessionController(scenario)
    seen = []
    while not ctrl.done:
        advance(ctrl, NEXT_EVENT)
        seen.append((ctrl.t_h, ctrl.model.warning_centre.level))
    # warnings at 9 and 15 h apply when the clock reaches them; the closest approach
    # (15.83 h) rounds up to 16 h; the lifting at 30 h; then the horizon
    assert seen == [(9.0, "orange"), (15.0, "red"), (16.0, "red"), (30.0, "none"), (36.0, "none")]


def test_default_step_is_six_hours_and_the_hour_steps_remain(scenario):
    ctrl = SessionController(scenario)
    assert DEFAULT_STEP == "6 h"
    advance(ctrl, DEFAULT_STEP)
    advance(ctrl, "1 h")
    assert ctrl.t_h == 7.0


def test_next_event_is_the_horizon_when_nothing_is_left():
    tl = Timeline(
        now_h=4.0, duration_h=12.0, start_utc=pd.Timestamp("2030-01-01", tz="UTC"),
        utc_offset_h=0.0, hazards=(), warnings=(), markers=(), pending_h=(2.0, 12.0),
    )  # fmt: skip
    assert next_event_h(tl) == 12.0


# ---------------------------------------------------------------------------- map
def _shanghai_map(city, colour_by="alert level", values=None, layers=("roads",)):
    n = len(city.districts)
    lon, lat = city.districts["lon"].to_numpy(), city.districts["lat"].to_numpy()
    points = {k: (lon, lat, lon[:3], lat[:3]) for k in layers}
    values = np.full(n, 3.0) if values is None else values
    data = MapData(city, 42.0, colour_by, values, "orange", points, {k: 3 for k in layers})
    return draw_map(data)


def test_map_names_every_district_without_overlaps(shanghai):
    fig = _shanghai_map(shanghai)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    names = set(shanghai.districts["name_en"])
    key = {t.get_text() for lg in fig.legends for t in lg.get_texts()}  # "1 Huangpu", ...
    labels = [t for t in ax.texts if t.get_gid() == "district-label"]
    shown = {t.get_text() for t in labels} | {k.split(" ", 1)[1] for k in key if k[0].isdigit()}
    assert names <= shown and len(labels) == len(names)
    fig.draw_without_rendering()  # the figure as saved
    boxes = []
    for t in labels:
        if hasattr(t, "update_positions"):
            t.update_positions(renderer)
        boxes.append(Text.get_window_extent(t, renderer))
    clashes = [
        (labels[i].get_text(), labels[j].get_text())
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
    assert clashes == []  # the seven central districts' names would clash: they are numbered


def test_map_legends_explain_alert_colours_and_each_networks_failures(shanghai):
    fig = _shanghai_map(shanghai, layers=("power", "roads"))
    legends = {lg.get_title().get_text(): lg for lg in fig.legends}
    alert = legends["Alert level in force"]
    assert [t.get_text() for t in alert.get_texts()] == [
        "no warning", "blue", "yellow", "orange", "red",
    ]  # fmt: skip
    colours = [matplotlib.colors.to_hex(h.get_facecolor()) for h in alert.legend_handles]
    assert colours == ["#e8e8e8", "#3b7dd8", "#f2d430", "#f28c28", "#d7301f"]
    nets = legends["Networks: nodes, failures now"]
    assert [t.get_text() for t in nets.get_texts()] == [
        "power network", "power nodes failed: 3", "roads network", "roads closed: 3",
    ]  # fmt: skip
    shapes = {c.get_label(): c.get_paths()[0].vertices for c in fig.axes[0].collections}
    power, roads = shapes["power nodes failed: 3"], shapes["roads closed: 3"]
    assert power.shape != roads.shape or not np.allclose(power, roads)  # a shape per layer
    assert len({look.failed_marker for look in LAYERS.values()}) == len(LAYERS)


def test_map_colour_bar_names_its_unit_and_service_loss_is_in_percent(shanghai):
    values = np.linspace(0.0, 0.3, len(shanghai.districts))  # fraction of service lost
    fig = _shanghai_map(shanghai, "service loss", values, layers=())
    bar = fig.axes[1]
    assert bar.get_ylabel() == "Service lost, mean over networks (% of normal)"
    assert bar.get_ylim() == pytest.approx((0.0, 30.0))
    fig = _shanghai_map(shanghai, "people relocated", values * 1e5, layers=())
    assert fig.axes[1].get_ylabel() == "People relocated now (persons)"


def test_map_fonts_read_at_12_pt_on_a_projector_page(shanghai):
    fig = _shanghai_map(shanghai, layers=("roads",))
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
    assert min(sizes) >= FONT_PT >= 12
    # shown 1,100 pixels wide (a 1,600-pixel screen beside the sidebar): 1 px = 0.75 pt
    width_in = fig.get_figwidth()
    assert FONT_PT * (1100 * 0.75) / (width_in * 72) >= 12


def test_map_svg_keeps_names_as_text_and_restores_the_svg_setting(shanghai):
    before = matplotlib.rcParams["svg.fonttype"]
    svg = map_svg(_shanghai_map(shanghai))
    assert svg.startswith("<svg")
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    keyed = {t.split(" ", 1)[-1] for t in texts}  # small districts: "4 Jing'an" in the key
    assert set(shanghai.districts["name_en"]) <= texts | keyed  # Jing'an escaped in the SVG
    assert {"no warning", "roads closed: 3", "Longitude (°E)"} <= texts
    assert matplotlib.rcParams["svg.fonttype"] == before
    assert len(svg) < 400_000  # simplified outlines, raster points: light enough per frame


def test_views_of_a_shared_exercise_share_one_drawing_per_change(scenario, monkeypatch):
    import sim.interfaces.app.adapter as adapter

    drawn = []
    real = adapter.draw_map
    monkeypatch.setattr(adapter, "draw_map", lambda data: drawn.append(data.t_h) or real(data))
    trainer = SessionController(scenario)
    viewers = [trainer.view("viewer") for _ in range(3)]
    first = trainer.map_svg("alert level", ("roads",))
    assert all(v.map_svg("alert level", ("roads",)) is first for v in viewers)
    assert drawn == [0.0]
    trainer.step(1)
    assert viewers[0].map_svg("alert level", ("roads",)) is not first  # a new state: redrawn
    assert drawn == [0.0, 1.0]


# ---------------------------------------------------------------------------- charts, labels
def test_chart_options_carry_units_and_values_in_them():
    history = pd.DataFrame(
        {
            "t_h": [0.0, 1.0, 2.0, 2.0],
            "open_incidents": [0, 3, 5, 6],
            "busy_teams": [0, 2, 4, 4],
            "deaths": [0, 0, 1, 1],
            "injuries": [0, 2, 2, 3],
            "relocated_now_persons": [0, 1500, 212049, 212049],
            "direct_loss_yuan": [0.0, 1.5e6, 28_620_000.0, 28_620_000.0],
            **{f"functionality_{k}": [1.0, 0.95, 0.884, 0.8841] for k in LAYERS},
        }
    )
    history.loc[1, "functionality_water"] = np.nan
    options = chart_options(history)
    titles = [o["title"]["text"] for o in options]
    assert titles == [
        "Service by network (% of normal)", "Open incidents (count)", "Casualties (persons)",
        "Teams busy (teams)", "People relocated now (persons)",
        "Direct loss so far (million yuan)",
    ]  # fmt: skip
    for option in options:
        assert option["xAxis"]["data"] == ["0 h", "1 h", "2 h"]  # the last row replaces 2 h
        assert option["xAxis"]["name"] == "Time since start (h)"
        assert option["tooltip"]["trigger"] == "axis"
        assert option["textStyle"]["fontSize"] >= 16  # 12 pt
        for series in option["series"]:
            assert re.search(r"\((%|count|persons|teams|million yuan)\)$", series["name"])
    service = {s["name"]: s["data"] for s in options[0]["series"]}
    assert service["Roads (%)"] == [100.0, 95.0, 88.4]
    assert service["Water (%)"] == [100.0, None, 88.4]  # a gap, not NaN (invalid JSON)
    assert options[4]["series"][0]["data"] == [0, 1500, 212049]
    assert options[5]["series"][0]["data"] == [0.0, 1.5, 28.62]


def test_outcomes_are_labelled_with_units(scenario):
    ctrl = SessionController(scenario)
    values = outcomes(ctrl.model)
    keys = [*OUTCOME_KEYS, *(f"functionality_{k}" for k in LAYERS)]
    assert all(re.search(r"\(.+\)$|^Alert level in force$", label(k)) for k in keys)
    table = outcome_table(values)
    assert "<th>People relocated so far (persons)</th>" in table
    assert "<th>Time since start (h)</th>" in table
    assert "relocated now persons" not in table and "t h" not in table


# ---------------------------------------------------------------------------- --share
def test_share_prints_the_lan_address_and_both_links():
    lines = server.startup_lines("drill", "0.0.0.0", 8765, "TOK", "192.168.1.23")
    text = "\n".join(lines)
    assert "viewer link (for the room, read-only): http://192.168.1.23:8765/\n" in text
    assert "trainer link (keep it to yourself): http://192.168.1.23:8765/?token=TOK" in text
    assert "trainer token: TOK" in text
    assert [ln for ln in lines if "127.0.0.1" in ln] == [
        "on this machine: http://127.0.0.1:8765/?token=TOK"
    ]
    assert "0.0.0.0" not in text.replace("all interfaces", "")


def test_share_without_a_lan_address_says_so_and_a_given_host_is_used():
    lines = server.startup_lines("drill", "0.0.0.0", 8765, "TOK", None)
    assert "viewer link (for the room, read-only): http://ADDRESS:8765/" in lines
    assert any("no local-network address found" in ln for ln in lines)
    given = server.startup_lines("drill", "10.0.0.5", 9000, "TOK", None)
    assert "viewer link (for the room, read-only): http://10.0.0.5:9000/" in given
    assert "[::1]" in server.startup_lines("drill", "::1", 80, "T", None)[1]
    local = server.startup_lines("drill", "127.0.0.1", 8765, None, None)
    assert local[0] == "citysafe app: drill at http://127.0.0.1:8765/"


def test_lan_address_is_the_routed_interface_never_loopback(monkeypatch):
    class Probe:
        def __init__(self, address):
            self.address = address

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, where):
            assert where == server.PROBE_ADDRESS
            if self.address is None:
                raise OSError("network is unreachable")

        def getsockname(self):
            return (self.address, 40000)

    monkeypatch.setattr(server.socket, "socket", lambda *a: Probe("10.1.2.3"))
    assert server.lan_address() == "10.1.2.3"
    monkeypatch.setattr(server.socket, "socket", lambda *a: Probe(None))
    monkeypatch.setattr(server.socket, "gethostbyname", lambda name: "127.0.1.1")
    assert server.lan_address() is None  # Debian's host name resolves to loopback
    monkeypatch.setattr(server.socket, "gethostbyname", lambda name: "192.168.0.7")
    assert server.lan_address() == "192.168.0.7"


def test_app_share_command_prints_the_lan_links(monkeypatch, tmp_path):
    import sim.interfaces.cli.app as app_cli

    served = []
    monkeypatch.setattr(app_cli, "lan_address", lambda: "192.168.1.23")
    monkeypatch.setattr(app_cli, "serve", lambda settings, bind, port: served.append((bind, port)))
    result = CliRunner().invoke(
        cli, ["app", EXAMPLE, "--share", "--journal-dir", str(tmp_path / "j")]
    )
    assert result.exit_code == 0, result.output
    assert served == [("0.0.0.0", 8765)]
    token = re.search(r"trainer token: (\S+)", result.output).group(1)
    assert "viewer link (for the room, read-only): http://192.168.1.23:8765/\n" in result.output
    assert f"trainer link (keep it to yourself): http://192.168.1.23:8765/?token={token}" in (
        result.output
    )
    assert "http://127.0.0.1:8765/\n" not in result.output  # the old, wrong room link
