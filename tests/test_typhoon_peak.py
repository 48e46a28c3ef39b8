"""The wind field's peak against the track's maximum wind (sim.hazards.typhoon, step 2c).

A best track's maximum wind is the storm's highest surface wind, forward-motion asymmetry
included; the parametric field must not exceed it (Rumbia 2018, 23 m/s at landfall, reached
25.5 m/s before) and, without radii to shape it, must reach it.
"""

from pathlib import Path

import numpy as np
import pytest

from sim.hazards.track import Track, WindRadii
from sim.hazards.typhoon import (
    RHO_AIR,
    SURFACE_FACTOR_SEA,
    TyphoonHazard,
    holland_b_for_peak,
    holland_gradient_wind_ms,
)

CRS = "EPSG:32651"  # UTM 51N
T = np.datetime64("2019-01-01T06:00:00")


def _track(vmax_ms, v_north_ms=0.0, p_hpa=985.0, averaging_min=1.0):
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


def _peak_over_sea(hazard: TyphoonHazard) -> float:
    """Highest 1-min sustained wind over sea on a 2-km grid around the centre, m/s."""
    st = hazard.storm_state(T)
    g = np.arange(-200e3, 200e3 + 1, 2e3)
    x, y = np.meshgrid(st.x_m + g, st.y_m + g)
    v = hazard.sustained_ms(T, x.ravel(), y.ravel(), over_water=np.ones(x.size, bool))
    return float(v.max())


def test_b_for_peak_is_holland_closed_form_without_coriolis():
    # f = 0 at the equator: V^2 = B dp / (rho e) -> B = rho e V^2 / dp
    # = 1.15 * e * 40^2 / 3000 Pa = 1.66720 for V = 40 m/s, dp = 30 hPa
    b = holland_b_for_peak(40.0, 30.0, 40.0, 0.0)
    assert b == pytest.approx(RHO_AIR * np.e * 1600.0 / 3000.0, rel=1e-6)
    assert b == pytest.approx(1.66720, abs=1e-4)


def test_b_for_peak_meets_the_peak_with_coriolis():
    b = holland_b_for_peak(35.0, 40.0, 50.0, 30.0)
    r = np.linspace(1.0, 300.0, 30_000)
    assert holland_gradient_wind_ms(r, 40.0, 50.0, b, 30.0).max() == pytest.approx(35.0, rel=1e-3)


@pytest.mark.parametrize("v_north_ms", [0.0, 8.0])
def test_peak_surface_wind_equals_the_track_maximum_wind(v_north_ms):
    # a stationary and a fast storm: the asymmetry is taken off the symmetric part, so the
    # total peak is the track's 23 m/s either way (within the 2-km grid's resolution)
    hazard = TyphoonHazard(_track(23.0, v_north_ms), crs=CRS)
    assert _peak_over_sea(hazard) == pytest.approx(23.0, rel=0.01)


def test_ten_minute_winds_are_read_as_one_minute_peaks():
    # JMA's 10-min 23.1 m/s is a 1-min 23.1 / 0.93 = 24.84 m/s at sea (Harper et al. 2010)
    hazard = TyphoonHazard(_track(23.1, 5.0, averaging_min=10.0), crs=CRS)
    assert _peak_over_sea(hazard) == pytest.approx(23.1 / 0.93, rel=0.01)


def test_without_the_track_wind_the_pressure_sets_the_peak():
    fixed = TyphoonHazard(_track(np.nan, 5.0), crs=CRS)
    off = TyphoonHazard(_track(23.0, 5.0), crs=CRS, peak_from_vmax=False)
    assert fixed.storm_state(T).holland_b == pytest.approx(off.storm_state(T).holland_b)
    assert _peak_over_sea(fixed) == pytest.approx(_peak_over_sea(off), rel=1e-9)


def test_wind_scale_still_scales_the_matched_peak():
    # the match uses the standard sea factor; wind_scale (sensitivity) multiplies on top
    scaled = TyphoonHazard(_track(23.0), crs=CRS, surface_factor_sea=1.2 * SURFACE_FACTOR_SEA)
    assert _peak_over_sea(scaled) == pytest.approx(1.2 * 23.0, rel=0.01)


def test_radii_fit_is_capped_not_raised():
    # 30-kt radius 300 km, 50-kt radius 100 km, 960 hPa: the two-radii fit peaks at 30.7 m/s
    # (1-min), above a 25 m/s (10-min) track wind (capped to it) and below a 45 m/s one (left
    # as fitted: one Holland profile cannot meet both radii and a higher peak)
    times = np.array(["2019-01-01T00", "2019-01-01T12"], dtype="datetime64[s]")
    radii = WindRadii(times, np.array([300.0, 300.0]), np.array([100.0, 100.0]), 10.0, "test")
    free = TyphoonHazard(_track(25.0, 5.0, 960.0, 10.0), crs=CRS, radii=radii,
                         peak_from_vmax=False)  # fmt: skip
    assert free._profile[3].all()  # both radii times fitted
    peak_free = _peak_over_sea(free)
    low = TyphoonHazard(_track(25.0, 5.0, 960.0, 10.0), crs=CRS, radii=radii)
    high = TyphoonHazard(_track(45.0, 5.0, 960.0, 10.0), crs=CRS, radii=radii)
    assert 25.0 / 0.93 < peak_free < 45.0 / 0.93
    assert _peak_over_sea(low) == pytest.approx(25.0 / 0.93, rel=0.01)
    assert _peak_over_sea(high) == pytest.approx(peak_free, rel=1e-9)
    assert high.storm_state(T).rmax_km == pytest.approx(free.storm_state(T).rmax_km)


def test_rumbia_cma_track_peaks_at_its_best_track_wind():
    # Rumbia 2018, CMA best track: 23 m/s (2-min) at landfall; the field must stay there
    from sim.hazards.track import read_track_csv, read_wind_radii_csv

    data = Path(__file__).parents[1] / "scenarios/data/typhoons"
    track = read_track_csv(data / "rumbia-2018_track.csv", "CMA")
    radii = read_wind_radii_csv(data / "rumbia-2018_jma_wind_radii.csv")
    hazard = TyphoonHazard(track, crs=CRS, radii=radii)
    t = np.datetime64("2018-08-16T18:00:00")
    st = hazard.storm_state(t)
    g = np.arange(-200e3, 200e3 + 1, 2e3)
    x, y = np.meshgrid(st.x_m + g, st.y_m + g)
    v = hazard.sustained_ms(t, x.ravel(), y.ravel(), over_water=np.ones(x.size, bool))
    assert v.max() <= st.vmax_ms * 1.01
