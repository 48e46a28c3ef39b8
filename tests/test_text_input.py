"""Text and CSV inputs as people have them (sim.core.text_input): BOM, UTF-16, GBK, empty and
ragged tables; any bytes give a table or an InputFileError naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.core.text_input import InputFileError, read_csv_table, read_text
from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
TABLE = "name_en,name_zh,value\nOld Harbour,旧港区,1.5\nRiverside,河畔区,2\n"


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom"])
def test_utf8_with_or_without_bom_and_utf16_give_the_same_table(tmp_path, encoding):
    data = (
        b"\xff\xfe" + TABLE.encode("utf-16-le")
        if encoding == "utf-16-le-bom"
        else TABLE.encode(encoding)
    )
    table = read_csv_table(_write(tmp_path, data))
    assert list(table.columns) == ["name_en", "name_zh", "value"]
    assert table["name_zh"].tolist() == ["旧港区", "河畔区"]
    assert table["value"].tolist() == [1.5, 2.0]


def test_gbk_is_refused_with_the_file_and_how_to_convert_it(tmp_path):
    path = _write(tmp_path, (TABLE * 20).encode("gbk"))
    with pytest.raises(InputFileError, match=r"not UTF-8 text \(byte \d+\).*iconv -f") as err:
        read_csv_table(path)
    assert err.value.file == path and str(path) in str(err.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"a,b\n1,2\n3,4,5,6\n", "line 3: 4 cell\\(s\\), the header has 2"),
        (b"\xff\xfe\x00", "broken UTF-16"),
    ],
)
def test_empty_ragged_and_broken_tables_name_the_file(tmp_path, data, message):
    with pytest.raises(InputFileError, match=message):
        read_csv_table(_write(tmp_path, data))


def test_size_limit_and_folders(tmp_path):
    with pytest.raises(InputFileError, match="at most 10 are accepted"):
        read_text(_write(tmp_path, b"a,b\n" * 10), max_bytes=10)
    with pytest.raises(InputFileError, match="is a folder"):
        read_text(tmp_path, max_bytes=10)
    with pytest.raises(FileNotFoundError):
        read_text(tmp_path / "none.csv", max_bytes=10)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_a_table_or_an_input_file_error(tmp_path, data):
    try:
        table = read_csv_table(_write(tmp_path, data))
    except InputFileError as exc:
        assert exc.file.name == "t.csv"
    else:
        assert isinstance(table, pd.DataFrame)


def test_validate_names_a_gbk_city_table_and_says_how_to_convert_it(tmp_path):
    city = tmp_path / "city"
    shutil.copytree(ROOT / "scenarios/data/example-city", city)
    table = city / "districts.csv"
    table.write_bytes(table.read_text(encoding="utf-8").encode("gbk"))
    scenario = ROOT / "scenarios/example-city/typhoon.yaml"
    res = CliRunner().invoke(app, ["validate", str(scenario), "-p", f"city.data_dir={city}"])
    assert res.exit_code == 2, res.output
    assert f"{table}: not UTF-8 text" in res.output and "iconv" in res.output
