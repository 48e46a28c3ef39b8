"""Load scenario files: YAML safe loading, ``extends:`` inheritance, ``-p`` overrides.

Every problem is collected as a :class:`Problem` (file, field path, what was expected) and
raised together in one :class:`ScenarioError`, so ``citysafe validate`` can print them all.
"""

from __future__ import annotations

import copy
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from sim.core.errors import Picklable
from sim.core.yaml_input import (
    SCENARIO_MAX_BYTES,
    YamlInputError,
    dump_yaml,
    load_yaml,
    read_yaml_file,
)
from sim.scenario.paths import rebase_paths
from sim.scenario.schema import Scenario
from sim.scenario.suggest import (
    UNION_TAG_ERRORS,
    did_you_mean,
    district_hint,
    union_tag_problem,
)

if TYPE_CHECKING:
    from sim.scenario.longrun import LongRunScenario

MAX_EXTENDS_DEPTH = 16


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario: ``file: field.path: message``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ScenarioError(Picklable, ValueError):
    """A scenario file could not be loaded; ``problems`` lists every problem found;
    ``got_kind`` is the file's kind when it was refused for being of another kind
    (`load_scenario`'s ``kind``), else None."""

    def __init__(self, problems: list[Problem], got_kind: str | None = None):
        self.problems = problems
        self.got_kind = got_kind
        super().__init__("\n".join(str(p) for p in problems))


def _read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file strictly (:mod:`sim.core.yaml_input`); must hold a mapping."""
    try:
        data = read_yaml_file(path, SCENARIO_MAX_BYTES)
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), "(file)", "file not found")]) from None
    except YamlInputError as exc:  # syntax, duplicate keys, alias bombs, impossible dates …
        raise ScenarioError([Problem(str(path), exc.where, exc.message)]) from None
    if data is None:
        raise ScenarioError(
            [Problem(str(path), "(file)", "empty file: expected a mapping of scenario fields")]
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "(top level)",
                    f"expected a mapping of fields, got {type(data).__name__}",
                )
            ]
        )
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ScenarioError([Problem(str(path), str(bad[0]), "field names must be strings")])
    return data


def deep_merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Merge ``child`` over ``parent``: mappings merge recursively, anything else replaces."""
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_with_extends(
    path: Path, _chain: tuple[Path, ...] = (), files: list[Path] | None = None
) -> dict[str, Any]:
    """Read ``path`` and its ``extends:`` ancestors into one merged mapping.

    Relative paths inside each file (every path field of the schema, and a long run's shock
    overrides: :func:`sim.scenario.paths.rebase_paths`) are resolved against that file's
    folder. ``files``, when given, receives every file read (absolute; ``path`` first, then
    its parents).

    Raises:
        ScenarioError: unreadable or malformed files, missing parents, cycles.
    """
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, path))
        raise ScenarioError([Problem(str(path), "extends", f"cycle of extends: {cycle}")])
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([Problem(str(path), "extends", "extends chain too deep")])
    if files is not None:
        files.append(path)
    data = rebase_paths(_read_yaml(path), path.parent)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError(
            [Problem(str(path), "extends", "expected the path of a parent scenario file")]
        )
    parent_path = (path.parent / parent_ref).resolve()
    if not parent_path.is_file():
        what = (
            "is a folder, not a file"
            if parent_path.is_dir()
            else "is not a regular file (a device, a named pipe or a socket)"
            if parent_path.exists()
            else "not found"
        )
        raise ScenarioError(
            [Problem(str(path), "extends", f"parent scenario {what}: {parent_path}")]
        )
    parent = read_with_extends(parent_path, (*_chain, path), files)
    return deep_merge(parent, data)


def scenario_files(path: str | Path) -> list[Path]:
    """A scenario file and its ``extends:`` ancestors (absolute, the file first), as
    :func:`read_with_extends` reads them.

    Raises:
        ScenarioError: as :func:`read_with_extends`.
    """
    files: list[Path] = []
    read_with_extends(Path(path), files=files)
    return files


def apply_overrides(data: dict[str, Any], overrides: list[str], source: str) -> dict[str, Any]:
    """Apply ``a.b.c=value`` overrides; values are parsed as YAML scalars/lists.

    Raises:
        ScenarioError: an override without ``=`` or whose path crosses a value that is not a
            mapping (``time.duration_h.x=3``: at ``time.duration_h``).
    """
    out = copy.deepcopy(data)
    problems = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem(source, item, "override must look like a.b.c=value"))
            continue
        try:
            value = load_yaml(raw) if raw.strip() else ""
        except YamlInputError:  # not YAML, or an impossible date: keep the text
            value = raw
        node = out
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                shown = repr(nxt) if len(repr(nxt)) <= 40 else f"a {type(nxt).__name__}"
                what = f"holds {shown}, not a mapping of fields: {key} cannot be set inside it"
                problems.append(Problem(source, ".".join(parts[: i + 1]), what))
                break
            node = nxt
        else:
            node[parts[-1]] = value
    if problems:
        raise ScenarioError(problems)
    return out


def _field_path(loc: tuple[Any, ...]) -> str:
    from sim.scenario.events import INJECT_TYPES

    out = ""
    for i, part in enumerate(loc):
        if i and isinstance(loc[i - 1], int) and part in INJECT_TYPES:
            continue  # pydantic's discriminator tag of an event: not a field the user wrote
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def validation_problems(
    exc: ValidationError,
    source: str,
    unknown: str = "unknown field (not in the scenario schema; see `citysafe schema`)",
    model: Any = None,
) -> list[Problem]:
    """One :class:`Problem` per pydantic error: field path, message, the offending value; an
    unknown field or event type gets the closest valid name of ``model`` (a model, or a
    TypeAdapter's annotation) at that place, if one is close (:mod:`sim.scenario.suggest`)."""
    problems = []
    for err in exc.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        loc = err["loc"]
        tag = union_tag_problem(model, err) if err["type"] in UNION_TAG_ERRORS else None
        if tag is not None:  # an event's unknown or missing `type`
            loc, msg = tag
        elif err["type"] == "extra_forbidden":
            hint = did_you_mean(model, err["loc"])
            msg = unknown + (f"; did you mean {hint!r}?" if hint else "")
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif "input" in err and err["type"] != "value_error":
            shown = repr(err["input"])
            msg = f"{msg} (got {shown[:57] + '...' if len(shown) > 60 else shown})"
        problems.append(Problem(source, _field_path(loc), msg))
    return problems


def validate_mapping(
    data: dict[str, Any], source: str, base_dir: Path, check_files: bool = True
) -> Scenario | LongRunScenario:
    """Validate a merged mapping against the schema of its ``kind``
    (:data:`sim.scenario.kinds.SCENARIO_KINDS`: no ``kind`` or ``kind: emergency`` →
    :class:`Scenario`, ``kind: long_run`` → :class:`~sim.scenario.longrun.LongRunScenario`).

    Raises:
        ScenarioError: one :class:`Problem` per validation error (an unknown ``kind`` is one
            problem at field ``kind``).
    """
    from sim.scenario.kinds import (  # lazy: sim.scenario.longrun imports this package
        SCENARIO_KINDS,
        scenario_kind,
    )

    kind = scenario_kind(data)
    if kind is None:
        valid = ", ".join(repr(k) for k in SCENARIO_KINDS)
        got = repr(data.get("kind")) if isinstance(data, dict) else type(data).__name__
        raise ScenarioError([Problem(source, "kind", f"expected one of {valid} (got {got})")])
    booleans = [Problem(source, f, m) for f, m in bool_problems(SCENARIO_KINDS[kind], data)]
    try:
        scen = SCENARIO_KINDS[kind].model_validate(
            data, context={"base_dir": base_dir, "check_files": check_files}
        )
    except ValidationError as exc:
        problems = validation_problems(exc, source, model=SCENARIO_KINDS[kind])
        raise ScenarioError(booleans + problems) from None
    if booleans:
        raise ScenarioError(booleans)
    cross = getattr(scen, "cross_file_problems", None)  # a long run's shocks
    problems = [
        Problem(source, f, m) for f, m in (cross(load_scenario, check_files) if cross else [])
    ]
    if check_files:
        problems += [Problem(source, f, m) for f, m in district_problems(scen)]
    if problems:
        raise ScenarioError(problems)
    return scen


def _takes_bool(annotation) -> bool:
    """Whether a field of this annotation accepts a boolean as such (``bool``, ``Any``, a
    ``Literal`` of True/False, or a union or ``Annotated`` holding one)."""
    if annotation is bool or annotation is typing.Any:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _takes_bool(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return any(_takes_bool(a) for a in typing.get_args(annotation))
    return False


def _is_number(annotation) -> bool:
    """Whether a field takes an int or a float (itself, an arm of a union, or Annotated)."""
    arms = set(typing.get_args(annotation)) | {annotation}
    arms |= {typing.get_args(a)[0] for a in arms if typing.get_origin(a) is typing.Annotated}
    return bool(arms & {int, float})


def _model_of(annotation):
    """The pydantic model class of a field (itself or the one arm of an optional), or None."""
    arms = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    models = [a for a in arms if isinstance(a, type) and issubclass(a, BaseModel)]
    return models[0] if len(models) == 1 and len(arms) == 1 else None


def bool_problems(model: type[BaseModel], data, path: str = "") -> list[tuple[str, str]]:
    """(field path, message) for every boolean given where the schema wants a number (text
    fields refuse booleans already),
    walking ``data`` with the models' fields (nested models too; lists are not walked).

    Pydantic's lax mode reads ``true`` as 1 for an int or float field: ``seed: true`` and
    ``-p time.duration_h=true`` ran silently as seed 1 and a 1-hour run.
    """
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        field = model.model_fields.get(key) if isinstance(key, str) else None
        if field is None:
            continue
        where = f"{path}{key}"
        if (
            isinstance(value, bool)
            and _is_number(field.annotation)
            and not _takes_bool(field.annotation)
        ):
            found.append((where, f"expected a number, got the boolean {str(value).lower()}"))
        elif isinstance(value, dict) and (sub := _model_of(field.annotation)) is not None:
            found += bool_problems(sub, value, f"{where}.")
    return found


DISTRICT_KEYS = (
    "district", "seed_district", "park_district", "preposition_districts", "between",
)  # fmt: skip
"""Fields, wherever they sit in a scenario, that name districts of the scenario's city."""


def district_problems(scen) -> list[tuple[str, str]]:
    """(field path, what was expected) of every district name in the scenario (fields
    :data:`DISTRICT_KEYS`, at any depth: events, network imports, the epidemic seed, the
    governance park, pre-positioning) that is not a district of its city (``districts.csv``
    ``name_en``); none when that table cannot be read (its own check reports it)."""
    from sim.core.text_input import read_csv_table  # pandas: only when validating files

    try:  # the table itself (sim.city imports this package: no call back into it)
        table = read_csv_table(Path(scen.city.data_dir) / "districts.csv")
        ordered = [str(n) for n in table["name_en"]]
        chinese = [str(n) for n in table.get("name_zh", [])]
    except (OSError, KeyError, ValueError):
        return []
    names = set(ordered)
    out: list[tuple[str, str]] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                sub = f"{path}.{key}" if path else str(key)
                if key in DISTRICT_KEYS and value is not None:
                    values = value if isinstance(value, list) else [value]
                    for v in values:
                        if isinstance(v, str) and v not in names:
                            hint = district_hint(v, ordered, chinese)
                            out.append((sub, f"unknown district {v!r} of this city{hint}"))
                else:
                    walk(value, sub)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(scen.model_dump(mode="json"), "")
    return out


def data_paths(scen) -> list[tuple[str, Path]]:
    """(field path, path) of every file or folder a validated scenario names: the values of
    its ``DataPath`` fields (:mod:`sim.scenario.fields`; the city's data folder, a track, wind
    radii, storm-surge tables, network imports, warning criteria, a long run's shock
    scenarios), at any depth, in field order. A field added with that type is found here
    without being listed (:func:`sim.models.data_check.input_files` reads this)."""
    out: list[tuple[str, Path]] = []

    def walk(node, path: str) -> None:
        if isinstance(node, Path):
            out.append((path, node))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list | tuple):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(scen.model_dump(mode="python"), "")
    return out


def load_scenario(
    path: str | Path, overrides: list[str] | None = None, *, kind: str | None = None
) -> Scenario | LongRunScenario:
    """Load, merge, override and validate a scenario file.

    Args:
        path: the scenario YAML file.
        overrides: ``a.b=value`` strings applied after ``extends:`` merging.
        kind: the kind the file must be (None: any). Checked before the file is validated,
            so a long run named where an emergency scenario belongs (a shock naming its own
            long run, or two long runs naming each other) is one problem, not a recursion.

    Returns:
        The validated :class:`Scenario` (a :class:`~sim.scenario.longrun.LongRunScenario` for
        ``kind: long_run``); data paths are absolute.

    Raises:
        ScenarioError: every problem found, each naming file, field path and expectation; a
            file of another `kind` is one problem, the error's ``got_kind`` its kind; values
            nested too deep to merge (``extends:``, ``-p``) are one problem too.
    """
    path = Path(path)
    try:
        return _load(path, overrides, kind)
    except ScenarioError:
        raise
    except ValueError as exc:  # os.path refuses a NUL in a file name (extends:, data paths, -p)
        if "null byte" not in str(exc):
            raise
        what = "a file path holds a NUL character (\\0); file names cannot"
        raise ScenarioError([Problem(str(path), "(paths)", what)]) from None
    except RecursionError:  # copying a value nested hundreds deep (extends:, -p) for the merge
        what = (
            "values nested deeper than Python copies them (its recursion limit is "
            f"{sys.getrecursionlimit():,} calls; a scenario needs fewer than 10 levels)"
        )
        raise ScenarioError([Problem(str(path), "(file)", what)]) from None


def _load(path: Path, overrides: list[str] | None, kind: str | None):
    """:func:`load_scenario`'s body (its docstring)."""
    data = read_with_extends(path)
    if overrides:
        data = apply_overrides(data, overrides, str(path))
    if kind is not None:
        from sim.scenario.kinds import scenario_kind  # lazy, as in validate_mapping

        got = scenario_kind(data)
        if got is not None and got != kind:
            problem = Problem(
                str(path), "kind", f"expected a scenario of kind {kind!r}, got {got!r}"
            )
            raise ScenarioError([problem], got_kind=got)
    return validate_mapping(data, str(path), path.resolve().parent)


def dump_resolved(scenario: Scenario) -> str:
    """The resolved scenario as YAML (absolute paths, every default filled in)."""
    data = scenario.model_dump(mode="json")
    return dump_yaml(data)
