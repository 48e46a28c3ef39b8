"""The data files a sweep's runs read, recorded when the sweep starts and checked when it
resumes, so that one table never holds runs of two versions of a city, a track or a network.

``scenarios.resolved.json`` (:mod:`sim.studies.sweep.store`) pins what the scenario files say;
the files a scenario points to — the city's data folder (``districts.csv``,
``districts.geojson``, ``links.csv``, ``exposure_totals.csv``, ``city.yaml``, relocation rules,
resources, warning criteria), the track and wind radii, storm-surge tables, network imports, a
long run's shock scenarios — are listed by :func:`sim.models.data_check.input_files` (the files
``validate`` and ``run`` open) and their content recorded in :data:`INPUTS_FILE`
(:mod:`sim.core.file_digests`: path, SHA-256, size; a file the run looks for and does not find
is recorded as absent). Every resume of a sweep, ``compare``, ``run --replications`` and a
calibration's batches compares; any file changed, added or removed is refused, naming the
files. The executor compares once more when the last run ends
(:func:`changed_while_running`): files edited while the sweep ran are a warning, and the next
resume refuses them.

Which runs are listed: each scenario's first run, and one run for every other combination of
its parameters' values that are not numbers (a grid over ``city.data_dir``, a track file, a
mode). A number does not name a file, so the points that differ only in numbers read the same
files. Recording costs loading those scenarios and reading their files once: 3 ms for
``experiments/smoke.yaml`` (Lekima's ten files, 282 kB), 12 ms for the two long runs of
``experiments/white-elephant.yaml`` (measured), at start, at each resume and at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.core.file_digests import HASH, changes, digests, named
from sim.models.data_check import input_files
from sim.scenario.loader import ScenarioError, apply_overrides, read_with_extends, validate_mapping
from sim.studies.sweep.checks import is_number
from sim.studies.sweep.design import RunRecord
from sim.studies.sweep.files import atomic_write_bytes

INPUTS_FILE = "inputs.json"
"""The sweep folder's record of its runs' data files: ``{"hash": "sha256", "files": {PATH:
{"sha256": HEX, "bytes": N} | null}}`` (null: looked for, absent)."""


def representatives(runs: list[RunRecord]) -> list[RunRecord]:
    """One run per scenario and combination of its parameters' values that are not numbers
    (module doc), in plan order."""
    chosen: dict[tuple, RunRecord] = {}
    for run in runs:
        key = (run.scenario, tuple(sorted(
            (name, repr(v)) for name, v in run.params.items() if not is_number(v)
        )))  # fmt: skip
        chosen.setdefault(key, run)
    return list(chosen.values())


def _scenario(run: RunRecord):
    """The run's scenario, its data files not required to exist (a file removed since the
    sweep started is then reported as removed, alone), or None when it does not load."""
    path = Path(run.scenario_path).resolve()
    try:
        data = apply_overrides(read_with_extends(path), list(run.overrides), str(path))
        return validate_mapping(data, str(path), path.parent, check_files=False)
    except (ScenarioError, OSError, ValueError):  # ValueError: a NUL in a path
        return None


def input_digests(runs: list[RunRecord]) -> dict[str, dict | None]:
    """Path → content record (:func:`sim.core.file_digests.digests`) of every data file the
    :func:`representatives` of ``runs`` read. A scenario that does not load is left out (its
    runs fail and are recorded as such)."""
    paths: set[Path] = set()
    for run in representatives(runs):
        if (scenario := _scenario(run)) is not None:
            paths.update(input_files(scenario))
    return digests(paths)


def write_inputs(folder: Path, files: dict[str, dict | None]) -> None:
    """Write :data:`INPUTS_FILE` (atomically). Raises OSError when it cannot be written."""
    text = json.dumps({"hash": HASH, "files": files}, indent=1, sort_keys=True) + "\n"
    atomic_write_bytes(folder / INPUTS_FILE, text.encode("utf-8"))


def read_inputs(folder: Path) -> dict[str, dict | None]:
    """The recorded files of :data:`INPUTS_FILE`.

    Raises:
        FileNotFoundError: no such file (a folder of an earlier version).
        ValueError: not the JSON this module writes (truncated, garbled, another hash).
    """
    data = json.loads((folder / INPUTS_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("hash") != HASH:
        raise ValueError(f"not a record of {HASH} digests")
    files = data.get("files")
    if not isinstance(files, dict) or not all(v is None or isinstance(v, dict)
                                              for v in files.values()):  # fmt: skip
        raise ValueError("its 'files' are not a mapping of path to digest")
    return files


def changed_message(folder: Path, changed: list[str]) -> str:
    """The refusal of a resume whose data files changed (``changed``: from
    :func:`sim.core.file_digests.changes`)."""
    return (
        f"{folder}: data files changed since its runs started: {named(changed)}; the finished "
        "runs read them as they were, so new runs would mix two versions of the data in one "
        "table. Restore the files to resume, or start again in another --out (the files as "
        f"the runs read them are recorded in {folder / INPUTS_FILE})"
    )


def changed_while_running(folder: Path, runs: list[RunRecord]) -> str | None:
    """A warning when the data files differ from :data:`INPUTS_FILE` now that the runs have
    ended (edited while the sweep ran: runs may have read either version), else None."""
    try:
        before = read_inputs(folder)
    except (OSError, ValueError):
        return None
    changed = changes(before, input_digests(runs))
    if not changed:
        return None
    return (
        f"{folder}: data files changed while the runs ran: {named(changed)}; runs finished "
        "since may have read either version, so the table may mix them: start again in "
        "another --out"
    )
