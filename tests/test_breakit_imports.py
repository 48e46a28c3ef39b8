"""Break-it findings of issue 16 on network importers and input messages: every damaged
input is a clear message naming the file and the line, element or field (exit 2 from the
CLI), never a traceback, never a guess that garbles the text."""

from __future__ import annotations

import copy
import json
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.core.text_input import InputFileError, decode_text, parse_json, read_csv_table
from sim.interfaces.cli.main import app
from sim.networks.errors import NetworkImportError, NetworkImportWarning
from sim.networks.importers import read_epanet, read_osm, read_pandapower

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"


def _validate(*args: str):
    """(exit code, output) of ``citysafe validate``; a traceback fails the test."""
    res = CliRunner().invoke(app, ["validate", *map(str, args)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output
    return res.exit_code, res.output


@pytest.fixture
def city(tmp_path) -> Path:
    """A copy of the example city's data folder, to damage."""
    return Path(shutil.copytree(EXAMPLE_DATA, tmp_path / "city"))


# ------------------------------------------------------------------------- encoding messages
@pytest.mark.parametrize("text", ["名称,旧港区\n", "河畔区", "name_zh\n旧港区\n河畔区\n"])
def test_short_gbk_chinese_is_named_gb18030_not_a_korean_or_big5_guess(text):
    data = text.encode("gbk")
    with pytest.raises(InputFileError) as err:
        decode_text(data, "districts.csv")
    msg = str(err.value)
    assert "Chinese text in GBK/GB18030" in msg and "iconv -f GB18030 -t UTF-8" in msg
    assert not any(other in msg.lower() for other in ("cp949", "big5", "euc"))
    line = next(ln for ln in text.splitlines() if not ln.isascii())
    assert f'reads "{line}" in GB18030' in msg  # the user can see the guess is right
    assert data.decode("gb18030") == text  # following the advice gives the text back


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("Größe, Straße", "latin-1"), ("cafés", "cp1252"), ("Москва", "cp1251")],
)
def test_text_that_is_not_chinese_is_not_called_gbk(text, encoding):
    with pytest.raises(InputFileError) as err:
        decode_text(text.encode(encoding), "notes.yaml")
    assert "Chinese" not in str(err.value) and "iconv -f" in str(err.value)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_in_a_table_is_named(tmp_path, encoding):
    path = tmp_path / "districts.csv"
    path.write_bytes(EXAMPLE_DATA.joinpath("districts.csv").read_text().encode(encoding))
    enc = encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
    with pytest.raises(InputFileError, match=f"{enc} text without a byte-order mark.*iconv"):
        read_csv_table(path)


def test_utf16_without_a_bom_in_a_scenario_is_named(tmp_path):
    path = tmp_path / "s.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("../data/", f"{EXAMPLE_DATA.parent}/")
    path.write_bytes(text.encode("utf-16-le"))
    code, out = _validate(path)
    assert code == 2
    assert f"{path}: (file): UTF-16LE text without a byte-order mark" in out
    assert "#x0000" not in out


# ------------------------------------------------------------------- JSON inputs and folders
def test_json_nested_too_deep_or_with_a_huge_integer_names_the_file():
    with pytest.raises(InputFileError, match=r"^net\.json: JSON nested too deep"):
        parse_json("[" * 100_000 + "]" * 100_000, "net.json")
    with pytest.raises(InputFileError, match=r"^net\.json: line 2 column 7: a number of 100,000"):
        parse_json('{"a": 1,\n "b": ' + "9" * 100_000 + "}", "net.json")


@pytest.mark.parametrize(
    "name",
    ["city.yaml", "districts.csv", "districts.geojson", "links.csv", "exposure_totals.csv",
     "emergency_resources.csv", "evacuation.yaml", "warning_criteria.yaml"],
)  # fmt: skip
def test_a_folder_where_a_city_file_belongs_is_called_a_folder(city, name):
    (city / name).unlink(missing_ok=True)
    (city / name).mkdir()
    code, out = _validate(EXAMPLE, "-p", f"city.data_dir={city}")
    assert code == 2
    assert f"{city / name}: is a folder, not a file" in out and "not found" not in out


def test_a_folder_given_as_warning_criteria_is_refused(tmp_path):
    code, out = _validate(EXAMPLE, "-p", f"warnings.criteria_file={tmp_path}")
    assert code == 2 and f"{tmp_path}: is a folder, not a file (warning criteria)" in out


def test_district_polygons_with_a_bom_are_read(city):
    geo = city / "districts.geojson"
    geo.write_bytes(b"\xef\xbb\xbf" + geo.read_bytes())
    assert _validate(EXAMPLE, "-p", f"city.data_dir={city}") == (0, f"{EXAMPLE}: OK\n")


def test_district_polygons_json_error_names_line_and_column(city):
    geo = city / "districts.geojson"
    geo.write_text(geo.read_text(encoding="utf-8").replace("]]", "]],", 1), encoding="utf-8")
    code, out = _validate(EXAMPLE, "-p", f"city.data_dir={city}")
    assert code == 2
    assert f"{geo}: line 1 column " in out and ": not valid JSON (Expecting value)" in out


# ----------------------------------------------------------------------------------- long run
def test_a_long_run_whose_shock_names_itself_is_one_line(tmp_path):
    src = ROOT / "scenarios" / "shanghai" / "white-elephant-drainage.yaml"
    text = src.read_text(encoding="utf-8").replace("../data/", f"{src.parents[1]}/data/")
    path = tmp_path / "self.yaml"
    path.write_text(text.replace("scenario: lekima-2019.yaml", "scenario: self.yaml"))
    code, out = _validate(path)
    assert code == 2
    assert "does not load" not in out and len(out.strip().splitlines()) == 1
    assert f"shocks[0].scenario: expected an emergency scenario, got kind 'long_run': {path}" in out


# --------------------------------------------------------------------------------- pandapower
def _scenario_with_import(tmp_path: Path, fmt: str, file: Path, layer: str) -> Path:
    """The example city's typhoon with one network import in Old Harbour."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("../data/", f"{EXAMPLE_DATA.parent}/")
    text = text.replace(
        "networks:\n  resolution: 0.5\n",
        "networks:\n  resolution: 0.5\n  imports:\n"
        f"    - {{layer: {layer}, format: {fmt}, file: '{file}', district: Old Harbour}}\n",
    )
    assert "imports:" in text
    path = tmp_path / "with-import.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def simple_net(tmp_path_factory) -> dict:
    """pandapower's example_simple saved by pandapower.to_json, as a JSON document."""
    pp = pytest.importorskip("pandapower")
    import pandapower.networks as pn

    path = tmp_path_factory.mktemp("pp") / "simple.json"
    pp.to_json(pn.example_simple(), str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def _damaged(doc: dict, table: str, change) -> dict:
    """A copy of a saved net whose `table` (split-oriented DataFrame JSON) is `change`d."""
    doc = copy.deepcopy(doc)
    frame = json.loads(doc["_object"][table]["_object"])
    change(frame)
    doc["_object"][table]["_object"] = json.dumps(frame)
    return doc


def _cell(frame: dict, column: str, value, row: int = 0) -> None:
    frame["data"][row][frame["columns"].index(column)] = value


def _drop(frame: dict, column: str) -> None:
    k = frame["columns"].index(column)
    for row in [frame["columns"], *frame["data"]]:
        row.pop(k)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deep for Python's parser"),
        ('{"_class": "pandapowerNet", "x": ' + "9" * 100_000 + "}", "a number of 100,000 digits"),
    ],
)
def test_pandapower_json_too_deep_or_with_a_huge_integer_is_refused_naming_it(tmp_path, text, says):
    path = tmp_path / "net.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NetworkImportError, match=f"^{re.escape(str(path))}: .*{says}"):
        read_pandapower(path)
    code, out = _validate(_scenario_with_import(tmp_path, "pandapower", path, "power"))
    assert code == 2 and f"networks.imports[0].file: {path}: " in out and says in out


@pytest.mark.parametrize(
    ("table", "change", "says"),
    [
        ("bus", lambda f: _cell(f, "geo", '{"type": "Point", "coordinates": [121.5, 999]}'),
         "bus '0' at (lon, lat) (121.5, 999): not WGS84 degrees"),
        ("bus", lambda f: _cell(f, "geo", '{"coordinates": ['),
         "bus 0: geo is '{\"coordinates\": ['; expected a GeoJSON point"),
        ("line", lambda f: _cell(f, "length_km", "abc"),
         "line '0': length_km is 'abc'; expected a number > 0"),
        ("line", lambda f: _cell(f, "length_km", 1e308), "expected a number > 0 and at most"),
        ("load", lambda f: _cell(f, "p_mw", None), "load '0': p_mw is nan; expected a number"),
        ("switch", lambda f: _cell(f, "et", "q"), "switch '0': et is 'q'; expected one of"),
        ("line", lambda f: _drop(f, "length_km"),
         "the 'line' table lacks the column(s) ['length_km']"),
    ],
)  # fmt: skip
def test_damaged_pandapower_tables_are_refused_naming_element_and_column(
    tmp_path, simple_net, table, change, says
):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_damaged(simple_net, table, change)), encoding="utf-8")
    with pytest.raises(NetworkImportError, match=f"^{re.escape(str(path))}: ") as err:
        read_pandapower(path)
    assert says in str(err.value)


def test_a_reader_failure_the_checks_miss_still_names_the_file(tmp_path, monkeypatch):
    import sim.networks.compose as compose

    def broken(path, name):
        raise KeyError("in_service")

    monkeypatch.setattr(compose, "read_osm", broken)
    with pytest.raises(NetworkImportError, match=r"^f\.osm: cannot import this osm file \(Key"):
        compose.read_network("osm", "f.osm", "roads")


def test_a_merge_failure_in_a_run_names_the_import_file(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import sim.networks.compose as compose

    monkeypatch.setattr(compose, "read_network", lambda *a, **k: object())
    monkeypatch.setattr(compose, "place_in_district", lambda *a, **k: object())

    def broken(*args, **kwargs):
        raise ValueError("shapes (3,) and (4,) not aligned")

    monkeypatch.setattr(compose, "add_imported_network", broken)
    imp = SimpleNamespace(format="osm", file=tmp_path / "r.osm", layer="roads", district="x",
                          scale=None, replace=True, households="district")  # fmt: skip
    with pytest.raises(NetworkImportError, match=rf"^{re.escape(str(imp.file))}: cannot join"):
        compose.import_networks(None, None, [imp], None, None)


# ------------------------------------------------------------------------------ OpenStreetMap
OSM_NODES = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="31.2300" lon="121.4700"/>
  <node id="2" {node2}/>
  <node id="3" lat="31.2400" lon="121.4800"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
</osm>
"""


@pytest.mark.parametrize(
    ("node2", "says"),
    [
        ('lat="999" lon="121.48"', "node '2' at (lon, lat) (121.48, 999): not WGS84 degrees"),
        ('lat="31.2" lon="-181"', "node '2' at (lon, lat) (-181, 31.2): not WGS84 degrees"),
        ('lon="121.48"', "node 2 has no lat; expected WGS84 degrees"),
        ('lat="nan" lon="121.48"', "node 2 has lat='nan', not a number"),
        ('lat="31.2" lon="east"', "node 2 has lon='east', not a number"),
    ],
)
def test_osm_node_without_a_usable_position_is_refused_naming_it(tmp_path, node2, says):
    path = tmp_path / "roads.osm"
    path.write_text(OSM_NODES.format(node2=node2), encoding="utf-8")
    with pytest.raises(NetworkImportError, match=f"^{re.escape(str(path))}: {re.escape(says)}"):
        read_osm(path)
    code, out = _validate(_scenario_with_import(tmp_path, "osm", path, "roads"))
    assert code == 2 and says in out


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('<node id="2" ', '<node ', "the <node> after node 1 has no id"),
        ('<nd ref="2"/>', '<nd ref="x"/>', "way 10's <nd> has ref='x', not an integer"),
        ('<way id="10">', '<way id="1e99">', "the <way> after node 3 has id='1e99', not an"),
        ('id="2"', 'id="99999999999999999999"', "outside OSM's 64-bit integer ids"),
    ],
)  # fmt: skip
def test_osm_ids_and_references_that_are_not_integers_are_named(tmp_path, old, new, says):
    path = tmp_path / "roads.osm"
    text = OSM_NODES.format(node2='lat="31.235" lon="121.475"')
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(NetworkImportError, match=re.escape(says)):
        read_osm(path)


# ------------------------------------------------------------------------------------ EPANET
NET3 = (ROOT / "scenarios" / "data" / "networks" / "Net3.inp").read_text(encoding="utf-8")
PIPE_20 = re.compile(r"(?m)^ 20 +\t3 +\t20 +\t99 [^\n]*")
CONTROL_330 = "Link 330 CLOSED IF Node 1 BELOW 17.1"


def _net3(tmp_path: Path, old: str | re.Pattern, new: str) -> Path:
    """Net3 with the first `old` (text or pattern) replaced by `new`."""
    text = old.sub(new, NET3, count=1) if isinstance(old, re.Pattern) else NET3.replace(old, new, 1)
    assert text != NET3
    path = tmp_path / "net3-damaged.inp"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (PIPE_20, " 20 3 20 99",  # WNTR: "list index out of range"
         "line 117: [PIPES] pipe '20' has 3 value(s) after the id; EPANET 2.2 needs Node1 "
         "Node2 Length Diameter Roughness (EPANET error 201)"),
        (re.compile(r"(?m)^ 330 [^\n]*\n"), "",  # WNTR: "'330'"
         f"line 311: [CONTROLS] control '{CONTROL_330}': link '330' is not a defined link "
         "(EPANET error 204)"),
        ("HEAD 1\t;", "HEAD NOCURVE\t;",  # WNTR: "'NOCURVE'"
         "line 237: [PUMPS] pump '10': HEAD 'NOCURVE' is not a defined curve of [CURVES] "
         "(EPANET error 206)"),
        (re.compile(r"(?m)^( 1 +\t131\.9) [^\n]*"), r"\1",  # WNTR: "(Error 200)"
         "line 111: [TANKS] tank '1' has 1 value(s) after the id; EPANET 2.2 needs Elevation "
         "InitLevel MinLevel MaxLevel Diameter (EPANET error 201)"),
        (re.compile(r"(?m)^( 15 +\t32 +\t1 +\t)3 "), r"\g<1>77 ",  # WNTR: accepted silently
         "line 12: [JUNCTIONS] junction '15': Pattern '77' is not a defined pattern of "
         "[PATTERNS] (EPANET error 205)"),
        (re.compile(r"(?m)^( 15 +\t32 +\t)1 "), r"\g<1>abc ",
         "line 12: [JUNCTIONS] junction '15': Demand 'abc' is not a number (EPANET error 202)"),
        ("\t1231        \t", "\tinf        \t",
         "line 120: [PIPES] pipe '60' length 'inf' is not a number"),
        (" 10              \tClosed", " 999 Closed",
         "line 250: [STATUS] link '999' is not defined in the file (EPANET error 204)"),
        ("[TAGS]", "[TAG5]", "line 243: [TAG5] is not a section of EPANET 2.2 files"),
        (" Units              \tGPM", " Units LPH", "[OPTIONS] Units 'LPH' is not one of"),
        (" Duration           \t168:00", " Duration abc",  # left to WNTR: still placed
         "line 349: [TIMES] 'Duration abc': (Error 213) invalid option value 'abc' (WNTR)"),
    ],
)  # fmt: skip
def test_damaged_epanet_files_name_line_section_and_element(tmp_path, old, new, says):
    path = _net3(tmp_path, old, new)
    with pytest.raises(NetworkImportError) as err:
        read_epanet(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: ") and says in msg, msg


def test_a_damaged_epanet_file_is_one_line_from_validate(tmp_path):
    path = _net3(tmp_path, "HEAD 1\t;", "HEAD NOCURVE\t;")
    code, out = _validate(_scenario_with_import(tmp_path, "epanet", path, "water"))
    assert code == 2 and len(out.strip().splitlines()) == 1
    assert f"networks.imports[0].file: {path}: line 237: [PUMPS] pump '10'" in out


def test_epanet_status_in_the_minor_loss_column_is_read_as_epanet_reads_it(tmp_path):
    path = _net3(tmp_path, re.compile(r"(?m)^( 330 [^\n]*\t140 +\t)0 +\t(Closed)"), r"\1\2")
    layer = read_epanet(path)  # WNTR alone: "could not convert string to float: 'Closed'"
    (k,) = np.flatnonzero(layer.nodes["epanet_id"] == "60")
    (j,) = np.flatnonzero(layer.nodes["epanet_id"] == "601")
    pipe = np.flatnonzero((layer.edges["u"] == k) & (layer.edges["v"] == j))
    assert layer.edges["normally_open"][pipe].all()  # Closed, as in the shipped file


def test_epanet_coordinates_epanet_ignores_are_ignored_with_a_warning(tmp_path):
    path = _net3(tmp_path, "[COORDINATES]\n", "[COORDINATES]\n 10 abc def\n 999 1 2\n 15\n")
    with pytest.warns(NetworkImportWarning, match=r"\[COORDINATES\] line\(s\) 383, 384, 385 are"):
        layer = read_epanet(path)
    assert np.isfinite(layer.nodes["x_m"]).all()


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "[OPTIONS]",
            "[END]\n[OPTIONS]",  # EPANET and WNTR stop at [END]: no Units read
            "[OPTIONS] has no Units",
        ),
        (
            "Link 10 OPEN AT TIME 1\n",
            "nan\n",
            "line 293: [CONTROLS] control 'nan' is not 'LINK id setting AT TIME t'",
        ),
        ("[TITLE]", "junk\n[TITLE]", "line 1: 'junk' comes before the first [SECTION] header"),
        ("[EMITTERS]", "[EMITTERS", "line 323: '[EMITTERS' lacks its closing ]"),
    ],
)
def test_epanet_structure_is_read_as_epanet_reads_it(tmp_path, old, new, says):
    path = _net3(tmp_path, old, new)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        try:
            read_epanet(path)
        except NetworkImportError as exc:
            msg = str(exc)
        else:
            msg = " ".join(str(w.message) for w in got)
    assert says in msg, msg


def test_an_xml_declaration_naming_an_unknown_encoding_is_not_a_traceback(tmp_path):
    path = tmp_path / "roads.osm"
    text = OSM_NODES.format(node2='lat="31.235" lon="121.475"')
    path.write_text(text.replace('encoding="UTF-8"', 'encoding="abc"'), encoding="utf-8")
    assert read_osm(path).n_nodes == 3  # decoded as UTF-8 already: the declaration is moot


def test_a_damaged_table_inside_a_pandapower_file_is_named(tmp_path, simple_net):
    doc = copy.deepcopy(simple_net)
    doc["_object"]["line"]["_object"] = doc["_object"]["line"]["_object"][:-2]
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(NetworkImportError, match=r"table 'line' \(its JSON text\): line 1"):
        read_pandapower(path)  # pandas said "Unexpected character found when decoding"
    doc = _damaged(simple_net, "line", lambda f: f["data"].pop())
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(NetworkImportError, match=r"table 'line' has \d+ index entries but"):
        read_pandapower(path)


# ------------------------------------------------------------------------------ text readers
def test_a_cma_best_track_in_gbk_is_refused_not_decoded_by_a_guess(tmp_path):
    data = (ROOT / "tests" / "data" / "CH2019BST_lekima_excerpt.txt").read_bytes()
    path = tmp_path / "CH2019BST.txt"
    path.write_bytes(data.replace(b"Lekima", "利奇马".encode("gbk")))
    code, out = _validate(
        ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml",
        "-p", f"hazard.typhoon.track_file={path}",
        "-p", "hazard.typhoon.track_format=cma_bst",
        "-p", "hazard.typhoon.storm='1909'",
    )  # fmt: skip
    assert code == 2 and f"hazard.typhoon.track_file: unusable track: {path}: not UTF-8" in out
    assert "Chinese text in GBK/GB18030" in out


@pytest.mark.parametrize(
    ("name", "old", "new", "says"),
    [
        ("districts.csv", "Riverside,河畔区,990002,210000", "Riverside,河畔区,990002,many",
         "line 3: population_2020 is 'many'; expected a number > 0"),
        ("districts.csv", "Riverside,河畔区", "Old Harbour,河畔区",
         "line 3: name_en 'Old Harbour' repeats line 2"),
        ("links.csv", "Riverside,Northgate,land", "Riverside,Riverside,land",
         "line 5: Riverside is linked to itself"),
        ("links.csv", "Old Harbour,Westhill,land", "Old Harbour,Northgate,land",
         "line 4: Old Harbour - Northgate is listed again (line 3)"),
        ("links.csv", "Riverside,Saltmarsh,land", "Riverside,Saltmarsch,land",
         "line 6: name_en_b 'Saltmarsch' is not a district"),
        ("links.csv", "Riverside,Saltmarsh,land", "Riverside,Saltmarsh,road",
         "line 6: link_type 'road'; expected one of"),
        ("exposure_totals.csv", '400,"fictional (example city, make_city.py)"', "400,",
         "line 2: glass_curtain_wall_buildings has no source"),
    ],
)  # fmt: skip
def test_city_table_problems_name_the_line(city, name, old, new, says):
    path = city / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, out = _validate(EXAMPLE, "-p", f"city.data_dir={city}")
    assert code == 2 and f"{path}: {says}" in out, out
