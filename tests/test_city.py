"""Tests for sim.city: census table, polygons, links, exposure allocation, loader errors."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from sim.city import (
    RELOCATION_CATEGORIES,
    CityDataError,
    gcj02_to_wgs84,
    largest_remainder,
    load_city,
    lonlat_to_xy,
    wgs84_to_gcj02,
    xy_to_lonlat,
)
from sim.city.exposure import read_exposure_totals

DATA = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "shanghai"
CRS = "EPSG:32651"  # Shanghai: UTM zone 51N (city.yaml)
CENTRAL_7 = ["Huangpu", "Xuhui", "Changning", "Jing'an", "Putuo", "Hongkou", "Yangpu"]


@pytest.fixture(scope="module")
def city():
    return load_city(DATA)


def _pop(city, names):
    d = city.districts.set_index("name_en")
    return int(d.loc[names, "population"].sum())


# --- census table ------------------------------------------------------------------------------


def test_census_population_matches_official_totals(city):
    # Official 2020 census totals (facts.md §5): city, central 7, Pudong, 8 suburbs.
    assert city.n_districts == 16
    assert int(city.districts["population"].sum()) == 24_870_895
    assert _pop(city, CENTRAL_7) == 6_683_712
    assert _pop(city, ["Pudong New Area"]) == 5_681_512
    suburbs = city.districts.loc[city.districts["zone"] == "suburban", "name_en"].tolist()
    assert len(suburbs) == 8 and _pop(city, suburbs) == 12_505_671
    assert sorted(city.districts.loc[city.districts["zone"] == "central", "name_en"]) == sorted(
        CENTRAL_7
    )


def test_households_use_census_average_household_size(city):
    d = city.districts
    np.testing.assert_allclose(d["households"] * 2.32, d["population"], rtol=1e-12)
    # 24,870,895 / 2.32 = 10,720,213.4 households (hand computed)
    assert d["households"].sum() == pytest.approx(10_720_213.4, abs=0.1)


def test_published_land_areas_sum_to_city_area(city):
    # facts.md §3: Shanghai total area 6,340.5 km2; district figures are rounded to 0.01 km2.
    assert city.districts["area_km2"].sum() == pytest.approx(6340.5, abs=0.5)


# --- polygons ----------------------------------------------------------------------------------


def test_utm_polygon_area_agrees_with_geodesic_area(city):
    # UTM 51N scale factor at 121.5E (~140 km from the 123E meridian) is ~0.99985, so areas
    # differ from the ellipsoidal area by < 0.1 %; a wrong projection or axis order would not.
    geod = Geod(ellps="WGS84")
    for ll, xy in zip(city.polygons_lonlat, city.polygons_xy, strict=True):
        geodesic_m2 = abs(geod.geometry_area_perimeter(ll)[0])
        assert xy.area == pytest.approx(geodesic_m2, rel=1e-3)


def test_inland_polygon_areas_match_published_land_areas(city):
    # Inland districts: polygon area within 3.5 % of the published land area. The tolerance
    # covers AMap's generalised web-map boundaries vs. survey-based yearbook areas (largest
    # measured gap: Changning 37.15 vs 38.30 km2, -3.0 %).
    d = city.districts
    inland = d["polygon_area_km2"] < 1.05 * d["area_km2"]
    assert inland.sum() == 11
    rel = d.loc[inland, "polygon_area_km2"] / d.loc[inland, "area_km2"] - 1.0
    assert np.all(np.abs(rel) < 0.035), rel.to_dict()


def test_coastal_polygons_include_water_beyond_land_area(city):
    # Coastal/estuary districts' administrative polygons include intertidal flats and water
    # (e.g. Pudong's Jiuduansha shoals, Chongming's estuary), so polygon area > land area, but
    # by less than a factor 2 (Chongming 2,118 vs 1,185 km2 is the largest).
    d = city.districts.set_index("name_en")
    coastal = ["Baoshan", "Pudong New Area", "Jinshan", "Fengxian", "Chongming"]
    ratio = d.loc[coastal, "polygon_area_km2"] / d.loc[coastal, "area_km2"]
    assert np.all((ratio > 1.05) & (ratio < 2.0)), ratio.to_dict()


def test_polygons_form_a_coverage_without_gaps_or_overlaps(city):
    polys = np.asarray(city.polygons_lonlat, dtype=object)
    assert shapely.coverage_is_valid(polys)
    assert all(p.is_valid for p in city.polygons_xy)


def test_centroids_lie_inside_their_districts(city):
    d = city.districts
    idx = city.locate(d["centroid_x_m"].to_numpy(), d["centroid_y_m"].to_numpy())
    np.testing.assert_array_equal(idx, np.arange(city.n_districts))
    x, y = lonlat_to_xy(d["lon"].to_numpy(), d["lat"].to_numpy(), CRS)
    np.testing.assert_allclose(x, d["centroid_x_m"], atol=1e-3)
    # Huangpu's reference point is downtown Shanghai (~121.48E, 31.22N)
    assert d.loc[0, "lon"] == pytest.approx(121.48, abs=0.03)
    assert d.loc[0, "lat"] == pytest.approx(31.22, abs=0.03)


def test_sampled_points_are_inside_their_polygon_and_locate_agrees(city):
    rng = np.random.default_rng(7)
    for i in range(city.n_districts):
        pts = city.sample_points(i, 500, rng)
        assert pts.shape == (500, 2)
        assert shapely.contains_xy(city.polygons_xy[i], pts[:, 0], pts[:, 1]).all()
        np.testing.assert_array_equal(city.locate(pts[:, 0], pts[:, 1]), i)
    assert city.sample_points(3, 0, rng).shape == (0, 2)


def test_sample_points_is_reproducible_and_uniform(city):
    a = city.sample_points(10, 2000, np.random.default_rng(3))
    b = city.sample_points(10, 2000, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    # Uniformity: the fraction of Pudong samples in the western half of its bounding box
    # equals that half's share of the polygon area (binomial sd ~0.011 at n=2000; 4 sd).
    poly = city.polygons_xy[10]
    x0, y0, x1, y1 = poly.bounds
    xm = 0.5 * (x0 + x1)
    west = shapely.clip_by_rect(poly, x0, y0, xm, y1).area / poly.area
    assert np.mean(a[:, 0] < xm) == pytest.approx(west, abs=0.045)


def test_locate_returns_minus_one_outside_the_city(city):
    # East China Sea (123E, 30.5N), Suzhou (120.6E, 31.3N), Hangzhou Bay off Jinshan
    x, y = lonlat_to_xy([123.0, 120.6, 121.3], [30.5, 31.3, 30.6], CRS)
    np.testing.assert_array_equal(city.locate(x, y), [-1, -1, -1])
    # People's Square (~121.475E, 31.228N) is in Huangpu, >1 km from any district border, so
    # the answer does not depend on the ~0.5 km GCJ-02 correction.
    x, y = lonlat_to_xy([121.475], [31.228], CRS)
    assert city.locate(x, y)[0] == city.index_of("Huangpu")


def test_locate_handles_1e5_points_well_under_a_second(city):
    rng = np.random.default_rng(0)
    x0, y0 = city.districts[["centroid_x_m", "centroid_y_m"]].min()
    x1, y1 = city.districts[["centroid_x_m", "centroid_y_m"]].max()
    x = rng.uniform(x0 - 20e3, x1 + 20e3, 100_000)
    y = rng.uniform(y0 - 20e3, y1 + 20e3, 100_000)
    city.locate(x[:10], y[:10])  # warm-up
    t = time.perf_counter()
    idx = city.locate(x, y)
    elapsed = time.perf_counter() - t
    assert elapsed < 0.5
    assert idx.shape == (100_000,) and idx.min() == -1 and idx.max() == 15


def test_index_of_lists_valid_names_on_error(city):
    assert city.index_of("Pudong New Area") == 10
    with pytest.raises(KeyError, match="Chongming"):
        city.index_of("Pudong")


# --- links -------------------------------------------------------------------------------------


def test_links_are_unique_undirected_pairs_and_symmetric(city):
    links = city.links
    assert (links["a"] < links["b"]).all()
    assert not links[["a", "b"]].duplicated().any()
    adj = np.zeros((16, 16), dtype=int)
    adj[links["a"], links["b"]] = 1
    adj[links["b"], links["a"]] = 1
    np.testing.assert_array_equal(adj, adj.T)
    for i in range(16):
        np.testing.assert_array_equal(city.neighbours(i), np.flatnonzero(adj[i]))


def _link_type(city, u, v):
    a, b = sorted((city.index_of(u), city.index_of(v)))
    row = city.links[(city.links["a"] == a) & (city.links["b"] == b)]
    assert len(row) == 1, (u, v)
    return row.iloc[0]


def test_chongming_links_only_to_pudong_by_tunnel_bridge_and_baoshan_by_ferry(city):
    ch = city.index_of("Chongming")
    assert sorted(city.districts.loc[city.neighbours(ch), "name_en"]) == [
        "Baoshan",
        "Pudong New Area",
    ]
    assert _link_type(city, "Chongming", "Pudong New Area")["link_type"] == "tunnel_bridge"
    assert _link_type(city, "Chongming", "Baoshan")["link_type"] == "ferry"
    assert np.isnan(_link_type(city, "Chongming", "Baoshan")["shared_border_km"])


def test_huangpu_river_borders_are_river_links_except_minhang(city):
    for puxi in ["Huangpu", "Xuhui", "Hongkou", "Yangpu", "Baoshan"]:
        assert _link_type(city, puxi, "Pudong New Area")["link_type"] == "river", puxi
    # Minhang-Pudong is partly land (Pujiang town lies on the east bank)
    assert _link_type(city, "Minhang", "Pudong New Area")["link_type"] == "land"


def test_border_links_match_touching_polygons(city):
    # land/river links <=> the (exact-coverage) polygons share a border; shared lengths within
    # 10 % of the adjacency table's (simplification at 20 m shortens wiggly borders by <= 7.5 %).
    polys = city.polygons_xy
    border = city.links[city.links["link_type"].isin(["land", "river"])]
    pairs = set(zip(border["a"], border["b"], strict=True))
    for i in range(16):
        for j in range(i + 1, 16):
            assert (shapely.distance(polys[i], polys[j]) < 1.0) == ((i, j) in pairs), (i, j)
    for a, b, km in zip(border["a"], border["b"], border["shared_border_km"], strict=True):
        shared_km = shapely.intersection(polys[a].boundary, polys[b].boundary).length / 1e3
        assert shared_km == pytest.approx(km, rel=0.10), (a, b)


# --- exposure ----------------------------------------------------------------------------------


def test_exposure_allocation_conserves_city_totals_exactly(city):
    totals = read_exposure_totals(
        DATA / "exposure_totals.csv", city.profile.exposure_allocation.rules
    )
    assert list(city.exposure.columns) == list(totals["category"])
    for cat, total in zip(totals["category"], totals["city_total"], strict=True):
        col = city.exposure[cat]
        assert col.dtype == np.int64 and (col >= 0).all()
        assert int(col.sum()) == int(total), cat
    # domain.md §1 figures are carried unchanged
    t = totals.set_index("category")["city_total"]
    assert t["glass_curtain_wall_buildings"] == 12_888
    assert t["old_housing_m2"] == 146_000_000
    assert t["historic_buildings"] == 3_075 and t["external_insulation_estates"] == 236


def test_exposure_rules_put_old_housing_in_centre_and_sheds_outside(city):
    ex = city.exposure
    central = (city.districts["zone"] == "central").to_numpy()
    assert ex.loc[central, "shed_dwellers_persons"].sum() == 0
    assert ex.loc[central, "old_housing_m2"].sum() > 0.5 * ex["old_housing_m2"].sum()
    # offshore port staff (Yangshan) all evacuate through Pudong
    assert ex.loc[city.index_of("Pudong New Area"), "offshore_port_workers_persons"] == 2260
    # foreshore categories only in coastal districts
    assert ex.loc[city.index_of("Xuhui"), "vessel_crew_persons"] == 0


def test_relocation_pools_can_supply_the_lekima_relocation_count(city):
    # Lekima relocated 253,000-259,000 (facts.md §2c / briefing); the exposed pools must exceed
    # it (compliance <= 1), and the sea-side pools must exceed the counts observed in Lekima:
    # 2,808 crew ashore, 533 mudflat workers, 2,260 Yangshan staff.
    ex = city.exposure
    assert ex[list(RELOCATION_CATEGORIES)].to_numpy().sum() > 259_000
    assert ex["vessel_crew_persons"].sum() >= 2808
    assert ex["seawall_outside_workers_persons"].sum() >= 533
    assert ex["offshore_port_workers_persons"].sum() >= 2260


def test_largest_remainder_hand_example():
    # quotas 10/3 = 3.33 each: floors 3,3,3, one unit left -> lowest index (tie)
    np.testing.assert_array_equal(largest_remainder(10, np.array([1.0, 1.0, 1.0])), [4, 3, 3])
    # quotas 7*[0.5, 0.3, 0.2] = 3.5, 2.1, 1.4 -> floors 3,2,1, one left -> largest fraction 0.5
    np.testing.assert_array_equal(largest_remainder(7, np.array([5.0, 3.0, 2.0])), [4, 2, 1])
    with pytest.raises(ValueError):
        largest_remainder(5, np.zeros(3))


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=20).filter(
        lambda w: sum(w) > 0
    ),
)
def test_largest_remainder_conserves_total_and_stays_within_one_of_quota(total, weights):
    w = np.array(weights)
    parts = largest_remainder(total, w)
    assert parts.sum() == total
    quota = total * w / w.sum()
    assert np.all(np.abs(parts - quota) < 1.0 + 1e-6 * max(1.0, total / 1e6))
    assert np.all(parts[w == 0] == 0)
    np.testing.assert_array_equal(parts, largest_remainder(total, w))


# --- GCJ-02 ------------------------------------------------------------------------------------


def test_gcj02_inverse_round_trips_and_offset_is_about_half_a_kilometre():
    lon = np.array([121.47, 121.80, 121.20, 121.50])
    lat = np.array([31.23, 31.10, 30.80, 31.60])
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
    np.testing.assert_allclose(f_lon, lon, atol=1e-9)
    np.testing.assert_allclose(f_lat, lat, atol=1e-9)
    gx, gy = lonlat_to_xy(lon, lat, CRS)
    wx, wy = lonlat_to_xy(w_lon, w_lat, CRS)
    shift_m = np.hypot(gx - wx, gy - wy)
    # GCJ-02 shifts Shanghai points by ~0.4-0.6 km, mostly to the east (GCJ lon > WGS lon)
    assert np.all((shift_m > 300) & (shift_m < 800)), shift_m
    assert np.all(lon > w_lon)


def test_gcj02_inverse_of_a_point_does_not_depend_on_the_rest_of_the_array():
    # bit-identical results keep shared polygon vertices shared (exact coverage)
    one = gcj02_to_wgs84(np.array([121.470387]), np.array([31.191271]))
    many = gcj02_to_wgs84(np.array([121.470387, 100.0, 121.9]), np.array([31.191271, 20.0, 31.4]))
    assert one[0][0] == many[0][0] and one[1][0] == many[1][0]


def test_utm_round_trip():
    x, y = lonlat_to_xy([121.5, 121.0], [31.2, 30.9], CRS)
    lon, lat = xy_to_lonlat(x, y, CRS)
    np.testing.assert_allclose(lon, [121.5, 121.0], atol=1e-9)
    np.testing.assert_allclose(lat, [31.2, 30.9], atol=1e-9)
    # 121.5E lies 1.5 deg west of the zone's 123E central meridian: easting < 500,000 m
    assert x[0] < 500_000


# --- loader errors -----------------------------------------------------------------------------

FILES = ("city.yaml", "districts.csv", "districts.geojson", "links.csv", "exposure_totals.csv")


@pytest.fixture
def data_copy(tmp_path):
    for name in FILES:
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("missing", FILES)
def test_load_city_names_the_missing_file(data_copy, missing):
    (data_copy / missing).unlink()
    with pytest.raises(CityDataError, match=missing.replace(".", r"\.")) as err:
        load_city(data_copy)
    assert err.value.file.name == missing


def test_load_city_reports_missing_column(data_copy):
    path = data_copy / "districts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("population_2020", "pop"), "utf-8")
    with pytest.raises(CityDataError, match="population_2020"):
        load_city(data_copy)


def test_load_city_reports_mismatched_district_names(data_copy):
    path = data_copy / "districts.geojson"
    geo = json.loads(path.read_text(encoding="utf-8"))
    geo["features"][3]["properties"]["name_en"] = "Jingan"
    path.write_text(json.dumps(geo), encoding="utf-8")
    with pytest.raises(CityDataError, match=r"Jingan.*Jing'an") as err:
        load_city(data_copy)
    assert err.value.file.name == "districts.geojson"


def test_load_city_rejects_unknown_link_type(data_copy):
    path = data_copy / "links.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",ferry,", ",boat,"), "utf-8")
    with pytest.raises(CityDataError, match="boat"):
        load_city(data_copy)


def test_load_city_rejects_exposure_category_without_rule(data_copy):
    path = data_copy / "exposure_totals.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("unicorns,count,5,nowhere,assumption\n")
    with pytest.raises(CityDataError, match="unicorns"):
        load_city(data_copy)


def test_load_city_rejects_a_rule_category_without_a_total(data_copy):
    """Every category of city.yaml's allocation rules needs its city total: the model reads
    them all (a missing row passed validate and crashed run with a KeyError)."""
    path = data_copy / "exposure_totals.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(ln for ln in lines if not ln.startswith("shop_signboards,")), "utf-8")
    with pytest.raises(CityDataError, match=r"no city total for \['shop_signboards'\]"):
        load_city(data_copy)
