"""A typhoon hazard for any storm (issue 13): radii-fitted size, terrain, decay over land,
convective rain cells, agencies of the track CSV."""

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.city import load_city
from sim.hazards.errors import TrackFormatError
from sim.hazards.rain_cells import CellClimate, ConvectiveCells
from sim.hazards.terrain import TerrainMap, classes_of_districts
from sim.hazards.track import (
    KT_TO_MS,
    R30_MS,
    R50_MS,
    Track,
    read_track_csv,
    read_wind_radii_csv,
)
from sim.hazards.typhoon import (
    GUST_FACTOR_LAND,
    GUST_FACTOR_SEA,
    OPEN_LAND,
    SEA,
    SURFACE_FACTOR_SEA,
    TEN_MIN_PER_ONE_MIN_SEA,
    URBAN,
    TyphoonHazard,
    decay_after_landfall,
    exposure_correction,
    fit_holland_to_radii,
    holland_gradient_wind_ms,
    kaplan_demaria_vmax_ms,
    rcliper_rain_mm_per_h,
)

ROOT = Path(__file__).parents[1]
LEKIMA = ROOT / "scenarios/data/lekima-2019"
CITY = load_city(ROOT / "scenarios/data/shanghai")
CRS = CITY.crs
LEVEL_10MIN = SURFACE_FACTOR_SEA * TEN_MIN_PER_ONE_MIN_SEA  # 10-min sea wind / gradient wind


def _track(lat0, lon0, p_hpa=950.0, dlat_per_6h=1.0, n=5, t0="2030-08-01T00", **kw):
    t = np.datetime64(t0, "s") + np.arange(n) * np.timedelta64(6, "h")
    lat = lat0 + dlat_per_6h * np.arange(n)
    return Track(t, lat, [lon0] * n, [p_hpa] * n, [45.0] * n, **kw)


# ------------------------------------------------------------------ size from radii
def test_two_radii_fit_recovers_a_known_holland_profile():
    dp, lat, rmax, b = 60.0, 25.0, 60.0, 1.3

    def radius_of(v_ms):  # where the profile's 10-min sea wind equals v (outer side)
        g = v_ms / LEVEL_10MIN
        return brentq(lambda r: holland_gradient_wind_ms(r, dp, rmax, b, lat) - g, rmax, 2000)

    r30, r50 = radius_of(R30_MS), radius_of(R50_MS)
    fit_r, fit_b = fit_holland_to_radii(r30, r50, dp, lat)
    assert fit_r == pytest.approx(rmax, rel=0.01) and fit_b == pytest.approx(b, rel=0.01)


def test_rmax_fitted_to_lekima_radii_reproduces_the_radii():
    # every JMA time with both radii before landfall: the fitted profile's sustained 10-min
    # wind over the sea (no translation) is 30 kt = 15.4 m/s at R30 and 50 kt = 25.7 m/s at R50
    track = read_track_csv(LEKIMA / "lekima_track.csv", "CMA")
    radii = read_wind_radii_csv(LEKIMA / "lekima_jma_wind_radii.csv")
    hz = TyphoonHazard(track, crs=CRS, radii=radii)
    checked = 0
    for t, r30, r50 in zip(radii.time_utc, radii.r30_km, radii.r50_km, strict=True):
        if not (np.isfinite(r30) and np.isfinite(r50)) or t > np.datetime64("2019-08-09T18"):
            continue
        st = hz.storm_state(t)
        x = st.x_m + np.array([r30, r50]) * 1e3
        y = np.full(2, st.y_m)
        v = hz.gradient_wind_ms(t, x, y, translation=False) * LEVEL_10MIN
        np.testing.assert_allclose(v, [15.43, 25.72], atol=0.5)
        checked += 1
    assert checked >= 10
    assert R30_MS == pytest.approx(15.433, abs=1e-3) and R50_MS == pytest.approx(25.722, abs=1e-3)


def test_radii_columns_in_the_track_csv_set_the_size(tmp_path):
    base = _track(25.0, 123.0)
    rows = ["time_utc,lat,lon,pressure_hpa,wind_ms,agency,source,r30kt_km,r50kt_km"]
    for k in range(len(base)):
        t = str(base.time_utc[k]) + "Z"
        rows.append(f"{t},{base.lat_deg[k]},123.0,950,45,JMA,test,400,150")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    track = read_track_csv(path, "jma")  # agency matched case-insensitively
    assert track.wind_averaging_min == 10.0
    assert np.all(track.r30_km == 400.0) and np.all(track.r50_km == 150.0)
    with_radii = TyphoonHazard(track, crs=CRS)
    plain = TyphoonHazard(track, crs=CRS, radii=None)
    assert with_radii.radii is not None and plain.radii is not None  # radii from the columns
    st = with_radii.storm_state(track.time_utc[2])
    v = holland_gradient_wind_ms(np.array([400.0, 150.0]), st.dp_hpa, st.rmax_km, st.holland_b,
                                 st.lat_deg) * LEVEL_10MIN  # fmt: skip
    np.testing.assert_allclose(v, [R30_MS, R50_MS], atol=0.5)


# ------------------------------------------------------------------ offshore vs direct hit
def test_offshore_pass_300_km_away_gives_far_lower_gusts_than_a_direct_hit():
    ref_lon, ref_lat = 121.5, 31.2
    x, y = CITY.to_xy([ref_lon], [ref_lat])
    direct = TyphoonHazard(_track(ref_lat - 2.0, ref_lon, p_hpa=960.0), crs=CRS)
    offshore_lon = ref_lon + 300.0 / (111.2 * np.cos(np.radians(ref_lat)))
    offshore = TyphoonHazard(_track(ref_lat - 2.0, offshore_lon, p_hpa=960.0), crs=CRS)
    span = ("2030-08-01T00", "2030-08-02T00")
    g_direct = direct.peak_gust_ms(*span, x, y, dt_h=0.25)[0]
    g_off = offshore.peak_gust_ms(*span, x, y, dt_h=0.25)[0]
    assert g_direct > 35.0 and g_off < 0.5 * g_direct, (g_direct, g_off)


# ------------------------------------------------------------------ decay over land
def test_kaplan_demaria_decay_by_hand():
    # V0 = 40 m/s, 12 h inland: Vb = 26.7 kt = 13.7357 m/s; R V0 = 36;
    # V = 13.7357 + (36 - 13.7357) exp(-0.095 * 12) = 13.7357 + 22.2643 * 0.319819 = 20.8562
    vb = 26.7 * KT_TO_MS
    assert float(kaplan_demaria_vmax_ms(40.0, 12.0)) == pytest.approx(
        vb + (36.0 - vb) * np.exp(-1.14), rel=1e-12
    )
    assert float(kaplan_demaria_vmax_ms(40.0, 12.0)) == pytest.approx(20.856, abs=1e-3)
    assert float(kaplan_demaria_vmax_ms(40.0, 0.0)) == 40.0  # at landfall
    # weaker than Vb: Vb is capped at V0, so V -> V0 - 0.1 V0 exp(-alpha t) stays below V0
    assert float(kaplan_demaria_vmax_ms(10.0, 48.0)) == pytest.approx(10.0 - np.exp(-4.56))


def test_decay_after_landfall_fills_missing_intensities_and_pressure_by_v_squared():
    t = np.datetime64("2030-08-01T00", "s") + np.arange(4) * np.timedelta64(6, "h")
    track = Track(t, [28, 29, 30, 31], [121] * 4, [960, 970, np.nan, np.nan],
                  [40, 36, np.nan, np.nan])  # fmt: skip
    out = decay_after_landfall(track, t[1], ambient_pressure_hpa=1010.0)
    v12 = float(kaplan_demaria_vmax_ms(36.0, 12.0))
    assert out.vmax_ms[3] == pytest.approx(v12)
    assert out.pressure_hpa[3] == pytest.approx(1010.0 - 40.0 * (v12 / 36.0) ** 2)
    assert out.vmax_ms[1] == 36.0 and out.pressure_hpa[0] == 960.0  # observed kept
    forecast = decay_after_landfall(track, t[0], only_missing=False)
    assert forecast.vmax_ms[1] == pytest.approx(float(kaplan_demaria_vmax_ms(40.0, 6.0)))


# ------------------------------------------------------------------ terrain
def test_gust_factor_and_roughness_at_sea_land_and_urban_core():
    hz = TyphoonHazard(_track(25.0, 123.0), crs=CRS)
    t = np.datetime64("2030-08-01T06:00:00")
    st = hz.storm_state(t)
    x, y = np.full(3, st.x_m + 150e3), np.full(3, st.y_m)
    terrain = np.array([SEA, OPEN_LAND, URBAN])
    gust = hz.gust_ms(t, x, y, terrain=terrain)
    sust = hz.sustained_ms(t, x, y, terrain=terrain)
    np.testing.assert_allclose(gust / sust, [GUST_FACTOR_SEA, GUST_FACTOR_LAND, GUST_FACTOR_LAND])
    assert (GUST_FACTOR_SEA, GUST_FACTOR_LAND) == (1.11, 1.49)
    # WMO-No. 8 exposure correction, 60 m blending height, by hand:
    # land z0 0.25: [ln(40)/ln(240)] / [ln(5e4)/ln(3e5)] = 0.673074 / 0.857927 = 0.784536
    assert exposure_correction(0.25) == pytest.approx(0.784536, abs=1e-5)
    np.testing.assert_allclose(
        sust[1:] / sust[0], [exposure_correction(0.25), exposure_correction(1.0)]
    )
    assert sust[2] < sust[1] < sust[0] and gust[2] < gust[1]


def test_terrain_classes_from_the_city_polygons():
    lon = [121.47, 121.40, 123.00]  # People's Square (central, urban core), Minhang-ish, sea
    lat = [31.23, 31.05, 31.00]
    x, y = CITY.to_xy(lon, lat)
    exact = classes_of_districts(CITY, CITY.locate(x, y))
    assert list(exact) == [URBAN, OPEN_LAND, SEA]
    assert list(TerrainMap(CITY)(x, y)) == list(exact)


def test_points_near_a_coastline_take_their_exact_class():
    """Cells next to another class are located exactly: on 20,000 random points over the
    city's bounding box the raster agrees with exact location everywhere (a land point read
    as sea would get the sea's roughness, about 1.3x the wind)."""
    rng = np.random.default_rng(0)
    b = np.array([p.bounds for p in CITY.polygons_xy])
    x = rng.uniform(b[:, 0].min(), b[:, 2].max(), 20_000)
    y = rng.uniform(b[:, 1].min(), b[:, 3].max(), 20_000)
    exact = classes_of_districts(CITY, CITY.locate(x, y))
    terrain = TerrainMap(CITY)
    assert (terrain(x, y) == exact).all()
    assert 0 < terrain.mixed.mean() < 0.5  # only the cells along the edges are located exactly


# ------------------------------------------------------------------ convective cells
def test_convective_cells_preserve_the_mean_rain():
    # E[M] = 1 by Campbell's theorem: point rain, and rain over 15-min steps on 3-km discs;
    # 800 half-hourly draws x 200 points (sampling error of the mean ~2%)
    times = np.arange(0.0, 400.0, 0.5)
    means = []
    for window, radius in ((0.0, 0.0), (0.25, 3000.0)):
        rng = np.random.default_rng(7)
        pts = rng.uniform(0.0, 60e3, (2, 200))
        cells = ConvectiveCells(CellClimate(), (0.0, 0.0, 60e3, 60e3), rng)
        m = np.array([cells.multiplier(t, *pts, window, radius) for t in times])
        assert m.min() >= 0.5 - 1e-12  # the stratiform share (1 - phi) is never removed
        means.append(m.mean())
    np.testing.assert_allclose(means, 1.0, atol=0.05)


def test_cells_depend_on_the_seed_only_not_on_how_often_they_are_asked():
    a = ConvectiveCells(CellClimate(), (0, 0, 5e4, 5e4), np.random.default_rng(3))
    b = ConvectiveCells(CellClimate(), (0, 0, 5e4, 5e4), np.random.default_rng(3))
    pts = np.linspace(0, 5e4, 50), np.linspace(0, 5e4, 50)
    for t in np.arange(0, 10, 0.25):
        a.multiplier(t, *pts)
    np.testing.assert_array_equal(a.multiplier(10.0, *pts), b.multiplier(10.0, *pts))


def test_cells_give_peak_hourly_rates_of_the_observed_order_for_a_strong_storm():
    # a strong storm (Vmax 50 m/s) 80 km away: R-CLIPER ~8 mm/h; over a city of 384 points
    # and 24 h, hourly peaks exceed 50 mm/h somewhere (Shanghai rainband bursts of 60-80 mm/h:
    # facts.md §2a Lekima's orange-warning forecast, §4 the 2012-08-21 storm), not everywhere
    rng = np.random.default_rng(11)
    pts = rng.uniform(0.0, 100e3, (2, 384))
    cells = ConvectiveCells(CellClimate(), (0.0, 0.0, 100e3, 100e3), rng)
    base = float(rcliper_rain_mm_per_h(80.0, 50.0))
    assert 7.0 < base < 10.0
    dt = 1.0 / 12.0
    rates = np.array([base * cells.multiplier(k * dt, *pts) for k in range(int(24 / dt))])
    hourly = rates.reshape(24, 12, -1).mean(axis=1)
    assert hourly.max() > 50.0 and np.median(hourly.max(axis=0)) < 50.0
    assert hourly.mean() == pytest.approx(base, rel=0.1)


# ------------------------------------------------------------------ agencies
def test_track_csv_with_an_unknown_agency_gives_a_clear_error(tmp_path):
    with pytest.raises(TrackFormatError, match=r"no rows for agency 'HKO'.*\['CMA', 'JMA'\]"):
        read_track_csv(LEKIMA / "lekima_track.csv", "HKO")
    bad = tmp_path / "t.csv"
    bad.write_text(
        "time_utc,lat,lon,pressure_hpa,wind_ms,agency,source\n"
        "2030-08-01T00:00:00Z,25,123,950,40,CMA,x\n2030-08-01T06:00:00Z,26,123,950,40,,x\n"
    )
    with pytest.raises(TrackFormatError, match=r"t\.csv:3: empty 'agency' cell"):
        read_track_csv(bad, "CMA")


def test_agency_sets_the_wind_averaging_period(tmp_path):
    assert read_track_csv(LEKIMA / "lekima_track.csv", "CMA").wind_averaging_min == 2.0
    assert read_track_csv(LEKIMA / "lekima_track.csv", "jma").wind_averaging_min == 10.0
    path = tmp_path / "t.csv"
    path.write_text(
        "time_utc,lat,lon,pressure_hpa,wind_ms,agency,source\n"
        "2030-08-01T00:00:00Z,25,123,950,40,MYLAB,x\n2030-08-01T06:00:00Z,26,123,950,40,MYLAB,x\n"
    )
    assert read_track_csv(path, "MYLAB").wind_averaging_min == 1.0  # unknown: 1-min, stated
    assert read_track_csv(path, "MYLAB", wind_averaging_min=10).wind_averaging_min == 10.0
    with pytest.raises(TrackFormatError, match="not supported"):
        read_track_csv(path, "MYLAB", wind_averaging_min=3)


def test_terrain_map_is_shared_per_city_and_memoised_exactly():
    from pathlib import Path

    from sim.city import load_city
    from sim.hazards.terrain import TerrainMap, terrain_map_for

    city = load_city(Path(__file__).resolve().parents[1] / "scenarios" / "data" / "shanghai")
    tm = terrain_map_for(city)
    assert terrain_map_for(city) is tm  # one map per city object
    rng = np.random.default_rng(3)
    x0, y0 = tm.x0, tm.y0
    ny, nx = tm.grid.shape
    x = x0 + rng.uniform(0, nx * tm.res, 5000)
    y = y0 + rng.uniform(0, ny * tm.res, 5000)
    x2, y2 = x[::-1].copy(), y.copy()  # another point set of the same size
    first, other = tm(x, y), tm(x2, y2)
    again = tm(x, y)  # served from the memo, not confused with the other set
    fresh = TerrainMap(city)
    assert np.array_equal(first, again) and np.array_equal(first, fresh(x, y))
    assert np.array_equal(other, fresh(x2, y2))
