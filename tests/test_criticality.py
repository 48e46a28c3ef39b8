"""Criticality analysis: single-asset cascades, restriction exactness, aggregation, outputs."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.city.profile import load_profile
from sim.core.streams import RandomStreams
from sim.networks import (
    CascadeEngine,
    Dependency,
    Layer,
    MultilayerNetwork,
    NetworkSpec,
    generate_city_networks,
)
from sim.networks.toy import make_toy_city
from sim.studies.analysis import criticality as cr


def _spec(**params) -> NetworkSpec:
    """The generator spec with the Shanghai statistics (scenarios/data/shanghai/city.yaml)."""
    stats = load_profile(Path(__file__).parents[1] / "scenarios/data/shanghai").network_statistics
    return NetworkSpec.for_city(stats, **params)


SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "shanghai" / "lekima-2019.yaml"


def _hand_network(buffer_h=6.0):
    # power: S(0, 220 kV source) - A(1, substation) - t1(2, 10 hh), t2(3, 20 hh)
    power = Layer(
        "power",
        {
            "x_m": np.zeros(4),
            "district": np.zeros(4, int),
            "asset_type": [0, 1, 2, 2],
            "is_source": [True, False, False, False],
            "customers_households": [0.0, 0.0, 10.0, 20.0],
        },
        {"u": [0, 1, 1], "v": [1, 2, 3]},
        ["substation_220kv", "substation_110_35kv", "distribution_transformer_10kv"],
    )
    # water: plant P(0, source) - junction j(1, 5 hh); P is fed by substation A
    water = Layer(
        "water",
        {
            "x_m": np.zeros(2),
            "district": [0, 1],
            "asset_type": [0, 2],
            "is_source": [True, False],
            "customers_households": [0.0, 5.0],
        },
        {"u": [0], "v": [1]},
        ["water_plant", "booster_pumping_station", "mains_junction"],
    )
    roads = Layer("roads", {"x_m": np.zeros(2), "district": [1, 1]}, {"u": [0], "v": [1]})
    dep = Dependency("physical", "water", "power", [0], [1], buffer_h)
    return MultilayerNetwork({"power": power, "water": water, "roads": roads}, [dep])


def test_hand_network_cascade_sizes():
    net = _hand_network()
    city = make_toy_city()
    df = cr.evaluate_realisation(net, city, samples=10, rng=np.random.default_rng(0))
    # Key assets: S, A (substations) and P (plant); the 5 others are all sampled (weight 1).
    assert df["key"].sum() == 3 and len(df) == 8 and (df["weight"] == 1).all()
    hh = {(r.layer, r.node): r.households_lost for r in df.itertuples()}
    # A fails: t1, t2 lose power (30 hh); P loses its supplier, its 6 h backup is dry at the
    # 24 h horizon, so j loses water (5 hh): 35 household-services.
    assert hh[("power", 1)] == 35
    assert hh[("power", 0)] == 35  # S is the only source: same consequence
    assert hh[("power", 2)] == 10 and hh[("power", 3)] == 20
    assert hh[("water", 0)] == 5 and hh[("water", 1)] == 5
    assert hh[("roads", 0)] == 0
    row = df[(df["layer"] == "power") & (df["node"] == 1)].iloc[0]
    assert (row["nodes_lost_power"], row["nodes_lost_water"], row["nodes_lost_roads"]) == (3, 2, 0)
    # Immediately after the failure (horizon 0) the backup generator still runs the plant.
    df0 = cr.evaluate_realisation(net, city, 10, np.random.default_rng(0), horizon_h=0.0)
    assert df0.loc[(df0["layer"] == "power") & (df0["node"] == 1), "households_lost"].item() == 30


def test_restricted_screening_equals_full_engine_on_generated_network():
    city = make_toy_city(0.2)
    spec = _spec().scaled_to_population(city.districts["population"].sum())
    net = cr.with_horizon(generate_city_networks(city, spec, np.random.default_rng(5)), 24.0)
    screen = cr.CascadeScreen(net)
    full = CascadeEngine(net)
    f0 = full.update({}, 0.0)
    rng = np.random.default_rng(1)
    checked = 0
    for name, layer in net.layers.items():
        key = cr.key_asset_mask(net)[name]
        nodes = np.concatenate([np.flatnonzero(key), rng.choice(layer.n_nodes, 15, replace=False)])
        for node in nodes:
            full.reset()
            damaged = {name: np.zeros(layer.n_nodes, bool)}
            damaged[name][node] = True
            f = full.update(damaged, 0.0)
            got = screen.lost(name, int(node))
            for k in net.layers:
                expect = f0[k] & ~f[k]
                assert np.array_equal(got.get(k, np.zeros_like(expect)), expect), (name, node, k)
            checked += 1
    assert checked > 60


def test_district_table_horvitz_thompson_and_top_asset():
    city = make_toy_city()
    assets = pd.DataFrame(
        {
            "realisation": [0, 0, 0, 1, 1],
            "district": [0, 0, 1, 0, 1],
            "key": [True, False, True, True, True],
            "weight": [1.0, 10.0, 1.0, 1.0, 1.0],
            "households_lost": [100.0, 2.0, 40.0, 60.0, 80.0],
        }
    )
    counts = pd.DataFrame([[20, 5, 1, 1], [20, 5, 1, 1]], dtype=float)
    d = cr.district_table(assets, counts, city, [1000.0, 1000.0])
    # district 0: realisation 0 (100 + 10*2)/20 = 6, realisation 1 60/20 = 3 -> 4.5
    assert d.loc[0, "households_lost_mean_any_asset"] == pytest.approx(4.5)
    assert d.loc[0, "households_lost_mean_key_asset"] == pytest.approx(80.0)  # (100 + 60)/2
    assert d.loc[0, "households_lost_top_asset"] == pytest.approx(80.0)
    assert d.loc[1, "households_lost_top_asset"] == pytest.approx(60.0)  # (40 + 80)/2
    assert d.loc[0, "rank_top_asset"] == 1 and d.loc[1, "rank_top_asset"] == 2


def _toy_with_lonlat():
    city = make_toy_city(0.2)
    city.polygons_lonlat = city.polygons_xy
    city.districts["lon"] = city.districts["centroid_x_m"]
    city.districts["lat"] = 30.0 + city.districts["centroid_y_m"] / 111_000  # degrees-like
    return city


def _toy_scenario(seed=3):
    return SimpleNamespace(
        seed=seed,
        city=SimpleNamespace(data_dir="unused"),
        networks=SimpleNamespace(
            resolution=1.0, cascade="source_served", pump_backup_h=6.0, pump_backup_fraction=0.25
        ),
    )


def _toy_spec(city):
    return _spec().scaled_to_population(city.districts["population"].sum())


def test_run_criticality_monte_carlo_and_figure(tmp_path):
    city = _toy_with_lonlat()
    res = cr.run_criticality(_toy_scenario(), samples=20, seeds=2, city=city, spec=_toy_spec(city))
    a = res.assets
    assert set(a["realisation"]) == {0, 1}
    # ranks are 1..n within each realisation, ordered by households lost
    for _, g in a.groupby("realisation"):
        assert g["rank"].min() == 1
        assert g.sort_values("rank")["households_lost"].is_monotonic_decreasing
    # realisation 0 uses the run's networks stream: same networks as a run with that seed
    net0 = generate_city_networks(city, _toy_spec(city), RandomStreams(3)["networks"])
    assert len(a[(a["realisation"] == 0) & a["key"]]) == sum(
        m.sum() for m in cr.key_asset_mask(net0).values()
    )
    assert (res.districts["households_lost_top_asset"] >= 0).all()
    png = cr.criticality_figure(res, city, tmp_path / "c.png")
    assert png.stat().st_size > 10_000
    with pytest.raises(cr.CriticalityError):
        cr.run_criticality(_toy_scenario(), samples=-1, city=city)


def test_command_writes_tables_and_figure(tmp_path, monkeypatch):
    city = _toy_with_lonlat()
    monkeypatch.setattr(cr, "load_city", lambda path: city)
    run = cr.run_criticality
    monkeypatch.setattr(cr, "run_criticality", lambda *a, **k: run(*a, **k, spec=_toy_spec(city)))
    app = typer.Typer()
    app.command()(cr.criticality_command)
    out = tmp_path / "crit"
    res = CliRunner().invoke(
        app, [str(SCENARIO), "--out", str(out), "--samples", "10", "--seeds", "1"]
    )
    assert res.exit_code == 0, res.output
    for f in ("criticality_assets.csv", "criticality_districts.csv", "criticality.png"):
        assert (out / f).is_file()
    d = pd.read_csv(out / "criticality_districts.csv")
    assert len(d) == city.n_districts and "households_lost_top_asset" in d.columns
