"""The risk matrix: likelihood level × consequence level → four-colour grade (红橙黄蓝).

Sources, as confirmed (and what is *not* taken from them):

* **Risk matrix technique** — GB/T 27921-2011 《风险管理 风险评估技术》 (superseded by
  GB/T 27921-2023, an identical adoption of IEC 31010:2019) lists the consequence/likelihood
  matrix among the risk-analysis techniques, as IEC/ISO 31010 does. These standards describe the
  technique; they give **no** level boundaries or colour cut-points (IEC 31010 states it does
  not provide specific criteria). The 5 × 5 layout below follows the technique; every number in
  it is ours.
* **Four colours** — 国务院安委会办公室 安委办〔2016〕11号《关于实施遏制重特大事故工作指南构建
  双重预防机制的意见》: safety risks are graded, from high to low, 重大 / 较大 / 一般 / 低 risk and
  marked red / orange / yellow / blue; the method of assessment is left to the assessor. The
  grade names and colours come from there; the mapping of matrix cells to colours does not.
* **Consequence levels** — 《生产安全事故报告和调查处理条例》(国务院令第493号) Art. 3 grades
  an accident by deaths, serious injuries (incl. acute poisoning) or direct economic loss, any
  one criterion sufficing: 特别重大 ≥ 30 deaths or ≥ 100 serious injuries or ≥ 100 M yuan;
  重大 10–29 / 50–99 / 50–100 M; 较大 3–9 / 10–49 / 10–50 M; 一般 below that. "以上" includes
  the bound, "以下" excludes it. Levels 3–5 below are these grades exactly; the 一般 grade is
  split into levels 2 and 1 at an **assumed** bound (a mean of 0.1 deaths or 1 serious
  injury per occurrence, or 1 M yuan). Simulated injuries are counted as serious injuries
  (assumption, conservative).
* **Likelihood as an annual frequency** — the likelihood axis is the frequency f of the risk,
  events per year, so that hazards are compared on one time basis. Bands a factor of ten wide
  are in use: the Priority Risk Index of US local hazard mitigation plans grades probability
  as less than 1 %, 1 % to 10 % and 10 % to 100 % a year (a county plan's Table 4.5, read at
  online.flippingbook.com/view/880500934/89). Our five bands are an **assumption** modelled on
  that practice, not taken from a standard. For f well below 1 the annual exceedance
  probability 1 − exp(−f) ≈ f, so a 1-in-100-year event is f = 0.01 per year either way.

Assumptions (not found in any source; change them here):

* likelihood levels, decade bands of the annual frequency f (events per year): 1 very rare
  f < 0.001 (rarer than once in 1,000 years); 2 rare 0.001 ≤ f < 0.01 (once in 100 to 1,000
  years); 3 unlikely 0.01 ≤ f < 0.1 (once in 10 to 100 years); 4 likely 0.1 ≤ f < 1 (once in
  1 to 10 years); 5 almost certain f ≥ 1 (once a year or more). Lower bounds inclusive;
* colours from the risk score R = L × C: blue (低) R ≤ 3; yellow (一般) 4 ≤ R ≤ 8;
  orange (较大) 9 ≤ R ≤ 14; red (重大) R ≥ 15. The matrix (rows C = 5 … 1, columns L = 1 … 5)::

      C5  yellow orange red    red    red
      C4  yellow yellow orange red    red
      C3  blue   yellow orange orange red
      C2  blue   yellow yellow yellow orange
      C1  blue   blue   blue   yellow yellow

:data:`GRADE_HEX` is the one colour table of every output (figures, console, ``grades.md``).

A cell whose risk never occurred in the n trials is not graded on the matrix: its point
frequency 0 would read as level L1, "very rare, observed", while all the trials say is that
its frequency lies below the upper bound of its interval (e.g. 0.097 per year from 8
replications of a storm of 0.3125 per year). :func:`grade` marks such a cell
:data:`NOT_OBSERVED`, drawn hatched grey and counted apart.
"""

from __future__ import annotations

import numpy as np

GRADES = ("blue", "yellow", "orange", "red")
"""Grades from low to high (安委办〔2016〕11号 colours)."""
NOT_OBSERVED = "not_observed"
"""The 'grade' of a cell whose risk occurred in none of the trials: not on the matrix."""
CELL_GRADES = (NOT_OBSERVED, *GRADES)
"""What a cell can be, low to high: not observed, then the four grades."""
GRADE_ZH = {"blue": "低风险", "yellow": "一般风险", "orange": "较大风险", "red": "重大风险",
            NOT_OBSERVED: "未观测到"}  # fmt: skip
GRADE_EN = {"blue": "low", "yellow": "general", "orange": "large", "red": "major",
            NOT_OBSERVED: "not observed"}  # fmt: skip
"""English names of the grades (figures: the default font has no CJK glyphs)."""
GRADE_HEX = {"blue": "#1f6fd1", "yellow": "#f2c400", "orange": "#f28c00", "red": "#d62728",
             NOT_OBSERVED: "#d9d9d9"}  # fmt: skip
"""The one colour table of the grades: every figure draws a cell of grade g in GRADE_HEX[g]
(a not-observed cell in light grey, hatched with :data:`NOT_OBSERVED_HATCH`)."""
NOT_OBSERVED_HATCH = "///"
"""Hatch of a not-observed cell in the figures (grey lines on its grey fill)."""

LIKELIHOOD_BOUNDS_PER_YR = (0.001, 0.01, 0.1, 1.0)
"""Lower bounds of likelihood levels 2..5: annual frequency, events per year (assumption)."""
LIKELIHOOD_NAMES = ("very rare", "rare", "unlikely", "likely", "almost certain")

CONSEQUENCE_BOUNDS: tuple[tuple[int, float, float, float], ...] = (
    # level, deaths, serious injuries, direct loss (yuan): the level is reached when ANY bound
    # is met (国务院令第493号 Art. 3: "或者"; bounds inclusive, "以上包括本数").
    (5, 30.0, 100.0, 1.0e8),  # 特别重大
    (4, 10.0, 50.0, 5.0e7),  # 重大
    (3, 3.0, 10.0, 1.0e7),  # 较大
    (2, 0.1, 1.0, 1.0e6),  # 一般, with harm (assumed bound)
)
CONSEQUENCE_NAMES = (
    "一般 (level 4), little harm",
    "一般 (level 4), with harm",
    "较大 (level 3)",
    "重大 (level 2)",
    "特别重大 (level 1)",
)
"""Names of consequence levels C1..C5: the 国务院令第493号 accident grade (its levels 4..1)
each reaches; C1 and C2 both lie in its lowest grade, 一般, split at an assumed bound."""

SCORE_BOUNDS = (4, 9, 15)
"""Lowest R = L × C of yellow, orange and red (assumption)."""


SOURCES = {
    "risk_matrix_technique": "GB/T 27921-2011 (superseded by GB/T 27921-2023 = IEC 31010:2019):"
    " consequence/likelihood matrix technique; no thresholds given",
    "four_colours": "安委办〔2016〕11号: 重大/较大/一般/低 risk, red/orange/yellow/blue",
    "likelihood_scale": "annual frequency, events per year, in bands a factor of ten wide "
    "(assumption, after the Priority Risk Index of US hazard mitigation plans: < 1 %, 1-10 %, "
    "10-100 % a year)",
    "likelihood_levels": "assumption (f < 0.001, 0.001-0.01, 0.01-0.1, 0.1-1, >= 1 per year)",
    "consequence_levels": "国务院令第493号 Art. 3 accident grades (levels 3-5); level 2 bound "
    "assumed",
    "colour_cut_points": "assumption (R = L x C: blue <= 3, yellow 4-8, orange 9-14, red >= 15)",
}
"""Source, or 'assumption', of each part of the matrix (riskmap.json and grades.md)."""


def likelihood_level(frequency_per_yr) -> np.ndarray:
    """Likelihood level 1..5 of annual frequencies (events per year, array-like, >= 0).

    Raises:
        ValueError: a negative, infinite or NaN frequency.
    """
    f = np.asarray(frequency_per_yr, dtype=float)
    if not np.isfinite(f).all() or (f < 0).any():
        raise ValueError("likelihoods must be annual frequencies >= 0 (events per year)")
    return 1 + np.searchsorted(np.asarray(LIKELIHOOD_BOUNDS_PER_YR), f, side="right")


def consequence_level(deaths, injuries, loss_yuan) -> np.ndarray:
    """Consequence level 1..5: the highest level any of the three measures reaches.

    Args:
        deaths, injuries, loss_yuan: array-likes of equal shape (expected persons and yuan
            given occurrence; NaN is treated as 0, i.e. no consequence observed).
    """
    d = np.nan_to_num(np.asarray(deaths, dtype=float))
    i = np.nan_to_num(np.asarray(injuries, dtype=float))
    y = np.nan_to_num(np.asarray(loss_yuan, dtype=float))
    level = np.ones(np.broadcast(d, i, y).shape, dtype=np.int64)
    for lvl, bd, bi, by in reversed(CONSEQUENCE_BOUNDS):  # low → high: higher overwrites
        level = np.where((d >= bd) | (i >= bi) | (y >= by), lvl, level)
    return level


def grade(likelihood, consequence, observed=None) -> np.ndarray:
    """Colour names of matrix cells (levels 1..5 each, array-like), :data:`NOT_OBSERVED`
    where ``observed`` is False.

    Args:
        likelihood, consequence: levels 1..5, array-likes of one shape.
        observed: booleans of that shape, False for a cell whose risk occurred in none of the
            trials (its point frequency 0 is no evidence of level L1); None: all observed.

    Raises:
        ValueError: a level outside 1..5.
    """
    lk = np.asarray(likelihood, dtype=np.int64)
    cq = np.asarray(consequence, dtype=np.int64)
    for name, a in (("likelihood", lk), ("consequence", cq)):
        if ((a < 1) | (a > 5)).any():
            raise ValueError(f"{name} levels must be 1..5")
    score = lk * cq
    out = np.asarray(GRADES, dtype=object)[np.searchsorted(SCORE_BOUNDS, score, side="right")]
    if observed is None:
        return out
    return np.where(np.asarray(observed, dtype=bool), out, NOT_OBSERVED)


def grade_rank(colours) -> np.ndarray:
    """0 (blue) … 3 (red) for colour names, -1 for :data:`NOT_OBSERVED`."""
    lookup = {g: i for i, g in enumerate(GRADES)} | {NOT_OBSERVED: -1}
    return np.array([lookup[c] for c in np.asarray(colours, dtype=object).ravel()], dtype=int)


def matrix_table() -> list[list[str]]:
    """The 5 × 5 matrix as rows C = 5 … 1 of colours for L = 1 … 5 (for docs and output)."""
    return [[str(grade(lk, c)) for lk in range(1, 6)] for c in range(5, 0, -1)]


def wilson_interval(k, n, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion k/n (95 % by default).

    Source: Wilson, E. B. (1927), J. Am. Stat. Assoc. 22(158): 209–212,
    centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n) · sqrt(p(1−p)/n + z²/4n²).

    Raises:
        ValueError: n < 1 or k outside [0, n].
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if (n < 1).any() or (k < 0).any() or (k > n).any():
        raise ValueError("need n >= 1 and 0 <= k <= n")
    p = k / n
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    # the bounds are exactly 0 at k = 0 and 1 at k = n; rounding left 1e-17 there
    lo = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    hi = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lo, hi


def poisson_rate_interval(
    n_events, exposure_yr, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson rate: ``n_events`` counted over ``exposure_yr``.

    Source: Garwood, F. (1936), Biometrika 28(3/4): 437–442: lower χ²(α/2; 2n)/2, upper
    χ²(1 − α/2; 2n + 2)/2 events, divided by the exposure (lower 0 when n = 0).

    Returns:
        (lower, upper) events per year.

    Raises:
        ValueError: exposure <= 0 or a negative count.
    """
    from scipy.stats import chi2

    n = np.asarray(n_events, dtype=float)
    t = np.asarray(exposure_yr, dtype=float)
    if (t <= 0).any() or (n < 0).any():
        raise ValueError("need exposure_yr > 0 and n_events >= 0")
    a = 1.0 - confidence
    lo = np.where(n > 0, chi2.ppf(a / 2, 2 * np.maximum(n, 1)) / 2, 0.0)
    hi = chi2.ppf(1 - a / 2, 2 * n + 2) / 2
    return lo / t, hi / t
