"""Exceptions raised by the hazard modules.

The errors about input files derive from :class:`sim.core.errors.InputDataError`, so the
command line reports each as one line naming the file (exit 2), wherever it is raised.
"""

from __future__ import annotations

from pathlib import Path

from sim.core.errors import InputDataError


class TrackFormatError(InputDataError):
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
        where = f"{self.file}:{self.line_no}" if self.line_no > 0 else self.file
        super().__init__(f"{where}: {what}")  # no line number for the whole file


class StormNotFoundError(InputDataError, LookupError):
    """The requested storm is not in the best-track file (the message lists those that are),
    or is not the only one answering to the selection."""


class TrackTimeError(ValueError):
    """A time lies outside the time span covered by a track."""


class HazardDataError(InputDataError):
    """A hazard's data file (storm-surge defences, tide levels) is missing or malformed, or
    does not fit the scenario; the message starts with the file and names the line or field
    and what was expected."""
