"""Inputs the input fuzz (tests/test_fuzz_inputs.py) and a fresh-clone break-it session found
that ``validate`` traced back on, or accepted and ``run`` then traced back on; each is now
refused with the file and what was expected. One test per finding, on the smallest damage
that showed it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.hazards.errors import TrackFormatError
from sim.hazards.track import read_wind_radii_csv
from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
RADII = ROOT / "scenarios" / "data" / "lekima-2019" / "lekima_jma_wind_radii.csv"


@pytest.fixture
def city(tmp_path) -> Path:
    folder = tmp_path / "city"
    shutil.copytree(ROOT / "scenarios" / "data" / "example-city", folder)
    return folder


def _validate(city: Path):
    res = CliRunner().invoke(app, ["validate", str(EXAMPLE), "-p", f"city.data_dir={city}"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_network_statistic_missing_from_city_yaml(city):
    """``networks.statistics_population`` deleted: the generator needs every statistic."""
    _edit(city / "city.yaml", "  statistics_population: {value: 825000", "  x: {value: 825000")
    res = _validate(city)
    assert res.exit_code == 2
    assert "city.data_dir: unusable network statistics" in res.output
    assert "missing ['statistics_population']" in res.output


def test_a_resource_quantity_too_large_to_count(city):
    """1e308 squads per 100,000 residents is finite but overflows the depots' counts."""
    row = "fire_rescue,team,fire_station,"
    _edit(city / "emergency_resources.csv", row + "0,", row + "1e308,")
    res = _validate(city)
    assert res.exit_code == 2
    assert "line 2 (fire_rescue): per_100k_persons must be a number from 0 to 1e+09" in res.output


def test_a_wind_radii_time_listed_twice(tmp_path):
    """A repeated time cannot be interpolated (the track built from the radii refuses it)."""
    lines = RADII.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "radii.csv"
    path.write_text("".join([*lines[:3], lines[2], *lines[3:]]), encoding="utf-8")
    with pytest.raises(TrackFormatError, match=r"radii.csv:4: time 2019-08-07T21:00:00 .*twice"):
        read_wind_radii_csv(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("districts.csv", "210000,31.85,core", "210000,31.85,"), "line 3: zone is blank"),
        (("links.csv", "Old Harbour,Riverside,river", "Old Harbour,,river"),
         "name_en_b is blank"),
        (("districts.csv", "210000,31.85,", "210000,3.185e9,"),
         "line 3: area_km2 3.185e+09 of Riverside is not within a factor 4"),
    ],
)  # fmt: skip
def test_blank_names_and_impossible_areas_in_city_tables(city, edit, message):
    """Found by the fresh-clone break-it session: a blank name cell made validate trace back
    (sorting text with NaN); an area a billion times the polygon's made run trace back."""
    name, old, new = edit
    _edit(city / name, old, new)
    res = _validate(city)
    assert res.exit_code == 2 and message in res.output, res.output


def test_a_central_reserve_outside_the_city(city):
    """A reserve site outside every district crashed run (negative district index)."""
    _edit(
        city / "city.yaml",
        "    lon: 117.9807\n    lat: 22.4137",
        "    lon: 117.9807\n    lat: 23.4137",
    )
    res = _validate(city)
    assert res.exit_code == 2
    assert "emergency.central_reserve" in res.output and "outside every district" in res.output
