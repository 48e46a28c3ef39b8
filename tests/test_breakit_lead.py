"""Network import files are bounded in size before they are read (issue 16)."""

from __future__ import annotations

import pytest

from sim.networks import import_files
from sim.networks.errors import NetworkImportError
from sim.networks.importers import read_graphml, read_osm


def _sparse(path, n_bytes: int):
    """A file of `n_bytes` bytes that takes no disk space (a hole)."""
    with open(path, "wb") as f:
        f.truncate(n_bytes)
    return path


@pytest.mark.parametrize("reader", [read_osm, lambda path: read_graphml(path, "roads")])
def test_network_file_over_the_memory_bound_is_refused_before_reading(tmp_path, reader):
    big = _sparse(tmp_path / "country.osm", import_files.MAX_FILE_BYTES + 1)
    with pytest.raises(NetworkImportError) as err:
        reader(big)
    text = str(err.value)
    assert str(big) in text and f"{import_files.MAX_FILE_BYTES + 1:,} bytes" in text
    assert "clip it to the city" in text


def test_file_at_the_bound_is_read(tmp_path):
    path = _sparse(tmp_path / "edge.osm", 4096)
    assert len(import_files.read_bytes(path, 16)) == 16
    path.write_bytes(b"x" * 10)
    old = import_files.MAX_FILE_BYTES
    try:
        import_files.MAX_FILE_BYTES = 10
        assert import_files.read_bytes(path) == b"x" * 10
        import_files.MAX_FILE_BYTES = 9
        with pytest.raises(NetworkImportError, match="at most 9 bytes are read"):
            import_files.read_bytes(path)
    finally:
        import_files.MAX_FILE_BYTES = old


def test_session_refuses_a_journal_entry_past_the_horizon_as_the_cli_does():
    """A journal handed to ExerciseSession in code is checked as `run --journal` checks it: an
    inject at or past the horizon would never apply, so it is refused, not dropped."""
    from pathlib import Path

    from sim.interfaces.exercise.journal import Journal, JournalEntry
    from sim.interfaces.exercise.session import ExerciseSession
    from sim.models.event_effects import InjectError
    from sim.scenario import load_scenario

    small = Path(__file__).parent / "data" / "small-lekima.yaml"
    scen = load_scenario(small, ["networks.resolution=0.05", "time.duration_h=3"])
    fire = {"type": "chemical_fire", "district": "Baoshan"}
    ok = Journal(entries=[JournalEntry(1.0, fire, "t")])
    assert len(ExerciseSession(scen, ok).journal.entries) == 1
    late = Journal(entries=[JournalEntry(1.0, fire, "t"), JournalEntry(3.0, fire, "t")])
    with pytest.raises(InjectError, match=r"entries\[1\]\.t_h: 3 h is not before"):
        ExerciseSession(scen, late)
    with pytest.raises(InjectError, match="did you mean"):
        ExerciseSession(scen, Journal(entries=[JournalEntry(1.0, {**fire, "district": "Baoshn"})]))


def test_unfinished_ensemble_of_another_scenario_is_refused_not_discarded(tmp_path):
    """`run --replications` into a folder whose staging holds another scenario's replications
    refused (exit 2, naming the way out), not cleared silently; the same scenario resumes, and
    --overwrite discards it."""
    import shutil
    from pathlib import Path

    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app
    from sim.results.staging import staging_path

    example = Path(__file__).resolve().parents[1] / "scenarios/example-city/typhoon.yaml"
    out = tmp_path / "ens"
    args = ["run", str(example), "--replications", "2", "--workers", "1", "-q", "--out", str(out)]
    runner = CliRunner()
    assert runner.invoke(app, args).exit_code == 0
    partial = staging_path(out)
    shutil.move(out, partial)  # as if interrupted after its replications, before publishing
    before = sorted(p.relative_to(partial) for p in partial.rglob("*"))
    other = runner.invoke(app, [*args, "-p", "seed=7"])
    assert other.exit_code == 2 and "Traceback" not in other.output
    assert "unfinished work of another scenario" in other.output and "--overwrite" in other.output
    assert sorted(p.relative_to(partial) for p in partial.rglob("*")) == before  # nothing lost
    assert runner.invoke(app, args).exit_code == 0 and not partial.exists()  # resumed
    shutil.move(out, partial)
    discard = runner.invoke(app, [*args, "-p", "seed=7", "--overwrite"])
    assert discard.exit_code == 0, discard.output
    assert "seed: 7" in (out / "scenario.resolved.yaml").read_text()


# ---------------------------------------------------------------------------------------------
# Devices, named pipes and sockets never end: every reader refuses them before reading
# ---------------------------------------------------------------------------------------------
def _not_regular(tmp_path):
    """A character device that never ends and a named pipe with no writer."""
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    return ["/dev/zero", str(fifo)]


@pytest.fixture
def alarm():
    """Fail, not hang, if a read does not return (SIGALRM after 20 s)."""
    import signal

    def _timeout(*_):
        raise TimeoutError("the read did not return: it would hang")

    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_every_reader_refuses_a_device_or_a_pipe_before_reading(tmp_path, alarm):
    from sim.core.file_digests import file_digest
    from sim.core.text_input import InputFileError, read_csv_table, read_text
    from sim.core.yaml_input import YamlInputError, read_yaml_file

    for path in _not_regular(tmp_path):
        with pytest.raises(InputFileError, match="is not a regular file"):
            read_text(path, 1000)
        with pytest.raises(InputFileError, match="is not a regular file"):
            read_csv_table(path)
        with pytest.raises(YamlInputError, match="is not a regular file"):
            read_yaml_file(path)
        with pytest.raises(NetworkImportError, match=f"{path}: is not a regular file"):
            import_files.read_bytes(path)
        assert file_digest(path) == {"unreadable": "not a regular file (a device, a named pipe "
                                                  "or a socket)"}  # fmt: skip


def test_cli_refuses_dev_zero_as_scenario_journal_and_spec(tmp_path):
    """Each ran for ever, memory growing past 3 GB (fresh-clone break-it)."""
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "scenarios/example-city/typhoon.yaml"
    cli = [sys.executable, "-c", "from sim.interfaces.cli.main import app; app()"]
    for args in (
        ["validate", "/dev/zero"],
        ["run", str(example), "--journal", "/dev/zero", "--out", str(tmp_path / "j")],
        ["sweep", "run", "/dev/zero", "--out", str(tmp_path / "s")],
    ):
        done = subprocess.run([*cli, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (args, done.stderr)
        assert "/dev/zero: (file): is not a regular file" in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


def test_a_boolean_is_not_taken_for_a_number(tmp_path):
    """Pydantic's lax mode read `true` as 1: `seed: true` ran as seed 1 and
    `-p time.duration_h=true` as a 1-hour run, with no word (fresh-clone break-it)."""
    from pathlib import Path

    from sim.scenario import ScenarioError, load_scenario

    example = Path(__file__).resolve().parents[1] / "scenarios/example-city/typhoon.yaml"
    for override, field in (("seed=true", "seed"), ("time.duration_h=true", "time.duration_h")):
        with pytest.raises(ScenarioError) as err:
            load_scenario(example, [override])
        assert f"{field}: expected a number, got the boolean true" in str(err.value)
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {example}\nseed: false\nnetworks: {{resolution: true}}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    text = str(err.value)
    assert "seed: expected a number, got the boolean false" in text
    assert "networks.resolution: expected a number, got the boolean true" in text
    assert load_scenario(example, ["seed=7"]).seed == 7  # numbers still are numbers


def test_districts_linked_to_no_other_are_warned_of_once(tmp_path):
    """links.csv cut to its header ran silently with every district alone (mean response time
    553 -> 116 min in the example city); a district left out of it, too."""
    import shutil
    import warnings
    from pathlib import Path

    from sim.city import load_city
    from sim.core.errors import InputDataWarning

    data = Path(__file__).resolve().parents[1] / "scenarios/data/example-city"
    city = tmp_path / "city"
    shutil.copytree(data, city)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        load_city(city)
    assert not [w for w in seen if "no link to any other" in str(w.message)]  # shipped: none
    lines = (city / "links.csv").read_text().splitlines()
    kept = [lines[0], *(ln for ln in lines[1:] if "Saltmarsh" not in ln)]
    (city / "links.csv").write_text("\n".join(kept) + "\n")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        load_city(city)
    found = [str(w.message) for w in seen if issubclass(w.category, InputDataWarning)]
    alone = [m for m in found if "no link to any other" in m]
    assert len(alone) == 1 and "1 of 5 districts" in alone[0] and "(Saltmarsh)" in alone[0]
    assert str(city / "links.csv") in alone[0]


def test_a_district_given_by_its_chinese_name_is_told_its_english_one():
    """A journal or scenario naming 河畔区 got 'unknown district' and no list (break-it)."""
    from pathlib import Path

    from sim.scenario import ScenarioError, load_scenario
    from sim.scenario.suggest import district_hint

    en, zh = ["Old Harbour", "Riverside"], ["旧港区", "河畔区"]
    assert district_hint("河畔区", en, zh) == (
        "; it is the Chinese name (name_zh) of 'Riverside': give its name_en"
    )
    assert district_hint("Rivrside", en, zh) == "; did you mean 'Riverside'?"
    assert district_hint("Qwzzx", en, zh) == "; valid: Old Harbour, Riverside"
    many = [f"D{i:02d}" for i in range(25)]
    assert district_hint("zzzz", many).endswith("D19 and 5 more")
    example = Path(__file__).resolve().parents[1] / "scenarios/example-city/typhoon.yaml"
    with pytest.raises(ScenarioError, match="name_zh\\) of 'Riverside'"):
        load_scenario(example, ["logistics.preposition_districts=[河畔区]"])


def test_an_empty_path_is_refused_not_taken_for_the_current_folder(tmp_path):
    """`-p city.data_dir=` looked for the city in the folder the command was typed in."""
    from pathlib import Path

    from sim.scenario import ScenarioError, load_scenario

    example = Path(__file__).resolve().parents[1] / "scenarios/example-city/typhoon.yaml"
    for override in ("city.data_dir=", "hazard.typhoon.track_file=' '"):
        with pytest.raises(ScenarioError, match="an empty path: give a file or folder"):
            load_scenario(example, [override])
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {example}\ncity: {{data_dir: ''}}\n")
    with pytest.raises(ScenarioError, match="city.data_dir: an empty path"):
        load_scenario(child)


def test_storm_new_names_its_output_yaml(tmp_path):
    """`storm new --out s4.csv` wrote a YAML scenario under a table's name."""
    from sim.interfaces.storm_scenario import StormScenarioError, check_output

    with pytest.raises(StormScenarioError, match="a scenario is YAML: name it .yaml"):
        check_output(tmp_path / "s4.csv", {})
    assert check_output(tmp_path / "s4.YML", {}) == tmp_path / "s4.YML"


def test_extends_of_a_device_says_so(tmp_path):
    from sim.scenario import ScenarioError, load_scenario

    child = tmp_path / "child.yaml"
    child.write_text("extends: /dev/zero\nname: x\n")
    with pytest.raises(ScenarioError, match="parent scenario is not a regular file"):
        load_scenario(child)
