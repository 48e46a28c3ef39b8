"""The model's infrastructure state: capacities, damage, functionality, outages.

Wraps the multilayer network (:mod:`sim.networks`) with what a run needs:

* each asset's capacity drawn once per intensity measure (IM, :mod:`sim.hazards.base`) from
  its lognormal fragility in that IM (gust_ms: 3-s gust m/s; flood_depth_m: depth m; any IM a
  hazard registers), each (layer, IM) from its own stream; an asset fails when any IM exceeds
  both its capacity and its running peak in that IM (so a repaired asset fails again only
  under a stronger load); the incident raised per (asset type, IM) comes from
  :data:`INCIDENT_KIND`;
* street trees along road segments (counted exposure per edge) whose fall blocks the
  segment until a crew clears it; road ponding slows traffic by the Pregnolato et al. (2017)
  depth–speed function; flooded underpasses close;
* real networks from ``networks.imports`` placed into districts after generation
  (:mod:`sim.networks.compose`), before fragility is assigned by asset type;
* functionality by the cascade engine (:class:`sim.networks.CascadeEngine`), with optional
  Motter–Lai overload tripping of transmission meshes (``networks.load_redistribution``,
  :mod:`sim.networks.overload`): tripped substations stop working without being damaged and
  come back once the repairs that caused the overload are done; each trip is logged as an
  ``overload_trip`` event, each re-energisation as ``overload_clear``;
* the district shares recorded in the time series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from sim.damage.fragility import get_curve, sample_capacity
from sim.damage.impact import CountedExposure
from sim.hazards.base import INTENSITY_MEASURES
from sim.hazards.waterlogging import road_speed_factor
from sim.networks import (
    CascadeEngine,
    NetworkSpec,
    assign_fragility,
    drainage_capacity_fraction,
    generate_city_networks,
    service_by_district,
)
from sim.networks.compose import import_networks
from sim.networks.gas import gas_pgv_capacity
from sim.networks.gas_leaks import GasLeaks
from sim.networks.overload import OverloadRule
from sim.networks.protection import FeederZones
from sim.networks.services import SERVICE_LAYERS as HOUSEHOLD_LAYERS
from sim.networks.spec import DIVISIBLE_TYPES
from sim.networks.telecom import restoration_hours
from sim.networks.telecom_sites import apply_telecom_sites, read_telecom_sites

if TYPE_CHECKING:
    from sim.city import City
    from sim.core.context import RunContext
    from sim.core.eventlog import EventLog
    from sim.scenario.schema import Scenario

SERVICE_LAYERS = ("power", "water", "drainage")
TREES_PER_ROAD_KM = 55.0
"""Street trees exposed per road km (both sides): calibration parameter. 55/km on the
~11,500 km generated network (~630,000 trees) brings ~3,000 trees down under the Lekima
gust field with the ``urban_tree`` curve (observed 2,984, scenarios/data/shanghai/facts.md §2c)."""
WATERLOGGED_DEPTH_M = 0.15
"""Road waterlogging point: ponding of 15 cm or more (scenarios/data/shanghai/facts.md §4: the
15 cm alarm level)."""
SAG_SIGMA = 1.0
"""Log-standard deviation of road segments' low-spot factor (mean 1): water collects in sags
and at blocked inlets, so a few segments hold several times the cell's mean ponding depth.
Assumption; calibration parameter for the count of waterlogging points."""

INCIDENT_KIND = {
    ("distribution_transformer_10kv", "gust_ms"): "power_line_fault",
    ("distribution_transformer_10kv", "flood_depth_m"): "transformer_flood",
    ("substation_110_35kv", "flood_depth_m"): "substation_flood",
    ("substation_220kv", "flood_depth_m"): "substation_flood",
    ("substation_220kv", "pga_g"): "substation_quake",
    ("substation_110_35kv", "pga_g"): "substation_quake",
    ("distribution_transformer_10kv", "pga_g"): "power_line_fault",
    ("water_plant", "flood_depth_m"): "pump_station_failure",
    ("booster_pumping_station", "flood_depth_m"): "pump_station_failure",
    ("drainage_pumping_station_municipal", "flood_depth_m"): "pump_station_failure",
    ("drainage_pumping_station_district", "flood_depth_m"): "pump_station_failure",
    ("telecom_base_station_site", "gust_ms"): "telecom_site_failure",
    ("gas_main_hp", "pgv_cm_s"): "gas_leak",
    ("gas_main_mp", "pgv_cm_s"): "gas_leak",
    ("gas_regulator_station", "flood_depth_m"): "gas_regulator_failure",
}
"""(asset type, IM) -> incident kind raised when the asset fails in that IM (response teams,
loss item via `LOSS_ITEM`). A failure missing from the table raises ``pump_station_failure``
(the generic plant-repair job). A new hazard adds rows with `register_incident_kind`."""
LOSS_ITEM = {
    "power_line_fault": "power_fault",
    "substation_flood": "substation_flood",
    "transformer_flood": "transformer_flood",
    "substation_quake": "substation_quake",
    "pump_station_failure": "pump_station_flood",
    "telecom_site_failure": "telecom_site",
    "gas_leak": "gas_main_repair",
    "gas_regulator_failure": "gas_regulator_flood",
}
UNIT_PRICED_KINDS = ("telecom_site_failure",)
"""Failures whose loss item prices a node of resolution 1 (a site node's masts and antennas):
above resolution 1 a node books 1/resolution of it, as it holds that share of the stations."""
CAPACITY_SAMPLERS = {("gas", "pgv_cm_s"): gas_pgv_capacity}
"""(layer, IM) -> function(layer, rng) -> (n,) capacities, for damage laws that are not a
lognormal curve (a gas main's first repair under shaking, sim.damage.gas_pipes)."""
DEFAULT_INCIDENT_KIND = "pump_station_failure"
OPERATOR_REPAIRED_KINDS = frozenset({"telecom_site_failure"})
"""Damage the asset's operator repairs with its own crews, outside the city's emergency
service: counted, logged and costed, but no incident is raised; the asset comes back after a
restoration time drawn at its failure (`Infrastructure.operator_repairs`;
sim/networks/telecom.py)."""
ROAD_FLOOD_IM = "flood_depth_m"
"""The IM that floods roads and underpasses (besides the model's rain ponding)."""


def register_incident_kind(asset_type: str, im: str, kind: str) -> None:
    """Raise incident ``kind`` when an ``asset_type`` asset fails in intensity measure ``im``.

    Raises:
        KeyError: ``kind`` has no loss item in `LOSS_ITEM`.
    """
    if kind not in LOSS_ITEM:
        raise KeyError(f"incident kind {kind!r} has no loss item; known: {sorted(LOSS_ITEM)}")
    INCIDENT_KIND[(asset_type, im)] = kind


class Infrastructure:
    """Networks and their damage state during a run.

    Args:
        city: the city.
        config: the scenario (``networks`` section).
        streams: the model's :class:`~sim.core.streams.RandomStreams`: ``networks`` for
            generation and imports, ``capacity.<layer>.<im>`` per layer and intensity measure,
            ``roads.sag`` and ``trees`` (so an imported layer moves no other layer's draws);
            ``operator_repair.<layer>`` for the restoration hours of operator-repaired damage.
        cell_xy: (x_m, y_m) of the D·K waterlogging cells (district sample points).
        curve: fragility lookup (key → curve), the model's with scenario overrides.
    """

    def __init__(self, city: City, config: Scenario, streams, cell_xy, curve=get_curve):
        self.city = city
        self.rng = streams["trees"]  # tree falls, drawn on each gust increment
        rng_networks = streams["networks"]
        cfg = config.networks
        spec = NetworkSpec.for_city(
            city.profile.network_statistics,
            resolution=cfg.resolution,
            pump_backup_fraction=cfg.pump_backup_fraction,
            pump_backup_buffer_h=cfg.pump_backup_h,
            base_station_backup_h=cfg.base_station_backup_h,
        )
        self.net = generate_city_networks(city, spec, rng_networks, streams["networks.gas"])
        # Imports draw after generation: scenarios without imports keep their networks.
        self.net = import_networks(self.net, city, cfg.imports, spec, rng_networks)
        if cfg.telecom_sites_file is not None:  # real sites in place of generated ones
            sites = read_telecom_sites(cfg.telecom_sites_file, city)
            households = city.districts["households"].to_numpy(float)
            self.net = apply_telecom_sites(self.net, sites, households, cfg.base_station_backup_h)
        assign_fragility(self.net, get_curve=curve)
        lr = cfg.load_redistribution
        rules = (
            [OverloadRule(self.net.layers[k], lr.alpha, load=lr.load) for k in lr.layers]
            if lr is not None
            else []
        )
        self.feeders = self._feeder_zones(spec, cfg.feeder_isolation_h, streams)
        zones = {"power": self.feeders} if self.feeders is not None else None
        self.cascade = CascadeEngine(self.net, mechanism=cfg.cascade, overload=rules, zones=zones)
        self.n_districts = city.n_districts
        self.layers = self.net.layers
        self.resolution = float(cfg.resolution)  # > 1: divisible nodes are parts of units
        self._site_share = 1.0 / self.resolution if self.resolution > 1.0 else 1.0
        cells = cKDTree(np.column_stack(cell_xy))
        self.damaged: dict[str, np.ndarray] = {}
        self.capacity: dict[str, dict[str, np.ndarray]] = {}  # layer -> IM -> (n,) capacity
        self.peak: dict[str, dict[str, np.ndarray]] = {}  # layer -> IM -> (n,) running peak
        self.susceptible: dict[str, dict[str, np.ndarray]] = {}  # layer -> IM -> node indices
        self.cell: dict[str, np.ndarray] = {}
        for name, layer in self.layers.items():
            self.damaged[name] = np.zeros(layer.n_nodes, dtype=bool)
            self._sample_capacities(name, layer, streams)
            nd = layer.nodes
            self.cell[name] = cells.query(np.column_stack([nd["x_m"], nd["y_m"]]))[1]

        roads = self.layers["roads"]
        e = roads.edges
        self.edge_district = roads.nodes["district"][e["u"]]
        mid_x = 0.5 * (roads.nodes["x_m"][e["u"]] + roads.nodes["x_m"][e["v"]])
        mid_y = 0.5 * (roads.nodes["y_m"][e["u"]] + roads.nodes["y_m"][e["v"]])
        self.edge_mid = (mid_x, mid_y)
        self.edge_cell = cells.query(np.column_stack([mid_x, mid_y]))[1]
        trees = np.rint(e["length_m"] / 1000.0 * TREES_PER_ROAD_KM).astype(np.int64)
        self.trees = CountedExposure("street_trees", curve("urban_tree"), trees[:, None])
        self.edge_blocked = np.zeros(roads.n_edges, dtype=bool)
        self.edge_closed = np.zeros(roads.n_edges, dtype=bool)  # collapses, bridge closures
        self.edge_sag = streams["roads.sag"].lognormal(
            -0.5 * SAG_SIGMA**2, SAG_SIGMA, roads.n_edges
        )
        self.edge_ever_waterlogged = np.zeros(roads.n_edges, dtype=bool)
        self.underpass_nodes = np.flatnonzero(
            roads.nodes["asset_type"] == roads.asset_types.index("underpass")
        )
        self.underpass_closed = np.zeros(self.underpass_nodes.size, dtype=bool)
        self.underpass_ever_closed = np.zeros(self.underpass_nodes.size, dtype=bool)
        self.underpass_alarmed = np.zeros(self.underpass_nodes.size, dtype=bool)
        self.edge_speed_factor = np.ones(roads.n_edges)
        self.gas = self._gas_leaks(city, spec, streams) if "gas" in self.layers else None
        self._init_operator_repairs(cfg, streams)
        self._damage_events: dict[str, int] = {}
        self._damage_by_type: dict[tuple[str, str], int] = {}  # (layer, asset type) -> events
        self._damage_by_im: dict[tuple[str, str, str], int] = {}  # (layer, type, IM) -> events
        self.functional = self.cascade.update(self.damaged, 0.0)
        self.tripped = {k: v.copy() for k, v in self.cascade.tripped.items()}
        self.overload_trips = 0
        self.event_log = None  # the model's EventLog, taken at the first apply_hazard
        # hours each power / water node has been out of service (per-household outcomes)
        self.outage_h = {k: np.zeros(self.layers[k].n_nodes) for k in ("power", "water")}

    def _init_operator_repairs(self, cfg, streams) -> None:
        """Operator-repaired damage (`OPERATOR_REPAIRED_KINDS`): the restoration lognormal
        (median h, beta) by layer from the scenario's ``networks``, ``restore_at`` (layer →
        (n,) model hour each damaged asset comes back; inf: none pending) and the draws'
        streams ``operator_repair.<layer>``."""
        self._restoration = {
            "telecom": (cfg.telecom_restoration_median_h, cfg.telecom_restoration_beta)
        }
        self.restore_at = {
            k: np.full(self.layers[k].n_nodes, np.inf)
            for k in self._restoration
            if k in self.layers
        }
        self._restoration_rng = {k: streams[f"operator_repair.{k}"] for k in self.restore_at}
        self.operator_repaired = 0  # assets restored by their operators so far

    def _feeder_zones(self, spec, isolation_h: float | None, streams) -> FeederZones | None:
        """The power layer's 10 kV feeders as protection zones (:mod:`sim.networks.protection`;
        ties drawn from stream ``networks.protection``); None when ``isolation_h`` is None or
        the layer has no generated feeder."""
        if isolation_h is None or "power" not in self.net.layers:
            return None
        zones = FeederZones(
            self.net.layers["power"],
            spec.households_per_feeder,
            spec.feeder_sections,
            spec.feeder_tie_share,
            isolation_h,
            streams["networks.protection"],
        )
        return zones if zones.n_feeders else None

    @property
    def feeder_trips(self) -> int:
        """10 kV feeder trips so far (a breaker opened by a new fault on its feeder; 0 without
        feeder zones)."""
        return 0 if self.feeders is None else int(self.feeders.trips)

    def _sample_capacities(self, name: str, layer, streams) -> None:
        """One capacity per asset and IM in which the layer has fragility fields, drawn from
        stream ``capacity.<layer>.<IM stream>`` (``wind``, ``flood``, or the IM's name)."""
        nd, n = layer.nodes, layer.n_nodes
        self.capacity[name], self.peak[name], self.susceptible[name] = {}, {}, {}
        for im in INTENSITY_MEASURES.values():
            if im.theta_field not in nd:
                continue
            cap = sample_capacity(
                nd[im.theta_field],
                nd[im.beta_field],
                streams[f"capacity.{name}.{im.stream}"],
                n,
                share=self._unit_share(layer),
            )
            self.capacity[name][im.name] = cap
            self.peak[name][im.name] = np.zeros(n)
            self.susceptible[name][im.name] = np.flatnonzero(np.isfinite(cap))
        for (lname, im), sampler in CAPACITY_SAMPLERS.items():
            if lname == name:
                cap = sampler(layer, streams[f"capacity.{name}.{INTENSITY_MEASURES[im].stream}"])
                self.capacity[name][im] = cap
                self.peak[name][im] = np.zeros(n)
                self.susceptible[name][im] = np.flatnonzero(np.isfinite(cap))

    def _unit_share(self, layer) -> np.ndarray | float:
        """(n,) share of a calibrated unit each node stands for: 1 / resolution for the nodes
        that split finer above resolution 1 (10 kV sections, mains junctions, sewer nodes:
        :data:`sim.networks.spec.DIVISIBLE_TYPES`), whose curves were calibrated at
        resolution 1, else 1. Below 1 a coarse node keeps one unit's curve (the coarse
        settings are quick approximations, as before)."""
        r = self.resolution
        if r <= 1.0:
            return 1.0
        divisible = np.isin(
            layer.nodes["asset_type"],
            [i for i, t in enumerate(layer.asset_types) if t in DIVISIBLE_TYPES],
        )
        return np.where(divisible, 1.0 / r, 1.0)

    def _gas_leaks(self, city, spec, streams) -> GasLeaks:
        """Leaks of the gas layer (:mod:`sim.networks.gas_leaks`): strikes weighted by the
        districts' construction sites, fires harming residents at the district density."""
        d = city.districts
        density = (d["population"] / d["area_km2"]).to_numpy(float)
        exposure = getattr(city, "exposure", None)
        sites = np.zeros(city.n_districts)
        if exposure is not None and "construction_sites" in exposure.columns:
            sites = exposure["construction_sites"].to_numpy(float)
        return GasLeaks(self.layers["gas"], density, sites, spec.gas_strikes_per_km_yr,
                        streams["gas.ignition"], streams["gas.strikes"])  # fmt: skip

    # ------------------------------------------------------------------ queries
    @property
    def n_assets(self) -> int:
        return int(sum(layer.n_nodes for layer in self.layers.values()))

    def damage_count(
        self, layer: str, asset_types: tuple[str, ...] | None = None, im: str | None = None
    ) -> int:
        """Damage events (failures, counting repeats after repair) recorded on a layer.

        Args:
            layer: the layer's name (``power``, ``water``, ``drainage``, ``roads``).
            asset_types: count only assets of these types (names of
                :data:`sim.networks.spec.ASSET_TYPES`, or an imported network's); None: all.
            im: count only failures caused by this intensity measure (e.g. ``flood_depth_m``;
                an inject's damage has none); None: whatever the cause. Needs ``asset_types``.

        Raises:
            ValueError: ``im`` given without ``asset_types``.
        """
        if im is not None:
            if asset_types is None:
                raise ValueError("damage_count(im=...) needs the asset types")
            return int(sum(self._damage_by_im.get((layer, t, im), 0) for t in asset_types))
        if asset_types is None:
            return int(self._damage_events.get(layer, 0))
        return int(sum(self._damage_by_type.get((layer, t), 0) for t in asset_types))

    def _count_damage(self, layer: str, nodes: np.ndarray, im: str | None = None) -> None:
        """Count the damage events of ``nodes`` of ``layer``, in all, by asset type and, when
        a hazard's intensity measure ``im`` caused them, by asset type and IM."""
        self._damage_events[layer] = self._damage_events.get(layer, 0) + nodes.size
        lay = self.layers[layer]
        codes = np.bincount(lay.nodes["asset_type"][nodes], minlength=len(lay.asset_types))
        for code in np.flatnonzero(codes):
            key = (layer, lay.asset_types[code])
            self._damage_by_type[key] = self._damage_by_type.get(key, 0) + int(codes[code])
            if im is not None:
                by_im = (*key, im)
                self._damage_by_im[by_im] = self._damage_by_im.get(by_im, 0) + int(codes[code])

    @property
    def trees_down(self) -> int:
        return self.trees.failed_total

    @property
    def waterlogged_road_points(self) -> int:
        """Road segments whose ponding reached 15 cm at least once."""
        return int(self.edge_ever_waterlogged.sum())

    @property
    def underpasses_closed_total(self) -> int:
        return int(self.underpass_ever_closed.sum())

    def drainage_pump_fraction(self) -> np.ndarray:
        """(D,) functioning share of drainage pumping capacity."""
        return drainage_capacity_fraction(
            self.layers["drainage"], self.functional["drainage"], self.n_districts
        )

    def households_without_gas(self) -> float:
        """Gas households without supply now (0 without a gas layer)."""
        if "gas" not in self.layers:
            return 0.0
        served, total = service_by_district(
            self.layers["gas"], self.functional["gas"], self.n_districts
        )
        return float(total.sum() - served.sum())

    def households_without_service(self) -> tuple[float, float]:
        """Households without power and without water now."""
        out = []
        for name in ("power", "water"):
            served, total = service_by_district(
                self.layers[name], self.functional[name], self.n_districts
            )
            out.append(float(total.sum() - served.sum()))
        return out[0], out[1]

    def add_outage_hours(self, dt_h: float) -> None:
        """Add ``dt_h`` hours to every power and water node out of service now (``outage_h``:
        the customers of node n were without service for ``outage_h[layer][n]`` hours, so
        Σ customers × outage_h is the layer's customer-hours)."""
        for name, hours in self.outage_h.items():
            hours += np.where(self.functional[name], 0.0, dt_h)

    @property
    def functionality_layers(self) -> tuple[str, ...]:
        """Layers with a district share of service, in the network's layer order: every
        household-serving layer registered in `sim.networks.services.SERVICE_LAYERS` (power,
        water, gas, telecom), drainage and roads."""
        return tuple(n for n in self.layers if n in HOUSEHOLD_LAYERS or n in ("drainage", "roads"))

    def district_functionality(self) -> dict[str, np.ndarray]:
        """Layer → (D,) share of service, for each of `functionality_layers`: households served
        (power, water, gas; telecom: households whose base-station site works), pumping
        capacity (drainage), passable road length (roads); 1.0 where a district has none."""
        res = {}
        for name in self.functionality_layers:
            if name in ("drainage", "roads"):
                continue
            served, total = service_by_district(
                self.layers[name], self.functional[name], self.n_districts
            )
            res[name] = np.divide(served, total, out=np.ones_like(served), where=total > 0)
        if "drainage" in self.layers:
            res["drainage"] = self.drainage_pump_fraction()
        if "roads" in self.layers:
            length = self.layers["roads"].edges["length_m"]
            passable = np.bincount(
                self.edge_district,
                weights=length * (self.edge_speed_factor > 0),
                minlength=self.n_districts,
            )
            total = np.bincount(self.edge_district, weights=length, minlength=self.n_districts)
            res["roads"] = np.divide(passable, total, out=np.ones_like(total), where=total > 0)
        return {n: res[n] for n in self.functionality_layers}

    # ------------------------------------------------------------------ dynamics
    def apply_hazard(
        self, ctx: RunContext, field, cell_ims: dict[str, np.ndarray] | None = None
    ) -> list[tuple[str, str, int]]:
        """Damage network assets by every IM they are fragile to; block roads by fallen trees.

        Args:
            ctx: the run's clock, event log and loss ledger (damage is logged and costed).
            field: the combined IMs of the active hazards
                (:class:`~sim.hazards.base.IntensityField`: ``provides(im)``, ``at(im, x, y)``).
            cell_ims: IMs known on the D·K waterlogging cells, added to the field at each
                asset's nearest cell (the model's rain ponding as ``flood_depth_m``, m).

        Returns:
            New damage as (incident kind, layer, node index) triples, plus
            ("road_blocked_by_tree", "roads", edge index) for newly blocked segments.
        """
        self.event_log = ctx.events
        cell_ims = cell_ims or {}
        new: list[tuple[str, str, int]] = []
        for name in self.layers:
            for im, idx in self.susceptible[name].items():
                if idx.size == 0 or not (field.provides(im) or im in cell_ims):
                    continue
                values = self._im_at(name, im, idx, field, cell_ims)
                new += self._fail(ctx, name, im, idx, values)
        # Street trees along road segments (counted exposure per edge, keyed by its IM).
        tree_im = self.trees.curve.im
        if field.provides(tree_im):
            fallen = self.trees.update(field.at(tree_im, *self.edge_mid)[:, None], self.rng)
            new += self._block_edges(ctx, fallen)
        return new

    def _im_at(self, name, im, idx, field, cell_ims) -> np.ndarray:
        """IM at assets ``idx`` of layer ``name``: the field at the asset plus the cell value."""
        nd = self.layers[name].nodes
        if field.provides(im):
            values = field.at(im, nd["x_m"][idx], nd["y_m"][idx])
            if im in cell_ims:
                values = cell_ims[im][self.cell[name][idx]] + values
            return values
        return cell_ims[im][self.cell[name][idx]]

    def _fail(self, ctx: RunContext, name, im, idx, values) -> list[tuple[str, str, int]]:
        """Fail assets whose IM exceeds their running peak and reaches their capacity."""
        nd, types = self.layers[name].nodes, self.layers[name].asset_types
        cap, peak = self.capacity[name][im], self.peak[name][im]
        fails = (values > peak[idx]) & (values >= cap[idx]) & ~self.damaged[name][idx]
        peak[idx] = np.maximum(peak[idx], values)
        hit = idx[fails]
        if hit.size == 0:
            return []
        self.damaged[name][hit] = True
        self._count_damage(name, hit, im)
        ctx.events.add_many(ctx.time, "damage", name, nd["district"][hit], hit, value=1.0)
        new, by_operator = [], []
        for i in hit:
            kind = INCIDENT_KIND.get((types[nd["asset_type"][i]], im), DEFAULT_INCIDENT_KIND)
            # a site node's equipment is priced per unit of resolution 1 (its stations)
            unit = self._site_share if kind in UNIT_PRICED_KINDS else 1.0
            ctx.losses.add(LOSS_ITEM[kind], unit)
            if kind not in OPERATOR_REPAIRED_KINDS:
                new.append((kind, name, int(i)))
            else:
                by_operator.append(int(i))
        if by_operator and name in self.restore_at:
            self._schedule_restoration(name, np.array(by_operator, np.int64), ctx.time)
        if name == "gas" and self.gas is not None:
            new += self._gas_fires(ctx, self.gas.release(ctx, hit, "shaking"))
        return new

    def _schedule_restoration(self, name: str, nodes: np.ndarray, t_h: float) -> None:
        """Draw the restoration hours of operator-repaired ``nodes`` of layer ``name`` failed at
        ``t_h`` (:func:`sim.networks.telecom.restoration_hours`, one draw per node in index
        order from stream ``operator_repair.<layer>``)."""
        median_h, beta = self._restoration[name]
        hours = restoration_hours(nodes.size, median_h, beta, self._restoration_rng[name])
        self.restore_at[name][nodes] = t_h + hours

    def operator_repairs(self, ctx: RunContext) -> int:
        """Restore the operator-repaired assets whose restoration time has come (at or before
        ``ctx.time``): undamaged again, each logged as an ``operator_repair`` event. A restored
        base-station site works again only with power (or within its battery hours): the
        cascade decides at the next functionality update, which the caller runs.

        Returns:
            The number of assets restored now.
        """
        count = 0
        for name, due_h in self.restore_at.items():
            due = np.flatnonzero(due_h <= ctx.time + 1e-9)
            if due.size == 0:
                continue
            due_h[due] = np.inf
            self.damaged[name][due] = False
            nd = self.layers[name].nodes["district"]
            ctx.events.add_many(ctx.time, "operator_repair", name, nd[due], due)
            count += int(due.size)
        self.operator_repaired += count
        return count

    # ------------------------------------------------------------------ gas
    def _gas_fires(self, ctx: RunContext, nodes: list[int]) -> list[tuple[str, str, int]]:
        """Close the road segment over each burning main (the first open segment at its road
        node) until the ``gas_fire`` job is done; returns those jobs."""
        roads = self.layers["roads"].edges
        out = []
        for i in nodes:
            r = self.layers["gas"].nodes["road_node"][i]
            at = np.flatnonzero(((roads["u"] == r) | (roads["v"] == r)) & ~self.edge_closed)
            if at.size:
                self.close_edges(at[:1])
                ctx.log_event("road_closed", district=int(self.edge_district[at[0]]),
                              layer="roads", asset=int(at[0]), detail="gas_fire")  # fmt: skip
                out.append(("gas_fire", "roads_closed", int(at[0])))
        return out

    def _gas_damage(self, ctx: RunContext, nodes: np.ndarray, cause: str):
        """Fail gas mains ``nodes`` (isolated at once), release and ignite; returns the jobs."""
        if nodes.size == 0:
            return []
        self.damage_nodes(ctx, "gas", nodes, LOSS_ITEM["gas_leak"])
        new = [("gas_leak", "gas", int(i)) for i in nodes]
        return new + self._gas_fires(ctx, self.gas.release(ctx, nodes, cause))

    def gas_strikes(self, ctx: RunContext, dt_h: float) -> list[tuple[str, str, int]]:
        """Third-party strikes on gas mains over the last ``dt_h`` hours
        (:meth:`sim.networks.gas_leaks.GasLeaks.strikes`); returns the new jobs."""
        if self.gas is None:
            return []
        return self._gas_damage(ctx, self.gas.strikes(dt_h, self.damaged["gas"]), "strike")

    def gas_under_roads(self, ctx: RunContext, edges) -> list[tuple[str, str, int]]:
        """A road collapse breaks the gas main under it: for each collapsed segment, the
        undamaged main nearest its midpoint among those laid at its end intersections
        (``road_node``), if any (assumption: mains follow the roads). Returns the new jobs."""
        if self.gas is None:
            return []
        gas = self.layers["gas"].nodes
        e = self.layers["roads"].edges
        hit = set()
        for j in np.asarray(edges, dtype=np.int64).tolist():
            ok = np.isin(gas["road_node"], (e["u"][j], e["v"][j])) & self.gas.is_main
            cand = np.flatnonzero(ok & ~self.damaged["gas"])
            cand = np.array([c for c in cand.tolist() if c not in hit], dtype=np.int64)
            if cand.size:
                mx, my = self.edge_mid[0][j], self.edge_mid[1][j]
                hit.add(
                    int(cand[np.argmin(np.hypot(gas["x_m"][cand] - mx, gas["y_m"][cand] - my))])
                )
        return self._gas_damage(ctx, np.array(sorted(hit), dtype=np.int64), "collapse")

    def _block_edges(self, ctx: RunContext, fallen: np.ndarray) -> list[tuple[str, str, int]]:
        """Book fallen trees; block the segments newly hit."""
        newly_blocked = np.flatnonzero((fallen > 0) & ~self.edge_blocked)
        if fallen.sum():
            ctx.losses.add("tree_down", int(fallen.sum()))
        if newly_blocked.size:
            self.edge_blocked[newly_blocked] = True
            ctx.events.add_many(
                ctx.time,
                "road_blocked",
                "roads",
                self.edge_district[newly_blocked],
                newly_blocked,
            )
        return [("road_blocked_by_tree", "roads", int(j)) for j in newly_blocked]

    def update_roads(
        self,
        ctx: RunContext,
        depth_cells: np.ndarray,
        concentration: float,
        close: bool,
        closure_depth_m: float,
        field=None,
    ) -> list[int]:
        """Road speeds from ponding, hazard flood depth and blockages; underpass closures and
        alarms.

        Args:
            ctx: the run's clock and event log (waterlogging and closures are logged).
            depth_cells: (D·K,) rain ponding depth of each cell, m (sags and underpass
                concentration apply to it).
            concentration: underpass depth / cell depth (``drainage.underpass_concentration``).
            close: whether flooded underpasses are closed (``response.close_underpasses``).
            closure_depth_m: underpass depth at which it closes, m.
            field: optional :class:`~sim.hazards.base.IntensityField`; where it provides
                ``flood_depth_m`` (a storm surge), that depth at segment midpoints and
                underpasses adds to the ponding.

        Returns:
            Underpass positions (indices into ``underpass_nodes``) newly above the 15 cm
            alarm (scenarios/data/shanghai/facts.md §4), each an incident for drainage crews.
        """
        roads = self.layers["roads"]
        flooded = field is not None and field.provides(ROAD_FLOOD_IM)
        edge_depth = depth_cells[self.edge_cell] * self.edge_sag
        if flooded:
            edge_depth = edge_depth + field.at(ROAD_FLOOD_IM, *self.edge_mid)
        newly = (edge_depth >= WATERLOGGED_DEPTH_M) & ~self.edge_ever_waterlogged
        if newly.any():
            self.edge_ever_waterlogged |= newly
            ctx.events.add_many(
                ctx.time, "waterlogged", "roads", self.edge_district[newly], np.flatnonzero(newly)
            )
        factor = road_speed_factor(edge_depth)
        factor = np.where(self.edge_blocked, 0.0, factor)
        if self.edge_closed.any():
            factor = np.where(self.edge_closed, 0.0, factor)
        up_depth = depth_cells[self.cell["roads"][self.underpass_nodes]] * concentration
        if flooded:
            up = self.underpass_nodes
            up_depth = up_depth + field.at(
                ROAD_FLOOD_IM, roads.nodes["x_m"][up], roads.nodes["y_m"][up]
            )
        if close:
            now_closed = up_depth >= closure_depth_m
            for i in np.flatnonzero(now_closed & ~self.underpass_closed):
                node = int(self.underpass_nodes[i])
                ctx.log_event(
                    "underpass_closed",
                    district=int(roads.nodes["district"][node]),
                    layer="roads",
                    asset=node,
                    value=float(up_depth[i]),
                )
            self.underpass_ever_closed |= now_closed
            self.underpass_closed = now_closed
            closed_nodes = self.underpass_nodes[self.underpass_closed]
            if closed_nodes.size:
                e = roads.edges
                touches = np.isin(e["u"], closed_nodes) | np.isin(e["v"], closed_nodes)
                factor = np.where(touches, 0.0, factor)
        self.edge_speed_factor = factor
        alarm = (up_depth >= 0.15) & ~self.underpass_alarmed
        self.underpass_alarmed |= up_depth >= 0.15
        self.underpass_alarmed &= up_depth >= 0.05  # drained: a second flooding is new
        return [int(i) for i in np.flatnonzero(alarm)]

    def update_functionality(
        self, t_h: float, log: EventLog | None = None
    ) -> dict[str, np.ndarray]:
        """Run the cascade engine on the current damage; returns layer → functional mask.

        Overload trips and re-energisations since the last update are counted in
        `overload_trips` and logged (events ``overload_trip`` / ``overload_clear``) in
        ``log``, or in `event_log` when no log is given.
        """
        self.functional = self.cascade.update(self.damaged, t_h)
        log = log if log is not None else self.event_log
        for name, now in self.cascade.tripped.items():
            before = self.tripped[name]
            if np.array_equal(now, before):
                continue
            new, cleared = np.flatnonzero(now & ~before), np.flatnonzero(before & ~now)
            self.overload_trips += new.size
            if log is not None:
                nd = self.layers[name].nodes["district"]
                for kind, idx in (("overload_trip", new), ("overload_clear", cleared)):
                    if idx.size:
                        log.add_many(t_h, kind, name, nd[idx], idx)
            self.tripped[name] = now.copy()
        return self.functional

    def peak_over_capacity(self, layer: str, node: int, im: str) -> float:
        """An asset's running peak of ``im`` over its capacity in it (>= 1 once it failed by
        it): how far beyond its damage threshold the hazard took it
        (:mod:`sim.damage.restoration` reads the damage state from it)."""
        return float(self.peak[layer][im][node] / self.capacity[layer][im][node])

    def repair_node(self, layer: str, node: int) -> None:
        """Restore a damaged asset (a completed repair job).

        When this was the last damaged asset, functionality is refreshed at once (at the
        engine's last update time): the model skips the cascade while nothing is damaged, so
        the last repair would otherwise never show in the service shares.
        """
        self.damaged[layer][node] = False
        if not any(d.any() for d in self.damaged.values()):
            self.update_functionality(self.cascade.last_t_h)

    def damage_nodes(self, ctx: RunContext, layer: str, nodes: np.ndarray, loss_item: str) -> None:
        """Mark assets damaged by an inject (a pipe burst): counted, logged and costed like
        hazard damage (in ``ctx``'s event log and loss ledger); service shares follow at once."""
        nodes = np.asarray(nodes, dtype=np.int64)
        self.damaged[layer][nodes] = True
        self._count_damage(layer, nodes)
        district = self.layers[layer].nodes["district"][nodes]
        ctx.events.add_many(ctx.time, "damage", layer, district, nodes, value=1.0)
        ctx.losses.add(loss_item, int(nodes.size))
        self.update_functionality(ctx.time, ctx.events)

    def close_edges(self, edges: np.ndarray) -> None:
        """Close road segments (a collapse, a bridge or tunnel closure) until reopened."""
        edges = np.asarray(edges, dtype=np.int64)
        self.edge_closed[edges] = True
        self.edge_speed_factor = self.edge_speed_factor.copy()
        self.edge_speed_factor[edges] = 0.0

    def reopen_edges(self, edges: np.ndarray) -> None:
        """Reopen closed segments; their speed is free-flow until the next road update
        recomputes ponding (segments still blocked by trees stay shut)."""
        edges = np.asarray(edges, dtype=np.int64)
        self.edge_closed[edges] = False
        self.edge_speed_factor = self.edge_speed_factor.copy()
        self.edge_speed_factor[edges] = np.where(self.edge_blocked[edges], 0.0, 1.0)

    def clear_edge(self, edge: int) -> None:
        """Reopen a road segment after its fallen trees are cleared."""
        self.edge_blocked[edge] = False
