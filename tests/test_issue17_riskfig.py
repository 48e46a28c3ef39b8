"""Issue 17, the last review's leftovers on figures and tables reading right at first sight:
the risk map's never-observed cells, the forest plot's panels, the black swan's intensity unit
and the epidemic's district heat map."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402

from sim.results.html_report import outcome_rows  # noqa: E402
from sim.results.outcome_text import outcome_label, outcome_unit  # noqa: E402
from sim.results.report import summary_table  # noqa: E402
from sim.scenario.longrun import LONGRUN_SUMMARY_UNITS, LongRunScenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _keep_figures(monkeypatch, module) -> dict:
    """Make ``module.plt.close`` keep the figure it closes (drawn) in the returned dict."""
    kept: dict = {}
    real_close = plt.close

    def keep(fig=None):
        kept["fig"] = fig
        fig.canvas.draw()
        real_close(fig)

    monkeypatch.setattr(module.plt, "close", keep)
    return kept


# ------------------------------------------------------------------ black swan intensity unit
class _LongRun:
    OUTCOME_UNITS = LongRunScenario.OUTCOME_UNITS
    name, seed, observed = "pipeline-ageing", 2003, {}

    class years:  # noqa: N801 - the scenario's section
        start_year, n_years = 2003, 18


def test_black_swan_intensity_reads_as_a_multiple_of_x_min_everywhere():
    summary = {"black_swan_intensity_max": 1.364, "black_swan_amplification_max": 3.12}
    unit = outcome_unit("black_swan_intensity_max", LONGRUN_SUMMARY_UNITS)
    assert unit == "multiple of x_min"
    label = outcome_label("black_swan_intensity_max", LONGRUN_SUMMARY_UNITS)
    assert label == "Largest black-swan intensity (multiple of x_min)"
    rows = {r[0]: r for r in outcome_rows(summary, _LongRun())}  # report.html
    assert rows["black_swan_intensity_max"][1:3] == (label, "1.36")
    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(summary_table(summary, _LongRun(), width=120))
    text = console.export_text()
    assert "multiple of x_min" in text and "Pareto" not in text


def test_latent_risk_figure_names_the_black_swan_intensity_unit(monkeypatch, tmp_path):
    from sim.results import longrun_figures

    by = pd.DataFrame(
        {"t_yr": [2003, 2004, 2003, 2004], "sector": ["pipeline"] * 2 + ["facade"] * 2,
         "total": [1.0, 2.0, 0.5, 0.7], "harm": [2.0, 3.0, 1.0, 1.2]}
    )  # fmt: skip
    model = SimpleNamespace(
        shock_log=[{"t_yr": 2003.5, "kind": "extreme_rainstorm", "intensity": 2.25,
                    "amplification": 3.4}],
        config=SimpleNamespace(name="t", seed=1),
    )  # fmt: skip
    kept = _keep_figures(monkeypatch, longrun_figures)
    panel = SimpleNamespace(data={"by": by})
    longrun_figures.draw_latent_risk(model, [panel], tmp_path / "l.png")
    texts = [t.get_text() for ax in kept["fig"].axes for t in ax.texts]
    assert texts == ["extreme_rainstorm: intensity 2.2 × x_min, failures ×3.4"]
    legend = [t.get_text() for t in kept["fig"].axes[1].get_legend().get_texts()]
    assert any("multiple of x_min" in t for t in legend), legend


# ------------------------------------------------------------------ compare: the forest plot
PIPELINE_METRICS = [
    "shocks.rainstorm.road_collapses", "shocks.rainstorm.incidents",
    "shocks.rainstorm.response_time_mean_min", "shocks.rainstorm.direct_loss_yuan",
    "shocks.rainstorm.deaths", "road_collapses", "open_cavities_final",
    "cavity_screening_yuan_per_yr",
]  # fmt: skip
"""experiments/pipeline-neglect.yaml's panels: a shock's road collapses beside the long run's."""


def test_forest_plot_titles_each_outcome_once_in_rows_of_at_most_four(monkeypatch, tmp_path):
    from sim.studies.compare import figure

    table = pd.DataFrame(
        [{"arm": a, "baseline": "maintained", "metric": m, "kind": "difference", "n": 5,
          "estimate": 1.0, "sd": 1.0, "ci_low": 0.5, "ci_high": 1.5, "confidence": 0.95,
          "note": ""} for a in ("neglected", "half") for m in PIPELINE_METRICS]
    )  # fmt: skip
    kept = _keep_figures(monkeypatch, figure)
    figure.forest_plot(table, PIPELINE_METRICS, tmp_path / "f.png", cost=PIPELINE_METRICS[-1])
    axes = [ax for ax in kept["fig"].axes if ax.get_visible()]
    titles = [ax.get_title().replace("\n", " ") for ax in axes]
    assert len(titles) == 8 and len(set(titles)) == 8  # one panel per outcome, all different
    assert titles[0] == "rainstorm shock: road collapses (count)"
    assert titles[5] == "road collapses (count)"
    assert titles[7] == "cavity screening (yuan/yr), the arm's cost"
    # a grid of 2 rows × 4: four distinct left edges, two distinct tops
    lefts = {round(ax.get_position().x0, 3) for ax in axes}
    tops = [round(ax.get_position().y1, 3) for ax in axes]
    assert len(lefts) == 4 and len(set(tops)) == 2 and tops[:4] == [max(tops)] * 4
    # the arms are named on the left panel of each row only
    named = [ax for ax in axes if any(t.get_text() for t in ax.get_yticklabels())]
    assert named == [axes[0], axes[4]]


def test_panel_titles_fall_back_to_the_key_when_two_would_read_the_same():
    from sim.studies.compare.figure import panel_titles, readable

    assert readable("shocks.lekima.deaths") == "lekima shock: deaths (persons)"
    assert readable("direct_loss_yuan") == "direct loss (yuan)"
    # two keys whose words and unit agree: shown by their keys
    assert panel_titles(["road_collapses", "road.collapses"]) == [
        "road collapses (count)", "road: collapses (count)"]  # fmt: skip
    assert panel_titles(["a.x_yuan", "a.x_yuan"]) == ["a.x_yuan", "a.x_yuan"]


# ------------------------------------------------------------------ riskmap: cells never seen
def test_a_cell_never_observed_is_graded_apart_by_the_one_grading_function():
    import numpy as np

    from sim.studies.riskmap.inventory import build_inventory, grade_cells, not_observed_text
    from sim.studies.riskmap.matrix import NOT_OBSERVED, grade, wilson_interval

    # L1 C1 is blue when observed; the same levels unobserved are not graded
    assert grade([1, 1, 4], [1, 1, 3], [True, False, True]).tolist() == [
        "blue", NOT_OBSERVED, "orange"]  # fmt: skip
    # 0.3125 per year (Lekima's frequency); district 0 hit in 3 of 8 replications, 1 never
    rec = pd.DataFrame(
        [(t, 0, "typhoon", "tree_fall", 1, 0.0, 0.0, 2.0e6) for t in range(3)],
        columns=["trial", "district", "hazard", "category", "log_events", "deaths",
                 "injuries", "loss_yuan"],
    )  # fmt: skip
    names = pd.DataFrame({"name_en": ["A", "B"], "name_zh": ["甲", "乙"]})
    inv = build_inventory(rec, 8, "scenario", names, scenario_frequency_per_yr=0.3125)
    never = inv[inv.district == 1].iloc[0]
    _, hi = wilson_interval(0, 8)  # z² / (n + z²) = 0.3244
    assert float(hi) == np.float64(1.959964**2 / (8 + 1.959964**2))
    assert never.frequency_hi_per_yr == 0.3125 * float(hi)  # 0.1014 per year
    assert (bool(never.observed), never.grade) == (False, NOT_OBSERVED)
    assert not_observed_text(inv) == "not observed in 8 replications (upper bound 0.1 per year)"
    cells = grade_cells(inv, ["A", "B"]).set_index("row")
    assert cells.loc[1, "label"] == "none seen\n≤ 0.1/yr" and cells.loc[0, "label"] == "L4 C2"
    assert cells.loc[1, "colour"] == "#d9d9d9"


def test_grades_md_names_the_cited_file_from_where_the_risk_map_was_made(tmp_path):
    from sim.scenario import load_scenario
    from sim.studies.riskmap.frequency import cited_from, scenario_frequency

    lekima = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"
    freq = scenario_frequency(load_scenario(lekima))
    assert "../data/typhoons/observed_calibration.csv" in freq.source  # as the file says
    cited = cited_from(freq, lekima, cwd=ROOT).source
    assert "; scenarios/data/typhoons/observed_calibration.csv)" in cited and "../" not in cited
    assert (ROOT / "scenarios/data/typhoons/observed_calibration.csv").is_file()
    outside = cited_from(freq, lekima, cwd=tmp_path).source  # run from elsewhere: absolute
    assert f"{ROOT}/scenarios/data/typhoons/observed_calibration.csv" in outside
    surge = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"
    text = cited_from(scenario_frequency(load_scenario(surge)), surge, cwd=ROOT).source
    assert "(scenarios/data/shanghai/tide_levels.csv, 1984 standard)" in text
    # a path that names no file next to the scenario is left as written
    fake = type(freq)(0.1, "see ../nowhere/x.csv and ./y.csv", "frequency")
    assert cited_from(fake, lekima, cwd=ROOT).source == fake.source


def test_riskmap_run_writes_the_cited_path_and_the_not_observed_cells(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    example = tmp_path / "typhoon.yaml"
    text = (ROOT / "scenarios/example-city/typhoon.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/example-city", str(ROOT / "scenarios/data/example-city"))
    text = text.replace(
        'source: "fictional (example city): assumption, a storm like this once in five years"',
        'source: "fictional, after ./notes/storms.csv"',
    )
    assert "./notes/storms.csv" in text
    example.write_text(text, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "storms.csv").write_text("storm\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["riskmap", "typhoon.yaml", "-n", "2", "-q", "--out", "rm"])
    assert res.exit_code == 0, res.output
    grades = (tmp_path / "rm" / "grades.md").read_text(encoding="utf-8")
    assert "Source: fictional, after notes/storms.csv." in grades
    inv = pd.read_parquet(tmp_path / "rm" / "risk_inventory.parquet")
    unseen = inv[~inv["observed"]]
    assert len(unseen) and set(unseen["grade"]) == {"not_observed"}
    assert (unseen["occurrences"] == 0).all() and (inv[inv["observed"]]["occurrences"] > 0).all()
    assert f"not observed {len(unseen)}" in " ".join(res.output.split())
    plt.close("all")


# ------------------------------------------------------------------ epidemic heat map
EPIDEMIC = """name: example-city-epidemic
seed: 17
city: {{data_dir: {city}}}
networks: {{resolution: 0.3}}
time: {{start_utc: 2030-01-01T00:00:00Z, duration_h: 480, physics_step_h: 1.0}}
hazard:
  epidemic: {{start_utc: 2030-01-01T00:00:00Z, r0: 3.0, seed_district: Old Harbour,
             initial_infectious: 200, step_h: 6}}
"""


def test_epidemic_heat_map_shows_per_100000_on_a_log_scale_in_order_of_arrival(
    tmp_path, monkeypatch
):
    import numpy as np
    from matplotlib.colors import LogNorm

    from sim.results import hazard_figures as hz
    from sim.results.runner import run_scenario
    from sim.scenario import load_scenario

    path = tmp_path / "epidemic.yaml"
    path.write_text(EPIDEMIC.format(city=ROOT / "scenarios/data/example-city"), encoding="utf-8")
    model = run_scenario(load_scenario(path), tmp_path / "run", figures=False).model
    heat = {p.title: p for p in hz.epidemic_panels(model)}["infectious residents by district"]
    frame = model.epidemic_frame()
    comps = ["susceptible", "exposed", "infectious", "recovered"]
    first = frame[frame["t_h"] == 0].set_index("district")
    last = frame[frame["t_h"] == frame["t_h"].max()].set_index("district")
    residents = first[comps].sum(axis=1)
    t_mid = sorted(frame["t_h"].unique())[40]
    mid = frame[frame["t_h"] == t_mid].set_index("district")
    col = sorted(frame["t_h"].unique()).index(t_mid)
    np.testing.assert_allclose(heat.values[:, col], 1e5 * mid["infectious"] / residents)
    assert heat.unit == "infectious per 100,000 residents (log scale)"
    names = list(model.city.districts["name_en"])
    seed = names.index("Old Harbour")
    assert heat.data["first_day"][seed] == 0.0  # the seeded district has cases at once
    attack = 100 * (residents - last["susceptible"]) / residents
    np.testing.assert_allclose(heat.data["attack_pct"], attack.to_numpy())
    order = hz.district_order(heat.data["first_day"])
    assert order[0] == seed and np.all(np.diff(heat.data["first_day"][order]) >= 0)
    assert hz.district_order(np.array([3.0, np.nan, 1.0, 3.0])).tolist() == [2, 0, 3, 1]
    # the drawing: a log colour scale, districts in arrival order with their first day
    kept = _keep_figures(monkeypatch, hz)
    hz.draw_epidemic(model, hz.epidemic_panels(model), tmp_path / "e.png")
    ax = next(a for a in kept["fig"].axes if a.collections and "by district" in a.get_title())
    mesh = ax.collections[0]
    assert isinstance(mesh.norm, LogNorm) and mesh.norm.vmin == hz.HEAT_FLOOR_PER_100K
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Old Harbour (day 0)" and len(labels) == len(names)
    assert "attack rate by the end" in ax.get_title()
