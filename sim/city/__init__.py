"""City layer: the city profile, districts, polygons, links between districts and exposure."""

from sim.city.districts import City, city_files, load_city
from sim.city.errors import CityDataError
from sim.city.exposure import RELOCATION_CATEGORIES, allocation_rule, largest_remainder
from sim.city.geo import gcj02_to_wgs84, lonlat_to_xy, wgs84_to_gcj02, xy_to_lonlat
from sim.city.profile import CityProfile, load_profile

__all__ = [
    "RELOCATION_CATEGORIES",
    "City",
    "CityDataError",
    "CityProfile",
    "allocation_rule",
    "city_files",
    "gcj02_to_wgs84",
    "largest_remainder",
    "load_city",
    "load_profile",
    "lonlat_to_xy",
    "wgs84_to_gcj02",
    "xy_to_lonlat",
]
