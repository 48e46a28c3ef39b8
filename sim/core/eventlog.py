"""The run's event log: every damage, failure, warning, relocation, dispatch, arrival and
resolution with its time, appended column-wise (cheap) and written as Parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ("t_h", "kind", "district", "layer", "asset", "incident", "value", "detail")


class EventLog:
    """Column-wise event store.

    Args:
        start_utc: the scenario start (tz-aware UTC), used for the ``time_utc`` column.
    """

    def __init__(self, start_utc: pd.Timestamp):
        self.start_utc = start_utc
        self._cols: dict[str, list] = {c: [] for c in COLUMNS}

    def add(self, t_h, kind, district, layer, asset, incident, value, detail) -> None:
        for c, v in zip(
            COLUMNS, (t_h, kind, district, layer, asset, incident, value, detail), strict=True
        ):
            self._cols[c].append(v)

    def add_many(self, t_h: float, kind: str, layer: str, districts, assets, value=1.0) -> None:
        """Append one event per asset (vectorised callers: damage of many assets at once)."""
        n = len(assets)
        self._cols["t_h"].extend([t_h] * n)
        self._cols["kind"].extend([kind] * n)
        self._cols["district"].extend(np.asarray(districts, dtype=int).tolist())
        self._cols["layer"].extend([layer] * n)
        self._cols["asset"].extend(np.asarray(assets, dtype=int).tolist())
        self._cols["incident"].extend([-1] * n)
        self._cols["value"].extend([float(value)] * n)
        self._cols["detail"].extend([""] * n)

    def __len__(self) -> int:
        return len(self._cols["t_h"])

    def count(self, kind: str) -> int:
        return sum(1 for k in self._cols["kind"] if k == kind)

    def to_frame(self) -> pd.DataFrame:
        """Events as a table sorted by time (stable), with a ``time_utc`` column."""
        df = pd.DataFrame(
            {
                "t_h": np.asarray(self._cols["t_h"], dtype=float),
                "kind": pd.Categorical(self._cols["kind"]),
                "district": np.asarray(self._cols["district"], dtype=np.int16),
                "layer": pd.Categorical(self._cols["layer"]),
                "asset": np.asarray(self._cols["asset"], dtype=np.int64),
                "incident": np.asarray(self._cols["incident"], dtype=np.int64),
                "value": np.asarray(self._cols["value"], dtype=float),
                "detail": np.asarray(self._cols["detail"], dtype=object),
            }
        )
        seconds = np.round(df["t_h"].to_numpy() * 3600.0).astype(np.int64)
        df.insert(1, "time_utc", self.start_utc + pd.to_timedelta(seconds, unit="s"))
        return df.sort_values("t_h", kind="stable").reset_index(drop=True)
