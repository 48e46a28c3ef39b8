"""The calibration storms' list and scenario files, shared by ``run.py`` and ``check.py``.

Scenarios are made as ``citysafe storm new`` makes them (:mod:`sim.interfaces.storm_scenario`)
into ``scenarios/`` when missing, from the tracks named in ``storms.yaml`` (or
``scenarios/data/typhoons/<name>_track.csv`` for the offshore passes listed without a count).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

from sim.interfaces.storm_scenario import build_scenario, write_scenario
from sim.studies.calibration.storms import trace_run
from sim.studies.sweep.design import replication_seeds

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "scenarios" / "data"
SCENARIOS = HERE / "scenarios"


def load_spec() -> dict:
    """``storms.yaml``: agency, storms (track, observed_persons, source), offshore passes."""
    return yaml.safe_load((HERE / "storms.yaml").read_text(encoding="utf-8"))


def track_agency(track: Path, preferred: str, fallback: str = "JMA") -> str:
    """``preferred`` if the track file has rows of that agency, else ``fallback`` (Chan-hom
    2015 and Mitag 2019 have JMA rows only)."""
    agencies = set(pd.read_csv(track, comment="#")["agency"].astype(str).str.upper())
    return preferred if preferred.upper() in agencies else fallback


def radii_of(track: Path) -> Path | None:
    """The JMA 30/50-kt radii table beside a track (``<storm>_jma_wind_radii.csv``), if any."""
    path = track.with_name(track.name.replace("_track.csv", "_jma_wind_radii.csv"))
    return path if path.is_file() else None


def scenario_of(name: str, spec: dict) -> Path:
    """The storm's scenario file, made if missing: the track read as ``spec["agency"]`` where
    it has rows of it (else JMA), with its JMA wind radii where shipped."""
    agency = spec["agency"]
    # the calibration's own agency keeps the flat folder; another goes in a subfolder
    folder = SCENARIOS if agency == load_spec()["agency"] else SCENARIOS / agency.lower()
    path = folder / f"{name}.yaml"
    if not path.is_file():
        entry = spec["storms"].get(name)
        track = HERE / entry["track"] if entry else DATA / "typhoons" / f"{name}_track.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        sc = build_scenario(
            track,
            path,
            DATA / "shanghai",
            agency=track_agency(track, agency),
            name=name,
            radii_path=radii_of(track),
        )
        write_scenario(sc, path)
    return path


def scenario_seed(path: Path) -> int:
    """The scenario's own seed (the root of its replication seeds)."""
    return int(yaml.safe_load(path.read_text(encoding="utf-8"))["seed"])


OUTCOMES = (
    "people_relocated",
    "deaths",
    "trees_down",
    "power_line_faults",
    "waterlogged_roads",
    "direct_loss_yuan",
)
"""Summary keys kept of each run."""


ENSEMBLE_OVERRIDES = ("response.relocation.behaviour.posterior_draw=true",)
"""As ``citysafe run --replications`` runs a city that ships a behaviour posterior: each
replication draws the households' coefficients from it (sim.city.behaviour_posterior)."""


def run_traced(
    name: str, path: Path, rep: int, seed: int, out_dir: Path, overrides=ENSEMBLE_OVERRIDES
) -> None:
    """One replication of a storm with decision tracing, cached as ``out_dir/<name>-<rep>.json``
    (the summary's :data:`OUTCOMES`, the highest response level and the overrides; written
    atomically, so a rerun resumes; a cached row made with other overrides is run again)."""
    out = out_dir / f"{name}-{rep:03d}.json"
    if out.is_file() and json.loads(out.read_text()).get("overrides") == list(overrides):
        return
    trace = trace_run(path, seed, overrides)
    levels = [e[2] for e in trace.districts[0].events if e[0] == "step"]
    row = {
        "storm": name,
        "replication": rep,
        "seed": seed,
        **{k: trace.summary[k] for k in OUTCOMES},
        "max_response": int(max(levels, default=0)),
        "overrides": list(overrides),
    }
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(row))
    os.replace(tmp, out)


def _job(args) -> None:
    run_traced(*args)


def run_ensemble(
    names, spec: dict, reps: int, workers: int, out_dir: Path, overrides=ENSEMBLE_OVERRIDES
) -> pd.DataFrame:
    """``reps`` traced replications of each storm (the seeds of ``citysafe run
    --replications``) with ``overrides``, cached in ``out_dir`` (a rerun resumes); one row
    per run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for name in names:
        path = scenario_of(name, spec)
        seeds = replication_seeds(scenario_seed(path), reps)
        jobs += [(name, path, r, s, out_dir, tuple(overrides)) for r, s in enumerate(seeds)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_job, jobs))
    return pd.DataFrame(
        [json.loads((out_dir / f"{j[0]}-{j[2]:03d}.json").read_text()) for j in jobs]
    )
