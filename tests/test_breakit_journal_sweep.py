"""Break-it findings of issue 16 on journals and sweeps (a fresh-clone session's inputs).

Journals: the alias cap counted every node (a plain 1.8 MB journal was an "alias bomb"), an
alias inside what it names hung the reader, and a journal of another scenario replayed without
a word. Sweeps: a worker's exception did not survive pickling (BrokenProcessPool, or its
message one character per line), ``sweep run`` skipped validate's data checks, a resume after
editing a scenario mixed two versions of it, status and resume disagreed on another sweep's
plan, and every write error got disk-full advice.

The sweep's fake one-run functions run in worker processes, which import this module: keep
its top-level imports light.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.core.yaml_input import MAX_EXPANDED_NODES, YamlInputError, load_yaml
from sim.interfaces.exercise.journal import Journal, JournalError
from sim.interfaces.exercise.session import ExerciseSession
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
SMALL = ROOT / "tests" / "data" / "small-lekima.yaml"
runner = CliRunner()

# 10 levels of 10: under 500 bytes that expand to 10^10 strings (the break-it session's was 474).
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


def _cli(*args):
    from sim.interfaces.cli.main import app  # here: sweep workers import this module

    return runner.invoke(app, [str(a) for a in args])


# ---------------------------------------------------------------------------- the alias cap
def _plain_journal(n: int) -> str:
    """A journal of ``n`` injects without an alias (13 YAML nodes each)."""
    names = ["Riverside", "Westhill", "Harbour", "Oldtown", "Northgate"]
    lines = ["journal: 1", "scenario: typhoon.yaml", "seed: 2030", "entries:"]
    lines += [
        f"- {{t_h: {i * 30 / n:.5f}, by: trainer, event: {{type: road_collapse, "
        f"district: {names[i % 5]}, count: {1 + i % 3}}}}}"
        for i in range(n)
    ]
    return "\n".join(lines) + "\n"


def test_a_plain_journal_over_the_node_cap_loads(tmp_path):
    """20,000 injects are 260,000 nodes, none reached through an alias: not a bomb."""
    text = _plain_journal(20_000)
    assert 13 * 20_000 > MAX_EXPANDED_NODES and "&" not in text
    path = tmp_path / "big.yaml"
    path.write_text(text)
    started = time.process_time()
    journal = Journal.load(path)
    assert len(journal.entries) == 20_000 and journal.entries[-1].event["district"] == "Northgate"
    # CPU seconds, not wall: a loaded machine must not fail it (0.8 s measured; the
    # pure-Python parser: 14 s)
    assert time.process_time() - started < 7.0


def test_the_474_byte_bomb_is_still_refused_at_once(tmp_path):
    assert len(BOMB) < 500
    started = time.perf_counter()
    with pytest.raises(YamlInputError, match="aliases expand to more than 200,000 nodes"):
        load_yaml(BOMB)
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    with pytest.raises(JournalError, match="alias bomb"):
        Journal.load(path)
    assert time.perf_counter() - started < 1.0


def test_only_nodes_reached_through_an_alias_count():
    """An anchored list of 1,000 nodes (999 scalars) named n more times adds n x 1,000."""
    anchored = "a: &a [" + ", ".join(["x"] * 999) + "]\n"
    fits = MAX_EXPANDED_NODES // 1_000
    assert len(load_yaml(anchored + f"b: [{', '.join(['*a'] * fits)}]\n")["b"]) == fits
    with pytest.raises(YamlInputError, match="alias bomb"):
        load_yaml(anchored + f"b: [{', '.join(['*a'] * (fits + 1))}]\n")
    # an anchor inside a list, named from a later one: every alias counts wherever it is
    nested = "r: [[&a [" + ", ".join(["x"] * 999) + "]], [" + ", ".join(["*a"] * (fits + 1))
    with pytest.raises(YamlInputError, match="alias bomb"):
        load_yaml(nested + "]]\n")
    # merge keys are aliases too: a base of 1,999 nodes merged 100 times fits, 101 not
    base = "base: &b {" + ", ".join(f"k{i}: {i}" for i in range(999)) + "}\nc:\n"
    assert len(load_yaml(base + "  - {<<: *b, own: 1}\n" * 100)["c"]) == 100
    with pytest.raises(YamlInputError, match="alias bomb"):
        load_yaml(base + "  - {<<: *b, own: 1}\n" * 101)


def test_an_alias_inside_what_it_names_is_refused_not_followed_for_ever():
    """`a: &a [*a]` composes to a cycle: the node counter looped, growing without bound."""
    started = time.perf_counter()
    for text in ("a: &a [*a, 1]\n", "x: 1\nm: &m {k: {deeper: *m}}\n"):
        with pytest.raises(YamlInputError, match="refers to the collection that holds it"):
            load_yaml(text)
    assert time.perf_counter() - started < 1.0


def test_a_syntax_error_at_the_end_of_the_text_is_placed_on_its_last_line():
    """libyaml puts the end of a text without a final line break on a line after it."""
    with pytest.raises(YamlInputError) as err:
        load_yaml("entries: [1, 2")
    assert err.value.where == "line 1, column 15"
    assert "did not find expected ',' or ']' (at the end of the text)" in err.value.message


# ---------------------------------------------------------------------------- journal's scenario
def _recorded(tmp_path, overrides=("time.duration_h=4",)) -> Path:
    """A journal recorded on the example city's typhoon with ``overrides``, as the app writes
    it (its overrides noted)."""
    session = ExerciseSession(load_scenario(EXAMPLE, list(overrides)))
    session.step(1)
    session.inject({"type": "road_collapse", "district": "Westhill", "count": 1})
    session.journal.overrides = list(overrides)
    path = tmp_path / "journal.yaml"
    session.journal.save(path)
    return path


def test_a_journal_records_its_scenario_city_and_content(tmp_path):
    journal = Journal.load(_recorded(tmp_path))
    assert journal.scenario_name == "example-city-typhoon" and journal.city == "Example City"
    assert len(journal.scenario_hash) == 16
    res = _cli("validate", EXAMPLE, "--journal", tmp_path / "journal.yaml")
    assert res.exit_code == 0 and "warning" not in res.output  # the same scenario: no word


def test_another_scenario_of_the_city_is_a_warning_naming_both(tmp_path):
    path = _recorded(tmp_path)
    other = tmp_path / "other-storm.yaml"
    other.write_text(f"extends: {EXAMPLE}\nname: other-storm\n")
    for command in (["validate"], ["run", "--out", tmp_path / "run", "-q", "--no-figures"]):
        res = _cli(*command, other, "--journal", path)
        assert res.exit_code == 0, res.output
        assert (
            f"warning: {path}: recorded on scenario 'example-city-typhoon', replayed on "
            "'other-storm': outcomes will differ from the recorded exercise"
        ) in " ".join(res.output.split())


def test_an_edited_scenario_is_a_warning_with_both_hashes(tmp_path):
    path = _recorded(tmp_path)
    recorded = Journal.load(path).scenario_hash
    res = _cli("validate", EXAMPLE, "--journal", path, "-p", "networks.resolution=0.25")
    out = " ".join(res.output.split())
    assert res.exit_code == 0
    assert f"warning: {path}: scenario 'example-city-typhoon' is not the one the journal was " in (
        out
    )
    assert f"(hash {recorded}, now " in out


def test_a_journal_of_another_city_is_refused_naming_both(tmp_path):
    path = _recorded(tmp_path)
    checked = _cli("validate", SMALL, "--journal", path)
    ran = _cli("run", SMALL, "--journal", path, "--out", tmp_path / "run", "-q", "--no-figures")
    want = (
        f"{path}: city: recorded on scenario 'example-city-typhoon' of the city 'Example City'; "
        "this is scenario 'small-lekima' of "
    )
    for res in (checked, ran):
        assert res.exit_code == 2 and want in " ".join(res.output.split())
    assert ran.output == checked.output and not (tmp_path / "run").exists()


def test_the_app_warns_and_refuses_as_the_cli_does(tmp_path):
    pytest.importorskip("solara")
    from sim.interfaces.app.adapter import AppInputError, SessionController

    path = _recorded(tmp_path)
    other = load_scenario(EXAMPLE, ["name=other-storm", "time.duration_h=4"])
    ctrl = SessionController(other, scenario_path=EXAMPLE, overrides=["time.duration_h=4"])
    assert ctrl.load_journal_text(path.read_text(), "j.yaml") == 1
    assert any("recorded on scenario 'example-city-typhoon', replayed on 'other-storm'" in n
               for n in ctrl.notes)  # fmt: skip
    city = SessionController(load_scenario(SMALL, ["time.duration_h=3"]))
    with pytest.raises(AppInputError, match="recorded on scenario 'example-city-typhoon' of"):
        city.load_journal_text(path.read_text(), "j.yaml")


def test_an_old_journal_is_compared_by_its_scenario_text(tmp_path):
    """Journals written before the recorded fields name their scenario by file or name."""
    path = tmp_path / "old.yaml"
    entry = "entries:\n  - {t_h: 1, event: {type: road_collapse, district: Westhill}}\n"
    path.write_text(f"scenario: scenarios/example-city/typhoon.yaml\n{entry}")
    assert "warning" not in _cli("validate", EXAMPLE, "--journal", path).output
    path.write_text(f"scenario: lekima-2019\n{entry}")
    res = _cli("validate", EXAMPLE, "--journal", path)
    assert res.exit_code == 0
    assert "recorded on scenario 'lekima-2019', replayed on 'example-city-typhoon'" in res.output


# ---------------------------------------------------------------------------- sweeps: exceptions
def _sim_exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in a module under sim/: the modules whose source
    defines a class are imported (those whose optional dependency is missing are skipped)."""
    import importlib
    import inspect
    import re

    found: dict[str, type[BaseException]] = {}
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if not re.search(r"^class \w+\(", path.read_text(encoding="utf-8"), re.M):
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _sample_args(cls: type[BaseException]) -> list:
    """Positional arguments of the kinds ``cls.__init__`` takes, by annotation."""
    import inspect

    from sim.scenario.loader import Problem

    if not inspect.isfunction(cls.__init__):  # the built-in exception's: a message
        return ["what went wrong"]
    args = []
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if param.default is not inspect.Parameter.empty or param.kind not in (
            param.POSITIONAL_ONLY,
            param.POSITIONAL_OR_KEYWORD,
        ):
            continue
        kind = str(param.annotation)
        if "list" in kind:
            args.append([Problem("f.yaml", "a.b", "expected x"), Problem("f.yaml", "c", "y")])
        elif "dict" in kind:
            args.append({"teams_scale": 0.5})
        elif "int" in kind:
            args.append(7)
        else:
            args.append(f"{param.name} text")
    return args


def test_every_exception_class_of_sim_survives_pickling():
    """A worker's exception reaches the sweep pickled: InputFileError (two arguments) did not
    unpickle (BrokenProcessPool), ScenarioError came back one character per line."""
    import pickle

    classes = _sim_exception_classes()
    names = {c.__name__ for c in classes}
    assert {"InputFileError", "ScenarioError", "SpecError", "JournalError", "CityDataError"} <= (
        names
    )
    for cls in classes:
        exc = cls(*_sample_args(cls))
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is cls and str(again) == str(exc), cls
        assert again.args == exc.args and vars(again) == vars(exc), cls


def _spec(tmp_path, **over):
    from sim.studies.sweep.spec import parse_spec

    data = {
        "name": "tiny",
        "scenarios": [{"path": str(EXAMPLE), "label": "example"}],
        "fixed": {"time.duration_h": 2},
        "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 2.0]}},
        "replications": 1,
        "seed": 7,
        "max_attempts": 1,
        **over,
    }
    return parse_spec(data, str(tmp_path / "spec.yaml"), tmp_path)


def _fake_row(spec, run, run_dir=None) -> dict:
    return {
        "run_id": run.run_id,
        "scenario": run.scenario,
        "point": run.point,
        "replication": run.replication,
        "seed": run.seed,
        "scenario_hash": f"h{run.point}",
        **run.params,
        "deaths": run.point,
    }


def _raising_row(spec, run, run_dir=None) -> dict:
    """Point 0 raises InputFileError (two arguments), point 1 a ScenarioError of two problems."""
    from sim.core.text_input import InputFileError
    from sim.scenario.loader import Problem, ScenarioError

    if run.point == 0:
        raise InputFileError("districts.csv", "not UTF-8 text (byte 65)")
    raise ScenarioError([Problem("s.yaml", "time.duration_h", "must be > 0"),
                         Problem("s.yaml", "seed", "expected an integer")])  # fmt: skip


def test_a_workers_exception_reaches_the_failure_log_and_status_whole(tmp_path):
    from sim.interfaces.cli.sweep import sweep_app
    from sim.studies.sweep.design import expand
    from sim.studies.sweep.executor import run_sweep
    from sim.studies.sweep.store import read_jsonl

    spec = _spec(tmp_path)
    out = run_sweep(spec, expand(spec), tmp_path / "o", workers=2, run_fn=_raising_row)
    assert sorted(out.failed) == ["example-p000-r00", "example-p001-r00"]
    errors = {
        f["run_id"]: (f["kind"], f["error"]) for f in read_jsonl(tmp_path / "o" / "failures.jsonl")
    }
    assert errors == {
        "example-p000-r00": (
            "exception",
            "InputFileError: districts.csv: not UTF-8 text (byte 65)",
        ),
        "example-p001-r00": (
            "exception",
            "ScenarioError: s.yaml: time.duration_h: must be > 0\n"
            "s.yaml: seed: expected an integer",
        ),
    }
    status = runner.invoke(sweep_app, ["status", str(tmp_path / "o")])
    assert status.exit_code == 0
    assert (
        "  failed example-p001-r00: ScenarioError: s.yaml: time.duration_h: must be > 0\n"
        "    s.yaml: seed: expected an integer\n"
    ) in status.output


# ---------------------------------------------------------------------------- sweeps: the folder
def _write_spec(tmp_path, **over) -> Path:
    from sim.core.yaml_input import dump_yaml

    data = {
        "name": "tiny",
        "scenarios": [{"path": str(over.pop("scenario", EXAMPLE)), "label": "example"}],
        "fixed": {"time.duration_h": 2},
        "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 2.0]}},
        "replications": 1,
        "seed": 7,
        **over,
    }
    path = tmp_path / "spec.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def _sweep(monkeypatch, *args, run_fn=_fake_row):
    """``citysafe sweep ARGS`` with ``run_fn`` in place of the model."""
    import functools

    import sim.interfaces.cli.sweep as sweep_cli
    from sim.studies.sweep.executor import run_sweep

    monkeypatch.setattr(sweep_cli, "run_sweep", functools.partial(run_sweep, run_fn=run_fn))
    return runner.invoke(sweep_cli.sweep_app, [str(a) for a in args])


def test_sweep_run_refuses_what_validate_refuses_before_any_run(tmp_path, monkeypatch):
    """A point whose window misses the storm's track: validate refuses it; sweep run ran it."""
    late = "2031-08-02T00:00:00Z"
    space = {"kind": "grid", "parameters": {"time.start_utc": ["2030-08-02T00:00:00Z", late]}}
    spec, out = _write_spec(tmp_path, space=space), tmp_path / "o"
    checked = _cli("validate", EXAMPLE, "-p", "time.duration_h=2", "-p", f"time.start_utc={late}")
    assert checked.exit_code == 2
    res = _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q")
    assert res.exit_code == 2 and not out.exists()
    want = f"{spec}: scenarios[example] point 1: " + checked.output.strip()
    assert " ".join(res.output.split()) == " ".join(want.split())


def test_large_plans_are_checked_at_the_points_that_bound_them():
    from sim.studies.sweep.checks import MAX_CHECKED_POINTS, check_points
    from sim.studies.sweep.design import RunRecord

    runs = [
        RunRecord(f"s-p{i:03d}-r{r}", "s", "s.yaml", i, r, r,
                  {"a": (i * 37) % 101, "b": -i, "mode": ["x", "y", "z"][i % 3]}, ())
        for i in range(120) for r in range(2)
    ]  # fmt: skip
    assert len(check_points(runs[: 2 * MAX_CHECKED_POINTS])) == MAX_CHECKED_POINTS  # all
    picked = sorted(r.point for r in check_points(runs))
    lowest_a = min(range(120), key=lambda i: (i * 37) % 101)
    highest_a = max(range(120), key=lambda i: (i * 37) % 101)
    assert picked == sorted({0, lowest_a, highest_a, 119, 1, 2})  # b: 0 and 119; mode: 0, 1, 2


def test_resume_refuses_a_scenario_edited_since_the_sweep_started(tmp_path, monkeypatch):
    scenario = tmp_path / "storm.yaml"
    scenario.write_text(f"extends: {EXAMPLE}\nname: storm\n")
    spec, out = _write_spec(tmp_path, scenario=scenario), tmp_path / "o"
    assert _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q").exit_code == 0
    (out / "runs" / "example-p001-r00.parquet").unlink()  # one run left to do
    scenario.write_text(f"extends: {EXAMPLE}\nname: storm\nnetworks: {{resolution: 0.25}}\n")
    res = _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q", "--resume")
    assert res.exit_code == 2
    assert " ".join(res.output.split()) == (
        f"{out}: scenario 'example' ({scenario}) changed since the sweep started: "
        "networks.resolution: 0.5 -> 0.25; its finished and new runs would simulate different "
        "scenarios. Restore the file to resume, or start the sweep again in another --out"
    )
    assert not (out / "runs" / "example-p001-r00.parquet").exists()
    scenario.write_text(f"extends: {EXAMPLE}\nname: storm\n")  # restored: resumes
    res = _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q", "--resume")
    assert res.exit_code == 0 and "2/2 runs done (1 now, 1 before)" in res.output


def test_status_and_resume_agree_on_a_plan_of_another_sweep(tmp_path, monkeypatch):
    ours, out = _write_spec(tmp_path), tmp_path / "o"
    (tmp_path / "b").mkdir()
    theirs, other = _write_spec(tmp_path / "b", replications=2, seed=9), tmp_path / "other"
    assert _sweep(monkeypatch, ours, "-w", "1", "--out", out, "-q").exit_code == 0
    assert _sweep(monkeypatch, theirs, "-w", "1", "--out", other, "-q").exit_code == 0
    (out / "plan.parquet").write_bytes((other / "plan.parquet").read_bytes())
    status = _sweep(monkeypatch, "status", out)
    assert status.exit_code == 2 and "corrupt" not in status.output
    assert f"{out}/plan.parquet: (file): the plan of another sweep (it was written with " in (
        status.output
    )
    assert "run the sweep again with its spec and --resume to rebuild it" in status.output
    res = _sweep(monkeypatch, ours, "-w", "1", "--out", out, "-q", "--resume")
    assert res.exit_code == 0 and "2/2 runs done (0 now, 2 before)" in res.output
    assert f"repaired: {out}/plan.parquet: (file): the plan of another sweep (4 runs)" in (
        res.output
    )
    assert "2/2 runs done (100%), complete" in _sweep(monkeypatch, "status", out).output


def test_a_folder_in_the_way_is_not_a_full_disk(tmp_path, monkeypatch):
    import errno

    from sim.studies.sweep.files import remedy, write_failure

    spec, out = _write_spec(tmp_path), tmp_path / "o"
    assert _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q").exit_code == 0
    (out / "manifest.jsonl").unlink()
    (out / "manifest.jsonl").mkdir()
    res = _sweep(monkeypatch, spec, "-w", "1", "--out", out, "-q", "--resume")
    assert res.exit_code == 2 and "make room" not in res.output
    assert res.output.strip() == (
        f"{out}: cannot write manifest.jsonl: is a folder, not a file; finished runs are kept "
        "(nothing is half-written): move that folder out of the way, then continue with --resume"
    )
    status = _sweep(monkeypatch, "status", out)
    assert status.exit_code == 2 and status.output.strip() == (
        f"{out}: cannot read manifest.jsonl: is a folder, not a file; move that folder out of "
        "the way"
    )
    for code, what, todo in [
        (errno.ENOSPC, "no space left on the device", "make room"),
        (errno.EACCES, "Permission denied", "give yourself write access to the folder"),
        (errno.EROFS, "Read-only file system", "write to another --out"),
        (errno.ENOTDIR, "a file stands where a folder should be", "move that file out"),
    ]:
        exc = OSError(code, os.strerror(code), str(out / "runs" / "x.parquet"))
        assert write_failure(exc, out) == f"{out}: cannot write runs/x.parquet: {what}"
        assert remedy(exc).startswith(todo)
