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
    tele = Layer("telecom", nodes, gas.edges, ["backbone_node", "base_station"])
    from sim.networks.multilayer import MultilayerNetwork

    net = MultilayerNetwork({"gas": gas, "telecom": tele})
    city = SimpleNamespace(districts=pd.DataFrame({"name_en": ["A"]}))
    assert cr.household_layers(net) == ["gas"]  # not registered: not counted
    services.register_service_layer("telecom", ("base_station",))
    assert cr.household_layers(net) == ["gas", "telecom"]
    assert cr.key_asset_mask(net)["telecom"].all()  # the source and every base station
    out = cr.evaluate_realisation(net, city, 0, np.random.default_rng(0))
    row = out[(out["layer"] == "telecom") & (out["node"] == 3)].iloc[0]
    assert row["households_lost_telecom"] == 400 and row["households_lost"] == 400


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
