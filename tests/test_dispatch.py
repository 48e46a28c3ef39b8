"""Tests for sim.response dispatch, resources, incidents and harm.

Road used throughout: a straight street of nodes 0..N-1, 1 km apart, 60 km/h, so the travel
time between nodes i and j is |i - j| / 60 h (one minute per node).
"""

from types import SimpleNamespace

import numpy as np
import pytest

from sim.response.dispatch import (
    Completion,
    Dispatch,
    Dispatcher,
    DispatchError,
    DispatchPolicy,
    TimeOrderError,
)
from sim.response.dispatch.pending import PendingTable
from sim.response.harm import (
    KOBE_1995_RESCUES,
    expected_harm,
    injury_death_probability,
    property_loss_fraction,
    sample_harm,
    trapped_survival_probability,
)
from sim.response.incidents import INCIDENT_CATALOGUE, Incident, IncidentError, make_incident
from sim.response.resources import (
    RESOURCE_INDEX,
    REUSABLE,
    Bundle,
    Depot,
    DepotStock,
    NegativeStockError,
    ResupplyPolicy,
    UnknownResourceError,
)
from sim.response.routing import RoadRouter

MIN = 1 / 60  # one node apart = one minute, in hours


def street(n: int = 21, isolated: tuple[int, ...] = ()):
    """Path graph 0-1-...-(n-1); nodes listed in ``isolated`` get no edges."""
    u = np.arange(n - 1)
    v = u + 1
    keep = ~np.isin(u, isolated) & ~np.isin(v, isolated)
    u, v = u[keep], v[keep]
    return SimpleNamespace(
        nodes={"x_m": np.arange(n) * 1000.0, "y_m": np.zeros(n), "district": np.zeros(n, int)},
        edges={
            "u": u,
            "v": v,
            "length_m": np.full(u.size, 1000.0),
            "speed_kmh": np.full(u.size, 60.0),
            "crossing": np.zeros(u.size, bool),
        },
    )


def incident(i, node, t=0.0, need=None, severity=1.0, work_h=1.0, district=0, kind="test"):
    need = need or Bundle(teams={"fire_rescue": 1})
    return Incident(i, kind, district, node, t, severity, need, work_h=work_h)


def dispatcher(depots, policy="nearest", n=21, **kw):
    return Dispatcher(RoadRouter(street(n)), depots, policy, np.random.default_rng(0), **kw)


# --- nearest depot ------------------------------------------------------------------------
def test_nearest_policy_sends_the_nearest_depot_with_the_needed_team():
    depots = [
        Depot(node=0, district=0, teams={"fire_rescue": 1}),
        Depot(node=8, district=0, teams={"fire_rescue": 1}),
        Depot(node=7, district=0, teams={"medical": 1}),  # nearer, but the wrong skill
    ]
    d = dispatcher(depots)
    d.submit(incident(1, node=6), 0.0)
    (rec,) = d.step(0.0)
    assert isinstance(rec, Dispatch)
    assert [leg.depot for leg in rec.legs] == [1]
    # Depot 1 at node 8 -> node 6: 2 km at 60 km/h = 2 min.
    assert rec.first_arrival_h == pytest.approx(2 * MIN)
    assert rec.full_bundle_h == pytest.approx(2 * MIN)
    assert rec.complete_h == pytest.approx(2 * MIN + 1.0)


def test_next_incident_goes_to_next_nearest_when_nearest_is_busy():
    depots = [
        Depot(node=0, district=0, teams={"fire_rescue": 1}),
        Depot(node=8, district=0, teams={"fire_rescue": 1}),
    ]
    d = dispatcher(depots)
    d.submit(incident(1, node=6), 0.0)
    d.submit(incident(2, node=6), 0.0)
    recs = [r for r in d.step(0.0) if isinstance(r, Dispatch)]
    assert [r.legs[0].depot for r in recs] == [1, 0]
    assert recs[1].first_arrival_h == pytest.approx(6 * MIN)


# --- bundle completeness ------------------------------------------------------------------
PUMP_JOB = Bundle(teams={"drainage": 1}, equipment={"pump": 1})


def test_bundle_complete_assembles_from_two_depots_with_time_of_last_arrival():
    depots = [
        Depot(node=10, district=0, teams={"drainage": 1}),
        Depot(node=0, district=0, equipment={"pump": 1}),
    ]
    d = dispatcher(depots, "bundle_complete")
    d.submit(incident(1, node=12, need=PUMP_JOB), 0.0)
    (rec,) = d.step(0.0)
    assert sorted(leg.depot for leg in rec.legs) == [0, 1]
    # Team 2 min away, pump 12 min away: work can start when the pump arrives.
    assert rec.first_arrival_h == pytest.approx(2 * MIN)
    assert rec.full_bundle_h == pytest.approx(12 * MIN)


def test_bundle_complete_prefers_one_depot_within_slack():
    depots = [
        Depot(node=10, district=0, teams={"drainage": 1}),
        Depot(node=9, district=0, equipment={"pump": 1}),
        Depot(node=4, district=0, teams={"drainage": 1}, equipment={"pump": 1}),
    ]
    d = dispatcher(depots, DispatchPolicy(bundle_complete=True, consolidation_slack_h=0.25))
    d.submit(incident(1, node=12, need=PUMP_JOB), 0.0)
    (rec,) = d.step(0.0)
    # Split assembly arrives at 3 min; the single depot at 8 min is within 15 min slack.
    assert [leg.depot for leg in rec.legs] == [2]
    assert rec.full_bundle_h == pytest.approx(8 * MIN)


def test_bundle_complete_keeps_team_home_until_equipment_is_free():
    depots = [Depot(node=0, district=0, teams={"drainage": 2}, equipment={"pump": 1})]
    d = dispatcher(depots, "bundle_complete")
    d.submit(incident(1, node=3, need=PUMP_JOB, work_h=1.0), 0.0)
    d.submit(incident(2, node=3, need=PUMP_JOB, work_h=1.0), 0.0)
    first = d.step(0.0)
    assert [r.incident_id for r in first] == [1]
    # The idle second team is not sent without a pump.
    assert d.stock.available[0, 0 + 2] == 1  # drainage team still at the depot
    # Job 1: arrive 3 min, work 1 h, pump back 3 min later -> available at 1 h 6 min.
    recs = d.step(2.0)
    disp2 = [r for r in recs if isinstance(r, Dispatch) and r.incident_id == 2][0]
    assert disp2.t_h == pytest.approx(1.0 + 6 * MIN)
    assert disp2.full_bundle_h == pytest.approx(1.0 + 9 * MIN)
    d.step(3.0)
    assert d.utilisation()["drainage"] == pytest.approx(2.2 / 6)  # see the "nearest" test


def test_nearest_policy_sends_team_first_and_it_waits_for_the_pump():
    depots = [Depot(node=0, district=0, teams={"drainage": 2}, equipment={"pump": 1})]
    d = dispatcher(depots, "nearest")
    d.submit(incident(1, node=3, need=PUMP_JOB), 0.0)
    d.submit(incident(2, node=3, need=PUMP_JOB), 0.0)
    first = d.step(0.0)
    assert [r.incident_id for r in first] == [1, 2]
    assert np.isnan(first[1].full_bundle_h)  # team 2 sent without its pump
    d.step(3.0)
    rec = d.records().set_index("incident_id")
    assert rec.loc[2, "first_arrival_h"] == pytest.approx(3 * MIN)
    assert rec.loc[2, "full_bundle_h"] == pytest.approx(1.0 + 9 * MIN)  # same as bundle_complete
    # Team 2 is busy from 0 until it is back at 2 h 12 min (pump back at 1.1 h, 3 min out,
    # 1 h work, 3 min back); team 1 for 1.1 h: (1.1 + 2.2) team-h over 2 teams x 3 h.
    # Under bundle_complete team 2 would leave at 1.1 h: (1.1 + 1.1) / 6.
    assert d.utilisation()["drainage"] == pytest.approx(3.3 / 6)
    assert d.utilisation()["pump"] == pytest.approx(2.2 / 3)


# --- ordering -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "expected"), [("severity", [10, 12, 13, 11]), ("nearest", [10, 11, 12, 13])]
)
def test_queue_order_follows_severity_or_arrival(policy, expected):
    d = dispatcher([Depot(node=0, district=0, teams={"fire_rescue": 1})], policy)
    d.submit(incident(10, node=1, t=0.0, severity=1), 0.0)  # takes the only team
    d.submit(incident(11, node=1, t=0.1, severity=1), 0.1)
    d.submit(incident(12, node=1, t=0.2, severity=5), 0.2)
    d.submit(incident(13, node=1, t=0.3, severity=3), 0.3)
    d.step(20.0)
    rec = d.records().sort_values("t_first_dispatch_h")
    assert list(rec["incident_id"]) == expected


def test_strict_queue_blocks_behind_unservable_head_but_backfill_does_not():
    big = Bundle(teams={"fire_rescue": 2})
    for backfill, served in ((True, {2}), (False, set())):
        d = dispatcher(
            [Depot(node=0, district=0, teams={"fire_rescue": 1})],
            DispatchPolicy(bundle_complete=True, backfill=backfill),
        )
        d.submit(incident(1, node=1, need=big), 0.0)
        d.submit(incident(2, node=1), 0.0)
        assert {r.incident_id for r in d.step(0.0)} == served


# --- districts, reachability --------------------------------------------------------------
def test_without_mutual_aid_only_own_district_and_central_depots_serve():
    depots = [
        Depot(node=5, district=1, teams={"fire_rescue": 1}),
        Depot(node=20, district=0, teams={"fire_rescue": 1}, central=True),
    ]
    for aid, depot in ((True, 0), (False, 1)):
        d = dispatcher(depots, DispatchPolicy(mutual_aid=aid))
        d.submit(incident(1, node=4, district=0), 0.0)
        (rec,) = d.step(0.0)
        assert rec.legs[0].depot == depot
    d = dispatcher(depots[:1], DispatchPolicy(mutual_aid=False))
    d.submit(incident(1, node=4, district=0), 0.0)
    assert d.step(5.0) == [] and list(d.unmet()) == [1]


def test_unreachable_incident_is_never_served_and_counted_unmet():
    router = RoadRouter(street(10, isolated=(9,)))
    d = Dispatcher(
        router,
        [Depot(node=0, district=0, teams={"fire_rescue": 3})],
        "nearest",
        np.random.default_rng(0),
    )
    d.submit(incident(1, node=9), 0.0)
    d.submit(incident(2, node=4), 0.0)
    d.step(10.0)
    assert list(d.unmet()) == [1]
    s = d.summary()
    assert s["n_never_dispatched"] == 1 and s["n_full_bundle"] == 1


def test_incident_cut_off_by_a_closure_is_served_when_the_road_reopens():
    router = RoadRouter(street(11))
    d = Dispatcher(
        router,
        [Depot(node=0, district=0, teams={"fire_rescue": 1})],
        "bundle_complete",
        np.random.default_rng(0),
    )
    closed = np.ones(router.n_edges)
    closed[4] = 0.0  # edge 4-5
    router.set_edge_speed_factor(closed)
    d.submit(incident(1, node=8), 0.0)
    assert d.step(1.0) == [] and list(d.unmet()) == [1]
    router.set_edge_speed_factor(np.ones(router.n_edges))
    (rec,) = d.step(2.0)
    assert rec.t_h == 2.0 and rec.first_arrival_h == pytest.approx(2.0 + 8 * MIN)


def test_road_closure_changes_later_travel_times():
    router = RoadRouter(street(11))
    depots = [Depot(node=0, district=0, teams={"fire_rescue": 2})]
    d = Dispatcher(router, depots, "nearest", np.random.default_rng(0))
    d.submit(incident(1, node=10), 0.0)
    assert d.step(0.0)[0].first_arrival_h == pytest.approx(10 * MIN)
    router.set_edge_speed_factor(np.full(router.n_edges, 0.5))  # waterlogged: half speed
    d.submit(incident(2, node=10, t=0.1), 0.1)
    rec = [r for r in d.step(0.1) if isinstance(r, Dispatch)][0]
    assert rec.first_arrival_h == pytest.approx(0.1 + 20 * MIN)


# --- stock ledger ---------------------------------------------------------------------------
def test_stock_is_conserved_and_reusable_units_return_home():
    rng = np.random.default_rng(42)
    depots = [
        Depot(
            node=0,
            district=0,
            teams={"drainage": 2, "fire_rescue": 2},
            equipment={"pump": 4, "vehicle": 4, "boat": 1},
            supplies={
                "sandbags": 1000,
                "fuel_l": 500,
                "drinking_water_l": 200,
                "food_rations": 200,
            },
        ),
        Depot(
            node=20,
            district=0,
            teams={"drainage": 1, "fire_rescue": 1},
            equipment={"pump": 2, "vehicle": 2, "boat": 1},
            supplies={"sandbags": 300, "fuel_l": 300, "drinking_water_l": 100, "food_rations": 100},
        ),
    ]
    d = dispatcher(depots, "bundle_complete")
    kinds = ["waterlogged_underpass", "flooded_home"]
    needed = np.zeros(len(REUSABLE))
    for i, t in enumerate(np.sort(rng.uniform(0, 10, 12))):
        inc = make_incident(kinds[i % 2], i, 0, int(rng.integers(0, 21)), t)
        needed += inc.need.to_vector()
        d.submit(inc, t)
        d.step(t)
        d.stock.check_conservation()  # taken + remaining = initial, at every step
    d.step(200.0)
    assert d.unmet().size == 0
    d.stock.check_conservation()
    np.testing.assert_allclose(d.stock.available[:, REUSABLE], d.stock.initial[:, REUSABLE])
    np.testing.assert_allclose(d.stock.consumed.sum(axis=0)[~REUSABLE], needed[~REUSABLE])
    np.testing.assert_allclose(
        d.stock.available[:, ~REUSABLE] + d.stock.consumed[:, ~REUSABLE],
        d.stock.initial[:, ~REUSABLE],
    )


def test_overdrawing_a_depot_raises_and_leaves_stock_unchanged():
    stock = DepotStock([Depot(node=0, district=0, supplies={"sandbags": 10})])
    before = stock.available.copy()
    with pytest.raises(NegativeStockError, match="sandbags"):
        stock.dispatch([0], Bundle(supplies={"sandbags": 11}).to_vector()[None, :])
    np.testing.assert_array_equal(stock.available, before)
    stock.dispatch([0], Bundle(supplies={"sandbags": 10}).to_vector()[None, :])
    assert stock.available.min() == 0.0
    with pytest.raises(NegativeStockError):
        stock.return_from_job(0, Bundle(teams={"medical": 1}).to_vector())


def test_bundle_rejects_unknown_names_and_negative_quantities():
    with pytest.raises(UnknownResourceError, match="valid"):
        Bundle(equipment={"helicopter": 1})
    with pytest.raises(ValueError):
        Bundle(supplies={"sandbags": -1})
    with pytest.raises(ValueError):
        Bundle(teams={"medical": 1.5})
    with pytest.raises(IncidentError, match="valid kinds"):
        make_incident("volcano", 1, 0, 0, 0.0)


def test_utilisation_matches_hand_computed_busy_hours():
    depots = [Depot(node=0, district=0, teams={"medical": 1}, equipment={"vehicle": 2})]
    d = dispatcher(depots)
    need = Bundle(teams={"medical": 1}, equipment={"vehicle": 1})
    d.submit(incident(1, node=3, need=need, work_h=1.0), 0.0)
    d.step(10.0)
    u = d.utilisation()
    # Busy = 3 min out + 1 h on scene + 3 min back = 1.1 h over a 10 h window, 1 team.
    assert u["medical"] == pytest.approx(1.1 / 10)
    assert u["vehicle"] == pytest.approx(1.1 / 20)  # one of two vehicles
    assert np.isnan(u["boat"])  # none owned
    assert all(0.0 <= x <= 1.0 for x in u.values() if not np.isnan(x))


def test_utilisation_stays_within_unit_interval_under_overload():
    rng = np.random.default_rng(3)
    d = dispatcher([Depot(node=10, district=0, teams={"fire_rescue": 2}, equipment={"vehicle": 2})])
    need = Bundle(teams={"fire_rescue": 1}, equipment={"vehicle": 1})
    for i, t in enumerate(np.sort(rng.uniform(0, 5, 40))):
        d.submit(incident(i, node=int(rng.integers(0, 21)), t=t, need=need), t)
        d.step(t)
    d.step(8.0)
    u = d.utilisation()
    assert 0.99 <= u["fire_rescue"] <= 1.0  # saturated from t=0: always out
    assert all(0.0 <= x <= 1.0 for x in u.values() if not np.isnan(x))


# --- caller-scheduled events, pre-positioning, resupply ------------------------------------
def test_caller_scheduled_completion_releases_units_after_return_trip():
    d = dispatcher([Depot(node=0, district=0, teams={"fire_rescue": 1})], auto_complete=False)
    d.submit(incident(1, node=5, work_h=2.0), 0.0)
    (rec,) = d.step(0.0)
    assert not d.on_arrival(1, rec.full_bundle_h - 0.01)
    assert d.on_arrival(1, rec.full_bundle_h)
    with pytest.raises(DispatchError):
        Dispatcher(RoadRouter(street()), d.depots, "nearest", np.random.default_rng(0)).on_complete(
            1, 1.0
        )
    comp = d.on_complete(1, rec.complete_h + 0.5)  # the work overran by 30 min
    assert isinstance(comp, Completion) and comp.t_h == pytest.approx(rec.complete_h + 0.5)
    assert d.stock.available[0, 0] == 0  # still driving back
    d.step(rec.complete_h + 0.5 + 5 * MIN)
    assert d.stock.available[0, 0] == 1
    with pytest.raises(DispatchError, match="already"):
        d.on_complete(1, 5.0)
    with pytest.raises(TimeOrderError):
        d.step(1.0)


def test_prepositioning_on_warning_moves_central_stock_to_district_depots():
    depots = [
        Depot(
            node=0,
            district=0,
            teams={"drainage": 4},
            equipment={"pump": 8},
            supplies={"sandbags": 1000},
            central=True,
        ),
        Depot(node=10, district=3),
        Depot(node=20, district=3),
        Depot(node=5, district=1),
    ]
    d = dispatcher(depots)
    moves = d.preposition_for_warning([3], fraction=0.5, t_h=0.0)
    assert [(m[0], m[1]) for m in moves] == [(0, 1), (0, 2)]
    assert moves[0][2].teams == {"drainage": 1} and moves[0][2].equipment == {"pump": 2}
    assert moves[1][3] == pytest.approx(20 * MIN)
    d.step(0.2)  # 12 min: the 10-km move has arrived, the 20-km one has not
    assert d.stock.available[1].sum() > 0 and d.stock.available[2].sum() == 0
    d.step(1.0)
    np.testing.assert_allclose(d.stock.available[1], d.stock.available[2])
    d.stock.check_conservation()


def test_resupply_policy_reorders_consumables_with_lead_time():
    depots = [Depot(node=0, district=0, teams={"drainage": 5}, supplies={"sandbags": 100})]
    d = dispatcher(depots, resupply=ResupplyPolicy(0.5, {"sandbags": 6.0}))
    need = Bundle(teams={"drainage": 1}, supplies={"sandbags": 60})
    d.submit(incident(1, node=1, need=need), 0.0)
    d.step(0.0)
    # 40 left < 50 = half the initial stock: order 60 more, delivered at 6 h.
    assert d.stock.on_order[0, RESOURCE_INDEX["sandbags"]] == pytest.approx(60)
    d.step(5.9)
    assert d.stock.available[0, RESOURCE_INDEX["sandbags"]] == pytest.approx(40)
    d.step(6.0)
    assert d.stock.available[0, RESOURCE_INDEX["sandbags"]] == pytest.approx(100)
    d.stock.check_conservation()


def test_reorders_drive_from_the_nearest_reserve_over_the_roads_of_the_moment():
    """Reserves at nodes 20 and 30, the depot at node 0: a reorder is ready at the source after
    its 6-h lead time, then drives from the nearer reserve (20 min on open roads; 40 min with
    every road at half speed when it sets out). Cut off from both reserves when it is ready,
    it is held and sets out when the road reopens."""
    sand = RESOURCE_INDEX["sandbags"]
    need = Bundle(teams={"drainage": 1}, supplies={"sandbags": 60})

    def run(factor_at_6h, reopen_h=None):
        depots = [
            Depot(node=0, district=0, teams={"drainage": 5}, supplies={"sandbags": 100}),
            Depot(node=20, district=0, central=True),
            Depot(node=30, district=0, central=True),
        ]
        router = RoadRouter(street(31))
        d = Dispatcher(
            router,
            depots,
            "nearest",
            np.random.default_rng(0),
            resupply=ResupplyPolicy(0.5, {"sandbags": 6.0}),
        )
        d.submit(incident(1, node=1, need=need), 0.0)
        d.step(0.0)
        assert d.stock.on_order[0, sand] == pytest.approx(60)  # 40 < 50 left: top up to 100
        d.step(5.9)
        router.set_edge_speed_factor(factor_at_6h)
        d.step(5.95)
        if reopen_h is not None:
            d.step(reopen_h - 0.01)
            assert d.stock.available[0, sand] == pytest.approx(40)  # held: nothing arrives
            router.set_edge_speed_factor(np.ones(router.n_edges))
            d.step(reopen_h)
        times = np.arange(d.clock_h, 12.0, 1 / 600)
        for t in times:
            d.step(float(t))
            if d.stock.available[0, sand] > 99:
                d.stock.check_conservation()
                return float(t)
        return None

    n_edges = RoadRouter(street(31)).n_edges
    assert run(np.ones(n_edges)) == pytest.approx(6 + 20 * MIN, abs=1e-3)
    assert run(np.full(n_edges, 0.5)) == pytest.approx(6 + 40 * MIN, abs=1e-3)
    cut = np.ones(n_edges)
    cut[10] = 0.0  # edge 10-11: the depot's side (nodes 0-10) is cut off from both reserves
    assert run(cut, reopen_h=8.0) == pytest.approx(8 + 20 * MIN, abs=1e-3)


def test_incident_catalogue_entries_are_consistent():
    for kind, it in INCIDENT_CATALOGUE.items():
        assert it.kind == kind and not it.need.is_empty and it.work_h > 0
        assert it.basis
    big = make_incident("waterlogged_underpass", 1, 0, 0, 0.0, scale=1.5)
    assert big.need.equipment["pump"] == 3  # ceil(2 * 1.5)


# --- harm -----------------------------------------------------------------------------------
def test_trapped_survival_curve_reproduces_kobe_day_means():
    for start, end, rescued, alive in KOBE_1995_RESCUES:
        t = np.linspace(start, end, 2001)
        mean = np.trapezoid(trapped_survival_probability(t), t) / (end - start)
        assert mean == pytest.approx(alive / rescued, abs=0.06)
    assert trapped_survival_probability(0.0) == pytest.approx(1.0)


def test_harm_grows_with_delay():
    delays = np.array([0.0, 0.5, 2.0, 12.0, np.inf])
    for f in (
        lambda d: 1 - trapped_survival_probability(d),
        injury_death_probability,
        lambda d: property_loss_fraction(d, 6.0),
    ):
        p = f(delays)
        assert np.all(np.diff(p) > 0) and 0 <= p[0] and p[-1] <= 1.0
    # Injury: logit rises by 6 ln(1.03) per hour; p0 = 0.05 -> p(1 h) = 0.0591.
    assert injury_death_probability(1.0) == pytest.approx(
        1 / (1 + np.exp(-(np.log(0.05 / 0.95) + 6 * np.log(1.03))))
    )
    assert property_loss_fraction(6.0, 6.0) == pytest.approx(1 - np.exp(-1))


def test_sampled_harm_averages_to_expected_harm():
    rng = np.random.default_rng(5)
    kinds = np.array(["structural_collapse", "flooded_home", "falling_object_injury"] * 2000)
    delay = np.tile([6.0, 3.0, 0.5], 2000)
    persons = np.tile([2, 3, 1], 2000)
    value = np.tile([5e5, 5e4, 0.0], 2000)
    exp = expected_harm(kinds, delay, persons, value)
    smp = sample_harm(kinds, delay, persons, value, rng)
    assert exp.loss_yuan[2] == 0 and exp.deaths[1] == 0  # no property at risk; no life at risk
    assert smp.deaths.sum() == pytest.approx(exp.deaths.sum(), rel=0.08)
    assert smp.loss_yuan.sum() == pytest.approx(exp.loss_yuan.sum(), rel=0.05)


# --- the wake-up index must not change decisions ------------------------------------------
class _BruteForceTable(PendingTable):
    """Wakes every pending incident at every decision (no wake-up index)."""

    def woken(self, group_stock, bundle_complete):
        self.recheck_all = True
        return super().woken(group_stock, bundle_complete)


class _BruteForceDispatcher(Dispatcher):
    pending_table = _BruteForceTable


def _replay_hours(d, router, incs, factor_of_hour):
    """Submit and step ``incs`` in time order, setting ``factor_of_hour(h)`` as the road
    state when hour h begins; reopen every road at the end, run until idle; the records by id."""
    hour = 0
    for inc in incs:
        if inc.t_created_h >= hour + 1:
            hour = int(inc.t_created_h)
            router.set_edge_speed_factor(factor_of_hour(hour))
        d.submit(inc, inc.t_created_h)
        d.step(inc.t_created_h)
    router.set_edge_speed_factor(np.ones(router.n_edges))
    d.run_until_idle()
    return d.records().sort_values("incident_id").reset_index(drop=True)


@pytest.mark.parametrize("policy", ["nearest", "bundle_complete", "severity"])
def test_wakeup_index_gives_same_decisions_as_rechecking_everything(policy):
    rng = np.random.default_rng(17)
    kinds = [
        "waterlogged_underpass",
        "flooded_home",
        "road_blocked_by_tree",
        "falling_object_injury",
        "power_line_fault",
    ]
    depots = [
        Depot(
            node=int(n),
            district=int(n) // 11,
            central=(n == 10),
            teams={
                "drainage": 1,
                "fire_rescue": 1,
                "tree_clearance": 1,
                "medical": 1,
                "power_repair": 1,
            },
            equipment={
                "pump": 2,
                "vehicle": 3,
                "boat": 1,
                "chainsaw": 1,
                "bucket_truck": 1,
                "haul_truck": 1,
            },
            supplies={
                "sandbags": 300,
                "fuel_l": 300,
                "conductor_m": 300,
                "drinking_water_l": 100,
                "food_rations": 100,
                "medical_kits": 5,
            },
        )
        for n in (0, 10, 20)
    ]
    incs = [
        make_incident(kinds[int(rng.integers(5))], i, int(nd) // 11, int(nd), float(t))
        for i, (t, nd) in enumerate(
            zip(np.sort(rng.uniform(0, 6, 120)), rng.integers(0, 21, 120), strict=True)
        )
    ]
    runs = []
    closures = rng.integers(0, 20, size=(6, 2))  # two street segments closed per hour
    for cls in (Dispatcher, _BruteForceDispatcher):
        router = RoadRouter(street())
        d = cls(
            router,
            depots,
            DispatchPolicy.named(policy, mutual_aid=False),
            np.random.default_rng(0),
            resupply=ResupplyPolicy(0.5),
        )

        def cut(hour, router=router):  # the hourly road state: some segments cut
            factor = np.ones(router.n_edges)
            factor[closures[hour - 1]] = 0.0
            return factor

        runs.append(_replay_hours(d, router, incs, cut))
    assert runs[0]["full_bundle_h"].notna().all()  # resupply eventually serves everyone
    assert (runs[0]["t_first_dispatch_h"] > runs[0]["t_created_h"] + 1e-9).sum() > 20
    pd_cols = ["t_first_dispatch_h", "first_arrival_h", "full_bundle_h", "n_legs"]
    np.testing.assert_allclose(runs[0][pd_cols].to_numpy(float), runs[1][pd_cols].to_numpy(float))


def test_many_simultaneous_incidents_are_all_dispatched_at_once():
    d = dispatcher([Depot(node=0, district=0, teams={"fire_rescue": 30})])
    for i in range(25):  # more than the scalar path handles (8): the chunked path
        d.submit(incident(i, node=i % 21), 0.0)
    recs = d.step(0.0)
    assert len(recs) == 25 and all(r.t_h == 0.0 for r in recs)


def test_incident_needing_nothing_starts_work_at_once():
    d = dispatcher([Depot(node=0, district=0)], auto_complete=False)
    d.submit(incident(1, node=5, need=Bundle(), work_h=0.5), 2.0)
    (rec,) = d.step(2.0)
    assert rec.legs == () and rec.full_bundle_h == 2.0 and rec.complete_h == 2.5
    assert isinstance(d.on_complete(1, 2.5), Completion)


# --- bundle assembly on its own (sim.response.dispatch.assembly) -------------------------
def test_plan_legs_takes_each_resource_nearest_first_and_consolidates_within_the_slack():
    from sim.response.dispatch.assembly import Legs, Wait, plan_legs
    from sim.response.resources import N_RESOURCES, RESOURCE_INDEX

    pump, drain = RESOURCE_INDEX["pump"], RESOURCE_INDEX["drainage"]
    need = np.zeros(N_RESOURCES)
    need[[pump, drain]] = [3, 1]
    avail = np.zeros((3, N_RESOURCES))
    avail[0, pump] = 1  # nearest: one pump only
    avail[1, [pump, drain]] = [1, 1]
    avail[2, [pump, drain]] = [5, 1]  # farthest: holds the whole bundle
    times = np.array([0.1, 0.2, 0.3])
    eligible = np.ones(3, bool)
    order = np.arange(3)
    nearest = plan_legs(
        need, avail, times, eligible, order, DispatchPolicy(), started=False, needs_team=True
    )
    assert isinstance(nearest, Legs) and nearest.depots.tolist() == [0, 1, 2]
    # pumps 1 + 1 + 1 nearest first, the one drainage team from depot 1; totals = the need
    assert nearest.takes[:, pump].tolist() == [1, 1, 1]
    assert nearest.takes[:, drain].tolist() == [0, 1, 0]
    # All-or-nothing: the multi-depot assembly arrives at 0.3 h, the single depot at 0.3 h too,
    # so within any slack the whole bundle comes from depot 2 alone.
    whole = plan_legs(
        need,
        avail,
        times,
        eligible,
        order,
        DispatchPolicy(bundle_complete=True),
        started=False,
        needs_team=True,
    )
    assert whole.depots.tolist() == [2] and np.array_equal(whole.takes[0], need)
    # No team anywhere reachable: "nearest" waits for a team; nothing eligible: for the roads.
    avail[:, drain] = 0
    wait = plan_legs(
        need, avail, times, eligible, order, DispatchPolicy(), started=False, needs_team=True
    )
    assert isinstance(wait, Wait) and np.flatnonzero(wait.blocked).tolist() == [drain]
    none = plan_legs(
        need, avail, times, ~eligible, order, DispatchPolicy(), started=False, needs_team=True
    )
    assert isinstance(none, Wait) and none.blocked is False


# --- reachable stock and bounded searches (issue 15) -----------------------------------------
def test_stock_behind_a_closed_road_is_not_counted_and_no_attempt_fails():
    """Depot 0 (the pump) is cut off by a closure; depot 10 (the crew) is not. Readiness
    counts only the stock the incident can reach, so the job waits without a failed assembly
    attempt, however often units return elsewhere, and is served once the road reopens."""
    router = RoadRouter(street(21))
    depots = [
        Depot(node=0, district=0, equipment={"pump": 1}),
        Depot(node=10, district=0, teams={"drainage": 3}),
    ]
    d = Dispatcher(router, depots, "bundle_complete", np.random.default_rng(0))
    closed = np.ones(router.n_edges)
    closed[4] = 0.0  # edge 4-5: nodes 0-4 cut off
    router.set_edge_speed_factor(closed)
    need = Bundle(teams={"drainage": 1}, equipment={"pump": 1})
    d.submit(incident(1, node=12, need=need), 0.0)
    for k in range(2, 6):  # crews go out and come back: stock events in the crew's component
        d.submit(incident(k, node=15, need=Bundle(teams={"drainage": 1}), t=0.1 * k), 0.1 * k)
        d.step(0.1 * k)
    d.step(3.0)
    assert 1 in set(d.unmet())
    assert d.failed_attempts == 0 and d.attempts == 4  # the four crew-only jobs
    router.set_edge_speed_factor(np.ones(router.n_edges))
    recs = [r for r in d.step(3.5) if isinstance(r, Dispatch)]
    assert [r.incident_id for r in recs] == [1]
    assert recs[0].full_bundle_h == pytest.approx(3.5 + 12 * MIN)


@pytest.mark.parametrize("policy", ["bundle_complete", "nearest"])
def test_bounded_searches_give_the_same_decisions_as_full_ones(policy):
    """The incident's own search stops at ``search_limit_h`` and is redone in full when the
    depots within cannot serve: decisions must not depend on the limit."""
    rng = np.random.default_rng(5)
    kinds = ["waterlogged_underpass", "road_blocked_by_tree", "power_line_fault"]
    full = {
        "teams": {"drainage": 1, "tree_clearance": 1, "power_repair": 1},
        "equipment": {"pump": 2, "chainsaw": 1, "haul_truck": 1, "bucket_truck": 1},
        "supplies": {"sandbags": 200, "fuel_l": 200, "conductor_m": 300},
    }
    crews = {"teams": {"drainage": 2, "tree_clearance": 2, "power_repair": 2}}
    kit = {
        "equipment": {"pump": 2, "chainsaw": 2, "haul_truck": 1, "bucket_truck": 1},
        "supplies": {"sandbags": 100, "fuel_l": 100, "conductor_m": 200},
    }
    # owners apart: crews, their kit and full depots at uneven spacing, so that bundles are
    # assembled from several depots and the consolidation window reaches past the horizon
    sites = {0: full, 4: crews, 7: kit, 15: crews, 19: kit, 26: full, 31: crews, 36: kit}
    # two districts (nodes 0-19, 20-39) and a central reserve: aid and the reserve set out
    # after activation delays, so unreached depots may still be near in effective time
    depots = [Depot(node=n, district=n // 20, **st) for n, st in sites.items()]
    depots.append(Depot(node=24, district=1, central=True, **full))
    incs = [
        make_incident(kinds[int(rng.integers(3))], i, int(nd) // 20, int(nd), float(t))
        for i, (t, nd) in enumerate(
            zip(np.sort(rng.uniform(0, 8, 150)), rng.integers(0, 40, 150), strict=True)
        )
    ]
    closures = rng.integers(0, 39, size=(8, 2))
    slow = rng.uniform(0.3, 1.0, size=(8, 39))
    runs, searches = [], []
    # the slack is 15 min; 3 min: no bundle within, searches widen by doubling; after 8 plans
    # of a kind its first search looks as far as its recent plans needed (adaptive)
    for limit in (np.inf, 3 * MIN, 17 * MIN, 22 * MIN):
        router = _CountingRouter(street(40))
        rule = DispatchPolicy.named(policy, aid_activation_h=0.1, reserve_activation_h=0.2)
        d = Dispatcher(router, depots, rule, np.random.default_rng(0), resupply=ResupplyPolicy(0.5))
        d.reach.search_limit_h = limit
        searches.append(router.bounded)

        def slowed(hour):
            factor = slow[hour - 1].copy()
            factor[closures[hour - 1]] = 0.0
            return factor

        runs.append(_replay_hours(d, router, incs, slowed))
    cols = ["t_first_dispatch_h", "first_arrival_h", "full_bundle_h", "complete_h", "n_legs"]
    assert runs[0]["full_bundle_h"].notna().sum() > 100
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0][cols].to_numpy(float), other[cols].to_numpy(float))
    assert not searches[0]  # unbounded: no bounded search at all
    for limits in searches[1:]:  # bounded searches happened (bundle_complete: and farther)
        assert len(limits) > 50
        assert len(set(limits)) > 3 if policy == "bundle_complete" else len(set(limits)) == 1


class _CountingRouter(RoadRouter):
    """Remembers the horizon of every bounded search."""

    def __init__(self, roads):
        super().__init__(roads)
        self.bounded: list[float] = []

    def times_within(self, source, limit_h):
        self.bounded.append(float(limit_h))
        return super().times_within(source, limit_h)


def test_mutual_aid_and_the_reserve_set_out_after_their_activation_delays():
    """Own district's depot 20 min away, another district's 5 min away, the reserve 2 min
    away. With a 1-h aid delay and a 2-h reserve delay the own depot serves (20 min < 65 min);
    with no delays the nearest does. Legs depart after the delay and arrive after the trip."""

    def depots():
        return [
            Depot(node=20, district=0, teams={"fire_rescue": 1}),
            Depot(node=5, district=1, teams={"fire_rescue": 1}),
            Depot(node=2, district=1, teams={"fire_rescue": 1}, central=True),
        ]

    slow = DispatchPolicy(bundle_complete=True, aid_activation_h=1.0, reserve_activation_h=2.0)
    d = Dispatcher(RoadRouter(street(21)), depots(), slow, np.random.default_rng(0))
    d.submit(incident(1, node=0, district=0), 0.0)
    (rec,) = d.step(0.0)
    assert [leg.depot for leg in rec.legs] == [0] and rec.full_bundle_h == pytest.approx(20 * MIN)
    d.submit(incident(2, node=0, district=0, t=0.1), 0.1)  # own crew busy: aid or reserve
    (rec,) = [r for r in d.step(0.1) if isinstance(r, Dispatch)]
    (leg,) = rec.legs
    assert leg.depot == 1 and leg.depart_h == pytest.approx(1.1)
    assert leg.arrive_h == pytest.approx(1.1 + 5 * MIN)  # 1.08 h + 5 min < reserve 2.1 h + 2 min
    fast = DispatchPolicy(bundle_complete=True)
    d = Dispatcher(RoadRouter(street(21)), depots(), fast, np.random.default_rng(0))
    d.submit(incident(1, node=0, district=0), 0.0)
    (rec,) = d.step(0.0)
    assert [leg.depot for leg in rec.legs] == [2] and rec.full_bundle_h == pytest.approx(2 * MIN)


def test_activation_delays_must_be_finite_and_non_negative():
    with pytest.raises(DispatchError, match="aid_activation_h"):
        DispatchPolicy(aid_activation_h=-1.0)
    with pytest.raises(DispatchError, match="reserve_activation_h"):
        DispatchPolicy(reserve_activation_h=float("inf"))


@pytest.mark.parametrize("first_min", [9.5, 12.0, 23.0, 23.9])
def test_a_depot_just_past_the_first_search_still_joins_the_consolidation_window(first_min):
    """Crew 2 min away, pump 10 min away: the fastest assembly t* = 10 min; with the 15-min
    slack the window closes at 25 min, and a depot 24 min away holds the whole bundle, so the
    unbounded plan is that one leg. Whatever the first search horizon (below t*, between,
    just short of the depot), the plan is the same: the search is widened until no depot
    beyond it could join the window."""
    depots = [
        Depot(node=2, district=0, teams={"drainage": 1}),
        Depot(node=10, district=0, equipment={"pump": 1}),
        Depot(node=24, district=0, teams={"drainage": 1}, equipment={"pump": 1}),
    ]
    router = _CountingRouter(street(30))
    d = Dispatcher(router, depots, "bundle_complete", np.random.default_rng(0))
    d.reach.search_limit_h = first_min * MIN
    need = Bundle(teams={"drainage": 1}, equipment={"pump": 1})
    d.submit(incident(1, node=0, need=need), 0.0)
    (rec,) = d.step(0.0)
    assert [leg.depot for leg in rec.legs] == [2]
    assert rec.full_bundle_h == pytest.approx(24 * MIN)
    assert router.bounded[0] == pytest.approx(first_min * MIN) and len(router.bounded) >= 2


def test_a_depot_beyond_a_one_way_street_is_not_sent_against_it():
    # 6 -> 7 -> 8 is one-way: the depot at node 8 is 2 min from node 6 the wrong way round
    # (the incident's own search must follow the arcs into node 6, not out of it)
    roads = street(21)
    roads.edges["oneway"] = np.isin(roads.edges["u"], [6, 7])
    depots = [
        Depot(node=0, district=0, teams={"fire_rescue": 1}),
        Depot(node=8, district=0, teams={"fire_rescue": 1}),
    ]
    d = Dispatcher(RoadRouter(roads), depots, "nearest", np.random.default_rng(0))
    d.submit(incident(1, node=6), 0.0)
    (rec,) = d.step(0.0)
    assert [leg.depot for leg in rec.legs] == [0]
    assert rec.first_arrival_h == pytest.approx(6 * MIN)
    # an incident at node 9 is reached from node 8 (1 min) and not from node 0 at all
    d.submit(incident(2, node=9), 0.0)
    (rec,) = [r for r in d.step(0.0) if isinstance(r, Dispatch)]
    assert [leg.depot for leg in rec.legs] == [1] and rec.first_arrival_h == pytest.approx(MIN)


def test_the_return_trip_follows_one_way_streets():
    # 0 -> 1 -> ... -> 5 is one-way; back from 5 the team drives 5 ... 10 and a 30 km road
    # from 10 to 0: 35 min, not the 5 min out
    roads = street(21)
    e = roads.edges
    for key, val in (("u", 10), ("v", 0), ("length_m", 30_000.0), ("speed_kmh", 60.0)):
        e[key] = np.append(e[key], val)
    e["crossing"] = np.append(e["crossing"], False)
    e["oneway"] = np.isin(np.arange(e["u"].size), np.arange(5))
    depots = [Depot(node=0, district=0, teams={"fire_rescue": 1})]
    d = Dispatcher(
        RoadRouter(roads), depots, "nearest", np.random.default_rng(0), auto_complete=False
    )
    d.submit(incident(1, node=5, work_h=1.0), 0.0)
    (rec,) = d.step(0.0)
    assert rec.first_arrival_h == pytest.approx(5 * MIN)
    assert d.on_arrival(1, rec.full_bundle_h)
    d.on_complete(1, rec.complete_h)
    d.step(rec.complete_h + 34 * MIN)
    assert d.stock.available[0, 0] == 0  # still driving back round the one-way street
    d.step(rec.complete_h + 35 * MIN + 1e-9)
    assert d.stock.available[0, 0] == 1


def _street_with_crew(teams):
    """Street 0-…-10 of 1-min roads, the given teams at node 0, every road open."""
    router = RoadRouter(street(11))
    d = Dispatcher(
        router, [Depot(node=0, district=0, teams=teams)], "bundle_complete",
        np.random.default_rng(0),
    )  # fmt: skip
    return router, d, np.ones(router.n_edges)


def test_a_blocked_road_is_cleared_from_the_end_the_crews_can_reach():
    """Street 0-…-10, crew at node 0. A tree blocks road 4-5; its job can be worked from
    either end and starts at the end in the larger component (5: {5..10}, 6 nodes, against
    {0..4}, 5). Another tree then closes road 7-8: node 5's side shrinks to {5, 6, 7} and the
    job must move to node 4, 4 min from the crew, or it would wait forever for a crew that
    can only come from inside the pocket (the deadlock this guards against)."""
    router, d, closed = _street_with_crew({"fire_rescue": 1})
    closed[4] = 0.0  # road 4-5
    router.set_edge_speed_factor(closed)
    job = Incident(1, "test", 0, 4, 0.0, 1.0, Bundle(teams={"fire_rescue": 1}), alt_node=5)
    d.submit(job, 0.0)
    assert (job.node, job.alt_node) == (5, 4)
    assert d.step(1.0) == [] and list(d.unmet()) == [1]
    closed[7] = 0.0  # road 7-8: the pocket {5, 6, 7}
    router.set_edge_speed_factor(closed.copy())
    (rec,) = d.step(2.0)
    assert (job.node, job.alt_node) == (4, 5)
    assert rec.t_h == 2.0 and rec.first_arrival_h == pytest.approx(2.0 + 4 * MIN)


def test_a_job_without_a_second_end_stays_where_it_is():
    router, d, closed = _street_with_crew({"fire_rescue": 1})
    closed[4] = 0.0
    router.set_edge_speed_factor(closed)
    job = incident(1, node=5)
    d.submit(job, 0.0)
    closed[7] = 0.0
    router.set_edge_speed_factor(closed.copy())
    assert d.step(5.0) == [] and job.node == 5 and list(d.unmet()) == [1]


def test_the_road_into_a_pocket_where_people_wait_is_cleared_first():
    """Street 0-…-10, one crew at node 0. Road 7-8 is blocked: people wait at node 9 in the
    pocket {8, 9, 10}. Two jobs want the crew: an ordinary one at node 5, submitted first,
    and clearing road 7-8 (worked from node 7). First come, first served would send the crew
    to node 5; clearing the way to the people goes first (arrival at node 7 after 7 min)."""
    router, d, closed = _street_with_crew({"fire_rescue": 1, "medical": 1})
    closed[7] = 0.0  # road 7-8
    router.set_edge_speed_factor(closed)
    crew = Bundle(teams={"fire_rescue": 1})
    d.submit(incident(1, node=5, need=crew), 0.0)
    d.submit(Incident(2, "test", 0, 8, 0.0, 1.0, crew, alt_node=7), 0.0)
    trapped = Incident(3, "test", 0, 9, 0.0, 1.0, Bundle(teams={"medical": 1}), persons_at_risk=1)
    d.submit(trapped, 0.0)
    recs = d.step(0.01)
    assert [r.incident_id for r in recs] == [2]
    assert recs[0].first_arrival_h == pytest.approx(7 * MIN)


def test_without_people_in_the_pocket_first_come_first_served_holds():
    router, d, closed = _street_with_crew({"fire_rescue": 1})
    closed[7] = 0.0
    router.set_edge_speed_factor(closed)
    crew = Bundle(teams={"fire_rescue": 1})
    d.submit(incident(1, node=5, need=crew), 0.0)
    d.submit(Incident(2, "test", 0, 8, 0.0, 1.0, crew, alt_node=7), 0.0)
    assert [r.incident_id for r in d.step(0.01)] == [1]
