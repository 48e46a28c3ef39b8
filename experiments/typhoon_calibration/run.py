"""Issue 13: joint calibration of household relocation on the pre-2021 storms, with a
leave-one-storm-out (LOSO) cross-validation table.

    .venv/bin/python experiments/typhoon_calibration/run.py [--reps 8] [--workers 2]

Stages (each cached under ``experiments/typhoon_calibration/out/``, so a rerun or an
interrupted run resumes):

1. the storms' scenarios, made as ``citysafe storm new`` makes them (``scenarios/``);
2. ``--reps`` traced runs of each storm at the seeds of ``citysafe run --replications``
   (today's defaults for everything else);
3. ABC-SMC fits of the PADM coefficients: one on all storms, one per storm left out;
4. the LOSO table: each storm predicted by the fit that never saw it (median and 90%
   interval of replays over posterior draws x replications), written to ``out/loso.csv``
   and ``out/results.md``; the joint posterior to ``out/posterior.json`` (with ``--norm``
   other than 2 or another ABC budget, each name takes the fits folder's suffix:
   ``out/results-median-p50-g4.md``).

Every comparison is with the model's running total at the time the count was reported
(``as_of_local`` in ``storms.yaml``; :func:`storm_files.as_of_hours`), not with the whole
window's: reported counts are running totals, some made hours before landfall.

``--forecast-evolution martingale`` makes the traces with martingale forecast errors
(``warnings.typhoon_errors.evolution``) and keeps everything in ``out-martingale/``.

``--shipped-only`` stops after stage 2 and writes ``out/shipped.md``: each storm under the
posterior the city ships (out of sample for storms that fit did not list).

Held-out storms (2021 on) are not read here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from storm_files import as_of_hours, load_spec, scenario_of, scenario_seed

from sim.studies.calibration.relocation_replay import replay_relocated
from sim.studies.calibration.spec import Prior
from sim.studies.calibration.storms import (
    StormCase,
    cached_trace,
    fit,
    predictive,
    summarise_posterior,
)
from sim.studies.sweep.design import replication_seeds

HERE = Path(__file__).resolve().parent
EVOLUTION_ENV = "CITYSAFE_CALIBRATION_EVOLUTION"
"""The forecast errors' evolution the traces are made with (``--forecast-evolution``; an
environment variable so that worker processes, forked or spawned, see it too)."""
EVOLUTION = os.environ.get(EVOLUTION_ENV, "ar1")
OUT = HERE / ("out" if EVOLUTION == "ar1" else f"out-{EVOLUTION}")
DATA_DIR = HERE.parents[1] / "scenarios" / "data" / "shanghai"

# Priors of the PADM coefficients (sim.scenario.schema.BehaviourConfig): wide uniforms
# around the assumed defaults (assumption: no published effect sizes were read).
PARAMETERS = {
    "intercept": Prior(prior="uniform", low=-8.0, high=-1.0),
    "official_order": Prior(prior="uniform", low=0.0, high=8.0),
    "per_response_level": Prior(prior="uniform", low=0.0, high=4.0),
    "exposure": Prior(prior="uniform", low=0.0, high=4.0),
    # where districts order: 0.7 puts the sheds' gust trigger at force 8 (17.2 m/s), 1.6 at
    # force 13 (39 m/s); the warning criteria taken as order thresholds are an assumption
    "order_threshold_scale": Prior(prior="uniform", low=0.7, high=1.6),
}
OBS_SCALE_LN = 0.25  # observation uncertainty in ln units (storms.py docstring)
SEED = 20130701


def cases(spec: dict) -> list[StormCase]:
    """The calibration storms with their scenario files (made if missing)."""
    out = []
    for name, s in spec["storms"].items():
        path = scenario_of(name, spec)
        h = as_of_hours(s.get("as_of_local"), path)
        out.append(StormCase(name, path, float(s["observed_persons"]), s["source"], h))
    return out


def trace_overrides() -> list[str]:
    """Scenario overrides of the traced runs: the forecast errors' evolution, if not ar1."""
    return [] if EVOLUTION == "ar1" else [f"warnings.typhoon_errors.evolution={EVOLUTION}"]


def _trace_job(args):
    case, rep, seed = args
    cached_trace(OUT / "traces", case, rep, seed, trace_overrides())
    return case.name, rep


def traces(all_cases: list[StormCase], reps: int, workers: int) -> dict:
    jobs = []
    for c in all_cases:
        seeds = replication_seeds(scenario_seed(c.scenario), reps)
        jobs += [(c, r, s) for r, s in enumerate(seeds)]
    with ProcessPoolExecutor(workers) as pool:
        for name, rep in pool.map(_trace_job, jobs):
            print(f"  traced {name} #{rep}", flush=True)
    return {
        c.name: [
            cached_trace(OUT / "traces", c, r, s, trace_overrides())
            for (cc, r, s) in jobs
            if cc.name == c.name
        ]
        for c in all_cases
    }


DISTANCES = {2: "root of the sum of squared", 1: "sum of absolute", "median": "median of absolute"}
"""``--norm`` values and how the markdown names each ABC distance's combination of the scaled
log errors (:func:`sim.studies.calibration.abc.scaled_distance`)."""


def norm_arg(text: str) -> int | str:
    """``--norm``'s value: 1, 2 or "median"; anything else is refused with the choices."""
    for choice in DISTANCES:
        if text.strip().lower() == str(choice):
            return choice
    raise argparse.ArgumentTypeError(f"{text!r}: choose 2, 1 or median")


def fits_dir(norm: int | str, population: int = 100, generations: int = 6) -> Path:
    """Where the fits of a distance norm and ABC budget are cached (norm 2 at the default
    budget keeps the original folder; another budget gets its own, never mixed with these)."""
    name = "fits" if norm == 2 else f"fits-l{norm}" if norm == 1 else f"fits-{norm}"
    budget = "" if (population, generations) == (100, 6) else f"-p{population}-g{generations}"
    return OUT / (name + budget)


def _fit_job(args):
    label, fit_cases, tr, population, generations, norm = args
    folder = fits_dir(norm, population, generations)
    path = folder / f"{label}.parquet"
    if path.is_file():
        return label
    post = fit(
        fit_cases,
        tr,
        PARAMETERS,
        folder / f"{label}.db",
        population,
        generations,
        OBS_SCALE_LN,
        SEED,
        norm,
    )
    tmp = path.with_suffix(".tmp")
    post.to_parquet(tmp)
    tmp.replace(path)
    (folder / f"{label}.db").unlink(missing_ok=True)
    return label


def fits(all_cases, tr, population, generations, workers, norm) -> dict[str, pd.DataFrame]:
    folder = fits_dir(norm, population, generations)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [("all", all_cases, tr, population, generations, norm)]
    jobs += [
        (
            f"without-{c.name}",
            [d for d in all_cases if d.name != c.name],
            tr,
            population,
            generations,
            norm,
        )
        for c in all_cases
    ]
    with ProcessPoolExecutor(workers) as pool:
        for label in pool.map(_fit_job, jobs):
            print(f"  fitted {label}", flush=True)
    return {j[0]: pd.read_parquet(folder / f"{j[0]}.parquet") for j in jobs}


def interval(prefix: str, sample: np.ndarray, observed: float) -> dict[str, float]:
    """Median and 90% interval of a predictive ``sample``, its median's |ln(sim/obs)| and
    whether the interval covers ``observed``, as ``<prefix>_<statistic>`` columns."""
    lo, med, hi = np.quantile(sample, [0.05, 0.5, 0.95])
    return {
        f"{prefix}_median": med,
        f"{prefix}_p05": lo,
        f"{prefix}_p95": hi,
        f"{prefix}_abs_ln_error": abs(math.log(med / observed)),
        f"{prefix}_covered": bool(lo <= observed <= hi),
    }


def loso_table(all_cases, tr, posts, draws: int) -> pd.DataFrame:
    rows = []
    names = list(PARAMETERS)
    for i, c in enumerate(all_cases):
        post = posts[f"without-{c.name}"]
        sample = predictive(tr[c.name], post, names, draws, SEED + i, c.as_of_h)
        insample = predictive(tr[c.name], posts["all"], names, draws, SEED + 100 + i, c.as_of_h)
        # the reported count: the model's count times the reporting error the fit assumes
        noise = np.random.default_rng(SEED + 300 + i).normal(0.0, OBS_SCALE_LN, sample.size)
        default = np.median([replay_relocated(r, None, c.as_of_h) for r in tr[c.name]])
        rows.append(
            {
                "storm": c.name,
                "observed": c.observed_persons,
                "as_of_h": c.as_of_h,
                "default_median": default,
                **interval("loso", sample, c.observed_persons),
                **interval("report", sample * np.exp(noise), c.observed_persons),
                "joint_median": float(np.median(insample)),
                "default_abs_ln_error": abs(math.log(default / c.observed_persons)),
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, posterior: dict, reps: int, norm: int | str) -> str:
    lines = [
        "| storm | observed | defaults before (median) | LOSO median [90% interval] | "
        "abs ln error | covered | 90% interval of the reported count | covered |",
        "|---|---:|---:|---:|---:|:---:|---:|:---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.storm} | {r.observed:,.0f} | {r.default_median:,.0f} | "
            f"{r.loso_median:,.0f} [{r.loso_p05:,.0f}, {r.loso_p95:,.0f}] | "
            f"{r.loso_abs_ln_error:.2f} | {'yes' if r.loso_covered else 'no'} | "
            f"[{r.report_p05:,.0f}, {r.report_p95:,.0f}] | "
            f"{'yes' if r.report_covered else 'no'} |"
        )
    med = table["loso_abs_ln_error"].median()
    lines += [
        "",
        f"LOSO median |ln(sim/obs)| = {med:.2f} (target <= ln 1.3 = {math.log(1.3):.2f}); "
        f"defaults before calibration: {table['default_abs_ln_error'].median():.2f}; "
        f"90% intervals covering: {table['loso_covered'].mean():.0%} (of the model's count), "
        f"{table['report_covered'].mean():.0%} (of the reported count: the model's count times "
        f"a lognormal reporting error of s = {OBS_SCALE_LN:g} in ln units, the observation "
        f"model the fit assumes); {reps} replications per storm; ABC distance: "
        + DISTANCES[norm]
        + " scaled log errors.",
        "",
        "Joint posterior (all storms), weighted median [5%, 95%]:",
        "",
    ]
    for n, q in posterior.items():
        lines.append(f"- `{n}`: {q['median']:.2f} [{q['p05']:.2f}, {q['p95']:.2f}]")
    return "\n".join(lines) + "\n"


def write_particles(post: pd.DataFrame, path: Path, a: argparse.Namespace) -> None:
    """The joint fit's weighted particles in the city's posterior format
    (:mod:`sim.city.behaviour_posterior`); copy the file to
    ``scenarios/data/shanghai/behaviour_posterior.csv`` to make it the city's."""
    names = list(PARAMETERS)
    head = (
        "# Joint posterior of the PADM coefficients (sim.scenario.schema.BehaviourConfig),\n"
        "# ABC-SMC (pyabc) on the people relocated of the calibration storms before 2021\n"
        f"# ({', '.join(load_spec()['storms'])}; observed counts and sources in\n"
        "# experiments/typhoon_calibration/storms.yaml); written by\n"
        f"# experiments/typhoon_calibration/run.py --reps {a.reps} --population "
        f"{a.population} --generations {a.generations} --norm {a.norm} (seed {SEED}).\n"
        "# Last generation's particles; weight = pyabc importance weight. Licence: Apache-2.0.\n"
    )
    body = post[[*names, "weight"]].to_csv(index=False, float_format="%.6g")
    path.write_text(head + body, encoding="utf-8")


def shipped_table(all_cases, tr, draws: int) -> pd.DataFrame:
    """Each storm under the city's shipped posterior (``behaviour_posterior.csv``, the joint
    fit the model ships, made on the storms it lists): median and 90% interval of replays over
    posterior draws x replications at the count's as-of time — out of sample for any storm
    the shipped fit did not list."""
    post = pd.read_csv(DATA_DIR / "behaviour_posterior.csv", comment="#")
    names = [n for n in PARAMETERS if n in post.columns]  # a coefficient it lacks: the default
    rows = []
    for i, c in enumerate(all_cases):
        sample = predictive(tr[c.name], post, names, draws, SEED + 200 + i, c.as_of_h)
        total = np.median([replay_relocated(r) for r in tr[c.name]])
        rows.append(
            {
                "storm": c.name,
                "observed": c.observed_persons,
                "as_of_h": c.as_of_h,
                **interval("shipped", sample, c.observed_persons),
                "window_total_median": total,
            }
        )
    return pd.DataFrame(rows)


def shipped_markdown(table: pd.DataFrame, reps: int) -> str:
    lines = [
        "| storm | observed | shipped posterior at the as-of time, median [90% interval] | "
        "abs ln error | covered | whole window (median) |",
        "|---|---:|---:|---:|:---:|---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.storm} | {r.observed:,.0f} | {r.shipped_median:,.0f} "
            f"[{r.shipped_p05:,.0f}, {r.shipped_p95:,.0f}] | {r.shipped_abs_ln_error:.2f} | "
            f"{'yes' if r.shipped_covered else 'no'} | {r.window_total_median:,.0f} |"
        )
    lines += [
        "",
        f"Median |ln(sim/obs)|: {table['shipped_abs_ln_error'].median():.2f}; 90% intervals "
        f"covering: {table['shipped_covered'].mean():.0%}; {reps} replications per storm; "
        "whole window: the run's total with the scenario's coefficients.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=8, help="traced replications per storm")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--population", type=int, default=100, help="ABC particles")
    ap.add_argument("--generations", type=int, default=6, help="ABC-SMC generations")
    ap.add_argument("--draws", type=int, default=400, help="posterior predictive draws")
    ap.add_argument(
        "--norm",
        type=norm_arg,
        choices=tuple(DISTANCES),
        default=2,
        help="ABC distance: 2 (default, the shipped fit), root of the sum of squared scaled "
        "log errors; 1, their sum of absolute values (measured worse: "
        "results/results_norm1.md); median, their median (the target's own measure, robust "
        "to the storms the model cannot reach). Outputs of another norm or ABC budget are "
        "named after it (out/fits-median/, out/results-median.md, ...)",
    )
    ap.add_argument(
        "--shipped-only",
        action="store_true",
        help="no fits: each storm under the city's shipped posterior (out/shipped.md)",
    )
    ap.add_argument(
        "--forecast-evolution",
        choices=("ar1", "martingale"),
        default="ar1",
        help="forecast errors of the traced runs (warnings.typhoon_errors.evolution); not ar1: "
        "everything goes to out-<evolution>/",
    )
    a = ap.parse_args()
    global EVOLUTION, OUT
    os.environ[EVOLUTION_ENV] = EVOLUTION = a.forecast_evolution
    OUT = HERE / ("out" if EVOLUTION == "ar1" else f"out-{EVOLUTION}")
    all_cases = cases(load_spec())
    print("traces ...", flush=True)
    tr = traces(all_cases, a.reps, a.workers)
    if a.shipped_only:
        shipped = shipped_table(all_cases, tr, a.draws)
        shipped.to_csv(OUT / "shipped.csv", index=False)
        text = shipped_markdown(shipped, a.reps)
        (OUT / "shipped.md").write_text(text, encoding="utf-8")
        print(text)
        return
    print("fits ...", flush=True)
    posts = fits(all_cases, tr, a.population, a.generations, a.workers, a.norm)
    table = loso_table(all_cases, tr, posts, a.draws)
    posterior = summarise_posterior(posts["all"], list(PARAMETERS))
    # outputs named like the fits' folder: another distance or budget never overwrites these
    tag = fits_dir(a.norm, a.population, a.generations).name.removeprefix("fits")
    table.to_csv(OUT / f"loso{tag}.csv", index=False)
    (OUT / f"posterior{tag}.json").write_text(json.dumps(posterior, indent=2))
    write_particles(posts["all"], OUT / f"behaviour_posterior{tag}.csv", a)
    text = markdown(table, posterior, a.reps, a.norm)
    (OUT / f"results{tag}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
