"""SEIR metapopulation epidemic over districts, with sick responders reducing response capacity.

Model (per district i, residents N_i = S_i + E_i + I_i + R_i, conserved):

    S -> E at rate lambda_i S,  E -> I at rate sigma E,  I -> R at rate gamma I

with sigma = 1 / latent period and gamma = 1 / infectious period (exponentially distributed
periods, the Markovian SEIR of Anderson & May 1991, "Infectious Diseases of Humans", OUP).

Spatial coupling: commuter ("Sattenspiel-Dietz") mixing as in Keeling & Rohani (2008),
"Modeling Infectious Diseases in Humans and Animals", Princeton UP, ch. 7: residents of i spend
a fraction M_ij of their time in district j and mix homogeneously with everyone present there:

    P_j = sum_k M_kj N_k,   J_j = sum_k M_kj I_k,   lambda_i = beta sum_j M_ij J_j / P_j.

The next-generation matrix (beta/gamma) diag(N) M diag(1/P) M^T has all column sums equal to
beta/gamma, so R0 = beta / gamma for ANY row-stochastic M (a property used in the tests).

Mobility M: gravity model (Zipf 1946; used for influenza spread between cities by Viboud et al.
2006, Science 312:447-451, and for commuting by Balcan et al. 2009, PNAS 106:21484-21489):
off-diagonal weight P_i^a P_j^b / d_ij^c, each row scaled so that a fraction ``travel_fraction``
of residents' time is spent outside the home district. Defaults a = b = 1, c = 2 (the classic
Zipf form) and travel_fraction = 0.2 are assumptions (no city origin-destination matrix
was available); replace them with fitted values when commuting data exist.

Simulation methods:
- ``deterministic``: the mean-field ODE (scipy ``solve_ivp``, RK45).
- ``binomial_chain``: discrete-time stochastic chain (tau-leap with binomial draws, as in
  chain-binomial models; Gillespie 2001, J. Chem. Phys. 115:1716 for tau-leaping). In a step
  dt each S is exposed with probability 1 - exp(-lambda dt), each E becomes infectious with
  1 - exp(-sigma dt), each I recovers with q = 1 - exp(-gamma dt), all from the state at the
  step start. The infectious duration is then geometric with mean dt / q, and beta is set to
  R0 q / dt so that R0 = beta x mean duration holds EXACTLY for the chain. Its
  major-outbreak probability is 1 - s*, s* the smallest root of s = G(s) with the offspring
  pgf G(s) = q e^{R0 q (s-1)} / (1 - (1-q) e^{R0 q (s-1)}) (Poisson offspring per step over a
  geometric lifetime), which tends to 1 - 1/R0 as dt -> 0.
- ``sir_final_sizes_gillespie``: exact SSA (Gillespie 1977, J. Phys. Chem. 81:2340-2361) of the
  single-population Markov SIR, vectorised over replicates. Only its embedded jump chain is
  simulated (the next event is an infection with probability R0 S/N / (R0 S/N + 1)), which
  determines the final size exactly; event times are not needed for final sizes.

Deaths: each resident who leaves the infectious state dies with the infection fatality ratio
(IFR) of the population, after a delay (``death_delay_d``). The default IFR is that of COVID-19
(the 2020 wild type) by age, from the meta-regression of Levin et al. (2020), "Assessing the
age specificity of infection fatality rates for COVID-19: systematic review, meta-analysis,
and public policy implications", Eur. J. Epidemiol. 35:1123-1138 (27 studies, 34 locations):

    log10(IFR in %) = -3.27 + 0.0524 x age (years),

which reproduces the values stated in its abstract: 0.002 % at 10, 0.01 % at 25, 0.4 % at 55,
1.4 % at 65, 4.6 % at 75 and 15 % at 85 (checked in tests/test_plausible_outcomes.py). A band
of ages [a, b) takes the mean of this curve over uniformly spread ages (assumption), and the
population's IFR is the mean over its bands weighted by their shares (the city's
``population_ages``). For scale: Verity et al. (2020), Lancet Infect. Dis. 20:669-677, estimate
an IFR of 0.657 % (0.389-1.33 %) for mainland China's age structure. The delay: mean onset to
death 17.8 days (Verity et al. 2020; 95 % CrI 16.9-19.2); removal from I is taken to come
``infectious_period_d`` after onset (assumption), so deaths follow removal by the difference.

Responders: a pool per district (police, fire, medical, repair crews) infected at the resident
hazard lambda_i times ``responder_exposure_multiplier`` (assumption: 1.0; raise it for
front-line exposure). Responders are few, so their own infectiousness is not fed back
(documented approximation). A responder counts as sick (absent) while infectious.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq


@dataclass(frozen=True)
class SEIRParams:
    """Epidemic parameters.

    Attributes:
        r0: basic reproduction number (> 0).
        latent_period_d: mean latent (E) period, days. Default 3 d: assumption (influenza-like
            respiratory infection order of magnitude).
        infectious_period_d: mean infectious period, days. Default 5 d: assumption (same).
    """

    r0: float
    latent_period_d: float = 3.0
    infectious_period_d: float = 5.0

    def __post_init__(self) -> None:
        if not self.r0 > 0:
            raise ValueError(f"r0 must be > 0, got {self.r0}")
        if not (self.latent_period_d > 0 and self.infectious_period_d > 0):
            raise ValueError("latent and infectious periods must be > 0 days")

    @property
    def sigma_per_d(self) -> float:
        return 1.0 / self.latent_period_d

    @property
    def gamma_per_d(self) -> float:
        return 1.0 / self.infectious_period_d

    @property
    def beta_per_d(self) -> float:
        """Continuous-time transmission rate beta = R0 * gamma."""
        return self.r0 * self.gamma_per_d


def gravity_mobility_matrix(
    population,
    x_m,
    y_m,
    *,
    travel_fraction: float = 0.2,
    origin_exponent: float = 1.0,
    destination_exponent: float = 1.0,
    distance_exponent: float = 2.0,
    min_distance_km: float = 1.0,
) -> np.ndarray:
    """Row-stochastic time-allocation matrix M from a gravity model.

    Args:
        population: (D,) resident populations.
        x_m, y_m: (D,) district centroids, UTM metres.
        travel_fraction: share of residents' time spent outside the home district, in [0, 1)
            (assumption 0.2).
        origin_exponent, destination_exponent, distance_exponent: gravity exponents a, b, c.
        min_distance_km: distances are floored at this value (avoids singular weights).

    Returns:
        (D, D) matrix, rows sum to 1, diagonal = 1 - travel_fraction (D > 1).

    Raises:
        ValueError: travel_fraction outside [0, 1) or non-positive populations.
    """
    pop = np.asarray(population, dtype=float)
    if np.any(pop <= 0):
        raise ValueError("populations must be > 0")
    if not 0.0 <= travel_fraction < 1.0:
        raise ValueError(f"travel_fraction must lie in [0, 1), got {travel_fraction}")
    d = pop.size
    if d == 1:
        return np.ones((1, 1))
    dx = np.subtract.outer(np.asarray(x_m, float), np.asarray(x_m, float))
    dy = np.subtract.outer(np.asarray(y_m, float), np.asarray(y_m, float))
    dist_km = np.maximum(np.hypot(dx, dy) / 1000.0, min_distance_km)
    w = np.outer(pop**origin_exponent, pop**destination_exponent) / dist_km**distance_exponent
    np.fill_diagonal(w, 0.0)
    m = travel_fraction * w / w.sum(axis=1, keepdims=True)
    np.fill_diagonal(m, 1.0 - travel_fraction)
    return m


def final_size_root(r0: float) -> float:
    """Positive root z of z = 1 - exp(-R0 z) (Kermack & McKendrick 1927); 0 for R0 <= 1.

    Args:
        r0: basic reproduction number.

    Returns:
        The asymptotic final attack fraction of a major outbreak.
    """
    if r0 <= 1.0:
        return 0.0
    return float(brentq(lambda z: 1.0 - np.exp(-r0 * z) - z, 1e-12, 1.0))


LEVIN2020_LOG10_IFR_PCT = (-3.27, 0.0524)
"""Levin et al. (2020) meta-regression of COVID-19's IFR on age: log10(IFR in %) = a + b x age
(intercept a, slope b per year; module docstring)."""


def levin2020_ifr(age_years) -> np.ndarray:
    """COVID-19 infection fatality ratio at an age (Levin et al. 2020; module docstring).

    Args:
        age_years: age(s), years.

    Returns:
        IFR as a fraction (not %), same shape as the input.
    """
    a, b = LEVIN2020_LOG10_IFR_PCT
    return 10.0 ** (a + b * np.asarray(age_years, float)) / 100.0


def band_ifr(from_years: float, to_years: float) -> float:
    """Mean Levin et al. (2020) IFR over ages spread uniformly in [from, to) (assumption):
    (IFR(to) - IFR(from)) / (b ln 10 (to - from)), the integral of the exponential curve.

    Raises:
        ValueError: an empty or negative band.
    """
    if not 0.0 <= from_years < to_years:
        raise ValueError(f"age band [{from_years}, {to_years}) must satisfy 0 <= from < to")
    b = LEVIN2020_LOG10_IFR_PCT[1]
    rise = levin2020_ifr(to_years) - levin2020_ifr(from_years)
    return float(rise / (b * np.log(10.0) * (to_years - from_years)))


def population_ifr(bands) -> float:
    """IFR of a population from its age bands: sum of share x :func:`band_ifr` over the bands,
    divided by the sum of the shares.

    Args:
        bands: iterable of (from_years, to_years, share).

    Raises:
        ValueError: no band, or shares that do not sum to a positive number.
    """
    rows = [(float(a), float(b), float(w)) for a, b, w in bands]
    total = sum(w for _, _, w in rows)
    if not rows or total <= 0:
        raise ValueError("age bands must have shares summing to a positive number")
    return sum(w * band_ifr(a, b) for a, b, w in rows) / total


def death_delay_d(onset_to_death_d: float, infectious_period_d: float) -> float:
    """Days from leaving I to death: mean onset-to-death time less the infectious period
    (removal comes that long after onset: assumption, module docstring), at least 0."""
    return max(float(onset_to_death_d) - float(infectious_period_d), 0.0)


def binomial_chain_major_probability(r0: float, gamma_dt: float) -> float:
    """Major-outbreak probability of the binomial chain (see module docstring).

    Args:
        r0: reproduction number as defined for the chain (beta x mean duration).
        gamma_dt: gamma * dt of the chain; 0 gives the continuous-time value 1 - 1/R0.

    Returns:
        1 - s*, s* the smallest root in [0, 1] of s = G(s).
    """
    if r0 <= 1.0:
        return 0.0
    if gamma_dt <= 0:
        return 1.0 - 1.0 / r0
    q = -np.expm1(-gamma_dt)
    lam = r0 * q

    def g_minus_s(s: float) -> float:
        e = np.exp(lam * (s - 1.0))
        return q * e / (1.0 - (1.0 - q) * e) - s

    # G(0) > 0, and G(s) - s ~ (1 - s)(1 - R0) < 0 just below s = 1 when R0 > 1
    return 1.0 - float(brentq(g_minus_s, 0.0, 1.0 - 1e-7, xtol=1e-14))


def sir_final_sizes_gillespie(
    n: int, r0: float, n_runs: int, rng: np.random.Generator, initial_infected: int = 1
) -> np.ndarray:
    """Final sizes of the exact stochastic SIR (Gillespie SSA jump chain), many replicates.

    Args:
        n: population size (closed, homogeneous mixing).
        r0: beta / gamma.
        n_runs: number of independent replicates.
        rng: random generator.
        initial_infected: infectives at t = 0 (the rest susceptible).

    Returns:
        (n_runs,) int, total ever infected including the initial infectives.

    Raises:
        ValueError: on invalid sizes.
    """
    if not (n >= 1 and 1 <= initial_infected <= n and n_runs >= 1):
        raise ValueError("need n >= 1, 1 <= initial_infected <= n, n_runs >= 1")
    s = np.full(n_runs, n - initial_infected, dtype=np.int64)
    i = np.full(n_runs, initial_infected, dtype=np.int64)
    active = np.arange(n_runs)
    while active.size:
        sa, ia = s[active], i[active]
        pressure = r0 * sa / n
        infect = rng.random(active.size) * (pressure + 1.0) < pressure
        s[active] = sa - infect
        i[active] = ia + np.where(infect, 1, -1)
        active = active[i[active] > 0]
    return n - s


@dataclass
class EpidemicState:
    """Compartment counts; arrays of shape (..., D) (leading axis = replicates if any).

    Attributes:
        s, e, i, r: residents by compartment (float for the ODE, int64 for stochastic runs).
        resp_s, resp_e, resp_i, resp_r: responders by compartment (same shapes).
        t_d: model time, days.
    """

    s: np.ndarray
    e: np.ndarray
    i: np.ndarray
    r: np.ndarray
    resp_s: np.ndarray
    resp_e: np.ndarray
    resp_i: np.ndarray
    resp_r: np.ndarray
    t_d: float = 0.0

    @property
    def population(self) -> np.ndarray:
        return self.s + self.e + self.i + self.r

    def responders_sick_fraction(self) -> np.ndarray:
        """(..., D) share of each district's responders currently sick (infectious)."""
        total = self.resp_s + self.resp_e + self.resp_i + self.resp_r
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, self.resp_i / np.maximum(total, 1), 0.0)

    def response_capacity_factor(self) -> np.ndarray:
        """(..., D) multiplier on team capacity: 1 - share of responders sick."""
        return 1.0 - self.responders_sick_fraction()


class MetapopulationSEIR:
    """SEIR over districts with gravity-model commuter mixing (see module docstring).

    Args:
        population: (D,) residents per district (persons).
        mobility: (D, D) row-stochastic time-allocation matrix (e.g. `gravity_mobility_matrix`).
        params: `SEIRParams`.
        responders: (D,) responders per district (default zeros).
        responder_exposure_multiplier: responders' hazard / residents' hazard (assumption 1).

    Raises:
        ValueError: shape mismatch or M not row-stochastic.
    """

    def __init__(
        self,
        population,
        mobility,
        params: SEIRParams,
        responders=None,
        responder_exposure_multiplier: float = 1.0,
    ) -> None:
        self.population = np.asarray(population, dtype=np.int64)
        d = self.population.size
        self.mobility = np.asarray(mobility, dtype=float)
        if self.mobility.shape != (d, d):
            raise ValueError(f"mobility must be ({d}, {d}), got {self.mobility.shape}")
        if not np.allclose(self.mobility.sum(axis=1), 1.0) or np.any(self.mobility < 0):
            raise ValueError("mobility rows must be non-negative and sum to 1")
        self.params = params
        self.responders = (
            np.zeros(d, np.int64) if responders is None else np.asarray(responders, np.int64)
        )
        if self.responders.shape != (d,):
            raise ValueError("responders must have shape (D,)")
        self.responder_exposure_multiplier = float(responder_exposure_multiplier)
        self._present = self.population @ self.mobility  # P_j, people present in j

    @property
    def n_districts(self) -> int:
        return self.population.size

    def initial_state(self, seeds, n_runs: int | None = None) -> EpidemicState:
        """All susceptible except ``seeds`` infectious residents.

        Args:
            seeds: (D,) initial infectious residents per district.
            n_runs: if given, states get a leading replicate axis of this length.
        """
        seeds = np.asarray(seeds, dtype=np.int64)
        if seeds.shape != (self.n_districts,) or np.any(seeds > self.population):
            raise ValueError("seeds must be (D,) and not exceed the population")
        shape = (self.n_districts,) if n_runs is None else (n_runs, self.n_districts)
        z = np.zeros(shape, np.int64)
        return EpidemicState(
            s=np.broadcast_to(self.population - seeds, shape).copy(),
            e=z.copy(),
            i=np.broadcast_to(seeds, shape).copy(),
            r=z.copy(),
            resp_s=np.broadcast_to(self.responders, shape).copy(),
            resp_e=z.copy(),
            resp_i=z.copy(),
            resp_r=z.copy(),
        )

    def force_of_infection(self, infectious, beta_per_d: float) -> np.ndarray:
        """(..., D) per-susceptible hazard lambda_i, 1/day (commuter mixing)."""
        present_i = np.asarray(infectious, float) @ self.mobility
        return beta_per_d * (present_i / self._present) @ self.mobility.T

    def step_binomial(
        self, state: EpidemicState, dt_d: float, rng: np.random.Generator
    ) -> EpidemicState:
        """Advance a stochastic state by one binomial-chain step of ``dt_d`` days (in place).

        Returns:
            The same state object, advanced.
        """
        p = self.params
        q = -np.expm1(-p.gamma_per_d * dt_d)
        beta = p.r0 * q / dt_d  # R0 = beta * mean geometric duration dt/q exactly
        lam = self.force_of_infection(state.i, beta)
        p_inf = -np.expm1(-lam * dt_d)
        p_lat = -np.expm1(-p.sigma_per_d * dt_d)
        new_e = rng.binomial(state.s, p_inf)
        new_i = rng.binomial(state.e, p_lat)
        new_r = rng.binomial(state.i, q)
        state.s -= new_e
        state.e += new_e - new_i
        state.i += new_i - new_r
        state.r += new_r
        if self.responders.any():
            p_resp = -np.expm1(-lam * self.responder_exposure_multiplier * dt_d)
            re = rng.binomial(state.resp_s, p_resp)
            ri = rng.binomial(state.resp_e, p_lat)
            rr = rng.binomial(state.resp_i, q)
            state.resp_s -= re
            state.resp_e += re - ri
            state.resp_i += ri - rr
            state.resp_r += rr
        state.t_d += dt_d
        return state

    def simulate_binomial_chain(
        self,
        seeds,
        t_end_d: float,
        dt_d: float,
        rng: np.random.Generator,
        n_runs: int | None = None,
        stop_when_extinct: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Stochastic trajectories.

        Args:
            seeds: (D,) initial infectious residents.
            t_end_d: horizon, days.
            dt_d: step, days (e.g. 0.25).
            rng: random generator.
            n_runs: replicates (None = a single run without replicate axis).
            stop_when_extinct: stop early once no E or I remain in any run.

        Returns:
            (t_d (T,), counts (T, 4, [runs,] D)) with compartments S, E, I, R.
        """
        state = self.initial_state(seeds, n_runs)
        n_steps = int(np.ceil(t_end_d / dt_d))
        times, out = [0.0], [np.stack([state.s, state.e, state.i, state.r])]
        for _ in range(n_steps):
            self.step_binomial(state, dt_d, rng)
            times.append(state.t_d)
            out.append(np.stack([state.s, state.e, state.i, state.r]))
            if stop_when_extinct and not (state.e.any() or state.i.any()):
                break
        return np.asarray(times), np.stack(out)

    def deterministic(self, seeds, t_end_d: float, dt_out_d: float = 1.0):
        """Mean-field ODE trajectory (continuous-time rates, beta = R0 gamma).

        Returns:
            (t_d (T,), counts (T, 4, D)) with compartments S, E, I, R (floats).
        """
        p = self.params
        d = self.n_districts
        seeds = np.asarray(seeds, float)

        def rhs(_t, y):
            s, e, i = y[:d], y[d : 2 * d], y[2 * d : 3 * d]
            inf = self.force_of_infection(i, p.beta_per_d) * s
            lat = p.sigma_per_d * e
            rec = p.gamma_per_d * i
            return np.concatenate([-inf, inf - lat, lat - rec, rec])

        y0 = np.concatenate([self.population - seeds, np.zeros(d), seeds, np.zeros(d)])
        t_eval = np.arange(0.0, t_end_d + 1e-9, dt_out_d)
        sol = solve_ivp(rhs, (0.0, t_end_d), y0, t_eval=t_eval, rtol=1e-8, atol=1e-6)
        return sol.t, sol.y.T.reshape(-1, 4, d)
