"""Hazard and city data files from the wild (issue 16, break-it findings): each damage is
refused by ``validate`` naming the file, the line or field and what was expected, or warned
of once naming the file; ``run`` never traces back. One test per finding, on the example city
(about a second a run) wherever it shows the damage."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from sim.city.errors import CityDataError
from sim.hazards.errors import HazardDataError, TrackFormatError
from sim.hazards.surge_data import read_defences, tide_parameters
from sim.hazards.track import read_cma_bst, read_track_csv, read_wind_radii_csv
from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
LEKIMA_DATA = ROOT / "scenarios" / "data" / "lekima-2019"
BST = Path(__file__).parent / "data" / "CH2019BST_lekima_excerpt.txt"


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


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------------------- track files

TRACK_ROW_5 = "2030-08-01T18:00:00Z,19.35,120.45,979,30,"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (",19.35,120.45,979,30,", "typhoon_track.csv:5: time_utc is blank"),
        ("01/08/2030 18:00,19.35,120.45,979,30,",
         "typhoon_track.csv:5: time_utc '01/08/2030 18:00' is not an ISO 8601 time"),
        ("2030-08-01T12:00:00Z,19.35,120.45,979,30,",
         "time 2030-08-01T12:00:00 is listed twice (lines 4 and 5)"),
        ("2030-08-01T18:00:00Z,19.35,120.45,979,1e6,",
         "typhoon_track.csv:5: wind_ms = 1000000.0: expected a number in [0, 100]"),
        ("2030-08-01T18:00:00Z,19.35,120.45,1080,30,",
         "typhoon_track.csv:5: pressure_hpa = 1080.0: expected a number in [850, 1050]"),
        ("2030-08-01T18:00:00Z,19.35,120.45,979,fast,",
         "typhoon_track.csv:5: wind_ms = 'fast' is not a number"),
    ],
)  # fmt: skip
def test_a_damaged_track_row_is_refused_by_its_line(city, new, message):
    """A blank time dropped the whole storm (0 incidents, exit 0); 1e6 m/s was accepted."""
    _edit(city / "typhoon_track.csv", TRACK_ROW_5, new)
    res = _cli("validate", city)
    assert res.exit_code == 2, res.output
    assert "hazard.typhoon.track_file: unusable track" in res.output
    assert message in res.output, res.output


def test_a_track_that_ends_inside_the_window_is_warned_of_once(city):
    """The storm vanished silently 12 h before the window's end."""
    path = city / "typhoon_track.csv"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:10]))
    res = _cli("validate", city)
    assert res.exit_code == 0, res.output
    assert res.output.count("warning: ") == 1
    assert f"warning: {path}: the track" in res.output
    assert "does not cover the last 12 h (hours 24-36" in res.output


def test_a_track_that_starts_inside_the_window_is_warned_of(city):
    path = city / "typhoon_track.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([lines[0], *lines[7:]]))  # from 2030-08-02T12Z
    res = _cli("validate", city)
    assert res.exit_code == 0, res.output
    assert "does not cover the first 12 h (hours 0-12: the storm appears" in res.output


def test_a_mistyped_position_is_warned_of_by_its_lines(city):
    """120.45 E typed as 12.45 E: the storm jumped 11,000 km and back, silently."""
    _edit(city / "typhoon_track.csv", TRACK_ROW_5, "2030-08-01T18:00:00Z,19.35,12.45,979,30,")
    res = _cli("validate", city)
    assert res.exit_code == 0, res.output
    assert "typhoon_track.csv: lines 4 and 5: the storm moves 11,175 km in 6 h (517 m/s)" in (
        res.output
    )


@pytest.mark.parametrize(
    ("r30", "r50", "message"),
    [
        ("2500", "10", "r30kt_mean_km = 2500: expected a radius in km from 0 to 1500"),
        ("10", "25", "the 50-kt radius 25 km exceeds the 30-kt radius 10 km"),
        ("25", "-3", "r50kt_mean_km = -3: expected a radius"),
    ],
)
def test_wind_radii_are_bounded_by_the_largest_storm_observed(tmp_path, r30, r50, message):
    lines = (LEKIMA_DATA / "lekima_jma_wind_radii.csv").read_text(encoding="utf-8").splitlines()
    head, cells = lines[0].split(","), lines[1].split(",")
    cells[head.index("r30kt_mean_km")], cells[head.index("r50kt_mean_km")] = r30, r50
    path = tmp_path / "radii.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(TrackFormatError, match="radii.csv:2: ") as info:
        read_wind_radii_csv(path)
    assert message in str(info.value)


def test_track_csv_radii_columns_are_bounded(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "time_utc,lat,lon,pressure_hpa,wind_ms,agency,r30kt_km,r50kt_km\n"
        "2030-08-01T00:00:00Z,20,120,960,40,CMA,300,100\n"
        "2030-08-01T06:00:00Z,21,120,960,40,CMA,3000,100\n"
    )
    with pytest.raises(TrackFormatError, match=r"t\.csv:3: r30kt_km = 3000: "):
        read_track_csv(path, "CMA")


def _bst(tmp_path: Path, records: list[str]) -> Path:
    header = f"66666 9901 {len(records):4d} 0001 9901 0 6 TESTA{'00000000':>35s}"
    path = tmp_path / "CH2099BST.txt"
    path.write_text("\n".join([header, *records]) + "\n")
    return path


@pytest.mark.parametrize(
    ("records", "line", "message"),
    [
        (["2099080106 1 150 1300 1000 15", "2099080100 1 150 1300 1000 15"], 3,
         "time 2099-08-01T00:00:00 comes before 2099-08-01T06:00:00 of line 2"),
        (["2099080100 1 150 1300 1000 15", "2099080100 1 151 1300 1000 15"], 3,
         "listed twice (lines 2 and 3)"),
        (["2099080100 1 150 1300 1000 15", "2099080106 1 150 1300 1000 500"], 3,
         "wind_ms = 500: expected a number in [0, 100]"),
        (["2099080100 1 150 1300 0 15", "2099080106 1 150 1300 1000 15"], 2,
         "pressure_hpa = 0: expected a number in [850, 1050]"),
    ],
)  # fmt: skip
def test_cma_best_track_times_and_values_are_checked_by_line(tmp_path, records, line, message):
    """ "Track strictly increasing" named neither the file nor the line."""
    path = _bst(tmp_path, records)
    with pytest.raises(TrackFormatError) as info:
        read_cma_bst(path, 9901)
    assert info.value.line_no == line and info.value.file == str(path)
    assert message in str(info.value)


def test_the_shipped_tracks_still_read():
    assert len(read_cma_bst(BST, "LEKIMA")) == 31
    assert len(read_track_csv(LEKIMA_DATA / "lekima_track.csv", "JMA")) == 23


# ---------------------------------------------------------------------------- storm surge

SHANGHAI = ROOT / "scenarios" / "data" / "shanghai"
SURGE = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"


@pytest.fixture
def surge_files(tmp_path) -> Path:
    """Copies of Shanghai's seawall and tide tables, to damage."""
    for name in ("seawall.csv", "tide_levels.csv"):
        shutil.copy(SHANGHAI / name, tmp_path / name)
    return tmp_path


def _tide(folder: Path, high_water_m=None, range_m=None):
    """(high water, range) as the run resolves them from ``folder``'s tide file."""
    cfg = SimpleNamespace(
        tide_file=folder / "tide_levels.csv",
        tide=SimpleNamespace(high_water_m=high_water_m, range_m=range_m),
    )
    return tide_parameters(cfg)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("spring_high_water_m,3.64", "spring_high_water_m,",
         "line 2: value_m is blank: expected a number in [-30, 30]"),
        ("Wusongkou,alert_level_m", "Wusongkou,spring_range_m",
         "line 4: station 'Wusongkou', quantity 'spring_range_m' is listed twice (lines 3 and 4)"),
        ("spring_range_m,3.0", "spring_range_m,-3.0",
         "line 3: spring_range_m -3 m: a range is >= 0"),
        ("spring_range_m,3.0", "spring_range_m,3 m", "line 3: value_m is '3 m': expected a number"),
        ("Wusongkou,spring_range_m", "Wusongkuo,spring_range_m",
         "has no spring_range_m (line 3 gives it for station 'Wusongkuo', named like the "
         "reference gauge 'Wusongkou': one of them misspelt?)"),
        ("Wusongkou,spring_range_m", "Wusongkou,spring_range",
         "has no spring_range_m (line 3 has quantity 'spring_range': did you mean "
         "'spring_range_m'?)"),
        ("station,quantity,value_m", "station,qty,value_m",
         "need columns ['station', 'quantity', 'value_m']"),
    ],
)  # fmt: skip
def test_a_damaged_tide_table_is_refused_by_its_line(surge_files, old, new, message):
    """A blank value zeroed the surge, a repeated one silently replaced the first; a misspelt
    station or quantity passed validate and made run trace back (HazardDataError)."""
    _edit(surge_files / "tide_levels.csv", old, new)
    with pytest.raises(HazardDataError) as info:
        _tide(surge_files)
    assert str(info.value).startswith(str(surge_files / "tide_levels.csv"))
    assert message in str(info.value)


def test_the_scenario_s_own_tide_needs_no_row(surge_files):
    _edit(surge_files / "tide_levels.csv", "Wusongkou,spring_range_m", "Wusongkuo,spring_range_m")
    assert _tide(surge_files, range_m=2.5) == (3.64, 2.5)
    assert _tide(SHANGHAI) == (3.64, 3.0)


SEAWALL_ROW = "huangpu_bund,floodwall,Huangpu,121.490,31.246,121.500,31.212,5.86,3.5,-0.41,"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("huangpu_bund,floodwall,Huangpu,121.490,31.246,121.500,31.212,-5.86,3.5,-0.41,",
         "line 4: crest_m is -5.86: expected a number in [0, 30]"),
        ("huangpu_bund,floodwall,Huangpu,121.490,31.246,121.500,31.212,5.86,6.0,-0.41,",
         "line 4: ground_m 6 is not below crest_m 5.86 of segment 'huangpu_bund'"),
        ("huangpu_bund,floodwall,Huangpu,121.490,31.246,121.500,31.212,5.86,,-0.41,",
         "line 4: ground_m is blank"),
        ("huangpu_lujiazui,floodwall,Huangpu,121.490,31.246,121.500,31.212,5.86,3.5,-0.41,",
         "line 5: segment 'huangpu_lujiazui' is listed twice (lines 4 and 5)"),
        ("huangpu_bund,floodwall,Huangpoo,121.490,31.246,121.500,31.212,5.86,3.5,-0.41,",
         "line 4: unknown district 'Huangpoo' of the city; did you mean 'Huangpu'?"),
        ("huangpu_bund,floodwall,Huangpu,121.490,131.246,121.500,31.212,5.86,3.5,-0.41,",
         "line 4: lat1 is 131.246: expected a number in [-90, 90]"),
    ],
)  # fmt: skip
def test_a_damaged_seawall_row_is_refused_by_its_line(surge_files, new, message):
    """A negative crest, ground above the crest, a district the city lacks were accepted."""
    _edit(surge_files / "seawall.csv", SEAWALL_ROW, new)
    with pytest.raises(HazardDataError) as info:
        read_defences(surge_files / "seawall.csv", SHANGHAI_DISTRICTS)
    assert message in str(info.value)


SHANGHAI_DISTRICTS = [
    line.split(",")[0]
    for line in (SHANGHAI / "districts.csv").read_text(encoding="utf-8").splitlines()[1:]
]


def test_validate_refuses_what_the_surge_run_traced_back_on(surge_files):
    """Validate resolves the tide as the run does (the run traced back on a misspelt
    reference station) and checks the seawalls' districts against the city."""
    _edit(surge_files / "tide_levels.csv", "Wusongkou,spring_range_m", "Wusongkuo,spring_range_m")
    _edit(surge_files / "seawall.csv", "floodwall,Baoshan", "floodwall,Baoshn")
    res = CliRunner().invoke(
        app,
        ["validate", str(SURGE),
         "-p", f"hazard.storm_surge.defences_file={surge_files / 'seawall.csv'}",
         "-p", f"hazard.storm_surge.tide_file={surge_files / 'tide_levels.csv'}"],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "hazard.storm_surge.tide_file: unusable: " in res.output
    assert "has no spring_range_m (line 3 gives it for station 'Wusongkuo'" in res.output
    assert "hazard.storm_surge.defences_file: unusable: " in res.output
    assert "line 2: unknown district 'Baoshn' of the city; did you mean 'Baoshan'?" in res.output


# ---------------------------------------------------------------------------- city data


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("links.csv", "Northgate,land,6.546", "Northgate,land,about 6",
         "links.csv: line 3: shared_border_km = 'about 6': expected a length in km above 0, "
         "or an empty cell when it is not known"),
        ("links.csv", "Northgate,land,6.546", "Northgate,land,-6.546",
         "links.csv: line 3: shared_border_km = -6.546: expected a length in km above 0"),
        ("links.csv", "Northgate,land,6.546", "Northgate,land,654.6",
         "links.csv: line 3: shared_border_km 654.6 of Old Harbour and Northgate is longer "
         "than the boundary of one of them"),
        ("districts.csv", "旧港区,990001,260000,", "旧港区,990001,inf,",
         "districts.csv: line 2: population_2020 is inf; expected a number > 0, whole, at most "
         "100,000,000"),
        ("districts.csv", "旧港区,990001,260000,", "旧港区,990001,-260000,",
         "districts.csv: line 2: population_2020 is -260000; expected a number > 0"),
        ("districts.csv", "旧港区,990001,260000,", "旧港区,990001,2600.5,",
         "districts.csv: line 2: population_2020 is 2600.5; expected a number > 0, whole"),
        ("city.yaml", "factors: {core: 2.0, new_town: 1.5, outskirts: 0.3}",
         "factors: {core: 0, new_town: 0, outskirts: 0}",
         "city.yaml: exposure_allocation.rules.glass_curtain_wall_buildings (population x zone "
         "factor {core 0, new_town 0, outskirts 0}): cannot split 400 by weights [0. 0. 0. 0. "
         "0.]"),
        ("city.yaml", "factors: {core: 2.0, new_town: 1.5, outskirts: 0.3}",
         "factors: {core: .inf, new_town: 1.5, outskirts: 0.3}",
         "city.yaml: exposure_allocation.rules.glass_curtain_wall_buildings.population_by_zone"
         ".factors.core: Input should be a finite number"),
        ("exposure_totals.csv", "shop_signboards,signboards,12000", ",signboards,12000",
         "exposure_totals.csv: line 3: category is blank"),
        ("exposure_totals.csv", "vessel_crew_persons,persons,300",
         "vessel_crew_persons,persons,3000000",
         "exposure_totals.csv: line 18 (vessel_crew_persons): 3,000,000 persons exceed the "
         "city's 825,000 residents"),
        ("exposure_totals.csv", "shop_signboards,signboards,12000",
         "shop_signboards,signboards,1000000000000",
         "exposure_totals.csv: line 3 (shop_signboards): 1,000,000,000,000 signboards exceed 1 "
         "per resident of the city's 825,000 (districts.csv); no city has as many"),
        ("exposure_totals.csv", "old_housing_m2,m2,3000000", "old_housing_m2,m2,3000000000",
         "exposure_totals.csv: line 5 (old_housing_m2): 3,000,000,000 m2 exceed 1000 per "
         "resident"),
    ],
)  # fmt: skip
def test_a_damaged_city_table_is_refused_by_its_line(city, name, old, new, message):
    """A text or negative border was taken for a blank; an infinite or negative population
    (or a rule without weights) reached the exposure allocation as an error naming no file."""
    _edit(city / name, old, new)
    res = _cli("validate", city)
    assert res.exit_code == 2, res.output
    assert message in res.output, res.output


def test_a_far_utm_zone_is_refused_naming_the_zone_that_fits(city):
    """The example city (118 E) in UTM zone 52N (126-132 E): every length 1.6 % off and
    negative eastings, accepted before."""
    _edit(city / "city.yaml", "crs: EPSG:32650", "crs: EPSG:32652")
    res = _cli("validate", city)
    assert res.exit_code == 2, res.output
    assert "city.yaml: crs EPSG:32652 (WGS 84 / UTM zone 52N) does not fit the city" in res.output
    assert "it distorts lengths by 1.6%, easting -651,385 m" in res.output
    assert "EPSG:32650 (WGS 84 / UTM zone 50N) holds the reference point" in res.output


def test_the_neighbouring_utm_zone_is_warned_of(city):
    _edit(city / "city.yaml", "crs: EPSG:32650", "crs: EPSG:32651")
    res = _cli("validate", city)
    assert res.exit_code == 0, res.output
    assert res.output.count("warning: ") == 1
    assert "city.yaml: the reference point (118.0, 22.4) lies outside the area of use of crs " in (
        res.output
    )


def test_warning_criteria_with_an_unknown_measure_are_refused_by_validate(city):
    """The warning centre refused it only when the run built it: a traceback."""
    text = (SHANGHAI / "warning_criteria.yaml").read_text(encoding="utf-8")
    assert "{im: gust_ms, stat: peak" in text
    (city / "warning_criteria.yaml").write_text(
        text.replace("{im: gust_ms, stat: peak", "{im: gust_m, stat: peak", 1), encoding="utf-8"
    )
    res = _cli("validate", city)
    assert res.exit_code == 2, res.output
    assert "city.data_dir: unusable warning criteria: " in res.output
    assert "warning_criteria.yaml: hazards.typhoon.levels.blue: unknown intensity measure " in (
        res.output
    )


# ---------------------------------------------------------------------------- scripted events


def test_events_outside_the_window_are_warned_of_by_index_and_time(tmp_path):
    """An event after the window's end vanished silently and one before its start was
    applied at hour 0 unsaid. Warned, not refused: a window narrowed by extends: or -p keeps
    its parent's events. Scripted warnings are the level history (those before the start set
    the level in force at it): not warned of."""
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {EXAMPLE}\n"
        "events:\n"
        "  - {type: warning, at_utc: 2030-08-01T21:00:00Z, hazard: typhoon, level: yellow}\n"
        "  - {type: pipe_burst, at_utc: 2030-08-01T22:00:00Z, district: Riverside}\n"
        "  - {type: warning, at_h: 9, hazard: typhoon, level: orange}\n"
        "  - {type: road_collapse, at_h: 40, district: Riverside}\n"
        "  - {type: warning, at_h: 40, hazard: typhoon, level: none}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["validate", str(child)])
    assert res.exit_code == 0, res.output
    assert res.output.count("warning: ") == 1
    assert (
        f"warning: {child}: scripted events outside the simulated window (0 to 36 h from "
        "2030-08-02T00:00Z): events[1] (pipe_burst at -2 h) come before the start and apply at "
        "hour 0; events[3] (road_collapse at 40 h) come at or after the end and never happen"
    ) in res.output


def test_the_shipped_scenarios_have_no_event_outside_their_window():
    import warnings

    from sim.models.data_check import _warn_events_outside
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import Scenario

    for path in sorted((ROOT / "scenarios").glob("*/*.yaml")):
        scen = load_scenario(path)
        if isinstance(scen, Scenario):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                _warn_events_outside(scen, str(path))


# ---------------------------------------------------------------------------- every table


def test_a_row_cut_short_is_refused_by_its_line(city):
    """A truncated emergency_resources.csv (the last row cut mid-line) or a row with missing
    cells: pandas filled the missing cells with NaN, and the last number read may be cut
    short itself (4 of 40 vehicles at the reserve); such a file was accepted."""
    path = city / "emergency_resources.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex(",fictional")], encoding="utf-8")  # ...,0,10,4
    res = _cli("validate", city)
    assert res.exit_code == 2
    assert f"{path}: line 27: 6 cell(s), the header has 7" in res.output, res.output


# ---------------------------------------------------------------------------- run's backstop


def test_run_reports_a_data_error_it_meets_in_one_line(city, tmp_path, monkeypatch):
    """Any input error the run meets (here a track validate was told to skip) ends the run
    with the file's message and exit 2, not a traceback: every reader's error derives from
    InputDataError, which the run's error path catches."""
    import sim.interfaces.cli.common as common

    monkeypatch.setattr(common, "check_data", lambda scen, source: [])
    _edit(city / "typhoon_track.csv", TRACK_ROW_5, ",19.35,120.45,979,30,")
    res = _cli("run", city, "-q", "--no-figures", "--out", str(tmp_path / "run"))
    assert res.exit_code == 2, res.output
    assert "typhoon_track.csv:5: time_utc is blank" in res.output
    assert "run was not created" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize(
    "exc",
    [
        CityDataError("a.csv", "line 3: bad"),
        TrackFormatError("t.csv", 4, "bad"),
        HazardDataError("tide.csv: line 2: bad"),
    ],
)
def test_input_errors_survive_a_worker_process(exc):
    """Sweeps run in worker processes: their errors come back pickled, whatever arguments
    the error's constructor takes."""
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc)
    assert back.__dict__ == exc.__dict__
