"""The monthly record of the governance system (governance.parquet) and its summary outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents.governance.cast import Cast
from sim.agents.governance.early_warning import LEVELS
from sim.hazards.chemical import LAYERS
from sim.scenario.policies import COUNT_KEYS


class MonthlyRecord:
    """One row per month: diligence per layer, derelict layers, latent hazards, mean barrier
    miss probability, campaign level and cumulative official spending (yuan).

    Args:
        cast: the agents.
        dereliction_threshold: a layer is derelict below this mean diligence.
    """

    def __init__(self, cast: Cast, dereliction_threshold: float) -> None:
        self.cast = cast
        self.threshold = dereliction_threshold
        self.rows: list[dict] = []

    def record(self, t_h: float, campaign_level: float) -> None:
        """Append the row of the month ending at ``t_h`` (model hours)."""
        d = self.cast.layer_diligence()
        miss = self.cast.barrier_miss()
        self.rows.append(
            {
                "t_h": t_h,
                **{f"diligence_{layer}": float(v) for layer, v in zip(LAYERS, d, strict=True)},
                "derelict_layers": int(np.sum(d < self.threshold)),
                "latent_hazards": int(self.cast.park.hazards.sum()),
                "barrier_miss_mean": float(miss.mean()),
                "campaign_level": campaign_level,
                "spend_yuan": self.spend_yuan(),
            }
        )

    def spend_yuan(self) -> float:
        """Officials' spending on duties so far, yuan."""
        return float(sum(a.spent_yuan for a in self.cast.officials))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def summarise(acc: pd.DataFrame, monthly: pd.DataFrame, due: int, done: int, counts: dict,
              warnings_by_level: np.ndarray, latent_final: int,
              spend_yuan: float) -> dict[str, float]:  # fmt: skip
    """Governance outcomes (keys in :func:`summary_keys` order).

    Args:
        acc: the accident table; monthly: the monthly record.
        due, done: duty instances due and done (audit log).
        counts: event counters (:data:`sim.scenario.policies.COUNT_KEYS`).
        warnings_by_level: warnings issued per level of
            :data:`sim.agents.governance.early_warning.LEVELS`.
        latent_final: latent hazards at the end; spend_yuan: officials' spending, yuan.
    """
    derelict = int((monthly["derelict_layers"] >= 3).sum()) if len(monthly) else 0
    return {
        "chemical_accidents": len(acc),
        "chemical_deaths": int(acc["deaths"].sum()),
        "chemical_injuries": int(acc["injuries"].sum()),
        "chemical_loss_yuan": round(float(acc["loss_yuan"].sum())),
        "duties_due": due,
        "duties_done": done,
        "duty_completion": round(done / due, 4) if due else 0.0,
        **{k: counts[k] for k in COUNT_KEYS},
        **{
            f"warnings_{name}": int(warnings_by_level[k]) for k, name in enumerate(LEVELS) if k > 0
        },  # fmt: skip
        "latent_hazards_final": latent_final,
        "latent_hazards_mean": round(float(monthly["latent_hazards"].mean()), 3)
        if len(monthly)
        else 0.0,  # fmt: skip
        "barrier_miss_mean": round(float(monthly["barrier_miss_mean"].mean()), 6)
        if len(monthly)
        else 0.0,  # fmt: skip
        "dereliction_months": derelict,
        "governance_spend_yuan": round(spend_yuan),
    }


def summary_keys() -> tuple[str, ...]:
    """Keys of :func:`summarise`, in order."""
    return (
        "chemical_accidents", "chemical_deaths", "chemical_injuries", "chemical_loss_yuan",
        "duties_due", "duties_done", "duty_completion", "initiating_events",
        "near_misses_one_barrier_left", "hazards_found", "hazards_concealed",
        "concealments_discovered", "hazards_rectified", "assessments", "assessments_falsified",
        "resident_reports", "warnings_issued", "false_alarms", "campaigns",
        *(f"warnings_{name}" for name in LEVELS[1:]),
        "latent_hazards_final", "latent_hazards_mean", "barrier_miss_mean",
        "dereliction_months", "governance_spend_yuan",
    )  # fmt: skip
