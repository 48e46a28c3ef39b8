"""Event-time bookkeeping of the dispatcher: its clock, the heap of its own future events and
the unit-hours integrated for utilisation.

Internal events are *stock* events (units returning to their depot, transfers and resupply
arriving) and, when the dispatcher completes jobs itself, *completions*. At equal times stock
events come first (rank 0 before rank 1), then the order in which they were pushed.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.response.dispatch.records import TimeOrderError
from sim.response.resources import N_RESOURCES, DepotStock

RANK_STOCK, RANK_COMPLETE = 0, 1
"""Event ranks at equal times: stock arrivals before completions."""


class EventClock:
    """The dispatcher's clock (model hours), its event heap and its unit-hour integrals.

    Args:
        t0_h: model time at construction (start of the utilisation window), h.
    """

    def __init__(self, t0_h: float):
        self.t0_h = float(t0_h)
        self.now_h = float(t0_h)
        self._heap: list[tuple] = []
        self._pushed = 0
        self._integrated_h = float(t0_h)
        self._busy_unit_h = np.zeros(N_RESOURCES)
        self._owned_unit_h = np.zeros(N_RESOURCES)

    def check(self, t_h: float) -> None:
        """Raise :class:`TimeOrderError` if ``t_h`` lies before the clock."""
        if t_h < self.now_h - 1e-9:
            raise TimeOrderError(f"time went back: {t_h} h < dispatcher clock {self.now_h} h")

    def advance(self, t_h: float) -> None:
        """Move the clock to ``t_h`` (never back: :class:`TimeOrderError`)."""
        self.check(t_h)
        if t_h > self.now_h:
            self.now_h = t_h

    def push(self, t_h: float, rank: int, kind: str, payload) -> None:
        """Schedule an internal event of ``kind`` (``return``, ``transfer``, ``delivery``,
        ``complete``) at ``t_h``."""
        self._pushed += 1
        heapq.heappush(self._heap, (t_h, rank, self._pushed, kind, payload))

    def next_h(self) -> float | None:
        """Time of the next internal event (None when there is none)."""
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[str, object]:
        """Remove the next internal event; returns ``(kind, payload)``."""
        _, _, _, kind, payload = heapq.heappop(self._heap)
        return kind, payload

    def integrate(self, stock: DepotStock) -> None:
        """Accumulate busy/owned unit-hours up to the clock; call before any stock change."""
        dt = self.now_h - self._integrated_h
        if dt > 0:
            self._busy_unit_h += stock.out_total * dt
            self._owned_unit_h += stock.owned_total * dt
            self._integrated_h = self.now_h

    def unit_hours(self, stock: DepotStock, t_h: float) -> tuple[np.ndarray, np.ndarray]:
        """(busy, owned) unit-hours per resource from ``t0_h`` to ``t_h`` (>= the clock),
        without changing state.

        Raises:
            TimeOrderError: ``t_h`` before the clock.
        """
        if t_h < self.now_h - 1e-9:
            raise TimeOrderError(f"utilisation asked at {t_h} h before clock {self.now_h} h")
        dt = t_h - self._integrated_h
        busy = self._busy_unit_h + stock.out_total * dt
        owned = self._owned_unit_h + stock.owned_total * dt
        return busy, owned
