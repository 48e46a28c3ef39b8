"""Scenario blocks of hazards added through the hazard interface, one module each.

Every module here registers its block with :func:`sim.scenario.hazard_blocks.register_block`
when imported; :func:`sim.scenario.hazard_blocks.discover` imports them all.
"""
