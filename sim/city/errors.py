"""Exceptions of the city data layer."""

from __future__ import annotations

from pathlib import Path

from sim.core.errors import InputDataError


class CityDataError(InputDataError):
    """A city data file is missing or malformed.

    Attributes:
        file: path of the offending file.
        what: what is wrong with it, phrased so the user can fix it.
    """

    def __init__(self, file: str | Path, what: str) -> None:
        self.file = Path(file)
        self.what = what
        super().__init__(f"{self.file}: {what}")


def require_file(path: str | Path, what: str) -> Path:
    """`path`, when it is a file.

    Args:
        path: where a city data file should be.
        what: what the file holds, named in the message (e.g. "district census table").

    Raises:
        CityDataError: ``FILE: file not found (what)``, or ``is a folder, not a file (what)``
            (a folder of that name, e.g. an archive unpacked into ``districts.csv/``), or
            ``is not a regular file (what)``.
    """
    path = Path(path)
    if path.is_file():
        return path
    if path.is_dir():
        raise CityDataError(path, f"is a folder, not a file ({what})")
    if path.exists():
        raise CityDataError(path, f"is not a regular file ({what})")
    raise CityDataError(path, f"file not found ({what})")
