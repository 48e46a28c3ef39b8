"""Hidden-hazard screening (隐患排查): inspections find defects with a probability.

Each year a share ``coverage`` of a sector's assets is inspected (random draw, or the highest
priority first when ``targeted``); an inspected defect in state s is found with probability
``detection_prob_by_state[s]`` (default 0 / 0 / 0.5 / 0.7 / 0.9: worse defects are easier to see;
assumption, e.g. ground-penetrating radar finds large voids more reliably than small ones).
Found defects become ``known_defect`` and are eligible for planned maintenance.
"""

from __future__ import annotations

import numpy as np

from sim.risk.deterioration import DEFECT_STATE, AssetInventory

DEFAULT_DETECTION_BY_STATE = np.array([0.0, 0.0, 0.5, 0.7, 0.9])  # assumption


def screen(
    inv: AssetInventory,
    coverage,
    rng: np.random.Generator,
    detection_prob_by_state=DEFAULT_DETECTION_BY_STATE,
    targeted_score=None,
) -> np.ndarray:
    """Inspect assets and flag found defects (in place).

    Args:
        inv: inventory.
        coverage: share of assets inspected this period, scalar or (S,) per sector, in [0, 1].
        rng: random generator.
        detection_prob_by_state: (5,) P(found | inspected, state).
        targeted_score: optional (n,) score; if given, each sector inspects its highest-score
            assets (risk-based screening) instead of a random sample.

    Returns:
        (k,) indices of newly found defects.

    Raises:
        ValueError: coverage outside [0, 1].
    """
    cov = np.broadcast_to(np.asarray(coverage, float), (len(inv.sectors),))
    if np.any((cov < 0) | (cov > 1)):
        raise ValueError("coverage must lie in [0, 1]")
    if targeted_score is None:
        inspected = rng.random(inv.n_assets) < cov[inv.sector]
    else:
        inspected = np.zeros(inv.n_assets, bool)
        for k in range(len(inv.sectors)):  # a handful of sectors
            idx = np.nonzero(inv.sector == k)[0]
            m = int(round(cov[k] * idx.size))
            if m:
                top = idx[np.argsort(-np.asarray(targeted_score)[idx], kind="stable")[:m]]
                inspected[top] = True
    p_detect = np.asarray(detection_prob_by_state, float)[inv.state]
    found = inspected & (inv.state >= DEFECT_STATE) & ~inv.known_defect
    found &= rng.random(inv.n_assets) < p_detect
    idx = np.nonzero(found)[0]
    inv.known_defect[idx] = True
    return idx
