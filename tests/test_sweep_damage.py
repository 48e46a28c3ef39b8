"""Sweep tools that survive damage (issue 16): a full disk or Ctrl-C in any write leaves
nothing half-written, and unreadable JSONL lines are named, not guessed at.

Faults are injected into ``os.write`` for files of the test's folder only (as a full disk
would), at the N-th write.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.studies.sweep.files import (
    append_jsonl,
    atomic_write_bytes,
    scan_jsonl,
    write_failure,
)

_REAL_WRITE = os.write


class DiskFault:
    """``os.write`` that raises ``exc()`` at the ``n``-th write into a file under
    ``folder``, after writing half of that call's bytes (a full disk takes a few); every
    other write goes through."""

    def __init__(self, folder: Path, n: int, exc=lambda: OSError(errno.ENOSPC, "No space")):
        self.folder, self.n, self.exc, self.calls = os.path.realpath(folder), n, exc, 0

    def __call__(self, fd: int, data) -> int:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.startswith(self.folder + os.sep):
            self.calls += 1
            if self.calls == self.n:
                if len(data) > 1:
                    _REAL_WRITE(fd, bytes(data[: len(data) // 2]))
                raise self.exc()
        return _REAL_WRITE(fd, data)


# --- the one writer --------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        lambda: OSError(errno.ENOSPC, "No space left on device"),
        lambda: OSError(errno.EDQUOT, "Disk quota exceeded"),
        KeyboardInterrupt,
    ],
)
@pytest.mark.parametrize("existing", [True, False])
def test_atomic_write_leaves_the_old_file_or_none(tmp_path, monkeypatch, exc, existing):
    target = tmp_path / "plan.parquet"
    if existing:
        target.write_bytes(b"old content")
    monkeypatch.setattr(os, "write", DiskFault(tmp_path, 1, exc))
    with pytest.raises((OSError, KeyboardInterrupt)) as info:
        atomic_write_bytes(target, b"new content " * 1000)
    if isinstance(info.value, OSError):  # the message can name the file
        assert info.value.filename == str(target)
    assert list(tmp_path.iterdir()) == ([target] if existing else [])
    assert not existing or target.read_bytes() == b"old content"
    monkeypatch.undo()
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("exc", [lambda: OSError(errno.ENOSPC, "No space"), KeyboardInterrupt])
def test_a_jsonl_append_is_whole_or_absent(tmp_path, monkeypatch, exc):
    log = tmp_path / "failures.jsonl"
    append_jsonl(log, {"run_id": "a", "error": "x"})
    before = log.read_bytes()
    monkeypatch.setattr(os, "write", DiskFault(tmp_path, 1, exc))
    with pytest.raises((OSError, KeyboardInterrupt)):
        append_jsonl(log, {"run_id": "b", "error": "y" * 500})
    assert log.read_bytes() == before  # the half line written before the error is gone
    monkeypatch.undo()
    append_jsonl(log, {"run_id": "c"})
    assert scan_jsonl(log) == ([{"run_id": "a", "error": "x"}, {"run_id": "c"}], [])


def test_an_append_after_a_torn_line_is_kept_and_the_torn_line_named(tmp_path):
    log = tmp_path / "manifest.jsonl"
    log.write_text('{"run_id": "a"}\n{"run_id": "b", "se')  # a writer SIGKILLed mid-line
    records, problems = scan_jsonl(log)
    assert records == [{"run_id": "a"}]
    assert [str(p) for p in problems] == [
        f"{log}: line 2: torn last line (a write was interrupted); ignored"
    ]
    append_jsonl(log, {"run_id": "c"})  # starts on a new line: not glued onto the torn one
    records, problems = scan_jsonl(log)
    assert records == [{"run_id": "a"}, {"run_id": "c"}]
    assert [(p.field, p.message.split(":")[0]) for p in problems] == [("line 2", "garbled")]


_RECORD = st.dictionaries(
    st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=3
)
_GARBAGE = st.one_of(st.text(min_size=1, max_size=20), st.binary(min_size=1, max_size=20)).map(
    lambda g: (g.encode("utf-8") if isinstance(g, str) else g).replace(b"\n", b"~")
)


def _is_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw.decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(_RECORD, min_size=1, max_size=8),
    garbage=st.dictionaries(st.integers(0, 7), _GARBAGE, max_size=3),
    cut=st.integers(0, 40),
)
def test_scan_jsonl_keeps_every_intact_line_and_names_the_others(tmp_path, records, garbage, cut):
    lines = [json.dumps(r).encode("utf-8") for r in records]
    bad = {i for i, g in garbage.items() if i < len(lines) and g.strip() and not _is_object(g)}
    for i in bad:
        lines[i] = garbage[i]
    data = b"\n".join(lines) + b"\n"
    torn = 0 < cut < len(lines[-1]) and len(lines) - 1 not in bad
    if torn:  # the last record cut short, without its newline (a killed writer)
        data = b"\n".join(lines[:-1] + [lines[-1][:cut]])
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    got, problems = scan_jsonl(path)
    kept = [i for i in range(len(lines)) if i not in bad and not (torn and i == len(lines) - 1)]
    assert got == [records[i] for i in kept]
    named = {int(p.field.removeprefix("line ")) - 1: p.message for p in problems}
    expected = bad | ({len(lines) - 1} if torn else set())
    assert set(named) == expected
    assert all(named[i].startswith("garbled: ") for i in bad)  # each ends in a newline
    if torn:
        assert named[len(lines) - 1].startswith("torn last line")


def test_write_failure_names_the_folder_the_file_and_a_full_disk(tmp_path):
    exc = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "runs" / "x.parquet"))
    assert write_failure(exc, tmp_path) == (
        f"{tmp_path}: cannot write runs/x.parquet: no space left on the device"
    )
    quota = OSError(errno.EDQUOT, "Disk quota exceeded")
    assert write_failure(quota, tmp_path) == f"{tmp_path}: cannot write: disk quota exceeded"
    denied = PermissionError(errno.EACCES, "Permission denied", "/elsewhere/f")
    assert write_failure(denied, tmp_path).endswith("cannot write /elsewhere/f: Permission denied")
