"""The one-page report of a run folder, ``report.html``: what was run (scenario, seed, window),
the outcomes with the observed figures beside them, and the run's figures, linked by their
relative paths so that the folder can be moved or shared whole.

Plain HTML from the standard library (``string.Template``, ``html.escape``): no template
engine, no script, no file outside the folder; any browser opens it. Written by
:func:`sim.results.runner.run_scenario` for every run, with or without figures (without them
the page says so), so that the marker of a finished run folder lists it
(:func:`sim.results.staging.publish`).
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from sim.results.outcome_text import (
    format_outcome,
    observed_figure,
    observed_ratio,
    observed_text,
    outcome_label,
    scenario_label,
)
from sim.results.report import outcome_notes
from sim.results.staging import citysafe_version

REPORT_FILE = "report.html"
ALWAYS_SHOWN = ("deaths", "people_relocated")
"""Outcomes among the headline rows of a report even when zero: "no deaths" and "nobody
relocated" are findings a reader looks for first, not blanks to fold away."""

STYLE = """body { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
       "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
       "Hiragino Sans GB", sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       padding: 0 1em; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.8em; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
.note { color: #555; font-size: 0.9em; }
"""
"""The report pages' style sheet (a run's and an ensemble's: :mod:`sim.results.ensemble_report`)."""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>$name — citysafe run report</title>
<style>
$style</style>
</head>
<body>
<h1>$name</h1>
<p>$description</p>
<table>$facts</table>
<h2>Outcomes</h2>
$outcomes
<h2>Figures</h2>
$figures
<h2>Files of this run folder</h2>
<ul>$files</ul>
<p class="note">Written by citysafe $version.</p>
</body>
</html>
""")


def _cell(text, num: bool = False, tag: str = "td") -> str:
    cls = ' class="num"' if num else ""
    return f"<{tag}{cls}>{html.escape(str(text))}</{tag}>"


def _window(scenario) -> str:
    """The simulated window: UTC start and hours, or the calendar years of a long run."""
    years = getattr(scenario, "years", None)
    if years is not None:
        return f"{years.start_year}–{years.start_year + years.n_years - 1} ({years.n_years} years)"
    t = scenario.time
    return f"from {t.start_utc:%Y-%m-%d %H:%M} UTC, {t.duration_h:g} hours"


def _facts(scenario, summary: dict) -> str:
    rows = [
        ("scenario", scenario.name),
        ("kind", scenario.kind),
        ("seed", summary.get("seed", scenario.seed)),
        ("simulated", _window(scenario)),
        ("city data", Path(scenario.city.data_dir).name),
        ("wall time", f"{summary.get('wall_time_s', 0.0):g} s"),
    ]
    return "".join(f"<tr>{_cell(k, tag='th')}{_cell(v)}</tr>" for k, v in rows)


def outcome_rows(
    summary: dict, scenario, warned: bool = True, totals: dict[str, float] | None = None
) -> list[tuple[str, str, str, str, str]]:
    """(key, label with unit, simulated, observed, simulated / observed) of each summary key,
    as the console table shows them (:func:`sim.results.report.summary_table`; labels:
    :func:`sim.results.outcome_text.outcome_label`); the seed and wall time are in the page's
    facts instead; values by :func:`sim.results.outcome_text.format_outcome` (``warned``
    False: no warning was in force; ``totals``: the city totals of counts,
    :func:`sim.results.summary.outcome_totals`)."""
    units = type(scenario).OUTCOME_UNITS
    rows = []
    for key, value in summary.items():
        if key in ("seed", "wall_time_s") or key.endswith(".seed"):
            continue
        obs = scenario.observed.get(key)
        obs_txt = ratio = ""
        if obs is not None:
            obs_txt, ratio = observed_figure(obs.value, obs.bound), observed_ratio(value, obs)
        shown = format_outcome(key, value, units, warned, totals)
        rows.append((key, scenario_label(key, scenario, units), shown, obs_txt, ratio))
    return rows


def _label(key: str, label: str) -> str:
    """A label cell; the summary key (as in summary.json) shows on hovering."""
    return f'<td title="{html.escape(key, quote=True)}">{html.escape(label)}</td>'


def _table(rows) -> str:
    head = ["outcome", "simulated", "observed", "sim/obs"]
    out = ["<table><tr>"]
    out += [_cell(h, num=i > 0, tag="th") for i, h in enumerate(head)]
    out.append("</tr>")
    for key, label, sim, obs, ratio in rows:
        cells = [_label(key, label), _cell(sim, num=True), _cell(obs, num=True)]
        out.append("<tr>" + "".join([*cells, _cell(ratio, num=True)]) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _outcomes(
    summary: dict, scenario, warned: bool = True, totals: dict[str, float] | None = None
) -> str:
    """The headline table (outcomes that are not zero, have an observed figure, or are
    :data:`ALWAYS_SHOWN`), the observed figures' spread and sources, then every outcome
    folded away."""
    rows = outcome_rows(summary, scenario, warned, totals)
    units = type(scenario).OUTCOME_UNITS
    headline = [r for r in rows if r[3] or summary[r[0]] != 0 or r[0] in ALWAYS_SHOWN]
    parts = [_table(headline)]
    notes = outcome_notes(summary, scenario)
    parts += [f'<p class="note">Note: {html.escape(n)}.</p>' for n in notes]
    if scenario.observed:
        parts.append(observed_sources(scenario.observed, units))
    parts.append(
        f"<details><summary>all {len(rows)} outcomes (zeros included)</summary>"
        f"{_table(rows)}</details>"
    )
    return "\n".join(parts)


def observed_sources(observed: dict, units: dict) -> str:
    """The list of observed figures (label with unit, figure) and their sources, as HTML."""
    items = []
    for key, obs in observed.items():
        figure = observed_text(key, obs, units, with_unit=False)  # the label has the unit
        text = f"{outcome_label(key, units)}: {figure}; {obs.source}"
        items.append(f'<li title="{html.escape(key, quote=True)}">{html.escape(text)}</li>')
    return "<p>Observed figures and their sources:</p><ul>" + "".join(items) + "</ul>"


def _figures(out_dir: Path, figures: list[tuple[Path, str]], drawn: bool) -> str:
    if not drawn:
        return '<p class="note">Figures were not drawn (<code>--no-figures</code>).</p>'
    if not figures:
        return '<p class="note">This run has nothing to draw.</p>'
    out = []
    for path, caption in figures:
        rel = html.escape(Path(path).relative_to(out_dir).as_posix(), quote=True)
        out.append(
            f'<figure><img src="{rel}" alt="{rel}"><figcaption><b>{rel}</b>: '
            f"{html.escape(caption)}</figcaption></figure>"
        )
    return "\n".join(out)


def _files(out_dir: Path, paths: dict[str, Path]) -> str:
    """Links to the run's files, then to each shock's report (a long run with shocks)."""
    names = {Path(p).relative_to(out_dir).as_posix() for p in paths.values()}
    names = sorted(names | {"summary.json"})  # written after the report, as the folder's last
    items = [f'<li><a href="{html.escape(n, quote=True)}">{html.escape(n)}</a></li>' for n in names]
    for shock in sorted((out_dir / "shocks").glob(f"*/{REPORT_FILE}")):
        rel = html.escape(shock.relative_to(out_dir).as_posix(), quote=True)
        items.append(
            f'<li><a href="{rel}">{rel}</a> (the report of shock {shock.parent.name})</li>'
        )
    return "".join(items)


def write_report(
    out_dir: Path,
    scenario,
    summary: dict,
    paths: dict[str, Path],
    figures: list[tuple[Path, str]],
    drawn: bool = True,
    warned: bool = True,
    totals: dict[str, float] | None = None,
) -> Path:
    """Write ``report.html`` into the run folder.

    Args:
        out_dir: the run folder.
        scenario: the scenario run (either kind).
        summary: its summary (summary.json's content).
        paths: path key → file written in the folder (tables, figures, the resolved scenario).
        figures: (path, caption) of each figure drawn, in the order to show them.
        drawn: whether figures were drawn at all (False: ``--no-figures``).
        warned: False when the run had no warning in force (``warning_reach_share`` then reads
            "no warning issued").
        totals: summary key → the city total its count is out of
            (:func:`sim.results.summary.outcome_totals`); None: numbers alone.

    Returns:
        The report's path.
    """
    out_dir = Path(out_dir)
    page = _PAGE.substitute(
        name=html.escape(scenario.name),
        style=STYLE,
        description=html.escape(getattr(scenario, "description", "") or ""),
        facts=_facts(scenario, summary),
        outcomes=_outcomes(summary, scenario, warned, totals),
        figures=_figures(out_dir, figures, drawn),
        files=_files(out_dir, paths),
        version=html.escape(citysafe_version()),
    )
    path = out_dir / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return path
