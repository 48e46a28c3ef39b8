"""Policy ``early_warning`` — one early-warning and management platform: sensors see latent
hazards, the indicator (estimated accidents per enterprise-year) is graded blue / yellow /
orange / red against thresholds, and the district government warns; a graded response
follows (yellow+: a response inspection by the first regulator; orange+: what was sensed is
rectified and the zones are evacuated; red: operations are suspended). Sensor faults raise
false yellow warnings. Schema and yearly cost: :class:`sim.scenario.policies.EarlyWarningPolicy`;
grading and evacuation: :mod:`sim.agents.governance.early_warning`."""

from __future__ import annotations

import numpy as np

from sim.agents.governance.audit import DETAIL_CODE as _D
from sim.agents.governance.barriers import initiating_rate_per_yr
from sim.agents.governance.consequences import evacuated_share
from sim.agents.governance.early_warning import LEVELS, false_alarms, warning_levels
from sim.agents.governance.policies.registry import GovernancePolicy, register_policy


class EarlyWarning(GovernancePolicy):
    name = "early_warning"

    def warn(self, gs, block, t0, rng):
        park, n, cfg = gs.park, gs.park.n, gs.cfg
        sensed = rng.binomial(park.hazards, block.sensing_coverage)
        rate = initiating_rate_per_yr(
            cfg.initiating_rate_per_yr, sensed.sum(1), cfg.hazard_rate_weight
        )
        miss = gs.cast.barrier_miss()
        level = warning_levels(rate * miss, block.thresholds_per_yr)
        fault = false_alarms(n, block.false_alarm_rate_per_yr, 1.0, rng) & (level < 2)
        level = np.where(fault, 2, level)
        idx = np.nonzero(level > 0)[0]
        gov = gs.cast.district_gov
        warned = rng.random(idx.size) < gov.diligence
        detail = np.array([_D[name] for name in LEVELS[1:]])[level[idx] - 1]
        detail = np.where(fault[idx], _D["false_alarm"], detail)
        gs.log(t0, gov, "warn", idx, warned, detail)
        gs.counts["warnings_issued"] += int(warned.sum())
        gs.counts["false_alarms"] += int((warned & (park.hazards[idx].sum(1) == 0)).sum())
        np.add.at(gs.warnings_by_level, level[idx[warned]], 1)
        act = idx[warned]
        lv = level[act]
        # yellow+: response inspection by the first regulator (process safety)
        reg = gs.cast.regulators[0]
        yel = act[lv >= 2]
        done = rng.random(yel.size) < reg.diligence
        found = rng.binomial(park.hazards[yel[done]], cfg.detection_prob.regulatory)
        fixed = park.rectify(yel[done], found, gs.p.rectification, rng)
        gs.log(t0, reg, "respond", yel, done, np.where(done, _D["rectified"], _D["neglected"]))
        orange = act[lv >= 3]
        fixed2 = park.rectify(orange, np.minimum(sensed[orange], park.hazards[orange]),
                              gs.p.rectification, rng)  # fmt: skip
        gs.counts["hazards_rectified"] += int(fixed.sum() + fixed2.sum())
        suspension, evacuated = np.zeros(n), np.zeros(n)
        suspension[act[lv >= 4]] = block.suspension_effect
        evacuated[orange] = evacuated_share(
            block.lead_time_h, block.evacuation_time_h, block.evacuation_compliance
        )
        return suspension, evacuated


register_policy(EarlyWarning())
