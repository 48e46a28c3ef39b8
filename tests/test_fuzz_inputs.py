"""Fuzzed inputs: whatever ``citysafe validate`` accepts, ``citysafe run`` neither traces back
on nor hangs (issue 16).

Each example damages one input of a complete scenario — the scenario file, one of its
city's data files, its track (CSV or CMA best-track text) or wind radii (:mod:`fuzz_mutations`:
wrong types, deleted or misspelt keys, duplicate keys, YAML 1.1 tokens, blank or non-numeric
cells, dropped columns, rows out of order, truncation, other encodings) — then runs
``validate`` and, when it says OK, ``run``. Both must end with an exit code (0, or 2 with a
message), never an exception, and within ``HANG_S``. The scenarios are the example city's
typhoon (scenarios/example-city/typhoon.yaml: five districts, 36 h, about a second a run)
and tests/data/small-lekima.yaml (Shanghai at 10% network resolution, 30 h, about 4 s).

CI runs ``CITYSAFE_FUZZ_EXAMPLES`` = N (default 25; derandomised so a CI run is repeatable)
examples of the scenario, N / 4 of each example-city file, import file and the journal, and
N / 12 of each Shanghai input (at least 1): 111 inputs at the default. The long run is
``benchmarks/fuzz_inputs.py`` (random, ≥ 1,000 inputs).
``CITYSAFE_FUZZ_LOG=FILE`` appends one JSON line per input (target, validate and run exit
codes), which the long run counts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest
from fuzz_mutations import encoding_mutation, mutation_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
CITY = ROOT / "scenarios" / "data" / "example-city"
SCENARIO = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLES = int(os.environ.get("CITYSAFE_FUZZ_EXAMPLES", "25"))
LONG = "CITYSAFE_FUZZ_EXAMPLES" in os.environ
HANG_S = 60
"""CPU seconds an input may take to validate and run (the unmutated scenario takes ~1 s).
CPU, not wall time: a loaded machine must not turn a slow run into a "hang"."""

CITY_FILES = [
    "city.yaml", "districts.csv", "districts.geojson", "emergency_resources.csv",
    "evacuation.yaml", "exposure_totals.csv", "links.csv", "typhoon_track.csv",
]  # fmt: skip
SMALL_LEKIMA = ROOT / "tests" / "data" / "small-lekima.yaml"
BST = ROOT / "tests" / "data" / "CH2019BST_lekima_excerpt.txt"
RADII = ROOT / "scenarios" / "data" / "lekima-2019" / "lekima_jma_wind_radii.csv"
SHANGHAI = ROOT / "scenarios" / "data" / "shanghai"
SHANGHAI_FILES = [
    "scenario.yaml", "track.txt", "radii.csv", "city/warning_criteria.yaml",
    "city/evacuation.yaml", "city/city.yaml", "city/emergency_resources.csv",
]  # fmt: skip
"""Inputs of the second set: small-lekima (Shanghai at 10% network resolution, 30 h) written
out resolved, with its track as a CMA best-track file, its wind radii, and the city files the
example city lacks (warning criteria with coastal waters) or holds in a simpler form."""
runner = CliRunner()


class Hang(Exception):
    """An input took longer than ``HANG_S``."""


def _alarm(signum, frame):
    raise Hang(f"over {HANG_S} s")


def _setup(folder: Path) -> Path:
    """The example city's data and its typhoon scenario in ``folder``, paths made absolute."""
    city = folder / "city"
    shutil.copytree(CITY, city, ignore=shutil.ignore_patterns("*.py", "README.md"))
    text = SCENARIO.read_text(encoding="utf-8")
    text = text.replace("../data/example-city/typhoon_track.csv", str(city / "typhoon_track.csv"))
    text = text.replace("../data/example-city", str(city))
    scenario = folder / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    return scenario


def _setup_shanghai(folder: Path) -> Path:
    """small-lekima resolved into one file in ``folder``, on copies of the Shanghai data, the
    Lekima excerpt of a CMA best-track file and the JMA wind radii; warnings decided by the
    model (forecast mode reads the criteria)."""
    from sim.scenario.loader import dump_resolved, load_scenario

    city = folder / "city"
    shutil.copytree(SHANGHAI, city, ignore=shutil.ignore_patterns("*.py", "*.md"))
    shutil.copy(BST, folder / "track.txt")
    shutil.copy(RADII, folder / "radii.csv")
    scen = load_scenario(
        SMALL_LEKIMA,
        [
            f"city.data_dir={city}",
            f"hazard.typhoon.track_file={folder / 'track.txt'}",
            "hazard.typhoon.track_format=cma_bst",
            "hazard.typhoon.storm=Lekima",
            f"hazard.typhoon.radii_file={folder / 'radii.csv'}",
            "warnings.mode=forecast",
        ],
    )
    scenario = folder / "scenario.yaml"
    scenario.write_text(dump_resolved(scen), encoding="utf-8")
    return scenario


NET3 = ROOT / "scenarios" / "data" / "networks" / "Net3.inp"
IMPORT_FILES = ["net.inp", "feeder.json", "roads.osm", "journal.yaml"]
"""Inputs of the third set: the example city with three network imports (EPANET Net3 in
Northgate, pandapower's ``example_simple`` feeder in Westhill, a small OpenStreetMap extract
with one-way streets, a roundabout and odd ``maxspeed`` values in Saltmarsh) replayed with an
exercise journal (``run --journal``)."""

OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="22.480" lon="118.080"/><node id="2" lat="22.480" lon="118.090"/>
  <node id="3" lat="22.490" lon="118.090"/><node id="4" lat="22.490" lon="118.080"/>
  <node id="5" lat="22.485" lon="118.100"/><node id="6" lat="22.485" lon="118.110"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>
    <tag k="oneway" v="yes"/><tag k="maxspeed" v="70|100"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="secondary"/>
    <tag k="oneway" v="-1"/><tag k="maxspeed" v="CN:urban"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/>
    <tag k="maxspeed" v="30 mph"/></way>
  <way id="13"><nd ref="2"/><nd ref="5"/><nd ref="6"/><nd ref="2"/><tag k="highway" v="tertiary"/>
    <tag k="junction" v="roundabout"/></way>
</osm>
"""

JOURNAL = """journal: 1
scenario: example-city-typhoon
seed: 2030
overrides: []
entries:
- {t_h: 1.0, by: trainer, event: {type: road_collapse, district: Riverside, count: 2}}
- {t_h: 2.0, by: trainer, event: {type: resources, district: Northgate, resource: boat, count: 3}}
- {t_h: 2.0, by: trainer, event: {type: bridge_closure, between: [Old Harbour, Riverside]}}
- {t_h: 3.0, by: white cell, event: {type: warning, hazard: typhoon, level: red, source: drill}}
"""


def _setup_imports(folder: Path) -> Path:
    """The example city with three network imports and a journal, in ``folder``."""
    import pandapower as pp
    import pandapower.networks as pn

    scenario = _setup(folder)
    shutil.copy(NET3, folder / "net.inp")
    pp.to_json(pn.example_simple(), str(folder / "feeder.json"))
    (folder / "roads.osm").write_text(OSM, encoding="utf-8")
    (folder / "journal.yaml").write_text(JOURNAL, encoding="utf-8")
    imports = [
        ("water", "epanet", "net.inp", "Northgate"),
        ("power", "pandapower", "feeder.json", "Westhill"),
        ("roads", "osm", "roads.osm", "Saltmarsh"),
    ]
    block = "  imports:\n" + "".join(
        f"    - {{layer: {layer}, format: {fmt}, file: {folder / name}, district: {d}, "
        "scale: fit}\n"
        for layer, fmt, name, d in imports
    )
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace("networks:\n", "networks:\n" + block, 1), encoding="utf-8")
    return scenario


SETS = {_setup: "example city", _setup_shanghai: "shanghai", _setup_imports: "imports"}


def _invoke(args: list[str]):
    old = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, HANG_S)  # the process's CPU time, not the clock's
    try:
        return runner.invoke(app, args)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def _no_traceback(res, what: str, target: str, data: bytes) -> None:
    exc = res.exception
    if exc is not None and not isinstance(exc, SystemExit):
        raise AssertionError(
            f"{what} raised {type(exc).__name__}: {exc} on a mutated {target}:\n"
            f"{data[:400]!r}\n{res.output[-1000:]}"
        ) from exc


def _log(record: dict) -> None:
    path = os.environ.get("CITYSAFE_FUZZ_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


def check_input(
    folder: Path,
    scenario: Path,
    target: Path,
    data: bytes,
    extra: tuple[str, ...] = (),
    label: str = "",
) -> None:
    """Write the mutated ``data`` to ``target``, then validate and (if OK) run, both with
    the ``extra`` arguments (a journal); ``label`` names the input in the log."""
    target.write_bytes(data)
    res = _invoke(["validate", str(scenario), *extra])
    _no_traceback(res, "validate", target.name, data)
    assert res.exit_code in (0, 2), res.output
    ran = None
    if res.exit_code == 0:
        out = folder / "run"
        run = _invoke(["run", str(scenario), "--out", str(out), "--no-figures", "-q", *extra])
        _no_traceback(run, "run after validate OK", target.name, data)
        ran = run.exit_code
        assert ran in (0, 2), run.output
        assert ran != 0 or (out / "summary.json").is_file()
    _log({"target": label or target.name, "validate": res.exit_code, "run": ran})


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz_one(data, setup, name: str, extra: tuple[str, ...] = ()) -> None:
    """Set up a scenario in a fresh folder (``setup``, one of the three sets), damage its
    input ``name`` (relative to the folder), then :func:`check_input`."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = setup(folder)
        target = folder / name
        mutated = data.draw(mutation_for(name, target.read_text(encoding="utf-8")), label=name)
        raw = data.draw(encoding_mutation(mutated), label="bytes")
        extra = tuple(a.format(folder=folder) for a in extra)
        label = f"{SETS[setup]}: {name}"
        check_input(folder, scenario, target, raw, extra, label)


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(data=st.data())
def test_a_mutated_scenario_validates_and_runs_or_is_refused(data):
    fuzz_one(data, _setup, "scenario.yaml")


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", CITY_FILES)
@settings(FUZZ, max_examples=max(EXAMPLES // 4, 2))
@given(data=st.data())
def test_a_mutated_city_data_file_or_track_validates_and_runs_or_is_refused(data, name):
    fuzz_one(data, _setup, f"city/{name}")


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", SHANGHAI_FILES)
@settings(FUZZ, max_examples=max(EXAMPLES // 12, 1))  # a run takes ~4 s here
@given(data=st.data())
def test_a_mutated_shanghai_input_validates_and_runs_or_is_refused(data, name):
    fuzz_one(data, _setup_shanghai, name)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", IMPORT_FILES)
@settings(FUZZ, max_examples=max(EXAMPLES // 4, 2))
@given(data=st.data())
def test_a_mutated_network_import_or_journal_validates_and_runs_or_is_refused(data, name):
    fuzz_one(data, _setup_imports, name, ("--journal", "{folder}/journal.yaml"))
