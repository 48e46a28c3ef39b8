"""The emergency window's tables as written to the run folder: whole persons, district names.

The model keeps its own arithmetic (expected persons are fractions: a household group's
relocation is its share willing to leave times its persons; an SEIR compartment is a real
number); only what is written is put in whole persons here, so no summary value and no figure
changes. Columns of every table: docs/outputs.md.

- :func:`whole_persons`: the largest-remainder (Hamilton) rule — each share rounded down, the
  units left over given one each to the largest remainders — so the whole numbers add up to
  the rounded total (Balinski & Young 2001, *Fair Representation*, 2nd ed., Brookings,
  ch. 2 and appendix A: Hamilton's method).
- :func:`whole_persons_by_hour`: that rule per model hour over the districts, so the written
  districts of an hour add up to the written city total of that hour.
- :func:`incidents_table`: ``incidents.parquet``, one row per job with its district's name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INCIDENT_COLUMNS = (
    "incident_id",
    "kind",
    "district",
    "district_name",
    "severity",
    "persons_at_risk",
    "t_created_h",
    "t_submitted_h",
    "t_first_dispatch_h",
    "first_arrival_h",
    "full_bundle_h",
    "t_completed_h",
    "n_legs",
    "response_h",
    "bundle_delay_h",
)
"""Columns of ``incidents.parquet``, in order (units and meaning: docs/outputs.md). The
dispatcher's scheduled completion ``complete_h`` is left out: inside the window it equals
``t_completed_h``; past the window's end it is a time the run never reached."""


def whole_persons(values, total: int | None = None) -> np.ndarray:
    """Whole persons whose sum is ``total``, each within 1 of its share (largest remainder).

    Args:
        values: (n,) non-negative persons, fractions allowed (negatives within rounding noise
            are read as 0).
        total: the sum the whole numbers must reach; default the values' sum rounded to the
            nearest integer (half to even, ``numpy.rint``). Must lie within
            [sum of floors, sum of floors + n].

    Returns:
        (n,) int64 whole persons; ties between equal remainders go to the earlier value.

    Raises:
        ValueError: ``total`` cannot be reached by rounding each value down or up.
    """
    x = np.clip(np.asarray(values, dtype=float), 0.0, None)
    floor = np.floor(x)
    target = int(np.rint(x.sum())) if total is None else int(total)
    left = target - int(floor.sum())
    if not 0 <= left <= x.size:
        raise ValueError(f"total {target} is not reachable from {x.size} values summing {x.sum()}")
    order = np.argsort(-(x - floor), kind="stable")
    out = floor.astype(np.int64)
    out[order[:left]] += 1
    return out


def whole_persons_by_hour(
    frame: pd.DataFrame, column: str, totals: pd.Series | None = None
) -> pd.Series:
    """``frame[column]`` (persons by hour ``t_h`` and ``district``) in whole persons, each
    hour's districts apportioned by :func:`whole_persons`.

    Args:
        frame: rows with ``t_h``, ``district`` and ``column``; a (t_h, district) pair may
            repeat (the timeseries' one row per layer) and must carry the same value.
        column: the persons column.
        totals: whole city total per ``t_h`` to reach (index ``t_h``); an hour it does not
            hold, and every hour by default, reaches its sum rounded.

    Returns:
        int64 series aligned with ``frame``.
    """
    cells = frame.drop_duplicates(["t_h", "district"])[["t_h", "district", column]]
    whole = []
    for t_h, hour in cells.groupby("t_h", sort=False):
        total = None if totals is None or t_h not in totals.index else int(totals.loc[t_h])
        whole.append(pd.Series(whole_persons(hour[column].to_numpy(), total), index=hour.index))
    cells = cells.assign(**{column: pd.concat(whole) if whole else cells[column]})
    keyed = cells.set_index(["t_h", "district"])[column]
    index = pd.MultiIndex.from_frame(frame[["t_h", "district"]])
    return pd.Series(keyed.reindex(index).to_numpy(np.int64), index=frame.index, name=column)


def incidents_table(records: pd.DataFrame, district_names) -> pd.DataFrame:
    """``incidents.parquet``: the dispatcher's job records (one row per job) with the
    district's name beside its id, in :data:`INCIDENT_COLUMNS` order.

    Args:
        records: :func:`sim.response.dispatch.results.job_records` (``district`` the index of
            the city's district table).
        district_names: district names, position = district id.

    Returns:
        The table (``persons_at_risk`` int64 whole persons; ``severity`` the int64 1–5 score).
    """
    names = np.asarray(list(district_names), dtype=object)
    table = records.copy()
    ids = table["district"].to_numpy(np.int64)
    table["district_name"] = names[ids] if len(table) else np.array([], dtype=object)
    table["persons_at_risk"] = table["persons_at_risk"].astype(np.int64)
    table["severity"] = np.rint(table["severity"].to_numpy(float)).astype(np.int64)  # 1-5 score
    return table[list(INCIDENT_COLUMNS)].reset_index(drop=True)
