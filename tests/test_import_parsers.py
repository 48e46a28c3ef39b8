"""The parsers under the importers, by property: OSM ``maxspeed`` and ``oneway`` values
(OSM wiki Key:maxspeed, Key:oneway), text decoding and file-type sniffing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim.networks.errors import NetworkImportError
from sim.networks.import_files import decode_text, sniff
from sim.networks.osm_tags import (
    IMPLICIT_MAXSPEED_KMH,
    KMH_PER_KNOT,
    KMH_PER_MPH,
    WALK_KMH,
    oneway_direction,
    parse_maxspeed,
)

speeds = st.integers(min_value=1, max_value=300)


# ------------------------------------------------------------------------------- maxspeed
@given(st.one_of(st.text(max_size=30), st.none(), st.floats(), st.integers()))
def test_maxspeed_never_raises_and_gives_a_finite_positive_speed_or_none(value):
    kmh, why = parse_maxspeed(value)
    assert kmh is None or (math.isfinite(kmh) and kmh > 0)
    assert why is None or isinstance(why, str)


@given(speeds, st.sampled_from(["", " km/h", "km/h", " kmh", " kph"]))
def test_plain_numbers_are_km_per_hour(n, unit):
    assert parse_maxspeed(f"{n}{unit}") == (float(n), None)


@given(speeds)
def test_miles_and_knots_are_converted(n):
    assert parse_maxspeed(f"{n} mph")[0] == pytest.approx(n * KMH_PER_MPH)
    assert parse_maxspeed(f"{n} knots")[0] == pytest.approx(n * KMH_PER_KNOT)


@given(st.lists(speeds, min_size=1, max_size=5), st.sampled_from([";", "|", "; ", " | "]))
def test_several_values_give_the_lowest(values, sep):
    assert parse_maxspeed(sep.join(str(v) for v in values)) == (float(min(values)), None)


@given(st.sampled_from(sorted(IMPLICIT_MAXSPEED_KMH)))
def test_implicit_codes_come_from_the_table(code):
    kmh, why = parse_maxspeed(code)
    assert why is None
    assert kmh == IMPLICIT_MAXSPEED_KMH[code]  # None: no general limit (DE:motorway)


@given(st.from_regex(r"[A-Z]{2}:[a-z]{3,10}", fullmatch=True))
def test_unknown_implicit_codes_fall_back_with_a_reason(code):
    assume(code not in IMPLICIT_MAXSPEED_KMH)
    kmh, why = parse_maxspeed(code)
    assert kmh is None and repr(code) in why and "implicit" in why


def test_keywords_and_zones():
    assert parse_maxspeed("walk") == (WALK_KMH, None)
    for word in ("none", "signals", "variable", "", None, float("nan")):
        assert parse_maxspeed(word) == (None, None)
    assert parse_maxspeed("DE:zone30") == (30.0, None)
    assert parse_maxspeed("DE:zone:20") == (20.0, None)
    assert parse_maxspeed("GB:zone20")[0] == pytest.approx(20 * KMH_PER_MPH)
    assert parse_maxspeed("RO:urban") == (50.0, None)
    assert parse_maxspeed("CN:motorway") == (120.0, None)
    assert parse_maxspeed("0") == (None, "maxspeed '0' is not a finite speed > 0")
    assert parse_maxspeed("9" * 400)[0] is None  # overflows to inf: refused
    kmh, why = parse_maxspeed("50;fast")  # readable part used, the rest reported
    assert kmh == 50.0 and "'fast'" in why


# --------------------------------------------------------------------------------- oneway
@pytest.mark.parametrize(
    ("tags", "direction"),
    [
        ({"oneway": "yes"}, 1),
        ({"oneway": "true"}, 1),
        ({"oneway": "1"}, 1),
        ({"oneway": "-1"}, -1),
        ({"oneway": "no"}, 0),
        ({}, 0),
        ({"junction": "roundabout"}, 1),
        ({"junction": "circular"}, 1),
        ({"junction": "roundabout", "oneway": "no"}, 0),  # explicit tag wins
        ({"highway": "motorway"}, 1),
        ({"highway": "motorway", "oneway": float("nan")}, 1),  # pyrosm's missing value
        ({"highway": "primary"}, 0),
    ],
)
def test_oneway_values_and_implications(tags, direction):
    assert oneway_direction(tags) == (direction, None)


@given(st.text(max_size=12))
def test_any_oneway_value_routes_somewhere_and_explains_the_odd_ones(value):
    direction, why = oneway_direction({"oneway": value})
    assert direction in (-1, 0, 1)
    known = {"yes", "true", "1", "-1", "reverse", "no", "false", "0"}
    if value.strip().lower() in known or not value.strip():
        assert why is None
    else:
        assert direction == 0 and why is not None


# ------------------------------------------------------------------------------- decoding
def _decode(data: bytes) -> str:
    return decode_text(Path("f.inp"), data)


@given(st.text(max_size=200), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_unicode_with_or_without_a_bom_round_trips(text, encoding):
    assume(not text.startswith("\ufeff"))  # a leading BOM character is taken as the mark
    assume("\x00" not in text)  # text files hold no NUL (UTF-16 without a BOM is told by them)
    assert _decode(text.encode(encoding)) == text


@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=8, max_size=200)
)
def test_ascii_in_utf16_without_a_bom_is_recognised_by_its_nul_bytes(text):
    """From 8 characters on (the sniffer's minimum: shorter NUL patterns are ambiguous)."""
    assert _decode(text.encode("utf-16-le")) == text
    assert _decode(text.encode("utf-16-be")) == text


@given(
    st.text(alphabet=st.sampled_from("浦东新区供水管网泵站阀门江水 ;[]\t\nabcXYZ0129"), max_size=80)
)
def test_gbk_text_that_is_not_utf8_is_refused_naming_the_file(text):
    data = text.encode("gbk")
    try:
        data.decode("utf-8")
        assume(False)  # also valid UTF-8: read as such
    except UnicodeDecodeError:
        pass
    with pytest.raises(NetworkImportError, match=r"^f\.inp: not UTF-8 text \(byte \d+\)"):
        _decode(data)


# -------------------------------------------------------------------------------- sniffing
@given(st.dictionaries(st.text(max_size=5), st.integers(), max_size=4))
def test_json_documents_are_json(doc):
    assert sniff(json.dumps(doc).encode()) == "json"
    assert sniff(("\ufeff" + json.dumps(doc)).encode("utf-16")) == "json"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "empty"),
        (b"[TITLE]\nx\n[JUNCTIONS]\n", "epanet"),
        (b"; comment\n[pipes]\n", "epanet"),
        (b"[1, 2]", "json"),
        (b'<?xml version="1.0"?>\n<!-- x -->\n<osm version="0.6"/>', "osm-xml"),
        (b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"/>', "graphml"),
        (b"<svg/>", "xml"),
        (b"\x00\x00\x00\x0d\x0a\x09OSMHeader\x18", "osm-pbf"),
        (b"\x1f\x8b\x08", "gzip"),
        (b"\x00\x01\x02\x03\x00\x00", "binary"),
    ],
)
def test_sniff_tells_kinds_apart(data, kind):
    assert sniff(data) == kind
