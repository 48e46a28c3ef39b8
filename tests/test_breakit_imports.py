"""Break-it findings of issue 16 on network importers and input messages: every damaged
input is a clear message naming the file and the line, element or field (exit 2 from the
CLI), never a traceback, never a guess that garbles the text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.core.text_input import InputFileError, decode_text, parse_json, read_csv_table
from sim.interfaces.cli.main import app

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
    with pytest.raises(InputFileError, match=r"^net\.json: JSON nested deeper"):
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
