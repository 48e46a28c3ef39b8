"""Field types shared by every scenario schema module: the strict base model, paths, fractions,
UTC times and alert levels.

They sit below :mod:`sim.scenario.schema` and :mod:`sim.scenario.events` (the schema holds
event lists, events need these types), so neither imports the other for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

ALERT_LEVELS = ("none", "blue", "yellow", "orange", "red")
"""Colour-coded alert levels of Chinese early warning (分色预警), in increasing severity."""

AlertLevel = Literal["none", "blue", "yellow", "orange", "red"]


class Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _existing_path(value: Path, info: ValidationInfo) -> Path:
    """Resolve ``value`` against the declaring file's folder and require that it exists."""
    base = (info.context or {}).get("base_dir")
    path = Path(value)
    if not path.is_absolute() and base is not None:
        path = (Path(base) / path).resolve()
    if (info.context or {}).get("check_files", True) and not path.exists():
        raise ValueError(f"file or folder not found: {path}")
    return path


def _not_blank(value):
    """Refuse an empty or blank path: ``Path("")`` is the current folder, so ``-p
    city.data_dir=`` silently looked for the city where the command was typed."""
    if isinstance(value, str) and not value.strip():
        raise ValueError("an empty path: give a file or folder")
    return value


DataPath = Annotated[Path, BeforeValidator(_not_blank), AfterValidator(_existing_path)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a timezone is required, e.g. 2019-08-08T00:00:00Z (UTC)")
    return value.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(_utc)]
