"""District governments: territorial responsibility (属地责任) in an emergency.

Each of the 16 district governments acts hourly on the effective colour-coded alert level:
it relocates people at risk — residents of dangerous old housing and sheds, construction-site
workers, workers outside the seawall and vessel crews (the categories reported for Lekima,
facts.md §2c) — at a limited throughput, and lets them return once the warning has been
lifted for a while. Relocation is rate-limited, so the count reached by a given time depends
on the warning lead time: that is what the early-warning comparisons measure.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents.warning_centre import LEVEL_RANK
from sim.scenario.schema import RelocationConfig

EARLY_CATEGORIES = (
    "seawall_outside_workers_persons",
    "offshore_port_workers_persons",
    "vessel_crew_persons",
)
"""Relocated from ``start_level``: people on mudflats, outside seawalls and on vessels
(first moved in Lekima: vessels in port and crews ashore by 9 Aug, facts.md §2c)."""


class DistrictGovernment(mesa.Agent):
    """One district government.

    Args:
        model: the city model.
        district: district index.
        name: English district name.
        at_risk_persons: category → persons at risk in this district (exposure inventory).
        population_persons: resident population (2020 census).
        config: relocation behaviour.

    Attributes:
        relocated: (n_categories,) persons currently relocated, per category.
        relocated_cumulative: persons moved out so far (each person counted once).
        functionality: layer → share of the district's assets functional, in [0, 1].
    """

    def __init__(
        self,
        model: mesa.Model,
        district: int,
        name: str,
        at_risk_persons: dict[str, float],
        population_persons: float,
        config: RelocationConfig,
    ):
        super().__init__(model)
        self.district = district
        self.name = name
        self.population_persons = float(population_persons)
        self.categories = tuple(at_risk_persons)
        self.at_risk = np.array([at_risk_persons[c] for c in self.categories], dtype=float)
        self.relocated = np.zeros_like(self.at_risk)
        self.relocated_cumulative = 0.0
        self.config = config
        self.compliance = np.array([config.compliance.get(c, 0.0) for c in self.categories])
        self.rate_persons_per_h = config.rate_persons_per_h_per_100k * self.population_persons / 1e5
        self.trigger_rank = np.array(
            [
                LEVEL_RANK[config.start_level if c in EARLY_CATEGORIES else config.full_level]
                for c in self.categories
            ]
        )
        self.lifted_since_h: float | None = None
        # Records read by the DataCollector (district × layer time series).
        self.functionality: dict[str, float] = {}
        self.open_incidents = 0
        self.busy_teams = 0
        self.road_depth_m = 0.0
        self.underpasses_closed = 0
        self.gust_ms = 0.0
        self.rain_mm_per_h = 0.0
        self.infectious = 0.0

    @property
    def relocated_now(self) -> float:
        return float(self.relocated.sum())

    def relocation_target(self, level_rank: int) -> np.ndarray:
        """Persons per category the district aims to have relocated at this alert level."""
        return np.where(level_rank >= self.trigger_rank, self.compliance * self.at_risk, 0.0)

    def scale_compliance(self, scale: float) -> None:
        """Set compliance to ``scale`` × the scenario's compliance per category (clipped to
        [0, 1]; a ``policy`` inject)."""
        base = np.array([self.config.compliance.get(c, 0.0) for c in self.categories])
        self.compliance = np.clip(base * scale, 0.0, 1.0)

    def step(self, rank: int) -> None:
        """Hourly decision: move people toward the relocation target at the district's rate.

        Args:
            rank: the effective alert level rank now (0 none … 4 red; the warning centre's).
        """
        dt_h = 1.0
        now = self.model.time
        if rank == 0:
            if self.lifted_since_h is None:
                self.lifted_since_h = now
            returning = now - self.lifted_since_h >= self.config.return_after_h
            target = np.zeros_like(self.at_risk) if returning else self.relocated.copy()
        else:
            self.lifted_since_h = None
            # Never send people home while a warning is in force.
            target = np.maximum(self.relocation_target(rank), self.relocated)
        gap = target - self.relocated
        budget = self.rate_persons_per_h * dt_h
        out_need = np.clip(gap, 0, None)
        if out_need.sum() > 0:
            moved = out_need * min(1.0, budget / out_need.sum())
            self.relocated += moved
            self.relocated_cumulative += float(moved.sum())
            self.model.log_event(
                "relocation",
                district=self.district,
                layer="",
                detail="out",
                value=float(moved.sum()),
            )
        back_need = np.clip(-gap, 0, None)
        if back_need.sum() > 0:
            moved = back_need * min(1.0, budget / back_need.sum())
            self.relocated -= moved
            self.model.log_event(
                "relocation",
                district=self.district,
                layer="",
                detail="return",
                value=float(moved.sum()),
            )
        np.clip(self.relocated, 0.0, self.at_risk, out=self.relocated)

    def remaining_at_risk(self, category: str) -> float:
        """Persons of a category still in place (not relocated)."""
        if category not in self.categories:
            return 0.0
        i = self.categories.index(category)
        return float(self.at_risk[i] - self.relocated[i])
