"""Figures that fit the scenario (issue 17, deliverable 1): each run draws what it simulated.

A run of each hazard kind — typhoon, rainstorm, earthquake and epidemic on the example city,
a short long run — writes exactly the hazard figures of its kind, never a panel of a field
that stayed zero, and a one-page report.html that shows its figures and outcomes and that the
run folder's marker lists. The numbers behind the panels are checked against what they must
be: the IDF depth of a uniform design storm, the run's own tables, closed forms of the Poisson
interval and of the PGA → MMI conversion.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.hazards.design_storm import intensity_mm_per_h
from sim.interfaces.cli.main import app
from sim.results import hazard_figures as hz
from sim.results.figures import (
    WATERLOGGED_COUNT_TITLE,
    disrupted_window,
    impact_panels,
    numbered_districts,
)
from sim.results.html_report import REPORT_FILE
from sim.results.kinds import model_kind
from sim.results.longrun_figures import poisson_interval
from sim.results.runner import run_scenario
from sim.results.staging import MARKER_FILE
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CITY = ROOT / "scenarios/data/example-city"
TYPHOON = ROOT / "scenarios/example-city/typhoon.yaml"
CONSTRUCTION = ROOT / "scenarios/shanghai/construction-safety-3y.yaml"
HAZARD_FIGURES = {
    "wind_map.png",
    "rain_map.png",
    "flood_map.png",
    "earthquake_map.png",
    "epidemic_curves.png",
}
RAIN_RETURN_PERIOD_YR, RAIN_DURATION_MIN = 20.0, 180.0

# Tiny scenarios of the example city (no centre: the design storm falls uniformly on it).
BODIES = {
    "rainstorm": f"""
time: {{start_utc: 2030-06-01T00:00:00Z, duration_h: 8, physics_step_h: 0.25}}
hazard:
  rainstorm: {{start_utc: 2030-06-01T01:00:00Z, return_period_yr: {RAIN_RETURN_PERIOD_YR},
              duration_min: {RAIN_DURATION_MIN}}}
""",
    "earthquake": """
time: {start_utc: 2030-03-01T17:00:00Z, duration_h: 6, physics_step_h: 0.5}
hazard:
  earthquake: {at_utc: 2030-03-01T18:00:00Z, magnitude: 6.5, epicentre: {lon: 118.0, lat: 22.45}}
""",
    "epidemic": """
time: {start_utc: 2030-01-01T00:00:00Z, duration_h: 480, physics_step_h: 1.0}
hazard:
  epidemic: {start_utc: 2030-01-01T00:00:00Z, r0: 3.0, seed_district: Old Harbour,
             initial_infectious: 200, step_h: 6}
""",
}


def _scenario(folder: Path, kind: str) -> Path:
    path = folder / f"{kind}.yaml"
    path.write_text(
        f"name: example-city-{kind}\nseed: 17\ncity: {{data_dir: {CITY}}}\n"
        f"networks: {{resolution: 0.3}}\n{BODIES[kind]}",
        encoding="utf-8",
    )
    return path


def _run(path: Path, out: Path, overrides=()):
    scenario = load_scenario(path, list(overrides))
    return run_scenario(scenario, out, figures=True), model_kind(scenario).figure_makers()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One finished run of each kind: kind → (RunResult, figure makers)."""
    root = tmp_path_factory.mktemp("kinds")
    out = {
        "typhoon": _run(TYPHOON, root / "typhoon", ["networks.resolution=0.3"]),
        "long_run": _run(CONSTRUCTION, root / "long_run", ["years.n_years=2"]),
    }
    for kind in BODIES:
        out[kind] = _run(_scenario(root, kind), root / kind)
    return out


EXPECTED = {
    "typhoon": {"wind_map.png", "rain_map.png"},
    "rainstorm": {"rain_map.png"},
    "earthquake": {"earthquake_map.png"},
    "epidemic": {"epidemic_curves.png"},
}


def _pngs(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.png")}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_hazard_figures_are_those_of_the_run_s_hazards(runs, kind):
    result, _ = runs[kind]
    assert _pngs(result.out_dir) & HAZARD_FIGURES == EXPECTED[kind]


@pytest.mark.parametrize("kind", [*sorted(EXPECTED), "long_run"])
def test_a_figure_is_written_exactly_when_a_panel_shows_something(runs, kind):
    result, makers = runs[kind]
    written = _pngs(result.out_dir)
    for name, make in makers.values():
        panels = make.drawn_panels(result.model)
        assert (name in written) == bool(panels), name
        for panel in panels:  # no drawn panel is all zero (or NaN)
            values = np.asarray(panel.values, dtype=float)
            assert np.nanmax(np.abs(values)) > 0 or panel.reference, (name, panel.title)
            assert panel.unit, (name, panel.title)  # every panel states its unit
    # the figures the runner reports are the PNGs in the folder
    assert {p.name for p in result.paths.values() if p.suffix == ".png"} == written


def test_earthquake_draws_shaking_rescues_and_deaths_and_no_flat_curve(runs):
    result, _ = runs["earthquake"]
    names = _pngs(result.out_dir)
    ts = pd.read_parquet(result.out_dir / "timeseries.parquet")
    # substations and circuits fail by their PGA fragility (Hazus): service is lost, so the
    # resilience curve and the service map are drawn, from the panels that show something
    assert (ts["functionality"] < 1.0).any()
    assert "resilience_curves.png" in names and "district_impact_map.png" in names
    assert any(p.shows_something() for p in impact_panels(result.model))
    assert not result.model.hazard_record.peak_gust_ms.any()  # no wind: no wind map
    pga, rescues, deaths = (p.values for p in hz.earthquake_panels(result.model))
    ev = pd.read_parquet(result.out_dir / "events.parquet")
    logged = ev[(ev["kind"] == "earthquake") & (ev["detail"] == "pga_g")]
    np.testing.assert_allclose(pga[logged["district"]], logged["value"])
    assert (pga > 0).all()
    assert deaths.sum() == pytest.approx(result.summary["deaths"], abs=0.5)
    inc = pd.read_parquet(result.out_dir / "incidents.parquet")
    assert rescues.sum() == (inc["kind"] == "structural_collapse").sum() > 0


def test_rain_total_is_the_idf_depth_of_a_uniform_design_storm(runs):
    """Chicago hyetograph: the storm's total depth is the IDF intensity of its duration × the
    duration; the record sums every 15-min step (the hourly samples would miss most)."""
    result, _ = runs["rainstorm"]
    idf = result.model.city.profile.rainfall_idf
    depth = intensity_mm_per_h(RAIN_RETURN_PERIOD_YR, RAIN_DURATION_MIN, idf) * 3.0
    rain = hz.rain_panels(result.model)[0].values
    ponding = 1e3 * result.model.hazard_record.peak_road_depth_m  # mm, every physics step
    np.testing.assert_allclose(rain, depth, rtol=0.01)
    ts = pd.read_parquet(result.out_dir / "timeseries.parquet")
    hourly = ts[ts["layer"] == "power"].groupby("district")["rain_mm_per_h"].sum().to_numpy()
    assert not np.allclose(hourly, depth, rtol=0.05)  # what reading the hourly rows would give
    # the record's deepest ponding is at least the deepest of the hourly records (mm)
    hourly_peak = ts[ts["layer"] == "power"].groupby("district")["road_depth_m"].max()
    assert (ponding >= 1e3 * hourly_peak.to_numpy() - 1e-9).all()


def test_typhoon_wind_and_service_panels_read_the_run_s_records(runs):
    result, _ = runs["typhoon"]
    ts = pd.read_parquet(result.out_dir / "timeseries.parquet")
    power = ts[ts["layer"] == "power"]
    (gust,) = (p.values for p in hz.wind_panels(result.model))
    # the peak over every physics step is at least every hourly sample, and close to it
    hourly = power.groupby("district")["gust_ms"].max().to_numpy()
    assert (gust >= hourly - 1e-9).all() and (gust <= 1.3 * hourly).all()
    panels = {p.title: p.values for p in impact_panels(result.model)}
    worst = 100 * (1 - power.groupby("district")["functionality"].min().to_numpy())
    np.testing.assert_allclose(panels["households without power, worst hour"], worst)
    ev = pd.read_parquet(result.out_dir / "events.parquet")
    assert panels[WATERLOGGED_COUNT_TITLE].sum() == result.summary[
        "waterlogged_roads"
    ] == (ev["kind"] == "waterlogged").sum()  # fmt: skip


def test_epidemic_curves_conserve_residents_and_count_the_cases(runs):
    result, _ = runs["epidemic"]
    ep = pd.read_parquet(result.out_dir / "epidemic.parquet")
    comp = ["susceptible", "exposed", "infectious", "recovered"]
    total = ep.groupby("t_h")[comp].sum().sum(axis=1)
    assert total.nunique() == 1  # S + E + I + R is conserved
    residents = result.model.city.districts["population"].round().sum()
    assert total.iloc[0] == residents
    assert ep["t_h"].min() == 0 and ep["t_h"].max() == 480
    last = ep[ep["t_h"] == ep["t_h"].max()]
    infected = last[["exposed", "infectious", "recovered"]].to_numpy().sum()
    assert infected - 200 == result.summary["epidemic_cases"] > 0
    seir = hz.epidemic_panels(result.model)[0]
    assert seir.data["city"]["susceptible"].iloc[-1] == residents - infected


def test_garwood_poisson_interval_closed_forms():
    """90 % interval: n = 0 → [0, −ln 0.05]; n = 1 → lower −ln 0.95 (χ² with 2 degrees of
    freedom is exponential); n = 10 → [5.43, 16.96] (Garwood 1936 tables)."""
    lo, hi = poisson_interval([0, 1, 10])
    assert lo[0] == 0 and hi[0] == pytest.approx(-math.log(0.05))
    assert lo[1] == pytest.approx(-math.log(0.95))
    assert lo[2] == pytest.approx(5.4254, abs=1e-3) and hi[2] == pytest.approx(16.962, abs=1e-3)


def test_long_run_rates_carry_bands_and_the_record(runs):
    result, makers = runs["long_run"]
    panels = makers["fig_events_per_year"][1].drawn_panels(result.model)
    by = {p.title: p for p in panels}
    assert set(by) == {"construction accidents", "construction deaths"}
    accidents = by["construction accidents"]
    assert accidents.values.sum() == result.summary["construction_accidents"]
    obs = result.model.config.observed["construction_accidents"]
    assert accidents.reference == pytest.approx(obs.value / 2)
    assert accidents.data["band"] and not by["construction deaths"].data["band"]


def test_pga_to_mmi_wald_1999():
    """I = 3.66 log10(PGA cm/s²) − 1.66: 0.1 g = 98.0665 cm/s² → 5.629; inverse round trip."""
    assert hz.mmi_from_pga_g(0.1) == pytest.approx(3.66 * math.log10(98.0665) - 1.66)
    assert hz.mmi_from_pga_g(0.1) == pytest.approx(5.629, abs=1e-3)
    assert hz.pga_g_from_mmi(hz.mmi_from_pga_g(0.237)) == pytest.approx(0.237)


def test_the_disruption_window():
    hours = np.arange(0.0, 1001.0)
    lost = np.zeros((4, hours.size))
    lost[3, 500:511] = 0.1  # hours 500–510 lost service out of 1,000
    assert disrupted_window(hours, lost) == (494.0, 516.0)
    lost[0, 100] = 0.1  # a disruption over most of the run: shown whole
    assert disrupted_window(hours, lost) is None


def test_small_districts_are_numbered_on_maps(runs):
    assert numbered_districts(runs["typhoon"][0].model.city) == []  # five large districts
    shanghai = runs["long_run"][0].model.city
    names = shanghai.districts["name_en"].to_numpy()
    assert set(names[numbered_districts(shanghai)]) == {
        "Huangpu", "Xuhui", "Changning", "Jing'an", "Putuo", "Hongkou", "Yangpu"
    }  # fmt: skip


@pytest.mark.parametrize("kind", [*sorted(EXPECTED), "long_run"])
def test_report_shows_the_run_s_figures_and_outcomes(runs, kind):
    result, _ = runs[kind]
    page = (result.out_dir / REPORT_FILE).read_text(encoding="utf-8")
    assert result.paths["report"] == result.out_dir / REPORT_FILE
    scenario = result.model.config
    assert f"<h1>{scenario.name}</h1>" in page and f"<td>{scenario.seed}</td>" in page
    shown = set(re.findall(r'<img src="([^"]+)"', page))
    assert shown == _pngs(result.out_dir) and shown  # each figure, by its relative path
    for key, obs in scenario.observed.items():  # observed figures beside the simulated
        assert key in page and obs.source.split()[0] in page
    linked = set(re.findall(r'<a href="([^"]+)"', page))  # every other file of the folder
    assert linked == {p.name for p in result.out_dir.iterdir()} - {REPORT_FILE}


def test_cli_run_without_figures_writes_the_report_and_the_marker_lists_it(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app,
        ["run", str(_scenario(tmp_path, "earthquake")), "--out", str(out), "-q", "--no-figures"],
    )
    assert res.exit_code == 0, res.output
    assert not list(out.glob("*.png"))
    page = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert "Figures were not drawn" in page and "<img" not in page
    summary = json.loads((out / "summary.json").read_text())
    assert f"{summary['deaths']:,}" in page
    marker = json.loads((out / MARKER_FILE).read_text())
    assert REPORT_FILE in marker["files"]
