"""The fictional example city runs end to end from its own data folder, in its own CRS.

scenarios/example-city/typhoon.yaml on scenarios/data/example-city (UTM zone 50N): the
geometry, depots, storm centre and outcomes must follow from that folder alone; its data files
are reproduced byte for byte by make_city.py.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from docs_sections import python_blocks

from sim.agents.district_government import DistrictGovernment
from sim.city import RELOCATION_CATEGORIES, load_city
from sim.models.emergency import CityModel
from sim.results.summary import summarise
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data" / "example-city"
SCENARIO = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


@pytest.fixture(scope="module")
def run():
    t0 = time.perf_counter()
    model = CityModel(load_scenario(SCENARIO))
    model.run()
    return model, summarise(model, time.perf_counter() - t0)


def test_make_city_reproduces_every_shipped_data_file(tmp_path):
    spec = importlib.util.spec_from_file_location("make_city", DATA / "make_city.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(
        p.name for p in DATA.iterdir() if p.suffix in (".csv", ".geojson", ".yaml")
    )
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_polygons_form_a_coverage_with_a_river_link_and_coastal_flats():
    city = load_city(DATA)
    assert city.n_districts == 5
    areas = shapely.area(np.asarray(city.polygons_xy, dtype=object))
    union = shapely.union_all(city.polygons_xy).area
    assert union == pytest.approx(areas.sum(), rel=1e-5)  # no overlap beyond 6-decimal rounding
    # land area = polygon area except Saltmarsh, whose polygon adds 2.5 km of intertidal flats
    d = city.districts.set_index("name_en")
    excess = d["polygon_area_km2"] - d["area_km2"]
    assert (excess.drop("Saltmarsh").abs() < 0.01).all()
    assert excess["Saltmarsh"] == pytest.approx(20.0, rel=0.05)  # ~8 km x 2.5 km of flats
    assert city.exposure["vessel_crew_persons"].to_numpy().tolist() == [0, 0, 0, 0, 300]
    links = {(city.districts.name_en[a], city.districts.name_en[b]): t for a, b, t in
             city.links[["a", "b", "link_type"]].itertuples(index=False)}  # fmt: skip
    assert links[("Old Harbour", "Riverside")] == "river"
    assert set(links.values()) == {"land", "river"}


def test_geometry_and_storm_are_in_the_city_crs(run):
    model, _ = run
    city = model.city
    assert city.crs == "EPSG:32650"
    # UTM 50N eastings of 117.9-118.1 E lie east of the 117 E central meridian
    assert (city.districts["centroid_x_m"].between(590_000, 615_000)).all()
    assert (city.districts["centroid_y_m"].between(2_470_000, 2_490_000)).all()
    # the storm centre at landfall (2030-08-02T18Z) is 0.6 deg (~62 km) west of the centre
    state = model.hazard.storm_state(np.datetime64("2030-08-02T18:00:00"))
    x0, y0 = city.reference_xy
    assert state.x_m - x0 == pytest.approx(-61_800, abs=1_500)
    assert abs(state.y_m - y0) < 1_000
    # the central reserve sits at city hall in Old Harbour; every depot kind of the profile
    # has at least its count of depots and at least one in every district
    reserve = [d for d in model.service.depots if d.central]
    assert [city.districts.name_en[reserve[0].district]] == ["Old Harbour"]
    for kind, spec in city.profile.emergency.depots.items():
        mine = [d for d in model.service.depots if d.kind == kind]
        assert len(mine) >= spec.count
        assert {d.district for d in mine} == set(range(city.n_districts))
    assert len(reserve) == 1 and model.service.depots[-1].central


def test_outcomes_are_plausible_for_a_strong_typhoon_on_a_small_city(run):
    model, s = run
    assert s["wall_time_s"] < 30
    # peak gusts of ~40 m/s in every district (the right-front quadrant of a 35 m/s storm)
    series = model.datacollector.get_agenttype_vars_dataframe(DistrictGovernment)
    peak = series.groupby(level="AgentID")["gust_ms"].max().to_numpy()
    assert len(peak) == 5 and ((peak > 30) & (peak < 50)).all(), peak
    pools = int(model.city.exposure[list(RELOCATION_CATEGORIES)].to_numpy().sum())
    assert 1_000 < s["people_relocated"] < pools
    assert 0 <= s["deaths"] <= 20 and s["injuries"] >= 0
    assert 100 < s["trees_down"] < 20_000
    assert 0 < s["power_line_faults"] < 200
    assert 0 < s["signboards_fallen"] < 0.05 * model.city.exposure["shop_signboards"].sum()
    assert 1e6 < s["direct_loss_yuan"] < 1e9
    assert s["incidents"] > 0 and 0 <= s["incidents_unserved"] <= s["incidents"]
    assert 1_000 < s["assets"] < 5_000


SECTION = "## Adding a city"


def _docs_example() -> str:
    return python_blocks(SECTION)


def test_docs_worked_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(_docs_example(), "docs: Adding a city", "exec"), namespace)  # noqa: S102
    assert namespace["city"].crs == "EPSG:32650"
    assert namespace["summary"]["trees_down"] > 0
    assert "Old Harbour" in capsys.readouterr().out


def test_the_sheltered_are_supplied_through_the_dispatcher(run):
    """Relief loads (sim.response.relief) go through the same dispatcher as damage jobs:
    one truck each, at most a day for 1,000 persons, from the warehouses' stock; their
    shortfall is part of what they were ordered for, and they are not counted as incidents."""
    model, s = run
    svc = model.service
    rec = svc.records()
    loads = rec[rec["kind"] == "shelter_resupply"]
    sheltered = sum(gov.sheltered_now for gov in model.districts)
    assert s["people_relocated"] > 0 and len(loads) == svc.n_relief_loads > 0
    assert s["incidents"] == len(rec) - len(loads)
    assert 0 < s["relief_shortfall_person_days"] < s["relief_person_days"]
    # ordered ahead: at least a day for everyone sheltered at any time is on order
    assert s["relief_person_days"] >= sheltered * 1.0 - 1e-6
    served = loads["full_bundle_h"].notna()
    assert served.sum() > 0.5 * len(loads)
