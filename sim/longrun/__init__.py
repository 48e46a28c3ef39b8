"""Multi-year risk dynamics: slow processes (pipeline ageing, construction work, asset
deterioration under maintenance budgets and decisions, black swans) as coarse Mesa events.

Import the model and runner from their modules (``sim.longrun.model``,
``sim.longrun.runner``); this package exports only the schema, which the scenario loader
needs without pulling in the model.
"""

from sim.longrun.schema import LONGRUN_SUMMARY_KEYS, LongRunScenario

__all__ = ["LONGRUN_SUMMARY_KEYS", "LongRunScenario"]
