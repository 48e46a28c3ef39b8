"""Issue 13: every calibration storm (and the offshore passes without a count) run as an
ensemble with today's defaults; each observed outcome against its 90% interval, deaths per
replication, warnings decided against those reported.

    .venv/bin/python experiments/typhoon_calibration/check.py [--reps 10] [--workers 2]
        [--agency JMA]

The storms are read as ``storms.yaml`` says (CMA where the track has CMA rows, else JMA, with
their JMA wind radii). ``--agency JMA`` reads the storms whose track file has JMA rows as
JMA's best track (10-min winds) instead, for comparison; results go to ``out/check-jma/`` and
``out/check-jma.md``.

Runs are the seeds of ``citysafe run --replications`` (the same model, one process per run;
each replication draws the households' behaviour coefficients from the city's calibrated
posterior, as ``run --replications`` does: ``storm_files.ENSEMBLE_OVERRIDES``);
results are cached per run in ``out/check/`` (a rerun resumes) and written to
``out/check.md``. Observations: ``scenarios/data/typhoons/observed_calibration.csv``, the
people relocated as chosen in ``storms.yaml``, compared with the model's running total at the
count's as-of time (``as_of_local``; :func:`storm_files.as_of_hours`). A ``>`` figure (a lower
bound) counts as inside when the interval reaches it (p95 >= figure). Held-out storms (2021 on)
are not read here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from storm_files import OUTCOMES, load_spec, run_ensemble

HERE = Path(__file__).resolve().parent
OBSERVED = HERE.parents[1] / "scenarios" / "data" / "typhoons" / "observed_calibration.csv"
GRADES = ("none", "IV", "III", "II", "I")


def observed_rows(spec: dict) -> pd.DataFrame:
    """Observed outcomes that match a summary key (relocation: the storms.yaml choice)."""
    obs = pd.read_csv(OBSERVED)
    obs = obs[obs["outcome"].isin(OUTCOMES) & obs["qualifier"].isin(["=", ">", "~"])]
    obs = obs[~obs["notes"].fillna("").str.contains("Pudong only")]  # not a city total
    obs = obs[obs["outcome"] != "people_relocated"]
    chosen = pd.DataFrame(
        [
            {"storm": n, "outcome": "people_relocated", "value": s["observed_persons"],
             "qualifier": "="}
            for n, s in spec["storms"].items()
        ]
    )  # fmt: skip
    out = pd.concat([obs[["storm", "outcome", "value", "qualifier"]], chosen])
    out["value"] = out["value"].astype(float)
    return out.reset_index(drop=True)


def _has_agency(name: str, spec: dict, agency: str) -> bool:
    """Whether the storm's track file has rows of ``agency``."""
    entry = spec["storms"].get(name)
    data = HERE.parents[1] / "scenarios" / "data" / "typhoons"
    track = HERE / entry["track"] if entry else data / f"{name}_track.csv"
    return bool((pd.read_csv(track, comment="#")["agency"] == agency).any())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--agency", default=None, help="read the tracks as this agency")
    a = ap.parse_args()
    spec = load_spec()
    names = [*spec["storms"], *spec["offshore_without_count"]]
    tag = ""
    if a.agency and a.agency != spec["agency"]:
        spec["agency"], tag = a.agency, f"-{a.agency.lower()}"
        names = [n for n in names if _has_agency(n, spec, a.agency)]
    as_of = {n: s.get("as_of_local") for n, s in spec["storms"].items()}
    runs = run_ensemble(names, spec, a.reps, a.workers, HERE / "out" / f"check{tag}", as_of=as_of)
    runs.to_csv(HERE / "out" / f"check{tag}_runs.csv", index=False)
    lines = [
        "| storm | outcome | observed | median [90% interval] | inside |",
        "|---|---|---:|---:|:---:|",
    ]
    inside = []
    for r in observed_rows(spec).query("storm in @names").itertuples():
        # relocation: the running total when the count was reported (storms.yaml as_of_local)
        col = "people_relocated_as_of" if r.outcome == "people_relocated" else r.outcome
        x = runs.loc[runs["storm"] == r.storm, col].to_numpy(float)
        lo, med, hi = np.percentile(x, [5, 50, 95])
        ok = bool(hi >= r.value) if r.qualifier == ">" else bool(lo <= r.value <= hi)
        inside.append(ok)
        q = ">" if r.qualifier == ">" else ""
        lines.append(
            f"| {r.storm} | {r.outcome} | {q}{r.value:,.0f} | {med:,.0f} [{lo:,.0f}, {hi:,.0f}] "
            f"| {'yes' if ok else 'no'} |"
        )
    lines += [
        "",
        f"Observed outcomes inside the 90% interval: {sum(inside)}/{len(inside)} "
        f"({np.mean(inside):.0%}).",
        "",
        "| storm | replications with 0 deaths | highest response in replications "
        "(II+ / III / IV / none) | reported |",
        "|---|---:|---|---|",
    ]
    reported = pd.read_csv(OBSERVED).query("outcome == 'response_level'")
    reported = reported.groupby("storm")["value"].agg(lambda v: "/".join(v))
    zero = []
    for name in names:
        g = runs[runs["storm"] == name]
        z = float((g["deaths"] == 0).mean())
        zero.append(z)
        resp = g["max_response"].to_numpy()
        counts = (
            f"{(resp >= 3).sum()} / {(resp == 2).sum()} / {(resp == 1).sum()} / {(resp == 0).sum()}"
        )
        rep = reported.get(name, "not found")
        lines.append(f"| {name} | {z:.0%} | {counts} | {rep} |")
    lines += [
        "",
        f"Storms with 0 deaths in >= 80% of replications: "
        f"{sum(z >= 0.8 for z in zero)}/{len(zero)} ({a.reps} replications each).",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "out" / f"check{tag}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
