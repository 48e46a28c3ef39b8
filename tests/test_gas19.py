"""Issue 19, the gas layer: repair rates, releases, ignition, valve isolation, conservation."""

from __future__ import annotations

import numpy as np
import pytest

from sim.damage.gas_pipes import (
    ignition_probability,
    jet_fire_power_mw,
    pgv_capacity_cm_s,
    release_rate_kg_s,
    repair_rate_per_km,
)
from sim.networks import CascadeEngine, service_by_district
from sim.networks.multilayer import Layer, MultilayerNetwork
from sim.networks.spec import CITY_STATISTICS, GAS_STATISTICS, NetworkSpec

EXAMPLE = "scenarios/example-city/typhoon.yaml"


# ------------------------------------------------------------------ published formulas
def test_repair_rate_is_orourke_ayala_as_in_hazus():
    # RR = 0.0001 PGV^2.25 repairs/km (PGV cm/s), hand-computed: 10^2.25 = 177.83,
    # 50^2.25 = 6,647.9, 100^2.25 = 31,622.8; ductile pipe 0.3 x.
    rr = repair_rate_per_km([0.0, 10.0, 50.0, 100.0])
    assert rr == pytest.approx([0.0, 0.017783, 0.66479, 3.16228], rel=1e-4)
    assert repair_rate_per_km(50.0, ductile=True) == pytest.approx(0.3 * 0.66479, rel=1e-4)


def test_first_repair_capacity_gives_the_poisson_probability_of_a_repair():
    rng = np.random.default_rng(1)
    n, km = 200_000, 2.0
    cap = pgv_capacity_cm_s(np.full(n, km), np.zeros(n, bool), rng)
    for v in (20.0, 40.0, 60.0):
        want = 1.0 - np.exp(-repair_rate_per_km(v) * km)  # P(at least one repair)
        assert np.mean(cap <= v) == pytest.approx(want, abs=0.004)
    assert np.isnan(pgv_capacity_cm_s(np.array([np.nan, 0.0]), np.zeros(2, bool), rng)).all()


def test_ignition_probability_is_cox_lees_ang_by_release_rate():
    rates = [0.1, 0.99, 1.0, 49.9, 50.0, 400.0]
    assert ignition_probability(rates) == pytest.approx([0.01, 0.01, 0.07, 0.07, 0.3, 0.3])


def test_release_rate_of_a_choked_break_by_hand_and_continuity_at_critical_ratio():
    # Methane, 400 kPa gauge, full bore of 0.2 m, Cd 0.62, 288 K (hand calculation):
    # P0 = 501,325 Pa, rho0 = P0 M / (R T) = 3.3579 kg/m3, A = 0.031416 m2,
    # (2/2.31)^(2.31/0.31) = 0.34166 -> m = 0.62 A sqrt(1.31 rho0 P0 0.34166) = 16.91 kg/s.
    assert release_rate_kg_s(400e3, 0.2) == pytest.approx(16.91, rel=2e-3)
    # 20 mm leak: 100 times less area, 100 times less flow.
    assert release_rate_kg_s(400e3, 0.02) == pytest.approx(0.1691, rel=2e-3)
    # The subsonic and choked branches meet at the critical pressure ratio (no jump).
    g = 1.31
    p_crit = 101_325.0 / (2 / (g + 1)) ** (g / (g - 1)) - 101_325.0
    lo, hi = release_rate_kg_s([p_crit * 0.9999, p_crit * 1.0001], 0.1)
    assert lo == pytest.approx(hi, rel=1e-3)
    assert release_rate_kg_s(0.0, 0.1) == 0.0  # no overpressure, no flow
    # Jet fire: 0.2 x 16.91 kg/s x 50 MJ/kg = 169 MW radiated.
    assert jet_fire_power_mw(16.91) == pytest.approx(169.1)


# ------------------------------------------------------------------ valve isolation
def _hand_built():
    """gate 0 - hp 1 - regulator 2; medium-pressure tree 2 -> 3 -> 5, 2 -> 4 -> 6."""
    n = 7
    nodes = {
        "x_m": np.arange(n, dtype=float),
        "y_m": np.zeros(n),
        "district": np.zeros(n, np.int64),
        "is_source": np.arange(n) == 0,
        "customers_households": np.array([0, 0, 0, 100, 200, 300, 400], float),
    }
    edges = {"u": np.array([0, 1, 2, 3, 2, 4]), "v": np.array([1, 2, 3, 5, 4, 6])}
    return MultilayerNetwork({"gas": Layer("gas", nodes, edges)})


def test_isolating_a_main_cuts_exactly_its_downstream_subtree():
    net = _hand_built()
    eng = CascadeEngine(net)
    damaged = np.zeros(7, bool)
    damaged[3] = True  # valves closed either side of main 3
    func = eng.update({"gas": damaged}, 1.0)["gas"]
    assert np.flatnonzero(~func).tolist() == [3, 5]
    served, total = service_by_district(net.layers["gas"], func, 1)
    assert served[0] == 600.0 and total[0] == 1000.0  # 100 + 300 cut: served + cut = total
    damaged[:] = False
    damaged[2] = True  # the regulator: everything under it
    func = eng.update({"gas": damaged}, 2.0)["gas"]
    assert np.flatnonzero(~func).tolist() == [2, 3, 4, 5, 6]


# ------------------------------------------------------------------ the generated layer
@pytest.fixture(scope="module")
def model():
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    return CityModel(load_scenario(EXAMPLE))


def test_generated_gas_layer_conserves_customers_and_is_fully_served_undamaged(model):
    gas = model.infra.layers["gas"]
    nd = gas.nodes
    spec = model.infra.gas  # leaks helper exists with the layer
    assert spec is not None
    d = model.city.districts
    stats = model.city.profile.network_statistics
    share = stats["gas_piped_persons"] / stats["statistics_population"]
    want = np.round(d["households"].to_numpy(float) * share)
    got = np.bincount(nd["district"], weights=nd["customers_households"], minlength=len(d))
    assert got == pytest.approx(want)
    assert model.infra.functional["gas"].all()
    assert model.customer_hours_without_gas == 0.0
    # mains carry km, stations do not; the km add up to the statistic (scaled by resolution)
    types = np.asarray(gas.asset_types, dtype=object)[nd["asset_type"]]
    mains = np.isin(types, ["gas_main_hp", "gas_main_mp"])
    assert np.isfinite(nd["pipe_km"][mains]).all() and np.isnan(nd["pipe_km"][~mains]).all()
    assert nd["pipe_km"][mains].sum() == pytest.approx(stats["gas_pipe_km"], rel=1e-9)
    assert nd["is_source"].sum() == stats["gas_gate_stations"]


def test_road_collapse_breaks_the_main_under_it_and_cuts_its_customers(model):
    from sim.models.event_effects import apply_road_collapse
    from sim.scenario.events import RoadCollapseEvent

    before = model.infra.gas.record.leaks
    name = model.city.districts.loc[0, "name_en"]
    ev = RoadCollapseEvent(at_h=model.time, district=name, count=40)
    apply_road_collapse(model, ev, np.random.default_rng(3), model.time)
    broken = np.flatnonzero(model.infra.damaged["gas"])
    assert broken.size > 0 and model.infra.gas.record.leaks == before + broken.size
    func = model.infra.functional["gas"]
    assert not func[broken].any()
    gas = model.infra.layers["gas"]
    served, total = service_by_district(gas, func, model.city.n_districts)
    cut = model.infra.households_without_gas()
    assert cut > 0 and served.sum() + cut == pytest.approx(total.sum())


# ------------------------------------------------------------------ bad input
def test_partial_gas_statistics_are_refused_by_name():
    stats = {k: 1.0 for k in CITY_STATISTICS}
    NetworkSpec.for_city(stats)  # no gas statistics: fine, no gas layer
    with pytest.raises(ValueError, match="gas_piped_persons"):
        NetworkSpec.for_city({**stats, "gas_pipe_km": 10.0, "gas_hp_pipe_km": 1.0,
                              "gas_gate_stations": 1})  # fmt: skip
    full = {**stats, **{k: 2.0 for k in GAS_STATISTICS}}
    assert NetworkSpec.for_city(full).gas_gate_stations == 2
