"""The one-page report of an ensemble folder (``citysafe run SCENARIO --replications N``):
``report.html`` and its figure ``ensemble_outcomes.png``.

Input: the ensemble table (one row per replication, :func:`sim.results.ensemble.ensemble_table`),
the outcome statistics (:func:`sim.results.ensemble.outcome_stats`) and the metadata written
to ``ensemble.json`` (root seed, seeds, failed replications, ``behaviour_posterior_draws``).
Output, in the ensemble's staging folder before ``ensemble.json`` (the finished file, written
last; :mod:`sim.results.staging`):

- ``report.html``: what was run (scenario, replications, root seed, whether the households'
  behaviour coefficients were drawn from the city's posterior), the outcome table (median,
  90% interval, observed figure, inside or not; labels and units from
  :mod:`sim.results.outcome_text`) with the observed figures' sources, the figure and links to
  the folder's files. The page and its styles are those of a single run's report
  (:mod:`sim.results.html_report`): plain HTML from the standard library.
- ``ensemble_outcomes.png`` (unless ``--no-figures``): one panel per observed outcome (when
  none is observed, per outcome that is not zero in every replication, at most
  :data:`MAX_PANELS`): each replication's value as a dot, the median as a tick and the 90%
  interval as a band, both read from the statistics the table shows (not recomputed), and
  the observed figure with its reported spread.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from sim.results.ensemble import (
    COUNT_LEGEND,
    COUNT_QUANTILES,
    MIN_REPLICATIONS_FOR_TAILS,
    STATS_FILE,
    TABLE_FILE,
    observed_cell,
    partial_value_notes,
    shown_stats,
)
from sim.results.html_report import (
    ALWAYS_SHOWN,
    REPORT_FILE,
    STYLE,
    _cell,
    _label,
    _window,
    observed_sources,
)
from sim.results.outcome_text import format_outcome, observed_figure, outcome_label
from sim.results.staging import RESOLVED_FILE, citysafe_version

FIGURE_FILE = "ensemble_outcomes.png"
MAX_PANELS = 8
"""Panels of the figure at most when no outcome is observed (the first outcomes of the
summary that are not zero everywhere; the table has them all)."""
BOUND_MARKER = {"exact": "D", "at_least": ">", "at_most": "<"}
"""Marker of an observed figure by its bound (:data:`sim.scenario.schema.OBSERVED_BOUNDS`)."""
SWEEP_FOLDER = "replications"
"""The ensemble's sweep folder (plan, one row per replication, failures)."""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{name} — citysafe ensemble report</title>
<style>{style}</style>
</head>
<body>
<h1>{name}: {n} replications</h1>
<p>{description}</p>
<table>{facts}</table>
<h2>Outcomes over the replications</h2>
{outcomes}
<h2>Figure</h2>
{figure}
<h2>Files of this ensemble folder</h2>
<ul>{files}</ul>
<p class="note">Written by citysafe {version}.</p>
</body>
</html>
"""


def figure_outcomes(stats: dict[str, dict]) -> list[str]:
    """The outcomes the figure draws: the observed ones; without any, the first
    :data:`MAX_PANELS` outcomes whose largest replication value is not zero; never one no
    replication holds a value of (summary.json's null)."""
    drawable = {k: s for k, s in stats.items() if s["median"] is not None}  # values to draw
    observed = [k for k, s in drawable.items() if "observed" in s]
    if observed:
        return observed
    return [k for k, s in drawable.items() if s["max"] != 0 or s["min"] != 0][:MAX_PANELS]


def tick_text(v: float) -> str:
    """An axis tick: "1.2 bn", "350 M" from a million up, else thousands separators ("2,400")
    or the shortest decimal ("0.5"); :func:`sim.results.outcome_text.format_number`'s scale
    with 3 significant digits, so that a row of ticks fits its axis."""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.3g} bn"
    if a >= 1e6:
        return f"{v / 1e6:.3g} M"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:g}"


def _strip(ax, key: str, values: np.ndarray, s: dict, units: dict, seed: int) -> None:
    """One panel: dots per replication (jittered vertically, seeded), the 90% interval as a
    band and the median as a tick (``s``: the outcome's statistics), the observed figure and
    its reported spread."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    jitter = np.random.default_rng(seed).uniform(-0.15, 0.15, values.size)  # drawing only
    median, low, high = shown_stats(key, s, units)  # the table's numbers (whole for counts)
    ax.plot([low, high], [1, 1], color="C0", lw=14, alpha=0.25, solid_capstyle="butt")
    ax.plot([median], [1], marker="|", ms=26, mew=2.5, color="C1", zorder=4)
    ax.scatter(values, 1 + jitter, s=14, color="C0", alpha=0.8, zorder=3)
    obs = s.get("observed")
    if obs is not None:
        if "low" in obs and "high" in obs:
            ax.plot([obs["low"], obs["high"]], [1.42, 1.42], color="C3", lw=2.5, zorder=4)
        bound = obs.get("bound", "exact")
        ax.plot([obs["value"]], [1.42], marker=BOUND_MARKER[bound], color="C3", ms=7, zorder=5)
        if bound != "exact":  # the side the figure lies on: "at least" points right
            ax.annotate(
                "", xy=(1.0 if bound == "at_least" else 0.0, 1.42), xytext=(obs["value"], 1.42),
                xycoords=("axes fraction", "data"), textcoords="data",
                arrowprops={"arrowstyle": "->", "color": "C3", "lw": 1.5, "ls": "--"},
            )  # fmt: skip
        inside = "inside" if s["inside"] else "outside"
        if bound != "exact":  # the bound in the title: "observed >= 3,000, inside"
            inside = f"{observed_figure(obs['value'], bound)}, {inside}"
        ax.set_title(f"{outcome_label(key, units)}: observed {inside}", fontsize=10)
    else:
        ax.set_title(outcome_label(key, units), fontsize=10)
    ax.set_yticks([])
    ax.set_ylim(0.55, 1.65)
    marks = [*values, *(v for k, v in (obs or {}).items() if k != "bound")]
    whole = all(float(v).is_integer() for v in marks)  # counts: no tick between two persons
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=whole))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tick_text(v)))
    ax.set_xlabel(outcome_label(key, units).rsplit(" (", 1)[-1].rstrip(")"))  # the unit
    ax.grid(axis="x", alpha=0.3)


def draw_ensemble_figure(
    table: pd.DataFrame, stats: dict[str, dict], scenario, path: Path
) -> Path | None:
    """Draw :data:`FIGURE_FILE` (see the module doc) at ``path``.

    Args:
        table: the ensemble table (one row per replication).
        stats: the outcome statistics of ``table``.
        scenario: the scenario (name, seed, ``OUTCOME_UNITS`` of its kind).
        path: the PNG to write.

    Returns:
        ``path``; None when no outcome has a value other than zero (nothing to draw).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from sim.results.figures import save

    keys = figure_outcomes(stats)
    if not keys:
        return None
    cols = 1 if len(keys) <= 3 else 2
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 1.75 * rows + 1.3), squeeze=False)
    units = type(scenario).OUTCOME_UNITS
    for i, (ax, key) in enumerate(zip(axes.ravel(), keys, strict=False)):
        values = pd.to_numeric(table[key], errors="coerce").to_numpy(dtype=float)  # null: NaN
        _strip(ax, key, values, stats[key], units, int(scenario.seed) + i)
    for ax in axes.ravel()[len(keys) :]:
        ax.set_visible(False)
    handles = [
        Line2D([], [], ls="", marker="o", color="C0", alpha=0.8, label="one replication"),
        Line2D([], [], ls="", marker="|", ms=12, mew=2.5, color="C1", label="median"),
        Line2D([], [], color="C0", lw=8, alpha=0.25, label="90% interval (5th–95th percentile)"),
    ]
    if any("observed" in stats[k] for k in keys):
        handles.append(
            Line2D([], [], color="C3", marker="D", lw=2.5, label="observed (line: reported range)")
        )
    bounds = {stats[k]["observed"].get("bound", "exact") for k in keys if "observed" in stats[k]}
    for bound in sorted(bounds - {"exact"}):
        words = "at least" if bound == "at_least" else "at most"
        handles.append(
            Line2D([], [], color="C3", marker=BOUND_MARKER[bound], ls="--", lw=1.5,
                   label=f"observed {words} (arrow: where the figure lies)")
        )  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(f"{scenario.name}: {len(table)} replications (seeds spawned from {scenario.seed})")
    fig.tight_layout(rect=(0, 0.55 / (1.75 * rows + 1.3), 1, 1))
    return save(fig, path)


def _facts(scenario, meta: dict, n_done: int) -> str:
    drawn = meta.get("behaviour_posterior_draws")
    behaviour = (
        "drawn per replication from the city's calibrated posterior"
        if drawn
        else "the scenario's values in every replication"
    )
    failed = meta.get("failed") or []
    rows = [
        ("scenario", scenario.name),
        ("kind", scenario.kind),
        ("replications", f"{n_done} finished of {meta.get('replications', n_done)}"),
        (
            "root seed",
            f"{meta.get('root_seed', scenario.seed)} (replication seeds spawned from it)",
        ),
        ("behaviour coefficients", behaviour),
        ("simulated", _window(scenario)),
        ("city data", Path(scenario.city.data_dir).name),
    ]
    if failed:
        rows.append(("failed replications", ", ".join(map(str, failed))))
    return "".join(f"<tr>{_cell(k, tag='th')}{_cell(v)}</tr>" for k, v in rows)


def _table(stats: dict[str, dict], keys: list[str], units: dict) -> str:
    head = ["outcome", "median", "90% interval [5%, 95%]", "observed", "inside"]
    out = ["<table><tr>", *(_cell(h, num=i > 0, tag="th") for i, h in enumerate(head)), "</tr>"]
    for key in keys:
        s = stats[key]
        obs = s.get("observed")
        obs_txt = "" if obs is None else observed_cell(key, obs, units)
        inside = "" if "inside" not in s else ("yes" if s["inside"] else "no")
        median, low, high = shown_stats(key, s, units)
        shown = [format_outcome(key, v, units) for v in (median, low, high)]
        cells = [shown[0], "" if low is None else f"[{shown[1]}, {shown[2]}]"]
        cells += [obs_txt, inside]
        row = _label(key, outcome_label(key, units)) + "".join(_cell(c, num=True) for c in cells)
        out.append(f"<tr>{row}</tr>")
    out.append("</table>")
    return "".join(out)


def _outcomes(stats: dict[str, dict], scenario, n_done: int) -> str:
    """The headline table (observed outcomes, :data:`ALWAYS_SHOWN`, and those not zero in
    every replication), the share of records inside, the small-N caveat, the observed
    figures' sources, then every outcome folded away."""
    units = type(scenario).OUTCOME_UNITS
    headline = [
        k
        for k, s in stats.items()
        if "observed" in s or k in ALWAYS_SHOWN or s["max"] or s["min"] or s["median"] is None
    ]
    parts = [_table(stats, headline, units)]
    if any(s.get("quantiles") == COUNT_QUANTILES for s in stats.values()):
        parts.append(f'<p class="note">Legend: {html.escape(COUNT_LEGEND)}.</p>')
    parts += [
        f'<p class="note">Note: {html.escape(n)}.</p>' for n in partial_value_notes(stats, n_done)
    ]
    inside = [s["inside"] for s in stats.values() if "inside" in s]
    if inside:
        parts.append(
            f"<p>{sum(inside)} of {len(inside)} observed figures inside the 90% interval (a "
            "figure reported with a spread: the interval meets the spread).</p>"
        )
    if n_done < MIN_REPLICATIONS_FOR_TAILS:
        parts.append(
            f'<p class="note">Note: {n_done} replications; at least '
            f"{MIN_REPLICATIONS_FOR_TAILS} put a run beyond each end of the 90% interval (fewer "
            "give a narrower interval).</p>"
        )
    observed = {k: o for k, o in scenario.observed.items() if "observed" in stats.get(k, {})}
    if observed:
        parts.append(observed_sources(observed, units))
    parts.append(
        f"<details><summary>all {len(stats)} outcomes (zeros included)</summary>"
        f"{_table(stats, list(stats), units)}</details>"
    )
    return "\n".join(parts)


def _figure(figure: Path | None, drawn: bool) -> str:
    if not drawn:
        return '<p class="note">Figures were not drawn (<code>--no-figures</code>).</p>'
    if figure is None:
        return '<p class="note">Every outcome was zero in every replication: nothing to draw.</p>'
    name = html.escape(figure.name, quote=True)
    caption = (
        "each replication's value (dots), the median (tick) and the 90% interval (band, 5th to "
        "95th percentile) of the table above, and the observed figure with its reported "
        "range, where there is one"
    )
    return (
        f'<figure><img src="{name}" alt="{name}"><figcaption><b>{name}</b>: '
        f"{html.escape(caption)}.</figcaption></figure>"
    )


def _files(out_dir: Path, figure: Path | None) -> str:
    names = [STATS_FILE, TABLE_FILE, RESOLVED_FILE] + ([figure.name] if figure else [])
    items = [f'<li><a href="{html.escape(n, quote=True)}">{html.escape(n)}</a></li>' for n in names]
    if (out_dir / SWEEP_FOLDER).is_dir():
        items.append(
            f'<li><a href="{SWEEP_FOLDER}/">{SWEEP_FOLDER}/</a> (the sweep folder: plan, one '
            "row per replication, failures)</li>"
        )
    return "".join(items)


def write_ensemble_report(
    out_dir: Path,
    scenario,
    table: pd.DataFrame,
    stats: dict[str, dict],
    meta: dict,
    figures: bool = True,
) -> dict[str, Path]:
    """Write ``report.html`` (and, with ``figures``, :data:`FIGURE_FILE`) into the ensemble's
    (staging) folder; a figure left there by an earlier attempt is removed when none is drawn.

    Args:
        out_dir: the ensemble's folder (its staging folder while the command runs).
        scenario: the scenario of the replications.
        table: the ensemble table; stats: its outcome statistics.
        meta: the metadata of ``ensemble.json`` (``replications``, ``root_seed``, ``failed``,
            ``behaviour_posterior_draws``).
        figures: draw the figure (False: ``--no-figures``; the page says so).

    Returns:
        ``{"report": path}``, with ``"ensemble_figure": path`` when the figure was drawn.
    """
    out_dir = Path(out_dir)
    fig_path = out_dir / FIGURE_FILE
    fig_path.unlink(missing_ok=True)
    figure = draw_ensemble_figure(table, stats, scenario, fig_path) if figures else None
    page = _PAGE.format(
        name=html.escape(scenario.name),
        n=len(table),
        style=STYLE,
        description=html.escape(getattr(scenario, "description", "") or ""),
        facts=_facts(scenario, meta, len(table)),
        outcomes=_outcomes(stats, scenario, len(table)),
        figure=_figure(figure, figures),
        files=_files(out_dir, figure),
        version=html.escape(citysafe_version()),
    )
    path = out_dir / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return {"report": path} | ({"ensemble_figure": figure} if figure else {})
