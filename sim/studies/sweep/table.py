"""Read a sweep folder into one tidy table: one row per finished run.

Large sweeps can be queried without loading everything, e.g. with DuckDB::

    import duckdb
    duckdb.query(
        "select scenario, teams_scale, avg(response_time_mean_min) "
        "from read_parquet('OUT/runs/*.parquet') group by all order by all"
    ).df()

(every run file has the same columns; ``OUT`` is the sweep folder).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sim.studies.sweep.spec import META_COLUMNS, OUTCOME_KEYS
from sim.studies.sweep.store import SweepFolderError, SweepStore, read_plan

__all__ = ["SweepDamageWarning", "SweepFolderError", "load", "partial_notes"]


class SweepDamageWarning(UserWarning):
    """Some run files of the sweep are damaged and were left out of the table."""


def load(sweep_dir: str | Path) -> pd.DataFrame:
    """The finished runs of a sweep as a pandas DataFrame.

    Args:
        sweep_dir: a folder written by ``citysafe sweep``.

    Returns:
        One row per finished run, ordered as the plan (replication, scenario, point), with
        columns ``run_id, scenario, point, replication, seed, scenario_hash``, one column per
        parameter (its name: the path's last segment unless the spec set ``name:``), and the
        outcomes kept (summary keys, :data:`sim.results.summary.SUMMARY_KEYS`). ``df.attrs``
        holds ``parameters``, ``outcomes`` (column-name lists), ``total_runs`` (runs in the
        plan), ``sweep_dir`` and ``damaged`` (one ``FILE: field: what is wrong`` line per
        damaged run file, left out). Only valid run files count (checked against the plan,
        :func:`sim.studies.sweep.store.check_run_file`), so no run appears twice. Unfinished
        and damaged runs are absent: compare ``len(df)`` with ``df.attrs["total_runs"]``
        (:func:`partial_notes` words it).

    Warns:
        SweepDamageWarning: when run files are damaged (they are left out).

    Raises:
        SweepFolderError: ``sweep_dir`` holds no sweep, or its plan cannot be read.
    """
    sweep_dir = Path(sweep_dir)
    plan = read_plan(sweep_dir)
    scan = SweepStore(sweep_dir).scan(plan)
    tables = list(scan.tables.values())
    if tables:
        try:
            df = pa.concat_tables(tables, promote_options="permissive").to_pandas()
        except pa.ArrowInvalid:  # pragma: no cover - incompatible column types
            df = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
    else:
        df = pd.DataFrame(columns=list(META_COLUMNS))
    order = {run_id: i for i, run_id in enumerate(plan["run_id"])}
    df = df[df["run_id"].isin(order)]
    df = df.iloc[df["run_id"].map(order).argsort(kind="stable")].reset_index(drop=True)
    plan_params = [
        c for c in plan.columns if c not in (*META_COLUMNS, "scenario_path", "overrides")
    ]
    df.attrs["parameters"] = plan_params
    df.attrs["outcomes"] = [c for c in df.columns if c in OUTCOME_KEYS]
    df.attrs["total_runs"] = len(plan)
    df.attrs["sweep_dir"] = str(sweep_dir)
    df.attrs["damaged"] = [str(p) for p in scan.damaged]
    if scan.damaged:
        warnings.warn(
            f"{sweep_dir}: {len(scan.damaged)} damaged run file(s) left out: "
            + "; ".join(df.attrs["damaged"][:3]),
            SweepDamageWarning,
            stacklevel=2,
        )
    return df


def partial_notes(df: pd.DataFrame, what: str) -> list[str]:
    """Warnings for a table that holds fewer runs than its plan (none when complete).

    Args:
        df: a table of :func:`load`.
        what: what is computed from it (e.g. ``"the report"``), for the message.

    Returns:
        One line per damaged run file (the first 20), then one summary line: how many runs
        ``what`` uses of the plan's, how many are damaged and unfinished, and how to
        complete them.
    """
    damaged = list(df.attrs.get("damaged", []))
    total = int(df.attrs.get("total_runs", len(df)))
    if len(df) >= total and not damaged:
        return []
    folder = df.attrs.get("sweep_dir", "the sweep folder")
    notes = [f"warning: damaged, left out: {d}" for d in damaged[:20]]
    if len(damaged) > 20:
        notes.append(f"warning: damaged, left out: ... {len(damaged) - 20} more")
    unfinished = total - len(df) - len(damaged)
    notes.append(
        f"warning: {what} uses {len(df)} of {total} runs ({len(damaged)} damaged, "
        f"{unfinished} not finished): means are over fewer replications where runs are "
        f"missing; `citysafe sweep SPEC --out {folder} --resume` reruns them"
    )
    return notes
