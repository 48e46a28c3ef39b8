"""Checks of an EPANET input file's text before WNTR reads it.

WNTR (1.5) accepts some files EPANET refuses and fails on others without naming the element,
so the text is checked first against EPANET 2.2's own rules (EPANET 2.2 User Manual, Rossman
et al. 2020, EPA/600/R-20/133, Appendix C; source ``src/types.h`` and ``src/input3.c`` of
OpenWaterAnalytics/EPANET 2.2):

* an id is at most `EPANET_MAX_ID` = 31 characters (``MAXID``; EPANET error 252), unique among
  nodes and among links (error 215);
* a pipe's length is a number > 0 (error 211, "illegal link property value");
* a link joins nodes the file defines (error 203, "undefined node");
* without ``Units`` in ``[OPTIONS]`` EPANET uses GPM (US gallons per minute; lengths then in
  feet; Manual Appendix C, [OPTIONS] "UNITS … default is GPM"): applied with a warning (WNTR
  fails without it).

Each refused element is named with its section, id and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.networks.errors import NetworkImportError
from sim.networks.import_files import id_list, note

EPANET_MAX_ID = 31
"""Longest id EPANET 2.2 accepts (``MAXID`` in ``src/types.h``)."""
DEFAULT_FLOW_UNITS = "GPM"
"""EPANET's flow units when ``[OPTIONS]`` has no ``Units`` (Manual, Appendix C)."""
NODE_SECTIONS = {"JUNCTIONS": "junction", "RESERVOIRS": "reservoir", "TANKS": "tank"}
LINK_SECTIONS = {"PIPES": "pipe", "PUMPS": "pump", "VALVES": "valve"}
_HEADER = re.compile(r"^\s*\[([^\]]+)\]")


def inp_rows(text: str) -> list[tuple[str, int, list[str]]]:
    """(section in capitals, line number, tokens) of each data line; comments (after ``;``)
    and blank lines skipped; a section's missing or extra trailing S is tolerated as in WNTR."""
    rows, section = [], ""
    for lineno, line in enumerate(text.splitlines(), start=1):
        head = _HEADER.match(line)
        if head:
            section = head.group(1).strip().upper()
            if section + "S" in NODE_SECTIONS | LINK_SECTIONS:
                section += "S"
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


def _link_problems(rows, node_ids: set[str]) -> list[str]:
    """Pipes whose length is not a number > 0; links to nodes the file does not define."""
    out = []
    for section, lineno, tokens in rows:
        kind = LINK_SECTIONS.get(section)
        if kind is None:
            continue
        eid = tokens[0]
        missing = [t for t in tokens[1:3] if t not in node_ids]
        if len(tokens) < 3:
            out.append(f"line {lineno}: [{section}] {kind} {eid!r} lacks its end nodes")
        elif missing:
            out.append(
                f"line {lineno}: [{section}] {kind} {eid!r} joins undefined node(s) "
                f"{id_list(missing)}"
            )
        if section != "PIPES" or len(tokens) < 4:
            continue
        try:
            length = float(tokens[3])
        except ValueError:
            out.append(f"line {lineno}: [PIPES] pipe {eid!r} length {tokens[3]!r} is not a number")
            continue
        if not length > 0:
            out.append(
                f"line {lineno}: [PIPES] pipe {eid!r} has length {tokens[3]}; EPANET needs a "
                "length > 0 (merge the pipe into its neighbour or give its real length)"
            )
    return out


def check_inp(text: str, path: Path, notes: list[str]) -> str:
    """Check an EPANET input file's text (module docstring); return it with the defaults
    EPANET would apply written in (``Units``).

    Args:
        text: the decoded file.
        path: the file, named in messages.
        notes: warnings are appended here (and issued).

    Raises:
        NetworkImportError: ids too long or repeated, pipe lengths ≤ 0, links to undefined
            nodes; every offending element named (the first ten) with its line.
    """
    rows = inp_rows(text)
    node_ids = {tok[0] for sec, _, tok in rows if sec in NODE_SECTIONS}
    problems = _id_problems(rows) + _link_problems(rows, node_ids)
    if problems:
        more = f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""
        raise NetworkImportError(f"{path}: " + "; ".join(problems[:10]) + more)
    if not any(sec == "OPTIONS" and tok[0].upper() == "UNITS" for sec, _, tok in rows):
        note(
            notes,
            path,
            f"[OPTIONS] has no Units: EPANET's default {DEFAULT_FLOW_UNITS} applied (flows in "
            "US gallons per minute, lengths in feet, elevations in feet)",
        )
        text = _with_units(text)
    return text


def _with_units(text: str) -> str:
    """`text` with ``[OPTIONS] Units GPM`` added before ``[END]`` (or at the end), so the
    file's own lines keep their numbers in WNTR's messages."""
    lines = text.splitlines(keepends=True)
    end = next((i for i, ln in enumerate(lines) if ln.strip().upper() == "[END]"), len(lines))
    added = ["\n", "[OPTIONS]\n", f" Units {DEFAULT_FLOW_UNITS}\n"]
    return "".join(lines[:end] + added + lines[end:])
