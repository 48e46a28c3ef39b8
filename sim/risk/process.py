"""SlowRiskProcess: yearly deterioration, screening, maintenance, failures and black swans.

One call of ``advance(years, rng)`` runs yearly epochs; within year y (model time in years):
    1. assets age and deteriorate (`deterioration.deteriorate`);
    2. assets fail with their state's annual probability at uniform times in the year; failed
       assets are repaired reactively (after the event) from an emergency account at
       ``emergency_cost_factor`` (default 2, assumption) x the planned cost, and reset to new;
    3. black-swan shocks (if any) strike at their sampled times; failed assets as in 2;
    4. screening finds defects (recorded at y + 0.5);
    5. the maintenance budget fixes found defects by the policy's priority rule (recorded at
       y + 0.75); fixed assets are reset to new;
    6. the latent-risk index (D x S) after maintenance is appended to ``history``.
Events are returned so the lead can replay them as coarse recurring Mesa events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.risk.deterioration import AssetInventory, deteriorate
from sim.risk.latent_risk import latent_risk_index
from sim.risk.maintenance import PRIORITY_RULES, allocate_budget, risk_scores, visible_scores
from sim.risk.screening import screen
from sim.risk.shocks import BlackSwanShocks
from sim.risk.white_elephant import WhiteElephantDecisionMaker

SLOW_EVENT_KINDS = ("failure", "shock", "shock_failure", "detection", "repair")


@dataclass(frozen=True)
class MaintenancePolicy:
    """How the city screens and spends.

    Attributes:
        rule: priority rule, one of `PRIORITY_RULES`.
        budget_yuan_per_yr: planned-maintenance budget.
        screening_coverage: share of assets inspected per year (scalar or per sector).
        targeted_screening: inspect the assets with the highest failure probability first.
        decision_maker: white-elephant parameters (used when rule == "white_elephant").
        emergency_cost_factor: reactive repair cost / planned cost (assumption 2).
        manages: False when others screen and repair (the responsibility layers,
            :mod:`sim.agents.city_layers`): steps 4-5 are skipped (no draws) and the process
            runs deterioration, failures and shocks only.
    """

    rule: str = "risk"
    budget_yuan_per_yr: float = 1e9
    screening_coverage: float | tuple = 0.2
    targeted_screening: bool = False
    decision_maker: WhiteElephantDecisionMaker = field(default_factory=WhiteElephantDecisionMaker)
    emergency_cost_factor: float = 2.0
    manages: bool = True

    def __post_init__(self) -> None:
        if self.rule not in PRIORITY_RULES:
            raise ValueError(f"unknown rule {self.rule!r}; choose one of {PRIORITY_RULES}")
        if self.budget_yuan_per_yr < 0:
            raise ValueError("budget must be >= 0")


@dataclass
class SlowEvents:
    """Events (struct of arrays): t_yr, kind (index into SLOW_EVENT_KINDS), district (-1 for a
    city-wide shock), sector (-1 for a shock), asset (-1 for a shock), value (cost in yuan for
    repairs and failures, intensity for shocks)."""

    t_yr: np.ndarray
    kind: np.ndarray
    district: np.ndarray
    sector: np.ndarray
    asset: np.ndarray
    value: np.ndarray

    def __len__(self) -> int:
        return self.t_yr.size

    def count(self, kind: str) -> int:
        return int(np.count_nonzero(self.kind == SLOW_EVENT_KINDS.index(kind)))

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "t_yr": self.t_yr,
                "kind": pd.Categorical.from_codes(self.kind, SLOW_EVENT_KINDS),
                "district": self.district,
                "sector": self.sector,
                "asset": self.asset,
                "value": self.value,
            }
        )


class _Collector:
    def __init__(self) -> None:
        self.parts: list[tuple] = []

    def add(self, t, kind: str, inv: AssetInventory | None, idx, value) -> None:
        idx = np.asarray(idx, np.int64)
        n = idx.size
        if n == 0:
            return
        dist = inv.district[idx].astype(np.int64) if inv is not None else np.full(n, -1)
        sec = inv.sector[idx].astype(np.int64) if inv is not None else np.full(n, -1)
        self.parts.append(
            (
                np.broadcast_to(np.asarray(t, float), (n,)),
                np.full(n, SLOW_EVENT_KINDS.index(kind), np.int8),
                dist,
                sec,
                idx if inv is not None else np.full(n, -1),
                np.broadcast_to(np.asarray(value, float), (n,)),
            )
        )

    def events(self) -> SlowEvents:
        if not self.parts:
            z = np.zeros(0)
            return SlowEvents(z, z.astype(np.int8), z.astype(int), z.astype(int), z.astype(int), z)
        cols = [np.concatenate(c) for c in zip(*self.parts, strict=True)]
        order = np.argsort(cols[0], kind="stable")
        return SlowEvents(*(c[order] for c in cols))


class SlowRiskProcess:
    """Latent risk over years under a maintenance policy (module docstring).

    Args:
        inventory: assets (modified in place as time advances).
        policy: `MaintenancePolicy`.
        shocks: optional `BlackSwanShocks`.
        t_yr: model time in years at the start.

    Attributes:
        history: dict of per-year arrays: "t_yr" (Y,), "latent_undetected", "latent_known",
            "latent_total", "latent_harm" (Y, D, S), "failures" (Y, D, S), "planned_spend_yuan",
            "emergency_spend_yuan" (Y,), "shock_amplification" (list of (t, kind, x, ratio)).
    """

    def __init__(
        self,
        inventory: AssetInventory,
        policy: MaintenancePolicy,
        shocks: BlackSwanShocks | None = None,
        t_yr: float = 0.0,
    ) -> None:
        self.inv = inventory
        self.policy = policy
        self.shocks = shocks
        self.t_yr = float(t_yr)
        self.history: dict[str, list] = {
            k: []
            for k in (
                "t_yr", "latent_undetected", "latent_known", "latent_total", "latent_harm",
                "failures",
                "planned_spend_yuan", "emergency_spend_yuan", "shock_amplification",
            )
        }  # fmt: skip

    def _cells(self, idx) -> np.ndarray:
        s = len(self.inv.sectors)
        cell = self.inv.district[idx].astype(np.int64) * s + self.inv.sector[idx]
        return np.bincount(cell, minlength=self.inv.n_districts * s).reshape(-1, s)

    def _reactive(self, idx) -> float:
        cost = float(self.inv.fix_cost_yuan()[idx].sum()) * self.policy.emergency_cost_factor
        self.inv.state[idx] = 0
        self.inv.known_defect[idx] = False
        return cost

    def _scores(self, cand: np.ndarray) -> np.ndarray:
        pol = self.policy
        if pol.rule == "risk":
            return risk_scores(self.inv, cand)
        if pol.rule == "visible":
            return visible_scores(self.inv, cand)
        return pol.decision_maker.scores(self.inv, cand, self.t_yr)

    def advance(self, years: int, rng: np.random.Generator) -> SlowEvents:
        """Run ``years`` yearly epochs; returns the events (sorted by time)."""
        inv, pol = self.inv, self.policy
        col = _Collector()
        for _ in range(int(years)):
            y = self.t_yr
            deteriorate(inv, rng, 1.0)
            # 2. random failures, repaired after the event
            failed = np.nonzero(rng.random(inv.n_assets) < inv.failure_probability())[0]
            fail_cells = self._cells(failed)
            col.add(
                y + rng.random(failed.size), "failure", inv, failed, inv.fix_cost_yuan()[failed]
            )
            emergency = self._reactive(failed)
            # 3. black swans
            if self.shocks is not None:
                for t, kind, x in zip(*self.shocks.sample(y, y + 1.0, rng), strict=True):
                    amp = self.shocks.amplification(inv, kind, x)
                    hit = self.shocks.apply(inv, kind, x, rng)
                    col.add(t, "shock", None, np.array([0]), x)
                    col.add(t, "shock_failure", inv, hit, inv.fix_cost_yuan()[hit])
                    fail_cells += self._cells(hit)
                    emergency += self._reactive(hit)
                    self.history["shock_amplification"].append((t, kind, float(x), amp))
            planned = 0.0
            if pol.manages:
                # 4. screening
                score = inv.failure_probability() if pol.targeted_screening else None
                found = screen(inv, pol.screening_coverage, rng, targeted_score=score)
                col.add(y + 0.5, "detection", inv, found, 0.0)
                # 5. planned maintenance of known defects
                cand = np.nonzero(inv.known_defect)[0]
                cost = inv.fix_cost_yuan()[cand]
                pick = allocate_budget(cost, self._scores(cand), pol.budget_yuan_per_yr)
                fixed = cand[pick]
                col.add(y + 0.75, "repair", inv, fixed, cost[pick])
                inv.state[fixed] = 0
                inv.known_defect[fixed] = False
                planned = float(cost[pick].sum())
            # 6. record
            lr = latent_risk_index(inv)
            h = self.history
            h["t_yr"].append(y + 1.0)
            h["latent_undetected"].append(lr["undetected"])
            h["latent_known"].append(lr["known_unfixed"])
            h["latent_total"].append(lr["total"])
            h["latent_harm"].append(lr["harm"])
            h["failures"].append(fail_cells)
            h["planned_spend_yuan"].append(planned)
            h["emergency_spend_yuan"].append(emergency)
            self.t_yr = y + 1.0
        return col.events()

    def book_planned_spend(self, yuan: float) -> None:
        """Add planned repairs others paid for on this stock this year (yuan) to the year's
        record (the responsibility layers, when ``policy.manages`` is False)."""
        self.history["planned_spend_yuan"][-1] += float(yuan)

    def history_arrays(self) -> dict[str, np.ndarray]:
        """``history`` with the per-year lists stacked into arrays."""
        return {
            k: (np.asarray(v) if k != "shock_amplification" else v) for k, v in self.history.items()
        }
