"""The ``citysafe app`` command: validate the scenario, then serve the exercise page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.core.cli_input import refuse
from sim.interfaces.app.auth import new_token
from sim.interfaces.app.server import (
    ALL_INTERFACES,
    DEFAULT_HOST,
    DEFAULT_PORT,
    PORT,
    SHARE_HOST,
    lan_address,
    serve,
    startup_lines,
)
from sim.interfaces.app.settings import AppSettings
from sim.interfaces.cli.common import load_or_exit
from sim.results.shocks import ShockFolderError, read_shock
from sim.scenario.paths import OVERRIDE_HELP, overrides_from_cwd
from sim.scenario.schema import Scenario


def app_command(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario YAML file, or a shock folder of a long run (RUN/shocks/NAME): the "
            "exercise then starts on the city the long run left at that shock.",
            show_default=False,
        ),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option("-p", "--param", help=OVERRIDE_HELP, callback=overrides_from_cwd),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to serve on [127.0.0.1].")] = None,
    port: Annotated[int, typer.Option(callback=PORT.check, help=f"Port ({PORT}).")] = DEFAULT_PORT,
    share: Annotated[
        bool,
        typer.Option(
            "--share",
            help="Serve the room: listen on all interfaces (0.0.0.0) and print the viewer link "
            "(read-only) and the trainer link with its token, on this machine's local-network "
            "address.",
            show_default=False,
        ),
    ] = False,
    journal_dir: Annotated[
        Path, typer.Option(help="Folder for journals saved on the server.")
    ] = Path("runs/journals"),
) -> None:
    """Serve the tabletop-exercise web app for a scenario (one model per browser session)."""
    _check_journal_dir(journal_dir)
    overrides = list(param or [])
    city_state_path = None
    if scenario.is_dir():  # a shock of a long run: its scenario as run, on its city state
        try:
            scenario, _, marker = read_shock(scenario)
        except ShockFolderError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(code=2) from None
        city_state_path = scenario.with_name("city_state.json")
        typer.echo(
            f"exercise from shock {marker['name']} at {marker['at_utc']} "
            f"(seed {marker['seed']}): the city the long run left"
        )
    scen = load_or_exit(scenario, overrides)  # exit 2 with FILE: field: message lines
    if not isinstance(scen, Scenario):
        typer.echo(
            f"{scenario}: the exercise app runs emergency scenarios, not kind: long_run", err=True
        )
        raise typer.Exit(code=2)
    try:
        import solara  # noqa: F401 - the web app's framework (extra "app")
    except ImportError:
        typer.echo(
            'the exercise app needs its extra: pip install -e ".[app]" (mesa[viz], solara)',
            err=True,
        )
        raise typer.Exit(code=2) from None
    token = new_token() if share else None
    bind = host or (SHARE_HOST if share else DEFAULT_HOST)
    settings = AppSettings(
        scenario.resolve(),
        tuple(overrides),
        token,
        journal_dir,
        None if city_state_path is None else city_state_path.resolve(),
    )
    lan = lan_address() if token and bind in ALL_INTERFACES else None
    for line in startup_lines(str(scen.name), bind, port, token, lan):
        typer.echo(line)
    serve(settings, bind, port)


def _check_journal_dir(folder: Path) -> None:
    """Refuse a ``--journal-dir`` that cannot hold journals (a file there or above it), before
    the server starts: the trainer's "save journal" would fail in the page otherwise.

    Raises:
        typer.Exit: code 2 naming the option and what is in the way.
    """
    for place in (folder, *folder.parents):
        if place.exists():
            if not place.is_dir():
                refuse(f"--journal-dir {folder}: {place} is a file; expected a folder")
            return
