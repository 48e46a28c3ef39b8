"""Break-it findings of ``citysafe storm new`` (sim/interfaces/storm_scenario.py): nothing lost,
the same files accepted as a run, one clear line instead of a traceback or a wrong file.

- Its output is never one of its inputs nor inside the city's data folder, and ``--force``
  replaces only a file storm new wrote and no one has edited since (its first line marks it);
  the write is atomic.
- The track is read as the run reads it (``sim.core.text_input``): a BOM or UTF-16 track that
  the run accepts is accepted, a GBK one is refused with the run reader's own message.
- Found by trying it as a user would: a one-record track (a traceback), a CMA selection that
  several storms answer to (the first taken silently, by ``run`` too), a wind-radii table the
  run refuses (written anyway), a file name holding a YAML line break (a scenario that did not
  parse), the reader's warnings printed as Python warnings with source lines.

All on the example city (about 0.5 s a command).
"""

from __future__ import annotations

import codecs
import errno
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.hazards.approach import track_pass
from sim.hazards.errors import StormNotFoundError
from sim.hazards.track import Track, format_cma_bst_block, read_cma_bst, read_track_csv
from sim.interfaces import storm_scenario
from sim.interfaces.cli.main import app
from sim.interfaces.storm_scenario import MARK, storm_new_file
from sim.scenario import load_scenario
from sim.studies.sweep import files

ROOT = Path(__file__).resolve().parents[1]
CITY_SRC = ROOT / "scenarios/data/example-city"
TRACK_SRC = CITY_SRC / "typhoon_track.csv"
runner = CliRunner()


def _new(*args: str | Path):
    return runner.invoke(app, ["storm", "new", *map(str, args)])


def _one_clear_line(res, *fragments: str) -> str:
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert isinstance(res.exception, SystemExit), res.exception  # not a crash
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of the example city (``city/``) and its track (``track.csv``)."""
    (tmp_path / "city").mkdir()
    for src in CITY_SRC.iterdir():
        if src.is_file():
            (tmp_path / "city" / src.name).write_bytes(src.read_bytes())
    (tmp_path / "track.csv").write_bytes(TRACK_SRC.read_bytes())
    return tmp_path


def _storm_new(work: Path, out: Path | str, *more: str | Path, track: Path | None = None):
    track = track or work / "track.csv"
    return _new("--track", track, "--city", work / "city", "--out", out, *more)


# --- 1. nothing lost: the output is never an input, --force replaces only storm new's own file


def test_out_that_is_the_track_is_refused_even_with_force(work):
    before = (work / "track.csv").read_bytes()
    res = _storm_new(work, work / "track.csv", "--force")
    _one_clear_line(res, str(work / "track.csv"), "--track", "inputs")
    assert (work / "track.csv").read_bytes() == before
    # a hard link to it is the same file
    os.link(work / "track.csv", work / "hard.yaml")
    _one_clear_line(_storm_new(work, work / "hard.yaml", "--force"), "--track")
    assert (work / "track.csv").read_bytes() == before


def test_out_that_is_another_input_is_refused(work):
    obs = work / "obs.yaml"
    obs.write_text("trees_down: {value: 3, source: x}\n")
    res = _storm_new(work, obs, "--observed", obs, "--force")
    _one_clear_line(res, "--observed")
    assert obs.read_text() == "trees_down: {value: 3, source: x}\n"


def test_out_inside_the_city_data_folder_is_refused(work):
    city = work / "city"
    before = {p.name: p.read_bytes() for p in city.iterdir()}
    for out in (city / "districts.csv", city / "new.yaml", city / "sub" / "storm.yaml"):
        res = _storm_new(work, out, "--force")
        _one_clear_line(res, str(out), "inside the city's data folder")
    assert {p.name: p.read_bytes() for p in city.iterdir()} == before  # nothing added


def test_a_users_file_is_not_replaced_even_with_force(work):
    mine = work / "storm.yaml"
    mine.write_text("name: my-own-scenario\n")
    for force in ((), ("--force",)):
        res = _storm_new(work, mine, *force)
        _one_clear_line(res, str(mine), "not written by citysafe storm new", "even with --force")
    assert mine.read_text() == "name: my-own-scenario\n"


def test_an_older_versions_output_without_the_mark_is_not_replaced(work):
    """storm new's output before the mark: its header says "made by" but cannot be told from
    a user's edited copy, as staging treats a run folder without its marker."""
    old = work / "old.yaml"
    old.write_text(
        "# Storm x: made by `citysafe storm new` (sim/interfaces/storm_scenario.py).\nname: x\n"
    )
    _one_clear_line(_storm_new(work, old, "--force"), "not written by citysafe storm new")
    assert old.read_text().endswith("name: x\n")


def test_own_file_is_replaced_with_force_only_while_unedited(work):
    out = work / "scen" / "storm.yaml"
    assert _storm_new(work, out).exit_code == 0
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"{MARK} ") and " sha256:" in first
    assert storm_new_file(out) == "ours"
    _one_clear_line(_storm_new(work, out), "storm new wrote", "--force")
    res = _storm_new(work, out, "--force", "--seed", "7")
    assert res.exit_code == 0, res.output
    assert yaml.safe_load(out.read_text())["seed"] == 7
    with out.open("a", encoding="utf-8") as handle:
        handle.write("# my note\n")
    edited = out.read_text()
    assert storm_new_file(out) == "edited"
    _one_clear_line(_storm_new(work, out, "--force"), "edited since", "even with --force")
    assert out.read_text() == edited


def test_a_folder_and_a_symbolic_link_are_refused(work):
    _one_clear_line(_storm_new(work, work / "city"), "is a folder")
    (work / "link.yaml").symlink_to(work / "track.csv")
    _one_clear_line(_storm_new(work, work / "link.yaml", "--force"), "symbolic link")
    assert (work / "track.csv").read_bytes() == TRACK_SRC.read_bytes()


def test_a_full_disk_leaves_the_file_as_it_was_and_no_temporary(work, monkeypatch):
    out = work / "storm.yaml"
    assert _storm_new(work, out).exit_code == 0
    before = out.read_bytes()

    def full(fd, data):
        os.write(fd, data[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files, "_write_all", full)
    res = _storm_new(work, out, "--force", "--seed", "7")
    _one_clear_line(res, str(out), "cannot write the scenario here", "make room")
    assert out.read_bytes() == before
    assert files.stale_temporaries(work) == []


def test_a_read_only_folder_is_one_line(work, monkeypatch):
    def refused(path, data):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(storm_scenario, "atomic_write_bytes", refused)
    res = _storm_new(work, work / "ro" / "storm.yaml")
    _one_clear_line(res, "cannot write the scenario here", "write access")


def test_a_missing_folder_is_made_and_names_may_hold_spaces_and_chinese(work):
    track = work / "台风 路径.csv"
    track.write_bytes(TRACK_SRC.read_bytes())
    out = work / "我的 场景" / "sub dir" / "台风 x.yaml"
    res = _storm_new(work, out, track=track)
    assert res.exit_code == 0, res.output
    scen = load_scenario(out)
    assert scen.hazard.typhoon.track_file == track.resolve()
    assert scen.name == "storm-2030"  # no ASCII letter in the file name: a neutral name
    res = _storm_new(work, work / "x.yaml", "--name", "台风 利奇马", track=track)
    _one_clear_line(res, "--name '台风 利奇马'", "letters")


def test_a_line_break_in_a_file_name_stays_inside_the_header_comment(work):
    """U+2028 ends a line for YAML: in the "Track:" comment it began a mapping key."""
    track = work / "a\u2028name: evil.csv"
    track.write_bytes(TRACK_SRC.read_bytes())
    out = work / "storm.yaml"
    assert _storm_new(work, out, track=track).exit_code == 0
    assert load_scenario(out).hazard.typhoon.track_file == track.resolve()
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


# --- 2. the track read as the run reads it: the same verdict, the same message ---------------


def _cma_text() -> str:
    track = read_track_csv(TRACK_SRC, "EXAMPLE")
    return format_cma_bst_block(track, 3001, "利奇马台风")  # a Chinese name: GBK detectable


ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 with BOM": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16 with BOM": lambda t: t.encode("utf-16"),
    "utf-16-be with BOM": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16-le without BOM": lambda t: t.encode("utf-16-le"),
    "gbk": lambda t: t.encode("gbk"),
}


@pytest.mark.parametrize("fmt", ["csv", "cma_bst"])
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_storm_new_and_the_runs_reader_give_the_same_verdict(work, fmt, encoding):
    if fmt == "csv":
        text = TRACK_SRC.read_text(encoding="utf-8").replace("fictional track", "虚构的台风路径")
        path, select = work / "track_in.csv", ()
    else:
        text, path, select = _cma_text(), work / "CH2030BST.txt", ("--storm", "3001")
    path.write_bytes(ENCODINGS[encoding](text))
    try:
        if fmt == "csv":
            read_track_csv(path, agency="EXAMPLE")
        else:
            read_cma_bst(path, 3001)
    except ValueError as exc:
        run_says = str(exc)
    else:
        run_says = None
    res = _storm_new(work, work / "out.yaml", *select, track=path)
    if run_says is None:
        assert res.exit_code == 0, (encoding, res.output)
        assert encoding in ("utf-8", "utf-8 with BOM", "utf-16 with BOM", "utf-16-be with BOM")
    else:
        assert _one_clear_line(res) == run_says
        assert encoding in ("utf-16-le without BOM", "gbk")
        assert ("GB18030" if encoding == "gbk" else "without a byte-order mark") in run_says


# --- 3. tried as a user would -----------------------------------------------------------------


def _one_record(work: Path) -> Path:
    one = work / "one.csv"
    one.write_text("".join(TRACK_SRC.read_text().splitlines(keepends=True)[:2]))
    return one


def test_the_pass_of_a_one_record_track_is_its_record(work):
    """track_pass joined an empty float array to a datetime64: a DTypePromotionError."""
    track = read_track_csv(_one_record(work), "EXAMPLE")
    assert isinstance(track, Track) and len(track) == 1
    assert track_pass(track, 118.0, 22.4, 800.0).closest_utc == track.start_utc


def test_a_one_record_track_is_one_line_not_a_traceback(work):
    res = _storm_new(work, work / "x.yaml", track=_one_record(work))
    _one_clear_line(res, "1 record", "at least 2")


def test_a_cma_selection_several_storms_answer_to_is_refused_by_both(work):
    """Real CMA files number every tropical depression 0000 and name it (nameless): taking
    the first one silently could run another storm than the one meant."""
    track = read_track_csv(TRACK_SRC, "EXAMPLE")
    nameless = format_cma_bst_block(track, 0, "(nameless)")
    path = work / "CH2030BST.txt"
    path.write_text(nameless + format_cma_bst_block(track, 3001, "ALPHA") + nameless)
    for storm in ("0", "(nameless)"):
        res = _storm_new(work, work / "x.yaml", "--storm", storm, track=path)
        line = _one_clear_line(res, "matches 2 storms", "line 1:", "a file of its own")
        with pytest.raises(StormNotFoundError) as caught:
            read_cma_bst(path, storm)  # the run's reader: the same refusal
        assert str(caught.value) == line
    assert _storm_new(work, work / "x.yaml", "--storm", "alpha", track=path).exit_code == 0


def test_what_validate_refuses_is_not_written(work):
    """A wind-radii table the run cannot read: storm new wrote the scenario anyway."""
    bad = work / "radii.csv"
    bad.write_text("a,b\n1,2\n")
    out = work / "x.yaml"
    res = _storm_new(work, out, "--radii", bad)
    _one_clear_line(res, str(out), "hazard.typhoon.radii_file", "unusable wind radii", str(bad))
    assert not out.exists()


def test_the_readers_warnings_are_printed_once_as_warning_file(work):
    lines = TRACK_SRC.read_text().splitlines(keepends=True)
    cells = lines[4].split(",")
    cells[1] = str(float(cells[1]) + 15)  # a mistyped latitude: the storm jumps 1,700 km
    lines[4] = ",".join(cells)
    jump = work / "jump.csv"
    jump.write_text("".join(lines))
    res = _storm_new(work, work / "x.yaml", track=jump)
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.stderr.splitlines() if ln.startswith("warning: ")]
    assert warned == [ln for ln in res.stderr.splitlines() if ln.strip()], res.stderr
    assert len(warned) == 1 and f"warning: {jump}: lines 4 and 5" in warned[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--storm", "1909"), ("a track CSV holds one storm",)),
        (("--agency", "JMA"), ("no rows for agency 'JMA'", "EXAMPLE")),
        (("--reach-km", "10"), ("never comes within 10 km", "closest")),
    ],
)
def test_selections_the_file_does_not_have_are_one_line(work, args, fragments):
    _one_clear_line(_storm_new(work, work / "x.yaml", *args), *fragments)
    assert not (work / "x.yaml").exists()


def test_a_year_without_a_file_is_one_line(work):
    missing = work / "CH2031BST.txt"
    _one_clear_line(_storm_new(work, work / "x.yaml", track=missing), "track file not found")
