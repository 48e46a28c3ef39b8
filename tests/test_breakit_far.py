"""Break-it findings (issue 16): a storm that never comes near the city, and a district GeoJSON
with lon and lat swapped. A far storm is legal (warned once, naming the track file, by
``validate`` and ``run``); an impossible position is refused naming the GeoJSON file and the
district. On the example city (about a second a run)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.city import load_city
from sim.city.errors import CityDataError
from sim.hazards.approach import out_of_reach
from sim.hazards.track import read_track_csv
from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
SWAP_HINT = "lon and lat may be swapped (GeoJSON is [lon, lat], RFC 7946 §3.1.1)"


@pytest.fixture
def city(tmp_path) -> Path:
    """A copy of the example city's data folder (track included), to damage."""
    folder = tmp_path / "city"
    shutil.copytree(ROOT / "scenarios" / "data" / "example-city", folder)
    return folder


def _cli(command: str, city: Path, *extra: str):
    """``citysafe COMMAND`` of the example scenario on the copied city folder and track."""
    args = [command, str(EXAMPLE), "-p", f"city.data_dir={city}"]
    args += ["-p", f"hazard.typhoon.track_file={city / 'typhoon_track.csv'}", *extra]
    res = CliRunner().invoke(app, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _negate_lons(path: Path) -> None:
    """Every longitude's sign slipped (122.75 -> -122.75)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["lon"] = str(-float(row["lon"]))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _edit_geojson(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc["features"][0]["geometry"])
    path.write_text(json.dumps(doc), encoding="utf-8")


def _swap(geometry: dict) -> None:
    geometry["coordinates"] = [
        [[lat, lon] for lon, lat in ring] for ring in geometry["coordinates"]
    ]


def test_a_track_with_west_longitudes_is_warned_of_by_validate(city):
    """The storm passed 12,101 km away: validate said OK, run gave 0 incidents, no word."""
    track = city / "typhoon_track.csv"
    _negate_lons(track)
    res = _cli("validate", city)
    assert res.exit_code == 0, res.output
    assert res.output.count("warning: ") == 1, res.output
    assert f"warning: {track}: the storm never comes within 800 km" in res.output
    assert f"{city / 'city.yaml'}): closest 12101 km" in res.output
    assert "signs flipped it would pass" in res.output


def test_a_track_with_west_longitudes_is_warned_of_once_by_run(city, tmp_path):
    _negate_lons(city / "typhoon_track.csv")
    res = _cli("run", city, "--out", str(tmp_path / "out"), "-q", "--no-figures")
    assert res.exit_code == 0, res.output
    assert res.output.count("never comes within 800 km") == 1, res.output
    assert "Traceback" not in res.output


def test_the_example_track_is_not_warned_of(city):
    res = _cli("validate", city)
    assert res.exit_code == 0, res.output
    assert "never comes within" not in res.output


def test_storm_new_and_validate_share_the_closest_approach_check(city):
    """One check: the sentence storm new refuses by is the one validate warns with."""
    track_path = city / "typhoon_track.csv"
    _negate_lons(track_path)
    ref = load_city(city).profile.reference_point
    _, far = out_of_reach(read_track_csv(track_path, agency="EXAMPLE"), ref.lon, ref.lat, "here")
    assert far is not None and far.startswith("the storm never comes within 800 km")
    res = CliRunner().invoke(
        app,
        [
            "storm",
            "new",
            "--track",
            str(track_path),
            "--city",
            str(city),
            "--out",
            str(city.parent / "x.yaml"),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "closest 12101 km" in res.output and "signs flipped" in res.output


@pytest.mark.parametrize("command", ["validate", "run"])
def test_swapped_lon_lat_in_the_geojson_is_refused_naming_file_and_district(
    city, tmp_path, command
):
    """It was blamed on city.yaml's CRS ("distorts lengths by inf%")."""
    _edit_geojson(city / "districts.geojson", _swap)
    extra = ("--out", str(tmp_path / "out"), "-q", "--no-figures") if command == "run" else ()
    res = _cli(command, city, *extra)
    assert res.exit_code == 2, res.output
    assert f"{city / 'districts.geojson'}: Old Harbour: position 0" in res.output
    assert "has latitude 117.942, expected degrees in [-90, 90]" in res.output
    assert SWAP_HINT in res.output
    assert "distorts" not in res.output and "Traceback" not in res.output


def test_a_longitude_beyond_180_is_refused_without_the_swap_hint(city):
    def far_east(geometry):
        geometry["coordinates"][0][0][0] += 360.0  # a 0-360 longitude
        geometry["coordinates"][0][-1][0] += 360.0  # the ring stays closed

    _edit_geojson(city / "districts.geojson", far_east)
    with pytest.raises(CityDataError) as err:
        load_city(city)
    assert "Old Harbour: position 0" in str(err.value)
    assert "has longitude 477.942, expected degrees in [-180, 180]" in str(err.value)
    assert "may be swapped" not in str(err.value)
