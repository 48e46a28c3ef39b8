"""Latent-risk index per district and sector.

Latent risk = expected annual failures caused by defects (condition state >= 2) still present in
the asset stock, i.e. sum over defective assets of their annual failure probability. It is split
into the part nobody knows about (undetected) and the part that is known but left unfixed
(deferred). The index is non-negative, zero for a defect-free stock, and in units of expected
failures per year, so sectors add up. ``harm`` weights each asset by its sector's consequence
(expected consequence units per year), the quantity a risk-based policy minimises.
"""

from __future__ import annotations

import numpy as np

from sim.risk.deterioration import AssetInventory


def latent_risk_index(inv: AssetInventory) -> dict[str, np.ndarray]:
    """Latent risk per district x sector.

    Returns:
        dict with "undetected", "known_unfixed", "total" (expected failures/yr) and "harm"
        (consequence-weighted total), each (D, S).
    """
    d, s = inv.n_districts, len(inv.sectors)
    p = np.where(inv.is_defect(), inv.failure_probability(), 0.0)
    cell = inv.district.astype(np.int64) * s + inv.sector
    known = np.bincount(cell, weights=p * inv.known_defect, minlength=d * s).reshape(d, s)
    unknown = np.bincount(cell, weights=p * ~inv.known_defect, minlength=d * s).reshape(d, s)
    harm = (unknown + known) * np.array([sec.consequence for sec in inv.sectors])[None, :]
    return {"undetected": unknown, "known_unfixed": known, "total": unknown + known, "harm": harm}
