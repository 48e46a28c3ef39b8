"""The city's emergency depots: who holds which teams, equipment and supplies, and where.

Reads ``emergency_resources.csv`` beside the city data (one row per resource and depot kind)
and places every depot kind of the city profile (``emergency.depots``) in the districts, plus
the central reserve. Used by :mod:`sim.response.service` (the run) and by the data check of
``citysafe validate``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.city.errors import CityDataError, require_file
from sim.city.exposure import largest_remainder
from sim.core.text_input import read_csv_table
from sim.response.resources import EQUIPMENT, SKILLS, SUPPLIES, Depot

if TYPE_CHECKING:
    from sim.city import City
    from sim.response.routing import RoadRouter
    from sim.scenario.schema import LogisticsConfig

RESOURCES_FILE = "emergency_resources.csv"
RESOURCE_COLUMNS = (
    "resource",
    "kind",
    "depot_kind",
    "per_100k_persons",
    "per_depot",
    "central_reserve",
    "basis",
)
_KIND_VOCAB = {"team": SKILLS, "equipment": EQUIPMENT, "supply": SUPPLIES}
_SECTION = {"team": "teams", "equipment": "equipment", "supply": "supplies"}


QUANTITY_MAX = 1e9
"""Largest quantity a row may give (assumption: no city holds a billion teams, units or
supply units of one kind per 100,000 residents, per depot or in reserve; it keeps the
stock arithmetic finite)."""


def read_resources(data_dir: Path, depot_kinds) -> pd.DataFrame:
    """The emergency resource table: who holds how much of each resource.

    One row per (resource, depot kind): ``kind`` (team, equipment or supply), ``depot_kind``
    (a key of the city profile's ``emergency.depots``), quantities per 100,000 residents of a
    district (split over the district's depots of that kind), per depot and at the central
    reserve, and the ``basis`` of the figures.

    Args:
        data_dir: the city's data folder.
        depot_kinds: the depot kinds of the city profile.

    Raises:
        CityDataError: the file is missing, a column is missing, a resource or depot kind is
            unknown, a (resource, depot kind) pair repeats, or a quantity is negative, above
            :data:`QUANTITY_MAX` or not a number. The message names the file, the row and
            what was expected.
    """
    path = Path(data_dir) / RESOURCES_FILE
    require_file(path, "emergency resources per depot kind")
    df = read_csv_table(path, dtype={"resource": str, "kind": str, "depot_kind": str})
    missing = [c for c in RESOURCE_COLUMNS if c not in df.columns]
    if missing:
        raise CityDataError(path, f"missing column(s) {missing}; expected {list(RESOURCE_COLUMNS)}")
    kinds = sorted(depot_kinds)
    for i, row in enumerate(df.itertuples(index=False), start=2):
        where = f"line {i} ({row.resource})"
        vocab = _KIND_VOCAB.get(row.kind)
        if vocab is None:
            raise CityDataError(
                path, f"{where}: kind {row.kind!r}; expected one of {list(_KIND_VOCAB)}"
            )
        if row.resource not in vocab:
            raise CityDataError(
                path, f"{where}: unknown {row.kind} {row.resource!r}; expected one of {list(vocab)}"
            )
        if row.depot_kind not in depot_kinds:
            raise CityDataError(
                path,
                f"{where}: depot_kind {row.depot_kind!r} is not in the city profile's "
                f"emergency.depots {kinds}",
            )
        for col in ("per_100k_persons", "per_depot", "central_reserve"):
            v = pd.to_numeric(getattr(row, col), errors="coerce")
            if not np.isfinite(v) or v < 0 or v > QUANTITY_MAX:
                raise CityDataError(
                    path,
                    f"{where}: {col} must be a number from 0 to {QUANTITY_MAX:.0e}, got "
                    f"{getattr(row, col)!r}",
                )
    dup = df.duplicated(["resource", "depot_kind"])
    if dup.any():
        r = df[dup].iloc[0]
        raise CityDataError(path, f"({r.resource}, {r.depot_kind}) is listed twice")
    for col in ("per_100k_persons", "per_depot", "central_reserve"):
        df[col] = df[col].astype(float)
    return df


def _quantity(kind: str, qty: float) -> float:
    """Teams and equipment are whole units; supplies keep their quantity."""
    return round(qty) if kind != "supply" else float(qty)


def build_depots(
    city: City, cfg: LogisticsConfig, data_dir: Path, router: RoadRouter, rng
) -> list[Depot]:
    """The emergency service's depots: every depot kind of the city profile, and the central
    reserve.

    Each kind's ``count`` is split over the districts by half population and half area share
    (largest remainder, at least one per district). A resource's per-100k quantity is
    allocated to a district by population and split over the district's depots of its kind by
    largest remainder; its per-depot quantity goes to each of them; scenario scale factors
    (``logistics.teams_scale`` ...) multiply everything (teams and equipment rounded).

    Args:
        city: the city (districts, polygons, ``profile.emergency``).
        cfg: the scenario's ``logistics`` section.
        data_dir: the city's data folder (``emergency_resources.csv``).
        router: road router (depots sit at the road node nearest their site).
        rng: the model's ``logistics`` stream (depot sites).

    Returns:
        Depots, by kind (profile order) then district; the last one is the central reserve
        (``central=True``).

    Raises:
        CityDataError: a malformed resource table (:func:`read_resources`).
    """
    kinds = city.profile.emergency.depots
    table = read_resources(Path(data_dir), kinds)
    pop = city.districts["population"].to_numpy(dtype=float)
    area = city.districts["area_km2"].to_numpy(dtype=float)
    weights = 0.5 * pop / pop.sum() + 0.5 * area / area.sum()
    scale = {
        "team": cfg.teams_scale,
        "equipment": cfg.equipment_scale,
        "supply": cfg.supplies_scale,
    }
    depots: list[Depot] = []
    for kind_name, spec in kinds.items():
        rows = table[table["depot_kind"] == kind_name]
        counts = np.maximum(largest_remainder(spec.count, weights), 1)
        for d in range(city.n_districts):
            depots += _district_depots(city, d, int(counts[d]), kind_name, rows, scale, router, rng)
    depots.append(_central_reserve(city, table, scale, router))
    return depots


def _district_depots(city, d, n, kind_name, rows, scale, router, rng) -> list[Depot]:
    """The ``n`` depots of one kind in district ``d``, at sample points of the district."""
    pop_d = float(city.districts["population"].iloc[d])
    pts = city.sample_points(d, n, rng)
    nodes = router.nearest_node(pts[:, 0], pts[:, 1])
    stock = [{"teams": {}, "equipment": {}, "supplies": {}} for _ in range(n)]
    for row in rows.itertuples(index=False):
        f = scale[row.kind]
        split = largest_remainder(int(round(row.per_100k_persons * pop_d / 1e5 * f)), np.ones(n))
        for k in range(n):
            qty = _quantity(row.kind, split[k] + row.per_depot * f)
            if qty > 0:
                stock[k][_SECTION[row.kind]][row.resource] = qty
    label = kind_name.replace("_", " ")
    name = city.districts.loc[d, "name_en"]
    return [
        Depot(
            node=int(nodes[k]),
            district=d,
            name=f"{name} {label} {k + 1}",
            kind=kind_name,
            **stock[k],
        )
        for k in range(n)
    ]


def _central_reserve(city, table: pd.DataFrame, scale, router) -> Depot:
    """The city-level reserve at the profile's ``emergency.central_reserve`` site."""
    site = city.profile.emergency.central_reserve
    x, y = city.to_xy(site.lon, site.lat)
    node = int(router.nearest_node(np.atleast_1d(x), np.atleast_1d(y))[0])
    central: dict[str, dict[str, float]] = {"teams": {}, "equipment": {}, "supplies": {}}
    for row in table.itertuples(index=False):
        qty = _quantity(row.kind, row.central_reserve * scale[row.kind])
        if qty > 0:
            section = central[_SECTION[row.kind]]
            section[row.resource] = section.get(row.resource, 0) + qty
    return Depot(
        node=node,
        district=int(city.locate(np.atleast_1d(x), np.atleast_1d(y))[0]),
        name="central reserve",
        kind="central_reserve",
        central=True,
        **central,
    )
