"""What a running model hands its collaborators: the clock, the event log and the ledger.

Collaborators (infrastructure, counted exposure, the emergency service …) read the time, log
events and book casualties and losses through a :class:`RunContext`, and return everything
else (new damage, incidents) to the model. They never hold the model itself, so they cannot
write its attributes or reach into other components through it.
"""

from __future__ import annotations

import numpy as np

from sim.core.clock import Clock
from sim.core.eventlog import EventLog
from sim.core.ledger import CasualtyLedger, Ledger, LossLedger


class RunContext:
    """Clock, event log and ledger of one run.

    Args:
        clock: the model's :class:`~sim.core.clock.Clock`.
        events: the model's :class:`~sim.core.eventlog.EventLog`.
        ledger: the model's :class:`~sim.core.ledger.Ledger`.
    """

    __slots__ = ("clock", "events", "ledger")

    def __init__(self, clock: Clock, events: EventLog, ledger: Ledger):
        self.clock = clock
        self.events = events
        self.ledger = ledger

    @property
    def time(self) -> float:
        """Now, model hours since the start."""
        return self.clock.now_h

    def utc(self, t_h: float | None = None) -> np.datetime64:
        """UTC time of model hour ``t_h`` (default: now)."""
        return self.clock.utc(t_h)

    @property
    def losses(self) -> LossLedger:
        return self.ledger.losses

    @property
    def casualties(self) -> CasualtyLedger:
        return self.ledger.casualties

    def log_event(
        self,
        kind: str,
        *,
        district: int,
        layer: str = "",
        detail: str = "",
        value: float = 1.0,
        asset: int = -1,
        incident: int = -1,
    ) -> None:
        """Append one event at the current time to the event log."""
        self.events.add(self.time, kind, district, layer, asset, incident, value, detail)

    def book_casualties(
        self,
        district: int,
        cause: str,
        *,
        deaths: float = 0.0,
        injuries: float = 0.0,
        incident: int = -1,
    ) -> None:
        """Book casualties in the ledger; deaths are also logged (a ``death`` event, detail =
        cause, value = persons), so the event log and the ledger agree.

        Raises:
            ValueError: see :meth:`~sim.core.ledger.CasualtyLedger.book`.
        """
        self.ledger.casualties.book(district, cause, deaths, injuries)
        if deaths:
            self.log_event(
                "death",
                district=int(district),
                incident=incident,
                value=float(deaths),
                detail=cause,
            )
