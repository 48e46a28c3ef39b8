"""Output folders that appear only when finished, and that never cost a user a file.

**The rule, for every command that writes an output folder.** A command writes only into a
folder that is absent or empty, or that carries citysafe's marker :data:`MARKER_FILE` of its
own kind (``run``: ``run`` and ``run --replications``; ``riskmap``; ``criticality``;
``sweep``: ``sweep`` and ``compare``; ``calibration``); any other folder — one holding a
user's files, or another command's — is refused with one line naming what it holds. While it
writes, the command holds the folder's lock (:mod:`sim.core.folder_lock`), so a second citysafe
process is refused rather than interleaving its files. Commands that replace their output
whole (``run``, ``riskmap``, ``criticality``) write through a staging folder, as below, and
replace a finished folder only with ``--overwrite``; commands that resume in place (a sweep, a
comparison, a calibration: :func:`take_folder`) keep adding to their own folder.

A run writes into a staging folder beside its run folder (``<out>.partial``) which is renamed
into place at the end, so an interrupted or failed run never leaves anything that looks
complete, and never mixes its files with a previous run's: the previous finished folder stays
as it was until the new one replaces it (two renames in the same parent folder).

**Ownership.** citysafe replaces or removes only folders it can prove it wrote. The first file
written into a staging folder is the marker :data:`MARKER_FILE` (JSON: ``written_by``,
citysafe's version, the command's ``kind``, the sha256 fingerprint of the resolved scenario
and the settings that shape the output, e.g. an ensemble's replications); when the run has
finished, the marker gets the list of every file and folder the run wrote (``files``) and the
staging folder is renamed into place, marker included. Hence:

* a folder at ``--out`` that is empty or absent receives the run;
* a run folder (marker) holding exactly what its run wrote (or less) is replaced only with
  ``--overwrite``;
* anything else is refused, even with ``--overwrite``: a folder of other files, a run folder
  to which someone added a file (``notes.md``), a run folder without the marker (an older
  version's: what is in it cannot be told from a user's files), a file;
* a staging folder is resumed (same fingerprint: a long run's finished shocks, the finished
  replications of an ensemble or a risk map are not run again) or cleared (another scenario;
  a command that does not resume) only when it carries the marker, and only under its lock
  (:func:`stage` takes it; a second process is refused); a user's own ``<out>.partial`` is
  refused;
* if someone puts a file into the run folder while the run is running, the old folder is not
  removed at the end but moved aside to ``<out>.kept-<time>`` (:func:`publish` returns it).

The path itself is checked first (:func:`resolve_out`): ``.``, ``..``, the filesystem root, a
folder holding the current folder, ``~user`` of no such user, a symbolic link, a folder inside
the city's data folder (outputs are never written among the inputs) are refused with what to
do instead.

**Nesting.** No output folder is made inside another one (:func:`check_not_nested`, by
:func:`resolve_out` and :func:`check_own_folder`, so by every command): a folder carrying the
marker holds only what its own command wrote, so a run put into ``RUN1/sub`` or a sweep's
``runs/`` would make ``RUN1``'s next ``--overwrite`` refuse (files its run did not write) and a
sweep's next ``--resume`` report damage. Each folder above ``--out`` is looked at; the first
that carries the marker is named in the refusal. A command's own sub-folders (an ensemble's
``replications/``, a calibration's batches under ``runs/``) are made while it holds the outer
folder's lock (:func:`sim.core.folder_lock.held_here`) and are not refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

from sim.core.folder_lock import LOCK_FILE, FolderBusyError, FolderLock, held_here, holder

PARTIAL_SUFFIX = ".partial"
FINISHED_FILE = "summary.json"
RESOLVED_FILE = "scenario.resolved.yaml"
MARKER_FILE = ".citysafe-run.json"
"""Written first into every folder citysafe owns; lists a staged run's files once finished."""
WRITTEN_BY = "citysafe"
_SHOWN = 3  # foreign files named in a message (then "and N more")
KINDS = {
    "run": "run folder",
    "riskmap": "risk-map folder",
    "criticality": "criticality folder",
    "sweep": "sweep folder",
    "calibration": "calibration folder",
}
"""Kinds of output folder (the marker's ``kind``; a marker without one is a run's) and how
messages name them."""


class RunFolderError(Exception):
    """The run folder cannot be used: the message names it and says what to do."""


def untouched(out_dir: Path) -> str:
    """What an unfinished or refused command did to its output folder, for its message:
    "<out_dir> was not changed" when the folder exists, "<out_dir> was not created" when it
    does not (a first run interrupted before publishing)."""
    return f"{out_dir} was {'not changed' if Path(out_dir).exists() else 'not created'}"


def is_finished(folder: Path, finished_file: str = FINISHED_FILE) -> bool:
    """A run folder whose run finished (``finished_file`` is written last: ``summary.json``
    for a run, ``ensemble.json`` for an ensemble)."""
    return (Path(folder) / finished_file).is_file()


def staging_path(out_dir: Path) -> Path:
    """Where a run into ``out_dir`` writes until it finishes (``out_dir`` as resolved by
    :func:`resolve_out`; a relative path is made absolute first)."""
    out_dir = Path(os.path.abspath(out_dir))
    return out_dir.with_name(out_dir.name + PARTIAL_SUFFIX)


def fingerprint(resolved_text: str, settings: dict | None = None) -> str:
    """sha256 (hex) of a resolved scenario's text and of the ``settings`` that shape the
    output (an ensemble's replications): a staging folder is resumed only by the same."""
    if settings:
        resolved_text += "\n# settings: " + json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(resolved_text.encode("utf-8")).hexdigest()


def resolve_out(out_dir: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """The run folder asked for, as an absolute path (``~`` expanded, ``.``/``..`` folded,
    symbolic links not followed), or a refusal of a place a run folder cannot go.

    A run folder is built beside itself and renamed into place whole, so it must be a folder
    of its own: not the filesystem root, not the current folder or one holding it, not a
    symbolic link (the rename would replace the link, not the folder), not inside one of
    ``inputs`` (the city's data folder: outputs are never written among the inputs), and not
    inside another citysafe output folder (:func:`check_not_nested`).

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
    check_not_nested(path)
    return path


def enclosing_output(path: str | Path) -> tuple[Path, dict] | None:
    """The nearest folder above ``path`` (symbolic links resolved) that carries citysafe's
    marker, with its marker; None when there is none, or when the nearest one is a folder
    this process is writing (:func:`~sim.core.folder_lock.held_here`: its command's own
    sub-folder). A folder that cannot be read counts as unmarked."""
    real = Path(os.path.realpath(os.path.abspath(path)))
    for parent in real.parents:
        try:
            marker = read_marker(parent)
        except OSError:  # no permission to look: not a folder citysafe could have marked
            continue
        if marker is not None:
            return None if held_here(parent) else (parent, marker)
    return None


def check_not_nested(path: str | Path) -> None:
    """Refuse an output folder inside another citysafe output folder (module doc, "Nesting").

    Raises:
        RunFolderError: one line naming the enclosing folder and its kind.
    """
    found = enclosing_output(path)
    if found is None:
        return
    outer, marker = found
    kind = marker_kind(marker)
    raise RunFolderError(
        f"{path}: is inside {outer}, citysafe's {KINDS.get(kind, kind + ' folder')}, which "
        "holds only what its own command wrote (its next --overwrite or --resume would refuse "
        "or remove what is put there); choose an --out outside it"
    )


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


def citysafe_version() -> str:
    """citysafe's installed version, as every file citysafe marks as its own records it
    (``unknown`` when run from a source tree without installing)."""
    try:
        return metadata.version("citysafe")
    except metadata.PackageNotFoundError:
        return "unknown"


def write_marker(folder: Path, fingerprint_hex: str | None = None, **extra) -> None:
    """Write the marker of a folder citysafe owns (``written_by``, version, fingerprint and
    ``extra`` fields, e.g. ``kind``). Raises OSError when it cannot be written."""
    version = citysafe_version()
    data = {"written_by": WRITTEN_BY, "version": version, "fingerprint": fingerprint_hex}
    (Path(folder) / MARKER_FILE).write_text(json.dumps(data | extra, indent=1) + "\n")


def marker_kind(marker: dict) -> str:
    """The kind of output folder a marker marks (a marker without one is a run's)."""
    return str(marker.get("kind") or "run")


def listing(folder: Path) -> list[str]:
    """Every file, folder and link under ``folder`` (relative POSIX paths, sorted; links not
    followed), the marker and the lock file excepted."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found += [(rel / name).as_posix() for name in dirs + files]
    return sorted(p for p in found if p not in (MARKER_FILE, LOCK_FILE))


def foreign_files(folder: Path, marker: dict) -> list[str]:
    """What ``folder`` holds that its run did not write (relative paths; the marker's
    ``files``); all of it when the marker lists none (a staging folder moved by hand)."""
    written = set(marker.get("files") or ())
    return [p for p in listing(folder) if p not in written]


def _named(paths: list[str]) -> str:
    more = f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else ""
    return ", ".join(paths[:_SHOWN]) + more


def _top_level(folder: Path) -> list[str]:
    """The names in ``folder`` (sorted), the marker and the lock file excepted."""
    return sorted(p.name for p in folder.iterdir() if p.name not in (MARKER_FILE, LOCK_FILE))


def _not_ours(folder: Path, kind: str) -> RunFolderError:
    """The refusal of a folder that holds files and no marker: one line naming them."""
    return RunFolderError(
        f"{folder}: is not empty and not a {KINDS[kind]} (no {MARKER_FILE}): it holds "
        f"{_named(sorted(p.name for p in folder.iterdir()))}; citysafe writes only into an "
        "empty folder or one it made: move them out or choose another --out"
    )


def _other_kind(folder: Path, marker: dict, kind: str) -> RunFolderError | None:
    """The refusal of citysafe's folder of another kind (a sweep's given to ``run``), or None."""
    theirs = marker_kind(marker)
    if theirs == kind:
        return None
    return RunFolderError(
        f"{folder}: is citysafe's {KINDS.get(theirs, theirs + ' folder')}, not a "
        f"{KINDS[kind]}; choose another --out"
    )


def check_replaceable(
    out_dir: Path, overwrite: bool, finished_file: str = FINISHED_FILE, kind: str = "run"
) -> None:
    """Refuse an ``out_dir`` that a command of ``kind`` may not replace (see the module doc).

    Raises:
        RunFolderError: a file; a folder that is not empty and not citysafe's folder of this
            kind (the message names what it holds); a folder holding files its run did not
            write (even with ``overwrite``); a finished folder without ``overwrite``; a folder
            that cannot be read.
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
        if marker is None and not (out_dir / RESOLVED_FILE).is_file():
            raise _not_ours(out_dir, kind)
    except OSError as exc:
        raise RunFolderError(f"{out_dir}: cannot be read ({exc.strerror or exc})") from None
    if marker is None:
        raise RunFolderError(
            f"{out_dir}: a run folder without citysafe's marker {MARKER_FILE} (an older "
            "version's, or copied by hand), so its files cannot be told from yours; it is not "
            "replaced, even with --overwrite: remove it yourself or choose another --out"
        )
    if (wrong := _other_kind(out_dir, marker, kind)) is not None:
        raise wrong
    if foreign:
        raise RunFolderError(
            f"{out_dir}: holds files its run did not write ({_named(foreign)}); a run folder is "
            "replaced whole, so it is not replaced, even with --overwrite: move them out or "
            "choose another --out"
        )
    if not overwrite:
        noun = {"riskmap": "risk map", "criticality": "criticality analysis"}.get(kind, kind)
        what = f"a finished {noun}" if is_finished(out_dir, finished_file) else KINDS[kind]
        raise RunFolderError(
            f"{out_dir}: holds {what}; pass --overwrite to replace it, or choose another --out"
        )


def _lock_staging(partial: Path, out_dir: Path) -> FolderLock:
    """Create the staging folder if absent and take its lock (the message names ``out_dir``).

    Raises:
        RunFolderError: a staging folder (or file) without the marker (a user's, refused
            untouched; or one another process has just made and holds), another process
            writing it, or one that cannot be made or locked.
    """
    try:
        if partial.exists() or partial.is_symlink():
            if read_marker(partial) is None:
                busy = holder(partial) if partial.is_dir() and not partial.is_symlink() else None
                if busy is not None:
                    raise FolderBusyError(out_dir, busy.get("pid"))
                raise RunFolderError(
                    f"{partial}: exists and was not made by citysafe (no {MARKER_FILE}); it is "
                    "left as it is: move it away or choose another --out"
                )
        partial.mkdir(parents=True, exist_ok=True)
        lock = FolderLock(partial, shown=out_dir)
        lock.acquire()
    except FolderBusyError as exc:
        raise RunFolderError(str(exc)) from None
    except OSError as exc:
        raise RunFolderError(
            f"{partial}: cannot write the run folder here ({exc.strerror or exc})"
        ) from None
    return lock


def _fill_staging(
    partial: Path,
    resolved_text: str,
    finished_file: str,
    marker: dict,
    resume: bool,
    keep_other: bool = False,
) -> None:
    """Under the lock: clear a staging folder of ours left by another scenario or settings
    (always, without ``resume``), write the marker (``marker``: its fingerprint and extra
    fields) first, then the resolved scenario; an earlier attempt's finished file is removed.
    With ``keep_other``, a staging folder of another scenario or settings that holds finished
    work (anything beyond its marker and resolved scenario) is refused instead of cleared.

    Raises:
        RunFolderError: files appeared in it without the marker; or (``keep_other``) it holds
            another scenario's or settings' unfinished work.
        OSError: a file could not be written or removed.
    """
    old = read_marker(partial)
    if old is None and _top_level(partial):
        raise RunFolderError(
            f"{partial}: exists and was not made by citysafe (no {MARKER_FILE}); it is left "
            "as it is: move it away or choose another --out"
        )
    other = old is not None and old.get("fingerprint") != marker["fingerprint_hex"]
    if other and keep_other and resume and set(_top_level(partial)) - {RESOLVED_FILE}:
        was = old.get("settings")
        raise RunFolderError(
            f"{partial}: holds the unfinished work of another scenario or settings"
            + (f" ({', '.join(f'{k} {v}' for k, v in was.items())})" if was else "")
            + f" (its scenario: {partial / RESOLVED_FILE}); it is left as it is: rerun that "
            "scenario to resume it, add --overwrite to discard it, or choose another --out"
        )
    if old is not None and (other or not resume):
        for entry in partial.iterdir():  # ours: another scenario's unfinished run
            if entry.name == LOCK_FILE:
                continue  # held by this process: removing it would let another take it
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    if read_marker(partial) is None:
        write_marker(partial, **marker)  # first, before any file of the run
    (partial / RESOLVED_FILE).write_text(resolved_text, encoding="utf-8")
    (partial / finished_file).unlink(missing_ok=True)


def stage(
    out_dir: Path,
    resolved_text: str,
    overwrite: bool,
    finished_file: str = FINISHED_FILE,
    inputs: Iterable[str | Path] = (),
    *,
    kind: str = "run",
    settings: dict | None = None,
    resume: bool = True,
    hold: contextlib.ExitStack | None = None,
    keep_other: bool = False,
) -> Path:
    """Check that ``out_dir`` may receive the output and prepare its staging folder.

    Args:
        out_dir: the run folder asked for (checked by :func:`resolve_out` against ``inputs``).
        resolved_text: the resolved scenario (written into the staging folder; its fingerprint
            decides whether a staging folder left by an interrupted run is resumed or cleared).
        overwrite: replace a run folder that holds only what its run wrote.
        finished_file: the file whose presence marks a finished folder.
        inputs: folders the run reads (the city's data folder), which must not hold it.
        kind: the command's kind of folder (:data:`KINDS`), recorded in the marker.
        settings: what else shapes the output (an ensemble's replications), in the
            fingerprint: a staging folder of other settings is cleared, not resumed.
        resume: False for a command that cannot resume: its staging folder is always cleared.
        hold: keeps the staging folder's lock until it closes (the command runs and publishes
            under it); without it the lock is released on return.
        keep_other: refuse, rather than clear, a staging folder holding another scenario's or
            settings' finished work (an ensemble's replications: hours of runs are not
            discarded without ``--overwrite``).

    Returns:
        The staging folder (created, holding the marker and ``scenario.resolved.yaml``).

    Raises:
        RunFolderError: the path, ``out_dir`` or an existing staging folder may not be used
            (:func:`resolve_out`, :func:`check_replaceable`; a staging folder without the
            marker), another process is writing it, or the staging folder cannot be made.
    """
    out_dir = resolve_out(out_dir, inputs)
    check_replaceable(out_dir, overwrite, finished_file, kind)
    partial = staging_path(out_dir)
    digest = fingerprint(resolved_text, settings)
    marker = {"fingerprint_hex": digest, "kind": kind} | (
        {"settings": settings} if settings else {}
    )
    lock = _lock_staging(partial, out_dir)
    try:
        _fill_staging(partial, resolved_text, finished_file, marker, resume, keep_other)
    except OSError as exc:
        lock.release()
        raise RunFolderError(
            f"{partial}: cannot write the run folder here ({exc.strerror or exc})"
        ) from None
    except BaseException:
        lock.release()
        raise
    if hold is not None:
        hold.callback(lock.release)
    else:
        lock.release()
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
        fields = ("written_by", "version", "fingerprint", "files")
        extra = {k: v for k, v in marker.items() if k not in fields}  # kind, settings
        write_marker(partial, marker.get("fingerprint"), files=listing(partial), **extra)
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
    with contextlib.suppress(OSError):
        (out_dir / LOCK_FILE).unlink(missing_ok=True)  # the staging folder's, moved with it
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


# ---------------------------------------------------------------- folders written in place


def check_own_folder(
    folder: Path, kind: str, is_legacy: Callable[[Path], bool] | None = None
) -> None:
    """Refuse a ``folder`` that a command writing in place (a sweep, a calibration) may not
    write in: it may be absent or empty, carry the marker of this ``kind``, or be an older
    version's folder of this kind without a marker (``is_legacy``). Reads only.

    Raises:
        RunFolderError: a folder inside another citysafe output folder
            (:func:`check_not_nested`); a file; a folder of other files (named); citysafe's
            folder of another kind; a folder another process has just made and holds; a folder
            that cannot be read.
    """
    check_not_nested(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: exists and is not a folder; choose another --out")
    try:
        marker = read_marker(folder)
        if marker is not None:
            if (wrong := _other_kind(folder, marker, kind)) is not None:
                raise wrong
            return
        if not any(folder.iterdir()) or (is_legacy is not None and is_legacy(folder)):
            return
        if (busy := holder(folder)) is not None:  # just made by another process, not marked yet
            raise RunFolderError(str(FolderBusyError(folder, busy.get("pid"))))
        raise _not_ours(folder, kind)
    except OSError as exc:
        raise RunFolderError(f"{folder}: cannot be read ({exc.strerror or exc})") from None


def take_folder(
    folder: Path,
    kind: str,
    hold: contextlib.ExitStack,
    is_legacy: Callable[[Path], bool] | None = None,
    **info,
) -> None:
    """Take ``folder`` for a command that writes in place: check it
    (:func:`check_own_folder`), create it, take its lock until ``hold`` closes (``info``
    goes into the holder's record, e.g. ``workers``) and mark it (the marker first, before
    any other file; an older version's folder gets it too).

    Raises:
        RunFolderError: the folder may not be used (see :func:`check_own_folder`), another
            process is writing it, or it cannot be made, locked or marked.
    """
    check_own_folder(folder, kind, is_legacy)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FolderLock(folder, **info)
        lock.acquire()
    except FolderBusyError as exc:
        raise RunFolderError(str(exc)) from None
    except OSError as exc:
        raise RunFolderError(f"{folder}: cannot write here ({exc.strerror or exc})") from None
    hold.callback(lock.release)
    try:
        if read_marker(folder) is None:
            write_marker(folder, kind=kind)
    except OSError as exc:
        raise RunFolderError(f"{folder}: cannot write here ({exc.strerror or exc})") from None
