""" "Did you mean": the closest valid field name for an unknown key in a validated file.

Walks a pydantic model along an error's location (field names, list indices, the tag of a
discriminated union) to the model that holds the unknown key, and proposes its closest field
name (:func:`difflib.get_close_matches`, ratio >= 0.6, the standard library's
Ratcliff/Obershelp similarity).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel


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


def field_names_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """Field names of the model holding the last key of ``loc`` (an error location); empty
    when the path cannot be followed (a free-form mapping, an unknown branch)."""
    candidates = [model]
    for part in loc[:-1]:
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
    names: list[str] = []
    for m in candidates:
        names.extend(f.alias or n for n, f in m.model_fields.items())
    return list(dict.fromkeys(names))


def closest(word: str, valid) -> str | None:
    """The name in ``valid`` closest to ``word`` (similarity >= 0.6), or None."""
    match = difflib.get_close_matches(word, sorted(valid), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(model: type[BaseModel] | None, loc: Sequence[Any]) -> str | None:
    """The valid field name closest to the unknown key at ``loc``, or None."""
    if model is None or not loc or not isinstance(loc[-1], str):
        return None
    return closest(loc[-1], field_names_at(model, loc))
