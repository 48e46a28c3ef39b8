"""The event engine of a :class:`~sim.models.emergency.CityModel`: scripted events and injects,
one path.

Every event — a scenario's ``events:``, a replayed journal (``injects:``) or a trainer's live
inject — is applied by :meth:`EventEngine.apply` (effects in :mod:`sim.models.event_effects`).
They differ only in *where* in an instant they apply, fixed by Mesa event priorities:

* scripted ``events:`` at time t: a Mesa event at t with DEFAULT priority created when the
  model is built, i.e. after the hourly decision step at t and before the physics update at t
  (the place scripted warnings always had, so runs without injects are unchanged);
* injects at time t: a Mesa event at t with priority :data:`AFTER_RECORD`, after every model
  process of that instant (the hourly record included). A live session shows the state after
  ``run_until(t)`` — exactly that point — and applies the trainer's inject there; the replay
  applies it at the same point, so live and replay are identical (same draws in the same
  order, from the model's own ``injects`` stream).

Injects at t ≤ now apply at once; injects at or after the horizon never fire.
"""

from __future__ import annotations

import heapq
from enum import IntEnum
from typing import TYPE_CHECKING

from sim.models.event_effects import APPLY, InjectError, check_event

if TYPE_CHECKING:
    from sim.models.emergency import CityModel


class _Priority(IntEnum):
    AFTER_RECORD = 20  # Mesa: HIGH 1 (hourly step) < DEFAULT 5 < LOW 10 (record)


AFTER_RECORD = _Priority.AFTER_RECORD
"""Mesa priority of injects: after the record (LOW) of the same instant."""


class EventEngine:
    """Queues of scripted events and injects of one model.

    Args:
        model: the model (built up to its warning centre).
        scripted: the scenario's ``events``.

    Attributes:
        applied: one row per applied event: (t_h, type, source, description).
    """

    def __init__(self, model: CityModel, scripted: list):
        self.model = model
        self.applied: list[tuple[float, str, str, str]] = []
        self._scripted: list[tuple[float, int, object]] = []
        self._injects: list[tuple[float, int, object]] = []
        self._seq = 0
        for ev in scripted:
            self._seq += 1
            heapq.heappush(self._scripted, (ev.time_h(model.start_utc_s), self._seq, ev))
        for t_h in sorted({t for t, _, _ in self._scripted}):
            if t_h > 0:
                model.schedule_event(self.fire_scripted, at=t_h)

    def start(self) -> None:
        """Once the emergency service exists: check the scripted events' names and apply those
        due at the start.

        Raises:
            InjectError: an event names an unknown district, depot or crossing.
        """
        for _, _, ev in self._scripted:
            self.check(ev, "events")
        self.fire_scripted()

    def queue_injects(self, injects: list) -> None:
        """At the end of model construction (where a live session first stands): check and
        queue a replayed journal's injects; those at t = 0 apply now.

        Raises:
            InjectError: an inject names an unknown district, depot or crossing.
        """
        for ev in injects:
            self.check(ev, "injects")
        for ev in injects:
            self.schedule_inject(ev, ev.time_h(self.model.start_utc_s))

    def check(self, ev, where: str) -> None:
        """Resolve an event's names against this model.

        Raises:
            InjectError: an unknown name; the message starts with ``where``, type and time.
        """
        try:
            check_event(self.model, ev)
        except InjectError as exc:
            t_h = ev.time_h(self.model.start_utc_s)
            raise InjectError(f"{where}: {ev.type} at {t_h:g} h: {exc}") from None

    # ------------------------------------------------------------------ injects
    def schedule_inject(self, ev, t_h: float) -> None:
        """Queue an inject for time ``t_h`` (apply now if due; never past the horizon)."""
        model = self.model
        if t_h >= model.config.time.duration_h - 1e-9 and t_h > model.time:
            return
        if t_h <= model.time + 1e-9:
            self.apply(ev, "inject", model.time)
            self._notify(ev)
            return
        self._seq += 1
        heapq.heappush(self._injects, (t_h, self._seq, ev))
        model.schedule_event(self.fire_injects, at=t_h, priority=AFTER_RECORD)

    def inject_now(self, ev) -> str:
        """Check and apply a live inject at the current time; returns its description.

        Raises:
            InjectError: unknown names (nothing is applied).
        """
        check_event(self.model, ev)
        desc = self.apply(ev, "inject", self.model.time)
        self._notify(ev)
        return desc

    def fire_injects(self) -> None:
        """Mesa event: apply the injects due now, in journal order."""
        now = self.model.time
        while self._injects and self._injects[0][0] <= now + 1e-9:
            _, _, ev = heapq.heappop(self._injects)
            self.apply(ev, "inject", now)
            self._notify(ev)

    # ------------------------------------------------------------------ scripted
    def fire_scripted(self) -> None:
        """Mesa event (and model start): apply the scripted events due now, in time then
        file order; the emergency service then hears the new alert level."""
        now = self.model.time
        while self._scripted and self._scripted[0][0] <= now + 1e-9:
            t_h, _, ev = heapq.heappop(self._scripted)
            self.apply(ev, "scenario", t_h)
        service = getattr(self.model, "service", None)
        if service is not None:
            service.on_alert(self.model.warning_centre.level_rank)

    # ------------------------------------------------------------------ common path
    def apply(self, ev, source: str, t_h: float) -> str:
        """Apply one event now (``t_h``: its nominal time) and log it.

        Logged as ``inject:<type>`` (detail: the description), except scripted warnings,
        which the warning centre logs as ``warning`` (as before injects existed).
        """
        model = self.model
        desc = APPLY[ev.type](model, ev, model.streams["injects"], t_h)
        self.applied.append((model.time, ev.type, source, desc))
        if not (source == "scenario" and ev.type == "warning"):
            model.log_event(f"inject:{ev.type}", district=_district_of(model, ev), detail=desc)
        return desc

    def _notify(self, ev) -> None:
        if ev.type in ("warning", "policy"):
            self.model.service.on_alert(self.model.warning_centre.level_rank)


def _district_of(model: CityModel, ev) -> int:
    name = getattr(ev, "district", None)
    if name is None:
        return -1
    return int(list(model.city.districts["name_en"]).index(name))
