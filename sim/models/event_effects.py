"""What each event does to a running :class:`~sim.models.emergency.CityModel` (one function per
type).

Every function takes the model, the validated event (sim.scenario.events) and the model's
``injects`` random stream, changes the state at the model's current time and returns a short
description for the event log. :func:`check_event` resolves names against the city and the
depots first and raises :class:`InjectError` with the valid names, so a bad inject never
reaches the model half-applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.events import (
    BridgeClosureEvent,
    ChemicalFireEvent,
    EpidemicCasesEvent,
    PipeBurstEvent,
    PolicyEvent,
    ResourcesEvent,
    RoadCollapseEvent,
    TyphoonLandfallEvent,
    WarningEvent,
)

if TYPE_CHECKING:
    from sim.models.emergency import CityModel

KD_DECAY_PER_H = 0.095
"""Kaplan & DeMaria (1995, J. Appl. Meteor. 34:2499–2512) inland wind decay rate α, 1/h."""
KD_REDUCTION = 0.9
"""Kaplan & DeMaria (1995) land-fall wind reduction factor R."""
KD_BACKGROUND_MS = 26.7 * 0.514444
"""Kaplan & DeMaria (1995) background wind Vb = 26.7 kt, in m/s."""
HAZMAT_PERSONS_PER_INCIDENT = 2
"""Casualties per ambulance incident of a chemical fire (catalogue ``hazmat_casualty``)."""
MAX_HAZMAT_INCIDENTS = 60
"""Cap on ambulance incidents per chemical fire (more casualties share them; assumption)."""
CROSSING_TYPES = (2, 3, 4)
"""Road edge types that cross a river: river_crossing, tunnel_bridge, ferry
(sim.networks.spec.ROAD_EDGE_TYPES)."""


class InjectError(ValueError):
    """An event that cannot apply to this model; the message is fit for display."""


# ---------------------------------------------------------------------------- checks
def district_index(model: CityModel, name: str) -> int:
    """District index of an English name.

    Raises:
        InjectError: unknown name, listing the valid ones.
    """
    names = list(model.city.districts["name_en"])
    if name not in names:
        raise InjectError(f"unknown district {name!r}; valid districts: {', '.join(names)}")
    return names.index(name)


def crossing_edges(model: CityModel, a: int, b: int) -> np.ndarray:
    """Road edges crossing the river between districts ``a`` and ``b`` (sorted)."""
    roads = model.infra.layers["roads"]
    e = roads.edges
    du, dv = roads.nodes["district"][e["u"]], roads.nodes["district"][e["v"]]
    pair = ((du == a) & (dv == b)) | ((du == b) & (dv == a))
    return np.flatnonzero(pair & np.isin(e["edge_type"], CROSSING_TYPES))


def depot_rows(model: CityModel, ev: ResourcesEvent) -> list[int]:
    """Depot rows an event's resources go to or come from (a named depot, or a district's
    depots in order).

    Raises:
        InjectError: unknown depot or district.
    """
    depots = model.service.depots
    if ev.depot is not None:
        names = [d.name for d in depots]
        if ev.depot not in names:
            shown = ", ".join(names[:3] + ["…", names[-1]])
            raise InjectError(
                f"unknown depot {ev.depot!r}; depots are named like {shown} "
                "('<district> station <k>' or 'central reserve')"
            )
        return [names.index(ev.depot)]
    d = district_index(model, ev.district)
    return [k for k, dep in enumerate(depots) if dep.district == d and not dep.central]


def check_event(model: CityModel, ev) -> None:
    """Resolve the names an event uses against this model.

    Raises:
        InjectError: a name that does not exist, or a closure between districts without a
            river crossing.
    """
    if isinstance(ev, BridgeClosureEvent):
        a, b = (district_index(model, n) for n in ev.between)
        if crossing_edges(model, a, b).size == 0:
            lk = model.city.links
            pairs = lk[lk["link_type"].isin(["river", "tunnel_bridge", "ferry"])]
            names = model.city.districts["name_en"]
            valid = "; ".join(f"{names[r.a]} – {names[r.b]}" for r in pairs.itertuples())
            raise InjectError(
                f"no river crossing between {ev.between[0]} and {ev.between[1]}; "
                f"crossings join: {valid}"
            )
    elif isinstance(ev, ResourcesEvent):
        depot_rows(model, ev)
    elif hasattr(ev, "district"):
        district_index(model, ev.district)


# ---------------------------------------------------------------------------- effects
def apply_warning(model: CityModel, ev: WarningEvent, rng, t_h: float) -> str:
    issued = model.warning_centre.issue(ev.hazard, ev.level, ev.source, t_h)
    return f"{ev.hazard}:{ev.level}" + ("" if issued else " (withheld: early warning off)")


def landfall_track(ev: TyphoonLandfallEvent, now_utc: np.datetime64, name: str = "inject"):
    """The synthetic straight track of a landfall event (see TyphoonLandfallEvent).

    Positions: local equirectangular plane around the landfall point (error < 0.5% within
    ~500 km), x east = s·sin(heading), y north = s·cos(heading), s = speed × (t − t_landfall).

    Returns:
        A :class:`~sim.hazards.track.Track` with hourly records from ``now_utc``.
    """
    from sim.hazards.track import EARTH_RADIUS_M, Track

    hours = np.arange(0.0, ev.landfall_in_h + ev.hours_after + 1e-9, 1.0)
    if hours[-1] < ev.landfall_in_h + ev.hours_after - 1e-9:
        hours = np.append(hours, ev.landfall_in_h + ev.hours_after)
    s_m = ev.speed_kmh * 1000.0 * (hours - ev.landfall_in_h)
    head = np.radians(ev.heading_deg)
    lat0 = np.radians(ev.landfall_lat)
    lat = ev.landfall_lat + np.degrees(s_m * np.cos(head) / EARTH_RADIUS_M)
    lon = ev.landfall_lon + np.degrees(s_m * np.sin(head) / (EARTH_RADIUS_M * np.cos(lat0)))
    over_land_h = np.clip(hours - ev.landfall_in_h, 0.0, None)
    v0 = ev.vmax_ms
    vb = min(KD_BACKGROUND_MS, v0)
    decayed = vb + (KD_REDUCTION * v0 - vb) * np.exp(-KD_DECAY_PER_H * over_land_h)
    vmax = np.where(hours > ev.landfall_in_h, np.minimum(decayed, v0), v0)
    ambient = 1010.0
    dp0 = max(ambient - ev.pressure_hpa, 0.0)
    pressure = ambient - dp0 * (vmax / v0) ** 2
    times = now_utc + (hours * 3600.0).round().astype("timedelta64[s]")
    return Track(times, lat, lon, pressure, vmax, name=name)


def apply_typhoon_landfall(model: CityModel, ev: TyphoonLandfallEvent, rng, t_h: float) -> str:
    from sim.hazards.typhoon import typhoon_from_config
    from sim.scenario.schema import TyphoonConfig

    cfg = model.config.hazard.typhoon
    if cfg is None:
        cfg = TyphoonConfig.model_construct(**_typhoon_defaults())
    track = landfall_track(ev, model.utc())
    model.set_typhoon(typhoon_from_config(track, cfg, model.city.crs))
    return (
        f"landfall ({ev.landfall_lon:.2f}E, {ev.landfall_lat:.2f}N) in {ev.landfall_in_h:g} h, "
        f"{ev.pressure_hpa:g} hPa, {ev.vmax_ms:g} m/s"
    )


def typhoon_settings(config):
    """Wind and rain settings of a typhoon in this scenario: its ``hazard.typhoon`` block, or
    the block's defaults when the scenario has none (an injected storm)."""
    from sim.scenario.schema import TyphoonConfig

    cfg = config.hazard.typhoon
    return TyphoonConfig.model_construct(**_typhoon_defaults()) if cfg is None else cfg


def _typhoon_defaults() -> dict:
    from sim.scenario.schema import TyphoonConfig

    return {
        k: f.default
        for k, f in TyphoonConfig.model_fields.items()
        if k not in ("track_file",) and not f.is_required()
    } | {"rmax_km": None, "holland_b": None}


def apply_pipe_burst(model: CityModel, ev: PipeBurstEvent, rng, t_h: float) -> str:
    d = district_index(model, ev.district)
    layer = model.infra.layers["water"]
    junction = layer.asset_types.index("mains_junction")
    nd = layer.nodes
    cand = np.flatnonzero(
        (nd["district"] == d) & (nd["asset_type"] == junction) & ~model.infra.damaged["water"]
    )
    if cand.size == 0:
        return "no intact mains junction left in the district"
    hit = np.sort(rng.choice(cand, size=min(ev.count, cand.size), replace=False))
    model.infra.damage_nodes(model.context, "water", hit, "water_asset")
    for i in hit:
        model.service.raise_incident("pipeline_burst", d, int(nd["road_node"][i]), ("water", i, 0))
    model.service.dispatch()
    return f"{hit.size} mains junction(s) burst"


def apply_road_collapse(model: CityModel, ev: RoadCollapseEvent, rng, t_h: float) -> str:
    d = district_index(model, ev.district)
    infra = model.infra
    e = infra.layers["roads"].edges
    cand = np.flatnonzero((infra.edge_district == d) & (e["edge_type"] <= 1) & ~infra.edge_closed)
    if cand.size == 0:
        return "no open road segment left in the district"
    hit = np.sort(rng.choice(cand, size=min(ev.count, cand.size), replace=False))
    infra.close_edges(hit)
    model.record_road_collapses(int(hit.size))
    model.service.update_roads(infra.edge_speed_factor)
    for j in hit:
        model.service.raise_incident("road_collapse", d, int(e["u"][j]), ("roads_closed", j, 0))
    gas = infra.gas_under_roads(model.context, hit)  # the gas mains under them break
    if gas:
        model.service.submit_damage(gas, [], [])
    model.service.dispatch()
    return f"{hit.size} road segment(s) collapsed"


def apply_chemical_fire(model: CityModel, ev: ChemicalFireEvent, rng, t_h: float) -> str:
    """A fire or release at a hazardous-chemical site in the district.

    ``fire_explosion``: heat radiation of a fire (:func:`sim.hazards.chemical.fire_consequences`:
    TNO lethality probit, second-degree-burn dose, the site's workers and residents outdoors
    around it) and its direct loss, booked as ``chemical_fire``. ``toxic_gas``: the ERG zones
    of :mod:`sim.hazards.chemical` at the district's resident density, Poisson persons in the
    isolation circle (deaths, binomial) and the downwind protective zone (casualties). Deaths
    are booked at once; the injured need ambulances and their survival depends on the delay.
    """
    from dataclasses import replace

    from sim.hazards.chemical import (
        HAZMAT_CLASSES,
        FireScenario,
        exposed_persons,
        fire_consequences,
    )

    d = district_index(model, ev.district)
    row = model.city.districts.loc[d]
    density = float(row["population"]) / float(row["area_km2"])
    if ev.hazmat_class == "fire_explosion":
        fire = replace(
            FireScenario(),
            radiated_power_mw=ev.radiated_power_mw,
            workers_on_site=ev.workers_on_site,
        )
        outcome = fire_consequences(fire, density, ev.presence, rng)
        deaths, casualties = outcome.deaths, outcome.injuries
        model.context.losses.add_yuan("chemical_fire", outcome.loss_yuan, scaled=False)
        loss = f", direct loss {outcome.loss_yuan / 1e6:.1f} M yuan"
    else:
        cls = HAZMAT_CLASSES[ev.hazmat_class]
        iso, prot = exposed_persons(cls, density, ev.presence)
        deaths = int(rng.binomial(rng.poisson(float(iso)), cls.p_death_isolation))
        casualties = int(rng.binomial(rng.poisson(float(prot)), cls.p_injury_protective))
        loss = ""
    xy = model.city.sample_points(d, 1, rng)
    node = int(model.service.router.nearest_node(xy[:, 0], xy[:, 1])[0])
    model.service.raise_incident("chemical_fire", d, node, ("people", -1, 0))
    if deaths:
        model.context.book_casualties(d, "chemical_fire", deaths=float(deaths))
    n_inc = min(-(-casualties // HAZMAT_PERSONS_PER_INCIDENT), MAX_HAZMAT_INCIDENTS)
    if n_inc:
        from sim.city.exposure import largest_remainder

        persons = largest_remainder(casualties, np.ones(n_inc))
        for p in persons:
            model.service.raise_incident("hazmat_casualty", d, node, ("people", -1, 0), int(p))
    model.service.dispatch()
    return f"{ev.hazmat_class}: {deaths} dead on site, {casualties} casualties{loss}"


def apply_epidemic_cases(model: CityModel, ev: EpidemicCasesEvent, rng, t_h: float) -> str:
    d = district_index(model, ev.district)
    if model.epidemic is None:
        from sim.scenario.schema import EpidemicConfig

        # at most the district's residents, as on a running chain (add_epidemic_cases)
        count = int(min(ev.count, model.city.districts["population"].iloc[d]))
        cfg = EpidemicConfig(
            start_utc=model.start_utc.to_pydatetime(),
            r0=ev.r0,
            seed_district=ev.district,
            initial_infectious=count,
        )
        try:
            model.build_epidemic(cfg, rng, start_h=model.time)
        except ValueError as exc:  # the city has no age bands for the deaths
            raise InjectError(str(exc)) from None
        return f"SEIR chain started: {count} cases, R0 {ev.r0:g}"
    n = model.add_epidemic_cases(d, ev.count)
    return f"{n} new infectious residents"


def apply_bridge_closure(model: CityModel, ev: BridgeClosureEvent, rng, t_h: float) -> str:
    a, b = (district_index(model, n) for n in ev.between)
    edges = crossing_edges(model, a, b)
    infra = model.infra
    if ev.reopen:
        edges = edges[infra.edge_closed[edges]]
        infra.reopen_edges(edges)
    else:
        edges = edges[~infra.edge_closed[edges]]
        if ev.count is not None:
            edges = edges[: ev.count]
        infra.close_edges(edges)
    model.service.update_roads(infra.edge_speed_factor)
    model.service.dispatch()
    return f"{edges.size} crossing(s) {'reopened' if ev.reopen else 'closed'}"


def apply_resources(model: CityModel, ev: ResourcesEvent, rng, t_h: float) -> str:
    rows = depot_rows(model, ev)
    disp = model.service.dispatcher
    if ev.count > 0:
        done = disp.adjust_stock(rows[0], ev.resource, ev.count, t_h)
    else:
        done, left = 0.0, -ev.count
        for k in rows:  # withdraw depot by depot until the count is met
            if left <= 1e-9:
                break
            took = -disp.adjust_stock(k, ev.resource, -left, t_h)
            done -= took
            left -= took
    model.service.dispatch()
    where = ev.depot if ev.depot is not None else ev.district
    return f"{done:+g} {ev.resource} at {where}"


def apply_policy(model: CityModel, ev: PolicyEvent, rng, t_h: float) -> str:
    from sim.response import DispatchPolicy

    parts = []
    if ev.early_warning is not None:
        model.warning_centre.set_enabled(ev.early_warning)
        parts.append(f"early_warning={ev.early_warning}")
    if ev.relocation_compliance_scale is not None:
        for gov in model.districts:
            gov.scale_compliance(ev.relocation_compliance_scale)
        parts.append(f"relocation_compliance_scale={ev.relocation_compliance_scale:g}")
    if ev.logistics_policy is not None or ev.mutual_aid is not None:
        disp = model.service.dispatcher
        name = ev.logistics_policy or model.logistics_policy
        aid = disp.policy.mutual_aid if ev.mutual_aid is None else ev.mutual_aid
        now = disp.policy  # the activation delays stay the scenario's
        policy = DispatchPolicy.named(
            name,
            mutual_aid=aid,
            aid_activation_h=now.aid_activation_h,
            reserve_activation_h=now.reserve_activation_h,
        )
        model.set_logistics_policy(name, policy, t_h)
        parts.append(f"logistics={name}, mutual_aid={aid}")
    if ev.close_underpasses is not None:
        model.set_close_underpasses(ev.close_underpasses)
        parts.append(f"close_underpasses={ev.close_underpasses}")
    model.service.dispatch()
    return ", ".join(parts)


APPLY = {
    "warning": apply_warning,
    "typhoon_landfall": apply_typhoon_landfall,
    "pipe_burst": apply_pipe_burst,
    "road_collapse": apply_road_collapse,
    "chemical_fire": apply_chemical_fire,
    "epidemic_cases": apply_epidemic_cases,
    "bridge_closure": apply_bridge_closure,
    "resources": apply_resources,
    "policy": apply_policy,
}
"""Event type → effect function (model, event, rng, t_h) → description."""
