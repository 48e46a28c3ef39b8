"""Scenario files: schema (pydantic), loading with ``extends:`` and overrides."""

from sim.scenario.loader import (
    Problem,
    ScenarioError,
    dump_resolved,
    load_scenario,
)
from sim.scenario.schema import ALERT_LEVELS, Scenario

__all__ = ["ALERT_LEVELS", "Problem", "Scenario", "ScenarioError", "dump_resolved", "load_scenario"]
