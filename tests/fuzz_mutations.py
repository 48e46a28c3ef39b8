"""Mutations of real input files for the input fuzz test (``tests/test_fuzz_inputs.py``).

Each mutation takes the text of a shipped file and returns a damaged copy of the kind users
produce: a value of the wrong type or out of range, a deleted or misspelt key, a duplicated
key, a YAML 1.1 token (``8:30``, ``yes``), a truncated or re-encoded file, a blank or
non-numeric CSV cell, a missing column, rows out of order. They are hypothesis strategies so
that a failure shrinks to the smallest damage that causes it.

Only the test and the long fuzz run (``benchmarks/fuzz_inputs.py``) use this module.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import yaml
from hypothesis import strategies as st

RAW_TOKENS = [
    "8:30", "yes", "no", "on", "off", "~", "null", "", ".nan", ".inf", "-.inf", "NaN", "1e400",
    "-1", "0", "1_000", "0o17", "0x1F", "2019-13-45T25:00:00Z", "2019-08-09", "'unterminated",
    "[1, 2", "{a: 1}", "*undefined_alias", "&anchor x", "!!python/object:os.system ls",
    "Pudong", "荔枝", "\t", "999999999999999999999", "3.0e8", "-0.0", "true",
]  # fmt: skip
"""Scalars written into a YAML file as raw text: each is a case real files have had (YAML 1.1
sexagesimal times and booleans, special floats, broken flow collections, aliases, tags)."""

CSV_TOKENS = [
    "", "nan", "NaN", "inf", "-inf", "-1", "0", "1e308", "-1e308", "abc", "9999", "1,5",
    "１２", "2030-08-01T00:00:00", "2030-13-01T00:00:00Z", " 25 ", "None", '"', "\x00",
]  # fmt: skip
"""Cells written into a CSV file: blanks, special floats, signs, text in numbers, decimal
commas, full-width digits, times without a zone or out of range, a stray quote, a NUL."""

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(RAW_TOKENS),
    st.text(max_size=12),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.sampled_from(["a", "theta", "value", "level"]), st.integers(), max_size=2),
)
"""Values put in place of a node of a parsed YAML or JSON tree."""


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys and indices) into a tree of dicts and lists, root excluded."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()  # fmt: skip
    for k, v in items:
        out.append((*prefix, k))
        out += _paths(v, (*prefix, k))
    return out


def _parent(tree: Any, path: tuple) -> Any:
    node = tree
    for k in path[:-1]:
        node = node[k]
    return node


@st.composite
def tree_mutation(draw, tree: Any) -> Any:
    """A copy of ``tree`` (parsed YAML or JSON) with one node deleted, replaced, renamed,
    wrapped in a list or emptied."""
    tree = json.loads(json.dumps(tree, default=str))  # deep copy; dates as strings
    paths = _paths(tree)
    if not paths:
        return draw(VALUES)
    path = draw(st.sampled_from(paths))
    parent, key = _parent(tree, path), path[-1]
    op = draw(st.sampled_from(["delete", "replace", "rename", "wrap", "empty"]))
    if op == "delete":
        del parent[key]
    elif op == "replace":
        parent[key] = draw(VALUES)
    elif op == "rename" and isinstance(parent, dict):
        typo = draw(st.sampled_from(["drop", "swap", "upper", "suffix"]))
        k = str(key)
        new = {
            "drop": k[1:] or "x",
            "swap": k[1:2] + k[:1] + k[2:],
            "upper": k.upper(),
            "suffix": k + "s",
        }[typo]
        parent[new] = parent.pop(key)
    elif op == "wrap":
        parent[key] = [parent[key]]
    else:
        parent[key] = {} if isinstance(parent[key], dict) else []
    return tree


@st.composite
def text_mutation(draw, text: str) -> str:
    """``text`` with one line's value replaced by a raw token, a line deleted or duplicated
    (a duplicate key), the file truncated, or a character inserted."""
    lines = text.splitlines(keepends=True)
    op = draw(st.sampled_from(["token", "delete", "duplicate", "truncate", "insert"]))
    if not lines or op == "truncate":
        return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    i = draw(st.integers(0, len(lines) - 1))
    line = lines[i]
    if op == "token" and ":" in line:
        head = line.split(":", 1)[0]
        lines[i] = f"{head}: {draw(st.sampled_from(RAW_TOKENS))}\n"
    elif op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, line)
    else:
        at = draw(st.integers(0, len(line)))
        char = draw(st.sampled_from(["\t", ":", "-", "&", "*", "{", "\ufeff"]))
        lines[i] = line[:at] + char + line[at:]
    return "".join(lines)


@st.composite
def yaml_mutation(draw, text: str) -> str:
    """A damaged YAML file: a tree mutation written back, or a text mutation."""
    if draw(st.booleans()):
        tree = yaml.safe_load(text)
        return yaml.safe_dump(draw(tree_mutation(tree)), allow_unicode=True, sort_keys=False)
    return draw(text_mutation(text))


@st.composite
def json_mutation(draw, text: str) -> str:
    """A damaged JSON file (a GeoJSON): a tree mutation, or a truncated file."""
    if draw(st.booleans()):
        return json.dumps(draw(tree_mutation(json.loads(text))))
    return text[: draw(st.integers(0, len(text) - 1))]


@st.composite
def csv_mutation(draw, text: str) -> str:
    """A damaged CSV table: a cell replaced, a column dropped or renamed, a row duplicated,
    deleted or moved, every data row removed, or the file truncated."""
    rows = list(csv.reader(io.StringIO(text)))
    op = draw(st.sampled_from(["cell", "cell", "drop_col", "rename_col", "dup_row", "del_row",
                               "move_row", "no_rows", "truncate"]))  # fmt: skip
    if op == "truncate" or len(rows) < 2:
        return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    width = len(rows[0])
    r = draw(st.integers(1, len(rows) - 1))
    c = draw(st.integers(0, width - 1))
    if op == "cell":
        if c < len(rows[r]):
            rows[r][c] = draw(st.sampled_from(CSV_TOKENS))
    elif op == "drop_col":
        rows = [row[:c] + row[c + 1 :] for row in rows]
    elif op == "rename_col":
        rows[0][c] = rows[0][c].upper()
    elif op == "dup_row":
        rows.insert(r, list(rows[r]))
    elif op == "del_row":
        del rows[r]
    elif op == "move_row":
        rows.insert(draw(st.integers(1, len(rows) - 1)), rows.pop(r))
    else:
        rows = rows[:1]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def encoding_mutation(draw, text: str) -> bytes:
    """The file's bytes: UTF-8 (most often), with a BOM, UTF-16, GBK or Latin-1 where the text
    can be encoded so, or with one byte flipped."""
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "gbk",
                                "latin-1", "flip"]))  # fmt: skip
    if enc == "flip":
        data = bytearray(text.encode("utf-8"))
        if data:
            data[draw(st.integers(0, len(data) - 1))] ^= 0x80
        return bytes(data)
    try:
        return text.encode(enc)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def mutation_for(name: str, text: str) -> st.SearchStrategy[str]:
    """The mutation strategy of a file by its suffix (``.yaml``, ``.csv``, ``.geojson``/
    ``.json``; anything else gets text mutations)."""
    if name.endswith((".yaml", ".yml")):
        return yaml_mutation(text)
    if name.endswith(".csv"):
        return csv_mutation(text)
    if name.endswith((".geojson", ".json")):
        return json_mutation(text)
    return text_mutation(text)
