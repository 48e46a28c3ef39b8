"""City profile: every city-specific constant, read from ``city.yaml`` in the city's data folder.

The code holds formulas and generic (published or assumed) parameters; what belongs to one city
(its projected CRS, UTC offset, zones, reference point, fire stations and central reserve,
design-storm IDF curve, site class, household size, hazardous-chemical sources, residents'
age bands, its country's earthquake fatality model, how exposure totals are spread over its
districts, and the city-wide statistics the network generator scales from) lives in
``<data_dir>/city.yaml``, validated by :class:`CityProfile`, with the source of every value in
the file (each section has a ``source``; each network statistic its own).

`load_profile` reads and validates the file; `sim.city.load_city` attaches the profile to the
:class:`~sim.city.City` (``city.profile``), and every component reads its city constants there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pyproj import CRS
from pyproj.exceptions import CRSError

from sim.city.errors import CityDataError, require_file
from sim.core.yaml_input import YamlInputError, read_yaml_file

PROFILE_FILE = "city.yaml"

Source = Annotated[str, Field(min_length=3, description="Where the values come from.")]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    """Base: unknown keys are errors; ``.inf`` and ``.nan`` are refused wherever a number is
    expected (an infinite factor reached the exposure allocation as an error naming no file)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Factor = Annotated[float, Field(ge=0.0, description="A weight multiplier (>= 0).")]


class ReferencePoint(_Strict):
    """A point of the city (WGS84) used as the origin of spatial calibrations, e.g. the
    latitude about which a north-south rain gradient is measured."""

    lon: float = Field(ge=-180, le=180, description="Longitude, degrees east.")
    lat: float = Field(ge=-90, le=90, description="Latitude, degrees north.")
    source: Source


class ZoneProfile(_Strict):
    """One zone of districts (``zone`` column of districts.csv) and its parameters."""

    description: str
    urban_core: bool = Field(
        description="Fully built-up core: municipal drainage stations are placed here (network "
        "generator) and its land does not count as rural (exposure allocation)."
    )
    drainage_capacity_mm_per_h: float = Field(
        gt=0, description="Design rain intensity the drainage carries, mm/h (scenario default)."
    )
    runoff_coefficient: Fraction = Field(description="Rational-method runoff coefficient C.")
    peak_pedestrian_density_per_m2: float = Field(
        ge=0,
        description="Daytime peak pedestrian density on pavements, persons/m² (falling objects).",
    )
    source: Source


class CentralReserve(_Strict):
    """Site of the city-level reserve of teams, equipment and supplies."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    site: str = Field(description="What stands there (informative).")


MAX_DEPOTS_PER_KIND = 10_000
"""Depots of one kind a city may have: 29× the largest kind of the default case study (345
flood-control material warehouses; 198 fire stations). Every depot is placed, stocked and ranked in
each incident's dispatch plan (sim.response), so the count sizes the run's memory and every plan's
cost: a count of 1e9 would build a billion depots before the first hour."""


class DepotKind(_Strict):
    """One kind of depot of the emergency service: who runs it and how many the city has."""

    count: int = Field(
        ge=1,
        le=MAX_DEPOTS_PER_KIND,
        description="Depots of this kind in the city (split over districts); at most 10,000.",
    )
    holds: str = Field(description="Who runs it and what it holds (informative).")
    source: Source


class EmergencyProfile(_Strict):
    """Depots of the emergency service (sim.response.service).

    ``depots`` maps a depot kind (the key ``emergency_resources.csv`` names in its
    ``depot_kind`` column) to its count; each kind's depots are split over the districts by half
    population and half area share, at least one per district.
    """

    depots: dict[str, DepotKind] = Field(
        min_length=1, description="Depot kinds (fire_station, ambulance_station, ...)."
    )
    central_reserve: CentralReserve
    source: Source

    @model_validator(mode="before")
    @classmethod
    def _old_fire_stations(cls, data):
        if isinstance(data, dict) and "fire_stations" in data:
            raise ValueError(
                "fire_stations was replaced by depots: write depots: {fire_station: {count: "
                f"{data['fire_stations']}, holds: ..., source: ...}}, one entry per depot kind "
                "(docs/extending.md)"
            )
        return data

    @field_validator("depots")
    @classmethod
    def _kind_names(cls, v: dict[str, DepotKind]) -> dict[str, DepotKind]:
        bad = [k for k in v if not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
        if bad:
            raise ValueError(f"depot kinds must be snake_case names, got {bad}")
        return v


class IDFCurve(_Strict):
    """Storm-intensity formula i = a (1 + c lg P) / (t + b)^n (mm/min; P years, t minutes), the
    form of the Chinese standard GB 50014, and the Chicago hyetograph's peak position ratio."""

    a_mm_per_min: float = Field(gt=0)
    c: float = Field(ge=0)
    b_min: float = Field(ge=0)
    n: float = Field(gt=0, lt=2)
    chicago_r: float = Field(gt=0, lt=1, description="Peak position ratio r of the hyetograph.")
    source: Source


class SiteProfile(_Strict):
    """Ground conditions for ground-motion prediction."""

    vs30_ms: float = Field(
        ge=100,
        le=1500,
        description="Time-averaged shear-wave velocity of the top 30 m, m/s (scenario default).",
    )
    site_class: str = Field(description="Site class in the local seismic code (informative).")
    source: Source


class AgeBand(_Strict):
    """A band of ages [from_years, to_years) and its share of the residents."""

    from_years: float = Field(ge=0, le=120, description="Lowest age of the band, years.")
    to_years: float = Field(gt=0, le=120, description="Age the band ends before, years.")
    share: Fraction = Field(description="Share of the residents in the band (0-1).")

    @model_validator(mode="after")
    def _ordered(self):
        if self.to_years <= self.from_years:
            raise ValueError(f"to_years {self.to_years} must exceed from_years {self.from_years}")
        return self


class PopulationAges(_Strict):
    """The residents' ages in bands (an epidemic's deaths: IFR by age, sim.hazards.epidemic).

    The last band is open ("65 and over" in a census): its ``to_years`` closes it only to
    average the IFR over it, and outputs name it open (``persons_aged_65_plus``)."""

    bands: list[AgeBand] = Field(min_length=1, description="Contiguous bands from age 0.")
    source: Source

    @model_validator(mode="after")
    def _contiguous_shares(self):
        edges = [(b.from_years, b.to_years) for b in self.bands]
        if edges[0][0] != 0 or any(a[1] != b[0] for a, b in zip(edges, edges[1:], strict=False)):
            raise ValueError(f"bands must start at age 0 and follow each other, got {edges}")
        total = sum(b.share for b in self.bands)
        if abs(total - 1.0) > 0.01:
            raise ValueError(f"shares must sum to 1 (within 0.01), got {total:.4f}")
        return self


class EarthquakeFatality(_Strict):
    """The empirical earthquake fatality model of the city's country: USGS PAGER, Jaiswal &
    Wald (2010), fatality rate nu(MMI) = Phi(ln(MMI / theta) / beta) (sim.damage.earthquake)."""

    country: str = Field(min_length=2, description="Country (ISO 3166 code) of the parameters.")
    theta_mmi: float = Field(gt=0, le=30, description="theta: MMI of a 50 % fatality rate.")
    beta: float = Field(gt=0, le=2, description="beta: log-standard deviation.")
    source: Source


MAX_HAZMAT_SOURCES = 100_000
"""Risk sources (high-risk enterprises and mobile radioactive sources) a city may list: ~1,000× the
default case study's 93. sim.hazards.chemical holds a record of each (district, class, rate, the
five layers' compliance) and draws for each every year, so the count sizes memory and time."""


class HazmatProfile(_Strict):
    """High-risk hazardous-chemical enterprises and mobile radioactive sources."""

    enterprises_by_district: dict[str, int] = Field(
        description="High-risk enterprises per district (name_en)."
    )
    mobile_radioactive_sources: int = Field(ge=0)
    chemical_park_district: str = Field(
        description="District (name_en) of the chemical park (governance scenario default)."
    )
    source: Source

    @field_validator("enterprises_by_district")
    @classmethod
    def _non_negative(cls, v: dict[str, int]) -> dict[str, int]:
        bad = {k: n for k, n in v.items() if n < 0}
        if bad:
            raise ValueError(f"counts must be >= 0: {bad}")
        return v

    @model_validator(mode="after")
    def _sources_bounded(self):
        n = sum(self.enterprises_by_district.values()) + self.mobile_radioactive_sources
        if n > MAX_HAZMAT_SOURCES:
            raise ValueError(
                f"{n:,} risk sources (enterprises_by_district + mobile_radioactive_sources); at "
                f"most {MAX_HAZMAT_SOURCES:,}: the model keeps a record of each"
            )
        return self


class PopulationByZone(_Strict):
    """weights = population x zone factor."""

    rule: Literal["population_by_zone"]
    factors: dict[str, Factor]


class PopulationAreaMix(_Strict):
    """weights = p x population share + a x land-area share."""

    rule: Literal["population_area_mix"]
    population: float = Field(ge=0)
    area: float = Field(ge=0)


class PopulationByZoneAndRural(_Strict):
    """weights = p x share of (population x zone factor) + r x rural land-area share."""

    rule: Literal["population_by_zone_and_rural_area"]
    factors: dict[str, Factor]
    population: float = Field(ge=0)
    rural: float = Field(ge=0)


class RuralArea(_Strict):
    """weights = land area of districts outside the urban-core zones."""

    rule: Literal["rural_area"]


class Foreshore(_Strict):
    """weights = polygon area minus land area of coastal districts (water, intertidal flats)."""

    rule: Literal["foreshore"]


class InZones(_Strict):
    """weights = 1 in the listed zones, 0 elsewhere."""

    rule: Literal["zones"]
    zones: list[str] = Field(min_length=1)


AllocationSpec = Annotated[
    PopulationByZone
    | PopulationAreaMix
    | PopulationByZoneAndRural
    | RuralArea
    | Foreshore
    | InZones,
    Field(discriminator="rule"),
]


class ExposureAllocation(_Strict):
    """How each exposure total (exposure_totals.csv) is spread over the districts."""

    rules: dict[str, AllocationSpec]
    source: Source


class SourcedValue(_Strict):
    value: float
    source: Source


class CityProfile(_Strict):
    """Everything city-specific that the code needs (``city.yaml``)."""

    name: str = Field(description="Display name of the city.")
    crs: str = Field(
        description="Projected CRS of the internal geometry, metres (e.g. an "
        "EPSG code of a UTM zone)."
    )
    crs_source: Source
    utc_offset_h: float = Field(ge=-12, le=14, description="Local time - UTC, hours.")
    utc_offset_source: Source
    persons_per_household: float = Field(gt=0, le=20)
    persons_per_household_source: Source
    reference_point: ReferencePoint
    zones: dict[str, ZoneProfile] = Field(min_length=1)
    emergency: EmergencyProfile
    rainfall_idf: IDFCurve
    site: SiteProfile
    hazmat: HazmatProfile | None = None
    population_ages: PopulationAges | None = None
    earthquake_fatality: EarthquakeFatality | None = None
    exposure_allocation: ExposureAllocation
    networks: dict[str, SourcedValue] = Field(
        description="City-wide statistics of the network generator (fields of "
        "sim.networks.spec.NetworkSpec), each with its source."
    )

    @field_validator("crs")
    @classmethod
    def _projected_metres(cls, v: str) -> str:
        try:
            crs = CRS.from_user_input(v)
        except CRSError as exc:
            raise ValueError(f"unknown CRS {v!r} ({exc})") from None
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if not crs.is_projected or unit not in ("metre", "meter"):
            raise ValueError(f"{v!r} must be a projected CRS in metres (e.g. EPSG:326zz)")
        return v

    def check_zones(self, zones_used: set[str]) -> None:
        """Raise ValueError when allocation rules name zones the profile does not define."""
        known = set(self.zones)
        for category, spec in self.exposure_allocation.rules.items():
            named = set(getattr(spec, "factors", {}) or {}) | set(getattr(spec, "zones", []) or [])
            if named - known:
                raise ValueError(
                    f"exposure_allocation.rules.{category}: unknown zone(s) "
                    f"{sorted(named - known)}; zones: {sorted(known)}"
                )
            factors = getattr(spec, "factors", None)
            if factors is not None and zones_used - set(factors):
                raise ValueError(
                    f"exposure_allocation.rules.{category}.factors: no factor for zone(s) "
                    f"{sorted(zones_used - set(factors))}"
                )

    @property
    def utc_offset(self):
        """``utc_offset_h`` as a numpy timedelta64 in minutes (add to a UTC datetime64)."""
        return np.timedelta64(int(round(self.utc_offset_h * 60)), "m")

    @property
    def network_statistics(self) -> dict[str, float]:
        """The ``networks`` values without their sources."""
        return {k: v.value for k, v in self.networks.items()}


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def load_profile(data_dir: str | Path) -> CityProfile:
    """Read and validate ``<data_dir>/city.yaml``.

    Args:
        data_dir: the city's data folder.

    Returns:
        The validated :class:`CityProfile`.

    Raises:
        CityDataError: missing or unreadable file, or invalid content (field path and what
            was expected, one line per problem).
    """
    path = Path(data_dir) / PROFILE_FILE
    require_file(path, "city profile: CRS, zones, reference point …")
    try:
        data = read_yaml_file(path)
    except YamlInputError as exc:
        raise CityDataError(path, str(exc)) from None
    try:
        profile = CityProfile.model_validate(data)
        profile.check_zones(set(profile.zones))
    except ValidationError as exc:
        lines = [
            f"{_field_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise CityDataError(path, "; ".join(lines)) from None
    except ValueError as exc:
        raise CityDataError(path, str(exc)) from None
    return profile
