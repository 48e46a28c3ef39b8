"""``citysafe storm new``: a scenario for any storm from a CMA best-track file or a track CSV.

Checks: the window contains the closest approach, found independently here (haversine on the
track interpolated every minute); the window rules (72 h before, 24-48 h after, synoptic start);
the scenario validates and runs, with no scripted warnings and no observed figures; a CMA file
selects by name and by number; every error is exit 2 with one line, never a traceback, for any
text given as a track file (hypothesis).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.city.profile import load_profile
from sim.hazards.approach import track_pass
from sim.hazards.track import Track, format_cma_bst_block, read_track_csv
from sim.interfaces.cli.main import app
from sim.interfaces.storm_scenario import (
    AFTER_MAX_H,
    AFTER_MIN_H,
    LEAD_H,
    forecast_warnings_block,
    storm_window,
)
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
LEKIMA_CSV = ROOT / "scenarios/data/lekima-2019/lekima_track.csv"
CITY = ROOT / "scenarios/data/shanghai"
TYPHOONS = ROOT / "scenarios/data/typhoons"
EARTH_KM = 6371.0088  # mean Earth radius (IUGG), for the independent haversine check
HOUR = np.timedelta64(3600, "s")

runner = CliRunner()


def _new(*args: str):
    return runner.invoke(app, ["storm", "new", *args])


def _haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * np.arcsin(np.sqrt(a))


def _closest_by_haversine(track: Track, lon: float, lat: float) -> tuple[np.datetime64, float]:
    """Closest approach on the track interpolated every minute (independent of the module)."""
    times = np.arange(track.start_utc, track.end_utc, np.timedelta64(60, "s"))
    tr = track.interpolate(times)
    d = _haversine_km(lat, lon, tr.lat_deg, tr.lon_deg)
    k = int(np.argmin(d))
    return times[k], float(d[k])


def _window(path: Path) -> tuple[np.datetime64, np.datetime64, dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    start = np.datetime64(data["time"]["start_utc"].rstrip("Z"), "s")
    return start, start + int(data["time"]["duration_h"]) * HOUR, data


def _one_clear_line(res, *fragments: str) -> None:
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert isinstance(res.exception, SystemExit), res.exception  # not a crash
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# --- the CSV track: window, validation, run ----------------------------------------------------


@pytest.fixture(scope="module")
def lekima_scenario(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("storm") / "scen" / "lekima.yaml"
    res = _new("--track", str(LEKIMA_CSV), "--agency", "CMA", "--out", str(out))
    assert res.exit_code == 0, res.output
    return out


def test_csv_window_contains_lekimas_closest_approach(lekima_scenario):
    ref = load_profile(CITY).reference_point
    track = read_track_csv(LEKIMA_CSV, "CMA")
    t_ca, d_ca = _closest_by_haversine(track, ref.lon, ref.lat)
    # Lekima passed west of Shanghai over Lake Tai (CMA 10 Aug 15Z at 31.2 N 120.3 E):
    # about 110 km from the reference point (121.5 E, 31.2 N) in the afternoon of 10 Aug UTC.
    assert 80 < d_ca < 140
    assert np.datetime64("2019-08-10T12:00") <= t_ca <= np.datetime64("2019-08-10T21:00")
    start, end, data = _window(lekima_scenario)
    assert start <= t_ca <= end
    assert start >= max(track.start_utc - 6 * HOUR, t_ca - int(LEAD_H) * HOUR - 6 * HOUR)
    assert AFTER_MIN_H * HOUR <= end - t_ca <= (AFTER_MAX_H + 1) * HOUR
    assert int(start.astype(np.int64)) % (6 * 3600) == 0  # a synoptic time
    # the module's closest approach agrees with the haversine one (10-min sampling, WGS84)
    p = track_pass(track, ref.lon, ref.lat, 800.0)
    assert abs(p.closest_utc - t_ca) <= np.timedelta64(15 * 60, "s")
    assert p.closest_km == pytest.approx(d_ca, rel=0.01)


def test_csv_scenario_has_no_scripted_warnings_and_no_observed_figures(lekima_scenario):
    _, _, data = _window(lekima_scenario)
    assert "events" not in data and "observed" not in data
    typhoon = data["hazard"]["typhoon"]
    assert set(typhoon) == {"track_file", "track_format", "agency"}  # no calibration factor
    assert (typhoon["track_format"], typhoon["agency"]) == ("csv", "CMA")
    # paths are relative to the output file and point at the inputs
    base = lekima_scenario.parent
    assert (base / data["hazard"]["typhoon"]["track_file"]).resolve() == LEKIMA_CSV
    assert (base / data["city"]["data_dir"]).resolve() == CITY
    # warnings are the model's: forecast mode where the schema has it, else nothing
    assert data.get("warnings") == forecast_warnings_block()
    assert ("warnings" in data) == ("warnings" in Scenario.model_fields)
    scen = load_scenario(lekima_scenario)
    assert scen.events == [] and scen.observed == {}


def test_csv_scenario_validates_and_runs(lekima_scenario, tmp_path):
    res = runner.invoke(app, ["validate", str(lekima_scenario)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "run"
    res = runner.invoke(
        app,
        ["run", str(lekima_scenario), "-p", "networks.resolution=0.1", "-q", "--no-figures"]
        + ["--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 20190810  # the closest approach's UTC date
    assert summary["trees_down"] > 0  # the storm blew over the city
    assert summary["assets"] > 0


# --- a CMA best-track file ---------------------------------------------------------------------

# Two storms as in the format description (scenarios/data/lekima-2019/cma_bst_format.md): a
# header "66666 BBBB CCC DDDD EEEE F G NAME DATE" then records "YYYYMMDDHH I LAT LONG PRES WND".
FAR_DEPRESSION = """\
66666 0000    3 0003 0000 0 6 (nameless)                          20200101
2019080100 1 120 1150 1002     13
2019080106 1 123 1145 1000     15
2019080112 0 126 1140 1000      0
"""


def _cma_file(tmp_path: Path) -> Path:
    lekima = read_track_csv(LEKIMA_CSV, "CMA")
    block = format_cma_bst_block(lekima, 1909, "Lekima", serial=12, chinese_id=1909)
    path = tmp_path / "CH2019BST.txt"
    path.write_text(FAR_DEPRESSION + block, encoding="ascii")
    return path


@pytest.mark.parametrize("storm", ["Lekima", "LEKIMA", "1909"])
def test_cma_file_selects_by_name_and_by_number(tmp_path, lekima_scenario, storm):
    bst = _cma_file(tmp_path)
    out = tmp_path / f"{storm}.yaml"
    res = _new("--track", str(bst), "--storm", storm, "--out", str(out))
    assert res.exit_code == 0, res.output
    start, end, data = _window(out)
    start_csv, end_csv, _ = _window(lekima_scenario)
    # the same records (to 0.1 degree) as the CSV: the same window
    assert (start, end) == (start_csv, end_csv)
    assert data["name"] == "lekima-2019"
    assert data["hazard"]["typhoon"]["track_format"] == "cma_bst"
    assert data["hazard"]["typhoon"]["storm"] == storm
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


def test_cma_file_with_several_storms_needs_storm(tmp_path):
    res = _new("--track", str(_cma_file(tmp_path)), "--out", str(tmp_path / "x.yaml"))
    _one_clear_line(res, "CH2019BST.txt", "--storm", "1909 Lekima", "0000 (nameless)")


# --- errors: exit 2, one line ------------------------------------------------------------------


def test_neither_format(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("Lekima made landfall at Wenling.\n")
    _one_clear_line(_new("--track", str(bad), "--out", str(tmp_path / "x.yaml")), "neither")


def test_storm_not_found_lists_the_storms(tmp_path):
    res = _new("--track", str(_cma_file(tmp_path)), "--storm", "MITAG", "--out", "x.yaml")
    _one_clear_line(res, "MITAG", "1909 Lekima")


def test_track_never_within_reach(tmp_path):
    res = _new("--track", str(_cma_file(tmp_path)), "--storm", "0", "--out", "x.yaml")
    _one_clear_line(res, "never comes within 800 km", "closest")


def test_csv_track_out_of_a_smaller_reach(tmp_path):
    """Lekima came ~110 km from the reference point: a 50 km reach leaves it out."""
    res = _new(
        "--track", str(LEKIMA_CSV), "--agency", "CMA", "--reach-km", "50",
        "--out", str(tmp_path / "x.yaml"),
    )  # fmt: skip
    _one_clear_line(res, "never comes within 50 km", "closest 10")


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    res = _new("--track", str(LEKIMA_CSV), "--agency", "CMA", "--out", str(blocker / "s.yaml"))
    _one_clear_line(res, "cannot write the scenario here")


def test_existing_output_needs_force(tmp_path, lekima_scenario):
    res = _new("--track", str(LEKIMA_CSV), "--agency", "CMA", "--out", str(lekima_scenario))
    _one_clear_line(res, "--force")


def test_agencies(tmp_path):
    out = str(tmp_path / "x.yaml")
    _one_clear_line(_new("--track", str(LEKIMA_CSV), "--out", out), "['CMA', 'JMA']", "--agency")
    _one_clear_line(
        _new("--track", str(LEKIMA_CSV), "--agency", "JTWC", "--out", out), "JTWC", "'CMA'"
    )
    # any agency label is accepted, matched case-insensitively and written as in the file
    track = pd.read_csv(LEKIMA_CSV)
    track = track[track["agency"] == "JMA"].assign(agency="Tokyo RSMC 2019")
    own = tmp_path / "own_track.csv"
    track.to_csv(own, index=False)
    res = _new("--track", str(own), "--agency", "tokyo rsmc 2019", "--out", out)
    assert res.exit_code == 0, res.output
    data = yaml.safe_load(Path(out).read_text())
    assert data["hazard"]["typhoon"]["agency"] == "Tokyo RSMC 2019"
    assert data["name"] == "own-2019"
    # one agency in the file: no --agency needed
    res = _new("--track", str(own), "--out", out, "--force")
    assert res.exit_code == 0, res.output
    # an empty agency cell is refused with its line
    track.iloc[3, track.columns.get_loc("agency")] = ""
    track.to_csv(own, index=False)
    _one_clear_line(_new("--track", str(own), "--out", out, "--force"), ":5:", "agency")


def test_observations_file(tmp_path):
    obs = tmp_path / "obs.yaml"
    obs.write_text("trees_down: {value: 2984, source: 'kankanews 10 Aug 2019'}\n")
    out = tmp_path / "x.yaml"
    res = _new(
        "--track", str(LEKIMA_CSV), "--agency", "CMA", "--observed", str(obs), "--out", str(out)
    )
    assert res.exit_code == 0, res.output
    scen = load_scenario(out)
    assert set(scen.observed) == {"trees_down"} and scen.observed["trees_down"].value == 2984
    obs.write_text("trees_fallen: {value: 3, source: x}\n")
    res = _new(
        "--track", str(LEKIMA_CSV), "--agency", "CMA", "--observed", str(obs),
        "--out", str(out), "--force",
    )  # fmt: skip
    _one_clear_line(res, "obs.yaml", "trees_fallen")


def test_other_storms_of_the_calibration_set(tmp_path):
    """Every 2015-2020 track shipped gives a window around its own closest approach."""
    ref = load_profile(CITY).reference_point
    for path in sorted(TYPHOONS.glob("*_track.csv")):
        agencies = pd.read_csv(path)["agency"].unique()
        agency = "CMA" if "CMA" in agencies else "JMA"
        out = tmp_path / f"{path.stem}.yaml"
        res = _new("--track", str(path), "--agency", agency, "--out", str(out))
        t_ca, d_ca = _closest_by_haversine(read_track_csv(path, agency), ref.lon, ref.lat)
        if d_ca > 800:
            _one_clear_line(res, "never comes within")
            continue
        assert res.exit_code == 0, (path, res.output)
        start, end, data = _window(out)
        assert start <= t_ca <= end, path
        assert data["name"] == path.stem.removesuffix("_track")


# --- the window rules on a synthetic straight track --------------------------------------------


def _northward(start: str, hours: int, lon: float, lat0: float, dlat_per_h: float) -> Track:
    t = np.datetime64(start, "s") + np.arange(0, hours + 1, 6) * HOUR
    lat = lat0 + dlat_per_h * np.arange(0, hours + 1, 6)
    n = t.size
    return Track(t, lat, np.full(n, lon), np.full(n, 960.0), np.full(n, 40.0), name="N")


def test_closest_approach_of_a_straight_northward_track():
    """A storm moving north along 122.5 E passes 121.5 E, 31.2 N closest when at 31.2 N, at
    the distance of one degree of longitude there (~95.3 km on the WGS84 ellipsoid)."""
    tr = _northward("2020-08-01T00:00", 240, 122.5, 21.2, 0.1)  # at 31.2 N after 100 h
    p = track_pass(tr, 121.5, 31.2, 800.0)
    assert p.closest_utc == np.datetime64("2020-08-05T04:00:00")
    assert p.closest_km == pytest.approx(_haversine_km(31.2, 121.5, 31.2, 122.5), rel=0.005)
    start, end = storm_window(tr, p)
    assert start == np.datetime64("2020-08-02T00:00:00")  # 72 h before (04Z), floored to 00Z
    # within 800 km until ~79 h after (7.9 degrees north) -> capped at 48 h
    assert end == p.closest_utc + 48 * HOUR
    fast = _northward("2020-08-01T00:00", 60, 122.5, 11.2, 0.5)  # leaves 800 km in ~15 h
    pf = track_pass(fast, 121.5, 31.2, 800.0)
    assert storm_window(fast, pf)[1] == pf.closest_utc + 24 * HOUR
    late = _northward("2020-08-04T09:00", 60, 122.5, 30.0, 0.1)  # starts 12 h before
    pl = track_pass(late, 121.5, 31.2, 800.0)
    assert storm_window(late, pl)[0] == np.datetime64("2020-08-04T06:00:00")


# --- any text as a track: the clear error, never a traceback ------------------------------------

HEADER = "time_utc,lat,lon,pressure_hpa,wind_ms,agency,source\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.text().map(lambda s: "66666 " + s),
        st.text().map(lambda s: HEADER + s),
        st.lists(st.sampled_from(["66666", "1909", " ", "\n", "2019081012", "31", "1214"])).map(
            "".join
        ),
        st.lists(st.sampled_from(["2019-08-10T00:00:00Z", ",", "31", "CMA", "\n", "x"])).map(
            lambda parts: HEADER + "".join(parts)
        ),
    )
)
def test_any_text_as_a_track_gives_one_clear_line(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "track.txt"
        path.write_text(text, encoding="utf-8")
        res = _new("--track", str(path), "--out", str(Path(tmp) / "s.yaml"))
        if res.exit_code == 0:  # a valid track: only if the text really is one
            assert load_scenario(Path(tmp) / "s.yaml").hazard.typhoon is not None
            return
        _one_clear_line(res, str(path))


def test_observations_from_the_impacts_table(tmp_path):
    """The calibration impacts table (never the held-out one): the rows of the scenario's
    storm whose outcome is a summary key; several sources give value = largest, low..high."""
    table = TYPHOONS / "observed_calibration.csv"
    out = tmp_path / "x.yaml"
    res = _new(
        "--track", str(LEKIMA_CSV), "--agency", "CMA", "--observed", str(table),
        "--out", str(out),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    obs = load_scenario(out).observed
    assert set(obs) == {
        "deaths", "direct_loss_yuan", "people_relocated", "power_line_faults",
        "signboards_fallen", "trees_down", "waterlogged_roads",
    }  # fmt: skip
    pr = obs["people_relocated"]
    assert (pr.value, pr.low, pr.high) == (253000, 149000, 253000)
    assert "ndrcc.org.cn" in pr.source and "kankanews.com" in pr.source
    res = _new(
        "--track", str(LEKIMA_CSV), "--agency", "CMA", "--observed", str(table),
        "--name", "no-such-storm", "--out", str(out), "--force",
    )  # fmt: skip
    _one_clear_line(res, "no-such-storm", "--name")
