"""The run's ledger (sim.core.ledger) and clock (sim.core.clock): conservation of casualties
and losses, in unit tests and over whole runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.clock import Clock
from sim.core.context import RunContext
from sim.core.eventlog import EventLog
from sim.core.ledger import CasualtyLedger, Ledger, LossLedger
from sim.damage.impact import UNIT_COST_YUAN
from sim.models.emergency import CityModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
UNIT = {k: v[0] for k, v in UNIT_COST_YUAN.items()}


# ---------------------------------------------------------------------------- casualties
def test_casualties_by_district_and_by_cause_sum_to_the_totals():
    led = CasualtyLedger(n_districts=4)
    rng = np.random.default_rng(3)
    causes = ("falling_object", "earthquake", "structural_collapse")
    want = np.zeros((4, 2))
    for _ in range(200):
        d, c = int(rng.integers(4)), causes[rng.integers(3)]
        dead, hurt = float(rng.integers(0, 5)), float(rng.integers(0, 9))
        led.book(d, c, deaths=dead, injuries=hurt)
        want[d] += (dead, hurt)
    assert led.deaths_by_district().tolist() == want[:, 0].tolist()
    assert led.injuries_by_district().tolist() == want[:, 1].tolist()
    assert led.deaths == want[:, 0].sum() and led.injuries == want[:, 1].sum()
    by_cause = led.by_cause()
    assert sum(d for d, _ in by_cause.values()) == led.deaths
    assert sum(i for _, i in by_cause.values()) == led.injuries
    frame = led.to_frame()
    assert frame["deaths"].sum() == led.deaths and frame["injuries"].sum() == led.injuries


@pytest.mark.parametrize(
    ("district", "deaths", "injuries"),
    [(4, 1.0, 0.0), (-1, 1.0, 0.0), (0, -1.0, 0.0), (0, 0, np.nan)],
)
def test_casualty_booking_rejects_bad_input(district, deaths, injuries):
    led = CasualtyLedger(n_districts=4)
    with pytest.raises(ValueError, match="district|persons"):
        led.book(district, "x", deaths=deaths, injuries=injuries)
    assert led.deaths == 0 and led.injuries == 0 and led.to_frame().empty


# ---------------------------------------------------------------------------- losses
def test_loss_items_sum_to_the_total_at_unit_cost_times_scale():
    led = LossLedger(UNIT, scale=0.5)
    led.add("tree_down", 10)
    led.add("shed", 3)
    led.add("tree_down", 5)
    led.add("shed", 0)  # nothing booked
    led.add_yuan("earthquake_housing", 1.0e6)
    assert led.counts == {"tree_down": 15.0, "shed": 3.0}
    assert led.by_item["tree_down"] == pytest.approx(15 * 3_000.0 * 0.5)
    assert led.by_item["shed"] == pytest.approx(3 * 20_000.0 * 0.5)
    assert led.by_item["earthquake_housing"] == pytest.approx(0.5e6)
    assert led.total_yuan == pytest.approx(sum(led.by_item.values()))
    assert led.total_yuan == pytest.approx(22_500.0 + 30_000.0 + 500_000.0)


def test_loss_booking_rejects_unknown_items_and_bad_amounts():
    led = LossLedger(UNIT)
    with pytest.raises(ValueError, match="no unit cost for loss item 'unicorn'"):
        led.add("unicorn", 1)
    with pytest.raises(ValueError, match="finite non-negative"):
        led.add_yuan("earthquake_housing", -1.0)
    assert led.total_yuan == 0.0


# ---------------------------------------------------------------------------- clock, context
def test_clock_converts_model_hours_to_utc_and_back():
    now = [0.0]
    start = datetime(2019, 8, 9, 6, tzinfo=UTC)
    clock = Clock(start, lambda: now[0])
    now[0] = 2.5
    assert clock.now_h == 2.5
    assert clock.utc() == np.datetime64("2019-08-09T08:30:00")
    assert clock.utc(-6.0) == np.datetime64("2019-08-09T00:00:00")
    assert clock.hours_of(datetime(2019, 8, 10, 6, tzinfo=UTC)) == 24.0
    assert clock.start_utc == pd.Timestamp(start)


def test_context_logs_every_death_it_books():
    now = [1.5]
    start = datetime(2019, 8, 9, tzinfo=UTC)
    events = EventLog(pd.Timestamp(start))
    ctx = RunContext(Clock(start, lambda: now[0]), events, Ledger(3, UNIT))
    ctx.book_casualties(2, "chemical_fire", deaths=3.0)
    ctx.book_casualties(1, "earthquake", injuries=4.0)  # injuries only: no death event
    ev = events.to_frame()
    assert ev[["t_h", "kind", "district", "value", "detail"]].values.tolist() == [
        [1.5, "death", 2, 3.0, "chemical_fire"]
    ]
    assert ctx.casualties.deaths == 3.0 and ctx.casualties.injuries == 4.0


# ---------------------------------------------------------------------------- whole runs
def _check_casualties(model: CityModel) -> None:
    led = model.ledger.casualties
    ev = model.events.to_frame()
    deaths = ev[ev["kind"] == "death"]
    assert led.deaths_by_district().sum() == model.deaths
    assert led.injuries_by_district().sum() == model.injuries
    assert deaths["value"].sum() == model.deaths  # every death booked is logged, once
    logged = deaths.groupby("district")["value"].sum()
    assert np.array_equal(led.deaths_by_district()[logged.index], logged.to_numpy())


def test_earthquake_run_conserves_casualties_and_books_its_loss():
    scen = load_scenario(
        ROOT / "scenarios" / "shanghai" / "earthquake-old-housing.yaml",
        ["networks.resolution=0.1", "time.duration_h=6"],
    )
    model = CityModel(scen)
    model.run()
    by_cause = model.ledger.casualties.by_cause()
    # deaths on the spot and trapped people who died waiting for rescue: both causes present
    assert by_cause["earthquake"][0] > 0 and by_cause["structural_collapse"][0] > 0
    _check_casualties(model)
    # housing damage plus the power assets failed by their PGA fragility, each item at its
    # unit cost (substations and 10 kV circuits, Hazus); nothing else is booked
    losses = model.losses
    # housing, power, and the gas layer's broken mains and their ignitions
    assert set(losses.by_item) == {
        "earthquake_housing", "substation_quake", "power_fault",
        "gas_main_repair", "gas_fire", "gas_explosion",
    }  # fmt: skip
    for item in ("substation_quake", "power_fault"):
        assert losses.by_item[item] == pytest.approx(
            UNIT[item] * losses.scale * losses.counts[item]
        )
    assert losses.counts["substation_quake"] + losses.counts["power_fault"] == (
        model.infra.damage_count("power")
    )
    assert losses.total_yuan == pytest.approx(sum(losses.by_item.values()))


def test_typhoon_run_books_each_damaged_item_at_its_unit_cost():
    model = CityModel(load_scenario(ROOT / "tests" / "data" / "small-lekima.yaml"))
    model.run()
    losses = model.losses
    assert losses.counts["tree_down"] == model.infra.trees_down > 0
    assert losses.counts["shop_signboards"] == model.exposure.failed("shop_signboard")
    # a power asset fails by wind (a line fault) or by flood (a flooded substation)
    power = losses.counts.get("power_fault", 0) + losses.counts.get("substation_flood", 0)
    assert power == model.infra.damage_count("power") > 0
    for item, count in losses.counts.items():
        assert losses.by_item[item] == pytest.approx(UNIT[item] * losses.scale * count)
    assert losses.total_yuan == pytest.approx(sum(losses.by_item.values()))
    assert model.injuries > 0
    _check_casualties(model)
