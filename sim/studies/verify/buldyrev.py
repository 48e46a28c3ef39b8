"""Verification against Buldyrev et al. (2010): cascades in two coupled Erdős–Rényi networks.

Theory (Buldyrev, Parshani, Paul, Stanley & Havlin 2010, "Catastrophic cascade of failures in
interdependent networks", Nature 464, 1025-1028): two ER networks A and B with the same mean
degree ⟨k⟩, every node of A depends on one node of B and vice versa (one-to-one), a random
fraction 1 - p of A's nodes is removed. The mutually connected giant component (MCGC) holds a
fraction P∞ of the nodes, the largest root of

    P∞ = p · g(P∞)²,   g(x) = 1 - exp(-⟨k⟩ x)

(their eq. for ER networks with a = b = ⟨k⟩). Writing p = x / g(x)², the non-trivial root
disappears where p(x) is minimal (tangency): p_c = min_x x / g(x)² = 2.4554 / ⟨k⟩, with
P∞(p_c) = x* > 0 (a first-order, abrupt collapse). Both are computed numerically here
(scipy.optimize), not tabulated; ⟨k⟩ p_c = 2.4554 is checked in the tests.

Simulation: layers are exact G(n, p = ⟨k⟩/(n-1)) graphs sampled with numpy
(`erdos_renyi_adjacency`, O(n ⟨k⟩) time and memory); dependency i ↔ i (the layers are
independent, so the identity is a uniformly random one-to-one coupling). Each realisation fixes
one random removal order of A's nodes: for a given p the first round(p n) nodes of the order are
kept. P∞(p) is followed down a grid of p (each cascade starts from the MCGC at the previous,
higher p with the extra nodes removed — nodes are removed progressively along the order; the
MCGC is monotone in the kept set, so this equals a cold start and saves the first stages).

Pseudo-critical point of a realisation, p_c(N): the smallest p along the removal order at which
the MCGC still holds at least half of the theoretical jump, i.e. MCGC / N >= P∞(p_c) / 2, found
by bisection on the number of kept nodes down to a resolution of 10⁻⁴ (or 1 node). At a
first-order transition the MCGC drops from ≈ P∞(p_c)·N to O(1) nodes when one more node is
removed, so this criterion is the position of the largest drop and does not depend on the exact
threshold. The reported p_c is the mean over realisations (seeds spawned from
`numpy.random.SeedSequence(seed)`); realisations whose MCGC is already absent at p = 1 count as
p_c(N) = 1 and are reported as censored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, sparse

from sim.core.cli_input import Bound
from sim.networks.cascade import mutual_percolation
from sim.studies.verify.report import Check, VerifyInputError, budget_problem

NAME = "buldyrev"
PC_TOLERANCE = 0.01
"""Allowed |mean p_c(N) - p_c| at N = 10⁵ (the issue's acceptance criterion)."""
PINF_TOLERANCE = 0.01
"""Allowed |mean P∞(p) - theory| for p >= p_c + PINF_MIN_OFFSET (acceptance criterion)."""
PINF_MIN_OFFSET = 0.04
"""P∞ is compared only for p >= p_c + 0.04: closer to p_c finite-size effects dominate."""
PC_RESOLUTION = 1e-4
"""Bisection resolution of p_c(N) (in p; at least one node)."""


MAX_EDGE_ENDS = 4_000_000
"""Largest N·⟨k⟩ (edge ends of a layer) a realisation may hold: memory grows with it, about
120 bytes an edge end (0.5 GB measured at N = 10⁶, ⟨k⟩ = 4 on the development machine)."""
MEAN_DEGREE = Bound(2.5, MAX_EDGE_ENDS / 100, source="p_c = 2.4554/<k> must lie below 1")
"""⟨k⟩: at least 2.5, so that p_c = 2.4554/⟨k⟩ lies below 1 and the transition can be seen; at
most MAX_EDGE_ENDS over the fewest nodes."""
NODES = Bound(100, MAX_EDGE_ENDS / MEAN_DEGREE.low, integer=True)
"""N per layer: at least 100 (below, finite-size effects swamp the transition); at most
MAX_EDGE_ENDS over the least ⟨k⟩."""
REALISATIONS = Bound(1, 1000, integer=True)
"""Realisations averaged: the spread of the means falls as 1/√R, so 1,000 resolve them to 3 %
of one realisation's; :data:`SECONDS_1E5` and the time budget bound R with N further."""
SECONDS_1E5 = 1.8
"""Seconds a realisation of N = 10⁵, ⟨k⟩ = 4 takes on the development machine; it grows as
(N⟨k⟩)^1.5 (56 s at N = 10⁶)."""


class BuldyrevInputError(VerifyInputError):
    """Invalid size, mean degree or number of realisations for the Buldyrev check."""


def input_problem(mean_degree: float, nodes: int, realisations: int) -> str | None:
    """What is wrong with the options of :func:`run_buldyrev` (the module's bounds, the
    memory of a realisation, the time budget), or None."""
    for option, value, bound in (
        ("--mean-degree", mean_degree, MEAN_DEGREE),
        ("--nodes", nodes, NODES),
        ("--realisations", realisations, REALISATIONS),
    ):
        if (problem := bound.problem(value)) is not None:
            return f"{option} {value}: {problem}"
    asked = f"--nodes {nodes} x --mean-degree {mean_degree:g}"
    if nodes * mean_degree > MAX_EDGE_ENDS:
        return (
            f"{asked} = {nodes * mean_degree:,.0f} edge ends a layer; at most {MAX_EDGE_ENDS:,} "
            "(about 0.5 GB a realisation)"
        )
    estimate = SECONDS_1E5 * (nodes * mean_degree / 4e5) ** 1.5 * realisations
    return budget_problem(
        f"{asked} x --realisations {realisations}", estimate, "fewer nodes or realisations"
    )


def g_er(x, mean_degree: float):
    """Giant-component generating function of an ER graph: g(x) = 1 - exp(-⟨k⟩ x)."""
    return 1.0 - np.exp(-mean_degree * np.asarray(x, float))


def theory_critical_point(mean_degree: float) -> tuple[float, float]:
    """(p_c, P∞(p_c)) for two coupled ER layers with one-to-one dependency.

    p_c = min over x in (0, 1] of x / g(x)² (tangency of p·g(x)² with x); ⟨k⟩ p_c = 2.4554
    (Buldyrev et al. 2010). Raises BuldyrevInputError for ⟨k⟩ <= 0.
    """
    if not mean_degree > 0:
        raise BuldyrevInputError(f"mean degree must be > 0, got {mean_degree}")
    res = optimize.minimize_scalar(
        lambda x: x / g_er(x, mean_degree) ** 2,
        bounds=(1e-9, 1.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return float(res.fun), float(res.x)


def theory_giant_fraction(p: float, mean_degree: float) -> float:
    """Largest root P∞ of P = p (1 - exp(-⟨k⟩ P))², or 0.0 below p_c (only the trivial root).

    The root lies between the tangency point x* (where p·g(x)² - x is positive for p > p_c) and
    p (where it is negative because g < 1); found with brentq.
    """
    pc, xstar = theory_critical_point(mean_degree)
    if p < pc:
        return 0.0
    f = lambda x: p * g_er(x, mean_degree) ** 2 - x  # noqa: E731
    if f(xstar) <= 0:  # p == p_c to rounding
        return xstar
    return float(optimize.brentq(f, xstar, p, xtol=1e-14))


def erdos_renyi_edges(
    n: int, mean_degree: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Edges (u < v) of an exact G(n, p) graph with p = ⟨k⟩ / (n - 1), in O(n ⟨k⟩).

    The edge count is Binomial(n(n-1)/2, p); that many distinct pairs are drawn uniformly by
    sampling pairs with replacement (self-loops rejected), removing duplicates and, after a
    slight over-draw, keeping a uniformly random subset of the required size (a uniform subset
    of a uniformly random set of distinct pairs is uniform). Unlike
    `networkx.gnp_random_graph` this never loops over the n² pairs.
    """
    if n < 2 or not 0 <= mean_degree <= n - 1:
        raise BuldyrevInputError(f"need n >= 2 and 0 <= <k> <= n-1, got n={n}, <k>={mean_degree}")
    n_pairs = n * (n - 1) // 2
    m = int(rng.binomial(n_pairs, mean_degree / (n - 1)))
    keys = np.empty(0, np.int64)
    while len(keys) < m:
        draw = int(1.02 * (m - len(keys))) + 16
        u = rng.integers(0, n, draw)
        v = rng.integers(0, n, draw)
        ok = u != v
        a, b = np.minimum(u[ok], v[ok]), np.maximum(u[ok], v[ok])
        keys = np.sort(np.concatenate([keys, a * n + b]))
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    if len(keys) > m:
        keys = keys[rng.choice(len(keys), size=m, replace=False)]
    return keys // n, keys % n


def erdos_renyi_adjacency(n: int, mean_degree: float, rng: np.random.Generator) -> sparse.csr_array:
    """(n, n) symmetric CSR adjacency of an exact G(n, ⟨k⟩/(n-1)) graph (see erdos_renyi_edges)."""
    u, v = erdos_renyi_edges(n, mean_degree, rng)
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    return sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))


@dataclass
class Realisation:
    """One realisation: p grid (descending), MCGC fraction at each, pseudo-critical p_c(N)."""

    p_grid: np.ndarray
    giant_fraction: np.ndarray
    p_c: float
    censored: bool
    cascades: int


def simulate_realisation(
    n: int,
    mean_degree: float,
    rng: np.random.Generator,
    p_grid: np.ndarray,
    threshold: float,
    resolution: float = PC_RESOLUTION,
) -> Realisation:
    """Two fresh coupled ER layers, one removal order; P∞ on `p_grid` and p_c(N) by bisection.

    Args:
        n: nodes per layer.
        mean_degree: ⟨k⟩.
        rng: generator (layers, then removal order).
        p_grid: p values for P∞ (any order; evaluated from high to low).
        threshold: MCGC fraction separating "giant present" from "collapsed".
        resolution: bisection resolution in p.
    """
    a = erdos_renyi_adjacency(n, mean_degree, rng)
    b = erdos_renyi_adjacency(n, mean_degree, rng)
    rank = np.empty(n, np.int64)
    rank[rng.permutation(n)] = np.arange(n)
    idx = np.arange(n)
    deps = [(0, 1, idx, idx), (1, 0, idx, idx)]
    count = 0

    def cascade(n_keep: int, start: list[np.ndarray]) -> list[np.ndarray]:
        nonlocal count
        count += 1
        return mutual_percolation([a, b], deps, [start[0] & (rank < n_keep), start[1]])

    full = [np.ones(n, bool), np.ones(n, bool)]
    state = cascade(n, full)  # p = 1: no removal, only the mismatch of the two giants
    hi_n, hi_state = n, state
    grid = np.sort(np.asarray(p_grid, float))[::-1]
    frac = np.empty(len(grid))
    for j, p in enumerate(grid):
        state = cascade(int(round(p * n)), state)
        frac[j] = state[0].mean()
        if frac[j] >= threshold:
            hi_n, hi_state = int(round(p * n)), state
    if hi_state[0].mean() < threshold:  # no MCGC even without removal
        return Realisation(grid, frac, 1.0, True, count)
    lo_n = 0
    step = max(1, int(round(resolution * n)))
    while hi_n - lo_n > step:
        mid = (lo_n + hi_n) // 2
        st = cascade(mid, hi_state)
        if st[0].mean() >= threshold:
            hi_n, hi_state = mid, st
        else:
            lo_n = mid
    return Realisation(grid, frac, 0.5 * (lo_n + hi_n) / n, False, count)


@dataclass
class BuldyrevResult:
    """Outcome of `run_buldyrev`; `checks()` gives the report lines."""

    mean_degree: float
    nodes: int
    seed: int
    p_c_theory: float
    giant_at_p_c_theory: float
    p_grid: np.ndarray
    giant_theory: np.ndarray
    realisations: list[Realisation] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def p_c_values(self) -> np.ndarray:
        return np.array([r.p_c for r in self.realisations])

    @property
    def giant_mean(self) -> np.ndarray:
        return np.mean([r.giant_fraction for r in self.realisations], axis=0)

    def checks(
        self, pc_tolerance: float = PC_TOLERANCE, pinf_tolerance: float = PINF_TOLERANCE
    ) -> list[Check]:
        """One p_c line and one P∞ line per grid point (p >= p_c + 0.04)."""
        pcs = self.p_c_values
        n_r = len(pcs)
        censored = sum(r.censored for r in self.realisations)
        sd = float(pcs.std(ddof=1)) if n_r > 1 else float("nan")
        out = [
            Check(
                NAME,
                f"p_c (<k>={self.mean_degree:g}, N={self.nodes}, {n_r} realisations)",
                float(pcs.mean()),
                self.p_c_theory,
                pc_tolerance,
                detail=f"p_c(N) sd {sd:.4f}, range {pcs.min():.4f}-{pcs.max():.4f}, "
                f"{censored} censored at p = 1; 2.4554/<k> = {2.4554 / self.mean_degree:.4f}",
            )
        ]
        sim = self.giant_mean
        for p, s, t in zip(self.p_grid, sim, self.giant_theory, strict=True):
            out.append(
                Check(
                    NAME,
                    f"P_inf(p={p:.3f})",
                    float(s),
                    float(t),
                    pinf_tolerance,
                    detail=f"mean of {n_r} realisations at N={self.nodes}",
                )
            )
        return out


def default_p_grid(mean_degree: float, points: int = 5) -> np.ndarray:
    """`points` values of p from p_c + 0.04 to 1 (descending); empty when p_c + 0.04 > 1."""
    pc, _ = theory_critical_point(mean_degree)
    lo = pc + PINF_MIN_OFFSET
    if lo > 1.0:
        return np.empty(0)
    return np.round(np.linspace(1.0, lo, points), 4)


def run_buldyrev(
    mean_degree: float,
    nodes: int,
    seed: int,
    realisations: int = 8,
    p_grid: np.ndarray | None = None,
) -> BuldyrevResult:
    """Simulate `realisations` coupled-ER pairs and compare with the Buldyrev theory.

    Args:
        mean_degree: ⟨k⟩ of both layers (>= 2.5 so that p_c < 1).
        nodes: N per layer (>= 100).
        seed: root of `numpy.random.SeedSequence`; realisation r uses its r-th spawned child.
        realisations: number of independent realisations (>= 1).
        p_grid: p values for the P∞ comparison (default `default_p_grid`).

    Returns:
        BuldyrevResult with theory, per-realisation results and run time.

    Raises:
        BuldyrevInputError: options beyond their bounds (:func:`input_problem`): ⟨k⟩ < 2.5
            (p_c = 2.4554/⟨k⟩ would be near or above 1, so no transition can be observed),
            nodes < 100, realisations < 1, a layer beyond the memory bound or a run beyond
            the time budget.
    """
    if (problem := input_problem(mean_degree, nodes, realisations)) is not None:
        raise BuldyrevInputError(problem)
    t0 = time.perf_counter()
    pc, xstar = theory_critical_point(mean_degree)
    grid = default_p_grid(mean_degree) if p_grid is None else np.sort(np.asarray(p_grid))[::-1]
    theory = np.array([theory_giant_fraction(p, mean_degree) for p in grid])
    result = BuldyrevResult(mean_degree, nodes, seed, pc, xstar, grid, theory)
    for child in np.random.SeedSequence(seed).spawn(realisations):
        rng = np.random.default_rng(child)
        result.realisations.append(
            simulate_realisation(nodes, mean_degree, rng, grid, threshold=0.5 * xstar)
        )
    result.elapsed_s = time.perf_counter() - t0
    return result
