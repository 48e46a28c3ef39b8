"""Relief for the sheltered: water, food and bedding ordered, delivered and short.

Every district's shelters need, for each sheltered person, drinking water (3 L per person per
day, Sphere Project 2011, Humanitarian Charter and Minimum Standards, basic survival water
needs), three meals a day (assumption) and one bedding set on arrival (assumption). The
district orders them ahead: a day's supply for the persons sheltered now, due when the supply
in hand runs out, ordered ``lead_h`` before that; persons who arrive between two orders get a
top-up (their water and meals to the end of the day in hand, and their bedding), ordered once
half a truckload of them has gathered or ``topup_wait_h`` after the district's last order
(assumption: shelters call for supplies in batches). Each
order travels as truckloads (``shelter_resupply`` incidents, one vehicle and up to
``PERSONS_PER_LOAD`` persons' supplies each) from the depots that hold the supplies, through
the dispatcher like any other job, so the warehouses' stocks, their resupply and the damaged
roads decide when it arrives.

A load that arrives after it was due leaves its persons without supplies from the due time to
the arrival (capped at the period it covers): the shortfall in person-days. Loads not
delivered by the end of the run count until the end.

This module keeps the books (pure, no model state); :mod:`sim.response.service` raises the
loads and reports deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.response.incidents import DRINKING_WATER_L_PER_PERSON_DAY, MEALS_PER_PERSON_DAY
from sim.response.resources import Bundle

PERSONS_PER_LOAD = 1000
"""Persons one truckload supplies for a day: 3,000 L of water and 3,000 meals, about 4.5 t
(assumption: one 5-t truck)."""
BEDDING_SETS_PER_PERSON = 1.0  # assumption: one set each, issued on arrival


@dataclass(frozen=True)
class ReliefLoad:
    """One truckload ordered for a district's shelters.

    Attributes:
        district: district index.
        persons: persons it supplies (<= PERSONS_PER_LOAD).
        new_persons: of them, arrivals who also get bedding.
        due_h: model time the supplies are needed (h).
        hours: hours of supply it carries.
    """

    district: int
    persons: float
    new_persons: float
    due_h: float
    hours: float

    def bundle(self) -> Bundle:
        """Water (L), meals and bedding sets for the load, and the truck that carries it."""
        days = self.hours / 24.0
        return Bundle(
            equipment={"vehicle": 1},
            supplies={
                "drinking_water_l": self.persons * days * DRINKING_WATER_L_PER_PERSON_DAY,
                "food_rations": self.persons * days * MEALS_PER_PERSON_DAY,
                "bedding_sets": self.new_persons * BEDDING_SETS_PER_PERSON,
            },
        )


class ShelterRelief:
    """The relief books of every district's shelters.

    Args:
        n_districts: number of districts.
        period_h: hours of supply per regular order (a day).
        lead_h: hours before the supply in hand runs out that the next order is raised.

    Raises:
        ValueError: a non-positive period, or a lead outside [0, period].
    """

    def __init__(
        self,
        n_districts: int,
        period_h: float = 24.0,
        lead_h: float = 6.0,
        topup_wait_h: float = 3.0,
    ):
        if not period_h > 0 or not 0 <= lead_h <= period_h or not topup_wait_h >= 0:
            raise ValueError(
                "need period_h > 0, 0 <= lead_h <= period_h and topup_wait_h >= 0, got "
                f"{period_h}, {lead_h}, {topup_wait_h}"
            )
        self.period_h = float(period_h)
        self.lead_h = float(lead_h)
        self.topup_wait_h = float(topup_wait_h)
        self.covered_until_h = np.full(n_districts, -np.inf)  # supply in hand runs out then
        self.covered_persons = np.zeros(n_districts)  # persons the orders so far cover
        self.last_order_h = np.full(n_districts, -np.inf)
        self.demand_person_days = 0.0
        self.shortfall_person_days = 0.0

    def orders(self, t_h: float, sheltered: np.ndarray) -> list[ReliefLoad]:
        """The loads to raise now, given the persons sheltered in each district.

        Args:
            t_h: model time (h).
            sheltered: (D,) persons in each district's shelters now.

        Returns:
            Truckloads of at most :data:`PERSONS_PER_LOAD` persons each.
        """
        loads: list[ReliefLoad] = []
        sheltered = np.asarray(sheltered, dtype=float)
        for d in np.flatnonzero(sheltered > 0.5).tolist():
            persons = float(sheltered[d])
            if self.covered_until_h[d] <= t_h:  # nothing in hand: a day from now, for all
                self.covered_until_h[d] = t_h + self.period_h
                loads += self._split(d, persons, persons, t_h, self.period_h, t_h)
                self.covered_persons[d] = persons
                continue
            new = persons - self.covered_persons[d]
            batch = new >= PERSONS_PER_LOAD / 2 or t_h >= self.last_order_h[d] + self.topup_wait_h
            if new > 0.5 and batch:  # arrivals: to the end of the day in hand, and bedding
                loads += self._split(d, new, new, t_h, self.covered_until_h[d] - t_h, t_h)
                self.covered_persons[d] = persons
            if t_h >= self.covered_until_h[d] - self.lead_h:  # the next day, ahead
                due = self.covered_until_h[d]
                loads += self._split(d, persons, 0.0, due, self.period_h, t_h)
                self.covered_until_h[d] = due + self.period_h
                self.covered_persons[d] = persons
        return loads

    def _split(self, d: int, persons: float, new: float, due_h: float, hours: float, t_h: float):
        self.last_order_h[d] = t_h
        n = int(np.ceil(persons / PERSONS_PER_LOAD - 1e-9))
        share = persons / n
        self.demand_person_days += persons * hours / 24.0
        return [ReliefLoad(d, share, new / n, due_h, hours) for _ in range(n)]

    def delivered(self, load: ReliefLoad, arrive_h: float) -> float:
        """Book a load on scene at ``arrive_h``; returns its shortfall in person-days (its
        persons without supplies from the due time until it came, at most the hours it
        covers)."""
        late_h = min(max(arrive_h - load.due_h, 0.0), load.hours)
        short = load.persons * late_h / 24.0
        self.shortfall_person_days += short
        return short
