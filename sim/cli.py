"""The ``citysafe`` command line: thin wrappers over the modules of :mod:`sim`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sim.scenario import ScenarioError, load_scenario

app = typer.Typer(
    name="citysafe",
    help="Agent-based urban disaster simulation: districts, interdependent infrastructure, "
    "responsibility-bearing agents and emergency logistics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
OverrideOpt = Annotated[
    list[str] | None,
    typer.Option("-p", "--param", help="Override a field: -p a.b=value (repeatable)."),
]


def _load_or_exit(path: Path, overrides: list[str] | None):
    try:
        return load_scenario(path, overrides or [])
    except ScenarioError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(code=2) from None


@app.command()
def validate(scenario: ScenarioArg, param: OverrideOpt = None) -> None:
    """Check a scenario file; print every problem as FILE: field.path: expected (exit 2)."""
    _load_or_exit(scenario, param)
    console.print(f"{scenario}: OK", highlight=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from sim.scenario.schema import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


@app.command()
def run(
    scenario: ScenarioArg,
    param: OverrideOpt = None,
    seed: Annotated[int | None, typer.Option(help="Seed (overrides the file's seed).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Run folder (default runs/<scenario>-<seed>/).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    figures: Annotated[bool, typer.Option(help="Write PNG figures.")] = True,
) -> None:
    """Run a scenario and write its run folder (summary, tables, figures)."""
    from sim.results.report import print_summary
    from sim.runner import run_scenario

    overrides = list(param or [])
    if seed is not None:
        overrides.append(f"seed={seed}")
    scen = _load_or_exit(scenario, overrides)
    out_dir = out or Path("runs") / f"{scen.name}-{scen.seed}"
    from sim.longrun.schema import LongRunScenario

    if isinstance(scen, LongRunScenario):  # multi-year risk dynamics (kind: long_run)
        from sim.longrun.results import print_summary as print_long_run_summary
        from sim.longrun.runner import run_long_scenario

        long_run = run_long_scenario(scen, out_dir, progress=not quiet, figures=figures)
        print_long_run_summary(console, long_run.summary, scen)
        console.print(f"run folder: {out_dir}", highlight=False)
        return
    result = run_scenario(scen, out_dir, progress=not quiet, figures=figures)
    print_summary(console, result.summary, scen)
    console.print(f"run folder: {out_dir}", highlight=False)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
