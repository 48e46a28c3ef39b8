"""Plausible outcomes (issue 17, deliverable 4): each shipped scenario's headline outcome rests on
a published model, checked here against values computed by hand.

- City profile: the residents' age bands and the country's earthquake fatality model.
- Epidemic: the final-size equation z = 1 - exp(-R0 z) for the scenario's R0 and mixing; deaths
  from COVID-19's IFR by age (Levin et al. 2020), never more than the infected.
- Earthquake: the Worden et al. (2012) intensity and the PAGER fatality rate
  nu = Phi(ln(MMI / theta) / beta) (Jaiswal & Wald 2010) by hand; HAZUS casualties scaled to it.
- Chemical fire: heat flux of a point source and the TNO lethality probit by hand at a given
  distance; a default inject kills no more than an "ordinary" accident and books a loss.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.city import CityDataError, load_city, load_profile
from sim.core.ledger import LossLedger
from sim.damage.earthquake import (
    MAX_CASUALTY_SCALE,
    URM_CASUALTY_RATES,
    HousingStock,
    expected_impact,
    mmi_from_pga,
    pager_casualty_scale,
    pager_fatality_rate,
    sample_impact,
)
from sim.hazards.chemical import (
    FireScenario,
    burn_injury_probability,
    fire_consequences,
    heat_flux_kw_m2,
    injury_radius_m,
    lethality_probability,
    ring_probabilities,
)
from sim.hazards.epidemic import (
    MetapopulationSEIR,
    SEIRParams,
    band_ifr,
    final_size_root,
    gravity_mobility_matrix,
    levin2020_ifr,
    population_ifr,
)
from sim.interfaces.cli.main import app
from sim.interfaces.exercise.session import ExerciseSession, InjectError
from sim.models.emergency import CityModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ROOT / "scenarios" / "data" / "shanghai"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


def _phi(x: float) -> float:
    """Standard normal CDF by hand (math.erfc), independent of scipy."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


# ------------------------------------------------------------------------------ city profile
def test_profile_age_bands_and_fatality_model(tmp_path):
    shanghai = load_profile(SHANGHAI)
    bands = shanghai.population_ages.bands
    assert [(b.from_years, b.to_years) for b in bands] == [(0, 15), (15, 60), (60, 65), (65, 85)]
    assert sum(b.share for b in bands) == pytest.approx(1.0)
    assert shanghai.earthquake_fatality.country == "CN"
    city = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, city)
    text = (city / "city.yaml").read_text(encoding="utf-8")
    for bad, msg in (
        ("to_years: 15, share: 0.15", "shares must sum to 1"),
        ("{from_years: 15, to_years: 60", "must start at age 0 and follow each other"),
    ):
        wrong = text.replace(
            bad, bad.replace("0.15", "0.5").replace("from_years: 15", "from_years: 16")
        )
        (city / "city.yaml").write_text(wrong, encoding="utf-8")
        with pytest.raises(CityDataError, match=msg):
            load_profile(city)


# ------------------------------------------------------------------------------ epidemic
def test_scenario_r0_final_size_is_the_root_of_the_final_size_equation():
    """R0 = 2.5 (epidemic-black-swan.yaml): z = 1 - exp(-2.5 z) has the root 0.892645; the
    metapopulation ODE over the city's 16 districts with the scenario's gravity mixing reaches
    it (the simulated 84.6 % by day 120 is the epidemic not yet over, not a different size)."""
    z = final_size_root(2.5)
    assert z == pytest.approx(1.0 - math.exp(-2.5 * z), abs=1e-12)
    assert z == pytest.approx(0.8926447536, abs=1e-9)
    city = load_city(SHANGHAI)
    pop = city.districts["population"].to_numpy(float)
    mob = gravity_mobility_matrix(
        pop, city.districts["centroid_x_m"], city.districts["centroid_y_m"], travel_fraction=0.2
    )
    seir = MetapopulationSEIR(np.rint(pop).astype(np.int64), mob, SEIRParams(2.5, 3.0, 5.0))
    seeds = np.zeros(pop.size, np.int64)
    seeds[city.index_of("Pudong New Area")] = 20
    _, y = seir.deterministic(seeds, 400.0, 50.0)
    assert y[-1, 3].sum() / pop.sum() == pytest.approx(z, abs=2e-3)


def test_levin_ifr_reproduces_the_values_of_its_abstract():
    """Levin et al. (2020): 0.002 % at 10, 0.01 % at 25, 0.4 % at 55, 1.4 % at 65, 4.6 % at 75,
    15 % at 85 (rounded as stated there)."""
    stated = {10: 0.002, 25: 0.01, 55: 0.4, 65: 1.4, 75: 4.6, 85: 15.0}
    for age, pct in stated.items():
        got = float(levin2020_ifr(age)) * 100.0
        digits = -int(math.floor(math.log10(pct))) + (1 if pct in (1.4, 4.6, 15.0) else 0)
        assert round(got, digits) == pytest.approx(pct), (age, got)


def test_band_and_population_ifr_by_hand():
    # mean of 10^(a + b x)/100 over [60, 65): (f(65) - f(60)) / (b ln10 * 5)
    f = lambda x: 10 ** (-3.27 + 0.0524 * x) / 100  # noqa: E731
    assert band_ifr(60, 65) == pytest.approx((f(65) - f(60)) / (0.0524 * math.log(10) * 5))
    mid = np.linspace(60, 65, 200_001)
    assert band_ifr(60, 65) == pytest.approx(float(np.mean(f(mid))), rel=1e-6)
    bands = [(0, 15, 0.098), (15, 60, 0.6682), (60, 65, 0.071), (65, 85, 0.1628)]
    hand = sum(w * band_ifr(a, b) for a, b, w in bands)
    assert population_ifr(bands) == pytest.approx(hand)
    profile = load_profile(SHANGHAI)
    shanghai = [(b.from_years, b.to_years, b.share) for b in profile.population_ages.bands]
    assert population_ifr(shanghai) == pytest.approx(hand)
    # older than mainland China (Verity et al. 2020: 0.657 %), within the 0.39-1.33 % band's top
    assert 0.00657 < population_ifr(shanghai) < 0.0133


def _epidemic_model(tmp_path: Path, **epi) -> CityModel:
    block = {
        "start_utc": "2030-08-02T00:00:00Z",
        "r0": 6.0,
        "latent_period_d": 0.25,
        "infectious_period_d": 0.5,
        "seed_district": "Old Harbour",
        "initial_infectious": 2000,
        "step_h": 1,
        **epi,
    }
    items = ", ".join(f"{k}: {v}" for k, v in block.items())
    path = tmp_path / "epidemic.yaml"
    path.write_text(
        f"extends: {EXAMPLE}\nname: example-epidemic\nhazard:\n  epidemic: {{{items}}}\n",
        encoding="utf-8",
    )
    model = CityModel(load_scenario(path))
    model.run()
    return model


def _epidemic_deaths(model: CityModel) -> float:
    ev = model.events.to_frame()
    return float(ev[(ev["kind"] == "death") & (ev["detail"] == "epidemic")]["value"].sum())


def test_epidemic_deaths_are_the_ifr_of_the_removed_and_never_exceed_the_infected(tmp_path):
    """Deaths: Binomial(removed, IFR) with no delay when onset-to-death equals the infectious
    period; the fix for "21.7 M cases and 0 deaths" (before it, an epidemic booked none)."""
    model = _epidemic_model(tmp_path, infection_fatality_ratio=0.3, onset_to_death_d=0.5)
    removed = float(model.epidemic_state.r.sum())
    deaths = _epidemic_deaths(model)
    assert removed > 1e4
    assert deaths <= removed <= model.epidemic_cases + model.epidemic_initial
    sd = math.sqrt(removed * 0.3 * 0.7)
    assert abs(deaths - 0.3 * removed) < 5 * sd + 1
    assert model.deaths >= deaths


def test_epidemic_deaths_wait_for_onset_to_death(tmp_path):
    """A 36-hour window with 5 days from onset to death (4.5 after removal): nobody dies in it."""
    model = _epidemic_model(tmp_path, infection_fatality_ratio=0.3, onset_to_death_d=5.0)
    assert model.epidemic_state.r.sum() > 1e4 and _epidemic_deaths(model) == 0.0


def _city_without_ages(tmp_path: Path) -> Path:
    city = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, city)
    text = (city / "city.yaml").read_text(encoding="utf-8")
    text = re.sub(r"population_ages:\n(?:  .*\n|    .*\n)+\n", "", text)
    assert "population_ages" not in text
    (city / "city.yaml").write_text(text, encoding="utf-8")
    return city


def test_validate_asks_for_an_ifr_or_the_age_bands(tmp_path):
    city = _city_without_ages(tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {EXAMPLE}\nname: no-ages\ncity: {{data_dir: {city}}}\nhazard:\n  epidemic: "
        "{start_utc: 2030-08-02T00:00:00Z, r0: 2.5, seed_district: Old Harbour}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "hazard.epidemic.infection_fatality_ratio" in res.output
    assert "population_ages" in res.output


def test_an_injected_epidemic_without_age_bands_is_refused_whole(tmp_path):
    city = _city_without_ages(tmp_path)
    scenario = load_scenario(EXAMPLE, [f"city.data_dir={city}", "networks.resolution=0.2"])
    session = ExerciseSession(scenario)
    with pytest.raises(InjectError, match="population_ages"):
        session.inject({"type": "epidemic_cases", "district": "Northgate", "count": 10})
    assert session.model.epidemic is None  # nothing half-built


# ------------------------------------------------------------------------------ earthquake
def test_worden_2012_mmi_from_pga_by_hand():
    # 0.2 g = 196.2 cm/s2, log10 = 2.292699 > 1.57: MMI = -1.60 + 3.70 x 2.292699
    assert float(mmi_from_pga(0.2)) == pytest.approx(-1.60 + 3.70 * math.log10(196.2))
    assert float(mmi_from_pga(0.2)) == pytest.approx(6.8830, abs=1e-4)
    # 0.02 g = 19.62 cm/s2, log10 = 1.292699 <= 1.57: MMI = 1.78 + 1.55 x 1.292699
    assert float(mmi_from_pga(0.02)) == pytest.approx(1.78 + 1.55 * math.log10(19.62))
    assert float(mmi_from_pga(5.0)) == 10.0  # clipped


def test_pager_rate_equals_phi_by_hand_for_china():
    fat = load_profile(SHANGHAI).earthquake_fatality
    assert (fat.country, fat.theta_mmi, fat.beta) == ("CN", 10.328811, 0.100058)
    for mmi in (6.0, 7.0, 8.0, 9.0):
        hand = _phi(math.log(mmi / 10.328811) / 0.100058)
        assert float(pager_fatality_rate(mmi, 10.328811, 0.100058)) == pytest.approx(hand)
    assert float(pager_fatality_rate(8.0, 10.328811, 0.100058)) == pytest.approx(0.005332, 1e-3)
    # capped at 9 (PAGER folds MMI 10 into 9), zero below 4.5
    assert pager_fatality_rate(10.0, 10.33, 0.1) == pager_fatality_rate(9.0, 10.33, 0.1)
    assert pager_fatality_rate(4.4, 10.33, 0.1) == 0.0


class _Fatality:
    theta_mmi, beta = 10.328811, 0.100058


def _stock(area_m2: float) -> list[HousingStock]:
    area = np.array([area_m2, area_m2, area_m2])
    return [HousingStock("urm_precode", "eq_urm_precode_midrise", area, 2000.0)]


def test_hazus_casualties_are_scaled_to_pager_deaths():
    """Expected deaths on the spot = population x nu(MMI) in each district; the sampled deaths
    average to it; no district's rates exceed 1; deaths never exceed the occupants."""
    pga = np.array([0.15, 0.25, 0.40])
    pop = np.array([1e6, 1e6, 1e6])
    stocks = _stock(4e7)  # 2 M residents of old housing per district
    scale, pager = pager_casualty_scale(pga, pop, stocks, 2.0, _Fatality)
    hand = pop * np.array([_phi(math.log(m / 10.328811) / 0.100058) for m in mmi_from_pga(pga)])
    np.testing.assert_allclose(pager, hand)
    hazus = expected_impact(pga, stocks, 2.0)["casualties"][:, 3]
    capped = scale >= MAX_CASUALTY_SCALE - 1e-12
    np.testing.assert_allclose((hazus * scale)[~capped], pager[~capped], rtol=1e-12)
    assert (MAX_CASUALTY_SCALE * URM_CASUALTY_RATES.sum(axis=1)).max() == pytest.approx(1.0)
    rng = np.random.default_rng(7)
    draws = np.array(
        [
            sample_impact(pga, stocks, 2.0, rng, casualty_scale=scale)["casualties"]
            for _ in range(40)
        ]
    )
    occupants = stocks[0].residents * 0.95
    assert (draws.sum(axis=2) <= occupants).all()
    mean = draws[:, :, 3].mean(axis=0)
    ok = ~capped
    expected = (hazus * scale)[ok]
    assert np.all(np.abs(mean[ok] - expected) < 5 * np.sqrt(expected / 40) + 1)


def test_earthquake_under_the_example_city_kills_what_pager_expects(tmp_path):
    """A full model run: deaths on the spot near PAGER's expectation at the districts' logged
    PGA, deaths at most the residents, and the damaged housing costs something."""
    path = tmp_path / "quake.yaml"
    path.write_text(
        "name: example-quake\nseed: 11\ncity: {data_dir: " + str(EXAMPLE_DATA) + "}\n"
        "time: {start_utc: 2030-03-01T17:00:00Z, duration_h: 6, physics_step_h: 0.5}\n"
        "networks: {resolution: 0.5}\n"
        "hazard:\n  earthquake: {at_utc: 2030-03-01T18:00:00Z, magnitude: 6.0, "
        "epicentre: {lon: 118.0, lat: 22.4}}\n",
        encoding="utf-8",
    )
    model = CityModel(load_scenario(path))
    model.run()
    ev = model.events.to_frame()
    pga = ev[ev["kind"] == "earthquake"].sort_values("district")["value"].to_numpy()
    pop = model.city.districts["population"].to_numpy(float)
    expected = float((pop * pager_fatality_rate(mmi_from_pga(pga), 10.33, 0.10)).sum())
    on_spot = float(ev[(ev["kind"] == "death") & (ev["detail"] == "earthquake")]["value"].sum())
    assert expected > 5.0
    assert abs(on_spot - expected) < 5 * math.sqrt(expected) + 2
    assert model.deaths <= pop.sum()
    assert model.context.losses.by_item["earthquake_housing"] > 0


# ------------------------------------------------------------------------------ chemical fire
def test_heat_flux_and_tno_probit_at_a_given_distance_by_hand():
    # 100 MW radiated, 20 m away: q = 100,000 / (4 pi 400) = 19.894 kW/m2
    q = float(heat_flux_kw_m2(20.0, 100.0, 10.0))
    assert q == pytest.approx(1e5 / (4 * math.pi * 400))
    pr = -37.23 + 2.56 * math.log(20.0 * (q * 1e3) ** (4 / 3))
    assert float(lethality_probability(q, 20.0)) == pytest.approx(_phi(pr - 5.0))
    assert float(lethality_probability(q, 20.0)) == pytest.approx(0.2191, abs=1e-3)
    # the flux of 50 % lethality in 20 s: Pr = 5 <=> t q^(4/3) = exp(42.23 / 2.56) (W/m2)
    q50 = (math.exp(42.23 / 2.56) / 20.0) ** 0.75 / 1e3
    assert float(lethality_probability(q50, 20.0)) == pytest.approx(0.5)
    # inside the flames the flux is that at their edge
    assert float(heat_flux_kw_m2(3.0, 100.0, 10.0)) == float(heat_flux_kw_m2(10.0, 100.0, 10.0))


def test_second_degree_burns_start_at_290_tdu():
    q = (290.0 / 20.0) ** 0.75  # kW/m2 giving 290 TDU in 20 s
    assert float(burn_injury_probability(q * 1.0001, 20.0)) == pytest.approx(
        1.0 - float(lethality_probability(q * 1.0001, 20.0))
    )
    assert float(burn_injury_probability(q * 0.999, 20.0)) == 0.0
    fire = FireScenario()
    assert float(heat_flux_kw_m2(injury_radius_m(fire), 100.0)) == pytest.approx(q)


def test_ring_probabilities_inside_the_flames_equal_the_edge_values():
    fire = FireScenario()
    edge = float(heat_flux_kw_m2(fire.flame_radius_m, fire.radiated_power_mw))
    p_death, p_injury = ring_probabilities(fire, 0.0, fire.flame_radius_m)
    assert p_death == pytest.approx(float(lethality_probability(edge, 20.0)), rel=1e-6)
    assert p_injury == pytest.approx(float(burn_injury_probability(edge, 20.0)), rel=1e-6)
    # beyond the burn radius nobody is harmed
    far = injury_radius_m(fire)
    assert ring_probabilities(fire, far, far + 500.0)[1] == 0.0


def test_fire_consequences_never_exceed_the_exposed_and_always_cost():
    rng = np.random.default_rng(3)
    big = FireScenario(radiated_power_mw=20_000.0, workers_on_site=50)
    for fire in (FireScenario(), big):
        for _ in range(50):
            out = fire_consequences(fire, 30_000.0, 1.0, rng)
            assert 0 <= out.deaths + out.injuries <= out.exposed
            assert out.loss_yuan > 0
    with pytest.raises(ValueError):
        fire_consequences(FireScenario(), 1e4, 1.5, rng)


def test_default_chemical_fire_inject_is_an_ordinary_accident_with_a_loss():
    """Before: a default inject killed everyone within 300 m with P = 0.05 (~100-400 dead at once
    in a dense district) and booked no loss. Now, in the example city's densest district: at most
    a few dead (an "ordinary" accident has < 3), and the direct loss is in the ledger."""
    scenario = load_scenario(EXAMPLE, ["networks.resolution=0.2", "time.duration_h=3"])
    session = ExerciseSession(scenario)
    model = session.model
    deaths0, loss0 = model.deaths, model.context.losses.total_yuan
    session.inject({"type": "chemical_fire", "district": "Old Harbour"})
    assert model.deaths - deaths0 < 3
    booked = model.context.losses.by_item["chemical_fire"]
    assert booked > 0 and model.context.losses.total_yuan - loss0 == pytest.approx(booked)
    # the expected toll of the default fire: workers x their mean lethality, well under one
    fire = FireScenario()
    assert fire.workers_on_site * ring_probabilities(fire, 0.0, fire.site_radius_m)[0] < 1.0


def test_a_loss_from_records_is_not_multiplied_by_the_unit_cost_calibration():
    """``losses.scale`` calibrates unit costs (Lekima: x3); a chemical fire's direct loss comes
    from accident records and is booked as drawn."""
    ledger = LossLedger({}, scale=3.0)
    assert ledger.add_yuan("earthquake_housing", 10.0) == 30.0
    assert ledger.add_yuan("chemical_fire", 10.0, scaled=False) == 10.0
    assert ledger.total_yuan == 40.0
