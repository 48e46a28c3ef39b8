"""Tabletop-exercise web app (``citysafe app``): a solara page per browser session.

Modules: :mod:`settings` (what the launcher passes by environment), :mod:`auth` (trainer
token), :mod:`adapter` (the exercise session the page drives), :mod:`readout` (numbers shown),
:mod:`mapview` and :mod:`charts` (matplotlib figures), :mod:`forms` (inject forms from the event
schema), :mod:`page` (the solara page), :mod:`server` and :mod:`commands` (the launcher).
"""
