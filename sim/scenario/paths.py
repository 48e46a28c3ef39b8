"""Which values of a scenario are file paths, and which folder a relative one is taken from.

**The rule**: a path written in a file is relative to that file's folder — each file of an
``extends:`` chain its own, a long run's shock ``overrides`` the long-run file's, a sweep spec's
``fixed`` and a calibration spec's ``overrides`` the spec's; a path typed on the command line
(``-p city.data_dir=DIR``) is relative to the current folder, as the scenario file argument
itself is and as a shell completes it (``-p`` values are made absolute where the option is
read, :func:`overrides_from_cwd`, so sweeps' worker processes and journals get them whole).

The paths are the fields typed :data:`sim.scenario.fields.DataPath` in either scenario kind's
schema (found by walking the schema along the data: models, lists of models, the hazard
blocks registered by name), so a new path field follows the rule without a list to update.
Made absolute here, they reach the schema's own check (``file or folder not found: PATH``)
and the resolved scenario as absolute paths.
"""

from __future__ import annotations

import copy
import math
import os
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from sim.core.cli_input import refuse
from sim.core.yaml_input import YamlInputError, dump_yaml, load_yaml
from sim.scenario.fields import DataPath
from sim.scenario.override_paths import overlapping, override_key, set_twice

_PATH_CHECK = typing.get_args(DataPath)[1]
"""The validator that marks a field as a data path (DataPath's metadata)."""
OVERRIDE_HELP = (
    "Override a field: -p a.b=value (repeatable). A relative file path given so is taken from "
    "the current folder; paths written in scenario files, from the file's folder."
)
"""The ``--help`` of every command's ``-p`` option."""
TYPED_OVERRIDES = "citysafe.typed_overrides"
"""The key of ``click``'s shared context ``meta`` under which :func:`overrides_from_cwd` keeps
the ``-p`` overrides as typed."""
OVERRIDES_FIELD = "overrides"
"""A list of ``-p``-style overrides written in a scenario file (a long run's shocks): their
paths are relative to that file."""


def _roots() -> list[type[BaseModel]]:
    """Every scenario kind's schema (a file being read may not say its kind yet)."""
    from sim.scenario.kinds import SCENARIO_KINDS  # deferred: sim.scenario.longrun, which
    # kinds imports, imports the sim.scenario package, whose loader imports this module

    return list(SCENARIO_KINDS.values())


def _is_path(annotation: Any, metadata: list) -> bool:
    """A DataPath field (the validator in its metadata, or inside Optional/Annotated/list)."""
    if any(m is _PATH_CHECK for m in metadata):
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        if any(m is _PATH_CHECK for m in annotation.__metadata__):
            return True
    return any(_is_path(a, []) for a in typing.get_args(annotation))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, unions, lists, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models_in(a)]


def _children(models: list[type[BaseModel]], key: str) -> tuple[str, list[type[BaseModel]]]:
    """What ``key`` of a mapping validated by ``models`` holds — ``"path"``, ``"overrides"``
    (:data:`OVERRIDES_FIELD`, a list of strings) or ``""`` — and the models of its value (a
    registered block's model for a key the model leaves to registration)."""
    kind, below = "", []
    for model in models:
        field = model.model_fields.get(key)
        if field is not None:
            if _is_path(field.annotation, field.metadata):
                kind = "path"
            elif key == OVERRIDES_FIELD and field.annotation == list[str]:
                kind = kind or "overrides"
            below += _models_in(field.annotation)
        elif (extra := getattr(model, "extra_block_model", None)) is not None:
            below += [m for m in [extra(key)] if m is not None]
    return kind, below


def path_locations(
    data: Any, models: list[type[BaseModel]] | None = None, loc: tuple = ()
) -> Iterator[tuple]:
    """The locations (keys and list indices below ``loc``) of the path values in ``data``, a
    scenario mapping or part of one (``models``: the schemas of ``data``; default every
    kind's), and of the lists of overrides written in it (:data:`OVERRIDES_FIELD`)."""
    models = _roots() if models is None else models
    if isinstance(data, list):  # a list of models: mappings (a list nested in it is no model,
        for i, item in enumerate(data):  # and is not walked: its depth is the file's to choose)
            if isinstance(item, dict):
                yield from path_locations(item, models, (*loc, i))
        return
    if not isinstance(data, dict) or not models:
        return
    for key, value in data.items():
        kind, below = _children(models, str(key))
        if kind == "path" and isinstance(value, str):
            yield (*loc, key)
        elif kind == "path" and isinstance(value, list):
            yield from ((*loc, key, i) for i, v in enumerate(value) if isinstance(v, str))
        elif kind == "overrides" and isinstance(value, list):
            yield (*loc, key)
        else:
            yield from path_locations(value, below, (*loc, key))


def _absolute(value: str, base_dir: Path) -> str:
    """``value`` made absolute against ``base_dir``; a blank one is left for the schema to
    refuse (joined, it would name ``base_dir`` itself)."""
    if not value.strip() or os.path.isabs(value):
        return value
    return str((base_dir / value).resolve())


def rebase_paths(data: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """A copy of a scenario mapping read from a file in ``base_dir`` with its relative paths
    made absolute against it (and its shocks' overrides likewise: :func:`rebase_overrides`).
    Only the mappings and lists on the way to a path are copied (``data`` is left as it is): a
    deep copy of the whole would recurse as deep as the file nests, past Python's limit."""
    out = dict(data)
    for loc in list(path_locations(data)):
        parent = out
        for part in loc[:-1]:
            parent[part] = copy.copy(parent[part])  # this container, not what it holds
            parent = parent[part]
        value = parent[loc[-1]]
        if loc[-1] == OVERRIDES_FIELD:
            strings = [v for v in value if isinstance(v, str)]
            if len(strings) == len(value):
                parent[loc[-1]] = rebase_overrides(strings, base_dir)
        else:
            parent[loc[-1]] = _absolute(value, base_dir)
    return out


def _value(raw: str) -> Any:
    """An override's value as the loader parses it (YAML, or the text as it is)."""
    try:
        return load_yaml(raw) if raw.strip() else ""
    except YamlInputError:
        return raw


def rebase_dotted(key: str, value: Any, base_dir: Path) -> Any:
    """``value`` for the dotted scenario path ``key`` with the relative paths in it made
    absolute against ``base_dir`` (``value`` itself when it holds none)."""
    parts = key.strip().split(".")
    tree: Any = value
    for part in reversed(parts):
        tree = {part: tree}
    rebased = rebase_paths(tree, base_dir) if isinstance(tree, dict) else tree
    for part in parts:
        rebased = rebased[part]
    return rebased


def rebase_overrides(overrides: list[str], base_dir: Path) -> list[str]:
    """``a.b=value`` overrides with the relative paths their values set made absolute against
    ``base_dir``; an override that sets no path (or is malformed: the loader names it) is
    returned as it is. A changed value is written back as one-line YAML that the loader reads
    as the same value."""
    out = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            out.append(item)
            continue
        value = _value(raw)
        rebased = rebase_dotted(key, value, base_dir)
        if rebased == value:
            out.append(item)
            continue
        text = dump_yaml(rebased, default_flow_style=True, width=math.inf).strip()
        out.append(f"{key}={text.removesuffix('...').strip()}")
    return out


def overrides_from_cwd(
    overrides: list[str] | None, command: typer.Context = None
) -> list[str] | None:
    """``-p`` overrides typed on the command line, their relative paths made absolute against
    the current folder (the option's callback in every command that takes ``-p``). Each one as
    typed is kept in ``command.meta[TYPED_OVERRIDES]`` (rebased text → typed text), so a problem
    it causes can name it as the user wrote it (:func:`shown_overrides`).

    Raises:
        typer.Exit: code 2 after one line when two of them set the same path
            (:func:`set_twice`): the later one would silently win.
    """
    if not overrides:
        return overrides
    for i, j in set_twice(list(overrides)):
        first, second = overrides[i], overrides[j]
        path = max(override_key(first), override_key(second), key=len)  # the inner one
        refuse(f"-p {first} and -p {second} both set {path}: give one")
    rebased = rebase_overrides(list(overrides), Path.cwd())
    if command is not None:
        command.meta[TYPED_OVERRIDES] = dict(zip(rebased, overrides, strict=True))
    return rebased


def shown_overrides(command: typer.Context | None, param: list[str] | None) -> dict[str, str]:
    """How each ``-p`` override of a command (``param``, as :func:`overrides_from_cwd`
    returned them) is named in a problem it causes: ``-p`` and the text as typed (a relative
    path as given, not made absolute); the rebased text where the typed one is not known."""
    typed = command.meta.get(TYPED_OVERRIDES, {}) if command is not None else {}
    return {o: f"-p {typed.get(o, o)}" for o in param or []}


def command_overrides(param: list[str] | None, options: dict[str, tuple[str, Any]]) -> list[str]:
    """The overrides of a command: its ``-p`` ones, then one ``path=value`` per option that
    sets a scenario field and was given (``--seed``, ``--resolution``).

    Args:
        param: the ``-p`` overrides (:func:`overrides_from_cwd`).
        options: scenario path → (option name, value or None when not given), e.g.
            ``{"seed": ("--seed", seed)}``.

    Raises:
        typer.Exit: code 2 after one line (``--seed 5 and -p seed=7 both set seed: give
            one``) when an option and a ``-p`` set the same path: neither silently wins.
    """
    items = list(param or [])
    added = []
    for path, (name, value) in options.items():
        if value is None:
            continue
        for given in items:
            if overlapping(override_key(given), path):
                refuse(f"{name} {value} and -p {given} both set {path}: give one")
        added.append(f"{path}={value!r}")
    return items + added
