"""A sweep's output folder: results stream to disk as runs end, and nothing is lost on a kill.

Layout of ``OUT/``::

    spec.resolved.yaml   the validated spec (absolute scenario paths, defaults filled in)
    plan.parquet         every run of the sweep: run_id, scenario, point, replication, seed,
                         parameters, scenario path and overrides
    runs/<run_id>.parquet   one row per finished run (written to a hidden temporary name,
                         fsync'ed, then ``os.replace``'d: a file either is complete or absent)
    manifest.jsonl       one line per finished run: run_id, scenario_hash, seed, ...; the
                         key of a result is (scenario_hash, seed)
    failures.jsonl       one line per failed attempt, with the error text and traceback
    run_folders/<run_id>/   only with ``keep_run_folders: true``
    .lock                held (flock) by the running sweep; holds its pid and worker count

The run files are the truth: on start the store drops half-written temporaries and unreadable
files, then rebuilds the manifest lines of finished runs that lack one (a kill can fall
between the two writes). A run is done exactly when its file is valid, so a resumed sweep
runs each missing run once and never duplicates a finished one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.studies.sweep.design import RunRecord, plan_frame
from sim.studies.sweep.spec import ExperimentSpec, dump_spec

SPEC_FILE = "spec.resolved.yaml"
PLAN_FILE = "plan.parquet"
RUNS_DIR = "runs"
MANIFEST_FILE = "manifest.jsonl"
FAILURES_FILE = "failures.jsonl"
LOCK_FILE = ".lock"


class SweepError(RuntimeError):
    """The sweep folder cannot be used as asked (not empty, another spec, locked)."""


def _now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a hidden temporary file, fsync and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line with a single O_APPEND write (no interleaving, no partial
    line unless the process dies inside the write; readers skip such a line)."""
    line = (json.dumps(record, sort_keys=False, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Lines of a JSONL file; unparsable lines (a killed writer's last) are skipped."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


class SweepStore:
    """The output folder of one sweep.

    Args:
        out_dir: the folder (created by :meth:`open`).
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.runs_dir = self.out_dir / RUNS_DIR
        self.manifest_path = self.out_dir / MANIFEST_FILE
        self.failures_path = self.out_dir / FAILURES_FILE
        self._lock_fd: int | None = None

    # --- opening -------------------------------------------------------------------------
    def open(
        self, spec: ExperimentSpec, runs: list[RunRecord], resume: bool, workers: int = 1
    ) -> None:
        """Take the folder for this sweep: lock it, check or write the spec and plan.

        Raises:
            SweepError: the folder holds files but ``resume`` is False; it holds another
                spec's sweep; another sweep is running in it; it cannot be written.
        """
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepError(f"{self.out_dir}: cannot create the sweep folder ({exc})") from None
        has_files = any(p.name != LOCK_FILE for p in self.out_dir.iterdir())
        if has_files and not resume:
            raise SweepError(
                f"{self.out_dir}: folder is not empty; pass --resume to continue the sweep "
                "saved there, or choose another --out"
            )
        self._lock(workers)
        plan = plan_frame(runs)
        plan_path = self.out_dir / PLAN_FILE
        if has_files:
            if not plan_path.exists():
                self.close()
                raise SweepError(
                    f"{self.out_dir}: not a sweep folder ({PLAN_FILE} missing); choose "
                    "another --out"
                )
            saved = pq.read_table(plan_path).to_pandas()
            cols = ["run_id", "seed", "overrides"]
            if any(saved[c].tolist() != plan[c].tolist() for c in cols):
                self.close()
                n_saved, n_now = len(saved), len(plan)
                raise SweepError(
                    f"{self.out_dir}: holds runs of another plan ({n_saved} runs there, "
                    f"{n_now} now: a different spec, scenario overrides or number of "
                    f"replications; see {SPEC_FILE}); choose another --out"
                )
        else:
            atomic_write_bytes(self.out_dir / SPEC_FILE, dump_spec(spec).encode("utf-8"))
            buf = pa.BufferOutputStream()
            pq.write_table(pa.Table.from_pandas(plan, preserve_index=False), buf)
            atomic_write_bytes(plan_path, buf.getvalue().to_pybytes())
        self.runs_dir.mkdir(exist_ok=True)

    def _lock(self, workers: int) -> None:
        fd = os.open(self.out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SweepError(f"{self.out_dir}: another sweep is running in this folder") from None
        info = {"pid": os.getpid(), "workers": workers, "started_utc": _now_utc()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        self._lock_fd = fd

    def close(self) -> None:
        """Release the folder's lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    # --- reading -------------------------------------------------------------------------
    def run_files(self) -> list[Path]:
        """Finished runs' files (hidden temporaries excluded), sorted by name."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p for p in self.runs_dir.glob("*.parquet") if not p.name.startswith("."))

    def completed(self, repair: bool = True) -> dict[str, dict[str, Any]]:
        """Run id → row of every valid finished run.

        With ``repair`` (the running sweep only), deletes temporaries and unreadable run
        files and rewrites the manifest to list exactly the finished runs.
        """
        rows: dict[str, dict[str, Any]] = {}
        for path in self.run_files():
            try:
                table = pq.read_table(path)
                row = table.to_pylist()[0] if table.num_rows == 1 else None
            except (OSError, pa.ArrowException, IndexError):
                row = None
            if row is not None and row.get("run_id") == path.stem:
                rows[path.stem] = row
            elif repair:
                path.unlink()
        if repair:
            for tmp in self.runs_dir.glob(".*.tmp-*"):
                tmp.unlink()
            self._reconcile_manifest(rows)
        return rows

    def _reconcile_manifest(self, rows: dict[str, dict[str, Any]]) -> None:
        lines = {}
        for rec in read_jsonl(self.manifest_path):
            if rec.get("run_id") in rows and rec["run_id"] not in lines:
                lines[rec["run_id"]] = rec
        for run_id, row in rows.items():
            if run_id not in lines:
                mtime = (self.runs_dir / f"{run_id}.parquet").stat().st_mtime
                rec = self._manifest_record(row, attempts=None)
                rec["finished_utc"] = dt.datetime.fromtimestamp(mtime, dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
                lines[run_id] = rec
        text = "".join(json.dumps(r, default=str) + "\n" for r in lines.values())
        old = self.manifest_path.read_text(encoding="utf-8") if self.manifest_path.exists() else ""
        if text != old:
            atomic_write_bytes(self.manifest_path, text.encode("utf-8"))

    # --- writing -------------------------------------------------------------------------
    @staticmethod
    def _manifest_record(row: dict[str, Any], attempts: int | None) -> dict[str, Any]:
        return {
            "run_id": row["run_id"],
            "scenario_hash": row.get("scenario_hash"),
            "seed": row.get("seed"),
            "scenario": row.get("scenario"),
            "point": row.get("point"),
            "replication": row.get("replication"),
            "file": f"{RUNS_DIR}/{row['run_id']}.parquet",
            "attempts": attempts,
            "wall_time_s": row.get("wall_time_s"),
            "finished_utc": _now_utc(),
        }

    def write_row(self, row: dict[str, Any], attempts: int = 1) -> Path:
        """Save a finished run's row (atomically), then its manifest line."""
        path = self.runs_dir / f"{row['run_id']}.parquet"
        buf = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist([row]), buf)
        atomic_write_bytes(path, buf.getvalue().to_pybytes())
        _append_line(self.manifest_path, self._manifest_record(row, attempts))
        return path

    def record_failure(self, run: RunRecord, attempt: int, kind: str, error: str, tb: str) -> None:
        """Append one failed attempt to failures.jsonl."""
        _append_line(
            self.failures_path,
            {
                "run_id": run.run_id,
                "attempt": attempt,
                "kind": kind,
                "error": error,
                "traceback": tb,
                "time_utc": _now_utc(),
            },
        )


def lock_info(out_dir: str | Path) -> dict[str, Any] | None:
    """The running sweep's lock record (pid, workers, start), or None when none runs."""
    path = Path(out_dir) / LOCK_FILE
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                return json.loads(path.read_text(encoding="utf-8") or "{}")
            except json.JSONDecodeError:
                return {}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
