"""Issue 17, tables that mislead: the flood depth a storm surge leaves in ``timeseries.parquet``,
power line faults counted apart from substations, and ensemble counts shown as counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.networks.spec import SUBSTATION_TYPES
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
