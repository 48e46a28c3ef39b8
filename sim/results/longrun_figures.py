"""PNG figures of a long run: events per year against the record, latent risk by sector (drawn
through the one entry :func:`sim.results.figures.write_figures`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sim.models.longrun import EVENT_KINDS  # noqa: E402

if TYPE_CHECKING:
    from sim.models.longrun import RiskDynamicsModel

# (event kind, summary key of the record, label); deaths are summed from ``value``
PANELS = (
    ("road_collapse", "road_collapses", "road collapses"),
    ("construction_accident", "construction_accidents", "construction accidents"),
    ("construction_accident", "construction_deaths", "construction deaths"),
    ("asset_failure", "asset_failures", "asset failures"),
)


def _per_year(model: RiskDynamicsModel, kind: str, weights: bool) -> np.ndarray:
    t_yr, k, _, _, _, value = model.events.arrays()
    sel = k == EVENT_KINDS.index(kind)
    idx = np.floor(t_yr[sel] - model.start_year).astype(int)
    w = value[sel] if weights else None
    return np.bincount(idx, weights=w, minlength=model.n_years)[: model.n_years]


def events_per_year(model: RiskDynamicsModel, path: Path) -> Path | None:
    """Bars of events per calendar year; dashed: the record's mean per year (if observed)."""
    present = {
        "road_collapse": model.pipeline is not None,
        "construction_accident": model.construction is not None,
        "asset_failure": bool(model.offices)
        and model.pipeline is None
        and model.construction is None,
    }
    panels = [p for p in PANELS if present[p[0]]]
    if not panels:
        return None
    years = model.start_year + np.arange(model.n_years)
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(9, 2.8 * len(panels)), squeeze=False, sharex=True
    )
    for ax, (kind, key, label) in zip(axes[:, 0], panels, strict=True):
        counts = _per_year(model, kind, weights=key == "construction_deaths")
        ax.bar(years, counts, color="#4c72b0", label=f"simulated ({int(counts.sum())})")
        obs = model.config.observed.get(key)
        if obs is not None:
            ax.axhline(
                obs.value / model.n_years,
                color="#d62728",
                ls="--",
                label=f"record mean per year ({obs.value:g} in {model.n_years} yr)",
            )
        ax.set_ylabel(f"{label} per year")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    axes[-1, 0].set_xlabel("calendar year")
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0, 0].set_title(f"{model.config.name}: events per year (seed {model.config.seed})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latent_risk(model: RiskDynamicsModel, path: Path) -> Path | None:
    """City latent-risk index by sector over time (expected failures per year) and its
    consequence-weighted total; black swans marked with their intensity."""
    if not model.latent:
        return None
    df = model.latent_frame()
    if df.empty:
        return None
    by = df.groupby(["t_yr", "sector"], observed=True)[["total", "harm"]].sum().reset_index()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for sector, sub in by.groupby("sector", observed=True):
        ax1.plot(sub["t_yr"], sub["total"], marker=".", label=str(sector))
    harm = by.groupby("t_yr")["harm"].sum()
    ax2.plot(harm.index, harm.to_numpy(), color="k", marker=".", label="all sectors")
    top = ax2.get_ylim()[1]
    for i, s in enumerate(model.shock_log):
        for ax in (ax1, ax2):
            ax.axvline(s["t_yr"], color="#d62728", alpha=0.5, lw=1)
        ax2.annotate(
            f"{s['kind']} x={s['intensity']:.1f} (×{s['amplification']:.1f})",
            (s["t_yr"], top),
            xytext=(2, -10 * (1 + i % 3)),
            textcoords="offset points",
            fontsize=7,
            color="#d62728",
        )
    ax1.set_ylabel("latent risk (expected failures/yr)")
    ax1.legend(fontsize=8, ncol=2)
    ax2.set_ylabel("consequence-weighted latent risk")
    ax2.set_xlabel("calendar year (state on 1 January)")
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.set_title(
        f"{model.config.name}: latent risk by sector (red: black swans, intensity x and "
        "expected failures × those of an as-new stock)",
        fontsize=9,
    )
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
