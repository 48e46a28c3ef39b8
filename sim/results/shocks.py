"""One run, two clocks: a long run with ``shocks:`` runs an emergency window at each shock
date on the city state of that date.

:func:`run_with_shocks` advances the long run (:class:`~sim.models.longrun.RiskDynamicsModel`)
to each shock in date order, takes its :class:`~sim.risk.city_state.CityState`, runs the
shock's emergency scenario on it (:class:`~sim.models.emergency.CityModel`) into
``shocks/<name>/`` of the run folder, logs it in the long run's events (kind
``emergency_shock``, value = its direct loss in yuan) and then runs the long run to its
horizon.

* **Streams.** The long run draws nothing for a shock but the shock's seed, one draw from its
  own stream ``emergency.<name>``; the emergency window runs on its own model. The long run's
  outputs are therefore the same with and without shocks (but the ``emergency_shock`` rows),
  and the same seed gives the same shocks.
* **No feedback.** The shock does not change the long run's state (no repair of its damage,
  no budget spent): the slow processes go on as if it had not happened. It is recorded only
  (events, summary).
* **Folders.** Each shock is written into a hidden temporary folder ``shocks/.<name>.partial-*``
  which is renamed to ``shocks/<name>/`` once complete, with ``shock.json`` (its seed, date
  and fingerprint: the resolved emergency scenario, the content of the data files it reads
  and the city state). A re-run of the same scenario in the same folder (after an
  interruption) reuses a complete shock with the same fingerprint instead of running it
  again, and removes partial folders; a shock whose data files changed runs again. Only
  folders holding citysafe's marker (:data:`sim.results.staging.MARKER_FILE`, written first)
  are ever removed; any other in their place is refused
  (:class:`~sim.results.staging.RunFolderError`).
  The long run's summary.json is removed when the run starts and written last, so a folder
  with it is complete.
* **Summary.** Each shock's emergency outcomes go into the long run's summary.json as
  ``shocks.<name>.<key>`` (:data:`sim.scenario.longrun.SHOCK_KEY`; every emergency summary key
  but ``wall_time_s``), which ``citysafe compare`` and sweeps read like any outcome.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.core.file_digests import digests
from sim.models.data_check import input_files
from sim.results.staging import MARKER_FILE, RunFolderError, read_marker, write_marker
from sim.risk.city_state import CityState
from sim.scenario.loader import dump_resolved, load_scenario

if TYPE_CHECKING:
    from sim.models.longrun import RiskDynamicsModel
    from sim.scenario.longrun import LongRunScenario, ShockConfig

SHOCKS_DIR = "shocks"
MARKER = "shock.json"
"""File of a complete shock folder: name, date, seed, fingerprint."""

RunWindow = Callable[[object, Path, CityState], dict]
"""Runs an emergency scenario on a city state into a folder; returns its summary."""


def run_with_shocks(
    model: RiskDynamicsModel,
    scenario: LongRunScenario,
    out_dir: Path,
    run_window: RunWindow,
    reused: list[str] | None = None,
) -> dict[str, dict]:
    """Run the long run to its horizon with an emergency window at each shock date.

    Args:
        model: the long run, built and not yet run.
        scenario: its scenario (``shocks`` not empty).
        out_dir: the run folder (``shocks/<name>/`` are written there).
        run_window: runs one emergency scenario on a city state into a folder
            (:func:`sim.results.runner.run_scenario` with ``city_state``).
        reused: receives the names of the shocks a previous attempt had finished (resumed,
            not run again), in the order they come.

    Returns:
        Shock name → its emergency summary, in the order of ``scenario.shocks``.
    """
    shocks_dir = Path(out_dir) / SHOCKS_DIR
    shocks_dir.mkdir(parents=True, exist_ok=True)
    clear_partials(shocks_dir)
    results = {}
    order = sorted(range(len(scenario.shocks)), key=lambda i: scenario.shocks[i].at_utc)
    for i in order:
        shock = scenario.shocks[i]
        t_h = model.clock.hours_of(shock.at_utc)
        model.advance(t_h)
        state = model.city_state(t_h)
        summary = run_shock(
            shock, state, model.shock_seed(shock.name), shocks_dir, run_window,
            scenario.policy_shock_overrides(), reused,
        )  # fmt: skip
        model.record_shock(i, t_h, float(summary["direct_loss_yuan"]))
        results[shock.name] = summary
    model.advance(model.horizon_h)
    model.finish()
    return {s.name: results[s.name] for s in scenario.shocks}


def run_shock(
    shock: ShockConfig,
    state: CityState,
    seed: int,
    shocks_dir: Path,
    run_window: RunWindow,
    policy_overrides: list[str] | None = None,
    reused: list[str] | None = None,
) -> dict:
    """One shock's emergency window into ``shocks_dir/<name>/``, or the complete folder a
    previous run left with the same fingerprint (its name then goes to ``reused``). Returns
    its summary.

    ``policy_overrides`` (the long run's five ones, :meth:`LongRunScenario.policy_shock_overrides`)
    apply before the shock's own ``overrides``, which therefore win."""
    overrides = [*(policy_overrides or []), *shock.overrides]
    em = load_scenario(shock.scenario, [*overrides, f"seed={seed}"], kind="emergency")
    fingerprint = shock_fingerprint(em, state)
    final = shocks_dir / shock.name
    done = finished_summary(final, fingerprint)
    if done is not None:
        if reused is not None:
            reused.append(shock.name)
        return done
    tmp = Path(tempfile.mkdtemp(prefix=f".{shock.name}.partial-", dir=shocks_dir))
    tmp.chmod(0o755)  # mkdtemp makes it private; a run folder is not
    write_marker(tmp, fingerprint)  # first: only a folder with it is ever cleared
    summary = run_window(em, tmp, state)
    (tmp / "city_state.json").write_text(json.dumps(state.to_dict(), indent=1) + "\n")
    marker = {
        "name": shock.name,
        "at_utc": state.t_utc,
        "seed": seed,
        "scenario": str(shock.scenario),
        "overrides": overrides,
        "fingerprint": fingerprint,
    }
    (tmp / MARKER).write_text(json.dumps(marker, indent=1) + "\n")
    if final.exists() and read_marker(final) is None:
        raise RunFolderError(
            f"{final}: exists and was not written by citysafe (no {MARKER_FILE}); it is left "
            "as it is: move it away and rerun"
        )
    if final.exists():
        shutil.rmtree(final)  # a stale shock of another scenario or state
    tmp.rename(final)
    return summary


def clear_partials(shocks_dir: Path) -> None:
    """Remove the shock folders an interrupted run left unfinished (``.<name>.partial-*``
    holding citysafe's marker).

    Raises:
        RunFolderError: such a name without the marker (not citysafe's: left as it is).
    """
    for partial in sorted(shocks_dir.glob(".*.partial-*")):
        if read_marker(partial) is None:
            raise RunFolderError(
                f"{partial}: looks like an unfinished shock folder but was not written by "
                f"citysafe (no {MARKER_FILE}); it is left as it is: move it away and rerun"
            )
        shutil.rmtree(partial)  # ours, left by an interrupted run


def shock_fingerprint(emergency_scenario, state: CityState) -> str:
    """sha256 of the resolved emergency scenario (seed included), the content of the data
    files it reads (:func:`sim.models.data_check.input_files`: a city table, track or import
    edited since a shock ran makes it run again, never reused) and the city state."""
    files = digests(input_files(emergency_scenario))
    text = dump_resolved(emergency_scenario) + json.dumps(files, sort_keys=True) + state.digest()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def finished_summary(folder: Path, fingerprint: str) -> dict | None:
    """The summary of a complete shock folder with this fingerprint, else None."""
    marker = folder / MARKER
    if not marker.is_file() or not (folder / "summary.json").is_file():
        return None
    if json.loads(marker.read_text()).get("fingerprint") != fingerprint:
        return None
    return json.loads((folder / "summary.json").read_text())


def shock_keys(summaries: dict[str, dict]) -> dict[str, float]:
    """``shocks.<name>.<key>`` of every shock's summary but ``wall_time_s``."""
    return {
        f"{SHOCKS_DIR}.{name}.{k}": v
        for name, summary in summaries.items()
        for k, v in summary.items()
        if k != "wall_time_s"
    }


class ShockFolderError(ValueError):
    """A folder is not a complete shock of a long run (message: the file and what is missing)."""


def read_shock(folder: str | Path) -> tuple[Path, CityState, dict]:
    """A complete shock folder's emergency scenario file (as run, its seed included) and city
    state: what a tabletop exercise needs to start where the long run left the city.

    Args:
        folder: ``RUN/shocks/<name>/`` of a long run with shocks.

    Returns:
        (``scenario.resolved.yaml`` path, :class:`CityState`, marker dict of ``shock.json``);
        the caller loads the scenario (``load_scenario``), which reports its own problems.

    Raises:
        ShockFolderError: not a folder, or ``shock.json``, ``scenario.resolved.yaml`` or
            ``city_state.json`` missing (an interrupted shock is never read) or unreadable.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ShockFolderError(f"{folder}: not a folder (expected RUN/shocks/<name>/)")
    for name in (MARKER, "scenario.resolved.yaml", "city_state.json"):
        if not (folder / name).is_file():
            raise ShockFolderError(
                f"{folder / name}: missing; a complete shock folder of a long run has "
                f"{MARKER}, scenario.resolved.yaml and city_state.json"
            )
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        state = CityState.from_dict(
            json.loads((folder / "city_state.json").read_text(encoding="utf-8"))
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ShockFolderError(f"{folder}: unreadable shock files ({exc})") from None
    return folder / "scenario.resolved.yaml", state, marker
