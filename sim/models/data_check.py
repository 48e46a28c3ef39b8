"""Deep checks of a validated scenario's data files: they parse and fit the scenario.

Schema validation only sees that a file exists; these checks read the files with the same
readers the model uses, so `citysafe validate` catches what `citysafe run` would trip on
(a track with the wrong columns, an agency missing from it, a city folder without the census
table, a track that never overlaps the simulated window, a network import file that cannot be
read or placed). It lives with the model because it uses the readers of the layers the model
assembles (city, hazards, networks).

:func:`input_files` lists the files a run of a scenario opens (those these checks read), so a
command that resumes can record their content when it starts and refuse to mix runs of two
versions of the data (:mod:`sim.core.file_digests`). ``tests/test_breakit_resume_data.py``
holds the list to what ``validate`` and ``run`` open.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from sim.agents.warning_rules import check_ims
from sim.city import city_files, load_city
from sim.city.behaviour_posterior import posterior_path
from sim.city.coast import coastal_points
from sim.city.evacuation import EVACUATION_FILE, load_evacuation
from sim.city.profile import PROFILE_FILE
from sim.city.warning_criteria import criteria_path, load_warning_criteria
from sim.core.errors import InputDataWarning
from sim.hazards.approach import out_of_reach
from sim.hazards.surge_data import read_defences, tide_parameters
from sim.hazards.track import read_cma_bst, read_track_csv, read_wind_radii_csv
from sim.hazards.typhoon import RADII_REACH_H
from sim.models.emergency import CityModel
from sim.models.event_effects import InjectError, check_event
from sim.networks.compose import check_imports
from sim.networks.spec import city_network_spec
from sim.networks.telecom_sites import read_telecom_sites
from sim.response.depots import RESOURCES_FILE, read_resources
from sim.scenario.events import BridgeClosureEvent
from sim.scenario.loader import Problem, data_paths, load_scenario, scenario_files
from sim.scenario.longrun import LongRunScenario
from sim.scenario.schema import Scenario

DATA_ERRORS = (ValueError, OSError, LookupError, UnicodeDecodeError)
"""What readers raise on malformed files (their own error classes derive from ValueError; a
storm or key not found is a LookupError)."""


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
    city = None
    try:
        city = load_city(Path(scenario.city.data_dir))
    except DATA_ERRORS as exc:
        problems.append(Problem(source, "city.data_dir", f"unusable city data: {exc}"))
    else:
        problems += _resource_problems(scenario, city, source)
        problems += _decision_data_problems(scenario, city, source)
        # district names are checked with the schema (sim.scenario.loader.district_problems)
        problems += _epidemic_problems(scenario, city, source)
        zones = sorted(city.profile.zones)
        for zone in sorted(set(scenario.drainage.capacity_mm_per_h or {}) - set(zones)):
            problems.append(
                Problem(
                    source,
                    f"drainage.capacity_mm_per_h.{zone}",
                    f"unknown zone {zone!r}; zones of the city (city.yaml): {zones}",
                )
            )
    _warn_events_outside(scenario, source)
    problems += _import_problems(scenario, city, source)
    problems += _telecom_sites_problems(scenario, city, source)
    problems += _hazard_file_problems(scenario, city, source)
    problems += _track_problems(scenario, city, source)
    if not problems:  # the events' names need a model, which needs every file above
        problems += _event_name_problems(scenario, source)
    return problems


def _warn_events_outside(scenario: Scenario, source: str) -> None:
    """Warn once (:class:`~sim.core.errors.InputDataWarning`, naming the scenario file) of
    scripted events other than warnings outside the simulated window, each by its index, type
    and time: one before the start applies at the start (hour 0, not at its time), one at or
    after the end never happens.

    Warned, not refused as a journal's entries are (:func:`sim.interfaces.exercise.journal.
    fit_problems`): a window narrowed by ``extends:``, ``-p time.duration_h`` or a sweep keeps
    its parent's events; a journal is recorded on its own scenario's window. Scripted
    warnings are left out: they are the recorded level history, whose entries before the start
    set the level in force at it and whose later ones a narrowed window rightly never reaches
    (``tests/data/small-lekima.yaml``).
    """
    start_s = scenario.time.start_utc.timestamp()
    horizon = float(scenario.time.duration_h)
    early, late = [], []
    for i, ev in enumerate(scenario.events):
        t_h = ev.time_h(start_s)
        if ev.type == "warning":
            continue
        if t_h < 0:
            early.append(f"events[{i}] ({ev.type} at {t_h:g} h)")
        elif t_h >= horizon - 1e-9:
            late.append(f"events[{i}] ({ev.type} at {t_h:g} h)")
    parts = []
    if early:
        parts.append(f"{', '.join(early)} come before the start and apply at hour 0")
    if late:
        parts.append(f"{', '.join(late)} come at or after the end and never happen")
    if parts:
        warnings.warn(
            f"{source}: scripted events outside the simulated window (0 to {horizon:g} h from "
            f"{scenario.time.start_utc:%Y-%m-%dT%H:%M}Z): {'; '.join(parts)}",
            InputDataWarning,
            stacklevel=3,
        )


def _event_name_problems(scenario: Scenario, source: str) -> list[Problem]:
    """Names of scripted events that only a model can resolve (:func:`sim.models.
    event_effects.check_event`): a depot, or a river crossing between two districts. The
    model is built only when such events exist (about a second at full resolution)."""
    named = [
        i
        for i, ev in enumerate(scenario.events)
        if isinstance(ev, BridgeClosureEvent) or getattr(ev, "depot", None) is not None
    ]
    if not named:
        return []
    # without its events, so that each bad one is named (the model checks them when built)
    model = CityModel(scenario.model_copy(update={"events": []}))
    problems = []
    for i in named:
        ev = scenario.events[i]
        try:
            check_event(model, ev)
        except InjectError as exc:
            field = "between" if isinstance(ev, BridgeClosureEvent) else "depot"
            problems.append(Problem(source, f"events[{i}].{field}", str(exc)))
    return problems


def _epidemic_problems(scenario: Scenario, city, source: str) -> list[Problem]:
    """An epidemic's first cases must be residents of its seed district, and its deaths need
    an infection fatality ratio or the city's age bands."""
    epi = scenario.hazard.epidemic
    if (
        epi is not None
        and epi.infection_fatality_ratio is None
        and city.profile.population_ages is None
    ):
        return [
            Problem(
                source,
                "hazard.epidemic.infection_fatality_ratio",
                "a ratio (0-1), or population_ages in the city's city.yaml: the epidemic's "
                "deaths need one of them",
            )
        ]
    table = city.districts.set_index("name_en")
    if epi is None or epi.seed_district not in table.index:
        return []
    pop = int(table.loc[epi.seed_district, "population"])
    if epi.initial_infectious <= pop:
        return []
    return [
        Problem(
            source,
            "hazard.epidemic.initial_infectious",
            f"{epi.initial_infectious} exceeds the {pop:,} residents of {epi.seed_district}",
        )
    ]


def _track_problems(scenario: Scenario, city, source: str) -> list[Problem]:
    """The typhoon's track, read as the run reads it, and its overlap with the window: none
    is a problem; a track that starts after the window's start or ends before its end is
    warned of (:func:`_warn_uncovered`), and so is one that never comes near the city
    (:func:`_warn_far`, when ``city`` loaded); its wind radii with it (:func:`_radii_problems`)."""
    problems: list[Problem] = []
    typhoon = scenario.hazard.typhoon
    if typhoon is not None:
        try:
            if typhoon.track_format == "csv":
                track = read_track_csv(typhoon.track_file, agency=typhoon.agency)
            else:
                track = read_cma_bst(typhoon.track_file, storm=typhoon.storm)
        except DATA_ERRORS as exc:
            problems.append(Problem(source, "hazard.typhoon.track_file", f"unusable track: {exc}"))
            problems += _radii_problems(typhoon, None, source)
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
            else:
                _warn_uncovered(typhoon.track_file, (t0, t1), (start, end))
                _warn_far(typhoon.track_file, track, city, scenario.city.data_dir)
            problems += _radii_problems(typhoon, track, source)
    return problems


def _warn_far(track_file, track, city, data_dir) -> None:
    """Warn once (:class:`~sim.core.errors.InputDataWarning`, naming the track file) when the
    storm never comes within :data:`~sim.hazards.approach.REACH_KM` of the city's reference
    point (:func:`~sim.hazards.approach.out_of_reach`, the check ``citysafe storm new``
    refuses by): the run is legal but sees no storm (e.g. every longitude's sign slipped).
    Nothing is said when the city did not load (that is the problem reported) or the track
    has positions the pass cannot use (the run's readers refuse those)."""
    if city is None:
        return
    ref = city.profile.reference_point
    where = f"{ref.lon:g} E, {ref.lat:g} N, {Path(data_dir) / PROFILE_FILE}"
    try:
        _, far = out_of_reach(track, ref.lon, ref.lat, where)
    except ValueError:
        return
    if far is not None:
        warnings.warn(
            f"{track_file}: {far}; the run sees little or no storm: check the track's "
            "positions, or run it so on purpose",
            InputDataWarning,
            stacklevel=2,
        )


def _warn_uncovered(track_file, track_span, window) -> None:
    """Warn once (:class:`~sim.core.errors.InputDataWarning`, naming the track file) when the
    track covers only part of the simulated window: outside its span the storm is absent (no
    wind, no rain), so it appears or vanishes abruptly at the track's ends."""
    (t0, t1), (start, end) = track_span, window
    hours = (end - start) / np.timedelta64(3600, "s")
    gaps = []
    if t0 > start:
        h = (t0 - start) / np.timedelta64(3600, "s")
        gaps.append(f"the first {h:g} h (hours 0-{h:g}: the storm appears at {t0} UTC)")
    if t1 < end:
        h = (t1 - start) / np.timedelta64(3600, "s")
        gaps.append(f"the last {hours - h:g} h (hours {h:g}-{hours:g}: the storm ends at {t1} UTC)")
    if gaps:
        warnings.warn(
            f"{track_file}: the track ({t0} to {t1} UTC) does not cover "
            f"{' and '.join(gaps)} of the simulated window ({start} to {end} UTC): no wind or "
            "rain from the typhoon there; extend the track or shorten time.duration_h",
            InputDataWarning,
            stacklevel=2,
        )


def _radii_problems(typhoon, track, source: str) -> list[Problem]:
    """The typhoon's wind-radii file (if any), read as the run reads it: unusable is a
    problem; with the ``track`` read, no radii time within
    :data:`~sim.hazards.typhoon.RADII_REACH_H` of its span is warned of once
    (:class:`~sim.core.errors.InputDataWarning`, naming the radii file): the field then takes
    its size from the published Rmax relation everywhere, as if no radii were given (e.g.
    another storm's file)."""
    if typhoon.radii_file is None:
        return []
    try:
        radii = read_wind_radii_csv(typhoon.radii_file)
    except DATA_ERRORS as exc:
        return [Problem(source, "hazard.typhoon.radii_file", f"unusable wind radii: {exc}")]
    if track is None:
        return []
    reach = np.timedelta64(int(RADII_REACH_H * 3600), "s")
    t0, t1 = track.time_utc.min() - reach, track.time_utc.max() + reach
    if not np.any((radii.time_utc >= t0) & (radii.time_utc <= t1)):
        warnings.warn(
            f"{typhoon.radii_file}: no radii time ({radii.time_utc.min()} to "
            f"{radii.time_utc.max()} UTC) lies within {RADII_REACH_H:g} h of the track "
            f"({track.time_utc.min()} to {track.time_utc.max()} UTC): the radii are not used "
            "and the wind field is sized by the Rmax relation (another storm's file?)",
            InputDataWarning,
            stacklevel=2,
        )
    return []


def _decision_data_problems(scenario: Scenario, city, source: str) -> list[Problem]:
    """The city's relocation rules, buses and shelters (``evacuation.yaml``), its network
    statistics, its warning criteria (their intensity measures known) and their coastal
    waters, read as :class:`~sim.models.emergency.CityModel` reads them."""
    problems = []
    data_dir = Path(scenario.city.data_dir)
    table = city.districts
    try:
        load_evacuation(data_dir, list(table["name_en"]), table["population"].to_numpy())
    except DATA_ERRORS as exc:
        problems.append(Problem(source, "city.data_dir", f"unusable relocation data: {exc}"))
    try:  # the statistics the synthetic networks are generated from (city.yaml networks)
        city_network_spec(city)
    except DATA_ERRORS as exc:
        problems.append(Problem(source, "city.data_dir", f"unusable network statistics: {exc}"))
    own = scenario.warnings.criteria_file
    field = "warnings.criteria_file" if own is not None else "city.data_dir"
    try:
        path = own or criteria_path(data_dir)
        criteria = load_warning_criteria(path)
        for hazard, rules in criteria.hazards.items():  # as the warning centre checks them
            check_ims(rules, f"{path}: hazards.{hazard}")
        if criteria.coastal_waters is not None:
            coastal_points(city, criteria.coastal_waters)
    except DATA_ERRORS as exc:
        problems.append(Problem(source, field, f"unusable warning criteria: {exc}"))
    return problems


def _hazard_file_problems(scenario: Scenario, city, source: str) -> list[Problem]:
    """Files of hazard blocks beyond the track and its radii (:func:`_radii_problems`):
    seawalls (their districts checked against ``city`` when it loaded) and tide levels (with
    the tide the run resolves from them)."""
    problems = []
    surge = getattr(scenario.hazard, "storm_surge", None)
    if surge is not None:
        names = None if city is None else list(city.districts["name_en"])
        checks = (
            ("defences_file", lambda: read_defences(surge.defences_file, names)),
            ("tide_file", lambda: tide_parameters(surge)),  # as the run resolves the tide
        )
        for field, check in checks:
            try:
                check()
            except DATA_ERRORS as exc:
                problems.append(Problem(source, f"hazard.storm_surge.{field}", f"unusable: {exc}"))
    return problems


def _import_problems(scenario: Scenario, city, source: str) -> list[Problem]:
    """Each network import read and placed as the run does (:func:`check_imports`); placed
    only when the city loaded and has the district (else that is the problem reported)."""
    names = set(city.districts["name_en"]) if city is not None else set()
    out = []
    for i, imp in enumerate(scenario.networks.imports):
        place_in = city if imp.district in names else None
        for _, message in check_imports([imp], place_in):
            out.append(Problem(source, f"networks.imports[{i}].file", message))
    return out


def _telecom_sites_problems(scenario: Scenario, city, source: str) -> list[Problem]:
    """The telecom-site CSV read and placed as the run does (:mod:`sim.networks.telecom_sites`;
    placed only when the city loaded)."""
    path = scenario.networks.telecom_sites_file
    if path is None or city is None:
        return []
    try:
        read_telecom_sites(path, city)
    except DATA_ERRORS as exc:
        return [Problem(source, "networks.telecom_sites_file", str(exc))]
    return []


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
            em = load_scenario(shock.scenario, overrides, kind="emergency")
        except ValueError:  # already reported by the loader's cross-file checks
            continue
        if isinstance(em, Scenario):
            problems += check_data(em, str(shock.scenario))
    return problems


def input_files(scenario: Scenario | LongRunScenario) -> list[Path]:
    """Every data file a run of ``scenario`` opens, or looks for: the files it names (its
    ``DataPath`` fields, :func:`~sim.scenario.loader.data_paths`: track, wind radii,
    storm-surge tables, network imports, warning criteria, a long run's shock scenarios) and
    the city's files in ``city.data_dir`` — those :func:`~sim.city.load_city` reads and, for
    an emergency window, its relocation rules, emergency resources and, unless the scenario
    names its own, ``warning_criteria.yaml`` and ``behaviour_posterior.csv`` (listed even
    when absent: the run looks for them, and adding one changes the run or its ensemble).
    A long run adds each shock's scenario file with its ``extends:`` parents and the files
    of that scenario as the shock runs it. The scenario file itself is not listed (its
    content is the scenario).

    Returns:
        Absolute paths, sorted, each once. Reads only the scenario files of shocks; a shock's
        scenario that does not load contributes its file alone (``validate`` reports it).
    """
    data_dir = Path(scenario.city.data_dir)
    files = city_files(data_dir)
    files += [path for field, path in data_paths(scenario) if field != "city.data_dir"]
    if isinstance(scenario, LongRunScenario):
        for shock in scenario.shocks:
            overrides = [*scenario.policy_shock_overrides(), *shock.overrides]
            try:
                files += scenario_files(shock.scenario)
                em = load_scenario(shock.scenario, overrides, kind="emergency")
            except ValueError:  # a ScenarioError, or a NUL in an extends: path
                continue
            files += input_files(em)
    else:
        files += [data_dir / EVACUATION_FILE, data_dir / RESOURCES_FILE]
        if scenario.warnings.criteria_file is None:
            files.append(criteria_path(data_dir))
        if scenario.response.relocation.behaviour.posterior_file is None:
            files.append(posterior_path(data_dir))  # ensembles draw from it where present
    return sorted({Path(os.path.abspath(p)) for p in files})
