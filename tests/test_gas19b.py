"""Issue 19, the gas layer's missing parts: confined explosions, construction halted by the
response level, gas imports, criticality and the isolation check."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.damage.gas_explosion import (
    blast_ring_probabilities,
    death_probability,
    explosion_consequences,
    harm_radius_m,
    injury_probability,
    overpressure_pa,
    tnt_equivalent_kg,
)
from sim.networks import gas_leaks
from sim.networks.gas_leaks import GasLeaks
from sim.networks.multilayer import Layer

EXAMPLE = "scenarios/example-city/typhoon.yaml"


# ------------------------------------------------------------------ confined explosions
def test_tnt_equivalent_of_the_confined_volume_by_hand():
    # 100 m3 x 3.5 MJ/m3 = 350 MJ; / 4.68 MJ/kg = 74.786 kg TNT
    assert tnt_equivalent_kg(100.0) == pytest.approx(74.786, rel=1e-4)
    assert tnt_equivalent_kg(0.0) == 0.0
    with pytest.raises(ValueError, match="confined volume"):
        tnt_equivalent_kg(-1.0)


def test_kinney_graham_overpressure_by_hand():
    # W = 1 kg: Z = R. At Z = 1: 808 (1 + 1/20.25) / (sqrt(1 + 434.03) sqrt(1 + 9.766)
    # sqrt(1 + 0.5487)) = 848.0 / (20.857 x 3.2812 x 1.2445) = 9.957 atm = 1,008.9 kPa
    assert overpressure_pa(1.0, 1.0) == pytest.approx(1008.9e3, rel=2e-3)
    # At Z = 10: 808 x 5.938 / (208.3 x 31.27 x 7.476) = 0.09852 atm = 9.98 kPa
    assert overpressure_pa(10.0, 1.0) == pytest.approx(9.98e3, rel=3e-3)
    # cube-root scaling: 8 kg at 20 m is 1 kg at 10 m
    assert overpressure_pa(20.0, 8.0) == pytest.approx(overpressure_pa(10.0, 1.0), rel=1e-12)
    p = overpressure_pa(np.linspace(1.0, 200.0, 50), 75.0)
    assert np.all(np.diff(p) < 0)  # falls with distance


def test_eisenberg_probits_at_their_fifty_percent_points():
    # lung haemorrhage: Y = 5 at ln P = 82.1 / 6.91 -> P = 144.4 kPa
    p50_death = np.exp(82.1 / 6.91)
    assert p50_death == pytest.approx(144.4e3, rel=2e-3)
    assert death_probability(p50_death) == pytest.approx(0.5)
    # eardrum rupture: Y = 5 at ln P = 20.6 / 1.93 -> P = 43.1 kPa; injured = ear - death
    p50_ear = np.exp(20.6 / 1.93)
    assert injury_probability(p50_ear) == pytest.approx(0.5 - death_probability(p50_ear))
    assert death_probability(p50_ear) < 1e-6
    assert injury_probability(1e7) == pytest.approx(0.0, abs=1e-12)  # all killed, none injured


def test_harm_radius_and_ring_means_are_consistent():
    w = tnt_equivalent_kg()
    r1 = harm_radius_m(w)
    assert injury_probability(overpressure_pa(r1, w)) == pytest.approx(1e-4, rel=1e-3)
    pd_in, pi_in = blast_ring_probabilities(w, 0.0, 10.0)
    pd_out, pi_out = blast_ring_probabilities(w, 10.0, r1)
    pd_all, pi_all = blast_ring_probabilities(w, 0.0, r1)
    a_in, a_out = np.pi * 10.0**2, np.pi * (r1**2 - 10.0**2)
    # area-weighted means of two rings give the disc's
    assert pd_all == pytest.approx((pd_in * a_in + pd_out * a_out) / (a_in + a_out), rel=1e-6)
    assert pi_all == pytest.approx((pi_in * a_in + pi_out * a_out) / (a_in + a_out), rel=1e-6)
    assert pd_in > 0.5 and pd_out < 0.05  # lethal close in, not far out


def test_explosion_consequences_mean_matches_density_times_disc_probability():
    w = tnt_equivalent_kg()
    r1 = harm_radius_m(w)
    pd_, pi_ = blast_ring_probabilities(w, 0.0, r1)
    rng = np.random.default_rng(7)
    out = [explosion_consequences(20_000.0, rng) for _ in range(400)]
    expected_exposed = 20_000.0 * np.pi * r1**2 / 1e6
    assert np.mean([o.exposed for o in out]) == pytest.approx(expected_exposed, rel=0.02)
    assert np.mean([o.deaths for o in out]) == pytest.approx(expected_exposed * pd_, rel=0.1)
    assert np.mean([o.injuries for o in out]) == pytest.approx(expected_exposed * pi_, rel=0.1)
    assert explosion_consequences(0.0, rng).exposed == 0


class _Ctx:
    """What GasLeaks books through: casualties by cause, losses by item, events by kind."""

    def __init__(self):
        self.casualties, self.losses_yuan, self.events = [], {}, []
        self.losses = SimpleNamespace(add_yuan=self._add)

    def _add(self, item, yuan):
        self.losses_yuan[item] = self.losses_yuan.get(item, 0.0) + yuan

    def book_casualties(self, district, cause, *, deaths=0.0, injuries=0.0):
        self.casualties.append((district, cause, deaths, injuries))

    def log_event(self, kind, **kw):
        self.events.append(kind)


def _mains(n: int) -> Layer:
    nodes = {
        "x_m": np.zeros(n),
        "y_m": np.zeros(n),
        "district": np.zeros(n, np.int64),
        "asset_type": np.zeros(n, np.int64),
        "pipe_km": np.ones(n),
        "pressure_kpa": np.full(n, 1600.0),
        "diameter_m": np.full(n, 0.5),
        "customers_households": np.zeros(n),
        "is_source": np.zeros(n, bool),
    }
    edges = {"u": np.arange(n - 1), "v": np.arange(1, n)}
    return Layer("gas", nodes, edges, ["gas_main_hp"])


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_ignited_breaks_explode_by_the_share_and_book_gas_explosion(monkeypatch, share):
    # a 0.5 m break at 1,600 kPa releases > 50 kg/s: ignition 0.3 (Cox, Lees & Ang)
    monkeypatch.setattr(gas_leaks, "CONFINED_EXPLOSION_SHARE", share)
    rng = np.random.default_rng(11)
    leaks = GasLeaks(_mains(200), [30_000.0], [1.0], 0.0, rng, np.random.default_rng(0))
    ctx = _Ctx()
    lit = leaks.release(ctx, np.arange(200), "collapse")
    rec = leaks.record
    assert rec.leaks == 200 and rec.fires == len(lit)
    assert 60 - 3 * np.sqrt(200 * 0.21) < rec.fires < 60 + 3 * np.sqrt(200 * 0.21)  # 0.3 x 200
    assert rec.explosions == (rec.fires if share == 1.0 else 0)
    causes = {c for _, c, _, _ in ctx.casualties}
    kinds = set(ctx.events)
    if share == 1.0:
        assert kinds == {"gas_explosion"} and causes == {"gas_explosion"}
        assert sum(d for *_, d, _ in ctx.casualties) > 0
        assert set(ctx.losses_yuan) == {"gas_explosion"}
    else:
        assert kinds == {"gas_fire"} and causes <= {"gas_fire"}


# ------------------------------------------------------------------ construction halted
@pytest.fixture(scope="module")
def model():
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    return CityModel(load_scenario(EXAMPLE))


def test_shanghai_rules_halt_outdoor_work_at_the_ii_response():
    from sim.city import load_city
    from sim.city.evacuation import load_evacuation

    city = load_city("scenarios/data/shanghai")
    d = city.districts
    ev = load_evacuation("scenarios/data/shanghai", list(d["name_en"]), d["population"])
    assert ev.spec.outdoor_work_halt.min_response_level == 3  # II = orange signal


def test_no_third_party_strikes_while_the_response_halts_outdoor_work(model, monkeypatch):
    gas = model.infra.gas
    gas.strikes_per_h = gas.strikes_per_h * 1e5  # strikes certain in an hour
    centre = model.warning_centre
    monkeypatch.setattr(centre, "response_level", 3)  # the example city halts from 3 (II)
    assert model.outdoor_work_halted
    before = gas.record.leaks
    model.physics_update()
    assert gas.record.leaks == before  # halted: no digging, no strike
    monkeypatch.setattr(centre, "response_level", 2)
    assert not model.outdoor_work_halted
    model.physics_update()
    assert gas.record.leaks > before  # work resumed below the halt level


# ------------------------------------------------------------------ criticality
def _hand_gas_net():
    """gate 0 - hp 1 - regulator 2; medium-pressure tree 2 -> 3 -> 5, 2 -> 4 -> 6."""
    from sim.networks.multilayer import MultilayerNetwork

    n = 7
    nodes = {
        "x_m": np.arange(n, dtype=float),
        "y_m": np.zeros(n),
        "district": np.zeros(n, np.int64),
        "asset_type": np.array([0, 1, 2, 3, 3, 3, 3]),
        "is_source": np.arange(n) == 0,
        "customers_households": np.array([0, 0, 0, 100, 200, 300, 400], float),
    }
    edges = {"u": np.array([0, 1, 2, 3, 2, 4]), "v": np.array([1, 2, 3, 5, 4, 6])}
    types = ["gas_gate_station", "gas_main_hp", "gas_regulator_station", "gas_main_mp"]
    return MultilayerNetwork({"gas": Layer("gas", nodes, edges, types)})


def test_criticality_counts_gas_customers_lost_by_subtree():
    import pandas as pd

    from sim.studies.analysis import criticality as cr

    net = _hand_gas_net()
    city = SimpleNamespace(districts=pd.DataFrame({"name_en": ["A"]}))
    assert cr.household_layers(net) == ["gas"]
    assert np.flatnonzero(cr.key_asset_mask(net)["gas"]).tolist() == [0, 2]  # gate, regulator
    out = cr.evaluate_realisation(net, city, 10, np.random.default_rng(0)).set_index("node")
    # each failure cuts exactly its downstream subtree's customers (hand-computed)
    want = {0: 1000, 1: 1000, 2: 1000, 3: 400, 4: 600, 5: 300, 6: 400}
    assert out["households_lost_gas"].to_dict() == want
    assert (out["households_lost"] == out["households_lost_gas"]).all()
    assert out["nodes_lost_gas"].to_dict() == {0: 7, 1: 6, 2: 5, 3: 2, 4: 2, 5: 1, 6: 1}


def test_a_registered_layer_joins_the_criticality_without_an_edit(monkeypatch):
    import pandas as pd

    from sim.networks import services
    from sim.studies.analysis import criticality as cr

    monkeypatch.setattr(services, "SERVICE_LAYERS", dict(services.SERVICE_LAYERS))
    monkeypatch.setattr(cr, "SERVICE_LAYERS", services.SERVICE_LAYERS)
    gas = _hand_gas_net().layers["gas"]
    nodes = {**gas.nodes, "asset_type": np.array([0, 1, 1, 1, 1, 1, 1])}
    heat = Layer("heating", nodes, gas.edges, ["heat_plant", "heat_exchanger"])
    from sim.networks.multilayer import MultilayerNetwork

    net = MultilayerNetwork({"gas": gas, "heating": heat})
    city = SimpleNamespace(districts=pd.DataFrame({"name_en": ["A"]}))
    assert cr.household_layers(net) == ["gas"]  # not registered: not counted
    services.register_service_layer("heating", ("heat_exchanger",))
    assert cr.household_layers(net) == ["gas", "heating"]
    assert cr.key_asset_mask(net)["heating"].all()  # the source and every heat exchanger
    out = cr.evaluate_realisation(net, city, 0, np.random.default_rng(0))
    row = out[(out["layer"] == "heating") & (out["node"] == 3)].iloc[0]
    assert row["households_lost_heating"] == 400 and row["households_lost"] == 400


def test_generated_example_city_ranks_gas_assets():
    from sim.city import load_city
    from sim.scenario.loader import load_scenario
    from sim.studies.analysis import criticality as cr

    scen = load_scenario(EXAMPLE)
    city = load_city(scen.city.data_dir)
    res = cr.run_criticality(scen, samples=60, seeds=1, city=city)
    a = res.assets
    gas = a[a["layer"] == "gas"]
    reg = gas[gas["asset_type"] == "gas_regulator_station"]
    assert len(reg) > 0 and reg["key"].all()
    # a regulator's failure cuts gas households (all but one that no main hangs under), never
    # more than the city has
    assert (reg["households_lost_gas"] > 0).mean() > 0.9
    assert (reg["households_lost_gas"] <= city.districts["households"].sum()).all()
    # a substation failure reaches gas customers through the regulators' power (24 h > UPS)
    subs = a[a["asset_type"] == "substation_110_35kv"]
    assert (subs["households_lost_gas"] > 0).any()


# ------------------------------------------------------------------ verification
def _hand_gas_layer():
    """_hand_gas_net's layer with the generator's edge types: hp 0-1, 1-2; mp below 2."""
    layer = _hand_gas_net().layers["gas"]
    edges = {**layer.edges, "edge_type": np.array([0, 0, 1, 1, 1, 1])}
    return Layer("gas", layer.nodes, edges, layer.asset_types, ["hp_main", "mp_main"])


def test_subtree_customers_and_grid_cut_by_hand():
    from sim.studies.verify.gas_isolation import grid_customers_cut, subtree_customers

    layer = _hand_gas_layer()
    tree = subtree_customers(layer)
    assert np.isnan(tree[:2]).all()
    assert tree[2:].tolist() == [1000, 400, 600, 300, 400]
    # the hp main 1 is the only path from the gate to the regulator: it cuts everything
    assert grid_customers_cut(layer, 1, tree) == 1000
    # a loop gate 0 - regulator 2 keeps the regulator fed when main 1 is isolated
    e = layer.edges
    looped = {k: np.append(e[k], x) for k, x in (("u", 0), ("v", 2), ("edge_type", 0))}
    loop = Layer("gas", layer.nodes, looped, layer.asset_types, layer.edge_types)
    assert grid_customers_cut(loop, 1, tree) == 0


def test_gas_isolation_check_passes_on_the_generated_layer_and_catches_a_wrong_cut(monkeypatch):
    from sim.studies.verify import gas_isolation as gi

    layer = gi.scenario_gas_layer(EXAMPLE)
    checks = gi.verify_gas_isolation(layer, np.random.default_rng(0), mains=40)
    assert len(checks) == 4 and all(c.passed for c in checks)
    real = gi._isolate
    monkeypatch.setattr(gi, "_isolate", lambda *a: (real(*a)[0] + 1.0, real(*a)[1]))
    wrong = gi.verify_gas_isolation(layer, np.random.default_rng(0), mains=40)
    assert not any(c.passed for c in wrong)  # one household too many fails every line


def test_verify_gas_isolation_command_exit_codes(tmp_path):
    from typer.testing import CliRunner

    from sim.interfaces.cli.verify import verify_app

    runner = CliRunner()
    ok = runner.invoke(verify_app, ["gas-isolation", EXAMPLE, "--mains", "20"])
    assert ok.exit_code == 0 and ok.output.count("PASS") == 4, ok.output
    bad = runner.invoke(verify_app, ["gas-isolation", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


# ------------------------------------------------------------------ gas imports
GAS_GEOJSON = "scenarios/data/networks/gas-example.geojson"


def _doc():
    import json
    from pathlib import Path

    return json.loads(Path(GAS_GEOJSON).read_text(encoding="utf-8"))


def _write(tmp, doc, name="gas.geojson"):
    import json

    path = tmp / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _node(layer, gid):
    return int(np.flatnonzero(layer.nodes["gas_id"] == gid)[0])


def test_geojson_gas_network_reads_pipes_as_mains_by_pressure_class():
    from sim.networks.gas_import import read_gas_geojson

    layer = read_gas_geojson(GAS_GEOJSON)
    nd = layer.nodes
    assert layer.n_nodes == 9 + 9 and layer.n_edges == 2 * 9
    assert layer.crs == "EPSG:32650"  # the UTM zone of 118° E
    types = np.asarray(layer.asset_types, dtype=object)[nd["asset_type"]]
    main = {g: t for g, t in zip(nd["gas_id"], types, strict=True) if g[0] in "PM"}
    # > 400 kPa high pressure (P4 at 800 kPa included), 400 kPa and below medium pressure
    assert {g for g, t in main.items() if t == "gas_main_hp"} == {"P1", "P2", "P3", "P4"}
    assert {g for g, t in main.items() if t == "gas_main_mp"} == {"M1", "M2", "M3", "M4", "M5"}
    # P1: 0.006° E x 111.32 km x cos 22.451° = 0.6176 km, 0.002° N x 110.75 km = 0.2215 km
    assert nd["pipe_km"][_node(layer, "P1")] == pytest.approx(np.hypot(0.6176, 0.2215), rel=3e-3)
    assert not nd["ductile"][_node(layer, "M4")] and nd["ductile"][_node(layer, "M3")]
    assert nd["diameter_m"][_node(layer, "M5")] == pytest.approx(0.11)
    assert nd["customers_households"].sum() == 4900 and nd["is_source"].sum() == 1
    assert np.isnan(nd["pipe_km"][_node(layer, "J2")])


def test_imported_gas_isolation_cuts_what_lies_behind_the_pipe():
    from sim.networks import CascadeEngine, MultilayerNetwork
    from sim.networks.gas_import import read_gas_geojson

    layer = read_gas_geojson(GAS_GEOJSON)
    eng = CascadeEngine(MultilayerNetwork({"gas": layer}))
    cust = layer.nodes["customers_households"]
    for gid, cut in (("M1", 1200 + 900 + 700), ("M4", 1500 + 600), ("P2", 0), ("P1", 4900)):
        damaged = np.zeros(layer.n_nodes, bool)
        damaged[_node(layer, gid)] = True
        func = eng.update({"gas": damaged}, 1.0)["gas"]
        assert cust[~func].sum() == cut, gid  # P2's regulator is still fed around the loop P4


def test_graphml_gas_network_matches_the_geojson_one(tmp_path):
    import networkx as nx

    from sim.networks.gas_import import read_gas_geojson, read_gas_graphml

    g = nx.Graph()
    for f in _doc()["features"]:
        p = f["properties"]
        if f["geometry"]["type"] == "Point":
            x, y = f["geometry"]["coordinates"]
            g.add_node(f["id"], x=x, y=y, **p)
        else:
            attrs = {k: v for k, v in p.items() if k not in ("from", "to")}
            g.add_edge(p["from"], p["to"], id=f["id"], **attrs)
    nx.write_graphml(g, tmp_path / "gas.graphml")
    a = read_gas_graphml(tmp_path / "gas.graphml")
    b = read_gas_geojson(GAS_GEOJSON)
    for gid in ("P1", "P4", "M3", "M5"):
        # straight line in UTM vs the geodesic: equal within the UTM scale factor (< 0.1 %)
        assert a.nodes["pipe_km"][_node(a, gid)] == pytest.approx(
            b.nodes["pipe_km"][_node(b, gid)], rel=1e-3
        )
    assert a.nodes["customers_households"].sum() == 4900
    assert sorted(a.nodes["gas_id"]) == sorted(b.nodes["gas_id"])


def _bad(doc, gid, **props):
    f = next(f for f in doc["features"] if f["id"] == gid)
    for k, v in props.items():
        if v is None:
            f["properties"].pop(k, None)
        else:
            f["properties"][k] = v
    return doc


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: _bad(d, "M1", pressure_kpa=None), "feature 'M1': no 'pressure_kpa'; expected"),
        (lambda d: _bad(d, "M1", pressure_kpa="high"), "feature 'M1': pressure_kpa is 'high'"),
        (lambda d: _bad(d, "M1", pressure_kpa=5000), "expected a number of kPa (gauge)"),
        (lambda d: _bad(d, "M2", material="copper"), "feature 'M2': material is 'copper'"),
        (lambda d: _bad(d, "M2", diameter_mm=0), "diameter_mm is 0; expected a number of mm"),
        (lambda d: _bad(d, "M3", to="J9"), "feature 'M3': to is 'J9'; expected the id of a Point"),
        (lambda d: _bad(d, "G1", asset_type="gas_main_mp"), "feature 'G1': asset_type is"),
        (lambda d: _bad(d, "G1", asset_type="gas_junction"), "no point has asset_type 'gas_gate"),
        (
            lambda d: {**d, "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}},
            "crs is 'EPSG:3857'; expected WGS84",
        ),
        (lambda d: {**d, "features": d["features"] + [d["features"][0]]}, "id 'G1' is used twice"),
        (lambda d: {"type": "Feature"}, "expected a GeoJSON FeatureCollection"),
    ],
)
def test_bad_gas_geojson_is_refused_by_file_feature_and_field(tmp_path, edit, message):
    from sim.networks.errors import NetworkImportError
    from sim.networks.gas_import import read_gas_geojson

    path = _write(tmp_path, edit(_doc()))
    with pytest.raises(NetworkImportError) as exc:
        read_gas_geojson(path)
    assert str(exc.value).startswith(f"{path}: ") and message in str(exc.value)


def test_polygon_and_projected_coordinates_are_refused(tmp_path):
    from sim.networks.errors import NetworkImportError
    from sim.networks.gas_import import read_gas_geojson

    doc = _doc()
    doc["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]}
    with pytest.raises(NetworkImportError, match="geometry 'Polygon'; expected Point"):
        read_gas_geojson(_write(tmp_path, doc))
    doc = _doc()
    doc["features"][1]["geometry"]["coordinates"] = [3_500_000.0, 2_480_000.0]  # metres
    with pytest.raises(NetworkImportError, match="feature 'J1'.*not WGS84 degrees"):
        read_gas_geojson(_write(tmp_path, doc))


def test_pipe_attribute_parser_accepts_exactly_the_documented_ranges():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sim.networks.errors import NetworkImportError
    from sim.networks.gas_import import _pipe

    values = st.one_of(
        st.none(),
        st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-10_000, 10_000),
        st.text(max_size=8),
        st.sampled_from(["steel", "pe", "ductile_iron", "cast_iron", "copper"]),
    )
    keys = ("pressure_kpa", "diameter_mm", "age_years", "material", "customers_households")

    @settings(max_examples=150, deadline=None)
    @given(st.fixed_dictionaries({k: values for k in keys}))
    def check(props):
        try:
            out = _pipe(props, "edge 'e'", "f.graphml")
        except NetworkImportError as exc:
            assert str(exc).startswith("f.graphml: edge 'e': ")
            return
        # accepted: every value within its documented range, whatever its JSON type was
        assert 0 < out["pressure_kpa"] <= 4000 and 0 < out["diameter_mm"] <= 2000
        assert 0 <= out["age_years"] <= 150 and out["customers_households"] >= 0
        assert out["ductile"] == (props["material"] != "cast_iron")
        assert not any(isinstance(props[k], bool) for k in keys if k != "material")

    check()


def test_scenario_imports_a_gas_network_into_a_district(tmp_path):
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    root = __import__("pathlib").Path.cwd()
    scen = tmp_path / "gas.yaml"
    scen.write_text(
        f"extends: {root / EXAMPLE}\nname: gas-import\nnetworks:\n  imports:\n"
        f"    - {{layer: gas, format: geojson, file: {root / GAS_GEOJSON}, "
        "district: Old Harbour, replace: true}\n",
        encoding="utf-8",
    )
    model = CityModel(load_scenario(scen))
    gas = model.infra.layers["gas"]
    city = model.city
    d = city.index_of("Old Harbour")
    imported = gas.nodes["import_id"] == 0
    assert imported.sum() == 18 and (gas.nodes["district"][~imported] != d).all()
    assert "gas_junction" in gas.asset_types
    # households: the replaced district's gas customers, spread by the file's customers
    stats = city.profile.network_statistics
    share = stats["gas_piped_persons"] / stats["statistics_population"]
    want = round(city.districts.loc[d, "households"] * share)
    assert gas.nodes["customers_households"][imported].sum() == pytest.approx(want, abs=1)
    # the imported regulators hang on power like generated ones (cyber, UPS hours)
    regs = np.flatnonzero(imported & (gas.nodes["asset_type"] == gas.asset_type_code(
        "gas_regulator_station")))  # fmt: skip
    deps = [x for x in model.infra.net.dependencies if x.dependent_layer == "gas"]
    linked = np.concatenate([x.dependent for x in deps if x.kind == "cyber"])
    assert set(regs.tolist()) <= set(linked.tolist())
    assert model.infra.functional["gas"].all() and model.infra.gas.is_main[imported].sum() == 9


def test_schema_keeps_geojson_for_gas_and_validate_exits_2_on_a_bad_file(tmp_path):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app
    from sim.scenario.schema import NetworkImportConfig

    with pytest.raises(ValueError, match="holds a gas network, not water"):
        NetworkImportConfig(layer="water", format="geojson", file=GAS_GEOJSON, district="x")
    bad = _write(tmp_path, _bad(_doc(), "M2", material="copper"))
    root = __import__("pathlib").Path.cwd()
    scen = tmp_path / "gas.yaml"
    scen.write_text(
        f"extends: {root / EXAMPLE}\nnetworks:\n  imports:\n"
        f"    - {{layer: gas, format: geojson, file: {bad}, district: Old Harbour}}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["validate", str(scen)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"{bad}: feature 'M2': material is 'copper'" in " ".join(res.output.split())
