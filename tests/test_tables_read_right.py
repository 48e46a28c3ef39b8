"""Tables and sources that read right at first sight (issue 17, "Tables" and "Sources").

- the run folder's tables: district names beside ids, one completion column, whole persons
  that add up (largest remainder), the summary untouched;
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.results.runner import run_scenario
from sim.results.table_form import INCIDENT_COLUMNS, whole_persons
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    """The example city's typhoon (about 2 s), figures skipped."""
    out = tmp_path_factory.mktemp("example") / "run"
    return run_scenario(load_scenario(EXAMPLE), out, figures=False)


# --------------------------------------------------------------------------- whole persons
def test_largest_remainder_hand_computed():
    # floors 1 + 2 + 3 = 6, one person left for the largest remainder (a tie: the first)
    assert whole_persons([1.5, 2.5, 3.0]).tolist() == [2, 2, 3]
    # independent rounding would give 0 + 0 + 0 = 0 of the 1 person there is
    assert whole_persons([0.4, 0.4, 0.2]).tolist() == [1, 0, 0]
    assert whole_persons([0.3, 0.3, 0.4]).tolist() == [0, 0, 1]
    # a total asked for: the two largest remainders get one each
    assert whole_persons([0.6, 0.7, 0.7], total=2).tolist() == [0, 1, 1]
    assert whole_persons([], total=0).tolist() == []
    with pytest.raises(ValueError, match="not reachable"):
        whole_persons([0.5, 0.5], total=3)


def test_largest_remainder_conserves_the_total_and_stays_within_one():
    rng = np.random.default_rng(17)
    for _ in range(200):
        x = rng.gamma(0.7, 300.0, size=rng.integers(1, 20))
        w = whole_persons(x)
        assert w.sum() == int(np.rint(x.sum()))
        assert np.all(np.abs(w - x) < 1.0)


def test_incidents_table_has_names_one_completion_and_whole_persons(example_run):
    inc = pd.read_parquet(example_run.out_dir / "incidents.parquet")
    assert tuple(inc.columns) == INCIDENT_COLUMNS
    assert "complete_h" not in inc.columns and inc["t_completed_h"].notna().any()
    names = pd.read_csv(EXAMPLE_DATA / "districts.csv")["name_en"]
    assert (inc["district_name"] == names.to_numpy()[inc["district"].to_numpy()]).all()
    assert inc["district_name"].nunique() > 1
    assert inc["persons_at_risk"].dtype == np.int64
    # the in-memory records keep the dispatcher's columns: only the file is shaped
    rec = example_run.model.service.records()
    assert len(rec) == len(inc) and (rec["incident_id"].to_numpy() == inc["incident_id"]).all()
    done = rec["t_completed_h"].notna()
    assert np.allclose(rec.loc[done, "complete_h"], rec.loc[done, "t_completed_h"])


def test_written_persons_are_whole_and_add_up_hour_by_hour(example_run):
    out, model = example_run.out_dir, example_run.model
    ts = pd.read_parquet(out / "timeseries.parquet")
    mv = pd.read_parquet(out / "model_timeseries.parquet")
    for col in ("relocated", "infectious"):
        assert ts[col].dtype == np.int64
    for col in ("people_relocated_now", "deaths", "injuries"):
        assert mv[col].dtype == np.int64
    by_hour = ts[ts["layer"] == "power"].groupby("t_h")["relocated"].sum()
    assert (by_hour.to_numpy() == mv["people_relocated_now"].to_numpy()).all()
    assert by_hour.max() > 1000  # people did move: the check is not vacuous
    # each written hour is the model's own value rounded
    model_now = model.datacollector.get_model_vars_dataframe()["people_relocated_now"]
    assert np.all(np.abs(mv["people_relocated_now"].to_numpy() - model_now.to_numpy()) <= 0.5)
    # the model does hold fractions; each written district is within one person of its own
    raw = model.datacollector.get_agenttype_vars_dataframe(type(model.districts[0]))
    raw = raw.reset_index().rename(columns={"Step": "t_h"})
    assert (raw["relocated"] % 1 != 0).any()
    gov = {g.unique_id: g.district for g in model.districts}
    raw = raw[raw["AgentID"].isin(gov)].assign(district=lambda f: f["AgentID"].map(gov))
    both = ts[ts["layer"] == "power"].merge(raw, on=["t_h", "district"], suffixes=("", "_model"))
    assert len(both) == len(by_hour) * len(gov)
    assert np.all(np.abs(both["relocated"] - both["relocated_model"]) < 1.0)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["people_relocated"] == round(model.people_relocated)
