"""Counts compared at their as-of time: the replay's running total at an hour equals the model's
own count at that hour, and reported as-of times convert to the scenario's hours
(sim.studies.calibration.relocation_replay, experiments/typhoon_calibration/storm_files.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sim.models.emergency import CityModel
from sim.scenario import load_scenario
from sim.studies.calibration.relocation_replay import (
    collect_trace,
    record_trace,
    replay_relocated,
)

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
sys.path.insert(0, str(ROOT / "experiments" / "typhoon_calibration"))
from storm_files import as_of_hours  # noqa: E402


def _model(overrides=()):
    return CityModel(load_scenario(EXAMPLE, ["seed=11", "warnings.mode=forecast", *overrides]))


@pytest.fixture(scope="module")
def traced():
    model = _model()
    record_trace(model)
    model.run()
    return model, collect_trace(model, {"people_relocated": model.people_relocated})


def test_the_running_total_at_an_hour_is_the_models_count_then(traced):
    full, trace = traced
    hours = [e[1] for e in trace.districts[0].events if e[0] == "step"]
    partial = []
    for h in (hours[len(hours) // 3], hours[len(hours) // 2]):
        model = _model()
        model.advance(h)  # the same run, stopped at hour h
        assert replay_relocated(trace, None, h) == pytest.approx(model.people_relocated, rel=1e-12)
        partial.append(model.people_relocated)
    assert 0 < partial[0] <= partial[1] < full.people_relocated  # the cut is not vacuous
    assert replay_relocated(trace, None, hours[-1]) == pytest.approx(full.people_relocated)
    assert replay_relocated(trace, None, -1.0) == 0.0  # before the first step: nobody


def test_a_posterior_draw_is_replayed_with_the_drawn_coefficients(tmp_path):
    """The trace keeps the coefficients the households used, not the scenario's."""
    path = tmp_path / "posterior.csv"
    path.write_text("intercept,official_order,weight\n-2.5,4.0,1\n", encoding="utf-8")
    b = "response.relocation.behaviour"
    model = _model([f"{b}.posterior_draw=true", f"{b}.posterior_file={path}"])
    record_trace(model)
    model.run()
    trace = collect_trace(model, {})
    assert trace.relocation.behaviour.intercept == -2.5
    assert replay_relocated(trace) == pytest.approx(model.people_relocated, rel=1e-12)


def test_as_of_times_are_beijing_time_from_the_scenarios_start(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("time: {start_utc: '2018-07-19T00:00:00Z'}\n", encoding="utf-8")
    # 2018-07-22 00:00 BJT = 2018-07-21 16:00 UTC = 64 h after the start (Ampil's count)
    assert as_of_hours("2018-07-22 00:00 BJT", scenario) == 64.0
    # a bare date is the end of that day: 2018-07-21 24:00 BJT = 16:00 UTC the same day
    assert as_of_hours("2018-07-21", scenario) == 64.0
    assert as_of_hours(None, scenario) is None
    with pytest.raises(ValueError, match="expected 'YYYY-MM-DD HH:MM BJT'"):
        as_of_hours("before landfall (2012-08-08)", scenario)
