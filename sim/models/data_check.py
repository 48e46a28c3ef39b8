"""Deep checks of a validated scenario's data files: they parse and fit the scenario.

Schema validation only sees that a file exists; these checks read the files with the same
readers the model uses, so `citysafe validate` catches what `citysafe run` would trip on
(a track with the wrong columns, an agency missing from it, a city folder without the census
table, a track that never overlaps the simulated window). It lives with the model because it
uses the readers of the layers the model assembles (city, hazards).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.city import load_city
from sim.hazards.track import read_cma_bst, read_track_csv
from sim.response.depots import read_resources
from sim.scenario.loader import Problem, load_scenario
from sim.scenario.longrun import LongRunScenario
from sim.scenario.schema import Scenario

DATA_ERRORS = (ValueError, OSError, KeyError, UnicodeDecodeError)
"""What readers raise on malformed files (their own error classes derive from ValueError)."""


def check_data(scenario: Scenario | LongRunScenario, source: str) -> list[Problem]:
    """Read the scenario's data files; return one :class:`Problem` per failure.

    Args:
        scenario: a schema-valid scenario of either kind. A long run reads its city and the
            data of every shock's emergency scenario (:func:`_long_run_problems`).
        source: the scenario file named in the problems.

    Returns:
        Problems (empty when every file parses and fits).
    """
    if isinstance(scenario, LongRunScenario):
        return _long_run_problems(scenario, source)
    problems: list[Problem] = []
    try:
        city = load_city(Path(scenario.city.data_dir))
    except DATA_ERRORS as exc:
        problems.append(Problem(source, "city.data_dir", f"unusable city data: {exc}"))
    else:
        problems += _resource_problems(scenario, city, source)
        epidemic = scenario.hazard.epidemic
        names = list(city.districts["name_en"])
        for i, imp in enumerate(scenario.networks.imports):
            if imp.district not in names:
                problems.append(
                    Problem(
                        source,
                        f"networks.imports[{i}].district",
                        f"unknown district {imp.district!r}; valid: {names}",
                    )
                )
        for i, name in enumerate(scenario.logistics.preposition_districts):
            if name not in names:
                problems.append(
                    Problem(
                        source,
                        f"logistics.preposition_districts[{i}]",
                        f"unknown district {name!r}; valid: {names}",
                    )
                )
        zones = sorted(city.profile.zones)
        for zone in sorted(set(scenario.drainage.capacity_mm_per_h or {}) - set(zones)):
            problems.append(
                Problem(
                    source,
                    f"drainage.capacity_mm_per_h.{zone}",
                    f"unknown zone {zone!r}; zones of the city (city.yaml): {zones}",
                )
            )
        if epidemic is not None and epidemic.seed_district not in names:
            problems.append(
                Problem(
                    source,
                    "hazard.epidemic.seed_district",
                    f"unknown district {epidemic.seed_district!r}; valid: {names}",
                )
            )
    typhoon = scenario.hazard.typhoon
    if typhoon is not None:
        try:
            if typhoon.track_format == "csv":
                track = read_track_csv(typhoon.track_file, agency=typhoon.agency)
            else:
                track = read_cma_bst(typhoon.track_file, storm=typhoon.storm)
        except DATA_ERRORS as exc:
            problems.append(Problem(source, "hazard.typhoon.track_file", f"unusable track: {exc}"))
        else:
            start = np.datetime64(int(scenario.time.start_utc.timestamp()), "s")
            end = start + np.timedelta64(int(round(scenario.time.duration_h * 3600)), "s")
            t0, t1 = track.time_utc.min(), track.time_utc.max()
            if t1 < start or t0 > end:
                problems.append(
                    Problem(
                        source,
                        "hazard.typhoon",
                        f"the track ({t0} to {t1} UTC) does not overlap the simulated window "
                        f"({start} to {end} UTC): there would be no typhoon",
                    )
                )
    return problems


def _resource_problems(scenario: Scenario, city, source: str) -> list[Problem]:
    """The emergency resource table, read as the run reads it (sim.response.depots)."""
    try:
        read_resources(Path(scenario.city.data_dir), city.profile.emergency.depots)
    except DATA_ERRORS as exc:
        return [Problem(source, "city.data_dir", f"unusable emergency resources: {exc}")]
    return []


def _long_run_problems(scenario: LongRunScenario, source: str) -> list[Problem]:
    """A long run's data: its city folder (read as :class:`~sim.models.longrun.
    RiskDynamicsModel` reads it) and, for each shock, the emergency scenario with the
    overrides the run puts on it (:func:`sim.results.shocks.run_shock`), checked as a run of
    it would be; a shock's problems name the shock's own file and fields."""
    try:
        load_city(Path(scenario.city.data_dir))
    except DATA_ERRORS as exc:
        return [Problem(source, "city.data_dir", f"unusable city data: {exc}")]
    problems: list[Problem] = []
    for shock in scenario.shocks:
        overrides = [*scenario.policy_shock_overrides(), *shock.overrides]
        try:
            em = load_scenario(shock.scenario, overrides)
        except ValueError:  # already reported by the loader's cross-file checks
            continue
        if isinstance(em, Scenario):
            problems += check_data(em, str(shock.scenario))
    return problems
