"""The hazard registry, through the worked example of docs/extending.md ("Adding a hazard").

The example's code is read from the doc and executed here: an ice-storm hazard with its own
intensity measure, schema block, curve, asset mapping and incident kind, registered without
touching model code. The test then runs a scenario with it and checks that it drives damage.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest
from docs_sections import python_blocks

from sim.damage.fragility import FRAGILITY_LIBRARY
from sim.hazards.base import HAZARDS, INTENSITY_MEASURES
from sim.networks.infrastructure import INCIDENT_KIND
from sim.networks.spec import DEFAULT_FRAGILITY_TABLE
from sim.scenario import hazard_blocks
from sim.scenario.loader import ScenarioError, validate_mapping

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Adding a hazard"


def example_code() -> str:
    return python_blocks(SECTION)


@pytest.fixture
def ice_storm():
    """Execute the doc's example; undo every registration afterwards."""
    module = types.ModuleType("ice_storm_example")  # a real module: pydantic resolves there
    sys.modules[module.__name__] = module
    exec(compile(example_code(), "docs: Adding a hazard", "exec"), module.__dict__)  # noqa: S102
    yield module.__dict__
    del sys.modules[module.__name__]
    HAZARDS.pop("ice_storm", None)
    hazard_blocks.unregister_block("ice_storm")
    INTENSITY_MEASURES.pop("ice_mm", None)
    FRAGILITY_LIBRARY.pop("power_10kv_line_ice", None)
    DEFAULT_FRAGILITY_TABLE["distribution_transformer_10kv"].pop("ice_mm", None)
    INCIDENT_KIND.pop(("distribution_transformer_10kv", "ice_mm"), None)


def ice_scenario(ice_mm: float) -> dict:
    return {
        "name": "ice-storm-example",
        "seed": 2008,
        "city": {"data_dir": "../data/shanghai"},
        "time": {"start_utc": "2008-01-26T00:00:00Z", "duration_h": 6, "physics_step_h": 0.5},
        "hazard": {
            "ice_storm": {"start_utc": "2008-01-26T00:00:00Z", "duration_h": 4, "ice_mm": ice_mm}
        },
        "networks": {"resolution": 0.1},
        "events": [{"type": "warning", "at_h": 0, "hazard": "ice_storm", "level": "orange"}],
    }


def load(data: dict):
    return validate_mapping(data, "test", ROOT / "scenarios" / "shanghai")


def test_unregistered_hazard_block_is_a_clear_error():
    with pytest.raises(ScenarioError, match="unknown hazard 'ice_storm'"):
        load(ice_scenario(40.0))


def test_registered_hazard_gets_its_block_and_warning(ice_storm):
    scen = load(ice_scenario(40.0))
    block = scen.hazard.ice_storm
    assert isinstance(block, ice_storm["IceStormConfig"]) and block.ice_mm == 40.0
    assert list(scen.hazard.blocks()) == ["ice_storm"]
    with pytest.raises(ScenarioError, match=r"ice_storm\.ice_mm"):
        load(ice_scenario(-1.0))  # the block's own validation, with its field path
    from sim.interfaces.app.forms import field_specs

    spec = next(s for s in field_specs("warning", ["Huangpu"], [], []) if s.name == "hazard")
    assert "ice_storm" in spec.choices


def test_registered_hazard_drives_damage_without_model_code(ice_storm):
    from sim.models.emergency import CityModel

    model = CityModel(load(ice_scenario(60.0)))
    assert "capacity.power.ice_mm" in model.streams.names
    model.run()
    ev = model.events.to_frame()
    damage = ev[(ev["kind"] == "damage") & (ev["layer"] == "power")]
    feeders = model.infra.layers["power"]
    ftype = feeders.asset_types.index("distribution_transformer_10kv")
    # Only 10 kV feeders carry the ice curve; ice reaches 60 mm (median 30 mm, beta 0.4:
    # P(fail) = Phi(ln 2 / 0.4) = 0.958), so nearly all of them fail and nothing else does.
    assert (feeders.nodes["asset_type"][damage["asset"]] == ftype).all()
    n_feeders = int((feeders.nodes["asset_type"] == ftype).sum())
    assert 0.90 * n_feeders < len(damage) <= n_feeders
    assert model.losses.by_item["power_fault"] > 0
    assert model.warning_centre.levels["ice_storm"] == "orange"
    # the same run without ice breaks nothing
    calm = CityModel(load(ice_scenario(1e-6)))
    calm.run()
    assert calm.infra.damage_count("power") == 0
    assert np.isfinite(model.losses.total_yuan)
