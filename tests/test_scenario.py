"""Scenario files: validation messages, extends, overrides, and fuzzing of the CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import apply_overrides, deep_merge

ROOT = Path(__file__).resolve().parents[1]
LEKIMA = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"
runner = CliRunner()


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def _child(tmp_path: Path, body: str) -> Path:
    """A scenario that extends the shipped Lekima file and changes ``body``."""
    return _write(tmp_path, f"extends: {LEKIMA}\n" + textwrap.dedent(body))


def test_lekima_scenario_validates():
    scen = load_scenario(LEKIMA)
    assert scen.name == "lekima-2019"
    assert scen.time.duration_h == 96
    assert scen.hazard.typhoon.track_file.exists()
    assert [e.level for e in scen.events][:3] == ["blue", "yellow", "orange"]


# (scenario body appended to an `extends:` of Lekima, expected field path, expected text)
CASES = [
    ("time: {duration_h: -5}\n", "time.duration_h", "greater than 0"),
    ("time: {duration_h: lots}\n", "time.duration_h", "valid number"),
    ("seed: -1\n", "seed", "greater than or equal to 0"),
    ("colour: red\n", "colour", "unknown field"),
    ("hazard: {typhoon: {wind_scale: 0}}\n", "hazard.typhoon.wind_scale", "greater than 0"),
    ("hazard: {typhoon: {track_file: missing.csv}}\n", "hazard.typhoon.track_file", "not found"),
    ("hazard: {typhoon: {track_format: hurdat}}\n", "hazard.typhoon.track_format", "'csv'"),
    ("drainage: {runoff_coefficient: 1.5}\n", "drainage.runoff_coefficient", "less than or equal"),
    ("drainage: {capacity_mm_per_h: {central: -3}}\n", "drainage.capacity_mm_per_h", "> 0"),
    (
        "response: {relocation: {compliance: {shed_dwellers_persons: 2}}}\n",
        "response.relocation.compliance.shed_dwellers_persons",
        "less than",
    ),
    (
        "response: {relocation: {compliance: {pets: 0.5}}}\n",
        "response.relocation.compliance",
        "unknown relocation",
    ),
    ("networks: {resolution: 0}\n", "networks.resolution", "greater than 0"),
    ("networks: {cascade: domino}\n", "networks.cascade", "source_served"),
    ("logistics: {policy: random}\n", "logistics.policy", "nearest"),
    ("time: {start_utc: 2019-08-08T00:00:00}\n", "time.start_utc", "timezone"),
    (
        "events: [{type: warning, at_utc: 2019-08-09T00:00:00Z, level: purple}]\n",
        "events[0].level",
        "'red'",
    ),
    ("city: {data_dir: nowhere}\n", "city.data_dir", "not found"),
    ("name: 'has spaces'\n", "name", "pattern"),
]


@pytest.mark.parametrize(("body", "field", "text"), CASES)
def test_bad_field_is_named(tmp_path, body, field, text):
    path = _child(tmp_path, body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert any(p.field == field and text in p.message for p in problems), problems
    assert all(p.file == str(path) for p in problems)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _child(tmp_path, "seed: -1\ncolour: red\ntime: {duration_h: 0}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert {p.field for p in info.value.problems} == {"seed", "colour", "time.duration_h"}


def test_yaml_syntax_error_names_line(tmp_path):
    path = _write(tmp_path, "name: x\ntime: {start_utc: [\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.field.startswith("line ") and "YAML syntax error" in problem.message


def test_top_level_must_be_mapping(tmp_path):
    path = _write(tmp_path, "- a\n- b\n")
    with pytest.raises(ScenarioError, match="expected a mapping"):
        load_scenario(path)


def test_extends_cycle_is_reported(tmp_path):
    _write(tmp_path, "extends: b.yaml\n", "a.yaml")
    _write(tmp_path, "extends: a.yaml\n", "b.yaml")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_extends_inherits_and_resolves_parent_relative_paths(tmp_path):
    path = _child(tmp_path, "name: child\ntime: {duration_h: 12}\n")
    scen = load_scenario(path)
    parent = load_scenario(LEKIMA)
    assert scen.name == "child" and scen.time.duration_h == 12
    assert scen.time.start_utc == parent.time.start_utc  # merged, not replaced
    assert scen.hazard.typhoon.track_file == parent.hazard.typhoon.track_file


def test_override_sets_nested_field_with_yaml_typing():
    scen = load_scenario(LEKIMA, ["time.duration_h=24", "logistics.mutual_aid=false", "seed=7"])
    assert scen.time.duration_h == 24.0 and scen.logistics.mutual_aid is False and scen.seed == 7


def test_override_of_unknown_field_is_an_error():
    with pytest.raises(ScenarioError) as info:
        load_scenario(LEKIMA, ["networks.colour=3"])
    assert info.value.problems[0].field == "networks.colour"


def test_override_without_equals_is_an_error():
    with pytest.raises(ScenarioError, match="a.b.c=value"):
        apply_overrides({}, ["seed"], "cli")


def test_deep_merge_replaces_lists_and_merges_mappings():
    parent = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    child = {"a": {"y": [3]}, "c": 2}
    assert deep_merge(parent, child) == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}
    assert parent == {"a": {"x": 1, "y": [1, 2]}, "b": 1}  # parent untouched


def test_cli_validate_exit_codes(tmp_path):
    ok = runner.invoke(app, ["validate", str(LEKIMA)])
    assert ok.exit_code == 0, ok.output
    bad = _child(tmp_path, "seed: -1\n")
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    assert f"{bad}: seed: " in res.output
    assert "Traceback" not in res.output


def test_cli_schema_is_json_schema():
    res = runner.invoke(app, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert schema["title"] == "Scenario"
    assert "duration_h" in schema["$defs"]["TimeConfig"]["properties"]
    # one tree, both kinds: emergency and long run share the base fields, told apart by kind
    assert schema["oneOf"] == [
        {"$ref": "#/$defs/Scenario"},
        {"$ref": "#/$defs/LongRunScenario"},
    ]
    emergency, long_run = (
        schema["$defs"][k]["properties"] for k in ("Scenario", "LongRunScenario")
    )
    for common in ("kind", "name", "description", "seed", "city", "observed"):
        assert common in emergency and common in long_run, common
    assert emergency["kind"]["const"] == "emergency" and long_run["kind"]["const"] == "long_run"
    assert "n_years" in schema["$defs"]["YearsConfig"]["properties"]


# --- fuzzing: any scenario-shaped input gets exit 0 or 2 and a message, never a traceback.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
)
KEYS = [
    "name",
    "seed",
    "time",
    "duration_h",
    "start_utc",
    "hazard",
    "typhoon",
    "city",
    "data_dir",
    "events",
    "level",
    "drainage",
    "networks",
    "resolution",
    "extends",
    "bogus",
]
values = st.recursive(
    scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3), st.dictionaries(st.sampled_from(KEYS), kids, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
def test_fuzzed_scenarios_never_traceback(tmp_path, doc):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code in (0, 2), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    if res.exit_code == 2:
        assert res.output.strip().startswith(str(path))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=80))
def test_fuzzed_bytes_never_traceback(tmp_path, text):
    path = tmp_path / "raw.yaml"
    path.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code in (0, 2)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)


def test_impossible_date_is_a_problem_not_a_traceback(tmp_path):
    path = _write(tmp_path, "name: x\ntime: {start_utc: 2019-13-45}\n")
    with pytest.raises(ScenarioError, match="invalid value"):
        load_scenario(path)


def test_empty_file_says_so(tmp_path):
    path = _write(tmp_path, "")
    with pytest.raises(ScenarioError, match="empty file"):
        load_scenario(path)


def test_duration_must_be_whole_physics_steps():
    with pytest.raises(ScenarioError, match="whole number of physics steps"):
        load_scenario(LEKIMA, ["time.duration_h=1.1"])


@pytest.mark.parametrize(
    ("override", "field", "text"),
    [
        ("hazard.typhoon.agency=XYZ", "hazard.typhoon.track_file", "no rows for agency"),
        ("city.data_dir=/tmp", "city.data_dir", "unusable city data"),
        ("time.start_utc=2021-01-01T00:00:00Z", "hazard.typhoon", "does not overlap"),
    ],
)
def test_validate_reads_the_data_files(override, field, text):
    res = runner.invoke(app, ["validate", str(LEKIMA), "-p", override])
    assert res.exit_code == 2, res.output
    assert f"{LEKIMA}: {field}: " in res.output and text in res.output
    assert "Traceback" not in res.output


def test_run_into_a_file_path_exits_2(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    res = runner.invoke(app, ["run", str(LEKIMA), "--out", str(blocker / "sub"), "-q"])
    assert res.exit_code == 2
    assert "cannot write the run folder" in res.output


def test_extends_of_an_empty_string_or_a_folder_is_a_clear_problem(tmp_path):
    for ref in ("''", ".", "sub"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        f = tmp_path / "s.yaml"
        f.write_text(f"extends: {ref}\nname: x\n", encoding="utf-8")
        with pytest.raises(ScenarioError) as err:
            load_scenario(f)
        (problem,) = err.value.problems
        assert problem.field == "extends"


def test_a_nul_character_in_a_path_is_one_problem_not_a_traceback(tmp_path):
    """Hypothesis found ``extends: "\\0"`` (os.path raised 'embedded null byte')."""
    path = tmp_path / "nul.yaml"
    path.write_text('extends: "\\0"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value.problems[0]) == (
        f"{path}: (paths): a file path holds a NUL character (\\0); file names cannot"
    )
