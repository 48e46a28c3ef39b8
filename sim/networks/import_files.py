"""Network files as people have them: reading the bytes, telling the file's type from its
content, decoding its text, and the warnings an import reports.

**File type** (`sniff`): from the content, never the name — an empty file, a JSON document, an
EPANET ``.inp`` (a line ``[SECTION]`` of the EPANET sections), XML by its root element
(``<osm>``, ``<graphml>``, other), an OpenStreetMap PBF (its first blob header names
"OSMHeader", OSM PBF format, OSM wiki "PBF Format"), a zip or gzip archive, other binary data
(NUL bytes that are not UTF-16) or other text. An importer handed the wrong type says what the
file is and which ``format:`` reads it (`require_kind`).

**Encodings** (`decode_text`): as every text input of citysafe,
`sim.core.text_input.decode_text` — UTF-8 with or without a byte-order mark, UTF-16 with one;
anything else (GBK, Latin-1 …) refused with the encoding it most likely is and how to convert
it, never decoded by a guess, which could change names silently. One addition for network
files: UTF-16 without a byte-order mark is recognised by its NUL bytes (ASCII text in UTF-16 has
a zero byte in every code unit, which no text has; `sim.core.text_input.utf16_without_bom`)
and decoded (the other text inputs name it and refuse it).

**Warnings** (`note`): a default applied, an element dropped or one that cannot be connected
is reported as a :class:`~sim.networks.errors.NetworkImportWarning` whose message starts with
the file, and kept in a list the importer attaches to its layer (``ImportedLayer.notes``).
"""

from __future__ import annotations

import codecs
import re
import warnings
from pathlib import Path

import numpy as np

from sim.core.text_input import InputFileError, regular_file_size, utf16_without_bom
from sim.core.text_input import decode_text as core_decode_text
from sim.networks.errors import NetworkImportError, NetworkImportWarning

SNIFF_BYTES = 4096
"""Bytes of the file's start the type is told from."""
MAX_IDS_SHOWN = 10
"""Element ids quoted in a message; the rest are counted."""
MAX_FILE_BYTES = 1024**3
"""Largest network file read (1 GiB). A file is read whole, then parsed into Python objects
(WNTR, networkx, pandapower tables, pyrosm frames) that take several times its size: past 1 GiB
a 2-core, 8-GB machine (the CI's) runs out of memory. A city's networks are far smaller (an EPANET
model of 200,000 pipes is about 25 MB; an OpenStreetMap PBF of a province about 200 MB), so a
larger file is most likely a country extract: clip it to the city first. Assumption: the memory
factor is from the libraries' object sizes, not measured per format."""

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
EPANET_SECTIONS = (
    "TITLE JUNCTIONS RESERVOIRS TANKS PIPES PUMPS VALVES EMITTERS CURVES PATTERNS ENERGY STATUS "
    "CONTROLS RULES DEMANDS QUALITY REACTIONS SOURCES MIXING OPTIONS TIMES REPORT COORDINATES "
    "VERTICES LABELS BACKDROP TAGS END"
).split()
"""Section names of an EPANET 2.2 input file (EPANET 2.2 User Manual, Rossman et al. 2020,
EPA/600/R-20/133, Appendix C.3)."""
_EPANET_HEADER = re.compile(r"^\s*\[(" + "|".join(EPANET_SECTIONS) + r")\]", re.I | re.M)

KIND_TEXT = {
    "empty": "an empty file",
    "json": "a JSON file",
    "epanet": "an EPANET .inp file",
    "osm-xml": "an OpenStreetMap XML file",
    "osm-pbf": "an OpenStreetMap PBF file",
    "graphml": "a GraphML file",
    "xml": "an XML file",
    "zip": "a zip archive (unpack it first)",
    "gzip": "a gzip archive (unpack it first)",
    "binary": "a binary file",
    "text": "a text file",
}
KIND_FORMAT = {
    "json": "pandapower",
    "epanet": "epanet",
    "osm-xml": "osm",
    "osm-pbf": "osm",
    "graphml": "graphml",
}
"""The ``format:`` of `sim.scenario.schema.NetworkImportConfig` that reads a kind of file."""


def id_list(ids, limit: int = MAX_IDS_SHOWN) -> str:
    """``'a', 'b', … (+N more)``: element ids for a message."""
    ids = [str(i) for i in ids]
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" … (+{len(ids) - limit} more)" if len(ids) > limit else "")


def note(notes: list[str], path, message: str) -> None:
    """Report ``path: message`` as a :class:`NetworkImportWarning` and append it to `notes`."""
    text = f"{path}: {message}"
    notes.append(text)
    warnings.warn(text, NetworkImportWarning, stacklevel=3)


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes: all of them, or the first `limit`.

    Raises:
        NetworkImportError: missing, a folder, not a regular file (a device or a pipe never
            ends), unreadable (the OS reason), or larger than `MAX_FILE_BYTES` (checked
            before reading, whatever `limit`).
    """
    try:
        size = regular_file_size(path)
    except FileNotFoundError:
        raise NetworkImportError(f"{path}: file not found") from None
    except InputFileError as exc:
        folder = exc.what.startswith("is a folder")
        reason = "is a folder, not a network file" if folder else exc.what
        raise NetworkImportError(f"{path}: {reason}") from None
    if size > MAX_FILE_BYTES:
        raise NetworkImportError(
            f"{path}: file is {size:,} bytes; network files of at most {MAX_FILE_BYTES:,} bytes "
            "are read, as they are parsed whole into memory: clip it to the city first (e.g. "
            "osmium extract --bbox for OpenStreetMap)"
        )
    try:
        with open(path, "rb") as f:
            return f.read(MAX_FILE_BYTES if limit is None else limit)
    except OSError as exc:
        raise NetworkImportError(f"{path}: cannot read ({exc.strerror or exc})") from None


def sniff(data: bytes) -> str:
    """The kind of file `data` holds: a key of `KIND_TEXT` (module docstring)."""
    head = data[:SNIFF_BYTES]
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    # OSM PBF: a 4-byte length, then a BlobHeader whose field 1 (type) is "OSMHeader"
    if b"OSMHeader" in head[:32]:
        return "osm-pbf"
    encoding = next((enc for bom, enc in BOMS if head.startswith(bom)), None)
    encoding = encoding or utf16_without_bom(head)
    if encoding is None and b"\x00" in head:
        return "binary"
    text = head.decode(encoding or "utf-8", errors="replace")
    return _text_kind(text.lstrip("\ufeff"))


def _text_kind(text: str) -> str:
    """The kind of a text file from its first characters."""
    body = text.lstrip()
    if not body:
        return "empty"
    if _EPANET_HEADER.search(text):
        return "epanet"
    if body[0] in "{[":
        return "json"
    if body[0] == "<":
        root = re.search(r"<\s*([A-Za-z_][\w.:-]*)", re.sub(r"<[?!][^>]*>", "", body))
        name = root.group(1).split(":")[-1].lower() if root else ""
        return {"osm": "osm-xml", "graphml": "graphml"}.get(name, "xml")
    return "text"


def require_kind(path: Path, data: bytes, allowed: tuple[str, ...], expected: str) -> str:
    """The kind of `data` (`sniff`) if it is one of `allowed`.

    Raises:
        NetworkImportError: ``FILE: this is <kind>, not <expected>`` and, when another format
            reads it, ``(format: X reads it)``.
    """
    kind = sniff(data)
    if kind in allowed:
        return kind
    fmt = KIND_FORMAT.get(kind)
    hint = f" (format: {fmt} reads it)" if fmt else ""
    raise NetworkImportError(f"{path}: this is {KIND_TEXT[kind]}, not {expected}{hint}")


def decode_text(path: Path, data: bytes) -> str:
    """The text of a network file (module docstring); a BOM is removed.

    Raises:
        NetworkImportError: not UTF-8 or UTF-16 (`sim.core.text_input.decode_text`'s message:
            the byte, the likely encoding, how to convert the file).
    """
    has_bom = data.startswith(tuple(bom for bom, _ in BOMS))
    enc = None if has_bom else utf16_without_bom(data[:SNIFF_BYTES])
    if enc is not None:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            raise NetworkImportError(
                f"{path}: broken {enc.upper()} text (byte {exc.start})"
            ) from None
    try:
        return core_decode_text(data, path)
    except InputFileError as exc:
        raise NetworkImportError(str(exc)) from None


LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)
"""WGS84 longitude and latitude ranges (degrees; OSM wiki "Node": lat -90..90, lon
-180..180): positions outside are not places on Earth, and projected they become infinite."""


def check_lonlat(lon, lat, ids, source, what: str) -> None:
    """Refuse positions that are not WGS84 degrees; NaN (no position) is left to the caller.

    Args:
        lon, lat: degrees per element (NaN where the file gives none).
        ids: the elements' ids in the file, named in the message.
        source: the file.
        what: the elements' kind ("node", "bus").

    Raises:
        NetworkImportError: ``FILE: node 'a', … (+N more) at (lon, lat) (121.5, 999), …: not
            WGS84 degrees (lon -180..180, lat -90..90)``.
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    given = ~(np.isnan(lon) & np.isnan(lat))
    inside = (lon >= LON_RANGE[0]) & (lon <= LON_RANGE[1])
    inside &= (lat >= LAT_RANGE[0]) & (lat <= LAT_RANGE[1])
    bad = given & ~inside
    if bad.any():
        k = np.flatnonzero(bad)
        shown = ", ".join(f"({lon[i]:g}, {lat[i]:g})" for i in k[:MAX_IDS_SHOWN])
        raise NetworkImportError(
            f"{source}: {what} {id_list(np.asarray(ids, dtype=object)[k])} at (lon, lat) "
            f"{shown}: not WGS84 degrees (lon -180..180, lat -90..90)"
        )
