"""Sample points over a city's coastal waters, where "coastal" warning criteria are checked.

China's typhoon signal standards are met when the mean wind or gusts "沿海或者陆地" (on the
coast or on land) reach a force (CMA Order No. 16, 2007; :mod:`sim.city.warning_criteria`).
The district sample points are all on land, where the roughness cuts the mean wind by about a
fifth (:mod:`sim.hazards.typhoon`); the coastal points let the criteria see the open-water
wind too. The areas are lon/lat boxes from the city's criteria file; points inside the city's
land polygons are dropped (they are land), the rest count for the nearest district.
"""

from __future__ import annotations

import numpy as np
import shapely

from sim.city.warning_criteria import CoastalWaters


def coastal_points(city, waters: CoastalWaters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid points over the coastal waters and the district each counts for.

    Args:
        city: the :class:`~sim.city.City` (projection, land polygons).
        waters: the criteria file's ``coastal_waters``.

    Returns:
        (x_m, y_m, district): (n,) coordinates in the city's CRS, metres, and the index of the
        nearest district polygon (distance in the CRS). Grid points are ``spacing_deg`` apart,
        starting at each box's south-west corner.

    Raises:
        ValueError: no point of any area lies off the city's land.
    """
    xs, ys = [], []
    step = waters.spacing_deg
    for area in waters.areas:
        lon = np.arange(area.lon_deg[0], area.lon_deg[1] + 1e-9, step)
        lat = np.arange(area.lat_deg[0], area.lat_deg[1] + 1e-9, step)
        glon, glat = np.meshgrid(lon, lat)
        x, y = city.to_xy(glon.ravel(), glat.ravel())
        off_land = city.locate(x, y) < 0
        xs.append(np.asarray(x)[off_land])
        ys.append(np.asarray(y)[off_land])
    x, y = np.concatenate(xs), np.concatenate(ys)
    if x.size == 0:
        names = [a.name for a in waters.areas]
        raise ValueError(f"coastal_waters areas {names} have no point off the city's land")
    polys = np.asarray(city.polygons_xy, dtype=object)
    pts = shapely.points(x, y)
    dist = shapely.distance(polys[:, None], pts[None, :])  # (D, n)
    return x, y, np.argmin(dist, axis=0).astype(np.int64)
