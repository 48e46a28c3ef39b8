"""The model's infrastructure state: capacities, damage, functionality, outages.

Wraps the multilayer network (:mod:`sim.networks`) with what a run needs:

* each asset's capacity drawn once from its lognormal fragility (wind: 3-s gust m/s; flood:
  depth m); an asset fails when the intensity exceeds both its capacity and its running
  peak (so a repaired asset fails again only under a stronger load);
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
from sim.networks.overload import OverloadRule

if TYPE_CHECKING:
    from sim.city import City
    from sim.scenario.schema import Scenario

SERVICE_LAYERS = ("power", "water", "drainage")
TREES_PER_ROAD_KM = 55.0
"""Street trees exposed per road km (both sides): calibration parameter. 55/km on the
~11,500 km generated network (~630,000 trees) brings ~3,000 trees down under the Lekima
gust field with the ``urban_tree`` curve (observed 2,984, facts.md §2c)."""
WATERLOGGED_DEPTH_M = 0.15
"""Road waterlogging point: ponding of 15 cm or more (facts.md §4: the 15 cm alarm level)."""
SAG_SIGMA = 1.0
"""Log-standard deviation of road segments' low-spot factor (mean 1): water collects in sags
and at blocked inlets, so a few segments hold several times the cell's mean ponding depth.
Assumption; calibration parameter for the count of waterlogging points."""

INCIDENT_KIND = {
    ("distribution_transformer_10kv", "wind"): "power_line_fault",
    ("distribution_transformer_10kv", "flood"): "substation_flood",
    ("substation_110_35kv", "flood"): "substation_flood",
    ("substation_220kv", "flood"): "substation_flood",
    ("water_plant", "flood"): "pump_station_failure",
    ("booster_pumping_station", "flood"): "pump_station_failure",
    ("drainage_pumping_station_municipal", "flood"): "pump_station_failure",
    ("drainage_pumping_station_district", "flood"): "pump_station_failure",
}
LOSS_ITEM = {
    "power_line_fault": "power_fault",
    "substation_flood": "substation_flood",
    "pump_station_failure": "pump_station_flood",
}


class Infrastructure:
    """Networks and their damage state during a run.

    Args:
        city: the city.
        config: the scenario (``networks`` section).
        streams: the model's :class:`~sim.core.streams.RandomStreams`: ``networks`` for
            generation and imports, ``capacity.<layer>.<im>`` per layer and intensity measure,
            ``roads.sag`` and ``trees`` (so an imported layer moves no other layer's draws).
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
        )
        self.net = generate_city_networks(city, spec, rng_networks)
        # Imports draw after generation: scenarios without imports keep their networks.
        self.net = import_networks(self.net, city, cfg.imports, spec, rng_networks)
        assign_fragility(self.net, get_curve=curve)
        lr = cfg.load_redistribution
        rules = (
            [OverloadRule(self.net.layers[k], lr.alpha, load=lr.load) for k in lr.layers]
            if lr is not None
            else []
        )
        self.cascade = CascadeEngine(self.net, mechanism=cfg.cascade, overload=rules)
        self.n_districts = city.n_districts
        self.layers = self.net.layers
        cells = cKDTree(np.column_stack(cell_xy))
        self.damaged: dict[str, np.ndarray] = {}
        self.wind_capacity: dict[str, np.ndarray] = {}
        self.flood_capacity: dict[str, np.ndarray] = {}
        self.peak_gust: dict[str, np.ndarray] = {}
        self.peak_depth: dict[str, np.ndarray] = {}
        self.cell: dict[str, np.ndarray] = {}
        for name, layer in self.layers.items():
            n = layer.n_nodes
            nd = layer.nodes
            self.damaged[name] = np.zeros(n, dtype=bool)
            self.wind_capacity[name] = sample_capacity(
                nd["wind_theta_ms"], nd["wind_beta"], streams[f"capacity.{name}.wind"], n
            )
            self.flood_capacity[name] = sample_capacity(
                nd["flood_theta_m"], nd["flood_beta"], streams[f"capacity.{name}.flood"], n
            )
            self.peak_gust[name] = np.zeros(n)
            self.peak_depth[name] = np.zeros(n)
            self.cell[name] = cells.query(np.column_stack([nd["x_m"], nd["y_m"]]))[1]
        self.wind_nodes = {k: np.flatnonzero(np.isfinite(v)) for k, v in self.wind_capacity.items()}
        self.flood_nodes = {
            k: np.flatnonzero(np.isfinite(v)) for k, v in self.flood_capacity.items()
        }

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
        self._damage_events: dict[str, int] = {}
        self.functional = self.cascade.update(self.damaged, 0.0)
        self.tripped = {k: v.copy() for k, v in self.cascade.tripped.items()}
        self.overload_trips = 0
        self.event_log = None  # the model's EventLog, taken at the first apply_hazard

    # ------------------------------------------------------------------ queries
    @property
    def n_assets(self) -> int:
        return int(sum(layer.n_nodes for layer in self.layers.values()))

    def damage_count(self, layer: str) -> int:
        """Damage events (failures, counting repeats after repair) recorded on a layer."""
        return int(self._damage_events.get(layer, 0))

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

    def households_without_service(self) -> tuple[float, float]:
        """Households without power and without water now."""
        out = []
        for name in ("power", "water"):
            served, total = service_by_district(
                self.layers[name], self.functional[name], self.n_districts
            )
            out.append(float(total.sum() - served.sum()))
        return out[0], out[1]

    def district_functionality(self) -> dict[str, np.ndarray]:
        """Layer → (D,) share of service: households served (power, water), pumping capacity
        (drainage), passable road length (roads)."""
        res = {}
        for name in ("power", "water"):
            served, total = service_by_district(
                self.layers[name], self.functional[name], self.n_districts
            )
            res[name] = np.divide(served, total, out=np.ones_like(served), where=total > 0)
        res["drainage"] = self.drainage_pump_fraction()
        length = self.layers["roads"].edges["length_m"]
        passable = np.bincount(
            self.edge_district,
            weights=length * (self.edge_speed_factor > 0),
            minlength=self.n_districts,
        )
        total = np.bincount(self.edge_district, weights=length, minlength=self.n_districts)
        res["roads"] = np.divide(passable, total, out=np.ones_like(total), where=total > 0)
        return res

    # ------------------------------------------------------------------ dynamics
    def apply_hazard(
        self, model, hazard, now_utc, depth_cells: np.ndarray
    ) -> list[tuple[str, str, int]]:
        """Damage network assets by wind and flood; block roads by fallen trees.

        Args:
            model: the model (event log, loss ledger).
            hazard: the typhoon hazard (``gust_ms(time, x, y)``).
            now_utc: current time.
            depth_cells: (D·K,) road ponding depth of each cell, m.

        Returns:
            New damage as (incident kind, layer, node index) triples, plus
            ("road_blocked_by_tree", "roads", edge index) for newly blocked segments.
        """
        self.event_log = model.events
        new: list[tuple[str, str, int]] = []
        for name, layer in self.layers.items():
            nd = layer.nodes
            types = layer.asset_types
            for mode, idx, cap, peak, im_fn in (
                (
                    "wind",
                    self.wind_nodes[name],
                    self.wind_capacity[name],
                    self.peak_gust[name],
                    lambda i, nd=nd: hazard.gust_ms(now_utc, nd["x_m"][i], nd["y_m"][i]),
                ),
                (
                    "flood",
                    self.flood_nodes[name],
                    self.flood_capacity[name],
                    self.peak_depth[name],
                    lambda i, name=name: depth_cells[self.cell[name][i]],
                ),
            ):
                if idx.size == 0:
                    continue
                im = im_fn(idx)
                fails = (im > peak[idx]) & (im >= cap[idx]) & ~self.damaged[name][idx]
                peak[idx] = np.maximum(peak[idx], im)
                hit = idx[fails]
                if hit.size == 0:
                    continue
                self.damaged[name][hit] = True
                self._damage_events[name] = self._damage_events.get(name, 0) + hit.size
                model.events.add_many(
                    model.time, "damage", name, nd["district"][hit], hit, value=1.0
                )
                for i in hit:
                    kind = INCIDENT_KIND.get(
                        (types[nd["asset_type"][i]], mode), "pump_station_failure"
                    )
                    model.losses.add(LOSS_ITEM[kind], 1)
                    new.append((kind, name, int(i)))
        # Street trees along road segments.
        gust_edges = hazard.gust_ms(now_utc, *self.edge_mid)
        fallen = self.trees.update(gust_edges[:, None], self.rng)
        newly_blocked = np.flatnonzero((fallen > 0) & ~self.edge_blocked)
        if fallen.sum():
            model.losses.add("tree_down", int(fallen.sum()))
        if newly_blocked.size:
            self.edge_blocked[newly_blocked] = True
            model.events.add_many(
                model.time,
                "road_blocked",
                "roads",
                self.edge_district[newly_blocked],
                newly_blocked,
            )
            new += [("road_blocked_by_tree", "roads", int(j)) for j in newly_blocked]
        return new

    def update_roads(
        self, model, depth_cells: np.ndarray, concentration: float, close: bool
    ) -> list[int]:
        """Road speeds from ponding and blockages; underpass closures and alarms.

        Returns:
            Underpass positions (indices into ``underpass_nodes``) newly above the 15 cm
            alarm (facts.md §4), each an incident for drainage crews.
        """
        edge_depth = depth_cells[self.edge_cell] * self.edge_sag
        newly = (edge_depth >= WATERLOGGED_DEPTH_M) & ~self.edge_ever_waterlogged
        if newly.any():
            self.edge_ever_waterlogged |= newly
            model.events.add_many(
                model.time, "waterlogged", "roads", self.edge_district[newly], np.flatnonzero(newly)
            )
        factor = road_speed_factor(edge_depth)
        factor = np.where(self.edge_blocked, 0.0, factor)
        if self.edge_closed.any():
            factor = np.where(self.edge_closed, 0.0, factor)
        roads = self.layers["roads"]
        up_depth = depth_cells[self.cell["roads"][self.underpass_nodes]] * concentration
        if close:
            now_closed = up_depth >= model.config.drainage.underpass_closure_depth_m
            for i in np.flatnonzero(now_closed & ~self.underpass_closed):
                node = int(self.underpass_nodes[i])
                model.log_event(
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

    def update_functionality(self, t_h: float, model=None) -> dict[str, np.ndarray]:
        """Run the cascade engine on the current damage; returns layer → functional mask.

        Overload trips and re-energisations since the last update are counted in
        `overload_trips` and logged (events ``overload_trip`` / ``overload_clear``) in
        `model.events`, or in `event_log` when no model is given.
        """
        self.functional = self.cascade.update(self.damaged, t_h)
        log = model.events if model is not None else self.event_log
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

    def repair_node(self, layer: str, node: int) -> None:
        """Restore a damaged asset (a completed repair job).

        When this was the last damaged asset, functionality is refreshed at once (at the
        engine's last update time): the model skips the cascade while nothing is damaged, so
        the last repair would otherwise never show in the service shares.
        """
        self.damaged[layer][node] = False
        if not any(d.any() for d in self.damaged.values()):
            self.update_functionality(self.cascade.last_t_h)

    def damage_nodes(self, model, layer: str, nodes: np.ndarray, loss_item: str) -> None:
        """Mark assets damaged by an inject (a pipe burst): counted, logged and costed like
        hazard damage; service shares follow at once."""
        nodes = np.asarray(nodes, dtype=np.int64)
        self.damaged[layer][nodes] = True
        self._damage_events[layer] = self._damage_events.get(layer, 0) + nodes.size
        district = self.layers[layer].nodes["district"][nodes]
        model.events.add_many(model.time, "damage", layer, district, nodes, value=1.0)
        model.losses.add(loss_item, int(nodes.size))
        self.update_functionality(model.time, model)

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
