"""Issue 17, deliverable 2: the risk map's likelihood is an annual frequency, its grades are
documented, and the matrix, the map and the inventory agree cell by cell.

The figures are compared through the data behind them (each drawn cell is a patch with gid
``cell:<row>:<column>`` and its face colour), never through pixels.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from typer.testing import CliRunner

from sim.city import load_city
from sim.interfaces.cli.main import app
from sim.scenario import load_scenario
from sim.studies.riskmap.figures import draw_map, draw_matrix
from sim.studies.riskmap.frequency import FrequencyMissing, scenario_frequency
from sim.studies.riskmap.grades import grades_markdown
from sim.studies.riskmap.inventory import (
    build_inventory,
    grade_cells,
    grade_counts,
    not_observed_text,
)
from sim.studies.riskmap.matrix import (
    GRADE_HEX,
    GRADES,
    likelihood_level,
    poisson_rate_interval,
    wilson_interval,
)

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios" / "shanghai"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
HEX_GRADE = {h: g for g, h in GRADE_HEX.items()}
runner = CliRunner()


def _hatches(fig) -> dict[tuple[int, int], str | None]:
    """(row, column) → hatch of every cell patch drawn in ``fig``."""
    return {
        tuple(int(x) for x in p.get_gid().split(":")[1:]): p.get_hatch()
        for ax in fig.axes
        for p in ax.patches
        if (p.get_gid() or "").startswith("cell:")
    }


def _drawn_cells(fig) -> dict[tuple[int, int], str]:
    """(row, column) → grade of every cell patch drawn in ``fig``, read from its face colour."""
    out = {}
    for ax in fig.axes:
        for patch in ax.patches:
            gid = patch.get_gid() or ""
            if gid.startswith("cell:"):
                _, r, c = gid.split(":")
                assert (int(r), int(c)) not in out, f"cell {gid} drawn twice"
                out[(int(r), int(c))] = HEX_GRADE[to_hex(patch.get_facecolor())]
    return out


# ---------------------------------------------------------------- likelihood: events per year


def test_a_100_year_design_storm_gives_0_01_per_year():
    scen = load_scenario(SCEN / "rainstorm.yaml", ["hazard.rainstorm.return_period_yr=100"])
    freq = scenario_frequency(scen)
    assert freq.events_per_yr == pytest.approx(0.01, rel=1e-12)
    assert freq.return_period_yr == pytest.approx(100.0)
    assert freq.origin == "return_period" and "return_period_yr = 100" in freq.source
    # the shipped 10-year storm: 0.1 per year
    assert scenario_frequency(load_scenario(SCEN / "rainstorm.yaml")).events_per_yr == 0.1


def test_an_emergency_cell_is_the_scenario_frequency_times_the_share_of_replications():
    # 1-in-100-year storm; district 0 flooded in 3 of 4 replications (1, 2, 3 deaths)
    rec = pd.DataFrame(
        [(t, 0, "rainstorm", "waterlogging", 1, float(t + 1), 0.0, 4.0e6) for t in range(3)],
        columns=["trial", "district", "hazard", "category", "log_events", "deaths",
                 "injuries", "loss_yuan"],
    )  # fmt: skip
    names = pd.DataFrame({"name_en": ["A", "B"], "name_zh": ["甲", "乙"]})
    inv = build_inventory(rec, 4, "scenario", names, scenario_frequency_per_yr=0.01)
    a = inv[inv.district == 0].iloc[0]
    assert a.frequency_per_yr == pytest.approx(0.0075)  # 0.01 × 3/4
    assert a.return_period_yr == pytest.approx(1 / 0.0075)
    lo, hi = wilson_interval(3, 4)
    assert (a.frequency_lo_per_yr, a.frequency_hi_per_yr) == pytest.approx((0.01 * lo, 0.01 * hi))
    assert a.p_occurrence == 0.75
    assert a.deaths == pytest.approx(2.0)  # mean of 1, 2, 3 given occurrence
    assert a.deaths_per_yr == pytest.approx(0.01 * 6 / 4)  # frequency × consequence
    assert a.loss_yuan_per_yr == pytest.approx(0.0075 * 4.0e6)
    # L: 0.001 <= 0.0075 < 0.01 -> 2; C: 2 deaths -> 2 (4 M yuan -> 2); R = 4 -> yellow
    assert (a.likelihood_level, a.consequence_level, a.grade) == (2, 2, "yellow")
    b = inv[inv.district == 1].iloc[0]  # never flooded: frequency 0, infinite return period
    assert (b.frequency_per_yr, b.return_period_yr) == (0.0, math.inf)
    # not "blue, L1": not observed, its frequency below 0.01 × the Wilson bound of 0 in 4
    assert (b.observed, b.grade, b.grade_zh) == (False, "not_observed", "未观测到")
    assert b.frequency_hi_per_yr == pytest.approx(0.01 * 1.959964**2 / (4 + 1.959964**2))
    with pytest.raises(ValueError, match="annual frequency"):
        build_inventory(rec, 4, "scenario", names)


def test_a_long_run_cell_is_its_events_per_simulated_year_with_a_garwood_interval():
    # 5 road collapses in district 0 over 10 simulated years (2 deaths in all)
    rec = pd.DataFrame(
        [(t, 0, "pipeline_ageing", "road_collapse", 1, 0.4, 0.0, 5e6) for t in (0, 2, 2, 5, 9)],
        columns=["trial", "district", "hazard", "category", "log_events", "deaths",
                 "injuries", "loss_yuan"],
    ).groupby(["trial", "district", "hazard", "category"], as_index=False).sum()  # fmt: skip
    names = pd.DataFrame({"name_en": ["A"], "name_zh": ["甲"]})
    r = build_inventory(rec, 10, "year", names).iloc[0]
    assert r.frequency_per_yr == pytest.approx(0.5)  # 5 events / 10 years (not 4 years of 10)
    assert r.p_occurrence == pytest.approx(0.4)
    # exact Poisson 95 % limits of a count of 5: 1.6235 and 11.6683 (Garwood 1936 tables)
    assert r.frequency_lo_per_yr == pytest.approx(0.16235, abs=1e-4)
    assert r.frequency_hi_per_yr == pytest.approx(1.16683, abs=1e-4)
    assert r.deaths == pytest.approx(0.4) and r.deaths_per_yr == pytest.approx(0.2)
    assert r.likelihood_level == 4


def test_likelihood_levels_are_decade_bands_of_the_annual_frequency():
    f = [0.0, 9.99e-4, 1e-3, 9.99e-3, 0.01, 0.0999, 0.1, 0.999, 1.0, 12.0]
    assert likelihood_level(f).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    for bad in ([-0.1], [np.nan], [np.inf]):
        with pytest.raises(ValueError, match="events per year"):
            likelihood_level(bad)
    lo, hi = poisson_rate_interval(0, 10.0)  # none seen in 10 years: upper 3.689/10
    assert lo == 0.0 and hi == pytest.approx(0.36889, abs=1e-4)


def test_shipped_scenario_frequencies_match_their_cited_sources():
    # Lekima: storms of 2005-2020 with >= 150,000 relocated in the calibration catalogue
    obs = pd.read_csv(ROOT / "scenarios" / "data" / "typhoons" / "observed_calibration.csv")
    relocated = obs[obs["outcome"] == "people_relocated"]
    rel = pd.to_numeric(relocated["value"]).groupby(relocated["storm"]).max()
    big = sorted(rel[rel >= 150_000].index)
    assert big == ["ampil-2018", "chan-hom-2015", "haikui-2012", "lekima-2019", "wipha-2007"]
    lekima = scenario_frequency(load_scenario(SCEN / "lekima-2019.yaml"))
    assert lekima.events_per_yr == len(big) / 16  # 2005..2020
    quake = load_scenario(SCEN / "earthquake-old-housing.yaml").frequency.events_per_yr
    assert quake == pytest.approx(-math.log(0.98) / 50, rel=1e-3)  # 2 % in 50 years
    epi = load_scenario(SCEN / "epidemic-black-swan.yaml").frequency.events_per_yr
    assert epi == pytest.approx(0.02 * -math.expm1(-0.1 * 120 / 365.25), rel=0.01)
    surge = load_scenario(SCEN / "storm-surge.yaml").frequency.events_per_yr
    assert surge == 1 / 1000  # the bound of the 1000-year design tide it exceeds
    # a scenario without a frequency keeps its resolved form; one with it carries it
    assert "frequency" not in load_scenario(SCEN / "rainstorm.yaml").model_dump()
    assert load_scenario(EXAMPLE).model_dump()["frequency"]["events_per_yr"] == 0.2


def test_riskmap_refuses_an_emergency_scenario_without_a_frequency(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("frequency:")
    end = text.index("city:")
    bare = tmp_path / "bare.yaml"
    bare.write_text(
        text[:start].replace("../data", str(EXAMPLE_DATA.parent)) + text[end:].replace(
            "../data", str(EXAMPLE_DATA.parent)
        ),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(FrequencyMissing):
        scenario_frequency(load_scenario(bare))
    out = tmp_path / "out"
    res = runner.invoke(app, ["riskmap", str(bare), "-n", "1", "-q", "--out", str(out)])
    assert res.exit_code == 2
    assert f"{bare}: frequency: expected the scenario's annual frequency" in res.output
    assert "Traceback" not in res.output and not out.exists()


# ---------------------------------------------------------------- grades: matrix = map = table


def _fixture_inventory(districts: pd.DataFrame) -> pd.DataFrame:
    """Ten simulated years; every grade, two hazards and a city-wide row (hand-graded):
    road collapses: d0 10 events × 3 deaths (L5 C3, red), d1 5 × 3 (L4 C3, orange),
    d2 5 events 1 death (L4 C2, yellow); building collapse (another hazard): d0 1 event
    of 60 M yuan (L4 C4, red); city-wide 'other': 1 event of 2 M yuan (L4 C2, yellow);
    every other cell never occurred (not observed in 10 simulated years: below 0.37/yr)."""
    rows = [(t, 0, "pipeline_ageing", "road_collapse", 1, 3.0, 0.0, 0.0) for t in range(10)]
    rows += [(t, 1, "pipeline_ageing", "road_collapse", 1, 3.0, 0.0, 0.0) for t in range(5)]
    rows += [(t, 2, "pipeline_ageing", "road_collapse", 1, 0.2, 0.0, 0.0) for t in range(5)]
    rows += [(3, 0, "asset_deterioration", "building_collapse", 1, 0.0, 0.0, 6.0e7)]
    rows += [(4, -1, "asset_deterioration", "other", 1, 0.0, 0.0, 2.0e6)]
    rec = pd.DataFrame(rows, columns=["trial", "district", "hazard", "category", "log_events",
                                      "deaths", "injuries", "loss_yuan"])  # fmt: skip
    return build_inventory(rec, 10, "year", districts, "fixture")


def test_matrix_map_and_inventory_agree_on_every_cell_of_every_grade():
    city = load_city(EXAMPLE_DATA)
    names = list(city.districts["name_en"])
    inv = _fixture_inventory(city.districts)
    # 3 (hazard, category) columns × 5 districts + 1 city-wide row, graded by hand
    assert grade_counts(inv) == {"not_observed": 11, "blue": 0, "yellow": 2, "orange": 1, "red": 2}
    words = not_observed_text(inv)
    assert words == "not observed in 10 simulated years (upper bound 0.37 per year)"  # Garwood
    cells = grade_cells(inv, names)
    expected = {(int(r), int(c)): g for r, c, g in cells[["row", "column", "grade"]].itertuples(
        index=False)}  # fmt: skip
    assert expected[(5, cells.loc[cells.category == "other", "column"].iloc[0])] == "yellow"
    matrix = draw_matrix(cells, names, "fixture", words)
    map_ = draw_map(cells, city, "fixture", words)
    for fig in (matrix, map_):
        drawn = _drawn_cells(fig)
        assert drawn == expected  # same cells, same grade, in the grade's colour
        assert dict(Counter(drawn.values())) == {g: n for g, n in grade_counts(inv).items() if n}
        hatched = {k for k, h in _hatches(fig).items() if h}
        assert hatched == {k for k, g in expected.items() if g == "not_observed"}  # and only they
        legend = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
        texts = [t.get_text().replace("\n", " ") for t in legend.get_texts()]
        for g in GRADES:
            assert any(t.startswith(f"{g} ") and t.endswith(f": {grade_counts(inv)[g]} cells")
                       for t in texts), (g, texts)  # fmt: skip
        assert f"{words}: 11 cells" in texts
    matrix_text = {t.get_text() for t in matrix.axes[0].texts}
    assert "none seen\n≤ 0.37/yr" in matrix_text and "L5 C3" in matrix_text
    # the matrix columns name the hazard when there are several
    assert "road collapse\n(pipeline_ageing)" in set(cells["column_label"])
    import matplotlib.pyplot as plt

    plt.close("all")


def test_riskmap_on_the_example_city_writes_agreeing_figures_and_grades(tmp_path):
    out = tmp_path / "rm"
    res = runner.invoke(app, ["riskmap", str(EXAMPLE), "-n", "2", "-q", "--out", str(out)])
    assert res.exit_code == 0, res.output
    inv = pd.read_parquet(out / "risk_inventory.parquet")
    k = inv["occurrences"].to_numpy()
    assert np.allclose(inv["frequency_per_yr"], 0.2 * k / 2)  # the scenario's 0.2/yr × k/2
    assert set(inv["frequency_per_yr"]) <= {0.0, 0.1, 0.2}
    counts = grade_counts(inv)
    meta = json.loads((out / "riskmap.json").read_text(encoding="utf-8"))
    assert meta["grades"] == counts
    assert meta["scenario_frequency"]["events_per_yr"] == 0.2
    assert meta["likelihood_bounds_per_yr"] == [0.001, 0.01, 0.1, 1.0]
    city = load_city(EXAMPLE_DATA)
    names = list(city.districts["name_en"])
    cells = grade_cells(inv, names)
    for fig in (draw_matrix(cells, names, "t"), draw_map(cells, city, "t")):
        drawn = Counter(_drawn_cells(fig).values())
        assert {g: drawn.get(g, 0) for g in counts} == counts
    grades = (out / "grades.md").read_text(encoding="utf-8")
    assert "F = 0.2 per year (once in 5 years)" in grades
    for g in GRADES:
        assert f"| {GRADE_HEX[g]} | {counts[g]} |" in grades
    assert f"| {GRADE_HEX['not_observed']}, hatched /// | {counts['not_observed']} |" in grades
    assert f"| {not_observed_text(inv)}: not graded | 未观测到 |" in grades
    summary_counts = ", ".join(f"{g} {counts[g]}" for g in reversed(GRADES))
    summary_counts += f", not observed {counts['not_observed']}"
    assert summary_counts in " ".join(res.output.split())
    import matplotlib.pyplot as plt

    plt.close("all")


def test_grades_md_states_both_axes_with_their_sources():
    md = grades_markdown({"blue": 3, "yellow": 1, "orange": 0, "red": 0}, None, 30)
    assert "| L2 | rare | 0.001 ≤ f < 0.01 | 100 to 1,000 years |" in md
    assert "| L5 | almost certain | f ≥ 1 | a year or less |" in md
    assert "| C3 | 较大 (level 3) | ≥ 3 | ≥ 10 | ≥ 10,000,000 |" in md  # Decree 493 Art. 3
    assert "over the 30 simulated years" in md
    assert "| C5 | yellow | orange | red | red | red |" in md
    assert "国务院令第493号" in md and "assumption" in md
