"""Underground pipeline ageing: bursts -> ground cavities -> road collapse (slow time, years).

Chain (per pipe segment i of length L_i, material m, age a_i(t)):

1. Break (burst) rate, Shamir & Howard (1979), "An analytic approach to scheduling pipe
   replacement", J. AWWA 71(5):248-258: N(t) = N(t0) e^{A (t - t0)}, i.e. per km

       lambda_i(t) = N0_m exp(A_m a_i(t)) x L_i x M_traffic,i x M_construction,i(year)

   (the exponential break model reviewed by Kleiner & Rajani 2001, "Comprehensive review of
   structural deterioration of water mains: statistical models", Urban Water 3(3):131-150).
   N0_m and A_m per material are ORDER-OF-MAGNITUDE values (breaks of order 0.01-1 per km and
   year, growth of a few % per year) chosen here, not fitted to city data: assumption.
   Multipliers (assumptions, mechanisms named in the briefing, docs/domain.md §1): heavy-traffic
   fatigue loading x1.5 on ``heavy_traffic_share`` = 30% of segments; nearby construction
   (excavation, dewatering) x3 for pipes within ``construction_radius_m`` = 100 m of one of the
   district's active construction sites (the affected share of a district's pipes is
   min(1, sites x pi r^2 / area), redrawn every year).
2. A burst leaves a ground cavity (void from soil washed into the leak) with probability
   ``p_cavity_per_burst`` (CALIBRATED, see below).
3. A cavity collapses at rate ``collapse_rate_per_yr`` (mean time to collapse 2 years:
   assumption) unless ground-penetrating-radar (GPR) screening finds it first: screening covers
   a share ``screening_coverage_per_yr`` of roads per year (default 0.3; may vary by district
   and year) and detects a scanned cavity with probability ``detection_prob`` (0.7;
   assumption), i.e. a detection rate coverage x detection_prob per year. Detected cavities are
   filled (removed). Competing exponential risks: P(collapse first) = k_c / (k_c + k_d).

Calibration (stated): ``p_cavity_per_burst`` is set so that the EXPECTED number of road
collapses in the first city 2003-2020 (18 years) is 95, the briefing's count "95 road collapses
since 2003" (docs/domain.md §1; scenarios/data/shanghai/facts.md §6 marks it not corroborated in
a second source). National context (scenarios/data/shanghai/facts.md §6): China 2,322 collapses
in 2014-2018, 347 in 2021; Beijing 277 in 2007-2009. See `calibrate_p_cavity` and
tests/test_pipeline.py.

Inventory (`generate_pipe_network`): each district's ``underground_pipeline_km`` (all utilities,
>= 100,000 km city-wide, exposure table) is cut into segments of ``segment_length_km``. The
table total is taken as the 2020 inventory; each segment gets a material by share and an
installation year drawn with network growth ``growth_rate_per_yr`` = 4%/yr within the
material's era (both assumptions: no city age/material inventory was found). Segments not
yet installed in a simulated year are inactive, so the network grows over the run.

Time stepping is event-driven within yearly epochs: per year the integrated hazard of every
segment is computed in closed form, burst counts are Poisson, burst times follow the
exponential-in-time density exactly (inverse CDF), and open cavities are advanced through each
year with competing exponential clocks. No fixed small time step is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

EVENT_KINDS = ("burst", "cavity", "cavity_detected", "road_collapse")
_BURST, _CAVITY, _DETECTED, _COLLAPSE = range(4)


@dataclass(frozen=True)
class PipeMaterial:
    """Material class with its Shamir-Howard parameters.

    Attributes:
        name: material name.
        share: share of pipe length (shares sum to 1).
        first_year, last_year: era in which this material was laid (install years drawn here).
        n0_per_km_yr: break rate at age 0, breaks / (km yr).
        growth_per_yr: Shamir-Howard growth coefficient A, 1/yr.
    """

    name: str
    share: float
    first_year: float
    last_year: float
    n0_per_km_yr: float
    growth_per_yr: float


# Shares, eras and break parameters: assumptions (order of magnitude, see module docstring).
DEFAULT_MATERIALS: tuple[PipeMaterial, ...] = (
    PipeMaterial("grey_cast_iron", 0.15, 1920, 1995, 0.050, 0.040),
    PipeMaterial("ductile_iron", 0.20, 1985, 2020, 0.020, 0.030),
    PipeMaterial("steel", 0.15, 1950, 2020, 0.030, 0.035),
    PipeMaterial("polyethylene", 0.20, 1995, 2020, 0.020, 0.020),
    PipeMaterial("pvc", 0.05, 1990, 2020, 0.030, 0.025),
    PipeMaterial("concrete", 0.25, 1950, 2020, 0.010, 0.030),
)

# Calibrated so that expected collapses 2003-2020 = 95 (briefing; see module docstring and
# `calibrate_p_cavity`); valid for the default inventory, materials and parameters.
P_CAVITY_PER_BURST_CALIBRATED = 1.013e-3


@dataclass(frozen=True)
class PipelineParams:
    """Parameters of the burst -> cavity -> collapse chain (module docstring).

    Attributes:
        heavy_traffic_multiplier: break-rate multiplier under heavy traffic (assumption 1.5).
        construction_multiplier: multiplier near active construction (assumption 3.0).
        construction_radius_m: influence radius of a site (assumption 100 m).
        p_cavity_per_burst: P(cavity | burst), calibrated.
        collapse_rate_per_yr: cavity collapse rate (assumption 0.5/yr).
        screening_coverage_per_yr: share of roads GPR-scanned per year (assumption 0.3).
        detection_prob: P(scan finds the cavity) (assumption 0.7).
    """

    heavy_traffic_multiplier: float = 1.5
    construction_multiplier: float = 3.0
    construction_radius_m: float = 100.0
    p_cavity_per_burst: float = P_CAVITY_PER_BURST_CALIBRATED
    collapse_rate_per_yr: float = 0.5
    screening_coverage_per_yr: float = 0.3
    detection_prob: float = 0.7

    def __post_init__(self) -> None:
        for name in ("p_cavity_per_burst", "screening_coverage_per_yr", "detection_prob"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {v}")
        if self.collapse_rate_per_yr <= 0:
            raise ValueError("collapse_rate_per_yr must be > 0")


@dataclass
class PipeNetwork:
    """Pipe segments (struct of arrays, length n).

    Attributes:
        district: (n,) district index.
        material: (n,) index into ``materials``.
        install_year: (n,) decimal installation year.
        length_km: (n,) segment length, km.
        heavy_traffic: (n,) True under heavy-traffic roads.
        materials: the material classes.
        district_area_km2: (D,) district areas (for the construction influence share).
    """

    district: np.ndarray
    material: np.ndarray
    install_year: np.ndarray
    length_km: np.ndarray
    heavy_traffic: np.ndarray
    materials: tuple[PipeMaterial, ...]
    district_area_km2: np.ndarray

    @property
    def n_segments(self) -> int:
        return self.district.size

    @property
    def n_districts(self) -> int:
        return self.district_area_km2.size

    def material_array(self, attr: str) -> np.ndarray:
        """(n,) per-segment value of a `PipeMaterial` attribute."""
        return np.array([getattr(m, attr) for m in self.materials], dtype=float)[self.material]

    def km_by_district(self, year: float | None = None) -> np.ndarray:
        """(D,) pipe km per district (installed by ``year`` if given)."""
        w = self.length_km if year is None else self.length_km * (self.install_year <= year)
        return np.bincount(self.district, weights=w, minlength=self.n_districts)


def _truncated_growth_years(u, first, last, g):
    """Inverse CDF of density ~ exp(g (y - first)) on [first, last]."""
    span = last - first
    if g == 0:
        return first + u * span
    return first + np.log1p(u * np.expm1(g * span)) / g


def generate_pipe_network(
    km_by_district,
    area_km2,
    rng: np.random.Generator,
    *,
    segment_length_km: float = 0.5,
    materials: tuple[PipeMaterial, ...] = DEFAULT_MATERIALS,
    growth_rate_per_yr: float = 0.04,
    heavy_traffic_share: float = 0.3,
) -> PipeNetwork:
    """Synthetic segment inventory from district pipe lengths (module docstring).

    Args:
        km_by_district: (D,) pipe km per district (e.g. exposure ``underground_pipeline_km``).
        area_km2: (D,) district areas, km2.
        rng: random generator.
        segment_length_km: target segment length; each district's km is split exactly.
        materials: material classes (shares must sum to 1).
        growth_rate_per_yr: network growth rate used for install-year draws (assumption).
        heavy_traffic_share: share of segments under heavy-traffic roads (assumption).

    Returns:
        A `PipeNetwork`; its total length equals sum(km_by_district).

    Raises:
        ValueError: shares not summing to 1, negative km or bad segment length.
    """
    km = np.asarray(km_by_district, dtype=float)
    if np.any(km < 0) or segment_length_km <= 0:
        raise ValueError("km must be >= 0 and segment_length_km > 0")
    shares = np.array([m.share for m in materials])
    if not np.isclose(shares.sum(), 1.0):
        raise ValueError(f"material shares must sum to 1, got {shares.sum()}")
    n_seg = np.where(km > 0, np.maximum(np.ceil(km / segment_length_km), 1), 0).astype(int)
    district = np.repeat(np.arange(km.size), n_seg)
    length = np.repeat(np.divide(km, np.maximum(n_seg, 1)), n_seg)
    n = district.size
    material = rng.choice(len(materials), size=n, p=shares).astype(np.int8)
    first = np.array([m.first_year for m in materials])[material]
    last = np.array([m.last_year for m in materials])[material]
    install = np.empty(n)
    u = rng.random(n)
    for k in range(len(materials)):  # loop over a handful of materials, vectorised inside
        sel = material == k
        install[sel] = _truncated_growth_years(u[sel], first[sel], last[sel], growth_rate_per_yr)
    return PipeNetwork(
        district=district.astype(np.int16),
        material=material,
        install_year=install,
        length_km=length,
        heavy_traffic=rng.random(n) < heavy_traffic_share,
        materials=tuple(materials),
        district_area_km2=np.asarray(area_km2, dtype=float),
    )


def shamir_howard_rate(age_yr, n0_per_km_yr, growth_per_yr) -> np.ndarray:
    """Break rate N0 exp(A age), breaks / (km yr); zero for negative age (not yet laid)."""
    age = np.asarray(age_yr, dtype=float)
    return np.where(age >= 0, n0_per_km_yr * np.exp(growth_per_yr * np.maximum(age, 0.0)), 0.0)


def shamir_howard_expected_breaks(age0_yr, years, n0_per_km_yr, growth_per_yr) -> np.ndarray:
    """Expected breaks per km over [age0, age0 + years]: N0 e^{A a0} (e^{A T} - 1) / A.

    Closed-form integral of `shamir_howard_rate` for age0 >= 0 (A = 0: N0 T).
    """
    a0 = np.asarray(age0_yr, dtype=float)
    a = np.asarray(growth_per_yr, dtype=float)
    t = np.asarray(years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        integral = np.where(a != 0, np.expm1(a * t) / np.where(a != 0, a, 1.0), t)
    return n0_per_km_yr * np.exp(a * a0) * integral


@dataclass
class PipelineEvents:
    """Events of a pipeline run (struct of arrays, sorted by time).

    Attributes:
        time_yr: (k,) decimal year.
        kind: (k,) int code into `EVENT_KINDS`.
        district: (k,) district index.
        segment: (k,) pipe segment index.
    """

    time_yr: np.ndarray
    kind: np.ndarray
    district: np.ndarray
    segment: np.ndarray
    latent_cavities_by_year: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def count(self, kind: str) -> int:
        return int(np.count_nonzero(self.kind == EVENT_KINDS.index(kind)))

    def count_by_year(self, kind: str, start_year: int, years: int) -> np.ndarray:
        sel = self.kind == EVENT_KINDS.index(kind)
        idx = np.floor(self.time_yr[sel] - start_year).astype(int)
        return np.bincount(idx[(idx >= 0) & (idx < years)], minlength=years)

    def __len__(self) -> int:
        return self.time_yr.size

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time_yr": self.time_yr,
                "kind": pd.Categorical.from_codes(self.kind, EVENT_KINDS),
                "district": self.district,
                "segment": self.segment,
            }
        )


@dataclass
class ChainYear:
    """The draws of one calendar year of the chain, before they are listed as events.

    Made by :meth:`PipelineAgeingModel.sample_year`, the ONE sampler of the chain: the
    whole-window :meth:`PipelineAgeingModel.run` and the year stepper of the long run
    (:class:`sim.risk.pipeline_year.PipelineYearStepper`, which may strike open cavities with
    black swans between the draws and the listing) both use it.

    Attributes:
        year: the calendar year (decimal years [year, year + 1)).
        segment: (b,) segment of each burst.
        t_burst: (b,) decimal year of each burst.
        cavity: (b,) True where the burst left a cavity.
        open_segment: (m,) segments with a cavity open during the year (carried over first,
            then this year's).
        open_t: (m,) decimal year from which each is open (birth, or the year start).
        t_end: (m,) decimal year of its first clock (collapse or detection).
        ends: (m,) True where that clock rings inside the year.
        is_collapse: (m,) True where the first clock is the collapse (else detection).
        struck_x: (m,) intensity of the black swan that collapsed it (0: none).
    """

    year: float
    segment: np.ndarray
    t_burst: np.ndarray
    cavity: np.ndarray
    open_segment: np.ndarray
    open_t: np.ndarray
    t_end: np.ndarray
    ends: np.ndarray
    is_collapse: np.ndarray
    struck_x: np.ndarray

    def events(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(t_yr, kind, segment, shock intensity) of the year, unsorted, in the order bursts,
        cavities, collapses, detections (kind codes of :data:`EVENT_KINDS`)."""
        cav = self.cavity
        col, det = self.ends & self.is_collapse, self.ends & ~self.is_collapse
        n_b, n_c = self.segment.size, int(cav.sum())
        t = np.concatenate([self.t_burst, self.t_burst[cav], self.t_end[col], self.t_end[det]])
        kind = np.concatenate(
            [
                np.full(n_b, _BURST, np.int8),
                np.full(n_c, _CAVITY, np.int8),
                np.full(int(col.sum()), _COLLAPSE, np.int8),
                np.full(int(det.sum()), _DETECTED, np.int8),
            ]
        )
        seg = np.concatenate(
            [self.segment, self.segment[cav], self.open_segment[col], self.open_segment[det]]
        ).astype(np.int64)
        x = np.concatenate([np.zeros(n_b + n_c), self.struck_x[col], self.struck_x[det]])
        return t, kind, seg, x

    def survivors(self) -> tuple[np.ndarray, np.ndarray]:
        """Cavities still open at the year end and their clock start (the year end:
        memoryless clocks restart there with next year's rates)."""
        seg = self.open_segment[~self.ends].astype(np.int64)
        return seg, np.full(seg.size, self.year + 1.0)


def burst_times(a: np.ndarray, lo: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Times of bursts within a year (fraction of the year) by inverse CDF.

    The Shamir-Howard rate grows as exp(A tau) over the in-service part [lo, 1] of the year,
    so tau = ln(e^{A lo} + u (e^A - e^{A lo})) / A, or uniform on [lo, 1] for A = 0.

    Args:
        a: (b,) growth coefficient A of each burst's material, 1/yr.
        lo: (b,) year fraction from which the segment is in service.
        u: (b,) uniform draws in [0, 1).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            a > 0,
            np.log(np.exp(a * lo) + u * (np.exp(a) - np.exp(a * lo))) / np.where(a > 0, a, 1),
            lo + u * (1 - lo),
        )


class PipelineAgeingModel:
    """Burst -> cavity -> collapse model over a `PipeNetwork` (module docstring).

    Args:
        network: the pipe inventory.
        construction_sites: (D,) active construction sites per district.
        params: `PipelineParams`.
    """

    def __init__(self, network: PipeNetwork, construction_sites, params: PipelineParams):
        self.network = network
        self.params = params
        self.construction_sites = np.asarray(construction_sites, dtype=float)
        if self.construction_sites.shape != (network.n_districts,):
            raise ValueError("construction_sites must have shape (D,)")
        self._n0 = network.material_array("n0_per_km_yr")
        self._a = network.material_array("growth_per_yr")
        self._base = network.length_km * np.where(
            network.heavy_traffic, params.heavy_traffic_multiplier, 1.0
        )

    def construction_share(self) -> np.ndarray:
        """(D,) share of each district's pipes within the influence radius of a site."""
        r_km = self.params.construction_radius_m / 1000.0
        return np.minimum(
            1.0, self.construction_sites * np.pi * r_km**2 / self.network.district_area_km2
        )

    def year_hazard(self, year: float) -> np.ndarray:
        """(n,) expected bursts of each segment over [year, year+1) without construction."""
        nw = self.network
        age0 = year - nw.install_year
        # segments laid during the year: integrate from the install date only
        start = np.clip(-age0, 0.0, 1.0)
        span = 1.0 - start
        h = shamir_howard_expected_breaks(np.maximum(age0, 0.0), span, self._n0, self._a)
        return np.where(age0 > -1.0, h * self._base, 0.0)

    def detection_rate(self, coverage=None) -> np.ndarray:
        """(D,) cavity detection rate per year = coverage x detection probability."""
        cov = self.params.screening_coverage_per_yr if coverage is None else coverage
        cov = np.broadcast_to(np.asarray(cov, float), (self.network.n_districts,))
        return cov * self.params.detection_prob

    def expected_counts(self, start_year: int, years: int, substeps: int = 24) -> dict:
        """Deterministic expectations of bursts, cavities and collapses (constant screening).

        Collapse expectation integrates P(collapse by the horizon | cavity at s) =
        k_c/(k_c + k_d) (1 - exp(-(k_c + k_d)(T - s))) over the expected cavity intensity
        (midpoint rule with ``substeps`` per year inside the closed-form yearly hazards).

        Returns:
            dict with "bursts", "cavities", "collapses" (floats) and "collapses_by_district".
        """
        p = self.params
        nw = self.network
        c_mult = 1.0 + self.construction_share() * (p.construction_multiplier - 1.0)
        kc = p.collapse_rate_per_yr
        kd = self.detection_rate()
        horizon = start_year + years
        bursts = 0.0
        collapses = np.zeros(nw.n_districts)
        frac = (np.arange(substeps) + 0.5) / substeps
        for y in range(start_year, horizon):
            h = self.year_hazard(y) * c_mult[nw.district]
            by_d = np.bincount(nw.district, weights=h, minlength=nw.n_districts)
            bursts += by_d.sum()
            # within-year timing weight ~ uniform (error O(A/12) on the timing only)
            rest = horizon - (y + frac)[:, None]
            p_col = kc / (kc + kd) * -np.expm1(-(kc + kd) * rest)
            collapses += by_d * p.p_cavity_per_burst * p_col.mean(axis=0)
        return {
            "bursts": bursts,
            "cavities": bursts * p.p_cavity_per_burst,
            "collapses": float(collapses.sum()),
            "collapses_by_district": collapses,
        }

    def sample_year(
        self,
        year: float,
        rng: np.random.Generator,
        coverage: np.ndarray,
        open_segment: np.ndarray,
        open_t: np.ndarray,
    ) -> ChainYear:
        """Draw one calendar year of the chain (the module docstring's steps 1-3).

        Draw order (fixed: results depend on it): construction proximity of every segment,
        Poisson burst counts, burst times, cavity draws, then for every open cavity an
        exponential first-clock time and whether it is the collapse.

        Args:
            year: the calendar year.
            rng: random generator of the chain.
            coverage: (D,) share of roads GPR-scanned this year per district.
            open_segment: (m0,) cavities open at the year start.
            open_t: (m0,) their clock start (the year start).

        Returns:
            The year's :class:`ChainYear` (no black swans: ``struck_x`` all 0).
        """
        p, nw = self.params, self.network
        y = float(year)
        near = rng.random(nw.n_segments) < self.construction_share()[nw.district]
        h = self.year_hazard(y) * np.where(near, p.construction_multiplier, 1.0)
        counts = rng.poisson(h)
        seg = np.repeat(np.nonzero(counts)[0], counts[counts > 0])
        lo = np.clip(nw.install_year[seg] - y, 0.0, 1.0)
        t_b = y + burst_times(self._a[seg], lo, rng.random(seg.size))
        cav = rng.random(seg.size) < p.p_cavity_per_burst
        open_seg = np.concatenate([open_segment, seg[cav]]).astype(np.int64)
        open_t = np.concatenate([open_t, t_b[cav]])
        # competing exponential clocks: collapse k_c, detection coverage x detection_prob
        rate = p.collapse_rate_per_yr + coverage[nw.district[open_seg]] * p.detection_prob
        t_end = open_t + rng.exponential(1.0, open_seg.size) / rate
        is_col = rng.random(open_seg.size) * rate < p.collapse_rate_per_yr
        return ChainYear(
            year=y,
            segment=seg,
            t_burst=t_b,
            cavity=cav,
            open_segment=open_seg,
            open_t=open_t,
            t_end=t_end,
            ends=t_end < y + 1.0,
            is_collapse=is_col,
            struck_x=np.zeros(open_seg.size),
        )

    def run(
        self,
        start_year: int,
        years: int,
        rng: np.random.Generator,
        screening_coverage=None,
    ) -> PipelineEvents:
        """Simulate ``years`` years from ``start_year`` (:meth:`sample_year` per year).

        Args:
            start_year: first simulated calendar year (e.g. 2003).
            years: number of years (e.g. 18).
            rng: random generator.
            screening_coverage: None (params value), (D,) per district, or (years, D) per
                year and district: share of roads GPR-scanned per year.

        Returns:
            `PipelineEvents` (bursts, cavities, detections, collapses) with
            ``latent_cavities_by_year`` (years, D): open cavities at each year end.
        """
        d = self.network.n_districts
        cov = self.params.screening_coverage_per_yr
        cov = cov if screening_coverage is None else screening_coverage
        cov = np.broadcast_to(np.asarray(cov, float), (years, d))
        parts = []
        open_seg, open_t = np.zeros(0, np.int64), np.zeros(0)
        latent = np.zeros((years, d), np.int64)
        for iy in range(years):
            chain = self.sample_year(start_year + iy, rng, cov[iy], open_seg, open_t)
            parts.append(chain.events())
            open_seg, open_t = chain.survivors()
            latent[iy] = np.bincount(self.network.district[open_seg], minlength=d)
        return self._events(parts, latent)

    def _events(self, parts: list[tuple[np.ndarray, ...]], latent: np.ndarray) -> PipelineEvents:
        """Concatenate the years' events and sort them by time (stable)."""
        if parts:
            t, kind, seg, _ = (np.concatenate(c) for c in zip(*parts, strict=True))
        else:
            t, kind, seg = np.zeros(0), np.zeros(0, np.int8), np.zeros(0, np.int64)
        order = np.argsort(t, kind="stable")
        return PipelineEvents(
            time_yr=t[order],
            kind=kind[order],
            district=self.network.district[seg][order].astype(np.int16),
            segment=seg[order],
            latent_cavities_by_year=latent,
        )


def calibrate_p_cavity(
    model: PipelineAgeingModel, target_collapses: float, start_year: int, years: int
) -> float:
    """P(cavity | burst) giving ``target_collapses`` expected collapses (linear in p).

    Args:
        model: model whose other parameters are fixed.
        target_collapses: e.g. 95 (briefing, 2003-2020).
        start_year, years: calibration window (2003, 18).

    Returns:
        The calibrated probability.
    """
    probe = PipelineAgeingModel(
        model.network,
        model.construction_sites,
        PipelineParams(**{**model.params.__dict__, "p_cavity_per_burst": 1.0}),
    )
    return float(target_collapses / probe.expected_counts(start_year, years)["collapses"])


def city_pipeline_model(city, rng: np.random.Generator, **network_kwargs):
    """Convenience: network from ``city.exposure`` and the default (calibrated) parameters.

    Args:
        city: `sim.city.City` with exposure columns underground_pipeline_km and
            construction_sites.
        rng: random generator (inventory draw).
        **network_kwargs: passed to `generate_pipe_network`.
    """
    net = generate_pipe_network(
        city.exposure["underground_pipeline_km"].to_numpy(float),
        city.districts["area_km2"].to_numpy(float),
        rng,
        **network_kwargs,
    )
    return PipelineAgeingModel(
        net, city.exposure["construction_sites"].to_numpy(float), PipelineParams()
    )
