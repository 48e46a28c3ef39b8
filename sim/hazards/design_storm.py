"""Shanghai design rainstorms: intensity-duration-frequency formula and Chicago hyetograph.

IDF formula, Shanghai standard DB31/T 1043-2017 《暴雨强度公式与设计雨型标准》 (issued
2017-03-08, effective 2017-05-01; standard identity read in boteman.cn/paper/425982909.html):

    q = 1600 (1 + 0.846 lg P) / (t + 7.0)^0.656      [L/(s ha)]
    i = 9.581 (1 + 0.846 lg P) / (t + 7.0)^0.656     [mm/min]

P return period (years), t duration (min). THE COEFFICIENTS ARE "from-memory — verify"
(facts.md §4: not found in any readable source). The two forms are consistent:
1 mm/min = 166.67 L/(s ha) and 9.581 x 166.67 = 1597 ~ 1600.

Chicago design storm (Keifer & Chu 1957): for i(t) = A / (t + b)^n, the hyetograph whose
every centred window of length T contains the IDF depth for duration T; peak position ratio
r = 0.367 for Shanghai (80 storms; facts.md §4, read in the Autodesk InfoDrainage help).
"""

from __future__ import annotations

import numpy as np

SHANGHAI_IDF_A_MM_PER_MIN = 9.581  # from-memory — verify (facts.md §4)
SHANGHAI_IDF_C = 0.846  # from-memory — verify
SHANGHAI_IDF_B_MIN = 7.0  # from-memory — verify
SHANGHAI_IDF_N = 0.656  # from-memory — verify
SHANGHAI_CHICAGO_R = 0.367  # read-in-source (facts.md §4)


def _a(return_period_yr) -> np.ndarray:
    p = np.asarray(return_period_yr, dtype=float)
    if np.any(p <= 0):
        raise ValueError("return period must be > 0 years")
    return SHANGHAI_IDF_A_MM_PER_MIN * (1.0 + SHANGHAI_IDF_C * np.log10(p))


def shanghai_intensity_mm_per_h(return_period_yr, duration_min) -> np.ndarray:
    """Mean rain intensity (mm/h) of the design storm of duration t, DB31/T 1043-2017.

    Coefficients from-memory — verify (facts.md §4).

    Args:
        return_period_yr: P, years (> 0).
        duration_min: t, minutes (>= 0).
    """
    t = np.asarray(duration_min, dtype=float)
    return 60.0 * _a(return_period_yr) / (t + SHANGHAI_IDF_B_MIN) ** SHANGHAI_IDF_N


def shanghai_q_l_per_s_ha(return_period_yr, duration_min) -> np.ndarray:
    """Design rain intensity q, L/(s ha): 1600 (1 + 0.846 lg P) / (t + 7)^0.656.

    Coefficients from-memory — verify (facts.md §4).
    """
    p = np.asarray(return_period_yr, dtype=float)
    t = np.asarray(duration_min, dtype=float)
    return (
        1600.0 * (1.0 + SHANGHAI_IDF_C * np.log10(p)) / (t + SHANGHAI_IDF_B_MIN) ** SHANGHAI_IDF_N
    )


def chicago_hyetograph_mm_per_h(
    return_period_yr: float,
    duration_min: float,
    dt_min: float = 5.0,
    r: float = SHANGHAI_CHICAGO_R,
) -> np.ndarray:
    """Chicago design-storm hyetograph for the Shanghai IDF, as block-average intensities.

    Cumulative depth before/after the peak is D(tau) = A tau / (tau + b)^n with tau the time
    before the peak divided by r (after the peak: divided by 1 - r), which integrates the
    Keifer & Chu (1957) intensity curves exactly; block averages therefore sum to the IDF
    depth of the full duration.

    Args:
        return_period_yr: P, years.
        duration_min: storm duration, minutes (a multiple of ``dt_min``).
        dt_min: block length, minutes.
        r: peak position ratio in (0, 1).

    Returns:
        (duration_min / dt_min,) block intensities, mm/h.

    Raises:
        ValueError: if r is outside (0, 1) or duration is not a positive multiple of dt_min.
    """
    if not 0 < r < 1:
        raise ValueError(f"r must lie in (0, 1), got {r}")
    n_blocks = duration_min / dt_min
    if n_blocks < 1 or abs(n_blocks - round(n_blocks)) > 1e-9:
        raise ValueError("duration_min must be a positive multiple of dt_min")
    a = float(_a(return_period_yr))
    b, n = SHANGHAI_IDF_B_MIN, SHANGHAI_IDF_N

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
