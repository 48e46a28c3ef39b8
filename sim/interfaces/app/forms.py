"""Inject forms built from the event schema (sim.scenario.events), without solara.

:func:`field_specs` turns an event kind's pydantic fields into widget specs (pickers for
districts, depots, resources and literal choices; text boxes for numbers); :func:`build_event`
turns the strings a form holds back into an event mapping, leaving validation to the engine
(so the page shows the engine's own messages). The page (sim.interfaces.app.page) renders the specs.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

from sim.scenario.events import INJECT_TYPES, Event
from sim.scenario.hazard_blocks import warning_hazards

SKIP_FIELDS = ("type", "at_utc", "at_h")
"""Fields the form never shows: the kind is chosen above, the time is the session clock."""
UNSET = "(unset)"
"""Choice meaning "leave this optional field out"."""
REGISTRY_CHOICES = {"hazard": warning_hazards}
"""Text fields whose valid values come from a registry (field name -> function listing them):
the hazards warnings are issued for are the registered ones (sim.scenario.hazard_blocks)."""


@dataclass(frozen=True)
class FieldSpec:
    """One form field.

    Attributes:
        name: event field name (``between`` yields ``between.0`` and ``between.1``).
        label: text shown.
        widget: ``"choice"`` (picker), ``"bool"`` (checkbox) or ``"text"``.
        choices: picker options (``UNSET`` first for optional fields).
        default: initial value as text ("" = empty).
        help: the field's description.
    """

    name: str
    label: str
    widget: str
    choices: tuple[str, ...] = ()
    default: str = ""
    help: str = ""


def event_models() -> dict[str, type]:
    """Inject kind → pydantic model, from the discriminated union of sim.scenario.events."""
    union = typing.get_args(Event)[0]  # Annotated[Union[...], Field(discriminator="type")]
    models = {m.model_fields["type"].default: m for m in typing.get_args(union)}
    return {k: models[k] for k in INJECT_TYPES}


def _literal_choices(annotation) -> tuple[list[str], bool]:
    """(choices, optional) of a Literal / bool annotation, possibly ``| None``."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    optional = origin in (typing.Union, types.UnionType) and type(None) in args
    inner = [a for a in args if a is not type(None)] if optional else [annotation]
    if len(inner) == 1 and typing.get_origin(inner[0]) is typing.Literal:
        return [str(v) for v in typing.get_args(inner[0])], optional
    if len(inner) == 1 and inner[0] is bool:
        return ["true", "false"], optional
    return [], optional


def field_specs(
    kind: str, districts: list[str], depots: list[str], resources: list[str]
) -> list[FieldSpec]:
    """Widget specs of one inject kind.

    Raises:
        KeyError: unknown kind (valid: INJECT_TYPES).
    """
    model = event_models()[kind]
    specs = []
    fields = [(n, f) for n, f in model.model_fields.items() if n not in SKIP_FIELDS]
    fields.sort(key=lambda item: item[0] == "note")  # the trainer's note last
    for name, info in fields:
        required = info.is_required()
        default = "" if required or info.default is None else str(info.default)
        if isinstance(info.default, bool):
            default = default.lower()
        label = name.replace("_", " ")
        help_text = info.description or ""
        choices, optional = _literal_choices(info.annotation)
        if name in REGISTRY_CHOICES:
            choices = list(REGISTRY_CHOICES[name]())
        pick = {"district": districts, "depot": depots, "resource": resources}.get(name)
        if name == "between":
            for i in (0, 1):
                specs.append(
                    FieldSpec(f"between.{i}", f"district {i + 1}", "choice", tuple(districts),
                              districts[i] if len(districts) > i else "", help_text)
                )  # fmt: skip
            continue
        if pick is not None:
            opts = tuple(pick) if required else (UNSET, *pick)
            specs.append(FieldSpec(name, label, "choice", opts, opts[0], help_text))
        elif choices and not optional and choices == ["true", "false"]:
            specs.append(FieldSpec(name, label, "bool", (), default or "false", help_text))
        elif choices:
            opts = (UNSET, *choices) if optional else tuple(choices)
            specs.append(FieldSpec(name, label, "choice", opts, default or opts[0], help_text))
        else:
            specs.append(FieldSpec(name, label, "text", (), default, help_text))
    return specs


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # the engine reports the field as not a number


def _is_text(annotation) -> bool:
    args = typing.get_args(annotation)
    return annotation is str or str in args or typing.get_origin(annotation) is typing.Literal


def build_event(kind: str, values: dict[str, str]) -> dict:
    """Event mapping from a form's text values (empty text and UNSET leave a field out).

    Numbers are parsed where they parse; anything else is passed on as text so the engine's
    validation names the field.

    Raises:
        KeyError: unknown kind.
    """
    fields = event_models()[kind].model_fields
    event: dict = {"type": kind}
    between = [values.get("between.0", ""), values.get("between.1", "")]
    for name, raw in values.items():
        text = str(raw).strip()
        if name.startswith("between.") or text in ("", UNSET):
            continue
        info = fields.get(name)
        if info is not None and _is_text(info.annotation):
            event[name] = text
        elif text in ("true", "false"):
            event[name] = text == "true"
        else:
            event[name] = _number(text)
    if any(between):
        event["between"] = between
    return event
