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


def _inside(path: str, outer: str) -> bool:
    """Whether the field path ``path`` (``a.b``, ``a.list[0].c``) is ``outer`` or lies in it."""
    return path == outer or path.startswith((f"{outer}.", f"{outer}["))


def overrides_of(field: str, items: list[str]) -> list[str]:
    """The ``a.b.c=value`` overrides of ``items`` that a problem reported at the dotted field
    path ``field`` comes from: the override the field lies in (the last of them: it is the one
    applied), else every override set inside the field (a block's own check refusing what was
    set in it: ``-p hazard.foo=3`` reported at ``hazard``); none when the problem lies outside
    every override (a problem of the file). A malformed override (no ``=``, no path) is
    reported at its own text and matches itself.

    Assumption: a problem at a block that holds an override comes from that override (a
    block's own check, such as the time block's count of physics steps, reads the overridden
    value with the file's); a problem beside every override is the file's."""
    if field in items:
        return [field]
    keys = [override_key(o) for o in items]
    holding = [o for o, k in zip(items, keys, strict=True) if k and _inside(field, k)]
    if holding:
        return holding[-1:]
    return [o for o, k in zip(items, keys, strict=True) if k and _inside(k, field)]
