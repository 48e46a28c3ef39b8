"""Issue 17, the fresh-clone review's last findings: flooded 10 kV transformers named, logged,
counted and repaired as transformers (not substations); observed figures that are lower or
upper bounds; the CJK font check of ``citysafe doctor`` and the figures' CJK font; the storm
surge's flood map showing what flooded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.damage.impact import UNIT_COST_YUAN
from sim.networks.infrastructure import INCIDENT_KIND, LOSS_ITEM
from sim.networks.spec import SUBSTATION_TYPES, TRANSFORMER_TYPES
from sim.response.incidents import INCIDENT_CATALOGUE
from sim.results.summary import SUMMARY_KEYS, summarise
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SURGE = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


@pytest.fixture(scope="module")
def surge_model():
    """The storm surge on a coarse network, stepped hourly, through the storm tide's peak
    (14 h after the start); ~2 s."""
    from sim.models.emergency import CityModel

    overrides = ["networks.resolution=0.1", "time.duration_h=18", "time.physics_step_h=1"]
    model = CityModel(load_scenario(SURGE, overrides))
    model.run()
    return model


# ------------------------------------------------ 2. flooded transformers are transformers


def test_a_flooded_transformer_has_its_own_kind_recipe_and_loss_item():
    kind = INCIDENT_KIND[("distribution_transformer_10kv", "flood_depth_m")]
    assert kind == "transformer_flood"
    assert LOSS_ITEM[kind] == "transformer_flood"
    assert UNIT_COST_YUAN["transformer_flood"][0] == 150_000.0  # not the substation's 3 M
    recipe, station = INCIDENT_CATALOGUE[kind], INCIDENT_CATALOGUE["substation_flood"]
    assert recipe.need.teams == {"power_repair": 1}  # one line crew, no drainage crew
    assert recipe.need.equipment == {"pump": 1, "generator": 1}
    assert recipe.work_h == 6.0 < station.work_h
    assert recipe.value_at_risk_yuan == 3.0e5 < station.value_at_risk_yuan
    assert "assumption" in recipe.basis


def test_the_surges_flooded_transformers_are_logged_counted_and_costed_as_transformers(
    surge_model,
):
    model = surge_model
    s = summarise(model, 0.0)
    assert list(s) == list(SUMMARY_KEYS) and "transformers_flooded" in s
    ev = model.events.to_frame()
    inc = ev[(ev["kind"] == "incident") & (ev["layer"] == "power")]
    layer = model.infra.layers["power"]
    types = np.asarray(layer.asset_types)[layer.nodes["asset_type"][inc["asset"].to_numpy()]]
    kinds = inc["detail"].to_numpy()
    on_transformers = kinds[np.isin(types, TRANSFORMER_TYPES)]
    on_stations = kinds[np.isin(types, SUBSTATION_TYPES)]
    # no wind, no shaking: every power incident is a flood, named after what flooded
    assert set(on_transformers) == {"transformer_flood"}
    assert set(on_stations) == {"substation_flood"}
    assert s["transformers_flooded"] == on_transformers.size > 100
    assert s["substations_failed"] == on_stations.size >= 1
    # a flooded transformer trips its feeder: part of power_line_faults (here all of them)
    assert s["power_line_faults"] == s["transformers_flooded"]
    counts = model.losses.counts
    assert counts["transformer_flood"] == s["transformers_flooded"]
    assert counts["substation_flood"] == s["substations_failed"]


def test_wind_faults_are_not_counted_as_flooded_transformers():
    """The example city's typhoon: its 10 kV faults are the wind's (and its rain ponding's
    flooded transformers, if any): transformers_flooded counts only the flood's, exactly."""
    from sim.models.emergency import CityModel

    model = CityModel(load_scenario(EXAMPLE, []))
    model.run()
    s = summarise(model, 0.0)
    ev = model.events.to_frame()
    inc = ev[(ev["kind"] == "incident") & (ev["layer"] == "power")]
    assert s["transformers_flooded"] == int((inc["detail"] == "transformer_flood").sum())
    wind = int((inc["detail"] == "power_line_fault").sum())
    assert wind > 0
    assert s["power_line_faults"] == wind + s["transformers_flooded"]
