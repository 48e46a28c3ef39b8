"""Results of a dispatcher: the job table (one row per incident) and its headline figures."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.response.dispatch.records import Job


def job_records(jobs: Iterable[Job]) -> pd.DataFrame:
    """One row per submitted incident.

    Columns: incident_id, kind, district, severity, persons_at_risk, t_created_h,
    t_submitted_h, t_first_dispatch_h, first_arrival_h, full_bundle_h, complete_h,
    t_completed_h, n_legs, response_h (first arrival - creation), bundle_delay_h (full
    bundle - creation). Times in hours; times not reached are NaN.
    """
    jobs = list(jobs)
    fa = np.array([j.first_arrival_h for j in jobs], dtype=float)
    fa[~np.isfinite(fa)] = np.nan
    tc = np.array([j.incident.t_created_h for j in jobs], dtype=float)
    full = np.array([j.full_bundle_h for j in jobs], dtype=float)
    return pd.DataFrame(
        {
            "incident_id": np.array([j.incident.id for j in jobs], dtype=np.int64),
            "kind": [j.incident.kind for j in jobs],
            "district": np.array([j.incident.district for j in jobs], dtype=np.int64),
            "severity": np.array([j.incident.severity for j in jobs], dtype=float),
            "persons_at_risk": np.array([j.incident.persons_at_risk for j in jobs], np.int64),
            "t_created_h": tc,
            "t_submitted_h": np.array([j.t_submitted_h for j in jobs], dtype=float),
            "t_first_dispatch_h": np.array([j.t_first_dispatch_h for j in jobs], float),
            "first_arrival_h": fa,
            "full_bundle_h": full,
            "complete_h": np.array([j.complete_h for j in jobs], dtype=float),
            "t_completed_h": np.array([j.t_completed_h for j in jobs], dtype=float),
            "n_legs": np.array([len(j.legs) for j in jobs], dtype=np.int64),
            "response_h": fa - tc,
            "bundle_delay_h": full - tc,
        }
    )


def service_summary(rec: pd.DataFrame, t: float) -> dict[str, float]:
    """Headline service figures at ``t`` (h) from :func:`job_records`: incidents, served
    (full bundle on scene), unmet, never dispatched (counts), mean response and bundle delay
    (h)."""
    served = rec["full_bundle_h"] <= t + 1e-9
    never = rec["t_first_dispatch_h"].isna()
    return {
        "n_incidents": float(len(rec)),
        "n_full_bundle": float(served.sum()),
        "n_unmet": float((~served).sum()),
        "n_never_dispatched": float(never.sum()),
        "mean_response_h": float(rec["response_h"].mean()),
        "mean_bundle_delay_h": float(rec.loc[served, "bundle_delay_h"].mean()),
    }
