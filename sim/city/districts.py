"""Districts of a city: census table, polygons, links between districts, exposure inventory.

`load_city` reads a city data directory (``scenarios/data/<city>``) holding ``city.yaml`` (the
city profile, `sim.city.profile`), ``districts.csv``, ``districts.geojson``, ``links.csv`` and
``exposure_totals.csv`` (formats and sources in that directory's README.md) and returns a `City`.
District ``i`` is row ``i`` of ``districts.csv``; every per-district array in citysafe uses that
order. Internal geometry is in metres in the profile's CRS.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from sim.city.errors import CityDataError, require_file
from sim.city.exposure import allocate_exposure, read_exposure_totals
from sim.city.geo import SCALE_ERROR_MAX, lonlat_to_xy, scale_error, utm_crs_for, xy_to_lonlat
from sim.city.profile import PROFILE_FILE, CityProfile, load_profile
from sim.core.errors import InputDataWarning
from sim.core.text_input import InputFileError, read_csv_table, read_json

DISTRICTS_FILE = "districts.csv"
POLYGONS_FILE = "districts.geojson"
LINKS_FILE = "links.csv"
EXPOSURE_FILE = "exposure_totals.csv"

DISTRICT_COLUMNS = ("name_en", "name_zh", "adcode", "population_2020", "area_km2", "zone")
LINK_COLUMNS = ("name_en_a", "name_en_b", "link_type", "shared_border_km")
LINK_TYPES = ("land", "river", "tunnel_bridge", "ferry")


def city_files(data_dir: str | Path) -> list[Path]:
    """The files :func:`load_city` reads from a city's data folder: the profile, the census
    table, the polygons, the links and the exposure totals."""
    names = (PROFILE_FILE, DISTRICTS_FILE, POLYGONS_FILE, LINKS_FILE, EXPOSURE_FILE)
    return [Path(data_dir) / name for name in names]


@dataclass
class City:
    """A city's districts and their data; district ``i`` is row ``i`` of ``districts``.

    Attributes:
        name: city name (data directory name).
        districts: RangeIndex 0..D-1; columns name_en, name_zh, adcode (int), population
            (persons, census), area_km2 (published land area), households (population /
            ``profile.persons_per_household``), centroid_x_m, centroid_y_m (metres, city CRS),
            lon, lat (WGS84 of the centroid), zone (a key of ``profile.zones``), urban_core
            (bool, the zone's flag), polygon_area_km2 (area of the administrative polygon,
            includes water and intertidal flats).
        polygons_xy: D shapely (Multi)Polygons in metres (city CRS), prepared for fast
            predicates.
        polygons_lonlat: the same polygons in WGS84 degrees.
        links: one row per undirected link with a < b: a, b (int district indices), link_type in
            {"land", "river", "tunnel_bridge", "ferry"}, shared_border_km (NaN for tunnel_bridge
            and ferry), note.
        exposure: index = district index, one int64 column per exposure category (units in the
            names); see `sim.city.exposure` for the list and allocation rules.
        profile: the city profile (``city.yaml``): CRS, zones, reference point, depots, IDF
            curve, site, … (`sim.city.profile.CityProfile`).
    """

    name: str
    districts: pd.DataFrame
    polygons_xy: list
    polygons_lonlat: list
    links: pd.DataFrame
    exposure: pd.DataFrame
    profile: CityProfile

    def __post_init__(self) -> None:
        for poly in self.polygons_xy:
            shapely.prepare(poly)
        self._bounds = shapely.bounds(np.asarray(self.polygons_xy, dtype=object))  # (D, 4)

    @property
    def n_districts(self) -> int:
        """Number of districts D."""
        return len(self.districts)

    @property
    def crs(self) -> str:
        """Projected CRS of the internal geometry (metres), from the profile."""
        return self.profile.crs

    def to_xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 lon/lat (degrees) -> (x_m, y_m) in the city's CRS (arrays of the input shape)."""
        return lonlat_to_xy(lon, lat, self.profile.crs)

    def to_lonlat(self, x_m, y_m) -> tuple[np.ndarray, np.ndarray]:
        """(x_m, y_m) in the city's CRS -> WGS84 (lon, lat) degrees."""
        return xy_to_lonlat(x_m, y_m, self.profile.crs)

    @property
    def reference_xy(self) -> tuple[float, float]:
        """The profile's reference point in the city's CRS, metres."""
        p = self.profile.reference_point
        x, y = self.to_xy(p.lon, p.lat)
        return float(np.asarray(x)), float(np.asarray(y))

    def zone_values(self, field: str) -> np.ndarray:
        """(D,) float: a per-zone profile parameter (e.g. ``runoff_coefficient``) per district."""
        zones = self.profile.zones
        return np.array([getattr(zones[z], field) for z in self.districts["zone"]], dtype=float)

    def index_of(self, name_en: str) -> int:
        """District index of an English name (exact match).

        Raises:
            KeyError: unknown name; the message lists the valid names.
        """
        hits = np.flatnonzero(self.districts["name_en"].to_numpy() == name_en)
        if len(hits) == 0:
            raise KeyError(
                f"unknown district {name_en!r}; valid: {list(self.districts['name_en'])}"
            )
        return int(hits[0])

    def neighbours(self, district: int) -> np.ndarray:
        """Indices of districts linked to ``district`` (any link type), sorted."""
        a = self.links["a"].to_numpy()
        b = self.links["b"].to_numpy()
        return np.sort(np.concatenate([b[a == district], a[b == district]]))

    def sample_points(self, district: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw points uniformly in a district's polygon (rejection sampling in its bounding box).

        Candidates are drawn in vectorised batches sized by the polygon's fill of its bounding
        box and kept if ``shapely.contains_xy`` holds, so accepted points are uniform on the
        polygon (note: coastal polygons include water and intertidal flats).

        Args:
            district: district index 0..D-1.
            n: number of points (>= 0).
            rng: random generator (the only source of randomness).

        Returns:
            (n, 2) float array of x_m, y_m (metres, city CRS).

        Raises:
            IndexError: district out of range. ValueError: n < 0.
        """
        if not 0 <= district < self.n_districts:
            raise IndexError(f"district {district} out of range 0..{self.n_districts - 1}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        poly = self.polygons_xy[district]
        x0, y0, x1, y1 = self._bounds[district]
        fill = poly.area / ((x1 - x0) * (y1 - y0))
        out = np.empty((n, 2))
        filled = 0
        while filled < n:
            m = int(1.2 * (n - filled) / fill) + 16
            x = rng.uniform(x0, x1, m)
            y = rng.uniform(y0, y1, m)
            keep = shapely.contains_xy(poly, x, y)
            take = min(int(keep.sum()), n - filled)
            out[filled : filled + take, 0] = x[keep][:take]
            out[filled : filled + take, 1] = y[keep][:take]
            filled += take
        return out

    def locate(self, x_m, y_m) -> np.ndarray:
        """District index of each point, -1 outside every district.

        Vectorised: per district, a bounding-box filter then ``shapely.intersects_xy`` on the
        prepared polygon. Points on a shared border go to the lower index.

        Args:
            x_m, y_m: (n,) coordinates in metres, city CRS (array-likes of one shape).

        Returns:
            (n,) int64 district indices (same shape as the input).
        """
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        shape = np.broadcast_shapes(x.shape, y.shape)
        x, y = np.broadcast_to(x, shape).ravel(), np.broadcast_to(y, shape).ravel()
        result = np.full(x.shape, -1, dtype=np.int64)
        for i, poly in enumerate(self.polygons_xy):
            x0, y0, x1, y1 = self._bounds[i]
            cand = np.flatnonzero((result < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
            if len(cand):
                inside = shapely.intersects_xy(poly, x[cand], y[cand])
                result[cand[inside]] = i
        return result.reshape(shape)


TEXT_COLUMNS = ("name_en", "name_zh", "zone", "name_en_a", "name_en_b", "link_type")
"""Columns of the district and link tables that hold names: read as text, never blank."""


def _read_csv(path: Path, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    """A city table with its ``columns``; name columns (:data:`TEXT_COLUMNS`) as text.

    Raises:
        CityDataError: missing file or column, or a blank name cell (naming its line).
    """
    require_file(path, what)
    text = {c: str for c in TEXT_COLUMNS}
    table = read_csv_table(path, keep_default_na=False, na_values=[""], dtype=text)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise CityDataError(path, f"missing column(s) {missing}; expected {list(columns)}")
    for col in (c for c in columns if c in TEXT_COLUMNS):
        blank = table[col].isna() | table[col].astype(str).str.strip().eq("")
        if blank.any():
            line = int(np.flatnonzero(blank.to_numpy())[0]) + 2
            raise CityDataError(path, f"line {line}: {col} is blank")
    return table


def _line(mask) -> int:
    """The file line of a table's first row where `mask` holds (the header is line 1)."""
    return int(np.flatnonzero(np.asarray(mask, bool))[0]) + 2


def _read_districts(path: Path, zones: list[str]) -> pd.DataFrame:
    """The census table, each problem named by its line.

    Raises:
        CityDataError: a name_en repeated, a zone not of city.yaml, an adcode, population or
            area that is not a number > 0.
    """
    table = _read_csv(path, DISTRICT_COLUMNS, "district census table")
    dup = table["name_en"].duplicated().to_numpy()
    if dup.any():
        name = table["name_en"].iloc[_line(dup) - 2]
        first = _line(table["name_en"].eq(name))
        raise CityDataError(path, f"line {_line(dup)}: name_en {name!r} repeats line {first}")
    bad_zone = ~table["zone"].isin(zones).to_numpy()
    if bad_zone.any():
        zone = table["zone"].iloc[_line(bad_zone) - 2]
        raise CityDataError(
            path,
            f"line {_line(bad_zone)}: zone must be one of the zones of city.yaml {zones}, "
            f"found {zone!r}",
        )
    for col, (hi, whole) in DISTRICT_NUMBERS.items():
        table[col] = _positive(table, col, path, hi, whole)
    return table


DISTRICT_NUMBERS = {"adcode": (999_999_999, True), "population_2020": (1e8, True),
                    "area_km2": (np.inf, False)}  # fmt: skip
"""Numeric columns of ``districts.csv``: (largest value, whole numbers only). An adcode has at
most nine digits (China's six, GB/T 2260, or a village's nine). No city on Earth has 100
million residents (the largest urban area, Tokyo, about 37 million: UN World Urbanization
Prospects 2018), so no district has. The area is bounded by its polygon's
(:data:`AREA_RATIO_BOUNDS`)."""


def _positive(table: pd.DataFrame, col: str, path: Path, hi: float, whole: bool) -> pd.Series:
    """A numeric column whose every cell is a finite number in (0, hi] (a whole one if
    ``whole``): an infinite or fractional population reached the exposure allocation as an
    error naming no file.

    Raises:
        CityDataError: the first bad cell, by its line.
    """
    values = pd.to_numeric(table[col], errors="coerce")
    v = values.to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v <= 0) | (v > hi)
    if whole:
        bad |= np.isfinite(v) & (v != np.round(v))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        whole_one = ", whole," if whole else ""
        most = f" at most {hi:,.0f}" if np.isfinite(hi) else ""
        raise CityDataError(
            path,
            f"line {k + 2}: {col} is {_shown(table[col].iloc[k])}; expected a number > 0"
            f"{whole_one}{most}",
        )
    return values


def _read_polygons(path: Path, districts: pd.DataFrame, districts_path: Path) -> list:
    """The district polygons of ``districts.geojson`` (RFC 7946 FeatureCollection, WGS84), in
    the order of ``districts.csv``; each feature names its district (``properties.name_en``,
    ``properties.adcode`` as in the CSV).

    The file is read as every text input (`sim.core.text_input.read_json`: a UTF-8 BOM
    accepted, a JSON error named by line and column).

    Raises:
        CityDataError: the file is missing or a folder, not UTF-8 or not JSON, not a
            FeatureCollection, a feature is malformed (named by its index), a position is not
            a longitude and latitude (:func:`_check_lonlat`, named by district), or a geometry
            is not a valid (Multi)Polygon.
    """
    require_file(path, "district polygons, GeoJSON WGS84")
    try:
        doc = read_json(path)
    except InputFileError as exc:
        raise CityDataError(path, exc.what) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        found = (
            'no "features" list at the top'
            if features is None
            else f'"features" is a {type(features).__name__}, not a list'
        )
        raise CityDataError(path, f"not a GeoJSON FeatureCollection ({found})")
    by_name = {}
    for k, feat in enumerate(features):
        props = feat.get("properties") if isinstance(feat, dict) else None
        name = props.get("name_en") if isinstance(props, dict) else None
        if not isinstance(name, str):
            raise CityDataError(path, f"feature {k} has no properties.name_en (a string)")
        by_name[name] = feat
    names = list(districts["name_en"])
    if set(by_name) != set(names):
        raise CityDataError(
            path,
            f"district names differ from {districts_path.name}: only in GeoJSON "
            f"{sorted(set(by_name) - set(names))}, only in {districts_path.name} "
            f"{sorted(set(names) - set(by_name))}",
        )
    return [
        _district_polygon(path, name, by_name[name], adcode)
        for name, adcode in zip(names, districts["adcode"], strict=True)
    ]


def _district_polygon(path: Path, name: str, feat: dict, adcode) -> shapely.Geometry:
    """One feature's geometry, checked against its district's adcode in the CSV."""
    code = feat["properties"].get("adcode")
    try:
        same = int(code) == int(adcode)
    except (TypeError, ValueError, OverflowError):
        same = False
    if not same:
        raise CityDataError(path, f"{name}: adcode {code!r} != {adcode} in CSV")
    try:
        geom = shapely.from_geojson(json.dumps(feat.get("geometry")))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise CityDataError(path, f"{name}: unreadable geometry ({exc})") from exc
    if geom is not None:  # positions first: a swapped or 0-360 one may also make it invalid
        _check_lonlat(path, name, shapely.get_coordinates(geom))
    if (
        geom is None
        or geom.geom_type not in ("Polygon", "MultiPolygon")
        or geom.is_empty
        or not geom.is_valid
    ):
        raise CityDataError(path, f"{name}: geometry is not a valid (Multi)Polygon")
    return geom


def _check_lonlat(path: Path, name: str, xy: np.ndarray) -> None:
    """Refuse a polygon whose positions are not longitudes and latitudes.

    A GeoJSON position is ``[lon, lat]`` in WGS84 degrees (RFC 7946 §3.1.1 and §4), so a
    latitude lies in [-90, 90] and a longitude in [-180, 180] (the physical ranges; a GeoJSON
    that crosses the antimeridian is cut there, §3.1.9). Checked here rather than left to the
    projection check, which blamed ``city.yaml``'s CRS for a file with lon and lat swapped.

    Args:
        path: the GeoJSON file; name: the feature's district (both named in the message).
        xy: the polygon's (lon, lat) positions, shape (n, 2).

    Raises:
        CityDataError: the first position out of range (or not finite), with a note when
            swapping lon and lat would put every position in range.
    """
    lon, lat = xy[:, 0], xy[:, 1]
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if not bad.any():
        return
    k = int(np.argmax(bad))
    what = "latitude" if not abs(lat[k]) <= 90 else "longitude"
    limit = 90 if what == "latitude" else 180
    swapped = bool(np.all((np.abs(lon) <= 90) & (np.abs(lat) <= 180)))
    hint = " (GeoJSON is [lon, lat], RFC 7946 §3.1.1)"
    if swapped:
        hint = f": lon and lat may be swapped{hint}"
    raise CityDataError(
        path,
        f"{name}: position {k} [{lon[k]:g}, {lat[k]:g}] has {what} "
        f"{lat[k] if what == 'latitude' else lon[k]:g}, expected degrees in "
        f"[-{limit}, {limit}]{hint}",
    )


def _read_links(path: Path, names: list[str], perimeter_km: np.ndarray) -> pd.DataFrame:
    """The links between districts (``links.csv``), one row per undirected pair.

    Args:
        path: the table.
        names: district names in district order.
        perimeter_km: (D,) length of each district's polygon boundary, km: no shared border
            is longer than the shorter of its two districts' (a physical bound).

    Raises:
        CityDataError: a missing column, a blank name, an unknown district, link type, a
            self-link or repeated pair, or (by line) a border length that is not a positive
            number or exceeds a district's boundary.
    """
    table = _read_csv(path, LINK_COLUMNS, "district links")
    index = {n: i for i, n in enumerate(names)}
    for col in ("name_en_a", "name_en_b"):
        unknown = ~table[col].isin(names).to_numpy()
        if unknown.any():
            name = table[col].iloc[_line(unknown) - 2]
            raise CityDataError(
                path, f"line {_line(unknown)}: {col} {name!r} is not a district; valid: {names}"
            )
    bad_type = ~table["link_type"].isin(LINK_TYPES).to_numpy()
    if bad_type.any():
        got = table["link_type"].iloc[_line(bad_type) - 2]
        raise CityDataError(
            path,
            f"line {_line(bad_type)}: link_type {got!r}; expected one of {list(LINK_TYPES)}",
        )
    ia = table["name_en_a"].map(index).to_numpy()
    ib = table["name_en_b"].map(index).to_numpy()
    if np.any(ia == ib):
        line = _line(ia == ib)
        raise CityDataError(path, f"line {line}: {names[ia[line - 2]]} is linked to itself")
    a, b = np.minimum(ia, ib), np.maximum(ia, ib)
    again = pd.Series(list(zip(a, b, strict=True))).duplicated().to_numpy()
    if again.any():
        k = _line(again) - 2
        first = _line((a == a[k]) & (b == b[k]))
        raise CityDataError(
            path, f"line {k + 2}: {names[a[k]]} - {names[b[k]]} is listed again (line {first})"
        )
    border = _border_km(table, path)
    crossing = table["link_type"].isin(["tunnel_bridge", "ferry"]).to_numpy()
    border[crossing] = np.nan
    limit = np.minimum(perimeter_km[ia], perimeter_km[ib])
    over = np.flatnonzero(border > limit)  # NaN (not known) compares False
    if over.size:
        k = int(over[0])
        raise CityDataError(
            path,
            f"line {k + 2}: shared_border_km {border[k]:g} of {names[ia[k]]} and "
            f"{names[ib[k]]} is longer than the boundary of one of them ({limit[k]:.1f} km "
            "around its polygon in districts.geojson)",
        )
    links = pd.DataFrame(
        {
            "a": a.astype(np.int64),
            "b": b.astype(np.int64),
            "link_type": table["link_type"].astype(str).to_numpy(),
            "shared_border_km": border,
            "note": table["note"].fillna("").to_numpy() if "note" in table else "",
        }
    )
    _warn_isolated(path, names, a, b)
    return links.sort_values(["a", "b"], kind="stable").reset_index(drop=True)


def _warn_isolated(path: Path, names: list[str], a: np.ndarray, b: np.ndarray) -> None:
    """Warn once, naming them, of districts linked to no other (of a city of several): their
    teams cannot cross out, nor others' in, so mutual aid and the reserves never reach them.
    Legal (an island city district), but a links.csv cut short gives it silently."""
    if len(names) < 2:
        return
    linked = np.zeros(len(names), dtype=bool)
    linked[a], linked[b] = True, True
    alone = [names[i] for i in np.flatnonzero(~linked)]
    if alone:
        shown = ", ".join(alone[:10]) + (f" and {len(alone) - 10} more" if len(alone) > 10 else "")
        warnings.warn(
            f"{path}: {len(alone)} of {len(names)} districts have no link to any other ({shown}):"
            " no road, bridge or ferry joins them to the rest, so mutual aid and the central "
            "reserves cannot reach them; add their links if that is not meant",
            InputDataWarning,
            stacklevel=4,
        )


def _shown(cell) -> str:
    """A table cell as a message shows it: a number as written, text quoted."""
    if isinstance(cell, int | float | np.number):
        return f"{float(cell):g}"
    return repr(str(cell).strip())


def _border_km(table: pd.DataFrame, path: Path) -> np.ndarray:
    """``shared_border_km`` of each link: a positive length in km, or blank (not known: a river
    link then counts as 1 km when the generator spreads its crossings).

    Raises:
        CityDataError: a cell that is text, zero, negative or infinite (it was taken for a
            blank), by its line.
    """
    cells = table["shared_border_km"]
    # writable: pandas 3 hands out read-only views, and the caller blanks crossings
    border = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float, copy=True)
    given = cells.notna().to_numpy() & (cells.astype(str).str.strip() != "").to_numpy()
    bad = given & ~(np.isfinite(border) & (border > 0))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise CityDataError(
            path,
            f"line {k + 2}: shared_border_km = {_shown(cells.iloc[k])}: expected a length in km "
            "above 0, or an empty cell when it is not known",
        )
    return border


def _check_projection(profile: CityProfile, polygons_lonlat: list, path: Path) -> None:
    """The profile's CRS fits the city: its scale error at the reference point and at the
    corners of every district's bounding box is at most :data:`~sim.city.geo.SCALE_ERROR_MAX`
    (a UTM zone far from the city's longitude is refused, naming the zone that fits); a
    reference point outside the CRS's area of use is warned of.

    Raises:
        CityDataError: naming ``crs``, the worst point, its error (and easting for a UTM zone)
            and the UTM zone of the reference point.
    """
    crs = CRS.from_user_input(profile.crs)
    ref = profile.reference_point
    box = shapely.bounds(np.asarray(polygons_lonlat, dtype=object))  # (D, 4) lon/lat
    lon = np.concatenate([[ref.lon], box[:, 0], box[:, 2], box[:, 0], box[:, 2]])
    lat = np.concatenate([[ref.lat], box[:, 1], box[:, 1], box[:, 3], box[:, 3]])
    err = scale_error(lon, lat, profile.crs)
    fits = utm_crs_for(ref.lon, ref.lat)
    use = f"; {fits[0]} ({fits[1]}) holds the reference point" if fits else ""
    k = int(np.argmax(err))
    if err[k] > SCALE_ERROR_MAX:
        x = float(lonlat_to_xy(lon[k], lat[k], profile.crs)[0])
        easting = (
            f", easting {x:,.0f} m; a UTM zone's own eastings run 166,000-834,000 m"
            if crs.utm_zone
            else ""
        )
        raise CityDataError(
            path,
            f"crs {profile.crs} ({crs.name}) does not fit the city: at ({lon[k]:.2f}, "
            f"{lat[k]:.2f}) it distorts lengths by {err[k]:.1%}{easting} (at most "
            f"{SCALE_ERROR_MAX:.0%} is accepted){use}",
        )
    area = crs.area_of_use
    if area is not None and not (
        area.west <= ref.lon <= area.east and area.south <= ref.lat <= area.north
    ):
        warnings.warn(
            f"{path}: the reference point ({ref.lon}, {ref.lat}) lies outside the area of use of "
            f"crs {profile.crs} ({area.west:g} to {area.east:g} E, {area.south:g} to "
            f"{area.north:g} N; lengths off by up to {err.max():.1%}){use}",
            InputDataWarning,
            stacklevel=3,
        )


def _reference_points(polygons_xy: list) -> np.ndarray:
    """Area centroid, or a point on the surface when the centroid falls outside the polygon."""
    pts = []
    for poly in polygons_xy:
        c = poly.centroid
        pts.append(c if poly.contains(c) else poly.point_on_surface())
    return shapely.get_coordinates(np.asarray(pts, dtype=object))


def _check_profile_names(profile: CityProfile, names: list[str], path: Path) -> None:
    """District names the profile refers to must exist in districts.csv."""
    named = {}
    if profile.hazmat is not None:
        named["hazmat.enterprises_by_district"] = list(profile.hazmat.enterprises_by_district)
        named["hazmat.chemical_park_district"] = [profile.hazmat.chemical_park_district]
    for field, values in named.items():
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise CityDataError(path, f"{field}: unknown district(s) {unknown}; valid: {names}")


def load_city(data_dir: Path) -> City:
    """Load a city data directory into a `City`.

    Args:
        data_dir: directory with city.yaml, districts.csv, districts.geojson (WGS84),
            links.csv and exposure_totals.csv (e.g. ``scenarios/data/example-city``).

    Returns:
        The `City`; households = population / ``profile.persons_per_household``; centroid =
        polygon area centroid (point on surface if the centroid lies outside); geometry
        projected to ``profile.crs``; exposure allocated by
        `sim.city.exposure.allocate_exposure` with the profile's rules.

    Raises:
        CityDataError: naming the file and what is wrong (missing file or column, district names
            that differ between files, bad zone or link type, invalid geometry, bad totals,
            invalid profile).
    """
    data_dir = Path(data_dir)
    if data_dir.is_file():
        raise CityDataError(data_dir, "is a file, not the city's data folder")
    if not data_dir.is_dir():
        raise CityDataError(data_dir, "city data directory not found")
    profile = load_profile(data_dir)
    crs = profile.crs
    districts_path = data_dir / DISTRICTS_FILE
    table = _read_districts(districts_path, list(profile.zones))
    _check_profile_names(profile, list(table["name_en"]), data_dir / "city.yaml")
    polygons_lonlat = _read_polygons(data_dir / POLYGONS_FILE, table, districts_path)
    _check_projection(profile, polygons_lonlat, data_dir / "city.yaml")
    polygons_xy = [
        shapely.transform(
            p, lambda c: np.column_stack(lonlat_to_xy(c[:, 0], c[:, 1], crs)), include_z=False
        )
        for p in polygons_lonlat
    ]
    ref = _reference_points(polygons_xy)
    lon, lat = xy_to_lonlat(ref[:, 0], ref[:, 1], crs)
    population = table["population_2020"].to_numpy(np.int64)
    districts = pd.DataFrame(
        {
            "name_en": table["name_en"].astype(str),
            "name_zh": table["name_zh"].astype(str),
            "adcode": table["adcode"].astype(np.int64),
            "population": population,
            "area_km2": table["area_km2"].astype(float),
            "households": population / profile.persons_per_household,
            "centroid_x_m": ref[:, 0],
            "centroid_y_m": ref[:, 1],
            "lon": lon,
            "lat": lat,
            "zone": table["zone"].astype(str),
            "urban_core": np.array([profile.zones[z].urban_core for z in table["zone"]], bool),
            "polygon_area_km2": shapely.area(np.asarray(polygons_xy, dtype=object)) / 1e6,
        }
    )
    _check_areas(districts, districts_path)
    perimeter_km = shapely.length(np.asarray(polygons_xy, dtype=object)) / 1e3
    links = _read_links(data_dir / LINKS_FILE, list(districts["name_en"]), perimeter_km)
    totals = read_exposure_totals(
        data_dir / EXPOSURE_FILE, profile.exposure_allocation.rules, int(population.sum())
    )
    try:
        exposure = allocate_exposure(districts, totals, profile.exposure_allocation.rules)
    except ValueError as exc:  # a rule that gives no district a share: the profile's fault
        raise CityDataError(data_dir / "city.yaml", str(exc)) from None
    city = City(
        name=data_dir.name,
        districts=districts,
        polygons_xy=polygons_xy,
        polygons_lonlat=polygons_lonlat,
        links=links,
        exposure=exposure,
        profile=profile,
    )
    _check_reserve_site(city, data_dir / "city.yaml")
    return city


AREA_RATIO_BOUNDS = (0.25, 4.0)
"""Accepted range of a district's ``area_km2`` over its polygon's area (assumption: the
shipped cities lie within 0.56–1.03; land-only official areas are smaller than polygons
that take in rivers)."""


def _check_areas(districts: pd.DataFrame, path: Path) -> None:
    """Each district's census area within :data:`AREA_RATIO_BOUNDS` of its polygon's."""
    ratio = districts["area_km2"] / districts["polygon_area_km2"]
    lo, hi = AREA_RATIO_BOUNDS
    bad = np.flatnonzero(~((ratio >= lo) & (ratio <= hi)).to_numpy())
    if bad.size:
        k = int(bad[0])
        raise CityDataError(
            path,
            f"line {k + 2}: area_km2 {districts['area_km2'].iloc[k]:g} of "
            f"{districts['name_en'].iloc[k]} is not within a factor {hi:g} of its polygon's "
            f"{districts['polygon_area_km2'].iloc[k]:.1f} km2 (districts.geojson)",
        )


def _check_reserve_site(city: City, path: Path) -> None:
    """The central reserve (``emergency.central_reserve``) is a depot of some district: its
    site must lie inside one (its stock is counted by the district it stands in)."""
    site = city.profile.emergency.central_reserve
    x, y = city.to_xy(site.lon, site.lat)
    if city.locate(np.atleast_1d(x), np.atleast_1d(y))[0] < 0:
        raise CityDataError(
            path,
            f"emergency.central_reserve ({site.lon}, {site.lat}) lies outside every district "
            "of districts.geojson: put the reserve's site inside the city",
        )
