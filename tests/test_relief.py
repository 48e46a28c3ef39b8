"""Relief for the sheltered (sim.response.relief): orders ahead of need, top-ups for
arrivals, truckloads, and the shortfall of late loads."""

from __future__ import annotations

import numpy as np
import pytest

from sim.response.relief import PERSONS_PER_LOAD, ReliefLoad, ShelterRelief
from sim.response.resources import RESOURCE_INDEX


def test_a_day_ahead_then_the_next_day_lead_hours_before_it_runs_out():
    r = ShelterRelief(2, period_h=24.0, lead_h=6.0)
    loads = r.orders(0.0, np.array([2500.0, 0.0]))
    assert len(loads) == 3 and {ld.district for ld in loads} == {0}
    assert sum(ld.persons for ld in loads) == pytest.approx(2500)
    assert sum(ld.new_persons for ld in loads) == pytest.approx(2500)  # bedding on arrival
    assert all(ld.due_h == 0.0 and ld.hours == 24.0 for ld in loads)
    assert max(ld.persons for ld in loads) <= PERSONS_PER_LOAD
    assert r.orders(17.9, np.array([2500.0, 0.0])) == []
    nxt = r.orders(18.0, np.array([2500.0, 0.0]))
    assert [ld.due_h for ld in nxt] == [24.0] * 3 and sum(ld.new_persons for ld in nxt) == 0
    # 5 person-days x 2500 persons: 2 days ordered so far
    assert r.demand_person_days == pytest.approx(2 * 2500)


def test_arrivals_get_a_top_up_to_the_end_of_the_day_in_hand():
    r = ShelterRelief(1)
    r.orders(0.0, np.array([800.0]))
    (top,) = r.orders(5.0, np.array([1300.0]))
    assert top.persons == pytest.approx(500) and top.new_persons == pytest.approx(500)
    assert top.due_h == 5.0 and top.hours == pytest.approx(19.0)
    b = top.bundle().to_vector()
    # Sphere 2011: 3 L a person a day; 3 meals; one bedding set each
    assert b[RESOURCE_INDEX["drinking_water_l"]] == pytest.approx(500 * 3 * 19 / 24)
    assert b[RESOURCE_INDEX["food_rations"]] == pytest.approx(500 * 3 * 19 / 24)
    assert b[RESOURCE_INDEX["bedding_sets"]] == pytest.approx(500)
    assert b[RESOURCE_INDEX["vehicle"]] == 1
    assert r.demand_person_days == pytest.approx(800 + 500 * 19 / 24)


def test_late_loads_leave_their_persons_short_until_they_come():
    r = ShelterRelief(1)
    load = ReliefLoad(0, 600.0, 0.0, due_h=24.0, hours=24.0)
    assert r.delivered(load, 20.0) == 0.0  # early: no shortfall
    assert r.delivered(load, 30.0) == pytest.approx(600 * 6 / 24)
    assert r.delivered(load, 100.0) == pytest.approx(600)  # capped at the day it covers
    assert r.shortfall_person_days == pytest.approx(150 + 600)


def test_bad_periods_are_refused():
    with pytest.raises(ValueError, match="period_h"):
        ShelterRelief(1, period_h=0.0)
    with pytest.raises(ValueError, match="lead_h"):
        ShelterRelief(1, period_h=24.0, lead_h=30.0)


def test_small_arrivals_are_batched_until_half_a_load_or_the_wait_is_over():
    r = ShelterRelief(1, topup_wait_h=3.0)
    r.orders(0.0, np.array([800.0]))
    assert r.orders(1.0, np.array([900.0])) == []  # 100 arrivals: not yet
    assert r.orders(2.0, np.array([1000.0])) == []  # 200: not yet
    (top,) = r.orders(3.0, np.array([1100.0]))  # 3 h after the last order
    assert top.persons == pytest.approx(300) and top.hours == pytest.approx(21.0)
    (big,) = r.orders(3.5, np.array([1700.0]))  # 600 >= half a truckload: at once
    assert big.persons == pytest.approx(600)
