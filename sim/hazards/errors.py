"""Exceptions raised by the hazard modules."""

from __future__ import annotations

from pathlib import Path

from sim.core.errors import Picklable


class TrackFormatError(Picklable, ValueError):
    """A best-track file or table is malformed.

    Args:
        file: path of the offending file.
        line_no: 1-based line number (0 when the problem concerns the whole file).
        what: what is wrong and, where possible, how to fix it.
    """

    def __init__(self, file: str | Path, line_no: int, what: str) -> None:
        self.file = str(file)
        self.line_no = int(line_no)
        self.what = what
        super().__init__(f"{self.file}:{self.line_no}: {what}")


class StormNotFoundError(LookupError):
    """The requested storm is not in the best-track file; the message lists those that are."""


class TrackTimeError(ValueError):
    """A time lies outside the time span covered by a track."""
