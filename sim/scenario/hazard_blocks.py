"""Registry of the scenario's hazard blocks: ``hazard.<name>`` → its pydantic model.

The scenario schema (:class:`sim.scenario.schema.HazardConfig`) validates every key of the
``hazard:`` section against this registry, and the event schema (``warning.hazard``) and the
exercise app's forms take the hazards that warnings may be issued for from it. The four
original blocks (typhoon, rainstorm, earthquake, epidemic) are registered by
:mod:`sim.scenario.schema`; a new hazard's block lives in a module of the package
``sim.scenario.blocks`` (found by :func:`discover`, so no list is edited) or is registered
directly with :func:`register_block` (a test, a plug-in).

A block is a :class:`pydantic.BaseModel`, by convention a subclass of
:class:`sim.scenario.schema.Strict` (unknown keys are errors).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class BlockSpec:
    """A registered hazard block.

    Attributes:
        name: YAML key under ``hazard:``.
        model: the pydantic model validating the block.
        warnings: whether colour-coded warnings can be issued for this hazard (the values of
            ``warning.hazard`` in events and injects).
    """

    name: str
    model: type
    warnings: bool = False


BLOCKS: dict[str, BlockSpec] = {}
"""Registered blocks by name, in registration order."""
_discovered = False


def register_block(name: str, model: type, *, warnings: bool = False) -> BlockSpec:
    """Register the block ``hazard.<name>``.

    Raises:
        ValueError: the name is not a lower-case identifier, or another model has it.
    """
    if not name.isidentifier() or name != name.lower():
        raise ValueError(f"hazard block name {name!r} must be a lower-case identifier")
    old = BLOCKS.get(name)
    if old is not None and old.model is not model:
        raise ValueError(f"hazard block {name!r} is already registered ({old.model.__name__})")
    spec = BLOCKS[name] = BlockSpec(name, model, warnings)
    return spec


def unregister_block(name: str) -> None:
    """Remove a block (tests that register a hazard of their own clean up with this)."""
    BLOCKS.pop(name, None)


def discover() -> None:
    """Import the modules of ``sim.scenario.blocks`` once, so their blocks register."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    pkg = importlib.import_module("sim.scenario.blocks")
    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"sim.scenario.blocks.{info.name}")


def block(name: str) -> BlockSpec | None:
    """The block registered as ``name`` (after discovery), or None."""
    discover()
    return BLOCKS.get(name)


def block_names() -> list[str]:
    """Every registered block name, in registration order."""
    discover()
    return list(BLOCKS)


def warning_hazards() -> list[str]:
    """Hazards that colour-coded warnings can be issued for."""
    discover()
    return [b.name for b in BLOCKS.values() if b.warnings]
