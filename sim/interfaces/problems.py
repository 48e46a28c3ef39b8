"""How every command prints the problems of an input: one ``FILE: field.path: expected`` line
each, to stderr, at most :data:`MAX_SHOWN` of them.

A damaged 20 MB journal or a table with one bad column can hold tens of thousands of problems;
printing them all buries the first (usually the cause of the rest) under screens of repeats.
The first :data:`MAX_SHOWN` are printed in the order found, then one line counting the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

import typer

MAX_SHOWN = 100
"""Problems printed per input before the rest are only counted (assumption: a screenful or
two is what a user reads before fixing the first ones and checking again)."""


def echo_problems(problems: Iterable[object], limit: int = MAX_SHOWN) -> int:
    """Print ``problems`` (each as ``str``), one a line, to stderr: the first ``limit``, then
    ``... and N more problems (the first LIMIT shown)`` when there are more.

    Returns:
        The number of problems (all of them, shown or not).
    """
    count = 0
    for count, problem in enumerate(problems, start=1):
        if count <= limit:
            typer.echo(str(problem), err=True)
    if count > limit:
        typer.echo(f"... and {count - limit} more problems (the first {limit} shown)", err=True)
    return count
