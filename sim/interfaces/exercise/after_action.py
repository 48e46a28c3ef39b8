"""After-action review: what happened (timeline) and what it changed (outcomes vs a baseline).

The baseline is the same scenario and seed without the injects, run to the same model hour,
so every difference in the outcome table is caused by the injects (common random numbers:
the injects draw from their own stream, the other streams keep their draws until the state
itself diverges).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from sim.models.emergency import CityModel
from sim.results.summary import summarise

if TYPE_CHECKING:
    from sim.models.emergency import CityModel
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


def baseline_model(scenario: Scenario, until_h: float | None = None) -> CityModel:
    """The scenario without injects, run to ``until_h`` (default: the horizon; finalised
    there)."""
    model = CityModel(scenario.model_copy(update={"injects": []}))
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
        baseline = baseline_model(model.config, model.time)
    if isinstance(baseline, dict):
        base_summary = baseline
    else:
        base_summary = getattr(baseline, "summary", None) or summarise(_model_of(baseline), 0.0)
    summary = getattr(session_or_run, "summary", None) or summarise(model, 0.0)
    return AfterAction(timeline(model), outcome_table(summary, base_summary))
