"""The journal of an exercise session: every inject with its time and author.

File format (YAML, read strictly by :mod:`sim.core.yaml_input` — no object construction, no
code, no duplicate keys, aliases and size bounded)::

    journal: 1
    scenario: scenarios/shanghai/lekima-2019.yaml   # informative: the file (app) or name
    scenario_name: lekima-2019                      # the scenario the session ran ...
    city: Example City                              # ... its city (city.yaml name) ...
    scenario_hash: 0c1d2e3f4a5b6c7d                 # ... and its content (scenario_fingerprint)
    seed: 20190810                                  # the session's seed (replayed with it)
    overrides: [networks.resolution=0.05]           # -p overrides the session ran with
    entries:
      - {t_h: 3, by: trainer, event: {type: road_collapse, district: Riverside, count: 2}}

``t_h`` is the model hour at which the inject was made (it applies after every model process
of that hour, see :mod:`sim.models.event_engine`); ``event`` is an event of
:mod:`sim.scenario.events` without its time.

The three recorded identity fields are optional (journals written before them have none).
Replayed on another scenario of the same city, a journal gets a warning naming both scenarios
(:func:`scenario_warnings`); on another city it is refused (:func:`fit_problems`): its
districts, depots and crossings are the other city's.

Reading (:meth:`Journal.load`, :meth:`Journal.from_yaml`) reports every problem at once as a
:class:`~sim.scenario.loader.Problem` (``FILE: entries[2].event.distrct: unknown field; did
you mean 'district'?``); :func:`fit_problems` then checks a journal against the scenario it is
replayed on (window, districts, depots, crossings), for ``citysafe validate --journal``,
``citysafe run --journal`` and the app alike.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim.core.errors import Picklable
from sim.core.yaml_input import (
    JOURNAL_MAX_BYTES,
    YamlInputError,
    dump_yaml,
    load_yaml,
    read_yaml_file,
)
from sim.models.event_effects import InjectError, check_event
from sim.scenario.events import EVENT_ADAPTER, BridgeClosureEvent, Event, ResourcesEvent
from sim.scenario.loader import Problem, apply_overrides, read_with_extends, validation_problems
from sim.scenario.suggest import closest, district_hint

if TYPE_CHECKING:
    from sim.models.emergency import CityModel

FORMAT_VERSION = 1


class JournalError(Picklable, ValueError):
    """A journal that cannot be used; ``problems`` lists every problem found, each printed as
    ``FILE: field.path: what was expected`` (one per line)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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
    scenario_name: str = ""
    city: str = ""
    scenario_hash: str = ""

    @classmethod
    def recorded_on(cls, on, city: str, **fields: Any) -> Journal:
        """An empty journal (or one with ``fields``) that records the scenario ``on`` it is
        made on: its name, its city's name (``city.yaml``) and :func:`scenario_fingerprint`."""
        return cls(
            scenario_name=str(on.name),
            city=str(city),
            scenario_hash=scenario_fingerprint(on),
            **fields,
        )

    # ------------------------------------------------------------------ writing
    def to_dict(self) -> dict:
        return {
            "journal": FORMAT_VERSION,
            "scenario": self.scenario,
            "scenario_name": self.scenario_name,
            "city": self.city,
            "scenario_hash": self.scenario_hash,
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
        """Parse and validate journal text (at most ``JOURNAL_MAX_BYTES`` in UTF-8, like a
        file: :meth:`load`).

        Raises:
            JournalError: too long, bad YAML, or fields not as expected (every problem found:
                file, field path, message).
        """
        n_bytes = len(text.encode("utf-8", "replace"))
        try:
            if n_bytes > JOURNAL_MAX_BYTES:
                raise YamlInputError(
                    "(file)",
                    f"text is {n_bytes:,} bytes; at most {JOURNAL_MAX_BYTES:,} are accepted",
                )
            data = load_yaml(text)
        except YamlInputError as exc:
            raise JournalError([Problem(source, exc.where, exc.message)]) from None
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<journal>") -> Journal:
        """Validate a parsed journal mapping (see :meth:`from_yaml`).

        Raises:
            JournalError: every field not as expected; an unknown key or event type gets the
                closest valid name (:mod:`sim.scenario.suggest`).
        """
        if not isinstance(data, dict):
            got = type(data).__name__
            raise JournalError(
                [Problem(source, "(top level)", f"expected a mapping with 'entries', got {got}")]
            )
        problems: list[Problem] = []

        def bad(where: str, msg: str) -> None:
            problems.append(Problem(source, where, msg))

        for key in sorted(str(k) for k in data if k not in TOP_KEYS):
            bad(key, _unknown_key(key, TOP_KEYS))
        version = data.get("journal", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            bad("journal", f"unsupported format version {version!r} (expected {FORMAT_VERSION})")
        scenario = data.get("scenario") or ""
        if not isinstance(scenario, str):
            bad("scenario", "expected the scenario file name (text)")
        recorded = {key: data.get(key) or "" for key in ("scenario_name", "city", "scenario_hash")}
        for key, value in recorded.items():
            if not isinstance(value, str):
                bad(key, f"expected text, got {_shown(value)}")
        seed = data.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            bad("seed", f"expected a non-negative integer, got {seed!r}")
        overrides = data.get("overrides") or []
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            bad("overrides", "expected a list of a.b=value strings")
        entries_raw = data.get("entries")
        if entries_raw is None:
            entries_raw = []
        if not isinstance(entries_raw, list):
            bad("entries", f"expected a list of entries, got {type(entries_raw).__name__}")
            entries_raw = []
        entries: list[JournalEntry] = []
        for i, raw in enumerate(entries_raw):
            last = entries[-1].t_h if entries else 0.0
            entry = _read_entry(raw, f"entries[{i}]", last, source, problems)
            if entry is not None:
                entries.append(entry)
        if problems:
            raise JournalError(problems)
        return cls(
            entries=entries, scenario=scenario, seed=seed, overrides=list(overrides), **recorded
        )

    @classmethod
    def load(cls, path) -> Journal:
        """Read a journal file (strict YAML, at most ``JOURNAL_MAX_BYTES``).

        Raises:
            JournalError: unreadable or too large file, bad YAML, or fields not as expected.
        """
        path = Path(path)
        try:
            data = read_yaml_file(path, JOURNAL_MAX_BYTES)
        except FileNotFoundError:
            raise JournalError([Problem(str(path), "(file)", "file not found")]) from None
        except YamlInputError as exc:
            raise JournalError([Problem(str(path), exc.where, exc.message)]) from None
        return cls.from_dict(data, str(path))


TOP_KEYS = (
    "journal",
    "scenario",
    "scenario_name",
    "city",
    "scenario_hash",
    "seed",
    "overrides",
    "entries",
)
"""Fields of a journal file."""
ENTRY_KEYS = ("t_h", "by", "event")
"""Fields of a journal entry."""


def _hours(value: Any) -> float | None:
    """``value`` as finite hours, or None (not a number, a boolean, inf/nan, an integer too
    large for a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        hours = float(value)
    except OverflowError:
        return None
    return hours if math.isfinite(hours) else None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key(key: str, valid: tuple[str, ...]) -> str:
    hint = closest(key, valid)
    return f"unknown field (expected {', '.join(valid)})" + (
        f"; did you mean {hint!r}?" if hint else ""
    )


def _read_entry(raw: Any, where: str, last: float, source: str, problems: list[Problem]):
    """One entry checked (time, author, event), or None after adding its problems.

    ``last`` is the previous good entry's time: entries are in time order.
    """
    n_before = len(problems)

    def bad(path: str, msg: str) -> None:
        problems.append(Problem(source, f"{where}{path}", msg))

    if not isinstance(raw, dict):
        bad("", "expected a mapping with t_h, by and event")
        return None
    for key in sorted(str(k) for k in raw if k not in ENTRY_KEYS):
        bad(f".{key}", _unknown_key(key, ENTRY_KEYS))
    t_h = raw.get("t_h")
    t_ok = False
    if _hours(t_h) is None:
        bad(".t_h", f"expected a number of model hours, got {_shown(t_h)}")
    elif t_h < 0:
        bad(".t_h", f"must be >= 0, got {t_h}")
    elif t_h < last:
        bad(".t_h", f"entries must be in time order ({t_h} < {last})")
    else:
        t_ok = True
    by = raw.get("by", "trainer")
    if not isinstance(by, str):
        bad(".by", "expected text (who made the inject)")
    event = raw.get("event")
    if not isinstance(event, dict):
        bad(".event", "expected an event mapping with a 'type'")
    elif "at_h" in event or "at_utc" in event:
        bad(".event", "give the time as the entry's t_h, not at_h/at_utc")
    else:  # checked at the entry's time (a bad time was reported above: 0 stands in)
        for path, msg in _event_problems(event, float(t_h) if t_ok else 0.0):
            bad(path, msg)
    if len(problems) > n_before:
        return None
    return JournalEntry(float(t_h), dict(event), by)


def _event_problems(event: dict, at_h: float) -> list[tuple[str, str]]:
    """(field path below the entry, message) of each schema problem of one event at ``at_h``
    (empty when valid); unknown keys and types get a did-you-mean. The event's time is the
    entry's ``t_h``, so a problem with it is reported there."""
    try:
        EVENT_ADAPTER.validate_python({**event, "at_h": at_h})
    except ValidationError as exc:
        if not exc.errors():
            return [(".event", f"not a valid event: {exc}")]
        out = []
        for problem in validation_problems(exc, "", "unknown field", model=Event):
            # the location starts at the union member (the tag): not a field of the file
            path = problem.field.removeprefix(str(event.get("type"))).lstrip(".")
            path = "" if path == "(top level)" else path
            out.append((".t_h" if path == "at_h" else ".event" + (f".{path}" if path else ""),
                        problem.message))  # fmt: skip
        return out
    except (TypeError, ValueError) as exc:  # a validator that fails outside pydantic's errors
        return [(".event", f"not a valid event: {exc}")]
    return []


def scenario_fingerprint(scenario) -> str:
    """A short hash (16 hex digits of sha256) of what a scenario simulates: every field but
    its seed (a journal records its own) and injects (a replay replaces them), with each file
    path reduced to its file name, so the same scenario gives the same hash in another
    checkout or on another machine (a data file's content is not hashed).

    Args:
        scenario: a validated emergency scenario (:class:`~sim.scenario.schema.Scenario`).
    """

    def portable(value: Any) -> Any:
        if isinstance(value, Path):
            return value.name
        if isinstance(value, dict):
            return {str(k): portable(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [portable(v) for v in value]
        return value

    data = scenario.model_dump(mode="python", exclude={"seed", "injects"})
    text = json.dumps(portable(data), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------- against a scenario
def scenario_warnings(
    journal: Journal, model: CityModel, source: str, scenario_path: Path | str | None = None
) -> list[str]:
    """Warnings (one line each, naming ``source`` and both scenarios) when ``journal`` was
    recorded on another scenario of the model's city, or on a version of it that differs
    (another content hash: the file was edited since, or other ``-p`` options): the replay
    runs, but its outcomes will not be the recorded exercise's. A journal of another city is
    refused by :func:`fit_problems` instead.

    A journal without the recorded fields (written before them) is compared by its
    ``scenario`` text (a file or a name) with the scenario's name and ``scenario_path``.

    Args:
        journal: a parsed journal.
        model: a model of the scenario it is replayed on.
        source: the journal's name in the messages (its file).
        scenario_path: the scenario file replayed on, when there is one.
    """
    scenario = model.config
    name = str(scenario.name)
    differ = "outcomes will differ from the recorded exercise"
    if journal.scenario_name and journal.scenario_name != name:
        return [
            f"warning: {source}: recorded on scenario {journal.scenario_name!r}, replayed on "
            f"{name!r}: {differ}"
        ]
    if journal.scenario_hash:
        now = scenario_fingerprint(scenario)
        if now != journal.scenario_hash:
            return [
                f"warning: {source}: scenario {name!r} is not the one the journal was recorded "
                f"on (hash {journal.scenario_hash}, now {now}: the file or the -p options "
                f"changed since): {differ}"
            ]
        return []
    recorded = journal.scenario
    file_name = Path(scenario_path).name if scenario_path else None
    if journal.scenario_name or not recorded or recorded == name:
        return []
    if file_name is not None and Path(recorded).name == file_name:
        return []
    return [
        f"warning: {source}: recorded on scenario {recorded!r}, replayed on {name!r}"
        + (f" ({scenario_path})" if scenario_path else "")
        + f": if that is another scenario, {differ}"
    ]


def fit_problems(journal: Journal, model: CityModel, source: str) -> list[Problem]:
    """What replaying ``journal`` on ``model``'s scenario would trip on, one problem per
    entry and field: an entry at or past the horizon (it would never apply: the event
    engine drops it, :mod:`sim.models.event_engine`), a district not of the city (with the
    closest name, as :func:`sim.scenario.loader.district_problems` does for scenarios), and
    every name the model itself refuses (:func:`sim.models.event_effects.check_event`: an
    unknown depot, a closure where no river crossing is).

    ``citysafe validate --journal``, ``citysafe run --journal`` and the app's journal loading
    all call this, so they refuse the same journals with the same messages. A journal
    recorded on another city (its ``city`` field) is refused whole: one problem naming both
    cities and scenarios.

    Args:
        journal: a parsed journal (:meth:`Journal.load`).
        model: a model of the scenario the journal is to be replayed on, at any time (only its
            horizon, city, depots and roads are read).
        source: the journal's name in the messages (its file).
    """
    city = str(model.city.profile.name)
    if journal.city and journal.city != city:
        recorded = f"scenario {journal.scenario_name!r} of " if journal.scenario_name else ""
        return [
            Problem(source, "city", f"recorded on {recorded}the city {journal.city!r}; this is "
                    f"scenario {model.config.name!r} of {city!r}: replay it on a scenario of "
                    f"{journal.city!r}")
        ]  # fmt: skip
    horizon = float(model.config.time.duration_h)
    names = list(model.city.districts["name_en"])
    chinese = [str(n) for n in model.city.districts.get("name_zh", [])]
    depots = [d.name for d in model.service.depots]
    problems: list[Problem] = []
    for i, entry in enumerate(journal.entries):
        where = f"entries[{i}]"
        if entry.t_h >= horizon - 1e-9:
            problems.append(
                Problem(source, f"{where}.t_h", f"{entry.t_h:g} h is not before the scenario's "
                        f"horizon ({horizon:g} h, time.duration_h): the inject would never apply")
            )  # fmt: skip
        try:
            ev = EVENT_ADAPTER.validate_python(entry.timed_event())
        except ValidationError:  # a journal built in code, not read: say what is wrong
            bad = _event_problems(entry.event, entry.t_h)
            problems += [Problem(source, f"{where}{path}", msg) for path, msg in bad]
            continue
        unknown = _unknown_names(ev, names, depots, chinese)
        problems += [Problem(source, f"{where}.event.{path}", msg) for path, msg in unknown]
        if unknown:
            continue
        try:
            check_event(model, ev)
        except InjectError as exc:
            problems.append(Problem(source, f"{where}.event.{_named_field(ev)}", str(exc)))
    return problems


def _unknown_names(
    ev, districts: list[str], depots: list[str], chinese: list[str] = ()
) -> list[tuple[str, str]]:
    """(field path, message with the closest valid name) of every district and depot an event
    names that the model does not have."""
    named = [("district", getattr(ev, "district", None))]
    if isinstance(ev, BridgeClosureEvent):
        named = [(f"between[{k}]", name) for k, name in enumerate(ev.between)]
    out = []
    for path, name in named:
        if name is not None and name not in districts:
            hint = district_hint(name, districts, chinese)
            out.append((path, f"unknown district {name!r} of this city{hint}"))
    depot = getattr(ev, "depot", None)
    if depot is not None and depot not in depots:
        hint = _hint(closest(depot, depots))
        named_like = "depots are named '<district> <kind> <k>' or 'central reserve'"
        out.append(("depot", f"unknown depot {depot!r} of this city{hint} ({named_like})"))
    return out


def _hint(name: str | None) -> str:
    return f"; did you mean {name!r}?" if name else ""


def _named_field(ev) -> str:
    """The field holding the name :func:`check_event` refused."""
    if isinstance(ev, BridgeClosureEvent):
        return "between"
    if isinstance(ev, ResourcesEvent) and ev.depot is not None:
        return "depot"
    return "district"
