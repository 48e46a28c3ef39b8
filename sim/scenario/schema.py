"""Pydantic schema of a citysafe scenario file.

One scenario file fully determines a run (inputs, seed, horizon), in the manner of an
OpenQuake job file. Every field carries its unit in its name or description; paths are
resolved relative to the file that declares them (see :mod:`sim.scenario.loader`).

Sections map one-to-one onto the model's components:
``city`` → :mod:`sim.city`, ``networks`` → :mod:`sim.networks`, ``hazard`` →
:mod:`sim.hazards`, ``fragility`` → :mod:`sim.damage.fragility`, ``drainage`` →
:mod:`sim.hazards.waterlogging`, ``warnings``/``response`` → :mod:`sim.agents`,
``logistics`` → :mod:`sim.response`, ``losses`` → :mod:`sim.damage.impact`, ``observed`` →
the console comparison with records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

import sim.scenario.hazard_blocks as hazard_blocks

ALERT_LEVELS = ("none", "blue", "yellow", "orange", "red")
"""Colour-coded alert levels of Chinese early warning (分色预警), in increasing severity."""

AlertLevel = Literal["none", "blue", "yellow", "orange", "red"]


class Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _existing_path(value: Path, info: ValidationInfo) -> Path:
    """Resolve ``value`` against the declaring file's folder and require that it exists."""
    base = (info.context or {}).get("base_dir")
    path = Path(value)
    if not path.is_absolute() and base is not None:
        path = (Path(base) / path).resolve()
    if (info.context or {}).get("check_files", True) and not path.exists():
        raise ValueError(f"file or folder not found: {path}")
    return path


DataPath = Annotated[Path, AfterValidator(_existing_path)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a timezone is required, e.g. 2019-08-08T00:00:00Z (UTC)")
    return value.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(_utc)]


class CityConfig(Strict):
    data_dir: DataPath = Field(
        description="Folder with the city's district data (districts.csv, districts.geojson, "
        "links.csv, exposure_totals.csv), relative to the scenario file."
    )


class TimeConfig(Strict):
    start_utc: UtcTime = Field(description="Simulation start, ISO 8601 with timezone (UTC).")
    duration_h: float = Field(gt=0, le=24 * 366, description="Simulated horizon, hours.")
    physics_step_h: float = Field(
        0.25,
        gt=0,
        le=6,
        description="Time step of the hazard, damage and cascade updates, hours. The Mesa "
        "step (records, agents' decisions) is one hour.",
    )

    @model_validator(mode="after")
    def _step_fits(self) -> TimeConfig:
        if self.physics_step_h > self.duration_h:
            raise ValueError("physics_step_h must not exceed duration_h")
        steps = self.duration_h / self.physics_step_h
        if abs(steps - round(steps)) > 1e-6:
            raise ValueError(
                f"duration_h ({self.duration_h}) must be a whole number of physics steps "
                f"({self.physics_step_h} h)"
            )
        return self


class TyphoonConfig(Strict):
    track_file: DataPath = Field(
        description="Best-track file (CSV as shipped, or CMA CHYYYYBST.txt)."
    )
    track_format: Literal["csv", "cma_bst"] = Field("csv", description="Format of track_file.")
    agency: str = Field(
        "CMA",
        description="Rows to use from a multi-agency CSV track (case-insensitive). Any "
        "string is accepted as a label; its wind averaging comes from the agency table of "
        "sim.hazards.track (CMA 2 min, JMA/KMA/HKO/CWA 10 min, JTWC/NHC 1 min), 1 min for "
        "others unless wind_averaging_min is given.",
    )
    wind_averaging_min: Literal[1, 2, 10] | None = Field(
        None,
        description="Averaging period of the track's winds, minutes (None: from the agency).",
    )
    storm: str | None = Field(
        None, description="Storm to select in a CMA BST file: international number or name."
    )
    radii_file: DataPath | None = Field(
        None,
        description="Wind radii table (JMA 30-kt/50-kt radii, e.g. *_jma_wind_radii.csv) "
        "fitting Rmax and B at each time (sim.hazards.typhoon.radii_profile). None: radii "
        "columns r30kt_km/r50kt_km of the track CSV if present, else Vickery & Wadhera (2008).",
    )
    rmax_km: float | None = Field(
        None, gt=5, le=300, description="Radius of maximum wind, km (None: radii or relation)."
    )
    holland_b: float | None = Field(
        None, ge=0.5, le=2.5, description="Holland B shape parameter (None: fitted or relation)."
    )
    ambient_pressure_hpa: float = Field(
        1010.0, ge=990, le=1030, description="Ambient pressure, hPa."
    )
    rmax_scale: float = Field(
        1.0,
        gt=0,
        le=10,
        description="Multiplier on the radius of maximum wind (fitted to the radii or from "
        "Vickery & Wadhera 2008); a storm's calibration, 1 by default.",
    )
    translation_fraction: float = Field(
        0.5, ge=0, le=1, description="Share of the storm's forward speed added to the wind."
    )
    wind_scale: float = Field(
        1.0, gt=0, le=3, description="Multiplier on surface wind (calibration, sensitivity)."
    )
    rain_scale: float = Field(
        1.0, gt=0, le=10, description="Multiplier on the R-CLIPER rain rate (calibration)."
    )
    rain_radius_scale: float = Field(
        1.0, gt=0, le=10, description="Multiplier on the R-CLIPER rain radii (calibration)."
    )
    rain_gradient_per_100km_south: float = Field(
        0.0,
        ge=-2,
        le=2,
        description="Rain multiplier 1 + k·(y_ref − y)/100 km, clipped to [0.5, 1.5], y_ref the "
        "northing of the city's reference point (city.yaml) (calibration of north–south "
        "contrasts).",
    )
    convective_fraction: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the expected rain carried by convective cells at the sample "
        "points (sim.hazards.rain_cells; 0: no cells). Assumption, order one half in TRMM "
        "climatologies of tropical-cyclone rain.",
    )
    cell_coverage: float = Field(
        0.10, gt=0, lt=1, description="Mean fraction of the area inside a living rain cell."
    )
    cell_radius_km: float = Field(
        2.5, gt=0, le=50, description="Mean radius of a convective rain cell, km (exponential)."
    )
    cell_duration_h: float = Field(
        0.25,
        gt=0,
        le=6,
        description="Mean duration of a rain cell's rain at a point, hours (exponential).",
    )


class LonLat(Strict):
    lon: float = Field(ge=-180, le=180, description="Longitude, degrees east (WGS84).")
    lat: float = Field(ge=-90, le=90, description="Latitude, degrees north (WGS84).")


class RainstormConfig(Strict):
    """A design rainstorm: the city's IDF intensity, Chicago hyetograph (sim.hazards.rainstorm)."""

    start_utc: UtcTime = Field(description="Storm start (UTC).")
    return_period_yr: float = Field(gt=0.1, le=1000, description="IDF return period, years.")
    duration_min: float = Field(
        180.0, gt=0, le=24 * 60, description="Storm duration, minutes (multiple of 5)."
    )
    centre: LonLat | None = Field(
        None, description="Storm centre; None = spatially uniform rain over the city."
    )
    footprint_radius_km: float = Field(
        15.0, gt=0, le=500, description="Gaussian footprint radius of a centred storm, km."
    )

    @field_validator("duration_min")
    @classmethod
    def _multiple_of_block(cls, v: float) -> float:
        if abs(v / 5.0 - round(v / 5.0)) > 1e-9:
            raise ValueError("duration_min must be a multiple of the 5-minute hyetograph block")
        return v


class EarthquakeConfig(Strict):
    """A scenario earthquake: BA08 ground motion, HAZUS-type old-housing damage and casualties."""

    at_utc: UtcTime = Field(description="Origin time (UTC).")
    magnitude: float = Field(ge=4.0, le=8.5, description="Moment magnitude.")
    epicentre: LonLat = Field(description="Epicentre (point source; distance used as Rjb).")
    vs30_ms: float | None = Field(
        None, ge=100, le=1500, description="Site Vs30, m/s (None: the city's, city.yaml site)."
    )


class EpidemicConfig(Strict):
    """An epidemic: stochastic SEIR over the districts with gravity-model mixing
    (sim.hazards.epidemic); sick responders reduce the teams able to work."""

    start_utc: UtcTime = Field(description="Time of the first cases (UTC).")
    r0: float = Field(gt=0, le=20, description="Basic reproduction number R0.")
    latent_period_d: float = Field(3.0, gt=0, le=60, description="Mean latent period, days.")
    infectious_period_d: float = Field(
        5.0, gt=0, le=60, description="Mean infectious period, days."
    )
    seed_district: str = Field(description="English name of the district of the first cases.")
    initial_infectious: int = Field(10, ge=1, description="Infectious residents at the start.")
    travel_fraction: float = Field(
        0.2, ge=0, lt=1, description="Share of residents' time spent in other districts."
    )
    responder_exposure_multiplier: float = Field(
        1.5,
        ge=0,
        le=10,
        description="Responders' infection hazard relative to residents' (assumption: more "
        "contacts at work).",
    )
    step_h: float = Field(6.0, gt=0, le=24, description="Time step of the SEIR chain, hours.")


class HazardConfig(Strict):
    """The ``hazard:`` section: one block per hazard, each validated by the model registered
    for its name in :mod:`sim.scenario.hazard_blocks` (the four below are typed fields so that
    ``scenario.hazard.typhoon`` etc. keep their types; any other registered block, e.g.
    ``storm_surge``, is validated by its own model and read as ``scenario.hazard.<name>``)."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    typhoon: TyphoonConfig | None = None
    rainstorm: RainstormConfig | None = None
    earthquake: EarthquakeConfig | None = None
    epidemic: EpidemicConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _registered_blocks(cls, data, info: ValidationInfo):
        """Validate every block that is not a typed field by its registered model."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key, value in data.items():
            if key in cls.model_fields:
                continue
            spec = hazard_blocks.block(str(key))
            if spec is None:
                raise ValueError(
                    f"unknown hazard {key!r}; registered hazards: {hazard_blocks.block_names()}"
                )
            if value is None or isinstance(value, spec.model):
                continue
            try:
                out[key] = spec.model.model_validate(value, context=info.context)
            except ValidationError as exc:
                lines = [
                    f"{'.'.join(str(p) for p in (key, *e['loc']))}: {e['msg']}"
                    for e in exc.errors()
                ]
                raise ValueError("; ".join(lines)) from None
        return out

    def blocks(self) -> dict[str, BaseModel]:
        """Block name -> validated block, for every hazard present (registration order)."""
        present = {k: getattr(self, k) for k in type(self).model_fields}
        present.update(self.model_extra or {})
        return {k: present[k] for k in hazard_blocks.block_names() if present.get(k) is not None}

    @model_validator(mode="after")
    def _one_hazard(self) -> HazardConfig:
        if not self.blocks():
            raise ValueError(
                "at least one hazard is required (hazard.<name> with name one of "
                f"{hazard_blocks.block_names()})"
            )
        return self


for _name, _model, _warns in (
    ("typhoon", TyphoonConfig, True),
    ("rainstorm", RainstormConfig, True),
    ("earthquake", EarthquakeConfig, False),
    ("epidemic", EpidemicConfig, False),
):
    hazard_blocks.register_block(_name, _model, warnings=_warns)


class DrainageConfig(Strict):
    """District drainage (rational-method runoff against pipe + pump capacity)."""

    capacity_mm_per_h: dict[str, float] | None = Field(
        None,
        description="Design rain intensity the drainage carries, by zone of the city, mm/h "
        "(outflow capacity = C × intensity, rational method). Zones not given (all when None) "
        "take drainage_capacity_mm_per_h of the city's zones (city.yaml, with sources).",
    )
    capacity_sigma: float = Field(
        0.5,
        ge=0,
        le=2,
        description="Log-standard deviation of the local drainage capacity around the design "
        "value (mean 1): blocked inlets, silted and undersized pipes. Assumption; calibration "
        "parameter for the count of waterlogging points.",
    )
    runoff_coefficient: Fraction = Field(
        0.6, description="Rational-method runoff coefficient C (dimensionless)."
    )
    underpass_concentration: float = Field(
        4.0,
        ge=1,
        le=100,
        description="Underpass depth / road ponding depth (catchment focusing; 4.0 "
        "calibrated to the 21 Aug 2012 storm, sim.hazards.waterlogging).",
    )
    underpass_closure_depth_m: float = Field(
        0.25, gt=0, le=2, description="Underpass closed above this depth, m (facts.md §4: 25 cm)."
    )

    @field_validator("capacity_mm_per_h")
    @classmethod
    def _positive(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        for zone, cap in (v or {}).items():
            if not cap > 0:
                raise ValueError(f"capacity for zone {zone!r} must be > 0 mm/h, got {cap}")
        return v


class LoadRedistributionConfig(Strict):
    """Overload cascade on a layer's transmission mesh (Motter & Lai 2002, Phys. Rev. E 66,
    065102): capacity (1 + alpha) × initial load, overloaded nodes trip (not functional, not
    damaged) and loads are recomputed; see :mod:`sim.networks.overload`."""

    layers: list[Literal["power", "water"]] = Field(
        default_factory=lambda: ["power"],
        min_length=1,
        description="Layers whose mesh is checked: power = 220 kV sources and 110/35 kV "
        "substations on sub-transmission lines; water = plants and boosters on trunk mains.",
    )
    alpha: float = Field(
        ge=0,
        le=10,
        description="Tolerance alpha: capacity = (1 + alpha) × the intact mesh's load. On the "
        "25-million-city power mesh, at 0.2 most losses of a 220 kV source collapse over half the "
        "mesh; at 0.5 losses stay within ~100 nodes (measured, sim.networks.overload).",
    )
    load: Literal["nearest_source", "all_pairs"] = Field(
        "nearest_source",
        description="Load: supply flow from each sink's nearest sources (default), or Motter & "
        "Lai's betweenness over all node pairs (slower, ~1 s per stage on the power mesh).",
    )

    @field_validator("layers")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"layers must be distinct, got {v}")
        return v


IMPORT_FORMATS = {"epanet": "water", "pandapower": "power", "osm": "roads", "graphml": None}
"""Import format → the layer it can feed (None: any)."""


class NetworkImportConfig(Strict):
    """A real network placed into a district (:mod:`sim.networks.compose`)."""

    layer: Literal["water", "power", "roads"] = Field(description="Layer the network joins.")
    format: Literal["epanet", "pandapower", "osm", "graphml"] = Field(
        description="File format: EPANET .inp (water), pandapower .json (power), OSM .osm/.pbf "
        "(roads) or GraphML (any layer)."
    )
    file: DataPath = Field(description="The network file, relative to the scenario file.")
    district: str = Field(min_length=1, description="English name of the target district.")
    scale: Literal["fit"] | Annotated[float, Field(gt=0)] | None = Field(
        None,
        description="None = true size; a factor on coordinates and lengths; 'fit' shrinks the "
        "network into the district's bounding box.",
    )
    replace: bool = Field(
        False,
        description="True: the synthetic layer's nodes in the district are replaced by the "
        "network, links that crossed the district border re-attach to it; False: the network "
        "is added as an extra component with its own sources (roads are joined to the street "
        "grid).",
    )
    households: Literal["district", "imported"] = Field(
        "district",
        description="With replace: 'district' rescales the network's customers to the "
        "replaced nodes' households (the district's total is kept); 'imported' keeps the "
        "counts derived from the file's demands.",
    )

    @model_validator(mode="after")
    def _format_fits_layer(self) -> NetworkImportConfig:
        want = IMPORT_FORMATS[self.format]
        if want is not None and want != self.layer:
            raise ValueError(f"format {self.format!r} holds a {want} network, not {self.layer}")
        return self


class NetworksConfig(Strict):
    """Synthetic infrastructure generation (see :func:`sim.networks.generate_city_networks`)."""

    resolution: float = Field(
        1.0,
        gt=0,
        le=4,
        description="Scale factor on asset counts (1.0 = default city resolution, >= 50,000 "
        "assets for a city of 25 million; 0.1 for quick tests).",
    )
    cascade: Literal["source_served", "giant_component"] = Field(
        "source_served", description="Cascade mechanism of the functionality update."
    )
    pump_backup_h: float = Field(
        6.0,
        ge=0,
        le=240,
        description="Backup-power buffer of pumps that have one, hours (assumption).",
    )
    pump_backup_fraction: Fraction = Field(
        0.25, description="Share of water/drainage pumping stations with backup power (assumption)."
    )
    load_redistribution: LoadRedistributionConfig | None = Field(
        None,
        description="Overload tripping after the cascade pass (Motter & Lai 2002); None = off.",
    )
    imports: list[NetworkImportConfig] = Field(
        default_factory=list,
        description="Real networks placed into districts, applied in order after generation.",
    )


# Event models live in sim.scenario.events (they need Strict, UtcTime above; imported here,
# after those, so either module may be imported first).
from sim.scenario.events import INJECT_TYPES, Event, WarningEvent  # noqa: E402, F401

DEFAULT_COMPLIANCE = {
    "construction_workers_persons": 0.2,
    "dangerous_housing_persons": 0.9,
    "shed_dwellers_persons": 0.9,
    "seawall_outside_workers_persons": 1.0,
    "offshore_port_workers_persons": 1.0,
    "vessel_crew_persons": 1.0,
}
"""Share of each relocation pool moved at full alert (calibration parameters). Construction
workers: only those in site dormitories and temporary housing on exposed sites are moved
(assumption). With the exposure inventory's pools (sim/city/exposure.py) these defaults move
about 253,000 people, the Lekima record (facts.md §2c)."""


class RelocationConfig(Strict):
    """Relocation of people at risk by district governments (territorial responsibility)."""

    start_level: AlertLevel = Field(
        "yellow",
        description="Level at which people outside seawalls, in ports and on vessels move.",
    )
    full_level: AlertLevel = Field(
        "orange", description="Level at which every at-risk category is relocated."
    )
    compliance: dict[str, Fraction] = Field(
        default_factory=lambda: dict(DEFAULT_COMPLIANCE),
        description="Share of each at-risk pool relocated at full alert (category → [0, 1]).",
    )
    rate_persons_per_h_per_100k: float = Field(
        120.0,
        gt=0,
        description="Relocation throughput of a district government per 100,000 residents, "
        "persons/hour (staff, vehicles, shelters). 120 gives ~30,000/h city-wide, the pace "
        "from >10,000 (9 Aug 15:00 BJT) to >250,000 (10 Aug 00:00 BJT) in Lekima "
        "(facts.md §2c); calibration parameter.",
    )
    return_after_h: float = Field(
        12.0, ge=0, description="Hours after the warning is lifted before people return."
    )

    @field_validator("compliance")
    @classmethod
    def _known_categories(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(DEFAULT_COMPLIANCE))
        if unknown:
            raise ValueError(
                f"unknown relocation categories {unknown}; valid: {sorted(DEFAULT_COMPLIANCE)}"
            )
        return {**DEFAULT_COMPLIANCE, **v}


class ResponseConfig(Strict):
    relocation: RelocationConfig = Field(default_factory=RelocationConfig)
    close_underpasses: bool = Field(
        True, description="District governments close flooded underpasses."
    )


class LogisticsConfig(Strict):
    """Emergency personnel (teams), equipment and supplies at district depots."""

    policy: Literal["nearest", "severity", "bundle_complete"] = "bundle_complete"
    mutual_aid: bool = Field(True, description="Depots may serve incidents in other districts.")
    teams_scale: float = Field(1.0, ge=0, le=20, description="Multiplier on every team count.")
    equipment_scale: float = Field(1.0, ge=0, le=20, description="Multiplier on equipment counts.")
    supplies_scale: float = Field(1.0, ge=0, le=20, description="Multiplier on supply stocks.")
    resupply_reorder_fraction: Fraction | None = Field(
        0.25,
        description="(s, S) resupply of consumables: when a depot's stock of a supply falls "
        "below this share of its initial level, it is topped up after the supply's lead time "
        "(sim.response.resources.ResupplyPolicy). None: no resupply.",
    )
    preposition_level: AlertLevel = Field(
        "none",
        description="Alert level at which the central reserve pre-positions stock to district "
        "depots (none = never).",
    )
    preposition_fraction: Fraction = Field(
        0.5, description="Share of the central reserve's available stock moved on the warning."
    )
    preposition_districts: list[str] = Field(
        default_factory=list,
        description="English names of the districts whose depots receive it (empty: all).",
    )


class CurveOverride(Strict):
    theta: float | None = Field(None, gt=0, description="Median capacity, in the curve's IM unit.")
    beta: float | None = Field(None, gt=0, le=3, description="Lognormal dispersion.")


class LossConfig(Strict):
    """Unit costs for the direct loss (yuan); assumptions, calibration parameters."""

    scale: float = Field(1.0, gt=0, le=100, description="Multiplier on all unit costs.")


class ObservedOutcome(Strict):
    value: float = Field(description="Observed figure.")
    source: str = Field(description="Citation of the figure.")
    low: float | None = Field(None, description="Lower end of the reported spread.")
    high: float | None = Field(None, description="Upper end of the reported spread.")


class ScenarioBase(Strict):
    """What every scenario kind has: its kind, name, seed, city and observed records.

    The kinds (``kind``: ``emergency``, the default, or ``long_run``) are the two clocks of
    the model family (:mod:`sim.models.base`); :mod:`sim.scenario.kinds` dispatches on
    ``kind``. A resolved scenario lists ``kind`` first (left out for ``emergency``, so the
    files of emergency scenarios read as before), its own sections next and ``observed``
    last.
    """

    OUTCOME_KEYS: ClassVar[tuple[str, ...] | None] = None
    """Summary keys ``observed`` may name (None: not checked here)."""
    OUTCOME_UNITS: ClassVar[dict[str, str] | None] = None
    """Unit of each summary key for the console table (None: units are in the key names)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$", description="Run name (slug).")
    description: str = ""
    seed: int = Field(0, ge=0, description="Master seed of the model's random generator.")
    city: CityConfig
    observed: dict[str, ObservedOutcome] = Field(
        default_factory=dict, description="Observed outcomes (summary key → record) to compare."
    )

    @field_validator("observed")
    @classmethod
    def _known_outcomes(cls, v: dict[str, ObservedOutcome]) -> dict[str, ObservedOutcome]:
        keys = cls.OUTCOME_KEYS
        unknown = sorted(set(v) - set(keys or v))
        if unknown:
            raise ValueError(
                f"unknown outcomes {unknown}; valid: summary keys of this scenario kind "
                f"({', '.join(keys[:6])}, ...; see {cls.__module__})"
            )
        return v

    @model_serializer(mode="wrap")
    def _resolved_order(self, handler):
        data = handler(self)
        kind = data.pop("kind", "emergency")
        observed = data.pop("observed", {})
        head = {} if kind == "emergency" else {"kind": kind}
        return self._drop_absent({**head, **data, "observed": observed})

    def _drop_absent(self, data: dict) -> dict:
        """Hook: leave optional sections out of the resolved scenario (default: none)."""
        return data


class Scenario(ScenarioBase):
    """A complete, validated scenario of the emergency window (hours to weeks)."""

    kind: Literal["emergency"] = Field(
        "emergency", description="Marks an emergency-window scenario (the default)."
    )
    time: TimeConfig
    hazard: HazardConfig
    networks: NetworksConfig = Field(default_factory=NetworksConfig)
    drainage: DrainageConfig = Field(default_factory=DrainageConfig)
    events: list[Event] = Field(
        default_factory=list,
        description="Scripted events (warnings, landfalls, bursts, closures, resources, "
        "policies; sim.scenario.events), in any order; each applies at its time after the "
        "hourly decision step; events before the start apply at the start, events after the "
        "horizon never fire.",
    )
    injects: list[Event] = Field(
        default_factory=list,
        description="Exercise injects replayed from a journal (sim.interfaces.exercise.journal): "
        "each "
        "applies at its time after every model process of that instant, where the trainer "
        "made it, so a replay reproduces the live session exactly.",
    )
    response: ResponseConfig = Field(default_factory=ResponseConfig)
    logistics: LogisticsConfig = Field(default_factory=LogisticsConfig)
    fragility: dict[str, CurveOverride] = Field(
        default_factory=dict,
        description="Overrides of library fragility curves (key → theta/beta), for calibration "
        "and sensitivity; keys from sim.damage.fragility.FRAGILITY_LIBRARY.",
    )
    losses: LossConfig = Field(default_factory=LossConfig)

    @field_validator("fragility")
    @classmethod
    def _known_curves(cls, v: dict[str, CurveOverride]) -> dict[str, CurveOverride]:
        from sim.damage.fragility import FRAGILITY_LIBRARY

        unknown = sorted(set(v) - set(FRAGILITY_LIBRARY))
        if unknown:
            raise ValueError(
                f"unknown fragility curves {unknown}; valid: {sorted(FRAGILITY_LIBRARY)}"
            )
        return v
