"""Plausible outcomes (issue 17, deliverable 4): each shipped scenario's headline outcome rests on
a published model, checked here against values computed by hand.

- City profile: the residents' age bands and the country's earthquake fatality model.
- Epidemic: the final-size equation z = 1 - exp(-R0 z) for the scenario's R0 and mixing; deaths
  from COVID-19's IFR by age (Levin et al. 2020), never more than the infected.
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
from sim.models.emergency import CityModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ROOT / "scenarios" / "data" / "shanghai"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


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


def test_validate_asks_for_an_ifr_or_the_age_bands(tmp_path):
    city = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, city)
    text = (city / "city.yaml").read_text(encoding="utf-8")
    text = re.sub(r"population_ages:\n(?:  .*\n|    .*\n)+\n", "", text)
    assert "population_ages" not in text
    (city / "city.yaml").write_text(text, encoding="utf-8")
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
