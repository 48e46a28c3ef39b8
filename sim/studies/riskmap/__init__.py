"""Safety risk map and risk inventory (安全风险地图/风险清单, docs/domain.md §5, the second of the
"five ones"): Monte Carlo likelihood × consequence per district and risk category, graded on
the four-colour scale (see :mod:`sim.studies.riskmap.matrix` for the matrix and its sources)."""

from sim.studies.riskmap.inventory import build_inventory
from sim.studies.riskmap.matrix import consequence_level, grade, likelihood_level, wilson_interval
from sim.studies.riskmap.montecarlo import replication_seeds, run_replications

__all__ = [
    "build_inventory",
    "consequence_level",
    "grade",
    "likelihood_level",
    "replication_seeds",
    "run_replications",
    "wilson_interval",
]
