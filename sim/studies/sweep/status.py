"""Progress of a sweep folder, read from disk (works while the sweep runs or after a kill)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from sim.studies.sweep.store import PLAN_FILE, SweepStore, lock_info, read_jsonl
from sim.studies.sweep.table import SweepFolderError


@dataclass
class SweepStatus:
    """Counts of a sweep folder.

    Attributes:
        total, done, pending: runs in the plan, finished, not finished.
        failed: unfinished runs with at least one recorded failure.
        failed_attempts: failure lines in failures.jsonl.
        by_scenario: scenario label → (done, total).
        mean_run_s: mean model wall time of finished runs (summary ``wall_time_s``), or None.
        running: the running sweep's lock record (pid, workers, start) or None.
        eta_s: pending × mean_run_s / workers when running, else None.
        last_errors: the last failure line of each failed run (run id → error text).
    """

    total: int
    done: int
    pending: int
    failed: int
    failed_attempts: int
    by_scenario: dict[str, tuple[int, int]] = field(default_factory=dict)
    mean_run_s: float | None = None
    running: dict | None = None
    eta_s: float | None = None
    last_errors: dict[str, str] = field(default_factory=dict)


def sweep_status(sweep_dir: str | Path) -> SweepStatus:
    """Read the progress of the sweep in ``sweep_dir`` without changing anything.

    Raises:
        SweepFolderError: no sweep there.
    """
    sweep_dir = Path(sweep_dir)
    if not (sweep_dir / PLAN_FILE).exists():
        raise SweepFolderError(f"{sweep_dir}: not a sweep folder (no {PLAN_FILE})")
    plan = pq.read_table(sweep_dir / PLAN_FILE, columns=["run_id", "scenario"]).to_pandas()
    store = SweepStore(sweep_dir)
    rows = store.completed(repair=False)
    done_ids = set(rows) & set(plan["run_id"])
    failures = read_jsonl(store.failures_path)
    last_errors = {f["run_id"]: f.get("error", "") for f in failures if f["run_id"] not in done_ids}
    by_scenario = {}
    for label, group in plan.groupby("scenario", sort=False):
        by_scenario[str(label)] = (int(group["run_id"].isin(done_ids).sum()), len(group))
    walls = [r["wall_time_s"] for r in rows.values() if r.get("wall_time_s") is not None]
    mean_run_s = sum(walls) / len(walls) if walls else None
    running = lock_info(sweep_dir)
    pending = len(plan) - len(done_ids)
    eta = None
    if running and mean_run_s is not None:
        eta = pending * mean_run_s / max(1, int(running.get("workers", 1)))
    return SweepStatus(
        total=len(plan),
        done=len(done_ids),
        pending=pending,
        failed=len(last_errors),
        failed_attempts=len(failures),
        by_scenario=by_scenario,
        mean_run_s=mean_run_s,
        running=running,
        eta_s=eta,
        last_errors=last_errors,
    )
