"""The scenario schema tree: every scenario kind, discriminated on ``kind``.

Both kinds derive from :class:`sim.scenario.schema.ScenarioBase` (kind, name, description,
seed, city, observed):

* ``emergency`` (the default when a file has no ``kind``): :class:`~sim.scenario.schema.Scenario`,
  the emergency window in hours;
* ``long_run``: :class:`~sim.scenario.longrun.LongRunScenario`, multi-year risk dynamics.

:data:`SCENARIO_KINDS` is the one place that maps a kind to its schema;
:data:`AnyScenario` is the tagged union of both (``citysafe schema`` prints its JSON Schema).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Tag, TypeAdapter

from sim.scenario.longrun import LongRunScenario
from sim.scenario.schema import Scenario, ScenarioBase

DEFAULT_KIND = "emergency"
"""The kind of a scenario file without a ``kind`` field."""

SCENARIO_KINDS: dict[str, type[ScenarioBase]] = {
    "emergency": Scenario,
    "long_run": LongRunScenario,
}
"""Scenario kind → its pydantic schema."""


def scenario_kind(value: Any) -> str | None:
    """The ``kind`` of a scenario mapping or object (``emergency`` when absent); None when the
    value names no kind that :data:`SCENARIO_KINDS` knows (or is not a mapping)."""
    if isinstance(value, dict):
        kind = value.get("kind", DEFAULT_KIND)
    else:
        kind = getattr(value, "kind", None)
    return kind if isinstance(kind, str) and kind in SCENARIO_KINDS else None


AnyScenario = Annotated[
    Annotated[Scenario, Tag("emergency")] | Annotated[LongRunScenario, Tag("long_run")],
    Discriminator(scenario_kind),
]
"""A scenario of either kind, discriminated on ``kind``."""


def json_schema() -> dict:
    """JSON Schema of scenario files: one of the kinds, told apart by ``kind``."""
    schema = TypeAdapter(AnyScenario).json_schema()
    schema["title"] = "Scenario"
    schema["description"] = (
        "A citysafe scenario: kind 'emergency' (the default: an emergency window in hours, "
        "$defs/Scenario) or 'long_run' (multi-year risk dynamics, $defs/LongRunScenario)."
    )
    return schema
