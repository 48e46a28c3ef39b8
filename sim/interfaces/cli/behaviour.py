"""Which behaviour coefficients a run uses, checked before it starts.

``validate`` and ``run`` read the city's calibrated posterior (:mod:`sim.city.behaviour_posterior`)
whenever a run could draw from it, so a damaged file, or a particle outside the coefficients'
bounds, is one message and exit 2 before any
replication starts; an ensemble (``run --replications``) draws the coefficients from it unless
``--fixed-behaviour`` is given or the scenario (or a ``-p`` override) sets them, and says on the
console which coefficients it uses.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.city.behaviour_posterior import (
    check_particles,
    load_posterior,
    posterior_for,
    posterior_path,
)
from sim.core.errors import InputDataError
from sim.scenario.schema import BEHAVIOUR_COEFFICIENTS, BehaviourConfig

POSTERIOR_DRAW = "response.relocation.behaviour.posterior_draw"


def _behaviour_and_file(scen):
    """The scenario's behaviour settings and its posterior file, or (None, None) for a
    scenario without relocation of its own (a long run)."""
    response = getattr(scen, "response", None)
    if response is None:
        return None, None
    b = response.relocation.behaviour
    return b, Path(b.posterior_file or posterior_path(scen.city.data_dir))


def check_posterior_or_exit(scen) -> None:
    """Read the posterior a run of ``scen`` could draw from (the scenario's when
    ``posterior_draw`` is on, else the city's default file if it ships one).

    Raises:
        typer.Exit: code 2 after printing what is wrong with the file.
    """
    b, path = _behaviour_and_file(scen)
    try:
        if b is not None and b.posterior_draw:
            posterior = posterior_for(b, scen.city.data_dir, BEHAVIOUR_COEFFICIENTS)
        elif path is not None and path.is_file():
            posterior = load_posterior(path, BEHAVIOUR_COEFFICIENTS)
        else:
            return
        base = b.model_dump()  # a particle replaces these values in a run that draws it
        check_particles(posterior, lambda p: BehaviourConfig.model_validate({**base, **p}))
    except InputDataError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None


def behaviour_draws(scen, overrides: list[str], fixed: bool) -> tuple[list[str], bool, str]:
    """The overrides of an ensemble, whether its replications draw the behaviour coefficients,
    and the console line that says which coefficients are used (``scen``: the scenario loaded
    with ``overrides``, its posterior checked by :func:`check_posterior_or_exit`).

    ``posterior_draw`` is added unless the scenario already has it on, the user set it,
    ``fixed`` is True, the city ships no posterior, or the scenario or a ``-p`` override sets a
    coefficient the posterior draws.
    """
    b, path = _behaviour_and_file(scen)
    if b is None:
        return overrides, False, ""
    if b.posterior_draw:
        return overrides, True, f"behaviour coefficients: drawn per replication from {path}"
    say = "behaviour coefficients: the scenario's values in every replication"
    set_by_user = any(o.split("=", 1)[0].strip() == POSTERIOR_DRAW for o in overrides)
    if fixed or set_by_user or not path.is_file():
        why = "--fixed-behaviour" if fixed else "posterior_draw off" if set_by_user else None
        return overrides, False, f"{say} ({why or f'no posterior at {path}'})"
    given = sorted(set(load_posterior(path, BEHAVIOUR_COEFFICIENTS).names) & b.model_fields_set)
    if given:
        return overrides, False, f"{say} (set: {', '.join(given)}; not drawn from {path})"
    line = (
        f"behaviour coefficients: drawn per replication from the calibrated posterior ({path}; "
        "--fixed-behaviour keeps the scenario's values)"
    )
    return [*overrides, f"{POSTERIOR_DRAW}=true"], True, line
