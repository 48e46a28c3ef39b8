"""Exceptions of the city data layer."""

from __future__ import annotations

from pathlib import Path

from sim.core.errors import Picklable


class CityDataError(Picklable, ValueError):
    """A city data file is missing or malformed.

    Attributes:
        file: path of the offending file.
        what: what is wrong with it, phrased so the user can fix it.
    """

    def __init__(self, file: str | Path, what: str) -> None:
        self.file = Path(file)
        self.what = what
        super().__init__(f"{self.file}: {what}")
