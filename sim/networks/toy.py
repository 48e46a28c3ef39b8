"""A small synthetic city with the `sim.city.City` interface, for tests and quick experiments.

Four square districts (local metres): two "core" districts side by side (land link, the urban
core), a "riverside" district across a river from both, and an "island" district linked to the
riverside district by a tunnel-bridge and to the second core district by a ferry:

    y (km)
    8 +-------------------+
      |      2 Gamma      |          +--------+
    4 +---------+---------+   ...    | 3 Delta|  (island, x 10-14 km, y 0-8 km)
      | 0 Alpha | 1 Beta  |          |        |
    0 +---------+---------+          +--------+
      0         4         8   10     14   x (km)

The river runs along y = 4 km between {0, 1} and 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box


@dataclass
class ToyCity:
    """Duck-typed stand-in for `sim.city.City` (same attributes and methods the networks use)."""

    name: str
    districts: pd.DataFrame
    polygons_xy: list
    links: pd.DataFrame
    exposure: pd.DataFrame = field(default_factory=pd.DataFrame)
    crs: str = "local:1 m"

    @property
    def n_districts(self) -> int:
        return len(self.districts)

    def sample_points(self, district: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, 2) points uniform in the district polygon (rejection sampling in its bounds)."""
        poly = self.polygons_xy[district]
        x0, y0, x1, y1 = poly.bounds
        out = np.empty((0, 2))
        while len(out) < n:
            m = max(16, 2 * (n - len(out)))
            p = np.column_stack([rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)])
            out = np.vstack([out, p[shapely.contains_xy(poly, p[:, 0], p[:, 1])]])
        return out[:n]

    def locate(self, x_m, y_m) -> np.ndarray:
        """(n,) district index of each point, -1 outside every district."""
        x = np.atleast_1d(np.asarray(x_m, float))
        y = np.atleast_1d(np.asarray(y_m, float))
        out = np.full(x.shape, -1, dtype=np.int64)
        for i, poly in enumerate(self.polygons_xy):
            out[(out < 0) & shapely.contains_xy(poly, x, y)] = i
        return out

    def index_of(self, name_en: str) -> int:
        names = list(self.districts["name_en"])
        if name_en not in names:
            raise KeyError(f"unknown district {name_en!r}; valid: {names}")
        return names.index(name_en)


def make_toy_city(population_scale: float = 1.0) -> ToyCity:
    """The four-district toy city described in the module docstring.

    Args:
        population_scale: multiplies the populations (400k, 300k, 500k, 100k persons).
    """
    polys = [
        box(0, 0, 4000, 4000),
        box(4000, 0, 8000, 4000),
        box(0, 4000, 8000, 8000),
        box(10000, 0, 14000, 8000),
    ]
    pop = np.array([400_000, 300_000, 500_000, 100_000], dtype=float) * population_scale
    cent = np.array([[p.centroid.x, p.centroid.y] for p in polys])
    districts = pd.DataFrame(
        {
            "name_en": ["Alpha", "Beta", "Gamma", "Delta"],
            "name_zh": ["甲", "乙", "丙", "丁"],
            "adcode": [1, 2, 3, 4],
            "population": np.round(pop).astype(np.int64),
            "area_km2": [p.area / 1e6 for p in polys],
            "households": pop / 2.5,  # toy household size
            "centroid_x_m": cent[:, 0],
            "centroid_y_m": cent[:, 1],
            "lon": np.nan,
            "lat": np.nan,
            "zone": ["core", "core", "riverside", "island"],
            "urban_core": [True, True, False, False],
        }
    )
    links = pd.DataFrame(
        {
            "a": [0, 0, 1, 2, 1],
            "b": [1, 2, 2, 3, 3],
            "link_type": ["land", "river", "river", "tunnel_bridge", "ferry"],
            "shared_border_km": [4.0, 4.0, 4.0, np.nan, np.nan],
        }
    )
    exposure = pd.DataFrame({"underpasses": [6, 4, 8, 2]})
    return ToyCity("toy", districts, polys, links, exposure)
