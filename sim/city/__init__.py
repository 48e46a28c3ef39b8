"""City layer: districts, polygons, links between districts and the exposure inventory."""

from sim.city.districts import City, load_city
from sim.city.errors import CityDataError
from sim.city.exposure import ALLOCATION_RULES, RELOCATION_CATEGORIES, largest_remainder
from sim.city.geo import gcj02_to_wgs84, lonlat_to_xy, wgs84_to_gcj02, xy_to_lonlat

__all__ = [
    "ALLOCATION_RULES",
    "RELOCATION_CATEGORIES",
    "City",
    "CityDataError",
    "gcj02_to_wgs84",
    "largest_remainder",
    "load_city",
    "lonlat_to_xy",
    "wgs84_to_gcj02",
    "xy_to_lonlat",
]
