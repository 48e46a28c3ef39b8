"""Real networks placed into districts by a scenario: schema, composition, and a model run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse.csgraph import connected_components

from sim.city.profile import load_profile
from sim.networks import NetworkSpec, generate_city_networks
from sim.networks.compose import ROAD_CONNECTORS, add_imported_network
from sim.networks.errors import NetworkImportWarning
from sim.networks.importers import ImportedLayer, NetworkImportError, place_in_district
from sim.networks.toy import make_toy_city
from sim.results.runner import run_scenario
from sim.scenario import ScenarioError, load_scenario


def _spec(**params) -> NetworkSpec:
    """The generator spec with the Shanghai statistics (scenarios/data/shanghai/city.yaml)."""
    stats = load_profile(Path(__file__).parents[1] / "scenarios/data/shanghai").network_statistics
    return NetworkSpec.for_city(stats, **params)


pytest.importorskip("wntr")  # read_epanet needs it

ROOT = Path(__file__).resolve().parents[1]
NET3_SCENARIO = ROOT / "scenarios" / "shanghai" / "lekima-pudong-net3.yaml"
NET3 = ROOT / "scenarios" / "data" / "networks" / "Net3.inp"
SHORT = ["networks.resolution=0.1", "time.duration_h=6", "time.start_utc=2019-08-10T00:00:00Z"]
PUDONG = "Pudong New Area"


def test_net3_scenario_validates_with_the_copied_file():
    scen = load_scenario(NET3_SCENARIO)
    (imp,) = scen.networks.imports
    assert imp.file == NET3.resolve() and imp.file.exists()
    assert "site-packages" not in str(imp.file)
    assert (imp.layer, imp.format, imp.district, imp.replace) == ("water", "epanet", PUDONG, True)
    assert (NET3.parent / "README.md").exists()


@pytest.mark.parametrize(
    ("entry", "field", "text"),
    [
        (
            "{layer: power, format: epanet, file: NET3, district: X}",
            "networks.imports[0]",
            "holds a water network",
        ),
        (
            "{layer: water, format: epanet, file: nowhere.inp, district: X}",
            "networks.imports[0].file",
            "not found",
        ),
        (
            "{layer: water, format: epanet, file: NET3, district: X, scale: -2}",
            "networks.imports[0].scale",
            "greater than 0",
        ),
        (
            "{layer: heating, format: graphml, file: NET3, district: X}",
            "networks.imports[0].layer",
            "'water'",
        ),
        (
            "{layer: water, format: epanet, file: NET3, district: X, power_flow: true}",
            "networks.imports[0]",
            "power_flow needs format 'pandapower'",
        ),
    ],
)
def test_bad_import_entries_are_named(tmp_path, entry, field, text):
    path = tmp_path / "s.yaml"
    body = f"""\
        extends: {NET3_SCENARIO}
        networks:
          imports: [{entry.replace("NET3", str(NET3))}]
        """
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert any(field in p.field and text in p.message for p in info.value.problems), (
        info.value.problems
    )


@pytest.fixture(scope="module")
def net3_run(tmp_path_factory):
    scen = load_scenario(NET3_SCENARIO, SHORT)
    return run_scenario(scen, tmp_path_factory.mktemp("net3"), figures=False)


def test_short_run_with_net3_in_pudong_completes(net3_run):
    s = net3_run.summary
    assert all(np.isfinite(v) and v >= 0 for v in s.values())
    ts = pd.read_parquet(net3_run.out_dir / "timeseries.parquet")
    assert ts["functionality"].between(0, 1).all() and ts["t_h"].max() == 6


def test_imported_nodes_lie_in_pudong_and_carry_a_pudong_road_node(net3_run):
    model = net3_run.model
    d = model.city.index_of(PUDONG)
    water, roads = model.infra.layers["water"], model.infra.layers["roads"]
    imp = water.nodes["import_id"] == 0
    assert imp.sum() == 99  # Net3: 92 junctions, 2 reservoirs, 3 tanks, 2 pumps as nodes
    x, y = water.nodes["x_m"][imp], water.nodes["y_m"][imp]
    assert shapely.contains_xy(model.city.polygons_xy[d], x, y).all()
    assert (water.nodes["district"][imp] == d).all()
    rn = water.nodes["road_node"][imp]
    assert (rn >= 0).all() and (roads.nodes["district"][rn] == d).all()
    # road_node is the nearest Pudong intersection (the generator's rule)
    inter = np.flatnonzero(
        (roads.nodes["asset_type"] == roads.asset_type_code("intersection"))
        & (roads.nodes["district"] == d)
    )
    dist = np.hypot(
        x[:, None] - roads.nodes["x_m"][inter][None, :],
        y[:, None] - roads.nodes["y_m"][inter][None, :],
    )
    assert np.array_equal(rn, inter[np.argmin(dist, axis=1)])


def test_net3_replaces_pudong_water_and_keeps_its_households(net3_run):
    model = net3_run.model
    d = model.city.index_of(PUDONG)
    water = model.infra.layers["water"]
    imp = water.nodes["import_id"] == 0
    in_pudong = water.nodes["district"] == d
    assert not (in_pudong & ~imp).any()  # every synthetic Pudong node is gone
    households = model.city.districts.loc[d, "households"]
    assert water.nodes["customers_households"][in_pudong].sum() == pytest.approx(households, abs=1)
    meta = model.infra.net.meta["imports"][0]
    assert meta["border_edges_relinked"] > 0  # trunk mains to neighbours re-attached
    # fragility by asset type: intakes get the plant curve, tanks none (no default curve)
    tank = imp & (water.nodes["asset_type"] == water.asset_type_code("storage_tank"))
    plant = imp & (water.nodes["asset_type"] == water.asset_type_code("water_plant"))
    assert np.isnan(water.nodes["flood_theta_m"][tank]).all()
    assert np.isfinite(water.nodes["flood_theta_m"][plant]).all()


def test_imported_pumps_and_intakes_depend_on_pudong_power(net3_run):
    infra = net3_run.model.infra
    d = net3_run.model.city.index_of(PUDONG)
    water, power = infra.layers["water"], infra.layers["power"]
    imp = np.flatnonzero(water.nodes["import_id"] == 0)
    rules = {
        "booster_pumping_station": "distribution_transformer_10kv",
        "water_plant": "substation_110_35kv",
    }
    for kind, supplier_type in rules.items():
        want = imp[water.nodes["asset_type"][imp] == water.asset_type_code(kind)]
        assert want.size == 2
        deps = [dep for dep in infra.net.dependencies if np.isin(want, dep.dependent).all()]
        assert len(deps) == 1
        sup = deps[0].supplier[np.searchsorted(deps[0].dependent, want)]
        assert (power.nodes["asset_type"][sup] == power.asset_type_code(supplier_type)).all()
        assert (power.nodes["district"][sup] == d).all()


# ------------------------------------------------------------------ composition on the toy city
@pytest.fixture(scope="module")
def toy():
    city = make_toy_city()
    spec = _spec(resolution=0.3).scaled_to_population(city.districts["population"].sum())
    return city, spec, generate_city_networks(city, spec, np.random.default_rng(3))


def _grid_roads(n_side: int, step_m: float) -> ImportedLayer:
    ij = np.array([(i, j) for i in range(n_side) for j in range(n_side)], float)
    idx = np.arange(n_side * n_side).reshape(n_side, n_side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    nodes = {"x_m": ij[:, 0] * step_m, "y_m": ij[:, 1] * step_m}
    edges = {
        "u": u,
        "v": v,
        "length_m": np.full(u.size, step_m),
        "speed_kmh": np.full(u.size, 30.0),
        "edge_type": np.zeros(u.size, np.int64),
    }
    return ImportedLayer("roads", nodes, edges, ["intersection"], ["residential"])


def _components(layer) -> int:
    return connected_components(layer.adjacency(), directed=False)[0]


def test_replacing_a_districts_roads_keeps_the_city_connected_and_its_crossings(toy):
    city, spec, net = toy
    placed = place_in_district(_grid_roads(6, 500.0), city, "Gamma")
    out = add_imported_network(
        net, placed, city, "Gamma", replace=True, spec=spec, rng=np.random.default_rng(0)
    )
    roads, before = out.layers["roads"], net.layers["roads"]
    gamma = roads.nodes["district"] == 2
    assert (roads.nodes["import_id"][gamma] == 0).all() and gamma.sum() == 36
    assert _components(before) == 1 and _components(roads) == 1
    # every river crossing, ferry and the tunnel-bridge into Gamma survive, re-attached to
    # the grid; the tunnel keeps at least its modelled length
    assert roads.edges["crossing"].sum() == before.edges["crossing"].sum()
    tunnel = roads.edges["edge_type"] == roads.edge_types.index("tunnel_bridge")
    assert tunnel.sum() == 1 and roads.edges["length_m"][tunnel][0] >= 8900.0
    # nodes of other layers in Gamma point to Gamma's (new) intersections
    for name in ("power", "water", "drainage"):
        layer = out.layers[name]
        rn = layer.nodes["road_node"][layer.nodes["district"] == 2]
        assert (roads.nodes["import_id"][rn] == 0).all()
    assert out.dependency_summary()["n_links"].tolist() == (
        net.dependency_summary()["n_links"].tolist()
    )


def test_added_roads_are_joined_to_the_streets_by_connectors(toy):
    city, spec, net = toy
    placed = place_in_district(_grid_roads(4, 300.0), city, "Delta")
    out = add_imported_network(
        net, placed, city, "Delta", replace=False, spec=spec, rng=np.random.default_rng(0)
    )
    roads = out.layers["roads"]
    assert roads.n_nodes == net.layers["roads"].n_nodes + 16
    n_conn = out.meta["imports"][0]["road_connectors"]
    assert 1 <= n_conn <= ROAD_CONNECTORS
    assert _components(roads) == 1


def test_replacing_power_relinks_the_pumps_that_fed_on_it(toy):
    city, spec, net = toy
    # A small imported grid for Delta: one source substation, four transformers on a line.
    code = np.array([0, 1, 1, 1, 1])
    grid = ImportedLayer(
        "power",
        {
            "x_m": np.arange(5) * 400.0,
            "y_m": np.zeros(5),
            "asset_type": code,
            "is_source": code == 0,
            "customers_households": np.array([0, 1.0, 1.0, 1.0, 1.0]),
        },
        {"u": np.arange(4), "v": np.arange(1, 5)},
        ["substation_110_35kv", "distribution_transformer_10kv"],
        ["line"],
    )
    placed = place_in_district(grid, city, "Delta")
    out = add_imported_network(
        net, placed, city, 3, replace=True, spec=spec, rng=np.random.default_rng(0)
    )
    power, drainage = out.layers["power"], out.layers["drainage"]
    new = np.flatnonzero(power.nodes["import_id"] == 0)
    (dep,) = [x for x in out.dependencies if x.dependent_layer == "drainage"]
    in_delta = drainage.nodes["district"][dep.dependent] == 3
    assert in_delta.any()
    assert np.isin(dep.supplier[in_delta], new).all()
    assert (
        power.nodes["asset_type"][dep.supplier[in_delta]]
        == power.asset_type_code("distribution_transformer_10kv")
    ).all()
    assert out.meta["imports"][0]["dependencies_relinked"] >= in_delta.sum()
    # Delta keeps its households, spread over the imported transformers (1:1:1:1)
    before = net.layers["power"].nodes
    households = before["customers_households"][before["district"] == 3].sum()
    got = power.nodes["customers_households"][new]
    assert got.sum() == pytest.approx(households) and np.ptp(got[1:]) <= 1


def test_unknown_district_is_named():
    city = make_toy_city()
    with pytest.raises(NetworkImportError, match="Omega"):
        place_in_district(_grid_roads(2, 100.0), city, "Omega")


# ------------------------------------------------------------------ broken and quirky files
def _scenario_with_import(tmp_path: Path, inp_text: str, *, encoding: str = "utf-8") -> Path:
    """A Net3 scenario whose import file is `inp_text` (in `tmp_path`)."""
    inp = tmp_path / "net.inp"
    inp.write_bytes(inp_text.encode(encoding))
    path = tmp_path / "s.yaml"
    body = f"""\
        extends: {NET3_SCENARIO}
        networks:
          imports: [{{layer: water, format: epanet, file: {inp}, district: {PUDONG}}}]
        """
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_check_data_returns_a_problem_for_a_broken_import_file(tmp_path):
    from sim.models.data_check import check_data

    text = NET3.read_text(encoding="utf-8").replace(
        " 20              \t3               \t20              \t99 ",
        " 20              \t3               \t20              \t0 ",
    )
    path = _scenario_with_import(tmp_path, text)
    scen = load_scenario(path)
    (problem,) = check_data(scen, str(path))
    assert problem.field == "networks.imports[0].file"
    assert problem.message.startswith(f"{tmp_path / 'net.inp'}: line 117: [PIPES] pipe '20'")


def test_cli_validate_and_run_exit_2_without_a_traceback_on_a_broken_import(tmp_path):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    path = _scenario_with_import(tmp_path, '{"not": "epanet"}')
    for args in (["validate", str(path)], ["run", str(path), "-q", "--out", str(tmp_path / "r")]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2, res.output
        assert f"{path}: networks.imports[0].file: {tmp_path / 'net.inp'}: this is a JSON" in (
            res.output
        )
        assert "Traceback" not in res.output
    assert not (tmp_path / "r").exists()


def test_run_backstop_turns_an_import_error_into_exit_2(tmp_path, monkeypatch):
    """Should an import fail after validation passed, run still exits 2 with the message."""
    from typer.testing import CliRunner

    import sim.networks.compose as compose
    from sim.interfaces.cli.main import app
    from sim.networks.errors import NetworkImportError

    def fail(*args, **kwargs):
        raise NetworkImportError("somewhere.inp: gone")

    monkeypatch.setattr(compose, "import_networks", fail)
    monkeypatch.setattr("sim.networks.infrastructure.import_networks", fail)
    overrides = [arg for o in SHORT for arg in ("-p", o)]
    out = ["-q", "--no-figures", "--out", str(tmp_path / "r")]
    res = CliRunner().invoke(app, ["run", str(NET3_SCENARIO), *overrides, *out])
    assert res.exit_code == 2 and "somewhere.inp: gone" in res.output, res.output
    assert "Traceback" not in res.output and not (tmp_path / "r").exists()


def test_a_run_records_the_import_warnings_as_events(tmp_path):
    from sim.models.emergency import CityModel

    text = NET3.read_text(encoding="utf-8")
    text = "\n".join(ln for ln in text.split("\n") if not ln.strip().startswith("Units"))
    path = _scenario_with_import(tmp_path, "\ufeff" + text)  # a BOM too: read silently
    scen = load_scenario(path, SHORT)
    with pytest.warns(NetworkImportWarning, match=r"\[OPTIONS\] has no Units"):
        model = CityModel(scen)
    events = model.events.to_frame()
    rows = events[events["kind"] == "import_warning"]
    assert len(rows) == 1 and rows["t_h"].tolist() == [0.0]
    assert rows["detail"].iloc[0].startswith(f"{tmp_path / 'net.inp'}: [OPTIONS] has no Units")
    assert rows["layer"].iloc[0] == "water"
    assert rows["district"].iloc[0] == model.city.index_of(PUDONG)
    assert model.infra.net.meta["imports"][0]["warnings"] == [rows["detail"].iloc[0]]


def test_one_way_roads_survive_composition_and_unconnected_nodes_are_named(toy):
    city, spec, net = toy
    grid = _grid_roads(3, 400.0)
    grid.edges["oneway"] = np.arange(grid.n_edges) % 2 == 0
    nodes = {k: np.concatenate([v, v[:2]]) for k, v in grid.nodes.items()}
    nodes["x_m"][-2:] += 5000.0  # an island of two nodes off the grid
    edges = {k: np.concatenate([v, v[:1]]) for k, v in grid.edges.items()}
    edges["u"][-1], edges["v"][-1] = 9, 10
    layer = ImportedLayer("roads", nodes, edges, ["intersection"], ["residential"], source="g")
    placed = place_in_district(layer, city, "Delta")
    with pytest.warns(NetworkImportWarning, match=r"^g: 2 of 11 nodes lie outside"):
        out = add_imported_network(
            net, placed, city, "Delta", replace=False, spec=spec, rng=np.random.default_rng(0)
        )
    roads = out.layers["roads"]
    imp = np.flatnonzero(roads.nodes["import_id"] == 0)
    from_import = np.isin(roads.edges["u"], imp) & np.isin(roads.edges["v"], imp)
    assert roads.edges["oneway"][from_import].sum() == grid.edges["oneway"].sum() + 1
    assert not roads.edges["oneway"][~from_import].any()  # synthetic streets stay two-way
    (msg,) = out.meta["imports"][0]["warnings"]
    assert "('9', '10')" in msg and "road connectors attach only to that part" in msg


def test_cli_prints_an_import_warning_once_and_validates(tmp_path):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    text = NET3.read_text(encoding="utf-8")
    text = "\n".join(ln for ln in text.split("\n") if not ln.strip().startswith("Units"))
    path = _scenario_with_import(tmp_path, text)
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    line = f"warning: {tmp_path / 'net.inp'}: [OPTIONS] has no Units"
    assert res.output.count(line) == 1 and "NetworkImportWarning" not in res.output
