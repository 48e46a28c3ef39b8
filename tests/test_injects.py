"""Exercise injects: each kind changes the state it should; live sessions replay exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.interfaces.exercise.journal import Journal
from sim.interfaces.exercise.replay import with_journal
from sim.interfaces.exercise.session import ExerciseSession, InjectError
from sim.models.emergency import CityModel
from sim.models.event_effects import KD_BACKGROUND_MS, landfall_track
from sim.response.resources import RESOURCE_INDEX
from sim.results.summary import summarise
from sim.scenario import load_scenario
from sim.scenario.events import EVENT_ADAPTER

SMALL = Path(__file__).parent / "data" / "small-lekima.yaml"
# 4 coarse hours around Lekima's closest approach: the orange warning (14:10 UTC) falls inside.
OV = ["networks.resolution=0.05", "time.duration_h=4", "time.start_utc=2019-08-09T12:00:00Z"]
LIVE = [  # (hour, event) injects of the live session
    (1, {"type": "road_collapse", "district": "Xuhui", "count": 2}),
    (1, {"type": "resources", "district": "Minhang", "resource": "drainage", "count": 3}),
    (2, {"type": "chemical_fire", "district": "Jinshan"}),
    (2, {"type": "policy", "logistics_policy": "severity", "mutual_aid": False}),
    (3, {"type": "pipe_burst", "district": "Huangpu", "count": 2}),
]


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SMALL, OV)


@pytest.fixture(scope="module")
def live(scenario):
    """A live session run to the horizon with the LIVE injects."""
    session = ExerciseSession(scenario)
    for hour, event in LIVE:
        if hour > session.model.time:
            session.step(hour - session.model.time)
        session.inject(event)
    session.step(10)
    return session


def _outputs(model: CityModel):
    summary = summarise(model, 0.0)
    return (
        summary,
        model.datacollector.get_model_vars_dataframe(),
        model.datacollector.get_agenttype_vars_dataframe(type(model.districts[0])),
        model.events.to_frame(),
    )


def _assert_same(a, b):
    assert a[0] == b[0]
    for x, y in zip(a[1:], b[1:], strict=True):
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True))


def test_live_session_equals_session_replay_and_batch_replay(scenario, live):
    live_out = _outputs(live.model)
    replayed = ExerciseSession(scenario, live.journal)
    replayed.step(4)
    _assert_same(live_out, _outputs(replayed.model))
    batch = CityModel(with_journal(scenario, live.journal))
    batch.run()
    _assert_same(live_out, _outputs(batch))
    assert live.done
    with pytest.raises(InjectError, match="horizon"):
        live.inject({"type": "warning", "level": "red"})
    kinds = set(live_out[3]["kind"].astype(str))
    assert {f"inject:{e['type']}" for _, e in LIVE} <= kinds


def test_empty_journal_leaves_the_run_bit_identical(scenario):
    plain = CityModel(scenario)
    plain.run()
    session = ExerciseSession(scenario, Journal())
    session.step(4)
    _assert_same(_outputs(plain), _outputs(session.model))
    assert not any(str(k).startswith("inject:") for k in session.model.events.to_frame()["kind"])


def test_each_inject_changes_its_state(scenario):
    s = ExerciseSession(scenario)
    m = s.model
    s.step(1)
    names = list(m.city.districts["name_en"])
    xuhui, huangpu, minhang = (names.index(n) for n in ("Xuhui", "Huangpu", "Minhang"))
    # road_collapse: 2 closed segments in Xuhui, impassable, one incident each there
    n_inc = m.service.n_incidents
    s.inject({"type": "road_collapse", "district": "Xuhui", "count": 2})
    closed = np.flatnonzero(m.infra.edge_closed)
    assert closed.size == 2 and set(m.infra.edge_district[closed]) == {xuhui}
    assert np.all(m.infra.edge_speed_factor[closed] == 0)
    new = m.service.records().tail(m.service.n_incidents - n_inc)
    inc = new[new["kind"] == "road_collapse"]
    assert len(inc) == 2 and set(inc["district"]) == {xuhui}
    # the rest are the gas mains under the collapsed segments, broken with them
    assert set(new["kind"]) - {"road_collapse"} <= {"gas_leak"}
    # pipe_burst: 2 more damaged mains junctions in Huangpu
    before = int(m.infra.damaged["water"].sum())
    s.inject({"type": "pipe_burst", "district": "Huangpu", "count": 2})
    hit = np.flatnonzero(m.infra.damaged["water"])
    assert hit.size == before + 2
    assert set(m.infra.layers["water"].nodes["district"][hit]) == {huangpu}
    # resources +3 drainage teams in Minhang: owned (available + out + off duty) grows by 3
    stock, r = m.service.dispatcher.stock, RESOURCE_INDEX["drainage"]
    rows = [k for k, d in enumerate(m.service.depots) if d.district == minhang and not d.central]

    def owned():
        return (stock.available + stock.out_on_job + stock.off_duty)[rows, r].sum()

    o0 = owned()
    s.inject({"type": "resources", "district": "Minhang", "resource": "drainage", "count": 3})
    assert owned() == o0 + 3
    # withdrawing pumps from the central reserve: exactly what is there at most, conserved
    central = len(m.service.depots) - 1
    p = RESOURCE_INDEX["pump"]
    have = stock.available[central, p]
    s.inject({"type": "resources", "depot": "central reserve", "resource": "pump", "count": -2})
    assert stock.available[central, p] == max(have - 2, 0)
    stock.check_conservation()
    # bridge_closure: every Huangpu–Pudong crossing closed
    s.inject({"type": "bridge_closure", "between": ["Huangpu", "Pudong New Area"]})
    roads = m.infra.layers["roads"]
    du = roads.nodes["district"][roads.edges["u"]]
    dv = roads.nodes["district"][roads.edges["v"]]
    pud = names.index("Pudong New Area")
    cross = (np.minimum(du, dv) == huangpu) & (np.maximum(du, dv) == pud)
    cross &= roads.edges["edge_type"] >= 2
    assert cross.any() and m.infra.edge_closed[cross].all()
    # epidemic_cases: the SEIR chain appears with the cases in Minhang
    assert m.epidemic is None
    s.inject({"type": "epidemic_cases", "district": "Minhang", "count": 40})
    assert m.epidemic_state.i[minhang] == 40 and m.epidemic_state.i.sum() == 40
    # chemical_fire: one fire incident in Jinshan, on-site deaths logged as such
    deaths0 = m.deaths
    s.inject({"type": "chemical_fire", "district": "Jinshan"})
    assert "chemical_fire" in set(m.service.records()["kind"])
    ev = m.events.to_frame()
    logged = ev[(ev["kind"] == "death") & (ev["detail"] == "chemical_fire")]["value"].sum()
    assert m.deaths - deaths0 == logged
    # typhoon_landfall: the hazard is a new storm starting now
    s.inject({"type": "typhoon_landfall", "landfall_lon": 121.9, "landfall_lat": 30.9})
    assert m.hazard.track.time_utc[0] == m.utc()


def test_early_warning_off_withholds_warnings_until_switched_on(scenario):
    s = ExerciseSession(scenario)
    assert s.model.warning_centre.level == "yellow"  # in force since 05:00 UTC
    s.inject({"type": "policy", "early_warning": False})
    s.step(3)  # the scripted orange at 14:10 UTC (t = 2.17 h) is withheld
    wc = s.model.warning_centre
    assert wc.level == "yellow" and wc.withheld == {
        "typhoon": ("orange", wc.withheld["typhoon"][1])
    }
    assert s.model.events.count("warning") == 2  # the two in force at the start only
    assert set(s.history()["alert_level"]) == {2}
    s.inject({"type": "policy", "early_warning": True})
    assert wc.level == "orange" and wc.issued[-1][0] == 3.0


def test_bad_injects_get_page_friendly_messages(scenario):
    s = ExerciseSession(scenario)
    with pytest.raises(InjectError, match="valid districts: Huangpu, Xuhui"):
        s.inject({"type": "road_collapse", "district": "Atlantis"})
    with pytest.raises(InjectError, match=r"^district: required field is missing"):
        s.inject({"type": "pipe_burst"})
    with pytest.raises(InjectError, match="unknown inject type 'flood'; valid: warning"):
        s.inject({"type": "flood"})
    with pytest.raises(InjectError, match="crossings join: Huangpu – Pudong New Area"):
        s.inject({"type": "bridge_closure", "between": ["Huangpu", "Xuhui"]})
    with pytest.raises(InjectError, match="; did you mean 'road_collapse'\\?$"):
        s.inject({"type": "road_colapse", "district": "Xuhui"})
    with pytest.raises(InjectError, match="^cont: unknown field; did you mean 'count'\\?$"):
        s.inject({"type": "pipe_burst", "district": "Xuhui", "cont": 2})
    assert s.journal.entries == [] and s.model.engine.applied[-1][2] == "scenario"


def test_landfall_track_passes_the_point_and_decays_over_land():
    ev = EVENT_ADAPTER.validate_python(
        {
            "type": "typhoon_landfall",
            "at_h": 0,
            "landfall_lon": 121.9,
            "landfall_lat": 30.9,
            "landfall_in_h": 4,
            "heading_deg": 0,
            "speed_kmh": 36,
            "vmax_ms": 40,
            "pressure_hpa": 960,
            "hours_after": 10,
        }  # fmt: skip
    )
    tr = landfall_track(ev, np.datetime64("2019-08-09T12:00:00"))
    assert tr.lat_deg[4] == pytest.approx(30.9) and tr.lon_deg[4] == pytest.approx(121.9)
    # due north at 36 km/h: 4 h before landfall the centre is 144 km south (1° = 111.19 km)
    assert tr.lat_deg[0] == pytest.approx(30.9 - 144 / 111.195, abs=1e-3)
    # Kaplan & DeMaria (1995): V(10 h) = Vb + (0.9·40 − Vb)·e^(−0.95)
    want = KD_BACKGROUND_MS + (36.0 - KD_BACKGROUND_MS) * np.exp(-0.95)
    assert tr.vmax_ms[-1] == pytest.approx(want)
    # pressure deficit ∝ V² (Holland 1980): (1010 − p) = 50·(V/40)²
    assert 1010 - tr.pressure_hpa[-1] == pytest.approx(50 * (want / 40) ** 2)
    assert np.all(tr.vmax_ms[:5] == 40)


@pytest.mark.parametrize(
    ("event", "line"),
    [
        ("{type: bridge_closure, at_h: 1, between: [Atlantis, Northgate]}",
         "events[0].between: unknown district 'Atlantis' of this city"),
        ("{type: bridge_closure, at_h: 1, between: [Westhill, Northgate]}",
         "events[0].between: no river crossing between Westhill and Northgate"),
        ("{type: resources, at_h: 2, depot: Old Harbor fire station 1, resource: boat, count: 2}",
         "events[0].depot: unknown depot 'Old Harbor fire station 1'"),
    ],
)  # fmt: skip
def test_scripted_events_naming_what_the_city_lacks_are_refused_by_validate_and_run(
    tmp_path, event, line
):
    """A scenario's events are checked against the model as a journal's are (they passed
    validate and then crashed run with an InjectError traceback)."""
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    base = Path(__file__).resolve().parents[1] / "scenarios/example-city/typhoon.yaml"
    path = tmp_path / "events.yaml"
    path.write_text(
        f"extends: {base}\nwarnings: {{mode: forecast}}\nevents:\n  - {event}\n", encoding="utf-8"
    )
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "r")]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2, res.output
        assert f"{path}: {line}" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "r").exists()
