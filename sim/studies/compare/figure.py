"""Forest plot of a policy comparison: paired differences arm − baseline with intervals."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def forest_plot(table: pd.DataFrame, metrics: list[str], path: str | Path) -> Path:
    """One panel per metric: each non-baseline arm's mean paired difference (dot) and its
    confidence interval (bar), with the no-effect line at 0.

    Args:
        table: the comparison table (:func:`sim.studies.compare.stats.comparison_table`);
            its ``kind == "difference"`` rows are drawn.
        metrics: metrics to draw, one panel each, in order.
        path: PNG file to write.

    Returns:
        ``path``.
    """
    path = Path(path)
    diff = table[table["kind"] == "difference"]
    arms = list(dict.fromkeys(diff["arm"]))
    baseline = str(table["baseline"].iloc[0]) if len(table) else "baseline"
    conf = float(table["confidence"].iloc[0]) if len(table) else 0.95
    n_panels = max(len(metrics), 1)
    fig, axes = plt.subplots(
        1, n_panels, figsize=(3.6 * n_panels + 1.5, 0.45 * len(arms) + 1.8), squeeze=False
    )
    y = np.arange(len(arms))[::-1]  # first arm on top
    for ax, metric in zip(axes[0], metrics, strict=False):
        rows = diff[diff["metric"] == metric].set_index("arm").reindex(arms)
        est = rows["estimate"].to_numpy(float)
        lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
        has_ci = np.isfinite(lo) & np.isfinite(hi)
        # Red: the interval excludes 0 (a difference at this level); grey otherwise.
        signif = has_ci & ((lo > 0) | (hi < 0))
        colours = np.where(signif, "#d62728", "#555555")
        ax.axvline(0.0, color="black", lw=0.8, ls="--")
        for yi, e, a, b, c, ok in zip(y, est, lo, hi, colours, has_ci, strict=True):
            if ok:
                ax.plot([a, b], [yi, yi], color=c, lw=2)
            ax.plot([e], [yi], "o", color=c)
        ax.set_yticks(y, arms if ax is axes[0][0] else [""] * len(arms))
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel(f"Δ vs {baseline}")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"Paired differences (arm − {baseline}), {conf:.0%} t-intervals; red: the interval "
        "excludes 0",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
