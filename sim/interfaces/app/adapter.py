"""The exercise one browser session drives, with the trainer check on every change.

:class:`SessionController` wraps the exercise engine's :class:`ExerciseSession`
(sim.interfaces.exercise.session): stepping, injects, the journal and its replay are the engine's;
this
class adds the role check, the lock, display-ready error messages and the chart history.

One lock per exercise, shared by all its views: the play loop steps in a worker thread while
the trainer injects from the page's event handler. Changes hold it for as long as they take;
reads (outcomes, charts, map, the after-action review) hold it only to copy what they show
(milliseconds) and draw or compute outside it, so no view, least of all a read-only viewer's,
can stall the exercise: the review's baseline run (seconds) runs outside the lock, once per
scenario and hour for every view (:class:`~sim.interfaces.exercise.after_action.BaselineCache`).
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from pydantic import ValidationError

from sim.core.yaml_input import YamlInputError, load_yaml
from sim.interfaces.app.auth import TRAINER, require_trainer
from sim.interfaces.app.mapview import draw_map, map_data, map_svg
from sim.interfaces.app.readout import hourly_history, network_rows, outcomes, shown_layers
from sim.interfaces.app.timeline import Timeline, next_event_h, timeline_data
from sim.interfaces.exercise.after_action import AfterAction, BaselineCache, review, snapshot
from sim.interfaces.exercise.journal import Journal, fit_problems, scenario_warnings
from sim.interfaces.exercise.session import ExerciseSession

MAP_CACHE_SIZE = 8
"""Maps kept per exercise (colourings and layer choices of the state now)."""
BASELINES = BaselineCache()
"""The server process's baselines, shared by every session (the same scenario and city give
the same baseline)."""


class AppInputError(ValueError):
    """An inject or journal the page cannot use; the message is fit for display."""


def describe_validation(exc: ValidationError) -> str:
    """One line per problem: ``field.path: message``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"{loc or '(event)'}: {err['msg']}")
    return "; ".join(lines)


class SessionController:
    """One browser session's exercise.

    Args:
        scenario: validated scenario (the controller deep-copies it).
        role: ``"trainer"`` or ``"viewer"`` (see :mod:`sim.interfaces.app.auth`); may change later.
        scenario_path, overrides: where the scenario came from (written into the journal so
            ``citysafe run SCENARIO --journal FILE`` replays it).
        city_state: the city state of a long run's shock the exercise starts from, or None.
        baselines: where after-action baselines are computed and kept (default: the process's
            :data:`BASELINES`).

    Attributes:
        notes: log lines shown in the page (applied injects, loads).
    """

    def __init__(
        self,
        scenario,
        role: str = TRAINER,
        scenario_path: Path | str = "",
        overrides: tuple[str, ...] | list[str] = (),
        city_state=None,
        baselines: BaselineCache | None = None,
    ):
        self._scenario = scenario
        self._baselines = BASELINES if baselines is None else baselines
        self.city_state = city_state
        self.scenario_path = scenario_path
        self.overrides = tuple(overrides)
        self.role = role
        self.shared = False  # True: several browsers drive and watch this one exercise
        self.lock = threading.RLock()
        self.notes: list[str] = []
        # shared by every view of this exercise: the session and the maps drawn of it
        self._box = SimpleNamespace(session=None, maps={})
        self._new_session(None)

    def view(self, role: str) -> SessionController:
        """Another browser's handle on the SAME exercise (``--share``), with its own role.

        Views share the session, lock and log; each checks its own role. In a shared
        exercise the clock is a change too: only a trainer steps, plays or resets it.
        """
        other = copy.copy(self)
        other.role = role
        other.shared = True
        self.shared = True
        return other

    @property
    def session(self) -> ExerciseSession:
        return self._box.session

    @session.setter
    def session(self, value: ExerciseSession) -> None:
        self._box.session = value

    def version(self) -> tuple:
        """Changes whenever what the page shows may have changed (clock, injects, log,
        reset or load): pages of a shared exercise poll it to redraw."""
        return (id(self.session), self.t_h, len(self.session.journal.entries), len(self.notes))

    # ------------------------------------------------------------------ state
    def _new_session(self, journal) -> None:
        scen = self._scenario.model_copy(deep=True)
        self.session = ExerciseSession(scen, journal, self.city_state)
        # what `citysafe run SCENARIO --journal FILE` needs to replay this session
        self.session.journal.scenario = str(self.scenario_path)
        self.session.journal.overrides = list(self.overrides)

    @property
    def scenario_name(self) -> str:
        return str(self._scenario.name)

    @property
    def model(self):
        return self.session.model

    @property
    def t_h(self) -> float:
        return float(self.session.model.time)

    @property
    def duration_h(self) -> float:
        return float(self._scenario.time.duration_h)

    @property
    def done(self) -> bool:
        return bool(self.session.done)

    def outcomes(self) -> dict:
        with self.lock:
            return outcomes(self.session.model)

    def layers(self) -> tuple[str, ...]:
        """The exercise's layers the page lists and draws
        (:func:`sim.interfaces.app.readout.shown_layers`)."""
        with self.lock:
            return shown_layers(self.session.model)

    def network_rows(self) -> list[dict]:
        """Each layer's state now (:func:`sim.interfaces.app.readout.network_rows`)."""
        with self.lock:
            return network_rows(self.session.model)

    def history(self) -> pd.DataFrame:
        """Chart series (:func:`sim.interfaces.app.readout.hourly_history`; a few
        milliseconds under the lock: hours × districts rows)."""
        with self.lock:
            return hourly_history(self.session)

    def map_figure(self, colour_by: str = "alert level", layers: tuple[str, ...] = ()):
        """The map now: its data copied under the lock (milliseconds), drawn outside it
        (:mod:`sim.interfaces.app.mapview`), so a stepping model is never read half-way."""
        with self.lock:
            data = map_data(self.session.model, colour_by, layers)
        return draw_map(data)

    def map_svg(self, colour_by: str = "alert level", layers: tuple[str, ...] = ()) -> str:
        """The map now as SVG text (:func:`~sim.interfaces.app.mapview.map_svg`): the model is
        read under the lock, drawn outside it, and kept for every view of this exercise until
        it changes (:meth:`version`), so a room of viewers costs one drawing per change, not
        one each (a drawing takes about half a second)."""
        with self.lock:
            key = (self.version(), colour_by, tuple(layers))
            svg = self._box.maps.get(key)
            if svg is not None:
                return svg
            data = map_data(self.session.model, colour_by, layers)
        svg = map_svg(draw_map(data))
        maps = self._box.maps
        if len(maps) >= MAP_CACHE_SIZE:
            maps.clear()
        maps[key] = svg
        return svg

    def timeline(self) -> Timeline:
        """The timeline's data now (:func:`~sim.interfaces.app.timeline.timeline_data`: copied
        under the lock in milliseconds)."""
        with self.lock:
            return timeline_data(self.session)

    def step_to_next_event(self) -> float:
        """Advance to the next moment on the timeline (a scripted event, a queued inject, the
        storm's closest approach, a landfall; :func:`~sim.interfaces.app.timeline.next_event_h`)
        or to the horizon when none is left; returns the hours advanced.

        Raises:
            ReadOnlyError: a viewer of a shared exercise (as :meth:`step`).
        """
        with self.lock:
            hours = next_event_h(timeline_data(self.session)) - self.t_h
            self.step(hours)
        return hours

    def after_action(self) -> AfterAction:
        """The after-action review now: the timeline and the outcomes against the same
        scenario without injects at the same hour (:mod:`sim.interfaces.exercise.after_action`).

        Anyone may ask, viewers too: the lock is held only to snapshot the live model
        (milliseconds); the baseline run (seconds) is computed outside it, once per scenario
        and hour for every view and session of this server (:data:`BASELINES`), so the
        trainer steps and injects meanwhile.
        """
        with self.lock:
            snap = snapshot(self.session.model)
        return review(snap, self._baselines)

    # ------------------------------------------------------------------ anyone
    def step(self, hours: float = 1.0) -> None:
        """Advance by ``hours`` (clipped at the horizon). Anyone steps their own session; in
        a shared exercise only a trainer does (viewers watch).

        Raises:
            ReadOnlyError: a viewer of a shared exercise.
        """
        if self.shared:
            require_trainer(self.role, "advancing the shared exercise's clock")
        with self.lock:
            hours = min(float(hours), self.duration_h - self.t_h)
            if hours <= 1e-9:
                return
            self.session.step(hours)

    def journal_yaml(self) -> str:
        """The journal so far as YAML (for download)."""
        with self.lock:
            return self.session.journal.to_yaml()

    # ------------------------------------------------------------------ trainer only
    def inject(self, event: dict, by: str = "trainer") -> str:
        """Validate and apply one inject now (its time is the session's clock); returns a
        line for the page.

        Raises:
            ReadOnlyError: viewer session.
            AppInputError: malformed or inapplicable inject (nothing applied).
        """
        require_trainer(self.role, "injects")
        kind = event.get("type", "?") if isinstance(event, dict) else "?"
        with self.lock:
            try:
                self.session.inject(event, by=by)
            except ValidationError as exc:
                raise AppInputError(f"inject {kind}: {describe_validation(exc)}") from None
            except ValueError as exc:  # InjectError: malformed, unknown names, horizon reached
                raise AppInputError(f"inject {kind}: {exc}") from None
            applied = self.session.model.engine.applied
            desc = applied[-1][3] if applied else ""
        note = f"t={self.t_h:g} h: {kind} applied" + (f" ({desc})" if desc else "")
        self.notes.append(note)
        return note

    def inject_yaml(self, text: str) -> str:
        """An inject typed as YAML/JSON (``{type: road_collapse, district: <name>}``).

        Raises:
            ReadOnlyError, AppInputError: as :meth:`inject`; also unparsable text.
        """
        require_trainer(self.role, "injects")
        try:
            data = load_yaml(text)
        except YamlInputError as exc:
            raise AppInputError(f"inject is not valid YAML ({exc.where}): {exc.message}") from None
        return self.inject(data)

    def reset(self) -> None:
        """Fresh model, same seed, empty journal (trainer only)."""
        require_trainer(self.role, "reset")
        with self.lock:
            self._new_session(None)
            self.notes.append("reset: fresh model, empty journal")

    def save_journal(self, folder: Path) -> Path:
        """Write the journal under ``folder`` (a server-side folder, trainer only)."""
        require_trainer(self.role, "saving the journal on the server")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = f"{self._scenario.name}-t{self.t_h:g}h"
        path = folder / f"journal-{stamp}.yaml"
        k = 1
        while path.exists():
            k += 1
            path = folder / f"journal-{stamp}-{k}.yaml"
        path.write_text(self.journal_yaml())
        self.notes.append(f"journal saved to {path}")
        return path

    def load_journal_text(self, text: str, source: str = "uploaded journal") -> int:
        """Replace the session by a replay of a journal (YAML text); returns its entry count.

        The journal's injects apply at their times as the clock advances (step or play).

        Raises:
            ReadOnlyError: viewer session.
            AppInputError: not a valid journal, or one that does not fit this scenario
                (:func:`~sim.interfaces.exercise.journal.fit_problems`); the current session
                is kept.
        """
        require_trainer(self.role, "loading a journal")
        journal = self._parse_journal(text, source)
        with self.lock:
            # what `citysafe validate/run --journal` refuse, with the same messages
            problems = fit_problems(journal, self.session.model, source)
            if problems:
                raise AppInputError("\n".join(str(p) for p in problems))
            current = self.session
            try:
                self._new_session(journal)
            except ValueError as exc:  # a name the model refuses that the check missed
                self.session = current  # the running exercise is kept as it was
                raise AppInputError(f"{source}: {exc}") from None
        n = len(journal.entries)
        # what `citysafe validate/run --journal` warn of: another scenario, or another version
        self.notes += scenario_warnings(journal, self.session.model, source, self.scenario_path)
        if journal.seed not in (None, self._scenario.seed) or (
            journal.overrides and tuple(journal.overrides) != self.overrides
        ):
            self.notes.append(
                f"warning: {source} was made with seed {journal.seed} and overrides "
                f"{journal.overrides}; this server runs seed {self._scenario.seed} with "
                f"{list(self.overrides)}, so outcomes may differ"
            )
        self.notes.append(f"loaded {source}: {n} inject(s); step or play to replay them")
        return n

    @staticmethod
    def _parse_journal(text: str, source: str) -> Journal:
        try:
            return Journal.from_yaml(text, source)
        except ValueError as exc:  # JournalError
            raise AppInputError(str(exc)) from None
