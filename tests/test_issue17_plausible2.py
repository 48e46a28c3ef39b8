"""Outcomes an expert would believe (issue 17, second review): each fix with a test that
fails without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from scipy.stats import spearmanr

from sim.agents.households import ProtectiveAction
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
    assert "Trees down (count): 2,984 count; 上海发布" in page
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
    assert moved[wet].sum() > 3 * moved[dry].sum()  # persons (before: 0 against 56)
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
