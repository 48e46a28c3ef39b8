"""The accident pathway: initiating events pass the five barriers (Swiss cheese); an accident
has consequences (people in the zones, losses), then accident accountability for every layer
and a campaign ("one falls ill, everyone takes medicine", docs/domain.md §2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents.governance import behaviour as rules
from sim.agents.governance.audit import DETAIL_CODE as _D
from sim.agents.governance.audit import DutyRecorder
from sim.agents.governance.barriers import initiating_rate_per_yr, sample_period
from sim.agents.governance.cast import Cast
from sim.agents.governance.consequences import accident_consequence
from sim.agents.governance.params import MONTH_H, MONTH_YR
from sim.hazards.chemical import LAYERS
from sim.scenario.policies import CampaignConfig, GovernanceConfig

CAMPAIGN_ACTIVE_LEVEL = 0.25
"""A campaign is under way while its decaying level (1 at launch) exceeds this (two
half-lives)."""

ACCIDENT_COLUMNS = (
    "t_h", "enterprise", "district", "hazmat_class", "chronic_violator", "latent_hazards",
    "persons_isolation", "persons_protective", "deaths", "injuries", "loss_yuan",
)  # fmt: skip
"""Columns of the accident table (one row per accident)."""


class Campaign:
    """The campaign after an accident: level 1 at launch, halving every
    ``half_life_months``; active above :data:`CAMPAIGN_ACTIVE_LEVEL`."""

    def __init__(self, cfg: CampaignConfig) -> None:
        self.cfg = cfg
        self.level = 0.0

    def decay(self) -> float:
        """One month's decay; returns the factor (boosts of agents decay alike)."""
        decay = 2.0 ** (-1.0 / self.cfg.half_life_months)
        self.level *= decay
        return decay

    @property
    def active(self) -> bool:
        return self.level > CAMPAIGN_ACTIVE_LEVEL

    def launch(self) -> None:
        self.level = 1.0


class AccidentPathway:
    """Initiating events, barriers, consequences and the reaction to accidents.

    Args:
        cast: the agents (compliance of each layer's barrier).
        cfg: the governance configuration.
        density_per_km2: residents per km² of the park's district (consequences).
        campaign: the campaign launched after an accident.
        counts: the system's event counters (updated).
        log: the duty recorder.
    """

    def __init__(self, cast: Cast, cfg: GovernanceConfig, density_per_km2: float,
                 campaign: Campaign, counts: dict, log: DutyRecorder) -> None:  # fmt: skip
        self.cast, self.cfg, self.density_per_km2 = cast, cfg, density_per_km2
        self.campaign, self.counts, self.log = campaign, counts, log
        self.accidents: list[dict] = []

    def month(self, t0: float, suspension, evacuated, initiating: np.random.Generator,
              consequences: np.random.Generator) -> None:  # fmt: skip
        """The month's initiating events and accidents.

        Args:
            t0: start of the month (model hours).
            suspension: (n,) share of each enterprise's initiating rate cut (operations
                suspended on a red warning).
            evacuated: (n,) share of people evacuated from each enterprise's zones.
            initiating, consequences: the streams of the two draws.
        """
        cfg, park = self.cfg, self.cast.park
        rate = initiating_rate_per_yr(
            cfg.initiating_rate_per_yr, park.total_hazards(), cfg.hazard_rate_weight
        ) * (1.0 - suspension)
        draws = sample_period(
            MONTH_YR, rate, self.cast.compliance(),
            self.cast.p.effectiveness, initiating,
        )  # fmt: skip
        self.counts["initiating_events"] += int(draws.enterprise.size)
        self.counts["near_misses_one_barrier_left"] += int(
            np.sum(draws.layers_failed == len(LAYERS) - 1)
        )
        rng = consequences
        for i in np.unique(draws.enterprise[draws.accident]):  # rare
            c = accident_consequence(
                str(park.hazmat_class[i]), self.density_per_km2, cfg.presence,
                float(evacuated[i]), cfg.loss_yuan_median, cfg.loss_sigma, rng,
            )  # fmt: skip
            self.accidents.append(
                {
                    "t_h": t0 + rng.random() * MONTH_H,
                    "enterprise": int(i),
                    "district": int(park.district[i]),
                    "hazmat_class": str(park.hazmat_class[i]),
                    "chronic_violator": bool(park.chronic[i]),
                    "latent_hazards": int(park.hazards[i].sum()),
                    "persons_isolation": c.persons_isolation,
                    "persons_protective": c.persons_protective,
                    "deaths": c.deaths,
                    "injuries": c.injuries,
                    "loss_yuan": c.loss_yuan,
                }
            )
            self.after_accident(t0, int(i))

    def after_accident(self, t0: float, i: int) -> None:
        """Accident accountability for every layer, then a campaign (mode of the config)."""
        cfg, park = self.cfg, self.cast.park
        spike = cfg.campaign.spike
        park.hazards[i] = 0  # investigation: the site is rebuilt to standard (assumption)
        park.chronic[i] = False  # the violation ends with the investigation
        park.arrival_multiplier[i] = 1.0
        park.base_diligence[i] = max(park.base_diligence[i], cfg.diligence.enterprise)
        for a in self.cast.officials:  # accident accountability, both regimes
            a.boost = max(a.boost, float(rules.campaign_spike(a.diligence, spike)) - a.diligence)
        if cfg.campaign.mode == "city_wide":
            targets = np.arange(park.n)  # everyone takes the medicine
        else:
            top = max(1, park.n // 4)
            targets = np.argsort(-park.risk_estimate, kind="stable")[:top]
            targets = np.union1d(targets, [i])
        lift = rules.campaign_spike(park.diligence[targets], spike) - park.diligence[targets]
        park.boost[targets] = np.maximum(park.boost[targets], lift)
        self.campaign.launch()
        self.counts["campaigns"] += 1
        self.log(t0, self.cast.leadership, "respond", i, np.ones(1, bool), _D["campaign"])

    def frame(self) -> pd.DataFrame:
        """One row per accident (:data:`ACCIDENT_COLUMNS`)."""
        return pd.DataFrame(self.accidents, columns=list(ACCIDENT_COLUMNS))
