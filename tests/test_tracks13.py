"""The pre-2015 calibration tracks (Matsa 2005, Wipha 2007, Haikui 2012, Fitow 2013; issue 13).

Checks that the JMA extract in scenarios/data/typhoons/sources/ is whole (each block holds the
number of records its header states), that the converted track CSVs parse with
``sim.hazards.track.read_track_csv(path, agency="JMA")`` with strictly increasing times, and
that each storm's closest best-track fix to Shanghai's reference point (121.5 E, 31.2 N) is the
record a hand computation picks. Distances: haversine on a sphere of radius 6371 km (the mean
Earth radius, IUGG); the expected values were checked by hand with the flat-Earth formula
d = 111.2 km x sqrt(dlat^2 + (dlon cos lat)^2), which agrees within 2 km at these ranges.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.hazards.track import read_track_csv

ROOT = Path(__file__).resolve().parents[1]
TYPHOONS = ROOT / "scenarios" / "data" / "typhoons"
EXTRACT = TYPHOONS / "sources" / "jma_bst_extract_2005_2013.txt"
REF_LAT, REF_LON = 31.2, 121.5  # the city's reference point (storm new's closest approach)

# storm -> (JMA number, closest fix time UTC, its lat, lon, distance km)
# Hand check of Haikui: fix 12080806 "301 1203" = 30.1 N, 120.3 E; dlat 1.1 deg -> 122.3 km,
# dlon 1.2 deg x cos(30.65 deg) = 1.032 deg -> 114.8 km; sqrt(122.3^2 + 114.8^2) = 167.7 km.
# The neighbouring fixes are farther: 12080800 (29.4 N, 121.2 E) 202 km, 12080812 (30.2 N,
# 119.4 E) 230 km.
CLOSEST = {
    "matsa-2005": ("0509", "2005-08-06T12:00:00", 29.7, 119.8, 233.2),
    "wipha-2007": ("0712", "2007-09-19T18:00:00", 32.2, 119.4, 227.7),
    "haikui-2012": ("1211", "2012-08-08T06:00:00", 30.1, 120.3, 167.7),
    "fitow-2013": ("1323", "2013-10-06T18:00:00", 27.0, 120.2, 483.8),
}


def _haversine_km(lat, lon):
    p1, p2 = math.radians(REF_LAT), np.radians(lat)
    dl = np.radians(np.asarray(lon) - REF_LON)
    a = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def test_extract_blocks_are_whole():
    counts: dict[str, list[int]] = {}
    for line in EXTRACT.read_text().splitlines():
        tok = line.split()
        if tok[0] == "66666":
            cur = tok[1]
            counts[cur] = [int(tok[2]), 0]
        else:
            assert tok[0][:2] == cur[:2], f"record {tok[0]} under header {cur}"
            counts[cur][1] += 1
    assert counts == {
        n: [c, c] for n, c in {"0509": 49, "0712": 30, "1211": 49, "1323": 39}.items()
    }


@pytest.mark.parametrize("storm", sorted(CLOSEST))
def test_track_parses_increasing_and_closest_fix(storm):
    num, t_close, lat, lon, dist = CLOSEST[storm]
    path = TYPHOONS / f"{storm}_track.csv"
    raw = pd.read_csv(path)
    assert set(raw["agency"]) == {"JMA"}
    assert raw["source"].str.contains(f"typhoon {num} ").all()
    # file order is already chronological, strictly
    assert pd.to_datetime(raw["time_utc"]).diff().dropna().dt.total_seconds().min() > 0
    track = read_track_csv(path, agency="JMA")
    assert len(track.time_utc) == len(raw)
    assert np.all(np.diff(track.time_utc.astype("datetime64[s]").astype(np.int64)) > 0)
    d = _haversine_km(track.lat_deg, track.lon_deg)
    i = int(np.argmin(d))
    assert str(track.time_utc[i].astype("datetime64[s]")) == t_close
    assert (track.lat_deg[i], track.lon_deg[i]) == (lat, lon)
    assert d[i] == pytest.approx(dist, abs=0.1)


def test_haikui_landfall_fix_values():
    """12080718 of the extract: 28.8 N 122.3 E, 965 hPa, 65 kt, R50 80/80 nm, R30 250/180 nm."""
    track = pd.read_csv(TYPHOONS / "haikui-2012_track.csv").set_index("time_utc")
    row = track.loc["2012-08-07T18:00:00Z"]
    assert (row["lat"], row["lon"], row["pressure_hpa"]) == (28.8, 122.3, 965)
    assert row["wind_ms"] == pytest.approx(65 * 0.514444, abs=0.05)  # 33.4 m/s
    with (TYPHOONS / "haikui-2012_jma_wind_radii.csv").open() as fh:
        radii = {r["time_utc"]: r for r in csv.DictReader(fh)}
    r = radii["2012-08-07T18:00:00Z"]
    assert (int(r["r30kt_long_nm"]), int(r["r30kt_short_nm"])) == (250, 180)
    assert int(r["r30kt_mean_km"]) == round((250 + 180) / 2 * 1.852)  # 398 km
    assert int(r["r50kt_mean_km"]) == round(80 * 1.852)  # 148 km


def test_calibration_entries_match_observed_rows():
    spec = yaml.safe_load(
        (ROOT / "experiments" / "typhoon_calibration" / "storms.yaml").read_text("utf-8")
    )
    obs = pd.read_csv(TYPHOONS / "observed_calibration.csv")
    for storm, as_of in (
        ("wipha-2007", "2007-09-18 18:00 BJT"),
        ("haikui-2012", "2012-08-07 22:00 BJT"),
    ):
        row = obs[
            (obs.storm == storm) & (obs.outcome == "people_relocated") & (obs.as_of_local == as_of)
        ]
        assert len(row) == 1
        assert spec["storms"][storm]["observed_persons"] == int(row["value"].iloc[0])
        assert (
            ROOT / "experiments" / "typhoon_calibration" / spec["storms"][storm]["track"]
        ).resolve() == (TYPHOONS / f"{storm}_track.csv")
