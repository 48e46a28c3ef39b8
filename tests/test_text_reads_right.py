"""Text a user reads (issue 17): units and labels of outcomes, numbers, CLI help, console
tables, incidents' severity and the warning shading of the run figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from sim.interfaces.cli.main import COMMANDS, app
from sim.results.figures import alert_spans
from sim.results.html_report import STYLE, outcome_rows
from sim.results.outcome_text import format_number, outcome_label, outcome_unit
from sim.results.report import fold_name, summary_table
from sim.results.table_form import INCIDENT_COLUMNS, incidents_table
from sim.scenario.longrun import LONGRUN_SUMMARY_UNITS

GOLDEN = Path(__file__).parent / "golden" / "summaries.json"


def _expected_unit(key: str) -> str | None:
    """The unit a key's name asks for (None: the name says nothing, any unit goes)."""
    base = key.rsplit(".", 1)[-1]
    ends = (("_yuan_per_yr", "yuan/yr"), ("_yuan", "yuan"), ("_min", "min"))
    ends += (("_person_days", "person-days"), ("_s", "s"), ("_months", "months"))
    for end, unit in ends:
        if base.endswith(end):
            return unit
    if base.endswith(("deaths", "injuries", "relocated", "cases")):
        return "persons"
    if base.startswith("customer_hours"):
        return "customer-hours"
    return None


def test_every_golden_summary_key_gets_the_unit_its_name_says():
    scenarios = json.loads(GOLDEN.read_text())["scenarios"]
    keys = {k for s in scenarios.values() for k in s["summary"]}
    assert "cavity_screening_yuan_per_yr" in keys and len(keys) > 100
    for key in sorted(keys):
        unit = outcome_unit(key, LONGRUN_SUMMARY_UNITS)
        want = _expected_unit(key)
        if want is not None:  # policy_cost_yuan is yuan over the horizon: yuan first
            assert unit.split("/")[0] == want.split("/")[0], (key, unit)
            assert ("/yr" in unit) == ("/yr" in want), (key, unit)
    assert outcome_unit("cavity_screening_yuan_per_yr", LONGRUN_SUMMARY_UNITS) == "yuan/yr"
    assert outcome_unit("shocks.lekima.response_time_p95_min") == "min"
    assert outcome_unit("pipe_bursts") == "count"


def test_labels_are_words_with_units_and_the_app_shares_the_table():
    from sim.interfaces.app.readout import LABELS
    from sim.results import outcome_text

    assert LABELS is outcome_text.LABELS
    assert outcome_label("people_relocated") == "People relocated (persons)"
    assert outcome_label("cavity_screening_yuan_per_yr") == "Cavity screening (yuan/yr)"
    assert outcome_label("shocks.lekima.deaths") == "Shock lekima: deaths (persons)"
    assert outcome_label("road_collapses_in_black_swans") == "Road collapses in black swans (count)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (109_663_920_000.0, "109.66 bn"),
        (54e9, "54.00 bn"),
        (7.97e9, "7.97 bn"),
        (30e6, "30.00 M"),
        (12_345.67, "12,346"),  # person-days, customer-hours: whole from 100 up
        (100.4, "100"),
        (95.23, "95.23"),
        (18, "18"),
    ],
)
def test_numbers_read_as_a_person_says_them(value, text):
    assert format_number(value) == text


class _Obs:
    def __init__(self, value):
        self.value, self.low, self.high, self.source = value, None, None, "a source"
        self.bound = "exact"


class _LongRun:
    OUTCOME_UNITS = LONGRUN_SUMMARY_UNITS
    name, seed, observed = "pipeline-ageing", 2003, {"road_collapses": _Obs(95)}

    class years:  # noqa: N801 - the scenario's section
        start_year, n_years = 2003, 18


SUMMARY = {
    "years": 18,
    "road_collapses": 101,
    "road_collapses_in_black_swans": 1,
    "cavity_screening_yuan_per_yr": 30e6,
    "maintenance_budget_yuan": 54e9,
    "black_swan_amplification_max": 3.12,
    "seed": 2003,
}


def test_report_rows_have_labels_units_and_the_page_cjk_fonts():
    rows = {r[0]: r for r in outcome_rows(SUMMARY, _LongRun())}
    assert rows["cavity_screening_yuan_per_yr"][1:3] == ("Cavity screening (yuan/yr)", "30.00 M")
    assert rows["maintenance_budget_yuan"][1:3] == ("Maintenance budget (yuan)", "54.00 bn")
    assert rows["road_collapses"][3:] == ("95", "1.06")
    for font in ("Noto Sans CJK SC", "WenQuanYi", "Microsoft YaHei", "PingFang SC"):
        assert font in STYLE  # the style sheet of the run and ensemble reports


def test_console_table_at_80_columns_never_splits_a_name_mid_word():
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(summary_table(SUMMARY, _LongRun(), width=80))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    names = "".join(line.split("│")[1].strip() for line in text.splitlines() if "│" in line)
    for key in SUMMARY.keys() - {"seed"}:
        assert key in names  # pieces joined back give the whole name
    for line in text.splitlines():
        if "│" in line and (cell := line.split("│")[1].strip()):
            assert cell[-1] == "_" or cell in names and not cell.startswith("_"), line
    assert "yuan/yr" in text and "30.00 M" in text and "count" in text
    assert fold_name("road_collapses_in_black_swans", 20) == "road_collapses_in_\nblack_swans"
    assert fold_name("black_swan_amplification_max", 10) == "black_\nswan_\namplification_\nmax"


def _help_texts():
    group = typer.main.get_command(app)
    runner = CliRunner()

    def walk(path, command):
        yield path, runner.invoke(app, [*path, "--help"], terminal_width=80).output
        for name in getattr(command, "commands", {}) or {}:
            yield from walk([*path, name], command.commands[name])

    yield [], runner.invoke(app, ["--help"], terminal_width=80).output
    for spec in COMMANDS:
        yield from walk([spec.name], group.commands[spec.name])


def test_every_command_help_is_plain_text():
    seen = 0
    for path, out in _help_texts():
        seen += 1
        assert "Usage" in out, (path, out)
        for markup in ("``", ":mod:", ":func:", ":class:", ":meth:", ":data:", "<list["):
            assert markup not in out, (path, markup)
    assert seen >= len(COMMANDS) + 1
    run_help = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "200"}).output
    assert "PATH=VALUE" in run_help
    assert re.search(r"renamed into place when the run has finished", run_help)  # one line


def test_incidents_severity_is_an_integer_score():
    rec = pd.DataFrame({c: [0.0, 1.0] for c in INCIDENT_COLUMNS if c != "district_name"})
    rec["district"] = [0, 1]
    rec["severity"] = [3.0, 5.0]
    table = incidents_table(rec, ["A", "B"])
    assert table["severity"].dtype == np.int64 and table["severity"].tolist() == [3, 5]


def test_warning_shading_starts_at_the_issue_hour():
    issued = [
        (2.0, "typhoon", "blue", "s"),
        (5.5, "rainstorm", "orange", "s"),
        (8.0, "rainstorm", "none", "s"),
        (9.0, "typhoon", "none", "s"),
    ]
    assert alert_spans(issued, 12.0) == [(2.0, 5.5, 1), (5.5, 8.0, 3), (8.0, 9.0, 1)]
    assert alert_spans([(0.0, "typhoon", "yellow", "s")], 4.0) == [(0.0, 4.0, 2)]
    assert alert_spans([], 4.0) == []
