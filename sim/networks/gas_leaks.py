"""Gas leaks during a run: how they start, whether they ignite, what a fire does.

A leak starts when a gas main fails (`sim.networks.infrastructure.Infrastructure`):

- **ground shaking** (the IM ``pgv_cm_s``): repairs by O'Rourke & Ayala (1993)
  (:mod:`sim.damage.gas_pipes`), a leak with probability 0.8 and a break otherwise (Hazus);
- **third-party strikes** at construction sites: Poisson in time, ``gas_strikes_per_km_yr`` ×
  km of main (`sim.networks.spec.NetworkSpec`), spread over the districts by their
  construction sites (``city.exposure["construction_sites"]``; by km of main without it) and
  within a district by km of main; each a leak (assumption: a puncture, not a full-bore cut);
- **a road collapse** over the main (`Infrastructure.gas_under_roads`): a break (assumption).

Hole size (assumption): a leak is a 20 mm equivalent hole, a break the full bore. The release
rate, its ignition probability (Cox, Lees & Ang 1990) and the jet fire's radiated power come
from :mod:`sim.damage.gas_pipes`.

An ignited release is a confined explosion with probability `CONFINED_EXPLOSION_SHARE` (its gas
seeped into a basement, vault or ground-floor room before it found a source of ignition) and a
jet fire otherwise. Assumption: 0.3, no incident statistics splitting urban gas ignitions by
confinement were found; the order of magnitude follows the Dutch QRA rule (the "Purple Book",
CPR 18E, 1999, as quoted in secondary sources, not re-read for this work) that 0.4 of delayed
ignitions of a flammable gas cloud are explosions, lowered because a share of the ignitions of
buried mains is immediate, at the hole. A jet fire's harm comes from
the TNO heat-radiation probit (:func:`sim.hazards.chemical.fire_consequences`) among residents
outdoors around it (the district's density, 5 % outdoors: the chemical-fire default,
assumption; no workers on site), booked with cause ``gas_fire`` (deaths, injuries, direct
loss); an explosion's from the blast (:func:`sim.damage.gas_explosion.explosion_consequences`:
TNO multi-energy energy, TNT equivalence, Kinney & Graham overpressure, Eisenberg probits)
among all residents around it, booked with cause ``gas_explosion``. Either closes the road
segment over the main until fire crews have made the site safe (incident ``gas_fire``). Every
failed main is isolated by its valves at once (the cascade then cuts the customers downstream)
and repaired by a ``gas_leak`` job.
Not modelled (stated): leaks from service pipes and appliances inside buildings; the harm of
collapsing buildings and flying glass in an explosion (direct blast effects only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.damage.gas_explosion import explosion_consequences
from sim.damage.gas_pipes import (
    LEAK_SHARE_PGV,
    ignition_probability,
    jet_fire_power_mw,
    release_rate_kg_s,
)
from sim.hazards.chemical import FireScenario, fire_consequences

LEAK_HOLE_M = 0.02
"""Equivalent hole diameter of a leak, m (assumption)."""
FIRE_FLAME_RADIUS_M = 5.0
"""Radius around the jet inside which the flux is held at its edge value, m (assumption)."""
HOURS_PER_YEAR = 8766.0
CONFINED_EXPLOSION_SHARE = 0.3
"""Share of ignited releases that are confined explosions, not jet fires (assumption; module
docstring)."""
MAIN_TYPES = ("gas_main_hp", "gas_main_mp")
"""Asset types that are mains (they leak); stations fail without a release."""


@dataclass
class GasLeakRecord:
    """Counts of a run: leaks (failed mains, each a release), ignitions (jet fires and
    explosions) and, among the ignitions, confined explosions."""

    leaks: int = 0
    fires: int = 0
    explosions: int = 0


class GasLeaks:
    """Leaks, ignitions and strikes on a gas layer (module docstring).

    Args:
        layer: the ``gas`` layer (fields ``pipe_km``, ``pressure_kpa``, ``diameter_m``).
        density_per_km2: (D,) residents per km² by district.
        strike_weight: (D,) weights of third-party strikes by district (construction sites).
        strikes_per_km_yr: strike rate per km of main and year.
        rng_ignition: stream of leak size, ignition and fire harm draws.
        rng_strikes: stream of strike times and places.
    """

    def __init__(self, layer, density_per_km2, strike_weight, strikes_per_km_yr, rng_ignition,
                 rng_strikes):  # fmt: skip
        self.layer = layer
        nd = layer.nodes
        self.is_main = np.isin(
            np.asarray(layer.asset_types, dtype=object)[nd["asset_type"]], MAIN_TYPES
        )
        self.density = np.asarray(density_per_km2, float)
        km = np.where(self.is_main, np.nan_to_num(nd["pipe_km"]), 0.0)
        self.km = km
        n_d = len(self.density)
        km_d = np.bincount(nd["district"], weights=km, minlength=n_d)
        w = np.asarray(strike_weight, float)
        w = km_d if w.sum() <= 0 else w
        self.strikes_per_h = strikes_per_km_yr * km.sum() / HOURS_PER_YEAR * w / w.sum()
        self.rng = rng_ignition
        self.rng_strikes = rng_strikes
        self.record = GasLeakRecord()

    def strikes(self, dt_h: float, damaged: np.ndarray) -> np.ndarray:
        """Mains struck by third parties over ``dt_h`` hours (not already damaged): Poisson per
        district, the main drawn by km within the district."""
        counts = self.rng_strikes.poisson(self.strikes_per_h * dt_h)
        out = []
        district = self.layer.nodes["district"]
        for d in np.flatnonzero(counts):
            pool = np.flatnonzero((district == d) & self.is_main & ~damaged)
            if pool.size:
                p = self.km[pool] / self.km[pool].sum()
                k = min(int(counts[d]), pool.size)
                out.append(self.rng_strikes.choice(pool, size=k, replace=False, p=p))
        return np.sort(np.concatenate(out)) if out else np.empty(0, np.int64)

    def release(self, ctx, nodes, cause: str) -> list[int]:
        """Book the releases of failed ``nodes`` (mains only) and their fires.

        Args:
            ctx: the run's context (casualties and losses booked, ignitions logged).
            nodes: failed gas node indices.
            cause: ``shaking`` (leak or break by Hazus' split), ``strike`` (leak),
                ``collapse`` (break).

        Returns:
            The nodes whose release ignited (a jet fire or a confined explosion).
        """
        nd = self.layer.nodes
        nodes = np.asarray(nodes, dtype=np.int64)
        nodes = nodes[self.is_main[nodes]]
        if nodes.size == 0:
            return []
        if cause == "shaking":
            leak = self.rng.random(nodes.size) < LEAK_SHARE_PGV
        else:
            leak = np.full(nodes.size, cause == "strike")
        hole = np.where(leak, LEAK_HOLE_M, nd["diameter_m"][nodes])
        rate = release_rate_kg_s(nd["pressure_kpa"][nodes] * 1e3, hole)
        lit = self.rng.random(nodes.size) < ignition_probability(rate)
        self.record.leaks += int(nodes.size)
        self.record.fires += int(lit.sum())
        boom = self.rng.random(int(lit.sum())) < CONFINED_EXPLOSION_SHARE
        for i, r, b in zip(nodes[lit].tolist(), rate[lit].tolist(), boom.tolist(), strict=True):
            if b:
                self._explosion(ctx, i, r)
            else:
                self._fire(ctx, i, r)
        return nodes[lit].tolist()

    def _explosion(self, ctx, node: int, rate_kg_s: float) -> None:
        """One confined explosion's harm and loss (module docstring), cause ``gas_explosion``."""
        d = int(self.layer.nodes["district"][node])
        out = explosion_consequences(float(self.density[d]), self.rng)
        self.record.explosions += 1
        if out.deaths or out.injuries:
            ctx.book_casualties(d, "gas_explosion", deaths=out.deaths, injuries=out.injuries)
        ctx.losses.add_yuan("gas_explosion", out.loss_yuan)
        ctx.log_event("gas_explosion", district=d, layer="gas", asset=node, value=rate_kg_s)

    def _fire(self, ctx, node: int, rate_kg_s: float) -> None:
        """One jet fire's harm and loss (module docstring)."""
        d = int(self.layer.nodes["district"][node])
        fire = FireScenario(
            radiated_power_mw=float(jet_fire_power_mw(rate_kg_s)),
            flame_radius_m=FIRE_FLAME_RADIUS_M,
            site_radius_m=FIRE_FLAME_RADIUS_M,
            workers_on_site=0,
        )
        out = fire_consequences(fire, float(self.density[d]), 1.0, self.rng)
        if out.deaths or out.injuries:
            ctx.book_casualties(d, "gas_fire", deaths=out.deaths, injuries=out.injuries)
        ctx.losses.add_yuan("gas_fire", out.loss_yuan)
        ctx.log_event("gas_fire", district=d, layer="gas", asset=node, value=rate_kg_s)
