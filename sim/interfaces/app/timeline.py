"""The exercise's timeline: warnings in force, the storm's closest approach, landfalls and
injects over model time, drawn as an HTML strip the room can read from the back.

:func:`timeline_data` copies what the strip shows from a running model (milliseconds, under
the session's lock); :func:`timeline_html` draws it without the model; :func:`next_event_h`
is where the "to next event" step goes. Only what has happened is drawn (the warnings issued
so far, the injects applied): the trainees watch the same page, and a scripted warning shown
before it is issued would tell them what is coming. The storm's closest approach is drawn
ahead, as forecasts announce it. Sources:

- warnings: :attr:`sim.agents.warning_centre.WarningCentre.issued` (replayed or decided);
- closest approach of the storm centre to the city's reference point:
  :func:`sim.hazards.approach.track_pass` on the typhoon's track in use (a landfall inject
  replaces it);
- landfall: the ``typhoon_landfall`` events applied (event time + ``landfall_in_h``); a best
  track carries no landfall flag, so a replayed storm shows its closest approach only;
- events and injects: :attr:`sim.models.event_engine.EventEngine.applied` (scripted events
  other than warnings, and the trainer's injects, live or replayed).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

from sim.hazards.approach import REACH_KM, track_pass
from sim.interfaces.app.mapview import ALERT_COLOURS
from sim.scenario import ALERT_LEVELS

TEXT_ON = {"none": "#333333", "blue": "#ffffff", "yellow": "#222222", "orange": "#222222",
           "red": "#ffffff"}  # fmt: skip
"""Text colour on each level's colour (contrast: white on blue and red, dark on the others)."""
MARKER_COLOURS = {"inject": "#6a3d9a", "scenario event": "#555555", "closest approach": "#000000",
                  "landfall": "#b2182b"}  # fmt: skip
"""Colour of each kind of marker on the events row."""
LABEL_EM_PER_CHAR = 0.6
"""Mean width of a character of the strip's sans-serif font, em (assumption: a typical
sans-serif averages 0.5-0.6 em; the upper end, so that a name is not under-estimated)."""
TRACK_MIN_PX = 900.0
"""Narrowest events track the estimate assumes, pixels (assumption: the room's page on a
1,600-pixel screen, a card of about 1,100 pixels less the 12 em row label)."""
FONT_PX = 16.0
"""Font size of the strip's text, pixels (:data:`STYLE`)."""
MIN_LABEL_SHARE = 0.06
"""A warning segment narrower than this share of the strip carries no text (its hover does)."""


@dataclass(frozen=True)
class WarningSpan:
    """A warning level in force for one hazard, from ``start_h`` to ``end_h`` (model hours).

    ``end_h`` is the next issue for that hazard, or the time now for the level in force."""

    hazard: str
    level: str
    start_h: float
    end_h: float
    source: str


@dataclass(frozen=True)
class Marker:
    """A moment on the events row: ``kind`` (a key of :data:`MARKER_COLOURS`), model hour and
    the text shown on hover."""

    kind: str
    t_h: float
    text: str


@dataclass(frozen=True)
class Timeline:
    """What the strip shows, copied from the model (:func:`timeline_data`).

    Attributes:
        now_h, duration_h: the clock and the horizon, model hours.
        start_utc: model hour 0 (UTC); ``utc_offset_h`` the city's offset (local time).
        hazards: rows of the strip, one per hazard the warning centre warns of.
        warnings: the spans issued so far, in issue order.
        markers: closest approach, landfalls, scripted events and injects.
        pending_h: model hours of what is still to come: scripted events, journal injects
            queued for replay, closest approach and landfalls (their content is not shown).
    """

    now_h: float
    duration_h: float
    start_utc: pd.Timestamp
    utc_offset_h: float
    hazards: tuple[str, ...]
    warnings: tuple[WarningSpan, ...]
    markers: tuple[Marker, ...]
    pending_h: tuple[float, ...]

    def local(self, t_h: float) -> str:
        """Local time of model hour ``t_h`` (``"09 Aug 22:10"``)."""
        stamp = self.start_utc + pd.Timedelta(hours=t_h + self.utc_offset_h)
        return stamp.strftime("%d %b %H:%M")


def warning_spans(issued, now_h: float) -> list[WarningSpan]:
    """Spans of the levels in force from the warning centre's issue log.

    Args:
        issued: (t_h, hazard, level, source) in issue order
            (:attr:`~sim.agents.warning_centre.WarningCentre.issued`).
        now_h: the time now; the last level of each hazard runs to it.

    Returns:
        One span per issue, ending at the next issue for the same hazard (or now); a span of
        no length (issues at one instant, e.g. the levels in force before the start, all
        applied at 0 h) is left out unless it is the level in force.
    """
    spans: list[WarningSpan] = []
    open_by_hazard: dict[str, int] = {}
    for t_h, hazard, level, source in issued:
        if hazard in open_by_hazard:
            k = open_by_hazard[hazard]
            prev = spans[k]
            spans[k] = WarningSpan(prev.hazard, prev.level, prev.start_h, float(t_h), prev.source)
        open_by_hazard[hazard] = len(spans)
        spans.append(WarningSpan(hazard, level, float(t_h), float(now_h), str(source)))
    in_force = set(open_by_hazard.values())  # the last span of each hazard, even if empty
    return [s for k, s in enumerate(spans) if s.end_h > s.start_h or k in in_force]


def closest_approach(model) -> Marker | None:
    """The storm centre's closest approach to the city's reference point, or None without a
    typhoon (:func:`sim.hazards.approach.track_pass`, geodesic on WGS84)."""
    track = getattr(model.hazard, "track", None)
    if track is None:
        return None
    ref = model.city.profile.reference_point
    try:
        passage = track_pass(track, ref.lon, ref.lat, REACH_KM)
    except ValueError:  # a track the pass cannot use: the run's readers have refused worse
        return None
    t_h = (pd.Timestamp(passage.closest_utc, tz="UTC") - model.start_utc).total_seconds() / 3600
    text = (
        f"storm centre closest to {model.city.profile.name}: {passage.closest_km:,.0f} km "
        f"from its reference point ({passage.closest_lat:.1f}° N, {passage.closest_lon:.1f}° E)"
    )
    return Marker("closest approach", float(t_h), text)


def _event_markers(model) -> tuple[list[Marker], list[float]]:
    """Markers of the events applied so far, and the hours of scripted events and landfalls
    still to come."""
    now = float(model.time)
    markers, pending = [], []
    for t_h, kind, source, desc in model.engine.applied:
        if kind == "warning" and source != "inject":
            continue  # scripted warnings are drawn as spans only
        who = "inject" if source == "inject" else "scenario event"
        markers.append(Marker(who, float(t_h), f"{kind}: {desc}" if desc else kind))
    start_s = model.start_utc_s
    for ev in model.config.events:
        t_h = ev.time_h(start_s)
        if t_h > now:
            pending.append(t_h)
    for ev in model.config.events:
        if ev.type == "typhoon_landfall":
            landfall_h = ev.time_h(start_s) + ev.landfall_in_h
            if ev.time_h(start_s) <= now:
                text = f"landfall at {ev.landfall_lon:.2f}° E, {ev.landfall_lat:.2f}° N"
                markers.append(Marker("landfall", landfall_h, text))
            pending.append(landfall_h)
    return markers, pending


def _journal_landfalls(entries, now_h: float) -> tuple[list[Marker], list[float]]:
    """Landfall markers of applied ``typhoon_landfall`` injects, and the hours of journal
    entries (and their landfalls) still to come in a replay."""
    markers, pending = [], []
    for entry in entries:
        ev = entry.event
        if entry.t_h > now_h:
            pending.append(float(entry.t_h))
        if ev.get("type") != "typhoon_landfall":
            continue
        landfall_h = float(entry.t_h) + float(ev.get("landfall_in_h", 6.0))
        pending.append(landfall_h)
        if entry.t_h <= now_h:
            where = f"{ev.get('landfall_lon', '?')}° E, {ev.get('landfall_lat', '?')}° N"
            markers.append(Marker("landfall", landfall_h, f"landfall at {where} (inject)"))
    return markers, pending


def timeline_data(session) -> Timeline:
    """The strip's data now: reads the session's model and journal (milliseconds; callers hold
    the session's lock) and copies what it reads.

    Args:
        session: an :class:`~sim.interfaces.exercise.session.ExerciseSession`.
    """
    model = session.model
    now = float(model.time)
    duration = float(model.config.time.duration_h)
    centre = model.warning_centre
    markers, pending = _event_markers(model)
    more, later = _journal_landfalls(session.journal.entries, now)
    markers += more
    pending += later
    approach = closest_approach(model)
    if approach is not None:
        pending.append(approach.t_h)
        if 0.0 <= approach.t_h <= duration:  # a pass outside the window is not on the strip
            markers.append(approach)
    hazards = tuple(dict.fromkeys([*centre.levels, *(h for _, h, _, _ in centre.issued)]))
    return Timeline(
        now_h=now,
        duration_h=duration,
        start_utc=model.start_utc,
        utc_offset_h=float(model.city.profile.utc_offset_h),
        hazards=hazards,
        warnings=tuple(warning_spans(centre.issued, now)),
        markers=tuple(sorted(markers, key=lambda m: m.t_h)),
        pending_h=tuple(sorted(t for t in pending if math.isfinite(t) and t > now)),
    )


def next_event_h(timeline: Timeline) -> float:
    """Where the "to next event" step goes: the whole hour at or after the next thing on the
    timeline after now (a scripted event, a queued inject, the closest approach, a landfall),
    so the event has happened and the clock stays on the hourly grid of the records; the
    horizon when nothing is left."""
    ahead = [t for t in timeline.pending_h if timeline.now_h + 1e-6 < t < timeline.duration_h]
    if not ahead:
        return timeline.duration_h
    return min(float(math.ceil(min(ahead) - 1e-6)), timeline.duration_h)


def _pct(t_h: float, duration_h: float) -> float:
    """Position of model hour ``t_h`` on the strip, % of its width (clipped to 0-100)."""
    return min(max(100.0 * t_h / duration_h, 0.0), 100.0)


def tick_step_h(span_h: float) -> int:
    """Hours between labelled ticks of a time axis spanning ``span_h`` hours: 6 h up to 48 h,
    12 h up to 120 h, else 24 h (a quarter, half or whole day: 5 to 10 labels; the timeline
    and the charts use the same rule)."""
    return 6 if span_h <= 48 else 12 if span_h <= 120 else 24


def _tick_hours(duration_h: float) -> list[float]:
    """Tick marks every :func:`tick_step_h` hours from 0 h."""
    return [float(t) for t in range(0, int(duration_h) + 1, tick_step_h(duration_h))]


ROW_LABELS = {"typhoon": "Typhoon warning", "rainstorm": "Rainstorm warning"}
"""Row titles of the hazards' warnings (others: "<Hazard> warning")."""
MARKER_SYMBOLS = {"inject": "▲", "scenario event": "■", "closest approach": "◆",
                  "landfall": "●"}  # fmt: skip
"""Symbol of each kind of marker (its legend entry shows the same)."""
STYLE = """
#timeline {font-size: 16px; line-height: 1.3; user-select: none}
#timeline .tl-row {display: flex; align-items: center; margin: 4px 0}
#timeline .tl-label {flex: 0 0 12em; font-weight: 500}
#timeline .tl-track {position: relative; flex: 1 1 auto; height: 34px;
  background: #f4f4f4; border: 1px solid #bbb}
#timeline .tl-axis .tl-track {background: none; border: none; height: 22px}
#timeline .tl-events .tl-track {height: 48px}
#timeline .tl-span {position: absolute; top: 0; bottom: 0; overflow: hidden; line-height: 34px;
  white-space: nowrap; text-align: center; font-weight: 600; border-right: 1px solid #fff}
#timeline .tl-tick {position: absolute; transform: translateX(-50%); white-space: nowrap}
#timeline .tl-now {position: absolute; top: -4px; bottom: -4px; border-left: 3px solid #000}
#timeline .tl-future {position: absolute; top: 0; bottom: 0; right: 0;
  background: repeating-linear-gradient(45deg, #e4e4e4 0 6px, #f4f4f4 6px 12px)}
#timeline .tl-approach {position: absolute; top: 0; bottom: 0; border-left: 2px dashed #000}
#timeline .tl-marker {position: absolute; transform: translateX(-0.5em); white-space: nowrap;
  font-size: 16px; cursor: default}
#timeline .tl-legend {margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px 18px}
#timeline .tl-swatch {display: inline-block; width: 1.4em; height: 1em; vertical-align: middle;
  border: 1px solid #999; margin-right: 4px}
"""
"""CSS of the strip (fonts at 16 px, i.e. 12 pt)."""


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _span_html(span: WarningSpan, tl: Timeline) -> str:
    left = _pct(span.start_h, tl.duration_h)
    width = _pct(span.end_h, tl.duration_h) - left
    label = span.level if width >= 100 * MIN_LABEL_SHARE else ""
    until = "now" if span.end_h == tl.now_h else f"{span.end_h:g} h ({tl.local(span.end_h)})"
    hover = (
        f"{ROW_LABELS.get(span.hazard, span.hazard)}: {span.level} from {span.start_h:g} h "
        f"({tl.local(span.start_h)}) to {until}; source: {span.source}"
    )
    return (
        f'<div class="tl-span" data-level="{_attr(span.level)}" title="{_attr(hover)}" '
        f'style="left:{left:.3f}%;width:{width:.3f}%;background:'
        f'{ALERT_COLOURS[ALERT_LEVELS.index(span.level)]};color:{TEXT_ON[span.level]}">'
        f"{html.escape(label)}</div>"
    )


def label_on_left(left_pct: float, n_chars: int, now_pct: float) -> bool:
    """Whether a marker's name goes to the left of its symbol: on the right unless it would
    run past the strip's end or over the "now" line there, and the left side is free of both.

    Args:
        left_pct: the marker's place, % of the strip.
        n_chars: characters of the symbol and name as drawn.
        now_pct: the "now" line's place, % of the strip.

    Returns:
        True for the left side. The name's width is estimated, not measured (the page is
        drawn by the browser): ``n_chars`` × :data:`LABEL_EM_PER_CHAR` em at
        :data:`FONT_PX` on a track of :data:`TRACK_MIN_PX` (assumptions, see there).
    """
    width = 100.0 * n_chars * LABEL_EM_PER_CHAR * FONT_PX / TRACK_MIN_PX
    right_free = left_pct + width <= 100.0 and not left_pct < now_pct < left_pct + width
    if right_free:
        return False
    left_free = left_pct - width >= 0.0 and not left_pct - width < now_pct < left_pct
    return left_free or left_pct + width > 100.0


def _marker_html(marker: Marker, tl: Timeline, row: int) -> str:
    left = _pct(marker.t_h, tl.duration_h)
    hover = f"{marker.kind} at {marker.t_h:g} h ({tl.local(marker.t_h)}): {marker.text}"
    name = marker.text.split(":")[0] if marker.kind in ("inject", "scenario event") else marker.kind
    top = 2 + 22 * (row % 2)  # alternate rows so neighbours' labels do not overlap as often
    line = (
        f'<div class="tl-approach" style="left:{left:.3f}%"></div>'
        if marker.kind in ("closest approach", "landfall")
        else ""
    )
    n_chars = len(name) + 2  # the symbol, a space and the name
    symbol, name = MARKER_SYMBOLS[marker.kind], html.escape(name)
    if label_on_left(left, n_chars, _pct(tl.now_h, tl.duration_h)):
        shift, text = "transform:translateX(calc(0.5em - 100%));", f"{name} {symbol}"
    else:
        shift, text = "", f"{symbol} {name}"
    return (
        f'{line}<div class="tl-marker" data-kind="{_attr(marker.kind)}" title="{_attr(hover)}" '
        f'style="left:{left:.3f}%;top:{top}px;{shift}color:{MARKER_COLOURS[marker.kind]}">'
        f"{text}</div>"
    )


def _track(inner: str, tl: Timeline) -> str:
    now = _pct(tl.now_h, tl.duration_h)
    future = f'<div class="tl-future" style="left:{now:.3f}%"></div>' if now < 100 else ""
    line = f'<div class="tl-now" style="left:{now:.3f}%"></div>'
    return f'<div class="tl-track">{future}{inner}{line}</div>'


def _legend_html(tl: Timeline) -> str:
    """The strip's legend: the warning colours, then an entry for each kind of marker drawn
    (a landfall is listed only when the strip shows one: a best track carries no landfall,
    and nothing the app holds says where land is outside the city), the now line and the
    hatching."""
    drawn = {m.kind for m in tl.markers}
    swatches = "".join(
        f'<span><span class="tl-swatch" style="background:{ALERT_COLOURS[i]}"></span>'
        f"{'no warning' if level == 'none' else level}</span>"
        for i, level in enumerate(ALERT_LEVELS)
    )
    marks = "".join(
        f'<span style="color:{MARKER_COLOURS[kind]}">{MARKER_SYMBOLS[kind]} {kind}</span>'
        for kind in MARKER_COLOURS
        if kind in drawn
    )
    return (
        f'<div class="tl-legend">{swatches}{marks}<span>│ now (black line)</span>'
        "<span>hatched: still to come</span></div>"
    )


def timeline_html(tl: Timeline) -> str:
    """The strip as HTML (inline styles; text escaped): a time axis in model hours, one row
    of coloured warning spans per hazard, a row of markers, the "now" line and a legend of
    the colours and of the kinds of marker drawn.
    Hovering a span or marker shows its times (model hours and local time) and source."""
    ticks = "".join(
        f'<span class="tl-tick" style="left:{_pct(t, tl.duration_h):.3f}%">{t:g} h</span>'
        for t in _tick_hours(tl.duration_h)
    )
    rows = [
        '<div class="tl-row tl-axis"><span class="tl-label">Time since start (h)</span>'
        f'<div class="tl-track">{ticks}</div></div>'
    ]
    for hazard in tl.hazards:
        spans = "".join(_span_html(s, tl) for s in tl.warnings if s.hazard == hazard)
        title = ROW_LABELS.get(hazard, f"{hazard.capitalize()} warning")
        rows.append(
            f'<div class="tl-row" data-hazard="{_attr(hazard)}"><span class="tl-label">'
            f"{html.escape(title)}</span>{_track(spans, tl)}</div>"
        )
    marks = "".join(_marker_html(m, tl, i) for i, m in enumerate(tl.markers))
    rows.append(
        '<div class="tl-row tl-events"><span class="tl-label">Storm, events, injects</span>'
        f"{_track(marks, tl)}</div>"
    )
    now = f"now: {tl.now_h:g} h ({tl.local(tl.now_h)} local) of {tl.duration_h:g} h"
    return (
        f'<style>{STYLE}</style><div id="timeline"><div class="tl-now-text">{html.escape(now)}'
        f"</div>{''.join(rows)}{_legend_html(tl)}</div>"
    )
