"""Hazardous-chemical and radioactive-source accidents: compliance -> probability -> exposure.

Risk sources: the city profile's high-risk hazardous-chemical enterprises by district and its
mobile radioactive sources under key supervision (``city.yaml`` ``hazmat``, with sources; the
first city's briefing counts 15 enterprises and 78 sources, docs/domain.md §1, priority 4).

Accident probability: Reason's Swiss-cheese model (Reason 1990, "Human Error", Cambridge UP;
Reason 1997, "Managing the Risks of Organizational Accidents", Ashgate) applied to the five
responsibility layers of the briefing (docs/domain.md §2: leadership, territorial, regulatory,
industry, principal/enterprise). An initiating event (leak, process upset, lost or damaged
source) occurs at rate f per source-year; each layer l stops it with probability e_l c_l, where
c_l in [0, 1] is that layer's compliance and e_l its effectiveness when fully compliant. An
accident needs every layer to fail:

    p_accident = 1 - exp(-f prod_l (1 - e_l c_l))    per source-year.

Defaults (ASSUMPTIONS, no city frequency data was found): enterprises f = 0.2/yr, mobile
radioactive sources f = 0.05/yr, e_l = 0.7 for all layers, compliance 0.8. Then an enterprise has
p = 3.3e-3/yr (15 enterprises: one accident in ~20 years) and p = 4.9e-4/yr at full
compliance, 0.18/yr with every layer failing (collective dereliction, docs/domain.md §2).

Affected areas:
- toxic gas release: initial isolation circle of radius 100 m in all directions (Emergency
  Response Guidebook (ERG, US DOT / Transport Canada / SCT), Guide 125 "Gases - corrosive":
  "isolate spill or leak area for at least 100 meters in all directions", read in the copy at
  hazmattool.com; edition not stated there) and a downwind protective-action zone treated as a
  square whose side equals the protective-action distance (ERG instructions: "the Protective
  Action Zone ... is a square, whose length and width are the same as the downwind distance",
  read in the copy at dish.gujarat.gov.in); the square starts at the source, so half of the
  isolation circle lies inside it. Protective-action distance 1.0 km: assumption (order of the
  ERG Table 1 large-spill distances for common TIH gases, not read here).
- fire / explosion: isolation radius 300 m, protective distance 0.8 km: assumptions.
- radioactive source: IAEA (2006) "Manual for First Responders to a Radiological Emergency"
  (EPR-First Responders), suggested inner cordon radius: unshielded or damaged potentially
  dangerous source 30 m; major spill 100 m; fire, explosion or fumes 300 m; suspected bomb
  (RDD) 400 m (read in the IAEA online version). No downwind zone.
Exposed population = zone area x district density (residents / land area) x presence factor.
Deaths among people in the isolation zone with ``p_death_isolation`` and injuries in the
protective zone with ``p_injury_protective`` (assumptions; 0 deaths for radioactive sources,
whose harm is dose and contamination, not acute death).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LAYERS = ("leadership", "territorial", "regulatory", "industry", "enterprise")


@dataclass(frozen=True)
class HazmatClass:
    """Consequence class.

    Attributes:
        name: class name.
        isolation_radius_m: radius of the all-direction isolation / inner cordon zone.
        protective_distance_km: downwind protective-action distance (0 = none).
        p_death_isolation: P(death) for a person in the isolation zone (assumption).
        p_injury_protective: P(injury) for a person in the protective zone (assumption).
        source: provenance of the radii.
    """

    name: str
    isolation_radius_m: float
    protective_distance_km: float
    p_death_isolation: float
    p_injury_protective: float
    source: str


HAZMAT_CLASSES: dict[str, HazmatClass] = {
    c.name: c
    for c in (
        HazmatClass("toxic_gas", 100.0, 1.0, 0.05, 0.02, "ERG Guide 125 (100 m); 1 km assumption"),
        HazmatClass("fire_explosion", 300.0, 0.8, 0.05, 0.01, "assumption"),
        HazmatClass("radioactive_damaged", 30.0, 0.0, 0.0, 0.0, "IAEA EPR-First Responders 2006"),
        HazmatClass("radioactive_spill", 100.0, 0.0, 0.0, 0.0, "IAEA EPR-First Responders 2006"),
        HazmatClass("radioactive_fire", 300.0, 0.0, 0.0, 0.0, "IAEA EPR-First Responders 2006"),
        HazmatClass("radioactive_rdd", 400.0, 0.0, 0.0, 0.0, "IAEA EPR-First Responders 2006"),
    )
}
RADIOACTIVE_SCENARIO_SHARES = {  # given an incident with a mobile source (assumption)
    "radioactive_damaged": 0.80,
    "radioactive_spill": 0.15,
    "radioactive_fire": 0.05,
}

ENTERPRISE_CLASS_SHARES = {"toxic_gas": 2 / 3, "fire_explosion": 1 / 3}  # assumption


@dataclass
class HazmatSources:
    """Risk sources (struct of arrays, length n).

    Attributes:
        district: (n,) district index.
        is_radioactive: (n,) True for mobile radioactive sources.
        hazmat_class: (n,) class name for enterprises ("" for radioactive, drawn per incident).
        initiating_rate_per_yr: (n,) f.
        compliance: (n, 5) compliance of each responsibility layer in [0, 1].
    """

    district: np.ndarray
    is_radioactive: np.ndarray
    hazmat_class: np.ndarray
    initiating_rate_per_yr: np.ndarray
    compliance: np.ndarray

    @property
    def n_sources(self) -> int:
        return self.district.size


def accident_probability(initiating_rate_per_yr, compliance, effectiveness=0.7) -> np.ndarray:
    """Annual accident probability, Swiss-cheese layers (module docstring).

    Args:
        initiating_rate_per_yr: (n,) f.
        compliance: (n, L) layer compliance in [0, 1].
        effectiveness: scalar or (L,) e_l in [0, 1].

    Returns:
        (n,) probabilities in [0, 1].

    Raises:
        ValueError: compliance or effectiveness outside [0, 1].
    """
    c = np.asarray(compliance, float)
    e = np.asarray(effectiveness, float)
    if np.any((c < 0) | (c > 1)) or np.any((e < 0) | (e > 1)):
        raise ValueError("compliance and effectiveness must lie in [0, 1]")
    miss = np.prod(1.0 - e * c, axis=-1)
    return -np.expm1(-np.asarray(initiating_rate_per_yr, float) * miss)


def hazmat_sources(city, compliance: float = 0.8) -> HazmatSources:
    """The city's enterprises and mobile radioactive sources (deterministic layout).

    Enterprises by district and the number of radioactive sources come from the city profile
    (``city.profile.hazmat``). Radioactive sources are spread over districts in proportion to
    construction sites (assumption: industrial radiography and gauges on works sites),
    largest-remainder rounded.

    Raises:
        ValueError: the city profile has no ``hazmat`` section.
    """
    from sim.city.exposure import largest_remainder

    hazmat = city.profile.hazmat
    if hazmat is None:
        raise ValueError(f"city {city.name!r} has no hazmat section in its city.yaml")
    ent_d, ent_cls = [], []
    for name, k in hazmat.enterprises_by_district.items():
        ent_d += [city.index_of(name)] * k
    n_ent = len(ent_d)
    n_tox = int(round(n_ent * ENTERPRISE_CLASS_SHARES["toxic_gas"]))
    ent_cls = ["toxic_gas"] * n_tox + ["fire_explosion"] * (n_ent - n_tox)
    rad_counts = largest_remainder(
        hazmat.mobile_radioactive_sources, city.exposure["construction_sites"].to_numpy(float)
    )
    rad_d = np.repeat(np.arange(rad_counts.size), rad_counts)
    n = n_ent + rad_d.size
    return HazmatSources(
        district=np.concatenate([np.array(ent_d), rad_d]).astype(np.int16),
        is_radioactive=np.arange(n) >= n_ent,
        hazmat_class=np.array(ent_cls + [""] * rad_d.size, dtype=object),
        initiating_rate_per_yr=np.where(np.arange(n) < n_ent, 0.2, 0.05),
        compliance=np.full((n, len(LAYERS)), compliance),
    )


def exposed_persons(hazmat_class: HazmatClass, density_per_km2, presence: float = 1.0):
    """(isolation-zone persons, protective-zone persons) for a release at this density."""
    r_km = hazmat_class.isolation_radius_m / 1000.0
    iso = np.pi * r_km**2 * np.asarray(density_per_km2, float) * presence
    # downwind square starting at the source; half of the isolation circle lies inside it
    prot_area = max(hazmat_class.protective_distance_km**2 - np.pi * r_km**2 / 2, 0.0)
    prot = prot_area * np.asarray(density_per_km2, float) * presence
    return iso, prot


class HazmatAccidentModel:
    """Annual accidents from sources and their consequences.

    Args:
        sources: `HazmatSources`.
        density_per_km2: (D,) resident density per district.
        effectiveness: barrier effectiveness per layer (scalar or (5,)).
    """

    def __init__(self, sources: HazmatSources, density_per_km2, effectiveness=0.7) -> None:
        self.sources = sources
        self.density = np.asarray(density_per_km2, float)
        self.effectiveness = effectiveness

    def annual_probability(self, compliance=None) -> np.ndarray:
        c = self.sources.compliance if compliance is None else compliance
        return accident_probability(self.sources.initiating_rate_per_yr, c, self.effectiveness)

    def sample_year(self, rng: np.random.Generator, compliance=None, presence=1.0) -> pd.DataFrame:
        """Accidents in one year (at most one per source; times uniform in the year).

        Returns:
            DataFrame: t_yr (fraction of year), source, district, hazmat_class,
            persons_isolation, persons_protective, deaths, injuries.
        """
        p = self.annual_probability(compliance)
        hit = np.nonzero(rng.random(p.size) < p)[0]
        rows = []
        for s in hit:  # accidents are rare (a handful per year at most)
            if self.sources.is_radioactive[s]:
                names = list(RADIOACTIVE_SCENARIO_SHARES)
                cls = HAZMAT_CLASSES[
                    names[rng.choice(len(names), p=list(RADIOACTIVE_SCENARIO_SHARES.values()))]
                ]
            else:
                cls = HAZMAT_CLASSES[self.sources.hazmat_class[s]]
            d = int(self.sources.district[s])
            iso, prot = exposed_persons(cls, self.density[d], presence)
            n_iso, n_prot = rng.poisson(iso), rng.poisson(prot)
            rows.append(
                {
                    "t_yr": rng.random(),
                    "source": int(s),
                    "district": d,
                    "hazmat_class": cls.name,
                    "persons_isolation": int(n_iso),
                    "persons_protective": int(n_prot),
                    "deaths": int(rng.binomial(n_iso, cls.p_death_isolation)),
                    "injuries": int(rng.binomial(n_prot, cls.p_injury_protective)),
                }
            )
        cols = ["t_yr", "source", "district", "hazmat_class", "persons_isolation",
                "persons_protective", "deaths", "injuries"]  # fmt: skip
        return pd.DataFrame(rows, columns=cols).sort_values("t_yr", ignore_index=True)
