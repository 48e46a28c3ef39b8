"""Design rainstorms: intensity-duration-frequency (IDF) formula and Chicago hyetograph.

IDF formula in the form of the Chinese outdoor-drainage standard GB 50014 (storm-intensity
formula), with a city's coefficients from its profile (``city.yaml`` ``rainfall_idf``, an
:class:`~sim.city.profile.IDFCurve` with their source):

    i = a (1 + c lg P) / (t + b)^n      [mm/min]
    q = i x 10^4 / 60                   [L/(s ha)]  (1 mm/min over 1 ha = 10^4/60 L/s)

P return period (years), t duration (min).

Chicago design storm (Keifer & Chu 1957): for i(t) = A / (t + b)^n, the hyetograph whose
every centred window of length T contains the IDF depth for duration T; peak position ratio
r = ``idf.chicago_r`` (a city statistic, from its storms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.city.profile import IDFCurve

L_PER_S_HA_PER_MM_PER_MIN = 1e4 / 60.0  # 1 mm/min on 1 ha = 10 m³/min = 166.67 L/s


def _a(return_period_yr, idf: IDFCurve) -> np.ndarray:
    p = np.asarray(return_period_yr, dtype=float)
    if np.any(p <= 0):
        raise ValueError("return period must be > 0 years")
    return idf.a_mm_per_min * (1.0 + idf.c * np.log10(p))


def intensity_mm_per_h(return_period_yr, duration_min, idf: IDFCurve) -> np.ndarray:
    """Mean rain intensity (mm/h) of the design storm of duration t (IDF formula above).

    Args:
        return_period_yr: P, years (> 0).
        duration_min: t, minutes (>= 0).
        idf: the city's IDF coefficients.

    Raises:
        ValueError: P <= 0.
    """
    t = np.asarray(duration_min, dtype=float)
    return 60.0 * _a(return_period_yr, idf) / (t + idf.b_min) ** idf.n


def q_l_per_s_ha(return_period_yr, duration_min, idf: IDFCurve) -> np.ndarray:
    """Design rain intensity q, L/(s ha): the IDF intensity in mm/min x 10^4/60."""
    return (
        intensity_mm_per_h(return_period_yr, duration_min, idf) / 60.0 * (L_PER_S_HA_PER_MM_PER_MIN)
    )


def chicago_hyetograph_mm_per_h(
    return_period_yr: float,
    duration_min: float,
    idf: IDFCurve,
    dt_min: float = 5.0,
    r: float | None = None,
) -> np.ndarray:
    """Chicago design-storm hyetograph for an IDF curve, as block-average intensities.

    Cumulative depth before/after the peak is D(tau) = A tau / (tau + b)^n with tau the time
    before the peak divided by r (after the peak: divided by 1 - r), which integrates the
    Keifer & Chu (1957) intensity curves exactly; block averages therefore sum to the IDF
    depth of the full duration.

    Args:
        return_period_yr: P, years.
        duration_min: storm duration, minutes (a multiple of ``dt_min``).
        idf: the city's IDF coefficients.
        dt_min: block length, minutes.
        r: peak position ratio in (0, 1); None = ``idf.chicago_r``.

    Returns:
        (duration_min / dt_min,) block intensities, mm/h.

    Raises:
        ValueError: if r is outside (0, 1) or duration is not a positive multiple of dt_min.
    """
    r = idf.chicago_r if r is None else r
    if not 0 < r < 1:
        raise ValueError(f"r must lie in (0, 1), got {r}")
    n_blocks = duration_min / dt_min
    if n_blocks < 1 or abs(n_blocks - round(n_blocks)) > 1e-9:
        raise ValueError("duration_min must be a positive multiple of dt_min")
    a = float(_a(return_period_yr, idf))
    b, n = idf.b_min, idf.n

    def depth(tau):  # IDF depth (mm) of a centred window of total length tau (min)
        return a * tau / (tau + b) ** n

    edges = np.linspace(0.0, duration_min, int(round(n_blocks)) + 1)
    t_peak = r * duration_min
    # cumulative depth from storm start: before the peak the window length is (t_peak - t)/r
    before = np.maximum(t_peak - edges, 0.0) / r
    after = np.maximum(edges - t_peak, 0.0) / (1 - r)
    cum = np.where(
        edges <= t_peak,
        depth(t_peak / r) * r - depth(before) * r,
        depth(t_peak / r) * r + depth(after) * (1 - r),
    )
    return np.diff(cum) / dt_min * 60.0
