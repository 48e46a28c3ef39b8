"""Network files as people have them (issue 16): encodings, the wrong file type, missing
defaults, bad elements, dropped and unreachable parts — a clear error naming the file and the
element, or the right answer with a warning naming them; never a traceback."""

from __future__ import annotations

import json
import re
import textwrap
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.networks.errors import NetworkImportError, NetworkImportWarning
from sim.networks.importers import read_epanet, read_graphml, read_osm, read_pandapower

pytest.importorskip("wntr")

ROOT = Path(__file__).resolve().parents[1]
NET3 = (ROOT / "scenarios" / "data" / "networks" / "Net3.inp").read_text(encoding="utf-8")


def _read(reader, path, *args, **kw):
    """(layer, warning messages) of a reader call."""
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        layer = reader(path, *args, **kw)
    msgs = [str(w.message) for w in got if issubclass(w.category, NetworkImportWarning)]
    assert msgs == layer.notes  # what is warned is what the layer keeps
    return layer, msgs


@pytest.fixture(scope="module")
def net3(tmp_path_factory):
    path = tmp_path_factory.mktemp("net3") / "Net3.inp"
    path.write_text(NET3, encoding="utf-8")
    layer, msgs = _read(read_epanet, path)
    assert msgs == []  # the shipped file needs no default and reaches every node
    return layer


def _same_network(a, b) -> None:
    assert (a.n_nodes, a.n_edges) == (b.n_nodes, b.n_edges)
    assert np.array_equal(a.edges["length_m"], b.edges["length_m"])
    assert np.allclose(a.nodes["x_m"], b.nodes["x_m"])
    assert list(a.nodes["epanet_id"]) == list(b.nodes["epanet_id"])


# ---------------------------------------------------------------------------- EPANET encodings
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_epanet_with_a_bom_or_in_utf16_reads_as_the_plain_file(tmp_path, net3, encoding):
    path = tmp_path / "net3.inp"
    path.write_bytes(NET3.encode(encoding))  # utf-16-le: no BOM at all
    layer, msgs = _read(read_epanet, path)
    _same_network(layer, net3)
    assert msgs == []


def test_epanet_in_gbk_is_refused_with_the_way_to_convert_it(tmp_path):
    # as every citysafe input: no decoding by a guess (sim.core.text_input)
    text = NET3.replace("[JUNCTIONS]", "; 浦东新区供水管网（示例）\n[JUNCTIONS]")
    path = tmp_path / "net3-gbk.inp"
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(NetworkImportError) as err:
        read_epanet(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: not UTF-8 text (byte {text.index('浦')})")
    assert "iconv" in msg and "-t UTF-8 net3-gbk.inp" in msg


# ------------------------------------------------------------------------- EPANET wrong types
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "an empty file"),
        (b"  \n\n", "an empty file"),
        (b'{"_module": "pandapower.auxiliary"}', "a JSON file, not an EPANET .inp file (format: "
                                                 "pandapower reads it)"),
        (b'<?xml version="1.0"?><graphml><graph/></graphml>', "a GraphML file"),
        (b"PK\x03\x04zipped", "a zip archive"),
        (b"node,x,y\n1,2,3\n", "a text file"),
    ],
)  # fmt: skip
def test_epanet_reader_names_a_file_of_another_type(tmp_path, content, says):
    path = tmp_path / "net.inp"
    path.write_bytes(content)
    with pytest.raises(NetworkImportError, match=re.escape(says)) as err:
        read_epanet(path)
    assert str(err.value).startswith(f"{path}: ")


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(NetworkImportError, match="file not found"):
        read_epanet(tmp_path / "nowhere.inp")
    with pytest.raises(NetworkImportError, match="is a folder"):
        read_epanet(tmp_path)


# ------------------------------------------------------------------------ EPANET defaults
def test_epanet_without_units_gets_gpm_with_a_warning_naming_the_section(tmp_path, net3):
    path = tmp_path / "nounits.inp"
    path.write_text(re.sub(r"(?m)^ Units\s+GPM\s*\n", "", NET3), encoding="utf-8")
    layer, msgs = _read(read_epanet, path)
    (msg,) = msgs
    assert msg.startswith(f"{path}: [OPTIONS] has no Units") and "GPM" in msg
    # Net3 is in GPM: the default gives exactly the file's lengths and demands
    _same_network(layer, net3)
    assert np.allclose(layer.nodes["customers_households"], net3.nodes["customers_households"])


def test_epanet_without_an_options_section_and_end_keeps_line_numbers(tmp_path):
    text = re.sub(r"\[OPTIONS\].*?\n\n", "", NET3, flags=re.S).replace("[END]", "")
    text = re.sub(r"(?m)^( 20\s+3\s+20\s+)99\b", r"\1 x", text)  # line 117: pipe 20 length
    path = tmp_path / "noopt.inp"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NetworkImportError, match=r"line 117: \[PIPES\] pipe '20' length 'x'"):
        read_epanet(path)


def test_epanet_nodes_missing_from_coordinates_are_filled_and_named(tmp_path, net3):
    text = re.sub(r"(?m)^(101|103|River)\s+[\d.]+\s+[\d.]+\s*\n", "", NET3)
    path = tmp_path / "partial.inp"
    path.write_text(text, encoding="utf-8")
    layer, msgs = _read(read_epanet, path)
    (msg,) = msgs
    assert "[COORDINATES] lacks 3 of 97 nodes" in msg
    assert all(f"'{i}'" in msg for i in ("101", "103", "River"))
    assert np.isfinite(layer.nodes["x_m"]).all()
    ids = list(layer.nodes["epanet_id"])
    kept = [i for i in range(len(ids)) if ids[i] not in ("101", "103", "River")]
    # the located nodes keep their drawing (same unit estimate: the median is robust)
    assert np.allclose(layer.nodes["x_source"][kept], net3.nodes["x_source"][kept])


SMALL_INP = textwrap.dedent(
    """\
    [TITLE]
    A ring of four junctions fed from a reservoir, no coordinates
    [RESERVOIRS]
     R  50
    [JUNCTIONS]
     A  10  1
     B  10  1
     C  10  1
     D  10  1
    [PIPES]
     P1  R  A  1000  300  100
     P2  A  B  400   200  100
     P3  B  C  400   200  100
     P4  C  D  400   200  100
     P5  D  A  400   200  100
    [OPTIONS]
     Units  LPS
    [END]
    """
)


def test_epanet_without_coordinates_is_laid_out_to_scale_with_a_warning(tmp_path):
    path = tmp_path / "nocoords.inp"
    path.write_text(SMALL_INP, encoding="utf-8")
    layer, msgs = _read(read_epanet, path)
    (msg,) = msgs
    assert msg.startswith(f"{path}: [COORDINATES] is empty: the 5 nodes are laid out")
    assert layer.crs == "local:1 m schematic"
    x, y, e = layer.nodes["x_m"], layer.nodes["y_m"], layer.edges
    drawn = np.hypot(x[e["u"]] - x[e["v"]], y[e["u"]] - y[e["v"]])
    # to scale: the 400 m ring pipes and the 1 km feeder are drawn near their lengths
    assert np.allclose(drawn / e["length_m"], 1.0, atol=0.3)
    assert np.isnan(layer.nodes["x_source"]).all()  # no drawing coordinates to keep


# --------------------------------------------------------------------------- EPANET refusals
@pytest.mark.parametrize("length", ["0", "-5", "0.0"])
def test_zero_or_negative_pipe_lengths_are_refused_naming_the_pipe(tmp_path, length):
    path = tmp_path / "len.inp"
    path.write_text(re.sub(r"(?m)^( 20\s+3\s+20\s+)99\b", rf"\g<1>{length}", NET3))
    with pytest.raises(NetworkImportError) as err:
        read_epanet(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: line 117: [PIPES] pipe '20' has length {length}")
    assert "> 0" in msg


def test_ids_over_31_characters_are_refused_naming_each_element(tmp_path):
    long_id = "J" * 40
    text = re.sub(r"(?<!\S)101(?!\S)", long_id, NET3)  # junction and pipe 101 everywhere
    path = tmp_path / "longid.inp"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NetworkImportError) as err:
        read_epanet(path)
    msg = str(err.value)
    assert f"[JUNCTIONS] junction id '{long_id}' has 40 characters" in msg
    assert "at most 31" in msg and msg.startswith(f"{path}: line ")


def test_an_id_of_31_characters_is_accepted(tmp_path):
    text = SMALL_INP.replace(" A ", " " + "A" * 31 + " ").replace(" A\n", " " + "A" * 31 + "\n")
    path = tmp_path / "id31.inp"
    path.write_text(text, encoding="utf-8")
    layer, _ = _read(read_epanet, path)
    assert "A" * 31 in list(layer.nodes["epanet_id"])


def test_links_to_undefined_nodes_and_repeated_ids_are_named(tmp_path):
    text = SMALL_INP.replace(" P5  D  A", " P5  D  Z").replace(" D  10  1", " D  10  1\n C  9  1")
    path = tmp_path / "undef.inp"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NetworkImportError) as err:
        read_epanet(path)
    assert "pipe 'P5' joins undefined node(s) 'Z'" in str(err.value)
    assert "junction id 'C' already defined on line 8" in str(err.value)


def test_nodes_no_reservoir_or_tank_reaches_are_named(tmp_path):
    text = SMALL_INP.replace("[PIPES]", "[PIPES]\n P6  E  F  100  100  100").replace(
        " D  10  1", " D  10  1\n E  10  1\n F  10  1"
    )
    path = tmp_path / "island.inp"
    path.write_text(text, encoding="utf-8")
    layer, msgs = _read(read_epanet, path)
    assert any("2 of 7 nodes reach no reservoir or tank" in m and "'E', 'F'" in m for m in msgs)
    assert layer.n_nodes == 7  # reported, not dropped


# ------------------------------------------------------------------------------- pandapower
pp = pytest.importorskip("pandapower")


def _feeder(load_mw: float, geodata: bool, name: str = "test feeder"):
    """ext grid — 20 kV line (4 km) — bus with a load — 1 km line — bus with a load."""
    net = pp.create_empty_network(name=name)
    geo = [(121.47, 31.23), (121.51, 31.23), (121.52, 31.23)]
    buses = [pp.create_bus(net, vn_kv=20.0, geodata=geo[k] if geodata else None) for k in range(3)]
    pp.create_ext_grid(net, buses[0])
    pp.create_line(net, buses[0], buses[1], 4.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    pp.create_line(net, buses[1], buses[2], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    pp.create_load(net, buses[1], p_mw=load_mw)
    pp.create_load(net, buses[2], p_mw=load_mw)
    return net


def _save(net, path: Path) -> Path:
    pp.to_json(net, str(path))
    return path


def test_pandapower_json_without_geodata_is_laid_out_and_names_the_file(tmp_path):
    path = _save(_feeder(1.0, geodata=False, name="the net's own name"), tmp_path / "feeder.json")
    layer, msgs = _read(read_pandapower, path)
    (msg,) = msgs
    assert msg.startswith(f"{path}: the 3 buses have no geodata") and "net's own name" not in msg
    x, y, e = layer.nodes["x_m"], layer.nodes["y_m"], layer.edges
    drawn = np.hypot(x[e["u"]] - x[e["v"]], y[e["u"]] - y[e["v"]])
    assert np.allclose(drawn / e["length_m"], 1.0, atol=0.3)  # 4 km and 1 km to scale
    assert layer.crs == "local:1 m schematic"


def test_pandapower_reader_names_a_file_of_another_type(tmp_path):
    inp = tmp_path / "net.json"
    inp.write_text(NET3, encoding="utf-8")
    with pytest.raises(NetworkImportError, match=r"an EPANET \.inp file.*format: epanet"):
        read_pandapower(inp)
    other = tmp_path / "other.json"
    other.write_text('{"type": "FeatureCollection"}', encoding="utf-8")
    with pytest.raises(NetworkImportError, match="JSON but not a pandapower network"):
        read_pandapower(other)
    broken = tmp_path / "broken.json"
    broken.write_text('{"_class": "pandapowerNet",\n "x": }', encoding="utf-8")
    with pytest.raises(NetworkImportError, match=r"line 2 column 7: not valid JSON"):
        read_pandapower(broken)


def test_pandapower_out_of_service_bus_and_its_line_are_dropped_and_named(tmp_path):
    net = _feeder(1.0, geodata=True)
    net.bus.loc[2, "in_service"] = False
    layer, msgs = _read(read_pandapower, _save(net, tmp_path / "f.json"))
    assert layer.n_nodes == 2 and layer.n_edges == 1
    assert any("1 bus(es) out of service dropped ('2')" in m for m in msgs)
    assert any("1 line(s) dropped" in m and "('1')" in m for m in msgs)


def test_power_flow_takes_an_overloaded_feeder_out_of_service(tmp_path):
    from sim.networks.cascade import source_served_mask

    path = _save(_feeder(9.0, geodata=True), tmp_path / "heavy.json")  # ~2x the 95 mm² rating

    def served(layer):
        ok = ~layer.edges["normally_open"]
        n = layer.n_nodes
        return source_served_mask(
            n,
            layer.edges["u"][ok],
            layer.edges["v"][ok],
            np.ones(n, bool),
            layer.nodes["is_source"],
        )

    plain, msgs = _read(read_pandapower, path)
    assert served(plain).all() and msgs == []  # without a power flow it stays "served"
    flow, msgs = _read(read_pandapower, path, power_flow=True)
    assert flow.edges["loading_percent"][0] > 100
    assert flow.edges["normally_open"][0] and not served(flow)[1:].any()
    assert any("loaded over 100 %" in m and "line 0" in m for m in msgs)
    assert any("reach no source" in m for m in msgs)


def test_power_flow_that_does_not_converge_is_reported_not_hidden(tmp_path):
    path = _save(_feeder(500.0, geodata=True), tmp_path / "collapse.json")
    layer, msgs = _read(read_pandapower, path, power_flow=True)
    assert any(m.startswith(f"{path}: power flow did not converge") for m in msgs)
    assert not layer.edges["normally_open"].any()  # nothing changed on a failed power flow


# ---------------------------------------------------------------------------------- GraphML
def test_graphml_reader_names_a_file_of_another_type(tmp_path):
    for content, says in [(b'{"nodes": []}', "a JSON file"), (b"", "an empty file"),
                          (b"<osm version='0.6'></osm>", "an OpenStreetMap XML file")]:  # fmt: skip
        path = tmp_path / "g.graphml"
        path.write_bytes(content)
        with pytest.raises(NetworkImportError, match=re.escape(f"{path}: this is {says}")):
            read_graphml(path, "roads")


def test_directed_graphml_keeps_one_way_edges_and_merges_two_way_pairs(tmp_path):
    g = nx.MultiDiGraph()
    for k, (x, y) in enumerate([(121.47, 31.23), (121.48, 31.23), (121.48, 31.24)]):
        g.add_node(k, x=x, y=y)
    g.add_edge(0, 1, length=950.0, maxspeed="50", highway="primary")  # two-way pair
    g.add_edge(1, 0, length=950.0, maxspeed="50", highway="primary")
    g.add_edge(1, 2, length=1100.0, speed_kph=40.0)  # one-way
    g.add_edge(2, 2, length=10.0)  # a self-loop
    path = tmp_path / "osmnx.graphml"
    nx.write_graphml(g, path)
    layer, msgs = _read(read_graphml, path, "roads")
    e = layer.edges
    assert layer.n_edges == 2 and e["oneway"].tolist() == [False, True]
    assert (e["u"][1], e["v"][1]) == (1, 2)  # oriented as drawn
    assert e["speed_kmh"].tolist() == [50.0, 40.0]
    assert any("1 self-loop edge(s) dropped" in m for m in msgs)


def test_graphml_in_utf16_with_its_declaration_is_read(tmp_path):
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="x" for="node" attr.name="x" attr.type="double"/>'
        '<key id="y" for="node" attr.name="y" attr.type="double"/>'
        '<graph edgedefault="undirected">'
        '<node id="水厂"><data key="x">121.47</data><data key="y">31.23</data></node>'
        '<node id="泵站"><data key="x">121.48</data><data key="y">31.23</data></node>'
        '<edge source="水厂" target="泵站"/></graph></graphml>'
    )
    path = tmp_path / "u16.graphml"
    for encoding in ("utf-16", "utf-16-le"):  # with and without a byte-order mark
        path.write_bytes(text.encode(encoding))
        layer, msgs = _read(read_graphml, path, "water")
        assert list(layer.nodes["graphml_id"]) == ["水厂", "泵站"] and layer.n_edges == 1
        assert msgs == []


def test_graphml_bad_values_are_named(tmp_path):
    g = nx.Graph()
    g.add_node("a", x=121.47, y=31.23)
    g.add_node("b", x=121.48, y=31.23)
    g.add_node("c")  # no coordinates: filled and named
    g.add_edge("a", "b", length=-3.0)
    g.add_edge("b", "c")
    path = tmp_path / "bad.graphml"
    nx.write_graphml(g, path)
    with (
        pytest.warns(NetworkImportWarning, match="lack coordinates"),
        pytest.raises(NetworkImportError, match=r"edge 'a'-'b' attribute 'length' is -3"),
    ):
        read_graphml(path, "water")
    g.edges["a", "b"]["length"] = 10.0
    nx.write_graphml(g, path)
    layer, msgs = _read(read_graphml, path, "water")
    assert any("1 of 3 nodes lack coordinates ('c')" in m for m in msgs)
    assert np.isfinite(layer.nodes["x_m"]).all()


# ------------------------------------------------------------------------------ OpenStreetMap
OSM_ONEWAY = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <osm version="0.6">
      <node id="1" lat="31.2300" lon="121.4700"/>
      <node id="2" lat="31.2300" lon="121.4800"/>
      <node id="3" lat="31.2400" lon="121.4800"/>
      <node id="4" lat="31.2400" lon="121.4700"/>
      <node id="5" lat="31.2350" lon="121.4900"/>
      <node id="6" lat="31.2350" lon="121.5000"/>
      <node id="7" lat="31.2400" lon="121.5000"/>
      <way id="10"><nd ref="1"/><nd ref="2"/>
        <tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="70|100"/></way>
      <way id="11"><nd ref="2"/><nd ref="3"/>
        <tag k="highway" v="secondary"/><tag k="oneway" v="-1"/>
        <tag k="maxspeed" v="RO:urban"/></way>
      <way id="12"><nd ref="3"/><nd ref="4"/><nd ref="1"/>
        <tag k="highway" v="residential"/><tag k="maxspeed" v="50 mph"/></way>
      <way id="13"><nd ref="2"/><nd ref="5"/><nd ref="6"/><nd ref="2"/>
        <tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/>
        <tag k="maxspeed" v="XX:unknown"/></way>
      <way id="14"><nd ref="6"/><nd ref="7"/><nd ref="99"/>
        <tag k="highway" v="living_street"/><tag k="maxspeed" v="walk"/>
        <tag k="oneway" v="reversible"/></way>
    </osm>
    """
)


@pytest.fixture(scope="module")
def oneway_roads(tmp_path_factory):
    path = tmp_path_factory.mktemp("osm") / "oneway.osm"
    path.write_text(OSM_ONEWAY, encoding="utf-8")
    return path, *_read(read_osm, path)


def _edge(layer, a: int, b: int) -> int:
    osm = layer.nodes["osm_id"]
    (j,) = np.flatnonzero((osm[layer.edges["u"]] == a) & (osm[layer.edges["v"]] == b))
    return int(j)


def test_osm_one_way_ways_are_oriented_and_flagged(oneway_roads):
    _, roads, _ = oneway_roads
    e = roads.edges
    assert e["oneway"][_edge(roads, 1, 2)]  # oneway=yes: as drawn
    assert e["oneway"][_edge(roads, 3, 2)]  # oneway=-1: against the drawing 2 -> 3
    for a, b in [(2, 5), (5, 6), (6, 2)]:  # junction=roundabout implies oneway=yes
        assert e["oneway"][_edge(roads, a, b)]
    assert not e["oneway"][_edge(roads, 3, 4)] and not e["oneway"][_edge(roads, 6, 7)]


def test_osm_maxspeeds_follow_the_wiki_conventions(oneway_roads):
    _, roads, _ = oneway_roads
    speed = roads.edges["speed_kmh"]
    assert speed[_edge(roads, 1, 2)] == 70.0  # "70|100": the lowest
    assert speed[_edge(roads, 3, 2)] == 50.0  # RO:urban
    assert speed[_edge(roads, 3, 4)] == pytest.approx(50 * 1.609344)
    assert speed[_edge(roads, 2, 5)] == 40.0  # unknown code: the tertiary default
    assert speed[_edge(roads, 6, 7)] == 5.0  # walk


def test_osm_warnings_name_the_ways_and_the_cut_extract(oneway_roads):
    path, roads, msgs = oneway_roads
    assert all(m.startswith(f"{path}: ") for m in msgs)
    assert any("'XX:unknown'" in m and "way(s) '13'" in m for m in msgs)
    assert any("oneway=reversible" in m and "way(s) '14'" in m for m in msgs)
    assert any("reference nodes missing from the file" in m and "'14'" in m for m in msgs)
    assert roads.n_edges == 8  # 1 + 1 + 2 + 3 + 1 (the segment to node 99 dropped)


def test_a_one_way_street_is_not_routed_against_its_direction(oneway_roads):
    from sim.response.routing import RoadRouter

    _, roads, _ = oneway_roads
    router = RoadRouter(roads)
    assert router.directed
    n = {int(o): k for k, o in enumerate(roads.nodes["osm_id"])}
    e = roads.edges
    t12 = e["length_m"][_edge(roads, 1, 2)] / (1000 * e["speed_kmh"][_edge(roads, 1, 2)])
    assert router.travel_time_h([n[1]], [n[2]])[0, 0] == pytest.approx(t12)
    # 2 -> 1: way 10 is one-way 1 -> 2 and way 11 only leads into 2 (from 3); the roundabout
    # and way 14 lead nowhere else: 1 cannot be reached from 2
    assert np.isinf(router.travel_time_h([n[2]], [n[1]])[0, 0])
    # the same layer without the flags routes 2 -> 1 straight back along way 10
    two_way = type(roads)(roads.name, roads.nodes, {**e, "oneway": np.zeros(roads.n_edges, bool)})
    assert RoadRouter(two_way).travel_time_h([n[2]], [n[1]])[0, 0] == pytest.approx(t12)
    # 3 -> 2 takes way 11; 2 -> 3 would need it backwards: unreachable too
    assert np.isfinite(router.travel_time_h([n[3]], [n[2]])[0, 0])
    assert np.isinf(router.travel_time_h([n[2]], [n[3]])[0, 0])
    # times to a node (the dispatcher's search at an incident) agree with the rows out of
    # every node, in both the bounded and unbounded forms
    rows = router.travel_time_h(np.arange(router.n_nodes), [n[1]])[:, 0]
    assert np.array_equal(router.times_to(n[1], np.arange(router.n_nodes)), rows)
    bounded = router.times_to(n[1], np.arange(router.n_nodes), limit_h=t12 * 1.5)
    assert np.array_equal(bounded, np.where(rows <= t12 * 1.5, rows, np.inf))


def test_osm_reader_tells_the_type_from_the_content(tmp_path):
    path = tmp_path / "roads.osm"
    path.write_text(json.dumps({"elements": []}), encoding="utf-8")
    with pytest.raises(NetworkImportError, match="this is a JSON file, not an OpenStreetMap"):
        read_osm(path)
    xml = tmp_path / "named-wrong.pbf"  # XML content behind a .pbf name is read as XML
    xml.write_text(OSM_ONEWAY, encoding="utf-8")
    layer, _ = _read(read_osm, xml)
    assert layer.n_edges == 8
