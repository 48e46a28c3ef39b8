"""Benchmark of the Buldyrev mutual-percolation cascade (`sim.networks.mutual_percolation`).

Setting: two Erdős–Rényi layers with <k> = 4 (exact G(n, p) samples, `erdos_renyi_adjacency`),
one-to-one mutual dependency, a random 20 % of layer A removed (p = 0.8, well above
p_c = 0.614, so the number of cascade stages does not grow with N and the scaling measures the
algorithm, not critical slowing down).

Printed, all measured in the same run (CPU time of the process, best of R runs — the timeit
convention, least disturbed by other load on the machine):

* cascade time per size N = 1e4, 1e5, 1e6 nodes per layer, and the scaling exponent
  log(t(1e6) / t(1e4)) / log(100) (target <= 1.15);
* the floor: `scipy.sparse.csgraph.connected_components` called once per layer and cascade
  stage on the prebuilt CSR of that stage's surviving subgraph (stages of the same algorithm,
  graph construction excluded) — ratio cascade / floor (target <= 3);
* a straightforward networkx implementation of the same algorithm at N = 1e5 (each stage:
  the largest of `nx.connected_components(G.subgraph(alive))` per layer, then the
  dependencies) — ratio networkx / cascade (target >= 50); its survivors are checked equal;
* peak memory at each size: resident set size of a fresh subprocess (generation + cascade,
  `resource.getrusage`), and the tracemalloc peak of one cascade call (target < 1 GB at 1e6).

Usage: ``.venv/bin/python benchmarks/cascade.py [--quick]`` (quick: sizes 1e4 and 1e5,
networkx at 1e4).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scipy import sparse  # noqa: E402
from scipy.sparse.csgraph import connected_components  # noqa: E402

from sim.networks.cascade import giant_component_mask, mutual_percolation  # noqa: E402
from sim.studies.verify.buldyrev import erdos_renyi_adjacency  # noqa: E402

MEAN_DEGREE = 4.0
P_KEEP = 0.8
SEED = 20240601


def _setup(n: int):
    rng = np.random.default_rng([SEED, n])
    a = erdos_renyi_adjacency(n, MEAN_DEGREE, rng)
    b = erdos_renyi_adjacency(n, MEAN_DEGREE, rng)
    idx = np.arange(n)
    deps = [(0, 1, idx, idx), (1, 0, idx, idx)]
    alive = [rng.random(n) < P_KEEP, np.ones(n, bool)]
    return a, b, deps, alive


def _cpu(fn, repeats: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeats):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def _reference_stage_masks(a, b, deps, alive) -> list[np.ndarray]:
    """Alive masks entering each giant-component step of the straightforward algorithm."""
    edges = []
    for adj in (a, b):
        coo = sparse.coo_array(adj)
        keep = coo.row < coo.col
        edges.append((coo.row[keep], coo.col[keep]))
    cur = [x.copy() for x in alive]
    masks = []
    while True:
        before = sum(int(c.sum()) for c in cur)
        for i, (u, v) in enumerate(edges):
            masks.append((i, cur[i].copy()))
            cur[i] = giant_component_mask(len(cur[i]), u, v, cur[i])
        for x, y, di, si in deps:
            cur[x][di[~cur[y][si]]] = False
        if sum(int(c.sum()) for c in cur) == before:
            return masks


def _floor(a, b, masks, repeats: int) -> float:
    """CPU time of one connected_components call per (layer, stage) on prebuilt CSRs."""
    total = 0.0
    for layer, mask in masks:
        adj = (a, b)[layer]
        d = sparse.diags_array(mask.astype(np.float64))
        sub = sparse.csr_array(d @ adj @ d)
        sub.eliminate_zeros()
        total += _cpu(lambda s=sub: connected_components(s, directed=False), repeats)[0]
    return total


def _networkx_cascade(a, b, deps, alive) -> list[np.ndarray]:
    """Straightforward networkx version of the same stages (giant per layer, then deps)."""
    import networkx as nx

    graphs = [nx.from_scipy_sparse_array(a), nx.from_scipy_sparse_array(b)]
    n = a.shape[0]
    cur = [set(np.flatnonzero(x).tolist()) for x in alive]
    dep_lists = [(x, y, di.tolist(), si.tolist()) for x, y, di, si in deps]
    while True:
        before = sum(len(c) for c in cur)
        for i, g in enumerate(graphs):
            comps = nx.connected_components(g.subgraph(cur[i]))
            cur[i] = max(comps, key=len, default=set())
        for x, y, di, si in dep_lists:
            cur[x] = {d for d, s in zip(di, si, strict=True) if d in cur[x] and s in cur[y]} | (
                cur[x] - set(di)
            )
        if sum(len(c) for c in cur) == before:
            break
    out = []
    for c in cur:
        m = np.zeros(n, bool)
        m[list(c)] = True
        out.append(m)
    return out


def child(n: int, repeats: int, networkx: bool) -> dict:
    """Measurements for one size (run in a fresh process for a clean peak RSS)."""
    a, b, deps, alive = _setup(n)
    t, (res, stages) = _cpu(
        lambda: mutual_percolation([a, b], deps, alive, return_stages=True), repeats
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    tracemalloc.start()
    mutual_percolation([a, b], deps, alive)
    traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out = {
        "n": n,
        "stages": stages,
        "cascade_s": t,
        "giant_fraction": float(res[0].mean()),
        "peak_rss_mb": rss_mb,
        "traced_peak_mb": traced_mb,
    }
    masks = _reference_stage_masks(a, b, deps, alive)
    out["floor_calls"] = len(masks)
    out["floor_s"] = _floor(a, b, masks, max(1, repeats // 2))
    if networkx:
        t0 = time.process_time()
        ref = _networkx_cascade(a, b, deps, alive)
        out["networkx_s"] = time.process_time() - t0
        out["networkx_equal"] = bool(
            all(np.array_equal(x, y) for x, y in zip(ref, res, strict=True))
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="sizes 1e4, 1e5; networkx at 1e4")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    ap.add_argument("--networkx", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeats, args.networkx)))
        return 0

    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    nx_size = 10_000 if args.quick else 100_000
    repeats = {10_000: 7, 100_000: 5, 1_000_000: 3}
    rows = []
    t_start = time.perf_counter()
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--repeats", str(repeats[n])]
        if n == nx_size:
            cmd.append("--networkx")
        print(f"measuring N = {n:,} ...", file=sys.stderr, flush=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    print(
        f"Buldyrev cascade, two ER layers <k>={MEAN_DEGREE:g}, one-to-one dependency, "
        f"p={P_KEEP} (CPU s, best of R runs)"
    )
    hdr = (
        f"{'N/layer':>10} {'stages':>6} {'P_inf':>7} {'cascade s':>10} {'floor s':>9} "
        f"{'cc calls':>8} {'/floor':>7} {'networkx s':>10} {'nx/casc':>8} {'RSS MB':>8} "
        f"{'traced MB':>9}"
    )
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        nxs = f"{r['networkx_s']:10.2f}" if "networkx_s" in r else f"{'-':>10}"
        nxr = f"{r['networkx_s'] / r['cascade_s']:8.0f}" if "networkx_s" in r else f"{'-':>8}"
        print(
            f"{r['n']:>10,} {r['stages']:>6} {r['giant_fraction']:7.4f} {r['cascade_s']:10.4f} "
            f"{r['floor_s']:9.4f} {r['floor_calls']:>8} {r['cascade_s'] / r['floor_s']:7.2f} "
            f"{nxs} {nxr} {r['peak_rss_mb']:8.0f} {r['traced_peak_mb']:9.0f}"
        )
    print()
    by_n = {r["n"]: r for r in rows}
    ok = True
    nx_row = by_n[nx_size]
    ratio_nx = nx_row["networkx_s"] / nx_row["cascade_s"]
    verdict = ratio_nx >= 50 and nx_row["networkx_equal"]
    ok &= verdict
    print(
        f"networkx / cascade at N={nx_size:,}: {ratio_nx:.0f}x (target >= 50x; same survivors: "
        f"{nx_row['networkx_equal']}) {'PASS' if verdict else 'FAIL'}"
    )
    worst = max(r["cascade_s"] / r["floor_s"] for r in rows)
    ok &= worst <= 3
    print(
        "cascade / floor (one connected_components per layer and stage): "
        + ", ".join(f"N={r['n']:,}: {r['cascade_s'] / r['floor_s']:.2f}" for r in rows)
        + f" (target <= 3) {'PASS' if worst <= 3 else 'FAIL'}"
    )
    lo, hi = rows[0], rows[-1]
    expo = math.log(hi["cascade_s"] / lo["cascade_s"]) / math.log(hi["n"] / lo["n"])
    ok &= expo <= 1.15
    print(
        f"scaling exponent from N={lo['n']:,} to N={hi['n']:,}: {expo:.3f} (target <= 1.15) "
        f"{'PASS' if expo <= 1.15 else 'FAIL'}"
    )
    big = by_n.get(1_000_000)
    if big is not None:
        mem_ok = big["peak_rss_mb"] < 1024
        ok &= mem_ok
        print(
            f"peak memory at N=1,000,000: RSS {big['peak_rss_mb']:.0f} MB (process incl. graph "
            f"generation), cascade tracemalloc peak {big['traced_peak_mb']:.0f} MB "
            f"(target < 1024 MB) {'PASS' if mem_ok else 'FAIL'}"
        )
    print(f"total benchmark time {time.perf_counter() - t_start:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
