"""Forest plot of a policy comparison: paired differences arm − baseline with intervals,
coloured by :mod:`sim.studies.compare.verdicts`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from sim.results.outcome_text import outcome_unit  # noqa: E402
from sim.studies.compare.stats import sample_line  # noqa: E402
from sim.studies.compare.verdicts import COLOURS, LABELS, effect_verdicts, role  # noqa: E402

UNIT_SUFFIXES = (("_yuan_per_yr", "yuan/yr"), ("_yuan", "yuan"), ("_min", "min"),
                 ("_person_days", "person-days"))  # fmt: skip
"""Key suffix → unit (the project names keys by unit)."""


def unit_of(metric: str) -> str:
    """The unit of an outcome key (:func:`sim.results.outcome_text.outcome_unit`: read from
    the key's name, as every other table of outcomes reads it)."""
    return outcome_unit(metric)


PANELS_PER_ROW = 4
"""Most panels in one row of the forest plot; more wrap onto further rows."""


def readable(metric: str) -> str:
    """A panel title for an outcome key: its words without the unit suffix, then the unit
    (:func:`unit_of`): ``direct_loss_yuan`` → "direct loss (yuan)", ``deaths`` →
    "deaths (persons)"; a shock's key names its shock, so that it differs from the long run's
    own outcome of that name: ``shocks.rainstorm.road_collapses`` → "rainstorm shock: road
    collapses (count)" beside ``road_collapses`` → "road collapses (count)"."""
    prefix, _, key = metric.rpartition(".")
    for suffix, _ in UNIT_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    words = f"{key.replace('_', ' ')} ({unit_of(metric)})"
    if prefix.startswith("shocks."):
        return f"{prefix.split('.', 1)[1]} shock: {words}"
    return f"{prefix}: {words}" if prefix else words


def panel_titles(metrics: list[str], cost: str | None = None) -> list[str]:
    """One title per panel, all different: :func:`readable` (", the arm's cost" for the cost
    key), the key itself where two would otherwise read the same."""
    tail = {True: ", the arm's cost", False: ""}
    titles = [readable(m) + tail[role(m, cost) == "cost"] for m in metrics]
    return [m if titles.count(t) > 1 else t for m, t in zip(metrics, titles, strict=True)]


def _tick(x: float, _pos) -> str:
    """Tick labels: millions as 'x M', other values as they are (no '1e9' offset)."""
    return f"{x / 1e6:g} M" if abs(x) >= 1e6 else f"{x:g}"


def forest_plot(
    table: pd.DataFrame, metrics: list[str], path: str | Path, cost: str | None = None
) -> Path:
    """One panel per metric: each non-baseline arm's mean paired difference (dot) and its
    confidence interval (bar), with the no-effect line at 0, coloured by what it says
    (:func:`sim.studies.compare.verdicts.effect_verdicts`: red worse, blue better, black an
    effect without a direction, grey not resolved, purple the arm's cost), with a legend.

    Args:
        table: the comparison table (:func:`sim.studies.compare.stats.comparison_table`);
            its ``kind == "difference"`` rows are drawn.
        metrics: metrics to draw, one panel each, in order.
        path: PNG file to write.
        cost: the comparison's cost key (drawn as a trade-off, not judged), or None.

    Returns:
        ``path``.
    """
    path = Path(path)
    diff = table[table["kind"] == "difference"]
    arms = list(dict.fromkeys(diff["arm"]))
    baseline = str(table["baseline"].iloc[0]) if len(table) else "baseline"
    conf = float(table["confidence"].iloc[0]) if len(table) else 0.95
    verdicts = effect_verdicts(table, metrics, cost)
    n_panels = max(len(metrics), 1)
    n_cols = min(n_panels, PANELS_PER_ROW)
    n_rows = -(-n_panels // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, squeeze=False,
        figsize=(3.6 * n_cols + 1.5, (0.45 * len(arms) + 1.9) * n_rows + 0.9),
    )  # fmt: skip
    for ax in axes.ravel()[len(metrics) :]:
        ax.set_visible(False)
    titles = panel_titles(metrics, cost)
    y = np.arange(len(arms))[::-1]  # first arm on top
    for i, (ax, metric) in enumerate(zip(axes.ravel(), metrics, strict=False)):
        rows = verdicts[verdicts["metric"] == metric].set_index("arm").reindex(arms)
        ax.axvline(0.0, color="black", lw=0.8, ls="--")
        for yi, (_, r) in zip(y, rows.iterrows(), strict=True):
            if not isinstance(r["verdict"], str):
                continue  # the arm has no row for this metric
            c = r["colour"]
            if r["verdict"] != "no interval":
                ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=c, lw=2)
            hollow = r["verdict"] == "no interval"
            ax.plot([r["estimate"]], [yi], "o", color=c, mfc="white" if hollow else c)
        ax.set_yticks(y, arms if i % n_cols == 0 else [""] * len(arms))  # names on the left
        ax.set_title("\n".join(textwrap.wrap(titles[i], 38)), fontsize=10)
        ax.set_xlabel(f"Δ vs {baseline} ({unit_of(metric)})")
        ax.xaxis.set_major_formatter(FuncFormatter(_tick))
        ax.grid(axis="x", alpha=0.3)
    shown = [v for v in LABELS if (verdicts["verdict"] == v).any()]
    handles = [
        Line2D(
            [], [], color=COLOURS[v], marker="o", lw=2, mfc="white" if v == "no interval" else None
        )
        for v in shown
    ]
    fig.legend(handles, [LABELS[v] for v in shown], loc="lower center", ncol=min(len(shown), 3),
               fontsize=9, frameon=False)  # fmt: skip
    width_chars = int(fig.get_figwidth() * 12)  # about 12 characters an inch at 10 pt
    subtitle = "\n".join(textwrap.wrap(sample_line(table), width_chars))
    fig.suptitle(
        f"Paired differences (arm − {baseline}), {conf:.0%} t-intervals\n{subtitle}", fontsize=10
    )
    legend_in = 0.35 * (1 + (len(shown) > 3)) + 0.25  # inches under the panels
    fig.tight_layout(rect=(0, legend_in / fig.get_figheight(), 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
