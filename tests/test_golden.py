"""Golden regression: the summary outcomes of every shipped scenario at its own seed.

The values in ``tests/golden/summaries.json`` were produced by ``citysafe run SCENARIO
--no-figures`` (each entry's ``source`` names the command and commit). A refactoring must
leave them identical; a change that moves them on purpose re-pins them with
``tests/golden/pin.py --reason ...`` and says why in its commit. Integer outcomes must match
exactly; floats to 1e-9 relative (the same arithmetic in the same order).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))
from pin import GOLDEN, run_summary, shipped  # noqa: E402

PINNED = json.loads(GOLDEN.read_text())["scenarios"]
SCENARIOS = shipped()


def test_every_shipped_scenario_is_pinned():
    assert sorted(SCENARIOS) == sorted(PINNED), "pin new scenarios with tests/golden/pin.py"


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_summary_matches_golden(key):
    got = run_summary(SCENARIOS[key])
    want = PINNED[key]["summary"]
    assert sorted(got) == sorted(want), "summary keys changed"
    wrong = {
        k: (got[k], v)
        for k, v in want.items()
        if not (got[k] == v or (isinstance(v, float) and math.isclose(got[k], v, rel_tol=1e-9)))
    }
    assert not wrong, f"{key}: (simulated, golden) {wrong}; source: {PINNED[key]['source']}"
