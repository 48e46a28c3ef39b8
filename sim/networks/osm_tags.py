"""OpenStreetMap road tags read by the OSM wiki's conventions: direction of travel and speed
limit.

**Direction** (`oneway_direction`; OSM wiki Key:oneway, Key:junction): ``oneway=yes|true|1``
→ only in the way's drawn direction; ``oneway=-1|reverse`` → only against it;
``oneway=no|false|0`` → both ways; without a ``oneway`` tag ``junction=roundabout|circular``
and ``highway=motorway`` imply ``oneway=yes`` (wiki: "Some tags (such as junction=roundabout,
highway=motorway and others) imply oneway=yes"). ``oneway=reversible|alternating`` changes
direction with the time of day or a signal: routed both ways (assumption: an emergency vehicle
is let through), with a warning; any other value → both ways, with a warning.

**Speed limit** (`parse_maxspeed`; OSM wiki Key:maxspeed): a number is km/h; ``N mph`` and
``N knots`` are converted (1 mph = 1.609344 km/h, the international mile of 1,609.344 m;
1 knot = 1.852 km/h); ``km/h``, ``kmh``, ``kph`` are accepted. ``walk`` → `WALK_KMH`.
``none`` (no limit), ``signals`` and ``variable`` (limit shown on signs) give no number: the
highway class's default applies. Several values — ``70|100`` (per lane, the ``|`` of
``:lanes`` tags) or ``50;70`` (OSM's value separator) — give the **lowest**: it is the limit
every lane and every listed condition allows, so the router never counts on a speed that is
not allowed everywhere on the way (choice; the first value would depend on the mapper's order).
An implicit limit ``CC:zone`` (country code, zone: ``RO:urban``, ``DE:rural``,
``GB:nsl_single`` …) is looked up in `IMPLICIT_MAXSPEED_KMH`; ``CC:zone30`` / ``CC:zone:30``
are 30 (mph in GB and the US). Anything else gives no number and a reason, which the importer
reports naming the way ids before it applies the class default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

KMH_PER_MPH = 1.609344
KMH_PER_KNOT = 1.852
WALK_KMH = 5.0
"""``maxspeed=walk``: walking pace. Assumption: German and Austrian courts read the
"Schrittgeschwindigkeit" of living streets as about 4-7 km/h; 5 km/h is taken."""

_MPH_COUNTRIES = ("GB", "US")
IMPLICIT_MAXSPEED_KMH: dict[str, float | None] = {
    # Germany
    "DE:urban": 50, "DE:rural": 100, "DE:motorway": None, "DE:living_street": WALK_KMH,
    "DE:bicycle_road": 30,
    # Austria, Switzerland
    "AT:urban": 50, "AT:rural": 100, "AT:motorway": 130, "AT:living_street": WALK_KMH,
    "CH:urban": 50, "CH:rural": 80, "CH:motorway": 120, "CH:living_street": 20,
    # France, Italy, Spain
    "FR:urban": 50, "FR:rural": 80, "FR:motorway": 130, "FR:living_street": 20,
    "IT:urban": 50, "IT:rural": 90, "IT:motorway": 130,
    "ES:urban": 30, "ES:rural": 90, "ES:motorway": 120, "ES:living_street": 20,
    # Netherlands, Poland, Romania, Russia
    "NL:urban": 50, "NL:rural": 80, "NL:motorway": 130, "NL:living_street": 15,
    "PL:urban": 50, "PL:rural": 90, "PL:motorway": 140, "PL:living_street": 20,
    "RO:urban": 50, "RO:rural": 90, "RO:trunk": 100, "RO:motorway": 130, "RO:living_street": 20,
    "RU:urban": 60, "RU:rural": 90, "RU:motorway": 110, "RU:living_street": 20,
    # United Kingdom (national speed limits, mph)
    "GB:nsl_single": 60 * KMH_PER_MPH, "GB:nsl_dual": 70 * KMH_PER_MPH,
    "GB:motorway": 70 * KMH_PER_MPH, "GB:nsl_restricted": 30 * KMH_PER_MPH,
    # China: urban road with one lane per direction, other road (公路), expressway
    "CN:urban": 50, "CN:rural": 70, "CN:motorway": 120,
}  # fmt: skip
"""Implicit speed limits (km/h; None: no general limit, the class default applies), from the
OSM wiki page "Default speed limits" (revision 2607051 of 2023-10-21, as machine-read by
westnordost/osm-legal-default-speeds): its rows "urban", the country's default row ("rural"),
"motorway", "living street", and Germany's "cycle street", Romania's national expressways
("trunk") and the United Kingdom's restricted road. China's rows follow the Road Traffic Safety
Law's implementing regulations (arts. 45-46, 78), as the wiki cites them."""

ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
ONEWAY_NO = frozenset({"no", "false", "0"})
ONEWAY_VARIABLE = frozenset({"reversible", "alternating"})
IMPLIED_ONEWAY = {"junction": frozenset({"roundabout", "circular"}), "highway": {"motorway"}}

_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$")
_ZONE = re.compile(r"^([A-Z]{2}(?:-[A-Z0-9]{1,3})?):zone:?(\d+)$", re.I)
_FACTOR = {
    None: 1.0,
    "km/h": 1.0,
    "kmh": 1.0,
    "kph": 1.0,
    "mph": KMH_PER_MPH,
    "knots": KMH_PER_KNOT,
}


def _text(value) -> str:
    """A tag value as stripped text; "" for a missing value (None, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def oneway_direction(tags: Mapping[str, object]) -> tuple[int, str | None]:
    """Direction of travel of a way (module docstring).

    Args:
        tags: the way's tags (``oneway``, ``junction``, ``highway``; others ignored; missing
            values None or NaN).

    Returns:
        (+1 only along the way, -1 only against it, 0 both ways; the reason when a value was
        not understood or is variable, else None).
    """
    value = _text(tags.get("oneway")).lower()
    if value in ONEWAY_FORWARD:
        return 1, None
    if value in ONEWAY_BACKWARD:
        return -1, None
    if value in ONEWAY_NO:
        return 0, None
    if value in ONEWAY_VARIABLE:
        return 0, f"oneway={value} (direction varies): routed both ways"
    if value:
        return 0, f"oneway={value!r} not understood: routed both ways"
    for key, implying in IMPLIED_ONEWAY.items():
        if _text(tags.get(key)).lower() in implying:
            return 1, None
    return 0, None


def _one_speed(text: str) -> tuple[float | None, str | None]:
    """One maxspeed value (no separators) in km/h, or (None, reason or None)."""
    low = text.lower()
    if low in ("none", "signals", "variable", ""):
        return None, None
    if low == "walk":
        return WALK_KMH, None
    number, zone = _NUMBER.match(low), _ZONE.match(text)
    if number or zone:
        if number:
            kmh = float(number.group(1)) * _FACTOR[number.group(2)]
        else:  # a zone's number is in the country's unit
            mph = zone.group(1).upper()[:2] in _MPH_COUNTRIES
            kmh = float(zone.group(2)) * (KMH_PER_MPH if mph else 1.0)
        if 0 < kmh < math.inf:
            return kmh, None
        return None, f"maxspeed {text!r} is not a finite speed > 0"
    if ":" in text:
        country, _, rest = text.partition(":")
        key = f"{country.upper()}:{rest.lower()}"
        if key in IMPLICIT_MAXSPEED_KMH:
            kmh = IMPLICIT_MAXSPEED_KMH[key]
            return (None if kmh is None else float(kmh)), None
        return None, f"implicit maxspeed {text!r} is not in the table of implicit limits"
    return None, f"maxspeed {text!r} not understood"


def parse_maxspeed(value) -> tuple[float | None, str | None]:
    """A ``maxspeed`` tag in km/h (module docstring).

    Args:
        value: the tag's value (str, number, None or NaN).

    Returns:
        (speed km/h > 0, or None when the class default applies; the reason when the value
        or a part of it could not be read, else None).
    """
    text = _text(value)
    if not text:
        return None, None
    speeds, reasons = [], []
    for part in re.split(r"[;|]", text):
        kmh, why = _one_speed(part.strip())
        if kmh is not None:
            speeds.append(kmh)
        elif why:
            reasons.append(why)
    return (min(speeds) if speeds else None), "; ".join(reasons) or None
