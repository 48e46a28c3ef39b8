"""The journal of an exercise session: every inject with its time and author.

File format (YAML, read strictly by :mod:`sim.core.yaml_input` — no object construction, no
code, no duplicate keys, aliases and size bounded)::

    journal: 1
    scenario: scenarios/shanghai/lekima-2019.yaml   # informative
    seed: 20190810                                  # the session's seed (replayed with it)
    overrides: [networks.resolution=0.05]           # -p overrides the session ran with
    entries:
      - {t_h: 3, by: trainer, event: {type: road_collapse, district: Riverside, count: 2}}

``t_h`` is the model hour at which the inject was made (it applies after every model process
of that hour, see :mod:`sim.models.event_engine`); ``event`` is an event of
:mod:`sim.scenario.events` without its time.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.core.yaml_input import (
    JOURNAL_MAX_BYTES,
    YamlInputError,
    dump_yaml,
    load_yaml,
    read_yaml_file,
)
from sim.scenario.events import EVENT_ADAPTER
from sim.scenario.loader import apply_overrides, read_with_extends

FORMAT_VERSION = 1


class JournalError(ValueError):
    """A journal file that cannot be used: ``FILE: field.path: what was expected``."""


@dataclass
class JournalEntry:
    """One inject: model hour, the event mapping (no time fields) and its author."""

    t_h: float
    event: dict
    by: str = "trainer"

    def timed_event(self) -> dict:
        """The event mapping with ``at_h`` set to the entry's time."""
        return {**self.event, "at_h": float(self.t_h)}


@dataclass
class Journal:
    """Injects of one session, in the order they were made."""

    entries: list[JournalEntry] = field(default_factory=list)
    scenario: str = ""
    seed: int | None = None
    overrides: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ writing
    def to_dict(self) -> dict:
        return {
            "journal": FORMAT_VERSION,
            "scenario": self.scenario,
            "seed": self.seed,
            "overrides": list(self.overrides),
            "entries": [
                {"t_h": float(e.t_h), "by": e.by, "event": copy.deepcopy(e.event)}
                for e in self.entries
            ],
        }

    def to_yaml(self) -> str:
        return dump_yaml(self.to_dict())

    def save(self, path) -> None:
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    def events(self) -> list:
        """The entries as validated event models with ``at_h`` (for ``Scenario.injects``)."""
        return [EVENT_ADAPTER.validate_python(e.timed_event()) for e in self.entries]

    def to_scenario(self, scenario_path) -> dict:
        """A scenario mapping that replays this journal: ``extends:`` the base scenario file,
        the journal's seed and overrides, and its injects (``injects:``, each with ``at_h``).
        Saved as YAML beside anything, it runs with ``citysafe run`` and sweeps.

        Args:
            scenario_path: the base scenario file (written into ``extends:`` as an absolute
                path).
        """
        path = Path(scenario_path).resolve()
        base = read_with_extends(path)
        out: dict[str, Any] = {
            "extends": str(path),
            "name": f"{base.get('name', path.stem)}-exercise",
        }
        out = apply_overrides(out, list(self.overrides), str(path))
        if self.seed is not None:
            out["seed"] = int(self.seed)
        out["injects"] = [e.timed_event() for e in self.entries]
        return out

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_yaml(cls, text: str, source: str = "<journal>") -> Journal:
        """Parse and validate journal text.

        Raises:
            JournalError: bad YAML or any field not as expected (file, field path, message).
        """
        try:
            data = load_yaml(text)
        except YamlInputError as exc:
            raise JournalError(f"{source}: {exc}") from None
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<journal>") -> Journal:
        """Validate a parsed journal mapping (see :meth:`from_yaml`)."""

        def fail(where: str, msg: str):
            raise JournalError(f"{source}: {where}: {msg}")

        if not isinstance(data, dict):
            fail("(top level)", f"expected a mapping with 'entries', got {type(data).__name__}")
        unknown = sorted(str(k) for k in data if k not in {"journal", "scenario", "seed",
                                                            "overrides", "entries"})  # fmt: skip
        if unknown:
            fail(unknown[0], "unknown field (expected journal, scenario, seed, overrides, entries)")
        version = data.get("journal", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            fail("journal", f"unsupported format version {version!r} (expected {FORMAT_VERSION})")
        scenario = data.get("scenario") or ""
        if not isinstance(scenario, str):
            fail("scenario", "expected the scenario file name (text)")
        seed = data.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            fail("seed", f"expected a non-negative integer, got {seed!r}")
        overrides = data.get("overrides") or []
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            fail("overrides", "expected a list of a.b=value strings")
        entries_raw = data.get("entries")
        if entries_raw is None:
            entries_raw = []
        if not isinstance(entries_raw, list):
            fail("entries", f"expected a list of entries, got {type(entries_raw).__name__}")
        entries = []
        last = 0.0
        for i, raw in enumerate(entries_raw):
            where = f"entries[{i}]"
            if not isinstance(raw, dict):
                fail(where, "expected a mapping with t_h, by and event")
            extra = sorted(str(k) for k in raw if k not in {"t_h", "by", "event"})
            if extra:
                fail(f"{where}.{extra[0]}", "unknown field (expected t_h, by, event)")
            t_h = raw.get("t_h")
            if isinstance(t_h, bool) or not isinstance(t_h, int | float) or not math.isfinite(t_h):
                fail(f"{where}.t_h", f"expected a number of model hours, got {t_h!r}")
            if t_h < 0:
                fail(f"{where}.t_h", f"must be >= 0, got {t_h}")
            if t_h < last:
                fail(f"{where}.t_h", f"entries must be in time order ({t_h} < {last})")
            last = float(t_h)
            by = raw.get("by", "trainer")
            if not isinstance(by, str):
                fail(f"{where}.by", "expected text (who made the inject)")
            event = raw.get("event")
            if not isinstance(event, dict):
                fail(f"{where}.event", "expected an event mapping with a 'type'")
            if "at_h" in event or "at_utc" in event:
                fail(f"{where}.event", "give the time as the entry's t_h, not at_h/at_utc")
            try:
                EVENT_ADAPTER.validate_python({**event, "at_h": float(t_h)})
            except (TypeError, ValueError) as exc:  # ValidationError is a ValueError
                if not isinstance(exc, ValidationError) or not exc.errors():
                    fail(f"{where}.event", f"not a valid event: {exc}")
                from sim.scenario.loader import validation_problems

                problem = validation_problems(exc, source, "unknown field")[0]
                path = problem.field.removeprefix(str(event.get("type"))).lstrip(".")
                path = "" if path == "(top level)" else path
                fail(f"{where}.event" + (f".{path}" if path else ""), problem.message)
            entries.append(JournalEntry(float(t_h), dict(event), by))
        return cls(entries=entries, scenario=scenario, seed=seed, overrides=list(overrides))

    @classmethod
    def load(cls, path) -> Journal:
        """Read a journal file (strict YAML, at most ``JOURNAL_MAX_BYTES``).

        Raises:
            JournalError: unreadable or too large file, bad YAML, or a field not as expected.
        """
        path = Path(path)
        try:
            data = read_yaml_file(path, JOURNAL_MAX_BYTES)
        except FileNotFoundError:
            raise JournalError(f"{path}: (file): file not found") from None
        except YamlInputError as exc:
            raise JournalError(f"{path}: {exc}") from None
        return cls.from_dict(data, str(path))
