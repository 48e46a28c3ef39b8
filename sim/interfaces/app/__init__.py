"""Tabletop-exercise web app (``citysafe app``): a solara page per browser session.

Modules: :mod:`settings` (what the launcher passes by environment), :mod:`auth` (trainer
token), :mod:`adapter` (the exercise session the page drives), :mod:`readout` (numbers shown
and their labels), :mod:`mapview` (the district map, drawn with matplotlib as SVG),
:mod:`timeline` (warnings, closest approach and injects as an HTML strip), :mod:`charts`
(ECharts options), :mod:`forms` (inject forms from the event schema), :mod:`page` (the solara
page), :mod:`server` and :mod:`commands` (the launcher).
"""
