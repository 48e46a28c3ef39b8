"""One run, two clocks: a long run's city state handed to an emergency window at a shock.

Checks the handoff physics (drainage capacity = factor × design, Manning's silted pipe), that
no state and a neutral state leave the emergency window as it is, that the long run's state
reflects its upkeep (the white-elephant rule leaves less drainage capacity), that shocks are
reproducible and leave the long run's outputs alone, that an interrupted run resumes without
running a finished shock again, and that bad shock inputs are named by file and field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.models.emergency import CityModel
from sim.models.longrun import EVENT_KINDS, RiskDynamicsModel
from sim.results import runner
from sim.results.runner import run_scenario
from sim.results.summary import summarise
from sim.risk.city_state import (
    DRAINAGE_CAPACITY_BY_STATE,
    CityState,
    cavity_collapse_probability,
    silted_capacity_ratio,
)
from sim.scenario import load_scenario
from sim.scenario.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
SHANGHAI = ROOT / "scenarios" / "shanghai"

LONG_RUN = """
kind: long_run
name: example-long
seed: 7
city: {{data_dir: {data}}}
years: {{start_year: 2027, n_years: 4}}
processes:
  pipeline: {{}}
  slow_risk: {{policy: white_elephant, screening_coverage_per_yr: 0.5}}
shocks:
{shocks}
"""


def shock(name: str, at="2030-08-02T00:00:00Z", scenario=EXAMPLE, overrides="[]") -> str:
    return f"  - {{name: {name}, at_utc: {at}, scenario: {scenario}, overrides: {overrides}}}\n"


def long_run_file(tmp_path: Path, shocks: str, name: str = "long.yaml", **fmt) -> Path:
    data = ROOT / "scenarios" / "data" / "example-city"
    path = tmp_path / name
    text = LONG_RUN.format(data=data, shocks=shocks or "  []")
    path.write_text(text.replace("shocks:\n  []", "shocks: []"))
    return path


def neutral_state(city, **change) -> CityState:
    n = city.n_districts
    fields = dict(
        drainage_capacity_factor=np.ones(n),
        drainage_defect_share=np.zeros(n),
        drainage_backlog_yuan=np.zeros(n),
        pipe_age_mean_yr=np.zeros(n),
        open_cavities=np.zeros(n),
        facade_median_factor=np.ones(n),
        old_housing_retrofit_share=np.zeros(n),
        construction_sites=city.exposure["construction_sites"].to_numpy(float),
    )
    return CityState(t_utc="2030-08-02T00:00:00Z", **(fields | change))


# ---------------------------------------------------------------- the handoff physics


def test_silted_capacity_ratio_is_mannings_formula():
    """Half the pipe silted: A' = A/2, P' = πD/2 + D, so Q'/Q = ½ (R'/R)^(2/3) with
    R = D/4 and R' = (πD²/8) / (πD/2 + D)."""
    r_half = (math.pi / 8) / (math.pi / 2 + 1)
    assert silted_capacity_ratio(0.5) == pytest.approx(0.5 * (r_half / 0.25) ** (2 / 3), 1e-12)
    assert silted_capacity_ratio(0.0) == pytest.approx(1.0, abs=1e-15)
    assert np.all(np.diff(DRAINAGE_CAPACITY_BY_STATE) < 0)  # worse state, less capacity
    with pytest.raises(ValueError, match="sediment depth"):
        silted_capacity_ratio(1.0)


def test_cavity_collapse_probability():
    assert cavity_collapse_probability(0.0) == 0.0
    assert cavity_collapse_probability(100.0) == pytest.approx(1 - math.exp(-0.2), 1e-12)


def test_neglected_drainage_lowers_the_emergency_capacity():
    """Capacity in mm/h of every waterlogging cell = the district's factor × the design
    value (C × design intensity × the cell's local draw, the same draws with and without)."""
    scen = load_scenario(EXAMPLE)
    plain = CityModel(scen)
    factor = np.array([0.6, 1.0, 0.85, 0.9, 0.7])
    model = CityModel(scen, city_state=neutral_state(plain.city, drainage_capacity_factor=factor))
    k = plain.exposure.sample_shape[1]
    got = model.waterlogging.drainage_capacity_mm_per_h
    want = np.repeat(factor, k) * plain.waterlogging.drainage_capacity_mm_per_h
    np.testing.assert_allclose(got, want, rtol=1e-13)
    design = plain.city.zone_values("drainage_capacity_mm_per_h")
    coeff = plain.waterlogging.runoff_coefficient
    local = plain.waterlogging.drainage_capacity_mm_per_h / (coeff * np.repeat(design, k))
    np.testing.assert_allclose(got, coeff * np.repeat(design * factor, k) * local, rtol=1e-12)


def test_worse_facades_lower_the_falling_objects_median():
    """P(fail | g) with median θ·m equals the library curve at g / m."""
    scen = load_scenario(EXAMPLE)
    plain = CityModel(scen)
    m = np.full(plain.city.n_districts, 0.8)
    model = CityModel(scen, city_state=neutral_state(plain.city, facade_median_factor=m))
    g = np.full(plain.city.n_districts, 40.0)
    np.testing.assert_allclose(
        model.exposure.falling.failure_probability(g),
        plain.exposure.falling.failure_probability(g / 0.8),
        rtol=1e-13,
    )
    assert (model.exposure.falling.failure_probability(g) > 0).all()


def test_no_state_and_a_neutral_state_leave_the_window_unchanged():
    """A neutral state (capacity and medians × 1, no cavities or retrofits, the table's
    sites) reproduces the run without a state exactly (the goldens pin the latter)."""
    scen = load_scenario(EXAMPLE)
    plain = CityModel(scen)
    plain.run()
    model = CityModel(scen, city_state=neutral_state(plain.city))
    model.run()
    assert summarise(model, 0.0) == summarise(plain, 0.0)
    pd.testing.assert_frame_equal(model.events_frame(), plain.events_frame())


def test_hidden_cavities_collapse_under_storm_rain():
    scen = load_scenario(EXAMPLE)
    plain = CityModel(scen)
    state = neutral_state(plain.city, open_cavities=np.full(plain.city.n_districts, 40.0))
    model = CityModel(scen, city_state=state)
    model.run()
    ev = model.events_frame()
    collapsed = ev.loc[ev["kind"] == "cavity_collapse", "value"].sum()
    assert 0 < collapsed <= 200
    assert model._open_cavities.sum() == 200 - collapsed  # each cavity collapses once
    assert (model.service.records()["kind"] == "road_collapse").sum() == collapsed
    # summary.json counts every collapsed segment (the cavities here; no scripted collapses)
    assert summarise(model, 0.0)["road_collapses"] == collapsed == model.road_collapses


def test_a_state_of_another_city_is_refused():
    scen = load_scenario(EXAMPLE)
    city = CityModel(scen).city
    n = 3
    bad = CityState(
        "2030-08-02T00:00:00Z", *(np.ones(n) if i in (0, 5) else np.zeros(n) for i in range(8))
    )
    assert bad.n_districts != city.n_districts
    with pytest.raises(ValueError, match="districts"):
        CityModel(scen, city_state=bad)


# ---------------------------------------------------------------- the long run's state


def test_white_elephant_leaves_less_drainage_capacity():
    """Ten years 2009-2018, white-elephant rule against risk-based priorities (same seed):
    more drainage defects and less capacity at Lekima; each district's factor is the mean
    capacity by condition state of its drainage assets."""
    path = SHANGHAI / "white-elephant-drainage.yaml"
    states = {}
    for rule in ("risk", "white_elephant"):
        scen = load_scenario(path, [f"processes.slow_risk.policy={rule}"])
        model = RiskDynamicsModel(scen)
        t_h = model.clock.hours_of(scen.shocks[0].at_utc)
        model.advance(t_h)
        states[rule] = model.city_state(t_h)
        for office in model.offices[:3]:
            inv = office.process.inv
            code = [s.name for s in inv.sectors].index("drainage_underpass")
            mine = DRAINAGE_CAPACITY_BY_STATE[inv.state[inv.sector == code]].mean()
            assert states[rule].drainage_capacity_factor[office.district] == pytest.approx(mine)
    risk, we = states["risk"], states["white_elephant"]
    assert we.drainage_capacity_factor.mean() < risk.drainage_capacity_factor.mean()
    assert we.drainage_defect_share.mean() > risk.drainage_defect_share.mean()
    assert risk.t_utc == "2019-08-08T00:00:00Z"


# ---------------------------------------------------------------- the runner


def test_shocks_are_reproducible_and_leave_the_long_run_alone(tmp_path):
    one = load_scenario(long_run_file(tmp_path, shock("a"), "one.yaml"))
    two = load_scenario(long_run_file(tmp_path, shock("a") + shock("b"), "two.yaml"))
    none = load_scenario(long_run_file(tmp_path, "", "none.yaml"))
    r1 = run_scenario(one, tmp_path / "r1", figures=False)
    r1b = run_scenario(one, tmp_path / "r1b", figures=False)
    r2 = run_scenario(two, tmp_path / "r2", figures=False)
    r0 = run_scenario(none, tmp_path / "r0", figures=False)
    drop = ("wall_time_s",)
    same = {k: v for k, v in r1.summary.items() if k not in drop}
    assert same == {k: v for k, v in r1b.summary.items() if k not in drop}
    assert r1.summary["shocks.a.waterlogged_roads"] == r2.summary["shocks.a.waterlogged_roads"]
    assert r2.summary["shocks.a.seed"] != r2.summary["shocks.b.seed"]  # seeds by name

    def slow(result):
        ev = pd.read_parquet(result.out_dir / "events.parquet")
        return ev[ev["kind"] != "emergency_shock"].reset_index(drop=True)

    pd.testing.assert_frame_equal(slow(r1), slow(r0))
    pd.testing.assert_frame_equal(slow(r2), slow(r0))
    for key, v in r0.summary.items():
        if key not in drop:
            assert r2.summary[key] == v, key
    ev = pd.read_parquet(r2.out_dir / "events.parquet")
    logged = ev[ev["kind"] == "emergency_shock"]
    assert list(logged["asset"]) == [0, 1]
    assert logged["value"].iloc[0] == r2.summary["shocks.a.direct_loss_yuan"]
    assert "emergency_shock" == EVENT_KINDS[-1]
    folder = r2.out_dir / "shocks" / "b"
    assert json.loads((folder / "summary.json").read_text())["seed"] == r2.summary["shocks.b.seed"]
    assert (folder / "timeseries.parquet").is_file() and (folder / "shock.json").is_file()
    state = CityState.from_dict(json.loads((folder / "city_state.json").read_text()))
    assert state.t_utc == "2030-08-02T00:00:00Z"


def test_an_interrupted_run_resumes_without_running_a_shock_twice(tmp_path, monkeypatch):
    scen = load_scenario(long_run_file(tmp_path, shock("a") + shock("b")))
    clean = run_scenario(scen, tmp_path / "clean", figures=False).summary
    calls = []
    real = runner._window

    def crash_after_first(em, out_dir, city_state, figures):
        calls.append(em.seed)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the machine stops during the second shock
        return real(em, out_dir, city_state, figures)

    out = tmp_path / "run"
    monkeypatch.setattr(runner, "_window", crash_after_first)
    with pytest.raises(KeyboardInterrupt):
        run_scenario(scen, out, figures=False)
    assert not (out / "summary.json").exists()  # the run does not look complete
    assert (out / "shocks" / "a" / "shock.json").is_file()
    assert not (out / "shocks" / "b").exists()  # only a hidden partial folder
    calls.clear()
    monkeypatch.setattr(runner, "_window", real)
    counted = []
    monkeypatch.setattr(runner, "_window", lambda *a, **k: counted.append(1) or real(*a, **k))
    again = run_scenario(scen, out, figures=False).summary
    assert len(counted) == 1  # b only
    assert sorted(p.name for p in (out / "shocks").iterdir()) == ["a", "b"]  # no partials
    drop = ("wall_time_s",)
    assert {k: v for k, v in again.items() if k not in drop} == {
        k: v for k, v in clean.items() if k not in drop
    }


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("shocks", "field", "expected"),
    [
        (shock("a", at="2035-08-02T00:00:00Z"), "shocks[0].at_utc", "inside the run's years"),
        (shock("a", scenario="nowhere.yaml"), "shocks[0].scenario", "not found"),
        (shock("a", at="2030-08-05T00:00:00Z"), "shocks[0].at_utc", "emergency scenario's window"),
        (shock("a", overrides="[seed=3]"), "shocks[0].overrides", "seed cannot"),
        (shock("a", overrides="[nonsense]"), "shocks[0].overrides", "a.b.c=value"),
        (shock("a", overrides="['time.duration_h=-1']"), "shocks[0].scenario", "duration_h"),
        (shock("a") + shock("a"), "shocks", "unique"),
        (shock("a b"), "shocks[0].name", "pattern"),
    ],
)
def test_bad_shocks_are_named_by_file_and_field(tmp_path, shocks, field, expected):
    path = long_run_file(tmp_path, shocks)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert f"{path}: {field}: " in text and expected in text, text


def test_a_long_run_as_a_shock_is_refused(tmp_path):
    other = long_run_file(tmp_path, "", "other.yaml")
    path = long_run_file(tmp_path, shock("a", scenario=other))
    with pytest.raises(ScenarioError, match=r"shocks\[0\]\.scenario: expected an emergency"):
        load_scenario(path)


def test_compare_knows_shock_keys(tmp_path):
    from sim.studies.compare.arms import check_arms
    from sim.studies.sweep.design import expand
    from sim.studies.sweep.spec import parse_spec

    scen = long_run_file(tmp_path, shock("a"))
    spec = {
        "name": "t",
        "scenarios": [{"path": str(scen), "label": "x"}, {"path": str(scen), "label": "y"}],
        "outputs": ["shocks.a.waterlogged_roads", "shocks.zz.deaths"],
        "comparison": {"baseline": "x", "metrics": ["shocks.a.waterlogged_roads"]},
    }
    parsed = parse_spec(spec, "spec.yaml", tmp_path)
    problems = [str(p) for p in check_arms(parsed, expand(parsed), "spec.yaml")]
    assert any("'shocks.zz.deaths' is not an outcome of long_run" in p for p in problems)
    assert not any("shocks.a.waterlogged_roads" in p for p in problems)
    with pytest.raises(ScenarioError, match="unknown outputs"):
        parse_spec(spec | {"outputs": ["shocks.a.no_such_key"]}, "spec.yaml", tmp_path)


def test_cavity_screening_cost_is_coverage_times_network_km_times_unit_cost(tmp_path):
    path = long_run_file(tmp_path, "")
    for coverage, unit in ((0.3, 1000.0), (0.05, 2500.0)):
        scen = load_scenario(
            path,
            [
                f"processes.pipeline.screening_coverage_per_yr={coverage}",
                f"processes.pipeline.screening_cost_yuan_per_km={unit}",
            ],
        )
        model = RiskDynamicsModel(scen)
        model.run()
        out = runner.model_kind(scen).summarise(model, 0.0)
        km = float(model.pipeline.model.network.length_km.sum())
        assert km > 0
        assert out["cavity_screening_yuan_per_yr"] == round(coverage * km * unit)


def test_less_screening_leaves_more_cavities_to_collapse():
    """The chain of experiments/pipeline-neglect.yaml in expectation: detection removes open
    cavities at rate coverage x detection_prob, so cutting the coverage raises the expected
    collapses (sim/risk/pipeline.py expected_counts, no sampling)."""
    path = SHANGHAI / "pipeline-neglect-rainstorm.yaml"
    expected = {}
    for coverage in (0.3, 0.05, 0.0):
        scen = load_scenario(path, [f"processes.pipeline.screening_coverage_per_yr={coverage}"])
        model = RiskDynamicsModel(scen)
        expected[coverage] = model.pipeline.model.expected_counts(2011, 14)["collapses"]
    assert expected[0.3] < expected[0.05] < expected[0.0]
