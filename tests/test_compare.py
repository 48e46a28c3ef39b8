"""Policy comparison (citysafe compare): paired-t intervals, common random numbers,
cost-effectiveness arithmetic, an end-to-end comparison on a fast long-run scenario, resume,
and spec problems reported as FILE: field.path: message (exit 2)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from sim.studies.compare.arms import compare_command, resolve_keys
from sim.studies.compare.stats import (
    LOSS_PER_YUAN,
    YUAN_PER_DEATH,
    comparison_table,
    cost_effectiveness,
    paired_differences,
)
from sim.studies.sweep.spec import SpecError, parse_spec
from sim.studies.sweep.table import load

REPO = Path(__file__).resolve().parents[1]
CONSTRUCTION = REPO / "scenarios" / "shanghai" / "construction-safety-3y.yaml"

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command()(compare_command)


def _frame(arms: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """Results frame: one row per (arm, replication), rows shuffled (pairing must use the
    replication column, not the row order)."""
    rows = [
        {"scenario": arm, "replication": r, **{k: v[r] for k, v in cols.items()}}
        for arm, cols in arms.items()
        for r in range(len(next(iter(cols.values()))))
    ]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=3).reset_index(drop=True)


# --- pure statistics --------------------------------------------------------------------


def test_paired_t_interval_matches_hand_computation():
    df = _frame({"base": {"deaths": [10, 12, 9, 14]}, "arm": {"deaths": [7, 10, 8, 9]}})
    row = paired_differences(df, "base", ["deaths"]).iloc[0]
    # d = arm − base = [-3, -2, -1, -5]; mean -2.75; squared deviations 0.0625 + 0.5625
    # + 3.0625 + 5.0625 = 8.75, s² = 8.75/3, s = 1.7078251; se = s/2 = 0.8539126;
    # t(0.975, 3) = 3.1824463 (Student table) → half-width 2.7175315.
    assert row["arm"] == "arm" and row["kind"] == "difference" and row["n"] == 4
    assert row["estimate"] == pytest.approx(-2.75)
    assert row["sd"] == pytest.approx(1.7078251, rel=1e-7)
    assert row["ci_low"] == pytest.approx(-2.75 - 2.7175315, abs=1e-6)
    assert row["ci_high"] == pytest.approx(-2.75 + 2.7175315, abs=1e-6)
    # Unpaired, the arm-to-arm spread (s ≈ 2.22 and 1.29) would give a much wider interval:
    # pairing is what makes the interval this narrow.
    assert row["ci_high"] - row["ci_low"] < 5.5


def test_paired_differences_use_only_replications_both_arms_finished():
    df = _frame({"base": {"x": [1.0, 2.0, 3.0]}, "arm": {"x": [2.0, 4.0, 100.0]}})
    df = df[~((df["scenario"] == "base") & (df["replication"] == 2))]  # base rep 2 failed
    row = paired_differences(df, "base", ["x"]).iloc[0]
    assert row["n"] == 2 and row["estimate"] == pytest.approx(1.5)  # (1 + 2) / 2


def test_cost_effectiveness_ratios_and_bootstrap_bounds():
    base = {
        "policy_cost_yuan": [0.0] * 4,
        "deaths": [10, 12, 11, 13],
        "direct_loss_yuan": [100e6, 110e6, 90e6, 95e6],
    }
    arm = {
        "policy_cost_yuan": [1e6] * 4,
        "deaths": [8, 9, 9, 10],  # avoided 2, 3, 2, 3: mean 2.5, t-interval above 0
        "direct_loss_yuan": [95e6, 103e6, 84e6, 89e6],  # avoided 5, 7, 6, 6 M: mean 6 M
    }
    df = _frame({"base": base, "arm": arm})
    ce = cost_effectiveness(df, "base", "policy_cost_yuan", np.random.default_rng(1))
    ce = ce.set_index("metric")
    # 1e6 yuan / 2.5 deaths avoided = 400,000 yuan per death avoided.
    assert ce.loc[YUAN_PER_DEATH, "estimate"] == pytest.approx(400_000.0)
    # Δcost is constant: every resample's ratio is 1e6 / mean of avoided deaths in [2, 3].
    lo, hi = ce.loc[YUAN_PER_DEATH, ["ci_low", "ci_high"]]
    assert 1e6 / 3 - 1e-6 <= lo <= 400_000.0 <= hi <= 1e6 / 2 + 1e-6 and lo < hi
    # 6e6 yuan of loss avoided per 1e6 yuan spent = 6.
    assert ce.loc[LOSS_PER_YUAN, "estimate"] == pytest.approx(6.0)
    lo, hi = ce.loc[LOSS_PER_YUAN, ["ci_low", "ci_high"]]
    assert 5.0 <= lo <= 6.0 <= hi <= 7.0
    again = cost_effectiveness(df, "base", "policy_cost_yuan", np.random.default_rng(1))
    assert again.set_index("metric")["ci_low"].equals(ce["ci_low"])  # seeded: reproducible


def test_no_deaths_avoided_or_no_extra_cost_give_nan_with_a_note():
    base = {"policy_cost_yuan": [5.0] * 4, "deaths": [3, 3, 3, 3], "direct_loss_yuan": [9.0] * 4}
    arm = {"policy_cost_yuan": [2.0] * 4, "deaths": [4, 2, 3, 3], "direct_loss_yuan": [8.0] * 4}
    ce = cost_effectiveness(
        _frame({"base": base, "arm": arm}), "base", "policy_cost_yuan", np.random.default_rng(0)
    ).set_index("metric")
    # Avoided deaths [-1, 1, 0, 0]: interval includes 0 → no ratio.
    assert math.isnan(ce.loc[YUAN_PER_DEATH, "estimate"])
    assert ce.loc[YUAN_PER_DEATH, "note"].startswith("not resolved")
    # Δcost = -3 yuan: the arm is cheaper, a loss-per-yuan ratio is meaningless.
    assert math.isnan(ce.loc[LOSS_PER_YUAN, "estimate"])
    assert ce.loc[LOSS_PER_YUAN, "note"].startswith("no extra cost")


def test_cheaper_arm_that_saves_lives_is_flagged_dominant():
    base = {"c": [10.0] * 3, "deaths": [5, 6, 7]}
    arm = {"c": [4.0] * 3, "deaths": [3, 3, 4]}  # avoided 2, 3, 3; Δcost -6
    ce = cost_effectiveness(
        _frame({"base": base, "arm": arm}), "base", "c", np.random.default_rng(0), loss=None
    )
    assert list(ce["metric"]) == [YUAN_PER_DEATH]
    assert ce["estimate"].iloc[0] == pytest.approx(-6.0 / (8 / 3))
    assert ce["note"].iloc[0].startswith("dominant")


def test_comparison_table_levels_and_differences_agree_when_all_pairs_exist():
    df = _frame({"b": {"m": [1.0, 5.0, 2.0]}, "a": {"m": [2.0, 4.0, 6.0]}})
    t = comparison_table(df, "b", ["m"], np.random.default_rng(0)).set_index(["arm", "kind"])
    assert t.loc[("a", "level"), "estimate"] - t.loc[("b", "level"), "estimate"] == (
        pytest.approx(t.loc[("a", "difference"), "estimate"])
    )
    assert ("b", "difference") not in t.index  # the baseline has levels only


# --- spec ------------------------------------------------------------------------------


def _spec(**comparison) -> dict:
    arm = {"path": str(CONSTRUCTION)}
    return {
        "name": "cs-compare",
        "scenarios": [
            {**arm, "label": "baseline"},
            {**arm, "label": "half", "fixed": {"processes.construction.safety_improvement": 0.5}},
            {**arm, "label": "same", "fixed": {"processes.construction.safety_improvement": 1.0}},
        ],
        "replications": 4,
        "seed": 11,
        "comparison": {"baseline": "baseline", **comparison},
    }


def _write(tmp_path: Path, data: dict, name: str = "cmp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_spec_accepts_long_run_outcomes_and_checks_the_comparison_block(tmp_path):
    spec = parse_spec(_spec(metrics=["construction_deaths"]), "s.yaml", tmp_path)
    assert spec.comparison.confidence == 0.95 and spec.comparison.cost == "policy_cost_yuan"
    with pytest.raises(SpecError) as err:
        parse_spec(_spec(baseline="nope", metrics=["bogus"], confidence=1.5), "s.yaml", tmp_path)
    text = str(err.value)
    assert "s.yaml: comparison.metrics: unknown outcome keys ['bogus']" in text
    assert "s.yaml: comparison.confidence: Input should be less than 1" in text
    assert "comparison.baseline" not in text  # reported once the block itself is valid
    with pytest.raises(SpecError) as err:
        parse_spec(_spec(baseline="nope"), "s.yaml", tmp_path)
    assert "s.yaml: comparison.baseline: no arm labelled 'nope'" in str(err.value)


def test_cli_exits_2_with_file_field_message_on_a_malformed_spec(tmp_path):
    path = _write(tmp_path, _spec(baseline="nope", metrics=["construction_deaths"]))
    result = CliRunner().invoke(app, [str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert f"{path}: comparison.baseline: no arm labelled 'nope'" in result.output
    assert "Traceback" not in result.output
    no_block = {k: v for k, v in _spec().items() if k != "comparison"}
    result = CliRunner().invoke(app, [str(_write(tmp_path, no_block, "plain.yaml"))])
    assert result.exit_code == 2 and "comparison: required" in result.output
    assert not (tmp_path / "o").exists()  # nothing ran


def test_a_metric_the_arms_kind_never_reports_fails_before_any_run(tmp_path):
    # trees_down is an emergency outcome; the arms are long runs: exit 2 up front.
    path = _write(tmp_path, _spec(metrics=["trees_down"]))
    result = CliRunner().invoke(app, [str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "comparison.metrics: 'trees_down' is not an outcome of long_run scenarios" in (
        result.output
    )
    assert not (tmp_path / "o" / "runs").exists()  # nothing ran


# --- end to end --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """Three arms × 4 replications of the 3-year construction scenario (~0.3 s a run)."""
    tmp = tmp_path_factory.mktemp("cmp")
    spec = _write(tmp, _spec(metrics=["construction_accidents", "construction_deaths"]))
    out = tmp / "out"
    result = CliRunner().invoke(app, [str(spec), "--out", str(out), "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    return spec, out, result.output


def test_compare_writes_csv_parquet_png_and_common_random_numbers_cancel(compared):
    _, out, output = compared
    table = pd.read_csv(out / "comparison.csv")
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "comparison.parquet").drop(columns="note"),
        table.drop(columns="note"),
        check_dtype=False,
    )
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    diff = table[table["kind"] == "difference"].set_index(["arm", "metric"])
    # CRN: "same" differs from the baseline only in its label → identical runs, exactly 0.
    same = diff.loc["same"]
    assert (same["estimate"] == 0.0).all() and (same["sd"] == 0.0).all()
    assert (same["ci_low"] == 0.0).all() and (same["ci_high"] == 0.0).all()
    # Halving every site's accident rate removes about half the accidents (69 expected in
    # 3 years → 34.5): the interval is below 0.
    half = diff.loc[("half", "construction_accidents")]
    assert half["ci_high"] < 0 and half["n"] == 4
    df = load(out)
    assert df.groupby("replication")["seed"].nunique().eq(1).all()  # one seed per replication
    assert len(df) == 12 and "half" in output and "Δ" in output


def test_rerun_and_resume_repeat_no_finished_run(compared, tmp_path):
    spec, out, _ = compared
    for extra in ([], ["--resume"]):
        result = CliRunner().invoke(app, [str(spec), "--out", str(out), "-w", "1", "-q", *extra])
        assert result.exit_code == 0, result.output
        assert "0 runs now, 12 before" in result.output
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 12
    assert len(list((out / "runs").glob("*.parquet"))) == 12
    # A metric the runs do not report is caught after loading the (cached) runs.
    bad = _write(tmp_path, _spec(metrics=["deaths"]), "deaths.yaml")
    result = CliRunner().invoke(app, [str(bad), "--out", str(out), "-w", "1", "-q"])
    assert result.exit_code == 2
    assert f"{bad}: comparison.metrics: ['deaths'] not in the runs' summaries" in result.output


def test_replications_option_overrides_the_spec(compared, tmp_path):
    spec, _, _ = compared
    out = tmp_path / "two"
    result = CliRunner().invoke(
        app, [str(spec), "--out", str(out), "-w", "1", "-q", "--replications", "2"]
    )
    assert result.exit_code == 0, result.output
    assert len(load(out)) == 6  # 3 arms × 2 replications


def test_default_keys_skip_what_the_runs_do_not_report(tmp_path):
    spec = parse_spec(_spec(), "s.yaml", tmp_path)
    keys = resolve_keys(spec, ["scenario", "replication", "deaths", "accidents"], "s.yaml")
    assert keys.metrics == ["deaths", "accidents"] and keys.cost is None
    assert keys.deaths is None and any("policy_cost_yuan" in n for n in keys.notes)


def test_console_names_its_intervals_and_warns_of_too_few_pairs(compared):
    # 4 paired replications (< 10 at 95 %): the console says so, as the forest plot does,
    # and its caption names the t-intervals of levels and differences
    _, _, output = compared
    assert "warning: n = 4 paired replications per arm — too few (< 10)" in output
    assert "Student t-intervals" in " ".join(output.split())
