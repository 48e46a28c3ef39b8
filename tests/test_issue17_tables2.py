"""Issue 17, tables that mislead: the flood depth a storm surge leaves in ``timeseries.parquet``,
power line faults counted apart from substations, and ensemble counts shown as counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.networks.spec import SUBSTATION_TYPES
from sim.results.summary import summarise
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SURGE = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


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
