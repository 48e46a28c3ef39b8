"""What each model kind contributes to a run: its model, tables, summary, figures and
progress, behind one small protocol (:class:`ModelKind`).

:func:`model_kind` is the ONE place that maps a scenario's ``kind`` to its model and
outputs; the runner (:func:`sim.results.runner.run_scenario`, used by ``citysafe run``,
sweeps and calibration) and the risk map's Monte Carlo (:func:`build_model`) go through it.
Run-folder file names and summary keys are each kind's own and unchanged:

* ``emergency`` (:class:`~sim.models.emergency.CityModel`): timeseries, events,
  model_timeseries, incidents (Parquet), utilisation.csv; summary
  :data:`sim.results.summary.SUMMARY_KEYS`; the figures of its hazards (wind, rain, storm
  surge, earthquake, epidemic: :mod:`sim.results.hazard_figures`), service loss by district,
  resilience curves and response times — each written only when the run has something to
  show in it (:class:`sim.results.figures.RunFigure`); with an epidemic, epidemic.parquet;
  with ``population.resolution: full``, households.parquet
  (:mod:`sim.results.household_table`).
* ``long_run`` (:class:`~sim.models.longrun.RiskDynamicsModel`): events, latent_risk,
  maintenance, black_swans, audit, chemical_accidents, governance, city_audit (Parquet,
  each when its process is on); summary :data:`sim.scenario.longrun.LONGRUN_SUMMARY_KEYS`
  (keys of the enabled processes); events per year (with Poisson intervals), latent risk.

Both write ``report.html`` (:mod:`sim.results.html_report`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd

if TYPE_CHECKING:
    from sim.models.base import SimulationModel

FigureMaker = Callable[["SimulationModel", Path], "Path | None"]
"""Draws one figure of a finished model to a path; None when it does not apply."""


class ModelKind(Protocol):
    """The protocol each model kind provides to the runner.

    Attributes:
        kind: the scenario kind (``emergency``, ``long_run``).
        progress_unit: unit of the progress bar (e.g. ``h simulated``).
    """

    kind: str
    progress_unit: str

    def build(self, scenario, rng=None) -> SimulationModel:
        """The model of a validated scenario of this kind (``rng``: see the model)."""
        ...

    def progress(self, model, t_h: float) -> tuple[float, float, str]:
        """(done, total, caption) of the progress bar at model hour ``t_h``."""
        ...

    def summarise(self, model, wall_time_s: float) -> dict[str, float]:
        """summary.json of a finished run (finite, non-negative numbers)."""
        ...

    def tables(self, model) -> dict[str, tuple[str, pd.DataFrame]]:
        """Path key → (file name, table) of the run folder (.parquet or .csv)."""
        ...

    def figure_makers(self) -> dict[str, tuple[str, FigureMaker]]:
        """Path key → (file name, maker) of the figures a run of this kind may draw; a maker
        returns None when its figure does not apply to the run (nothing to show)."""
        ...


class EmergencyKind:
    """The emergency window (hours): :class:`~sim.models.emergency.CityModel`."""

    kind = "emergency"
    progress_unit = "h simulated"

    def build(self, scenario, rng=None, city_state=None):
        """``city_state``: a long run's :class:`~sim.risk.city_state.CityState` (a shock)."""
        from sim.models.emergency import CityModel

        return CityModel(scenario, rng, city_state=city_state)

    def progress(self, model, t_h: float) -> tuple[float, float, str]:
        clock = str(model.utc(t_h)).replace("T", " ") + " UTC"
        return t_h, model.horizon_h, f"{clock} · {model.alert_level_name}"

    def summarise(self, model, wall_time_s: float) -> dict[str, float]:
        from sim.results.summary import summarise

        return summarise(model, wall_time_s)

    def tables(self, model) -> dict[str, tuple[str, pd.DataFrame]]:
        from sim.results.run_folder import emergency_tables

        tables = emergency_tables(model)
        if model.config.population.resolution == "full":  # sim.scenario.population
            from sim.results.household_table import household_table

            tables["households"] = ("households.parquet", household_table(model))
        return tables

    def figure_makers(self) -> dict[str, tuple[str, FigureMaker]]:
        from sim.results import figures as f
        from sim.results import hazard_figures as h

        return {  # what the hazards did first, then what it did to the city's services
            "fig_wind": ("wind_map.png", h.wind_map),
            "fig_rain": ("rain_map.png", h.rain_map),
            "fig_flood": ("flood_map.png", h.flood_map),
            "fig_earthquake": ("earthquake_map.png", h.earthquake_map),
            "fig_epidemic": ("epidemic_curves.png", h.epidemic_curves),
            "fig_map": ("district_impact_map.png", f.district_map),
            "fig_resilience": ("resilience_curves.png", f.resilience_curves),
            "fig_response": ("response_times.png", f.response_times),
        }

    def order_figures(self, model, drawn: dict) -> dict:
        """The figures drawn, the main hazard's first
        (:func:`sim.results.hazard_figures.main_hazard_first`)."""
        from sim.results.hazard_figures import main_hazard_first

        return main_hazard_first(model, drawn)


class LongRunKind:
    """The long run (years): :class:`~sim.models.longrun.RiskDynamicsModel`."""

    kind = "long_run"
    progress_unit = "years"

    def build(self, scenario, rng=None):
        from sim.models.longrun import RiskDynamicsModel

        return RiskDynamicsModel(scenario, rng)

    def progress(self, model, t_h: float) -> tuple[float, float, str]:
        return t_h / model.step_h, float(model.n_years), ""

    def summarise(self, model, wall_time_s: float) -> dict[str, float]:
        from sim.results.longrun_summary import summarise

        return summarise(model, wall_time_s)

    def tables(self, model) -> dict[str, tuple[str, pd.DataFrame]]:
        from sim.results.longrun_summary import longrun_tables

        return longrun_tables(model)

    def figure_makers(self) -> dict[str, tuple[str, FigureMaker]]:
        from sim.results import longrun_figures as f

        return {
            "fig_events_per_year": ("events_per_year.png", f.events_per_year),
            "fig_latent_risk": ("latent_risk.png", f.latent_risk),
        }


MODEL_KINDS: dict[str, ModelKind] = {"emergency": EmergencyKind(), "long_run": LongRunKind()}
"""Scenario kind → what its model contributes (keys: :data:`sim.scenario.kinds.SCENARIO_KINDS`)."""


def model_kind(scenario) -> ModelKind:
    """The :class:`ModelKind` of a validated scenario (by its ``kind``).

    Raises:
        ValueError: the scenario's kind has no model.
    """
    kind = getattr(scenario, "kind", None)
    if kind not in MODEL_KINDS:
        raise ValueError(f"no model for scenario kind {kind!r}; known: {sorted(MODEL_KINDS)}")
    return MODEL_KINDS[kind]


def build_model(scenario, rng=None) -> SimulationModel:
    """The model of a validated scenario of any kind (not yet run)."""
    return model_kind(scenario).build(scenario, rng)
