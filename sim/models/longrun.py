"""RiskDynamicsModel: multi-year risk dynamics of a city as coarse, event-driven Mesa time.

Time (docs/architecture.md §Time): ``model.time`` is **hours** since 1 January of
``years.start_year``, 00:00 UTC — the convention of :class:`sim.models.emergency.CityModel`, so
event
tables of both models align; a year is 365.25 days = 8,766 h. Nothing steps hourly:

* Mesa 3.5's ``Model.__init__`` starts a default schedule that calls ``step()`` every 1.0
  time unit (``self._default_schedule``, an ``EventGenerator``). With hours as the unit an
  18-year run would execute 157,788 empty steps, so the model stops it at construction;
  ``model.steps`` stays 0.
* A **year-end** recurring event (every 8,766 h, ``count = n_years``) advances every slow
  process through the calendar year just ended in closed form: black swans of the year are
  drawn once for the city; each district maintenance office (Mesa agent) runs its year of
  deterioration, failures, shocks, screening and budgeted repairs
  (:class:`~sim.agents.maintenance_office.DistrictMaintenanceOffice`); the pipeline chain advances
  one
  year (:class:`~sim.risk.pipeline_year.PipelineYearStepper`); construction accidents of
  the year's worked hours are drawn. Every event keeps its exact time inside the year.
* A **record** recurring event (low priority, at t = 0 and after each year end) appends the
  latent-risk index per district × sector.

So an n-year run executes 2n + 1 Mesa events, whatever the number of physical events.
With ``processes.governance`` a **governance** recurring event (every month, 12n of them)
advances the responsibility-layer agents around a chemical park
(:class:`sim.agents.governance.system.GovernanceSystem`); it draws only from its own stream.

Seed, clock and run loop come from :class:`sim.models.base.SimulationModel` (the long run is
the year clock of the model family: :attr:`RiskDynamicsModel.step_h` = one year).

Random streams: every component draws from its own named stream (``model.streams[name]``,
:class:`~sim.core.streams.RandomStreams`; the names are :data:`STREAMS`, and each district
office draws from ``maintenance.office.<district index>``), seeded by the scenario seed and the
name only: switching a process on or a policy rule changes no other component's draws (common
random numbers for policy comparisons; within an office the draws after the first
policy-dependent failure count differ, see :mod:`sim.risk.process`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from mesa.time import Priority, Schedule

from sim.agents.city_layers import CityLayers
from sim.agents.maintenance_office import (
    DistrictMaintenanceOffice,
    StaggeredWhiteElephant,
    YearShocks,
)
from sim.city import load_city
from sim.models.base import SimulationModel
from sim.models.longrun_state import city_state_at
from sim.risk import (
    AssetInventory,
    BlackSwanShocks,
    MaintenancePolicy,
    build_inventory,
    latent_risk_index,
)
from sim.risk.city_state import CityState
from sim.risk.construction import ConstructionAccidentModel, generate_sites
from sim.risk.pipeline import (
    EVENT_KINDS as PIPE_KINDS,
)
from sim.risk.pipeline import (
    PipelineAgeingModel,
    PipelineParams,
    generate_pipe_network,
)
from sim.risk.pipeline_year import CavityShock, PipelineYearStepper
from sim.risk.process import SLOW_EVENT_KINDS
from sim.scenario.longrun import LongRunScenario

YEAR_H = 24.0 * 365.25
"""Hours in a model year (Julian year)."""

STREAMS = (
    "pipeline.network",
    "pipeline.chain",
    "pipeline.shock_collapses",
    "construction.sites",
    "construction.accidents",
    "assets.inventory",
    "maintenance.terms",
    "shocks",
    "governance",
    "responsibility",
)
"""Names of the model's component streams (:class:`~sim.core.streams.RandomStreams`, keyed by
name: adding a stream moves no other stream's draws). Each district maintenance office adds
``maintenance.office.<district index>``."""

MONTH_H = YEAR_H / 12.0
"""Hours in a model month (the governance tick)."""

EVENT_KINDS = (
    "burst",
    "cavity",
    "cavity_detected",
    "road_collapse",
    "construction_accident",
    "asset_failure",
    "black_swan_failure",
    "defect_detected",
    "repair",
    "black_swan",
    "emergency_shock",
)
"""Kinds of events.parquet rows; ``value`` is: 0 for bursts, cavities and detections of
cavities; for a road collapse the intensity of the black swan that caused it (0: natural);
deaths for a construction accident; repair cost in yuan for asset failures, black-swan
failures and repairs (reactive cost = planned cost × emergency factor is not applied here);
0 for defect detections; the intensity for a black swan; the direct loss in yuan of an
emergency window run at a shock date (``shocks:``; ``asset`` = the shock's position in the
list)."""

_PIPE_TO_KIND = np.array([EVENT_KINDS.index(k) for k in PIPE_KINDS], np.int8)
_SLOW_TO_KIND = {
    "failure": "asset_failure",
    "shock_failure": "black_swan_failure",
    "detection": "defect_detected",
    "repair": "repair",
}
_FAILURE_CODES = [SLOW_EVENT_KINDS.index(k) for k in ("failure", "shock_failure")]
ROAD_CAVITY = "road_cavity"
"""Latent-risk sector of the pipeline chain's open cavities."""


class YearEventLog:
    """The long run's event log: column chunks appended per process and year (times in
    decimal calendar years), concatenated once.

    Args:
        start_year: calendar year of model hour 0 (1 January, 00:00 UTC).
        start_utc: the same instant as a ``pandas.Timestamp``.
        sectors: names of the ``sector`` codes (the model's list).
    """

    def __init__(self, start_year: int, start_utc: pd.Timestamp, sectors: list[str]) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.start_year = start_year
        self.start_utc = start_utc
        self.sectors = sectors

    def __len__(self) -> int:
        return sum(p[0].size for p in self.parts)

    def add(self, t_yr, kind: int | np.ndarray, district, sector: int | np.ndarray, asset, value):
        t_yr = np.asarray(t_yr, float)
        n = t_yr.size
        if n == 0:
            return
        self.parts.append(
            (
                t_yr,
                np.broadcast_to(np.asarray(kind, np.int8), (n,)),
                np.broadcast_to(np.asarray(district, np.int16), (n,)),
                np.broadcast_to(np.asarray(sector, np.int8), (n,)),
                np.broadcast_to(np.asarray(asset, np.int64), (n,)),
                np.broadcast_to(np.asarray(value, float), (n,)),
            )
        )

    def arrays(self) -> tuple[np.ndarray, ...]:
        if not self.parts:
            z = np.zeros(0)
            return z, z.astype(np.int8), z.astype(np.int16), z.astype(np.int8), z.astype(int), z
        return tuple(np.concatenate(c) for c in zip(*self.parts, strict=True))

    def to_frame(self) -> pd.DataFrame:
        """All events, sorted by time: ``t_h, time_utc, kind, district, sector, asset, value``
        (district -1: city-wide; value: see :data:`EVENT_KINDS`)."""
        t_yr, kind, district, sector, asset, value = self.arrays()
        t_h = (t_yr - self.start_year) * YEAR_H
        order = np.argsort(t_h, kind="stable")
        seconds = np.round(t_h[order] * 3600.0).astype(np.int64)
        return pd.DataFrame(
            {
                "t_h": t_h[order],
                "time_utc": self.start_utc + pd.to_timedelta(seconds, unit="s"),
                "kind": pd.Categorical.from_codes(kind[order], EVENT_KINDS),
                "district": district[order],
                "sector": pd.Categorical.from_codes(sector[order], self.sectors),
                "asset": asset[order],
                "value": value[order],
            }
        )


class RiskDynamicsModel(SimulationModel):
    """Slow (multi-year) risk dynamics of a city: ageing pipes, construction work and an asset
    stock maintained by district offices, under rare heavy-tailed shocks.

    Args:
        config: a validated :class:`~sim.scenario.longrun.LongRunScenario`.
        rng: seed or generator; defaults to ``config.seed``.

    Attributes:
        city: the :class:`~sim.city.City`.
        offices: district maintenance offices (Mesa agents), in district order (empty without
            ``processes.slow_risk``).
        pipeline: the pipeline chain stepper (None without ``processes.pipeline``).
        construction: the accident model (None without ``processes.construction``).
        governance: the :class:`~sim.agents.governance.system.GovernanceSystem` (None without
            ``processes.governance``).
        layers: the :class:`~sim.agents.city_layers.CityLayers` (None without
            ``processes.responsibility``): inspect, fund, repair, enforce and report the
            offices' assets, the pipe chain's cavity screening and the sites' safety.
        sectors: names of the ``sector`` codes of events and latent-risk records.
        latent: list of (t_yr, (D, S) undetected, known_unfixed, total, harm) records.
        shock_log: one dict per black swan: t_yr, kind, intensity, amplification (expected
            failures of the stock at the shock / those of an as-new stock; 0 without a stock),
            asset_failures and road_collapses it caused.
        events: the :class:`YearEventLog` (→ events.parquet).
        mesa_events: number of Mesa events executed.
    """

    kind = "long_run"
    step_h = YEAR_H

    def __init__(self, config: LongRunScenario, rng=None):
        start = config.years.start_year
        super().__init__(
            config,
            rng,
            start_utc=pd.Timestamp(f"{start}-01-01T00:00:00", tz="UTC"),
            horizon_h=config.years.n_years * YEAR_H,
        )
        # Mesa's default hourly step would be 8,766 empty events per simulated year.
        self._default_schedule.stop()
        self.start_year = start
        self.n_years = config.years.n_years
        self.city = load_city(Path(config.city.data_dir))
        self.n_districts = self.city.n_districts
        self.mesa_events = 0
        self.latent: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.shock_log: list[dict] = []

        proc = config.processes
        self.black_swans = None
        if proc.black_swans is not None:
            b = proc.black_swans
            self.black_swans = BlackSwanShocks(b.rate_per_yr, b.pareto_alpha, b.x_min, b.x_max)
        self.offices: list[DistrictMaintenanceOffice] = []
        self.year_shocks: YearShocks | None = None
        self.sectors: list[str] = []
        if proc.slow_risk is not None:
            self._build_offices()
        # "pipeline" is also a slow-risk sector: pipe-chain events share its code
        self.sectors = list(
            dict.fromkeys([*self.sectors, "pipeline", ROAD_CAVITY, "construction", "city"])
        )
        self.events = YearEventLog(self.start_year, self.start_utc, self.sectors)
        self.pipeline: PipelineYearStepper | None = None
        if proc.pipeline is not None:
            self._build_pipeline()
        self.construction: ConstructionAccidentModel | None = None
        self.construction_expected = 0.0  # accidents expected so far (with the layers)
        if proc.construction is not None:
            c = proc.construction
            sites = generate_sites(
                self.city.exposure["construction_sites"].to_numpy(),
                self.city.exposure["construction_workers_persons"].to_numpy(),
                self.streams["construction.sites"],
            )
            self.construction = ConstructionAccidentModel(
                sites, c.accidents_per_worker_hour, c.extra_deaths_mean
            )

        self.layers = None
        if proc.responsibility is not None:
            self.layers = CityLayers(self, self.streams["responsibility"])

        self.governance = None
        if proc.governance is not None:
            from sim.agents.governance.system import GovernanceSystem
            from sim.scenario.policies import PoliciesConfig

            policies = config.policies or PoliciesConfig()
            self.governance = GovernanceSystem(
                self, proc.governance, policies, self.streams["governance"]
            )
            self.schedule_recurring(
                self.governance_tick,
                Schedule(MONTH_H, start=MONTH_H, count=12 * self.n_years),
                Priority.HIGH,
            )

        self.schedule_recurring(self.year_end, Schedule(YEAR_H, start=YEAR_H, count=self.n_years))
        self.schedule_recurring(
            self.record, Schedule(YEAR_H, start=0.0, count=self.n_years + 1), Priority.LOW
        )

    # ------------------------------------------------------------------ construction
    def _build_offices(self) -> None:
        cfg = self.config.processes.slow_risk
        inv = build_inventory(self.city, self.streams["assets.inventory"])
        self.sectors = [s.name for s in inv.sectors]
        cost = inv.sector_array("fix_cost_yuan")
        repair_value = np.bincount(inv.district, weights=cost, minlength=self.n_districts)
        share = repair_value / repair_value.sum()
        we = cfg.white_elephant
        offsets = self.streams["maintenance.terms"].uniform(0.0, we.tenure_yr, self.n_districts)
        if not we.stagger_terms:
            offsets[:] = 0.0
        if self.black_swans is not None:
            self.year_shocks = YearShocks(self.black_swans)
        for d, row in self.city.districts.iterrows():
            d = int(d)
            idx = np.nonzero(inv.district == d)[0]
            sub = AssetInventory(
                district=inv.district[idx].copy(),
                sector=inv.sector[idx].copy(),
                state=inv.state[idx].copy(),
                age_yr=inv.age_yr[idx].copy(),
                load=inv.load[idx].copy(),
                known_defect=inv.known_defect[idx].copy(),
                sectors=inv.sectors,
                n_districts=self.n_districts,
            )
            policy = MaintenancePolicy(
                rule=cfg.policy,
                budget_yuan_per_yr=cfg.budget_yuan_per_yr * float(share[d]),
                screening_coverage=cfg.screening_coverage_per_yr,
                targeted_screening=cfg.targeted_screening,
                decision_maker=StaggeredWhiteElephant(
                    tenure_yr=we.tenure_yr,
                    discount_rate=we.discount_rate,
                    visibility_weight=we.visibility_weight,
                    min_benefit_cost=we.min_benefit_cost,
                    term_start_yr=float(offsets[d]),
                ),
                emergency_cost_factor=cfg.emergency_cost_factor,
                # with the responsibility layers the offices run the physics only
                manages=self.config.processes.responsibility is None,
            )
            self.offices.append(
                DistrictMaintenanceOffice(
                    self,
                    d,
                    str(row["name_en"]),
                    sub,
                    idx,
                    policy,
                    self.year_shocks,
                    self.streams[f"maintenance.office.{d}"],
                    float(self.start_year),
                )
            )

    def _build_pipeline(self) -> None:
        cfg = self.config.processes.pipeline
        ex = self.city.exposure
        net = generate_pipe_network(
            ex["underground_pipeline_km"].to_numpy(float),
            self.city.districts["area_km2"].to_numpy(float),
            self.streams["pipeline.network"],
            segment_length_km=cfg.segment_length_km,
            growth_rate_per_yr=cfg.growth_rate_per_yr,
            heavy_traffic_share=cfg.heavy_traffic_share,
        )
        params = PipelineParams(
            heavy_traffic_multiplier=cfg.heavy_traffic_multiplier,
            construction_multiplier=cfg.construction_multiplier,
            construction_radius_m=cfg.construction_radius_m,
            p_cavity_per_burst=cfg.p_cavity_per_burst,
            collapse_rate_per_yr=cfg.collapse_rate_per_yr,
            screening_coverage_per_yr=cfg.screening_coverage_per_yr,
            detection_prob=cfg.detection_prob,
        )
        model = PipelineAgeingModel(net, ex["construction_sites"].to_numpy(float), params)
        self.pipeline = PipelineYearStepper(model, cfg.shock_vulnerability)

    # ------------------------------------------------------------------ clock helpers
    def year_of(self, t_h: float) -> float:
        """Decimal calendar year of model hour ``t_h``."""
        return self.start_year + t_h / YEAR_H

    def hours_of(self, t_yr):
        """Model hours of decimal calendar year(s) ``t_yr``."""
        return (np.asarray(t_yr, float) - self.start_year) * YEAR_H

    def _sector(self, name: str) -> int:
        return self.sectors.index(name)

    # ------------------------------------------------------------------ shocks (two clocks)
    def city_state(self, t_h: float) -> CityState:
        """The city state handed to an emergency window at model hour ``t_h`` (draws nothing;
        :func:`sim.models.longrun_state.city_state_at`)."""
        return city_state_at(self, t_h, EVENT_KINDS.index("repair"))

    def shock_seed(self, name: str) -> int:
        """Seed of the emergency window of shock ``name``: one draw from the stream
        ``emergency.<name>``, so it depends on the run seed and the name only and moves no
        other stream."""
        return int(self.streams[f"emergency.{name}"].integers(0, 2**31 - 1))

    def record_shock(self, index: int, t_h: float, direct_loss_yuan: float) -> None:
        """Log an emergency window run at ``t_h`` (events kind ``emergency_shock``). The
        shock does not feed back into the slow processes: their draws and states are the
        same with and without shocks."""
        self.events.add(
            np.array([self.year_of(t_h)]),
            EVENT_KINDS.index("emergency_shock"),
            -1,
            self._sector("city"),
            index,
            direct_loss_yuan,
        )

    # ------------------------------------------------------------------ events
    def year_end(self) -> None:
        """Advance every slow process through the calendar year that ends now."""
        self.mesa_events += 1
        year = self.start_year + round(self.time / YEAR_H) - 1
        y0, y1 = float(year), float(year + 1)
        t_s, kinds, x = np.zeros(0), np.zeros(0, dtype=object), np.zeros(0)
        if self.black_swans is not None:
            t_s, kinds, x = self.black_swans.sample(y0, y1, self.streams["shocks"])
            self.events.add(t_s, EVENT_KINDS.index("black_swan"), -1, self._sector("city"), -1, x)
        failures = np.zeros(t_s.size, np.int64)
        collapses = np.zeros(t_s.size, np.int64)
        if self.offices:
            failures = self._maintenance_year(year, t_s, kinds, x)
        if self.pipeline is not None:
            collapses = self._pipeline_year(year, t_s, kinds, x)
        if self.construction is not None:
            self._construction_year(year)
        ys = self.year_shocks
        for i in range(t_s.size):
            amp = 0.0
            if ys is not None and ys.expected_as_new[i] > 0:
                amp = ys.expected_now[i] / ys.expected_as_new[i]
            self.shock_log.append(
                {
                    "t_yr": float(t_s[i]),
                    "kind": str(kinds[i]),
                    "intensity": float(x[i]),
                    "amplification": float(amp),
                    "asset_failures": int(failures[i]),
                    "road_collapses": int(collapses[i]),
                }
            )

    def governance_tick(self) -> None:
        """Advance the governance agents through the month that ends now."""
        self.mesa_events += 1
        self.governance.tick(self.time)

    @staticmethod
    def _per_shock(t_s: np.ndarray, t_event: np.ndarray) -> np.ndarray:
        """(k,) events per shock; shock-caused events carry their shock's exact time."""
        if t_s.size == 0:
            return np.zeros(0, np.int64)
        return np.bincount(np.searchsorted(t_s, t_event), minlength=t_s.size)[: t_s.size]

    def _maintenance_year(self, year: int, t_s, kinds, x) -> np.ndarray:
        """Every office's year (then the responsibility layers' duties of it); returns (k,)
        asset failures per black swan."""
        if self.year_shocks is not None:
            self.year_shocks.set_year(t_s, kinds, x)
        failures = np.zeros(t_s.size, np.int64)
        failed = []
        for office in self.offices:
            ev = office.maintain_year()
            hit = np.isin(ev.kind, _FAILURE_CODES)
            failed.append(ev.asset[hit])
            for slow_kind, kind in _SLOW_TO_KIND.items():
                sel = ev.kind == SLOW_EVENT_KINDS.index(slow_kind)
                if not sel.any():
                    continue
                self.events.add(
                    ev.t_yr[sel],
                    EVENT_KINDS.index(kind),
                    ev.district[sel],
                    ev.sector[sel],
                    office.asset_ids[ev.asset[sel]],
                    ev.value[sel],
                )
                if slow_kind == "shock_failure":
                    failures += self._per_shock(t_s, ev.t_yr[sel])
        if self.layers is not None:
            self.layers.year(year, failed, self._layer_event)
        return failures

    def _layer_event(self, t_yr: float, kind: str, k: int, local, value) -> None:
        """An event of the responsibility layers on office ``k``'s assets ``local``."""
        office = self.offices[k]
        self.events.add(
            np.full(local.size, t_yr),
            EVENT_KINDS.index(kind),
            office.district,
            office.process.inv.sector[local],
            office.asset_ids[local],
            value,
        )

    def _pipeline_year(self, year: int, t_s, kinds, x) -> np.ndarray:
        """The pipeline chain's year; returns (k,) road collapses per black swan."""
        shocks = []
        if self.black_swans is not None:
            shocks = [
                CavityShock(float(t), float(xi), self.black_swans.kinds[k].get("pipeline", 0.0))
                for t, k, xi in zip(t_s, kinds, x, strict=True)
            ]
        coverage = None
        if self.layers is not None:  # the utilities' cavity screening programmes
            cfg = self.config.processes.pipeline
            coverage = self.layers.cavity_coverage(
                cfg.screening_coverage_per_yr,
                self.pipeline.model.network.km_by_district(float(year)),
                cfg.screening_cost_yuan_per_km,
            )
        ev = self.pipeline.step(
            year,
            self.streams["pipeline.chain"],
            coverage=coverage,
            shocks=shocks,
            shock_rng=self.streams["pipeline.shock_collapses"],
        )
        district = self.pipeline.model.network.district[ev.segment]
        self.events.add(
            ev.t_yr,
            _PIPE_TO_KIND[ev.kind],
            district,
            self._sector("pipeline"),
            ev.segment,
            ev.shock_intensity,
        )
        return self._per_shock(t_s, ev.t_yr[ev.shock_intensity > 0])

    def _construction_year(self, year: int) -> None:
        c = self.config.processes.construction
        safety = c.safety_improvement
        if self.layers is not None:  # the contractors' diligence
            safety = safety * self.layers.site_multipliers(self.construction.sites.district)
            self.construction_expected += self.construction.expected_accidents(
                c.hours_per_worker_year, safety
            )
        ev = self.construction.simulate(
            c.hours_per_worker_year,
            self.streams["construction.accidents"],
            safety_improvement=safety,
        )
        if self.layers is not None:
            self.layers.contractors_accidents(ev.district)
        # worked hours spread evenly over the calendar year (assumption)
        self.events.add(
            year + ev.time_h / c.hours_per_worker_year,
            EVENT_KINDS.index("construction_accident"),
            ev.district,
            self._sector("construction"),
            ev.site,
            ev.deaths,
        )

    def record(self) -> None:
        """Append the latent-risk index per district × sector (expected failures per year).

        Sectors: the slow-risk sectors (:func:`sim.risk.latent_risk_index`) and
        ``road_cavity``: open cavities × collapse rate, the expected road collapses per year
        they hold (all undetected; consequence 1 per collapse, the unit of
        :class:`sim.risk.Sector` consequences).
        """
        self.mesa_events += 1
        shape = (self.n_districts, len(self.sectors))
        und, known, harm = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for office in self.offices:
            lr = latent_risk_index(office.process.inv)
            s = lr["total"].shape[1]
            und[:, :s] += lr["undetected"]
            known[:, :s] += lr["known_unfixed"]
            harm[:, :s] += lr["harm"]
        if self.pipeline is not None:
            k = self._sector(ROAD_CAVITY)
            rate = self.pipeline.model.params.collapse_rate_per_yr
            und[:, k] = self.pipeline.open_by_district() * rate
            harm[:, k] = und[:, k]
        self.latent.append((self.year_of(self.time), und, known, und + known, harm))

    # ------------------------------------------------------------------ tables
    def latent_frame(self) -> pd.DataFrame:
        """Latent risk over time, long form: ``t_yr, t_h, district, district_name, sector,
        undetected, known_unfixed, total, harm`` (expected failures per year; harm weighted by
        consequence). Sectors without a latent-risk model (construction, city) are omitted."""
        names = self.city.districts["name_en"].to_numpy()
        keep = [i for i, s in enumerate(self.sectors) if s not in ("construction", "city")]
        if self.pipeline is None:
            keep = [i for i in keep if self.sectors[i] != ROAD_CAVITY]
        if not self.offices:
            keep = [i for i in keep if self.sectors[i] == ROAD_CAVITY]
        d, s = np.meshgrid(np.arange(self.n_districts), keep, indexing="ij")
        frames = []
        for t_yr, und, known, total, harm in self.latent:
            frames.append(
                pd.DataFrame(
                    {
                        "t_yr": t_yr,
                        "t_h": float(self.hours_of(t_yr)),
                        "district": d.ravel().astype(np.int16),
                        "district_name": names[d.ravel()],
                        "sector": [self.sectors[i] for i in s.ravel()],
                        "undetected": und[:, keep].ravel(),
                        "known_unfixed": known[:, keep].ravel(),
                        "total": total[:, keep].ravel(),
                        "harm": harm[:, keep].ravel(),
                    }
                )
            )
        out = pd.concat(frames, ignore_index=True)
        out["sector"] = pd.Categorical(out["sector"], [self.sectors[i] for i in keep])
        return out
