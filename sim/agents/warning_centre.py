"""The municipal warning centre: leadership responsibility for colour-coded warnings.

The city's meteorological observatory issues typhoon and rainstorm warnings on the national
four-colour scale (blue < yellow < orange < red; domain.md §4, 分色预警) and the municipal
flood-control headquarters raises its graded response with them. The centre keeps the
current level per hazard; district governments act on the highest of them.

Warnings reach the centre as events (scenario ``events:`` or exercise injects) through the
model's event engine (:mod:`sim.models.event_engine`), which calls :meth:`WarningCentre.issue`.
With early warning switched off (a ``policy`` inject) the centre issues nothing; the levels in
force stay, and switching it back on issues the latest withheld level of each hazard at once.
"""

from __future__ import annotations

import mesa

from sim.scenario.schema import ALERT_LEVELS

LEVEL_RANK = {name: i for i, name in enumerate(ALERT_LEVELS)}
"""Alert level name → rank (none 0, blue 1, yellow 2, orange 3, red 4)."""


class WarningCentre(mesa.Agent):
    """Issues warnings and reports the effective alert level.

    Attributes:
        levels: current level name per hazard (``"typhoon"``, ``"rainstorm"``).
        issued: log of (t_h, hazard, level, source) in issue order.
        enabled: False while early warning is switched off.
        withheld: hazard → (level, source) of the latest warning not issued while disabled.
    """

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.levels: dict[str, str] = {"typhoon": "none", "rainstorm": "none"}
        self.issued: list[tuple[float, str, str, str]] = []
        self.enabled = True
        self.withheld: dict[str, tuple[str, str]] = {}

    @property
    def level(self) -> str:
        """Effective alert level: the highest over hazards."""
        return max(self.levels.values(), key=LEVEL_RANK.__getitem__)

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[self.level]

    def issue(self, hazard: str, level: str, source: str, t_h: float) -> bool:
        """Set ``hazard``'s level (logged as a ``warning`` event); withheld when disabled.

        Returns:
            True if the warning was issued.
        """
        if not self.enabled:
            self.withheld[hazard] = (level, source)
            return False
        self.levels[hazard] = level
        self.issued.append((max(t_h, 0.0), hazard, level, source))
        self.model.log_event(
            "warning", district=-1, layer="", detail=f"{hazard}:{level}", value=LEVEL_RANK[level]
        )
        return True

    def set_enabled(self, enabled: bool) -> None:
        """Switch early warning off or on; on: the withheld warnings are issued now."""
        self.enabled = bool(enabled)
        if self.enabled:
            for hazard, (level, source) in sorted(self.withheld.items()):
                self.issue(hazard, level, source, self.model.time)
            self.withheld.clear()
