"""Progress of a sweep folder, read from disk (works while the sweep runs or after a kill).

Reading changes nothing: damaged files are reported here and mended by the next
``sweep run --resume`` (:mod:`sim.studies.sweep.store`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sim.scenario.loader import Problem
from sim.studies.sweep.files import scan_jsonl
from sim.studies.sweep.store import SweepStore, lock_info, read_plan


@dataclass
class SweepStatus:
    """Counts of a sweep folder.

    Attributes:
        total, done, pending: runs in the plan, finished, not finished (damaged included).
        failed: unfinished runs with at least one recorded failure.
        failed_attempts: failure lines in failures.jsonl.
        by_scenario: scenario label → (done, total).
        mean_run_s: mean model wall time of finished runs (summary ``wall_time_s``), or None.
        running: the running sweep's lock record (pid, workers, start) or None.
        eta_s: pending × mean_run_s / workers when running, else None.
        last_errors: the last failure line of each failed run (run id → error text).
        damaged: run files of planned runs that are not a valid result (file, field, what
            is wrong): corrupt, rerun by the next ``--resume``.
        strays: run files of runs the plan does not hold (ignored).
        log_problems: unreadable lines of manifest.jsonl and failures.jsonl (file,
            ``line N``, torn or garbled; a torn last line is not one while the sweep runs:
            it may be a line being written).
        set_aside: files in ``damaged/`` (set aside by earlier resumes, kept for inspection).
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
    damaged: list[Problem] = field(default_factory=list)
    strays: list[Problem] = field(default_factory=list)
    log_problems: list[Problem] = field(default_factory=list)
    set_aside: int = 0


def sweep_status(sweep_dir: str | Path) -> SweepStatus:
    """Read the progress of the sweep in ``sweep_dir`` without changing anything.

    Raises:
        SweepFolderError: no sweep there, or its plan cannot be read (the message says how
            to rebuild it).
        OSError: a file of the folder exists but cannot be read (permissions).
    """
    sweep_dir = Path(sweep_dir)
    plan = read_plan(sweep_dir)[["run_id", "scenario"]]
    store = SweepStore(sweep_dir)
    scan = store.scan(repair=False)
    rows = scan.rows
    done_ids = set(rows) & set(plan["run_id"])
    _, manifest_problems = scan_jsonl(store.manifest_path)
    failures, failure_problems = scan_jsonl(store.failures_path)
    last_errors = {
        f["run_id"]: f.get("error", "")
        for f in failures
        if f.get("run_id") is not None and f["run_id"] not in done_ids
    }
    by_scenario = {}
    for label, group in plan.groupby("scenario", sort=False):
        by_scenario[str(label)] = (int(group["run_id"].isin(done_ids).sum()), len(group))
    walls = [r["wall_time_s"] for r in rows.values() if r.get("wall_time_s") is not None]
    mean_run_s = sum(walls) / len(walls) if walls else None
    running = lock_info(sweep_dir)
    log_problems = manifest_problems + failure_problems
    if running:  # a torn last line may be a line being appended right now
        log_problems = [p for p in log_problems if not p.message.startswith("torn last line")]
    pending = len(plan) - len(done_ids)
    eta = None
    if running and mean_run_s is not None:
        eta = pending * mean_run_s / max(1, int(running.get("workers", 1)))
    set_aside = store.damaged_dir
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
        damaged=scan.damaged,
        strays=scan.strays,
        log_problems=log_problems,
        set_aside=len(list(set_aside.iterdir())) if set_aside.is_dir() else 0,
    )
