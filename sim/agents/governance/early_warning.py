"""Colour-coded early warning (分色预警) and graded response (分级响应), docs/domain.md §4-5.

The platform senses each latent hazard with probability ``sensing_coverage`` a month and
computes a risk indicator per enterprise: the estimated accident rate per year with the
sensed hazards and the current barrier compliance (the Swiss-cheese rate of
:mod:`sim.agents.governance.barriers`). Levels: 0 none, 1 blue, 2 yellow, 3 orange, 4 red — the
number of thresholds the indicator reaches. Sensor faults raise false alarms at a rate per
enterprise-year, reported at yellow. Graded response (assumption, following the ordering of
China's four-level emergency response; actions are this model's):

* blue: the district notifies the enterprise (a "warn" duty);
* yellow: plus a response inspection by the competent regulator;
* orange: plus enforced rectification of the sensed hazards and public alert (people in the
  zones evacuate within the lead time if the release happens);
* red: plus suspension of operations (initiating rate cut by ``suspension_effect``).
"""

from __future__ import annotations

import numpy as np

LEVELS = ("none", "blue", "yellow", "orange", "red")


def warning_levels(indicator_per_yr, thresholds_per_yr) -> np.ndarray:
    """(n,) level 0..4: number of thresholds (blue, yellow, orange, red) the indicator reaches.

    Raises:
        ValueError: thresholds not 4 strictly increasing values.
    """
    t = np.asarray(thresholds_per_yr, float)
    if t.shape != (4,) or np.any(np.diff(t) <= 0):
        raise ValueError("thresholds_per_yr must be 4 strictly increasing values")
    return np.searchsorted(t, np.asarray(indicator_per_yr, float), side="right").astype(np.int8)


def false_alarms(n: int, rate_per_yr: float, months: float, rng: np.random.Generator):
    """(n,) True where a sensor fault raises a spurious warning this period:
    P = 1 - exp(-rate x months / 12)."""
    return rng.random(n) < -np.expm1(-rate_per_yr * months / 12.0)
