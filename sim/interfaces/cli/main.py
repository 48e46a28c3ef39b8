"""The ``citysafe`` command line: the typer app and the one table of its commands.

Each command lives in its own module and is imported only when it is run or its ``--help``
is asked (:mod:`sim.interfaces.cli.lazy`), so ``citysafe --help`` imports typer and this
table, not Mesa, pandas or matplotlib. A new command is one row of :data:`COMMANDS`.
"""

from __future__ import annotations

import typer

from sim.interfaces.cli.lazy import LazyCommand, LazyGroup

COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand(
        "validate",
        "sim.interfaces.cli.run:validate",
        "Check a scenario file; print every problem it has (exit 2).",
    ),
    LazyCommand(
        "schema", "sim.interfaces.cli.run:schema", "Print the JSON Schema of scenario files."
    ),
    LazyCommand(
        "run",
        "sim.interfaces.cli.run:run",
        "Run a scenario (or an ensemble of seeds) into a run folder.",
    ),
    LazyCommand(
        "criticality",
        "sim.studies.analysis.criticality:criticality_command",
        "Rank assets and districts by the cascade their failure causes.",
    ),
    LazyCommand(
        "calibrate",
        "sim.interfaces.cli.calibrate:calibrate_command",
        "Fit scenario parameters to observed figures (ABC-SMC).",
    ),
    LazyCommand(
        "compare",
        "sim.studies.compare.arms:compare_command",
        "Compare policy arms with common random numbers.",
    ),
    LazyCommand(
        "riskmap",
        "sim.interfaces.cli.riskmap:riskmap_command",
        "Safety risk map and risk inventory (安全风险地图/风险清单).",
    ),
    LazyCommand(
        "app",
        "sim.interfaces.cli.app:app_command",
        "Serve the tabletop-exercise web app for a scenario.",
    ),
    LazyCommand(
        "doctor",
        "sim.interfaces.cli.doctor:doctor_command",
        "Check this installation: Python, packages, data, chromium.",
    ),
    LazyCommand(
        "verify",
        "sim.interfaces.cli.verify:verify_app",
        "Compare the model with published results (exit 1 on any FAIL).",
    ),
    LazyCommand(
        "sweep",
        "sim.interfaces.cli.sweep:sweep_app",
        "Parameter sweeps: run a spec, check a sweep folder, reports.",
    ),
    LazyCommand(
        "storm",
        "sim.interfaces.cli.storm:storm_app",
        "Scenarios for any storm: storm new --track FILE --out FILE.",
    ),
)
"""Every ``citysafe`` command: name, where it is defined, its line in ``citysafe --help``."""


class CitysafeGroup(LazyGroup):
    """The ``citysafe`` group: the commands of :data:`COMMANDS`, each imported when needed."""

    lazy_commands = COMMANDS


app = typer.Typer(
    name="citysafe",
    cls=CitysafeGroup,
    help="Agent-based urban disaster simulation: districts, interdependent infrastructure, "
    "responsibility-bearing agents and emergency logistics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _citysafe() -> None:
    """No options of its own: the commands are in :data:`COMMANDS` (typer needs a callback to
    build a group when no command is registered on the app itself)."""


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
