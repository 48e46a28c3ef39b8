"""Emergency logistics: routing, resources, incidents, dispatch, harm and a queueing check.

People are the combatants, equipment the guns, supplies the ammunition (docs/domain.md §4): an
incident is served when its full bundle of all three is on scene.
"""

from sim.response.dispatch import (
    Completion,
    Dispatch,
    Dispatcher,
    DispatchError,
    DispatchPolicy,
    Leg,
    TimeOrderError,
    UnreachableDepotError,
)
from sim.response.harm import Harm, expected_harm, sample_harm
from sim.response.incidents import INCIDENT_CATALOGUE, Incident, IncidentError, make_incident
from sim.response.queueing import MMcResult, UnstableQueueError, erlang_c, simulate_mmc
from sim.response.resources import (
    EQUIPMENT,
    RESOURCE_NAMES,
    SKILLS,
    SUPPLIES,
    Bundle,
    Depot,
    DepotStock,
    NegativeStockError,
    ResourceError,
    ResupplyPolicy,
    UnknownResourceError,
)
from sim.response.routing import RoadNetworkError, RoadRouter

__all__ = [
    "EQUIPMENT",
    "INCIDENT_CATALOGUE",
    "RESOURCE_NAMES",
    "SKILLS",
    "SUPPLIES",
    "Bundle",
    "Completion",
    "Depot",
    "DepotStock",
    "Dispatch",
    "DispatchError",
    "DispatchPolicy",
    "Dispatcher",
    "Harm",
    "Incident",
    "IncidentError",
    "Leg",
    "MMcResult",
    "NegativeStockError",
    "ResourceError",
    "ResupplyPolicy",
    "RoadNetworkError",
    "RoadRouter",
    "TimeOrderError",
    "UnknownResourceError",
    "UnreachableDepotError",
    "UnstableQueueError",
    "erlang_c",
    "expected_harm",
    "make_incident",
    "sample_harm",
    "simulate_mmc",
]
