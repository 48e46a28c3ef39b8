"""Issue 19 review fixes: a gas import with a point far outside the city is refused (as a
telecom site outside every district is), and the run report's captions name the layers the
figures draw (gas and mobile telecom included)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
GAS = ROOT / "scenarios" / "data" / "networks" / "gas-example.geojson"


def _scenario(tmp_path: Path, gas: Path) -> Path:
    scen = tmp_path / "gas.yaml"
    scen.write_text(
        f"extends: {EXAMPLE}\nname: gas-import\nnetworks:\n  imports:\n"
        f"    - {{layer: gas, format: geojson, file: {gas}, district: Old Harbour, "
        "replace: true}\n",
        encoding="utf-8",
    )
    return scen


def _moved(tmp_path: Path, fid: str, lonlat: list[float]) -> Path:
    """The example gas file with point ``fid`` moved to ``lonlat`` (WGS84 degrees)."""
    doc = json.loads(GAS.read_text(encoding="utf-8"))
    (feat,) = [f for f in doc["features"] if f.get("id") == fid]
    assert feat["geometry"]["type"] == "Point"
    feat["geometry"]["coordinates"] = lonlat
    out = tmp_path / "gas-moved.geojson"
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_gas_junction_moved_to_lon_0_lat_0_is_refused(tmp_path, command):
    bad = _moved(tmp_path, "J3", [0.0, 0.0])  # ~13,000 km from the example city
    args = [command, str(_scenario(tmp_path, bad))]
    if command == "run":
        args += ["--out", str(tmp_path / "run"), "-p", "time.duration_h=1", "--no-figures", "-q"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [x for x in res.output.splitlines() if "gas-moved.geojson" in x]
    assert len(lines) == 1, res.output
    line = lines[0]
    # the file, the feature, what is expected
    assert "networks.imports[0].file" in line and "feature 'J3'" in line
    assert "expected a position inside the city's districts or within 5 km of them" in line


def test_the_clean_gas_file_and_a_small_shift_still_import(tmp_path):
    from sim.city.districts import load_city
    from sim.networks.compose import check_imports
    from sim.scenario.loader import load_scenario

    scen = load_scenario(_scenario(tmp_path, GAS), [])
    city = load_city(scen.city.data_dir)
    assert check_imports(scen.networks.imports, city) == []
    # a junction moved ~1 km (0.01 deg lat) stays within the city once placed: accepted
    near = _moved(tmp_path, "J3", [118.02, 22.472])
    scen = load_scenario(_scenario(tmp_path, near), [])
    assert check_imports(scen.networks.imports, city) == []


def test_check_inside_city_names_the_farthest_point_and_its_distance():
    import numpy as np
    import shapely

    from sim.networks.city_bounds import check_inside_city
    from sim.networks.errors import NetworkImportError

    class City:  # one 10 km square district
        polygons_xy = [shapely.box(0, 0, 10_000, 10_000)]

        def locate(self, x, y):
            inside = (np.asarray(x) >= 0) & (np.asarray(x) <= 10_000) & (np.asarray(y) >= 0)
            return np.where(inside & (np.asarray(y) <= 10_000), 0, -1)

    class Layer:
        def __init__(self, x):
            self.nodes = {"x_m": np.array(x, float), "y_m": np.full(len(x), 5_000.0),
                          "gas_id": np.array(["A", "B", "C"][: len(x)], dtype=object)}  # fmt: skip

    check_inside_city(Layer([5_000, 14_000, -4_000]), City(), "g.geojson")  # 4 km out: kept
    with pytest.raises(NetworkImportError, match=r"^g\.geojson: feature 'C': .* lie 9.0 km "):
        check_inside_city(Layer([5_000, 14_000, -9_000]), City(), "g.geojson")


def test_report_captions_name_the_layers_the_figures_draw(tmp_path):
    from sim.results import figures as f
    from sim.results.runner import run_scenario
    from sim.scenario.loader import load_scenario

    scen = load_scenario(EXAMPLE, [])
    result = run_scenario(scen, tmp_path / "run", figures=True)
    model = result.model
    page = html.unescape((tmp_path / "run" / "report.html").read_text(encoding="utf-8"))

    def caption(name: str) -> str:
        (m,) = re.findall(rf"<b>{re.escape(name)}</b>: ([^<]*)</figcaption>", page)
        return m

    # the impact map: one service-loss panel per layer; the caption names each drawn one
    drawn = {p.title for p in f.district_map.drawn_panels(model)}
    words = {"gas": "gas", "telecom": "mobile service", "power": "power", "water": "water"}
    cap = caption("district_impact_map.png")
    shown = [n for n, (title, *_) in f.SERVICE_LOSS_PANELS.items() if title in drawn]
    assert {"gas", "telecom"} <= set(shown), drawn  # the example city draws both
    for name in shown:
        assert words[name] in cap, (name, cap)
    assert "power or water" not in cap
    # the resilience curves: one line per functionality layer, each named with its measure
    (panel,) = f.resilience_curves.drawn_panels(model)
    cap = caption("resilience_curves.png")
    assert set(panel.data["functionality"]) >= {"gas", "telecom"}
    for name in panel.data["functionality"]:
        assert f.NETWORK_LAYERS[name].label.lower() in cap, (name, cap)
    assert "drainage by pump capacity" in cap and "roads by passable length" in cap
    assert re.search(r"\(power, water, .*gas by households served", cap), cap
