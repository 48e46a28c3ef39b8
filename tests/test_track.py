"""Tests for sim.hazards.track: Track, CSV and CMA best-track readers."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hazards.errors import StormNotFoundError, TrackFormatError, TrackTimeError
from sim.hazards.track import (
    Track,
    format_cma_bst_block,
    gb19201_category,
    read_cma_bst,
    read_track_csv,
    to_datetime64,
)

ROOT = Path(__file__).parents[1]
TRACK_CSV = ROOT / "scenarios/data/lekima-2019/lekima_track.csv"
BST = Path(__file__).parent / "data/CH2019BST_lekima_excerpt.txt"


def test_csv_reader_keeps_one_agency_sorted():
    cma = read_track_csv(TRACK_CSV, "CMA")
    jma = read_track_csv(TRACK_CSV, "JMA")
    assert len(cma) == 31 and len(jma) == 23
    assert cma.time_utc[0] == np.datetime64("2019-08-07T18:00:00")
    # CMA row 2019-08-10T15Z: 31.2N 120.3E 980 hPa 23 m/s (facts §1b)
    k = int(np.nonzero(cma.time_utc == np.datetime64("2019-08-10T15:00:00"))[0][0])
    assert (cma.lat_deg[k], cma.lon_deg[k], cma.pressure_hpa[k], cma.vmax_ms[k]) == (
        31.2,
        120.3,
        980.0,
        23.0,
    )
    assert np.all(np.diff(cma.time_utc.astype(np.int64)) > 0)


def test_csv_reader_unknown_agency_lists_agencies():
    with pytest.raises(TrackFormatError, match="CMA"):
        read_track_csv(TRACK_CSV, "JTWC")


def test_csv_reader_missing_column_names_the_file(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("time_utc,lat,lon\n2019-08-10T00:00:00Z,30,120\n")
    with pytest.raises(TrackFormatError, match=r"t\.csv:1: missing column"):
        read_track_csv(bad)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("lat", "", r"lat = nan: expected a number in \[-90, 90\]"),
        ("pressure_hpa", "", r"pressure_hpa = nan: expected a number in \[850, 1050\]"),
        ("pressure_hpa", "0", r"pressure_hpa = 0.0"),
        ("lon", "inf", r"lon = inf"),
    ],
)
def test_a_fix_without_position_or_pressure_names_its_line(tmp_path, column, value, expected):
    """Issue 16: such a row used to pass validate and crash run (a NaN pressure made a
    negative binomial count, a NaN latitude an optimiser's bounds). The CSV line is named;
    a missing wind is allowed (derived from the pressure)."""
    import pandas as pd

    df = pd.read_csv(TRACK_CSV)
    k = int(np.flatnonzero((df["agency"] == "CMA").to_numpy())[9])
    df[column] = df[column].astype(object)
    df.loc[k, column] = value
    bad = tmp_path / "t.csv"
    df.to_csv(bad, index=False)
    with pytest.raises(TrackFormatError, match=rf"t\.csv:{k + 2}: {expected}"):
        read_track_csv(bad, "CMA")
    df = pd.read_csv(TRACK_CSV)
    df.loc[k, "wind_ms"] = np.nan
    df.to_csv(bad, index=False)
    assert np.isnan(read_track_csv(bad, "CMA").vmax_ms).sum() == 1


def test_interpolation_is_linear_in_time_and_exact_at_records():
    tr = read_track_csv(TRACK_CSV, "CMA")
    at_records = tr.interpolate(tr.time_utc)
    np.testing.assert_array_equal(at_records.lat_deg, tr.lat_deg)
    # 10 Aug 13:30Z is halfway between 12Z (30.7N 120.2E) and 15Z (31.2N 120.3E)
    mid = tr.interpolate("2019-08-10T13:30:00Z")
    assert mid.lat_deg[0] == pytest.approx(30.95) and mid.lon_deg[0] == pytest.approx(120.25)
    assert mid.pressure_hpa[0] == pytest.approx(980.0)


def test_interpolation_outside_span_raises():
    tr = read_track_csv(TRACK_CSV, "CMA")
    with pytest.raises(TrackTimeError, match="outside"):
        tr.interpolate(["2019-08-12T00:00", "2019-08-12T03:00"])


def test_to_datetime64_converts_beijing_time_to_utc():
    assert to_datetime64("2019-08-10T08:00:00+08:00") == np.datetime64("2019-08-10T00:00:00")
    arr = to_datetime64(["2019-08-10T00:00:00Z", "2019-08-10T03:00:00Z"])
    assert arr.dtype == np.dtype("datetime64[s]") and arr.size == 2


def test_translation_velocity_of_a_northward_track():
    # 1 deg of latitude (R * pi/180 = 111,194.9 m) in 6 h -> 5.148 m/s northward, 0 eastward
    tr = Track(
        np.array(["2019-01-01T00", "2019-01-01T06", "2019-01-01T12"], dtype="datetime64[s]"),
        [20.0, 21.0, 22.0], [120.0, 120.0, 120.0], [990, 990, 990], [30, 30, 30],
    )  # fmt: skip
    u, v = tr.translation_velocity_ms()
    np.testing.assert_allclose(v, 6_371_000 * np.pi / 180 / 21_600, rtol=1e-9)
    np.testing.assert_allclose(u, 0.0, atol=1e-12)


def test_track_rejects_unsorted_times_and_length_mismatch():
    t = np.array(["2019-01-01T06", "2019-01-01T00"], dtype="datetime64[s]")
    with pytest.raises(ValueError, match="increasing"):
        Track(t, [1, 2], [1, 2], [1, 2], [1, 2])
    with pytest.raises(ValueError, match="lat_deg"):
        Track(t[::-1], [1], [1, 2], [1, 2], [1, 2])


@pytest.mark.parametrize("storm", [1909, "1909", "LEKIMA", "lekima"])
def test_cma_bst_fixture_round_trips_the_csv_track(storm):
    csv = read_track_csv(TRACK_CSV, "CMA")
    bst = read_cma_bst(BST, storm)
    np.testing.assert_array_equal(bst.time_utc, csv.time_utc)
    for field in ("lat_deg", "lon_deg", "pressure_hpa", "vmax_ms"):
        np.testing.assert_array_equal(getattr(bst, field), getattr(csv, field))
    assert bst.name == "Lekima"


def test_cma_bst_unknown_storm_lists_storms():
    with pytest.raises(StormNotFoundError, match="1909 Lekima"):
        read_cma_bst(BST, "KROSA")


def _bst_with(tmp_path, lines):
    p = tmp_path / "CH2099BST.txt"
    p.write_text("\n".join(lines) + "\n")
    return p


HEADER = "66666 9901    2 0001 9901 0 6 TESTA                              00000000"


@pytest.mark.parametrize(
    "records,line,what",
    [
        (["2099080100 1 150 1300 1000 15", "2099080106 1 150 1300"], 3, "6 or 7 fields"),
        (["2099080100 1 150 1300 1000 15", "209908010X 1 150 1300 1000 15"], 3, "YYYYMMDDHH"),
        (["2099080100 7 150 1300 1000 15", "2099080106 1 150 1300 1000 15"], 2, "category 7"),
        (["2099080100 1 150 1300 1000 15"], 1, "announces 2 records, found 1"),
        (["2099080100 1 150 1300 1000 1x", "2099080106 1 150 1300 1000 15"], 2, "bad value"),
    ],
)
def test_malformed_bst_lines_raise_with_file_and_line(tmp_path, records, line, what):
    path = _bst_with(tmp_path, [HEADER, *records])
    with pytest.raises(TrackFormatError, match=what) as info:
        read_cma_bst(path, 9901)
    assert info.value.line_no == line and info.value.file == str(path)


def test_bst_file_not_starting_with_header_is_rejected(tmp_path):
    path = _bst_with(tmp_path, ["2099080100 1 150 1300 1000 15"])
    with pytest.raises(TrackFormatError, match="66666"):
        read_cma_bst(path, 9901)


def test_gb19201_categories_follow_the_thresholds():
    w = np.array([np.nan, 10.7, 10.8, 17.2, 24.4, 24.5, 32.7, 41.5, 50.9, 51.0])
    np.testing.assert_array_equal(gb19201_category(w), [0, 0, 1, 2, 2, 3, 4, 5, 5, 6])


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 12),
    lat=st.lists(st.integers(50, 450), min_size=12, max_size=12),
    lon=st.lists(st.integers(1000, 1800), min_size=12, max_size=12),
    pres=st.lists(st.integers(870, 1010), min_size=12, max_size=12),
    wind=st.lists(st.integers(0, 80), min_size=12, max_size=12),
    step_h=st.sampled_from([3, 6]),
)
def test_formatted_tracks_parse_back_identically(n, lat, lon, pres, wind, step_h):
    t0 = np.datetime64("2019-07-01T00:00:00")
    times = t0 + np.arange(n) * np.timedelta64(step_h * 3600, "s")
    vmax = np.array(wind[:n], float)
    vmax[vmax == 0] = np.nan  # 0 encodes "missing"
    tr = Track(times, np.array(lat[:n]) / 10, np.array(lon[:n]) / 10, pres[:n], vmax, name="X")
    text = format_cma_bst_block(tr, 1901, "ALPHA") + format_cma_bst_block(tr, 1902, "BETA")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "b.txt"
        p.write_text(text)
        back = read_cma_bst(p, "beta")
    np.testing.assert_array_equal(back.time_utc, tr.time_utc)
    np.testing.assert_allclose(back.lat_deg, tr.lat_deg)
    np.testing.assert_allclose(back.lon_deg, tr.lon_deg)
    np.testing.assert_array_equal(back.pressure_hpa, tr.pressure_hpa)
    np.testing.assert_array_equal(back.vmax_ms, tr.vmax_ms)
