"""Break-it findings of a fresh clone (issue 16), one section each: an output folder inside
another one; a CSV saved with ';' between its cells; Python names the docs quote; the
criticality share; paths given with -p."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.results.staging import MARKER_FILE, RunFolderError, resolve_out, take_folder

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
SHORT = ["-p", "time.duration_h=2"]  # two hours of the example city: well under a second
cli = CliRunner()


def _cli(*args):
    res = cli.invoke(app, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _one_line(res, code: int = 2) -> str:
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == code and "Traceback" not in res.output, res.output
    assert len(lines) == 1, res.output
    return " ".join(lines[0].split())


# ------------------------------------------------- 1. an output folder inside another one


def _marked(folder: Path, kind: str | None = None) -> Path:
    """A folder carrying citysafe's marker (of ``kind``; none: a run's), as a command left it."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = {"written_by": "citysafe", "files": []} | ({"kind": kind} if kind else {})
    (folder / MARKER_FILE).write_text(json.dumps(marker))
    return folder


def _spec(tmp_path: Path, comparison: bool = False) -> Path:
    arms = f"  - {{path: {EXAMPLE}, label: more, fixed: {{logistics.teams_scale: 2.0}}}}\n"
    text = (
        f"name: tiny\nscenarios:\n  - {{path: {EXAMPLE}, label: base}}\n"
        + (arms if comparison else "")
        + "fixed: {time.duration_h: 2}\nreplications: 1\nseed: 1\n"
        + (
            "comparison: {baseline: base, metrics: [incidents]}\n"
            if comparison
            else "space: {kind: grid, parameters: {logistics.teams_scale: [1.0]}}\n"
        )
    )
    path = tmp_path / ("cmp.yaml" if comparison else "spec.yaml")
    path.write_text(text)
    return path


@pytest.mark.parametrize("kind", [None, "sweep", "riskmap"])
def test_run_refuses_an_out_inside_another_output_folder(tmp_path, kind):
    """`run --out RUN1/sub` was accepted: RUN1 then held files its run did not write."""
    outer = _marked(tmp_path / "RUN1", kind)
    inner = outer / "runs" / "sub"
    msg = _one_line(_cli("run", EXAMPLE, *SHORT, "-q", "--no-figures", "--out", inner))
    what = {None: "run folder", "sweep": "sweep folder", "riskmap": "risk-map folder"}[kind]
    assert f"{inner}: is inside {outer}, citysafe's {what}" in msg
    assert "choose an --out outside it" in msg
    assert os.listdir(outer) == [MARKER_FILE]  # nothing made in it


def test_every_command_that_writes_a_folder_refuses_one_inside_another(tmp_path):
    """run --replications, riskmap, criticality, sweep, compare: the same rule (staging.py)."""
    outer = _marked(tmp_path / "RUN1")
    before = sorted(os.listdir(outer))
    commands = {
        "ensemble": ["run", EXAMPLE, *SHORT, "-q", "--replications", 2, "-w", 1],
        "riskmap": ["riskmap", EXAMPLE, "-n", 1, "-q"],
        "criticality": ["criticality", EXAMPLE, "--samples", 1, "--seeds", 1],
        "sweep": ["sweep", _spec(tmp_path), "-w", 1, "-q"],
        "compare": ["compare", _spec(tmp_path, comparison=True), "-w", 1, "-q"],
    }
    for name, args in commands.items():
        inner = outer / name
        msg = _one_line(_cli(*args, "--out", inner))
        assert f"{inner}: is inside {outer}, citysafe's run folder" in msg, name
    assert sorted(os.listdir(outer)) == before  # nothing made in it


def test_calibrate_refuses_an_out_inside_a_sweep_folder(tmp_path):
    """calibrate takes its folder by _take_out (before any simulation)."""
    from sim.interfaces.cli.calibrate import _take_out
    from sim.studies.calibration.spec import CalibrationSpecError

    outer = _marked(tmp_path / "sw", "sweep")
    inner = outer / "runs" / "cal"
    with contextlib.ExitStack() as hold, pytest.raises(CalibrationSpecError) as err:
        _take_out(inner, resume=False, hold=hold)
    assert f"{inner}: is inside {outer}, citysafe's sweep folder" in str(err.value)
    assert os.listdir(outer) == [MARKER_FILE]


def test_a_commands_own_sub_folders_are_not_refused(tmp_path):
    """An ensemble's replications/ and a calibration's batches are sweep folders made inside
    the folder the command holds; the nearest marked folder above decides."""
    outer = tmp_path / "cal"
    with contextlib.ExitStack() as hold:
        take_folder(outer, "calibration", hold)
        with contextlib.ExitStack() as inner:
            take_folder(outer / "runs" / "g00-b000", "sweep", inner)
        assert (outer / "runs" / "g00-b000" / MARKER_FILE).is_file()
    # released: the same folder is now someone else's, and refused
    with contextlib.ExitStack() as hold, pytest.raises(RunFolderError, match="is inside"):
        take_folder(outer / "runs" / "g00-b001", "sweep", hold)
    # an unmarked folder between is looked through; an unmarked one above is not a reason
    assert resolve_out(tmp_path / "plain" / "x") == tmp_path / "plain" / "x"


def test_an_ensemble_still_writes_its_replications_inside_its_own_folder(tmp_path):
    out = tmp_path / "ens"
    res = _cli("run", EXAMPLE, *SHORT, "-q", "--replications", 2, "-w", 1, "--out", out)
    assert res.exit_code == 0, res.output
    assert (out / "ensemble.json").is_file() and (out / "replications" / MARKER_FILE).is_file()


# ------------------------------------------------- 2. a CSV with ';' between its cells


def _excel_locale_csv(src: Path, dst: Path, sep: str = ";") -> None:
    """``src`` saved as Excel does where the decimal separator is a comma: cells separated by
    ``sep``, decimals written with a comma."""
    import csv
    import re

    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    decimal = re.compile(r"^-?\d+\.\d+$")
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=sep)
        for row in rows:
            writer.writerow([c.replace(".", ",") if decimal.match(c) else c for c in row])


@pytest.mark.parametrize(
    "name",
    ["districts.csv", "links.csv", "exposure_totals.csv", "emergency_resources.csv",
     "typhoon_track.csv"],
)  # fmt: skip
def test_validate_names_a_semicolon_csv_of_the_city(tmp_path, name):
    """Each city table saved with ';' got "missing column(s) [...every column...]" or "line 2:
    2 cell(s), the header has 1"; now one line saying what the file is and how to save it."""
    import shutil

    city = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, city)
    _excel_locale_csv(EXAMPLE_DATA / name, city / name)
    track = city / "typhoon_track.csv"
    over = ["-p", f"city.data_dir={city}", "-p", f"hazard.typhoon.track_file={track}"]
    msg = _one_line(_cli("validate", EXAMPLE, *over))
    assert (
        f"{city / name}: cells are separated by ';' — citysafe reads comma-separated CSV; "
        "save as CSV (comma delimited)"
    ) in msg
    if name == "districts.csv":  # area_km2 is the first decimal of the table
        assert "numbers need a decimal point: line 2, column area_km2 reads '" in msg
    msg = _one_line(_cli("run", EXAMPLE, *over, "-q", "--out", tmp_path / "out"))
    assert "cells are separated by ';'" in msg and not (tmp_path / "out").exists()


def test_a_tab_separated_table_is_named_and_a_comma_table_is_read(tmp_path):
    from sim.core.text_input import InputFileError, read_csv_table

    path = tmp_path / "t.csv"
    path.write_text("\nname\tarea_km2\nOld Harbour\t28,44\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_csv_table(path)
    assert str(err.value) == (
        f"{path}: cells are separated by tabs — citysafe reads comma-separated CSV; save as "
        "CSV (comma delimited); numbers need a decimal point: line 3, column area_km2 reads "
        "'28,44' (set the decimal separator to '.' before saving)"
    )
    # a comma table may hold ';' and tabs in its cells; a one-column table has no separator
    path.write_text('name,note\nA,"x;y"\n', encoding="utf-8")
    assert read_csv_table(path)["note"].tolist() == ["x;y"]
    path.write_text("name\nA\n", encoding="utf-8")
    assert read_csv_table(path)["name"].tolist() == ["A"]


def test_storm_new_names_a_semicolon_track_csv(tmp_path):
    """storm new called a ';' track CSV "neither a CMA best-track file nor a track CSV"."""
    track = tmp_path / "track.csv"
    _excel_locale_csv(EXAMPLE_DATA / "typhoon_track.csv", track)
    res = _cli(
        "storm", "new", "--track", track, "--city", EXAMPLE_DATA, "--out", tmp_path / "s.yaml"
    )
    msg = _one_line(res)
    assert msg.startswith(f"{track}: cells are separated by ';' — citysafe reads comma-separated")
    assert "numbers need a decimal point: line 2, column lat reads '" in msg


# ------------------------------------------------- 3. names the docs quote


def _doc_files() -> list[Path]:
    """The prose a user reads for commands and Python names: the README, docs/, and the
    READMEs and scripts of experiments/, benchmarks/, calibration/ and scenarios/."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder in ("experiments", "benchmarks", "calibration", "scenarios"):
        files += sorted((ROOT / folder).rglob("*.md")) + sorted((ROOT / folder).rglob("*.py"))
    return files


def test_every_python_name_the_docs_quote_exists():
    """experiments/README.md said `sim.results.load(DIR)`; the function is
    sim.studies.sweep.table.load. Every dotted sim.* name quoted is imported and looked up."""
    import importlib
    import re

    names = {
        m.group(): path.relative_to(ROOT)
        for path in _doc_files()
        for m in re.finditer(r"(?<![\w./-])sim(?:\.[A-Za-z_]\w*)+", path.read_text("utf-8"))
    }
    assert len(names) > 30  # the scan finds what it should
    missing = []
    for name, where in sorted(names.items()):
        parts = name.split(".")
        for n in range(len(parts), 0, -1):  # the longest importable module prefix
            try:
                obj = importlib.import_module(".".join(parts[:n]))
                break
            except ImportError:
                continue
        for attr in parts[n:]:
            if not hasattr(obj, attr):
                missing.append(f"{where}: {name}")
                break
            obj = getattr(obj, attr)
    assert not missing, missing


def test_every_citysafe_command_and_option_the_docs_quote_exists():
    """`citysafe CMD [SUB] --option` in the docs names a command and options it has."""
    import re

    import typer.main

    root = typer.main.get_command(app)
    wrong, seen = [], 0
    for path in _doc_files():
        text = path.read_text("utf-8").replace("\\\n", " ")
        for m in re.finditer(r"citysafe ([a-z-]+)((?: [^\s`|]+)*)", text):
            cmd, words = root.commands.get(m.group(1)), m.group(2).split()
            if cmd is None:
                continue  # prose: "citysafe is ...", "citysafe run took ..."
            if hasattr(cmd, "commands"):  # a group: its subcommand (sweep's default: run)
                if words and words[0].isupper():
                    continue  # a placeholder: "citysafe verify NAME"
                sub = words[0] if words and words[0] in cmd.commands else None
                cmd = cmd.commands.get(sub or ("run" if m.group(1) == "sweep" else ""))
                if cmd is None:
                    wrong.append(f"{path.name}: {m.group(0)}: no such subcommand")
                    continue
            options = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
            for word in words:
                flag = word.split("=")[0].rstrip(".,;:)")
                if re.match(r"^--?[A-Za-z]", flag):
                    seen += 1
                    if flag not in options:
                        wrong.append(f"{path.name}: {m.group(0)}: no option {flag}")
    assert seen > 30 and not wrong, wrong


# ------------------------------------------------- 4. the criticality share


def test_the_top_asset_share_is_a_share_of_the_citys_household_services():
    """top_asset_share_of_households divided the household-services lost city-wide (power +
    water) by the district's households: 1.19 in the example city's Northgate."""
    import pandas as pd

    from sim.studies.analysis.criticality import district_table

    city = _example_city()
    assets = pd.DataFrame(
        {
            "realisation": [0, 0, 0, 1, 1],
            "district": [0, 0, 1, 0, 1],
            "key": [True, False, True, True, True],
            "weight": [1.0, 10.0, 1.0, 1.0, 1.0],
            "households_lost": [100.0, 2.0, 40.0, 60.0, 80.0],
        }
    )
    counts = pd.DataFrame([[20, 5, 1, 1, 1], [20, 5, 1, 1, 1]], dtype=float)
    d = district_table(assets, counts, city, household_services=[200.0, 400.0])
    share = d["top_asset_share_of_city_household_services"]
    # district 0: 100/200 and 60/400 -> (0.5 + 0.15)/2; district 1: 40/200 and 80/400
    assert share.tolist() == pytest.approx([0.325, 0.2, 0.0, 0.0, 0.0])
    assert "top_asset_share_of_households" not in d.columns


def _example_city():
    from sim.city import load_city

    return load_city(EXAMPLE_DATA)


def test_the_top_asset_share_lies_between_0_and_1():
    from sim.scenario import load_scenario
    from sim.studies.analysis.criticality import run_criticality

    scen = load_scenario(EXAMPLE)
    city = _example_city()
    res = run_criticality(scen, samples=10, seeds=2, city=city)
    d = res.districts
    share = d["top_asset_share_of_city_household_services"]
    assert ((share >= 0) & (share <= 1)).all() and (share > 0).any()
    # the old ratio (city-wide loss over the district's households) was no share
    assert (d["households_lost_top_asset"] / d["households"]).max() > 1


# ------------------------------------------------- 5. paths given with -p, and in files


def test_a_relative_path_given_with_p_is_taken_from_the_current_folder(tmp_path, monkeypatch):
    """-p city.data_dir=REL was taken from the scenario file's folder: a city folder beside
    the user, typed as a shell completes it, was "not found" under scenarios/example-city/."""
    import shutil

    from sim.core.yaml_input import read_yaml_file

    shutil.copytree(EXAMPLE_DATA, tmp_path / "my city 旧港")
    monkeypatch.chdir(tmp_path)
    track = "hazard.typhoon.track_file=my city 旧港/typhoon_track.csv"
    over = ["-p", "city.data_dir=my city 旧港", "-p", track]
    res = _cli("validate", EXAMPLE, *over)
    assert res.exit_code == 0 and res.output == f"{EXAMPLE}: OK\n", res.output
    res = _cli("run", EXAMPLE, *over, *SHORT, "-q", "--no-figures", "--out", "out")
    assert res.exit_code == 0, res.output
    resolved = read_yaml_file(tmp_path / "out" / "scenario.resolved.yaml")
    assert resolved["city"]["data_dir"] == str(tmp_path / "my city 旧港")
    # a path relative to the scenario file, given with -p, is looked for here, and named
    msg = _one_line(_cli("validate", EXAMPLE, "-p", "city.data_dir=../data/example-city"))
    assert f"file or folder not found: {tmp_path.parent / 'data' / 'example-city'}" in msg
    import typer.main

    from sim.scenario.paths import OVERRIDE_HELP, overrides_from_cwd

    commands = typer.main.get_command(app).commands
    p_options = [p for c in commands.values() for p in getattr(c, "params", []) if "-p" in p.opts]
    assert len(p_options) == 5  # run, validate, riskmap, criticality, app: --help says it
    assert all(p.help == OVERRIDE_HELP and p.callback is not None for p in p_options)
    assert "taken from the current folder" in OVERRIDE_HELP and overrides_from_cwd(None) is None


def test_overrides_keep_every_value_but_the_relative_paths_they_set(tmp_path):
    from sim.scenario.loader import apply_overrides
    from sim.scenario.paths import rebase_overrides

    given = [
        "time.duration_h=4",
        "city.data_dir=/abs/city",
        "hazard.typhoon.track_file=旧港 trk,[1].csv",  # written back quoted where YAML needs it
        "networks.imports=[{format: epanet, file: net.inp, layer: water}]",
        "hazard.storm_surge={defences_file: s.csv, tide_file: /abs/t.csv}",
        "name=file.csv",
        "no equals sign",
    ]
    got = rebase_overrides(given, tmp_path)
    assert [got[i] for i in (0, 1, 5, 6)] == [given[i] for i in (0, 1, 5, 6)]
    data = apply_overrides({}, got[:-1], "test")
    assert data["hazard"]["typhoon"]["track_file"] == str(tmp_path / "旧港 trk,[1].csv")
    assert data["networks"]["imports"][0] == {
        "format": "epanet", "file": str(tmp_path / "net.inp"), "layer": "water"
    }  # fmt: skip
    surge = data["hazard"]["storm_surge"]
    assert surge == {"defences_file": str(tmp_path / "s.csv"), "tide_file": "/abs/t.csv"}


def test_a_parents_paths_stay_its_own_when_a_child_in_another_folder_extends_it(tmp_path):
    """Only city.data_dir and the typhoon's two files of a parent were taken from the
    parent's folder: a child elsewhere lost the storm surge's tables ("not found:
    /tmp/data/shanghai/seawall.csv") and would have read a same-named file beside itself."""
    from sim.scenario import load_scenario

    parent = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {parent}\nname: child\n", encoding="utf-8")
    surge = load_scenario(child).hazard.storm_surge
    data = ROOT / "scenarios" / "data" / "shanghai"
    assert (surge.defences_file, surge.tide_file) == (
        data / "seawall.csv", data / "tide_levels.csv"
    )  # fmt: skip


def test_overrides_written_in_a_file_are_taken_from_that_files_folder(tmp_path):
    """A long run's shock overrides and a sweep spec's fixed values: the file's folder, not
    the folder of the emergency scenario they are applied to."""
    from sim.scenario.loader import read_with_extends
    from sim.studies.sweep.spec import parse_spec

    long_run = tmp_path / "lr.yaml"
    long_run.write_text(
        "kind: long_run\nname: x\nshocks:\n"
        f"  - {{name: s, at_utc: 2030-08-02T00:00:00Z, scenario: {EXAMPLE},\n"
        "     overrides: [city.data_dir=mycity, time.duration_h=4]}\n",
        encoding="utf-8",
    )
    shock = read_with_extends(long_run)["shocks"][0]
    assert shock["overrides"] == [f"city.data_dir={tmp_path / 'mycity'}", "time.duration_h=4"]
    spec = parse_spec(
        {
            "name": "s",
            "scenarios": [{"path": str(EXAMPLE), "fixed": {"city.data_dir": "b"}}],
            "fixed": {"city": {"data_dir": "a"}, "time.duration_h": 4},
        },
        "spec.yaml",
        tmp_path,
    )
    assert spec.fixed == {"city": {"data_dir": str(tmp_path / "a")}, "time.duration_h": 4}
    assert spec.scenarios[0].fixed == {"city.data_dir": str(tmp_path / "b")}


@pytest.mark.parametrize("how", ["plain", "-p", "extends"])
def test_a_value_nested_hundreds_deep_is_one_problem(tmp_path, how):
    """YAML lets a value nest 1,000 deep; copying it for the paths, -p or extends: recursed
    past Python's limit (a RecursionError traceback, on any scenario)."""
    text = EXAMPLE.read_text("utf-8").replace("../data/", f"{EXAMPLE_DATA.parent}/")
    deep = tmp_path / "deep.yaml"
    deep.write_text(text + f"\nobserved: {'[' * 990}{']' * 990}\n", encoding="utf-8")
    args = {"plain": [deep], "-p": [deep, "-p", "seed=3"], "extends": [tmp_path / "child.yaml"]}
    (tmp_path / "child.yaml").write_text(f"extends: {deep}\nseed: 4\n", encoding="utf-8")
    msg = _one_line(_cli("validate", *args[how]))
    if how == "plain":  # read whole; the schema names the field
        assert msg.startswith(f"{deep}: observed: Input should be a valid dictionary")
    else:  # merged by copying
        shown = deep if how == "-p" else tmp_path / "child.yaml"
        assert msg.startswith(f"{shown}: (file): values nested deeper than Python copies them")


def test_a_header_of_separators_alone_is_named_not_a_traceback(tmp_path):
    """A file holding ';' alone: the header search ran out of rows (StopIteration)."""
    from sim.core.text_input import InputFileError, read_csv_table

    path = tmp_path / "t.csv"
    for text in (";", ";\n;;\n1,5;\n"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputFileError, match="cells are separated by ';'"):
            read_csv_table(path)
