"""One writer per output folder: a lock file held with ``flock`` that names its holder.

Every command that writes an output folder (``run`` and its ``--replications``, ``riskmap``,
``criticality``, ``sweep``, ``compare``, ``calibrate``) holds the lock of the folder it
writes in — a run's staging folder ``<out>.partial``, a sweep's own folder — for as long as
it writes there. A second citysafe process that asks for the same folder is refused at once
with one line naming the holder (``DIR is being written by another citysafe process (pid
N)``) instead of interleaving its files with the first one's.

The lock is the ``filelock`` library's (``FileLock``: ``fcntl.flock`` on Unix), taken
without waiting. The kernel releases it when its holder exits, however it exits (Ctrl-C,
``kill -9``, a crash), so a lock left by a dead process never blocks a rerun. Its file
(:data:`LOCK_FILE`) holds the holder's record (pid, start time, and what the caller adds,
e.g. a sweep's worker count; :func:`holder` reads it) and is removed by its holder on
release. On a filesystem without ``flock`` taking the lock fails with the OS's reason
(``OSError``) rather than writing unprotected.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

LOCK_FILE = ".lock"
"""The lock file, inside the folder it guards."""
_HELD: dict[str, int] = {}
"""Folders (real paths) whose lock a :class:`FolderLock` of this process holds, with the pid
that took it (a forked child inherits the dict, not the lock): :func:`held_here`."""


def held_here(folder: str | Path) -> bool:
    """True when this process holds ``folder``'s lock (through a :class:`FolderLock`): the
    folder is the one a command of this process is writing, so a folder inside it is that
    command's own (an ensemble's ``replications/``, a calibration's batches)."""
    return _HELD.get(os.path.realpath(folder)) == os.getpid()


class FolderBusyError(RuntimeError):
    """Another process holds the folder's lock.

    Attributes:
        pid: the holder's pid, or None when its record cannot be read yet.
    """

    def __init__(self, shown: Path, pid: int | None):
        who = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(
            f"{shown} is being written by another citysafe process ({who}); wait for it to "
            "finish or choose another --out"
        )
        self.pid = pid


def holder(folder: str | Path) -> dict[str, Any] | None:
    """The record of the process holding ``folder``'s lock (``pid``, ``started_utc``, what
    it added), ``{}`` when its record cannot be read, or None when no process holds it."""
    path = Path(folder) / LOCK_FILE
    if not path.is_file():
        return None
    probe = FileLock(path, blocking=False, thread_local=False, fallback_to_soft=False)
    try:
        probe.acquire()
    except Timeout:
        return _record(path)
    except OSError:  # vanished (released and removed) while probed
        return None
    probe.release()
    return None


def _record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class FolderLock:
    """The lock of one folder (see the module doc); a context manager.

    Args:
        folder: the folder guarded; its lock file is ``folder/LOCK_FILE`` (the folder must
            exist when the lock is taken).
        shown: the folder named in the refusal (default ``folder``; a run names its
            ``--out``, not the staging folder it locks).
        info: added to the holder's record (e.g. ``workers=4``).
    """

    def __init__(self, folder: str | Path, shown: str | Path | None = None, **info: Any):
        self.path = Path(folder) / LOCK_FILE
        self.shown = Path(shown if shown is not None else folder)
        self.info = info
        self._held: os.stat_result | None = None
        self._key = os.path.realpath(self.path.parent)
        self._lock = FileLock(
            self.path,
            blocking=False,
            thread_local=False,
            fallback_to_soft=False,
            on_acquired=self._write_record,
        )

    def _write_record(self, fd: int) -> None:
        """filelock's ``on_acquired``: the holder's record, through the locked descriptor."""
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {"pid": os.getpid(), "started_utc": now, **self.info}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
        self._held = os.fstat(fd)

    def acquire(self) -> None:
        """Take the lock without waiting.

        Raises:
            FolderBusyError: another process (or another lock object of this process) holds
                it; the message names :attr:`shown` and the holder's pid.
            OSError: the lock file cannot be made (no folder, no permission, no ``flock``).
        """
        try:
            self._lock.acquire()
        except Timeout:
            raise FolderBusyError(self.shown, _record(self.path).get("pid")) from None
        _HELD[self._key] = os.getpid()

    def release(self) -> None:
        """Remove the lock file (if it is still this lock's: a folder renamed away or a
        newer lock in its place is left alone), then release the lock. Idempotent."""
        if not self._lock.is_locked:
            return
        with contextlib.suppress(OSError):
            if self._held is not None and os.path.samestat(os.lstat(self.path), self._held):
                self.path.unlink()  # while held: a waiter on this inode sees it unlinked
        self._held = None
        _HELD.pop(self._key, None)
        self._lock.release()

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
