"""Terrain classes of points for the wind's surface exposure: sea, open land, urban core.

A point outside every district polygon of the city is sea (the polygons are the city's land,
its intertidal flats included); inside, it is urban core when its district's zone has
``urban_core: true`` in the city profile (city.yaml), else open land. The classes select the
roughness length and gust factor of :mod:`sim.hazards.typhoon` (WMO-No. 8 exposure correction,
WMO/TD-1555 gust factors).

Arbitrary points (network assets, road midpoints, the points a forecast is checked at) are
classed on a raster of ``resolution_m`` cells built once from the polygons (cell centres
located exactly); a point in a cell that touches another class (a coastline or the edge of
the urban core, within one cell) is located exactly instead, so no point on land reads the
sea's roughness. The district sample points are located exactly.
"""

from __future__ import annotations

import numpy as np

from sim.hazards.typhoon import OPEN_LAND, SEA, URBAN


def classes_of_districts(city, district: np.ndarray) -> np.ndarray:
    """Terrain class of points from their district index (-1: outside every polygon)."""
    urban = city.districts["urban_core"].to_numpy(dtype=bool)
    d = np.asarray(district)
    out = np.full(d.shape, SEA, dtype=np.intp)
    inside = d >= 0
    out[inside] = np.where(urban[d[inside]], URBAN, OPEN_LAND)
    return out


EXACT_MEMO_SIZE = 16
"""Point sets whose exact classes :class:`TerrainMap` keeps (a model classes a handful of
fixed sets: assets, road midpoints, sample points, coastal points)."""


class TerrainMap:
    """Terrain classes on a raster over the city's polygons.

    Args:
        city: the :class:`~sim.city.City` (polygons in its CRS, zones' ``urban_core``).
        resolution_m: raster cell size, m.
    """

    def __init__(self, city, resolution_m: float = 250.0):
        bounds = np.array([p.bounds for p in city.polygons_xy])
        self.x0, self.y0 = bounds[:, 0].min(), bounds[:, 1].min()
        self.res = float(resolution_m)
        nx = int(np.ceil((bounds[:, 2].max() - self.x0) / self.res))
        ny = int(np.ceil((bounds[:, 3].max() - self.y0) / self.res))
        xc = self.x0 + (np.arange(nx) + 0.5) * self.res
        yc = self.y0 + (np.arange(ny) + 0.5) * self.res
        gx, gy = np.meshgrid(xc, yc)
        self.grid = classes_of_districts(city, city.locate(gx, gy))  # (ny, nx)
        self.city = city
        # cells next to another class (8-neighbourhood): their points are located exactly
        g = np.pad(self.grid, 1, mode="edge")
        mixed = np.zeros(self.grid.shape, dtype=bool)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                nb = g[1 + di : 1 + di + ny, 1 + dj : 1 + dj + nx]
                mixed |= nb != self.grid
        self.mixed = mixed
        # exact classes of the boundary points of recent calls: the same point sets (assets,
        # sample points) are classed at every physics step and forecast issue
        self._exact_memo: dict[tuple[bytes, bytes], np.ndarray] = {}

    def _exact_classes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Exact classes of points (``city.locate``), memoised by the points' coordinates
        (bit for bit; the last :data:`EXACT_MEMO_SIZE` point sets)."""
        key = (x.tobytes(), y.tobytes())
        hit = self._exact_memo.get(key)
        if hit is None:
            hit = classes_of_districts(self.city, self.city.locate(x, y))
            if len(self._exact_memo) >= EXACT_MEMO_SIZE:
                self._exact_memo.pop(next(iter(self._exact_memo)))  # the oldest
            self._exact_memo[key] = hit
        return hit

    def __call__(self, x_m, y_m) -> np.ndarray:
        """Terrain class per point (sea outside the raster), shape of the points."""
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        i = np.floor((y - self.y0) / self.res).astype(np.intp)
        j = np.floor((x - self.x0) / self.res).astype(np.intp)
        ny, nx = self.grid.shape
        ok = (i >= 0) & (i < ny) & (j >= 0) & (j < nx)
        out = np.full(np.broadcast(x, y).shape, SEA, dtype=np.intp)
        out[ok] = self.grid[i[ok], j[ok]]
        exact = np.zeros(out.shape, dtype=bool)
        exact[ok] = self.mixed[i[ok], j[ok]]
        if exact.any():
            xb, yb = np.broadcast_to(x, out.shape), np.broadcast_to(y, out.shape)
            out[exact] = self._exact_classes(
                np.ascontiguousarray(xb[exact]), np.ascontiguousarray(yb[exact])
            )
        return out


_MAPS: list[TerrainMap] = []
"""The most recently used terrain maps, at most :data:`MAPS_KEPT` (a map holds its city, so
the list is bounded rather than keyed; cities are unhashable dataclasses)."""
MAPS_KEPT = 2


def terrain_map_for(city) -> TerrainMap:
    """The city's :class:`TerrainMap`, built once per city object and shared (the truth
    hazard and every forecast's hazard class the same points; the map reads the city only)."""
    for tm in _MAPS:
        if tm.city is city:
            return tm
    tm = TerrainMap(city)
    _MAPS.insert(0, tm)
    del _MAPS[MAPS_KEPT:]
    return tm
