"""Run folders that appear only when finished: a run writes into a staging folder beside its
run folder (``<out>.partial``) and the staging folder is renamed into place at the end.

So an interrupted or failed run never leaves anything that looks complete, and never mixes
its files with a previous run's: the previous finished folder stays as it was until the new
one replaces it (two renames in the same parent folder). A finished run folder holds
``summary.json`` (written last); it is replaced only when the caller says so (``--overwrite``).
A staging folder left by an interrupted run of the *same* resolved scenario is reused, so a
long run's finished shock windows are not run again (:mod:`sim.results.shocks`); any other
leftover is cleared first. A folder that is neither empty nor a run folder is never replaced
(it may hold someone's files).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PARTIAL_SUFFIX = ".partial"
FINISHED_FILE = "summary.json"
RESOLVED_FILE = "scenario.resolved.yaml"


class RunFolderError(Exception):
    """The run folder cannot be used: the message names it and says what to do."""


def is_finished(folder: Path, finished_file: str = FINISHED_FILE) -> bool:
    """A run folder whose run finished (``finished_file`` is written last: ``summary.json``
    for a run, ``ensemble.json`` for an ensemble)."""
    return (Path(folder) / finished_file).is_file()


def staging_path(out_dir: Path) -> Path:
    """Where a run into ``out_dir`` writes until it finishes."""
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + PARTIAL_SUFFIX)


def stage(
    out_dir: Path, resolved_text: str, overwrite: bool, finished_file: str = FINISHED_FILE
) -> Path:
    """Check that ``out_dir`` may receive the run and prepare its staging folder.

    Args:
        out_dir: the run folder asked for.
        resolved_text: the resolved scenario (written into the staging folder; decides
            whether a staging folder left by an interrupted run is resumed or cleared).
        overwrite: replace a finished run folder.
        finished_file: the file whose presence marks a finished folder.

    Returns:
        The staging folder (created, holding ``scenario.resolved.yaml``).

    Raises:
        RunFolderError: ``out_dir`` is a file, holds a finished run and ``overwrite`` is
            false, or holds files that are not a run's; or the staging folder cannot be made.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise RunFolderError(f"{out_dir}: exists and is not a folder; choose another --out")
        if is_finished(out_dir, finished_file) and not overwrite:
            raise RunFolderError(
                f"{out_dir}: holds a finished run; pass --overwrite to replace it, or choose "
                "another --out"
            )
        if any(out_dir.iterdir()) and not (out_dir / RESOLVED_FILE).is_file():
            raise RunFolderError(
                f"{out_dir}: is not empty and not a run folder (no {RESOLVED_FILE}); choose "
                "another --out"
            )
    partial = staging_path(out_dir)
    try:
        if partial.exists():
            previous = partial / RESOLVED_FILE
            same = previous.is_file() and previous.read_text(encoding="utf-8") == resolved_text
            if not same or not partial.is_dir():
                _remove(partial)
        partial.mkdir(parents=True, exist_ok=True)
        (partial / RESOLVED_FILE).write_text(resolved_text, encoding="utf-8")
    except OSError as exc:
        raise RunFolderError(
            f"{partial}: cannot write the run folder here ({exc.strerror or exc})"
        ) from None
    (partial / finished_file).unlink(missing_ok=True)
    return partial


def publish(partial: Path, out_dir: Path, finished_file: str = FINISHED_FILE) -> None:
    """Move a finished staging folder into place, replacing ``out_dir`` if it exists.

    Raises:
        RunFolderError: the staging folder holds no summary (not finished), or a rename
            failed (the message says where each folder is).
    """
    partial, out_dir = Path(partial), Path(out_dir)
    if not is_finished(partial, finished_file):
        raise RunFolderError(f"{partial}: the run did not finish (no {finished_file})")
    old = out_dir.with_name(f"{out_dir.name}.replaced-{os.getpid()}")
    try:
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(partial, out_dir)
    except OSError as exc:
        raise RunFolderError(
            f"{out_dir}: cannot move the finished run into place ({exc.strerror or exc}); "
            f"it is in {partial}"
        ) from None
    if old.exists():
        _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
