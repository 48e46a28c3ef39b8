"""Issue 13, item 5: the held-out test — typhoons from 2021 on, never used to calibrate, tune or
choose a default, run with today's defaults and compared with what Shanghai reported.

    .venv/bin/python experiments/typhoon_calibration/heldout.py [--reps 10] [--workers 2]

Storms: every held-out storm with a best track in ``scenarios/data/typhoons/heldout/`` and a
reported count of people relocated in ``heldout/observed_heldout.csv`` (In-fa 2021, Muifa 2022,
Bebinca 2024, Co-may 2025). Tracks are read as **CMA** (the one agency all four have, and
the calibration storms' agency where their files have CMA rows); the wind-field size comes
from the storm's JMA 30/50-kt radii where shipped beside the track (In-fa 2021), else from
the published Rmax relation (:mod:`sim.hazards.typhoon`). Scenarios are made as
``citysafe storm new`` makes them, into ``scenarios/`` here; replications are the seeds of
``citysafe run --replications`` and, like its replications, draw the households' behaviour
coefficients from the calibrated posterior (``storm_files.ENSEMBLE_OVERRIDES``; the posterior
was fitted on the storms before 2021 only); runs are cached in ``out/heldout/`` (a rerun resumes).

Observed relocation: the largest count reported for the storm (the counts are running totals;
a ``>`` figure is a lower bound, inside when the interval reaches it), compared with the
model's running total at the count's as-of time (:func:`storm_files.as_of_hours`; a bare date
counts as the end of that day). Output:
``out/heldout.md`` (copied to ``results/heldout.md`` by hand after a run).

This script reads the held-out observations and writes a table; nothing in the model or its
defaults depends on it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from storm_files import run_ensemble

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "heldout"
HELDOUT = HERE.parents[1] / "scenarios" / "data" / "typhoons" / "heldout"
OBSERVED = HELDOUT / "observed_heldout.csv"
AGENCY = "CMA"
GRADES = ("none", "IV", "III", "II", "I")


def storms() -> dict[str, dict]:
    """Held-out storms with a track and a relocation count: name -> observed row."""
    obs = pd.read_csv(OBSERVED)
    reloc = obs[(obs["outcome"] == "people_relocated") & obs["qualifier"].isin(["=", ">"])]
    out = {}
    for name, g in reloc.groupby("storm"):
        if not (HELDOUT / f"{name}_track.csv").is_file():
            continue
        row = g.loc[g["value"].astype(float).idxmax()]
        out[name] = {
            "track": str((HELDOUT / f"{name}_track.csv").relative_to(HERE, walk_up=True)),
            "value": float(row["value"]),
            "qualifier": row["qualifier"],
            "source": f"{row['source_title']} ({row['source_outlet']}, {row['source_date']})",
            "as_of_local": row["as_of_local"] if isinstance(row["as_of_local"], str) else None,
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    chosen = storms()
    spec = {"agency": AGENCY, "storms": {n: {"track": s["track"]} for n, s in chosen.items()}}
    as_of = {n: s["as_of_local"] for n, s in chosen.items()}
    runs = run_ensemble(chosen, spec, a.reps, a.workers, OUT, as_of=as_of)
    runs.to_csv(HERE / "out" / "heldout_runs.csv", index=False)
    reported = pd.read_csv(OBSERVED).query("outcome == 'response_level'")
    reported = reported.groupby("storm")["value"].agg(lambda v: "/".join(sorted(set(v))))
    lines = [
        f"Held-out typhoons (2021 on), {a.reps} replications each, today's defaults with the "
        f"behaviour coefficients drawn from the calibrated posterior, {AGENCY} tracks.",
        "",
        "| storm | observed relocated | median [90% interval] | abs ln error | covered | "
        "highest response (II+ / III / IV / none) | reported | 0 deaths |",
        "|---|---:|---:|---:|:---:|---|---|---:|",
    ]
    errors, covered = [], []
    for name, s in chosen.items():
        g = runs[runs["storm"] == name]
        x = g["people_relocated_as_of"].to_numpy(float)  # at the count's as-of time
        lo, med, hi = np.percentile(x, [5, 50, 95])
        lower_bound = s["qualifier"] == ">"
        ok = bool(hi >= s["value"]) if lower_bound else bool(lo <= s["value"] <= hi)
        err = abs(float(np.log(max(med, 1.0) / s["value"])))
        errors.append(err)
        covered.append(ok)
        resp = g["max_response"].to_numpy()
        counts = (
            f"{(resp >= 3).sum()} / {(resp == 2).sum()} / {(resp == 1).sum()} / {(resp == 0).sum()}"
        )
        q = ">" if lower_bound else ""
        lines.append(
            f"| {name} | {q}{s['value']:,.0f} | {med:,.0f} [{lo:,.0f}, {hi:,.0f}] | {err:.2f} | "
            f"{'yes' if ok else 'no'} | {counts} | {reported.get(name, 'not found')} | "
            f"{(g['deaths'] == 0).mean():.0%} |"
        )
    lines += [
        "",
        f"Median |ln(sim/obs)| of people relocated: {np.median(errors):.2f} "
        f"(calibration target ln 1.3 = 0.26); 90% intervals covering: "
        f"{sum(covered)}/{len(covered)}.",
        "",
        "Observed counts: " + "; ".join(f"{n}: {s['source']}" for n, s in chosen.items()) + ".",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "out" / "heldout.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
