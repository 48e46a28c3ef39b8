"""Tables and sources that read right at first sight (issue 17, "Tables" and "Sources").

- the run folder's tables: district names beside ids, one completion column, whole persons
  that add up (largest remainder), the summary untouched;
- compare: a bootstrap interval from too few replications carries a warning (rule checked by
  hand), on screen and in comparison.csv; the forest plot's colours say worse, better or cost;
- observed figures are compared only with a run whose window covers their event (run, replay,
  ensemble);
- -q says what it hides; a rerun after an interrupt says what it resumed (ensemble, shocks);
- every source cited in sim/, scenarios/, experiments/, calibration/, docs/ and the README is a
  file of the repository (no shared/seed, no bare domain.md or facts.md).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.results.runner import run_scenario
from sim.results.table_form import INCIDENT_COLUMNS, whole_persons
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
CHEMICAL = ROOT / "scenarios" / "shanghai" / "chemical-park-dereliction.yaml"


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    """The example city's typhoon (about 2 s), figures skipped."""
    out = tmp_path_factory.mktemp("example") / "run"
    return run_scenario(load_scenario(EXAMPLE), out, figures=False)


# --------------------------------------------------------------------------- whole persons
def test_largest_remainder_hand_computed():
    # floors 1 + 2 + 3 = 6, one person left for the largest remainder (a tie: the first)
    assert whole_persons([1.5, 2.5, 3.0]).tolist() == [2, 2, 3]
    # independent rounding would give 0 + 0 + 0 = 0 of the 1 person there is
    assert whole_persons([0.4, 0.4, 0.2]).tolist() == [1, 0, 0]
    assert whole_persons([0.3, 0.3, 0.4]).tolist() == [0, 0, 1]
    # a total asked for: the two largest remainders get one each
    assert whole_persons([0.6, 0.7, 0.7], total=2).tolist() == [0, 1, 1]
    assert whole_persons([], total=0).tolist() == []
    with pytest.raises(ValueError, match="not reachable"):
        whole_persons([0.5, 0.5], total=3)


def test_largest_remainder_conserves_the_total_and_stays_within_one():
    rng = np.random.default_rng(17)
    for _ in range(200):
        x = rng.gamma(0.7, 300.0, size=rng.integers(1, 20))
        w = whole_persons(x)
        assert w.sum() == int(np.rint(x.sum()))
        assert np.all(np.abs(w - x) < 1.0)


def test_incidents_table_has_names_one_completion_and_whole_persons(example_run):
    inc = pd.read_parquet(example_run.out_dir / "incidents.parquet")
    assert tuple(inc.columns) == INCIDENT_COLUMNS
    assert "complete_h" not in inc.columns and inc["t_completed_h"].notna().any()
    names = pd.read_csv(EXAMPLE_DATA / "districts.csv")["name_en"]
    assert (inc["district_name"] == names.to_numpy()[inc["district"].to_numpy()]).all()
    assert inc["district_name"].nunique() > 1
    assert inc["persons_at_risk"].dtype == np.int64
    # the in-memory records keep the dispatcher's columns: only the file is shaped
    rec = example_run.model.service.records()
    assert len(rec) == len(inc) and (rec["incident_id"].to_numpy() == inc["incident_id"]).all()
    done = rec["t_completed_h"].notna()
    assert np.allclose(rec.loc[done, "complete_h"], rec.loc[done, "t_completed_h"])


def test_written_persons_are_whole_and_add_up_hour_by_hour(example_run):
    out, model = example_run.out_dir, example_run.model
    ts = pd.read_parquet(out / "timeseries.parquet")
    mv = pd.read_parquet(out / "model_timeseries.parquet")
    for col in ("relocated", "infectious"):
        assert ts[col].dtype == np.int64
    for col in ("people_relocated_now", "deaths", "injuries"):
        assert mv[col].dtype == np.int64
    by_hour = ts[ts["layer"] == "power"].groupby("t_h")["relocated"].sum()
    assert (by_hour.to_numpy() == mv["people_relocated_now"].to_numpy()).all()
    assert by_hour.max() > 1000  # people did move: the check is not vacuous
    # each written hour is the model's own value rounded
    model_now = model.datacollector.get_model_vars_dataframe()["people_relocated_now"]
    assert np.all(np.abs(mv["people_relocated_now"].to_numpy() - model_now.to_numpy()) <= 0.5)
    # the model does hold fractions; each written district is within one person of its own
    raw = model.datacollector.get_agenttype_vars_dataframe(type(model.districts[0]))
    raw = raw.reset_index().rename(columns={"Step": "t_h"})
    assert (raw["relocated"] % 1 != 0).any()
    gov = {g.unique_id: g.district for g in model.districts}
    raw = raw[raw["AgentID"].isin(gov)].assign(district=lambda f: f["AgentID"].map(gov))
    both = ts[ts["layer"] == "power"].merge(raw, on=["t_h", "district"], suffixes=("", "_model"))
    assert len(both) == len(by_hour) * len(gov)
    assert np.all(np.abs(both["relocated"] - both["relocated_model"]) < 1.0)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["people_relocated"] == round(model.people_relocated)


def test_a_window_ending_between_hours_keeps_its_time_in_both_tables(tmp_path):
    """The model table's t_h counted records (4.0 for a 3.5-h window's last one), so its hours
    did not match the district table's and the totals could not be matched by hour."""
    scen = load_scenario(EXAMPLE, ["time.duration_h=3.5"])
    out = run_scenario(scen, tmp_path / "run", figures=False).out_dir
    mv = pd.read_parquet(out / "model_timeseries.parquet")
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert mv["t_h"].tolist() == [0.0, 1.0, 2.0, 3.0, 3.5] == sorted(ts["t_h"].unique())
    by_hour = ts[ts["layer"] == "power"].groupby("t_h")["relocated"].sum()
    assert (by_hour.to_numpy() == mv["people_relocated_now"].to_numpy()).all()


# --------------------------------------------------------------------------- compare
def _pairs(n: int) -> pd.DataFrame:
    """Two arms × n replications: the policy costs 1e6 yuan and avoids 2e6-4e6 of loss."""
    rows = []
    for r in range(n):
        loss = 1e7 + 1e5 * r
        rows.append(
            {
                "scenario": "base",
                "replication": r,
                "policy_cost_yuan": 0.0,
                "direct_loss_yuan": loss,
                "deaths": 3.0,
            }
        )
        rows.append(
            {
                "scenario": "arm",
                "replication": r,
                "policy_cost_yuan": 1e6,
                "direct_loss_yuan": loss - 2e6 - 1e6 * (r % 3),
                "deaths": 3.0,
            }
        )
    return pd.DataFrame(rows)  # fmt: skip


def test_bootstrap_coverage_rule_hand_checked():
    from scipy import stats

    from sim.studies.compare.stats import bootstrap_coverage, min_bootstrap_n

    # n = 3 at 95%: P(|T_2| <= 1.959964·sqrt(2/3)); for 2 degrees of freedom
    # P(|T_2| <= x) = x / sqrt(2 + x²) (closed form), x = 1.600300 → 0.749331
    x = stats.norm.ppf(0.975) * math.sqrt(2 / 3)
    assert bootstrap_coverage(3, 0.95) == pytest.approx(x / math.sqrt(2 + x * x), rel=1e-9)
    assert bootstrap_coverage(3, 0.95) == pytest.approx(0.749331, abs=1e-6)
    # the rule: misses at most twice the nominal 5 % → coverage >= 90 %, first reached at 10
    assert bootstrap_coverage(9, 0.95) < 0.90 <= bootstrap_coverage(10, 0.95)
    assert min_bootstrap_n(0.95) == 10 and min_bootstrap_n(0.90) == 6
    assert all(bootstrap_coverage(n, 0.95) < bootstrap_coverage(n + 1, 0.95) for n in range(2, 40))


def test_few_replications_put_a_warning_beside_the_bootstrap_interval():
    from sim.studies.compare.arms import bootstrap_warning
    from sim.studies.compare.stats import LOSS_PER_YUAN, comparison_table

    def ratio_row(n):
        keys = {"cost": "policy_cost_yuan", "deaths": "deaths", "loss": "direct_loss_yuan"}
        t = comparison_table(
            _pairs(n), "base", ["direct_loss_yuan"], np.random.default_rng(0), **keys
        )
        return t, t[t["metric"] == LOSS_PER_YUAN].iloc[0]

    table, row = ratio_row(3)
    assert np.isfinite(row["ci_low"]) and row["estimate"] == pytest.approx(3.0)
    assert "n = 3 < 10" in row["note"] and "covers about 75%" in row["note"]
    warning = bootstrap_warning(table)
    assert warning.startswith("warning:") and "n = 3" in warning and "-n 10" in warning
    table, row = ratio_row(10)
    assert row["note"] == "" and bootstrap_warning(table) is None
    # an unresolved ratio (no interval drawn) needs no warning: deaths never change here
    deaths_row = table[table["metric"] == "yuan_per_death_avoided"].iloc[0]
    assert deaths_row["note"].startswith("not resolved")


def test_compare_with_three_replications_warns_on_screen_and_in_the_csv(tmp_path):
    from sim.studies.compare.arms import compare_command

    compare_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    compare_app.command()(compare_command)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "name: tiny\n"
        "scenarios:\n"
        f"  - {{path: {CHEMICAL}, label: base, fixed: {{years.n_years: 1}}}}\n"
        f"  - {{path: {CHEMICAL}, label: handbook,\n"
        "     fixed: {years.n_years: 1, policies.handbook.enabled: true}}\n"
        "replications: 3\nseed: 5\n"
        "comparison: {baseline: base, metrics: [accidents], cost: policy_cost_yuan,\n"
        "             deaths: deaths, loss: direct_loss_yuan}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(compare_app, [str(spec), "--out", str(out), "-w", "1", "-q"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "comparison.csv")
    ratio = table[(table["kind"] == "ratio") & table["ci_low"].notna()]
    assert len(ratio) and ratio["note"].str.contains("n = 3 < 10").all()
    assert "warning: the cost-effectiveness intervals rest on n = 3" in result.output


def _diff_rows(rows):
    """Difference rows of a comparison table: (arm, metric, estimate, low, high)."""
    return pd.DataFrame(
        [
            {"arm": a, "baseline": "base", "metric": m, "kind": "difference", "n": 5,
             "estimate": e, "sd": 1.0, "ci_low": lo, "ci_high": hi, "confidence": 0.95,
             "note": ""}
            for a, m, e, lo, hi in rows
        ]
    )  # fmt: skip


def test_forest_plot_colours_say_worse_better_or_cost_not_just_nonzero():
    from sim.studies.compare.verdicts import COLOURS, effect_verdicts

    nan = math.nan
    table = _diff_rows(
        [
            ("arm", "deaths", 2.0, 0.5, 3.5),  # more deaths, resolved: worse
            ("arm", "direct_loss_yuan", -5e6, -8e6, -1e6),  # less loss: better
            ("arm", "accidents", -0.4, -1.5, 0.7),  # includes 0
            ("arm", "people_relocated", 900.0, 400.0, 1400.0),  # no direction: resolved
            ("arm", "policy_cost_yuan", 1e8, 1e8, 1e8),  # fixed cost, zero width: a cost
            ("arm", "shocks.lekima.waterlogged_roads", 9.2, 6.2, 12.2),  # a shock's harm
            ("arm", "cavity_screening_yuan_per_yr", -25e6, -25e6, -25e6),  # a saving: cost
            ("one", "deaths", 1.0, nan, nan),  # n < 2: no interval
        ]
    )
    metrics = list(dict.fromkeys(table["metric"]))
    v = effect_verdicts(table, metrics, cost="policy_cost_yuan").set_index(["arm", "metric"])
    assert v.loc[("arm", "deaths"), "verdict"] == "worse"
    assert v.loc[("arm", "direct_loss_yuan"), "verdict"] == "better"
    assert v.loc[("arm", "accidents"), "verdict"] == "not resolved"
    assert v.loc[("arm", "people_relocated"), "verdict"] == "resolved"
    assert v.loc[("arm", "shocks.lekima.waterlogged_roads"), "verdict"] == "worse"
    assert v.loc[("one", "deaths"), "verdict"] == "no interval"
    for cost in ("policy_cost_yuan", "cavity_screening_yuan_per_yr"):
        assert v.loc[("arm", cost), "verdict"] == "cost"
        assert v.loc[("arm", cost), "colour"] != COLOURS["worse"]  # red no more for a cost
    red = v[v["colour"] == COLOURS["worse"]].index.tolist()
    assert red == [("arm", "deaths"), ("arm", "shocks.lekima.waterlogged_roads")]


def test_forest_plot_draws_the_verdicts_with_a_legend(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from sim.studies.compare import figure

    table = _diff_rows(
        [("arm", "deaths", 2.0, 0.5, 3.5), ("arm", "policy_cost_yuan", 1e8, 1e8, 1e8)]
    )
    drawn = {}
    real_close = plt.close

    def keep(fig):  # look at the figure before it is closed
        drawn["fig"] = fig
        real_close(fig)

    monkeypatch.setattr(figure.plt, "close", keep)
    figure.forest_plot(table, ["deaths", "policy_cost_yuan"], tmp_path / "f.png",
                       cost="policy_cost_yuan")  # fmt: skip
    fig = drawn["fig"]
    deaths_ax, cost_ax = fig.axes[:2]
    colours = {ax: {ln.get_color() for ln in ax.lines if ln.get_linestyle() != "--"}
               for ax in (deaths_ax, cost_ax)}  # fmt: skip
    assert colours[deaths_ax] == {"#d62728"} and colours[cost_ax] == {"#7b4ea3"}
    assert cost_ax.get_title() == "policy cost (yuan), the arm's cost"
    assert "(yuan)" in cost_ax.get_xlabel() and "(persons)" in deaths_ax.get_xlabel()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["worse: interval above 0 (lower is better)",
                      "cost of the arm (a trade-off, not judged)"]  # fmt: skip


# --------------------------------------------------------------------------- observed vs window
LEKIMA = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"


def _with_observed(tmp_path) -> Path:
    """The example city's typhoon (36 h) with an observed figure for its whole window."""
    child = tmp_path / "observed.yaml"
    child.write_text(
        f"extends: {EXAMPLE}\nname: observed-typhoon\n"
        "observed:\n  trees_down: {value: 1000, source: test record of the whole event}\n",
        encoding="utf-8",
    )
    return child


def test_observed_figures_cover_the_window_of_the_file_that_gives_them(tmp_path):
    from sim.results.report import Window, event_window, observed_comparable

    whole = event_window(LEKIMA)
    assert (str(whole.start_utc), whole.hours) == ("2019-08-08 00:00:00+00:00", 96.0)
    # a child that shortens the window inherits Lekima's figures, not a 12-h period
    child = tmp_path / "short.yaml"
    child.write_text(f"extends: {LEKIMA}\nname: short\ntime: {{duration_h: 12}}\n")
    assert event_window(child) == whole
    short = load_scenario(child)
    assert Window.of(short).hours == 12 and not observed_comparable(short, whole)
    assert observed_comparable(load_scenario(LEKIMA), whole)
    # a window that starts late misses the event's start: not comparable either
    late = load_scenario(LEKIMA, ["time.start_utc=2019-08-09T00:00:00Z", "time.duration_h=120"])
    assert not observed_comparable(late, whole)
    assert event_window(ROOT / "scenarios" / "shanghai" / "construction-safety-3y.yaml") is None


def test_console_gives_no_ratio_for_a_window_shorter_than_the_observed_event(tmp_path):
    from rich.console import Console

    from sim.results.report import event_window, print_summary

    child = _with_observed(tmp_path)
    event = event_window(child)

    def printed(overrides):
        console = Console(record=True, width=100)
        print_summary(console, {"trees_down": 400}, load_scenario(child, overrides), event)
        return console.export_text()

    full = printed([])
    assert "sim/obs" in full and "0.40" in full and "not compared" not in full
    assert "simulated and observed: 02 Aug 2030 00:00 to 03 Aug 2030 12:00 UTC, 36 h" in full
    short = printed(["time.duration_h=6"])
    assert "sim/obs" not in short and "0.40" not in short
    assert "simulated (6 h)" in short and "observed (event)" in short
    assert "not compared: simulated 02 Aug 2030 00:00 to 02 Aug 2030 06:00 UTC, 6 h" in short
    assert "whole event, 02 Aug 2030 00:00 to 03 Aug 2030 12:00 UTC, 36 h" in short


def test_replaying_a_short_exercise_does_not_compare_it_with_the_whole_event(tmp_path):
    from sim.interfaces.cli.main import app

    child = _with_observed(tmp_path)
    journal = tmp_path / "exercise.yaml"
    journal.write_text("journal: 1\noverrides: [time.duration_h=4]\nentries: []\n")
    out = tmp_path / "replay"
    args = ["run", str(child), "--journal", str(journal), "--out", str(out), "-q"]
    res = CliRunner().invoke(app, [*args, "--no-figures"])
    assert res.exit_code == 0, res.output
    assert "not compared: simulated" in res.output and "4 h" in res.output
    assert "sim/obs" not in res.output


# --------------------------------------------------------------------------- -q and resuming
def test_quiet_says_what_it_hides_and_what_it_keeps():
    import typer.main

    from sim.interfaces.cli.main import app

    commands = typer.main.get_command(app).commands

    def quiet_help(command):
        return next(p.help for p in command.params if p.name == "quiet")

    assert quiet_help(commands["run"]).startswith("No progress bar; the outcome table")
    assert "still printed" in quiet_help(commands["compare"])
    assert quiet_help(commands["calibrate"])  # it had none
    assert "still printed" in quiet_help(commands["sweep"].commands["run"])


def test_a_resumed_ensemble_says_how_many_replications_were_done_and_compares_like(
    tmp_path, monkeypatch
):
    from sim.interfaces.cli import ensemble
    from sim.interfaces.cli.main import app

    out = tmp_path / "ens"
    child = _with_observed(tmp_path)  # observed over 36 h: 4 h are not compared with them
    args = ["run", str(child), "-p", "time.duration_h=4", "--replications", "2", "-q"]
    args += ["--out", str(out)]

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ensemble, "write_ensemble", interrupted)  # Ctrl-C after the runs
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 130 and "resumed: " not in first.output
    monkeypatch.undo()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "resumed: 2 of 2 replications done" in again.output
    assert "running the other 0" in again.output
    assert "not compared: simulated" in again.output
    stats = json.loads((out / "ensemble.json").read_text())
    assert stats["observed_inside"] == {"inside": 0, "observed": 0}
    assert "observed" not in stats["outcomes"]["trees_down"]


def test_a_resumed_long_run_says_which_shocks_were_done(tmp_path, monkeypatch):
    from sim.interfaces.cli.main import app
    from sim.results import runner

    data = ROOT / "scenarios" / "data" / "example-city"
    shocks = "".join(
        f"  - {{name: {n}, at_utc: 2030-08-02T00:00:00Z, scenario: {EXAMPLE}, "
        "overrides: [time.duration_h=3]}\n"
        for n in ("a", "b")
    )
    long_run = tmp_path / "long.yaml"
    long_run.write_text(
        f"kind: long_run\nname: long\nseed: 7\ncity: {{data_dir: {data}}}\n"
        "years: {start_year: 2030, n_years: 1}\nprocesses: {pipeline: {}}\n"
        f"shocks:\n{shocks}",
        encoding="utf-8",
    )
    real, calls = runner._window, []

    def crash_in_the_second(em, out_dir, city_state, figures):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(em, out_dir, city_state, figures)

    monkeypatch.setattr(runner, "_window", crash_in_the_second)
    args = ["run", str(long_run), "--out", str(tmp_path / "run"), "-q", "--no-figures"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 130, first.output
    assert "rerun to resume it: its finished shocks are reused" in " ".join(first.output.split())
    monkeypatch.undo()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "resumed: 1 of 2 shocks done (a:" in again.output


# --------------------------------------------------------------------------- sources
CITED = ("domain.md", "facts.md", "sources.md", "outputs.md", "cma_bst_format.md")
"""Files the code, scenarios and docs cite by name: each citation must name a file that is here."""
CITATION = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)*(?:" + "|".join(map(re.escape, CITED)) + r"))")
ELSEWHERE = re.compile(r"(?<![\w.-])(shared/|seed/)[\w.-]")
"""Paths of the project's working space outside the repository (the briefing, its brief)."""


def _cited_files():
    tops = ["sim", "scenarios", "experiments", "calibration", "benchmarks", "docs"]
    kinds = {".py", ".yaml", ".yml", ".csv", ".md", ".txt", ".json"}
    for top in tops:
        yield from (p for p in (ROOT / top).rglob("*") if p.is_file() and p.suffix in kinds)
    yield ROOT / "README.md"


def test_every_cited_source_is_a_file_of_the_repository():
    """ "shared/seed", "domain.md §1" and a bare "facts.md" outside its folder pointed at files
    that are not in the repository; a citation resolves from the repository's root or from the
    folder of the file that cites it."""
    unresolved = []
    for path in _cited_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        where = path.relative_to(ROOT).as_posix()
        for m in CITATION.finditer(text):
            cited = m.group(1)
            if not ((ROOT / cited).is_file() or (path.parent / cited).is_file()):
                unresolved.append(f"{where}: {cited}")
        unresolved += [f"{where}: {m.group(0)}…" for m in ELSEWHERE.finditer(text)]
    assert not unresolved, unresolved
    # the scan sees what it should: citations of all kinds are there, resolved
    lekima = (ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml").read_text(encoding="utf-8")
    assert "scenarios/data/shanghai/facts.md §2c" in lekima and "docs/sources.md" in lekima


def test_the_scan_catches_an_unresolvable_citation(tmp_path):
    text = 'source: "briefing (shared/seed), via domain.md §1; facts.md §2c"'
    found = [m.group(1) for m in CITATION.finditer(text)]
    assert found == ["domain.md", "facts.md"]
    assert not any((tmp_path / c).is_file() or (ROOT / c).is_file() for c in found)
    assert [m.group(1) for m in ELSEWHERE.finditer(text)] == ["shared/"]
    assert [m.group(1) for m in CITATION.finditer("see ../shanghai/facts.md §2")] == [
        "../shanghai/facts.md"
    ]


def test_the_observed_figures_printed_name_resolvable_sources():
    lekima = load_scenario(ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml")
    for key, obs in lekima.observed.items():
        cited = CITATION.findall(obs.source)
        assert cited and all((ROOT / c).is_file() for c in cited), (key, obs.source)
        assert "shared/" not in obs.source
