"""The exercise one browser session drives, with the trainer check on every change.

:class:`SessionController` wraps the exercise engine's :class:`ExerciseSession`
(sim.interfaces.exercise.session): stepping, injects, the journal and its replay are the engine's;
this
class adds the role check, the lock, display-ready error messages and the chart history.

All methods hold one lock: the play loop steps in a worker thread while the trainer injects
from the page's event handler.
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
from sim.interfaces.app.readout import hourly_history, outcomes
from sim.interfaces.exercise.journal import Journal, fit_problems
from sim.interfaces.exercise.session import ExerciseSession


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
    ):
        self._scenario = scenario
        self.city_state = city_state
        self.scenario_path = scenario_path
        self.overrides = tuple(overrides)
        self.role = role
        self.shared = False  # True: several browsers drive and watch this one exercise
        self.lock = threading.RLock()
        self.notes: list[str] = []
        self._box = SimpleNamespace(session=None)  # shared by every view of this exercise
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

    def history(self) -> pd.DataFrame:
        """Chart series (:func:`sim.interfaces.app.readout.hourly_history`)."""
        with self.lock:
            return hourly_history(self.session)

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
