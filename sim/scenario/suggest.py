""" "Did you mean": the closest valid name for an unknown key or union tag in a validated file.

Walks a schema along an error's location (field names, list indices, the tag of a
discriminated union) to the model that holds the unknown key, and proposes its closest field
name (:func:`difflib.get_close_matches`, ratio >= 0.6, the standard library's
Ratcliff/Obershelp similarity). The schema's root is a pydantic model (a scenario) or any
annotation a :class:`pydantic.TypeAdapter` validates (a journal's event: a discriminated
union of models, :data:`sim.scenario.events.Event`). An unknown tag of a discriminated union
(``type: road_colapse``) gets the closest valid tag the same way.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

UNION_TAG_ERRORS = ("union_tag_invalid", "union_tag_not_found")
"""pydantic error types of a discriminated union whose tag is unknown or missing."""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, unions, lists, dicts,
    Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out.extend(_models_in(arg))
    return out


def _literal_values(annotation: Any) -> set:
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set().union(*(_literal_values(a) for a in typing.get_args(annotation)))
    return set()


def _field(model: type[BaseModel], name: str):
    fields = model.model_fields
    if name in fields:
        return fields[name]
    return next((f for f in fields.values() if f.alias == name), None)


def _models_at(root: Any, parts: Sequence[Any]) -> list[type[BaseModel]]:
    """The models a value at ``parts`` (an error location below ``root``) can be; empty when
    the path cannot be followed (a free-form mapping, an unknown branch)."""
    candidates = _models_in(root)
    for part in parts:
        if isinstance(part, int):
            continue  # a list index: same candidates
        nxt: list[type[BaseModel]] = []
        for m in candidates:
            f = _field(m, str(part))
            if f is not None:
                nxt.extend(_models_in(f.annotation))
        if not nxt:  # the tag of a discriminated union names the member model
            nxt = [
                m
                for m in candidates
                if any(part in _literal_values(f.annotation) for f in m.model_fields.values())
            ]
        if not nxt:
            return []
        candidates = nxt
    return candidates


def field_names_at(root: Any, loc: Sequence[Any]) -> list[str]:
    """Field names of the model holding the last key of ``loc`` (an error location below
    ``root``: a model or a TypeAdapter's annotation); empty when the path cannot be followed."""
    names: list[str] = []
    for m in _models_at(root, loc[:-1]):
        names.extend(f.alias or n for n, f in m.model_fields.items())
    return list(dict.fromkeys(names))


def tags_at(root: Any, loc: Sequence[Any], discriminator: str) -> list[str]:
    """The valid tags of the discriminated union at ``loc`` (the values of its members'
    ``discriminator`` literal field), in declaration order; empty when unknown."""
    tags: list[str] = []
    for m in _models_at(root, loc):
        f = _field(m, discriminator)
        if f is not None and typing.get_origin(f.annotation) is typing.Literal:
            tags.extend(str(v) for v in typing.get_args(f.annotation))
    return list(dict.fromkeys(tags))


def closest(word: str, valid) -> str | None:
    """The name in ``valid`` closest to ``word`` (similarity >= 0.6), or None."""
    match = difflib.get_close_matches(word, sorted(valid), n=1, cutoff=0.6)
    return match[0] if match else None


def district_hint(name: str, names_en: Sequence[str], names_zh: Sequence[str] = ()) -> str:
    """What to tell a user who named ``name``, not a district's ``name_en``: the district it is
    the Chinese name of (``name_zh``, same order as ``names_en``), else the closest name, else
    the valid names (up to 20). Starts with "; " (appended to "unknown district ...")."""
    zh = dict(zip(names_zh, names_en, strict=False))
    if name in zh:
        return f"; it is the Chinese name (name_zh) of {zh[name]!r}: give its name_en"
    close = closest(name, names_en)
    if close:
        return f"; did you mean {close!r}?"
    more = f" and {len(names_en) - 20} more" if len(names_en) > 20 else ""
    return f"; valid: {', '.join(names_en[:20])}{more}"


def did_you_mean(root: Any, loc: Sequence[Any]) -> str | None:
    """The valid field name closest to the unknown key at ``loc``, or None (``root``: a model,
    a TypeAdapter's annotation, or None)."""
    if root is None or not loc or not isinstance(loc[-1], str):
        return None
    return closest(loc[-1], field_names_at(root, loc))


def union_tag_problem(root: Any, err: dict) -> tuple[tuple[Any, ...], str] | None:
    """(location, message) of a pydantic error of :data:`UNION_TAG_ERRORS`: the location is
    the tag field's (``events[2].type``), the message names the tag given, the closest valid
    one and all valid ones. None when the tags cannot be found from ``root`` (the caller keeps
    pydantic's message).

    The tag given comes from the error's input (pydantic's ``ctx['tag']`` is its ``str()``).
    """
    disc = str((err.get("ctx") or {}).get("discriminator", "")).strip("'\"")
    valid = tags_at(root, err["loc"], disc) if root is not None and disc else []
    if not valid:
        return None
    loc = (*err["loc"], disc)
    listed = ", ".join(valid)
    if err["type"] == "union_tag_not_found":
        return loc, f"required field is missing (one of: {listed})"
    given = err["input"].get(disc) if isinstance(err.get("input"), dict) else None
    hint = closest(given, valid) if isinstance(given, str) else None
    msg = f"unknown {disc} {given!r}" + (f"; did you mean {hint!r}?" if hint else "")
    return loc, f"{msg} (expected one of: {listed})"
