"""``citysafe storm``: scenarios for any storm.

    citysafe storm new --track FILE [--storm NAME|NUMBER] [--agency AGENCY]
                       [--city DATA_DIR] --out SCENARIO.yaml [--observed FILE] [--force]

Reads a CMA best-track file (``CHYYYYBST.txt``) or the project's track CSV, finds the closest
approach to the city, sets the window and writes a scenario whose warnings are left to the
model and which holds no observed figures unless ``--observed`` gives them
(:mod:`sim.interfaces.storm_scenario`). Exit codes: 0 written; 2 any problem, printed as one
line ``FILE: what`` (the problems ``citysafe validate`` would find in the scenario made, one line
each). What the inputs warn of is printed once as ``warning: FILE: what``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

import sim
from sim.core.errors import InputDataWarning
from sim.interfaces.cli.common import SCENARIO_SEED
from sim.interfaces.problems import echo_problems
from sim.interfaces.storm_scenario import (
    REACH,
    REACH_KM,
    StormScenario,
    StormScenarioError,
    build_scenario,
    check_output,
    write_scenario,
)
from sim.scenario.loader import ScenarioError

DEFAULT_CITY = "scenarios/data/shanghai"
"""The city of the shipped scenarios, relative to the repository (the ``--city`` default)."""

storm_app = typer.Typer(
    name="storm",
    help="Scenarios for any storm: citysafe storm new --track FILE --out SCENARIO.yaml.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _default_city() -> Path:
    """The default city folder: relative to the working folder if there, else the repository."""
    here = Path(DEFAULT_CITY)
    return here if here.is_dir() else Path(sim.__file__).resolve().parents[1] / DEFAULT_CITY


def _make(
    track: Path, out: Path, city: Path, force: bool, **options: Any
) -> tuple[Path, StormScenario]:
    """Check ``out`` first (a refused output costs no reading: :func:`check_output`), then
    make the scenario (:func:`build_scenario` with ``options``) and write it.

    Returns:
        The file written (``~`` expanded) and the scenario.

    Raises:
        StormScenarioError, ScenarioError: as :func:`build_scenario` and :func:`write_scenario`.
    """
    given = {"--track": track, "--observed": options.get("observed_path")}
    given |= {"--radii": options.get("radii_path"), "--city": city}
    out = check_output(out, {k: Path(v) for k, v in given.items() if v is not None}, force)
    sc = build_scenario(track, out, city, **options)
    write_scenario(sc, out, force=force)
    return out, sc


def _echo_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print each input warning once as ``warning: FILE: what`` (a file read twice, by storm
    new and by the data check, warns twice); any other warning is passed on as it came."""
    shown: set[str] = set()
    for w in caught:
        if not issubclass(w.category, InputDataWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif str(w.message) not in shown:
            typer.echo(f"warning: {w.message}", err=True)
            shown.add(str(w.message))


SeedOpt = Annotated[
    int | None,
    typer.Option(
        callback=SCENARIO_SEED.check,
        help=f"Scenario seed (default: closest-approach date YYYYMMDD; {SCENARIO_SEED}).",
    ),
]
"""``--seed``: the scenario schema's ``seed`` bounds (:mod:`sim.core.cli_input`)."""
ReachOpt = Annotated[
    float,
    typer.Option(
        "--reach-km",
        callback=REACH.check,
        help=f"Distance within which the storm can affect the city, km ({REACH}).",
    ),
]
"""``--reach-km``: a distance on the Earth (:data:`sim.interfaces.storm_scenario.REACH`)."""


@storm_app.command("new")
def new_command(
    track: Annotated[
        Path,
        typer.Option(
            "--track", help="CMA best-track file (CHYYYYBST.txt) or track CSV.", show_default=False
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Scenario file to write.", show_default=False)
    ],
    storm: Annotated[
        str | None,
        typer.Option(help="Storm in a CMA file: international number (1909) or name (LEKIMA)."),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option(help="Agency rows of a track CSV (needed when it holds several)."),
    ] = None,
    city: Annotated[
        Path | None,
        typer.Option(help=f"City data folder (default {DEFAULT_CITY}).", show_default=False),
    ] = None,
    observed: Annotated[
        Path | None,
        typer.Option(
            help="Observations: YAML of summary key -> {value, source, low, high}, or an "
            "impacts table CSV (observed_calibration.csv format; rows of the scenario name)."
        ),
    ] = None,
    radii: Annotated[
        Path | None,
        typer.Option(help="Wind-radii table (JMA 30/50-kt radii CSV) for the wind field."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Scenario name (default <storm>-<year>).")
    ] = None,
    seed: SeedOpt = None,
    reach_km: ReachOpt = REACH_KM,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace a file storm new wrote (marked by its first line) and no one edited.",
        ),
    ] = False,
) -> None:
    """Write a scenario for one storm of a best-track file over a city."""
    city = city if city is not None else _default_city()
    selection = {"storm": storm, "agency": agency, "name": name, "seed": seed}
    files = {"observed_path": observed, "radii_path": radii}
    failed: StormScenarioError | ScenarioError | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputDataWarning)
        try:
            out, sc = _make(track, out, city, force, reach_km=reach_km, **selection, **files)
        except (StormScenarioError, ScenarioError) as exc:
            failed = exc
    _echo_warnings(caught)
    if failed is not None:
        echo_problems(getattr(failed, "problems", None) or [failed])
        raise typer.Exit(code=2)
    p = sc.passage
    typer.echo(
        f"{out}: {sc.data['name']}: closest approach {p.closest_km:.0f} km at "
        f"{str(p.closest_utc)[:16]}Z; window {sc.data['time']['start_utc']} + "
        f"{sc.data['time']['duration_h']} h"
    )
    for line in sc.observed_lines():  # each figure with the cut-off time of its report
        typer.echo(f"observed: {line}")
    for note in sc.notes:
        typer.echo(f"note: {note}")
