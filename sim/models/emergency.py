"""The Mesa model: wires city, networks, hazards, agents and logistics; owns clock and rng.

Time (see docs/architecture.md §Time): ``model.time`` is hours since ``time.start_utc``.
Three kinds of Mesa events drive a run:

* the **physics update** every ``time.physics_step_h`` (default 15 min): hazard fields,
  damage by fragility, waterlogging, the interdependency cascade, new incidents;
* the **hourly step** (Mesa's ``step``): agents' decisions (the warning centre issues
  warnings at their own event times; district governments relocate people);
* **logistics events** at exact arrival and completion times of emergency teams.

A **record** event after each hourly step feeds the DataCollector (district × layer series).

Random streams: the master generator ``model.rng`` (seeded by the scenario) spawns named
child streams (networks, capacities, exposure, logistics) so one component's draws never
shift another's — the basis of common random numbers in policy comparisons.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
from mesa.time import Priority, Schedule

from sim.agents.district_government import DistrictGovernment
from sim.agents.warning_centre import WarningCentre
from sim.city import load_city
from sim.core.eventlog import EventLog
from sim.core.streams import RandomStreams
from sim.damage.exposure import ExposureModel, earthquake_impact
from sim.damage.fragility import FragilityCurve, get_curve
from sim.damage.impact import LossLedger
from sim.hazards.earthquake import ScenarioEarthquake
from sim.hazards.epidemic import MetapopulationSEIR, SEIRParams, gravity_mobility_matrix
from sim.hazards.rainstorm import RainstormEvent, RainstormHazard
from sim.hazards.track import read_cma_bst, read_track_csv
from sim.hazards.typhoon import TyphoonHazard, linear_rain_gradient, typhoon_from_config
from sim.hazards.waterlogging import Waterlogging
from sim.models.event_engine import EventEngine
from sim.networks.infrastructure import Infrastructure
from sim.response.resources import SKILLS, TEAM_TYPES
from sim.response.service import EmergencyService
from sim.scenario.schema import Scenario

STREAMS = (
    "networks",
    "exposure",
    "drainage.local_capacity",
    "rain.cells",
    "logistics",
    "casualties",
    "earthquake",
    "epidemic",
    "injects",
)
"""Component streams of the model itself (:class:`~sim.core.streams.RandomStreams`, keyed by
name, so one component's draws never move another's). The infrastructure adds one stream per
layer and intensity measure (``capacity.<layer>.<im>``), ``roads.sag`` and ``trees``."""


class CalmWind:
    """The wind and rain fields of a scenario without a typhoon: zero everywhere."""

    def gust_ms(self, time_utc, x_m, y_m) -> np.ndarray:
        return np.zeros(np.shape(x_m))

    def rain_mm_per_h(self, time_utc, x_m, y_m) -> np.ndarray:
        return np.zeros(np.shape(x_m))


class CityModel(mesa.Model):
    """Urban disaster model of a city's districts, infrastructure and responders.

    Args:
        config: a validated :class:`~sim.scenario.schema.Scenario`.
        rng: seed or generator; defaults to ``config.seed``.

    Attributes:
        city: the :class:`~sim.city.City` (districts, polygons, exposure).
        infra: networks, damage state and functionality
            (:class:`~sim.networks.infrastructure.Infrastructure`).
        warning_centre: the municipal warning centre agent.
        districts: district government agents in district order.
        events: the event log (→ events.parquet).
    """

    def __init__(self, config: Scenario, rng=None):
        super().__init__(rng=config.seed if rng is None else rng)
        self.config = config
        self.streams = RandomStreams(config.seed if rng is None else rng)
        self.start_utc = pd.Timestamp(config.time.start_utc)
        self.start_utc_s = config.time.start_utc.timestamp()
        self.dt_h = config.time.physics_step_h
        self.events = EventLog(self.start_utc)

        self.city = load_city(Path(config.city.data_dir))
        self.hazard = self._build_hazard() if config.hazard.typhoon else CalmWind()
        self.rainstorm = self._build_rainstorm() if config.hazard.rainstorm else None
        self.exposure = ExposureModel(self.city, self.streams["exposure"], self.curve)
        self.infra = Infrastructure(
            self.city,
            config,
            self.streams,
            self.exposure.sample_xy,
            self.curve,
        )
        self.waterlogging = self._build_waterlogging()
        self.losses = LossLedger(config.losses.scale)
        self._rain_cells = np.ones(self.exposure.sample_shape[0] * self.exposure.sample_shape[1])

        self.warning_centre = WarningCentre(self)
        self.engine = EventEngine(self, config.events)  # schedules the scripted events
        self.close_underpasses = config.response.close_underpasses
        self.logistics_policy = config.logistics.policy
        self.districts: list[DistrictGovernment] = []
        for d, row in self.city.districts.iterrows():
            self.districts.append(
                DistrictGovernment(
                    self,
                    district=int(d),
                    name=row["name_en"],
                    at_risk_persons=self.exposure.at_risk_persons(int(d)),
                    population_persons=row["population"],
                    config=config.response.relocation,
                )
            )
        self.service = EmergencyService(self, self.streams["logistics"], self.streams["casualties"])
        self.customer_hours_without_power = 0.0
        self.customer_hours_without_water = 0.0
        self.deaths = 0.0
        self.injuries = 0.0
        self.epidemic = None
        if config.hazard.epidemic is not None:
            self.build_epidemic(config.hazard.epidemic, self.streams["epidemic"])
        self.engine.start()  # scripted events due at the start (warnings in force)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "alert_level": lambda m: m.warning_centre.level_rank,
                "people_relocated_now": lambda m: sum(d.relocated_now for d in m.districts),
                "open_incidents": lambda m: m.service.open_incidents,
                "busy_teams": lambda m: m.service.busy_teams,
                "deaths": "deaths",
                "injuries": "injuries",
                "direct_loss_yuan": lambda m: m.losses.total_yuan,
            },
            agenttype_reporters={
                DistrictGovernment: {
                    "power": lambda a: a.functionality.get("power", np.nan),
                    "water": lambda a: a.functionality.get("water", np.nan),
                    "drainage": lambda a: a.functionality.get("drainage", np.nan),
                    "roads": lambda a: a.functionality.get("roads", np.nan),
                    "open_incidents": "open_incidents",
                    "busy_teams": "busy_teams",
                    "relocated": "relocated_now",
                    "road_depth_m": "road_depth_m",
                    "gust_ms": "gust_ms",
                    "rain_mm_per_h": "rain_mm_per_h",
                    "infectious": "infectious",
                }
            },
        )
        self._update_district_records()
        self.datacollector.collect(self)
        if config.hazard.earthquake is not None:
            t_quake = (config.hazard.earthquake.at_utc.timestamp() - self.start_utc_s) / 3600.0
            if t_quake >= 0:
                self.schedule_event(self.earthquake_strikes, at=t_quake)
        self.schedule_recurring(self.physics_update, Schedule(interval=self.dt_h, start=self.dt_h))
        self.schedule_recurring(
            self.record, Schedule(interval=1.0, start=1.0), priority=Priority.LOW
        )
        self.engine.queue_injects(config.injects)  # a replayed journal, after the t = 0 record

    # ------------------------------------------------------------------ construction
    def _build_hazard(self) -> TyphoonHazard:
        cfg = self.config.hazard.typhoon
        if cfg.track_format == "csv":
            track = read_track_csv(cfg.track_file, agency=cfg.agency)
        else:
            track = read_cma_bst(cfg.track_file, storm=cfg.storm)
        gradient = None
        if cfg.rain_gradient_per_100km_south:
            y0 = self.city.reference_xy[1]  # northing of the city's reference point
            gradient = linear_rain_gradient(y0, cfg.rain_gradient_per_100km_south)
        return typhoon_from_config(track, cfg, self.city.crs, rain_multiplier=gradient)

    def _build_rainstorm(self) -> RainstormHazard:
        cfg = self.config.hazard.rainstorm
        cx = cy = 0.0
        if cfg.centre is not None:
            cx, cy = (float(np.asarray(v)) for v in self.city.to_xy(cfg.centre.lon, cfg.centre.lat))
        event = RainstormEvent(
            return_period_yr=cfg.return_period_yr,
            duration_min=cfg.duration_min,
            start_h=(cfg.start_utc.timestamp() - self.start_utc_s) / 3600.0,
            centre_x_m=cx,
            centre_y_m=cy,
            footprint_radius_km=cfg.footprint_radius_km if cfg.centre is not None else None,
        )
        return RainstormHazard(event, self.city.profile.rainfall_idf)

    def build_epidemic(self, cfg, rng, start_h: float | None = None) -> None:
        """SEIR metapopulation over the districts; responders = crews of the district depots.

        Args:
            cfg: an :class:`~sim.scenario.schema.EpidemicConfig`.
            rng: stream of the chain's binomial draws (casualties; injects for an injected
                epidemic, so the other streams keep their draws).
            start_h: model hour of the first cases (default: from ``cfg.start_utc``).
        """
        self._epidemic_cfg, self._epidemic_rng = cfg, rng
        d = self.city.districts
        pop = d["population"].to_numpy(dtype=float)
        mobility = gravity_mobility_matrix(
            pop,
            d["centroid_x_m"].to_numpy(),
            d["centroid_y_m"].to_numpy(),
            travel_fraction=cfg.travel_fraction,
        )
        crews = np.array([TEAM_TYPES[s].crew_persons for s in SKILLS], dtype=float)
        stock = self.service.dispatcher.stock.initial[:, : len(SKILLS)]
        per_depot = stock @ crews
        districts = np.array([dep.district for dep in self.service.depots])
        responders = np.bincount(districts, weights=per_depot, minlength=len(pop))
        self.epidemic = MetapopulationSEIR(
            np.rint(pop).astype(np.int64),
            mobility,
            SEIRParams(cfg.r0, cfg.latent_period_d, cfg.infectious_period_d),
            responders=np.rint(responders).astype(np.int64),
            responder_exposure_multiplier=cfg.responder_exposure_multiplier,
        )
        seeds = np.zeros(len(pop), dtype=np.int64)
        seeds[self.city.index_of(cfg.seed_district)] = cfg.initial_infectious
        self.epidemic_state = self.epidemic.initial_state(seeds)
        self.epidemic_initial = int(seeds.sum())
        t0 = max((cfg.start_utc.timestamp() - self.start_utc_s) / 3600.0, 0.0)
        if start_h is not None:
            t0 = start_h
        self.schedule_recurring(
            self.epidemic_step, Schedule(interval=cfg.step_h, start=t0 + cfg.step_h)
        )

    def epidemic_step(self) -> None:
        """Advance the SEIR chain one step; sick crews go off duty."""
        cfg = self._epidemic_cfg
        self.epidemic_state = self.epidemic.step_binomial(
            self.epidemic_state, cfg.step_h / 24.0, self._epidemic_rng
        )
        factor = self.epidemic_state.response_capacity_factor()
        self.service.dispatcher.set_team_capacity(factor, self.time)
        for gov in self.districts:
            gov.infectious = float(self.epidemic_state.i[gov.district])

    @property
    def epidemic_cases(self) -> int:
        """Residents ever infected (exposed, infectious or recovered) beyond the seeds."""
        if self.epidemic is None:
            return 0
        st = self.epidemic_state
        return int((st.e + st.i + st.r).sum()) - self.epidemic_initial

    def _build_waterlogging(self) -> Waterlogging:
        """Ponding buckets on the D×K sample cells (local bursts exceed district means)."""
        cfg = self.config.drainage
        d_count, k = self.exposure.sample_shape
        design = self.city.zone_values("drainage_capacity_mm_per_h")
        for z, cap in (cfg.capacity_mm_per_h or {}).items():  # scenario overrides by zone
            if z not in self.city.profile.zones:
                raise ValueError(
                    f"drainage.capacity_mm_per_h: unknown zone {z!r}; zones of the city: "
                    f"{sorted(self.city.profile.zones)}"
                )
            design[(self.city.districts["zone"] == z).to_numpy()] = cap
        area = self.city.districts["area_km2"].to_numpy(dtype=float) / k
        sigma = cfg.capacity_sigma
        local = self.streams["drainage.local_capacity"].lognormal(
            -0.5 * sigma**2, sigma, d_count * k
        )
        return Waterlogging.from_design_intensity(
            np.repeat(area, k),
            np.repeat(design, k) * local,
            cfg.runoff_coefficient,
            underpass_concentration=cfg.underpass_concentration,
        )

    def curve(self, key: str) -> FragilityCurve:
        """Library fragility curve with the scenario's ``fragility`` overrides applied."""
        base = get_curve(key)
        over = self.config.fragility.get(key)
        if over is None:
            return base
        return dataclasses.replace(
            base,
            theta=base.theta if over.theta is None else over.theta,
            beta=base.beta if over.beta is None else over.beta,
            source=base.source + " [theta/beta overridden by the scenario]",
        )

    # ------------------------------------------------------------------ clock helpers
    def utc(self, t_h: float | None = None) -> np.datetime64:
        """UTC time of model hour ``t_h`` (default: now)."""
        t = self.time if t_h is None else t_h
        return np.datetime64(int(round(self.start_utc_s + t * 3600.0)), "s")

    def log_event(
        self,
        kind: str,
        *,
        district: int,
        layer: str = "",
        detail: str = "",
        value: float = 1.0,
        asset: int = -1,
        incident: int = -1,
    ) -> None:
        """Append one event (time = now) to the run's event log."""
        self.events.add(self.time, kind, district, layer, asset, incident, value, detail)

    # ------------------------------------------------------------------ dynamics
    def step(self) -> None:
        """Hourly: agents decide (relocation); the warning centre acts at its own event times."""
        self.redraw_rain_cells()
        self.agents_by_type[DistrictGovernment].shuffle_do("step")

    def _hazard_active(self, now_utc) -> bool:
        """Whether wind or rain acts now, or water still stands (else damage cannot grow)."""
        if isinstance(self.hazard, TyphoonHazard):
            times = self.hazard.track.time_utc
            if times[0] <= now_utc <= times[-1]:
                return True
        if self.rainstorm is not None:
            if self.rainstorm.event.start_h <= self.time <= self.rainstorm.end_h + self.dt_h:
                return True
        return bool(np.any(self.waterlogging.storage_mm > 0))

    def physics_update(self) -> None:
        """Hazard → damage → waterlogging → cascade → incidents, over the last ``dt_h`` hours.

        Outside hazard windows (calm weather, dry roads) only the cascade (while anything is
        damaged: repairs and backup buffers still change service), dispatch and outage
        accounting run: a months-long epidemic scenario does not pay for idle hazard fields.
        """
        now_utc = self.utc()
        if self._hazard_active(now_utc):
            self._hazard_update(now_utc)
        else:
            for gov in self.districts:
                gov.gust_ms = gov.rain_mm_per_h = 0.0
            if any(d.any() for d in self.infra.damaged.values()):
                self.infra.update_functionality(self.time)
        self.service.update_roads(self.infra.edge_speed_factor)
        self.service.dispatch()
        # Outage accounting (customer = household of the city profile's size).
        out_power, out_water = self.infra.households_without_service()
        self.customer_hours_without_power += out_power * self.dt_h
        self.customer_hours_without_water += out_water * self.dt_h

    def _hazard_update(self, now_utc) -> None:
        cfg = self.config
        shape = self.exposure.sample_shape
        # 1. Wind and rain at the district sample points (the waterlogging cells).
        gust_pts = self.hazard.gust_ms(now_utc, *self.exposure.sample_xy)
        rain_pts = self.hazard.rain_mm_per_h(now_utc, *self.exposure.sample_xy) * self._rain_cells
        if self.rainstorm is not None:
            # Mean intensity over the step just ended (the hyetograph is in 5-min blocks).
            sub = self.time - self.dt_h + (np.arange(6) + 0.5) * self.dt_h / 6
            centre = self.rainstorm.centre_intensity_mm_per_h(sub).mean()
            rain_pts = rain_pts + centre * self.rainstorm.spatial_factor(*self.exposure.sample_xy)
        # 2. Waterlogging, with drainage capacity cut by failed pumping stations.
        pump_frac = np.repeat(self.infra.drainage_pump_fraction(), shape[1])
        self.waterlogging.step(rain_pts, pump_frac, self.dt_h)
        depth_cells = self.waterlogging.road_depth_m
        # 3. Network damage (wind, flood, fallen trees), roads, cascade.
        new_damage = self.infra.apply_hazard(self, self.hazard, now_utc, depth_cells)
        alarms = self.infra.update_roads(
            self, depth_cells, cfg.drainage.underpass_concentration, self.close_underpasses
        )
        self.infra.update_functionality(self.time)
        # 4. Counted exposure: falling objects, sheds, old housing → casualty incidents.
        casualties = self.exposure.apply_wind(
            self, gust_pts.reshape(shape), self.warning_centre.level_rank
        )
        # 5. Incidents to the emergency service (dispatched by the caller).
        self.service.submit_damage(new_damage, alarms, casualties)
        gust_d = gust_pts.reshape(shape).max(axis=1)
        rain_d = rain_pts.reshape(shape).mean(axis=1)
        for gov in self.districts:
            gov.gust_ms = float(gust_d[gov.district])
            gov.rain_mm_per_h = float(rain_d[gov.district])

    def earthquake_strikes(self) -> None:
        """The scenario earthquake: old-housing damage, casualties, rescue incidents."""
        cfg = self.config.hazard.earthquake
        x, y = (float(np.asarray(v)) for v in self.city.to_xy(cfg.epicentre.lon, cfg.epicentre.lat))
        quake = ScenarioEarthquake(cfg.magnitude, x, y)
        vs30 = cfg.vs30_ms if cfg.vs30_ms is not None else self.city.profile.site.vs30_ms
        incidents = earthquake_impact(self, quake, vs30, self.streams["earthquake"])
        self.service.submit_damage([], [], incidents)
        self.service.dispatch()

    def redraw_rain_cells(self) -> None:
        """Hourly convective rain-cell multipliers (lognormal, mean 1) at the sample points."""
        typhoon = self.config.hazard.typhoon
        sigma = typhoon.rain_cell_sigma if typhoon is not None else 0.0
        n = self._rain_cells.size
        self._rain_cells = (
            self.streams["rain.cells"].lognormal(-0.5 * sigma**2, sigma, n) if sigma else np.ones(n)
        )

    def _update_district_records(self) -> None:
        func = self.infra.district_functionality()
        depth = self.waterlogging.road_depth_m.reshape(self.exposure.sample_shape).mean(axis=1)
        open_by_d, busy_by_d = self.service.by_district()
        for gov in self.districts:
            d = gov.district
            gov.functionality = {layer: float(v[d]) for layer, v in func.items()}
            gov.road_depth_m = float(depth[d])
            gov.open_incidents = int(open_by_d[d])
            gov.busy_teams = int(busy_by_d[d])

    def record(self) -> None:
        """Hourly record for the DataCollector (runs after that hour's physics and logistics)."""
        self._update_district_records()
        self.datacollector.collect(self)

    def advance(self, t_h: float, progress=None) -> None:
        """Run hour by hour up to model hour ``t_h`` (capped at the horizon); scripted events
        and queued injects apply on the way (:mod:`sim.models.event_engine`)."""
        end = min(t_h, self.config.time.duration_h)
        while self.time < end - 1e-9:
            self.run_until(min(self.time + 1.0, end))
            if progress is not None:
                progress(self.time)

    def finish(self) -> None:
        """End of run at the horizon: final record if between hours, pending harm settled."""
        if abs(self.time - round(self.time)) > 1e-9:
            self.record()  # a horizon between hours still gets its final record
        self.service.finalise()

    def run(self, progress=None) -> None:
        """Run to the scenario's horizon, advancing hour by hour (``progress(t_h)`` after each)."""
        self.advance(self.config.time.duration_h, progress)
        self.finish()

    @property
    def alert_level_name(self) -> str:
        return self.warning_centre.level

    @property
    def people_relocated(self) -> float:
        return float(sum(d.relocated_cumulative for d in self.districts))
