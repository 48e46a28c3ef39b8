"""City network generator: invariants on the toy city and on Shanghai (when sim.city exists)."""

import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sim.city.profile import load_profile
from sim.networks import CascadeEngine, NetworkError, NetworkSpec, assign_fragility
from sim.networks import generate_city_networks as generate
from sim.networks.cascade import source_served_mask
from sim.networks.toy import make_toy_city


def _spec(**params) -> NetworkSpec:
    """The generator spec with the Shanghai statistics (scenarios/data/shanghai/city.yaml)."""
    stats = load_profile(Path(__file__).parents[1] / "scenarios/data/shanghai").network_statistics
    return NetworkSpec.for_city(stats, **params)


SHANGHAI_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "shanghai"


@pytest.fixture(scope="module")
def toy():
    city = make_toy_city()
    spec = _spec().scaled_to_population(city.districts["population"].sum())
    return city, spec, generate(city, spec, np.random.default_rng(7))


@pytest.fixture(scope="module")
def shanghai():
    from sim.city import load_city  # the shipped Shanghai data must load: no skip

    city = load_city(SHANGHAI_DIR)
    spec = _spec()
    t0 = time.perf_counter()
    net = generate(city, spec, np.random.default_rng(2019))
    return city, spec, net, time.perf_counter() - t0


# --------------------------------------------------------------------------------------------
# invariants shared by both cities
# --------------------------------------------------------------------------------------------
def check_nodes_inside_their_district(city, net):
    for name, layer in net.layers.items():
        loc = city.locate(layer.nodes["x_m"], layer.nodes["y_m"])
        bad = np.flatnonzero(loc != layer.nodes["district"])
        assert bad.size == 0, f"{name}: {bad.size} nodes outside their district, e.g. {bad[:5]}"


def check_every_customer_reaches_a_source(net):
    for name in ("power", "water", "drainage"):
        layer = net.layers[name]
        ok = layer.closed_edge_mask()
        served = source_served_mask(
            layer.n_nodes,
            layer.edges["u"][ok],
            layer.edges["v"][ok],
            np.ones(layer.n_nodes, bool),
            layer.nodes["is_source"],
        )
        assert served.all(), f"{name}: {(~served).sum()} nodes cannot reach a source"
    func = CascadeEngine(net).update({}, 0.0)
    assert all(f.all() for f in func.values())


def check_households_conserved(city, net):
    hh = city.districts["households"].to_numpy(float)
    for name in ("power", "water"):
        layer = net.layers[name]
        per_d = np.bincount(
            layer.nodes["district"],
            weights=layer.nodes["customers_households"],
            minlength=city.n_districts,
        )
        # Each district's households are rounded to an integer, then split exactly.
        assert np.array_equal(per_d, np.round(hh)), name
        assert abs(per_d.sum() - hh.sum()) <= 0.5 * city.n_districts


def check_road_crossings_follow_links(city, spec, net):
    roads = net.layers["roads"]
    d = roads.nodes["district"]
    e = roads.edges
    du, dv = d[e["u"]], d[e["v"]]
    link_type = {}
    for a, b, t in city.links[["a", "b", "link_type"]].itertuples(index=False):
        link_type[(min(a, b), max(a, b))] = t
    inter = np.flatnonzero(du != dv)
    for j in inter:
        key = (min(du[j], dv[j]), max(du[j], dv[j]))
        assert key in link_type, f"road edge {j} joins unlinked districts {key}"
        assert e["crossing"][j] == (link_type[key] != "land"), (j, key, link_type[key])
    assert not e["crossing"][du == dv].any()  # crossings only between districts
    river_edges = e["edge_type"] == roads.edge_types.index("river_crossing")
    n_river_links = int((city.links["link_type"] == "river").sum())
    assert river_edges.sum() == max(spec.river_crossings, n_river_links)
    for kind in ("tunnel_bridge", "ferry"):
        n_links = int((city.links["link_type"] == kind).sum())
        assert (e["edge_type"] == roads.edge_types.index(kind)).sum() == n_links
    n, conn = connected_components(roads.adjacency(), directed=False)
    assert n == 1, "road network must be connected through the district links"


def check_radial_feeders_and_drainage_trees(net):
    power = net.layers["power"]
    code = power.nodes["asset_type"]
    tr = code == power.asset_type_code("distribution_transformer_10kv")
    sub = code == power.asset_type_code("substation_110_35kv")
    feeder = power.edges["edge_type"] == power.edge_types.index("feeder_10kv")
    # A forest: one feeder edge per transformer, and each tree holds exactly one substation.
    assert feeder.sum() == tr.sum()
    u, v = power.edges["u"][feeder], power.edges["v"][feeder]
    g = sparse.coo_array((np.ones(len(u)), (u, v)), shape=(power.n_nodes,) * 2)
    _, lab = connected_components(g, directed=False)
    subs_per_tree = np.bincount(lab[sub], minlength=lab.max() + 1)
    assert (subs_per_tree[lab[tr]] == 1).all()
    # Normally-open ties join different feeders but carry no flow (absent from the adjacency).
    tie = power.edges["normally_open"]
    assert tie.any()
    assert (power.adjacency()[power.edges["u"][tie], power.edges["v"][tie]] == 0).all()
    assert (lab[power.edges["u"][tie]] != lab[power.edges["v"][tie]]).all()
    drainage = net.layers["drainage"]
    n_out = int(drainage.nodes["is_source"].sum())
    assert drainage.n_edges == drainage.n_nodes - n_out  # forest rooted at the outlets
    ncomp, _ = connected_components(drainage.adjacency(), directed=False)
    assert ncomp == n_out


def check_dependencies_and_road_nodes(net, spec):
    for dep in net.dependencies:
        dl, sl = net.layers[dep.dependent_layer], net.layers[dep.supplier_layer]
        assert np.array_equal(
            dl.nodes["district"][dep.dependent], sl.nodes["district"][dep.supplier]
        )
        # telecom sites and backbone nodes have their batteries (sim/networks/telecom.py), gas
        # regulators their UPS (sim/networks/gas.py)
        allowed = {
            "telecom": [spec.base_station_backup_h, spec.backbone_backup_h],
            "gas": [spec.gas_regulator_ups_h],
        }.get(dep.dependent_layer, [0.0, spec.pump_backup_buffer_h])
        assert np.isin(dep.buffer_h, allowed).all()
    pumps = {(d.dependent_layer, i) for d in net.dependencies for i in d.dependent.tolist()}
    water, drainage = net.layers["water"], net.layers["drainage"]
    booster = water.nodes["asset_type"] == water.asset_type_code("booster_pumping_station")
    for name, need in (
        ("water", np.flatnonzero(water.nodes["is_source"] | booster)),
        ("drainage", np.flatnonzero(drainage.nodes["is_source"])),
    ):
        assert all((name, int(i)) in pumps for i in need), f"{name} pump without power link"
    roads = net.layers["roads"]
    n_inter = int((roads.nodes["asset_type"] == 0).sum())
    for name in ("power", "water", "drainage"):
        rn = net.layers[name].nodes["road_node"]
        assert rn.min() >= 0 and rn.max() < n_inter
        assert np.array_equal(roads.nodes["district"][rn], net.layers[name].nodes["district"])


def check_counts_follow_drivers(city, spec, net):
    hh = city.districts["households"].to_numpy(float)
    counts = net.meta["district_counts"]
    expect = np.maximum(1, np.round(hh / spec.households_per_transformer * spec.resolution))
    assert np.array_equal(counts["power:distribution_transformer_10kv"].to_numpy(), expect)
    assert counts["water:water_plant"].sum() == max(spec.water_plants, city.n_districts)
    municipal = counts["drainage:drainage_pumping_station_municipal"].to_numpy()
    assert municipal.sum() == spec.municipal_drainage_stations
    central = city.districts["urban_core"].to_numpy(bool)  # the urban-core zones (city.yaml)
    assert (municipal[~central] == 0).all() and (municipal[central] > 0).all()
    assert counts["roads:underpass"].sum() == spec.underpasses
    assert net.layers["roads"].edges["bridge"].sum() == spec.urban_bridges
    # Road length ≈ target (urban + rural km): Gabriel length constant is a mean, ±15 %.
    area = city.districts["area_km2"].to_numpy(float)
    pop = city.districts["population"].to_numpy(float)
    rural = area - np.minimum(area, pop / spec.urban_density_persons_per_km2)
    target_km = spec.urban_road_km + spec.rural_road_km_per_km2 * rural.sum()
    km = net.layers["roads"].edges["length_m"].sum() / 1e3
    assert km == pytest.approx(target_km, rel=0.15)


def _all_checks(city, spec, net):
    check_nodes_inside_their_district(city, net)
    check_every_customer_reaches_a_source(net)
    check_households_conserved(city, net)
    check_road_crossings_follow_links(city, spec, net)
    check_radial_feeders_and_drainage_trees(net)
    check_dependencies_and_road_nodes(net, spec)
    check_counts_follow_drivers(city, spec, net)


# --------------------------------------------------------------------------------------------
# toy city
# --------------------------------------------------------------------------------------------
def test_toy_city_networks_satisfy_all_invariants(toy):
    city, spec, net = toy
    _all_checks(city, spec, net)


def test_island_is_reached_only_by_tunnel_bridge_and_ferry(toy):
    city, _, net = toy
    roads = net.layers["roads"]
    d = roads.nodes["district"]
    e = roads.edges
    island = city.index_of("Delta")
    leaving = (d[e["u"]] == island) != (d[e["v"]] == island)
    types = sorted(roads.edge_types[t] for t in e["edge_type"][leaving])
    assert types == ["ferry", "tunnel_bridge"]
    ferry = e["edge_type"] == roads.edge_types.index("ferry")
    assert e["speed_kmh"][ferry][0] == _spec().speed_ferry_kmh
    tb = e["edge_type"] == roads.edge_types.index("tunnel_bridge")
    assert e["length_m"][tb][0] >= 1000 * _spec().tunnel_bridge_min_length_km


def test_generation_is_reproducible_with_the_same_seed(toy):
    city, spec, net = toy
    again = generate(city, spec, np.random.default_rng(7))
    for name, layer in net.layers.items():
        other = again.layers[name]
        for k in ("x_m", "asset_type", "age_years", "customers_households"):
            assert np.array_equal(layer.nodes[k], other.nodes[k])
        assert np.array_equal(layer.edges["u"], other.edges["u"])
    other = generate(city, spec, np.random.default_rng(8))
    assert not np.array_equal(net.layers["power"].nodes["x_m"], other.layers["power"].nodes["x_m"])


def test_resolution_scales_discretisation_nodes_only(toy):
    city, spec, net = toy
    half = generate(city, replace(spec, resolution=0.5), np.random.default_rng(1))
    c1, c2 = net.meta["district_counts"], half.meta["district_counts"]
    assert (c2["power:substation_110_35kv"] == c1["power:substation_110_35kv"]).all()
    ratio = (
        c2["power:distribution_transformer_10kv"].sum()
        / c1["power:distribution_transformer_10kv"].sum()
    )
    assert ratio == pytest.approx(0.5, abs=0.01)


def test_fragility_is_nan_until_assigned_by_asset_type(toy):
    _, _, net = toy
    power = net.layers["power"]
    assert np.isnan(power.nodes["wind_theta_ms"]).all()
    curves = {"k1": SimpleNamespace(theta=42.0, beta=0.3)}
    assign_fragility(net, {"distribution_transformer_10kv": {"wind": "k1"}}, curves.__getitem__)
    tr = power.nodes["asset_type"] == power.asset_type_code("distribution_transformer_10kv")
    assert (power.nodes["wind_theta_ms"][tr] == 42.0).all()
    assert np.isnan(power.nodes["wind_theta_ms"][~tr]).all()
    assert np.isnan(power.nodes["flood_theta_m"]).all()
    power.nodes["wind_theta_ms"][:] = np.nan  # restore the shared fixture
    power.nodes["wind_beta"][:] = np.nan
    with pytest.raises(NetworkError, match="unknown asset types"):
        assign_fragility(net, {"gas_valve": {"wind": "k1"}}, curves.__getitem__)
    depth_curve = {"d": SimpleNamespace(theta=0.5, beta=0.4, im="flood_depth_m")}
    with pytest.raises(NetworkError, match="expected 'gust_ms'"):
        assign_fragility(net, {"water_plant": {"wind": "d"}}, depth_curve.__getitem__)


def test_default_fragility_table_uses_the_fragility_library():
    pytest.importorskip(
        "sim.damage.fragility", reason="sim.damage.fragility (helper HAZARD) not available"
    )
    from sim.damage.fragility import get_curve

    city = make_toy_city()
    spec = _spec().scaled_to_population(city.districts["population"].sum())
    net = generate(city, replace(spec, resolution=0.2), np.random.default_rng(3))
    assign_fragility(net)
    power = net.layers["power"]
    tr = power.nodes["asset_type"] == power.asset_type_code("distribution_transformer_10kv")
    assert (
        power.nodes["wind_theta_ms"][tr] == get_curve("power_10kv_overhead_line_segment").theta
    ).all()
    assert (power.nodes["flood_beta"][tr] == get_curve("power_transformer_flood").beta).all()
    # Buried mains have no curve: NaN = not susceptible.
    assert np.isnan(
        net.layers["water"].nodes["flood_theta_m"][net.layers["water"].nodes["asset_type"] == 2]
    ).all()


def test_generator_requires_an_explicit_rng_and_district_columns():
    city = make_toy_city()
    with pytest.raises(NetworkError, match="Generator"):
        generate(city, _spec())
    city.districts = city.districts.drop(columns=["households"])
    with pytest.raises(NetworkError, match="households"):
        generate(city, _spec(), np.random.default_rng(0))


# --------------------------------------------------------------------------------------------
# Shanghai at the default resolution
# --------------------------------------------------------------------------------------------
def test_shanghai_default_has_over_50k_assets_and_generates_fast(shanghai):
    _, _, net, seconds = shanghai
    assert net.n_nodes >= 50_000
    assert seconds < 10.0, f"generation took {seconds:.1f} s (budget 10 s)"


def test_shanghai_networks_satisfy_all_invariants(shanghai):
    city, spec, net, _ = shanghai
    _all_checks(city, spec, net)


def test_shanghai_full_scale_cascade_update_is_fast(shanghai):
    _, _, net, _ = shanghai
    eng = CascadeEngine(net)
    rng = np.random.default_rng(0)
    dmg = {k: rng.random(layer.n_nodes) < 0.02 for k, layer in net.layers.items()}
    t0 = time.perf_counter()
    func = eng.update(dmg, 1.0)
    seconds = time.perf_counter() - t0
    assert seconds < 1.0
    assert all(not func[k][dmg[k]].any() for k in func)  # damaged never functions
