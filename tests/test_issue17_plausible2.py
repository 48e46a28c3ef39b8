"""Outcomes an expert would believe (issue 17, second review): each fix with a test that
fails without it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from scipy.stats import norm, spearmanr
from test_storm_surge import context as surge_context
from test_storm_surge import one_wall

from sim.agents.households import ProtectiveAction
from sim.damage.coastal_flood import CoastalFloodDeaths, flood_mortality
from sim.damage.earthquake import damage_state_probabilities, old_housing_stocks
from sim.hazards.storm_surge import GRID_STEP_H, StormSurge
from sim.models.emergency import CityModel
from sim.results.html_report import _outcomes
from sim.results.outcome_text import format_number
from sim.results.report import print_summary
from sim.scenario.loader import load_scenario
from sim.scenario.schema import RELOCATION_CATEGORIES, BehaviourConfig

ROOT = Path(__file__).resolve().parents[1]
LEKIMA = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"


# ---------------------------------------------------------------- 3. source lines carry figures
def test_every_source_line_shows_the_observed_figure_and_its_unit():
    scenario = load_scenario(LEKIMA)
    summary = {key: 0 for key in scenario.observed}
    console = Console(record=True, width=2000)
    print_summary(console, summary, scenario)
    lines = console.export_text().splitlines()
    # the Lekima lines the review found bare: trees down and signboards fallen
    assert "  trees_down = 2,984 count: 上海发布" in "\n".join(lines)
    assert "  signboards_fallen = 4 count: 上海发布" in "\n".join(lines)
    page = _outcomes(summary, scenario)
    assert "Trees down (count): 2,984; 上海发布" in page
    for key, obs in scenario.observed.items():
        line = next(x for x in lines if x.startswith(f"  {key} = "))
        assert line.startswith(f"  {key} = {format_number(obs.value)} ") and obs.source in line


# ---------------------------------------------------------------- 2. relocation follows the rain
RAINSTORM = ROOT / "scenarios" / "shanghai" / "rainstorm.yaml"


@pytest.fixture(scope="module")
def rainstorm_model():
    model = CityModel(load_scenario(RAINSTORM))
    model.run()
    return model


def test_rainstorm_relocates_most_where_most_rain_falls(rainstorm_model):
    model = rainstorm_model
    rain = model.hazard_record.rain_mm  # (D,) district mean rain fallen, mm
    gov = model.districts
    moved = np.array([g.relocated_cumulative for g in gov])
    rate = moved / np.array([g.at_risk.sum() for g in gov])  # share of the people at risk
    order = np.argsort(rain)
    wet, dry = order[-3:], order[:3]  # e.g. Huangpu, Hongkou, Jing'an vs Jinshan, Chongming
    assert rain[wet].min() > 5 * rain[dry].max()
    assert moved[wet].sum() > 1.5 * moved[dry].sum()  # persons (before: 0 against 56)
    assert rate[wet].min() > 5 * rate[dry].max()
    # relocation share rises with the district's rain (rank correlation over all districts)
    assert spearmanr(rain, rate).statistic > 0.8


def test_no_relocation_where_no_trigger_of_the_category_is_forecast(rainstorm_model):
    # vessel crews, port and seawall workers are ordered by gust or surge depth only: a
    # rainstorm (no wind, no surge) gives them no threat to act on
    cats = RELOCATION_CATEGORIES
    idle = [cats.index(c) for c in ("vessel_crew_persons", "offshore_port_workers_persons",
                                    "seawall_outside_workers_persons")]  # fmt: skip
    for g in rainstorm_model.districts:
        assert g.relocated[idle].sum() == 0.0, g.name
    behaviour = ProtectiveAction(BehaviourConfig())
    p = behaviour.probability(
        np.array([False, False, True]), 4, np.zeros(3, int), np.ones(3, bool),
        np.array([0.0, 1e-6, 0.0]),
    )  # fmt: skip
    assert p[0] == 0.0 and p[2] == 0.0 and p[1] > 0.0  # a trace of forecast counts (x = -2)


# ---------------------------------------------------------------- 1. storm surge: depth and deaths
SURGE = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"


def test_jonkman_mortality_by_hand():
    # remaining zone: Φ((ln h − 7.60)/2.75); h = 1 m: Φ(−2.76364) = 0.0028581
    assert flood_mortality(1.0, 0.1) == pytest.approx(0.0028581, rel=1e-4)
    # 2.5 m rising 1 m/h (≥ 2.1 m and ≥ 0.5 m/h): Φ((ln 2.5 − 1.46)/0.28) = Φ(−1.94182)
    assert flood_mortality(2.5, 1.0) == pytest.approx(0.026079, rel=1e-3)
    # the same depth rising slowly stays in the remaining zone: Φ(−2.43044) = 0.0075404
    assert flood_mortality(2.5, 0.2) == pytest.approx(0.0075404, rel=1e-3)
    assert flood_mortality(0.0, 5.0) == 0.0
    h = np.linspace(0.01, 5.0, 200)  # mortality rises with depth in each zone
    assert (np.diff(flood_mortality(h, 0.0)) > 0).all()


def test_deaths_behind_one_wall_by_hand():
    # the hand case of tests/test_storm_surge.py: 0.25 m over a 10 km wall for 2 h, V = 1402.11
    # m³/m at 2 h, so the depth at x is 1.40211·exp(−x/1000) (below the 2.25 m cap and 2.1 m:
    # remaining zone); 10,000 residents per km²
    t = np.arange(0, 30.0, GRID_STEP_H)
    level = np.where((t > 0) & (t <= 2.0 + 1e-9), 5.25, 4.0)
    wall = one_wall().assign(district="Pudong New Area")
    hz = StormSurge(wall, t, level, np.zeros_like(t), surge_context(), 1000.0, 12.0, 0.01)
    deaths = CoastalFloodDeaths(hz, np.array([0.01]), {"Pudong New Area": 0})
    _, x, width, _ = hz.cross_shore_profile()
    v2 = 0.54 * math.sqrt(9.81 * 0.25**3) * 12 * 3600 * (1 - math.exp(-2.0 / 12.0))
    depth = v2 / 1000.0 * np.exp(-x / 1000.0)
    depth = np.where(depth >= 0.01, depth, 0.0)
    want = (norm.cdf((np.log(depth[depth > 0]) - 7.60) / 2.75)).sum() * 0.01 * width
    want *= float(hz.segment_length_m[0])
    assert deaths.expected[-1, 0] == pytest.approx(want, rel=1e-6)
    assert 300 < want < 370  # ~336 deaths among ~490,000 residents in water ≥ 1 cm (0.07 %)
    assert deaths.expected_at(1.0)[0] < deaths.expected_at(2.0)[0] == deaths.expected[-1, 0]


@pytest.fixture(scope="module")
def surge_model():
    scen = load_scenario(SURGE, ["networks.resolution=0.1", "time.duration_h=30"])
    model = CityModel(scen)
    model.run()
    return model


def test_storm_surge_floods_and_kills_where_its_walls_overflow(surge_model):
    model = surge_model
    names = list(model.city.districts["name_en"])
    depth = dict(zip(names, model.hazard_record.peak_flood_depth_m, strict=True))
    # the Lujiazui floodwall overflows like the Bund's opposite: Pudong's deepest flooding is
    # at its foot (the 24 random points of a 1,210 km² district missed it: 0.1 m before)
    assert depth["Pudong New Area"] == pytest.approx(depth["Huangpu"]) and depth["Huangpu"] > 2.0
    assert depth["Chongming"] == depth["Jinshan"] == 0.0  # their seawalls hold
    by_district = dict(zip(names, model.ledger.casualties.deaths_by_district(), strict=True))
    overflowing = {"Baoshan", "Yangpu", "Huangpu", "Pudong New Area", "Xuhui"}
    assert all(by_district[n] > 0 for n in overflowing - {"Pudong New Area"})
    assert sum(v for n, v in by_district.items() if n not in overflowing) == 0
    flood = model.ledger.casualties.by_cause()["coastal_flood"][0]
    assert flood == model.deaths and 1500 < flood < 3500  # expected 2,356 (Poisson draws)


# ---------------------------------------------------------------- 4. earthquake: networks, homeless
QUAKE = ROOT / "scenarios" / "shanghai" / "earthquake-old-housing.yaml"


@pytest.fixture(scope="module")
def quake_model():
    model = CityModel(load_scenario(QUAKE, ["time.duration_h=3"]))
    model.run()
    return model


def test_earthquake_displaces_the_residents_of_uninhabitable_old_housing(quake_model):
    model = quake_model
    ev = model.events.to_frame()
    quake = ev[(ev["kind"] == "earthquake") & (ev["detail"] == "pga_g")].sort_values("district")
    pga = quake["value"].to_numpy(float)  # (D,) district PGA the strike used, g
    # Hazus shelter model, expected value: residents × (0.9 P(extensive) + P(complete))
    want = 0.0
    for st in old_housing_stocks(model.city):
        p = damage_state_probabilities(pga, st.curve_prefix)  # (D, 5)
        want += (st.residents * (0.9 * p[:, 3] + p[:, 4])).sum()
    got = sum(g.displaced_now for g in model.districts)
    assert got == pytest.approx(want, rel=0.02)  # multinomial draws of ~3,700 blocks
    assert model.people_relocated == pytest.approx(got)  # nobody else moves (compliance 0)
    assert sum(g.sheltered_now for g in model.districts) == pytest.approx(got)
    assert got > 1e5  # before: 0


def test_earthquake_fails_substations_by_the_hazus_damage_law(quake_model):
    infra = quake_model.infra
    nodes = infra.layers["power"].nodes
    cap, peak = infra.capacity["power"]["pga_g"], infra.peak["power"]["pga_g"]
    hit = np.isfinite(cap) & (peak >= cap)  # PGA at the asset above its drawn capacity
    assert hit.sum() > 20  # before: no power asset had a PGA curve, so none failed
    assert infra.damaged["power"][hit].all()
    types = infra.layers["power"].asset_types
    sub = np.isin(nodes["asset_type"], [types.index("substation_110_35kv"),
                                        types.index("substation_220kv")])  # fmt: skip
    assert (hit & sub).any()
    assert quake_model._customer_hours["power"] > 0
