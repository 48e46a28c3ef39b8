"""Generate the fictional example city: polygons, tables, city profile and a typhoon track.

Rerunnable: ``python scenarios/data/example-city/make_city.py`` (with the project on the path)
rewrites every data file of this folder from the constants below. Everything here is
FICTIONAL (README.md): a coastal city of five districts on an invented coast of the northern
South China Sea, placed in UTM zone 50N (EPSG:32650) so that its CRS differs from the first
city's.

Geometry (local metres east/north of the city origin, then shifted to UTM 50N and written as
WGS84 lon/lat):

* land: x in [-14, 14] km, from the coastline y = coast(x) = -1.2 km sin(x / 5 km) - 0.4 km
  (x / 14 km)^2 up to y = 16 km; the sea lies to the south;
* a river from the north edge to the sea along x = 0.6 km sin(y / 2.5 km);
* districts: Old Harbour (west of the river mouth) and Riverside (east of it), y <= 5 km and
  |x| <= 6 km, the urban core; Northgate north of them (new town); Westhill west of x = -6 km and
  Saltmarsh east of x = 6 km (outskirts). Saltmarsh's polygon also holds 2.5 km of intertidal
  flats seaward of the coast (as administrative polygons of real coastal districts do), so its
  polygon area exceeds its land area: the foreshore exposure goes there.

Run it twice and the files are byte-identical (no randomness; coordinates rounded to 6 decimals).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, box, mapping

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
from sim.city.geo import lonlat_to_xy, xy_to_lonlat  # noqa: E402

CRS = "EPSG:32650"  # UTM zone 50N (114-120 E)
ORIGIN_LONLAT = (118.0, 22.4)  # fictional city centre, on an invented coast
STEP_M = 200.0  # vertex spacing of the coastline and river

DISTRICTS = [  # name_en, name_zh, adcode (fictional), population (fictional), zone
    ("Old Harbour", "旧港区", 990001, 260_000, "core"),
    ("Riverside", "河畔区", 990002, 210_000, "core"),
    ("Northgate", "北门区", 990003, 230_000, "new_town"),
    ("Westhill", "西山区", 990004, 70_000, "outskirts"),
    ("Saltmarsh", "盐沼区", 990005, 55_000, "outskirts"),
]


def coast_y(x):
    return -1200.0 * np.sin(np.asarray(x) / 5000.0) - 400.0 * (np.asarray(x) / 14000.0) ** 2


def river_x(y):
    return 600.0 * np.sin(np.asarray(y) / 2500.0)


def polygons_local() -> tuple[dict[str, Polygon], Polygon]:
    """District polygons in local metres, and the land polygon."""
    xs = np.arange(-14000.0, 14000.0 + STEP_M, STEP_M)
    land = Polygon([(-14000.0, 16000.0), *zip(xs, coast_y(xs), strict=True), (14000.0, 16000.0)])
    ys = np.arange(-5000.0, 5000.0 + STEP_M, STEP_M)
    river = list(zip(river_x(ys), ys, strict=True))  # south -> north
    west_core = Polygon([(-6000.0, -5000.0), *river, (-6000.0, 5000.0)])
    east_core = Polygon([*river, (6000.0, 5000.0), (6000.0, -5000.0)])
    flats_x = np.arange(6000.0, 14000.0 + STEP_M, STEP_M)
    flats = Polygon(
        [*zip(flats_x, coast_y(flats_x), strict=True),
         *zip(flats_x[::-1], coast_y(flats_x[::-1]) - 2500.0, strict=True)]
    )  # fmt: skip
    cells = {
        "Old Harbour": west_core,
        "Riverside": east_core,
        "Northgate": box(-6000.0, 5000.0, 6000.0, 16000.0),
        "Westhill": box(-14000.0, -5000.0, -6000.0, 16000.0),
        "Saltmarsh": box(6000.0, -5000.0, 14000.0, 16000.0),
    }
    out = {name: shapely.normalize(cell.intersection(land)) for name, cell in cells.items()}
    out["Saltmarsh"] = shapely.normalize(out["Saltmarsh"].union(flats))
    return out, land


def to_lonlat(poly: Polygon, x0: float, y0: float) -> Polygon:
    def f(coords):
        lon, lat = xy_to_lonlat(coords[:, 0] + x0, coords[:, 1] + y0, CRS)
        return np.column_stack([np.round(lon, 6), np.round(lat, 6)])

    return shapely.transform(poly, f)


def shared_border_km(a: Polygon, b: Polygon) -> float:
    return float(a.boundary.intersection(b.boundary).length) / 1000.0


def main(out: Path = HERE) -> None:
    """Write every data file of the example city into ``out`` (default: this folder)."""
    x0, y0 = (float(np.asarray(v)) for v in lonlat_to_xy(*ORIGIN_LONLAT, CRS))
    local, land = polygons_local()
    features, rows = [], []
    for name, zh, adcode, pop, zone in DISTRICTS:
        poly = local[name]
        geo = to_lonlat(poly, x0, y0)
        features.append(
            {
                "type": "Feature",
                "properties": {"adcode": adcode, "name_zh": zh, "name_en": name},
                "geometry": mapping(geo),
            }
        )
        land_km2 = poly.intersection(land).area / 1e6
        rows.append([name, zh, adcode, pop, f"{land_km2:.2f}", zone])
    (out / "districts.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    with (out / "districts.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name_en", "name_zh", "adcode", "population_2020", "area_km2", "zone"])
        w.writerows(rows)
    write_links(local, out)
    write_profile(x0, y0, out)
    write_track(out)
    write_table("exposure_totals.csv", EXPOSURE_TOTALS, out)
    write_table("emergency_resources.csv", EMERGENCY_RESOURCES, out)
    (out / "evacuation.yaml").write_text(EVACUATION, encoding="utf-8")
    (out / "population.yaml").write_text(POPULATION, encoding="utf-8")


def write_table(name: str, rows: list[tuple], out: Path) -> None:
    with (out / name).open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def write_links(local: dict[str, Polygon], out: Path) -> None:
    names = [d[0] for d in DISTRICTS]
    with (out / "links.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name_en_a", "name_en_b", "link_type", "shared_border_km", "note"])
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                km = shared_border_km(local[a], local[b])
                if km < 0.1:
                    continue
                river = {a, b} == {"Old Harbour", "Riverside"}
                note = "river mid-line border: bridge crossing" if river else ""
                w.writerow([a, b, "river" if river else "land", f"{km:.3f}", note])


def write_profile(x0: float, y0: float, out: Path) -> None:
    """city.yaml: every value fictional (README.md), in the format of sim.city.profile."""
    ref_lon, ref_lat = (round(float(np.asarray(v)), 4) for v in xy_to_lonlat(x0, y0, CRS))
    hall_lon, hall_lat = (
        round(float(np.asarray(v)), 4) for v in xy_to_lonlat(x0 - 2000.0, y0 + 1500.0, CRS)
    )
    text = PROFILE_TEMPLATE.format(
        ref_lon=ref_lon, ref_lat=ref_lat, hall_lon=hall_lon, hall_lat=hall_lat
    )
    (out / "city.yaml").write_text(text, encoding="utf-8")


def write_track(out: Path) -> None:
    """A fictional typhoon, 6-hourly: from the south-east, landfall ~60 km west of the centre
    (the city lies in the storm's right-front quadrant), 35 m/s at landfall, weakening over
    land (e-folding 24 h)."""
    lon0, lat0 = ORIGIN_LONLAT
    hours = np.arange(0, 79, 6)
    # straight track through (lon0 - 0.6, lat0) at hour 42, heading north-west (315 deg)
    s_deg = (hours - 42) * 0.18  # ~20 km/h
    lon = lon0 - 0.6 - s_deg * np.sin(np.radians(45.0))
    lat = lat0 + s_deg * np.cos(np.radians(45.0))
    over_land = np.clip(hours - 42, 0, None)
    wind = np.where(hours <= 42, np.minimum(25 + hours * 0.3, 35), 35 * np.exp(-over_land / 24))
    pressure = 1008 - (wind / 35.0) ** 2 * 38  # 970 hPa at the 35 m/s peak
    times = np.datetime64("2030-08-01T00:00:00") + hours.astype("timedelta64[h]")
    with (out / "typhoon_track.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["time_utc", "lat", "lon", "pressure_hpa", "wind_ms", "agency", "source"])
        for t, la, lo, p, v in zip(times, lat, lon, pressure, wind, strict=True):
            w.writerow(
                [
                    f"{str(t)}Z",
                    f"{la:.2f}",
                    f"{lo:.2f}",
                    f"{p:.0f}",
                    f"{v:.0f}",
                    "EXAMPLE",
                    "fictional track (scenarios/data/example-city/make_city.py)",
                ]
            )


_FICT = "fictional (example city, make_city.py)"
EXPOSURE_TOTALS = [
    ("category", "unit", "city_total", "source", "confidence"),
    ("glass_curtain_wall_buildings", "buildings", 400, _FICT, "fictional"),
    ("shop_signboards", "signboards", 12000, _FICT, "fictional"),
    ("advertising_structures", "structures", 900, _FICT, "fictional"),
    ("old_housing_m2", "m2", 3000000, _FICT, "fictional"),
    ("small_beam_thin_slab_m2", "m2", 20000, _FICT, "fictional"),
    ("historic_buildings", "buildings", 80, _FICT, "fictional"),
    ("historic_protected_sites", "sites", 30, _FICT, "fictional"),
    ("external_insulation_estates", "estates", 10, _FICT, "fictional"),
    ("underpasses", "underpasses", 16, _FICT, "fictional"),
    ("underground_pipeline_km", "km", 3000, _FICT, "fictional"),
    ("construction_sites", "sites", 150, _FICT, "fictional"),
    ("construction_workers_persons", "persons", 18000, _FICT, "fictional"),
    ("dangerous_housing_persons", "persons", 2500, _FICT, "fictional"),
    ("shed_dwellers_persons", "persons", 2000, _FICT, "fictional"),
    ("seawall_outside_workers_persons", "persons", 100, _FICT, "fictional"),
    ("offshore_port_workers_persons", "persons", 200, _FICT, "fictional"),
    ("vessel_crew_persons", "persons", 300, _FICT, "fictional"),
]
_BORROWED = (
    "fictional: the per-capita assumptions of scenarios/data/shanghai/emergency_resources.csv"
)
EMERGENCY_RESOURCES = [
    ("resource", "kind", "depot_kind", "per_100k_persons", "per_depot", "central_reserve", "basis"),
    ("fire_rescue", "team", "fire_station", 0, 2, 0, "fictional: 2 squads per fire station"),
    ("boat", "equipment", "fire_station", 0, 1, 2, _BORROWED),
    ("vehicle", "equipment", "fire_station", 0, 2, 0, _BORROWED),
    ("medical", "team", "ambulance_station", 3.94, 0, 0, _BORROWED),
    ("medical_kits", "supply", "ambulance_station", 0, 10, 50, _BORROWED),
    ("power_repair", "team", "power_service_point", 2, 0, 0, _BORROWED),
    ("bucket_truck", "equipment", "power_service_point", 2, 0, 0, _BORROWED),
    ("generator", "equipment", "power_service_point", 4, 0, 4, _BORROWED),
    ("conductor_m", "supply", "power_store", 0, 5000, 2000, _BORROWED),
    ("drainage", "team", "drainage_depot", 2, 0, 0, _BORROWED),
    ("pump", "equipment", "drainage_depot", 6, 0, 4, _BORROWED),
    ("pipeline_repair", "team", "works_depot", 1, 0, 0, _BORROWED),
    ("structural", "team", "works_depot", 1, 0, 0, _BORROWED),
    ("excavator", "equipment", "works_depot", 1, 0, 1, _BORROWED),
    ("crane", "equipment", "works_depot", 1, 0, 1, _BORROWED),
    ("tree_clearance", "team", "landscaping_depot", 5, 0, 0, "fictional: a leafy city"),
    ("chainsaw", "equipment", "landscaping_depot", 10, 0, 0, "fictional: 2 per crew"),
    ("haul_truck", "equipment", "sanitation_yard", 4, 0, 0, "fictional"),
    ("sandbags", "supply", "material_warehouse", 0, 25000, 5000, _BORROWED),
    ("fuel_l", "supply", "material_warehouse", 0, 25000, 4000, _BORROWED),
    ("drinking_water_l", "supply", "material_warehouse", 0, 37000, 6000, _BORROWED),
    ("food_rations", "supply", "material_warehouse", 0, 37000, 6000, _BORROWED),
    ("barriers", "supply", "material_warehouse", 0, 300, 100, _BORROWED),
    ("fill_m3", "supply", "material_warehouse", 0, 500, 200, _BORROWED),
    ("bedding_sets", "supply", "material_warehouse", 0, 5000, 4000, _BORROWED),
    ("vehicle", "equipment", "material_warehouse", 0, 10, 4, _BORROWED),
]

EVACUATION = """\
# Relocation rules and means of the FICTIONAL example city (generated by make_city.py; see
# README.md). Every value is invented; the rules copy the form of the Shanghai file
# (scenarios/data/shanghai/evacuation.yaml). Format: sim/city/evacuation.py.
lead_h: 24
lead_source: Fictional (the lead window of the Shanghai rules).

orders:
  vessel_crew_persons:
    min_response_level: 1
    triggers: [{im: gust_ms, at_least: 17.2}]
    source: Fictional.
  offshore_port_workers_persons:
    min_response_level: 1
    triggers: [{im: gust_ms, at_least: 17.2}]
    source: Fictional.
  seawall_outside_workers_persons:
    min_response_level: 1
    triggers: [{im: gust_ms, at_least: 17.2}, {im: flood_depth_m, at_least: 0.1}]
    source: Fictional.
  shed_dwellers_persons:
    min_response_level: 2
    triggers: [{im: gust_ms, at_least: 24.5}, {im: rain_mm_per_h, at_least: 100}]
    source: Fictional.
  dangerous_housing_persons:
    min_response_level: 2
    triggers: [{im: gust_ms, at_least: 24.5}, {im: rain_mm_per_h, at_least: 100}]
    source: Fictional.
  construction_workers_persons:
    min_response_level: 2
    housing: [site_temporary]
    triggers: [{im: gust_ms, at_least: 24.5}]
    source: Fictional.

households:
  construction_workers_persons:
    persons_per_household: 1.0
    housing: {site_temporary: 0.4, site_offsite: 0.6}
    experience_share: 0.5
    transport: bus
    sheltered: true
    source: Fictional.
  dangerous_housing_persons:
    persons_per_household: 2.5
    housing: {old_dangerous: 1.0}
    experience_share: 0.5
    transport: bus
    sheltered: true
    source: Fictional.
  shed_dwellers_persons:
    persons_per_household: 2.0
    housing: {shed: 1.0}
    experience_share: 0.5
    transport: bus
    sheltered: true
    source: Fictional.
  seawall_outside_workers_persons:
    persons_per_household: 1.0
    housing: {outdoor_worksite: 1.0}
    experience_share: 0.8
    transport: bus
    sheltered: true
    source: Fictional.
  offshore_port_workers_persons:
    persons_per_household: 1.0
    housing: {outdoor_worksite: 1.0}
    experience_share: 0.8
    transport: bus
    sheltered: true
    source: Fictional.
  vessel_crew_persons:
    persons_per_household: 1.0
    housing: {vessel: 1.0}
    experience_share: 0.9
    transport: own
    sheltered: false
    source: Fictional.

transport:
  buses:
    city_total: 120
    districts: {Old Harbour: 30}
    source: Fictional.
  persons_per_trip: 40
  trips_per_h: 1.0
  source: Fictional.

shelters:
  sites:
    city_total: 60
    source: Fictional.
  places_per_site: 300
  source: Fictional.

outdoor_work_halt:
  min_response_level: 3
  source: Fictional (the level of the Shanghai rules).
"""

PROFILE_TEMPLATE = """\
# City profile of the FICTIONAL example city (generated by make_city.py; see README.md).
# Every value is invented for the worked example of docs/extending.md; none describes a real
# place. Format and meaning of each field: sim/city/profile.py.
name: Example City

crs: EPSG:32650
crs_source: UTM zone 50N (114-120 E), the zone of the fictional city centre (118.0 E, 22.4 N).
utc_offset_h: 8
utc_offset_source: Fictional; UTC+8 like the coast it is imagined on.
persons_per_household: 2.8
persons_per_household_source: Fictional (assumption).

reference_point:
  lon: {ref_lon}
  lat: {ref_lat}
  source: The fictional city centre (origin of make_city.py's local frame).

zones:
  core:
    description: Old Harbour and Riverside, the old town on both banks of the river mouth
    urban_core: true
    drainage_capacity_mm_per_h: 40.0
    runoff_coefficient: 0.7
    peak_pedestrian_density_per_m2: 0.015
    source: Fictional (assumption).
  new_town:
    description: Northgate, the planned new town north of the core
    urban_core: false
    drainage_capacity_mm_per_h: 45.0
    runoff_coefficient: 0.6
    peak_pedestrian_density_per_m2: 0.008
    source: Fictional (assumption, newer drainage with a higher standard).
  outskirts:
    description: Westhill (hills, farmland) and Saltmarsh (coastal flats, port industry)
    urban_core: false
    drainage_capacity_mm_per_h: 30.0
    runoff_coefficient: 0.4
    peak_pedestrian_density_per_m2: 0.002
    source: Fictional (assumption).

emergency:
  depots:
    fire_station: {{count: 12, holds: fire squads and boats, source: Fictional.}}
    ambulance_station: {{count: 10, holds: ambulance crews, source: Fictional.}}
    power_service_point: {{count: 4, holds: line crews and bucket trucks, source: Fictional.}}
    power_store: {{count: 4, holds: spare conductor, source: Fictional.}}
    drainage_depot: {{count: 4, holds: drainage crews and pumps, source: Fictional.}}
    works_depot: {{count: 4, holds: engineering crews and excavators, source: Fictional.}}
    landscaping_depot: {{count: 4, holds: tree crews and chainsaws, source: Fictional.}}
    sanitation_yard: {{count: 4, holds: haul trucks, source: Fictional.}}
    material_warehouse: {{count: 4, holds: flood-control materials, source: Fictional.}}
  central_reserve:
    lon: {hall_lon}
    lat: {hall_lat}
    site: city hall depot, Old Harbour (fictional)
  source: Fictional (about one fire station per 70,000 residents).

rainfall_idf:
  a_mm_per_min: 10.5
  c: 0.75
  b_min: 8.0
  n: 0.68
  chicago_r: 0.4
  source: Fictional coefficients in the GB 50014 form (about 40 mm/h for a 1-year hour).

site:
  vs30_ms: 300.0
  site_class: III (fictional)
  source: Fictional (assumption, stiff coastal sediments).

population_ages:
  bands:
    - {{from_years: 0, to_years: 15, share: 0.15}}
    - {{from_years: 15, to_years: 60, share: 0.65}}
    - {{from_years: 60, to_years: 65, share: 0.06}}
    - {{from_years: 65, to_years: 85, share: 0.14}}
  source: Fictional (assumption, an ageing coastal city).

earthquake_fatality:
  country: CN
  theta_mmi: 10.33
  beta: 0.10
  source: >-
    Fictional city on an imagined Chinese coast: USGS PAGER's empirical fatality model for China
    (Jaiswal & Wald 2010, Earthquake Spectra 26(4):1017-1037), rounded.

hazmat:
  enterprises_by_district:
    Saltmarsh: 2
    Westhill: 1
  mobile_radioactive_sources: 4
  chemical_park_district: Saltmarsh
  source: Fictional (a small port chemical park on the flats).

exposure_allocation:
  source: Fictional rules (assumptions), in the kinds of sim/city/exposure.py.
  rules:
    glass_curtain_wall_buildings:
      {{rule: population_by_zone, factors: {{core: 2.0, new_town: 1.5, outskirts: 0.3}}}}
    shop_signboards:
      {{rule: population_by_zone, factors: {{core: 1.5, new_town: 1.0, outskirts: 0.8}}}}
    advertising_structures:
      {{rule: population_by_zone, factors: {{core: 1.5, new_town: 1.0, outskirts: 0.8}}}}
    old_housing_m2:
      {{rule: population_by_zone, factors: {{core: 3.0, new_town: 0.3, outskirts: 1.0}}}}
    small_beam_thin_slab_m2:
      {{rule: population_by_zone, factors: {{core: 1.0, new_town: 0.0, outskirts: 0.2}}}}
    historic_buildings:
      {{rule: population_by_zone, factors: {{core: 1.0, new_town: 0.0, outskirts: 0.1}}}}
    historic_protected_sites:
      {{rule: population_by_zone, factors: {{core: 1.0, new_town: 0.0, outskirts: 0.1}}}}
    external_insulation_estates:
      {{rule: population_by_zone, factors: {{core: 0.3, new_town: 1.0, outskirts: 0.5}}}}
    underpasses:
      {{rule: population_by_zone, factors: {{core: 1.5, new_town: 1.0, outskirts: 0.3}}}}
    underground_pipeline_km: {{rule: population_area_mix, population: 0.7, area: 0.3}}
    construction_sites: {{rule: population_area_mix, population: 0.5, area: 0.5}}
    construction_workers_persons: {{rule: population_area_mix, population: 0.5, area: 0.5}}
    dangerous_housing_persons:
      rule: population_by_zone_and_rural_area
      factors: {{core: 3.0, new_town: 0.3, outskirts: 1.0}}
      population: 0.5
      rural: 0.5
    shed_dwellers_persons: {{rule: rural_area}}
    seawall_outside_workers_persons: {{rule: foreshore}}
    vessel_crew_persons: {{rule: foreshore}}
    offshore_port_workers_persons: {{rule: zones, zones: [core]}}

networks:
  statistics_population: {{value: 825000, source: sum of districts.csv (fictional)}}
  water_plants: {{value: 3, source: fictional}}
  water_capacity_m3_per_day: {{value: 420000.0, source: fictional}}
  municipal_drainage_stations: {{value: 8, source: fictional}}
  municipal_drainage_capacity_m3_per_s: {{value: 60.0, source: fictional}}
  district_drainage_capacity_m3_per_s: {{value: 70.0, source: fictional}}
  drainage_pipe_km: {{value: 600.0, source: fictional}}
  urban_road_km: {{value: 450.0, source: fictional}}
  urban_bridges: {{value: 60, source: fictional}}
  underpasses: {{value: 16, source: fictional (as exposure_totals.csv)}}
  river_crossings: {{value: 4, source: fictional (bridges over the river mouth)}}
  tunnel_bridge_min_length_km: {{value: 1.0, source: fictional (the city has no tunnel-bridge)}}
  gas_pipe_km: {{value: 570.0, source: fictional (the first city's km per person)}}
  gas_hp_pipe_km: {{value: 40.0, source: fictional}}
  gas_piped_persons: {{value: 400000, source: fictional}}
  gas_gate_stations: {{value: 2, source: fictional}}
"""

POPULATION = """\
# Inputs of the synthetic population of the FICTIONAL example city (generated by make_city.py;
# see README.md). Every value is invented; the form is the Shanghai file's
# (scenarios/data/shanghai/population.yaml). Format: sim/city/population/inputs.py.
family_households: 310000
family_household_size_mean: 2.4
family_households_source: Fictional (assumption); 744,000 persons in family households.
household_size_shares: [0.25, 0.35, 0.22, 0.10, 0.05, 0.02, 0.01]
household_size_source: Fictional (assumption), sizes 1..7.
from_other_provinces_persons: 250000
from_other_provinces_source: Fictional (assumption).
collective_household_mean_persons: 4.0
collective_household_source: Fictional (assumption).
old_housing_m2_per_person: 20.0
old_housing_source: Fictional (assumption).
site_workers_on_site_share: 0.3
site_workers_source: Fictional (assumption).
households_per_building:
  ordinary: 40
  old_housing: 20
  old_dangerous: 4
  shed: 2
  site_temporary: 10
  dormitory: 20
buildings_source: Fictional (assumption); buildings placed uniformly in the district polygon.
"""


if __name__ == "__main__":
    main()
