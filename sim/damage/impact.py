"""Damage to counted exposure (signboards, sheds, trees ...), casualties and direct loss.

Networks' assets are individual nodes with sampled capacities (see
:func:`sim.damage.fragility.sample_capacity`). Exposure that is only known as a count per district
(360,000 shop signboards, 2,984 fallen trees …) is damaged here by binomial draws on the
*increment* of the fragility probability as the running peak intensity grows: with
p_old = P(IM_peak_old) and p_new = P(IM_peak_new), each still-standing item fails with
probability (p_new − p_old)/(1 − p_old). Over a run this gives exactly the lognormal
fragility of the final peak, P(DS ≥ ds | IM_peak) = Φ(ln(IM_peak/θ)/β), whatever the time
step — the same law the node capacities follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.damage.fragility import FragilityCurve


@dataclass
class CountedExposure:
    """Items counted per district and spread over K sample points per district.

    Args:
        name: exposure category (e.g. ``"shop_signboards"``).
        curve: fragility curve whose IM matches the intensity passed to :meth:`update`.
        counts: (D, K) integer items at each sample point.

    Attributes:
        standing: (D, K) items not yet failed.
        peak_im: (D, K) running peak intensity seen at each point.
    """

    name: str
    curve: FragilityCurve
    counts: np.ndarray
    standing: np.ndarray = field(init=False)
    peak_im: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if (self.counts < 0).any():
            raise ValueError(f"{self.name}: negative exposure counts")
        self.standing = self.counts.copy()
        self.peak_im = np.zeros(self.counts.shape, dtype=float)

    def update(self, im: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Fail items for a new intensity field.

        Args:
            im: (D, K) intensity at the sample points, in the curve's IM unit.
            rng: the model's generator stream for exposure damage.

        Returns:
            (D,) items newly failed in each district.
        """
        new_peak = np.maximum(self.peak_im, im)
        grew = new_peak > self.peak_im
        if not grew.any():
            return np.zeros(self.counts.shape[0], dtype=np.int64)
        p_old = self.curve.probability(self.peak_im)
        p_new = self.curve.probability(new_peak)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_cond = np.where(p_old < 1.0, (p_new - p_old) / (1.0 - p_old), 1.0)
        p_cond = np.clip(np.where(grew, p_cond, 0.0), 0.0, 1.0)
        failed = rng.binomial(self.standing, p_cond)
        self.standing -= failed
        self.peak_im = new_peak
        return failed.sum(axis=1)

    @property
    def failed_total(self) -> int:
        return int((self.counts - self.standing).sum())


def spread_counts(totals: np.ndarray, k: int) -> np.ndarray:
    """Spread per-district integer totals evenly over K points (remainders to the first points).

    Args:
        totals: (D,) non-negative integer counts.
        k: points per district.

    Returns:
        (D, K) integer counts whose row sums equal ``totals``.
    """
    totals = np.asarray(np.rint(totals), dtype=np.int64)
    base = totals // k
    rem = totals - base * k
    out = np.repeat(base[:, None], k, axis=1)
    out += (np.arange(k)[None, :] < rem[:, None]).astype(np.int64)
    return out


UNIT_COST_YUAN: dict[str, tuple[float, str]] = {
    "power_fault": (
        30_000.0,
        "assumption: repair of a 10 kV line fault (crew-day, conductor, pole)",
    ),
    "substation_flood": (3_000_000.0, "assumption: flooded 110/35 kV substation equipment"),
    "substation_quake": (
        3_000_000.0,
        "assumption: breakers, switches and transformer bushings of a substation damaged by "
        "shaking, taken at the flooded-substation equipment cost",
    ),
    "transformer_flood": (150_000.0, "assumption: flooded distribution transformer replacement"),
    "pump_station_flood": (2_000_000.0, "assumption: flooded pumping-station motors and controls"),
    "water_asset": (200_000.0, "assumption: water main or junction repair"),
    "telecom_site": (
        500_000.0,
        "assumption: masts, antennas and feeders of an aggregated base-station site node",
    ),
    "gas_main_repair": (
        150_000.0,
        "assumption: excavation, a replaced section of gas main, purging and relighting",
    ),
    "gas_regulator_flood": (
        500_000.0,
        "assumption: flooded regulator station's pilots and telemetry",
    ),
    "tree_down": (3_000.0, "assumption: removal and replanting of a street tree"),
    "shop_signboards": (5_000.0, "assumption: signboard replacement"),
    "advertising_structures": (80_000.0, "assumption: outdoor advertising structure"),
    "glass_curtain_wall_buildings": (
        50_000.0,
        "assumption: panel replacement per damaged building",
    ),
    "air_conditioner_bracket": (3_000.0, "assumption: outdoor unit and bracket replaced"),
    "external_insulation_patch": (20_000.0, "assumption: re-fixing a detached insulation patch"),
    "shed": (20_000.0, "assumption: temporary shed rebuilt"),
    "old_housing_unit": (60_000.0, "assumption: repair of a damaged old masonry dwelling"),
    "flooded_home": (30_000.0, "assumption: contents and finishes of a ground-floor home"),
}
"""Unit direct-loss costs (yuan). No published unit-cost table was found; these are
stated assumptions, scaled together by ``losses.scale`` in calibration against the
Lekima direct loss (125.8 million yuan, briefing; >34 million yuan NDRCC;
scenarios/data/shanghai/facts.md §2c).
Booked by the run's :class:`sim.core.ledger.LossLedger`."""
