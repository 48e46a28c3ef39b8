"""Tabletop exercises: live injects, the session journal, replay and after-action review.

Modules: :mod:`~sim.models.event_effects` (what each event does), :mod:`~sim.models.event_engine`
(when events apply, inside :class:`~sim.models.emergency.CityModel`),
:mod:`~sim.interfaces.exercise.session`
(a live session), :mod:`~sim.interfaces.exercise.journal` (journal files),
:mod:`~sim.interfaces.exercise.replay`
(batch replay) and :mod:`~sim.interfaces.exercise.after_action` (comparison with a baseline run).
Import those modules directly (this package imports nothing, so the model can use the engine).
"""
