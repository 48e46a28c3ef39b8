"""Exercise journals: safe parsing, clear errors, CLI replay and export as a scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.interfaces.exercise.journal import Journal, JournalEntry, JournalError
from sim.interfaces.exercise.session import ExerciseSession
from sim.models.emergency import CityModel
from sim.results.summary import summarise
from sim.scenario import load_scenario

SMALL = Path(__file__).parent / "data" / "small-lekima.yaml"
OV = ["networks.resolution=0.05", "time.duration_h=3", "time.start_utc=2019-08-09T12:00:00Z"]


@pytest.fixture(scope="module")
def live():
    """A 3-hour live session with two injects, its journal carrying the overrides."""
    session = ExerciseSession(load_scenario(SMALL, OV))
    session.step(1)
    session.inject({"type": "road_collapse", "district": "Xuhui", "count": 3})
    session.step(1)
    session.inject({"type": "chemical_fire", "district": "Baoshan"}, by="white cell")
    session.step(5)
    session.journal.overrides = list(OV)
    return session


def _summary(model) -> dict:
    out = summarise(model, 0.0)
    out.pop("wall_time_s")
    return out


def test_journal_round_trips_through_yaml(live, tmp_path):
    path = tmp_path / "j.yaml"
    live.journal.save(path)
    again = Journal.load(path)
    assert again == live.journal
    assert again.entries[1] == JournalEntry(2.0, {"type": "chemical_fire", "district": "Baoshan"},
                                            "white cell")  # fmt: skip


def test_cli_replay_reproduces_the_live_session_and_writes_the_review(live, tmp_path):
    path = tmp_path / "j.yaml"
    live.journal.save(path)
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app, ["run", str(SMALL), "--journal", str(path), "--out", str(out), "-q", "--no-figures"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    summary.pop("wall_time_s")
    assert summary == _summary(live.model)
    review = pd.read_csv(out / "after_action.csv")
    incidents = review.set_index("outcome").loc["incidents"]
    assert incidents["difference"] == incidents["exercise"] - incidents["baseline"] > 0
    assert Journal.load(out / "journal.yaml") == live.journal
    timeline = pd.read_csv(out / "timeline.csv")
    assert {"inject:road_collapse", "inject:chemical_fire"} <= set(timeline["kind"])


def test_journal_exported_as_scenario_validates_and_reproduces_the_run(live, tmp_path):
    mapping = live.journal.to_scenario(SMALL)
    assert mapping["extends"] == str(SMALL.resolve()) and mapping["injects"][0]["at_h"] == 1.0
    path = tmp_path / "exercise.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    model = CityModel(load_scenario(path))
    model.run()
    assert _summary(model) == _summary(live.model)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("entries: [{t_h: 1, event: {type: pipe_burst}}]", "entries[0].event.district"),
        ("entries: [{t_h: -1, event: {type: policy, mutual_aid: true}}]", "entries[0].t_h"),
        ("entries: [{t_h: 1, event: {type: warning, level: purple}}]", "entries[0].event.level"),
        ("entries: [{t_h: 1, event: {type: quake}}]", "entries[0].event"),
        ("entries: {a: 1}", "entries"),
        ("entries: [1, 2", "line 1"),
        ("!!python/object/apply:os.system ['echo hi']", "line 1"),
    ],
)
def test_malformed_journal_names_file_and_field(tmp_path, text, where):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(JournalError) as err:
        Journal.load(path)
    assert str(err.value).startswith(f"{path}: {where}")


def test_cli_malformed_journal_exits_2_with_message(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("entries: [{t_h: 1, event: {type: road_collapse}}]\n")
    res = CliRunner().invoke(app, ["run", str(SMALL), "--journal", str(path), "-q"])
    assert res.exit_code == 2
    assert f"{path}: entries[0].event.district: required field is missing" in res.output


KEYS = st.sampled_from(["journal", "entries", "t_h", "by", "event", "type", "district", "seed",
                        "count", "level", "overrides", "between", "at_h", "x"])  # fmt: skip
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10**12)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["pipe_burst", "policy", "warning", "Xuhui", "red"]),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(KEYS | st.integers(), kids, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), VALUES.map(lambda v: yaml.safe_dump(v))))
def test_any_text_parses_or_raises_journal_error_only(text):
    try:
        journal = Journal.from_yaml(text, "fuzz.yaml")
    except JournalError as exc:
        assert str(exc).startswith("fuzz.yaml: ")
    else:
        assert Journal.from_yaml(journal.to_yaml()) == journal
