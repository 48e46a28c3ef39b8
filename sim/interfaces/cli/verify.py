"""``citysafe verify NAME``: checks of the installation against published results.

Each subcommand prints lines ``NAME: QUANTITY simulated X vs theory Y (tolerance T) PASS|FAIL``
(`sim.studies.verify.report`) and exits 1 if any line fails (2 for invalid options: each
option's :class:`~sim.core.cli_input.Bound` is checked as it is parsed, and what the options
ask for together — memory, the one-hour time budget — before the check runs). The lead
registers `verify_app` on the main CLI (``app.add_typer(verify_app, name="verify")``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from sim.core.cli_input import SEED
from sim.core.errors import InputDataError
from sim.response.queueing import UnstableQueueError
from sim.scenario import ScenarioError
from sim.studies.verify import (
    buldyrev,
    erlang_c,
    fragility_check,
    gas_isolation,
    motter_lai,
    sir_final_size,
)
from sim.studies.verify.buldyrev import PINF_MIN_OFFSET, run_buldyrev
from sim.studies.verify.erlang_c import verify_erlang_c
from sim.studies.verify.fragility_check import verify_fragility
from sim.studies.verify.motter_lai import run_motter_lai
from sim.studies.verify.report import Check, VerifyInputError, all_passed, print_checks
from sim.studies.verify.sir_final_size import verify_sir_final_size

verify_app = typer.Typer(
    name="verify",
    help="Check the installation against published results (exit 1 on any FAIL).",
    no_args_is_help=True,
    add_completion=False,
)


def _finish(checks: list[Check], verbose: bool) -> None:
    for c in checks:
        typer.echo(c.line())
        if verbose and c.detail:
            typer.echo(f"    {c.detail}")
    if not all_passed(checks):
        raise typer.Exit(1)


@verify_app.command("buldyrev")
def buldyrev_command(
    mean_degree: Annotated[
        float,
        typer.Option(
            "--mean-degree",
            "-k",
            callback=buldyrev.MEAN_DEGREE.check,
            help=f"Mean degree <k> of both ER layers ({buldyrev.MEAN_DEGREE}).",
        ),
    ] = 4.0,
    nodes: Annotated[
        int,
        typer.Option(
            "--nodes",
            "-n",
            callback=buldyrev.NODES.check,
            help=f"Nodes N per layer ({buldyrev.NODES}).",
        ),
    ] = 100_000,
    seed: Annotated[
        int, typer.Option(callback=SEED.check, help="Root seed (numpy SeedSequence).")
    ] = 0,
    realisations: Annotated[
        int,
        typer.Option(
            "--realisations",
            "-r",
            callback=buldyrev.REALISATIONS.check,
            help=f"Independent layer pairs averaged ({buldyrev.REALISATIONS}).",
        ),
    ] = 8,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print spreads too.")] = False,
) -> None:
    """Two coupled Erdős–Rényi layers, one-to-one dependency (Buldyrev et al. 2010, Nature 464,
    1025): pseudo-critical p_c vs 2.4554/<k> (tol 0.01) and P∞(p) vs the largest root of
    P∞ = p(1 - exp(-<k>P∞))² for p >= p_c + 0.04 (tol 0.01)."""
    try:
        res = run_buldyrev(mean_degree, nodes, seed, realisations)
    except VerifyInputError as exc:
        typer.echo(f"buldyrev: {exc}", err=True)
        raise typer.Exit(2) from None
    checks = res.checks()
    if len(res.p_grid) == 0:
        typer.echo(
            f"buldyrev: note: p_c + {PINF_MIN_OFFSET} = {res.p_c_theory + PINF_MIN_OFFSET:.4f} > 1"
            f" for <k> = {mean_degree:g}: no P_inf comparison possible"
        )
    _finish(checks, verbose)
    typer.echo(f"buldyrev: {realisations} realisations in {res.elapsed_s:.1f} s")


@verify_app.command("motter-lai")
def motter_lai_command(
    nodes: Annotated[
        int,
        typer.Option(
            "--nodes",
            "-n",
            callback=motter_lai.NODES.check,
            help=f"Nodes of each BA graph ({motter_lai.NODES}).",
        ),
    ] = 1000,
    m: Annotated[
        int,
        typer.Option(
            "-m",
            callback=motter_lai.M.check,
            help=f"Edges per new node (BA model; {motter_lai.M}).",
        ),
    ] = 2,
    seed: Annotated[
        int, typer.Option(callback=SEED.check, help="Root seed (numpy SeedSequence).")
    ] = 0,
    graphs: Annotated[
        int,
        typer.Option(
            callback=motter_lai.GRAPHS.check,
            help=f"Independent BA graphs averaged ({motter_lai.GRAPHS}).",
        ),
    ] = 3,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print per-graph values.")
    ] = False,
) -> None:
    """Load-redistribution cascades on Barabási–Albert graphs (Motter & Lai 2002, PRE 66,
    065102): removing the highest-load node at alpha = 0.1 leaves G <= 0.5, a random node
    G >= 0.95, and G rises with alpha."""
    try:
        res = run_motter_lai(nodes=nodes, m=m, seed=seed, graphs=graphs)
    except VerifyInputError as exc:
        typer.echo(f"motter-lai: {exc}", err=True)
        raise typer.Exit(2) from None
    checks = res.checks()
    for a, g in zip(res.alphas, res.sweep_means(), strict=True):
        typer.echo(f"motter-lai: alpha={a:g}: G targeted {g:.4f}")
    _finish(checks, verbose)
    typer.echo(f"motter-lai: {graphs} graphs in {res.elapsed_s:.1f} s")


@verify_app.command("erlang-c")
def erlang_c_command(
    servers: Annotated[
        int,
        typer.Option(
            "--servers",
            "-c",
            callback=erlang_c.SERVERS.check,
            help=f"Identical teams C ({erlang_c.SERVERS}).",
        ),
    ] = 5,
    arrival_rate: Annotated[
        float,
        typer.Option(
            "--arrival-rate", "-l", callback=erlang_c.RATE.check, help="Incident rate λ, per hour."
        ),
    ] = 4.0,
    service_rate: Annotated[
        float,
        typer.Option(
            "--service-rate",
            "-m",
            callback=erlang_c.RATE.check,
            help="Service rate μ of one team, per hour.",
        ),
    ] = 1.0,
    customers: Annotated[
        int | None,
        typer.Option(
            callback=erlang_c.CUSTOMERS.check,
            help=f"Incidents simulated after warm-up (default: by load; {erlang_c.CUSTOMERS}).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(callback=SEED.check, help="Seed.")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print intervals.")] = False,
) -> None:
    """M/M/C through the real dispatcher (Poisson incidents, exponential service, zero travel,
    FCFS): simulated P(wait) and mean wait in queue (hours) against Erlang C, within the
    simulation's 99.9% batch-means confidence interval."""

    try:
        checks = verify_erlang_c(
            servers, arrival_rate, service_rate, np.random.default_rng(seed), customers
        )
    except (UnstableQueueError, VerifyInputError) as exc:
        typer.echo(f"erlang-c: {exc}", err=True)
        raise typer.Exit(2) from None
    _finish(checks, verbose)


@verify_app.command("sir-final-size")
def sir_final_size_command(
    r0: Annotated[
        float,
        typer.Option(
            "--r0",
            callback=sir_final_size.R0.check,
            help=f"Basic reproduction number R0 ({sir_final_size.R0}).",
        ),
    ] = 2.0,
    runs: Annotated[
        int,
        typer.Option(
            callback=sir_final_size.RUNS.check,
            help=f"Outbreaks simulated ({sir_final_size.RUNS}).",
        ),
    ] = 4000,
    population: Annotated[
        int | None,
        typer.Option(
            callback=sir_final_size.POPULATION.check,
            help=f"Population size (default: chosen from R0; {sir_final_size.POPULATION}).",
        ),
    ] = None,
    method: Annotated[
        str, typer.Option(help="gillespie (exact SSA) or binomial_chain (the city-scale model).")
    ] = "gillespie",
    seed: Annotated[int, typer.Option(callback=SEED.check, help="Seed.")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print details.")] = False,
) -> None:
    """Stochastic SIR: mean final size of major outbreaks vs the root of z = 1 − e^{−R0·z},
    and the major-outbreak probability vs 1 − 1/R0 (exponential infectious periods)."""
    try:
        checks = verify_sir_final_size(
            r0, np.random.default_rng(seed), n=population, runs=runs, method=method
        )
    except ValueError as exc:
        typer.echo(f"sir-final-size: {exc}", err=True)
        raise typer.Exit(2) from None
    _finish(checks, verbose)


@verify_app.command("fragility")
def fragility_command(
    samples: Annotated[
        int,
        typer.Option(
            callback=fragility_check.SAMPLES.check,
            help=f"Capacities sampled per curve ({fragility_check.SAMPLES}).",
        ),
    ] = 20_000,
    seed: Annotated[int, typer.Option(callback=SEED.check, help="Seed.")] = 0,
    per_check: Annotated[
        bool,
        typer.Option(
            "--per-check",
            help="99.9% per comparison instead of family-wise (Bonferroni) over all of them.",
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print details.")] = False,
) -> None:
    """Every curve of the fragility library: sampled damage fractions at five intensity levels
    vs Φ(ln(IM/θ)/β), within binomial (Wilson) confidence intervals."""

    try:
        checks = verify_fragility(
            np.random.default_rng(seed), n_samples=samples, family_wise=not per_check
        )
    except VerifyInputError as exc:
        typer.echo(f"fragility: {exc}", err=True)
        raise typer.Exit(2) from None
    _finish(checks, verbose)


@verify_app.command("gas-isolation")
def gas_isolation_command(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario YAML file (its city needs gas statistics).")
    ],
    mains: Annotated[
        int,
        typer.Option(
            callback=gas_isolation.MAINS.check,
            help=f"Mains isolated per pressure class ({gas_isolation.MAINS}).",
        ),
    ] = 200,
    seed: Annotated[int, typer.Option(callback=SEED.check, help="Seed of the mains drawn.")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print details.")] = False,
) -> None:
    """The gas layer's valve isolation: a medium-pressure main cuts exactly its subtree's
    customers, a high-pressure main or a regulator only the regulators' trees it cuts off from
    every gate station, and served + cut customers always add up to the layer's (exact)."""
    try:
        layer = gas_isolation.scenario_gas_layer(scenario)
        checks = gas_isolation.verify_gas_isolation(layer, np.random.default_rng(seed), mains)
    except (VerifyInputError, ScenarioError, InputDataError) as exc:
        typer.echo(f"gas-isolation: {exc}", err=True)
        raise typer.Exit(2) from None
    _finish(checks, verbose)


__all__ = [
    "Check",
    "buldyrev_command",
    "erlang_c_command",
    "fragility_command",
    "gas_isolation_command",
    "motter_lai_command",
    "print_checks",
    "sir_final_size_command",
    "verify_app",
]
