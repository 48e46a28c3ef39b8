"""The run's ledger: casualties (deaths, injuries by district and cause) and direct loss.

A model owns one :class:`Ledger`; its collaborators book into it (through
:class:`sim.core.context.RunContext`) and never keep totals of their own. Totals are running
sums in booking order, so a run books exactly what it did before the ledger existed.

Invariants (tested in tests/test_ledger.py): deaths and injuries booked by district and by
cause each sum to the totals; the yuan of the loss items sum to the total loss; every
booking is finite and non-negative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd


def _persons(value: float, what: str) -> float:
    value = float(value)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{what} must be a finite non-negative number of persons, got {value!r}")
    return value


class CasualtyLedger:
    """Deaths and injuries (persons) by district and cause.

    Args:
        n_districts: number of districts; bookings name a district index in
            ``0 .. n_districts - 1``.

    Causes are free labels: ``falling_object``, ``earthquake``, ``chemical_fire`` or the
    incident kind whose response delay decided the harm (``structural_collapse`` …).
    """

    def __init__(self, n_districts: int):
        self.n_districts = int(n_districts)
        self._deaths = 0.0
        self._injuries = 0.0
        self._by: dict[tuple[int, str], list[float]] = {}

    def book(self, district: int, cause: str, deaths: float = 0.0, injuries: float = 0.0) -> None:
        """Book persons killed and injured in ``district`` by ``cause``.

        Raises:
            ValueError: district index out of range, or a negative or non-finite count.
        """
        if not 0 <= int(district) < self.n_districts:
            raise ValueError(
                f"casualties booked in district {district!r}; valid: 0..{self.n_districts - 1}"
            )
        deaths = _persons(deaths, f"deaths ({cause})")
        injuries = _persons(injuries, f"injuries ({cause})")
        self._deaths += deaths
        self._injuries += injuries
        row = self._by.setdefault((int(district), str(cause)), [0.0, 0.0])
        row[0] += deaths
        row[1] += injuries

    @property
    def deaths(self) -> float:
        """Persons killed so far."""
        return self._deaths

    @property
    def injuries(self) -> float:
        """Persons injured so far."""
        return self._injuries

    def deaths_by_district(self) -> np.ndarray:
        """(D,) persons killed per district."""
        return self._by_district(0)

    def injuries_by_district(self) -> np.ndarray:
        """(D,) persons injured per district."""
        return self._by_district(1)

    def _by_district(self, col: int) -> np.ndarray:
        out = np.zeros(self.n_districts)
        for (d, _), row in self._by.items():
            out[d] += row[col]
        return out

    def by_cause(self) -> dict[str, tuple[float, float]]:
        """Cause → (deaths, injuries)."""
        out: dict[str, tuple[float, float]] = {}
        for (_, cause), (dead, hurt) in self._by.items():
            d0, i0 = out.get(cause, (0.0, 0.0))
            out[cause] = (d0 + dead, i0 + hurt)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per (district, cause) booked: district, cause, deaths, injuries."""
        rows = [(d, c, dead, hurt) for (d, c), (dead, hurt) in sorted(self._by.items())]
        return pd.DataFrame(rows, columns=["district", "cause", "deaths", "injuries"])


class LossLedger:
    """Direct loss (yuan) by item.

    Args:
        unit_cost_yuan: item → cost of one unit, yuan (the domain's table, e.g.
            :data:`sim.damage.impact.UNIT_COST_YUAN`, with its sources).
        scale: multiplier of every booking (``losses.scale``, a calibration parameter).

    Attributes:
        by_item: item → yuan booked.
        counts: item → units booked by :meth:`add`.
    """

    def __init__(self, unit_cost_yuan: Mapping[str, float], scale: float = 1.0):
        self.unit_cost_yuan = dict(unit_cost_yuan)
        self.scale = float(scale)
        self.by_item: dict[str, float] = {}
        self.counts: dict[str, float] = {}

    def add(self, item: str, count: float) -> float:
        """Book ``count`` units of ``item`` at its unit cost × scale; returns the yuan added.

        Raises:
            ValueError: ``item`` has no unit cost.
        """
        if count <= 0:
            return 0.0
        unit = self.unit_cost_yuan.get(item)
        if unit is None:
            raise ValueError(
                f"no unit cost for loss item {item!r}; valid: {sorted(self.unit_cost_yuan)}"
            )
        yuan = unit * self.scale * float(count)
        self.by_item[item] = self.by_item.get(item, 0.0) + yuan
        self.counts[item] = self.counts.get(item, 0.0) + float(count)
        return yuan

    def add_yuan(self, item: str, yuan: float, *, scaled: bool = True) -> float:
        """Book a loss assessed in yuan (not in units, e.g. earthquake repair cost) × scale;
        returns the yuan added. Units are not counted. ``scaled=False`` books it as given: a
        loss taken from records, which the scale (a calibration of the unit costs) must not
        touch (e.g. a chemical fire's direct loss).

        Raises:
            ValueError: negative or non-finite ``yuan``.
        """
        yuan = float(yuan)
        if not (math.isfinite(yuan) and yuan >= 0.0):
            raise ValueError(
                f"loss {item!r} must be a finite non-negative yuan amount, got {yuan!r}"
            )
        booked = yuan * self.scale if scaled else yuan
        self.by_item[item] = self.by_item.get(item, 0.0) + booked
        return booked

    @property
    def total_yuan(self) -> float:
        return float(sum(self.by_item.values()))


class Ledger:
    """The run's ledger: :class:`CasualtyLedger` and :class:`LossLedger` together.

    Args:
        n_districts: districts of the city.
        unit_cost_yuan: item → unit cost, yuan.
        loss_scale: multiplier of every loss booking.
    """

    def __init__(self, n_districts: int, unit_cost_yuan: Mapping[str, float], loss_scale=1.0):
        self.casualties = CasualtyLedger(n_districts)
        self.losses = LossLedger(unit_cost_yuan, loss_scale)
