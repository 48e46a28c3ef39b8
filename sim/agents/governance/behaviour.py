"""Behaviour rules of the responsibility-bearing agents (pure, vectorised functions).

Each rule states its source or says it is an assumption. The functional forms are
standard (discounting, exponential decay, logit choice, expected-penalty deterrence); the
coefficients are ASSUMPTIONS of this model, chosen so that the signs and orders of magnitude
follow the briefing's narrative (docs/domain.md §2) — they are not estimated.
"""

from __future__ import annotations

import numpy as np

from sim.risk.maintenance import discounted_failure_probability

REFERENCE_HAZARD_PER_YR = 0.05
"""h in the tenure factor: the annual probability of the harm prevention averts (a park-wide
major accident once in ~20 years; assumption, the order of sim.hazards.chemical defaults)."""

# logit coefficients of the report-or-conceal choice (assumptions)
REPORT_DILIGENCE_SLOPE = 6.0
REPORT_BLAME_ACCIDENT_ONLY = 1.5
"""Utility cost of reporting a found problem when only accidents are punished: a reported
problem is a visible blemish ("do more, err more", docs/domain.md §2) (assumption)."""

# logit coefficients of an intermediary's falsification (assumptions)
FALSIFY_INTERCEPT = -3.0
FALSIFY_PRICE_SLOPE = 6.0
FALSIFY_CHECK_SLOPE = 6.0

DETERRENCE_GAIN = 0.3
"""Enterprise diligence gain per unit of perceived enforcement probability (assumption)."""


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, float)))


def tenure_factor(t_yr, term_start_yr, tenure_yr: float, discount_rate: float, weight: float):
    """Diligence multiplier of an official from the time left in the term (white elephant).

    The official values prevention only for harm it averts before the term ends, discounted at
    ``discount_rate``: D(h, T_rem, r) of :func:`sim.risk.maintenance.discounted_failure_probability`
    (the rule of :mod:`sim.risk.white_elephant`, Healy & Malhotra 2009 and Rogoff 1990 cited
    there). Relative to a fresh term: m = 1 - w + w D(h, T_rem, r) / D(h, T, r), so m = 1 at the
    start of a term and falls towards 1 - w as it ends. The share w of diligence that follows
    the term is an assumption.

    Args:
        t_yr: model time, years (scalar or array).
        term_start_yr: start of the first term (scalar or array, per official).
        tenure_yr, discount_rate, weight: :class:`~sim.scenario.policies.TenureConfig`.

    Returns:
        Multiplier(s) in [1 - w, 1].
    """
    remaining = tenure_yr - np.mod(np.asarray(t_yr, float) - term_start_yr, tenure_yr)
    h = REFERENCE_HAZARD_PER_YR
    ratio = discounted_failure_probability(h, remaining, discount_rate) / (
        discounted_failure_probability(h, tenure_yr, discount_rate)
    )
    return 1.0 - weight + weight * np.clip(ratio, 0.0, 1.0)


def campaign_decay(boost, months: float, half_life_months: float):
    """Campaign boost after ``months``: b 2^(-months / half-life).

    Exponential decay of post-accident attention is an assumption in the spirit of the
    "issue-attention cycle" (Downs 1972, "Up and down with ecology", The Public Interest 28:
    38-50), which describes the rise and fading of attention qualitatively, not its rate.
    """
    return np.asarray(boost, float) * 2.0 ** (-months / half_life_months)


def campaign_spike(diligence, spike: float):
    """Diligence right after an accident campaign starts: d + spike (1 - d) (assumption)."""
    d = np.asarray(diligence, float)
    return d + spike * (1.0 - d)


def report_probability(
    diligence, regime: str, audit_prob: float = 0.0, concealment_penalty: float = 0.0
):
    """P(an official reports a problem it found, rather than concealing it).

    Binary logit choice (McFadden 1974, "Conditional logit analysis of qualitative choice
    behavior", in Zarembka (ed.), Frontiers in Econometrics) with utility difference

        dU = a (d - 0.5) - blame + audit_prob x penalty,

    a = 6 (assumption). Under ``accident_only`` accountability, reporting carries a blame
    (1.5, assumption: a reported problem counts against the reporter, docs/domain.md §2 "do more,
    err more") and concealment is never punished unless an accident happens; under
    ``problem_and_accident`` reporting carries no blame and discovered concealment is
    penalised (``audit_prob`` x ``concealment_penalty``).

    Args:
        diligence: (n,) agent diligence in [0, 1].
        regime: "accident_only" or "problem_and_accident".
        audit_prob, concealment_penalty: used by ``problem_and_accident`` only.

    Raises:
        ValueError: unknown regime.
    """
    if regime == "accident_only":
        du = REPORT_DILIGENCE_SLOPE * (np.asarray(diligence, float) - 0.5)
        du = du - REPORT_BLAME_ACCIDENT_ONLY
    elif regime == "problem_and_accident":
        du = REPORT_DILIGENCE_SLOPE * (np.asarray(diligence, float) - 0.5)
        du = du + audit_prob * concealment_penalty
    else:
        raise ValueError(f"unknown accountability regime {regime!r}")
    return sigmoid(du)


def falsification_probability(price_pressure, check_strength):
    """P(a safety-assessment intermediary issues a falsified clean report).

    Logit in price pressure (fee competition below cost) and the strength of checks on
    reports (probability a report is checked): sigmoid(-3 + 6 pressure - 6 check)
    (coefficients: assumption). The mechanism follows the auditor-independence literature
    (DeAngelo 1981, "Auditor size and audit quality", J. Accounting and Economics 3(3):183-199:
    quality falls when fee pressure rises and detection is weak) and the Xiangshui 2019 case
    (falsifying intermediaries, docs/domain.md §2).
    """
    return sigmoid(
        FALSIFY_INTERCEPT
        + FALSIFY_PRICE_SLOPE * np.asarray(price_pressure, float)
        - FALSIFY_CHECK_SLOPE * np.asarray(check_strength, float)
    )


def enterprise_diligence(base, enforcement_pressure, premium_signal=0.0, premium_sensitivity=0.0):
    """Enterprise diligence from deterrence and insurance incentives.

    d = clip(d0 + 0.3 p_enf + s_prem x signal, 0, 1), where p_enf in [0, 1] is the perceived
    probability that a violation is found and enforced (an exponentially weighted average of
    recent enforcement at the enterprise) — expected-penalty deterrence (Becker 1968, "Crime
    and punishment: an economic approach", J. Political Economy 76(2):169-217); the premium
    signal is the expected premium loading of risk-rated insurance (assumption).
    """
    d = np.asarray(base, float) + DETERRENCE_GAIN * np.asarray(enforcement_pressure, float)
    return np.clip(d + premium_sensitivity * np.asarray(premium_signal, float), 0.0, 1.0)


def ewma(previous, observation, weight: float = 1.0 / 6.0):
    """Exponentially weighted moving average (memory ~ 1/weight months; assumption)."""
    return (1.0 - weight) * np.asarray(previous, float) + weight * np.asarray(observation, float)
