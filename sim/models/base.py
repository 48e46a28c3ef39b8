"""What every citysafe model shares, whatever its clock: seed, named streams, clock, event
log and run loop.

citysafe has one model family on two clocks (docs/architecture.md §Time):

* the **emergency window** (:class:`sim.models.emergency.CityModel`): hours to weeks,
  advanced hour by hour (physics every ``time.physics_step_h``, logistics at exact times);
* the **long run** (:class:`sim.models.longrun.RiskDynamicsModel`): years to decades,
  advanced year by year (one year-end event per year, closed-form processes in between).

Both are :class:`SimulationModel`\\ s: ``model.time`` is **hours** since ``start_utc``
(:meth:`SimulationModel.utc` gives the UTC of an hour), so the event tables of both align;
every random draw comes from ``model.streams[name]``
(:class:`~sim.core.streams.RandomStreams`, one stream per component, seeded by the
scenario seed and the component's name); ``model.events`` is the run's event log (its
``to_frame()`` is events.parquet); :meth:`SimulationModel.run` advances to the horizon in
the clock's steps (``progress(t_h)`` after each) and then :meth:`SimulationModel.finish`\\ es.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import mesa
import numpy as np
import pandas as pd

from sim.core.clock import Clock
from sim.core.streams import RandomStreams


class EventTable(Protocol):
    """An event log: whatever it stores, it lists its events as one table."""

    def __len__(self) -> int: ...

    def to_frame(self) -> pd.DataFrame:
        """Events sorted by time, with ``t_h`` (model hours) and ``time_utc`` columns."""
        ...


class SimulationModel(mesa.Model):
    """Base of the citysafe models: a Mesa model with a seed, named streams and a UTC clock.

    Args:
        config: the validated scenario (its ``seed`` seeds the streams unless ``rng`` is given).
        rng: seed or ``numpy.random.Generator``; defaults to ``config.seed``. Mesa's own
            generator (``model.rng``) and the named streams are both derived from it.
        start_utc: UTC of model hour 0 (tz-aware).
        horizon_h: the run's horizon, model hours.

    Subclasses set :attr:`step_h`, the clock's step (hours between ``progress`` calls), and
    ``self.events`` (an :class:`EventTable`), and may override :meth:`finish`.

    Attributes:
        config: the scenario.
        streams: the named component streams.
        clock: model hours <-> UTC (:class:`~sim.core.clock.Clock`), handed to collaborators.
        start_utc: model hour 0 as a ``pandas.Timestamp`` (UTC); ``start_utc_s`` in Unix
            seconds.
        horizon_h: the horizon, hours.
    """

    kind: ClassVar[str] = ""
    """The scenario kind the model runs (``emergency``, ``long_run``)."""
    step_h: ClassVar[float] = 1.0
    """The clock's step, hours: :meth:`advance` stops (and reports progress) after each."""

    events: EventTable

    def __init__(self, config, rng=None, *, start_utc, horizon_h: float):
        seed = config.seed if rng is None else rng
        super().__init__(rng=seed)
        self.config = config
        self.streams = RandomStreams(seed)
        self.clock = Clock(pd.Timestamp(start_utc), self._now_h)
        self.horizon_h = float(horizon_h)

    # ------------------------------------------------------------------ clock
    def _now_h(self) -> float:
        return self.time

    @property
    def start_utc(self) -> pd.Timestamp:
        """Model hour 0 (UTC)."""
        return self.clock.start_utc

    @property
    def start_utc_s(self) -> float:
        """Model hour 0 in POSIX seconds."""
        return self.clock.start_utc_s

    def utc(self, t_h: float | None = None) -> np.datetime64:
        """UTC time of model hour ``t_h`` (default: now), to the second."""
        return self.clock.utc(t_h)

    # ------------------------------------------------------------------ run loop
    def advance(self, t_h: float, progress=None) -> None:
        """Run step by step (:attr:`step_h`) up to model hour ``t_h``, capped at the horizon;
        ``progress(t_h)`` after each step. Scheduled Mesa events fire on the way."""
        end = min(t_h, self.horizon_h)
        while self.time < end - 1e-9:
            self.run_until(min(self.time + self.step_h, end))
            if progress is not None:
                progress(self.time)

    def finish(self) -> None:
        """End of the run at the horizon (default: nothing to settle)."""

    def run(self, progress=None) -> None:
        """Run to the horizon (``progress(t_h)`` after each step), then :meth:`finish`."""
        self.advance(self.horizon_h, progress)
        self.finish()

    def events_frame(self) -> pd.DataFrame:
        """The event log as a table (events.parquet)."""
        return self.events.to_frame()
