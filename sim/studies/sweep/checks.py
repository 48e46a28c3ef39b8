"""``citysafe validate``'s data checks on a sweep's plan, before any worker starts.

:func:`~sim.studies.sweep.design.check_runs` validates every point against the schema only
(files must exist, nothing is read). A sweep of hours would then meet an unreadable track, a
city table without its census column or a track that misses a point's window in every run,
each recorded as a failure. :func:`check_run_data` runs validate's checks
(:func:`sim.models.data_check.check_data`, which reads every file a run reads with the run's
readers) on the plan's points, and ``sweep run`` refuses with validate's messages.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from sim.models.data_check import check_data
from sim.networks.errors import NetworkImportWarning
from sim.scenario.loader import Problem, ScenarioError, load_scenario
from sim.studies.sweep.design import RunRecord

MAX_CHECKED_POINTS = 50
"""Points checked one by one at most. The checks read the scenario's files, about 0.1 s a
point (measured on Lekima and the example city), so 50 points keep the wait before a sweep
starts near 5 s; a larger plan is checked on the points that bound it (:func:`check_points`)."""


def check_points(runs: list[RunRecord], limit: int = MAX_CHECKED_POINTS) -> list[RunRecord]:
    """One run of each (scenario, point) to check, in plan order.

    Every point when there are at most ``limit``; otherwise, per scenario, its first point
    and, per parameter, the points holding its lowest and highest value (numbers) or each
    value (anything else): the data a parameter can break (a window that misses the track,
    a file) breaks first at its extremes.
    """
    firsts: dict[tuple[str, int], RunRecord] = {}
    for run in runs:
        firsts.setdefault((run.scenario, run.point), run)
    if len(firsts) <= limit:
        return list(firsts.values())
    chosen: set[tuple[str, int]] = set()
    for label in dict.fromkeys(scenario for scenario, _ in firsts):
        points = [run for (scenario, _), run in firsts.items() if scenario == label]
        chosen.add((label, points[0].point))
        for name in points[0].params:
            numbers = [r for r in points if is_number(r.params.get(name))]
            if numbers:
                chosen.add((label, min(numbers, key=lambda r: r.params[name]).point))
                chosen.add((label, max(numbers, key=lambda r: r.params[name]).point))
            others: dict[str, RunRecord] = {}
            for run in points:
                if not is_number(run.params.get(name)):
                    others.setdefault(repr(run.params.get(name)), run)
            chosen.update((label, run.point) for run in others.values())
    return [run for key, run in firsts.items() if key in chosen]


def is_number(value) -> bool:
    """A parameter value that is a finite number (not a bool): it never names a file."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_run_data(runs: list[RunRecord], source: str) -> tuple[list[Problem], list[str]]:
    """Validate's data checks on the points of :func:`check_points`.

    Args:
        runs: the plan (:func:`~sim.studies.sweep.design.expand`), schema-checked.
        source: the spec file, named in the problems.

    Returns:
        Problems, ``source: scenarios[LABEL] point I: FILE: field.path: message`` (the text
        validate prints, with the point it came from), and the network imports' warnings,
        each once (``warning: FILE: message``).
    """
    problems: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkImportWarning)
        for run in check_points(runs):
            try:
                scenario = load_scenario(Path(run.scenario_path), list(run.overrides))
            except ScenarioError as exc:
                found = exc.problems
            else:
                found = check_data(scenario, run.scenario_path)
            where = f"scenarios[{run.scenario}] point {run.point}"
            problems += [Problem(source, where, str(p)) for p in found]
    notes = [
        f"warning: {w.message}" for w in caught if issubclass(w.category, NetworkImportWarning)
    ]
    return problems, list(dict.fromkeys(notes))
