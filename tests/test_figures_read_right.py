"""Figures and study outputs that read right (issue 17, figfix17): each figure draws what its
title says, the report shows the scenario's main hazard first, a direct loss next to an
epidemic says what it counts, intervals of a non-negative outcome stay non-negative, and the
risk map's grade labels name the right State Council grades."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.results import hazard_figures as hz
from sim.results.html_report import REPORT_FILE
from sim.results.report import outcome_notes
from sim.results.runner import run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CITY = ROOT / "scenarios/data/example-city"

# A 20-year design storm falling on the whole example city while an epidemic runs: the
# epidemic opens the run (hour 0), the rainstorm strikes on day 2.
EPIDEMIC_AND_RAIN = f"""name: example-city-epidemic-rain
seed: 17
city: {{data_dir: {CITY}}}
networks: {{resolution: 0.3}}
time: {{start_utc: 2030-01-01T00:00:00Z, duration_h: 72, physics_step_h: 0.5}}
hazard:
  epidemic: {{start_utc: 2030-01-01T00:00:00Z, r0: 3.0, seed_district: Old Harbour,
             initial_infectious: 200, step_h: 6}}
  rainstorm: {{start_utc: 2030-01-02T01:00:00Z, return_period_yr: 50, duration_min: 180}}
"""


@pytest.fixture(scope="module")
def epidemic_rain(tmp_path_factory):
    """One run of the example city with an epidemic and a rainstorm."""
    root = tmp_path_factory.mktemp("epirain")
    path = root / "s.yaml"
    path.write_text(EPIDEMIC_AND_RAIN, encoding="utf-8")
    return run_scenario(load_scenario(path, []), root / "run", figures=True)


def test_rain_map_draws_the_share_of_road_segments_waterlogged(epidemic_rain):
    """The ponding panel is the share of each district's road segments logged waterlogged
    (≥ 15 cm) in events.parquet, and its total matches the summary's waterlogged_roads."""
    model = epidemic_rain.model
    panel = hz.rain_panels(model)[1]
    assert "15 cm" in panel.title and panel.unit == "% of the district's road segments"
    ev = pd.read_parquet(epidemic_rain.out_dir / "events.parquet")
    wet = ev[ev["kind"] == "waterlogged"]
    n = model.city.n_districts
    counted = np.bincount(wet["district"].to_numpy(int), minlength=n)
    segments = np.bincount(model.infra.edge_district, minlength=n)
    assert counted.sum() == epidemic_rain.summary["waterlogged_roads"] > 0
    np.testing.assert_allclose(panel.values, 100.0 * counted / segments)
    assert (panel.values <= 100.0).all()


def test_report_shows_the_main_hazard_first_and_notes_the_loss(epidemic_rain):
    html = (epidemic_rain.out_dir / REPORT_FILE).read_text(encoding="utf-8")
    assert html.index("epidemic_curves.png") < html.index("rain_map.png")
    assert epidemic_rain.summary["direct_loss_yuan"] > 0
    assert "epidemic&#x27;s own cost" in html or "epidemic's own cost" in html


def test_main_hazard_first_orders_by_start_and_keeps_the_rest():
    """Hazard figures by their hazard's start hour; service figures keep their order."""
    rain = SimpleNamespace(ims=("rain_mm_per_h",), window_h=lambda: (50.0, 53.0))
    wind = SimpleNamespace(ims=("gust_ms", "rain_mm_per_h"), window_h=lambda: (10.0, 80.0))
    model = SimpleNamespace(
        hazards=[rain, wind],
        epidemic=object(),
        epidemic_record=[1],
        epidemic_frame=lambda: pd.DataFrame({"t_h": [20.0, 21.0]}),
    )
    drawn = {k: k for k in ("fig_rain", "fig_epidemic", "fig_wind", "fig_map", "fig_response")}
    order = list(hz.main_hazard_first(model, drawn))
    # wind from hour 10 (so is the typhoon's rain), then the epidemic from hour 20
    assert order == ["fig_rain", "fig_wind", "fig_epidemic", "fig_map", "fig_response"]
    assert hz.hazard_start_h(model, "fig_rain") == 10.0
    assert hz.hazard_start_h(model, "fig_map") == float("inf")


def test_loss_note_only_with_an_epidemic_and_a_loss():
    assert outcome_notes({"epidemic_cases": 0, "direct_loss_yuan": 5e6}) == []
    assert outcome_notes({"epidemic_cases": 10, "direct_loss_yuan": 0}) == []
    (note,) = outcome_notes({"epidemic_cases": 10, "direct_loss_yuan": 5e6})
    assert "not modelled" in note and "direct_loss_yuan" in note


# --------------------------------------------------------------------------- compare
def _runs(values: dict[str, list[float]]) -> pd.DataFrame:
    """A results frame: arm → deaths of replications 0, 1, 2, ..."""
    rows = [
        {"scenario": arm, "replication": r, "deaths": v}
        for arm, vs in values.items()
        for r, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def test_level_interval_of_a_non_negative_outcome_stops_at_zero():
    from sim.studies.compare.stats import arm_levels

    # deaths 0, 2, 25: mean 9, s = 13.89, t_{0.975,2} = 4.303 → 9 ± 34.5: the t low is -25.5
    df = _runs({"baseline": [0.0, 2.0, 25.0], "arm": [1.0, 2.0, 3.0]})
    levels = arm_levels(df, ["deaths"], "baseline").set_index("arm")
    base = levels.loc["baseline"]
    half = 4.302652729749464 * np.std([0, 2, 25], ddof=1) / np.sqrt(3)
    assert base["ci_low"] == 0.0 and base["ci_high"] == pytest.approx(9.0 + half)
    assert "clipped at 0" in base["note"] and f"{9.0 - half:.4g}" in base["note"]
    arm = levels.loc["arm"]  # 2 ± 4.303 / √3 · 1 = [-0.48, 4.48] → [0, 4.48]
    assert arm["ci_low"] == 0.0 and arm["ci_high"] == pytest.approx(
        2.0 + 4.302652729749464 / 3**0.5
    )


def test_level_interval_keeps_a_negative_bound_of_a_signed_outcome():
    from sim.studies.compare.stats import level_interval

    (_, mean, _, lo, hi), note = level_interval(np.array([-3.0, 1.0, 2.0]))
    assert lo < 0 and note == "" and mean == pytest.approx(0.0)


def test_forest_plot_states_n_the_warning_and_readable_titles(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from sim.studies.compare import figure
    from sim.studies.compare.stats import comparison_table, sample_line

    df = _runs({"baseline": [0.0, 2.0, 25.0], "arm": [1.0, 2.0, 3.0]})
    df["direct_loss_yuan"] = [0.0, 1e6, 2e6, 0.0, 1e6, 1e6]
    table = comparison_table(
        df, "baseline", ["deaths", "direct_loss_yuan"], np.random.default_rng(1)
    )
    drawn = {}
    real_close = plt.close

    def keep(fig):
        drawn["fig"] = fig
        real_close(fig)

    monkeypatch.setattr(figure.plt, "close", keep)
    figure.forest_plot(table, ["deaths", "direct_loss_yuan"], tmp_path / "f.png")
    fig = drawn["fig"]
    title = fig._suptitle.get_text().replace("\n", " ")
    assert "n = 3 paired replications per arm" in title and "too few (< 10)" in title
    assert [ax.get_title() for ax in fig.axes[:2]] == ["deaths (persons)", "direct loss (yuan)"]
    assert sample_line(table.assign(n=10)) == "n = 10 paired replications per arm"


# --------------------------------------------------------------------------- long-run figures
@pytest.fixture(scope="module")
def construction(tmp_path_factory):
    """Two years of the construction-safety long run (accidents and deaths)."""
    path = ROOT / "scenarios/shanghai/construction-safety-3y.yaml"
    scenario = load_scenario(path, ["years.n_years=2"])
    return run_scenario(scenario, tmp_path_factory.mktemp("lr") / "run", figures=False)


def _drawn(monkeypatch, module, draw, *args):
    import matplotlib.pyplot as plt

    kept = {}
    real_close = plt.close

    def keep(fig):
        kept["fig"] = fig
        fig.canvas.draw()
        real_close(fig)

    monkeypatch.setattr(module, "save", lambda fig, path: (keep(fig), path)[1])
    draw(*args)
    return kept["fig"]


def test_deaths_panel_draws_its_mean_and_legends_stay_off_the_data(
    construction, monkeypatch, tmp_path
):
    from sim.results import longrun_figures as lf

    model = construction.model
    panels = lf.event_rate_panels(model)
    fig = _drawn(monkeypatch, lf, lf.draw_events_per_year, model, panels, tmp_path / "e.png")
    by_title = dict(zip([p.title for p in panels], fig.axes, strict=True))
    deaths = next(p for p in panels if p.title == "construction deaths")
    ax = by_title["construction deaths"]
    mean = float(np.sum(deaths.values)) / model.n_years
    lines = [ln for ln in ax.lines if ln.get_label().startswith("mean")]
    assert len(lines) == 1 and lines[0].get_ydata()[0] == pytest.approx(mean) and mean > 0
    assert "no interval" in lines[0].get_label()
    for ax in fig.axes:  # every legend lies right of its axes: it covers no bar
        legend = ax.get_legend().get_window_extent()
        assert legend.x0 >= ax.get_window_extent().x1


def test_late_black_swan_label_stays_inside_the_figure(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from sim.results import longrun_figures as lf

    by = pd.DataFrame(
        {"t_yr": [2003, 2004, 2005] * 2, "sector": ["a"] * 3 + ["b"] * 3,
         "total": [1.0, 2, 3, 1, 1, 1], "harm": [1.0, 2, 3, 1, 1, 1]}
    )  # fmt: skip
    shock = {"t_yr": 2005.0, "kind": "black_swan_long_name", "intensity": 2.0,
             "amplification": 3.0}  # fmt: skip
    model = SimpleNamespace(shock_log=[shock], config=SimpleNamespace(name="t"))
    monkeypatch.setattr(lf, "figure_title", lambda m, what: what)
    panels = [SimpleNamespace(data={"by": by})]
    fig = _drawn(monkeypatch, lf, lf.draw_latent_risk, model, panels, tmp_path / "l.png")
    texts = [t for t in fig.axes[1].texts if "black_swan_long_name" in t.get_text()]
    assert texts and texts[0].get_window_extent().x1 <= fig.bbox.x1


# --------------------------------------------------------------------------- risk map grades
def test_grades_md_names_decree_493_levels_and_no_source_from_memory():
    from sim.studies.riskmap.grades import grades_markdown
    from sim.studies.riskmap.matrix import CONSEQUENCE_NAMES, SOURCES, consequence_level

    text = grades_markdown({"red": 1})
    assert "from memory" not in text and all("memory" not in v for v in SOURCES.values())
    assert "assumption" in SOURCES["likelihood_scale"]
    # C5..C3 are Decree 493's grades 特别重大/重大/较大 (its levels 1..3); C2 and C1 both 一般
    assert [n.split(" ")[0] for n in CONSEQUENCE_NAMES] == [
        "一般",
        "一般",
        "较大",
        "重大",
        "特别重大",
    ]
    assert [n.split("(")[1].split(")")[0] for n in CONSEQUENCE_NAMES] == [
        "level 4", "level 4", "level 3", "level 2", "level 1"
    ]  # fmt: skip
    assert "mean deaths per occurrence" in text
    # the bounds the names claim: 3 deaths is 较大 (C3), 2 deaths 一般 with harm (C2)
    assert list(consequence_level([3.0, 2.0, 0.05], [0, 0, 0], [0, 0, 0])) == [3, 2, 1]


# --------------------------------------------------------------------------- map layout
def test_maps_of_a_figure_share_size_and_ticks_and_names_do_not_touch():
    import matplotlib.pyplot as plt

    from sim.city.districts import load_city
    from sim.results import figures as f

    city = load_city(ROOT / "scenarios/data/shanghai")
    fig, axes = plt.subplots(1, 3, figsize=(16.8, 5.0))
    numbered = f.numbered_districts(city)
    values = np.arange(city.n_districts, dtype=float)
    mmi = {"colour_bar": lambda bar: bar.ax.secondary_yaxis("left")}
    panels = [f.Panel("a", "g", values, data=mmi), f.Panel("b", "n", values)]
    panels.append(f.Panel("c", "n", values))
    for ax, panel in zip(axes, panels, strict=True):
        f._district_map(fig, ax, city, panel, numbered, pad=0.6)
    fig.tight_layout()
    for ax in axes:
        f.separate_labels(fig, ax)
    widths = [ax.get_window_extent().width for ax in axes]
    assert max(widths) - min(widths) < 1.0  # pixels: the PGA map is no narrower
    ticks = [tuple(ax.get_xticks()) for ax in axes]
    assert ticks[0] == ticks[1] == ticks[2]
    renderer = fig.canvas.get_renderer()
    gap_px = 5.0 * fig.dpi / 72.0
    names = [t for t in axes[0].texts if not t.get_text().isdigit()]
    boxes = [t.get_window_extent(renderer) for t in names]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.padded(gap_px).overlaps(b)
    plt.close(fig)
