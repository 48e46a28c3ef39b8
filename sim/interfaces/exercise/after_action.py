"""After-action review: what happened (timeline) and what it changed (outcomes vs a baseline).

The baseline is the same scenario and seed without the injects, on the same city (a long
run's city state, when the exercise started from a shock), run to the same model hour, so
every difference in the outcome table is caused by the injects (common random numbers: the
injects draw from their own stream, the other streams keep their draws until the state itself
diverges).

A live session is reviewed in two parts (:func:`snapshot`, :func:`review`): what the live model
shows is read at once (milliseconds, under the session's lock); the baseline, a model run of
seconds, needs no live model and is computed outside it, once per scenario and hour for every
session (:class:`BaselineCache`).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from sim.models.emergency import CityModel
from sim.results.summary import summarise

if TYPE_CHECKING:
    from sim.risk.city_state import CityState
    from sim.scenario.schema import Scenario

OUTCOMES = (
    ("deaths", "persons"),
    ("injuries", "persons"),
    ("incidents", "count"),
    ("people_relocated", "persons"),
    ("customer_hours_without_power", "household-hours"),
    ("direct_loss_yuan", "yuan"),
)
"""Outcome rows of the comparison: summary key and unit."""
DECISION_KINDS = ("warning", "preposition", "underpass_closed")
"""Event-log kinds shown in the timeline besides the injects and hourly relocation totals."""


@dataclass
class AfterAction:
    """Timeline (one row per inject or decision) and outcome table (exercise vs baseline)."""

    timeline: pd.DataFrame
    outcomes: pd.DataFrame


def _model_of(source) -> CityModel:
    model = getattr(source, "model", source)
    if not hasattr(model, "engine"):
        raise TypeError("compare() takes an ExerciseSession, a RunResult or a CityModel")
    return model


def timeline(model: CityModel) -> pd.DataFrame:
    """Injects and decisions in time order.

    Returns:
        Columns ``t_h, time_utc, kind, district, district_name, detail, value``; relocation
        is summed per hour (kind ``relocation``, value = persons moved out that hour).
    """
    ev = model.events.to_frame()
    kind = ev["kind"].astype(str)
    keep = ev[kind.str.startswith("inject:") | kind.isin(DECISION_KINDS)]
    reloc = ev[(kind == "relocation") & (ev["detail"] == "out")]
    if len(reloc):
        reloc = (
            reloc.groupby("t_h", as_index=False)["value"]
            .sum()
            .assign(kind="relocation", district=-1, detail="persons moved out (all districts)")
        )
    cols = ["t_h", "kind", "district", "detail", "value"]
    parts = [keep[cols].assign(kind=lambda d: d["kind"].astype(str))]
    if len(reloc):
        parts.append(reloc[cols])
    out = pd.concat(parts, ignore_index=True).sort_values("t_h", kind="stable")
    names = dict(enumerate(model.city.districts["name_en"]))
    out["district_name"] = out["district"].map(names).fillna("")
    out.insert(1, "time_utc", model.start_utc + pd.to_timedelta(out["t_h"], unit="h"))
    order = ["t_h", "time_utc", "kind", "district", "district_name", "detail", "value"]
    return out[order].reset_index(drop=True)


def outcome_table(exercise: dict, baseline: dict) -> pd.DataFrame:
    """Outcomes of the exercise and the baseline with their difference.

    Returns:
        Columns ``outcome, unit, exercise, baseline, difference`` (exercise − baseline).
    """
    rows = [
        {
            "outcome": key,
            "unit": unit,
            "exercise": float(exercise[key]),
            "baseline": float(baseline[key]),
            "difference": float(exercise[key]) - float(baseline[key]),
        }
        for key, unit in OUTCOMES
    ]
    return pd.DataFrame(rows)


def baseline_model(
    scenario: Scenario, until_h: float | None = None, city_state: CityState | None = None
) -> CityModel:
    """The scenario without injects, on the same city (``city_state``: a long run's shock the
    exercise started from), run to ``until_h`` (default: the horizon; finalised there)."""
    model = CityModel(scenario.model_copy(update={"injects": []}), city_state=city_state)
    end = scenario.time.duration_h
    model.advance(end if until_h is None else until_h)
    if model.time >= end - 1e-9:
        model.finish()
    return model


def compare(session_or_run, baseline=None) -> AfterAction:
    """Timeline of the exercise and its outcomes against a baseline.

    Args:
        session_or_run: an :class:`~sim.interfaces.exercise.session.ExerciseSession`, a
            :class:`~sim.results.runner.RunResult` or a :class:`~sim.models.emergency.CityModel`.
        baseline: a summary dict, a RunResult or a CityModel of the run without injects;
            None runs it now (same scenario and seed, to the same model hour).
    """
    model = _model_of(session_or_run)
    if baseline is None:
        baseline = baseline_model(model.config, model.time, model.city_state)
    if isinstance(baseline, dict):
        base_summary = baseline
    else:
        base_summary = getattr(baseline, "summary", None) or summarise(_model_of(baseline), 0.0)
    summary = getattr(session_or_run, "summary", None) or summarise(model, 0.0)
    return AfterAction(timeline(model), outcome_table(summary, base_summary))


# ---------------------------------------------------------------------------- live sessions
@dataclass(frozen=True)
class Snapshot:
    """What a review reads from a live model (:func:`snapshot`): the scenario, the hour, the
    city state, the outcomes and the timeline so far. Taken in milliseconds, so a caller
    holding a session's lock holds it that long only; the baseline is computed from it
    without the model (:func:`review`)."""

    scenario: Scenario
    t_h: float
    city_state: CityState | None
    summary: dict
    timeline: pd.DataFrame


def snapshot(model: CityModel) -> Snapshot:
    """The live side of a review of ``model`` now (reads only; see :class:`Snapshot`)."""
    return Snapshot(
        model.config, float(model.time), model.city_state, summarise(model, 0.0), timeline(model)
    )


def review(snap: Snapshot, baselines: BaselineCache) -> AfterAction:
    """The after-action review of a :class:`Snapshot`: its timeline and its outcomes against
    the baseline at the same hour (from ``baselines``: computed once, seconds)."""
    base = baselines.summary(snap.scenario, snap.t_h, snap.city_state)
    return AfterAction(snap.timeline, outcome_table(snap.summary, base))


def _build_baseline(scenario: Scenario, city_state: CityState | None) -> CityModel:
    return CityModel(scenario.model_copy(update={"injects": []}), city_state=city_state)


class BaselineCache:
    """Baseline outcomes (the scenario without injects, same seed and city) by scenario and
    model hour, computed once and shared by every session that asks.

    Each baseline keeps one model, advanced hour by hour as later hours are asked for, its
    summary kept at every whole hour passed (a summary is a few dozen numbers): a review at
    an hour already passed costs nothing, a later one only the hours in between; an earlier
    hour not on the grid rebuilds the model. Advancing in steps gives exactly the run of one
    ``advance`` (the live session relies on the same: tests/test_journal.py). Requests for the
    same baseline wait for one computation; other baselines compute in parallel. At most
    ``max_baselines`` models are kept (the least recently used is dropped): each costs the
    memory of a model of the scenario.

    Args:
        max_baselines: scenarios (with their city state) kept.
        build: ``build(scenario, city_state) -> CityModel`` at t = 0 without injects (tests
            slow it down); default :class:`~sim.models.emergency.CityModel`.
    """

    def __init__(self, max_baselines: int = 2, build=_build_baseline):
        self._build = build
        self._max = int(max_baselines)
        self._lock = threading.Lock()  # guards the table only, never a computation
        self._runs: OrderedDict[tuple, _BaselineRun] = OrderedDict()

    def summary(self, scenario: Scenario, t_h: float, city_state: CityState | None = None) -> dict:
        """The baseline's summary at model hour ``t_h`` (a copy)."""
        # The scenario's content names the baseline; the state by identity (immutable, kept
        # alive by the entry so its id is not reused while cached).
        text = scenario.model_dump_json(exclude={"injects"})
        key = (hashlib.blake2b(text.encode(), digest_size=16).hexdigest(), id(city_state))
        with self._lock:
            run = self._runs.get(key)
            if run is None:
                run = self._runs[key] = _BaselineRun(scenario, city_state, self._build)
            self._runs.move_to_end(key)
            while len(self._runs) > self._max:
                self._runs.popitem(last=False)
        return run.summary_at(float(t_h))


class _BaselineRun:
    """One baseline: its model and its summaries by hour (:class:`BaselineCache`)."""

    def __init__(self, scenario: Scenario, city_state: CityState | None, build):
        self.scenario, self.city_state, self._build = scenario, city_state, build
        self.model: CityModel | None = None
        self.summaries: dict[float, dict] = {}
        self.lock = threading.Lock()  # one computation at a time; the others then read it

    def summary_at(self, t_h: float) -> dict:
        with self.lock:
            key = round(t_h, 6)
            if key not in self.summaries:
                self._advance_to(t_h)
            return dict(self.summaries[key])

    def _advance_to(self, t_h: float) -> None:
        end = float(self.scenario.time.duration_h)
        if self.model is None or self.model.time > t_h + 1e-9:
            self.model = self._build(self.scenario, self.city_state)
            self._record()
        model = self.model
        while model.time < t_h - 1e-9:
            model.advance(min(math.floor(model.time + 1e-9) + 1.0, t_h))
            if model.time >= end - 1e-9:
                model.finish()
            self._record()

    def _record(self) -> None:
        self.summaries[round(float(self.model.time), 6)] = summarise(self.model, 0.0)
