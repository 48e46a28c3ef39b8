"""citysafe: agent-based urban disaster simulation (Mesa).

Data flows one way: scenario → model (city, networks, hazards, agents, logistics) →
results → analysis and plots. See docs/architecture.md.
"""

__version__ = "0.1.0"
