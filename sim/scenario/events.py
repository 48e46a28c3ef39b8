"""Events of a scenario and injects of a tabletop exercise: one schema for both.

A scenario's ``events:`` list and an exercise journal hold the same pydantic models,
discriminated on ``type``. Each event has its time as ``at_utc`` (UTC timestamp) or ``at_h``
(model hours since ``time.start_utc``), exactly one of them. District names are checked
against the city when the model is built (:mod:`sim.models.event_engine`), since the schema does
not know the city.

When an event applies (:mod:`sim.models.event_engine`): a scenario ``events:`` entry at time t
applies at t after the hourly decision step and before the physics update at t (as scripted
warnings always did); an entry of ``injects:`` (a replayed journal) applies at t after every
model process at t, i.e. where the trainer stood when making it. Both go through the same
code (:func:`sim.models.event_effects.apply_event`).

YAML examples (one per kind; districts of scenarios/data/example-city)::

    - {type: warning, at_utc: 2019-08-09T05:00:00Z, hazard: typhoon, level: yellow}
    - {type: typhoon_landfall, at_h: 2, landfall_lon: 121.9, landfall_lat: 30.9,
       landfall_in_h: 4, heading_deg: 330, speed_kmh: 20, pressure_hpa: 950, vmax_ms: 45}
    - {type: pipe_burst, at_h: 3, district: Old Harbour, count: 2}
    - {type: road_collapse, at_h: 3, district: Riverside, count: 1}
    - {type: chemical_fire, at_h: 4, district: Saltmarsh, hazmat_class: fire_explosion}
    - {type: epidemic_cases, at_h: 0, district: Northgate, count: 50}
    - {type: bridge_closure, at_h: 1, between: [Old Harbour, Northgate]}
    - {type: resources, at_h: 2, district: Westhill, resource: drainage, count: 5}
    - {type: resources, at_h: 2, depot: central reserve, resource: pump, count: -4}
    - {type: policy, at_h: 1, early_warning: false, relocation_compliance_scale: 0.5}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, field_validator, model_validator

import sim.scenario.hazard_blocks as hazard_blocks
from sim.scenario.fields import AlertLevel, Fraction, Strict, UtcTime
from sim.scenario.resource_names import RESOURCE_NAMES, SUPPLIES


class _Event(Strict):
    """Common fields: the time (``at_utc`` or ``at_h``) and a free note."""

    at_utc: UtcTime | None = Field(None, description="Time of the event (UTC).")
    at_h: float | None = Field(
        None, ge=0, le=24 * 366, description="Time of the event, hours since time.start_utc."
    )
    note: str = Field("", description="Free text (the trainer's comment).")

    @model_validator(mode="after")
    def _one_time(self):
        if (self.at_utc is None) == (self.at_h is None):
            raise ValueError("give exactly one of at_utc (UTC time) or at_h (model hours)")
        return self

    def time_h(self, start_utc_s: float) -> float:
        """Model hour of the event given the scenario start (POSIX seconds)."""
        if self.at_h is not None:
            return float(self.at_h)
        return (self.at_utc.timestamp() - start_utc_s) / 3600.0


class WarningEvent(_Event):
    """A colour-coded warning issued by the municipal meteorological/flood-control centre."""

    type: Literal["warning"] = "warning"
    hazard: str = Field(
        "typhoon",
        description="Hazard warned of: a registered hazard that issues warnings "
        "(sim.scenario.hazard_blocks.warning_hazards: typhoon, rainstorm, storm_surge, ...).",
    )
    level: AlertLevel = Field(description="New alert level (none lifts the warning).")
    source: str = Field("", description="Where the issue time comes from.")

    @field_validator("hazard")
    @classmethod
    def _warned_hazard(cls, v: str) -> str:
        valid = hazard_blocks.warning_hazards()
        if v not in valid:
            raise ValueError(f"no warnings are issued for {v!r}; valid: {valid}")
        return v


class TyphoonLandfallEvent(_Event):
    """A synthetic typhoon replacing the scenario's wind and rain from the event on.

    Construction (sim.models.event_effects.landfall_track): a straight track at constant speed
    along ``heading_deg`` through the landfall point, reaching it ``landfall_in_h`` after the
    event, with hourly records from the event to ``hours_after`` past landfall. Over sea the
    storm keeps ``vmax_ms`` and ``pressure_hpa``; after landfall the wind decays by Kaplan &
    DeMaria (1995, J. Appl. Meteor. 34:2499), V(t) = Vb + (R V0 − Vb) e^(−αt) with
    Vb = 26.7 kt, R = 0.9, α = 0.095 /h, and the pressure deficit follows V² (Holland 1980
    cyclostrophic relation). Wind/rain settings (rmax_scale, rain_scale …) are the scenario's
    typhoon settings, or the defaults when the scenario has no typhoon.
    """

    type: Literal["typhoon_landfall"] = "typhoon_landfall"
    landfall_lon: float = Field(ge=100, le=140, description="Landfall longitude, °E.")
    landfall_lat: float = Field(ge=10, le=45, description="Landfall latitude, °N.")
    landfall_in_h: float = Field(6.0, ge=0, le=72, description="Hours from event to landfall.")
    heading_deg: float = Field(
        330.0, ge=0, lt=360, description="Direction of motion, degrees clockwise from north."
    )
    speed_kmh: float = Field(20.0, gt=0, le=80, description="Forward speed, km/h.")
    pressure_hpa: float = Field(950.0, ge=870, le=1005, description="Central pressure, hPa.")
    vmax_ms: float = Field(45.0, ge=15, le=90, description="Maximum sustained wind, m/s.")
    hours_after: float = Field(24.0, ge=1, le=120, description="Track length after landfall, h.")


class PipeBurstEvent(_Event):
    """Water mains burst in a district: junctions fail, repair incidents are raised."""

    type: Literal["pipe_burst"] = "pipe_burst"
    district: str = Field(description="English district name.")
    count: int = Field(1, ge=1, le=50, description="Mains junctions that fail.")


class RoadCollapseEvent(_Event):
    """Ground collapses on roads of a district: segments close until repaired."""

    type: Literal["road_collapse"] = "road_collapse"
    district: str = Field(description="English district name.")
    count: int = Field(1, ge=1, le=50, description="Road segments that collapse.")


class ChemicalFireEvent(_Event):
    """A fire or release at a hazardous-chemical site: a fire's heat radiation
    (``fire_explosion``, sim.hazards.chemical.fire_consequences) or a toxic release's ERG
    zones (``toxic_gas``)."""

    type: Literal["chemical_fire"] = "chemical_fire"
    district: str = Field(description="English district name.")
    hazmat_class: Literal["fire_explosion", "toxic_gas"] = "fire_explosion"
    presence: Fraction = Field(
        1.0, description="Share of residents present in the zones (night 1.0; assumption)."
    )
    radiated_power_mw: float = Field(
        100.0,
        gt=0,
        le=100_000,
        description="fire_explosion: heat radiated by the flames, MW (100 MW: a ~20 m "
        "tank-bund fire; assumption).",
    )
    workers_on_site: int = Field(
        20, ge=0, le=10_000, description="fire_explosion: workers on the site (assumption)."
    )


class EpidemicCasesEvent(_Event):
    """Infectious cases appear in a district (the SEIR chain is built if absent)."""

    type: Literal["epidemic_cases"] = "epidemic_cases"
    district: str = Field(description="English district name.")
    count: int = Field(ge=1, le=1_000_000, description="New infectious residents.")
    r0: float = Field(
        2.5, gt=0, le=20, description="R0 if the scenario had no epidemic (else ignored)."
    )


class BridgeClosureEvent(_Event):
    """River crossings (bridges, tunnels, the Yangtze tunnel-bridge, ferries) between two
    districts close, or reopen."""

    type: Literal["bridge_closure"] = "bridge_closure"
    between: list[str] = Field(
        min_length=2, max_length=2, description="The two districts the crossings join."
    )
    count: int | None = Field(None, ge=1, description="Crossings to close (None: all).")
    reopen: bool = Field(False, description="True: reopen them instead.")


class ResourcesEvent(_Event):
    """Teams, equipment or supplies added to (count > 0) or withdrawn from (< 0) a depot."""

    type: Literal["resources"] = "resources"
    depot: str | None = Field(None, description="Depot name, e.g. 'central reserve'.")
    district: str | None = Field(None, description="Or a district: its first depot.")
    resource: str = Field(description="A team skill, equipment type or supply name.")
    count: float = Field(
        ge=-1e7,
        le=1e7,
        allow_inf_nan=False,
        description="Units to add (> 0) or withdraw (< 0); at most 10^7 either way.",
    )

    @field_validator("resource")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in RESOURCE_NAMES:
            raise ValueError(f"unknown resource {v!r}; valid: {list(RESOURCE_NAMES)}")
        return v

    @model_validator(mode="after")
    def _where(self):
        if (self.depot is None) == (self.district is None):
            raise ValueError("give exactly one of depot or district")
        if self.count == 0:
            raise ValueError("count must not be 0")
        if self.resource not in SUPPLIES and self.count != int(self.count):
            raise ValueError("teams and equipment are counted in whole units")
        return self


class PolicyEvent(_Event):
    """Policy switches from now on (fields left out stay as they are)."""

    type: Literal["policy"] = "policy"
    early_warning: bool | None = Field(None, description="Warning centre issues warnings.")
    relocation_compliance_scale: float | None = Field(
        None, ge=0, le=10, description="Multiplier on relocation compliance (capped at 1)."
    )
    logistics_policy: Literal["nearest", "severity", "bundle_complete"] | None = None
    mutual_aid: bool | None = Field(None, description="Depots may serve other districts.")
    close_underpasses: bool | None = Field(None, description="Flooded underpasses are closed.")

    @model_validator(mode="after")
    def _something(self):
        keys = (
            "early_warning",
            "relocation_compliance_scale",
            "logistics_policy",
            "mutual_aid",
            "close_underpasses",
        )
        if all(getattr(self, k) is None for k in keys):
            raise ValueError(f"a policy event sets at least one of {list(keys)}")
        return self


Event = Annotated[
    WarningEvent
    | TyphoonLandfallEvent
    | PipeBurstEvent
    | RoadCollapseEvent
    | ChemicalFireEvent
    | EpidemicCasesEvent
    | BridgeClosureEvent
    | ResourcesEvent
    | PolicyEvent,
    Field(discriminator="type"),
]
"""Any event (discriminated on ``type``)."""

INJECT_TYPES: tuple[str, ...] = (
    "warning",
    "typhoon_landfall",
    "pipe_burst",
    "road_collapse",
    "chemical_fire",
    "epidemic_cases",
    "bridge_closure",
    "resources",
    "policy",
)
"""Event kinds, in the order of the exercise page."""

EVENT_ADAPTER: TypeAdapter = TypeAdapter(Event)
"""Validates one event mapping: ``EVENT_ADAPTER.validate_python(data)``."""
