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
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.hazards.approach import track_pass
from sim.hazards.errors import StormNotFoundError
from sim.hazards.track import Track, format_cma_bst_block, read_cma_bst, read_track_csv
from sim.interfaces.cli.main import app

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
