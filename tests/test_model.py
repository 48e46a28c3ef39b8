"""End-to-end behaviour of the city model on a small Lekima variant."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.models.emergency import CityModel
from sim.results.runner import run_scenario
from sim.results.summary import SUMMARY_KEYS
from sim.scenario import load_scenario

SMALL = Path(__file__).parent / "data" / "small-lekima.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SMALL)


@pytest.fixture(scope="module")
def finished(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return run_scenario(scenario, out, figures=True)


def _without_wall_time(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "wall_time_s"}


def test_summary_has_every_key_finite_and_non_negative(finished):
    s = finished.summary
    assert list(s) == list(SUMMARY_KEYS)
    for key, value in s.items():
        assert np.isfinite(value) and value >= 0, key


def test_same_seed_gives_identical_summary(scenario, finished, tmp_path):
    again = run_scenario(scenario, tmp_path, figures=False)
    assert _without_wall_time(again.summary) == _without_wall_time(finished.summary)


def test_different_seed_gives_different_outcomes(tmp_path):
    other = run_scenario(load_scenario(SMALL, ["seed=7"]), tmp_path, figures=False)
    first = run_scenario(load_scenario(SMALL), tmp_path / "b", figures=False)
    a, b = _without_wall_time(other.summary), _without_wall_time(first.summary)
    a.pop("seed"), b.pop("seed")
    assert a != b


def test_run_folder_holds_every_output(finished):
    out = finished.out_dir
    for name in (
        "summary.json",
        "timeseries.parquet",
        "events.parquet",
        "scenario.resolved.yaml",
        "resilience_curves.png",
        "district_impact_map.png",
        "response_times.png",
    ):
        assert (out / name).exists() and (out / name).stat().st_size > 0, name
    assert json.loads((out / "summary.json").read_text()) == finished.summary
    # the resolved scenario reproduces the run's configuration exactly
    assert load_scenario(out / "scenario.resolved.yaml") == finished.model.config


def test_functionality_stays_in_unit_interval(finished):
    ts = pd.read_parquet(finished.out_dir / "timeseries.parquet")
    assert set(ts["layer"]) == {"power", "water", "drainage", "roads", "telecom", "gas"}
    assert ts["functionality"].between(0.0, 1.0).all()
    hours = finished.model.config.time.duration_h
    assert ts["t_h"].max() == hours and ts["district"].nunique() == 16


def test_relocation_conserves_population_and_pools(finished):
    for gov in finished.model.districts:
        assert np.all(gov.relocated >= -1e-9)
        assert np.all(gov.relocated <= gov.at_risk + 1e-9)
        assert gov.relocated_now <= gov.population_persons
    # nobody moves twice: cumulative moves equal the peak when no one has yet returned
    ts = pd.read_parquet(finished.out_dir / "timeseries.parquet")
    peak = ts[ts["layer"] == "power"].groupby("t_h")["relocated"].sum().max()
    assert finished.summary["people_relocated"] == pytest.approx(peak, rel=1e-6, abs=1)


def test_relocation_starts_only_with_a_warning(scenario):
    # replay mode without any warning (a file like this fails validation; built in code here)
    quiet = load_scenario(SMALL).model_copy(update={"events": []})
    model = CityModel(quiet)
    model.run_until(6)
    assert model.people_relocated == 0
    assert model.warning_centre.level == "none"


def test_stocks_are_conserved_and_never_negative(finished):
    stock = finished.model.service.dispatcher.stock
    assert (stock.available >= -1e-9).all() and (stock.out_on_job >= -1e-9).all()
    assert np.allclose(stock.check_conservation(), 0.0, atol=1e-6)


def test_repairs_restore_service(finished):
    events = pd.read_parquet(finished.out_dir / "events.parquet")
    resolved = events[(events["kind"] == "resolution") & (events["layer"] == "power")]
    assert len(resolved) > 0
    # every resolved power asset was damaged before it was repaired
    damaged = events[(events["kind"] == "damage") & (events["layer"] == "power")]
    first_damage = damaged.groupby("asset")["t_h"].min()
    for _, row in resolved.iterrows():
        assert first_damage[row["asset"]] <= row["t_h"]


def test_cli_run_prints_observed_comparison(tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "run",
            str(SMALL),
            "--out",
            str(tmp_path),
            "--quiet",
            "--no-figures",
            "-p",
            "time.duration_h=6",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "people_relocated" in res.output and "observed (event)" in res.output
    assert (tmp_path / "summary.json").exists()


def test_cli_run_of_broken_scenario_exits_2(tmp_path):
    res = CliRunner().invoke(app, ["run", str(SMALL), "-p", "networks.resolution=-1"])
    assert res.exit_code == 2
    assert "networks.resolution" in res.output


ROOT = Path(__file__).resolve().parents[1]


def test_rainstorm_waterlogs_roads_only_after_it_starts():
    scen = load_scenario(
        ROOT / "scenarios" / "shanghai" / "rainstorm.yaml",
        ["networks.resolution=0.1", "time.duration_h=8"],
    )
    model = CityModel(scen)
    model.run_until(4)  # the storm starts at 04:00 UTC
    assert model.infra.waterlogged_road_points == 0
    model.run_until(8)
    assert model.infra.waterlogged_road_points > 0
    assert model.infra.trees_down == 0  # no wind in a calm-day rainstorm


def test_earthquake_strikes_once_at_its_time():
    scen = load_scenario(
        ROOT / "scenarios" / "shanghai" / "earthquake-old-housing.yaml",
        ["networks.resolution=0.1", "time.duration_h=3", "hazard.earthquake.magnitude=5.5"],
    )
    model = CityModel(scen)
    model.run_until(0.9)  # origin time is one hour after the start
    assert model.deaths == 0 and model.losses.total_yuan == 0
    model.run_until(1.1)
    hits = model.events.to_frame()
    assert (hits["kind"] == "earthquake").sum() == 16  # one PGA record per district
    assert model.losses.total_yuan > 0
    loss = model.losses.total_yuan
    model.run_until(3)
    assert model.losses.by_item["earthquake_housing"] * 1.0 <= loss + 1e-6


def _quake_loss(overrides: list[str]) -> float:
    scen = load_scenario(
        ROOT / "scenarios" / "shanghai" / "earthquake-old-housing.yaml",
        ["networks.resolution=0.1", "time.duration_h=2", *overrides],
    )
    model = CityModel(scen)
    model.run_until(1.1)  # just after the origin time
    return model.losses.by_item["earthquake_housing"]


def test_fragility_overrides_reach_the_earthquake_damage():
    """The scenario's ``fragility:`` overrides drive the housing damage (they were ignored).

    A median of 0.001 g on every damage state of both old-housing classes puts every building
    in "complete": loss = old housing floor area x repair ratio 1.0 x 3,000 yuan/m2 (the
    floor area of the stocks is the exposure's ``old_housing_m2``, buildings rounded to
    2,000 / 1,000 m2); a median of 50 g damages nothing.
    """
    from sim.city import load_city
    from sim.damage.earthquake import old_housing_stocks
    from sim.damage.exposure import REPLACEMENT_COST_YUAN_PER_M2

    states = ("slight", "moderate", "extensive", "complete")
    prefixes = ("eq_urm_precode_midrise", "eq_small_beam_thin_slab")

    def every(theta: float) -> list[str]:
        return [f"fragility.{p}_{s}.theta={theta}" for p in prefixes for s in states]

    stocks = old_housing_stocks(load_city(ROOT / "scenarios" / "data" / "shanghai"))
    all_complete = (
        sum((st.buildings * st.building_floor_area_m2).sum() for st in stocks)
        * REPLACEMENT_COST_YUAN_PER_M2
    )
    assert _quake_loss(every(0.001)) == pytest.approx(all_complete, rel=1e-9)
    assert _quake_loss(every(50.0)) == 0.0
    assert 0.0 < _quake_loss([]) < all_complete


def test_epidemic_takes_sick_crews_off_duty_and_conserves_population():
    scen = load_scenario(
        ROOT / "scenarios" / "shanghai" / "epidemic-black-swan.yaml",
        [
            "networks.resolution=0.1",
            "time.duration_h=240",
            "hazard.epidemic.r0=8",
            "hazard.epidemic.initial_infectious=5000",
            "hazard.rainstorm.start_utc=2024-06-05T00:00:00Z",
            "events=[]",
            "warnings.mode=forecast",  # no scripted warnings: the warning centre decides
        ],
    )
    model = CityModel(scen)
    pop = model.epidemic_state.population.sum()
    off_duty_seen = 0.0
    for t in range(24, 241, 24):
        model.run_until(t)
        off_duty_seen = max(off_duty_seen, model.service.dispatcher.stock.off_duty.sum())
        assert model.epidemic_state.population.sum() == pop  # S+E+I+R conserved
    assert model.epidemic_cases > 0
    assert off_duty_seen > 0
    stock = model.service.dispatcher.stock
    assert np.allclose(stock.check_conservation(), 0.0, atol=1e-6)
    assert (stock.off_duty >= 0).all() and (stock.available >= -1e-9).all()


def test_prepositioning_moves_central_stock_on_the_warning():
    scen = load_scenario(
        SMALL,
        [
            "logistics.preposition_level=orange",
            "logistics.preposition_fraction=1.0",
            "logistics.preposition_districts=[Jinshan, Fengxian]",
            "time.duration_h=12",
        ],
    )
    model = CityModel(scen)
    central = [i for i, d in enumerate(model.service.depots) if d.central][0]
    before = model.service.dispatcher.stock.available[central].sum()
    model.run_until(8)  # orange at 14:10 UTC = 8.17 h after the 06:00 start
    assert model.events.count("preposition") == 0
    model.run_until(9)
    moved = model.events.to_frame().query("kind == 'preposition'")
    assert len(moved) > 0
    names = model.city.districts["name_en"]
    assert set(names[moved["district"]]) <= {"Jinshan", "Fengxian"}
    assert model.service.dispatcher.stock.available[central].sum() < before
    stock = model.service.dispatcher.stock
    assert np.allclose(stock.check_conservation(), 0.0, atol=1e-6)
