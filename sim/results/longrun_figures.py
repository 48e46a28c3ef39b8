"""PNG figures of a long run (drawn through the one entry
:func:`sim.results.figures.write_figures`): events per year with their uncertainty, against
the record where one is observed, and latent risk by sector.

Uncertainty of a yearly count: the count of a year is read as one draw of a Poisson process
whose rate is the year's expected count, and the 90 % interval of that rate is Garwood's
exact (central) interval: for n events, [χ²(0.05; 2n) / 2, χ²(0.95; 2n + 2) / 2] (Garwood
1936, "Fiducial limits for the Poisson distribution", Biometrika 28(3/4):437–442); the whole
run's mean rate takes the same interval of its total, divided by the years. Deaths are drawn
with the run's mean per year but without an interval: they come in clusters (several in one
accident), which a Poisson interval on persons would make too narrow. Legends sit to the right
of their panel, off the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from scipy.stats import chi2  # noqa: E402

from sim.models.longrun import EVENT_KINDS  # noqa: E402
from sim.results.figures import Panel, RunFigure, figure_title, save  # noqa: E402

if TYPE_CHECKING:
    from sim.models.longrun import RiskDynamicsModel

BAND = 0.90
"""Coverage of the Poisson intervals drawn (90 %)."""

# (event kind, summary key of the record, label); deaths are summed from ``value``
PANELS = (
    ("road_collapse", "road_collapses", "road collapses"),
    ("construction_accident", "construction_accidents", "construction accidents"),
    ("construction_accident", "construction_deaths", "construction deaths"),
    ("asset_failure", "asset_failures", "asset failures"),
)


CHEMICAL_PANELS = (
    (None, "chemical_accidents", "chemical accidents"),
    ("deaths", "chemical_deaths", "chemical accident deaths"),
)
"""(column of the accident table summed, or None to count; summary key; label)."""

YEAR_BAND = "90 % interval of the year's rate (Garwood)"


def poisson_interval(n, coverage: float = BAND) -> tuple[np.ndarray, np.ndarray]:
    """Garwood's exact central interval of a Poisson mean from observed counts ``n``.

    Args:
        n: counts (≥ 0), any shape.
        coverage: the interval's coverage (0.9: from the 5th to the 95th percentile).

    Returns:
        (lower, upper) bounds of the mean, the shape of ``n``; the lower bound of 0 is 0.
    """
    n = np.asarray(n, dtype=float)
    alpha = 1.0 - coverage
    lower = np.where(n > 0, chi2.ppf(alpha / 2, 2 * np.maximum(n, 1)) / 2, 0.0)
    upper = chi2.ppf(1 - alpha / 2, 2 * n + 2) / 2
    return lower, upper


def _per_year(model: RiskDynamicsModel, kind: str, weights: bool) -> np.ndarray:
    t_yr, k, _, _, _, value = model.events.arrays()
    sel = k == EVENT_KINDS.index(kind)
    idx = np.floor(t_yr[sel] - model.start_year).astype(int)
    w = value[sel] if weights else None
    return np.bincount(idx, weights=w, minlength=model.n_years)[: model.n_years]


def _chemical_per_year(model: RiskDynamicsModel, column: str | None) -> np.ndarray:
    """Chemical accidents (``column`` None) or their ``column`` summed, per calendar year."""
    acc = model.governance.accidents_frame()
    if acc.empty:
        return np.zeros(model.n_years)
    idx = np.floor(model.year_of(acc["t_h"].to_numpy(dtype=float)) - model.start_year)
    w = None if column is None else acc[column].to_numpy(dtype=float)
    return np.bincount(idx.astype(int), weights=w, minlength=model.n_years)[: model.n_years]


def _record(model, key: str) -> float | None:
    obs = model.config.observed.get(key)
    return None if obs is None else obs.value / model.n_years


def event_rate_panels(model: RiskDynamicsModel) -> list[Panel]:
    """Events per calendar year of each process the run has on (road collapses of the
    pipeline chain; construction accidents and deaths; asset failures of the maintenance
    offices when neither of those runs; chemical accidents and deaths of the governed park),
    each with the record's mean per year where observed."""
    present = {
        "road_collapse": model.pipeline is not None,
        "construction_accident": model.construction is not None,
        "asset_failure": bool(model.offices)
        and model.pipeline is None
        and model.construction is None,
    }
    panels = []
    for kind, key, label in PANELS:
        if present[kind]:
            counts = _per_year(model, kind, weights=key == "construction_deaths")
            rec = _record(model, key)
            panels.append(
                Panel(
                    label,
                    f"{label} per year",
                    counts,
                    reference=rec,
                    data={"band": not key.endswith("deaths")},
                )
            )
    if model.governance is not None:
        for column, key, label in CHEMICAL_PANELS:
            counts = _chemical_per_year(model, column)
            panels.append(
                Panel(
                    label,
                    f"{label} per year",
                    counts,
                    reference=_record(model, key),
                    data={"band": column is None},
                )
            )
    return panels


def _rate_axes(ax, model, panel: Panel, years: np.ndarray) -> None:
    """Bars of a yearly count, its 90 % Poisson interval per year, the run's mean rate with its
    interval (band) and the record's mean per year."""
    counts = np.asarray(panel.values, dtype=float)
    ax.bar(years, counts, color="#4c72b0", label=f"simulated ({counts.sum():g} in {years.size} yr)")
    if panel.data["band"]:
        lo, hi = poisson_interval(counts)
        ax.errorbar(
            years,
            counts,
            yerr=[counts - lo, hi - counts],
            fmt="none",
            ecolor="#333333",
            elinewidth=0.9,
            capsize=2,
            label=YEAR_BAND,
        )
        mean = counts.sum() / years.size
        m_lo, m_hi = (v / years.size for v in poisson_interval(counts.sum()))
        ax.axhspan(
            m_lo,
            m_hi,
            color="#4c72b0",
            alpha=0.15,
            lw=0,
            label=f"mean {mean:.2g}/yr, 90 % interval {m_lo:.2g}–{m_hi:.2g}",
        )
        ax.axhline(mean, color="#4c72b0", lw=1)
    else:  # deaths: clustered, so the mean without a Poisson interval
        mean = counts.sum() / years.size
        ax.axhline(
            mean, color="#4c72b0", lw=1, label=f"mean {mean:.2g}/yr (no interval: clustered)"
        )
    if panel.reference is not None:
        record = panel.reference * years.size
        ax.axhline(
            panel.reference,
            color="#d62728",
            ls="--",
            label=f"record mean per year ({record:g} in {years.size} yr)",
        )
    ax.set_ylabel(panel.unit)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, borderaxespad=0.0)
    ax.grid(alpha=0.3, axis="y")


def draw_events_per_year(model: RiskDynamicsModel, panels: list[Panel], path: Path) -> Path:
    """One row per process: bars of events per calendar year with 90 % Poisson intervals,
    the run's mean rate and its interval as a band (deaths: the mean alone), and the record's
    mean per year; each legend to the right of its panel."""
    years = model.start_year + np.arange(model.n_years)
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(12, 2.9 * len(panels) + 0.5), squeeze=False, sharex=True
    )
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        _rate_axes(ax, model, panel, years)
    axes[-1, 0].set_xlabel("calendar year")
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0, 0].set_title(figure_title(model, "events per year"))
    fig.tight_layout()
    return save(fig, path)


def latent_panels(model: RiskDynamicsModel) -> list[Panel]:
    """Latent risk by sector over the years (expected failures per year) and its
    consequence-weighted total; none without a stock or pipes."""
    if not model.latent:
        return []
    df = model.latent_frame()
    if df.empty:
        return []
    by = df.groupby(["t_yr", "sector"], observed=True)[["total", "harm"]].sum().reset_index()
    return [
        Panel(
            "latent risk by sector",
            "expected failures per year",
            by["total"].to_numpy(),
            data={"by": by},
        )
    ]


def draw_latent_risk(model: RiskDynamicsModel, panels: list[Panel], path: Path) -> Path:
    """City latent-risk index by sector over time (expected failures per year) and its
    consequence-weighted total; black swans marked with their intensity."""
    by = panels[0].data["by"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for sector, sub in by.groupby("sector", observed=True):
        ax1.plot(sub["t_yr"], sub["total"], marker=".", label=str(sector))
    harm = by.groupby("t_yr")["harm"].sum()
    ax2.plot(harm.index, harm.to_numpy(), color="k", marker=".", label="all sectors")
    top = ax2.get_ylim()[1]
    x_lo, x_hi = ax2.get_xlim()
    for i, s in enumerate(model.shock_log):
        for ax in (ax1, ax2):
            ax.axvline(s["t_yr"], color="#d62728", alpha=0.5, lw=1)
        right_half = s["t_yr"] > (x_lo + x_hi) / 2  # label to the left, inside the axes
        ax2.annotate(
            f"{s['kind']}: intensity {s['intensity']:.1f} × x_min, "
            f"failures ×{s['amplification']:.1f}",
            (s["t_yr"], top),
            xytext=(-2 if right_half else 2, -10 * (1 + i % 3)),
            textcoords="offset points",
            ha="right" if right_half else "left",
            fontsize=7,
            color="#d62728",
        )
    if model.shock_log:
        ax2.plot(
            [],
            [],
            color="#d62728",
            alpha=0.5,
            label="black swan (intensity: multiple of x_min; failures: × those of an as-new stock)",
        )
    ax1.set_ylabel("latent risk (expected failures/yr)")
    ax1.legend(fontsize=8, ncol=2, title="sector", title_fontsize=8)
    ax2.set_ylabel("consequence-weighted latent risk\n(expected failures/yr × consequence)")
    ax2.set_xlabel("calendar year (state on 1 January)")
    ax2.legend(fontsize=8)
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.set_title(figure_title(model, "latent risk by sector"), fontsize=10)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return save(fig, path)


events_per_year = RunFigure(
    event_rate_panels,
    draw_events_per_year,
    "Events per calendar year with 90 % Poisson intervals (Garwood 1936), the run's mean rate "
    "and its interval (band), and the record's mean per year where observed; deaths with "
    "their mean per year only (they come in clusters, so no Poisson interval).",
)
latent_risk = RunFigure(
    latent_panels,
    draw_latent_risk,
    "Latent risk by sector (expected failures per year of the hidden and known defects) and "
    "its consequence-weighted total; black swans marked.",
)
