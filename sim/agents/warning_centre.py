"""The municipal warning centre: leadership responsibility for colour-coded warnings.

The city's meteorological observatory issues typhoon and rainstorm warnings on the national
four-colour scale (blue < yellow < orange < red; docs/domain.md §4, 分色预警) and the municipal
flood-control headquarters raises its graded response with them. The centre keeps the
current level per hazard; district governments act on the highest of them.

Warnings reach the centre as events (scenario ``events:`` or exercise injects) through the
model's event engine (:mod:`sim.models.event_engine`), which calls :meth:`WarningCentre.issue`.
With early warning switched off (a ``policy`` inject) the centre issues nothing; the levels in
force stay, and switching it back on issues the latest withheld level of each hazard at once.

Two modes (``warnings.mode``; a scenario's third, ``disabled``, is the forecast mode switched
off from the start, :meth:`WarningCentre.set_enabled`: the city without an early-warning
platform):

* ``replay``: only warning events set the levels (a recorded history, e.g. Lekima 2019).
* ``forecast``: at every forecast issue the centre decides from the latest forecast
  (:meth:`WarningCentre.decide`) by the city's criteria (:mod:`sim.city.warning_criteria`):
  each district's colour is the highest any of its sample points meets (for a hazard whose
  criteria are ``coastal``, its coastal-water points too: :mod:`sim.city.coast`); the
  city-wide signal is the highest over districts. Rule: an upgrade is issued at once; a
  downgrade or lift is issued at the first issue whose forecast no longer meets the criteria
  of the colour in force for ``downgrade_after_issues`` issues in a row (it then goes to the
  highest colour those issues' forecasts met). A warning event in this mode is an
  **override** (a trainer's inject, a forced level), logged as ``warning_override``: it sets
  the level now and holds it as a floor (the centre may still upgrade) until a later warning
  event for the same hazard; an override to ``none`` lifts the warning and hands the hazard
  back to the centre's decisions.

The municipal flood-control response (防汛防台应急响应) follows the warnings in force in both
modes: :attr:`WarningCentre.response_level` is the highest grade the criteria's response
table gives to any hazard's colour (0 none, 1 IV, 2 III, 3 II, 4 I); every change is logged
as a ``response`` event.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents.warning_rules import check_ims, colour_ranks
from sim.city.warning_criteria import NATIONAL, RESPONSE_GRADES, WarningCriteria
from sim.hazards.forecast import HazardForecast
from sim.scenario.schema import ALERT_LEVELS

LEVEL_RANK = {name: i for i, name in enumerate(ALERT_LEVELS)}
"""Alert level name → rank (none 0, blue 1, yellow 2, orange 3, red 4)."""


class WarningCentre(mesa.Agent):
    """Issues warnings and reports the effective alert level and flood-control response.

    Args:
        model: the model.
        mode: ``"replay"`` (warning events set the levels) or ``"forecast"`` (the centre
            decides; warning events are overrides).
        criteria: warning criteria and response table (default: the national ones).
        downgrade_after_issues: issues in a row below the colour in force before a
            downgrade or lift (scenario ``warnings.downgrade_after_issues``).

    Attributes:
        levels: current level name per hazard (``"typhoon"``, ``"rainstorm"``).
        issued: log of (t_h, hazard, level, source) in issue order.
        enabled: False while early warning is switched off.
        withheld: hazard → (level, source) of the latest warning not issued while disabled.
        forecast: the latest forecast decided from (forecast mode), or None.
        district_levels: hazard → (D,) colour rank per district of the latest decision.
        overrides: hazard → level forced by a warning event (forecast mode).
        response_level: flood-control response rank (0 none, 1 IV … 4 I).
    """

    def __init__(
        self,
        model: mesa.Model,
        mode: str = "replay",
        criteria: WarningCriteria | None = None,
        downgrade_after_issues: int = 1,
    ):
        super().__init__(model)
        if downgrade_after_issues < 1:
            raise ValueError(f"downgrade_after_issues must be >= 1, got {downgrade_after_issues}")
        self.downgrade_after_issues = int(downgrade_after_issues)
        self._below: dict[str, list[int]] = {}  # hazard -> ranks of the issues in a row below
        self.levels: dict[str, str] = {"typhoon": "none", "rainstorm": "none"}
        self.issued: list[tuple[float, str, str, str]] = []
        self.enabled = True
        self.withheld: dict[str, tuple[str, str]] = {}
        if mode not in ("replay", "forecast"):
            raise ValueError(f"warning mode must be 'replay' or 'forecast', got {mode!r}")
        self.mode = mode
        self.criteria = NATIONAL if criteria is None else criteria
        for hazard, rules in self.criteria.hazards.items():
            check_ims(rules, f"warning criteria hazards.{hazard}")
        self.forecast: HazardForecast | None = None
        self.district_levels: dict[str, np.ndarray] = {}
        self.overrides: dict[str, str] = {}
        self.response_level = 0

    @property
    def level(self) -> str:
        """Effective alert level: the highest over hazards."""
        return max(self.levels.values(), key=LEVEL_RANK.__getitem__)

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[self.level]

    @property
    def response_grade(self) -> str:
        """Flood-control response grade in force: ``"none"``, ``"IV"`` … ``"I"``."""
        return "none" if self.response_level == 0 else RESPONSE_GRADES[self.response_level - 1]

    def issue(self, hazard: str, level: str, source: str, t_h: float) -> bool:
        """A warning event (scenario ``events:`` or an inject) sets ``hazard``'s level.

        Replay mode: the level, logged as a ``warning`` event. Forecast mode: an override
        (see the module docstring), logged as ``warning_override`` and then as ``warning``.
        Withheld while early warning is off.

        Returns:
            True if the warning was issued.
        """
        if self.mode == "forecast":
            if level == "none":
                self.overrides.pop(hazard, None)
            else:
                self.overrides[hazard] = level
            self.model.log_event(
                "warning_override",
                district=-1,
                detail=f"{hazard}:{level}",
                value=LEVEL_RANK[level],
            )
        return self._set(hazard, level, source, t_h)

    def _set(self, hazard: str, level: str, source: str, t_h: float) -> bool:
        """Set ``hazard``'s level (logged as a ``warning`` event); withheld when disabled."""
        if not self.enabled:
            self.withheld[hazard] = (level, source)
            return False
        self.levels[hazard] = level
        self.issued.append((max(t_h, 0.0), hazard, level, source))
        self.model.log_event(
            "warning", district=-1, layer="", detail=f"{hazard}:{level}", value=LEVEL_RANK[level]
        )
        self._update_response()
        return True

    def _update_response(self) -> None:
        """Re-derive the flood-control response from the levels in force; log a change."""
        rank = max(
            (self.criteria.response_rank(h, LEVEL_RANK[lv]) for h, lv in self.levels.items()),
            default=0,
        )
        if rank != self.response_level:
            self.response_level = rank
            self.model.log_event(
                "response", district=-1, detail=f"flood_control:{self.response_grade}", value=rank
            )

    def decide(
        self,
        forecast: HazardForecast,
        x_m,
        y_m,
        district_of: np.ndarray,
        n_districts: int,
        coast: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> bool:
        """Forecast mode: set each hazard's level from the forecast just issued.

        Args:
            forecast: the latest forecast.
            x_m, y_m: (n,) sample points where the criteria are checked, metres.
            district_of: (n,) district index of each point.
            n_districts: number of districts.
            coast: (x_m, y_m, district) of the coastal-water points
                (:func:`sim.city.coast.coastal_points`), added to the points of hazards whose
                criteria have ``coastal: true``; None: land points only.

        Returns:
            True if any level changed.
        """
        self.forecast = forecast
        if self.mode != "forecast":
            return False
        changed = False
        for hazard, rules in self.criteria.hazards.items():
            if rules.coastal and coast is not None:
                px = np.concatenate([np.asarray(x_m, float), coast[0]])
                py = np.concatenate([np.asarray(y_m, float), coast[1]])
                pd_ = np.concatenate([district_of, coast[2]])
            else:
                px, py, pd_ = x_m, y_m, district_of
            ranks = colour_ranks(rules, forecast, px, py)
            by_district = np.zeros(n_districts, dtype=int)
            np.maximum.at(by_district, pd_, ranks)
            self.district_levels[hazard] = by_district
            floor = LEVEL_RANK[self.overrides.get(hazard, "none")]  # an override holds
            rank = self._hold(hazard, max(int(by_district.max(initial=0)), floor))
            level = ALERT_LEVELS[rank]
            if level != self.levels.get(hazard, "none"):
                note = f"forecast issued at {forecast.issued_h:g} h"
                changed |= self._set(hazard, level, note, self.model.time)
        return changed

    def _hold(self, hazard: str, rank: int) -> int:
        """The rank to issue: an upgrade at once; a downgrade only after
        ``downgrade_after_issues`` issues in a row below the level in force (to the highest
        rank those issues met)."""
        current = LEVEL_RANK[self.levels.get(hazard, "none")]
        below = self._below.setdefault(hazard, [])
        if rank >= current:
            below.clear()
            return rank
        below.append(rank)
        if len(below) < self.downgrade_after_issues:
            return current
        held = max(below)
        below.clear()
        return held

    def set_enabled(self, enabled: bool) -> None:
        """Switch early warning off or on; on: the withheld warnings are issued now."""
        self.enabled = bool(enabled)
        if self.enabled:
            for hazard, (level, source) in sorted(self.withheld.items()):
                self._set(hazard, level, source, self.model.time)
            self.withheld.clear()
