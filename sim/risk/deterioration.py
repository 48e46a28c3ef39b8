"""Asset inventory and condition deterioration with age and load (slow time, years).

Condition states 0..4 (0 = as new, 1 = minor wear, 2 = defect, 3 = serious defect, 4 = critical),
the discrete Markov condition-state representation of infrastructure management systems
(e.g. Madanat, Mishalani & Ibrahim 1995, "Estimation of infrastructure transition probabilities
from condition rating data", J. Infrastructure Systems 1(2):120-125). Each year an asset moves
one state worse with probability

    p = 1 - exp(-b_s x load x (1 + age / tau_s)),

an age-increasing hazard (linear in age: assumption) scaled by a load factor (traffic,
construction, wind exposure; 1 = typical). A state-s asset fails during a year with probability
``FAILURE_PROB_BY_STATE[s]``; defects (state >= 2) are what screening can find and maintenance
fixes. All sector numbers (asset units, b_s, tau_s, costs, consequences, visibility) are
ASSUMPTIONS chosen for plausible orders of magnitude; they are policy-experiment parameters,
not calibrated data. Asset counts come from the city exposure table (sources there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_STATES = 5
DEFECT_STATE = 2
FAILURE_PROB_BY_STATE = np.array([0.0002, 0.001, 0.005, 0.02, 0.08])  # per asset-year; assumption


@dataclass(frozen=True)
class Sector:
    """Asset class parameters (all assumptions, see module docstring).

    Attributes:
        name: sector name.
        exposure_columns: city exposure columns summed for the base count.
        units_per_item: assets per exposure unit (e.g. 1 asset per km of pipe, per 2,000 m2).
        deterioration_rate: b_s, 1/yr.
        age_scale_yr: tau_s.
        max_initial_age_yr: initial ages ~ Uniform(0, this).
        fix_cost_yuan: planned repair cost of a state-2 defect (x (1 + 0.5 (s - 2)) for worse).
        consequence: harm weight of one failure (relative units; 1 = a road collapse).
        visibility: how visible a repair is to the public, in [0, 1].
    """

    name: str
    exposure_columns: tuple[str, ...]
    units_per_item: float
    deterioration_rate: float
    age_scale_yr: float
    max_initial_age_yr: float
    fix_cost_yuan: float
    consequence: float
    visibility: float


DEFAULT_SECTORS: tuple[Sector, ...] = (
    # name, exposure columns, units/item, b_s, tau_s, max age, fix cost, consequence, visibility
    Sector("pipeline", ("underground_pipeline_km",), 1.0, 0.02, 40.0, 60.0, 3e5, 2.0, 0.1),
    Sector("drainage_underpass", ("underpasses",), 1.0, 0.03, 30.0, 40.0, 2e6, 20.0, 0.3),
    Sector("old_housing", ("old_housing_m2",), 1 / 2000, 0.015, 40.0, 70.0, 3e6, 10.0, 0.6),
    Sector(
        "facade",
        ("glass_curtain_wall_buildings", "external_insulation_estates"),
        1.0,
        0.03,
        25.0,
        30.0,
        3e5,
        1.0,
        0.8,
    ),
    # one signboard asset = a block of 10 signs
    Sector(
        "signboard",
        ("shop_signboards", "advertising_structures"),
        0.1,
        0.05,
        10.0,
        15.0,
        5e4,
        0.2,
        1.0,
    ),  # fmt: skip
)


@dataclass
class AssetInventory:
    """Assets as a struct of arrays (length n).

    Attributes:
        district: (n,) district index.
        sector: (n,) index into ``sectors``.
        state: (n,) condition state 0..4.
        age_yr: (n,) age, years.
        load: (n,) load factor (1 = typical).
        known_defect: (n,) True once screening has found the current defect.
        sectors: sector definitions.
        n_districts: number of districts.
    """

    district: np.ndarray
    sector: np.ndarray
    state: np.ndarray
    age_yr: np.ndarray
    load: np.ndarray
    known_defect: np.ndarray
    sectors: tuple[Sector, ...]
    n_districts: int

    @property
    def n_assets(self) -> int:
        return self.district.size

    def sector_array(self, attr: str) -> np.ndarray:
        """(n,) per-asset value of a `Sector` attribute."""
        return np.array([getattr(s, attr) for s in self.sectors], dtype=float)[self.sector]

    def failure_probability(self) -> np.ndarray:
        """(n,) probability of failing within the next year."""
        return FAILURE_PROB_BY_STATE[self.state]

    def fix_cost_yuan(self) -> np.ndarray:
        """(n,) planned repair cost at the current state."""
        return self.sector_array("fix_cost_yuan") * (1.0 + 0.5 * np.maximum(self.state - 2, 0))

    def is_defect(self) -> np.ndarray:
        return self.state >= DEFECT_STATE


def transition_probability(inv: AssetInventory, dt_yr: float = 1.0) -> np.ndarray:
    """(n,) probability of worsening by one state within ``dt_yr``."""
    b = inv.sector_array("deterioration_rate")
    tau = inv.sector_array("age_scale_yr")
    return -np.expm1(-b * inv.load * (1.0 + inv.age_yr / tau) * dt_yr)


def deteriorate(inv: AssetInventory, rng: np.random.Generator, dt_yr: float = 1.0) -> np.ndarray:
    """Age all assets by ``dt_yr`` and worsen some by one state (in place).

    Returns:
        (k,) indices of assets that worsened.
    """
    p = transition_probability(inv, dt_yr)
    worse = np.nonzero((rng.random(inv.n_assets) < p) & (inv.state < N_STATES - 1))[0]
    inv.state[worse] += 1
    inv.age_yr += dt_yr
    return worse


def build_inventory(
    city, rng: np.random.Generator, sectors: tuple[Sector, ...] = DEFAULT_SECTORS, load=None
) -> AssetInventory:
    """Assets per district and sector from the city exposure table.

    Initial states: an asset of age a has had an integrated transition intensity
    Lambda(a) = b load (a + a^2 / (2 tau)); its state is min(4, Poisson(Lambda)) (the number of
    one-step moves of a pure-birth chain, an approximation ignoring past repairs).

    Args:
        city: `sim.city.City`.
        rng: random generator.
        sectors: sector definitions.
        load: optional dict sector name -> (D,) load factors (default 1).
    """
    d_parts, s_parts = [], []
    d = city.n_districts
    for k, sec in enumerate(sectors):
        base = sum(city.exposure[c].to_numpy(float) for c in sec.exposure_columns)
        n = np.round(base * sec.units_per_item).astype(np.int64)
        d_parts.append(np.repeat(np.arange(d), n))
        s_parts.append(np.full(int(n.sum()), k))
    district = np.concatenate(d_parts).astype(np.int16)
    sector = np.concatenate(s_parts).astype(np.int8)
    inv = AssetInventory(
        district=district,
        sector=sector,
        state=np.zeros(district.size, np.int8),
        age_yr=np.zeros(district.size),
        load=np.ones(district.size),
        known_defect=np.zeros(district.size, bool),
        sectors=tuple(sectors),
        n_districts=d,
    )
    if load:
        for k, sec in enumerate(sectors):
            if sec.name in load:
                sel = sector == k
                inv.load[sel] = np.asarray(load[sec.name], float)[district[sel]]
    inv.age_yr = rng.random(inv.n_assets) * inv.sector_array("max_initial_age_yr")
    b = inv.sector_array("deterioration_rate") * inv.load
    lam = b * (inv.age_yr + inv.age_yr**2 / (2 * inv.sector_array("age_scale_yr")))
    inv.state = np.minimum(rng.poisson(lam), N_STATES - 1).astype(np.int8)
    return inv
