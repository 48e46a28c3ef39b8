"""Review leftovers of issues 19 and 13 (branch imp): one distance check for every placed
import, ``scale: fit`` refusing a far-off point, the ensemble console and tables (observed
sources, counts as counts, a null warning reach) and earthquake substation restoration."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.networks.errors import NetworkImportError, NetworkImportWarning
from sim.networks.importers import place_in_district, read_graphml, read_osm
from sim.networks.toy import make_toy_city

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
NET3 = ROOT / "scenarios" / "data" / "networks" / "Net3.inp"


# ------------------------------------------------------------ 1. one distance check for all
def _net3_with_junction_15_at(tmp_path: Path, x: float) -> Path:
    """Net3 with junction 15's drawing x-coordinate set to `x` (Net3's units: ~225 m each)."""
    text = NET3.read_text(encoding="utf-8")
    old = "15              \t38.680            \t23.760"
    assert old in text
    out = tmp_path / "net3-moved.inp"
    out.write_text(text.replace(old, f"15              \t{x:.3f}            \t23.760"), "utf-8")
    return out


def _water_scenario(tmp_path: Path, inp: Path, scale: str = "null") -> Path:
    scen = tmp_path / "water.yaml"
    scen.write_text(
        f"extends: {EXAMPLE}\nname: net3-import\nnetworks:\n  imports:\n"
        f"    - {{layer: water, format: epanet, file: {inp}, district: Old Harbour, "
        f"replace: true, scale: {scale}}}\n",
        encoding="utf-8",
    )
    return scen


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_epanet_junction_typed_far_off_is_refused_in_one_line(tmp_path, command):
    # junction 15 moved ~9,000 units (~2,000 km) east: before the fix it was placed silently
    scen = _water_scenario(tmp_path, _net3_with_junction_15_at(tmp_path, 9038.68))
    args = [command, str(scen)]
    if command == "run":
        args += ["--out", str(tmp_path / "run"), "-p", "time.duration_h=1", "--no-figures", "-q"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    (line,) = [x for x in res.output.splitlines() if "net3-moved.inp" in x]
    # 9,000 units x 224.6 m (Net3's estimated unit) = 2,021 km, less the centroid's shift
    # (1/99 of it) and the way to the city's edge
    assert "networks.imports[0].file" in line
    assert re.search(
        r"junction '15': coordinates lie 1,9\d\d\.\d km outside the city once placed", line
    )
    assert "expected a position inside the city's districts or within 5 km of them" in line


def test_the_unmoved_net3_still_imports_into_the_example_city(tmp_path):
    from sim.city.districts import load_city
    from sim.networks.compose import check_imports
    from sim.scenario.loader import load_scenario

    city = load_city(EXAMPLE_DATA)
    for scale in ("null", "fit"):
        scen = load_scenario(_water_scenario(tmp_path, NET3, scale), [])
        assert check_imports(scen.networks.imports, city) == []


def _local_graphml(tmp_path: Path, far_x_m: float) -> Path:
    """A GraphML water network in local metres: a 100 m square and node 'e' at (far_x_m, 50)."""
    g = nx.Graph()
    for n, (x, y) in {"a": (0, 0), "b": (100, 0), "c": (0, 100), "d": (100, 100)}.items():
        g.add_node(n, x=float(x), y=float(y))
    g.add_node("e", x=far_x_m, y=50.0)
    g.add_edges_from([("a", "b"), ("b", "d"), ("d", "c"), ("c", "a"), ("d", "e")])
    path = tmp_path / "w.graphml"
    nx.write_graphml(g, path)
    return path


def test_graphml_far_node_is_named_with_its_hand_computed_distance(tmp_path):
    # toy city: district Alpha = box(0, 0, 4000, 4000), centroid (2000, 2000); the land's
    # easternmost edge is x = 14,000 m (Delta). Node centroid x = (0+100+0+100+60000)/5 =
    # 12,040 m, so 'e' lands at x = 2000 + 60000 - 12040 = 49,960 m: 35.96 km east of Delta.
    layer = read_graphml(_local_graphml(tmp_path, 60_000.0), "water", crs=None)
    with pytest.raises(NetworkImportError, match=r"w\.graphml: node 'e': coordinates lie 36.0 km "):
        place_in_district(layer, make_toy_city(), "Alpha")
    near = read_graphml(_local_graphml(tmp_path, 300.0), "water", crs=None)
    assert place_in_district(near, make_toy_city(), "Alpha").n_nodes == 5


def test_scale_fit_refuses_a_far_point_instead_of_shrinking_the_network(tmp_path):
    layer = read_graphml(_local_graphml(tmp_path, 60_000.0), "water", crs=None)
    # before: fit shrank the whole network by 4,000/60,000 and said nothing. Now the bulk (the
    # 100 m square, inside Tukey's outer fences: quartiles 0 and 100 m, fences 300 m beyond)
    # sets s = 1 and its mean (50, 50) goes to (2000, 2000): 'e' lands at x = 61,950 m, 47.95 km
    # east of Delta's edge.
    with pytest.raises(NetworkImportError, match=r"node 'e': coordinates lie 48.0 km ") as err:
        place_in_district(layer, make_toy_city(), "Alpha", scale="fit")
    assert "scale: fit sizes a network by its bulk" in str(err.value)
    # a far point that still lands in the city is kept, placed with the rest, and named
    ok = read_graphml(_local_graphml(tmp_path, 9_000.0), "water", crs=None)
    with pytest.warns(NetworkImportWarning, match=r"1 point\(s\) far from the rest .*node 'e'"):
        placed = place_in_district(ok, make_toy_city(), "Alpha", scale="fit")
    assert placed.placement == "from local:1 m into district 0"  # s = 1: not shrunk
    assert placed.nodes["x_m"][4] == pytest.approx(2000.0 + 9000.0 - 50.0)


def test_scale_fit_without_a_far_point_fits_the_bounding_box_as_before():
    from sim.networks.importers import ImportedLayer

    gx, gy = np.meshgrid(np.arange(4) * 3000.0, np.arange(4) * 1000.0)  # 9 km x 3 km grid
    nodes = {"x_m": gx.ravel(), "y_m": gy.ravel(), "asset_type": np.zeros(16, np.int64)}
    edges = {"u": np.arange(15), "v": np.arange(1, 16), "length_m": np.full(15, 1000.0)}
    grid = ImportedLayer("water", nodes, edges, ["node"], ["pipe"], source="grid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no far point: no warning
        placed = place_in_district(grid, make_toy_city(), "Alpha", scale="fit")
    s = 4000.0 / 9000.0  # Alpha is 4 km wide
    assert placed.placement.endswith(f"scale {s:g}")
    assert np.ptp(placed.nodes["x_m"]) == pytest.approx(4000.0)
    assert placed.nodes["x_m"].mean() == pytest.approx(2000.0)
    assert placed.edges["length_m"] == pytest.approx(np.full(15, 1000.0 * s))


OSM_FAR = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="31.2300" lon="121.4700"/>
  <node id="2" lat="31.2300" lon="121.4800"/>
  <node id="3" lat="31.2400" lon="121.4800"/>
  <node id="4" lat="31.2400" lon="122.4800"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="primary"/></way>
</osm>
"""


def test_osm_and_pandapower_far_points_are_named_in_their_own_terms(tmp_path):
    f = tmp_path / "far.osm"
    f.write_text(OSM_FAR, encoding="utf-8")
    roads = read_osm(f)  # node 4 is 1 degree of longitude (~95 km) east of the others
    far = r"far\.osm: node 4: coordinates lie [\d,]+\.\d km"
    with pytest.raises(NetworkImportError, match=far):
        place_in_district(roads, make_toy_city(), "Alpha")
    pp = pytest.importorskip("pandapower")
    from sim.networks.importers import read_pandapower

    net = pp.create_empty_network()
    for k, (lon, lat) in enumerate([(121.47, 31.23), (121.48, 31.23), (121.58, 32.23)]):
        pp.create_bus(net, vn_kv=10.0, geodata=(lon, lat), index=k + 7)
    pp.create_ext_grid(net, 7)
    pp.create_line(net, 7, 8, 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    pp.create_line(net, 8, 9, 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    layer = read_pandapower(net, name="power")
    with pytest.raises(NetworkImportError, match=r": bus 9: coordinates lie [\d,]+\.\d km outside"):
        place_in_district(layer, make_toy_city(), "Alpha")


def _east_of_the_city(city, km: float) -> tuple[float, float, int]:
    """(lon, lat) of the point `km` km due east of the city's easternmost vertex: exactly `km`
    km from every district (nothing lies farther east), and that vertex's district."""
    polys = list(city.polygons_xy)
    d = int(np.argmax([p.bounds[2] for p in polys]))
    xy = np.asarray(shapely.get_coordinates(polys[d]))
    x, y = xy[np.argmax(xy[:, 0])]
    lon, lat = city.to_lonlat(np.array([x + km * 1000.0]), np.array([y]))
    return float(np.ravel(lon)[0]), float(np.ravel(lat)[0]), d


def test_telecom_sites_pass_the_same_distance_check(tmp_path):
    from sim.city.districts import load_city
    from sim.networks.telecom_sites import TelecomSitesError, read_telecom_sites

    city = load_city(EXAMPLE_DATA)
    lon3, lat3, d = _east_of_the_city(city, 3.0)
    lon20, lat20, _ = _east_of_the_city(city, 20.0)
    f = tmp_path / "sites.csv"
    f.write_text(f"site_id,lon,lat,base_stations\nPIER,{lon3},{lat3},2\n", encoding="utf-8")
    # 3 km off the coast: within the tolerance, the nearest district's (was refused before)
    assert read_telecom_sites(f, city).district.tolist() == [d]
    f.write_text(
        f"site_id,lon,lat,base_stations\nPIER,{lon3},{lat3},2\nFAR,{lon20},{lat20},1\n",
        encoding="utf-8",
    )
    with pytest.raises(TelecomSitesError, match=r"site 'FAR' .* coordinates lie 20.0 km ") as err:
        read_telecom_sites(f, city)
    assert err.value.line_no == 3 and "within 5 km of them" in str(err.value)
    # a site is read where its coordinates put it: not "once placed", and both columns named
    assert "once placed" not in str(err.value) and "column lon, lat:" in str(err.value)


# ------------------------------------------------------------ 2. ensemble console and tables
def _ensemble_console(values: dict, observed: list[str] | None = None) -> str:
    import io

    import pandas as pd
    from rich.console import Console

    from sim.results.ensemble import outcome_stats, print_ensemble
    from sim.scenario.loader import load_scenario

    scen = load_scenario(EXAMPLE, observed or [])
    table = pd.DataFrame(values)
    stats = outcome_stats(table, list(table.columns), scen.observed, type(scen).OUTCOME_UNITS or {})
    console = Console(file=io.StringIO(), width=200)
    print_ensemble(console, stats, scen, len(table))
    from sim.results.ensemble_report import _outcomes  # the report.html table and its notes

    return console.file.getvalue() + "\n" + _outcomes(stats, scen, len(table))


def _row(out: str, key: str) -> str:
    (row,) = [ln for ln in out.splitlines() if f"│ {key} " in ln]
    return row


def test_ensemble_counts_of_two_replications_read_as_counts():
    out = _ensemble_console({"gas_leaks": [9, 10], "deaths": [0, 2], "telecom_sites_down": [3, 6]})
    # before: "9.50 [9.05, 9.95]", "1 [1, 1]" and "4.50 [3.15, 5.85]"
    assert " 9 " in _row(out, "gas_leaks") and "[9, 10]" in _row(out, "gas_leaks")
    assert " 0 " in _row(out, "deaths") and "[0, 2]" in _row(out, "deaths")
    assert "[3, 6]" in _row(out, "telecom_sites_down") and "4.50" not in out
    assert "9.50" not in out and "[1, 1]" not in out
    assert "legend: counts (count, persons, base stations)" in out and "inverted_cdf" in out
    assert '<p class="note">Legend: counts (count, persons' in out  # report.html too
    assert ">[9, 10]<" in out and ">[0, 2]<" in out


def test_ensemble_console_names_the_observed_sources_and_their_cut_off():
    source = "district flood-control office, as of 2030-08-03 20:00 BJT"
    out = _ensemble_console(
        {"trees_down": [1400, 1500, 1600]},
        ["observed.trees_down.value=1423", f"observed.trees_down.source={source}"],
    )
    assert "Observed figures (reported spread) and sources:" in out  # as the single run
    assert f"trees_down = 1,423 count: {source}" in out


@pytest.fixture(scope="module")
def unwarned(tmp_path_factory):
    """The example typhoon, 3 hours, with no warning ever in force: its run folder and model."""
    from sim.results.runner import run_scenario
    from sim.scenario.loader import load_scenario

    scen = load_scenario(EXAMPLE, ["time.duration_h=3", "warnings.mode=disabled", "events=[]"])
    return run_scenario(scen, tmp_path_factory.mktemp("unwarned") / "run", figures=False)


def test_no_warning_issued_is_null_in_summary_json_and_reads_so(unwarned):
    import io
    import json

    from rich.console import Console

    from sim.results.report import print_summary

    assert not unwarned.model.warning_issued
    assert unwarned.summary["warning_reach_share"] is None  # was 1.0
    saved = json.loads((unwarned.out_dir / "summary.json").read_text(encoding="utf-8"))
    assert saved["warning_reach_share"] is None
    buf = io.StringIO()  # the summary alone tells the console (no `warned` flag needed)
    print_summary(Console(file=buf, width=120), saved, unwarned.model.config)
    (line,) = [x for x in buf.getvalue().splitlines() if "warning_reach" in x]
    assert "no warning issued" in line
    page = (unwarned.out_dir / "report.html").read_text(encoding="utf-8")
    assert "no warning issued" in page


def test_every_reader_copes_with_a_null_warning_reach(unwarned):
    import math

    import pandas as pd

    from sim.interfaces.app import readout
    from sim.results.ensemble import outcome_stats, write_ensemble
    from sim.results.outcome_text import format_outcome, observed_ratio
    from sim.scenario.schema import ObservedOutcome
    from sim.studies.compare.stats import arm_levels, paired_differences

    # the app: its live value is None before any warning, read as in the report
    values = readout.outcomes(unwarned.model)
    assert values["warning_reach_share"] is None
    assert readout.format_value("warning_reach_share", None) == "no warning issued"
    assert format_outcome("shocks.x.warning_reach_share", None) == "no warning issued"
    assert format_outcome("warning_reach_share", math.nan) == "no warning issued"  # a table's
    assert observed_ratio(None, ObservedOutcome(value=0.9, source="s")) == "—"
    # ensembles: over the replications with a warning; none: no statistic, JSON null
    table = pd.DataFrame({"replication": [0, 1, 2], "warning_reach_share": [None, 0.8, 0.9]})
    s = outcome_stats(table, ["warning_reach_share"], {}, {})["warning_reach_share"]
    assert (s["median"], s["p5"], s["p95"]) == (0.85, 0.805, 0.895)  # linear over 0.8, 0.9
    assert s["replications_with_value"] == 2
    none = pd.DataFrame({"replication": [0, 1], "warning_reach_share": [None, None]})
    s = outcome_stats(none, ["warning_reach_share"], {}, {})["warning_reach_share"]
    assert s["median"] is None and s["replications_with_value"] == 0
    write_ensemble(none, {"warning_reach_share": s}, unwarned.out_dir.parent / "ens", {})
    # sweeps and comparisons: a null is a missing value, left out of means and pairs
    df = pd.DataFrame(
        {
            "scenario": ["a", "a", "b", "b"],
            "replication": [0, 1, 0, 1],
            "warning_reach_share": [None, 0.8, None, 0.9],
        }
    )
    levels = arm_levels(df, ["warning_reach_share"], "a").set_index("arm")
    assert levels.loc["a", "n"] == 1 and levels.loc["a", "estimate"] == pytest.approx(0.8)
    diff = paired_differences(df, "a", ["warning_reach_share"])
    assert diff["n"].tolist() == [1] and diff["estimate"].tolist() == [pytest.approx(0.1)]


# ------------------------------------------------------------ 3. earthquake substations
def test_substation_damage_state_and_restoration_draw_by_hand():
    from sim.damage.restoration import RESTORATION

    fn = RESTORATION["substation_quake"]
    # complete once the peak PGA reached twice the extensive capacity (Hazus 0.70/0.35 g)
    assert fn.damage_state(1.0) == fn.damage_state(1.99) == "extensive"
    assert fn.damage_state(2.0) == "complete"
    z = np.random.default_rng(7).standard_normal(2)  # numpy's normal(m, s) = m + s z
    rng = np.random.default_rng(7)
    assert 7 + 3.5 * z[0] > 0 and 30 + 15 * z[1] > 0  # no redraw at this seed
    assert fn.draw_hours("extensive", rng) == pytest.approx((7 + 3.5 * z[0]) * 24)
    assert fn.draw_hours("complete", rng) == pytest.approx((30 + 15 * z[1]) * 24)


def test_a_negative_restoration_draw_is_drawn_again_not_clipped_to_zero():
    """Hazus's normal truncated at zero: an asset damaged extensively is never back at once
    (the review saw two substations back with the crews' 24 h job after max(0, N) gave 0)."""
    from sim.damage.restoration import RestorationFunction

    fn = RestorationFunction("pga_g", {"extensive": (0.5, 1.0)}, 2.0, "test")
    z = np.random.default_rng(5).standard_normal(50)
    first = next(0.5 + v for v in z if 0.5 + v > 0)  # the first positive draw, by hand
    assert 0.5 + z[0] <= 0  # the seed starts with a negative draw: the case tested
    assert fn.draw_hours("extensive", np.random.default_rng(5)) == pytest.approx(first * 24)
    rng = np.random.default_rng(4)
    assert min(fn.draw_hours("extensive", rng) for _ in range(2000)) > 0


QUAKE = """extends: {example}
name: example-quake
time: {{duration_h: 60}}
hazard:
  typhoon: null
  earthquake: {{at_utc: 2030-08-02T01:00:00Z, magnitude: 6.5, epicentre: {{lon: 118.0,
    lat: 22.45}}, vs30_ms: 200}}
warnings: {{mode: disabled}}
events: []
"""


def test_quake_substations_stay_out_for_their_hazus_restoration_time(tmp_path):
    import pandas as pd

    from sim.results.runner import run_scenario
    from sim.scenario.loader import load_scenario

    path = tmp_path / "quake.yaml"
    path.write_text(QUAKE.format(example=EXAMPLE), encoding="utf-8")
    result = run_scenario(load_scenario(path, []), tmp_path / "run", figures=False)
    ev = pd.read_parquet(tmp_path / "run" / "events.parquet")
    power = ev[ev["layer"] == "power"]
    drawn = power[power["kind"] == "restoration_drawn"].set_index("asset")
    done = power[(power["kind"] == "resolution") & (power["detail"] == "substation_quake")]
    assert len(drawn) == result.summary["substations_failed"] > 0
    restored = power[power["kind"] == "restored"].set_index("asset")["t_h"]
    horizon = 60.0
    for _, job in done.iterrows():
        asset = job["asset"]
        back = max(job["t_h"], drawn.loc[asset, "t_h"] + drawn.loc[asset, "value"])
        # before: back in service when the crews' 24 h job ended (25-26 h); now at the later
        # of the job and the failure plus its Hazus draw (days), if within the window
        if back <= horizon:
            assert restored[asset] == pytest.approx(back)
        else:
            assert asset not in restored.index and result.model.infra.damaged["power"][asset]
    assert (drawn["value"] > 24.0).any()  # days, not the crews' hours
