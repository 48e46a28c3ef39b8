"""The calibration storms' list and scenario files, shared by ``run.py`` and ``check.py``.

Scenarios are made as ``citysafe storm new`` makes them (:mod:`sim.interfaces.storm_scenario`)
into ``scenarios/`` when missing, from the tracks named in ``storms.yaml`` (or
``scenarios/data/typhoons/<name>_track.csv`` for the offshore passes listed without a count).
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

from sim.interfaces.storm_scenario import build_scenario, write_scenario
from sim.studies.calibration.relocation_replay import replay_relocated
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


BJT_OFFSET = pd.Timedelta(hours=8)
"""Beijing time = UTC + 8 h (the reports' local time)."""
_AS_OF = re.compile(r"^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}) BJT)?$")


def as_of_hours(as_of_local: str | None, scenario: Path) -> float | None:
    """Hours from the scenario's start to when a reported count was made.

    Args:
        as_of_local: the report's as-of time as the observations tables write it,
            ``YYYY-MM-DD HH:MM BJT`` or a bare date ``YYYY-MM-DD`` (taken as the end of that
            day, 24:00 BJT: the latest the count can have been made — a convention, so a
            bare date never cuts the model's count short). None or empty: no time known.
        scenario: the storm's scenario file (its ``time.start_utc``).

    Returns:
        Hours (may exceed the window; the replay then counts the whole run), or None.

    Raises:
        ValueError: a time in another format (the message quotes it).
    """
    if not as_of_local:
        return None
    m = _AS_OF.match(str(as_of_local).strip())
    if m is None:
        raise ValueError(
            f"as-of time {as_of_local!r}: expected 'YYYY-MM-DD HH:MM BJT' or 'YYYY-MM-DD'"
        )
    day, hm = m.groups()
    local = pd.Timestamp(f"{day} {hm}") if hm else pd.Timestamp(day) + pd.Timedelta(days=1)
    start = yaml.safe_load(scenario.read_text(encoding="utf-8"))["time"]["start_utc"]
    start_utc = pd.Timestamp(start).tz_convert(None)
    return float((local - BJT_OFFSET - start_utc) / pd.Timedelta(hours=1))


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
    name: str,
    path: Path,
    rep: int,
    seed: int,
    out_dir: Path,
    overrides=ENSEMBLE_OVERRIDES,
    as_of_h: float | None = None,
) -> None:
    """One replication of a storm with decision tracing, cached as ``out_dir/<name>-<rep>.json``
    (the summary's :data:`OUTCOMES`, ``people_relocated_as_of``: the running total at
    ``as_of_h`` hours, the observation's as-of time (the whole run's total when None), the
    highest response level and the overrides; written atomically, so a rerun resumes; a cached
    row made with other overrides or another as-of hour is run again)."""
    out = out_dir / f"{name}-{rep:03d}.json"
    if out.is_file():
        cached = json.loads(out.read_text())
        if cached.get("overrides") == list(overrides) and cached.get("as_of_h", -1) == as_of_h:
            return
    trace = trace_run(path, seed, overrides)
    levels = [e[2] for e in trace.districts[0].events if e[0] == "step"]
    row = {
        "storm": name,
        "replication": rep,
        "seed": seed,
        **{k: trace.summary[k] for k in OUTCOMES},
        # the run's own coefficients replayed to the as-of hour (exact: test_relocation_replay)
        "people_relocated_as_of": replay_relocated(trace, None, as_of_h),
        "as_of_h": as_of_h,
        "max_response": int(max(levels, default=0)),
        "overrides": list(overrides),
    }
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(row))
    os.replace(tmp, out)


def _job(args) -> None:
    run_traced(*args)


def run_ensemble(
    names,
    spec: dict,
    reps: int,
    workers: int,
    out_dir: Path,
    overrides=ENSEMBLE_OVERRIDES,
    as_of: dict[str, str | None] | None = None,
) -> pd.DataFrame:
    """``reps`` traced replications of each storm (the seeds of ``citysafe run
    --replications``) with ``overrides``, cached in ``out_dir`` (a rerun resumes); one row
    per run. ``as_of``: storm -> the as-of time of its observed relocation count
    (:func:`as_of_hours`), for ``people_relocated_as_of``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for name in names:
        path = scenario_of(name, spec)
        seeds = replication_seeds(scenario_seed(path), reps)
        h = as_of_hours((as_of or {}).get(name), path)
        jobs += [(name, path, r, s, out_dir, tuple(overrides), h) for r, s in enumerate(seeds)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_job, jobs))
    return pd.DataFrame(
        [json.loads((out_dir / f"{j[0]}-{j[2]:03d}.json").read_text()) for j in jobs]
    )
