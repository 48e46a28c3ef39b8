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

Ownership (Mesa style): the model owns its state, among it a clock, the event log and the
ledger of casualties and losses (:mod:`sim.core`). Collaborators get a
:class:`~sim.core.context.RunContext` (clock, event log, ledger) or the one service they need,
book casualties and losses through it and return what else they produce (new damage,
incidents); none of them holds the model. Agents own their own state. Injects change the model
through its commands (``set_typhoon``, ``set_logistics_policy`` …). tests/test_ownership.py
fails on any write into a model's attributes from another module.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import mesa
import numpy as np
from mesa.time import Priority, Schedule
from pydantic import ValidationError

from sim.agents.district_government import DistrictGovernment
from sim.agents.households import generate_households
from sim.agents.warning_centre import WarningCentre
from sim.city import load_city
from sim.city.behaviour_posterior import posterior_for
from sim.city.coast import coastal_points
from sim.city.errors import CityDataError
from sim.city.evacuation import load_evacuation
from sim.city.warning_criteria import criteria_path, load_warning_criteria
from sim.core.context import RunContext
from sim.core.eventlog import EventLog
from sim.core.ledger import Ledger, LossLedger
from sim.damage.coastal_flood import CoastalFloodDeaths
from sim.damage.exposure import ExposureModel
from sim.damage.fragility import FragilityCurve, get_curve
from sim.damage.impact import UNIT_COST_YUAN
from sim.damage.strike import STRIKE_DAMAGE
from sim.hazards.base import Hazard, HazardContext, HazardSet, IntensityField, build_hazards
from sim.hazards.builtin import CalmWind, TyphoonField
from sim.hazards.epidemic import (
    MetapopulationSEIR,
    SEIRParams,
    death_delay_d,
    gravity_mobility_matrix,
    population_ifr,
)
from sim.hazards.forecast import HazardForecast, PerfectForecast
from sim.hazards.typhoon_forecast import ForecastErrors, TyphoonForecaster
from sim.hazards.waterlogging import Waterlogging
from sim.models.base import SimulationModel
from sim.models.event_effects import apply_road_collapse, typhoon_settings
from sim.models.event_engine import EventEngine
from sim.models.records import EpidemicRecord, HazardRecord
from sim.models.warning_delivery import WarningDelivery
from sim.networks.compose import import_text
from sim.networks.infrastructure import Infrastructure
from sim.response.resources import SKILLS, TEAM_TYPES
from sim.response.service import EmergencyService
from sim.risk.city_state import CityState
from sim.scenario.events import RoadCollapseEvent
from sim.scenario.schema import (
    BEHAVIOUR_COEFFICIENTS,
    FULL_SCALE_RESOLUTION,
    BehaviourConfig,
    RelocationConfig,
    Scenario,
)

STREAMS = (
    "networks",
    "exposure",
    "drainage.local_capacity",
    "rain.cells",
    "logistics",
    "casualties",
    "earthquake",
    "epidemic",
    "epidemic.deaths",
    "coastal_flood",
    "injects",
    "gas.ignition",
    "gas.strikes",
    "households",
    "forecast",
)
"""Component streams of the model itself (:class:`~sim.core.streams.RandomStreams`, keyed by
name, so one component's draws never move another's). The infrastructure adds one stream per
layer and intensity measure (``capacity.<layer>.<im>``), ``roads.sag`` and ``trees``."""


def epidemic_ifr(cfg, profile) -> float:
    """An epidemic's infection fatality ratio (fraction): the scenario's
    ``infection_fatality_ratio``, else COVID-19's IFR by age (Levin et al. 2020,
    :func:`sim.hazards.epidemic.population_ifr`) over the city's ``population_ages``.

    Raises:
        ValueError: neither is given (``validate`` reports it first, sim.models.data_check).
    """
    if cfg.infection_fatality_ratio is not None:
        return float(cfg.infection_fatality_ratio)
    ages = profile.population_ages
    if ages is None:
        raise ValueError(
            "the epidemic's deaths need the residents' ages: add population_ages to the city's "
            "city.yaml, or set hazard.epidemic.infection_fatality_ratio"
        )
    return population_ifr((b.from_years, b.to_years, b.share) for b in ages.bands)


class CityModel(SimulationModel):
    """Urban disaster model of a city's districts, infrastructure and responders.

    Args:
        config: a validated :class:`~sim.scenario.schema.Scenario`.
        rng: seed or generator; defaults to ``config.seed``.
        city_state: the city a long run left at this shock
            (:class:`~sim.risk.city_state.CityState`: drainage capacity, facade condition,
            retrofits, construction sites, hidden cavities; effects in
            :mod:`sim.risk.city_state`); None (the default): the model as without a long run,
            bit for bit.

    Hourly clock (:attr:`step_h` = 1 h): :meth:`~sim.models.base.SimulationModel.advance`
    runs hour by hour, scripted events and queued injects apply on the way
    (:mod:`sim.models.event_engine`); seed, streams, ``utc`` and ``run`` come from
    :class:`~sim.models.base.SimulationModel`.

    Attributes:
        city: the :class:`~sim.city.City` (districts, polygons, exposure).
        infra: networks, damage state and functionality
            (:class:`~sim.networks.infrastructure.Infrastructure`).
        warning_centre: the municipal warning centre agent.
        districts: district government agents in district order.
        clock: model hours ↔ UTC (:class:`~sim.core.clock.Clock`).
        events: the event log (→ events.parquet).
        ledger: casualties by district and cause, direct loss by item
            (:class:`~sim.core.ledger.Ledger`); read through ``deaths``, ``injuries``, ``losses``.
        context: the :class:`~sim.core.context.RunContext` handed to collaborators.
    """

    kind = "emergency"
    step_h = 1.0

    def __init__(self, config: Scenario, rng=None, city_state: CityState | None = None):
        super().__init__(
            config, rng, start_utc=config.time.start_utc, horizon_h=config.time.duration_h
        )
        self.city_state = city_state
        self._open_cavities = None if city_state is None else city_state.open_cavities.copy()
        self.road_collapses = 0  # road segments collapsed (cavities under rain, injects)
        self.dt_h = config.time.physics_step_h
        self.events = EventLog(self.start_utc)
        # Construction order is draw order (streams, Mesa agent ids): keep it.
        self._build_physical_city()
        self.ledger = Ledger(
            self.city.n_districts,
            {item: cost for item, (cost, _) in UNIT_COST_YUAN.items()},
            config.losses.scale,
        )
        self.context = RunContext(self.clock, self.events, self.ledger)
        self._build_agents()
        self._build_service()
        self.delivery = WarningDelivery(
            self.infra,
            self.exposure.sample_xy,
            self.exposure.sample_shape,
            self.city.districts["households"].to_numpy(float),
            WarningDelivery.shares_of(config),
        )  # warnings by channel, telecom sites down, dispatch delay
        self._customer_hours = {"power": 0.0, "water": 0.0, "gas": 0.0}
        self.hazard_record = HazardRecord(self.city.n_districts)  # for the run's figures
        if self._coastal is not None:  # the flood map draws the defences and their strips
            walls = self.hazards.get("storm_surge").defences.assign(district=self._coastal.district)
            self.hazard_record.set_defences(walls)
        self.epidemic_record = EpidemicRecord()
        self.epidemic = None
        if config.hazard.epidemic is not None:
            self.build_epidemic(config.hazard.epidemic, self.streams["epidemic"])
        self.engine.start()  # scripted events due at the start (warnings in force)
        self.issue_forecast()  # the forecast in force at the start (forecast mode: warnings)
        self.datacollector = self._build_datacollector()
        self.update_district_records()
        self.datacollector.collect(self)
        self._record_epidemic()
        self._schedule_processes()
        self.engine.queue_injects(config.injects)  # a replayed journal, after the t = 0 record

    # ------------------------------------------------------------------ construction
    def _build_physical_city(self) -> None:
        """City, hazard fields, counted exposure, infrastructure and waterlogging cells."""
        config = self.config
        self.city = load_city(Path(config.city.data_dir))
        self._check_city_state()
        # full scale: exposure as individual items aged to the scenario's year (sim.damage.items)
        full = config.networks.resolution >= FULL_SCALE_RESOLUTION
        self.exposure = ExposureModel(
            self.city, self.streams, self.curve, self._condition(),
            items_year=config.time.start_utc.year if full else None,
            trapped_share=config.casualties.trapped_share,
        )  # fmt: skip
        self.hazards = self._build_hazards()
        self._coastal = self._build_coastal_flood()
        self.infra = Infrastructure(
            self.city,
            config,
            self.streams,
            self.exposure.sample_xy,
            self.curve,
        )
        # what each network import brought in, dropped, defaulted or could not connect
        for imp in self.infra.net.meta.get("imports", []):
            text = import_text(imp, list(self.city.districts["name_en"]))
            self.events.add(0.0, "network_import", imp["district"], imp["layer"], -1, -1, 1.0, text)
            for text in imp.get("warnings", []):
                self.events.add(
                    0.0, "import_warning", imp["district"], imp["layer"], -1, -1, 1.0, text
                )
        self.waterlogging = self._build_waterlogging()

    def _check_city_state(self) -> None:
        """A city state must cover this city's districts."""
        st = self.city_state
        if st is not None and st.n_districts != self.city.n_districts:
            raise ValueError(
                f"city_state has {st.n_districts} districts, the city "
                f"{self.city.n_districts}: a long run of another city?"
            )

    def _condition(self) -> dict | None:
        """The city state's exposure condition (:class:`~sim.damage.exposure.ExposureModel`),
        or None without a state."""
        st = self.city_state
        if st is None:
            return None
        table_sites = self.city.exposure["construction_sites"].to_numpy(float)
        ratio = np.divide(
            st.construction_sites, table_sites, out=np.ones_like(table_sites), where=table_sites > 0
        )
        return {
            "facade_median_factor": np.asarray(st.facade_median_factor, float),
            "old_housing_share": 1.0 - np.asarray(st.old_housing_retrofit_share, float),
            "construction_site_ratio": ratio,
        }

    def _build_agents(self) -> None:
        """The warning centre, the event engine (it schedules the scripted events) and one
        government per district (Mesa agents, created in this order)."""
        config = self.config
        warnings = config.warnings
        criteria_file = warnings.criteria_file or criteria_path(config.city.data_dir)
        criteria = load_warning_criteria(criteria_file)
        # mode disabled: the centre decides as in forecast mode, but nothing is issued
        mode = "forecast" if warnings.mode == "disabled" else warnings.mode
        self.warning_centre = WarningCentre(
            self, mode, criteria, downgrade_after_issues=warnings.downgrade_after_issues
        )
        if warnings.mode == "disabled":
            self.warning_centre.set_enabled(False)
        waters = criteria.coastal_waters
        self._coast = None if waters is None else coastal_points(self.city, waters)
        err = warnings.typhoon_errors
        self.forecaster = TyphoonForecaster(
            ForecastErrors(
                tuple(err.lead_h), tuple(err.track_error_km), tuple(err.intensity_error_ms),
                err.scale,
            ),
            typhoon_settings(config),
            self._hazard_context,
            self.streams["forecast"],
            err.autocorrelation,
            warnings.horizon_h,
            err.evolution,
        )  # fmt: skip
        self.engine = EventEngine(self, config.events)  # schedules the scripted events
        self._close_underpasses = config.response.close_underpasses
        self._logistics_policy = config.logistics.policy
        self.districts: list[DistrictGovernment] = []
        table = self.city.districts
        evacuation = load_evacuation(
            config.city.data_dir, list(table["name_en"]), table["population"].to_numpy()
        )
        halt = evacuation.spec.outdoor_work_halt  # construction stops: no third-party strikes
        self._work_halt_level = halt.min_response_level if halt is not None else None
        reloc = self._relocation_config(config.response.relocation)
        pools = [self.exposure.at_risk_persons(int(d)) for d in table.index]
        households = generate_households(
            np.array([list(p.values()) for p in pools]),
            [evacuation.spec.households[c] for c in pools[0]],
            self.exposure.sample_shape[1],
            self.streams["households"],
            reloc.samples_per_group,
        )
        x, y = (v.reshape(self.exposure.sample_shape) for v in self.exposure.sample_xy)
        for d, row in table.iterrows():
            self.districts.append(
                DistrictGovernment(
                    self,
                    district=int(d),
                    name=row["name_en"],
                    population_persons=row["population"],
                    households=households[int(d)],
                    points_xy=(x[int(d)], y[int(d)]),
                    evacuation=evacuation,
                    config=reloc,
                )
            )

    def _relocation_config(self, reloc: RelocationConfig) -> RelocationConfig:
        """The relocation settings with the behaviour coefficients this run uses: as given, or
        one particle of the city's calibrated posterior (``behaviour.posterior_draw``; drawn
        from the stream ``behaviour.posterior``, logged as a ``behaviour_draw`` event).

        Raises:
            CityDataError: the posterior file is missing or malformed, or a particle is
                outside the coefficients' ranges.
        """
        b = reloc.behaviour
        self.behaviour_drawn: dict[str, float] = {}
        if not b.posterior_draw:
            return reloc
        posterior = posterior_for(b, self.config.city.data_dir, BEHAVIOUR_COEFFICIENTS)
        drawn = posterior.draw(self.streams["behaviour.posterior"])
        try:
            behaviour = BehaviourConfig.model_validate({**b.model_dump(), **drawn})
        except ValidationError as exc:
            raise CityDataError(posterior.file, f"a particle is out of range: {exc}") from None
        self.behaviour_drawn = drawn
        detail = ", ".join(f"{k}={v:.3f}" for k, v in drawn.items())
        self.events.add(0.0, "behaviour_draw", -1, "", -1, -1, 1.0, detail)
        return reloc.model_copy(update={"behaviour": behaviour})

    def _build_service(self) -> None:
        """The emergency service: depots, dispatcher, incidents (sim.response.service)."""
        self.service = EmergencyService(
            self.context,
            self.city,
            self.infra,
            self.config.logistics,
            Path(self.config.city.data_dir),
            self.schedule_event,
            self.streams["logistics"],
            self.streams["casualties"],
            self.streams["restoration"],
        )

    def _build_datacollector(self) -> mesa.DataCollector:
        """Hourly series: model totals and district × layer records of the governments (one
        column per layer of `Infrastructure.functionality_layers`)."""
        return mesa.DataCollector(
            model_reporters={
                "alert_level": lambda m: m.warning_centre.level_rank,
                "response_level": lambda m: m.warning_centre.response_level,
                "people_relocated_now": lambda m: sum(d.relocated_now for d in m.districts),
                "open_incidents": lambda m: m.service.open_incidents,
                "busy_teams": lambda m: m.service.busy_teams,
                "deaths": "deaths",
                "injuries": "injuries",
                "direct_loss_yuan": lambda m: m.losses.total_yuan,
            },
            agenttype_reporters={
                DistrictGovernment: {
                    **{
                        layer: (lambda a, k=layer: a.functionality.get(k, np.nan))
                        for layer in self.infra.functionality_layers
                    },
                    "open_incidents": "open_incidents",
                    "busy_teams": "busy_teams",
                    "relocated": "relocated_now",
                    "road_depth_m": "road_depth_m",
                    "flood_depth_m": "flood_depth_m",
                    "gust_ms": "gust_ms",
                    "rain_mm_per_h": "rain_mm_per_h",
                    "infectious": "infectious",
                }
            },
        )

    def _schedule_processes(self) -> None:
        """Instant hazards (an earthquake) at their time, the physics update every ``dt_h``
        and the hourly record."""
        for t_strike in sorted({h.window_h()[0] for h in self.hazards.instants()}):
            if t_strike >= 0:
                self.schedule_event(self.instant_hazards_strike, at=t_strike)
        every = self.config.warnings.forecast_interval_h
        first = (-self.start_utc_s / 3600.0) % every or every  # whole multiples of it in UTC
        self.schedule_recurring(self.issue_forecast, Schedule(interval=every, start=first))
        self.schedule_recurring(self.physics_update, Schedule(interval=self.dt_h, start=self.dt_h))
        self.schedule_recurring(
            self.record, Schedule(interval=1.0, start=1.0), priority=Priority.LOW
        )

    def _build_hazards(self) -> HazardSet:
        """Every registered hazard whose block the scenario has (:mod:`sim.hazards.base`)."""
        self._hazard_context = HazardContext(
            config=self.config,
            city=self.city,
            streams=self.streams,
            start_utc_s=self.start_utc_s,
            dt_h=self.dt_h,
            sample_xy=self.exposure.sample_xy,
        )
        return HazardSet(build_hazards(self.config.hazard.blocks(), self._hazard_context))

    @property
    def hazard(self):
        """The typhoon's wind and rain field (:class:`CalmWind` without a typhoon)."""
        typhoon = self.hazards.get("typhoon")
        return typhoon.wind if typhoon is not None else CalmWind()

    @hazard.setter
    def hazard(self, wind) -> None:
        """Replace the typhoon's field (a landfall inject); the rain cells carry on."""
        typhoon = self.hazards.get("typhoon")
        if typhoon is None:
            self.hazards.add(TyphoonField(wind, self._hazard_context))
        else:
            typhoon.wind = wind

    def build_epidemic(self, cfg, rng, start_h: float | None = None) -> None:
        """SEIR metapopulation over the districts; responders = crews of the district depots.

        Args:
            cfg: an :class:`~sim.scenario.schema.EpidemicConfig`.
            rng: stream of the chain's binomial draws (casualties; injects for an injected
                epidemic, so the other streams keep their draws).
            start_h: model hour of the first cases (default: from ``cfg.start_utc``).

        Raises:
            ValueError: no infection fatality ratio and no age bands (:func:`epidemic_ifr`).
        """
        ifr = epidemic_ifr(cfg, self.city.profile)  # first: a refusal leaves the model as it was
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
        self._epidemic_ifr = ifr
        self._epidemic_death_delay_h = 24.0 * death_delay_d(
            cfg.onset_to_death_d, cfg.infectious_period_d
        )
        self._epidemic_deaths_due: list[tuple[float, np.ndarray]] = []
        t0 = max(self.clock.hours_of(cfg.start_utc), 0.0)
        if start_h is not None:
            t0 = start_h
        self.schedule_recurring(
            self.epidemic_step, Schedule(interval=cfg.step_h, start=t0 + cfg.step_h)
        )

    def epidemic_step(self) -> None:
        """Advance the SEIR chain one step; sick crews go off duty."""
        cfg = self._epidemic_cfg
        removed_before = self.epidemic_state.r.copy()
        self.epidemic_state = self.epidemic.step_binomial(
            self.epidemic_state, cfg.step_h / 24.0, self._epidemic_rng
        )
        self._epidemic_deaths(self.epidemic_state.r - removed_before)
        factor = self.epidemic_state.response_capacity_factor()
        self.service.dispatcher.set_team_capacity(factor, self.time)
        for gov in self.districts:
            gov.infectious = float(self.epidemic_state.i[gov.district])

    def _epidemic_deaths(self, removed: np.ndarray) -> None:
        """Residents who left the infectious state this step die with the population's IFR
        (draws on the ``epidemic.deaths`` stream, so the chain's own draws are unchanged);
        each death is booked ``death_delay_d`` later (sim.hazards.epidemic), cause
        ``epidemic``. Deaths due after the window are never booked."""
        rng = self.streams["epidemic.deaths"]
        dying = rng.binomial(removed.astype(np.int64), self._epidemic_ifr)
        if dying.any():
            self._epidemic_deaths_due.append((self.time + self._epidemic_death_delay_h, dying))
        due = [d for t, d in self._epidemic_deaths_due if t <= self.time + 1e-9]
        self._epidemic_deaths_due = [
            (t, d) for t, d in self._epidemic_deaths_due if t > self.time + 1e-9
        ]
        for deaths in due:
            for district in np.flatnonzero(deaths):
                self.context.book_casualties(
                    int(district), "epidemic", deaths=float(deaths[district])
                )

    def record_road_collapses(self, count: int) -> None:
        """Count ``count`` road segments collapsed (summary key ``road_collapses``)."""
        self.road_collapses += int(count)

    def add_epidemic_cases(self, district: int, count: int) -> int:
        """Move up to ``count`` susceptible residents of ``district`` to infectious (an
        ``epidemic_cases`` inject on a running chain); they count as seeds, not cases.

        Returns:
            Residents moved (at most the district's susceptibles).
        """
        st = self.epidemic_state
        n = int(min(count, st.s[district]))
        st.s[district] -= n
        st.i[district] += n
        self.epidemic_initial += n
        self.districts[district].infectious = float(st.i[district])
        return n

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
        if self.city_state is not None:  # silting, deferred upkeep (sim.risk.city_state)
            design = design * np.asarray(self.city_state.drainage_capacity_factor, float)
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

    # ------------------------------------------------------------------ event log
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
        self.context.log_event(
            kind,
            district=district,
            layer=layer,
            detail=detail,
            value=value,
            asset=asset,
            incident=incident,
        )

    # ------------------------------------------------------------------ ledger (read-only)
    @property
    def deaths(self) -> float:
        """Persons killed so far (the ledger's total)."""
        return self.ledger.casualties.deaths

    @property
    def injuries(self) -> float:
        """Persons injured so far (the ledger's total)."""
        return self.ledger.casualties.injuries

    @property
    def losses(self) -> LossLedger:
        """The direct-loss part of the ledger (yuan by item)."""
        return self.ledger.losses

    @property
    def customer_hours_without_power(self) -> float:
        """Household-hours without power so far."""
        return self._customer_hours["power"]

    @property
    def customer_hours_without_gas(self) -> float:
        """Gas household-hours without supply so far (valve isolation and regulator outages)."""
        return self._customer_hours["gas"]

    @property
    def customer_hours_without_water(self) -> float:
        """Household-hours without water so far."""
        return self._customer_hours["water"]

    # ------------------------------------------------------------------ commands (injects)
    @property
    def close_underpasses(self) -> bool:
        """Whether flooded underpasses are closed (``response.close_underpasses``)."""
        return self._close_underpasses

    def set_close_underpasses(self, close: bool) -> None:
        self._close_underpasses = bool(close)

    @property
    def logistics_policy(self) -> str:
        """Name of the dispatch policy in force."""
        return self._logistics_policy

    def set_logistics_policy(self, name: str, policy, t_h: float) -> None:
        """Switch the dispatcher to ``policy`` (a :class:`~sim.response.DispatchPolicy`
        built from preset ``name``) from model hour ``t_h``."""
        self.service.dispatcher.set_policy(policy, t_h)
        self._logistics_policy = name

    def set_typhoon(self, hazard) -> None:
        """Replace the wind and rain field (a ``typhoon_landfall`` inject)."""
        self.hazard = hazard

    # ------------------------------------------------------------------ forecasts
    def issue_forecast(self) -> None:
        """A forecast issue (every ``warnings.forecast_interval_h``): the forecaster sees the
        hazards in force now; in forecast mode the warning centre decides from it, and the
        emergency service hears a changed alert level."""
        forecast = self.forecaster.issue(self.hazards, self.time)
        x, y = self.exposure.sample_xy
        d_count, k = self.exposure.sample_shape
        district_of = np.repeat(np.arange(d_count), k)  # sample points are district-major
        if self.warning_centre.decide(forecast, x, y, district_of, d_count, self._coast):
            self.service.on_alert(self.warning_centre.level_rank)

    def current_forecast(self) -> HazardForecast:
        """The latest issued forecast (what district governments decide from); before the
        first issue, the hazards themselves."""
        latest = self.warning_centre.forecast
        return latest if latest is not None else PerfectForecast(self.hazards, self.time)

    # ------------------------------------------------------------------ dynamics
    def step(self) -> None:
        """Hourly: agents decide (relocation); the warning centre acts at its own event times."""
        self.hazards.on_hour(self.time)  # hourly hazard draws (typhoon rain cells)
        level = self.response_level
        centre = self.warning_centre
        self.delivery.deliver(self.infra.functional, level, centre.level_rank, centre.issued)
        self.agents_by_type[DistrictGovernment].shuffle_do(
            "step", self.current_forecast(), level, self.delivery.reach
        )
        self.service.supply_shelters(np.array([gov.sheltered_now for gov in self.districts]))

    @property
    def response_level(self) -> int:
        """Municipal flood-control response level, 0 none, 1 (IV) … 4 (I), as the warning
        centre set it (:attr:`sim.agents.warning_centre.WarningCentre.response_level`)."""
        return self.warning_centre.response_level

    @property
    def outdoor_work_halted(self) -> bool:
        """Whether the city's outdoor work, construction included, is stopped now: the response
        level has reached the city's ``outdoor_work_halt`` level (`sim.city.evacuation`)."""
        level = self._work_halt_level
        return level is not None and self.response_level >= level

    def _hazard_active(self, now_utc) -> bool:
        """Whether a hazard acts now, or water still stands (else damage cannot grow)."""
        if self.hazards.continuous_active(self.time):
            return True
        return bool(np.any(self.waterlogging.storage_mm > 0))

    def physics_update(self) -> None:
        """Hazard → damage → waterlogging → cascade → incidents, over the last ``dt_h`` hours.

        Outside hazard windows (calm weather, dry roads) only the cascade (while anything is
        damaged: repairs and backup buffers still change service), dispatch and outage
        accounting run: a months-long epidemic scenario does not pay for idle hazard fields.
        """
        now_utc = self.utc()
        # third parties hit gas mains at construction sites, unless outdoor work is halted
        strikes = (
            [] if self.outdoor_work_halted else self.infra.gas_strikes(self.context, self.dt_h)
        )
        if strikes:
            self.service.submit_damage(strikes, [], [])
        restored = self.infra.operator_repairs(self.context)  # operators' own crews (telecom)
        if self._hazard_active(now_utc):
            self._hazard_update(now_utc)
        else:
            for gov in self.districts:
                gov.gust_ms = gov.rain_mm_per_h = 0.0
            if restored or any(d.any() for d in self.infra.damaged.values()):
                self.infra.update_functionality(self.time)
        self.service.update_roads(self.infra.edge_speed_factor)
        func = self.infra.functional
        self.delivery.observe(func)
        delay = self.config.logistics.telecom_outage_delay_h
        self.service.set_coordination_delay(self.delivery.dispatch_delay_h(func, delay))
        self.service.dispatch()
        # Outage accounting (customer = household of the city profile's size).
        out_power, out_water = self.infra.households_without_service()
        self._customer_hours["power"] += out_power * self.dt_h
        self._customer_hours["water"] += out_water * self.dt_h
        self.infra.add_outage_hours(self.dt_h)  # by node, for per-household outcomes
        self._customer_hours["gas"] += self.infra.households_without_gas() * self.dt_h

    def _hazard_update(self, now_utc) -> None:
        cfg = self.config
        shape = self.exposure.sample_shape
        n_pts = shape[0] * shape[1]
        field = self.hazards.field(self.time)  # IMs of the hazards active now
        # 1. Wind and rain at the district sample points (the waterlogging cells).
        gust_pts = field.at_samples("gust_ms", n_pts)
        rain_pts = field.at_samples("rain_mm_per_h", n_pts)
        # 2. Waterlogging, with drainage capacity cut by failed pumping stations.
        pump_frac = np.repeat(self.infra.drainage_pump_fraction(), shape[1])
        self.waterlogging.step(rain_pts, pump_frac, self.dt_h)
        if self._open_cavities is not None and self._open_cavities.any():
            self._cavity_collapses(rain_pts.reshape(shape).mean(axis=1) * self.dt_h)
        depth_cells = self.waterlogging.road_depth_m
        # 3. Network damage by every IM (ponding adds to any hazard's flood depth), roads.
        new_damage = self.infra.apply_hazard(self.context, field, {"flood_depth_m": depth_cells})
        alarms = self.infra.update_roads(
            self.context,
            depth_cells,
            cfg.drainage.underpass_concentration,
            self.close_underpasses,
            cfg.drainage.underpass_closure_depth_m,
            field,
        )
        self.infra.update_functionality(self.time)
        # 4. Counted exposure: falling objects, sheds, old housing → casualty incidents.
        casualties = self.exposure.apply_wind(
            self.context,
            gust_pts.reshape(shape),
            self.warning_centre.level_rank,
            self._remaining_at_risk,
            field,
        )
        if self._coastal is not None:  # deaths in the flooding behind the defences
            self._coastal.step(self.context, self.time, self.streams["coastal_flood"])
        # 5. Incidents to the emergency service (dispatched by the caller).
        self.service.submit_damage(new_damage, alarms, casualties)
        flood = (
            field.at_samples("flood_depth_m", n_pts) if field.provides("flood_depth_m") else None
        )
        flood_d = self._flood_by_district(flood, shape)
        self.hazard_record.add_step(
            self.dt_h, gust_pts.reshape(shape), rain_pts.reshape(shape), depth_cells.reshape(shape),
            flood_d,
        )  # fmt: skip
        gust_d = gust_pts.reshape(shape).max(axis=1)
        rain_d = rain_pts.reshape(shape).mean(axis=1)
        flood_deepest = np.zeros(shape[0]) if flood_d is None else flood_d.max(axis=1)
        for gov in self.districts:
            gov.gust_ms = float(gust_d[gov.district])
            gov.rain_mm_per_h = float(rain_d[gov.district])
            gov.flood_depth_m = float(flood_deepest[gov.district])

    def _build_coastal_flood(self) -> CoastalFloodDeaths | None:
        """Deaths behind overflowing defences (:mod:`sim.damage.coastal_flood`), when the run
        has a storm surge; None otherwise."""
        surge = self.hazards.get("storm_surge")
        if surge is None or not hasattr(surge, "cross_shore_profile"):
            return None
        d = self.city.districts
        density = (d["population"] / (d["area_km2"] * 1e6)).to_numpy()  # persons/m²
        return CoastalFloodDeaths(surge, density, {n: i for i, n in enumerate(d["name_en"])})

    def _flood_by_district(self, flood: np.ndarray | None, shape) -> np.ndarray | None:
        """(D, K + 1) hazard flood depth at the sample points and, last, the deepest at the
        foot of the district's overflowing defences (a strip the K random points miss), m."""
        if flood is None:
            return None
        flood = flood.reshape(shape)
        wall = np.zeros(shape[0])
        if self._coastal is not None:
            foot = self.hazards.get("storm_surge").wall_depth_at(self.time)
            np.maximum.at(wall, self._coastal.district, foot)
            self.hazard_record.add_flood_extent(*self._coastal.extent_at(self.time), foot)
        return np.column_stack([flood, wall])

    def _cavity_collapses(self, rain_mm: np.ndarray) -> None:
        """Hidden cavities of the city state collapse under this step's rain (D,) mm:
        Binomial(open, 1 − exp(−κ·rain)) per district (:mod:`sim.risk.city_state`), each a
        closed road segment and a ``road_collapse`` incident (stream ``city_state.cavities``)."""
        from sim.risk.city_state import cavity_collapse_probability

        rng = self.streams["city_state.cavities"]
        n_open = np.rint(self._open_cavities).astype(np.int64)
        hit = rng.binomial(n_open, cavity_collapse_probability(rain_mm))
        self._open_cavities = self._open_cavities - hit
        for d in np.flatnonzero(hit):
            ev = RoadCollapseEvent(
                at_h=self.time, district=self.city.districts.loc[d, "name_en"], count=int(hit[d])
            )
            self.log_event("cavity_collapse", district=int(d), layer="roads", value=float(hit[d]))
            apply_road_collapse(self, ev, rng, self.time)

    def instant_hazards_strike(self) -> None:
        """Apply the instant hazards due now (an earthquake), each once."""
        for hz in self.hazards.instants():
            if hz.window_h()[0] == self.time:
                self._hazard_strikes(hz)

    def _hazard_strikes(self, hazard: Hazard) -> None:
        """An instant hazard: its IMs at the sample points go to the strike damage registered
        for them (:data:`sim.damage.strike.STRIKE_DAMAGE`: PGA → old housing), the district
        governments shelter those it left homeless, network assets fail by their curves in its
        IMs (PGA: substations and distribution circuits, Hazus); incidents are dispatched at
        once."""
        incidents = []
        for im in hazard.ims:
            handler = STRIKE_DAMAGE.get(im)
            if handler is not None:
                pts = hazard.at_samples(im, self.time)
                incidents += handler(self.context, self.exposure, pts, self.streams[hazard.name])
        displaced = self.exposure.take_displaced()  # homes made uninhabitable: shelter them
        for gov in self.districts:
            gov.shelter_displaced(float(displaced[gov.district]))
        new_damage = self.infra.apply_hazard(self.context, IntensityField([hazard], self.time))
        if new_damage:
            self.infra.update_functionality(self.time)
        self.service.submit_damage(new_damage, [], incidents)
        self.service.dispatch()

    def _remaining_at_risk(self, category: str) -> np.ndarray:
        """(D,) persons of a relocation category still in place, by district."""
        return np.array([gov.remaining_at_risk(category) for gov in self.districts])

    def update_district_records(self) -> None:
        """Refresh the district governments' records (service shares, ponding, incidents,
        busy teams) from the infrastructure and the emergency service."""
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
        self.update_district_records()
        self.datacollector.collect(self)
        self._record_epidemic()

    def _record_epidemic(self) -> None:
        """The epidemic's compartments by district now (once it has started)."""
        if self.epidemic is not None:
            st = self.epidemic_state
            self.epidemic_record.add(self.time, st.s, st.e, st.i, st.r)

    def epidemic_frame(self):
        """The epidemic's compartments by district and hour (epidemic.parquet; persons):
        :meth:`sim.models.records.EpidemicRecord.frame`."""
        return self.epidemic_record.frame(self.start_utc, self.city.districts["name_en"])

    def finish(self) -> None:
        """End of run at the horizon: final record if between hours, pending harm settled."""
        if abs(self.time - round(self.time)) > 1e-9:
            self.record()  # a horizon between hours still gets its final record
        self.service.finalise()

    @property
    def alert_level_name(self) -> str:
        return self.warning_centre.level

    @property
    def telecom_sites_down(self) -> int:
        """Most base stations out of service at once (power beyond backup, masts down)."""
        return self.delivery.sites_down_peak

    @property
    def warning_issued(self) -> bool:
        """Whether a warning colour was in force at some time of the run (without one, the
        summary's `warning_reach_share` is null and the tables print "no warning issued")."""
        return self.delivery.reach.peak_rank > 0

    @property
    def warning_reach_share(self) -> float:
        """Share of households reached by the highest warning in force
        (:meth:`sim.agents.warning_reach.WarningReach.reach_share`)."""
        return self.delivery.reach.reach_share()

    @property
    def people_relocated(self) -> float:
        return float(sum(d.relocated_cumulative for d in self.districts))
