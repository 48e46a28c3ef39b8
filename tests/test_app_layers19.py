"""Issue 19: the trainer's app and the run's tables show the gas and telecom layers.

Every panel of the app that lists or draws layers takes them from the registry
(`sim.networks.services.NETWORK_LAYERS`): the example city's six, and a fake layer registered
for the test, show without an edit of the app. Base stations down read against the city's
total ("N of TOTAL (X %)"); the warning reach shows, with its meaning, in the app's readout
and the run's tables. One page load in Chromium checks the page itself.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")  # the `app` extra

from sim.interfaces.app import readout  # noqa: E402
from sim.interfaces.app.adapter import SessionController  # noqa: E402
from sim.interfaces.app.charts import chart_options  # noqa: E402
from sim.interfaces.app.mapview import MapData, draw_map  # noqa: E402
from sim.interfaces.app.page import network_table, outcome_table  # noqa: E402
from sim.interfaces.app.settings import load_app_scenario  # noqa: E402
from sim.networks import (  # noqa: E402
    Dependency,
    Layer,
    services,  # noqa: E402
)
from sim.networks.telecom import LAYER_ASSET_TYPES, city_stations  # noqa: E402
from sim.results.html_report import outcome_rows  # noqa: E402
from sim.results.outcome_text import count_of_total, format_outcome  # noqa: E402
from sim.results.summary import outcome_totals  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "scenarios/example-city/typhoon.yaml"
SIX = ("power", "water", "drainage", "roads", "gas", "telecom")


@pytest.fixture(scope="module")
def scenario():
    return load_app_scenario(EXAMPLE, ())


@pytest.fixture(scope="module")
def ctrl(scenario):
    """The example city's exercise at 18 h (red warning, roads closed, base stations down)."""
    c = SessionController(scenario)
    c.step(18)
    return c


@pytest.fixture
def heating(monkeypatch):
    """A fake layer registered for the test (the registry is restored after it)."""
    look = services.NetworkLayer("heating", "District heating", "#17becf", "v", "heat nodes off")
    monkeypatch.setitem(services.NETWORK_LAYERS, "heating", look)
    return look


# ------------------------------------------------------------------ the app's layer list
def test_the_apps_layers_are_the_registrys(ctrl):
    assert readout.LAYERS is services.NETWORK_LAYERS  # the registry, not a copy
    assert tuple(services.NETWORK_LAYERS)[:6] == SIX
    assert ctrl.layers() == SIX  # the example city has all six
    values = ctrl.outcomes()
    assert [k for k in values if k.startswith("functionality_")] == [
        f"functionality_{k}" for k in SIX
    ]
    table = outcome_table(values)
    assert "<th>Gas service (% of normal)</th>" in table
    assert "<th>Mobile telecom service (% of normal)</th>" in table
    series = [s["name"] for s in chart_options(ctrl.history())[0]["series"]]
    assert series == ["Power (%)", "Water (%)", "Drainage (%)", "Roads (%)", "Gas (%)",
                      "Mobile telecom (%)"]  # fmt: skip
    rows = ctrl.network_rows()
    assert [r["layer"] for r in rows] == list(SIX)
    infra = ctrl.model.infra
    for r in rows:  # nodes out of service: the model's own count, of all its nodes
        ok = infra.functional[r["layer"]]
        assert (r["nodes_out"], r["nodes"]) == (int((~ok).sum()), ok.size)
        assert r["service"] == pytest.approx(values[f"functionality_{r['layer']}"])


def test_a_registered_layer_shows_in_every_panel_without_an_edit(heating, ctrl):
    model = SimpleNamespace(infra=SimpleNamespace(functionality_layers=("power", "heating")))
    assert readout.shown_layers(model) == ("power", "heating")
    assert readout.label("functionality_heating") == "District heating service (% of normal)"
    history = pd.DataFrame(
        {"t_h": [0.0, 1.0], "functionality_power": [1.0, 0.5], "functionality_heating": [1.0, 0.25],
         **{k: [0.0, 0.0] for k in ("open_incidents", "busy_teams", "deaths", "injuries",
                                     "relocated_now_persons", "direct_loss_yuan")}}
    )  # fmt: skip
    service = chart_options(history)[0]["series"]
    assert [s["name"] for s in service] == ["Power (%)", "District heating (%)"]
    assert service[1]["data"] == [100.0, 25.0]
    assert service[1]["lineStyle"]["color"] == "#17becf"
    # the map: its dots and failure markers with the registry's colour, marker and words
    city = ctrl.model.city
    lon, lat = city.districts["lon"].to_numpy(), city.districts["lat"].to_numpy()
    n = len(lon)
    data = MapData(city, 1.0, "alert level", np.zeros(n), "none",
                   {"heating": (lon, lat, lon[:2], lat[:2])}, {"heating": 2})  # fmt: skip
    fig = draw_map(data)
    nets = {lg.get_title().get_text(): lg for lg in fig.legends}["Networks: nodes, failures now"]
    assert [t.get_text() for t in nets.get_texts()] == [
        "district heating network", "heat nodes off: 2",
    ]  # fmt: skip
    failed = [c for c in fig.axes[0].collections if c.get_label() == "heat nodes off: 2"][0]
    assert np.allclose(failed.get_facecolor()[0][:3], (0x17 / 255, 0xBE / 255, 0xCF / 255))


# ------------------------------------------------------------------ base stations of the city's
def test_count_of_total_reads_n_of_total_with_its_share():
    assert count_of_total(797, 6818, "base stations", "down") == (
        "797 of 6,818 base stations down (11.7 %)"
    )  # 797 / 6818 = 0.11690
    assert count_of_total(3, 8) == "3 of 8 (37.5 %)"
    assert count_of_total(0, 2310, "base stations") == "0 of 2,310 base stations (0.0 %)"
    with pytest.raises(ValueError, match="positive total"):
        count_of_total(1, 0)
    totals = {"telecom_sites_down": 6818.0}
    assert format_outcome("telecom_sites_down", 797, totals=totals) == "797 of 6,818 (11.7 %)"
    assert format_outcome("telecom_sites_down", 797) == "797"  # no total known: the number
    assert format_outcome("gas_leaks", 4, totals=totals) == "4"  # a key without a total


def _tiny_telecom():
    """One backbone node and three site nodes of 50, 30 and 20 base stations, each site on its
    own power node; power node 0 works, 1 and 2 are out."""
    types = LAYER_ASSET_TYPES["telecom"]
    site = types.index("telecom_base_station_site")
    layer = Layer(
        "telecom",
        {"x_m": np.zeros(4), "y_m": np.zeros(4), "district": np.zeros(4, np.int64),
         "asset_type": np.array([1 - site, site, site, site]),
         "base_stations": np.array([0.0, 50.0, 30.0, 20.0])},
        {"u": np.array([1, 2, 3]), "v": np.array([0, 0, 0])},
        list(types),
    )  # fmt: skip
    dep = Dependency("physical", "telecom", "power", [1, 2, 3], [1, 2, 0], 3.0)
    functional = {
        "telecom": np.array([True, False, True, True]),  # site 1 down: past its battery
        "power": np.array([True, False, False]),  # site 2 works on its battery
    }
    return layer, dep, functional


def test_base_stations_down_and_on_backup_by_hand():
    layer, dep, functional = _tiny_telecom()
    infra = SimpleNamespace(
        layers={"telecom": layer}, functional=functional, net=SimpleNamespace(dependencies=[dep])
    )
    model = SimpleNamespace(infra=infra)
    assert city_stations(layer) == 100
    assert readout.telecom_state(model) == "50 of 100 base stations down (50.0 %), 30 on backup"
    assert outcome_totals(model) == {"telecom_sites_down": 100.0}
    assert outcome_totals(SimpleNamespace()) == {}  # a long run: no networks


def test_the_example_citys_states_and_network_table(ctrl):
    infra = ctrl.model.infra
    total = int(round(infra.layers["telecom"].nodes["base_stations"].sum()))
    assert outcome_totals(ctrl.model) == {"telecom_sites_down": float(total)}
    rows = {r["layer"]: r for r in ctrl.network_rows()}
    down = re.match(r"([\d,]+) of ([\d,]+) base stations down \(([\d.]+) %\), ([\d,]+) on backup",
                    rows["telecom"]["state"])  # fmt: skip
    n_down, n_total = (int(down.group(k).replace(",", "")) for k in (1, 2))
    assert n_total == total and float(down.group(3)) == pytest.approx(
        100 * n_down / total, abs=0.05
    )
    gas = infra.gas.record
    assert rows["gas"]["state"] == f"{gas.leaks:,} leaks so far, {gas.fires:,} fires or explosions"
    closed = int((infra.edge_speed_factor <= 0).sum())
    assert closed > 0 and rows["roads"]["state"] == f"{closed:,} road segments closed"
    html = network_table(list(rows.values()))
    assert 'id="net-gas"' in html and 'id="net-telecom"' in html
    assert "<th>Mobile telecom</th>" in html and "base stations down" in html


# ------------------------------------------------------------------ warning reach
def test_warning_reach_shows_with_its_meaning_in_app_and_report(ctrl, scenario):
    values = ctrl.outcomes()
    assert values["warned"]  # a red typhoon warning by 18 h
    assert values["warning_reach_share"] == pytest.approx(ctrl.model.warning_reach_share)
    assert 0.0 < values["warning_reach_share"] < 1.0  # sites down: some households not reached
    table = outcome_table(values)
    meaning = "Households reached by the highest warning in force (share)"
    shown = f"{values['warning_reach_share']:.2f}"
    assert f'<th>{meaning}</th><td id="v-warning_reach_share">{shown}</td>' in table
    assert readout.format_value("warning_reach_share", 1.0, warned=False) == "no warning issued"
    summary = {"telecom_sites_down": 797, "warning_reach_share": 0.9512, "seed": 1}
    rows = {r[0]: r for r in outcome_rows(summary, scenario, True, {"telecom_sites_down": 6818.0})}
    assert rows["warning_reach_share"][1:3] == (meaning, "0.95")
    assert rows["telecom_sites_down"][1:3] == (
        "Base stations out of service at once, peak (base stations)", "797 of 6,818 (11.7 %)",
    )  # fmt: skip


# ------------------------------------------------------------------ the page, in Chromium
CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed")
def test_the_page_lists_gas_and_telecom_in_chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "sim.interfaces.cli.main", "app", EXAMPLE,
           "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(90_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator("#networks").wait_for()
            toggles = page.locator(".v-btn-toggle button").all_inner_texts()
            heads = page.locator("#networks tr th:first-child").all_inner_texts()
            telecom = page.locator("#net-telecom .state").inner_text()
            reach = page.locator("#v-warning_reach_share").inner_text()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert [t.strip().lower() for t in toggles] == list(SIX)
    assert heads[1:] == ["Power", "Water", "Drainage", "Roads", "Gas", "Mobile telecom"]
    assert re.fullmatch(r"0 of [\d,]+ base stations down \(0\.0 %\), 0 on backup", telecom)
    assert reach == "no warning issued"  # at 0 h no warning is in force yet
