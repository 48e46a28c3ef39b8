"""Issue 17, tables that mislead: the flood depth a storm surge leaves in ``timeseries.parquet``,
power line faults counted apart from substations, and ensemble counts shown as counts."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from sim.networks.spec import SUBSTATION_TYPES
from sim.results.ensemble import outcome_stats, print_ensemble, shown_stats, write_ensemble
from sim.results.ensemble_report import _table
from sim.results.run_folder import timeseries_frame
from sim.results.summary import summarise
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SURGE = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


# ------------------------------------------- 1. the storm surge's depth in timeseries.parquet


@pytest.fixture(scope="module")
def surge_model():
    """The storm surge on a coarse network, stepped hourly, through the storm tide's peak
    (14 h after the start): each hourly record is then the physics step's own field."""
    from sim.models.emergency import CityModel

    overrides = ["networks.resolution=0.1", "time.duration_h=18", "time.physics_step_h=1"]
    model = CityModel(load_scenario(SURGE, overrides))
    model.run()
    return model


def test_the_storm_surges_flood_depth_is_in_the_hourly_table(surge_model):
    ts = timeseries_frame(surge_model)
    assert (ts["road_depth_m"] == 0.0).all()  # no rain: no ponding (the column says so)
    hourly = ts[ts["layer"] == "power"].groupby("district")["flood_depth_m"].max()
    peak = surge_model.hazard_record.peak_flood_depth_m  # what flood_map.png draws
    # stepped hourly, the deepest hour of each district is its deepest physics step
    np.testing.assert_allclose(hourly.sort_index().to_numpy(), peak, rtol=0, atol=1e-12)
    assert hourly.max() > 1.0  # metres of water behind the overflowing Huangpu walls
    assert (hourly == 0.0).sum() >= 1  # and inland districts stay dry
    first = ts[ts["t_h"] == ts["t_h"].min()]
    assert (first["flood_depth_m"] == 0.0).all()  # before the overflow


def test_a_run_without_a_flooding_hazard_records_zero_flood_depth():
    from sim.models.emergency import CityModel

    model = CityModel(load_scenario(EXAMPLE, ["time.duration_h=3"]))
    model.run()
    ts = timeseries_frame(model)
    assert "flood_depth_m" in ts.columns and (ts["flood_depth_m"] == 0.0).all()


# ------------------------------------------------ 2. power line faults apart from substations


def _power_types(model, nodes) -> np.ndarray:
    layer = model.infra.layers["power"]
    return np.asarray(layer.asset_types)[layer.nodes["asset_type"][nodes]]


def test_power_line_faults_and_substations_failed_count_their_own_assets():
    """An inject damaging one substation and two feeders by hand; then a typhoon's own damage:
    the two keys split the power layer's damage events by asset type and add up to them."""
    from sim.models.emergency import CityModel

    model = CityModel(load_scenario(EXAMPLE, []))
    layer = model.infra.layers["power"]
    types = np.asarray(layer.asset_types)[layer.nodes["asset_type"]]
    station = np.flatnonzero(np.isin(types, SUBSTATION_TYPES))[:1]
    feeders = np.flatnonzero(types == "distribution_transformer_10kv")[:2]
    assert station.size == 1 and feeders.size == 2
    model.infra.damage_nodes(model.context, "power", np.r_[station, feeders], "power_fault")
    s = summarise(model, 0.0)
    assert (s["power_line_faults"], s["substations_failed"]) == (2, 1)
    model.run()
    s = summarise(model, 0.0)
    ev = model.events.to_frame()
    hit = ev.loc[(ev["kind"] == "damage") & (ev["layer"] == "power"), "asset"].to_numpy()
    is_station = np.isin(_power_types(model, hit), SUBSTATION_TYPES)
    assert s["substations_failed"] == int(is_station.sum()) >= 1
    assert s["power_line_faults"] == int((~is_station).sum()) > 2  # the storm's faults too
    assert s["power_line_faults"] + s["substations_failed"] == model.infra.damage_count("power")


# ---------------------------------------------------- 3. ensemble counts shown as counts


def _ens_stats():
    # counts by their own values (numpy.quantile inverted_cdf, Hyndman & Fan 1, n = 10: the
    # smallest value with a share >= q at or below it): incidents 13 14 15 16 17 18 19 20 40
    # 70 → p5 13, median 17 (the lower middle one), p95 70; injuries nine 0s and a 1 → 0, 0,
    # 1. Others linear (definition 7, h = 1 + 9p): deaths (not whole) 0.5 1 … 9 → median 4.5;
    # customer-hours 0 … 90 → 4.5, 45, 85.5.
    table = pd.DataFrame(
        {
            "incidents": [13, 14, 15, 16, 17, 18, 19, 20, 40, 70],
            "injuries": [0] * 9 + [1],
            "deaths": [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9],  # not whole: shown as it is
            "customer_hours_without_power": [10.0 * i for i in range(10)],
        }
    )
    scen = load_scenario(EXAMPLE, [])
    units = type(scen).OUTCOME_UNITS or {}  # as `citysafe run --replications` passes them
    return scen, table, outcome_stats(table, list(table.columns), {}, units)


def test_ensemble_counts_read_as_whole_numbers_and_the_json_keeps_them(tmp_path):
    scen, table, stats = _ens_stats()
    inc = stats["incidents"]
    assert (inc["p5"], inc["median"], inc["p95"]) == (13, 17, 70)
    assert inc["whole_numbers"] and not stats["deaths"]["whole_numbers"]
    assert inc["quantiles"] == "inverted_cdf" and stats["deaths"]["quantiles"] == "linear"
    units = type(scen).OUTCOME_UNITS
    assert shown_stats("incidents", inc, units) == (17, 13, 70)
    assert shown_stats("injuries", stats["injuries"], units) == (0, 0, 1)
    d = stats["deaths"]
    assert shown_stats("deaths", d, units) == (d["median"], d["p5"], d["p95"])  # 4.5 kept
    c = stats["customer_hours_without_power"]  # not a count: interpolated
    assert shown_stats("customer_hours_without_power", c, units) == (45, 4.5, 85.5)
    write_ensemble(table, stats, tmp_path, {"seed": 1})
    saved = json.loads((tmp_path / "ensemble.json").read_text())["outcomes"]["incidents"]
    assert (saved["p5"], saved["median"], saved["p95"]) == (13, 17, 70)
    console = Console(file=io.StringIO(), width=200)
    print_ensemble(console, stats, scen, len(table))
    out = console.file.getvalue()
    [row] = [ln for ln in out.splitlines() if " incidents " in ln]
    assert " 17 " in row and "[13, 70]" in row and "13.45" not in row and "17.50" not in row
    [row] = [ln for ln in out.splitlines() if " injuries " in ln]
    assert "[0, 1]" in row and "0.55" not in row
    [row] = [ln for ln in out.splitlines() if " deaths " in ln]
    assert "4.50" in row  # a mean of fractions stays a fraction
    html = _table(stats, list(stats), units)
    assert ">17<" in html and ">[13, 70]<" in html and "13.45" not in html


def test_an_observed_count_is_inside_exactly_when_the_shown_interval_holds_it():
    scen, table, _ = _ens_stats()
    units = type(scen).OUTCOME_UNITS
    for value in (12, 13, 70, 71):  # around both ends of [13, 70]
        obs = SimpleNamespace(value=value, low=None, high=None)  # an observed record's fields
        s = outcome_stats(table, ["incidents"], {"incidents": obs}, units or {})["incidents"]
        _, low, high = shown_stats("incidents", s, units)
        assert s["inside"] == (low <= value <= high), value


def test_two_replications_of_a_count_read_as_their_own_values():
    scen = load_scenario(EXAMPLE, [])
    units = type(scen).OUTCOME_UNITS or {}
    for values, shown in (([0, 1], (0, 0, 1)), ([0, 2], (0, 0, 2)), ([10, 9], (9, 9, 10))):
        s = outcome_stats(pd.DataFrame({"incidents": values}), ["incidents"], {}, units)
        assert shown_stats("incidents", s["incidents"], units) == shown, values


def test_observed_column_shows_the_spread_inside_is_judged_against():
    """An observed figure with a reported spread shows it beside the value (console and
    report), so "inside: yes" for an interval that meets only the spread can be checked."""
    from sim.results.ensemble import observed_cell

    spread = {"value": 253000.0, "low": 149000.0, "high": 259000.0}
    assert observed_cell("people_relocated", spread, None) == "253,000 (149,000-259,000)"
    assert observed_cell("people_relocated", {"value": 253000.0}, None) == "253,000"
    same = {"value": 5.0, "low": 5.0, "high": 5.0}
    assert observed_cell("deaths", same, None) == "5"
