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
    return_inspected: bool = False,
):
    """Inspect assets and flag found defects (in place).

    Args:
        inv: inventory.
        coverage: share of assets inspected this period, scalar or (S,) per sector, in [0, 1].
        rng: random generator.
        detection_prob_by_state: (5,) P(found | inspected, state).
        targeted_score: optional (n,) score; if given, each sector inspects its highest-score
            assets (risk-based screening) instead of a random sample.
        return_inspected: also return the (n,) mask of inspected assets.

    Returns:
        (k,) indices of newly found defects (and the inspected mask if asked).

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
    found = detect(inv, inspected, rng, detection_prob_by_state)
    return (found, inspected) if return_inspected else found


def detect(
    inv: AssetInventory,
    inspected: np.ndarray,
    rng: np.random.Generator,
    detection_prob_by_state=DEFAULT_DETECTION_BY_STATE,
) -> np.ndarray:
    """Find defects among the ``inspected`` (n,) assets (in place: found ones become known).

    One uniform draw per asset (inspected or not), so the draws do not depend on who was
    inspected. Returns the (k,) indices of newly found defects.
    """
    p_detect = np.asarray(detection_prob_by_state, float)[inv.state]
    found = inspected & (inv.state >= DEFECT_STATE) & ~inv.known_defect
    found &= rng.random(inv.n_assets) < p_detect
    idx = np.nonzero(found)[0]
    inv.known_defect[idx] = True
    return idx
