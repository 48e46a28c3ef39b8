"""Strict YAML for input files (issue 16 item 3): YAML 1.2 scalars, duplicate keys named with
both lines, alias bombs and oversized files refused, "did you mean" for unknown keys."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim.interfaces.exercise.journal as journal_mod
from sim.core.yaml_input import (
    MAX_EXPANDED_NODES,
    YamlInputError,
    dump_yaml,
    load_yaml,
    read_yaml_file,
)
from sim.interfaces.cli.main import app
from sim.interfaces.exercise.journal import Journal, JournalError

ROOT = Path(__file__).resolve().parents[1]
LEKIMA = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"
runner = CliRunner()

# A 9-level "billion laughs": 342 bytes that expand to 9^9 ~ 387 million strings.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8:30", "8:30"),  # YAML 1.1: the sexagesimal integer 510
        ("on", "on"),  # YAML 1.1: True
        ("No", "No"),  # YAML 1.1: False
        ("0755", 755),  # YAML 1.1: octal 493
        ("0o17", 15),
        ("0x1F", 31),
        ("1e5", 1e5),  # YAML 1.1: the string '1e5'
        ("-2.5E-3", -2.5e-3),
        ("1_000", 1000),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("true", True),
        ("FALSE", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("Pudong", "Pudong"),
        ("12:00:00", "12:00:00"),
    ],
)
def test_plain_scalars_take_their_yaml_1_2_meaning(text, value):
    assert load_yaml(f"k: {text}\n") == {"k": value}


def test_nan_and_timestamps():
    assert math.isnan(load_yaml("k: .nan")["k"])
    t = load_yaml("k: 2019-08-10T06:00:00Z")["k"]
    assert (t.year, t.hour, t.utcoffset().total_seconds()) == (2019, 6, 0.0)


def test_duplicate_key_names_both_lines():
    with pytest.raises(YamlInputError) as err:
        load_yaml("name: x\nseed: 1\nnested:\n  a: 1\n  a: 2\n")
    assert err.value.where == "line 5, column 3"
    assert "duplicate key 'a' (first at line 4)" in err.value.message
    # the same key in different mappings, and a merge key overriding, are fine
    assert load_yaml("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}
    assert load_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n")["c"] == {"x": 3, "y": 2}


def test_alias_bomb_is_refused_before_it_expands():
    assert len(BOMB) < 500
    with pytest.raises(YamlInputError, match="alias bomb"):
        load_yaml(BOMB)
    # modest sharing is fine: 9 x 9 = 81 strings
    ok = load_yaml('a: &a ["x","x","x","x","x","x","x","x","x"]\nb: [*a, *a, *a, *a, *a, *a, *a]\n')
    assert len(ok["b"]) == 7 and MAX_EXPANDED_NODES > 100


def test_encodings_and_sizes(tmp_path):
    bom = tmp_path / "bom.yaml"
    bom.write_bytes("\ufeffname: 浦东\n".encode())
    assert read_yaml_file(bom) == {"name": "浦东"}
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("name: 浦东\n".encode("gbk"))
    with pytest.raises(YamlInputError, match="not UTF-8.*iconv"):
        read_yaml_file(gbk)
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100)
    with pytest.raises(YamlInputError, match="file is 500 bytes; at most 100"):
        read_yaml_file(big, max_bytes=100)


def _validate(tmp_path, body: str):
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {LEKIMA}\n{body}", encoding="utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    return res, path


def test_validate_reports_yaml_1_1_time_duplicates_and_bombs_without_traceback(tmp_path):
    res, path = _validate(tmp_path, "time:\n  start_utc: 8:30\n")
    assert res.exit_code == 2 and res.exception is None or isinstance(res.exception, SystemExit)
    assert f"{path}: time.start_utc:" in res.output and "'8:30'" in res.output
    assert "1970" not in res.output
    res, path = _validate(tmp_path, "seed: 1\nseed: 2\n")
    assert res.exit_code == 2
    assert f"{path}: line 3, column 1: duplicate key 'seed' (first at line 2)" in res.output
    path.write_text(BOMB)
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2 and "alias bomb" in res.output


def test_unknown_keys_get_a_did_you_mean(tmp_path):
    res, path = _validate(
        tmp_path,
        "logistcs: {teams_scale: 2}\nhazard: {typhoon: {rmax_scal: 2.0}}\n"
        "events:\n  - {type: road_collapse, at_h: 3, distrct: Pudong}\n",
    )
    assert res.exit_code == 2
    out = " ".join(res.output.split())
    assert "logistcs: unknown field" in out and "did you mean 'logistics'?" in out
    assert "did you mean 'rmax_scale'?" in out
    assert "events[0].distrct: unknown field" in out and "did you mean 'district'?" in out
    res, _ = _validate(tmp_path, "zzzqqq: 1\n")  # nothing close: no suggestion
    assert "unknown field" in res.output and "did you mean" not in res.output


def test_journals_are_read_strictly_and_bounded(tmp_path, monkeypatch):
    path = tmp_path / "j.yaml"
    path.write_text(BOMB)
    with pytest.raises(JournalError, match="alias bomb"):
        Journal.load(path)
    path.write_text("scenario: x\nscenario: y\n")
    with pytest.raises(JournalError, match="duplicate key 'scenario'"):
        Journal.load(path)
    monkeypatch.setattr(journal_mod, "JOURNAL_MAX_BYTES", 10)
    with pytest.raises(JournalError, match="at most 10 are accepted"):
        Journal.load(path)


# Printable text: PyYAML folds a NEL (U+0085) inside quoted scalars, a control character no
# input file of ours carries.
_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | _text
    | st.sampled_from(["8:30", "on", "No", "1e5", "0755", "0x1F", ".inf", "1_000", "~", ""])
)
_data = st.recursive(
    _scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_text, kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(_text, _data, max_size=5))
def test_what_citysafe_writes_reads_back_identically(data):
    """Files citysafe writes (resolved scenarios, journals, specs) use dump_yaml: every string
    that a strict or a YAML 1.1 reader could take for something else is quoted."""
    assert load_yaml(dump_yaml(data)) == data


def test_district_names_are_checked_against_the_city_for_both_kinds(tmp_path):
    """Issue 16: an unknown district passed validate (events, a long run's park district)."""
    res, path = _validate(
        tmp_path,
        "warnings: {mode: forecast}\n"
        "events:\n  - {type: road_collapse, at_h: 3, district: Nowhere}\n"
        "logistics: {preposition_districts: [Pudong, Jingan]}\n",
    )
    out = " ".join(res.output.split())
    assert res.exit_code == 2
    assert "events[0].district: unknown district 'Nowhere' of this city" in out
    assert "logistics.preposition_districts: unknown district 'Jingan'" in out
    assert 'did you mean "Jing\'an"?' in out
    park = ROOT / "scenarios" / "shanghai" / "chemical-park-dereliction.yaml"
    res = runner.invoke(
        app, ["validate", str(park), "-p", "processes.governance.park_district=Jinshn"]
    )
    assert res.exit_code == 2
    assert (
        "processes.governance.park_district: unknown district 'Jinshn' of this city; did "
        "you mean 'Jinshan'?" in " ".join(res.output.split())
    )
    assert runner.invoke(app, ["validate", str(park)]).exit_code == 0
