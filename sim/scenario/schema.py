"""Pydantic schema of a citysafe scenario file.

One scenario file fully determines a run (inputs, seed, horizon), in the manner of an
OpenQuake job file. Every field carries its unit in its name or description; paths are
resolved relative to the file that declares them (see :mod:`sim.scenario.paths`).

Sections map one-to-one onto the model's components:
``city`` → :mod:`sim.city`, ``networks`` → :mod:`sim.networks`, ``hazard`` →
:mod:`sim.hazards`, ``fragility`` → :mod:`sim.damage.fragility`, ``drainage`` →
:mod:`sim.hazards.waterlogging`, ``warnings``/``response`` → :mod:`sim.agents`,
``logistics`` → :mod:`sim.response`, ``losses`` → :mod:`sim.damage.impact`, ``observed`` →
the console comparison with records.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal

from pydantic import (
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
from sim.scenario.events import INJECT_TYPES, Event, WarningEvent  # noqa: F401
from sim.scenario.fields import (  # noqa: F401  (re-exported: the schema's vocabulary)
    ALERT_LEVELS,
    AlertLevel,
    DataPath,
    Fraction,
    Strict,
    UtcTime,
)
from sim.scenario.population import PopulationConfig


class CityConfig(Strict):
    data_dir: DataPath = Field(
        description="Folder with the city's district data (districts.csv, districts.geojson, "
        "links.csv, exposure_totals.csv), relative to the scenario file."
    )


MIN_PHYSICS_STEP_H = 1 / 60
"""One minute: the finest resolution of any input the physics reads (rain intensities of the
IDF formula and the design hyetograph in minutes, GB 50014; winds as 1- to 10-minute means,
WMO; best tracks every 3-6 h). A shorter step resolves nothing more and only adds steps."""

MAX_PHYSICS_STEPS = 50_000
"""Physics steps a run may take (``duration_h / physics_step_h``): each updates every asset's
hazard, damage and cascade, about 30 ms at Lekima's full 79,219 assets (its 384 steps take
~12 s of a run), so 50,000 steps are about 25 minutes of physics. The default 15-minute step
over the longest window (366 days) takes 35,136."""


class TimeConfig(Strict):
    start_utc: UtcTime = Field(description="Simulation start, ISO 8601 with timezone (UTC).")
    duration_h: float = Field(gt=0, le=24 * 366, description="Simulated horizon, hours.")
    physics_step_h: float = Field(
        0.25,
        gt=0,
        le=6,
        description="Time step of the hazard, damage and cascade updates, hours (at least "
        "one minute, 1/60 h; at most 50,000 steps over duration_h). The Mesa step (records, "
        "agents' decisions) is one hour.",
    )

    @field_validator("physics_step_h")
    @classmethod
    def _at_least_a_minute(cls, v: float) -> float:
        if v < MIN_PHYSICS_STEP_H - 1e-12:
            raise ValueError(
                f"must be at least one minute ({MIN_PHYSICS_STEP_H:.4f} h: no input the physics "
                f"reads is finer), got {v:g}"
            )
        return v

    @model_validator(mode="after")
    def _step_fits(self) -> TimeConfig:
        if self.physics_step_h > self.duration_h:
            raise ValueError("physics_step_h must not exceed duration_h")
        n = self.duration_h / self.physics_step_h
        if n > MAX_PHYSICS_STEPS:
            raise ValueError(
                f"duration_h / physics_step_h = {n:,.0f} physics steps; at most "
                f"{MAX_PHYSICS_STEPS:,} (about 30 ms each at full city scale, ~25 min): use a "
                "longer physics_step_h or a shorter duration_h"
            )
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
    cap_at_track_vmax: bool = Field(
        True,
        description="Cap every point's sustained wind at the track's maximum wind (read as a "
        "1-min wind, times wind_scale): a best track's maximum wind is the highest anywhere in "
        "the storm (sim.hazards.typhoon, step 6); false: no cap.",
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

    @model_validator(mode="after")
    def _cells_bounded(self) -> TyphoonConfig:
        held = self.cells_held_per_km2
        if held > MAX_CELLS_HELD_PER_KM2:
            raise ValueError(
                f"convective cells held per km² c·(1 + d)/(2π r² d) = {held:.3g} (cell_coverage "
                f"{self.cell_coverage:g}, cell_radius_km {self.cell_radius_km:g}, "
                f"cell_duration_h {self.cell_duration_h:g}); at most {MAX_CELLS_HELD_PER_KM2:g} "
                "(8× the default climate's 0.013: every physics step weighs each rain sample "
                "point against every cell held): raise cell_radius_km or cell_duration_h, or "
                "lower cell_coverage"
            )
        return self

    @property
    def cells_held_per_km2(self) -> float:
        """Cells per km² the rain-cell process holds at a time: births per km² and hour
        c / (E[π r²] d), E[r²] = 2 r̄², times the (1 + d) hours a cell is kept
        (:class:`sim.hazards.rain_cells.ConvectiveCells` keeps an hour of the dead)."""
        births = self.cell_coverage / (2 * math.pi * self.cell_radius_km**2 * self.cell_duration_h)
        return births * (1 + self.cell_duration_h)


MAX_CELLS_HELD_PER_KM2 = 0.1
"""Bound of :attr:`TyphoonConfig.cells_held_per_km2`. Each physics step builds several (rain sample
points × cells held) arrays (:meth:`ConvectiveCells.multiplier`): the default climate (coverage 0.1,
radius 2.5 km, 15 min) holds 0.013 cells per km², about 300 cells over the default case study's box;
the bound, 8× that, keeps them at a few thousand cells (tens of MB). A radius of 1 m asked for 5.8
GB and a duration of 0.04 s for 3.5 GB."""


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
    step_h: float = Field(
        6.0,
        ge=1,
        le=24,
        description="Time step of the SEIR chain, hours. At least 1 h: its periods are days "
        "(latent and infectious at least ~1 d in practice), so an hourly chain moves at most a "
        "few per cent of a compartment per step and a finer one only adds steps (each an event "
        "of the run).",
    )
    infection_fatality_ratio: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of infected residents who die (population IFR, a fraction). None: "
        "COVID-19's IFR by age (Levin et al. 2020, sim.hazards.epidemic) over the city's age "
        "bands (city.yaml population_ages).",
    )
    onset_to_death_d: float = Field(
        17.8,
        ge=0,
        le=120,
        description="Mean time from onset to death, days (Verity et al. 2020, COVID-19); "
        "deaths follow removal from the infectious state by this less the infectious period.",
    )


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

    @classmethod
    def extra_block_model(cls, name: str) -> type[BaseModel] | None:
        """The model of the block registered as ``hazard.<name>`` (None: no such block), for
        walkers of the schema (:mod:`sim.scenario.paths`)."""
        spec = hazard_blocks.block(name)
        return None if spec is None else spec.model

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
        0.25,
        gt=0,
        le=2,
        description="Underpass closed above this depth, m (scenarios/data/shanghai/facts.md §4: "
        "25 cm).",
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


IMPORT_FORMATS = {
    "epanet": "water",
    "pandapower": "power",
    "osm": "roads",
    "graphml": None,
    "geojson": "gas",
}
"""Import format → the layer it can feed (None: any)."""


class NetworkImportConfig(Strict):
    """A real network placed into a district (:mod:`sim.networks.compose`)."""

    layer: Literal["water", "power", "roads", "gas"] = Field(description="Layer the network joins.")
    format: Literal["epanet", "pandapower", "osm", "graphml", "geojson"] = Field(
        description="File format: EPANET .inp (water), pandapower .json (power), OSM .osm/.pbf "
        "(roads), GraphML (any layer; gas: stations and pipes, sim.networks.gas_import) or "
        "GeoJSON (gas)."
    )
    file: DataPath = Field(description="The network file, relative to the scenario file.")
    district: str = Field(min_length=1, description="English name of the target district.")
    scale: Literal["fit"] | Annotated[float, Field(gt=0)] | None = Field(
        None,
        description="None = true size; a factor on coordinates and lengths; 'fit' shrinks the "
        "network's bulk into the district's bounding box (a point far from the rest does not "
        "set the fit; over 5 km outside the city once placed, it is refused).",
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
    power_flow: bool = Field(
        False,
        description="pandapower only: run one AC power flow at import (pandapower runpp); "
        "lines and transformers loaded over 100 % are taken out of service (their protection "
        "would trip them); a power flow that does not converge is reported, nothing changed.",
    )

    @model_validator(mode="after")
    def _format_fits_layer(self) -> NetworkImportConfig:
        want = IMPORT_FORMATS[self.format]
        if want is not None and want != self.layer:
            raise ValueError(f"format {self.format!r} holds a {want} network, not {self.layer}")
        if self.power_flow and self.format != "pandapower":
            raise ValueError(f"power_flow needs format 'pandapower', not {self.format!r}")
        return self


FULL_SCALE_RESOLUTION = 16.0
"""The top ``networks.resolution``, the full-scale setting: 16 times the default discretisation
nodes, > 1 million infrastructure assets for the first city (1,154,160 in power, water, drainage
and roads; one drainage node per 31 m of sewer, about one per manhole; what each asset stands
for: :func:`sim.networks.spec.discretisation_units`). At this setting the falling objects,
sheds and dangerous dwellings are individual items (:mod:`sim.damage.items`). The bound keeps a
mistyped resolution (1000) from running away: generation grows linearly, ~10 s and ~0.5 GB at
this level."""


class NetworksConfig(Strict):
    """Synthetic infrastructure generation (see :func:`sim.networks.generate_city_networks`)."""

    resolution: float = Field(
        1.0,
        gt=0,
        le=FULL_SCALE_RESOLUTION,
        description="Scale factor on asset counts (1.0 = default city resolution, >= 50,000 "
        "assets for a city of 25 million; 0.1 for quick tests; 16 = full scale, > 1 million "
        "assets and exposure as individual items).",
    )
    cascade: Literal["source_served", "giant_component"] = Field(
        "source_served", description="Cascade mechanism of the functionality update."
    )
    feeder_isolation_h: float | None = Field(
        1.0,
        ge=0,
        le=240,
        description="Hours from a 10 kV feeder's trip (any fault on it trips its breaker: the "
        "whole feeder goes dark) to the switching that restores its healthy sections, upstream "
        "from the substation and downstream through a tie (sim/networks/protection.py). 1 h: "
        "manual switching, 'five minutes to several hours' (Kentucky Power, reliability "
        "improvements); a few minutes (0.1) with distribution automation. None: the old rule, "
        "a fault cuts only the faulted node's downstream subtree (depends on the resolution).",
    )
    pump_backup_h: float = Field(
        6.0,
        ge=0,
        le=240,
        description="Backup-power buffer of pumps that have one, hours from the loss of both "
        "of their 10 kV supplies (assumption).",
    )
    pump_backup_fraction: Fraction = Field(
        0.25, description="Share of water/drainage pumping stations with backup power (assumption)."
    )
    base_station_backup_h: float = Field(
        3.0,
        ge=0,
        le=240,
        description="Hours a mobile base-station site keeps working on its batteries after its "
        "power is lost (assumption within the 2-4 h of common practice; sim/networks/telecom.py).",
    )
    telecom_restoration_median_h: float = Field(
        18.8,
        gt=0,
        le=2400,
        description="Median hours from a base-station site's wind damage to its restoration by "
        "its operator (crews, emergency vehicles, portable stations; lognormal, drawn per site): "
        "the fit to restorations reported after typhoons Pakhar 2017, Talas 2017 and Lekima "
        "2019 (sim/networks/telecom.py SITE_RESTORATION_REPORTS); ~50 after super typhoon "
        "Yagi 2024.",
    )
    telecom_restoration_beta: float = Field(
        0.35,
        ge=0,
        le=3,
        description="Log-standard deviation of the sites' restoration hours (the same fit; 0: "
        "every site after exactly the median).",
    )
    telecom_sites_file: DataPath | None = Field(
        None,
        description="CSV of real base-station sites (site_id, lon, lat, base_stations, "
        "optional backup_h) replacing the generated sites of the districts it covers "
        "(sim/networks/telecom_sites.py); None: generated sites only.",
    )
    load_redistribution: LoadRedistributionConfig | None = Field(
        None,
        description="Overload tripping after the cascade pass (Motter & Lai 2002); None = off.",
    )
    imports: list[NetworkImportConfig] = Field(
        default_factory=list,
        description="Real networks placed into districts, applied in order after generation.",
    )


RELOCATION_CATEGORIES = (
    "construction_workers_persons",
    "dangerous_housing_persons",
    "shed_dwellers_persons",
    "seawall_outside_workers_persons",
    "offshore_port_workers_persons",
    "vessel_crew_persons",
)
"""People district governments relocate before typhoons (the categories reported for Lekima,
scenarios/data/shanghai/facts.md §2c; the exposure inventory's pools, :mod:`sim.city.exposure`)."""

DEFAULT_COMPLIANCE = dict.fromkeys(RELOCATION_CATEGORIES, 1.0)
"""Category multiplier on the households' compliance probability: 1 = the behavioural model
as published (:class:`BehaviourConfig`), 0 = the category is never relocated (e.g. a rainstorm
or an earthquake scenario). Not a calibration to any storm."""

HOUSING_TYPES = (
    "ordinary",
    "old_dangerous",
    "shed",
    "site_temporary",
    "site_offsite",
    "outdoor_worksite",
    "vessel",
)
"""Where a household of the synthetic population stays (:mod:`sim.agents.households`):
an ordinary dwelling; dangerous old housing (危旧房); a work shed, simple house or field hut
(工棚简屋, 田间窝棚); on-site temporary housing of a construction site (工地临房); construction
workers housed off site; an outdoor work site outside the seawall or in a port; a vessel."""


LOGIT_BOUND = 30.0
"""Largest magnitude of a behaviour coefficient, log-odds: e^-30 ~ 1e-13, beyond any share of
people the model resolves (a bound against typing errors, not a modelling limit)."""


class BehaviourConfig(Strict):
    """Household compliance with relocation: a logistic model after the Protective Action
    Decision Model (PADM; Lindell & Perry 2012, Risk Analysis 32(4): 616-632).

    ``p = 1 / (1 + exp(-(b0 + b_order·order + b_level·(level - 1) + b_housing[type]
    + b_exposure·x + b_experience·experience)))`` for households the category's order covers
    (0 for the others, e.g. construction workers housed off site, and 0 where none of the
    category's order triggers is forecast at the household's place: no threat identified,
    the PADM's first step), with ``order`` 1 where the
    district ordered the household's category out at its place, ``level`` the flood-control
    response level (1 = IV … 4 = I), ``x = ln(forecast intensity / the category's order
    threshold)`` at the household (clipped to [-2, 1]) and ``experience`` 1 for a household
    relocated before.

    Predictors and signs are those Huang, Lindell & Prater (2016, "Who leaves and who stays?
    A review and statistical meta-analysis of hurricane evacuation studies", Environment and
    Behavior 48(8): 991-1029) found consistently significant: official warnings, mobile-home
    residence (here: sheds, site temporary housing), risk-area residence and environmental cues
    / expected personal impacts (here: the forecast intensity at the household); hurricane
    experience had weak and inconsistent effects (here: a small positive term). The paper's
    pooled effect sizes could not be read in full text for this model. The four coefficients
    intercept, official_order, per_response_level and exposure, and the districts'
    order_threshold_scale, are **calibrated jointly** on the eight storms before 2021 with a
    reported relocation count in the shipped city (Wipha 2007, Haikui 2012, Chan-hom 2015;
    Ampil, Jongdari, Yagi, Rumbia 2018; Lekima 2019), each count compared with the model's
    running total at the time it was reported, by ABC-SMC on replays of traced ensembles
    (``experiments/typhoon_calibration``, README "Calibrated on many storms"): each default is
    the joint posterior's weighted median, rounded to 0.1, with its 90% posterior interval in
    the field's description. No storm from 2021 on was used. experience and housing remain
    assumptions (not identifiable from city totals).
    """

    model_config = ConfigDict(**Strict.model_config, allow_inf_nan=False)  # finite log-odds

    intercept: float = Field(
        -5.4,
        ge=-LOGIT_BOUND,
        le=LOGIT_BOUND,
        description="Log-odds of an ordinary household leaving with no order at response "
        "level IV and a forecast at the order threshold (x = 0): ~0.5 %. Calibrated "
        "(posterior 90% interval -7.4 to -3.0; the prior -8 to -1).",
    )
    official_order: float = Field(
        4.3,
        ge=0,
        le=LOGIT_BOUND,
        description="Log-odds added by a district's relocation order (official warnings are "
        "the strongest predictor in Huang et al. 2016). Calibrated (posterior 90% interval "
        "1.1 to 7.2; prior 0 to 8): weakly identified from city totals, since orders and the "
        "response level rise together; with per_response_level, an ordinary household ordered "
        "out at II and x = 0 complies with p = 0.96 (at III: 0.75), a shed dweller with "
        "p = 0.99.",
    )
    per_response_level: float = Field(
        2.2,
        ge=0,
        le=LOGIT_BOUND,
        description="Log-odds per response level above IV (warning salience; the districts' "
        "door-to-door enforcement grows with the grade). Calibrated (posterior 90% interval "
        "0.3 to 4.0; prior 0 to 4).",
    )
    exposure: float = Field(
        1.6,
        ge=0,
        le=LOGIT_BOUND,
        description="Log-odds per unit ln(forecast intensity / order threshold) at the "
        "household (environmental cues, expected personal impact). Calibrated (posterior 90% "
        "interval 0.3 to 3.6; prior 0 to 4).",
    )
    order_threshold_scale: float = Field(
        1.0,
        gt=0.25,
        le=4.0,
        description="Multiplier on every order trigger of the city's evacuation.yaml (e.g. "
        "the gust of 24.5 m/s at which sheds are ordered out): where districts order and "
        "the threshold the households' exposure term is measured from (x = ln(forecast / "
        "(scale x threshold))). The only district-side coefficient here: it is calibrated "
        "jointly with the households' (the triggers are the warning signals' criteria taken "
        "as order thresholds, an assumption) and drawn with them from the posterior. "
        "Calibrated (posterior median 0.96, 90% interval 0.80 to 1.58; prior 0.7 to 1.6): "
        "not identified from city totals, so the sourced thresholds stand (1.0).",
    )
    experience: float = Field(
        0.2,
        ge=-LOGIT_BOUND,
        le=LOGIT_BOUND,
        description="Log-odds for a household relocated in an earlier typhoon. Assumption "
        "(small: weak, inconsistent effect of experience in Huang et al. 2016).",
    )
    housing: dict[str, float] = Field(
        default_factory=lambda: {
            "ordinary": 0.0,
            "old_dangerous": 0.5,
            "shed": 1.0,
            "site_temporary": 1.0,
            "site_offsite": 0.0,
            "outdoor_worksite": 1.5,
            "vessel": 3.0,
        },
        description="Log-odds by housing type (HOUSING_TYPES). Assumptions: sheds and site "
        "temporary housing as the mobile homes of Huang et al. (2016, positive, significant); "
        "dangerous old housing half that; outdoor work sites and vessels are withdrawn by "
        "their employer or the maritime authority (vessels must return to port).",
    )

    posterior_draw: bool = Field(
        False,
        description="Draw the coefficients from the city's calibrated joint posterior (one "
        "particle per run, from the run's stream behaviour.posterior; "
        "sim/city/behaviour_posterior.py) instead of the values above, which are its "
        "medians. citysafe run --replications turns it on unless --fixed-behaviour is given, "
        "so ensemble intervals carry the coefficients' uncertainty.",
    )
    posterior_file: DataPath | None = Field(
        None,
        description="Weighted particles of the posterior (None: <city data_dir>/"
        "behaviour_posterior.csv). Read only when posterior_draw is on.",
    )

    @field_validator("housing")
    @classmethod
    def _known_types(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(HOUSING_TYPES))
        if unknown:
            raise ValueError(f"unknown housing types {unknown}; valid: {list(HOUSING_TYPES)}")
        defaults = cls.model_fields["housing"].default_factory()
        return {**defaults, **v}


BEHAVIOUR_COEFFICIENTS = tuple(
    k for k, f in BehaviourConfig.model_fields.items() if f.annotation is float
)
"""The behaviour coefficients a posterior file may draw (the float fields of
:class:`BehaviourConfig`)."""


class RelocationConfig(Strict):
    """Relocation of people at risk: district orders, household decisions, buses, shelters.

    District governments order categories out where the forecast puts them at risk (rules in
    the city's ``evacuation.yaml``, :mod:`sim.city.evacuation`); households comply by
    :class:`BehaviourConfig`; buses and shelter places of each district bound the flow.
    """

    compliance: dict[str, Fraction] = Field(
        default_factory=lambda: dict(DEFAULT_COMPLIANCE),
        description="Category → multiplier on the households' compliance probability "
        "(1 = the behavioural model; 0 = never relocated).",
    )
    behaviour: BehaviourConfig = Field(default_factory=BehaviourConfig)
    samples_per_group: int = Field(
        48,
        ge=1,
        le=10_000,
        description="Synthetic households sampled per district and category (each stands "
        "for many households by its weight). Resolution, not behaviour.",
    )
    review_h: float = Field(
        6.0,
        gt=0,
        description="Hours between a district's reviews of its orders against the latest "
        "forecast (also reviewed whenever the response level changes). Assumption: the "
        "flood-control headquarters' consultations (会商) about four times a day, as often as "
        "typhoon forecasts are issued in full (every 6 h).",
    )
    departure_time_h: float = Field(
        2.0,
        gt=0,
        description="Mean delay from a household's decision to its departure, hours "
        "(exponential). Assumption: packing and securing a home takes a few hours (Lindell, "
        "Kang & Prater 2011, Natural Hazards 58: 1093-1109, preparation times).",
    )
    bus_scale: float = Field(
        1.0, ge=0, le=100, description="Multiplier on every district's buses (policy lever)."
    )
    shelter_scale: float = Field(
        1.0, ge=0, le=100, description="Multiplier on every district's shelter places."
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


class TyphoonForecastErrorsConfig(Strict):
    """Errors of the typhoon forecasts the warning centre decides from
    (:mod:`sim.hazards.typhoon_forecast`): published mean errors by lead time."""

    lead_h: list[float] = Field(
        [24.0, 48.0, 72.0], min_length=1, description="Lead times of the errors, hours."
    )
    track_error_km: list[float] = Field(
        [66.2, 119.5, 176.3],
        description="Mean track (distance) errors at lead_h, km. Default: CMA/NMC official "
        "forecasts, 2015 verification (Chen et al. 2017, Meteorological Monthly 43(4)); no "
        "substantive change to 2019 (Chen et al. 2021, Met. Mon. 47(10)).",
    )
    intensity_error_ms: list[float] = Field(
        [4.5, 6.0, 6.6],
        description="Mean absolute maximum-wind errors at lead_h, m/s. Default: CMA/NMC 2012 "
        "(J. Hohai Univ. 2013, 41(6): 531-535).",
    )
    scale: float = Field(
        1.0, ge=0, le=5, description="Multiplier on every error (0: the perfect forecast)."
    )
    evolution: Literal["martingale", "ar1"] = Field(
        "ar1",
        description="How successive issues' errors relate (sim/hazards/typhoon_forecast.py). "
        "martingale: each issue revises the last by an independent increment (the martingale "
        "model of forecast evolution, Heath & Jackson 1994), so every issue has the published "
        "errors and forecasts of one time converge as it nears. ar1: one error triple per "
        "issue, AR(1) between issues by autocorrelation (0: independent issues, which let a "
        "district order on the largest of many independent errors). Default ar1: the "
        "behaviour posterior was calibrated with it.",
    )
    autocorrelation: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="AR(1) coefficient of the errors between successive issues, evolution "
        "ar1 only (0: independent issues; assumption).",
    )

    @model_validator(mode="after")
    def _autocorrelation_needs_ar1(self) -> TyphoonForecastErrorsConfig:
        if self.evolution != "ar1" and self.autocorrelation != 0.0:
            raise ValueError(
                f"autocorrelation applies to evolution ar1 only; evolution {self.evolution} "
                "relates the issues by itself: drop autocorrelation or use evolution ar1"
            )
        return self

    @model_validator(mode="after")
    def _same_length(self) -> TyphoonForecastErrorsConfig:
        n = len(self.lead_h)
        if len(self.track_error_km) != n or len(self.intensity_error_ms) != n:
            raise ValueError("lead_h, track_error_km and intensity_error_ms need equal lengths")
        return self


class WarningChannelShares(Strict):
    """Shares of households by the main channel they take warnings from
    (:mod:`sim.agents.warning_reach`). Assumption: no survey of a city's warning reception
    by channel was read for 2019; the CMA / National Bureau of Statistics public weather
    service survey of 2009 found TV the most important channel and a 2006 city survey (Yiyang)
    71.3 % TV, 19.1 % SMS, while mobile use has grown since; the shares below put mobile first
    for a large city of the 2020s. They must sum to 1."""

    cell_broadcast_sms: Fraction = Field(
        0.60, description="Cell broadcast, SMS and phone apps (need a working base station)."
    )
    tv_radio: Fraction = Field(0.25, description="TV and radio (need power at home).")
    neighbourhood_committee: Fraction = Field(
        0.15, description="Neighbourhood committees door to door (need neither)."
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> WarningChannelShares:
        total = self.cell_broadcast_sms + self.tv_radio + self.neighbourhood_committee
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the channel shares must sum to 1, got {total:g}")
        return self


class WarningsConfig(Strict):
    """Who sets the colour-coded warnings (sim.agents.warning_centre)."""

    mode: Literal["forecast", "replay", "disabled"] = Field(
        "forecast",
        description="forecast: the warning centre decides from its forecasts by the city's "
        "criteria (<city data_dir>/warning_criteria.yaml, else the national ones); scripted "
        "warning events still force a level (an override). replay: only scripted warning "
        "events set the levels (a recorded warning history). disabled: the city without an "
        "early-warning platform (a counterfactual): the centre's decisions are withheld, so "
        "no colour-coded warning and no graded response, until a trainer's policy inject "
        "switches early warning on; no warning events.",
    )
    forecast_interval_h: float = Field(
        6.0,
        ge=1,
        le=24,
        description="Hours between forecast issues, at whole multiples of it in UTC (6: CMA's "
        "00/06/12/18 UTC official typhoon forecasts, the times verified by Chen et al.; 3: "
        "the denser cycle near landfall). At least 1 h: no agency issues forecasts more often "
        "(CMA's hourly positions near landfall), and each issue is a forecast of every hazard.",
    )
    horizon_h: float = Field(72.0, gt=0, le=120, description="Longest lead of a forecast, h.")
    downgrade_after_issues: int = Field(
        2,
        ge=1,
        le=8,
        description="Forecast issues in a row whose forecast no longer meets the colour in "
        "force before the centre downgrades or lifts it (1: at the first such issue). "
        "Assumption: 2 (12 h at 6-hourly issues); signals are held through the passage and "
        "lifted once the threat is over (CMA Order No. 16, 2007: signals are changed or "
        "lifted as the situation changes), and independent forecast errors would otherwise "
        "flip a warning between colours from one issue to the next.",
    )
    criteria_file: DataPath | None = Field(
        None,
        description="Warning criteria file (None: <city data_dir>/warning_criteria.yaml if "
        "present, else the national criteria; sim/city/warning_criteria.py).",
    )
    typhoon_errors: TyphoonForecastErrorsConfig = Field(default_factory=TyphoonForecastErrorsConfig)
    channels: WarningChannelShares = Field(
        default_factory=WarningChannelShares,
        description="How warnings reach households: shares by main channel "
        "(sim/agents/warning_reach.py).",
    )


class ResponseConfig(Strict):
    relocation: RelocationConfig = Field(default_factory=RelocationConfig)
    close_underpasses: bool = Field(
        True, description="District governments close flooded underpasses."
    )


class LogisticsConfig(Strict):
    """Emergency personnel (teams), equipment and supplies at district depots."""

    policy: Literal["nearest", "severity", "bundle_complete"] = "bundle_complete"
    mutual_aid: bool = Field(True, description="Depots may serve incidents in other districts.")
    aid_activation_h: float = Field(
        1.0,
        ge=0,
        le=48,
        description="Hours before a depot of another district sets out: mutual aid is "
        "requested through the municipal command and approved first (ASSUMPTION: no published "
        "figure found).",
    )
    reserve_activation_h: float = Field(
        2.0,
        ge=0,
        le=48,
        description="Hours before the city reserve sets out: drawn from the municipal material "
        "reserve on an order of the flood-control headquarters (ASSUMPTION). Pre-positioning "
        "on a warning (preposition_level) moves reserve stock to district depots ahead, where "
        "it serves without this delay.",
    )
    telecom_outage_delay_h: float = Field(
        0.5,
        ge=0,
        le=48,
        description="Hours added to every unit's set-out for an incident in a district, times "
        "the share of that district's households whose cell site is down: orders go by radio "
        "and runners where phones fail (ASSUMPTION: no published figure found).",
    )
    teams_scale: float = Field(1.0, ge=0, le=20, description="Multiplier on every team count.")
    equipment_scale: float = Field(1.0, ge=0, le=20, description="Multiplier on equipment counts.")
    supplies_scale: float = Field(1.0, ge=0, le=20, description="Multiplier on supply stocks.")
    resupply_reorder_fraction: Fraction | None = Field(
        0.25,
        description="(s, S) resupply of consumables: when a depot's stock of a supply falls "
        "below this share of its initial level, it is topped up: the order sets out after the "
        "supply's lead time and drives from the nearest central reserve over the roads of that "
        "moment (sim.response.resources.ResupplyPolicy). None: no resupply.",
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


TRAPPED_SHARE = 0.0022
"""Share of the people still inside a collapsed shed or dangerous old dwelling who are trapped
or hurt and need rescue (light roofs and walls: most get out unhurt). Calibrated: the posterior
median given the zero deaths recorded in the ten calibration typhoons of 2015-2020 (Poisson
deaths proportional to the share, uniform prior on [0, 0.02], 0.02 being the former
assumption; ``experiments/typhoon_calibration/trapped_share.py``). No storm from 2021 on is
read."""


class CasualtyConfig(Strict):
    """Casualty parameters of the counted exposure (:mod:`sim.damage.exposure`)."""

    trapped_share: float = Field(
        TRAPPED_SHARE,
        ge=0,
        le=1,
        description="Share of the occupants of a collapsed shed or dangerous old dwelling who "
        "are trapped and wait for rescue (calibrated on the 2015-2020 typhoons' zero deaths; "
        "sim.scenario.schema.TRAPPED_SHARE).",
    )


class LossConfig(Strict):
    """Unit costs for the direct loss (yuan); assumptions, calibration parameters."""

    scale: float = Field(1.0, gt=0, le=100, description="Multiplier on all unit costs.")


class ScenarioFrequency(Strict):
    """How often the scenario happens, and who says so: the likelihood basis of the risk map
    (``citysafe riskmap``, :mod:`sim.studies.riskmap.frequency`). Not read by the model."""

    events_per_yr: float = Field(
        gt=0,
        le=1000,
        description="Annual frequency of the scenario, events per year (1 / return period in "
        "years; e.g. 0.01 for a 1-in-100-year event).",
    )
    source: str = Field(
        min_length=1,
        description="Where the figure comes from: a citation, or 'assumption: ...' with its "
        "reasoning.",
    )


OBSERVED_BOUNDS = ("exact", "at_least", "at_most")
"""What an observed ``value`` says of the true figure: it is the figure (``exact``, the
default), or a lower bound (``at_least``: "more than 3,000", "3,000 余", "3,000+") or an upper
bound (``at_most``: "fewer than 100")."""


class ObservedOutcome(Strict):
    """One observed figure of a summary outcome: value, source, reported spread and whether the
    value is the figure or a bound of it (:data:`OBSERVED_BOUNDS`). A comparison with a
    simulated interval [low, high] counts a bound as met (``inside``) when the interval reaches
    it: ``high >= value`` for ``at_least``, ``low <= value`` for ``at_most``
    (:meth:`interval_meets`)."""

    value: float = Field(description="Observed figure (or its bound, see 'bound').")
    source: str = Field(description="Citation of the figure.")
    low: float | None = Field(None, description="Lower end of the reported spread.")
    high: float | None = Field(None, description="Upper end of the reported spread.")
    bound: Literal["exact", "at_least", "at_most"] = Field(
        "exact",
        description="'exact': value is the figure; 'at_least': the figure is value or more "
        "(a report of 'more than', '3,000 余', '3,000+'); 'at_most': value or less.",
    )

    @model_validator(mode="after")
    def _spread_holds_the_value(self) -> ObservedOutcome:
        # a spread that leaves out its own figure, or runs backwards, is a typing error: the
        # table would show one range and "inside" would be judged against another
        lo = self.value if self.low is None else self.low
        hi = self.value if self.high is None else self.high
        if not lo <= self.value <= hi:
            raise ValueError(
                f"the reported spread must hold the value: low <= value <= high, got low "
                f"{self.low}, value {self.value}, high {self.high}"
            )
        return self

    @model_serializer(mode="wrap")
    def _plain_when_exact(self, handler):
        data = handler(self)
        if data.get("bound") == "exact":  # plain numbers stay plain in resolved scenarios
            data.pop("bound")
        return data

    def interval_meets(self, low: float, high: float) -> bool:
        """Whether a simulated interval [low, high] agrees with the record, its reported
        spread included (:func:`interval_meets`)."""
        return interval_meets(self.value, self.bound, low, high, self.low, self.high)


def interval_meets(
    value: float,
    bound: str,
    low: float,
    high: float,
    reported_low: float | None = None,
    reported_high: float | None = None,
) -> bool:
    """Whether a simulated interval [low, high] agrees with an observed ``value`` of ``bound``
    (:data:`OBSERVED_BOUNDS`): it contains the value (``exact``), reaches up to the lower bound
    (``at_least``: ``high >= value``) or down to the upper bound (``at_most``: ``low <=
    value``). An exact figure reported with a spread (``reported_low``–``reported_high``,
    e.g. 149,000–259,000 relocated by two counts of one storm) is met when the two intervals
    overlap: the report is as uncertain as its spread."""
    if bound == "at_least":
        return high >= value
    if bound == "at_most":
        return low <= value
    if reported_low is not None or reported_high is not None:
        lo = value if reported_low is None else min(reported_low, value)
        hi = value if reported_high is None else max(reported_high, value)
        return low <= hi and lo <= high
    return low <= value <= high


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
    warnings: WarningsConfig = Field(default_factory=WarningsConfig)
    response: ResponseConfig = Field(default_factory=ResponseConfig)
    logistics: LogisticsConfig = Field(default_factory=LogisticsConfig)
    fragility: dict[str, CurveOverride] = Field(
        default_factory=dict,
        description="Overrides of library fragility curves (key → theta/beta), for calibration "
        "and sensitivity; keys from sim.damage.fragility.FRAGILITY_LIBRARY.",
    )
    losses: LossConfig = Field(default_factory=LossConfig)
    casualties: CasualtyConfig = Field(
        default_factory=CasualtyConfig,
        description="Casualty parameters of collapsed light structures (sim.damage.exposure).",
    )
    population: PopulationConfig = Field(
        default_factory=PopulationConfig,
        description="Which residents the run simulates (sim.scenario.population).",
    )
    frequency: ScenarioFrequency | None = Field(
        None,
        description="Annual frequency of the scenario with its source (the risk map's "
        "likelihood; a scenario whose one hazard is a rainstorm takes 1 / its return period "
        "when this is absent).",
    )

    def _drop_absent(self, data: dict) -> dict:
        if self.frequency is None:  # resolved files of scenarios without it read as before
            data.pop("frequency", None)
        if self.casualties == CasualtyConfig():  # the default leaves no trace either
            data.pop("casualties", None)
        if self.population.resolution == "off":  # likewise: the default leaves no trace
            data.pop("population", None)
        return data

    @model_validator(mode="after")
    def _replay_has_warnings(self) -> Scenario:
        """Replay mode with a typhoon or rainstorm and no scripted warning warns nobody: the
        silent failure of a storm scenario that dropped another storm's warnings. Mode disabled
        says so on purpose, and takes no warning events."""
        if self.warnings.mode == "disabled":
            if any(ev.type == "warning" for ev in self.events):
                raise ValueError(
                    "warnings.mode: disabled issues no warning, but events has warning events; "
                    "remove them or choose replay (or forecast, where they are overrides)"
                )
            return self
        if self.warnings.mode != "replay":
            return self
        decided = [h for h in ("typhoon", "rainstorm") if getattr(self.hazard, h) is not None]
        warned = any(ev.type == "warning" and ev.level != "none" for ev in self.events)
        if decided and not warned:
            raise ValueError(
                f"warnings.mode: replay with hazard.{decided[0]} but no warning event in "
                "events: nobody would be warned or relocated; script the warnings or set "
                "warnings.mode: forecast (the warning centre decides)"
            )
        return self

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
