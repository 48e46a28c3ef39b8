"""Exercise journals: safe parsing, clear errors, CLI replay and export as a scenario."""

from __future__ import annotations

import json
import time
import typing
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.core.yaml_input import JOURNAL_MAX_BYTES, dump_yaml
from sim.interfaces.cli.main import app
from sim.interfaces.exercise.journal import Journal, JournalEntry, JournalError
from sim.interfaces.exercise.session import ExerciseSession
from sim.models.emergency import CityModel
from sim.results.summary import summarise
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.events import Event

SMALL = Path(__file__).parent / "data" / "small-lekima.yaml"
EXAMPLE = Path(__file__).parents[1] / "scenarios" / "example-city" / "typhoon.yaml"
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


# ---------------------------------------------------------------------------- did you mean
EVENT_MODELS = {
    m.model_fields["type"].default: m for m in typing.get_args(typing.get_args(Event)[0])
}
TIME_FIELDS = {"at_h", "at_utc", "type"}  # a journal gives the time as t_h; type: below


def _journal_text(bad_event: dict, index: int) -> str:
    good = {"t_h": 0, "event": {"type": "policy", "mutual_aid": True}}
    return dump_yaml({"entries": [good] * index + [{"t_h": 1, "event": bad_event}]})


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(EVENT_MODELS)), st.integers(0, 3), st.data())
def test_a_misspelt_event_key_gets_the_right_name_with_its_entry(kind, index, data):
    names = [n for n in EVENT_MODELS[kind].model_fields if n not in TIME_FIELDS and len(n) > 3]
    name = data.draw(st.sampled_from(names), label="field")
    cut = data.draw(st.integers(0, len(name) - 1), label="deleted character")
    typo = name[:cut] + name[cut + 1 :]
    with pytest.raises(JournalError) as err:
        Journal.from_yaml(_journal_text({"type": kind, typo: 1}, index), "j.yaml")
    lines = str(err.value).splitlines()
    assert f"j.yaml: entries[{index}].event.{typo}: unknown field; did you mean {name!r}?" in lines


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(EVENT_MODELS)), st.integers(0, 3), st.data())
def test_a_misspelt_inject_type_gets_the_right_type_with_its_entry(kind, index, data):
    i = data.draw(st.integers(0, len(kind) - 2), label="position")
    typo = data.draw(
        st.sampled_from(
            [kind[:i] + kind[i + 1 :], kind[:i] + kind[i + 1] + kind[i] + kind[i + 2 :]]
        )
    )
    if typo == kind:
        return  # a swap of two equal letters
    with pytest.raises(JournalError) as err:
        Journal.from_yaml(_journal_text({"type": typo, "district": "Xuhui"}, index), "j.yaml")
    (line,) = str(err.value).splitlines()  # one problem: the type (no noise about its fields)
    assert line.startswith(
        f"j.yaml: entries[{index}].event.type: unknown type {typo!r}; did you mean {kind!r}? "
    )


def test_every_problem_of_a_journal_is_reported_with_a_did_you_mean():
    text = (
        "entrys: []\nseed: -1\nentries:\n"
        "  - {t_h: 1, evnt: {type: policy}}\n"
        "  - {t_h: 2, event: {type: road_collapse, distrct: Xuhui}}\n"
        "  - {t_h: 3, event: {district: Xuhui}}\n"
    )
    with pytest.raises(JournalError) as err:
        Journal.from_yaml(text, "j.yaml")
    assert [str(p) for p in err.value.problems] == [
        "j.yaml: entrys: unknown field (expected journal, scenario, scenario_name, city, "
        "scenario_hash, seed, overrides, entries); "
        "did you mean 'entries'?",
        "j.yaml: seed: expected a non-negative integer, got -1",
        "j.yaml: entries[0].evnt: unknown field (expected t_h, by, event); did you mean 'event'?",
        "j.yaml: entries[0].event: expected an event mapping with a 'type'",
        "j.yaml: entries[1].event.district: required field is missing",
        "j.yaml: entries[1].event.distrct: unknown field; did you mean 'district'?",
        "j.yaml: entries[2].event.type: required field is missing (one of: warning, "
        "typhoon_landfall, pipe_burst, road_collapse, chemical_fire, epidemic_cases, "
        "bridge_closure, resources, policy)",
    ]


def test_a_scenario_event_of_an_unknown_type_gets_a_did_you_mean(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {EXAMPLE.resolve()}\nevents:\n  - {{type: road_colapse, at_h: 2}}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(
        f"{path}: events[0].type: unknown type 'road_colapse'; did you mean 'road_collapse'?"
    )


# ---------------------------------------------------------------------------- validate --journal
MISFIT = """journal: 1
entries:
  - {t_h: 1, event: {type: pipe_burst, district: Riversde}}
  - {t_h: 2, event: {type: resources, depot: central reservoir, resource: pump, count: 2}}
  - {t_h: 3, event: {type: bridge_closure, between: [Old Harbour, Westhil]}}
  - {t_h: 36, event: {type: policy, mutual_aid: false}}
"""
MISFIT_LINES = [
    "entries[0].event.district: unknown district 'Riversde' of this city; did you mean "
    "'Riverside'?",
    "entries[1].event.depot: unknown depot 'central reservoir' of this city; did you mean "
    "'central reserve'?",
    "entries[2].event.between[1]: unknown district 'Westhil' of this city; did you mean "
    "'Westhill'?",
    "entries[3].t_h: 36 h is not before the scenario's horizon (36 h, time.duration_h): the "
    "inject would never apply",
]
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


# A hang guard, not a timing: validating the example city takes about 1 s alone (2.7 s on a
# loaded CI machine failed a 2 s bound); before the alias cap the bomb took 30 s and 525 MB.
HANG_GUARD_S = 15.0


def _cli(*args: str):
    start = time.perf_counter()
    res = CliRunner().invoke(app, [str(a) for a in args])
    return res, time.perf_counter() - start


def test_validate_checks_a_journal_as_run_would(tmp_path):
    path = tmp_path / "j.yaml"
    path.write_text("entries:\n  - {t_h: 1, event: {type: road_collapse, distrct: Riverside}}\n")
    res, took = _cli("validate", EXAMPLE, "--journal", path)
    assert res.exit_code == 2 and took < HANG_GUARD_S
    assert f"{path}: entries[0].event.distrct: unknown field; did you mean 'district'?" in (
        res.output
    )
    path.write_text(MISFIT)
    res, took = _cli("validate", EXAMPLE, "--journal", path)
    assert res.exit_code == 2 and took < HANG_GUARD_S
    lines = res.output.splitlines()
    for want in MISFIT_LINES:  # every problem at once, each with file, entry and field
        assert any(line.startswith(f"{path}: {want}") for line in lines), want
    path.write_text(BOMB)
    res, took = _cli("validate", EXAMPLE, "--journal", path)
    assert res.exit_code == 2 and took < HANG_GUARD_S
    assert f"{path}: (yaml): aliases expand to more than 200,000 nodes" in res.output
    with path.open("wb") as f:  # one byte over the cap, all zeros (sparse: costs no disk)
        f.truncate(JOURNAL_MAX_BYTES + 1)
    res, took = _cli("validate", EXAMPLE, "--journal", path)
    assert res.exit_code == 2 and took < HANG_GUARD_S
    assert f"{path}: (file): file is 20,000,001 bytes; at most 20,000,000" in res.output
    path.write_text("entries:\n  - {t_h: 35, event: {type: road_collapse, district: Westhill}}\n")
    res, _ = _cli("validate", EXAMPLE, "--journal", path)
    assert res.exit_code == 0 and " ".join(res.output.split()) == f"{EXAMPLE}: OK; {path}: OK"


def test_run_refuses_the_journals_validate_refuses_with_the_same_lines(tmp_path):
    path, out = tmp_path / "j.yaml", tmp_path / "run"
    path.write_text(MISFIT)
    checked, _ = _cli("validate", EXAMPLE, "--journal", path)
    ran, _ = _cli("run", EXAMPLE, "--journal", path, "--out", out, "-q", "--no-figures")
    assert ran.exit_code == 2 and ran.output == checked.output  # one code path
    path.write_text(BOMB)
    ran, took = _cli("run", EXAMPLE, "--journal", path, "--out", out, "-q", "--no-figures")
    assert ran.exit_code == 2 and took < HANG_GUARD_S and "alias bomb" in ran.output
    assert "Traceback" not in ran.output and isinstance(ran.exception, SystemExit)
    assert not out.exists() and not list(tmp_path.glob("run.partial*"))  # refused before


def test_the_app_refuses_the_journals_validate_refuses():
    pytest.importorskip("solara")
    from sim.interfaces.app.adapter import AppInputError, SessionController

    ctrl = SessionController(load_scenario(EXAMPLE))
    with pytest.raises(AppInputError) as err:
        ctrl.load_journal_text(MISFIT, "pasted")
    lines = str(err.value).splitlines()
    assert len(lines) == len(MISFIT_LINES)
    assert all(
        line.startswith(f"pasted: {want}") for line, want in zip(lines, MISFIT_LINES, strict=True)
    )
    assert ctrl.session.journal.entries == [] and ctrl.t_h == 0.0


def test_a_bad_override_in_a_journal_is_traced_to_the_journal(tmp_path):
    """The journal's overrides are applied to the scenario, so their problems are the
    scenario's fields; the message also names the journal they came from."""
    path = tmp_path / "j.yaml"
    path.write_text(
        "journal: 1\nscenario: example-city-typhoon\nseed: 1\n"
        "overrides: [networks.resolution=-3]\nentries: []\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["validate", str(EXAMPLE), "--journal", str(path)])
    assert res.exit_code == 2, res.output
    assert f"{EXAMPLE}: networks.resolution:" in res.output
    assert f"{path}: overrides: the scenario was loaded with the journal's overrides" in res.output


def test_a_journal_with_thousands_of_problems_prints_the_first_hundred_and_a_count(tmp_path):
    """1,000 entries naming unknown districts: 1,000 problems, of which the first 100 are
    printed in order and the rest counted on one line (a damaged 20 MB journal printed 80,000)."""
    path = tmp_path / "j.yaml"
    entry = "  - {t_h: 1, event: {type: road_collapse, district: Nowhere%d}}\n"
    path.write_text("entries:\n" + "".join(entry % i for i in range(1000)))
    res, _ = _cli("validate", EXAMPLE, "--journal", path)
    lines = res.output.splitlines()
    assert res.exit_code == 2 and len(lines) == 101, lines[-3:]
    assert lines[0].startswith(f"{path}: entries[0].") and lines[99].startswith(
        f"{path}: entries[99]."
    )
    assert lines[100] == "... and 900 more problems (the first 100 shown)"
