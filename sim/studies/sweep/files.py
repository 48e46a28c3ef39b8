"""The one way sweep tools write and read their files: whole files atomically, JSONL lines
whole, and every unreadable line reported instead of guessed at.

- :func:`atomic_write_bytes` (and :func:`write_csv`, :func:`save_figure` on top of it): a
  file is either its complete new content or absent/unchanged — never half-written, even
  when the disk fills up or Ctrl-C arrives mid-write.
- :func:`append_jsonl`: one JSON record per line, appended whole or not at all.
- :func:`scan_jsonl`: the records of a JSONL file and a :class:`~sim.scenario.loader.Problem`
  per line that is not one (a torn last line, a garbled middle line, with its number).
- :func:`write_failure`: the one-line message of an ``OSError`` raised while writing (or
  reading), and :func:`remedy`: what to do about it — only a full disk is told to make room.

Why not a library: ``atomicwrites`` (the usual one) is unmaintained since its author archived
it in 2022, and the protocol below is a dozen lines of the standard library.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import secrets
from pathlib import Path
from typing import Any

from sim.scenario.loader import Problem

TMP_MARK = ".tmp-"
"""Temporaries are ``.<name>.tmp-<pid>-<hex>`` beside their target (hidden, never globbed
as results); :func:`stale_temporaries` finds the ones a killed writer left."""

FULL_DISK_ERRNOS = {errno.ENOSPC: "no space left on the device"}
if hasattr(errno, "EDQUOT"):  # not defined on every platform
    FULL_DISK_ERRNOS[errno.EDQUOT] = "disk quota exceeded"

OTHER_ERRNOS = {
    errno.EISDIR: ("is a folder, not a file", "move that folder out of the way"),
    errno.ENOTDIR: ("a file stands where a folder should be", "move that file out of the way"),
    errno.EACCES: (None, "give yourself write access to the folder"),
    errno.EPERM: (None, "give yourself write access to the folder"),
    errno.EROFS: (None, "write to another --out (this file system is read-only)"),
}
"""errno -> (what, if other than ``strerror``; what to do) of the write errors a folder
causes (a folder or a file in the way, permissions, a read-only mount)."""


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may be partial, POSIX write(2))."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable: POSIX persists a directory entry only when the
    directory itself is fsync'ed (fsync(2), "Notes"). Best effort: not every filesystem
    allows opening a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically.

    The bytes go to a hidden temporary in the same folder (``os.replace`` is atomic only
    within one filesystem), are fsync'ed, then renamed over ``path``; the folder is fsync'ed
    so the rename survives a power cut. On ANY error or interrupt (``OSError`` such as
    ``ENOSPC``, ``KeyboardInterrupt``) the temporary is removed and ``path`` is left as it
    was. Only a ``SIGKILL`` or a crash of the machine can leave a temporary behind; the
    sweep removes those when it next opens the folder.

    Args:
        path: the target file; its folder must exist.
        data: the complete new content.

    Raises:
        OSError: the write failed (``filename`` is set to ``path``); nothing was changed.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        # O_EXCL: never write into another writer's temporary; mode 0o666 less the umask,
        # as open() gives (mkstemp's 0o600 would hide results from a shared group).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    _fsync_dir(path.parent)


def write_csv(frame, path: str | Path, **to_csv_kwargs: Any) -> Path:
    """``frame.to_csv(path, ...)`` through :func:`atomic_write_bytes`; returns ``path``."""
    atomic_write_bytes(Path(path), frame.to_csv(None, **to_csv_kwargs).encode("utf-8"))
    return Path(path)


def save_figure(fig, path: str | Path, **savefig_kwargs: Any) -> Path:
    """``fig.savefig(path, ...)`` through :func:`atomic_write_bytes` (format from the
    suffix); returns ``path``."""
    path = Path(path)
    buf = io.BytesIO()
    fig.savefig(buf, format=path.suffix.lstrip(".") or "png", **savefig_kwargs)
    atomic_write_bytes(path, buf.getvalue())
    return path


def stale_temporaries(folder: Path) -> list[Path]:
    """Temporaries of :func:`atomic_write_bytes` left in ``folder`` by a killed writer."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f".*{TMP_MARK}*") if p.is_file())


def append_jsonl(path: str | Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one JSON line, whole or not at all.

    One ``O_APPEND`` write per line (one writer per folder: the sweep's lock). If the write
    fails or is interrupted part-way (a full disk accepts a few bytes, then ``ENOSPC``), the
    file is truncated back to its old length, so no half line is left. If the file ends in
    a torn line (a writer was SIGKILLed mid-line), a newline is written first so the new
    record is not glued onto it and lost with it; :func:`scan_jsonl` reports the torn line.

    Raises:
        OSError: the line could not be written (the file is as before).
    """
    line = (json.dumps(record, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        try:
            _write_all(fd, line)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    finally:
        os.close(fd)


def scan_jsonl(path: str | Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Read a JSONL file line by line, keeping what is readable.

    Returns:
        The records (JSON objects, in file order) and one
        ``Problem(path, "line N", what)`` per line that is not a JSON object: the last line
        without its newline is "torn" (a write was interrupted), any other is "garbled".
        Blank lines are skipped. A missing file gives ``([], [])``.

    Raises:
        OSError: the file exists but cannot be read.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    lines = data.split(b"\n")  # the last element is b"" exactly when the file ends in \n
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            rec, why = None, f"not JSON ({exc})"
        else:
            why = f"a JSON {type(rec).__name__}, not an object"
        if isinstance(rec, dict):
            records.append(rec)
        elif i == len(lines):
            problems.append(
                Problem(str(path), f"line {i}", "torn last line (a write was interrupted); ignored")
            )
        else:
            problems.append(Problem(str(path), f"line {i}", f"garbled: {why}; ignored"))
    return records, problems


def write_failure(exc: OSError, folder: str | Path, verb: str = "write") -> str:
    """One line for an ``OSError`` raised while writing into ``folder`` (``verb``: or
    reading it).

    A full disk or quota (``ENOSPC``, ``EDQUOT``) is named as such, a folder where a file
    should be (or a file where a folder should be) too (:data:`OTHER_ERRNOS`); any other error
    gives its ``strerror``. The file is named relative to ``folder`` when inside it.
    """
    what = FULL_DISK_ERRNOS.get(exc.errno) or (OTHER_ERRNOS.get(exc.errno) or (None,))[0]
    what = what or exc.strerror or str(exc)
    name = ""
    if exc.filename:
        target = Path(exc.filename)
        with contextlib.suppress(ValueError):
            target = target.relative_to(folder)
        name = f" {target}"
    return f"{folder}: cannot {verb}{name}: {what}"


def remedy(exc: OSError) -> str:
    """What to do about :func:`write_failure`'s error: make room on a full disk; move what is
    in the way; fix the permissions; otherwise fix what the message names."""
    if exc.errno in FULL_DISK_ERRNOS:
        return "make room"
    return OTHER_ERRNOS.get(exc.errno, (None, "fix that"))[1]
