"""Run folders that appear only when finished, and that never cost a user a file.

A run writes into a staging folder beside its run folder (``<out>.partial``) which is renamed
into place at the end, so an interrupted or failed run never leaves anything that looks
complete, and never mixes its files with a previous run's: the previous finished folder stays
as it was until the new one replaces it (two renames in the same parent folder).

**Ownership.** citysafe replaces or removes only folders it can prove it wrote. The first file
written into a staging folder is the marker :data:`MARKER_FILE` (JSON: ``written_by``,
citysafe's version, the sha256 fingerprint of the resolved scenario); when the run has
finished, the marker gets the list of every file and folder the run wrote (``files``) and the
staging folder is renamed into place, marker included. Hence:

* a folder at ``--out`` that is empty or absent receives the run;
* a run folder (marker) holding exactly what its run wrote (or less) is replaced only with
  ``--overwrite``;
* anything else is refused, even with ``--overwrite``: a folder of other files, a run folder
  to which someone added a file (``notes.md``), a run folder without the marker (an older
  version's: what is in it cannot be told from a user's files), a file;
* a staging folder is resumed (same fingerprint: a long run's finished shocks, an ensemble's
  finished replications are not run again) or cleared (another scenario) only when it carries
  the marker; a user's own ``<out>.partial`` is refused;
* if someone puts a file into the run folder while the run is running, the old folder is not
  removed at the end but moved aside to ``<out>.kept-<time>`` (:func:`publish` returns it).

The path itself is checked first (:func:`resolve_out`): ``.``, ``..``, the filesystem root, a
folder holding the current folder, ``~user`` of no such user, a symbolic link, a folder inside
the city's data folder (outputs are never written among the inputs) are refused with what to
do instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

PARTIAL_SUFFIX = ".partial"
FINISHED_FILE = "summary.json"
RESOLVED_FILE = "scenario.resolved.yaml"
MARKER_FILE = ".citysafe-run.json"
"""Written first into every staging folder; lists the run's files once it has finished."""
WRITTEN_BY = "citysafe"
_SHOWN = 3  # foreign files named in a message (then "and N more")


class RunFolderError(Exception):
    """The run folder cannot be used: the message names it and says what to do."""


def is_finished(folder: Path, finished_file: str = FINISHED_FILE) -> bool:
    """A run folder whose run finished (``finished_file`` is written last: ``summary.json``
    for a run, ``ensemble.json`` for an ensemble)."""
    return (Path(folder) / finished_file).is_file()


def staging_path(out_dir: Path) -> Path:
    """Where a run into ``out_dir`` writes until it finishes (``out_dir`` as resolved by
    :func:`resolve_out`; a relative path is made absolute first)."""
    out_dir = Path(os.path.abspath(out_dir))
    return out_dir.with_name(out_dir.name + PARTIAL_SUFFIX)


def fingerprint(resolved_text: str) -> str:
    """sha256 (hex) of a resolved scenario's text: a staging folder is resumed only by the
    same resolved scenario."""
    return hashlib.sha256(resolved_text.encode("utf-8")).hexdigest()


def resolve_out(out_dir: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """The run folder asked for, as an absolute path (``~`` expanded, ``.``/``..`` folded,
    symbolic links not followed), or a refusal of a place a run folder cannot go.

    A run folder is built beside itself and renamed into place whole, so it must be a folder
    of its own: not the filesystem root, not the current folder or one holding it, not a
    symbolic link (the rename would replace the link, not the folder), and not inside one of
    ``inputs`` (the city's data folder: outputs are never written among the inputs).

    Raises:
        RunFolderError: one line naming the path, why, and what to give instead.
    """
    raw = str(out_dir)
    hint = "give a new folder, e.g. --out runs/NAME"
    if not raw.strip():
        raise RunFolderError(f"--out: an empty path; {hint}")
    path = Path(os.path.expanduser(raw))  # leaves ~user of no such user as it is
    if path.parts and path.parts[0].startswith("~"):
        raise RunFolderError(f"{raw}: no such user's home folder to expand '~' into; {hint}")
    path = Path(os.path.abspath(path))
    real = Path(os.path.realpath(path))
    if path.parent == path:
        raise RunFolderError(f"{path}: the filesystem root cannot be a run folder; {hint}")
    cwd = Path(os.path.realpath(os.getcwd()))
    if real == cwd or real in cwd.parents:
        raise RunFolderError(
            f"{raw}: is the current folder or holds it, and a run folder is replaced whole "
            f"when the run finishes; {hint}"
        )
    if path.is_symlink():
        raise RunFolderError(f"{path}: is a symbolic link; give the folder it points to")
    for folder in inputs:
        data = Path(os.path.realpath(folder))
        if real == data or data in real.parents:
            raise RunFolderError(
                f"{path}: is inside the city's data folder {data}, and run outputs are not "
                f"written among the inputs; {hint}"
            )
    return path


def read_marker(folder: Path) -> dict | None:
    """The marker of a folder citysafe wrote, or None (not a folder, a symbolic link, no
    marker, or a marker that is not citysafe's JSON)."""
    folder = Path(folder)
    marker = folder / MARKER_FILE
    if folder.is_symlink() or not folder.is_dir() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != WRITTEN_BY:
        return None
    return data


def write_marker(folder: Path, fingerprint_hex: str, **extra) -> None:
    """Write the marker of a folder citysafe owns (``written_by``, version, fingerprint and
    ``extra`` fields). Raises OSError when it cannot be written."""
    try:
        version = metadata.version("citysafe")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        version = "unknown"
    data = {"written_by": WRITTEN_BY, "version": version, "fingerprint": fingerprint_hex}
    (Path(folder) / MARKER_FILE).write_text(json.dumps(data | extra, indent=1) + "\n")


def listing(folder: Path) -> list[str]:
    """Every file, folder and link under ``folder`` (relative POSIX paths, sorted; links not
    followed), the marker excepted."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found += [(rel / name).as_posix() for name in dirs + files]
    return sorted(p for p in found if p != MARKER_FILE)


def foreign_files(folder: Path, marker: dict) -> list[str]:
    """What ``folder`` holds that its run did not write (relative paths; the marker's
    ``files``); all of it when the marker lists none (a staging folder moved by hand)."""
    written = set(marker.get("files") or ())
    return [p for p in listing(folder) if p not in written]


def _named(paths: list[str]) -> str:
    more = f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else ""
    return ", ".join(paths[:_SHOWN]) + more


def check_replaceable(out_dir: Path, overwrite: bool, finished_file: str = FINISHED_FILE) -> None:
    """Refuse an ``out_dir`` that a run may not replace (see the module doc).

    Raises:
        RunFolderError: a file; a folder that is not empty and not citysafe's run folder; a
            run folder holding files its run did not write (even with ``overwrite``); a run
            folder without ``overwrite``; a folder that cannot be read.
    """
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise RunFolderError(f"{out_dir}: exists and is not a folder; choose another --out")
    try:
        if not any(out_dir.iterdir()):
            return
        marker = read_marker(out_dir)
        foreign = [] if marker is None else foreign_files(out_dir, marker)
    except OSError as exc:
        raise RunFolderError(f"{out_dir}: cannot be read ({exc.strerror or exc})") from None
    if marker is None and (out_dir / RESOLVED_FILE).is_file():
        raise RunFolderError(
            f"{out_dir}: a run folder without citysafe's marker {MARKER_FILE} (an older "
            "version's, or copied by hand), so its files cannot be told from yours; it is not "
            "replaced, even with --overwrite: remove it yourself or choose another --out"
        )
    if marker is None:
        raise RunFolderError(
            f"{out_dir}: is not empty and not a run folder (no {MARKER_FILE}); choose another --out"
        )
    if foreign:
        raise RunFolderError(
            f"{out_dir}: holds files its run did not write ({_named(foreign)}); a run folder is "
            "replaced whole, so it is not replaced, even with --overwrite: move them out or "
            "choose another --out"
        )
    if not overwrite:
        what = "a finished run" if is_finished(out_dir, finished_file) else "a run folder"
        raise RunFolderError(
            f"{out_dir}: holds {what}; pass --overwrite to replace it, or choose another --out"
        )


def stage(
    out_dir: Path,
    resolved_text: str,
    overwrite: bool,
    finished_file: str = FINISHED_FILE,
    inputs: Iterable[str | Path] = (),
) -> Path:
    """Check that ``out_dir`` may receive the run and prepare its staging folder.

    Args:
        out_dir: the run folder asked for (checked by :func:`resolve_out` against ``inputs``).
        resolved_text: the resolved scenario (written into the staging folder; its fingerprint
            decides whether a staging folder left by an interrupted run is resumed or cleared).
        overwrite: replace a run folder that holds only what its run wrote.
        finished_file: the file whose presence marks a finished folder.
        inputs: folders the run reads (the city's data folder), which must not hold it.

    Returns:
        The staging folder (created, holding the marker and ``scenario.resolved.yaml``).

    Raises:
        RunFolderError: the path, ``out_dir`` or an existing staging folder may not be used
            (:func:`resolve_out`, :func:`check_replaceable`; a staging folder without the
            marker), or the staging folder cannot be made.
    """
    out_dir = resolve_out(out_dir, inputs)
    check_replaceable(out_dir, overwrite, finished_file)
    partial = staging_path(out_dir)
    digest = fingerprint(resolved_text)
    try:
        if partial.exists() or partial.is_symlink():
            marker = read_marker(partial)
            if marker is None:
                raise RunFolderError(
                    f"{partial}: exists and was not made by citysafe (no {MARKER_FILE}); it is "
                    "left as it is: move it away or choose another --out"
                )
            if marker.get("fingerprint") != digest:
                shutil.rmtree(partial)  # ours: another scenario's unfinished run
        partial.mkdir(parents=True, exist_ok=True)
        if read_marker(partial) is None:
            write_marker(partial, digest)  # first, before any file of the run
        (partial / RESOLVED_FILE).write_text(resolved_text, encoding="utf-8")
        (partial / finished_file).unlink(missing_ok=True)
    except OSError as exc:
        raise RunFolderError(
            f"{partial}: cannot write the run folder here ({exc.strerror or exc})"
        ) from None
    return partial


def publish(partial: Path, out_dir: Path, finished_file: str = FINISHED_FILE) -> Path | None:
    """Record what the run wrote in the marker and move the staging folder into place,
    replacing ``out_dir`` if it exists and holds only what its run wrote.

    Returns:
        None; or, when ``out_dir`` gained files its run did not write while this run ran, the
        folder it was moved aside to (``<out>.kept-<UTC time>``), nothing in it removed.

    Raises:
        RunFolderError: the staging folder holds no summary (not finished) or no marker, or a
            rename failed (the message says where each folder is).
    """
    partial, out_dir = Path(partial), Path(os.path.abspath(out_dir))
    if not is_finished(partial, finished_file):
        raise RunFolderError(f"{partial}: the run did not finish (no {finished_file})")
    marker = read_marker(partial)
    if marker is None:
        raise RunFolderError(f"{partial}: not a citysafe staging folder (no {MARKER_FILE})")
    old = kept = None
    try:
        write_marker(partial, marker["fingerprint"], files=listing(partial))
        if out_dir.exists():
            ours = _ours(out_dir)
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            aside = f"{out_dir.name}.replaced-" if ours else f"{out_dir.name}.kept-{stamp}-"
            # a fresh empty folder of our own to rename onto: no one else's name is taken
            target = Path(tempfile.mkdtemp(prefix=aside, dir=out_dir.parent))
            os.replace(out_dir, target)
            old, kept = (target, None) if ours else (None, target)
        os.replace(partial, out_dir)
    except OSError as exc:
        moved = old or kept
        if moved is not None and not out_dir.exists():
            with contextlib.suppress(OSError):  # put the previous folder back where it was
                os.replace(moved, out_dir)
        raise RunFolderError(
            f"{out_dir}: cannot move the finished run into place ({exc.strerror or exc}); "
            f"it is in {partial}"
        ) from None
    if old is not None:
        shutil.rmtree(old)  # the previous run: only files it wrote (checked just above)
    return kept


def _ours(folder: Path) -> bool:
    """An empty folder, or a run folder holding nothing its run did not write."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    marker = read_marker(folder)
    return marker is not None and not foreign_files(folder, marker)
