"""The content of a run's input files, recorded when a resumable command starts and compared
when it resumes: the data a run reads must be the same for every run of one table.

A record maps each file's path (absolute, as text) to ``{"sha256": HEX, "bytes": N}``, or to
``None`` when there is no such file (an optional file the run looks for, such as a city's
``warning_criteria.yaml``: adding it later changes the run as much as editing it), or to
``{"unreadable": REASON}`` (a folder where the file belongs, no permission). The hash is
SHA-256 (:func:`hashlib.file_digest`, FIPS 180-4), read in blocks, so memory does not grow with
the file; it runs at the speed of the disk (the Lekima scenario's ten input files, 282 kB of
its city's data folder and the track, in 0.4 ms; measured), so every resume can afford it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

HASH = "sha256"
"""The content hash of every record (hashlib's name)."""
SHOWN = 5
"""Changed files named in a message (then "and N more")."""


def file_digest(path: str | Path) -> dict | None:
    """The record of one file: ``{"sha256": HEX, "bytes": N}``, None (no such file) or
    ``{"unreadable": REASON}`` (a folder, no permission, an I/O error, a name no file can
    have). Never raises."""
    path = Path(path)
    try:
        if path.exists() and not (path.is_file() or path.is_dir()):
            return {"unreadable": "not a regular file (a device, a named pipe or a socket)"}
        with open(path, "rb") as f:
            digest = hashlib.file_digest(f, HASH).hexdigest()
            size = f.tell()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return {"unreadable": "a folder"}
    except OSError as exc:
        return {"unreadable": exc.strerror or type(exc).__name__}
    except ValueError:  # a NUL character: no file can have that name
        return {"unreadable": "not a file name (it holds a NUL character)"}
    return {HASH: digest, "bytes": size}


def digests(paths: Iterable[str | Path]) -> dict[str, dict | None]:
    """Path (as text, sorted) → :func:`file_digest` of each of ``paths`` (each once)."""
    return {str(p): file_digest(p) for p in sorted({str(p) for p in paths})}


def _what(before: dict | None, now: dict | None) -> str:
    """How one file differs between two records (they differ)."""
    if before is None:
        return "added"
    if now is None:
        return "removed"
    if "unreadable" in now:
        return f"now unreadable: {now['unreadable']}"
    if "unreadable" in before:
        return "readable again, content unknown before"
    size = (
        f"{before.get('bytes', 0):,} -> {now.get('bytes', 0):,} bytes"
        if before.get("bytes") != now.get("bytes")
        else f"same size, {now.get('bytes', 0):,} bytes"
    )
    return f"content changed, {size}"


def changes(before: dict[str, dict | None], now: dict[str, dict | None]) -> list[str]:
    """Each file whose record differs: ``PATH (added | removed | content changed, ...)``,
    sorted by path. A path recorded on one side only counts as absent on the other."""
    return [
        f"{path} ({_what(before.get(path), now.get(path))})"
        for path in sorted(set(before) | set(now))
        if before.get(path) != now.get(path)
    ]


def named(items: list[str], shown: int = SHOWN) -> str:
    """``items`` joined for a message: the first ``shown``, then "and N more"."""
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more
