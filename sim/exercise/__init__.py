"""Tabletop exercises: live injects, the session journal, replay and after-action review.

Modules: :mod:`~sim.exercise.effects` (what each event does), :mod:`~sim.exercise.engine`
(when events apply, inside :class:`~sim.model.CityModel`), :mod:`~sim.exercise.session`
(a live session), :mod:`~sim.exercise.journal` (journal files), :mod:`~sim.exercise.replay`
(batch replay) and :mod:`~sim.exercise.after_action` (comparison with a baseline run).
Import those modules directly (this package imports nothing, so the model can use the engine).
"""
