"""Harm as a function of delay to the full bundle on scene.

Three harm classes (see ``IncidentType.harm``):

* ``trapped`` -- persons trapped in a collapsed structure. Survival probability of a trapped
  person extricated after delay t (h):

      S(t) = f + (1 - f) * exp(-t / tau),   tau = 22.4 h, f = 0.032.

  Fitted here (weighted least squares on day-interval means) to the share of persons rescued
  alive among those extricated on each day after the 1995 Great Hanshin-Awaji (Kobe)
  earthquake: day 1 518/692 = 74.9 %, day 2 195/806 = 24.2 %, day 3 133/883 = 15.1 %, day 4
  26/484 = 5.4 %, day 5 10/209 = 4.8 % (statistics of the Kobe City Fire Bureau and the JGSDF
  Middle Army compiled by Japan's MLIT; reproduced in Japanese Wikipedia "72時間の壁", 2021
  version). The fitted day means are 0.695, 0.296, 0.123, 0.063, 0.043 (max error 0.054).
  The Kobe City Fire Bureau's own figures (80.5 %, 28.5 %, 21.8 %, 5.9 %, 5.8 %; cited by
  Gekkan Jigyo Koso, projectdesign.jp) have the same shape. Consistent with the survey of
  3,619 survivors of the 1980 Campania-Irpinia earthquake: 93 % of trapped survivors were
  extricated within 24 h (as summarised by E. K. Noji, Supercourse lecture on earthquakes,
  sites.pitt.edu/~super1/lecture/lec32971). Caveats: the daily ratios mix persons killed
  outright with persons who died waiting, and survival times vary widely between events
  (Macintyre et al. 2011, Disaster Med Public Health Prep 5:13-22). Coburn & Spence (2002)
  could not be checked here and is not used.
* ``injury`` -- an injured person awaiting emergency care. Death probability is logistic in
  the delay: logit p(t) = logit p0 + ln(OR_10) * t_min / 10, with OR_10 = 1.03 per 10 min of
  total prehospital time (PATOS cohort of 24,365 trauma patients in 4 Asian countries, PLOS
  Medicine 2020, doi:10.1371/journal.pmed.1003360; point estimate, 95 % CI 0.98-1.09). Newgard
  et al. 2015 (Ann Emerg Med 66:30-41) found no overall effect of > 60 min but aOR 2.37 for
  shock patients needing early critical care, so the "golden hour" effect is real but modest
  on average. p0 (death probability with no delay) = 0.05 is an ASSUMPTION for persons struck
  by falling objects who need an ambulance.
* ``property`` -- loss grows with delay and saturates: loss = value * (1 - exp(-t / tau_loss)),
  with ``tau_loss`` per incident kind in the catalogue. ASSUMPTION (no published
  delay-damage curve for these urban incidents was found): water keeps entering, outages
  keep costing, until the crew arrives.

Each function has a deterministic expected value and a sampled version that takes ``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.response.incidents import HARM_CLASSES, get_incident_type

TRAPPED_TAU_H = 22.4
TRAPPED_FLOOR = 0.032
INJURY_P0 = 0.05
INJURY_OR_PER_10_MIN = 1.03
#: Coefficient of variation of the sampled property loss around its expectation (assumption).
PROPERTY_LOSS_CV = 0.5

#: The Kobe 1995 day-interval data the trapped-survival curve is fitted to:
#: (interval start h, interval end h, rescued, rescued alive); the quake struck 05:46 local.
KOBE_1995_RESCUES = (
    (0.0, 18.22, 692, 518),
    (18.22, 42.22, 806, 195),
    (42.22, 66.22, 883, 133),
    (66.22, 90.22, 484, 26),
    (90.22, 114.22, 209, 10),
)


class HarmError(ValueError):
    """Invalid delay (negative or NaN) or unknown harm class."""


def _delay(delay_h) -> np.ndarray:
    d = np.asarray(delay_h, dtype=float)
    if np.any(np.isnan(d)) or np.any(d < 0):
        raise HarmError("delays must be >= 0 and not NaN (use inf for never served)")
    return d


def trapped_survival_probability(delay_h) -> np.ndarray:
    """S(t) for a trapped person extricated after ``delay_h`` hours (see module docstring)."""
    d = _delay(delay_h)
    return TRAPPED_FLOOR + (1.0 - TRAPPED_FLOOR) * np.exp(-d / TRAPPED_TAU_H)


def injury_death_probability(
    delay_h, p0: float = INJURY_P0, or_per_10_min: float = INJURY_OR_PER_10_MIN
) -> np.ndarray:
    """Death probability of an injured person reached after ``delay_h`` hours."""
    d = _delay(delay_h)
    logit = np.log(p0 / (1 - p0)) + np.log(or_per_10_min) * d * 6.0  # 6 ten-minute blocks/h
    return 1.0 / (1.0 + np.exp(-logit))


def property_loss_fraction(delay_h, tau_h) -> np.ndarray:
    """Share of the value at risk lost by ``delay_h`` (assumption; module docstring)."""
    d = _delay(delay_h)
    tau = np.asarray(tau_h, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = -np.expm1(-d / tau)
    return np.where(np.isinf(tau), 0.0, np.where(np.isinf(d), 1.0, frac))


def death_probability(harm: str, delay_h) -> np.ndarray:
    """Per-person death probability for a harm class (0 for property / none)."""
    if harm not in HARM_CLASSES:
        raise HarmError(f"unknown harm class {harm!r}; valid are {list(HARM_CLASSES)}")
    if harm == "trapped":
        return 1.0 - trapped_survival_probability(delay_h)
    if harm == "injury":
        return injury_death_probability(delay_h)
    return np.zeros_like(_delay(delay_h))


@dataclass(frozen=True)
class Harm:
    """Deaths (persons) and property loss (yuan), per incident (arrays of equal shape)."""

    deaths: np.ndarray
    loss_yuan: np.ndarray


def expected_harm(kinds, delay_h, persons_at_risk, value_at_risk_yuan) -> Harm:
    """Expected deaths and loss for incidents of catalogue ``kinds`` after the given delays.

    Args:
        kinds: (k,) catalogue kinds (sets harm class and loss time constant).
        delay_h: (k,) delay from creation to full bundle on scene (h); inf = never served.
        persons_at_risk: (k,) persons.
        value_at_risk_yuan: (k,) yuan.

    Returns:
        :class:`Harm` with (k,) float arrays.
    """
    kinds = np.asarray(kinds)
    d = np.broadcast_to(_delay(delay_h), kinds.shape)
    persons = np.broadcast_to(np.asarray(persons_at_risk, dtype=float), kinds.shape)
    value = np.broadcast_to(np.asarray(value_at_risk_yuan, dtype=float), kinds.shape)
    p_death = np.zeros(kinds.shape)
    frac = np.zeros(kinds.shape)
    for kind in np.unique(kinds):  # loop over kinds (a dozen), not incidents
        sel = kinds == kind
        it = get_incident_type(str(kind))
        p_death[sel] = death_probability(it.harm, d[sel])
        if it.harm == "property":
            frac[sel] = property_loss_fraction(d[sel], it.loss_tau_h)
    return Harm(deaths=persons * p_death, loss_yuan=value * frac)


def sample_harm(
    kinds, delay_h, persons_at_risk, value_at_risk_yuan, rng: np.random.Generator
) -> Harm:
    """One random outcome: deaths ~ Binomial(persons, p); loss = expected * Gamma noise with
    mean 1 and coefficient of variation ``PROPERTY_LOSS_CV`` (assumption)."""
    exp = expected_harm(kinds, delay_h, persons_at_risk, value_at_risk_yuan)
    persons = np.broadcast_to(np.asarray(persons_at_risk), exp.deaths.shape).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(persons > 0, exp.deaths / np.maximum(persons, 1), 0.0)
    deaths = rng.binomial(persons, np.clip(p, 0.0, 1.0)).astype(float)
    k = 1.0 / PROPERTY_LOSS_CV**2
    noise = rng.gamma(k, 1.0 / k, size=exp.loss_yuan.shape)
    return Harm(deaths=deaths, loss_yuan=exp.loss_yuan * noise)
