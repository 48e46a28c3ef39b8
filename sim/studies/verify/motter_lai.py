"""Verification against Motter & Lai (2002): load-based cascades on scale-free networks.

Motter & Lai (2002), "Cascade-based attacks on complex networks", Phys. Rev. E 66,
065102(R): the load of a node is its betweenness (number of shortest paths through it), its
capacity is (1 + α) times its initial load, and nodes whose load exceeds capacity after a
removal fail, iteratively. The damage is G = N'/N, the largest connected component after the
cascade over the original size. Their qualitative results for scale-free (Barabási–Albert)
networks, which this check reproduces on BA graphs with N = 1000, m = 2 (Barabási & Albert
1999, Science 286, 509-512; `networkx.barabasi_albert_graph`):

* removing the single node of highest load at small tolerance (α = 0.1) triggers a large
  cascade: G <= 0.5 (their Fig. 1/2: G falls far below 1 for load-based attacks at α <~ 0.5);
* removing a random node does not: G >= 0.95 (most nodes carry little load). The statistic
  is the median over the random removals: the distribution is bimodal — most removals leave
  G ≈ 1, a few per cent hit a hub and cascade — so a mean over a handful of draws mostly
  counts hubs drawn. Measured exhaustively on one BA graph (N = 1000, m = 2, α = 0.1; all
  1000 single-node removals): median 0.998, mean 0.964;
* G rises with α (more spare capacity, smaller cascades).

The thresholds 0.5 and 0.95 are the issue's acceptance criteria (qualitative statements of
the paper, not numbers read from it). Values are means over `graphs` independent BA graphs
(seeds spawned from `numpy.random.SeedSequence(seed)`); random removal takes the median over
`random_samples` distinct uniformly chosen nodes per graph. Loads use `sim.networks.load_cascade.
shortest_path_load` (exact, equal to networkx betweenness; ~0.1 s per stage at N = 1000).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sim.core.cli_input import Bound
from sim.networks.load_cascade import motter_lai, shortest_path_load
from sim.studies.verify.report import Check, VerifyInputError, budget_problem

NAME = "motter-lai"
TARGETED_MAX_G = 0.5
"""Acceptance: mean G after removing the highest-load node at α = 0.1 is at most this."""
RANDOM_MIN_G = 0.95
"""Acceptance: median G after removing a random node at α = 0.1 is at least this."""
DEFAULT_ALPHAS = (0.05, 0.1, 0.2, 0.4, 0.8)
"""Tolerance values of the sweep (targeted removal)."""


NODES = Bound(50, 5000, integer=True)
"""N of each BA graph: at least 50 (a scale-free degree spread needs some hubs); at most 5,000:
the time grows about as N^2.8 (:data:`SECONDS_1000`), ~20 minutes a graph at 5,000."""
M = Bound(1, 10, integer=True)
"""Edges per new node of the BA model (⟨k⟩ = 2m): the networks Motter & Lai studied have
⟨k⟩ ≈ 2.7 (a power grid) to 4 (the Internet's autonomous systems), so m ≤ 10 (⟨k⟩ ≤ 20)
covers them with room; the graph and the loads' memory grow with N·m."""
GRAPHS = Bound(1, 1000, integer=True)
"""Independent graphs averaged (the time budget bounds them further with N)."""
SECONDS_1000 = 11.2
"""Seconds a graph of N = 1,000, m = 2 takes on the development machine with 10 random removals
and 5 tolerances (78 s at N = 2,000: time grows as about N^2.8, little with m)."""


class MotterLaiInputError(VerifyInputError):
    """Invalid graph size, BA parameter, number of graphs or tolerance values."""


def input_problem(nodes: int, m: int, graphs: int, removals: int = 15) -> str | None:
    """What is wrong with the options of :func:`run_motter_lai` (the module's bounds and the
    time budget; ``removals``: random removals plus tolerances per graph), or None."""
    for option, value, bound in (
        ("--nodes", nodes, NODES),
        ("-m", m, M),
        ("--graphs", graphs, GRAPHS),
    ):
        if (problem := bound.problem(value)) is not None:
            return f"{option} {value}: {problem}"
    estimate = SECONDS_1000 * (nodes / 1000) ** 2.8 * graphs * removals / 15
    return budget_problem(f"--nodes {nodes} x --graphs {graphs}", estimate, "fewer nodes or graphs")


def largest_component_fraction(adjacency, alive: np.ndarray) -> float:
    """G = (largest connected component of the subgraph induced by `alive`) / n."""
    alive = np.asarray(alive, bool)
    n = len(alive)
    if not alive.any():
        return 0.0
    keep = np.flatnonzero(alive)
    sub = sparse.csr_array(adjacency)[keep][:, keep]
    _, lab = connected_components(sub, directed=False)
    return float(np.bincount(lab).max()) / n


@dataclass
class MotterLaiResult:
    """Outcome of `run_motter_lai`; `checks()` gives the report lines."""

    nodes: int
    m: int
    alpha: float
    alphas: tuple[float, ...]
    graphs: int
    g_targeted: list[float] = field(default_factory=list)  # per graph, at `alpha`
    g_random: list[float] = field(default_factory=list)  # per graph and sample
    g_sweep: dict[float, list[float]] = field(default_factory=dict)  # alpha -> per graph
    elapsed_s: float = 0.0

    def sweep_means(self) -> np.ndarray:
        return np.array([np.mean(self.g_sweep[a]) for a in self.alphas])

    def checks(self) -> list[Check]:
        """Targeted (<= 0.5), random (>= 0.95), and rise of G over the α sweep."""
        tg, rg = np.array(self.g_targeted), np.array(self.g_random)
        means = self.sweep_means()
        steps = np.diff(means)
        sweep_txt = ", ".join(f"G({a:g})={g:.3f}" for a, g in zip(self.alphas, means, strict=True))
        return [
            Check(
                NAME,
                f"G after removing the highest-load node (alpha={self.alpha:g}, BA N={self.nodes},"
                f" m={self.m}, {self.graphs} graphs)",
                float(tg.mean()),
                TARGETED_MAX_G,
                0.0,
                relation="le",
                detail=f"per graph {np.round(tg, 3).tolist()}",
            ),
            Check(
                NAME,
                f"median G after removing a random node (alpha={self.alpha:g}, {len(rg)} removals)",
                float(np.median(rg)),
                RANDOM_MIN_G,
                0.0,
                relation="ge",
                detail=f"mean {rg.mean():.3f}, min {rg.min():.3f}",
            ),
            Check(
                NAME,
                f"smallest rise of G between successive alpha in {list(self.alphas)}",
                float(steps.min()) if len(steps) else float("nan"),
                0.0,
                0.0,
                relation="ge",
                detail=sweep_txt,
            ),
        ]


def run_motter_lai(
    nodes: int = 1000,
    m: int = 2,
    seed: int = 0,
    graphs: int = 3,
    alpha: float = 0.1,
    alphas: tuple[float, ...] = DEFAULT_ALPHAS,
    random_samples: int = 10,
) -> MotterLaiResult:
    """Targeted and random single-node removals on BA graphs, and an α sweep.

    Args:
        nodes: N of each BA graph (:data:`NODES`).
        m: edges per new node of the BA model (:data:`M`).
        seed: root of `numpy.random.SeedSequence`; graph r uses its r-th spawned child (BA
            seed = an integer drawn from it, then the random removals).
        graphs: number of independent BA graphs (:data:`GRAPHS`; with ``nodes`` within the
            time budget, :func:`input_problem`).
        alpha: tolerance of the targeted and random checks.
        alphas: increasing tolerances of the sweep (targeted removal); `alpha` is added.
        random_samples: random single-node removals per graph.

    Returns:
        MotterLaiResult.

    Raises:
        MotterLaiInputError: invalid sizes or tolerances.
    """
    if random_samples < 1:
        raise MotterLaiInputError(f"random_samples must be >= 1, got {random_samples}")
    sweep = tuple(sorted(set(float(a) for a in alphas) | {float(alpha)}))
    if not (sweep[0] >= 0 and np.all(np.isfinite(sweep))):
        raise MotterLaiInputError(f"tolerances alpha must be finite and >= 0, got {sweep}")
    if (problem := input_problem(nodes, m, graphs, random_samples + len(sweep))) is not None:
        raise MotterLaiInputError(problem)
    t0 = time.perf_counter()
    res = MotterLaiResult(nodes, m, alpha, sweep, graphs, g_sweep={a: [] for a in sweep})
    for child in np.random.SeedSequence(seed).spawn(graphs):
        rng = np.random.default_rng(child)
        g = nx.barabasi_albert_graph(nodes, m, seed=int(rng.integers(2**31 - 1)))
        adj = nx.to_scipy_sparse_array(g, nodelist=range(nodes), format="csr")
        load0 = shortest_path_load(adj)
        target = np.zeros(nodes, bool)
        target[int(np.argmax(load0))] = True
        for a in sweep:
            survivors = motter_lai(adj, a, target, initial_load=load0)
            res.g_sweep[a].append(largest_component_fraction(adj, survivors))
        res.g_targeted.append(res.g_sweep[float(alpha)][-1])
        for node in rng.choice(nodes, size=random_samples, replace=False):
            removed = np.zeros(nodes, bool)
            removed[node] = True
            survivors = motter_lai(adj, alpha, removed, initial_load=load0)
            res.g_random.append(largest_component_fraction(adj, survivors))
    res.elapsed_s = time.perf_counter() - t0
    return res
