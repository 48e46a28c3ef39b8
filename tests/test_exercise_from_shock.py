"""A tabletop exercise starts from a shock of a long run (issue 14, point 5).

The shock folder (``RUN/shocks/<name>/``) holds the emergency scenario as run (its seed
included), the city state and ``shock.json``; :func:`sim.results.shocks.read_shock` reads
them, and an :class:`~sim.interfaces.exercise.session.ExerciseSession` on them is the shock's
own window: stepped to the horizon with no inject, it reproduces the shock's summary exactly.
An incomplete folder is refused by name; the app's launcher accepts the folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_shocks import long_run_file, shock  # the same small long run (example city)
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.interfaces.exercise.session import ExerciseSession
from sim.results.runner import run_scenario
from sim.results.shocks import ShockFolderError, read_shock
from sim.results.summary import summarise
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def shock_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("longrun")
    path = long_run_file(root, shock("storm"))
    run_scenario(load_scenario(path), root / "run", figures=False)
    return root / "run" / "shocks" / "storm"


def test_an_exercise_from_a_shock_is_the_shock_itself(shock_folder):
    path, state, marker = read_shock(shock_folder)
    scenario = load_scenario(path)
    assert scenario.seed == marker["seed"]  # the shock's own seed, drawn by the long run
    session = ExerciseSession(scenario, city_state=state)
    model = session.model
    # at t = 0 the model stands on the long run's city: its state, its hidden cavities
    assert model.city_state is state
    assert np.array_equal(model._open_cavities, state.open_cavities)
    while not session.done:
        session.step(6.0)
    got = summarise(session.model, 0.0)
    want = json.loads((shock_folder / "summary.json").read_text())
    keys = [k for k in want if k != "wall_time_s"]
    assert {k: got[k] for k in keys} == {k: want[k] for k in keys}


def test_without_the_state_the_exercise_is_another_city(shock_folder):
    path, state, _ = read_shock(shock_folder)
    scenario = load_scenario(path)
    assert not np.allclose(state.drainage_capacity_factor, 1.0)  # ten years left a mark
    plain = ExerciseSession(scenario)
    assert plain.model.city_state is None


@pytest.mark.parametrize("missing", ["shock.json", "city_state.json", "scenario.resolved.yaml"])
def test_an_incomplete_shock_folder_is_refused_by_name(shock_folder, tmp_path, missing):
    copy = tmp_path / "storm"
    copy.mkdir()
    for f in ("shock.json", "city_state.json", "scenario.resolved.yaml", "summary.json"):
        if f != missing:
            (copy / f).write_bytes((shock_folder / f).read_bytes())
    with pytest.raises(ShockFolderError, match=f"{missing}: missing"):
        read_shock(copy)


def test_the_app_launcher_refuses_an_incomplete_shock_without_a_traceback(tmp_path):
    result = CliRunner().invoke(app, ["app", str(tmp_path)])
    assert result.exit_code == 2
    assert "shock.json: missing" in result.output
    assert "Traceback" not in result.output


def test_the_app_carries_the_shock_state_to_its_server_process(shock_folder):
    from sim.interfaces.app.settings import AppSettings, load_app_city_state

    settings = AppSettings(
        shock_folder / "scenario.resolved.yaml", city_state_path=shock_folder / "city_state.json"
    )
    back = AppSettings.from_env(settings.to_env())
    assert back == settings
    state = load_app_city_state(str(back.city_state_path))
    assert np.array_equal(
        state.drainage_capacity_factor, read_shock(shock_folder)[1].drainage_capacity_factor
    )
    assert load_app_city_state(None) is None
    assert AppSettings.from_env(AppSettings(Path("s.yaml")).to_env()).city_state_path is None


def test_the_review_of_an_exercise_on_a_shock_compares_with_the_same_city(shock_folder):
    # The baseline is the same scenario without injects ON THE SAME CITY STATE: an exercise
    # with no inject then differs from it in nothing (on the scenario's own city it would).
    from sim.interfaces.exercise.after_action import (
        BaselineCache,
        baseline_model,
        compare,
        review,
        snapshot,
    )

    path, state, _ = read_shock(shock_folder)
    session = ExerciseSession(load_scenario(path), city_state=state)
    while not session.done:
        session.step(12.0)
    assert (compare(session).outcomes["difference"] == 0).all()
    live = review(snapshot(session.model), BaselineCache())  # the app's path
    assert (live.outcomes["difference"] == 0).all()
    other_city = compare(session, baseline_model(load_scenario(path)))  # without the state
    assert (other_city.outcomes["difference"] != 0).any()  # the state matters: a real check
