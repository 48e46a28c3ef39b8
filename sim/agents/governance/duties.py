"""Monthly duties below the inspectors: enterprises' self-inspection and rectification
("maintain") and residents' reports with the district government's response."""

from __future__ import annotations

import numpy as np

from sim.agents.governance.audit import DETAIL_CODE as _D
from sim.agents.governance.audit import DutyRecorder
from sim.agents.governance.cast import Cast
from sim.agents.governance.params import Effective


def maintain(cast: Cast, p: Effective, capacity: int, counts: dict, log: DutyRecorder,
             t0: float, rng: np.random.Generator) -> None:  # fmt: skip
    """Each enterprise self-inspects with P = its diligence, finds each latent hazard with
    P = ``p.self_detection`` and rectifies up to ``capacity`` hazards a month (in remit
    order). Stream: ``enterprise``."""
    park = cast.park
    done = rng.random(park.n) < park.diligence
    found = rng.binomial(park.hazards, p.self_detection) * done[:, None]
    prev = np.cumsum(found, axis=1) - found
    fixed = np.clip(np.minimum(found, capacity - prev), 0, None)
    park.hazards -= fixed
    counts["hazards_rectified"] += int(fixed.sum())
    detail = np.where(~done, _D["neglected"], np.where(fixed.sum(1) > 0, _D["rectified"],
                      _D["clean"]))  # fmt: skip
    log(t0, cast.enterprise_ids, "maintain", np.arange(park.n), done, detail,
        "enterprise", "enterprise", park.district)  # fmt: skip


def residents_report(cast: Cast, p: Effective, notice_prob: float, counts: dict,
                     log: DutyRecorder, t0: float, rng: np.random.Generator) -> int:  # fmt: skip
    """Residents notice each latent hazard with P = ``notice_prob`` and report an enterprise
    with P = ``p.resident_report``; the district government answers reports within its
    capacity and rectifies what was noticed. Stream: ``residents``.

    Returns:
        Duty instances of the district government's capacity this answering used.
    """
    park = cast.park
    noticed = rng.binomial(park.hazards, notice_prob)
    idx = np.nonzero(noticed.sum(1) > 0)[0]
    if idx.size == 0:
        return 0
    res = cast.residents
    res.diligence = p.resident_report
    reported = rng.random(idx.size) < res.diligence
    log(t0, res, "report", idx, reported, np.where(reported, _D["reported"], _D[""]))
    counts["resident_reports"] += int(reported.sum())
    idx = idx[reported]
    gov = cast.district_gov
    cap = gov.capacity(p.capacity_factor, cast.official_budget_factor())
    _, done = gov.perform(idx.size, cap, rng)
    fixed = park.rectify(idx[done], noticed[idx[done]], p.rectification, rng)
    counts["hazards_rectified"] += int(fixed.sum())
    log(t0, gov, "respond", idx, done,
        np.where(done, _D["rectified"], _D["over_capacity"]))  # fmt: skip
    return min(cap, idx.size)  # answering residents uses capacity
