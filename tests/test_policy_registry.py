"""Policy plug-ins through the worked example of docs/extending.md ("Adding a policy").

The example's code is read from the doc and executed: a safety-training policy with its own
schema block and an ``adjust`` hook, registered without touching model code. The test runs
the chemical-park scenario with it off and on and checks its effect and its cost.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from docs_sections import python_blocks

from sim.agents.governance.policies.registry import PLUGINS, plugin, unregister_policy
from sim.models.longrun import RiskDynamicsModel
from sim.results.longrun_summary import summarise
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import dump_resolved
from sim.scenario.policies import (
    POLICY_BLOCKS,
    PoliciesConfig,
    PolicyBlock,
    register_policy_block,
    unregister_policy_block,
)

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Adding a policy"
PARK = ROOT / "scenarios" / "shanghai" / "chemical-park-dereliction.yaml"
SHORT = ["years.n_years=3"]


def example_code() -> str:
    return python_blocks(SECTION)


@pytest.fixture
def safety_training():
    """Execute the doc's example; undo its registrations afterwards."""
    module = types.ModuleType("safety_training_example")  # pydantic resolves names there
    sys.modules[module.__name__] = module
    exec(compile(example_code(), "docs: Adding a policy", "exec"), module.__dict__)  # noqa: S102
    yield module.__dict__
    del sys.modules[module.__name__]
    unregister_policy("safety_training")
    unregister_policy_block("safety_training")


def _run(*overrides: str) -> RiskDynamicsModel:
    m = RiskDynamicsModel(load_scenario(PARK, [*SHORT, *overrides]))
    m.run()
    return m


def test_the_docs_policy_registers_validates_and_acts(safety_training):
    assert "safety_training" in POLICY_BLOCKS and plugin("safety_training").name == (
        "safety_training"
    )
    off = _run()
    on = _run("policies.safety_training.enabled=true")
    # the hook: self-detection 0.5 (scenario default) + 0.4 (the block's default gain)
    assert off.governance.p.self_detection == 0.5
    assert on.governance.p.self_detection == pytest.approx(0.9)
    # the effect: more of each month's latent hazards found and rectified at the start
    lat_off = off.governance.monthly_frame()["latent_hazards"].to_numpy()[:3]
    lat_on = on.governance.monthly_frame()["latent_hazards"].to_numpy()[:3]
    assert (lat_on < lat_off).all(), (lat_on, lat_off)
    # the cost: 3 years x 4.0e6 yuan, one policy enabled
    s_off, s_on = summarise(off, 0.0), summarise(on, 0.0)
    assert (s_off["policy_cost_yuan"], s_on["policy_cost_yuan"]) == (0, 3 * 4_000_000)
    assert (s_off["policies_enabled"], s_on["policies_enabled"]) == (0, 1)
    # the resolved scenario keeps the block (a replay reads it back)
    assert "safety_training:\n    enabled: true" in dump_resolved(on.config)


def test_the_docs_policy_block_reports_bad_fields_with_their_path(safety_training, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"extends: {PARK}\npolicies: {{safety_training: {{self_detection_gain: 2}}, "
        "handbook: {enabld: true}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    text = str(err.value)
    assert "policies.safety_training.self_detection_gain" in text
    assert "policies.handbook.enabld" in text  # typed blocks' problems are kept alongside


def test_unknown_policies_and_policies_without_effects_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match="policies.training: unknown policy 'training'"):
        load_scenario(PARK, ["policies.training.enabled=true"])

    class Orphan(PolicyBlock):
        pass

    register_policy_block("orphan", Orphan)
    try:
        assert PoliciesConfig.model_validate({"orphan": {"enabled": True}}).enabled() == ["orphan"]
        with pytest.raises(KeyError, match="'orphan' has no effects registered"):
            RiskDynamicsModel(load_scenario(PARK, [*SHORT, "policies.orphan.enabled=true"]))
    finally:
        unregister_policy_block("orphan")
    assert "orphan" not in POLICY_BLOCKS and "orphan" not in PLUGINS
    with pytest.raises(ValueError, match="shipped policy"):
        unregister_policy_block("handbook")
    with pytest.raises(ValueError, match="lower-case identifier"):
        register_policy_block("Bad Name", Orphan)
