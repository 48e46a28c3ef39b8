"""Issue 13: how low can the relocation error go with the five calibrated coefficients?

    .venv/bin/python experiments/typhoon_calibration/bound.py [--reps 6] [--workers 2]

The LOSO table of ``run.py`` scores coefficients fitted on seven storms against the eighth.
This script asks a prior question: **is there any** setting of the five coefficients
(``run.PARAMETERS``: the households' PADM intercept, order, response-level and exposure terms
and the districts' order-threshold scale) under which the model's relocation count is within
the target of the reported count for most storms, even when the coefficients are chosen on
the very storms they are scored on? If the best in-sample median error were above the target,
no calibration of these coefficients (ABC, another distance, more particles) would be
expected to meet it out of sample (not a strict bound: leave-one-out predicts each storm
with another fit), and the gap would be in the model's structure or its inputs. The search
covers the prior box (or ``--widen`` times it), not every value a coefficient may take.

Method (the same traces and replays as ``run.py``; a trace is made if missing):

1. ``--samples`` points of the coefficient box (a scrambled Sobol sequence,
   :class:`scipy.stats.qmc.Sobol`, seed fixed), scored by the in-sample median over storms
   of |ln(median count over replications / reported count)|, every count at its as-of time;
2. the ``--polish`` best points refined by Nelder-Mead (:func:`scipy.optimize.minimize`)
   inside the box (coefficients clipped to it);
3. per storm, the lowest and the highest median count any of the Sobol points gives, and
   its smallest error alone there (what the box allows for that storm if the others did not
   matter, as far as the points show).

Nelder-Mead starts from scipy's default simplex (5% of each nonzero coordinate), clipped to
the box at every evaluation.

``--widen F`` scores a box F times as wide around the same centre (clipped at the
coefficients' own limits: the order-threshold scale stays above 0.1; the non-negative terms
at or above 0), to show the result is not an artefact of the priors.

``--loso`` also predicts each storm at the coefficients the same search finds on the other
seven (a point prediction: no interval), the search's own leave-one-storm-out error.

Output: ``out/bound.md`` and ``out/bound.csv`` (copied to ``results/`` by hand); the scored
points' counts are cached in ``out/bound_scored-*.npy`` (a rerun with the same settings
skips the scoring).
Held-out storms (2021 on) are not read here.
"""

from __future__ import annotations

import argparse
import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from run import OUT, PARAMETERS, cases, traces
from scipy.optimize import minimize
from scipy.stats import qmc
from storm_files import load_spec

from sim.studies.calibration.relocation_replay import replay_relocated

TARGET = math.log(1.3)  # issue 13: LOSO median |ln(sim/obs)| <= ln 1.3
SEED = 20261207
NAMES = list(PARAMETERS)
LOWER_LIMIT = {"official_order": 0.0, "per_response_level": 0.0, "exposure": 0.0,
               "order_threshold_scale": 0.1}  # fmt: skip

_CASES: list = []
_TRACES: dict = {}


def box(widen: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the scored coefficients: the priors, ``widen`` times as wide
    about their centres, clipped at each coefficient's own lower limit."""
    lo = np.array([PARAMETERS[n].low for n in NAMES], float)
    hi = np.array([PARAMETERS[n].high for n in NAMES], float)
    mid, half = (lo + hi) / 2, (hi - lo) / 2 * widen
    floor = np.array([LOWER_LIMIT.get(n, -np.inf) for n in NAMES])
    return np.maximum(mid - half, floor), mid + half


def _init(all_cases, tr) -> None:
    global _CASES, _TRACES
    _CASES, _TRACES = all_cases, tr


def storm_count(job: tuple[np.ndarray, int]) -> float:
    """Median count over the replications of storm ``i`` at its as-of time (persons), under
    coefficients ``theta`` (in ``NAMES`` order): ``job`` is ``(theta, i)``."""
    theta, i = job
    c = _CASES[i]
    b = dict(zip(NAMES, (float(v) for v in theta), strict=True))
    return float(np.median([replay_relocated(r, b, c.as_of_h) for r in _TRACES[c.name]]))


def counts(pool, thetas: np.ndarray) -> np.ndarray:
    """Counts of every storm under each row of ``thetas``: shape (len(thetas), storms)."""
    n = len(_CASES)
    jobs = [(th, i) for th in thetas for i in range(n)]
    return np.array(list(pool.map(storm_count, jobs, chunksize=4))).reshape(len(thetas), n)


def errors(count: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """|ln(sim/obs)| per storm; a zero count scores as one person."""
    return np.abs(np.log(np.maximum(count, 1.0) / observed))


def search(pool, points, scored, observed, keep, lo, hi, a) -> tuple[np.ndarray, float]:
    """The coefficients with the lowest median error over the storms ``keep`` marks: the best
    scored point, then the ``a.polish`` best refined by Nelder-Mead (``a.maxfev`` evaluations
    each, coefficients clipped to the box); returns (coefficients, median error)."""
    med = np.median(errors(scored[:, keep], observed[keep]), axis=1)

    def objective(theta):
        count = counts(pool, [np.clip(theta, lo, hi)])[0]
        return float(np.median(errors(count[keep], observed[keep])))

    best_theta, best = points[int(np.argmin(med))], float(med.min())
    for i in np.argsort(med)[: a.polish]:
        res = minimize(objective, points[i], method="Nelder-Mead",
                       options={"xatol": 1e-3, "fatol": 1e-4, "maxfev": a.maxfev})  # fmt: skip
        if res.fun < best:
            best_theta, best = np.clip(res.x, lo, hi), float(res.fun)
    return best_theta, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=6, help="traced replications per storm")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--samples", type=int, default=256, help="Sobol points (a power of 2)")
    ap.add_argument("--polish", type=int, default=2, help="best points refined by Nelder-Mead")
    ap.add_argument("--maxfev", type=int, default=150, help="evaluations per refinement")
    ap.add_argument("--widen", type=float, default=1.0, help="box width relative to the priors")
    ap.add_argument(
        "--loso",
        action="store_true",
        help="also predict each storm at the coefficients searched on the other seven",
    )
    a = ap.parse_args()
    all_cases = cases(load_spec())
    tr = traces(all_cases, a.reps, a.workers)
    observed = np.array([c.observed_persons for c in all_cases])
    lo, hi = box(a.widen)
    points = qmc.scale(qmc.Sobol(len(NAMES), scramble=True, seed=SEED).random(a.samples), lo, hi)
    _init(all_cases, tr)
    cache = OUT / f"bound_scored-s{a.samples}-w{a.widen:g}-r{a.reps}.npy"  # the slow part
    with ProcessPoolExecutor(a.workers, initializer=_init, initargs=(all_cases, tr)) as pool:
        if cache.is_file():
            scored = np.load(cache)
        else:
            scored = counts(pool, points)
            OUT.mkdir(parents=True, exist_ok=True)
            np.save(cache.with_suffix(".tmp.npy"), scored)
            cache.with_suffix(".tmp.npy").replace(cache)
        med = np.median(errors(scored, observed), axis=1)
        every = np.ones(len(all_cases), bool)
        best_theta, best = search(pool, points, scored, observed, every, lo, hi, a)
        at_best = counts(pool, [best_theta])[0]
        loso = None
        if a.loso:  # each storm predicted at the coefficients searched on the other seven
            loso = []
            for i, c in enumerate(all_cases):
                theta_i, _ = search(
                    pool, points, scored, observed, every & (np.arange(len(every)) != i), lo, hi, a
                )
                loso.append(counts(pool, [theta_i])[0][i])
                print(f"  left out {c.name}: {loso[-1]:,.0f}", flush=True)
    table = pd.DataFrame(
        {
            "storm": [c.name for c in all_cases],
            "observed": observed,
            "count_at_best": at_best,
            "abs_ln_error_at_best": errors(at_best, observed),
            "lowest_count": scored.min(axis=0),
            "highest_count": scored.max(axis=0),
            "smallest_error_alone": errors(scored, observed).min(axis=0),
        }
    )
    if loso is not None:
        table["loso_count"] = loso
        table["loso_abs_ln_error"] = errors(np.array(loso), observed)
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "bound.csv", index=False)
    text = markdown(table, best, best_theta, med, lo, hi, a)
    (OUT / "bound.md").write_text(text, encoding="utf-8")
    print(text)


def markdown(table, best, theta, med, lo, hi, a) -> str:
    lines = [
        "| storm | observed | count at the best coefficients | abs ln error | lowest count "
        "of the Sobol points | highest count of the Sobol points | smallest error alone |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.storm} | {r.observed:,.0f} | {r.count_at_best:,.0f} | "
            f"{r.abs_ln_error_at_best:.2f} | {r.lowest_count:,.0f} | {r.highest_count:,.0f} | "
            f"{r.smallest_error_alone:.2f} |"
        )
    coeffs = ", ".join(f"{n} {v:.2f}" for n, v in zip(NAMES, theta, strict=True))
    ranges = ", ".join(f"{n} [{x:.2f}, {y:.2f}]" for n, x, y in zip(NAMES, lo, hi, strict=True))
    within = int((med <= TARGET).sum())
    lines += [
        "",
        f"Best in-sample median |ln(sim/obs)| over the {len(table)} storms: **{best:.2f}** "
        f"(target {TARGET:.2f}), at {coeffs}. Scored: {a.samples} Sobol points of the box "
        f"{ranges} (widen {a.widen:g}), the best {a.polish} refined by Nelder-Mead (at most "
        f"{a.maxfev} evaluations each); "
        f"{within} of the {a.samples} points reach the target; {a.reps} replications per "
        "storm, every count at its as-of time, each storm's count the median over its "
        "replications.",
    ]
    if "loso_count" in table:
        lines += [
            "",
            "| storm | observed | left out: count at the coefficients searched on the other "
            "seven | abs ln error |",
            "|---|---:|---:|---:|",
            *(
                f"| {r.storm} | {r.observed:,.0f} | {r.loso_count:,.0f} | "
                f"{r.loso_abs_ln_error:.2f} |"
                for r in table.itertuples()
            ),
            "",
            f"Leave-one-storm-out median |ln(sim/obs)| of the searched coefficients: "
            f"**{table['loso_abs_ln_error'].median():.2f}** (each fold searched as above).",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
