"""Slow-time (years) risk: asset deterioration, hidden-hazard screening, maintenance budgets,
white-elephant decision-making, latent-risk index and black-swan shocks."""

from sim.risk.deterioration import (
    DEFAULT_SECTORS,
    AssetInventory,
    Sector,
    build_inventory,
    deteriorate,
)
from sim.risk.latent_risk import latent_risk_index
from sim.risk.maintenance import allocate_budget, discounted_failure_probability
from sim.risk.process import MaintenancePolicy, SlowEvents, SlowRiskProcess
from sim.risk.screening import screen
from sim.risk.shocks import BlackSwanShocks
from sim.risk.white_elephant import WhiteElephantDecisionMaker

__all__ = [
    "DEFAULT_SECTORS",
    "AssetInventory",
    "BlackSwanShocks",
    "MaintenancePolicy",
    "Sector",
    "SlowEvents",
    "SlowRiskProcess",
    "WhiteElephantDecisionMaker",
    "allocate_budget",
    "build_inventory",
    "deteriorate",
    "discounted_failure_probability",
    "latent_risk_index",
    "screen",
]
