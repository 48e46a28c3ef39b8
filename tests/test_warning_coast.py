"""Typhoon criteria checked over the coastal waters too ("沿海或者陆地", CMA Order No. 16).

The coastal points (sim/city/coast.py) lie off the city's land, inside the criteria file's
boxes, and count for the nearest district; a storm whose mean wind reaches orange (Beaufort
10, 24.5 m/s) only over the water raises the nearest district to orange when the hazard's
criteria are ``coastal`` and leaves it at yellow when they are not.
"""

from __future__ import annotations

import mesa
import numpy as np
import pytest
import shapely
import yaml

from sim.agents.warning_centre import WarningCentre
from sim.city import load_city
from sim.city.coast import coastal_points
from sim.city.errors import CityDataError
from sim.city.warning_criteria import criteria_path, load_warning_criteria

DATA = "scenarios/data/shanghai"
CRITERIA = load_warning_criteria(criteria_path(DATA))


@pytest.fixture(scope="module")
def city():
    return load_city(DATA)


@pytest.fixture(scope="module")
def coast(city):
    return coastal_points(city, CRITERIA.coastal_waters)


def test_coastal_points_are_off_land_inside_the_boxes_and_count_for_the_nearest_district(
    city, coast
):
    x, y, d = coast
    assert x.size > 50
    assert (city.locate(x, y) == -1).all()
    lon, lat = city.to_lonlat(x, y)
    inside = np.zeros(x.size, bool)
    for a in CRITERIA.coastal_waters.areas:
        inside |= (
            (lon >= a.lon_deg[0] - 1e-6) & (lon <= a.lon_deg[1] + 1e-6)
            & (lat >= a.lat_deg[0] - 1e-6) & (lat <= a.lat_deg[1] + 1e-6)
        )  # fmt: skip
    assert inside.all()
    polys = np.asarray(city.polygons_xy, dtype=object)
    for i in range(0, x.size, 17):  # the nearest polygon, by brute force
        dist = shapely.distance(polys, shapely.Point(x[i], y[i]))
        assert d[i] == int(np.argmin(dist))
    names = set(city.districts["name_en"].iloc[np.unique(d)])
    assert "Chongming" in names and "Pudong New Area" in names  # the estuary's two shores
    assert "Xuhui" not in names  # inland districts never get sea points


class _Model(mesa.Model):
    def __init__(self):
        super().__init__(rng=0)
        self.time = 0.0

    def log_event(self, kind, **kw):
        pass


class _SeaWind:
    """A forecast whose mean wind is 20 m/s on land (yellow) and 26 m/s at the coastal
    points (orange, Beaufort 10), with no gusts or rain."""

    horizon_h = 72.0
    issued_h = 0.0

    def __init__(self, sea_x):
        self.sea_x = set(np.round(sea_x, 3))

    def peak(self, im, x_m, y_m, within_h):
        if im != "sustained_ms":
            return np.zeros(np.shape(x_m))
        at_sea = np.array([round(v, 3) in self.sea_x for v in np.asarray(x_m)])
        return np.where(at_sea, 26.0, 20.0)

    def total(self, im, x_m, y_m, within_h):
        return np.zeros(np.shape(x_m))


@pytest.mark.parametrize("coastal", [True, False])
def test_wind_over_the_water_raises_the_coastal_districts(city, coast, coastal):
    rules = CRITERIA.model_copy(
        update={
            "hazards": {
                "typhoon": CRITERIA.hazards["typhoon"].model_copy(update={"coastal": coastal})
            }
        }
    )
    centre = WarningCentre(_Model(), "forecast", rules)
    land_x, land_y = np.zeros(city.n_districts), np.zeros(city.n_districts)
    centre.decide(
        _SeaWind(coast[0]), land_x, land_y, np.arange(city.n_districts), city.n_districts, coast
    )
    by_district = centre.district_levels["typhoon"]
    with_sea = np.unique(coast[2])
    expected = np.full(city.n_districts, 2)  # yellow everywhere from the land points
    if coastal:
        expected[with_sea] = 3  # orange where the water is
    assert (by_district == expected).all()
    assert centre.levels["typhoon"] == ("orange" if coastal else "yellow")


def test_coastal_rules_without_coastal_waters_are_refused(tmp_path):
    data = yaml.safe_load(criteria_path(DATA).read_text(encoding="utf-8"))
    del data["coastal_waters"]
    bad = tmp_path / "warning_criteria.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CityDataError, match="coastal: true but no coastal_waters"):
        load_warning_criteria(bad)


def test_a_box_given_high_to_low_is_refused(tmp_path):
    data = yaml.safe_load(criteria_path(DATA).read_text(encoding="utf-8"))
    data["coastal_waters"]["areas"][0]["lon_deg"] = [122.5, 121.45]
    bad = tmp_path / "warning_criteria.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CityDataError, match=r"coastal_waters\.areas\.0.*low < high"):
        load_warning_criteria(bad)
