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

A fire at a hazardous-chemical site (the exercise inject ``chemical_fire``, class
``fire_explosion``): :class:`FireScenario` and :func:`fire_consequences` replace the zone
probabilities above by the harm of heat radiation, because everyone within 300 m dying with
P = 0.05 made a default fire in a dense district kill ~100-400 residents at once, against the
record: China's 176 chemical accidents of 2018 killed 223 people (1.3 per accident), 163 of
them "ordinary" accidents (< 3 deaths, < 10 M yuan of direct loss), with 2 "major" ones and
none "especially serious" (Ministry of Emergency Management, 2018 report on chemical
accidents, as quoted at aeiot.com.cn; grades of State Council Order No. 493 (2007), Art. 3).
- Heat flux at distance r of an isotropic point source radiating P (energy conservation;
  atmospheric transmissivity taken as 1, conservative): q(r) = P / (4 pi r^2), held at its
  flame-edge value inside ``flame_radius_m``.
- Lethality: the TNO Green Book probit for heat radiation, Pr = -37.23 + 2.56 ln(t q^(4/3)),
  q in W/m2, t in s, P(death) = Phi(Pr - 5) (coefficients as tabulated in Sandia's HyRAM+,
  hyram/qra/probits.py, "TNO"). Exposure time ``exposure_s`` 20 s (assumption: time to reach
  cover, the order used in Dutch QRA practice).
- Second-degree burns (injured, needing an ambulance): thermal dose t q^(4/3) >= 290 TDU,
  q in kW/m2 (mean threshold, range 240-350; HSL "Human vulnerability to thermal radiation
  offshore", as tabulated in Wikipedia "Thermal dose unit"), among those not killed.
- Who is exposed: the site's workers, spread uniformly over the site (radius
  ``site_radius_m``), and residents outdoors beyond it, at the district's density x presence x
  ``outdoor_share``; residents indoors are shielded (assumption).
- Direct loss: lognormal, median ``loss_median_yuan`` = 5 M yuan, sigma 1.0 (assumption: within
  the < 10 M yuan of an "ordinary" accident, the grade of 93 % of the 2018 accidents).
The chemical park's accidents of the long run (sim.agents.governance.consequences) still use
the zones above for both classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.integrate import quad
from scipy.stats import norm

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


# ---------------------------------------------------------------------- fire (heat radiation)
TNO_LETHALITY_PROBIT = (-37.23, 2.56)
"""TNO Green Book probit of lethality from heat radiation, Pr = a + b ln(t q^(4/3)), q in W/m2,
t in s (module docstring)."""
SECOND_DEGREE_BURN_TDU = 290.0
"""Thermal dose of second-degree burns, (kW/m2)^(4/3) s (HSL; module docstring)."""


@dataclass(frozen=True)
class FireScenario:
    """A fire at a hazardous-chemical site (module docstring; every default an assumption).

    Attributes:
        radiated_power_mw: heat radiated by the flames, MW (100 MW: the order of a 20 m tank-bund
            fire of a light hydrocarbon, about a third of its ~750 MW heat release radiated).
        flame_radius_m: radius of the burning area, m; the flux inside is that at its edge.
        exposure_s: exposure before reaching cover, s.
        site_radius_m: radius of the site around the fire, m (workers inside, residents out).
        workers_on_site: workers present on the site (a night shift).
        outdoor_share: share of nearby residents outdoors (the rest shielded indoors).
        loss_median_yuan: median direct loss, yuan.
        loss_sigma: log-standard deviation of the direct loss.
    """

    radiated_power_mw: float = 100.0
    flame_radius_m: float = 10.0
    exposure_s: float = 20.0
    site_radius_m: float = 150.0
    workers_on_site: int = 20
    outdoor_share: float = 0.05
    loss_median_yuan: float = 5.0e6
    loss_sigma: float = 1.0


def heat_flux_kw_m2(distance_m, radiated_power_mw: float, flame_radius_m: float = 0.0):
    """q(r) = P / (4 pi r^2) of an isotropic point source, kW/m2, held at r = flame radius."""
    r = np.maximum(np.asarray(distance_m, float), max(flame_radius_m, 1e-3))
    return radiated_power_mw * 1e3 / (4.0 * np.pi * r**2)


def lethality_probability(flux_kw_m2, exposure_s: float):
    """P(death) of a person exposed to ``flux_kw_m2`` for ``exposure_s``: Phi(Pr - 5) with the
    TNO probit Pr = -37.23 + 2.56 ln(t q^(4/3)), q in W/m2 (module docstring)."""
    a, b = TNO_LETHALITY_PROBIT
    q_w = np.maximum(np.asarray(flux_kw_m2, float), 1e-12) * 1e3
    return norm.cdf(a + b * np.log(exposure_s * q_w ** (4.0 / 3.0)) - 5.0)


def burn_injury_probability(flux_kw_m2, exposure_s: float):
    """P(injured, not killed): (1 - P(death)) where the dose t q^(4/3) (kW/m2) reaches the
    second-degree-burn threshold, else 0 (module docstring)."""
    q = np.asarray(flux_kw_m2, float)
    burnt = exposure_s * np.maximum(q, 0.0) ** (4.0 / 3.0) >= SECOND_DEGREE_BURN_TDU
    return np.where(burnt, 1.0 - lethality_probability(q, exposure_s), 0.0)


def injury_radius_m(fire: FireScenario) -> float:
    """Distance beyond which nobody is burnt (dose below the second-degree threshold), m."""
    q_min = (SECOND_DEGREE_BURN_TDU / fire.exposure_s) ** 0.75  # kW/m2
    return float(np.sqrt(fire.radiated_power_mw * 1e3 / (4.0 * np.pi * q_min)))


def ring_probabilities(fire: FireScenario, r0_m: float, r1_m: float) -> tuple[float, float]:
    """(P(death), P(injury)) of a person placed uniformly (by area) in the ring r0 <= r < r1:
    the area-weighted means of :func:`lethality_probability` and
    :func:`burn_injury_probability` (numerical quadrature)."""
    if r1_m <= r0_m:
        return 0.0, 0.0
    area = np.pi * (r1_m**2 - r0_m**2)
    out = []
    for f in (lethality_probability, burn_injury_probability):

        def ring(r, f=f):
            q = heat_flux_kw_m2(r, fire.radiated_power_mw, fire.flame_radius_m)
            return float(f(q, fire.exposure_s)) * 2.0 * np.pi * r

        breaks = [x for x in (fire.flame_radius_m, injury_radius_m(fire)) if r0_m < x < r1_m]
        out.append(quad(ring, r0_m, r1_m, points=breaks or None, limit=200)[0] / area)
    return out[0], out[1]


@dataclass(frozen=True)
class FireOutcome:
    """Persons exposed (workers and residents outdoors within the burn radius), killed and
    injured by one fire, and its direct loss in yuan."""

    exposed: int
    deaths: int
    injuries: int
    loss_yuan: float


def fire_consequences(
    fire: FireScenario, density_per_km2: float, presence: float, rng: np.random.Generator
) -> FireOutcome:
    """Draw one fire's consequences (module docstring).

    Workers: multinomial over (killed, injured, unharmed) with the site's mean probabilities.
    Residents outdoors in the ring from the site's fence to the burn radius: Poisson(density x
    presence x outdoor share x ring area), then multinomial likewise. Loss: lognormal.

    Args:
        fire: the fire.
        density_per_km2: residents per km2 around the site.
        presence: share of residents present (0-1).
        rng: random generator (4 draws: 2 multinomial, 1 Poisson, 1 normal).

    Raises:
        ValueError: negative density or presence outside [0, 1].
    """
    if density_per_km2 < 0 or not 0.0 <= presence <= 1.0:
        raise ValueError("density must be >= 0 and presence in [0, 1]")
    pd_w, pi_w = ring_probabilities(fire, 0.0, fire.site_radius_m)
    workers = rng.multinomial(fire.workers_on_site, [pd_w, pi_w, max(1.0 - pd_w - pi_w, 0.0)])
    r1 = max(injury_radius_m(fire), fire.site_radius_m)
    area_km2 = np.pi * (r1**2 - fire.site_radius_m**2) / 1e6
    residents = int(rng.poisson(density_per_km2 * presence * fire.outdoor_share * area_km2))
    pd_r, pi_r = ring_probabilities(fire, fire.site_radius_m, r1)
    hurt = rng.multinomial(residents, [pd_r, pi_r, max(1.0 - pd_r - pi_r, 0.0)])
    loss = float(fire.loss_median_yuan * np.exp(fire.loss_sigma * rng.standard_normal()))
    return FireOutcome(
        exposed=int(fire.workers_on_site + residents),
        deaths=int(workers[0] + hurt[0]),
        injuries=int(workers[1] + hurt[1]),
        loss_yuan=loss,
    )
