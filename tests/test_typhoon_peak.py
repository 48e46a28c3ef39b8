"""The wind field against the track's maximum wind (sim.hazards.typhoon, step 6).

A best track's maximum wind is the storm's highest sustained surface wind, asymmetry included:
no point of the parametric field may exceed it (Rumbia 2018, 23 m/s at landfall, reached
25.5 m/s over the sea before the cap).
"""

from pathlib import Path

import numpy as np
import pytest

from sim.hazards.track import Track, read_track_csv, read_wind_radii_csv
from sim.hazards.typhoon import GUST_FACTOR_SEA, SURFACE_FACTOR_SEA, TyphoonHazard

CRS = "EPSG:32651"  # UTM 51N
T = np.datetime64("2019-01-01T06:00:00")
DATA = Path(__file__).parents[1] / "scenarios/data/typhoons"


def _track(vmax_ms, v_north_ms=5.0, p_hpa=960.0, averaging_min=1.0):
    """Three records 6 h apart moving north at ``v_north_ms``; constant pressure and wind."""
    t = np.array(["2019-01-01T00", "2019-01-01T06", "2019-01-01T12"], dtype="datetime64[s]")
    dlat = v_north_ms * 21_600 / (6_371_000 * np.pi / 180)
    return Track(
        t,
        [28.0, 28.0 + dlat, 28.0 + 2 * dlat],
        [123.0] * 3,
        [p_hpa] * 3,
        [vmax_ms] * 3,
        wind_averaging_min=averaging_min,
    )


def _grid(hazard: TyphoonHazard, t=T):
    st = hazard.storm_state(t)
    g = np.arange(-200e3, 200e3 + 1, 2e3)
    x, y = np.meshgrid(st.x_m + g, st.y_m + g)
    return x.ravel(), y.ravel()


def _sea(hazard, t=T, gust=False):
    x, y = _grid(hazard, t)
    f = hazard.gust_ms if gust else hazard.sustained_ms
    return f(t, x, y, over_water=np.ones(x.size, bool))


def test_no_point_exceeds_the_track_maximum_wind():
    # 960 hPa gives a dp-based peak near 40 m/s over sea; a 30 m/s track caps it there
    capped = TyphoonHazard(_track(30.0), crs=CRS)
    free = TyphoonHazard(_track(30.0), crs=CRS, cap_at_track_vmax=False)
    v, v_free = _sea(capped), _sea(free)
    assert v_free.max() > 35.0
    assert v.max() == pytest.approx(30.0)
    # below the cap the field is untouched: the cap only takes the excess off
    below = v_free < 30.0
    np.testing.assert_array_equal(v[below], v_free[below])
    # gusts are the capped wind times the sea gust factor (Harper et al. 2010)
    assert _sea(capped, gust=True).max() == pytest.approx(30.0 * GUST_FACTOR_SEA)


def test_ten_minute_track_winds_cap_at_their_one_minute_value():
    # JMA's 10-min 23.1 m/s is a 1-min 23.1 / 0.93 = 24.84 m/s at sea (Harper et al. 2010)
    hazard = TyphoonHazard(_track(23.1, averaging_min=10.0), crs=CRS)
    assert _sea(hazard).max() == pytest.approx(23.1 / 0.93)


def test_no_track_wind_no_cap():
    hazard = TyphoonHazard(_track(np.nan), crs=CRS)
    free = TyphoonHazard(_track(30.0), crs=CRS, cap_at_track_vmax=False)
    assert hazard.vmax_cap_ms(T) == float("inf")
    np.testing.assert_array_equal(_sea(hazard), _sea(free))


def test_wind_scale_scales_the_cap_too():
    # wind_scale multiplies the field (sensitivity): the cap moves with it
    scaled = TyphoonHazard(_track(30.0), crs=CRS, surface_factor_sea=1.2 * SURFACE_FACTOR_SEA)
    assert _sea(scaled).max() == pytest.approx(1.2 * 30.0)


def test_rumbia_cma_track_stays_at_its_best_track_wind():
    # Rumbia 2018, CMA best track: 23 m/s (2-min, read as 1-min) near landfall; with the JMA
    # radii the field over the sea reached about 25.5 m/s before the cap
    track = read_track_csv(DATA / "rumbia-2018_track.csv", "CMA")
    radii = read_wind_radii_csv(DATA / "rumbia-2018_jma_wind_radii.csv")
    t = np.datetime64("2018-08-16T18:00:00")
    capped = TyphoonHazard(track, crs=CRS, radii=radii)
    free = TyphoonHazard(track, crs=CRS, radii=radii, cap_at_track_vmax=False)
    vmax = capped.storm_state(t).vmax_ms
    assert _sea(free, t).max() > vmax
    assert _sea(capped, t).max() == pytest.approx(vmax)
