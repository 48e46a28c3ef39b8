"""Incidents (jobs for the response system) and a catalogue of default needs.

An :class:`Incident` is a place on the road network that needs a :class:`Bundle` of teams,
equipment and supplies on scene before ``work_h`` of on-scene service can start. The catalogue
gives each incident kind a default bundle, service time, priority and harm class.

Bundles are typed as personnel, equipment and supplies, the components of the NIMS resource
typing (FEMA 508, Typed Resource Definitions, 2005) and of the AWWA water-sector typing manual
(2007), and drawn from the organisations that hold them in the city (a line crew and its bucket
truck from the grid's repair base, conductor from the district power store; a landscaping crew
and a sanitation haul truck for a fallen tree). The counts are ASSUMPTIONS (stated per entry in
``basis``): no published resource-per-incident tables were found. Crews travel in their own
vehicle (part of the team). Fuel is burnt per running hour of pumps and generators
(``PUMP_FUEL_L_PER_H``, ``GENERATOR_FUEL_L_PER_H``). The only sourced quantity is drinking water
at 3 L per person per day (Sphere Project 2011, Humanitarian Charter and Minimum Standards in
Humanitarian Response, basic survival water needs table: drinking and food 2.5-3 L/person/day;
upper value used).
Calibration anchors for counts of incidents come from scenarios/data/shanghai/facts.md §2c
(Lekima 2019: 2,984 trees down, 100 faulted power lines, 46 waterlogging points, 4 falling
signboards, 7,842 rescue dispatches), not from this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.response.resources import Bundle

HARM_CLASSES = ("trapped", "injury", "property", "none")

# Sphere Project (2011), basic survival water needs: 2.5-3 L/person/day; upper value used.
DRINKING_WATER_L_PER_PERSON_DAY = 3.0
MEALS_PER_PERSON_DAY = 3.0  # assumption
# Diesel burnt per running hour (L/h). ASSUMPTION: ~0.27 L per kWh at full load, the typical
# value of diesel generator fuel-consumption charts, for a 30 kW mobile pump set and a 100 kW
# mobile generator.
PUMP_FUEL_L_PER_H = 8.0
GENERATOR_FUEL_L_PER_H = 27.0


class IncidentError(ValueError):
    """Invalid incident fields or an unknown incident kind."""


@dataclass(frozen=True)
class IncidentType:
    """Default need and consequences of one incident kind.

    Attributes:
        kind: catalogue key.
        need: bundle that must be on scene before work starts.
        work_h: on-scene service time once the full bundle is there (h).
        severity: default priority score (higher is served first under the ``severity``
            policy); 1 nuisance, 2 infrastructure, 3 critical infrastructure, 4 injury,
            5 persons trapped (assumption: life before lifelines before property).
        harm: harm class for :mod:`sim.response.harm` (``HARM_CLASSES``).
        persons_at_risk: default persons affected.
        value_at_risk_yuan: default property value exposed to delay-dependent loss.
        loss_tau_h: e-folding time of delay-dependent property loss (h), see
            :func:`sim.response.harm.property_loss_fraction`.
        basis: what the numbers rest on.
    """

    kind: str
    need: Bundle
    work_h: float
    severity: float
    harm: str
    persons_at_risk: int = 0
    value_at_risk_yuan: float = 0.0
    loss_tau_h: float = np.inf
    basis: str = "assumption"


def _t(
    kind,
    teams,
    equipment,
    supplies,
    work_h,
    severity,
    harm,
    persons=0,
    value=0.0,
    tau=np.inf,
    basis="assumption",
):
    return IncidentType(
        kind, Bundle(teams, equipment, supplies), work_h, severity, harm, persons, value, tau, basis
    )


_W = DRINKING_WATER_L_PER_PERSON_DAY
# Fuel burnt on scene = units x work hours x rate (sandbags and parts are per site).
_P = PUMP_FUEL_L_PER_H
_G = GENERATOR_FUEL_L_PER_H
_SPLIT = (
    "; crews, equipment and supplies are held by different owners (emergency_resources.csv), "
    "so the legs arrive from several depots"
)
# A data table: one entry per kind, positional as in _t (kept compact on purpose).
# fmt: off
INCIDENT_CATALOGUE: dict[str, IncidentType] = {
    t.kind: t
    for t in (
        _t("power_line_fault", {"power_repair": 1}, {"bucket_truck": 1},
           {"conductor_m": 100}, 3.0, 2, "property", 0, 2.0e5, 24.0,
           "typed as a line crew, its aerial bucket truck and spare conductor from the district"
           " power store (FEMA 508 resource typing: personnel, equipment, supplies); counts"
           " assumption; 3 h repair (Lekima: 80 of 100 faulted lines restored by 06:00 on"
           " 10 Aug 2019, scenarios/data/shanghai/facts.md §2c)" + _SPLIT),
        _t("substation_flood", {"power_repair": 2, "drainage": 1},
           {"pump": 2, "generator": 1}, {"sandbags": 200, "fuel_l": 8.0 * (2 * _P + _G)}, 8.0, 3,
           "property", 0, 5.0e6, 24.0,
           "assumption: pump out and dry the switch room, sandbag the entrance, back-up power;"
           " fuel for 2 pumps and a generator over the 8 h" + _SPLIT),
        _t("transformer_flood", {"power_repair": 1}, {"pump": 1, "generator": 1},
           {"fuel_l": 6.0 * _G + 2.0 * _P}, 6.0, 2, "property", 0, 3.0e5, 24.0,
           "assumption: a flooded 10 kV distribution transformer (pad-mounted or box type, not a"
           " substation): one line crew pumps out its pit, dries or swaps the unit and its"
           " low-voltage switchgear in ~6 h while a mobile generator supplies its households;"
           " fuel for the generator over the 6 h and the pump for 2 h; value at risk = the"
           " transformer's replacement cost (sim.networks.spec.ASSET_TYPES)" + _SPLIT),
        _t("substation_quake", {"power_repair": 2}, {"crane": 1}, {}, 24.0, 3, "property", 0,
           5.0e6, 24.0,
           "assumption: two crews and a crane replace the breakers, switches and bushings the"
           " shaking broke (Hazus extensive damage); 24 h of work on site" + _SPLIT),
        _t("pump_station_failure", {"drainage": 1, "power_repair": 1},
           {"generator": 1}, {"fuel_l": 6.0 * _G}, 6.0, 3, "property", 0, 1.0e6, 12.0,
           "assumption: a mobile generator restores pumping; fuel for 6 h of a 100 kW set"
           + _SPLIT),
        _t("road_blocked_by_tree", {"tree_clearance": 1}, {"chainsaw": 1, "haul_truck": 1},
           {}, 1.5, 1, "property", 0, 2.0e4, 12.0,
           "a landscaping crew cuts and lifts the tree and a sanitation haul truck takes the"
           " wood away (the practice described in the city data,"
           " scenarios/data/shanghai/facts.md §3); crew size and the ~1.5 h per tree:"
           " assumption" + _SPLIT),
        _t("waterlogged_underpass", {"drainage": 1}, {"pump": 2},
           {"sandbags": 50, "fuel_l": 4.0 * 2 * _P}, 4.0, 2, "property", 0, 1.0e5, 6.0,
           "assumption: a drainage crew and two mobile pumps drain an underpass in ~4 h, fuel"
           " for 8 pump-hours, sandbags to divert inflow" + _SPLIT),
        _t("flooded_home", {"fire_rescue": 1}, {"boat": 1, "pump": 1},
           {"sandbags": 100, "fuel_l": 2.0 * _P, "drinking_water_l": 3 * 3 * _W,
            "food_rations": 3 * 3 * 3}, 2.0, 2, "property", 3, 5.0e4, 12.0,
           "assumption: 3 residents (census household 2.32 persons rounded up), 3 days of water"
           " (Sphere 2011, 3 L/person/day) and meals; boat for evacuation" + _SPLIT),
        _t("structural_collapse", {"fire_rescue": 2, "structural": 1, "medical": 1},
           {"crane": 1, "vehicle": 2}, {"medical_kits": 2}, 6.0, 5, "trapped", 2,
           5.0e5, 24.0,
           "assumption: two rescue squads with their engines, an engineer and a crane to shore"
           " the structure, an ambulance (rescue team, tools and medical support); 2 persons"
           " trapped (old small-beam thin-slab housing, docs/domain.md §1)" + _SPLIT),
        _t("falling_object_injury", {"medical": 1}, {}, {"medical_kits": 1}, 1.0, 4,
           "injury", 1, 0.0, np.inf,
           "assumption: one ambulance; 1 h on scene and transport to hospital"),
        _t("loose_signboard", {"fire_rescue": 1}, {"vehicle": 1}, {}, 2.0, 2,
           "property", 0, 5.0e4, 12.0,
           "assumption: an aerial fire engine removes or secures a signboard / curtain-wall"
           " panel"),
        _t("pipeline_burst", {"pipeline_repair": 1}, {"excavator": 1, "pump": 1},
           {"fuel_l": 6.0 * _P, "fill_m3": 10}, 6.0, 2, "property", 0, 3.0e5, 12.0,
           "assumption: excavate, pump the trench, replace a pipe section, backfill" + _SPLIT),
        _t("road_collapse", {"pipeline_repair": 1, "structural": 1}, {"excavator": 1},
           {"barriers": 10, "fill_m3": 30}, 10.0, 3, "property", 0, 1.0e6, 24.0,
           "assumption: an engineering crew, an excavator, barriers and fill for a ground"
           " cavity from a pipe burst (docs/domain.md §1, priority 1)" + _SPLIT),
        _t("gas_leak", {"pipeline_repair": 1}, {"excavator": 1},
           {"barriers": 6, "fill_m3": 5}, 6.0, 4, "property", 0, 5.0e5, 12.0,
           "assumption: a gas crew closes the valves either side at once (the main is isolated"
           " when it fails), then excavates, replaces the section, purges and backfills behind"
           " barriers (sim.networks.gas_leaks)" + _SPLIT),
        _t("gas_regulator_failure", {"pipeline_repair": 1, "drainage": 1}, {"pump": 1},
           {"fuel_l": 4.0 * _P}, 6.0, 3, "property", 0, 5.0e5, 12.0,
           "assumption: pump out the flooded regulator kiosk, replace pilots and telemetry"
           + _SPLIT),
        _t("gas_fire", {"fire_rescue": 2}, {"vehicle": 2}, {}, 2.0, 4, "property", 0,
           1.0e6, 6.0,
           "assumption: two fire squads cool the surroundings of a burning gas main until the"
           " isolated section burns out; the road over it reopens then" + _SPLIT),
        _t("chemical_fire", {"fire_rescue": 3, "medical": 1}, {"vehicle": 3},
           {"medical_kits": 5}, 8.0, 5, "property", 0, 2.0e6, 24.0,
           "assumption: three fire squads with their engines and an ambulance contain a fire"
           " at a hazardous-chemical site (sim.hazards.chemical sets the casualties: a fire's"
           " heat radiation, a toxic release's ERG zones)" + _SPLIT),
        _t("hazmat_casualty", {"medical": 1}, {}, {"medical_kits": 1}, 1.5, 4,
           "injury", 2, 0.0, np.inf,
           "assumption: one ambulance takes two casualties of a chemical release to hospital"),
        _t("shelter_resupply", {}, {"vehicle": 1},
           {"drinking_water_l": 1000 * _W, "food_rations": 1000 * MEALS_PER_PERSON_DAY}, 0.5, 2,
           "none", 1000, 0.0, np.inf,
           "a truckload: one day of water (Sphere 2011, 3 L/person/day) and meals for 1,000"
           " sheltered persons, ~4.5 t (assumption: a 5-t truck; sim.response.relief sizes"
           " each load and adds bedding for arrivals)"),
    )
}
# fmt: on


@dataclass
class Incident:
    """One job for the response system.

    Attributes:
        id: unique integer id.
        kind: catalogue key or any label (the dispatcher only uses ``need`` and ``work_h``).
        district: district index of the incident site.
        node: road-layer node index of the site.
        t_created_h: model time the incident began (h); response times are measured from it.
        severity: priority score (>= 0), higher served first under the ``severity`` policy.
        need: bundle to assemble on scene.
        persons_at_risk: persons whose harm depends on the delay.
        work_h: on-scene service time after the full bundle has arrived (h).
        value_at_risk_yuan: property value exposed to delay-dependent loss.
        alt_node: another road node the job can be worked from, -1 for none: the far end of
            a blocked road, which a crew clears from either end. The dispatcher serves such
            a job from the end in the larger road component until a unit sets out
            (:class:`~sim.response.dispatch.Dispatcher`), and keeps ``node`` the end in use.

    Raises:
        IncidentError: negative severity or work time, non-finite creation time.
    """

    id: int
    kind: str
    district: int
    node: int
    t_created_h: float
    severity: float
    need: Bundle
    persons_at_risk: int = 0
    work_h: float = 1.0
    value_at_risk_yuan: float = 0.0
    extra: dict = field(default_factory=dict)
    alt_node: int = -1

    def __post_init__(self) -> None:
        if not math.isfinite(self.t_created_h):
            raise IncidentError(f"incident {self.id}: t_created_h must be finite")
        if not math.isfinite(self.severity) or self.severity < 0:
            raise IncidentError(f"incident {self.id}: severity must be finite and >= 0")
        if not math.isfinite(self.work_h) or self.work_h < 0:
            raise IncidentError(f"incident {self.id}: work_h must be finite and >= 0")
        if self.persons_at_risk < 0 or self.value_at_risk_yuan < 0:
            raise IncidentError(f"incident {self.id}: persons and value at risk must be >= 0")


def get_incident_type(kind: str) -> IncidentType:
    """Catalogue lookup. Raises IncidentError listing the valid kinds."""
    try:
        return INCIDENT_CATALOGUE[kind]
    except KeyError:
        raise IncidentError(
            f"unknown incident kind {kind!r}; valid kinds are {sorted(INCIDENT_CATALOGUE)}"
        ) from None


def make_incident(
    kind: str,
    incident_id: int,
    district: int,
    node: int,
    t_created_h: float,
    *,
    severity: float | None = None,
    scale: float = 1.0,
    persons_at_risk: int | None = None,
    work_h: float | None = None,
    value_at_risk_yuan: float | None = None,
    alt_node: int = -1,
) -> Incident:
    """Build an incident from the catalogue defaults.

    Args:
        kind: catalogue key (see ``INCIDENT_CATALOGUE``).
        incident_id, district, node, t_created_h: as in :class:`Incident`.
        severity: priority; default from the catalogue.
        scale: multiplies the bundle (team/equipment counts round up), persons and value at
            risk; e.g. 2.0 for an underpass twice the usual size.
        persons_at_risk, work_h, value_at_risk_yuan: override the (scaled) defaults.
        alt_node: as in :class:`Incident`.

    Raises:
        IncidentError: unknown kind or invalid fields.
    """
    it = get_incident_type(kind)
    return Incident(
        id=int(incident_id),
        kind=kind,
        district=int(district),
        node=int(node),
        t_created_h=float(t_created_h),
        severity=float(it.severity if severity is None else severity),
        need=it.need.scaled(scale) if scale != 1.0 else it.need,
        persons_at_risk=int(
            round(it.persons_at_risk * scale) if persons_at_risk is None else persons_at_risk
        ),
        work_h=float(it.work_h if work_h is None else work_h),
        value_at_risk_yuan=float(
            it.value_at_risk_yuan * scale if value_at_risk_yuan is None else value_at_risk_yuan
        ),
        alt_node=int(alt_node),
    )
