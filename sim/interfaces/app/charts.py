"""Live charts of a session: service per network, open incidents, casualties, teams busy,
people relocated and direct loss over model time, from
:func:`sim.interfaces.app.readout.hourly_history`.

Each chart is an Apache ECharts option (a JSON-able dict) for ``solara.FigureEcharts``:
ECharts ships with solara's bundled front-end assets (``solara-assets``), so the charts work
on a closed network, and hovering a chart shows the values at that hour with their units (the
series names carry them). Fonts are 16 px (12 pt).
"""

from __future__ import annotations

import math

import pandas as pd

from sim.interfaces.app.timeline import tick_step_h
from sim.networks.services import layer_look

FONT_PX = 16
"""Font size of axes, legends and tooltips, CSS pixels (12 pt)."""
TITLE_PX = 18
"""Font size of chart titles, CSS pixels."""
TIME_AXIS = "Time since start (h)"
LEGEND_PER_ROW = 3
"""Legend entries a chart's width holds in a row (room kept above the plot for the rows)."""
SERVICE_TITLE = "Service by network (% of normal)"
"""Title of the first chart: one series per ``functionality_<layer>`` column of the history
(:func:`service_series`), so every layer the exercise has shows."""
PANELS = (
    ("Open incidents (count)", [("open_incidents", "Open incidents (count)", 1.0, 0)]),
    ("Casualties (persons)",
     [("deaths", "Deaths (persons)", 1.0, 0), ("injuries", "Injuries (persons)", 1.0, 0)]),
    ("Teams busy (teams)", [("busy_teams", "Teams busy (teams)", 1.0, 0)]),
    ("People relocated now (persons)",
     [("relocated_now_persons", "People relocated now (persons)", 1.0, 0)]),
    ("Direct loss so far (million yuan)",
     [("direct_loss_yuan", "Direct loss (million yuan)", 1e-6, 2)]),
)  # fmt: skip
"""Charts after the service chart: title and series (column of the history, name shown with
its unit, factor to that unit, decimals kept)."""


def service_series(history: pd.DataFrame) -> list[tuple[str, str, float, int]]:
    """The service chart's series: each ``functionality_<layer>`` column of ``history``, in
    its order, named by the layer's registry label (:func:`sim.networks.services.layer_look`)
    with its unit, in % to 1 decimal."""
    return [
        (c, f"{layer_look(c.removeprefix('functionality_')).label} (%)", 100.0, 1)
        for c in history.columns
        if c.startswith("functionality_")
    ]


def _values(series: pd.Series, factor: float, decimals: int) -> list[float | None]:
    """A column in the unit shown, rounded; missing values as None (a gap in the line)."""
    out = []
    for v in series.to_numpy(dtype=float):
        out.append(None if not math.isfinite(v) else round(float(v) * factor, decimals))
    return out


def hour_label_interval(hours) -> int | None:
    """ECharts' ``interval`` of a category time axis (labels skipped between two shown) that
    labels it every :func:`~sim.interfaces.app.timeline.tick_step_h` hours (0, 6, 12 h, ...),
    or None (ECharts' own choice) when the hours are not a regular grid starting on such a
    tick. ECharts' own choice follows the label widths and gave ticks every 7 h.

    Args:
        hours: the axis' hours, increasing.
    """
    t = [float(h) for h in hours]
    if len(t) < 2:
        return None
    dt = t[1] - t[0]
    step = tick_step_h(t[-1] - t[0])
    per_tick = step / dt if dt > 0 else 0.0
    regular = all(abs((b - a) - dt) < 1e-9 for a, b in zip(t, t[1:], strict=False))
    if not regular or per_tick < 1 or abs(per_tick - round(per_tick)) > 1e-9:
        return None
    if abs(t[0] / step - round(t[0] / step)) > 1e-9:
        return None
    return int(round(per_tick)) - 1


def _colour(column: str) -> str | None:
    """Line colour: the network's registry colour for its service, else ECharts' palette."""
    if not column.startswith("functionality_"):
        return None
    return layer_look(column.removeprefix("functionality_")).colour


def chart_options(history: pd.DataFrame) -> list[dict]:
    """One ECharts option per chart: the service by network (:func:`service_series`), then
    those of :data:`PANELS`, over model time.

    Args:
        history: :func:`sim.interfaces.app.readout.hourly_history` (one row per recorded hour,
            then the state now; a row at the same hour as the one before replaces it).

    Returns:
        Options with a category time axis labelled ``"<hours> h"`` every 6, 12 or 24 h
        (:func:`hour_label_interval`), step lines (a value holds
        until the next record), an axis tooltip and, for several series, a legend.
    """
    hist = history.drop_duplicates("t_h", keep="last")
    hours = [f"{t:g} h" for t in hist["t_h"].to_numpy(dtype=float)]
    interval = hour_label_interval(hist["t_h"].to_numpy(dtype=float))
    options = []
    for title, series in ((SERVICE_TITLE, service_series(hist)), *PANELS):
        lines = []
        for column, name, factor, decimals in series:
            line = {
                "type": "line", "name": name, "step": "end", "showSymbol": False,
                "lineStyle": {"width": 3}, "data": _values(hist[column], factor, decimals),
            }  # fmt: skip
            colour = _colour(column)
            if colour is not None:
                line["itemStyle"] = {"color": colour}
                line["lineStyle"]["color"] = colour
            lines.append(line)
        percent = title.endswith("% of normal)")
        counts = all(decimals == 0 for *_, decimals in series)
        options.append(_option(title, hours, lines, percent, counts, interval))
    return options


def _option(
    title: str, hours: list[str], lines: list[dict], percent: bool, counts: bool,
    interval: int | None = None,
) -> dict:  # fmt: skip
    """The ECharts option of one chart (fonts :data:`FONT_PX`, no animation: the charts are
    redrawn every frame): a percentage axis ends at 100 and starts near the data, a count
    axis has whole-number ticks, the time axis is labelled and ticked every ``interval`` + 1
    hours (:func:`hour_label_interval`; None: ECharts' choice)."""
    text = {"fontSize": FONT_PX}
    legend_rows = math.ceil(len(lines) / LEGEND_PER_ROW) if len(lines) > 1 else 0
    option = {
        "animation": False,
        "textStyle": text,
        "title": {"text": title, "textStyle": {"fontSize": TITLE_PX}},
        "tooltip": {"trigger": "axis", "textStyle": text},
        "grid": {"left": 16, "right": 24, "top": 50 + 28 * legend_rows, "bottom": 40,
                 "containLabel": True},
        "xAxis": {"type": "category", "data": hours, "name": TIME_AXIS,
                  "nameLocation": "middle", "nameGap": 30, "nameTextStyle": text,
                  "axisLabel": {**text, "hideOverlap": True}, "boundaryGap": False},
        "yAxis": {"type": "value", "axisLabel": text, "scale": percent,
                  **({"max": 100} if percent else {}), **({"minInterval": 1} if counts else {})},
        "series": lines,
    }  # fmt: skip
    if interval is not None:
        option["xAxis"]["axisLabel"]["interval"] = interval
        option["xAxis"]["axisTick"] = {"interval": interval}
    if len(lines) > 1:
        option["legend"] = {"top": 30, "textStyle": text, "data": [s["name"] for s in lines]}
    return option
