"""citysafe's own pandas calls are correct under pandas 2.x and 3.x alike.

CI runs pandas 2 (the base dependencies cap it below 3: pandapower does, see pyproject.toml),
while the code is kept clean for pandas 3 so that the cap can be lifted. The whole suite was
run under pandas 3.1.1: its only failures were pandapower's own element creation (its
``create_bus`` sets a bool into a float column, which pandas 3 refuses), and the Lekima and
example-city run folders were identical to pandas 2's but for wall time. What pandas 3 did flag
in citysafe's code were deprecations (``Pandas4Warning``, a ``DeprecationWarning``): they are
errors here, as are pandas 2's ``FutureWarning``s of behaviour that changes in 3, when raised
from a ``sim`` module. These tests fail without their fixes under pandas >= 3.1 (under 2.x
the deprecated calls warn of nothing).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from sim.results.runner import run_scenario
from sim.scenario import load_scenario
from sim.studies.analysis import sensitivity as sa
from sim.studies.analysis.tradeoff import paired_changes

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def pandas_deprecations_are_errors():
    """Deprecation and future warnings attributed to a ``sim`` module raise (pandas attributes
    its warnings to the first caller outside pandas; a library's own calls are not ours)."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, FutureWarning):
            warnings.filterwarnings("error", category=category, module=r"sim\.")
        yield


def _leontief(levels=(0.5, 1.0, 2.0)) -> pd.DataFrame:
    """Response time 60 / min(teams, equipment) + the replication's noise (common to its
    cells); supplies never bind."""
    rows = [
        {
            "scenario": "x",
            "replication": rep,
            "teams_scale": t,
            "equipment_scale": e,
            "supplies_scale": s,
            "response_time_mean_min": 60.0 / min(t, e) + noise,
        }
        for rep, noise in enumerate((0.0, 3.0, -1.5))
        for t in levels
        for e in levels
        for s in levels
    ]
    return pd.DataFrame(rows)


def test_paired_changes_join_the_baseline_without_deprecated_suffixes():
    """DataFrame.join(rsuffix=) is deprecated in pandas 3.1: the baseline's columns are
    renamed before the join instead; the paired changes are unchanged."""
    with pandas_deprecations_are_errors():
        ch = paired_changes(_leontief())
    ch = ch.set_index(["teams_scale", "equipment_scale", "supplies_scale"])
    assert ch.loc[(1.0, 1.0, 1.0), "change"] == 0.0
    assert ch.loc[(0.5, 2.0, 0.5), "change"] == pytest.approx(60.0)  # 60/0.5 - 60/1
    assert ch.loc[(2.0, 2.0, 1.0), "change"] == pytest.approx(-30.0)
    assert (ch["ci95"] == 0.0).all()  # common noise: paired differences are exact


def test_prim_table_joins_the_data_range_without_deprecated_suffixes():
    """The PRIM table of ``sweep analyse``: the box's limits beside the data's range
    (``lower_data``, ``upper_data``), with no deprecated join keyword."""
    names = ["x1", "x2"]
    box = sa.PrimResult(
        limits=pd.DataFrame({"x1": [0.5, 1.0], "x2": [0.0, 1.0]}, index=["lower", "upper"]),
        restricted=["x1"],
        coverage=0.95,
        density=0.9,
        mass=0.5,
        trajectory=pd.DataFrame(),
        selected=0,
        data_range=pd.DataFrame({n: [0.0, 1.0] for n in names}, index=["lower", "upper"]),
    )
    with pandas_deprecations_are_errors():
        table = sa.prim_table(box)
    assert list(table.index) == names
    assert list(table.columns) == [
        *("lower", "upper", "lower_data", "upper_data", "restricted"),
        *("coverage", "density", "mass"),
    ]
    assert table.loc["x1", ["lower", "upper", "lower_data"]].tolist() == [0.5, 1.0, 0.0]
    assert table["restricted"].tolist() == [True, False]


def test_an_example_city_run_calls_no_deprecated_pandas_api(tmp_path):
    """The guard of the kind: a whole run (city, hazards, dispatch, event log, tables, run
    folder) with pandas' deprecations raised from citysafe's code as errors."""
    scenario = load_scenario(ROOT / "scenarios" / "example-city" / "typhoon.yaml")
    with pandas_deprecations_are_errors():
        result = run_scenario(scenario, tmp_path / "run", figures=False)
    events = pd.read_parquet(tmp_path / "run" / "events.parquet")
    assert len(events) > 0 and result.summary["incidents"] > 0
    assert events["time_utc"].dt.tz is not None  # an instant (UTC), in either pandas' unit
