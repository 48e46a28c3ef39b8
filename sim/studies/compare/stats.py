"""Statistics of a policy comparison: arm levels, paired differences, cost-effectiveness.

Pure functions of a results frame (one row per run, :func:`sim.studies.sweep.table.load`):
columns ``scenario`` (the arm label), ``replication`` and the outcome keys. Arms share each
replication's seed (common random numbers, :mod:`sim.studies.sweep.design`), so an arm and the
baseline are compared replication by replication: the differences d_r = arm_r − baseline_r
cancel the noise both runs share (Law 2015, *Simulation Modeling and Analysis*, 5th ed.,
§11.2, the paired-t confidence interval).

Every function returns rows of one tidy table (:data:`COLUMNS`):

- ``kind = "level"``: an arm's mean with its t-interval, its lower bound clipped at 0 for an
  outcome whose every value is ≥ 0 (counts, deaths, yuan; :func:`level_interval`);
- ``kind = "difference"``: mean paired difference arm − baseline with its t-interval,
  mean ± t_{(1+c)/2, n−1} · s / √n (Student 1908; Law 2015 eq. 4.12);
- ``kind = "ratio"``: cost-effectiveness, the ratio of mean paired differences with a
  percentile-bootstrap interval over replications (Efron & Tibshirani 1993, *An Introduction
  to the Bootstrap*, ch. 13; resampling the replication pairs keeps the pairing).

A percentile-bootstrap interval is too narrow from few replications (:func:`bootstrap_coverage`,
:func:`bootstrap_note`): below :func:`min_bootstrap_n` pairs its row's ``note`` says so, with n
and the interval's approximate coverage, and ``citysafe compare`` prints it as a warning.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = (
    "arm",
    "baseline",
    "metric",
    "kind",
    "n",
    "estimate",
    "sd",
    "ci_low",
    "ci_high",
    "confidence",
    "note",
)
"""Columns of the comparison table (comparison.csv)."""
YUAN_PER_DEATH = "yuan_per_death_avoided"
"""Ratio metric: Δcost / deaths avoided, yuan per death avoided."""
LOSS_PER_YUAN = "loss_avoided_yuan_per_yuan"
"""Ratio metric: avoided direct loss / Δcost, yuan of loss avoided per yuan spent."""


def t_interval(
    values: np.ndarray, confidence: float = 0.95
) -> tuple[int, float, float, float, float]:
    """Mean and Student-t interval of a sample.

    Args:
        values: 1-D sample (NaNs dropped).
        confidence: interval level in (0, 1).

    Returns:
        ``(n, mean, sd, low, high)``; ``sd`` with ddof 1. ``n < 2`` gives NaN sd and
        bounds (n = 0 a NaN mean too); ``sd = 0`` a zero-width interval.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf((1.0 + confidence) / 2.0, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


BOOTSTRAP_MISS_FACTOR = 2.0
"""A bootstrap interval is reported without a warning only when it misses the true value at most
this many times as often as its level says (a 95% interval: at most 10% of the time)."""


def bootstrap_coverage(n: int, confidence: float) -> float:
    """Approximate coverage of a percentile-bootstrap interval of a mean from ``n`` pairs.

    The bootstrap distribution of a mean has the plug-in standard error √((n−1)/n)·s/√n
    (Efron & Tibshirani 1993, ch. 5: the plug-in estimate of a mean's standard error) and
    the percentile interval takes normal, not Student, quantiles, so for normal data it
    behaves like x̄ ± z·√((n−1)/n)·s/√n, whose coverage is
    P(|T_{n−1}| ≤ z_{(1+c)/2}·√((n−1)/n)) exactly (Student 1908). That it is too narrow in small
    samples, and less accurate than a t interval there, is Hesterberg's finding (2015, "What
    Teachers Should Know About the Bootstrap", The American Statistician 69(4):371–386,
    doi:10.1080/00031305.2015.1089789). A ratio of means fares no better (assumption).

    Args:
        n: paired replications (>= 2).
        confidence: nominal level in (0, 1).

    Returns:
        The coverage in (0, 1): 0.75 for n = 3 at 95%, 0.90 for n = 10.
    """
    z = float(stats.norm.ppf((1.0 + confidence) / 2.0))
    return float(2.0 * stats.t.cdf(z * math.sqrt((n - 1) / n), n - 1) - 1.0)


def min_bootstrap_n(confidence: float) -> int:
    """Fewest pairs whose percentile-bootstrap interval misses at most
    :data:`BOOTSTRAP_MISS_FACTOR` × (1 − confidence) of the time (:func:`bootstrap_coverage`):
    10 at 95%, 6 at 90%, 23 at 99%."""
    allowed = 1.0 - BOOTSTRAP_MISS_FACTOR * (1.0 - confidence)
    n = 2
    while bootstrap_coverage(n, confidence) < allowed:
        n += 1
    return n


def bootstrap_note(n: int, confidence: float) -> str:
    """The warning a bootstrap interval from ``n`` pairs carries, or "" when n is enough."""
    need = min_bootstrap_n(confidence)
    if n >= need:
        return ""
    head = f"too few replications for a bootstrap interval: n = {n} < {need}; "
    if n < 2:
        return head + "one pair gives an interval of no width"
    cover = bootstrap_coverage(n, confidence)
    return head + f"this {confidence:.0%} interval covers about {cover:.0%} (Hesterberg 2015)"


def _with_note(note: str, n: int, confidence: float) -> str:
    return "; ".join(x for x in (note, bootstrap_note(n, confidence)) if x)


def _arms(df: pd.DataFrame, arms: list[str] | None) -> list[str]:
    return list(arms) if arms is not None else list(dict.fromkeys(df["scenario"]))


def _row(arm, baseline, metric, kind, n, est, sd, lo, hi, confidence, note="") -> dict:
    values = (arm, baseline, metric, kind, n, est, sd, lo, hi, confidence, note)
    return dict(zip(COLUMNS, values, strict=True))


def paired(df: pd.DataFrame, arm: str, baseline: str, keys: list[str]) -> pd.DataFrame:
    """Arm − baseline per replication for ``keys``: rows of replications both arms finished.

    Returns:
        Index ``replication``; one column per key (NaN where either value is missing).
    """
    a = df[df["scenario"] == arm].set_index("replication")[keys]
    b = df[df["scenario"] == baseline].set_index("replication")[keys]
    both = a.index.intersection(b.index).sort_values()
    return a.loc[both].astype(float) - b.loc[both].astype(float)


def level_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[tuple, str]:
    """The t-interval of an arm's mean (:func:`t_interval`), not below 0 for an outcome that
    cannot be negative.

    From few, skewed replications (deaths 0, 2, 25) mean − t·s/√n falls below 0, which no
    mean of non-negative values can be; when every value is ≥ 0 the lower bound is clipped at
    0 and the note says so, with the unclipped bound. Clipping only removes impossible values:
    the interval's coverage does not drop (the true mean is ≥ 0).

    Returns:
        ``((n, mean, sd, low, high), note)``; note "" when nothing was clipped.
    """
    x = np.asarray(values, dtype=float)
    n, mean, sd, lo, hi = t_interval(x, confidence)
    finite = x[~np.isnan(x)]
    if finite.size and (finite >= 0).all() and lo < 0:
        return (n, mean, sd, 0.0, hi), f"lower bound clipped at 0 (t-interval gave {lo:.4g})"
    return (n, mean, sd, lo, hi), ""


def arm_levels(
    df: pd.DataFrame,
    metrics: list[str],
    baseline: str,
    confidence: float = 0.95,
    arms: list[str] | None = None,
) -> pd.DataFrame:
    """Each arm's mean of each metric with its t-interval, not below 0 for a non-negative
    outcome (:func:`level_interval`; ``kind = "level"``)."""
    rows = []
    for arm in _arms(df, arms):
        sub = df[df["scenario"] == arm]
        for m in metrics:
            stats_, note = level_interval(sub[m].to_numpy(float), confidence)
            rows.append(_row(arm, baseline, m, "level", *stats_, confidence, note))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def paired_differences(
    df: pd.DataFrame,
    baseline: str,
    metrics: list[str],
    confidence: float = 0.95,
    arms: list[str] | None = None,
) -> pd.DataFrame:
    """Mean paired difference arm − baseline per non-baseline arm and metric, with the
    paired-t interval (``kind = "difference"``).

    Args:
        df: results frame (``scenario``, ``replication``, metric columns).
        baseline: label of the baseline arm.
        metrics: outcome columns.
        confidence: interval level.
        arms: arms in output order (default: order of first appearance in ``df``).

    Returns:
        Rows of :data:`COLUMNS`; ``n`` counts the replications both arms finished.
    """
    rows = []
    for arm in _arms(df, arms):
        if arm == baseline:
            continue
        d = paired(df, arm, baseline, metrics)
        for m in metrics:
            stats_ = t_interval(d[m].to_numpy(float), confidence)
            rows.append(_row(arm, baseline, m, "difference", *stats_, confidence))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _percentile(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval; ``inverted_cdf`` never interpolates, so +inf draws are kept."""
    v = values[~np.isnan(values)]
    if v.size == 0:
        return math.nan, math.nan
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(v, [alpha, 1.0 - alpha], method="inverted_cdf")
    return float(lo), float(hi)


def _unresolved(arm: str, baseline: str, metric: str, n: int, confidence: float, note: str):
    nan = math.nan
    return _row(arm, baseline, metric, "ratio", n, nan, nan, nan, nan, confidence, note)


def _yuan_per_death(arm, baseline, dc, saved, idx, confidence: float) -> dict:
    """The yuan-per-death-avoided row of :func:`cost_effectiveness` from the paired cost
    differences ``dc`` and deaths avoided ``saved`` (bootstrap resamples ``idx``)."""
    n = dc.size
    _, mean_saved, _, lo_saved, _ = t_interval(saved, confidence)
    if not (n >= 2 and lo_saved > 0):
        note = (
            f"not resolved: the {confidence:.0%} interval of deaths avoided includes values <= 0"
            if n >= 2
            else "too few replications (n < 2)"
        )
        return _unresolved(arm, baseline, YUAN_PER_DEATH, n, confidence, note)
    est = dc.mean() / mean_saved
    mc, ms = dc[idx].mean(axis=1), saved[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = np.where(ms > 0, mc / ms, np.where(mc > 0, np.inf, np.nan))
    lo, hi = _percentile(boot, confidence)
    sd = float(np.std(boot[np.isfinite(boot)], ddof=1))
    note = _with_note("dominant: saves money and lives" if est < 0 else "", n, confidence)
    return _row(arm, baseline, YUAN_PER_DEATH, "ratio", n, est, sd, lo, hi, confidence, note)


def _loss_per_yuan(arm, baseline, dc, avoided, idx, confidence: float) -> dict:
    """The avoided-loss-per-yuan row of :func:`cost_effectiveness` (see there)."""
    n = dc.size
    if not (n >= 1 and dc.mean() > 0):
        note = "no extra cost: the arm costs no more than the baseline" if n else "no pairs"
        return _unresolved(arm, baseline, LOSS_PER_YUAN, n, confidence, note)
    est = avoided.mean() / dc.mean()
    mc, ma = dc[idx].mean(axis=1), avoided[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = np.where(mc > 0, ma / mc, np.nan)
    lo, hi = _percentile(boot, confidence)
    sd = float(np.nanstd(boot, ddof=1)) if n >= 2 else math.nan
    note = _with_note("", n, confidence)
    return _row(arm, baseline, LOSS_PER_YUAN, "ratio", n, est, sd, lo, hi, confidence, note)


def cost_effectiveness(
    df: pd.DataFrame,
    baseline: str,
    cost: str,
    rng: np.random.Generator,
    deaths: str | None = "deaths",
    loss: str | None = "direct_loss_yuan",
    confidence: float = 0.95,
    n_boot: int = 2000,
    arms: list[str] | None = None,
) -> pd.DataFrame:
    """Yuan per death avoided and avoided loss per yuan spent, per non-baseline arm.

    With paired differences Δcost_r, Δdeaths_r, Δloss_r (arm − baseline, replication r):

    - yuan per death avoided = mean Δcost / mean(−Δdeaths), reported only when the
      t-interval of the deaths avoided lies above 0; otherwise NaN, note "not resolved".
      A negative value means the arm saves money and lives (dominant).
    - avoided loss per yuan = mean(−Δloss) / mean Δcost, only when mean Δcost > 0
      (otherwise NaN, note "no extra cost").

    Intervals: percentile bootstrap over the replication pairs (``n_boot`` resamples from
    ``rng``). A resample with no death avoided counts as +inf yuan per death (when it costs
    more; NaN otherwise and dropped); one with no extra cost is dropped from the loss ratio.

    Args:
        df: results frame with columns ``scenario``, ``replication``, ``cost`` and the
            ``deaths`` / ``loss`` columns (None: that ratio is skipped).
        baseline: baseline arm label.
        cost: cost column, yuan.
        rng: generator of the bootstrap resamples.
        deaths: deaths column, persons.
        loss: direct-loss column, yuan.
        confidence: level of both intervals.
        n_boot: bootstrap resamples.
        arms: arms in output order.

    Returns:
        Rows of :data:`COLUMNS` with ``kind = "ratio"``, metric :data:`YUAN_PER_DEATH` or
        :data:`LOSS_PER_YUAN`, ``sd`` the bootstrap standard deviation of finite draws.
    """
    rows = []
    for arm in _arms(df, arms):
        if arm == baseline:
            continue
        keys = [k for k in (cost, deaths, loss) if k is not None]
        d = paired(df, arm, baseline, list(dict.fromkeys(keys))).dropna()
        n = len(d)
        idx = rng.integers(0, n, size=(n_boot, n)) if n else np.zeros((0, 0), dtype=int)
        dc = d[cost].to_numpy(float)
        if deaths is not None:
            saved = -d[deaths].to_numpy(float)
            rows.append(_yuan_per_death(arm, baseline, dc, saved, idx, confidence))
        if loss is not None:
            avoided = -d[loss].to_numpy(float)
            rows.append(_loss_per_yuan(arm, baseline, dc, avoided, idx, confidence))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def comparison_table(
    df: pd.DataFrame,
    baseline: str,
    metrics: list[str],
    rng: np.random.Generator,
    cost: str | None = None,
    deaths: str | None = None,
    loss: str | None = None,
    confidence: float = 0.95,
    n_boot: int = 2000,
    arms: list[str] | None = None,
) -> pd.DataFrame:
    """The whole comparison: levels, paired differences (metrics and cost), ratios.

    ``cost`` None skips the ratios; ``deaths`` / ``loss`` None skip one ratio each.
    Arms default to their order in ``df``; the baseline's level rows come first.
    """
    arms = _arms(df, arms)
    arms = [baseline, *[a for a in arms if a != baseline]]
    keys = [*metrics, *([cost] if cost is not None and cost not in metrics else [])]
    parts = [
        arm_levels(df, keys, baseline, confidence, arms),
        paired_differences(df, baseline, keys, confidence, arms),
    ]
    if cost is not None and (deaths is not None or loss is not None):
        parts.append(
            cost_effectiveness(df, baseline, cost, rng, deaths, loss, confidence, n_boot, arms)
        )
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))


def sample_line(table: pd.DataFrame) -> str:
    """The subtitle: paired replications per arm, with a warning when they are fewer than
    :func:`min_bootstrap_n` (10 at 95 %), the count the comparison
    asks for before its intervals are read as such; the forest plot's subtitle, and the console's
    warning when too few)."""
    diff = table[table["kind"] == "difference"]
    if diff.empty:
        return "no paired differences"
    n, conf = int(diff["n"].min()), float(diff["confidence"].iloc[0])
    line = f"n = {n} paired replications per arm"
    need = min_bootstrap_n(conf)
    if n < need:
        line += (
            f" — too few (< {need}): wide intervals that assume near-normal differences; "
            f"rerun with -n {need} or more"
        )
    return line
