"""A model's clock: model hours since a UTC start, and the UTC time of any model hour.

Mesa owns the model's time (``model.time``, advanced by its event scheduler); the clock only
reads it, through the callable it is given, and converts. It depends on nothing else of a
model, so the emergency model (hours over days) and the long-run model (hours over years)
can both hand it to their collaborators.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd


class Clock:
    """Model time in hours since ``start_utc``.

    Args:
        start_utc: the model's time zero, a tz-aware UTC datetime or timestamp.
        now: returns the model's current time, hours since ``start_utc`` (e.g.
            ``lambda: model.time``).

    Attributes:
        start_utc: time zero as a :class:`pandas.Timestamp`.
        start_utc_s: time zero in POSIX seconds.
    """

    __slots__ = ("_now", "start_utc", "start_utc_s")

    def __init__(self, start_utc: datetime | pd.Timestamp, now: Callable[[], float]):
        self.start_utc = pd.Timestamp(start_utc)
        self.start_utc_s = start_utc.timestamp()
        self._now = now

    @property
    def now_h(self) -> float:
        """The model's current time, hours since ``start_utc``."""
        return self._now()

    def utc(self, t_h: float | None = None) -> np.datetime64:
        """UTC time of model hour ``t_h`` (default: now), to the second."""
        t = self.now_h if t_h is None else t_h
        return np.datetime64(int(round(self.start_utc_s + t * 3600.0)), "s")

    def hours_of(self, when: datetime | pd.Timestamp) -> float:
        """Model hour of a tz-aware UTC time (negative before ``start_utc``)."""
        return (when.timestamp() - self.start_utc_s) / 3600.0
