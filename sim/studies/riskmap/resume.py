"""Finished replications of a risk map kept on disk, so an interrupted risk map resumes.

Each finished :class:`~sim.studies.riskmap.montecarlo.Replication` is saved as one Parquet
file, ``replication-NNNN.parquet`` in the folder :data:`SAVED_DIR` of the risk map's staging
folder: its harm records as the table, its index, seed, totals and wall time, and the key of
the scenario it ran (:func:`scenario_key`) in the file's schema metadata. The file is written
whole or not at all (:func:`~sim.studies.sweep.files.atomic_write_bytes`), so Ctrl-C never
leaves a half-written replication that would be read back as finished.

A rerun reads back only the replications of the same scenario (the same key: the resolved
scenario, its seed and overrides included) whose seed is the one the plan gives their index
(:func:`~sim.studies.riskmap.montecarlo.replication_seeds`); anything else (another scenario's
file, an unreadable file, an index beyond N) is not used and its replication runs again. A
replication's records depend on its scenario and seed alone, so a resumed risk map equals an
uninterrupted one with the same seed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.scenario.loader import dump_resolved
from sim.studies.riskmap.montecarlo import Replication
from sim.studies.sweep.files import atomic_write_bytes

SAVED_DIR = "replications"
"""Folder of the finished replications inside a risk map's staging folder (removed before the
risk map is published: its content is in ``replications.csv`` and the inventory)."""

_META_KEY = b"citysafe.riskmap.replication"
_NAME = re.compile(r"replication-(\d{4,})\.parquet")


def scenario_key(scenario) -> str:
    """sha256 (hex) of the resolved scenario's text (:func:`~sim.scenario.loader.dump_resolved`):
    a saved replication is reused only by a risk map of the same scenario."""
    return hashlib.sha256(dump_resolved(scenario).encode("utf-8")).hexdigest()


def saved_path(folder: Path, index: int) -> Path:
    """The file of replication ``index`` (0-based) in ``folder``."""
    return Path(folder) / f"replication-{index:04d}.parquet"


def save_replication(folder: Path, rep: Replication, key: str) -> Path:
    """Save a finished replication into ``folder`` (created), atomically.

    Args:
        folder: the staging folder's :data:`SAVED_DIR`.
        rep: the finished replication.
        key: :func:`scenario_key` of the scenario it ran.

    Returns:
        The file written.

    Raises:
        OSError: the file could not be written (nothing half-written is left).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "key": key,
        "index": int(rep.index),
        "seed": int(rep.seed),
        "deaths": float(rep.deaths),
        "injuries": float(rep.injuries),
        "loss_yuan": float(rep.loss_yuan),
        "classified_events": int(rep.classified_events),
        "wall_time_s": float(rep.wall_time_s),
    }  # json writes floats by repr: they read back exactly
    table = pa.Table.from_pandas(rep.records, preserve_index=False)
    meta = dict(table.schema.metadata or {}) | {_META_KEY: json.dumps(info).encode("utf-8")}
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(meta), sink)
    path = saved_path(folder, rep.index)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())
    return path


def _read(path: Path) -> tuple[Replication, str] | None:
    """The replication saved in ``path`` and the key it ran under; None if unreadable."""
    try:
        table = pq.read_table(path)
        info = json.loads(table.schema.metadata[_META_KEY])
        rep = Replication(
            index=int(info["index"]),
            seed=int(info["seed"]),
            records=table.to_pandas(),
            deaths=float(info["deaths"]),
            injuries=float(info["injuries"]),
            loss_yuan=float(info["loss_yuan"]),
            classified_events=int(info["classified_events"]),
            wall_time_s=float(info["wall_time_s"]),
        )
    except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
        return None
    return rep, str(info.get("key"))


def load_replications(folder: Path, seeds: list[int], key: str) -> dict[int, Replication]:
    """The replications an interrupted risk map of the same scenario finished in ``folder``.

    Args:
        folder: the staging folder's :data:`SAVED_DIR` (absent: none).
        seeds: the plan's seed of each replication index (N = ``len(seeds)``).
        key: :func:`scenario_key` of the scenario about to run.

    Returns:
        Index -> replication, for each file whose key, index (< N) and seed match the plan;
        the others are left out (their replications run again and overwrite them).
    """
    found: dict[int, Replication] = {}
    if not Path(folder).is_dir():
        return found
    for path in sorted(Path(folder).iterdir()):
        match = _NAME.fullmatch(path.name)
        if match is None or not path.is_file():
            continue  # a temporary of a write cut short, or not ours
        index = int(match.group(1))
        if index >= len(seeds):
            continue
        saved = _read(path)
        if saved is None:
            continue
        rep, its_key = saved
        if its_key == key and rep.index == index and rep.seed == seeds[index]:
            found[index] = rep
    return found
