"""Warning colours that a forecast meets, by the criteria of :mod:`sim.city.warning_criteria`.

Pure functions of a :class:`~sim.hazards.forecast.HazardForecast` (never of the hazard): the
same rule runs on an erroneous forecast or on the perfect one.
"""

from __future__ import annotations

import numpy as np

from sim.city.warning_criteria import COLOURS, Criterion, HazardRules, LevelRule
from sim.hazards.base import INTENSITY_MEASURES
from sim.hazards.forecast import HazardForecast


class _Totals:
    """Forecast accumulations from the issue to whole hours ahead, cached per IM."""

    def __init__(self, forecast: HazardForecast, x_m, y_m):
        self.forecast, self.x, self.y = forecast, x_m, y_m
        self._cum: dict[tuple[str, int], np.ndarray] = {}

    def upto(self, im: str, hours: int) -> np.ndarray:
        if hours <= 0:
            return np.zeros(np.shape(self.x))
        key = (im, hours)
        if key not in self._cum:
            self._cum[key] = self.forecast.total(im, self.x, self.y, float(hours))
        return self._cum[key]

    def max_window(self, im: str, duration_h: float, lead_h: float) -> np.ndarray:
        """Largest accumulation over a ``duration_h`` window starting on a whole hour
        within the next ``lead_h`` hours."""
        d, lead = float(duration_h), float(lead_h)
        if abs(d - lead) < 1e-9 or d != int(d) or lead != int(lead):
            return self.forecast.total(im, self.x, self.y, d)  # one window from the issue
        best = np.zeros(np.shape(self.x))
        for s in range(int(lead - d) + 1):
            best = np.maximum(best, self.upto(im, s + int(d)) - self.upto(im, s))
        return best


def _met(c: Criterion, rule: LevelRule, forecast: HazardForecast, totals: _Totals, x, y):
    if c.stat == "peak":
        value = forecast.peak(c.im, x, y, rule.lead_h)
    else:
        value = totals.max_window(c.im, c.duration_h or rule.lead_h, rule.lead_h)
    return value >= c.at_least


def check_ims(rules: HazardRules, where: str) -> None:
    """Raise ValueError if a criterion names an IM that no hazard module registers.

    Args:
        rules: one hazard's criteria.
        where: the file and hazard, for the message.
    """
    for colour, rule in rules.levels.items():
        for c in rule.any_of:
            if c.im not in INTENSITY_MEASURES:
                raise ValueError(
                    f"{where}.levels.{colour}: unknown intensity measure {c.im!r}; "
                    f"registered: {sorted(INTENSITY_MEASURES)}"
                )


def colour_ranks(rules: HazardRules, forecast: HazardForecast, x_m, y_m) -> np.ndarray:
    """Highest warning colour each point's forecast meets.

    Args:
        rules: one hazard's criteria.
        forecast: the latest forecast.
        x_m, y_m: (n,) points, metres in the city's CRS.

    Returns:
        (n,) int ranks: 0 none, 1 blue, 2 yellow, 3 orange, 4 red.
    """
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    totals = _Totals(forecast, x, y)
    rank = np.zeros(x.shape, dtype=int)
    for i, colour in enumerate(COLOURS, start=1):
        rule = rules.levels.get(colour)
        if rule is None or rule.lead_h > forecast.horizon_h + 1e-9:
            continue
        met = np.zeros(x.shape, dtype=bool)
        for c in rule.any_of:
            met |= _met(c, rule, forecast, totals, x, y)
        rank = np.where(met, i, rank)
    return rank
