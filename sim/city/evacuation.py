"""The city's relocation rules and means: ``<data_dir>/evacuation.yaml``.

What district governments order and with what: for each relocation category, the flood-control
response level from which it is ordered out and the forecast intensities (gust, rain, flood
depth at the place, within a lead window) that put a place at risk; how the category's people
live (household size, housing types, share relocated before: the synthetic population of
:mod:`sim.agents.households`); how they travel (district buses) and where they stay (shelter
places); optionally from which response level outdoor work, construction included, stops
(``outdoor_work_halt``). Every block carries its source; the numbers belong to the city, not to
the code.

`load_evacuation` validates the file against the city (district names, categories, housing
types) and allocates city totals of buses and shelter sites to districts: explicit district
counts first, the rest by resident population with largest-remainder rounding
(:func:`sim.city.exposure.largest_remainder`), so district counts sum to the city total.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.city.errors import CityDataError, require_file
from sim.city.exposure import largest_remainder
from sim.core.yaml_input import YamlInputError, read_yaml_file
from sim.scenario.schema import HOUSING_TYPES, RELOCATION_CATEGORIES

EVACUATION_FILE = "evacuation.yaml"

TRIGGER_IMS = {"gust_ms": "peak", "sustained_ms": "peak", "rain_mm_per_h": "total",
               "flood_depth_m": "peak"}  # fmt: skip
"""Intensity measures a rule may test, and how the forecast summarises them over the lead
window: the peak (wind, depth) or the total (rain, mm)."""

Source = Annotated[str, Field(min_length=3, description="Where the values come from.")]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    """Base: unknown keys are errors; ``.inf`` and ``.nan`` are refused as numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Trigger(_Strict):
    """A place is at risk for a category when the forecast IM reaches ``at_least`` there."""

    im: Literal["gust_ms", "sustained_ms", "rain_mm_per_h", "flood_depth_m"]
    at_least: float = Field(gt=0, description="Threshold in the IM's unit (rain: mm in lead).")


class OrderRule(_Strict):
    """When a district orders a category out (属地责任: the district acts, the city sets the
    level)."""

    min_response_level: int = Field(
        ge=1, le=4, description="Lowest flood-control response (1 = IV … 4 = I) that orders it."
    )
    triggers: list[Trigger] = Field(min_length=1, description="Any one puts a place at risk.")
    housing: list[str] | None = Field(
        None, description="Housing types the order covers (None: every type of the category)."
    )
    source: Source

    @field_validator("housing")
    @classmethod
    def _types(cls, v):
        if v is not None and (bad := sorted(set(v) - set(HOUSING_TYPES))):
            raise ValueError(f"unknown housing types {bad}; valid: {list(HOUSING_TYPES)}")
        return v


class PopulationSpec(_Strict):
    """How a category's people live and travel (the synthetic households)."""

    persons_per_household: float = Field(ge=1, description="Mean household size, persons.")
    housing: dict[str, Fraction] = Field(description="Housing type → share (sums to 1).")
    experience_share: Fraction = Field(description="Share relocated in an earlier typhoon.")
    transport: Literal["bus", "own"] = Field(description="District buses or own means.")
    sheltered: bool = Field(description="Whether they stay in the district's shelters.")
    source: Source

    @field_validator("housing")
    @classmethod
    def _shares(cls, v: dict[str, float]):
        if bad := sorted(set(v) - set(HOUSING_TYPES)):
            raise ValueError(f"unknown housing types {bad}; valid: {list(HOUSING_TYPES)}")
        if abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"housing shares must sum to 1, got {sum(v.values()):g}")
        return v


COUNT_MAX = 10_000_000
"""Largest count of buses or shelter sites: ~3,000× the default case study's (3,400 buses, 1,500
sites: scenarios/data/shanghai/evacuation.yaml). It keeps the largest-remainder split exact (a total
of 1e20 could not be split)."""


class CountAllocation(_Strict):
    """A city total spread over districts: explicit counts, the rest by population."""

    city_total: int = Field(ge=0, le=COUNT_MAX)
    districts: dict[str, int] = Field(
        default_factory=dict, description="English district name → count (from a source)."
    )
    source: Source

    @field_validator("districts")
    @classmethod
    def _counts_bounded(cls, v: dict[str, int]) -> dict[str, int]:
        bad = {k: n for k, n in v.items() if not 0 <= n <= COUNT_MAX}
        if bad:
            raise ValueError(f"district counts must be from 0 to {COUNT_MAX:,}, got {bad}")
        return v


class Transport(_Strict):
    buses: CountAllocation
    persons_per_trip: float = Field(
        gt=0, le=300, description="Persons a bus carries per trip (the largest, bi-articulated "
        "buses carry about 250-300)."
    )  # fmt: skip
    trips_per_h: float = Field(
        gt=0, le=12, description="Round trips a bus makes per hour (a round trip takes at "
        "least 5 minutes)."
    )  # fmt: skip
    source: Source


class Shelters(_Strict):
    sites: CountAllocation
    places_per_site: float = Field(
        gt=0, le=100_000, description="Persons a shelter site houses (the largest shelters, "
        "stadiums, hold tens of thousands)."
    )  # fmt: skip
    source: Source


class OutdoorWorkHalt(_Strict):
    """From which flood-control response level the city stops outdoor work (construction
    sites: no digging, so no third-party strikes on buried gas mains,
    :mod:`sim.networks.gas_leaks`) until the response falls below it again."""

    min_response_level: int = Field(
        ge=1, le=4, description="Lowest flood-control response (1 = IV … 4 = I) that halts it."
    )
    source: Source


class EvacuationSpec(_Strict):
    """The validated content of ``evacuation.yaml``."""

    lead_h: float = Field(gt=0, le=72, description="Lead window of the order rules, hours.")
    lead_source: Source
    orders: dict[str, OrderRule]
    households: dict[str, PopulationSpec]
    transport: Transport
    shelters: Shelters
    outdoor_work_halt: OutdoorWorkHalt | None = Field(
        None, description="When outdoor work stops (None: the city's rules do not say; never)."
    )

    @field_validator("orders", "households")
    @classmethod
    def _categories(cls, v: dict):
        missing = sorted(set(RELOCATION_CATEGORIES) - set(v))
        unknown = sorted(set(v) - set(RELOCATION_CATEGORIES))
        if missing or unknown:
            raise ValueError(
                f"needs exactly the relocation categories {list(RELOCATION_CATEGORIES)}"
                f" (missing {missing}, unknown {unknown})"
            )
        return v


@dataclass(frozen=True)
class EvacuationData:
    """A city's relocation rules and means, allocated to its districts.

    Attributes:
        spec: the validated file.
        buses: (D,) buses per district.
        shelter_places: (D,) shelter places per district, persons.
        bus_persons_per_h: (D,) persons the district's buses move per hour
            (buses × persons per trip × trips per hour).
    """

    spec: EvacuationSpec
    buses: np.ndarray
    shelter_places: np.ndarray

    @property
    def bus_persons_per_h(self) -> np.ndarray:
        t = self.spec.transport
        return self.buses * t.persons_per_trip * t.trips_per_h


def _allocate(a: CountAllocation, names: list[str], population: np.ndarray, what: str, path):
    unknown = sorted(set(a.districts) - set(names))
    if unknown:
        raise CityDataError(path, f"{what}.districts: unknown district names {unknown}")
    fixed = np.array([a.districts.get(n, 0) for n in names], dtype=np.int64)
    rest = a.city_total - int(fixed.sum())
    if rest < 0:
        raise CityDataError(path, f"{what}: district counts exceed city_total {a.city_total}")
    free = np.array([n not in a.districts for n in names])
    if rest and not free.any():
        raise CityDataError(path, f"{what}: city_total left over but every district is fixed")
    out = fixed.copy()
    if rest:
        out[free] += largest_remainder(rest, population[free].astype(float))
    return out


def load_evacuation(data_dir: str | Path, names: list[str], population) -> EvacuationData:
    """Read and validate ``<data_dir>/evacuation.yaml`` and allocate it to the districts.

    Args:
        data_dir: the city's data folder.
        names: English district names in district order.
        population: (D,) resident population, persons (the allocation weight).

    Returns:
        The :class:`EvacuationData`.

    Raises:
        CityDataError: missing or unreadable file, invalid content (field path and what was
            expected) or district names the city does not have.
    """
    path = Path(data_dir) / EVACUATION_FILE
    require_file(path, "relocation orders, buses, shelters")
    try:
        data = read_yaml_file(path)
        spec = EvacuationSpec.model_validate(data)
    except YamlInputError as exc:
        raise CityDataError(path, str(exc)) from None
    except ValidationError as exc:
        lines = [
            f"{'.'.join(map(str, e['loc'])) or '(top level)'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise CityDataError(path, "; ".join(lines)) from None
    pop = np.asarray(population, dtype=float)
    buses = _allocate(spec.transport.buses, names, pop, "transport.buses", path)
    sites = _allocate(spec.shelters.sites, names, pop, "shelters.sites", path)
    return EvacuationData(spec, buses.astype(float), sites * spec.shelters.places_per_site)
