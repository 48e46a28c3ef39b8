"""``citysafe verify NAME``: checks of the installation against published results.

Each subcommand prints lines ``NAME: QUANTITY simulated X vs theory Y (tolerance T) PASS|FAIL``
(`sim.studies.verify.report`) and exits 1 if any line fails (2 for invalid options). The lead
registers `verify_app` on the main CLI (``app.add_typer(verify_app, name="verify")``).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from sim.response.queueing import UnstableQueueError
from sim.studies.verify.buldyrev import PINF_MIN_OFFSET, BuldyrevInputError, run_buldyrev
from sim.studies.verify.erlang_c import verify_erlang_c
from sim.studies.verify.fragility_check import verify_fragility
from sim.studies.verify.motter_lai import MotterLaiInputError, run_motter_lai
from sim.studies.verify.report import Check, all_passed, print_checks
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
        typer.Option("--mean-degree", "-k", help="Mean degree <k> of both ER layers (>= 2.5)."),
    ] = 4.0,
    nodes: Annotated[int, typer.Option("--nodes", "-n", help="Nodes N per layer.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Root seed (numpy SeedSequence).")] = 0,
    realisations: Annotated[
        int, typer.Option("--realisations", "-r", help="Independent layer pairs averaged.")
    ] = 8,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print spreads too.")] = False,
) -> None:
    """Two coupled Erdős–Rényi layers, one-to-one dependency (Buldyrev et al. 2010, Nature 464,
    1025): pseudo-critical p_c vs 2.4554/<k> (tol 0.01) and P∞(p) vs the largest root of
    P∞ = p(1 - exp(-<k>P∞))² for p >= p_c + 0.04 (tol 0.01)."""
    try:
        res = run_buldyrev(mean_degree, nodes, seed, realisations)
    except BuldyrevInputError as exc:
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
    nodes: Annotated[int, typer.Option("--nodes", "-n", help="Nodes of each BA graph.")] = 1000,
    m: Annotated[int, typer.Option("-m", help="Edges per new node (BA model).")] = 2,
    seed: Annotated[int, typer.Option(help="Root seed (numpy SeedSequence).")] = 0,
    graphs: Annotated[int, typer.Option(help="Independent BA graphs averaged.")] = 3,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print per-graph values.")
    ] = False,
) -> None:
    """Load-redistribution cascades on Barabási–Albert graphs (Motter & Lai 2002, PRE 66,
    065102): removing the highest-load node at alpha = 0.1 leaves G <= 0.5, a random node
    G >= 0.95, and G rises with alpha."""
    try:
        res = run_motter_lai(nodes=nodes, m=m, seed=seed, graphs=graphs)
    except MotterLaiInputError as exc:
        typer.echo(f"motter-lai: {exc}", err=True)
        raise typer.Exit(2) from None
    checks = res.checks()
    for a, g in zip(res.alphas, res.sweep_means(), strict=True):
        typer.echo(f"motter-lai: alpha={a:g}: G targeted {g:.4f}")
    _finish(checks, verbose)
    typer.echo(f"motter-lai: {graphs} graphs in {res.elapsed_s:.1f} s")


@verify_app.command("erlang-c")
def erlang_c_command(
    servers: Annotated[int, typer.Option("--servers", "-c", help="Identical teams C.")] = 5,
    arrival_rate: Annotated[
        float, typer.Option("--arrival-rate", "-l", help="Incident rate λ, per hour.")
    ] = 4.0,
    service_rate: Annotated[
        float, typer.Option("--service-rate", "-m", help="Service rate μ of one team, per hour.")
    ] = 1.0,
    customers: Annotated[
        int | None, typer.Option(help="Incidents simulated after warm-up (default: by load).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print intervals.")] = False,
) -> None:
    """M/M/C through the real dispatcher (Poisson incidents, exponential service, zero travel,
    FCFS): simulated P(wait) and mean wait in queue (hours) against Erlang C, within the
    simulation's 99.9% batch-means confidence interval."""

    try:
        checks = verify_erlang_c(
            servers, arrival_rate, service_rate, np.random.default_rng(seed), customers
        )
    except UnstableQueueError as exc:
        typer.echo(f"erlang-c: {exc}", err=True)
        raise typer.Exit(2) from None
    _finish(checks, verbose)


@verify_app.command("sir-final-size")
def sir_final_size_command(
    r0: Annotated[float, typer.Option("--r0", help="Basic reproduction number R0 (> 1).")] = 2.0,
    runs: Annotated[int, typer.Option(help="Outbreaks simulated.")] = 4000,
    population: Annotated[
        int | None, typer.Option(help="Population size (default: chosen from R0).")
    ] = None,
    method: Annotated[
        str, typer.Option(help="gillespie (exact SSA) or binomial_chain (the city-scale model).")
    ] = "gillespie",
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print details.")] = False,
) -> None:
    """Stochastic SIR: mean final size of major outbreaks vs the root of z = 1 − e^{−R0·z},
    and the major-outbreak probability vs 1 − 1/R0 (exponential infectious periods)."""

    if not r0 > 1:  # also catches NaN
        typer.echo(
            f"sir-final-size: R0 must be > 1 (a major outbreak needs it), got {r0}", err=True
        )
        raise typer.Exit(2)
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
    samples: Annotated[int, typer.Option(help="Capacities sampled per curve.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
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

    checks = verify_fragility(
        np.random.default_rng(seed), n_samples=samples, family_wise=not per_check
    )
    _finish(checks, verbose)


__all__ = [
    "Check",
    "buldyrev_command",
    "erlang_c_command",
    "fragility_command",
    "motter_lai_command",
    "print_checks",
    "sir_final_size_command",
    "verify_app",
]
