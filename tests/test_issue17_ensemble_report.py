"""Issue 17, "each run folder holds a one-page report": an ensemble folder's ``report.html`` and
figure; the two waterlogging panels that read alike; deaths and people relocated always among a
report's headline rows.

Checks: ``citysafe run --replications 3`` publishes ``report.html`` (listed in the marker) with
the scenario, the number of replications, the root seed, whether behaviour coefficients were
drawn (as ``ensemble.json`` says) and each outcome's median, interval, observed figure and
inside flag as ``ensemble.json`` holds them; the report is written before ``ensemble.json`` (a
failed report leaves no finished file and no published folder); the figure draws each observed
outcome's replications, median and 90% interval at the statistics' values; ``--no-figures``
draws none and the page says so. Runs on the example city.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.results import ensemble_report as er
from sim.results import hazard_figures as hz
from sim.results.ensemble import outcome_stats, shown_stats
from sim.results.figures import impact_panels
from sim.results.html_report import REPORT_FILE, _outcomes
from sim.results.outcome_text import format_number
from sim.results.runner import run_scenario
from sim.results.staging import MARKER_FILE, staging_path
from sim.scenario import load_scenario
from sim.scenario.schema import ObservedOutcome

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios/example-city/typhoon.yaml"
CITY = ROOT / "scenarios/data/example-city"
OBSERVED = [
    "-p", "observed.trees_down.value=60",
    "-p", "observed.trees_down.low=40",
    "-p", "observed.trees_down.high=90",
    "-p", "observed.trees_down.source=test record",
    "-p", "observed.deaths.value=0",
    "-p", "observed.deaths.source=test record",
]  # fmt: skip
SHORT = ["-p", "time.duration_h=6"]  # a quick window where only the files matter

runner = CliRunner()


def _run(args: list[str]):
    return runner.invoke(app, ["run", str(EXAMPLE), *args, "-q"])


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory):
    out = tmp_path_factory.mktemp("ens") / "ens"
    res = _run([*OBSERVED, "--replications", "3", "--out", str(out)])
    assert res.exit_code == 0, (res.output, res.exception)
    stats = json.loads((out / "ensemble.json").read_text(encoding="utf-8"))
    return out, stats, (out / REPORT_FILE).read_text(encoding="utf-8")


def _row(page: str, label: str) -> str:
    """The headline table's row whose label cell is ``label``."""
    head = page.split("<details>")[0]
    start = head.index(f">{label}</td>")
    return head[start : head.index("</tr>", start)]


def test_the_ensemble_folder_holds_a_report_of_its_figures(ensemble):
    out, stats, page = ensemble
    marker = json.loads((out / MARKER_FILE).read_text(encoding="utf-8"))
    assert {REPORT_FILE, er.FIGURE_FILE} <= set(marker["files"])  # published with the rest
    assert "example-city-typhoon: 3 replications" in page
    assert "<td>3 finished of 3</td>" in page and "<td>2030 (replication seeds" in page
    drawn = stats["behaviour_posterior_draws"]
    assert ("calibrated posterior" in page) is drawn
    assert ("scenario&#x27;s values in every replication" in page) is (not drawn)
    assert f'<img src="{er.FIGURE_FILE}"' in page and (out / er.FIGURE_FILE).stat().st_size > 0
    for key, label in (("trees_down", "Trees down (count)"), ("deaths", "Deaths (persons)")):
        s = stats["outcomes"][key]
        row = _row(page, label)
        median, low, high = shown_stats(key, s, {})  # counts as whole numbers
        assert f">{format_number(median)}<" in row
        assert f">[{format_number(low)}, {format_number(high)}]<" in row
        obs = s["observed"]  # with its reported spread when it has one (60 (40-90))
        low_high = (format_number(obs.get("low", 0)), format_number(obs.get("high", 0)))
        spread = f" ({low_high[0]}-{low_high[1]})" if "low" in obs else ""
        assert f">{format_number(obs['value'])}{spread}<" in row
        assert (">yes<" if s["inside"] else ">no<") in row
    assert "Trees down (count): 60 (reported 40 to 90); test record" in page
    assert f"{stats['observed_inside']['inside']} of 2 observed figures inside" in page
    assert "3 replications; at least 20" in page  # the small-N caveat
    assert (out / REPORT_FILE).stat().st_mtime_ns <= (out / "ensemble.json").stat().st_mtime_ns


def test_a_failed_report_leaves_no_finished_ensemble(tmp_path, monkeypatch):
    def fail(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(er, "write_ensemble_report", fail)
    out = tmp_path / "ens"
    res = _run([*SHORT, "--replications", "2", "--no-figures", "--out", str(out)])
    assert res.exit_code != 0
    assert not out.exists()  # never published
    assert not (staging_path(out) / "ensemble.json").exists()  # nor marked finished


def test_no_figures_draws_no_figure_and_says_so(tmp_path):
    out = tmp_path / "ens"
    res = _run([*SHORT, "--replications", "2", "--no-figures", "--out", str(out)])
    assert res.exit_code == 0, (res.output, res.exception)
    page = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert not (out / er.FIGURE_FILE).exists()
    assert "Figures were not drawn (<code>--no-figures</code>)" in page
    assert "<img" not in page


class _Scenario(SimpleNamespace):
    """A scenario as the reports read it: name, seed, observed figures, its kind's units."""

    OUTCOME_UNITS: dict[str, str] = {}


def _stats_table():
    table = pd.DataFrame(
        {"deaths": [0, 2, 3, 10], "trees_down": [100, 120, 130, 200], "injuries": [0, 0, 0, 0]}
    )
    observed = {
        "trees_down": ObservedOutcome(value=150, low=140, high=400, source="x"),
        "deaths": ObservedOutcome(value=20, source="y"),
    }
    return table, outcome_stats(table, list(table.columns), observed, {}), observed


def test_the_figure_draws_the_statistics_the_table_shows(monkeypatch, tmp_path):
    table, stats, observed = _stats_table()
    scen = _Scenario(name="hand-made", seed=7, observed=observed)
    captured = {}
    monkeypatch.setattr("sim.results.figures.save", lambda fig, path: captured.setdefault("f", fig))
    er.draw_ensemble_figure(table, stats, scen, tmp_path / "x.png")
    axes = [ax for ax in captured["f"].axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == [
        "Deaths (persons): observed outside",  # 20 > p95 = 10
        "Trees down (count): observed inside",  # 150 within [100, 200]
    ]
    ax = axes[1]
    band, median, obs_range, obs = ax.get_lines()
    # counts by their own values (inverted_cdf, n = 4): p5 100, median 120 (the lower middle
    # one), p95 200; the table shows them, and so does the band
    np.testing.assert_allclose(band.get_xdata(), [100.0, 200.0])
    np.testing.assert_allclose(median.get_xdata(), [120.0])
    np.testing.assert_allclose(obs_range.get_xdata(), [140, 400])
    np.testing.assert_allclose(obs.get_xdata(), [150])
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], [100, 120, 130, 200])
    assert ax.get_xlabel() == "count" and axes[0].get_xlabel() == "persons"


def test_without_observed_figures_the_non_zero_outcomes_are_drawn():
    table, stats, _ = _stats_table()
    for s in stats.values():
        s.pop("observed", None)
    assert er.figure_outcomes(stats) == ["deaths", "trees_down"]  # injuries: zero everywhere
    zero = outcome_stats(pd.DataFrame({"deaths": [0, 0]}), ["deaths"], {})
    assert er.figure_outcomes(zero) == []


def test_zero_deaths_and_relocations_are_headline_rows_of_a_run_report():
    summary = {"people_relocated": 0, "deaths": 0, "trees_down": 0, "direct_loss_yuan": 5.0e6}
    scen = _Scenario(observed={}, hazard=None)
    headline = _outcomes(summary, scen).split("<details>")[0]
    assert ">Deaths (persons)<" in headline
    assert ">People relocated (persons)<" in headline
    assert ">Trees down (count)<" not in headline  # other zeros stay folded away
    assert ">Direct loss (yuan)<" in headline


def test_the_waterlogging_panels_say_share_and_count(tmp_path):
    path = tmp_path / "rain.yaml"
    path.write_text(
        f"name: example-city-rain\nseed: 17\ncity: {{data_dir: {CITY}}}\n"
        "networks: {resolution: 0.3}\n"
        "time: {start_utc: 2030-06-01T00:00:00Z, duration_h: 6, physics_step_h: 0.25}\n"
        "hazard:\n  rainstorm: {start_utc: 2030-06-01T01:00:00Z, return_period_yr: 20.0,\n"
        "              duration_min: 180.0}\n",
        encoding="utf-8",
    )
    scen = load_scenario(path)
    model = run_scenario(scen, tmp_path / "run", figures=False, report=False).model
    share = next(p for p in hz.rain_panels(model) if "waterlogged" in p.title)
    count = next(p for p in impact_panels(model) if "waterlogged" in p.title)
    assert share.title.startswith("share of road segments waterlogged (%")
    assert count.title.startswith("road segments waterlogged (count")
    assert "%" in share.unit and "%" not in count.unit and "count" in count.unit
    segments = np.bincount(model.infra.edge_district, minlength=model.city.n_districts)
    assert count.values.sum() > 0  # the storm waterlogs some segments
    expected = np.divide(
        100.0 * count.values, segments, out=np.zeros(len(segments)), where=segments > 0
    )
    np.testing.assert_allclose(share.values, expected)


def test_tick_labels_are_short_enough_to_fit_a_row():
    assert [er.tick_text(v) for v in (1.5e9, 5e8, 2400.0, 0.5, 0.0)] == [
        "1.5 bn",
        "500 M",
        "2,400",
        "0.5",
        "0",
    ]
