"""A live exercise session: the trainer advances the model and injects events.

The session drives one :class:`~sim.models.emergency.CityModel`: :meth:`ExerciseSession.step`
advances
it hour by hour (queued journal injects and scripted events apply on the way), and
:meth:`ExerciseSession.inject` applies an event at the current time — after every model
process of that instant — and appends it to the journal. Replaying the journal (a new session
with ``journal=``, or ``citysafe run SCENARIO --journal FILE``) applies each inject at the same
point, so the replay is identical to the live session (see :mod:`sim.models.event_engine`).
"""

from __future__ import annotations

import math

import pandas as pd
from pydantic import ValidationError

from sim.interfaces.exercise.journal import Journal, JournalEntry, fit_problems
from sim.models.emergency import CityModel
from sim.models.event_effects import InjectError
from sim.response.resources import TEAM_SLICE
from sim.scenario.events import EVENT_ADAPTER, INJECT_TYPES, Event
from sim.scenario.loader import validation_problems
from sim.scenario.schema import Scenario
from sim.scenario.suggest import closest

__all__ = ["ExerciseSession", "InjectError"]


class ExerciseSession:
    """One tabletop exercise on a scenario.

    Args:
        scenario: the validated scenario (its seed makes the run reproducible).
        journal: injects to replay (each applies at its ``t_h``); they stay in
            :attr:`journal`, and new injects are appended after them.
        city_state: the city a long run left at a shock
            (:func:`sim.results.shocks.read_shock`); None: the scenario's own city.

    Raises:
        InjectError: the journal does not fit the scenario, as ``citysafe run --journal``
            refuses it (:func:`sim.interfaces.exercise.journal.fit_problems`: an entry at or
            past the horizon, which would never apply; an unknown district, depot or
            crossing; another city): every problem in one message.
    """

    def __init__(self, scenario: Scenario, journal: Journal | None = None, city_state=None) -> None:
        if not isinstance(scenario, Scenario):
            raise InjectError("exercises run on emergency scenarios (not kind: long_run)")
        self.scenario = scenario
        self.city_state = city_state
        self._replay = journal
        self.reset()
        if journal is not None:  # what follows is recorded on this scenario
            self.journal = self._new_journal(
                entries=list(journal.entries),
                scenario=journal.scenario,
                overrides=list(journal.overrides),
            )
            problems = fit_problems(journal, self.model, "journal")
            if problems:  # the CLI's and the app's checks, so no entry is dropped silently
                raise InjectError("; ".join(f"{p.field}: {p.message}" for p in problems))
            events = journal.events()
            for ev in events:
                self.model.engine.schedule_inject(ev, float(ev.at_h))

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Fresh model, same seed, empty journal."""
        self.model = CityModel(self.scenario, city_state=self.city_state)
        self.journal = self._new_journal(scenario=self.scenario.name)
        self._finished = False

    def _new_journal(self, **fields) -> Journal:
        """A journal recording this session's scenario, city and seed (and ``fields``)."""
        city = self.model.city.profile.name
        return Journal.recorded_on(self.scenario, city, seed=self.scenario.seed, **fields)

    @property
    def done(self) -> bool:
        """True once the model reached the scenario's horizon."""
        return self.model.time >= self.scenario.time.duration_h - 1e-9

    def step(self, hours: float = 1.0) -> None:
        """Advance ``hours`` (capped at the horizon); at the horizon the run is finalised.

        Raises:
            InjectError: ``hours`` not a positive finite number.
        """
        if not (isinstance(hours, int | float) and math.isfinite(hours) and hours > 0):
            raise InjectError(f"step by a positive number of hours, got {hours!r}")
        if self.done:
            return
        self.model.advance(self.model.time + float(hours))
        if self.done and not self._finished:
            self.model.finish()
            self._finished = True

    def inject(self, event: dict, by: str = "trainer") -> JournalEntry:
        """Validate ``event`` (a mapping of sim.scenario.events without a time), apply it now
        and journal it.

        Raises:
            InjectError: the exercise is over, or the event is malformed (message lists each
                bad field and, for names, the valid ones; an unknown key or type gets the
                closest valid one); nothing is applied then.
        """
        if self.done:
            raise InjectError("the exercise has reached its horizon: reset to start again")
        if not isinstance(event, dict):
            raise InjectError(f"an inject is a mapping with a 'type', got {type(event).__name__}")
        kind = event.get("type")
        if kind not in INJECT_TYPES:
            hint = closest(kind, INJECT_TYPES) if isinstance(kind, str) else None
            raise InjectError(
                f"unknown inject type {kind!r}; valid: {', '.join(INJECT_TYPES)}"
                + (f"; did you mean {hint!r}?" if hint else "")
            )
        now = float(self.model.time)
        body = {k: v for k, v in event.items() if k not in ("at_h", "at_utc")}
        try:
            ev = EVENT_ADAPTER.validate_python({**body, "at_h": now})
        except ValidationError as exc:
            problems = validation_problems(exc, "inject", "unknown field", model=Event)
            tag = f"{body['type']}."
            raise InjectError(
                "; ".join(f"{p.field.removeprefix(tag)}: {p.message}" for p in problems)
            ) from None
        self.model.engine.inject_now(ev)
        dumped = ev.model_dump(mode="json", exclude={"at_h", "at_utc"}, exclude_defaults=True)
        entry = JournalEntry(now, {"type": ev.type, **dumped}, str(by))
        # after replayed entries up to now (they applied before it), before later ones
        pos = sum(1 for e in self.journal.entries if e.t_h <= now + 1e-9)
        self.journal.entries.insert(pos, entry)
        return entry

    # ------------------------------------------------------------------ views
    def snapshot(self) -> dict:
        """JSON-able state now: time, alert level, per-district state, totals, resources."""
        m = self.model
        m.update_district_records()
        func = m.infra.district_functionality()
        stock = m.service.dispatcher.stock

        deaths_by_d = m.ledger.casualties.deaths_by_district()
        districts = []
        for gov in m.districts:
            d = gov.district
            districts.append(
                {
                    "district": d,
                    "name": gov.name,
                    "functionality": {k: float(v[d]) for k, v in func.items()},
                    "open_incidents": int(gov.open_incidents),
                    "busy_teams": int(gov.busy_teams),
                    "relocated": float(gov.relocated_now),
                    "infectious": float(gov.infectious),
                    "deaths": float(deaths_by_d[d]),
                }
            )
        return {
            "t_h": float(m.time),
            "utc": str(m.utc()) + "Z",
            "done": self.done,
            "alert_level": m.warning_centre.level,
            "warning_levels": dict(m.warning_centre.levels),
            "early_warning": bool(m.warning_centre.enabled),
            "districts": districts,
            "totals": {
                "deaths": float(m.deaths),
                "injuries": float(m.injuries),
                "incidents": int(m.service.n_damage_incidents),
                "open_incidents": int(m.service.open_incidents),
                "people_relocated": float(m.people_relocated),
                "relocated_now": float(sum(g.relocated_now for g in m.districts)),
                "customer_hours_without_power": float(m.customer_hours_without_power),
                "direct_loss_yuan": float(m.losses.total_yuan),
            },
            "resources": {
                "teams_available": int(stock.available[:, TEAM_SLICE].sum()),
                "teams_busy": int(stock.out_on_job[:, TEAM_SLICE].sum()),
                "teams_off_duty": int(stock.off_duty[:, TEAM_SLICE].sum()),
            },
            "injects": len(self.journal.entries),
        }

    def history(self) -> pd.DataFrame:
        """Model-level series, one row per recorded hour (t_h, time_utc, alert_level, …)."""
        mv = self.model.datacollector.get_model_vars_dataframe().reset_index(names="t_h")
        mv["t_h"] = mv["t_h"].astype(float)
        mv.insert(1, "time_utc", self.model.start_utc + pd.to_timedelta(mv["t_h"], unit="h"))
        return mv
