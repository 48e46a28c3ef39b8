"""``citysafe calibrate SPEC``: fit scenario parameters to observed figures by ABC-SMC.

Writes to OUT: ``posterior.parquet`` (last-generation particles, weights, distances),
``posterior_summary.csv``, ``posterior.png``, ``ppc.csv`` / ``ppc.png`` (posterior
predictive check) and ``calibrated.yaml`` (scenario snippet with the posterior medians).
Exit codes: 0 done; 2 invalid spec.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from sim.calibration.abc import SimulatorModel, run_abc
from sim.calibration.outputs import (
    calibrated_yaml,
    plot_posterior,
    plot_ppc,
    posterior_summary,
    ppc_table,
)
from sim.calibration.spec import CalibrationSpecError, load_calibration_spec, resolve_targets


def _ppc_run(model: SimulatorModel, params: dict[str, float], seed: int) -> dict[str, float]:
    return {**params, **model(params, seed=seed)}


def calibrate(spec_path: Path, out: Path, workers: int = 1, quiet: bool = False) -> dict:
    """Run a calibration spec end to end and write its outputs; returns the medians table.

    Raises:
        CalibrationSpecError: invalid spec or targets.
    """
    spec = load_calibration_spec(spec_path)
    targets = resolve_targets(spec)
    out.mkdir(parents=True, exist_ok=True)
    model = SimulatorModel(spec)
    t0 = time.time()
    post = run_abc(
        model,
        dict(spec.parameters),
        targets,
        out / "abc.db",
        spec.population_size,
        spec.max_generations,
        spec.min_epsilon,
        workers=workers,
        seed=spec.seed,
    )
    t_abc = time.time() - t0
    post.to_parquet(out / "posterior.parquet", index=False)
    names = list(spec.parameters)
    summ = posterior_summary(post, names)
    summ.to_csv(out / "posterior_summary.csv", index_label="parameter")
    plot_posterior(post, spec, out / "posterior.png")

    # Posterior predictive: resample particles by weight, one fresh-seeded run each.
    rng = np.random.default_rng(spec.seed)
    idx = rng.choice(len(post), size=spec.ppc_draws, p=post["weight"].to_numpy())
    draws = [{n: float(post.loc[i, n]) for n in names} for i in idx]
    seeds = [int(s) for s in rng.integers(2**31 - 1, size=len(draws))]
    if draws:
        with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            sims = pd.DataFrame(list(pool.map(_ppc_run, [model] * len(draws), draws, seeds)))
        sims.to_csv(out / "ppc_runs.csv", index=False)
        ppc = ppc_table(sims, targets)
        ppc.to_csv(out / "ppc.csv", index=False)
        plot_ppc(ppc, targets, out / "ppc.png")
    medians = summ["q50"].to_dict()
    (out / "calibrated.yaml").write_text(calibrated_yaml(spec, medians, out), encoding="utf-8")
    if not quiet:
        typer.echo(
            f"ABC-SMC: {len(post)} particles, epsilons {post.attrs['epsilons']}, "
            f"{t_abc:.0f} s; total {time.time() - t0:.0f} s"
        )
        typer.echo(summ.to_string())
        if draws:
            typer.echo(ppc.to_string(index=False))
        typer.echo(f"outputs in {out}")
    return medians


def calibrate_command(
    spec: Annotated[Path, typer.Argument(help="Calibration spec YAML (calibration/*.yaml).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "runs/calibration"
    ),
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes.")] = 2,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Fit scenario parameters to observed figures by ABC-SMC (pyabc); write the posterior,
    a posterior predictive check, plots and calibrated.yaml."""
    try:
        calibrate(spec, out, workers=workers, quiet=quiet)
    except CalibrationSpecError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
