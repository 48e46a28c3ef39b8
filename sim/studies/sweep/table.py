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

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.studies.sweep.spec import META_COLUMNS, OUTCOME_KEYS


class SweepFolderError(FileNotFoundError):
    """The path is not a sweep folder (no ``plan.parquet``)."""


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
        plan) and ``sweep_dir``. Unfinished runs are absent: compare ``len(df)`` with
        ``df.attrs["total_runs"]``.

    Raises:
        SweepFolderError: ``sweep_dir`` holds no sweep.
    """
    sweep_dir = Path(sweep_dir)
    plan_path = sweep_dir / "plan.parquet"
    if not plan_path.exists():
        raise SweepFolderError(f"{sweep_dir}: not a sweep folder (no plan.parquet)")
    plan = pq.read_table(plan_path).to_pandas()
    files = sorted(p for p in (sweep_dir / "runs").glob("*.parquet") if not p.name.startswith("."))
    if files:
        tables = [pq.read_table(f) for f in files]
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
    return df
