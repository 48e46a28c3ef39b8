"""The telecom layer: mobile base-station sites and backbone nodes, fed by the power layer.

Counts (`NetworkSpec` fields, sim/networks/spec.py): the city's base stations (4G + 5G) from
its profile (``city.yaml`` ``networks.telecom_base_stations``, with its source), else the
generic density ``persons_per_base_station``; split over districts in proportion to
population (assumption: sites follow people and traffic). Sites are aggregated: one *site
node* stands for ``base_stations_per_site_node`` base stations of its district (its node
field ``base_stations``), one *backbone node* (operators' aggregation and core equipment
rooms) for ``base_stations_per_backbone_node``, at least one per district.

Wiring: backbone nodes are the layer's sources, meshed city-wide by a Gabriel graph (fibre
rings); each site node hangs on the nearest backbone node of its district (backhaul). With
the cascade's source-served rule a site works while it is undamaged, reaches a working
backbone node and has power.

Dependencies (physical, Rinaldi et al. 2001): a site node needs the nearest 10 kV
distribution transformer of its district, with ``base_station_backup_h`` hours of battery; a
backbone node the nearest 110/35 kV substation of its district, with ``backbone_backup_h``
hours. So a site fails once its power has been out for its backup hours
(:class:`sim.networks.cascade.CascadeEngine`, rule (c)).

Damage: site nodes carry the wind curve ``telecom_mast_wind`` (sim/networks/spec.py
``DEFAULT_FRAGILITY_TABLE``). The operators repair their own sites: a damaged site raises no
incident for the city's emergency teams (`sim.networks.infrastructure.OPERATOR_REPAIRED_KINDS`);
it comes back after a restoration time drawn per site at its failure from a lognormal
distribution (repair by the operator's crews, or an emergency vehicle / portable station
standing in for it), :func:`restoration_hours`, whose median and dispersion (scenario
``networks.telecom_restoration_median_h``, ``networks.telecom_restoration_beta``) are the fit
:func:`fit_restoration` to the restoration shares reported after typhoons,
:data:`SITE_RESTORATION_REPORTS`. A restored site still needs power: one whose supplier has
been out longer than its battery hours stays down until power returns (the cascade's rule (c)).

Service: site nodes carry their district's households (split evenly), so the served share of
the telecom layer is the share of households whose cell site works.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import norm

from sim.networks.multilayer import Dependency, Layer
from sim.networks.services import register_layer, register_service_layer
from sim.networks.spatial import allocate_integer, edge_lengths, gabriel_edges, nearest_in_group
from sim.networks.spec import ASSET_TYPES, LAYER_ASSET_TYPES, TELECOM_EDGE_TYPES, NetworkSpec

LAYER = "telecom"
SITE = "telecom_base_station_site"
BACKBONE = "telecom_backbone_node"

# households whose base-station site is down lose mobile service: counted by analyses such as
# the criticality ranking (sim.networks.services)
register_service_layer(LAYER, (), "#ff7f0e")
register_layer(LAYER, "Mobile telecom", "#ff7f0e", "P", "telecom sites failed")


SITE_RESTORATION_REPORTS = (
    (24.0, 0.733, "Pakhar 2017, Guangdong: 4,983 sites repaired, 73.3 % of the sites out of "
     "service, at 28 Aug 09:00 BJT, 24 h after Pakhar's landfall (Hato's sites of 23 Aug "
     "counted too)", "通信产业报 2017 no. 33, m.fx361.cc/news/2017/1017/2373948.html"),
    (31.0, 0.95, "Talas 2017, Hainan: 684 sites out (power cuts, transmission); 'basically "
     "restored' by 18 Jul 10:00, 31 h after landfall (17 Jul 03:00); read as 95 % "
     "(assumption)", "MIIT telecom administration bureau, ceprei.com/contents/4/9790.html"),
    (44.0, 0.99, "Lekima 2019, the shipped case study's city: 85 sites out at 11 Aug 06:00 "
     "BJT, 'communications back to normal' at 12 Aug 08:00, 44 h after the strongest winds "
     "(10 Aug ~12:00); read as 99 % (assumption)", "MIIT, m.5b0.com/zixun/6555.html and "
     "gg1fic3.cn/viewnews-2279019.html"),
)  # fmt: skip
"""Reported restoration of mobile base-station sites after typhoons: (hours after the storm's
peak, share of the sites out of service back in service, event, source). Outages of every cause
(masts, power, transmission) are counted together in these reports; they are used as the
restoration of a site its operator restores (assumption). A severe storm restores slower: after
super typhoon Yagi (Hainan, landfall 6 Sep 2024 16:20 BJT) 14,031 of 28,107 sites were back
50 h later (Hainan Communications Administration, via chinanews, haochake.cn/hnnew/2024-09-09/
710624.html), a median near 50 h, which ``networks.telecom_restoration_median_h`` can set."""


def fit_restoration(reports=SITE_RESTORATION_REPORTS) -> tuple[float, float]:
    """Lognormal restoration time fitted to reported (hours, share restored) points.

    Least squares of ln(hours) on the standard normal quantile of the share
    (``ln t = ln median + beta · Φ⁻¹(share)``, the lognormal CDF's probit line).

    Args:
        reports: rows (hours > 0, share in (0, 1), ...), at least two distinct shares.

    Returns:
        (median hours, beta = log-standard deviation).
    """
    hours = np.array([r[0] for r in reports], float)
    z = norm.ppf(np.array([r[1] for r in reports], float))
    beta, ln_median = np.polyfit(z, np.log(hours), 1)
    return float(np.exp(ln_median)), float(beta)


def restoration_hours(n: int, median_h: float, beta: float, rng) -> np.ndarray:
    """(n,) restoration times of failed sites, hours: ``median_h · exp(beta · z)``,
    z ~ N(0, 1) from ``rng`` (the stream ``operator_repair.telecom``); beta 0 gives the median.

    Raises:
        ValueError: ``median_h`` not > 0 or ``beta`` < 0.
    """
    if not median_h > 0 or not beta >= 0:
        raise ValueError(f"restoration needs median_h > 0 and beta >= 0, got {median_h}, {beta}")
    return median_h * np.exp(beta * rng.standard_normal(int(n)))


def city_base_stations(spec: NetworkSpec) -> float:
    """Base stations of the city: its statistic, else population / persons per station."""
    if spec.telecom_base_stations is not None:
        return float(spec.telecom_base_stations)
    return spec.statistics_population / spec.persons_per_base_station


def district_base_stations(spec: NetworkSpec, population: np.ndarray) -> np.ndarray:
    """(D,) whole base stations per district, ∝ population, summing to the city's count
    scaled to the districts' population (the statistic may refer to another population)."""
    pop = np.asarray(population, float)
    total = city_base_stations(spec) * pop.sum() / spec.statistics_population
    return allocate_integer(max(int(round(total)), len(pop)), pop, minimum=1)


def build_telecom(
    city, spec: NetworkSpec, population: np.ndarray, households: np.ndarray, sample: Callable, rng
) -> Layer:
    """The telecom layer of a city.

    Args:
        city: the city (``sample_points`` through ``sample``).
        spec: counts and aggregation (`NetworkSpec`).
        population, households: (D,) persons and households per district.
        sample: ``sample(city, counts, rng) -> (xy, district)``, the generator's sampler.
        rng: the generator's stream (drawn after every other layer, so their draws stay).

    Returns:
        Layer "telecom": backbone nodes first (sources), then site nodes; node field
        ``base_stations`` (stations a node stands for; 0 for backbone nodes).
    """
    n_d = len(population)
    stations = district_base_stations(spec, population)
    n_bb = np.maximum(1, np.round(stations / spec.base_stations_per_backbone_node)).astype(int)
    n_site = np.maximum(
        1, np.round(stations / spec.base_stations_per_site_node * spec.resolution)
    ).astype(int)
    xy_bb, d_bb = sample(city, n_bb, rng)
    xy_site, d_site = sample(city, n_site, rng)
    b, s = len(xy_bb), len(xy_site)
    xy = np.vstack([xy_bb, xy_site])
    district = np.concatenate([d_bb, d_site])
    code = np.repeat([0, 1], [b, s])
    bu, bv = gabriel_edges(xy_bb) if b >= 2 else (np.empty(0, int), np.empty(0, int))
    hub = nearest_in_group(xy_site, d_site, xy_bb, d_bb)
    u = np.concatenate([bu, b + np.arange(s)])
    v = np.concatenate([bv, hub])
    per_node = np.zeros(b + s)
    customers = np.zeros(b + s)
    for d in range(n_d):
        idx = b + np.flatnonzero(d_site == d)
        per_node[idx] = allocate_integer(int(stations[d]), np.ones(idx.size))
        customers[idx] = allocate_integer(int(round(households[d])), np.ones(idx.size))
    types = LAYER_ASSET_TYPES[LAYER]
    life = np.array([ASSET_TYPES[t].design_life_years for t in types])[code]
    nodes = {
        "x_m": xy[:, 0].copy(),
        "y_m": xy[:, 1].copy(),
        "district": district.astype(np.int64),
        "asset_type": code.astype(np.int64),
        "age_years": rng.uniform(0.0, life),
        "capacity": per_node,
        "is_source": code == 0,
        "customers_households": customers,
        "replacement_cost_yuan": np.array([ASSET_TYPES[t].replacement_cost_yuan for t in types])[
            code
        ],
        "base_stations": per_node,
    }
    edges = {
        "u": u,
        "v": v,
        "length_m": edge_lengths(xy, u, v),
        "edge_type": np.repeat([0, 1], [len(bu), s]),
    }
    return Layer(LAYER, nodes, edges, types, TELECOM_EDGE_TYPES)


def nearest_of_type(src: Layer, sel: np.ndarray, dst: Layer, type_name: str) -> np.ndarray:
    """Index in ``dst`` of the nearest node of ``type_name`` in the same district, for each
    node ``sel`` of ``src``."""
    t = np.flatnonzero(dst.nodes["asset_type"] == dst.asset_type_code(type_name))
    xy_t = np.column_stack([dst.nodes["x_m"][t], dst.nodes["y_m"][t]])
    xy_q = np.column_stack([src.nodes["x_m"][sel], src.nodes["y_m"][sel]])
    return t[nearest_in_group(xy_q, src.nodes["district"][sel], xy_t, dst.nodes["district"][t])]


def telecom_dependencies(telecom: Layer, power: Layer, spec: NetworkSpec) -> list[Dependency]:
    """Sites on the nearest 10 kV transformer, backbone nodes on the nearest 110/35 kV
    substation of their district, each with its backup hours (module docstring)."""
    site = np.flatnonzero(telecom.nodes["asset_type"] == telecom.asset_type_code(SITE))
    bb = np.flatnonzero(telecom.nodes["asset_type"] == telecom.asset_type_code(BACKBONE))
    return [
        Dependency(
            "physical",
            LAYER,
            "power",
            site,
            nearest_of_type(telecom, site, power, "distribution_transformer_10kv"),
            spec.base_station_backup_h,
            f"base-station site fed from the nearest 10 kV feeder node; "
            f"{spec.base_station_backup_h:g} h of battery (assumption)",
        ),
        Dependency(
            "physical",
            LAYER,
            "power",
            bb,
            nearest_of_type(telecom, bb, power, "substation_110_35kv"),
            spec.backbone_backup_h,
            f"backbone node fed from the nearest 110/35 kV substation; "
            f"{spec.backbone_backup_h:g} h of battery and generator (assumption)",
        ),
    ]


def stations_down(layer: Layer, functional: np.ndarray) -> int:
    """Base stations out of service now: those of the site nodes not functional."""
    return int(np.sum(np.where(functional, 0.0, layer.nodes["base_stations"])))


def telecom_share_by_district(layer: Layer, functional: np.ndarray, n_districts: int) -> np.ndarray:
    """(D,) share of each district's households whose site works (1 where none counted)."""
    w = layer.nodes["customers_households"]
    d = layer.nodes["district"]
    total = np.bincount(d, weights=w, minlength=n_districts)
    served = np.bincount(d, weights=np.where(functional, w, 0.0), minlength=n_districts)
    return np.divide(served, total, out=np.ones(n_districts), where=total > 0)


def city_stations(layer: Layer) -> int:
    """Base stations of the layer's city: the sum of its site nodes' ``base_stations`` (the
    total that ``telecom_sites_down`` and :func:`stations_down` are out of)."""
    return int(round(float(np.sum(layer.nodes["base_stations"]))))


def stations_on_backup(layer: Layer, dependencies, functional: dict[str, np.ndarray]) -> int:
    """Base stations working on their backup now: those of the working site nodes whose power
    supplier (a `sim.networks.multilayer.Dependency` of this layer) is out of service — a site
    past its ``buffer_h`` hours would have failed (:class:`sim.networks.cascade.CascadeEngine`).

    Args:
        layer: the telecom layer.
        dependencies: the network's dependencies (any layer's; those of telecom are read).
        functional: layer name → (n,) bool functional now (`Infrastructure.functional`).
    """
    lost = np.zeros(layer.n_nodes, dtype=bool)
    for dep in dependencies:
        if dep.dependent_layer == LAYER and dep.supplier_layer in functional:
            cut = ~np.asarray(functional[dep.supplier_layer], dtype=bool)[dep.supplier]
            lost[dep.dependent[cut]] = True
    is_site = layer.nodes["asset_type"] == layer.asset_type_code(SITE)
    working = np.asarray(functional[LAYER], dtype=bool) & is_site & lost
    return int(round(float(np.sum(layer.nodes["base_stations"][working]))))
