"""Coordinate conversions: WGS84 lon/lat <-> a city's projected CRS, and GCJ-02 -> WGS84.

Internal geometry of citysafe is in metres in the city's projected CRS (``crs`` of its profile,
``city.yaml``; usually the UTM zone holding the city); WGS84 (EPSG:4326) lon/lat is used only
for input data and output maps. ``City.to_xy`` / ``City.to_lonlat`` apply the city's CRS.

GCJ-02 ("Mars coordinates") is the obfuscated datum that Chinese web maps, AMap included, are
required to publish. Its official algorithm is unpublished; the forward formula used here is the
widely circulated reverse-engineered one (e.g. googollee/eviltransform, MIT licence;
wandergis/coordtransform), defined on the Krasovsky 1940 ellipsoid (a = 6 378 245 m,
e^2 = 0.00669342162296594323). How closely it matches the official offset is not documented in a
source read here; in eastern China the offset it removes is about 0.5 km, so any residual is
small next to it. The inverse has no closed form and is found by fixed-point iteration (see
`gcj02_to_wgs84`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Proj, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

_WGS84 = "EPSG:4326"

# GCJ-02 constants (Krasovsky 1940 ellipsoid), see module docstring.
_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_E2 = 0.00669342162296594323


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str) -> Transformer:
    """Cached pyproj Transformer (the only global cache of this package)."""
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_xy(lon, lat, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude/latitude to a projected CRS.

    Args:
        lon: longitudes, degrees east (scalar or array-like, any shape).
        lat: latitudes, degrees north (same shape as ``lon``).
        crs: target CRS, e.g. the city's ``profile.crs`` ("EPSG:326zz" for a UTM zone).

    Returns:
        ``(x_m, y_m)`` float arrays of the input shape, easting/northing in metres.
    """
    x_m, y_m = _transformer(_WGS84, crs).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)


def xy_to_lonlat(x_m, y_m, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `lonlat_to_xy`: metres in ``crs`` to WGS84 degrees.

    Args:
        x_m: eastings, metres (scalar or array-like).
        y_m: northings, metres (same shape).
        crs: source CRS (the city's ``profile.crs``).

    Returns:
        ``(lon, lat)`` float arrays in degrees.
    """
    lon, lat = _transformer(crs, _WGS84).transform(
        np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


SCALE_ERROR_MAX = 0.01
"""Largest accepted scale error of a city's projected CRS over the city, |k - 1| (1 %): a UTM
zone keeps it within 0.1 % inside its 6° (k from 0.9996 to about 1.001), and within 1 % to
about 8° of longitude from its central meridian at the equator, so a neighbouring zone passes
and a zone two or more away, whose distances, areas and travel times would be off by more
than 1 %, does not."""


def scale_error(lon, lat, crs: str) -> np.ndarray:
    """The projection's relative length error at points: the larger of |meridional scale − 1|
    and |parallel scale − 1| (PROJ's point scale factors, :meth:`pyproj.Proj.get_factors`).

    Args:
        lon, lat: WGS84 degrees, (n,) arrays.
        crs: a projected CRS.

    Returns:
        (n,) float; inf where the projection is undefined.
    """
    factors = Proj(CRS.from_user_input(crs)).get_factors(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    err = np.maximum(
        np.abs(np.asarray(factors.meridional_scale) - 1.0),
        np.abs(np.asarray(factors.parallel_scale) - 1.0),
    )
    return np.where(np.isfinite(err), err, np.inf)


def utm_crs_for(lon: float, lat: float) -> tuple[str, str] | None:
    """(``"EPSG:code"``, name) of the WGS 84 UTM zone holding a point, from the PROJ
    database (:func:`pyproj.database.query_utm_crs_info`), or None."""
    found = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(float(lon), float(lat), float(lon), float(lat)),
    )
    return (f"{found[0].auth_name}:{found[0].code}", found[0].name) if found else None


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Rough China bounding box used by the reference implementations: no offset outside it."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj02_offset_deg(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 offset (dlon, dlat) in degrees at WGS84 point (lon, lat).

    Reverse-engineered forward formula (eviltransform / coordtransform, see module docstring):
    polynomial-plus-sinusoid "metre" offsets in a frame centred on (105 E, 35 N), converted to
    degrees with the Krasovsky meridian and prime-vertical radii of curvature.
    """
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_E2 * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_KRASOVSKY_A_M * (1.0 - _KRASOVSKY_E2)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_KRASOVSKY_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Apply the GCJ-02 obfuscation to WGS84 coordinates (forward formula, see module docstring).

    Args:
        lon, lat: WGS84 degrees, scalars or arrays of one shape. Points outside the China bounding
            box (72.004–137.8347 E, 0.8293–55.8271 N) are returned unchanged, as in the reference
            implementations.

    Returns:
        ``(lon_gcj, lat_gcj)`` float arrays in degrees.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _gcj02_offset_deg(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(
    lon, lat, *, n_iter: int = 8, tol_deg: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """Invert GCJ-02 to WGS84 by fixed-point iteration of the forward formula.

    Solves ``wgs84_to_gcj02(w) = g`` for ``w`` with ``w_{k+1} = w_k - (wgs84_to_gcj02(w_k) - g)``
    starting from ``w_0 = g``. The offset changes by well under 1e-3 of itself per degree, so the
    map is a strong contraction and converges to ~1e-12 deg within 4 steps. (The common one-step
    formula ``2g - f(g)`` leaves errors of order 1 m; iterating removes them.) A fixed number of
    steps is run for every point so that a point's result never depends on the other points in the
    array: identical GCJ-02 vertices of neighbouring polygons map to bit-identical WGS84 vertices,
    which keeps a polygon coverage (shared borders) exact.

    Args:
        lon, lat: GCJ-02 degrees, scalars or arrays of one shape.
        n_iter: number of fixed-point steps.
        tol_deg: required final residual |f(w) - g|, degrees (1e-9 deg ~ 0.1 mm).

    Returns:
        ``(lon_wgs, lat_wgs)`` float arrays in degrees.

    Raises:
        ArithmeticError: if the residual after ``n_iter`` steps exceeds ``tol_deg``.
    """
    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(n_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon, w_lat = w_lon - (f_lon - g_lon), w_lat - (f_lat - g_lat)
    f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
    residual = max(
        np.max(np.abs(f_lon - g_lon), initial=0.0), np.max(np.abs(f_lat - g_lat), initial=0.0)
    )
    if residual > tol_deg:
        raise ArithmeticError(
            f"GCJ-02 inversion residual {residual:.3g} deg after {n_iter} steps exceeds {tol_deg:g}"
        )
    return w_lon, w_lat
