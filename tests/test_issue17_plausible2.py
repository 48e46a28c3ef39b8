"""Outcomes an expert would believe (issue 17, second review): each fix with a test that
fails without it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from sim.results.html_report import _outcomes
from sim.results.outcome_text import format_number
from sim.results.report import print_summary
from sim.scenario.loader import load_scenario

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
