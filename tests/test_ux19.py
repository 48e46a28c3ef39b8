"""Fresh-clone review of issues 18 and 19: what users see of the gas and telecom layers and of
the 1:1 population (charts, household table columns, labels, import traces)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.networks.cascade import service_by_district
from sim.results.figures import impact_panels, resilience_panels
from sim.results.run_folder import timeseries_frame
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


@pytest.fixture(scope="module")
def example_run():
    """The example-city typhoon, 6 hours."""
    from sim.models.emergency import CityModel

    model = CityModel(load_scenario(EXAMPLE, ["time.duration_h=6"]))
    model.run()
    return model


# ------------------------------------------------ 1. gas and telecom in the charts and records


def test_gas_and_telecom_are_recorded_hourly_per_district(example_run):
    model = example_run
    layers = model.infra.functionality_layers
    assert {"power", "water", "drainage", "roads", "gas", "telecom"} <= set(layers)
    ts = timeseries_frame(model)
    assert set(ts["layer"]) == set(layers)
    n_hours = ts["t_h"].nunique()
    for layer in ("gas", "telecom"):
        rows = ts[ts["layer"] == layer]
        assert len(rows) == n_hours * model.city.n_districts
        assert rows["functionality"].between(0.0, 1.0).all()
    # the last hour's record is the network's state at the end of the run, by hand
    last = ts[ts["t_h"] == ts["t_h"].max()].set_index(["layer", "district"])["functionality"]
    for layer in ("gas", "telecom"):
        served, total = service_by_district(
            model.infra.layers[layer], model.infra.functional[layer], model.city.n_districts
        )
        want = np.where(total > 0, served / np.where(total > 0, total, 1.0), 1.0)
        np.testing.assert_allclose(last[layer].sort_index().to_numpy(), want, atol=1e-12)


def test_a_district_whose_gas_and_cell_sites_are_down_has_no_such_service(example_run):
    infra = example_run.infra
    saved = {k: infra.functional[k].copy() for k in ("gas", "telecom")}
    try:
        for layer in ("gas", "telecom"):
            in_0 = infra.layers[layer].nodes["district"] == 0
            assert in_0.any() and (~in_0).any()
            infra.functional[layer][:] = ~in_0  # district 0 down, all others up
        func = infra.district_functionality()
        for layer in ("gas", "telecom"):
            assert func[layer][0] == 0.0
            assert (func[layer][1:] == 1.0).all()
    finally:
        for k, v in saved.items():
            infra.functional[k][:] = v


def test_the_resilience_curves_and_impact_map_show_gas_and_telecom(example_run):
    (panel,) = resilience_panels(example_run)
    assert {"gas", "telecom"} <= set(panel.data["functionality"])
    assert panel.values.shape[0] == len(example_run.infra.functionality_layers)
    titles = [p.title for p in impact_panels(example_run)]
    assert "households without gas, worst hour" in titles
    assert "households without mobile service, worst hour" in titles


def test_the_datacollector_carries_a_column_per_layer(example_run):
    from sim.agents.district_government import DistrictGovernment

    df = example_run.datacollector.get_agenttype_vars_dataframe(DistrictGovernment)
    for layer in example_run.infra.functionality_layers:
        assert layer in df.columns
    # each column reads its own layer (no late-binding lambda: gas ≠ roads column)
    last = df.xs(df.index.get_level_values(0).max(), level=0)
    func = example_run.infra.district_functionality()
    gov = {g.unique_id: g.district for g in example_run.districts}
    for layer in ("gas", "telecom", "roads"):
        got = last[layer].dropna()
        want = np.array([func[layer][gov[i]] for i in got.index])
        np.testing.assert_allclose(got.to_numpy(), want, atol=1e-12)


# ------------------------------------------------ 2. the last age band is open in the name


def test_age_columns_name_the_last_band_open():
    from sim.results.household_table import age_columns

    bands = [(0.0, 15.0), (15.0, 60.0), (60.0, 65.0), (65.0, 85.0)]
    assert age_columns(bands) == [
        "persons_aged_0_to_15",
        "persons_aged_15_to_60",
        "persons_aged_60_to_65",
        "persons_aged_65_plus",
    ]
    assert age_columns([(0.0, 100.0)]) == ["persons_aged_0_plus"]


@pytest.fixture(scope="module")
def full_table(tmp_path_factory):
    """The example typhoon, 3 hours, with the 1:1 population: (model, households table)."""
    from sim.models.emergency import CityModel
    from sim.results import household_table as ht

    mp = pytest.MonkeyPatch()
    mp.setenv("CITYSAFE_CACHE", str(tmp_path_factory.mktemp("cache")))
    ht.run_population.cache_clear()
    model = CityModel(load_scenario(EXAMPLE, ["population.resolution=full", "time.duration_h=3"]))
    model.run()
    yield model, ht.household_table(model, {})
    ht.run_population.cache_clear()
    mp.undo()


def test_the_household_table_counts_the_oldest_band_as_open(full_table):
    model, table = full_table
    ages = [c for c in table.columns if c.startswith("persons_aged_")]
    assert ages == [
        "persons_aged_0_to_15",
        "persons_aged_15_to_60",
        "persons_aged_60_to_65",
        "persons_aged_65_plus",
    ]
    assert (table[ages].sum(axis=1) == table["persons"]).all()
    share = table["persons_aged_65_plus"].sum() / table["persons"].sum()
    assert share == pytest.approx(0.14, abs=0.02)  # example city.yaml: 65 and over 14 %


# ------------------------------------------------ 3. warning reach without a warning


def test_a_share_shows_two_decimals_and_no_warning_says_so():
    from sim.results.outcome_text import format_outcome

    assert format_outcome("warning_reach_share", 1.0) == "1.00"
    assert format_outcome("warning_reach_share", 0.8731) == "0.87"
    assert format_outcome("warning_reach_share", 1.0, warned=False) == "no warning issued"
    assert format_outcome("shocks.lekima.warning_reach_share", 0.5) == "0.50"
    assert format_outcome("deaths", 1.0, warned=False) == "1"  # only the reach share changes
    assert format_outcome("direct_loss_yuan", 2.5e9) == "2.50 bn"


@pytest.fixture(scope="module")
def unwarned_run():
    """The example typhoon, 2 hours, with warnings disabled: no colour is ever in force."""
    from sim.models.emergency import CityModel

    model = CityModel(
        load_scenario(EXAMPLE, ["time.duration_h=2", "warnings.mode=disabled", "events=[]"])
    )
    model.run()
    return model


def test_the_console_and_report_say_no_warning_was_issued(unwarned_run, example_run):
    import io

    from rich.console import Console

    from sim.results.html_report import outcome_rows
    from sim.results.report import print_summary
    from sim.results.summary import summarise

    assert not unwarned_run.warning_issued and example_run.warning_issued
    summary = summarise(unwarned_run, 0.0)
    assert summary["warning_reach_share"] is None  # null: a share of nobody warned
    scen = unwarned_run.config
    rows = {r[0]: r[2] for r in outcome_rows(summary, scen, warned=False)}
    assert rows["warning_reach_share"] == "no warning issued"
    buf = io.StringIO()
    print_summary(Console(file=buf, width=120), summary, scen, warned=False)
    line = next(x for x in buf.getvalue().splitlines() if "warning_reach" in x)
    assert "no warning issued" in line
    warned = summarise(example_run, 0.0)
    rows = {r[0]: r[2] for r in outcome_rows(warned, example_run.config)}
    assert rows["warning_reach_share"] == f"{warned['warning_reach_share']:.2f}"


def test_the_ensemble_tables_show_the_share_with_two_decimals():
    import io

    from rich.console import Console

    from sim.results.ensemble import ensemble_report
    from sim.results.ensemble_report import _table

    stats = {"warning_reach_share": {"median": 1.0, "p5": 0.9, "p95": 1.0}}
    scen = load_scenario(EXAMPLE)
    html = _table(stats, ["warning_reach_share"], {})
    assert ">1.00<" in html and "[0.90, 1.00]" in html
    buf = io.StringIO()
    Console(file=buf, width=120).print(ensemble_report(stats, scen, 2, 120))
    assert "1.00" in buf.getvalue() and "[0.90, 1.00]" in buf.getvalue()


# ------------------------------------------------ 4. labels


def test_the_service_loss_labels_read_alike_and_name_their_counts():
    from sim.results.outcome_text import outcome_label

    for service in ("power", "water", "gas"):
        label = outcome_label(f"customer_hours_without_{service}")
        assert label == f"Households × hours without {service} (customer-hours)"
    assert outcome_label("gas_fires_explosions") == "Gas fires and explosions (count)"
    assert outcome_label("telecom_sites_down") == (
        "Base stations out of service at once, peak (base stations)"
    )


def test_residents_simulated_says_what_it_counts_with_and_without_the_population():
    from sim.results.html_report import outcome_rows

    summary = {"residents_simulated": 1000}
    off = load_scenario(EXAMPLE)
    full = load_scenario(EXAMPLE, ["population.resolution=full"])
    assert outcome_rows(summary, off)[0][1] == (
        "People in the relocation categories' households (persons)"
    )
    assert outcome_rows(summary, full)[0][1] == "Residents simulated at 1:1 (persons)"


# ------------------------------------------------ 5. GraphML gas nodes without a position


def test_a_graphml_gas_node_without_position_is_refused_without_a_warning(tmp_path):
    import warnings

    import networkx as nx

    from sim.networks.gas_import import read_gas_graphml
    from sim.networks.import_files import NetworkImportError

    g = nx.Graph()
    g.add_node("G", x=121.40, y=31.20, kind="gate_station")
    g.add_node("J", kind="junction")  # no x, y
    g.add_node("R", x=121.41, y=31.21, kind="regulator_station", households=100)
    g.add_edge("G", "J", id="M1", pressure="medium", material="steel", install_year=2000)
    g.add_edge("J", "R", id="M2", pressure="medium", material="steel", install_year=2000)
    nx.write_graphml(g, tmp_path / "gas.graphml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning first would raise here instead
        with pytest.raises(NetworkImportError) as exc:
            read_gas_graphml(tmp_path / "gas.graphml")
    msg = str(exc.value)
    assert "gas.graphml" in msg and "'J'" in msg and "no 'x' and 'y'" in msg
    assert "'G'" not in msg and "'R'" not in msg


# ------------------------------------------------ 7. a damaged population cache, as the CLI says


def test_a_damaged_population_cache_is_reported_as_a_warning_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app
    from sim.results import household_table as ht

    monkeypatch.setenv("CITYSAFE_CACHE", str(tmp_path / "cache"))
    ht.run_population.cache_clear()
    args = ["-p", "population.resolution=full", "-p", "time.duration_h=1", "--no-figures", "-q"]
    cli = CliRunner()
    first = cli.invoke(app, ["run", str(EXAMPLE), "--out", str(tmp_path / "a"), *args])
    assert first.exit_code == 0, first.output
    (cache,) = (tmp_path / "cache" / "population").glob("population-*.npz")
    cache.write_bytes(cache.read_bytes()[:-64] + b"\0" * 64)  # damaged on disk
    ht.run_population.cache_clear()
    second = cli.invoke(app, ["run", str(EXAMPLE), "--out", str(tmp_path / "b"), *args])
    ht.run_population.cache_clear()
    assert second.exit_code == 0, second.output
    lines = [x for x in second.output.splitlines() if "rebuilding the population" in x]
    assert len(lines) == 1, second.output
    assert lines[0].startswith(f"warning: {cache}: ")
    assert "UserWarning" not in second.output and "warnings.warn" not in second.output


# ------------------------------------------------ 6. a gas import leaves a trace


def test_a_gas_import_is_said_in_the_console_and_logged_in_the_run(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    gas = ROOT / "scenarios" / "data" / "networks" / "gas-example.geojson"
    scen = tmp_path / "gas.yaml"
    scen.write_text(
        f"extends: {EXAMPLE}\nname: gas-import\nnetworks:\n  imports:\n"
        f"    - {{layer: gas, format: geojson, file: {gas}, district: Old Harbour, "
        "replace: true}\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    args = ["run", str(scen), "--out", str(out), "-p", "time.duration_h=1", "--no-figures", "-q"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    lines = [x for x in res.output.splitlines() if x.startswith("imported: ")]
    assert len(lines) == 1, res.output
    # 18 stations, junctions and mains in the file (its README: 1 + 2 + 6 points, 9 pipes)
    assert lines[0].startswith("imported: gas-example.geojson: gas layer, district Old Harbour: ")
    assert "18 nodes imported, replacing " in lines[0] and "0 warning(s)" in lines[0]
    ev = pd.read_parquet(out / "events.parquet")
    logged = ev[ev["kind"] == "network_import"]
    assert len(logged) == 1 and logged["layer"].iloc[0] == "gas"
    assert lines[0] == f"imported: {logged['detail'].iloc[0]}"
