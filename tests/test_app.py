"""Exercise web app without a browser: trainer token, read-only refusals, display messages
for malformed injects and journals, inject forms, and session isolation."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pytest.importorskip("solara")  # the `app` extra

from sim.interfaces.app.adapter import AppInputError, SessionController  # noqa: E402
from sim.interfaces.app.auth import (  # noqa: E402
    TRAINER,
    VIEWER,
    ReadOnlyError,
    new_token,
    require_trainer,
    role_for,
    token_from_query,
)
from sim.interfaces.app.forms import UNSET, build_event, field_specs  # noqa: E402
from sim.interfaces.app.settings import AppSettings, load_app_scenario  # noqa: E402
from sim.scenario.events import EVENT_ADAPTER, INJECT_TYPES  # noqa: E402

SCENARIO = "scenarios/shanghai/lekima-2019.yaml"
COARSE = (
    "networks.resolution=0.05",
    "time.start_utc=2019-08-09T16:00:00Z",
    "time.duration_h=12",
)


@pytest.fixture(scope="module")
def scenario():
    return load_app_scenario(SCENARIO, COARSE)


# ---------------------------------------------------------------------------- token
def test_without_server_token_everyone_is_trainer():
    assert role_for(None, None) == TRAINER
    assert role_for("anything", "") == TRAINER


def test_shared_server_needs_the_exact_token():
    token = new_token()
    assert len(token) >= 32  # 24 random bytes, URL-safe base64
    assert role_for(token, token) == TRAINER
    assert role_for(f" {token} ", token) == TRAINER  # pasted with spaces
    assert role_for(None, token) == VIEWER
    assert role_for("", token) == VIEWER
    assert role_for(token[:-1], token) == VIEWER
    assert role_for(token + "x", token) == VIEWER


def test_token_read_from_the_url_query():
    assert token_from_query("token=abc-_1") == "abc-_1"
    assert token_from_query("?x=1&token=t0k") == "t0k"
    assert token_from_query("x=1") is None
    assert token_from_query(None) is None


def test_require_trainer_names_the_refused_action():
    require_trainer(TRAINER, "injects")  # no error
    with pytest.raises(ReadOnlyError, match="reset needs the trainer token"):
        require_trainer(VIEWER, "reset")


def test_settings_round_trip_through_the_environment(tmp_path):
    s = AppSettings(tmp_path / "s.yaml", ("a.b=1", "c=x y"), "tok", tmp_path / "j")
    assert AppSettings.from_env(s.to_env()) == s
    local = AppSettings(tmp_path / "s.yaml")
    assert AppSettings.from_env(local.to_env()).token is None
    with pytest.raises(RuntimeError, match="citysafe app"):
        AppSettings.from_env({})


# ---------------------------------------------------------------------------- forms
def test_default_form_of_each_district_inject_is_a_valid_event():
    districts, depots, resources = ["Huangpu", "Xuhui"], ["central reserve"], ["pump"]
    for kind in ("pipe_burst", "road_collapse", "chemical_fire", "warning"):
        specs = field_specs(kind, districts, depots, resources)
        event = build_event(kind, {s.name: s.default for s in specs})
        EVENT_ADAPTER.validate_python({**event, "at_h": 0.0})  # raises if the form is wrong
    assert {s.name for s in field_specs("bridge_closure", districts, depots, resources)} >= {
        "between.0",
        "between.1",
    }


def test_form_values_become_typed_event_fields():
    event = build_event(
        "policy",
        {"early_warning": "false", "relocation_compliance_scale": "0.5",
         "logistics_policy": UNSET, "note": "drill"},
    )  # fmt: skip
    assert event == {
        "type": "policy",
        "early_warning": False,
        "relocation_compliance_scale": 0.5,
        "note": "drill",
    }
    assert build_event("bridge_closure", {"between.0": "A", "between.1": "B"})["between"] == [
        "A",
        "B",
    ]
    assert set(INJECT_TYPES) >= {"road_collapse", "resources", "policy"}


# ---------------------------------------------------------------------------- controller
def test_viewer_is_refused_every_change_and_nothing_changes(scenario):
    ctrl = SessionController(scenario, VIEWER)
    before = ctrl.outcomes()
    for action in (
        lambda: ctrl.inject({"type": "road_collapse", "district": "Xuhui"}),
        lambda: ctrl.inject_yaml("{type: road_collapse, district: Xuhui}"),
        lambda: ctrl.inject(
            {"type": "resources", "district": "Xuhui", "resource": "pump", "count": 3}
        ),  # fmt: skip
        lambda: ctrl.inject({"type": "policy", "mutual_aid": False}),
        ctrl.reset,
        lambda: ctrl.load_journal_text("journal: 1\nentries: []\n"),
    ):
        with pytest.raises(ReadOnlyError, match="read-only session"):
            action()
    assert ctrl.session.journal.entries == []
    assert ctrl.outcomes() == before


def test_malformed_injects_give_display_messages_and_apply_nothing(scenario):
    ctrl = SessionController(scenario, TRAINER)
    cases = [
        ({"type": "road_collapse", "district": "Atlantis"}, "unknown district 'Atlantis'.*Xuhui"),
        ({"type": "road_collapse", "district": "Xuhui", "count": 0}, "count.*greater than"),
        ({"type": "meteor"}, "unknown inject type 'meteor'"),
        ("road_collapse", "mapping with a 'type'"),
    ]
    for event, pattern in cases:
        with pytest.raises(AppInputError, match=pattern):
            ctrl.inject(event)
    with pytest.raises(AppInputError, match=r"not valid YAML \(line 1, column \d+\)"):
        ctrl.inject_yaml("{type: [")
    assert ctrl.session.journal.entries == []


def test_malformed_journal_message_names_the_field_and_keeps_the_session(scenario):
    ctrl = SessionController(scenario, TRAINER)
    ctrl.step(2)
    bad = "journal: 1\nentries:\n  - {t_h: 1, by: t, event: {type: road_collapse, count: 2}}\n"
    with pytest.raises(AppInputError, match=r"pasted: entries\[0\]\.event\.district"):
        ctrl.load_journal_text(bad, "pasted")
    with pytest.raises(AppInputError, match="pasted: line 1.*YAML"):
        ctrl.load_journal_text("entries: [", "pasted")
    unknown = "journal: 1\nentries:\n  - {t_h: 1, event: {type: pipe_burst, district: Mars}}\n"
    with pytest.raises(AppInputError, match="unknown district 'Mars'"):
        ctrl.load_journal_text(unknown, "pasted")
    # the running exercise is kept exactly as it was (clock, journal), not reset
    assert ctrl.t_h == 2.0 and ctrl.session.journal.entries == []
    ctrl.inject({"type": "road_collapse", "district": "Xuhui", "count": 1})
    with pytest.raises(AppInputError, match="unknown district 'Mars'"):
        ctrl.load_journal_text(unknown, "pasted")
    assert ctrl.t_h == 2.0 and len(ctrl.session.journal.entries) == 1


def test_journal_replay_reproduces_the_live_session_and_sessions_are_isolated(scenario):
    live = SessionController(scenario, TRAINER, SCENARIO, COARSE)
    other = SessionController(scenario, TRAINER)  # a second browser on the same server
    live.step(3)
    other.step(3)
    note = live.inject({"type": "road_collapse", "district": "Huangpu", "count": 5})
    assert "road_collapse applied" in note
    live.step(2)
    other.step(2)
    text = live.journal_yaml()
    assert "road_collapse" in text and "networks.resolution=0.05" in text  # replayable by CLI

    replay = SessionController(scenario, TRAINER, SCENARIO, COARSE)
    assert replay.load_journal_text(text) == 1
    replay.step(3)
    replay.step(2)
    assert replay.outcomes() == live.outcomes()
    # the inject closed Huangpu road segments in `live` only: `other` kept full service
    assert live.outcomes()["functionality_roads"] < other.outcomes()["functionality_roads"]
    assert other.session.journal.entries == []


def test_five_concurrent_sessions_do_not_interfere(scenario):
    # Five browser sessions step and inject at once (threads, as the server runs them); each
    # must end exactly where the same actions end when run alone afterwards.
    from concurrent.futures import ThreadPoolExecutor

    districts = ["Huangpu", "Xuhui", "Minhang", "Pudong New Area", "Jiading"]

    def exercise(i: int) -> dict:
        ctl = SessionController(scenario, TRAINER, SCENARIO, COARSE)
        ctl.step(1)
        ctl.inject({"type": "road_collapse", "district": districts[i], "count": i + 1})
        ctl.step(1)
        return ctl.outcomes()

    with ThreadPoolExecutor(max_workers=5) as pool:
        together = list(pool.map(exercise, range(5)))
    alone = [exercise(i) for i in range(5)]
    assert together == alone
    # and the sessions really differed (different districts and counts of collapses)
    assert len({repr(sorted(o.items())) for o in together}) > 1


def test_shared_exercise_views_see_one_model_and_only_trainers_change_it(scenario):
    trainer = SessionController(scenario, TRAINER, SCENARIO, COARSE)
    viewer = trainer.view(VIEWER)
    co_trainer = trainer.view(TRAINER)
    trainer.step(2)
    assert viewer.t_h == co_trainer.t_h == 2.0  # one model, watched from every browser
    with pytest.raises(ReadOnlyError):
        viewer.step(1)  # the shared clock is a change
    with pytest.raises(ReadOnlyError):
        viewer.reset()
    co_trainer.inject({"type": "road_collapse", "district": "Xuhui", "count": 1})
    assert len(viewer.session.journal.entries) == 1
    seen = viewer.version()
    trainer.reset()  # a reset replaces the model for every view
    assert viewer.t_h == 0.0 and viewer.version() != seen


# ---------------------------------------------------------------------------- shared reads
def test_a_viewers_review_does_not_stall_the_trainer(scenario):
    # A viewer's "Compare with baseline" runs a baseline model (seconds). Here that run blocks
    # until the test releases it, and the release comes only after the trainer's wait: if the
    # review held the exercise's lock while computing, the trainer's inject and step could
    # never finish and the wait would time out (the timeout bounds only the trainer's own work).
    from sim.interfaces.exercise.after_action import BaselineCache, baseline_model
    from sim.models.emergency import CityModel
    from sim.results.summary import summarise

    started, release, builds = threading.Event(), threading.Event(), []

    def slow_build(scen, city_state):
        builds.append(scen.name)
        started.set()
        assert release.wait(60)
        return CityModel(scen.model_copy(update={"injects": []}), city_state=city_state)

    trainer = SessionController(scenario, TRAINER, baselines=BaselineCache(build=slow_build))
    viewers = [trainer.view(VIEWER), trainer.view(VIEWER)]
    trainer.step(1)
    reviews: list = []
    asking = [
        threading.Thread(target=lambda v=v: reviews.append(v.after_action())) for v in viewers
    ]
    for thread in asking:
        thread.start()
    assert started.wait(30)
    acted = threading.Event()

    def trainer_acts():
        trainer.inject({"type": "road_collapse", "district": "Xuhui", "count": 3})
        trainer.step(1)
        acted.set()

    threading.Thread(target=trainer_acts, daemon=True).start()
    in_time = acted.wait(5.0)
    release.set()
    for thread in asking:
        thread.join(60)
    assert in_time, "the trainer was blocked while a viewer's baseline was computed"
    assert len(reviews) == 2 and builds == [scenario.name]  # two viewers, one baseline run

    # Asked again now (t = 2 h): no new run; the baseline is the scenario without injects at
    # the same hour, as a fresh run gives it, and the inject shows as the difference.
    review = viewers[0].after_action()
    assert builds == [scenario.name]
    table = review.outcomes.set_index("outcome")
    fresh = summarise(baseline_model(scenario, 2.0), 0.0)
    assert table["baseline"].to_dict() == {k: float(fresh[k]) for k in table.index}
    assert table["exercise"].to_dict() == {
        k: float(v) for k, v in summarise(trainer.model, 0.0).items() if k in table.index
    }
    assert table.loc["incidents", "difference"] > 0
    assert "inject:road_collapse" in set(review.timeline["kind"])


def test_baselines_are_cached_by_hour_and_equal_fresh_runs(scenario):
    from sim.interfaces.exercise.after_action import BaselineCache, baseline_model
    from sim.models.emergency import CityModel
    from sim.results.summary import summarise

    builds = []

    def counted(scen, city_state):
        builds.append(1)
        return CityModel(scen.model_copy(update={"injects": []}), city_state=city_state)

    cache = BaselineCache(build=counted)
    cache.summary(scenario, 2.0)
    passed = cache.summary(scenario, 1.0)  # an hour passed on the way to 2 h: kept
    assert len(builds) == 1
    assert passed == summarise(baseline_model(scenario, 1.0), 0.0)  # steps = one run
    cache.summary(scenario, 0.5)  # earlier and off the hourly grid: a new run
    assert len(builds) == 2


def test_the_map_is_drawn_from_a_copy_of_the_model(scenario):
    from sim.interfaces.app.mapview import map_data

    ctrl = SessionController(scenario, TRAINER)
    data = map_data(ctrl.model, "open incidents", ("roads", "power"))
    before = data.values.copy()
    ctrl.inject({"type": "road_collapse", "district": "Xuhui", "count": 5})
    ctrl.step(1)
    assert np.array_equal(data.values, before) and data.t_h == 0.0  # a copy, not a view
    fig = ctrl.map_figure("open incidents", ("roads",))
    assert "t = 1 h" in fig.axes[0].get_title()
