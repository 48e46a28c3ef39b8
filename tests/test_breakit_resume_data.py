"""Break-it finding of issue 16: a resume after the city's data files changed mixed runs of two
versions of the data. First piece: the files a run reads are listed in one place
(:func:`sim.models.data_check.input_files`), held to what ``validate`` and ``run`` open (an
``open`` audit hook).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
SHANGHAI = ROOT / "scenarios" / "shanghai"
runner = CliRunner()


def _cli(*args):
    from sim.interfaces.cli.main import app

    res = runner.invoke(app, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _city(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the example city's data folder (its track too) and a scenario on it."""
    data = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, data)
    scenario = tmp_path / "storm.yaml"
    scenario.write_text(
        f"extends: {EXAMPLE}\nname: storm\ncity: {{data_dir: {data}}}\n"
        f"hazard: {{typhoon: {{track_file: {data / 'typhoon_track.csv'}}}}}\n"
    )
    return scenario, data


# ---------------------------------------------------------------------------- the list is complete

_OPENED: list[str] | None = None


def _record_open(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        _OPENED.append(os.path.abspath(os.fsdecode(args[0])))


@pytest.fixture(scope="module")
def spy():
    """Run a command and return the files it opened (``open`` audit events, PEP 578; a hook
    cannot be removed, so it records only inside this fixture's calls)."""
    sys.addaudithook(_record_open)

    def opened(*args) -> tuple[object, set[Path]]:
        global _OPENED
        _OPENED = []
        try:
            res = _cli(*args)
        finally:
            found, _OPENED = _OPENED, None
        return res, {Path(p) for p in found}

    return opened


def _data_opened(opened: set[Path], roots: list[Path], out: Path) -> set[Path]:
    """The files under ``roots`` (the data) that were opened, the run's outputs aside."""
    return {
        p for p in opened if any(r in p.parents for r in roots) and not str(p).startswith(str(out))
    }


def _check_listed(spy, scenario: Path, overrides: list[str], roots: list[Path], out: Path):
    """``validate`` opens every listed file there is; ``run`` opens no data file not listed
    (the scenario's own YAML files aside)."""
    from sim.models.data_check import input_files
    from sim.scenario import load_scenario
    from sim.scenario.loader import scenario_files

    listed = set(input_files(load_scenario(scenario, overrides)))
    present = {p for p in listed if p.is_file()}
    res, opened = spy("validate", scenario, *[a for o in overrides for a in ("-p", o)])
    assert res.exit_code == 0, res.output
    assert present <= opened, sorted(present - opened)
    flags = [a for o in overrides for a in ("-p", o)]
    res, opened = spy("run", scenario, *flags, "--out", out, "-q", "--no-figures")
    assert res.exit_code == 0, res.output
    unlisted = _data_opened(opened, roots, out) - listed - set(scenario_files(scenario))
    assert not unlisted, sorted(unlisted)
    return listed


def test_every_file_the_example_city_opens_is_listed(spy, tmp_path):
    """With the optional warning criteria present, which the shipped example city lacks."""
    scenario, data = _city(tmp_path)
    source = (ROOT / "scenarios" / "data" / "shanghai" / "warning_criteria.yaml").read_text()
    head, _, rest = source.partition("coastal_waters:")  # Shanghai's waters: not this city's
    rest = rest[rest.index("\nhazards:") + 1 :].replace("    coastal: true\n", "")
    (data / "warning_criteria.yaml").write_text(head + rest)
    listed = _check_listed(
        spy, scenario, ["time.duration_h=2"], [tmp_path, ROOT / "scenarios"], tmp_path / "r"
    )
    assert {p.name for p in listed} == {
        "city.yaml", "districts.csv", "districts.geojson", "links.csv", "exposure_totals.csv",
        "evacuation.yaml", "emergency_resources.csv", "warning_criteria.yaml",
        "typhoon_track.csv",
    }  # fmt: skip


@pytest.mark.parametrize("name", ["lekima-pudong-net3.yaml", "storm-surge.yaml"])
def test_every_file_a_shanghai_scenario_opens_is_listed(spy, tmp_path, name):
    """Lekima with an EPANET import (track, JMA radii, warning criteria, Net3.inp) and the
    storm surge (seawalls, tide levels), at 5% of the assets for one hour (~2 s each)."""
    short = ["time.duration_h=1", "networks.resolution=0.05"]
    listed = _check_listed(spy, SHANGHAI / name, short, [ROOT / "scenarios"], tmp_path / "r")
    names = {p.name for p in listed}
    assert {"districts.csv", "warning_criteria.yaml"} <= names
    assert ({"lekima_track.csv", "lekima_jma_wind_radii.csv", "Net3.inp"} <= names) or (
        {"seawall.csv", "tide_levels.csv"} <= names
    )


def test_every_file_a_long_run_with_a_shock_opens_is_listed(spy, tmp_path):
    """A long run reads its city; its shock's scenario files (with ``extends:``) and that
    scenario's data are its inputs too: the long run's resolved scenario names only their path."""
    scenario, data = _city(tmp_path)
    long_run = tmp_path / "long.yaml"
    long_run.write_text(
        f"kind: long_run\nname: example-long\nseed: 7\ncity: {{data_dir: {data}}}\n"
        "years: {start_year: 2029, n_years: 2}\nprocesses:\n  pipeline: {}\n"
        f"shocks:\n  - {{name: a, at_utc: 2030-08-02T00:00:00Z, scenario: {scenario}, "
        "overrides: [time.duration_h=2]}\n"
    )
    listed = _check_listed(spy, long_run, [], [tmp_path, ROOT / "scenarios"], tmp_path / "r")
    assert {scenario, EXAMPLE, data / "typhoon_track.csv", data / "evacuation.yaml"} <= listed
