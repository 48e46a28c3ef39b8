"""The city profile: nothing city-specific is left in sim/ code, and the profile is validated.

The scan reads every sim/**/*.py and fails on any mention of the first city outside its data
folder: its name (except inside a path that cites a file of its data folder, e.g.
``scenarios/data/shanghai/facts.md``), its CRS (EPSG:32651, UTM 51N), its district names
(from its districts.csv, English and Chinese), its zone names as string literals, identifiers
naming its calibration storm, and numeric literals equal to a distinctive value of its
``city.yaml`` (the reference point, IDF coefficients, fire stations, census population, …).
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.city import CityDataError, load_city, load_profile
from sim.city.profile import PROFILE_FILE

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
SHANGHAI = ROOT / "scenarios" / "data" / "shanghai"
EXAMPLE = ROOT / "scenarios" / "data" / "example-city"
SOURCES = sorted(SIM.rglob("*.py"))

# a path citing a file of the first city's data or scenario folders, e.g.
# "scenarios/data/shanghai/facts.md", "calibration/shanghai.yaml"
PATH_CITATION = re.compile(
    r"(?:scenarios/|data/|calibration/)shanghai(?:/[\w./-]*|\.yaml)?\b", re.I
)


def _district_names() -> list[str]:
    d = pd.read_csv(SHANGHAI / "districts.csv")
    names = set(d["name_en"]) | set(d["name_zh"]) | {n.split()[0] for n in d["name_en"]}
    names |= {n[:-1] for n in d["name_zh"] if n.endswith("区")}  # 浦东新区 -> 浦东新 …
    return sorted(names)


def _distinctive_numbers(node, out: set[float]) -> set[float]:
    """Numeric leaves of city.yaml that could not be a coincidence in code: non-integers with at
    least three significant digits, integers >= 100 that are not multiples of 100."""
    if isinstance(node, dict):
        for v in node.values():
            _distinctive_numbers(v, out)
    elif isinstance(node, list):
        for v in node:
            _distinctive_numbers(v, out)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        x = float(node)
        if x.is_integer():
            if abs(x) >= 100 and x % 100:
                out.add(x)
        elif len(f"{abs(x):g}".replace(".", "").lstrip("0")) >= 3:
            out.add(x)
    return out


PROFILE_DATA = yaml.safe_load((SHANGHAI / PROFILE_FILE).read_text(encoding="utf-8"))
NUMBERS = _distinctive_numbers(PROFILE_DATA, set())
ZONES = set(PROFILE_DATA["zones"])
TEXT_PATTERNS = [
    (re.compile(r"shanghai", re.I), "the city's name"),
    (re.compile(r"32651|UTM\s*(?:zone\s*)?51\s*N", re.I), "the city's CRS"),
    *[
        (re.compile(rf"(?<![\w']){re.escape(n)}(?![\w'])"), "a district name")
        for n in _district_names()
    ],
]


def _text_hits(path: Path, root: Path = ROOT) -> list[str]:
    text = PATH_CITATION.sub("<path>", path.read_text(encoding="utf-8"))
    hits = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for pattern, what in TEXT_PATTERNS:
            m = pattern.search(line)
            if m:
                hits.append(f"{path.relative_to(root)}:{lineno}: {what} {m.group(0)!r}")
    return hits


def _code_hits(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(root)  # once per file: per node it took ~25 s over sim/
    hits = []
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) in NUMBERS:
                hits.append(f"{where}: a value of the city's city.yaml {v!r}")
            if isinstance(v, str) and v in ZONES:
                hits.append(f"{where}: the city's zone name {v!r} as a literal")
        names = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names = [node.name]
        elif isinstance(node, ast.alias):
            names = [node.name, node.asname or ""]
        for name in names:
            if "lekima" in name.lower():
                hits.append(f"{where}: identifier {name!r} names the calibration storm")
    return hits


def test_the_scan_sees_the_sources_and_the_city_values():
    assert len(SOURCES) > 100
    assert {121.5, 31.2, 198.0, 24870895.0, 9.581, 0.367, 2.32} <= NUMBERS
    assert {"central", "pudong", "suburban"} == ZONES
    assert "Pudong New Area" in _district_names() and "黄浦区" in _district_names()


def test_the_scan_catches_each_kind_of_city_constant(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""Cites scenarios/data/shanghai/facts.md (allowed) and Shanghai (not)."""\n'
        'CRS = "EPSG:32651"\n'
        "Y = lonlat_to_xy(121.5, 31.2)\n"
        'ZONE = {"pudong": 1}\n'
        "def lekima_params(): ...\n"
        "# Jinshan chemical park\n",
        encoding="utf-8",
    )
    hits = _text_hits(bad, tmp_path) + _code_hits(bad, tmp_path)
    assert sum("the city's name" in h for h in hits) == 1, hits
    assert any("CRS" in h for h in hits)
    assert sum("city.yaml" in h for h in hits) == 2
    assert any("zone name" in h for h in hits)
    assert any("calibration storm" in h for h in hits)
    assert any("'Jinshan'" in h for h in hits)


def test_no_city_constant_remains_in_sim_code():
    hits = [h for path in SOURCES for h in _text_hits(path) + _code_hits(path)]
    assert not hits, "city-specific constants in sim/ (move them to city.yaml):\n" + "\n".join(hits)


# --- the profile -----------------------------------------------------------------------------


def test_both_shipped_profiles_validate_and_cite_a_source_for_every_network_statistic():
    for folder in (SHANGHAI, EXAMPLE):
        profile = load_profile(folder)
        assert all(len(v.source) >= 3 for v in profile.networks.values())
        assert profile.zones and any(z.urban_core for z in profile.zones.values())


@pytest.fixture
def example_copy(tmp_path):
    dst = tmp_path / "example-city"
    shutil.copytree(EXAMPLE, dst)
    return dst


def _edit_profile(folder: Path, edit) -> None:
    path = folder / PROFILE_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(crs="EPSG:4326"), "crs: .*projected CRS in metres"),
        (lambda d: d.update(crs="EPSG:999999"), "crs: .*unknown CRS"),
        (
            lambda d: d["emergency"]["depots"]["fire_station"].update(count=0),
            r"emergency\.depots\.fire_station\.count",
        ),
        (
            lambda d: d["emergency"].update(fire_stations=12),
            r"emergency: .*fire_stations was replaced by depots: .*count: 12",
        ),
        (lambda d: d["zones"]["core"].pop("source"), r"zones\.core\.source: Field required"),
        (
            lambda d: d["exposure_allocation"]["rules"]["underpasses"]["factors"].pop("core"),
            r"exposure_allocation\.rules\.underpasses\.factors: no factor for zone",
        ),
        (
            lambda d: d["exposure_allocation"]["rules"].update(underpasses={"rule": "by_magic"}),
            r"exposure_allocation\.rules\.underpasses",
        ),
        (lambda d: d["hazmat"].update(chemical_park_district="Atlantis"), "unknown district"),
    ],
)
def test_a_bad_profile_is_one_clear_error_naming_file_and_field(example_copy, edit, message):
    _edit_profile(example_copy, edit)
    with pytest.raises(CityDataError, match=message) as err:
        load_city(example_copy)
    assert str(err.value).startswith(str(example_copy / PROFILE_FILE))


def test_a_district_zone_missing_from_the_profile_is_an_error(example_copy):
    path = example_copy / "districts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",outskirts", ",rural"))
    with pytest.raises(CityDataError, match="zone must be one of the zones of city.yaml"):
        load_city(example_copy)


def test_the_crs_comes_from_the_profile():
    # the same lon/lat lands on different metres in the two cities' CRSs (UTM 51N vs 50N):
    # one degree of longitude east of the 50N zone's 117 E meridian is west of 51N's 123 E
    sh, ex = load_city(SHANGHAI), load_city(EXAMPLE)
    assert (sh.crs, ex.crs) == ("EPSG:32651", "EPSG:32650")
    x_sh, _ = sh.to_xy(118.0, 22.4)
    x_ex, _ = ex.to_xy(118.0, 22.4)
    assert x_ex == pytest.approx(500_000 + 103_200, abs=600)  # 1 deg east of 117 E at 22.4 N
    assert x_sh < 0 < x_ex  # 5 deg west of 123 E lies outside 51N's false easting
    lon, lat = ex.to_lonlat(*ex.to_xy(118.0, 22.4))
    np.testing.assert_allclose([lon, lat], [118.0, 22.4], atol=1e-9)
    # district centroids round-trip through the city's own CRS
    d = ex.districts
    x, y = ex.to_xy(d["lon"].to_numpy(), d["lat"].to_numpy())
    np.testing.assert_allclose(x, d["centroid_x_m"], atol=1e-3)
    np.testing.assert_allclose(y, d["centroid_y_m"], atol=1e-3)
