"""The municipal warning centre: leadership responsibility for colour-coded warnings.

Shanghai's meteorological observatory issues typhoon and rainstorm warnings on the national
four-colour scale (blue < yellow < orange < red; domain.md §4, 分色预警) and the municipal
flood-control headquarters raises its graded response with them. The centre keeps the
current level per hazard; district governments act on the highest of them.
"""

from __future__ import annotations

import heapq

import mesa

from sim.scenario.schema import ALERT_LEVELS, WarningEvent

LEVEL_RANK = {name: i for i, name in enumerate(ALERT_LEVELS)}
"""Alert level name → rank (none 0, blue 1, yellow 2, orange 3, red 4)."""


class WarningCentre(mesa.Agent):
    """Issues scripted warnings at their times and reports the effective alert level.

    Attributes:
        levels: current level name per hazard (``"typhoon"``, ``"rainstorm"``).
        issued: log of (t_h, hazard, level, source) in issue order.
    """

    def __init__(self, model: mesa.Model, events: list[WarningEvent], start_utc_s: float):
        super().__init__(model)
        self.levels: dict[str, str] = {"typhoon": "none", "rainstorm": "none"}
        self.issued: list[tuple[float, str, str, str]] = []
        self._queue: list[tuple[float, int, WarningEvent]] = []
        for i, ev in enumerate(events):
            t_h = (ev.at_utc.timestamp() - start_utc_s) / 3600.0
            heapq.heappush(self._queue, (t_h, i, ev))
        for t_h in sorted({t for t, _, _ in self._queue}):
            if t_h <= 0:
                continue
            model.schedule_event(self.issue_due, at=t_h)
        self.issue_due()  # warnings in force at the start

    @property
    def level(self) -> str:
        """Effective alert level: the highest over hazards."""
        return max(self.levels.values(), key=LEVEL_RANK.__getitem__)

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[self.level]

    def issue_due(self) -> None:
        """Issue every queued warning whose time has come (called by the event list)."""
        now = self.model.time
        while self._queue and self._queue[0][0] <= now + 1e-9:
            t_h, _, ev = heapq.heappop(self._queue)
            self.levels[ev.hazard] = ev.level
            self.issued.append((max(t_h, 0.0), ev.hazard, ev.level, ev.source))
            self.model.log_event(
                "warning",
                district=-1,
                layer="",
                detail=f"{ev.hazard}:{ev.level}",
                value=LEVEL_RANK[ev.level],
            )
        service = getattr(self.model, "service", None)  # absent while the model is built
        if service is not None:
            service.on_alert(self.level_rank)
