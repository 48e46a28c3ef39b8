"""Checks of an EPANET input file's text before WNTR reads it, and WNTR's own failures named
by section and line.

WNTR (1.5) accepts some files EPANET refuses and fails on others without naming the element
("list index out of range", "'330'"), so the text is checked first against EPANET 2.2's own
rules (EPANET 2.2 User Manual, Rossman et al. 2020, EPA/600/R-20/133, Appendix C; source
``src/types.h`` and ``src/input3.c`` of OpenWaterAnalytics/EPANET), each refusal naming the
line, the section, the element and EPANET's error code:

* an id is at most `EPANET_MAX_ID` = 31 characters (``MAXID``; EPANET error 252), unique among
  nodes and among links (error 215);
* a row has the values its section requires (`FIELDS`: a junction its elevation, a tank five
  levels and a diameter, a pipe its nodes, length, diameter and roughness, a valve its
  diameter, type and setting …; error 201, "syntax error");
* a number is a finite number (error 202), and where EPANET bounds it, in range: a pipe's
  length, diameter and roughness > 0 (error 211, "illegal link property value"; a length at
  most the Earth's circumference, `MAX_LENGTH_M`, beyond which it is a unit error), tank levels
  >= 0 (error 209);
* a reference names what the file defines: a link's nodes and the nodes of ``[DEMANDS]``,
  ``[EMITTERS]``, ``[QUALITY]``, ``[SOURCES]``, ``[MIXING]`` and controls (error 203, "undefined
  node"), the links of ``[STATUS]`` and controls (204), patterns (205) and curves (206: a pump's
  ``HEAD``, a tank's volume curve, a GPV's setting);
* a pump has a ``HEAD`` curve or a ``POWER`` (error 217), each keyword with its value;
* a keyword is one EPANET knows (error 213): pipe status, valve type, source type, mixing model,
  flow units; a section header is one of EPANET's sections (error 201).

What EPANET accepts and WNTR does not is rewritten the way EPANET reads it, keeping every line
number: without ``Units`` in ``[OPTIONS]`` EPANET uses GPM (US gallons per minute; lengths then
in feet; Manual Appendix C, [OPTIONS] "UNITS … default is GPM"), added with a warning; a pipe's
status in the 7th column (EPANET: a minor loss *or* a status) gets the minor loss 0 before it;
``[COORDINATES]`` rows EPANET ignores (too few values, an undefined node, a value that is not a
number: ``coordata`` in ``input3.c``) are commented out, with a warning naming their lines.

Whatever WNTR still refuses is reported by `wntr_failure` with the section and line WNTR was
reading (taken from its reader's frame) and its message.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from sim.networks.errors import NetworkImportError
from sim.networks.import_files import EPANET_SECTIONS, id_list, note

EPANET_MAX_ID = 31
"""Longest id EPANET 2.2 accepts (``MAXID`` in ``src/types.h``)."""
DEFAULT_FLOW_UNITS = "GPM"
"""EPANET's flow units when ``[OPTIONS]`` has no ``Units`` (Manual, Appendix C)."""
US_FLOW_UNITS = ("CFS", "GPM", "MGD", "IMGD", "AFD")
"""Flow units with which EPANET reads lengths in feet (others: metres; Manual, Table 3.1)."""
FLOW_UNITS = (*US_FLOW_UNITS, "LPS", "LPM", "MLD", "CMH", "CMD")
"""The flow units of EPANET 2.2 (Manual, Appendix C, [OPTIONS] UNITS)."""
MAX_LENGTH_M = 40_075_000.0
"""Longest pipe accepted (metres): the Earth's equatorial circumference (WGS84). A longer pipe
is a unit or typing error."""
NODE_SECTIONS = {"JUNCTIONS": "junction", "RESERVOIRS": "reservoir", "TANKS": "tank"}
LINK_SECTIONS = {"PIPES": "pipe", "PUMPS": "pump", "VALVES": "valve"}
FIELDS = {
    "JUNCTIONS": ("Elevation:num", "Demand:num?", "Pattern:pattern?"),
    "RESERVOIRS": ("Head:num", "Pattern:pattern?"),
    "TANKS": ("Elevation:num", "InitLevel:nonneg", "MinLevel:nonneg", "MaxLevel:nonneg",
              "Diameter:nonneg", "MinVol:nonneg?", "VolCurve:curve?", "Overflow:yesno?"),
    "PIPES": ("Node1:any", "Node2:any", "Length:any", "Diameter:pos", "Roughness:pos",
              "MinorLoss:lossorstatus?", "Status:pipestatus?"),
    "PUMPS": ("Node1:any", "Node2:any"),
    "VALVES": ("Node1:any", "Node2:any", "Diameter:pos", "Type:valvetype", "Setting:any",
               "MinorLoss:nonneg?"),
    "CURVES": ("X:num", "Y:num"),
    "PATTERNS": ("Multiplier:num",),
    "DEMANDS": ("Demand:num", "Pattern:pattern?"),
    "STATUS": ("Status:any",),
    "EMITTERS": ("Coefficient:nonneg",),
    "QUALITY": ("InitQual:num",),
    "SOURCES": ("Type:sourcetype", "Quality:num", "Pattern:pattern?"),
    "MIXING": ("Model:mixmodel", "Fraction:num?"),
}  # fmt: skip
"""The values after the first of each row (``name:type``, ``?`` optional), by section (EPANET
2.2 Manual, Appendix C; ``input3.c``); node and link references of links are checked apart
(`_link_problems`). The first value is the element's id, or for the sections below the element
a row refers to (`REFERS`)."""
REFERS = {
    "DEMANDS": "node", "STATUS": "link", "EMITTERS": "node", "QUALITY": "node",
    "SOURCES": "node", "MIXING": "node",
}  # fmt: skip
CHOICES = {
    "yesno": ("YES", "NO"),
    "pipestatus": ("OPEN", "CLOSED", "CV"),
    "valvetype": ("PRV", "PSV", "PBV", "FCV", "TCV", "GPV"),
    "sourcetype": ("CONCEN", "MASS", "FLOWPACED", "SETPOINT"),
    "mixmodel": ("MIXED", "2COMP", "FIFO", "LIFO"),
}
"""Keywords EPANET 2.2 accepts in a column (error 213 otherwise)."""
REFERENCE_ERRORS = {
    "node": (203, "node"),
    "link": (204, "link"),
    "pattern": (205, "pattern of [PATTERNS]"),
    "curve": (206, "curve of [CURVES]"),
}
"""EPANET's error code and the words for a reference to an undefined element."""
PUMP_KEYWORDS = {"HEAD": "curve", "POWER": "pos", "SPEED": "nonneg", "PATTERN": "pattern"}
_HEADER = re.compile(r"^\s*\[([^\]]+)\]")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> list[str]:
    """The file's lines as WNTR and EPANET count them (``\\n``, ``\\r\\n`` or ``\\r`` ends)."""
    return _NEWLINE.split(text)


def _section(header: str) -> str:
    """A section name in capitals, a missing or extra trailing S mended as WNTR does."""
    name = header.strip().upper()
    if name not in EPANET_SECTIONS and name + "S" in EPANET_SECTIONS:
        return name + "S"
    if name not in EPANET_SECTIONS and name.endswith("S") and name[:-1] in EPANET_SECTIONS:
        return name[:-1]
    return name


def _headers(text: str) -> list[tuple[int, str]]:
    """(line number, name as written) of each section header up to ``[END]``, where EPANET
    and WNTR stop reading."""
    out = []
    for lineno, line in enumerate(_lines(text), start=1):
        head = _HEADER.match(line)
        if head:
            if _section(head.group(1)) == "END":
                break
            out.append((lineno, head.group(1).strip()))
    return out


def _structure_problems(text: str) -> list[str]:
    """Lines EPANET cannot place (error 201): a header that is not an EPANET section, a
    ``[`` without its ``]``, data before the first section."""
    out = [
        f"line {n}: [{name}] is not a section of EPANET 2.2 files (EPANET error 201)"
        for n, name in _headers(text)
        if _section(name) not in EPANET_SECTIONS
    ]
    for lineno, line in enumerate(_lines(text), start=1):
        code = line.split(";", 1)[0].strip()
        if _HEADER.match(line):
            break
        if code:
            out.append(
                f"line {lineno}: {code[:40]!r} comes before the first [SECTION] header "
                "(EPANET error 201)"
            )
            break
    for lineno, line in enumerate(_lines(text), start=1):
        code = line.split(";", 1)[0].strip()
        if code.startswith("[") and not _HEADER.match(line):
            out.append(f"line {lineno}: {code[:40]!r} lacks its closing ] (EPANET error 201)")
    return out


def inp_rows(text: str) -> list[tuple[str, int, list[str]]]:
    """(section in capitals, line number, tokens) of each data line up to ``[END]``; comments
    (after ``;``) and blank lines skipped; a section's missing or extra trailing S is tolerated
    as in WNTR."""
    rows, section = [], ""
    for lineno, line in enumerate(_lines(text), start=1):
        head = _HEADER.match(line)
        if head:
            section = _section(head.group(1))
            if section == "END":
                break
            continue
        tokens = line.split(";", 1)[0].split()
        if tokens and section:
            rows.append((section, lineno, tokens))
    return rows


def _id_problems(rows) -> list[str]:
    """Ids over `EPANET_MAX_ID` characters and ids defined twice, with section and line."""
    out, seen = [], {"node": {}, "link": {}}
    for section, lineno, tokens in rows:
        kind = NODE_SECTIONS.get(section) or LINK_SECTIONS.get(section)
        if kind is None:
            continue
        eid = tokens[0]
        if len(eid) > EPANET_MAX_ID:
            out.append(
                f"line {lineno}: [{section}] {kind} id {eid!r} has {len(eid)} characters; "
                f"EPANET 2.2 allows at most {EPANET_MAX_ID} (shorten it)"
            )
        group = seen["node" if section in NODE_SECTIONS else "link"]
        if eid in group:
            out.append(
                f"line {lineno}: [{section}] {kind} id {eid!r} already defined on line {group[eid]}"
            )
        group.setdefault(eid, lineno)
    return out


def _number(token: str) -> float | None:
    """A finite number, or None."""
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _length_problem(section: str, lineno: int, eid: str, token: str, feet: bool) -> str | None:
    """What is wrong with a pipe's length: not a number, not > 0, or longer than
    `MAX_LENGTH_M` (in the file's unit, feet or metres); None when it is fine."""
    length = _number(token)
    if length is None:
        return f"line {lineno}: [PIPES] pipe {eid!r} length {token!r} is not a number"
    if not length > 0:
        return (
            f"line {lineno}: [PIPES] pipe {eid!r} has length {token}; EPANET needs a "
            "length > 0 (merge the pipe into its neighbour or give its real length)"
        )
    longest = MAX_LENGTH_M / (0.3048 if feet else 1.0)
    if length > longest:
        unit = "ft" if feet else "m"
        return (
            f"line {lineno}: [PIPES] pipe {eid!r} has length {token} {unit}, longer than the "
            f"Earth's circumference ({longest:,.0f} {unit}): check the unit"
        )
    return None


def _link_problems(rows, node_ids: set[str], feet: bool) -> list[str]:
    """Links to nodes the file does not define; pipe lengths that are not a number > 0 or are
    longer than `MAX_LENGTH_M`."""
    out = []
    for section, lineno, tokens in rows:
        kind = LINK_SECTIONS.get(section)
        if kind is None or len(tokens) < 3:
            continue  # too few values: `_field_problems`
        eid = tokens[0]
        missing = [t for t in tokens[1:3] if t not in node_ids]
        if missing:
            out.append(
                f"line {lineno}: [{section}] {kind} {eid!r} joins undefined node(s) "
                f"{id_list(missing)} (EPANET error 203)"
            )
        if section == "PIPES" and len(tokens) >= 4:
            problem = _length_problem(section, lineno, eid, tokens[3], feet)
            if problem:
                out.append(problem)
    return out


def _defined(rows) -> dict[str, set[str]]:
    """The ids the file defines: ``node``, ``link``, ``pattern``, ``curve``."""
    ids: dict[str, set[str]] = {"node": set(), "link": set(), "pattern": set(), "curve": set()}
    for section, _, tokens in rows:
        if section in NODE_SECTIONS:
            ids["node"].add(tokens[0])
        elif section in LINK_SECTIONS:
            ids["link"].add(tokens[0])
        elif section in ("PATTERNS", "CURVES"):
            ids[section[:-1].lower()].add(tokens[0])
    return ids


def _value_problem(kind: str, token: str, ids: dict[str, set[str]], link: bool) -> str | None:
    """What is wrong with one value of type `kind` (`FIELDS`), with EPANET's error code; None
    when it is fine. `link`: the row is a link's (its range error is 211, a node's 209)."""
    if kind in ("node", "link", "pattern", "curve"):
        if token in ids[kind] or (kind == "curve" and token == "*"):
            return None
        code, what = REFERENCE_ERRORS[kind]
        return f"is not a defined {what} (EPANET error {code})"
    if kind == "lossorstatus":  # a pipe's 7th value: a minor loss, or its status
        if token.upper() in CHOICES["pipestatus"]:
            return None
        kind = "nonneg"
    if kind in CHOICES:
        if token.upper() in CHOICES[kind]:
            return None
        return f"is not one of {', '.join(CHOICES[kind])} (EPANET error 213)"
    if kind in ("num", "pos", "nonneg"):
        value = _number(token)
        if value is None:
            return "is not a number (EPANET error 202)"
        if (kind == "pos" and not value > 0) or (kind == "nonneg" and value < 0):
            bound = "> 0" if kind == "pos" else ">= 0"
            return f"must be {bound} (EPANET error {211 if link else 209})"
    return None


def _row_problems(section: str, lineno: int, tokens: list[str], ids) -> list[str]:
    """The problems of one row of a section of `FIELDS`: too few values, or a value of the
    wrong type; a ``[PATTERNS]`` row's every multiplier is a number."""
    fields = [f.split(":") for f in FIELDS[section]]
    refers = REFERS.get(section)
    kind = NODE_SECTIONS.get(section) or LINK_SECTIONS.get(section) or refers
    what = f"line {lineno}: [{section}] {kind or section.lower().removesuffix('s')} {tokens[0]!r}"
    required = [name for name, typ in fields if not typ.endswith("?")]
    if len(tokens) - 1 < len(required):
        return [
            f"{what} has {len(tokens) - 1} value(s) after the id; EPANET 2.2 needs "
            f"{' '.join(required)} (EPANET error 201)"
        ]
    out = []
    if refers and tokens[0] not in ids[refers]:
        code = REFERENCE_ERRORS[refers][0]
        out.append(f"{what} is not defined in the file (EPANET error {code})")
    if section == "PATTERNS":
        fields = [("Multiplier", "num")] * (len(tokens) - 1)
    for (name, typ), token in zip(fields, tokens[1:], strict=False):
        problem = _value_problem(typ.rstrip("?"), token, ids, section in LINK_SECTIONS)
        if problem:
            out.append(f"{what}: {name} {token!r} {problem}")
    return out


def _pump_problems(lineno: int, tokens: list[str], ids) -> list[str]:
    """A pump's keyword pairs (``HEAD curve``, ``POWER kW``, ``SPEED s``, ``PATTERN id``):
    each known and with its value, and a ``HEAD`` or a ``POWER`` given."""
    what = f"line {lineno}: [PUMPS] pump {tokens[0]!r}"
    out, keys = [], set()
    for i in range(3, len(tokens), 2):
        key = tokens[i].upper()
        if key not in PUMP_KEYWORDS:
            known = ", ".join(PUMP_KEYWORDS)
            return [f"{what}: keyword {tokens[i]!r} is not one of {known} (EPANET error 201)"]
        if i + 1 >= len(tokens):
            return [f"{what}: {key} has no value (EPANET error 201)"]
        keys.add(key)
        problem = _value_problem(PUMP_KEYWORDS[key], tokens[i + 1], ids, True)
        if problem:
            out.append(f"{what}: {key} {tokens[i + 1]!r} {problem}")
    if len(tokens) >= 3 and not keys & {"HEAD", "POWER"}:
        out.append(f"{what} has neither a HEAD curve nor a POWER (EPANET error 217)")
    return out


def _control_problems(lineno: int, tokens: list[str], ids) -> list[str]:
    """A simple control (``LINK id setting AT|IF …``, at least 6 values): its link and, for
    ``IF NODE id``, its node."""
    what = f"line {lineno}: [CONTROLS] control {' '.join(tokens)!r}"
    if tokens[0].upper() != "LINK" or len(tokens) < 6:
        return [
            f"{what} is not 'LINK id setting AT TIME t' or 'LINK id setting IF NODE id "
            "ABOVE|BELOW level' (EPANET error 201)"
        ]
    out = []
    if tokens[1] not in ids["link"]:
        out.append(f"{what}: link {tokens[1]!r} is not a defined link (EPANET error 204)")
    if tokens[3].upper() == "IF" and tokens[4].upper() == "NODE" and tokens[5] not in ids["node"]:
        out.append(f"{what}: node {tokens[5]!r} is not a defined node (EPANET error 203)")
    return out


def _field_problems(rows, ids) -> list[str]:
    """Every row's values (`FIELDS`), pumps' keywords and controls' references."""
    out = []
    for section, lineno, tokens in rows:
        if section in FIELDS:
            out += _row_problems(section, lineno, tokens, ids)
        if section == "PUMPS" and len(tokens) >= 3:
            out += _pump_problems(lineno, tokens, ids)
        if section == "VALVES" and len(tokens) >= 6:
            typ = "curve" if tokens[4].upper() == "GPV" else "num"
            problem = _value_problem(typ, tokens[5], ids, True)
            if problem:
                what = f"line {lineno}: [VALVES] valve {tokens[0]!r}"
                out.append(f"{what}: Setting {tokens[5]!r} {problem}")
        if section == "CONTROLS":
            out += _control_problems(lineno, tokens, ids)
        if section == "OPTIONS" and tokens[0].upper() == "UNITS":
            given = tokens[1].upper() if len(tokens) > 1 else ""
            if given not in FLOW_UNITS:
                known = ", ".join(FLOW_UNITS)
                out.append(
                    f"line {lineno}: [OPTIONS] Units {given or '(none)'!r} is not one of {known} "
                    "(EPANET error 213)"
                )
    return out


def _flow_units(rows) -> str:
    """The ``[OPTIONS] Units`` of the file (`DEFAULT_FLOW_UNITS` when absent), in capitals."""
    units = [t[1] for s, _, t in rows if s == "OPTIONS" and t[0].upper() == "UNITS" and len(t) > 1]
    return units[-1].upper() if units else DEFAULT_FLOW_UNITS


def check_inp(text: str, path: Path, notes: list[str]) -> str:
    """Check an EPANET input file's text (module docstring); return it with what EPANET would
    read rewritten for WNTR (``Units``, a pipe's status in the 7th column, coordinates EPANET
    ignores), every line keeping its number.

    Args:
        text: the decoded file.
        path: the file, named in messages.
        notes: warnings are appended here (and issued).

    Raises:
        NetworkImportError: the rules of the module docstring broken; every offending element
            named (the first ten) with its line and EPANET's error code.
    """
    rows = inp_rows(text)
    unknown = _structure_problems(text)
    if unknown:
        raise NetworkImportError(f"{path}: " + "; ".join(unknown[:10]))
    ids = _defined(rows)
    feet = _flow_units(rows) in US_FLOW_UNITS
    problems = _id_problems(rows) + _link_problems(rows, ids["node"], feet)
    problems += _field_problems(rows, ids)
    if problems:
        more = f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""
        raise NetworkImportError(f"{path}: " + "; ".join(problems[:10]) + more)
    lines = _lines(text)
    _drop_ignored_coordinates(rows, ids["node"], lines, path, notes)
    _pipe_status_after_minor_loss(rows, lines)
    text = "\n".join(lines)
    if not any(sec == "OPTIONS" and tok[0].upper() == "UNITS" for sec, _, tok in rows):
        note(
            notes,
            path,
            f"[OPTIONS] has no Units: EPANET's default {DEFAULT_FLOW_UNITS} applied (flows in "
            "US gallons per minute, lengths in feet, elevations in feet)",
        )
        text = _with_units(text)
    return text


def _drop_ignored_coordinates(rows, node_ids: set[str], lines: list[str], path, notes) -> None:
    """Comment out the ``[COORDINATES]`` rows EPANET ignores (fewer than 3 values, a node the
    file does not define, x or y not a finite number), with one warning naming their lines.
    In place."""
    ignored = []
    for section, lineno, tokens in rows:
        if section != "COORDINATES":
            continue
        ok = len(tokens) >= 3 and tokens[0] in node_ids
        if not (ok and _number(tokens[1]) is not None and _number(tokens[2]) is not None):
            ignored.append(lineno)
            lines[lineno - 1] = ";" + lines[lineno - 1]
    if ignored:
        note(
            notes,
            path,
            f"[COORDINATES] line(s) {', '.join(map(str, ignored[:10]))}"
            f"{f' (+{len(ignored) - 10} more)' if len(ignored) > 10 else ''} are not "
            "'node x y' with a defined node and two numbers: ignored, as EPANET does",
        )


def _pipe_status_after_minor_loss(rows, lines: list[str]) -> None:
    """Give a pipe whose 7th value is a status (EPANET reads it as such) the minor loss 0
    before it, as WNTR reads the 7th value as a number. In place."""
    for section, lineno, tokens in rows:
        if section == "PIPES" and len(tokens) == 7 and tokens[6].upper() in CHOICES["pipestatus"]:
            _, _, comment = lines[lineno - 1].partition(";")
            lines[lineno - 1] = " ".join([*tokens[:6], "0", tokens[6]]) + (
                f" ;{comment}" if comment else ""
            )


def _with_units(text: str) -> str:
    """`text` with ``[OPTIONS] Units GPM`` added before ``[END]`` (or at the end), so the
    file's own lines keep their numbers in WNTR's messages."""
    lines = _lines(text)
    end = next((i for i, ln in enumerate(lines) if ln.strip().upper() == "[END]"), len(lines))
    added = ["", "[OPTIONS]", f" Units {DEFAULT_FLOW_UNITS}"]
    return "\n".join(lines[:end] + added + lines[end:])


def _wntr_place(chain: list[BaseException]) -> str:
    """``line N: [SECTION] 'text': `` where WNTR's INP reader failed: the innermost of its
    ``_read_<section>`` frames names the section, the innermost frame with a ``lnum`` or a
    ``line`` local the line; "" when no frame of WNTR's reader is in the tracebacks."""
    for err in chain:
        section = lnum = line = None
        tb = err.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_code.co_filename.replace("\\", "/").endswith("wntr/epanet/io.py"):
                local = frame.f_locals
                if frame.f_code.co_name.startswith("_read_"):  # the place starts here
                    section = frame.f_code.co_name.removeprefix("_read_").upper()
                    lnum = line = None
                if section and isinstance(local.get("lnum"), int):
                    lnum = local["lnum"]
                if section and isinstance(local.get("line"), str):
                    line = local["line"]
            tb = tb.tb_next
        if section:
            text = f" {' '.join(line.split(';')[0].split())!r}" if line else ""
            return (f"line {lnum}: " if lnum else "") + f"[{section}]{text}: "
    return ""


def wntr_failure(exc: BaseException, path: Path) -> NetworkImportError:
    """WNTR's refusal of a file the checks passed, as ``FILE: line N: [SECTION] 'the line':
    what WNTR says (WNTR)``: the place from WNTR's reader frames (`_wntr_place`) and the
    message of the innermost exception (a KeyError's key is "unknown", an IndexError "too
    few values on the line"). Without a reader frame, WNTR's message (which
    then carries its own line) alone, on one line."""
    chain, e = [], exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    where, root = _wntr_place(chain), chain[-1]
    if isinstance(root, KeyError) and not str(root).startswith("(Error"):
        key = repr(root.args[0]) if root.args else "a name"
        what = f"{key} is unknown (not an id the file defines, nor a keyword WNTR knows)"
    elif isinstance(root, IndexError):
        what = "too few values on the line"
    else:
        what = re.sub(r", at line \d+.*", "", str(root), flags=re.S) if where else str(root)
    return NetworkImportError(f"{path}: {where}{' '.join(what.split())} (WNTR)")
