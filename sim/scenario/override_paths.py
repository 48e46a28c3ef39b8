"""Dotted paths set twice: overrides (``a.b.c=value``) and spec fields that set one
scenario value in two places, where one of them would silently lose.

Pure string functions with no imports of the package, so every reader of overrides can use
them (the command line, :mod:`sim.scenario.longrun`, the sweep and calibration specs) without
an import cycle.
"""

from __future__ import annotations


def override_key(item: str) -> str:
    """The dotted path an ``a.b.c=value`` override sets (the text before its first ``=``)."""
    return item.partition("=")[0].strip()


def overlapping(first: str, second: str) -> bool:
    """Whether setting both dotted paths loses one of them: the same path, or one inside the
    other (``a.b`` and ``a.b.c``: whichever is applied last replaces or edits the other)."""
    return first == second or second.startswith(f"{first}.") or first.startswith(f"{second}.")


def set_twice(items: list[str]) -> list[tuple[int, int]]:
    """The index pairs (earlier, later) of ``a.b.c=value`` overrides ``items`` whose paths
    overlap (:func:`overlapping`), in order: each is a value given in two places, one of which
    loses."""
    keys = [override_key(o) for o in items]
    return [(i, j) for j in range(len(items)) for i in range(j) if overlapping(keys[i], keys[j])]
