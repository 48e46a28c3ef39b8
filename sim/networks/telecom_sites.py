"""Telecom sites from a CSV file (scenario ``networks.telecom_sites_file``).

The file lists real base-station sites, one row each::

    site_id,lon,lat,base_stations,backup_h
    PD-0001,121.5231,31.2304,3,4

``site_id`` text, unique; ``lon``, ``lat`` WGS84 degrees inside one of the city's districts
(or within `sim.networks.city_bounds.OUTSIDE_CITY_KM` km of one: the nearest district's);
``base_stations`` a whole number >= 1 (the stations sharing the site); ``backup_h`` (optional
column, a cell may be blank) hours of battery, 0-240, blank: the scenario's
``networks.base_station_backup_h``. Any other column is ignored.

In every district holding at least one listed site, the listed sites replace the generated
site nodes (districts the file does not cover keep theirs); backbone nodes stay generated.
Each site hangs on the nearest backbone node and depends on the nearest 10 kV transformer of
its district, as a generated site does (:mod:`sim.networks.telecom`), with its own backup.

A problem is one :class:`TelecomSitesError` naming the file, the line, the column and what
was expected.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from sim.core.text_input import read_csv_table, read_text
from sim.networks.city_bounds import OUTSIDE_CITY_KM, km_outside_city, outside_text
from sim.networks.errors import NetworkImportError
from sim.networks.multilayer import Dependency, Layer, MultilayerNetwork
from sim.networks.spatial import allocate_integer, edge_lengths, nearest_in_group
from sim.networks.spec import ASSET_TYPES
from sim.networks.telecom import BACKBONE, LAYER, SITE, nearest_of_type

REQUIRED = ("site_id", "lon", "lat", "base_stations")
MAX_BACKUP_H = 240.0
MAX_BYTES = 100 * 1024 * 1024
SITE_COST_YUAN = ASSET_TYPES[SITE].replacement_cost_yuan


class TelecomSitesError(NetworkImportError):
    """A telecom-site CSV cannot be used.

    Attributes:
        file, line_no, field: where (line 1 is the header; ``line_no`` 0: the whole file).
    """

    def __init__(self, file, line_no: int, field: str, what: str) -> None:
        self.file, self.line_no, self.field = Path(file), line_no, field
        where = f"line {line_no}, column {field}: " if line_no else ""
        super().__init__(f"{self.file}: {where}{what}")


@dataclass(frozen=True)
class TelecomSites:
    """Sites read from a CSV (arrays of equal length n).

    Attributes:
        site_id: (n,) ids; x_m, y_m: (n,) city CRS, m; district: (n,) district index;
        base_stations: (n,) stations per site; backup_h: (n,) hours, NaN = scenario default;
        source: the file read ("" when not from a file).
    """

    site_id: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    district: np.ndarray
    base_stations: np.ndarray
    backup_h: np.ndarray
    source: str = ""


def _number(file, line, field, text, lo, hi, whole=False) -> float:
    """The cell ``text`` as a finite number in [lo, hi] (whole when asked), else the error."""
    want = f"a {'whole number' if whole else 'number'} from {lo:g} to {hi:g}"
    try:
        v = float(text)
    except ValueError:
        raise TelecomSitesError(file, line, field, f"expected {want}, got {text!r}") from None
    if not math.isfinite(v) or not lo <= v <= hi or (whole and v != int(v)):
        raise TelecomSitesError(file, line, field, f"expected {want}, got {text!r}")
    return v


def _rows(path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) of the data rows; blank lines skipped."""
    read_csv_table(path, MAX_BYTES, dtype=str)  # encoding, separator, ragged rows, by line
    reader = csv.reader(io.StringIO(read_text(path, MAX_BYTES)))
    header, rows = None, []
    for cells in reader:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if header is None:
            header = [c.strip() for c in cells]
        else:
            rows.append((reader.line_num, [c.strip() for c in cells]))
    return header or [], rows


def _site_districts(path, city, x, y, ids, lon, lat, lines) -> np.ndarray:
    """District of each site: the one containing it, else the nearest one when the site lies
    within `OUTSIDE_CITY_KM` km of it (a mast on a pier or an island the polygons leave out).

    Raises:
        TelecomSitesError: a site farther out (the farthest named, by its line), the distance
            check every placed import passes (`sim.networks.city_bounds`).
    """
    district = np.asarray(city.locate(x, y), np.int64)
    km = km_outside_city(city, x, y)
    if (km > OUTSIDE_CITY_KM).any():
        i = int(np.nanargmax(km))
        raise TelecomSitesError(
            path, lines[i], "lon, lat", f"site {ids[i]!r} at ({lon[i]}, {lat[i]}) lies outside "
            f"every district: {outside_text(float(km[i]), placed=False)}"
        )  # fmt: skip
    for i in np.flatnonzero(district < 0):
        far = shapely.distance(
            np.asarray(city.polygons_xy, dtype=object), shapely.Point(x[i], y[i])
        )
        district[i] = int(np.argmin(far))
    return district


def read_telecom_sites(path, city) -> TelecomSites:
    """Read and place a telecom-site CSV (module docstring).

    Raises:
        FileNotFoundError: no such file.
        InputFileError: not a readable CSV (encoding, separator, ragged row: by line).
        TelecomSitesError: a required column missing, no data rows, a cell out of its range,
            a site id repeated (both lines) or a site over `OUTSIDE_CITY_KM` km outside
            every district (`_site_districts`).
    """
    header, rows = _rows(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise TelecomSitesError(
            path, 0, "", f"missing column(s) {missing}; expected a header with {list(REQUIRED)}"
            " and optionally backup_h"
        )  # fmt: skip
    if not rows:
        raise TelecomSitesError(path, 0, "", "no sites: expected one data row per site")
    col = {c: header.index(c) for c in header}
    seen: dict[str, int] = {}
    ids, lon, lat, n_bs, backup, lines = [], [], [], [], [], []
    for line, cells in rows:
        sid = cells[col["site_id"]]
        if not sid:
            raise TelecomSitesError(path, line, "site_id", "expected a site id, got a blank")
        if sid in seen:
            raise TelecomSitesError(
                path, line, "site_id", f"site id {sid!r} already on line {seen[sid]}"
            )
        seen[sid] = line
        ids.append(sid)
        lon.append(_number(path, line, "lon", cells[col["lon"]], -180, 180))
        lat.append(_number(path, line, "lat", cells[col["lat"]], -90, 90))
        n_bs.append(_number(path, line, "base_stations", cells[col["base_stations"]], 1, 1e5, True))
        cell = cells[col["backup_h"]] if "backup_h" in col else ""
        backup.append(
            math.nan if cell == "" else _number(path, line, "backup_h", cell, 0, MAX_BACKUP_H)
        )
        lines.append(line)
    x, y = city.to_xy(np.array(lon), np.array(lat))
    district = _site_districts(path, city, x, y, ids, lon, lat, lines)
    return TelecomSites(
        np.array(ids, dtype=object),
        np.asarray(x, float),
        np.asarray(y, float),
        district,
        np.array(n_bs),
        np.array(backup),
        str(path),
    )


def _layer_with_sites(
    old: Layer, sites: TelecomSites, households: np.ndarray
) -> tuple[Layer, np.ndarray]:
    """The telecom layer with the listed sites in place of the generated ones of their
    districts (module docstring), and the old indices of the nodes kept (first, in order)."""
    nd = old.nodes
    site_code, bb_code = old.asset_type_code(SITE), old.asset_type_code(BACKBONE)
    covered = np.isin(nd["district"], np.unique(sites.district))
    keep = (nd["asset_type"] == bb_code) | ~covered
    keep_idx = np.flatnonzero(keep)
    n_keep, n_new = keep_idx.size, len(sites.x_m)
    xy = np.vstack(
        [np.column_stack([nd["x_m"][keep_idx], nd["y_m"][keep_idx]]),
         np.column_stack([sites.x_m, sites.y_m])]
    )  # fmt: skip
    district = np.concatenate([nd["district"][keep_idx], sites.district])
    code = np.concatenate([nd["asset_type"][keep_idx], np.full(n_new, site_code)])
    stations = np.concatenate([nd["base_stations"][keep_idx], sites.base_stations])
    customers = nd["customers_households"][keep_idx].copy()
    new_customers = np.zeros(n_new)
    for d in np.unique(sites.district):
        idx = np.flatnonzero(sites.district == d)
        new_customers[idx] = allocate_integer(int(round(households[d])), np.ones(idx.size))
    bb = np.flatnonzero(code == bb_code)
    is_site = np.flatnonzero(code == site_code)
    hub = bb[nearest_in_group(xy[is_site], district[is_site], xy[bb], district[bb])]
    # backbone mesh edges among kept backbone nodes (renumbered), then each site's backhaul
    remap = np.full(old.n_nodes, -1)
    remap[keep_idx] = np.arange(n_keep)
    e = old.edges
    mesh = (e["edge_type"] == 0) & keep[e["u"]] & keep[e["v"]]
    u = np.concatenate([remap[e["u"][mesh]], is_site])
    v = np.concatenate([remap[e["v"][mesh]], hub])
    nodes = {
        "x_m": xy[:, 0],
        "y_m": xy[:, 1],
        "district": district,
        "asset_type": code,
        "age_years": np.concatenate([nd["age_years"][keep_idx], np.full(n_new, np.nan)]),
        "capacity": stations,
        "is_source": code == bb_code,
        "customers_households": np.concatenate([customers, new_customers]),
        "replacement_cost_yuan": np.concatenate(
            [
                nd["replacement_cost_yuan"][keep_idx],
                np.full(n_new, ASSET_TYPES[SITE].replacement_cost_yuan),
            ]
        ),  # fmt: skip
        "base_stations": stations,
        "road_node": np.concatenate([nd["road_node"][keep_idx], np.full(n_new, -1)]),
    }
    edges = {
        "u": u,
        "v": v,
        "length_m": edge_lengths(xy, u, v),
        "edge_type": np.repeat([0, 1], [int(mesh.sum()), is_site.size]),
    }
    return Layer(LAYER, nodes, edges, list(old.asset_types), list(old.edge_types)), keep_idx


def apply_telecom_sites(
    net: MultilayerNetwork, sites: TelecomSites, households: np.ndarray, default_backup_h: float
) -> MultilayerNetwork:
    """A copy of ``net`` whose telecom layer holds the listed sites (module docstring).

    Args:
        net: the generated (and imported) network, with a telecom layer.
        sites: :func:`read_telecom_sites`.
        households: (D,) households per district (the sites' customers, split evenly).
        default_backup_h: battery hours of a site whose ``backup_h`` is blank.

    Returns:
        New MultilayerNetwork: the telecom layer replaced, its dependencies rebuilt (backbone
        links kept, sites on their nearest 10 kV transformer with their own backup);
        ``meta["imports"]`` gains one summary per district covered (`import_summaries`).
    """
    old = net.layers[LAYER]
    layer, keep_idx = _layer_with_sites(old, sites, np.asarray(households, float))
    roads = net.layers["roads"]
    inter = np.flatnonzero(roads.nodes["asset_type"] == roads.asset_type_code("intersection"))
    xy = np.column_stack([layer.nodes["x_m"], layer.nodes["y_m"]])
    xy_r = np.column_stack([roads.nodes["x_m"][inter], roads.nodes["y_m"][inter]])
    layer.nodes["road_node"] = inter[
        nearest_in_group(xy, layer.nodes["district"], xy_r, roads.nodes["district"][inter])
    ]
    remap = np.full(old.n_nodes, -1)
    remap[keep_idx] = np.arange(keep_idx.size)
    deps = [d for d in net.dependencies if d.dependent_layer != LAYER]
    for d in net.dependencies:
        if d.dependent_layer == LAYER and d.supplier_layer == "power":
            is_bb = old.nodes["asset_type"][d.dependent] == old.asset_type_code(BACKBONE)
            if is_bb.any():
                deps.append(
                    Dependency(d.kind, LAYER, "power", remap[d.dependent[is_bb]],
                               d.supplier[is_bb], d.buffer_h[is_bb], d.description)
                )  # fmt: skip
    site = np.flatnonzero(layer.nodes["asset_type"] == layer.asset_type_code(SITE))
    backup = np.full(layer.n_nodes, float(default_backup_h))
    backup[keep_idx.size :] = np.where(np.isnan(sites.backup_h), default_backup_h, sites.backup_h)
    deps.append(
        Dependency(
            "physical", LAYER, "power", site,
            nearest_of_type(layer, site, net.layers["power"], "distribution_transformer_10kv"),
            backup[site],
            "base-station site fed from the nearest 10 kV feeder node; backup hours from the "
            "site file (blank: the scenario's base_station_backup_h)",
        )
    )  # fmt: skip
    meta = dict(net.meta)
    meta["imports"] = [*net.meta.get("imports", []), *import_summaries(old, sites)]
    return MultilayerNetwork({**net.layers, LAYER: layer}, deps, meta)


def import_summaries(old: Layer, sites: TelecomSites) -> list[dict]:
    """One ``meta["imports"]`` summary per district the sites cover, as a network import's
    (:func:`sim.networks.compose.import_text` prints it as the run's ``imported:`` line):
    sites listed (``nodes_added``, in ``unit`` "sites") and their base stations, generated
    site nodes replaced (``nodes_removed``) and their base stations
    (``base_stations_removed``); a warning when the file's stations are fewer than half the
    generated ones, because the district's whole mobile service then rests on the file's few
    sites (a file is taken to list every site of each district it covers)."""
    site_code = old.asset_type_code(SITE)
    out = []
    for d in np.unique(sites.district).tolist():
        here = sites.district == d
        replaced = (old.nodes["asset_type"] == site_code) & (old.nodes["district"] == d)
        listed = int(sites.base_stations[here].sum())
        removed = int(old.nodes["base_stations"][replaced].sum())
        warnings = []
        if listed < 0.5 * removed:
            warnings.append(
                f"{listed:,} base stations listed replace {removed:,} generated from the city's "
                f"statistic ({listed / removed - 1:+.1%}): every household of the district is "
                "served by the listed sites only; list all of the district's sites, or none"
            )
        out.append(
            {
                "import_id": "telecom_sites_file",
                "layer": LAYER,
                "district": int(d),
                "replace": True,
                "source": sites.source,
                "unit": "sites",
                "nodes_removed": int(replaced.sum()),
                "nodes_added": int(here.sum()),
                "base_stations": listed,
                "base_stations_removed": removed,
                "warnings": warnings,
            }
        )
    return out
