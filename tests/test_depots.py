"""Depots by owner (sim.response.depots) and bundles assembled from several of them
(sim.response.dispatch.assembly): the resource table's checks, the stock the city's figures
give, and the few-legs assembly."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.city import CityDataError, load_city
from sim.response.depots import read_resources
from sim.response.dispatch.assembly import Legs, plan_legs
from sim.response.dispatch.records import DispatchPolicy
from sim.response.resources import N_RESOURCES, RESOURCE_INDEX

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data" / "shanghai"


@pytest.fixture(scope="module")
def shanghai():
    return load_city(DATA)


@pytest.fixture()
def data_copy(tmp_path):
    dst = tmp_path / "city"
    shutil.copytree(DATA, dst)
    return dst


def _edit_csv(folder: Path, old: str, new: str) -> None:
    path = folder / "emergency_resources.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "tree_clearance,team,landscaping_depot",
            "tree_clearance,team,landscape_depot",
            r"line \d+ \(tree_clearance\): depot_kind 'landscape_depot' is not in the city "
            r"profile's emergency.depots",
        ),
        ("haul_truck,equipment,", "haul_truck,supply,", r"unknown supply 'haul_truck'"),
        ("fill_m3,supply,material_warehouse,0,25,", "fill_m3,supply,material_warehouse,0,-5,",
         r"line \d+ \(fill_m3\): per_depot must be a number from 0 to 1e\+09, got -5"),
        ("barriers,supply,material_warehouse,0,15", "barriers,supply,material_warehouse,0,lots",
         r"per_depot must be a number from 0 to 1e\+09, got 'lots'"),
        ("vehicle,equipment,fire_station", "vehicle,equipment,material_warehouse",
         r"\(vehicle, material_warehouse\) is listed twice"),
        ("resource,kind,depot_kind,", "resource,kind,owner,",
         r"missing column\(s\) \['depot_kind'\]"),
    ],
)  # fmt: skip
def test_bad_resource_tables_are_refused_naming_file_line_and_expectation(
    data_copy, shanghai, old, new, message
):
    _edit_csv(data_copy, old, new)
    with pytest.raises(CityDataError, match=message) as err:
        read_resources(data_copy, shanghai.profile.emergency.depots)
    assert err.value.file.name == "emergency_resources.csv"


def test_validate_reports_a_bad_resource_table_without_a_traceback(data_copy):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    _edit_csv(data_copy, "medical,team,ambulance_station", "medical,team,hospital")
    scen = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"
    res = CliRunner().invoke(app, ["validate", str(scen), "-p", f"city.data_dir={data_copy}"])
    assert res.exit_code == 2
    assert "unusable emergency resources" in res.output and "'hospital'" in res.output
    assert "Traceback" not in res.output


def test_city_stock_follows_its_sourced_figures(shanghai):
    """980 ambulances (one crew each), 457 landscaping crews, 2 squads per fire station: the
    per-100k rows of the table times the census population, rounded per district."""
    from types import SimpleNamespace

    from sim.response.depots import build_depots

    class Router:
        def nearest_node(self, x, y):
            return np.zeros(np.size(x), dtype=np.int64)

    cfg = SimpleNamespace(teams_scale=1.0, equipment_scale=1.0, supplies_scale=1.0)
    depots = build_depots(shanghai, cfg, DATA, Router(), np.random.default_rng(0))
    kinds = shanghai.profile.emergency.depots
    for kind, spec in kinds.items():
        mine = [d for d in depots if d.kind == kind]
        assert spec.count <= len(mine) <= spec.count + shanghai.n_districts
    teams = {}
    for d in depots:
        for k, v in d.teams.items():
            teams[k] = teams.get(k, 0) + v
    pop = shanghai.districts["population"].sum()
    assert teams["medical"] == pytest.approx(3.94 * pop / 1e5, abs=8)  # 980 ambulances
    assert teams["tree_clearance"] == pytest.approx(457, abs=8)
    stations = sum(d.kind == "fire_station" for d in depots)
    assert teams["fire_rescue"] == 2 * stations
    # nobody but the fire stations holds fire squads, nobody but the sanitation yards trucks
    assert all(d.kind == "fire_station" for d in depots if d.teams.get("fire_rescue"))
    assert all(d.kind in ("sanitation_yard",) for d in depots if d.equipment.get("haul_truck"))


# ---------------------------------------------------------------- assembly

CREW, SAW, TRUCK = (RESOURCE_INDEX[k] for k in ("tree_clearance", "chainsaw", "haul_truck"))
POLICY = DispatchPolicy(bundle_complete=True, consolidation_slack_h=0.25)


def _plan(need, available, times):
    n = len(times)
    return plan_legs(
        np.asarray(need, float),
        np.asarray(available, float),
        np.asarray(times, float),
        np.ones(n, dtype=bool),
        np.arange(n),
        POLICY,
        started=False,
        needs_team=True,
    )


def _vec(**kw):
    v = np.zeros(N_RESOURCES)
    for k, q in kw.items():
        v[RESOURCE_INDEX[k]] = q
    return v


def test_a_crew_brings_its_own_saw_and_the_truck_comes_from_the_yard():
    need = _vec(tree_clearance=1, chainsaw=1, haul_truck=1)
    available = np.stack(
        [
            _vec(chainsaw=2),  # 0: a depot whose crews are all out, 0.1 h away
            _vec(tree_clearance=1, chainsaw=2),  # 1: crew and saws, 0.2 h away
            _vec(haul_truck=1),  # 2: the sanitation yard, 0.5 h away
        ]
    )
    legs = _plan(need, available, [0.1, 0.2, 0.5])
    assert isinstance(legs, Legs)
    # nearest-first would send the saw from depot 0; the crew's own saw is within the slack
    assert sorted(legs.depots.tolist()) == [1, 2]
    np.testing.assert_allclose(legs.takes.sum(axis=0), need)
    k1 = legs.depots.tolist().index(1)
    assert legs.takes[k1, CREW] == 1 and legs.takes[k1, SAW] == 1


def test_one_depot_holding_the_bundle_within_the_slack_is_one_leg():
    need = _vec(tree_clearance=1, chainsaw=1, haul_truck=1)
    available = np.stack([_vec(tree_clearance=1), _vec(chainsaw=1, haul_truck=1), need * 2])
    legs = _plan(need, available, [0.05, 0.10, 0.30])  # fastest split at 0.10, one depot 0.30
    assert legs.depots.tolist() == [2]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.01, 2.0),
            st.integers(0, 3),
            st.integers(0, 3),
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 3),
)
def test_legs_cover_the_need_from_stock_within_the_slack_and_never_more_legs(
    depots, crews, saws, trucks
):
    need = _vec(tree_clearance=crews, chainsaw=saws, haul_truck=trucks)
    times = np.array([d[0] for d in depots])
    available = np.stack(
        [_vec(tree_clearance=c, chainsaw=s, haul_truck=t) for _, c, s, t in depots]
    )
    out = _plan(need, available, times)
    if (available.sum(axis=0) < need).any():
        assert not isinstance(out, Legs)  # all or nothing
        return
    assert isinstance(out, Legs)
    np.testing.assert_allclose(out.takes.sum(axis=0), need)
    assert (out.takes <= available[out.depots] + 1e-9).all() and (out.takes >= 0).all()
    assert len(set(out.depots.tolist())) == len(out.depots)
    # the nearest-first assembly: its finish time t* and its number of legs
    order = np.lexsort((np.arange(len(times)), times))
    cum = np.minimum(np.minimum(available[order], need).cumsum(axis=0), need)
    take = np.diff(np.vstack([np.zeros(N_RESOURCES), cum]), axis=0)
    used = take.max(axis=1) > 1e-9
    t_star = times[order][used].max()
    assert times[out.depots].max() <= t_star + POLICY.consolidation_slack_h + 1e-12
    if used.sum() == 1:
        assert len(out.depots) == 1
