"""Deaths in coastal flooding behind overflowing defences, by Jonkman's mortality functions.

**Mortality** F_D (share of the people exposed who die) by the local flood depth h (m) and
rise rate w (m/h), after Jonkman, Vrijling & Vrouwenvelder (2008), "Methods for the
estimation of loss of life due to floods: a literature review and a proposal for a new
method", Natural Hazards 46:353-389 (doi:10.1007/s11069-008-9227-5), lognormal in depth, fitted
to the 1953 North Sea flood and to New Orleans after Hurricane Katrina:

* zone of rapidly rising water (h ≥ 2.1 m and w ≥ 0.5 m/h): F_D = Φ((ln h − 1.46) / 0.28);
* remaining zone: F_D = Φ((ln h − 7.60) / 2.75);
* breach zone (h·v ≥ 7 m²/s and v ≥ 2 m/s): F_D = 1. Not applied: the storm surge models
  overflow of intact walls and no inland flow velocity (stated limitation).

**People exposed**, per cell of the strip behind each defence segment (the hazard's
cross-shore profile, :meth:`sim.hazards.storm_surge.StormSurge.cross_shore_profile`): the
protected district's residents per m² (census population / area: uniform within the
district, assumption) × segment length × cell width: every resident of a flooded cell, as in
the functions' fit to the people present in each flooded area. Nobody else is evacuated (the
district governments move a few categories only, :mod:`sim.agents.district_government`, a
small fraction of the residents) and no shelter on upper floors is credited: in a city of
multi-storey housing this errs on the high side (stated limitation).

**Timing**: the expected deaths of each segment grow with the running peak depth and rise rate
of its cells; each physics step books the increment as a Poisson draw (stream
``coastal_flood``) to the segment's district, cause ``coastal_flood``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

RAPID_RISE_DEPTH_M = 2.1
"""Depth from which a fast rise counts as the rapidly rising zone, m (Jonkman et al. 2008)."""
RAPID_RISE_M_PER_H = 0.5
"""Rise rate from which the water counts as rapidly rising, m/h (Jonkman et al. 2008)."""
RAPID_LN_DEPTH = (1.46, 0.28)
"""(μ, σ) of ln depth (m) of the rapidly-rising-zone mortality function (Jonkman et al. 2008)."""
REMAINING_LN_DEPTH = (7.60, 2.75)
"""(μ, σ) of ln depth (m) of the remaining-zone mortality function (Jonkman et al. 2008)."""


def flood_mortality(depth_m, rise_m_per_h) -> np.ndarray:
    """Mortality F_D by depth and rise rate (module docstring), dimensionless in [0, 1].

    Args:
        depth_m: flood depth, m (0: dry, F_D = 0).
        rise_m_per_h: the fastest rise of the water there, m/h.

    Returns:
        F_D, broadcast over the inputs.
    """
    h = np.asarray(depth_m, float)
    w = np.asarray(rise_m_per_h, float)
    ln_h = np.log(np.maximum(h, 1e-12))
    rapid = (h >= RAPID_RISE_DEPTH_M) & (w >= RAPID_RISE_M_PER_H)
    f_rapid = norm.cdf((ln_h - RAPID_LN_DEPTH[0]) / RAPID_LN_DEPTH[1])
    f_rest = norm.cdf((ln_h - REMAINING_LN_DEPTH[0]) / REMAINING_LN_DEPTH[1])
    return np.where(h > 0, np.where(rapid, f_rapid, f_rest), 0.0)


def expected_deaths(times_h, depth_m, persons_per_cell) -> np.ndarray:
    """Expected deaths so far behind each segment, (T, S).

    Args:
        times_h: (T,) model hours of the depth series (ascending).
        depth_m: (T, S, J) depth in each cell of each segment's strip, m.
        persons_per_cell: (S, J) people exposed in each cell (persons).

    Returns:
        (T, S): Σ_j F_D(peak depth so far, fastest rise so far) × persons, persons.
    """
    t = np.asarray(times_h, float)
    d = np.asarray(depth_m, float)
    rise = np.zeros_like(d)
    if t.size > 1:
        rise[1:] = np.diff(d, axis=0) / np.diff(t)[:, None, None]
    peak = np.maximum.accumulate(d, axis=0)
    fastest = np.maximum.accumulate(np.maximum(rise, 0.0), axis=0)
    return (flood_mortality(peak, fastest) * persons_per_cell[None]).sum(axis=2)


class CoastalFloodDeaths:
    """Deaths of a storm surge's flooding, booked as they occur (module docstring).

    Args:
        surge: the run's :class:`~sim.hazards.storm_surge.StormSurge`.
        density_persons_per_m2: (D,) residents per m² of each district.
        district_index: English district name → index.

    Attributes:
        expected: (T, S) expected deaths so far behind each segment (persons).
        district: (S,) district index of each segment.
        flooded_m2: (T, S) area under water (depth >= the surge's minimum) behind each
            segment: segment length × the cells of its landward normal that are wet, m².
        volume_m3: (T, S) water standing behind each segment (length × Σ depth × cell
            width), m³. Both sum each segment's own strip (strips meeting at a corner may
            overlap: an approximation, as for the persons in the water).
    """

    def __init__(self, surge, density_persons_per_m2, district_index):
        times, _, width, depth = surge.cross_shore_profile()
        self.district = np.array([district_index[n] for n in surge.segment_district])
        density = np.asarray(density_persons_per_m2, float)[self.district]
        length = surge.segment_length_m
        persons = (density * length * width)[:, None]
        self.times_h = times
        self.expected = expected_deaths(times, depth, np.broadcast_to(persons, depth.shape[1:]))
        self.flooded_m2 = (depth > 0).sum(axis=2) * width * length
        self.volume_m3 = depth.sum(axis=2) * width * length
        self._booked = np.zeros(self.expected.shape[1])

    def _index(self, t_h: float) -> int:
        return int(np.searchsorted(self.times_h, t_h, side="right")) - 1

    def expected_at(self, t_h: float) -> np.ndarray:
        """(S,) expected deaths by ``t_h`` (the last value after the series ends)."""
        i = self._index(t_h)
        return self.expected[i] if i >= 0 else np.zeros(self.expected.shape[1])

    def extent_at(self, t_h: float) -> tuple[np.ndarray, np.ndarray]:
        """(S,) flooded area (m²) and standing water (m³) behind each segment at ``t_h``
        (zero before the series starts and after it ends)."""
        i = self._index(t_h)
        if i < 0 or t_h > self.times_h[-1]:
            return np.zeros(self.district.size), np.zeros(self.district.size)
        return self.flooded_m2[i], self.volume_m3[i]

    def step(self, context, t_h: float, rng: np.random.Generator) -> int:
        """Book the deaths since the last step (Poisson on the expected increment); returns
        the persons booked."""
        now = self.expected_at(t_h)
        new = rng.poisson(np.maximum(now - self._booked, 0.0))
        self._booked = np.maximum(self._booked, now)
        for s in np.flatnonzero(new):
            context.book_casualties(int(self.district[s]), "coastal_flood", deaths=float(new[s]))
        return int(new.sum())
