"""The relocation replay reproduces a run's relocation exactly and responds to the
behaviour coefficients as the PADM logistic says (sim.studies.calibration.relocation_replay)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.models.emergency import CityModel
from sim.scenario import load_scenario
from sim.studies.calibration.relocation_replay import (
    collect_trace,
    record_trace,
    replay_relocated,
)

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "example-city" / "typhoon.yaml"


@pytest.fixture(scope="module", params=["replay", "forecast"])
def traced(request):
    scenario = load_scenario(EXAMPLE, [f"warnings.mode={request.param}", "seed=11"])
    model = CityModel(scenario)
    record_trace(model)
    model.run()
    return model, collect_trace(model, {"people_relocated": model.people_relocated})


def test_replay_with_the_runs_coefficients_gives_its_relocation(traced):
    model, trace = traced
    assert model.people_relocated > 1000  # the storm moves people: the check is not vacuous
    assert replay_relocated(trace) == pytest.approx(model.people_relocated, rel=1e-12)
    same = model.config.response.relocation.behaviour.model_dump()
    assert replay_relocated(trace, same) == pytest.approx(model.people_relocated, rel=1e-12)


def test_compliance_falls_with_the_intercept_and_vanishes_without_orders(traced):
    _, trace = traced
    base = replay_relocated(trace)
    b0 = -1.0 + load_scenario(EXAMPLE).response.relocation.behaviour.intercept
    lower = replay_relocated(trace, {"intercept": b0})
    assert lower < base
    # no one complies: intercept -30 (the bound) and no order, level or exposure effect give
    # p <= e^-27 per household (the vessel term, +3, is the largest housing term)
    none = {"intercept": -30.0, "official_order": 0.0, "per_response_level": 0.0, "exposure": 0.0}
    assert replay_relocated(trace, none) < 1e-6


def test_stronger_level_effect_moves_more_people(traced):
    _, trace = traced
    assert replay_relocated(trace, {"per_response_level": 2.0}) > replay_relocated(
        trace, {"per_response_level": 0.0}
    )


def test_an_untraced_run_is_refused():
    scenario = load_scenario(EXAMPLE)
    model = CityModel(scenario)
    with pytest.raises(ValueError, match="record_trace"):
        collect_trace(model, {})


def test_a_bad_coefficient_is_refused(traced):
    _, trace = traced
    with pytest.raises(ValueError, match="official_order"):
        replay_relocated(trace, {"official_order": -1.0})


def test_replay_re_decides_orders_under_another_threshold_scale(traced):
    """Orders are re-decided from the recorded forecasts: the replay of a trace made at the
    default scale under scale 1.3 equals a full run made at 1.3 (the forecasts do not depend
    on the orders), and raising the thresholds never orders more people."""
    model, trace = traced
    over = ["behaviour.order_threshold_scale=1.3"]
    mode = model.config.warnings.mode
    scenario = load_scenario(
        EXAMPLE,
        [f"warnings.mode={mode}", "seed=11", f"response.relocation.{over[0]}"],
    )
    stricter = CityModel(scenario)
    stricter.run()
    replayed = replay_relocated(trace, {"order_threshold_scale": 1.3})
    assert replayed == pytest.approx(stricter.people_relocated, rel=1e-12)
    assert stricter.people_relocated < model.people_relocated  # fewer places reach 1.3 x
