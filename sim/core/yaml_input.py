"""Strict YAML for every input file: YAML 1.2 scalars, no duplicate keys, bounded aliases and
size.

PyYAML's ``SafeLoader`` implements YAML 1.1, where a plain ``8:30`` is the sexagesimal integer
510, ``on``/``yes``/``off``/``no`` are booleans, ``0755`` is octal and ``1e5`` is a string. The
YAML 1.2 core schema (YAML 1.2.2 specification, section 10.3.2) dropped all of these: this loader
resolves plain scalars by that schema (null, ``true``/``false``, decimal, ``0o`` octal and
``0x`` hexadecimal integers, floats with ``.inf``/``.nan``; underscores between digits are
tolerated) plus ISO-8601 timestamps (an unambiguous full date); every other plain scalar is a
string, for the schema to accept or reject with its field path. Merge keys (``<<``) keep their
YAML 1.1 meaning (widely used with anchors).

Guards against hostile or broken files, each a :class:`YamlInputError` naming the place:

* a key repeated in one mapping (both lines named; PyYAML silently keeps the last);
* aliases whose expansions add more than :data:`MAX_EXPANDED_NODES` nodes to the document (a
  "billion laughs" file of a few hundred bytes is rejected after composing, before anything
  walks the expansion); only nodes reached through an alias count, so a plain file of any size
  up to its byte limit loads;
* an alias inside the collection it names (``a: &a [*a]``: infinitely deep);
* files larger than the caller's byte limit (:func:`read_yaml_file`), and nesting deeper than
  the parser follows (libyaml: 1,000 levels; the pure-Python parser: the interpreter's limit).

Parsing and composing use libyaml (PyYAML's ``CParser``) where PyYAML was built with it — about
20 times faster than the pure-Python parser, which is used otherwise; scalars are resolved and
constructed by the same Python classes either way.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path
from typing import Any

import yaml

from sim.core.errors import Picklable
from sim.core.text_input import InputFileError, decode_text, read_bounded

MAX_EXPANDED_NODES = 200_000
"""Most nodes that alias expansions may add to a document (each alias counts the nodes of the
subtree it names, nested aliases included). Sharing costs nothing while composing, but the
schema validation walks and builds every copy: measured with pydantic, 2 µs and 160 bytes per
node, so 200,000 nodes bound that to about 0.5 s and 30 MB (the 342-byte "billion laughs" of
387 million nodes would take 13 minutes and 60 GB). Our files use few anchors (a scenario
none; a sweep spec a few dozen nodes through ``<<:`` merges)."""
SCENARIO_MAX_BYTES = 1_000_000
"""Largest scenario, ``extends:`` parent or spec file read (shipped ones are < 20 kB)."""
JOURNAL_MAX_BYTES = 20_000_000
"""Largest exercise journal read (a day-long exercise writes well under 1 MB). Bounded by time
and memory: a plain 20 MB journal (204,800 injects) loads in about 9 s with a 1.3 GB peak
(measured on the project's 2-core machine; the node graph is most of it)."""


class YamlInputError(Picklable, ValueError):
    """A YAML text that cannot be accepted: ``where`` (``line L, column C``, ``(file)`` or
    ``(yaml)``) and ``message`` (what was found and what was expected)."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class StrictRules(yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The strict resolver and constructor both loaders share: YAML 1.2 core-schema scalars,
    duplicate keys refused (module docstring). No object construction beyond plain data."""

    yaml_implicit_resolvers: dict = {}

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], yaml.Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                ident = (key_node.tag, key_node.value)
                first = seen.setdefault(ident, key_node)
                if first is not key_node:
                    raise YamlInputError(
                        _where(key_node.start_mark),
                        f"duplicate key {key_node.value!r} (first at line "
                        f"{first.start_mark.line + 1}); each key may appear once in a mapping",
                    )
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node) -> int:
        text = self.construct_scalar(node).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        body = text.lstrip("+-")
        if body.startswith("0o"):
            return sign * int(body[2:], 8)
        if body.startswith("0x"):
            return sign * int(body[2:], 16)
        return sign * int(body, 10)

    def construct_yaml_float(self, node) -> float:
        text = self.construct_scalar(node).replace("_", "").lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text == ".nan":
            return float("nan")
        return float(text)


def _add(tag: str, pattern: str, first: str | None) -> None:
    StrictRules.add_implicit_resolver(
        f"tag:yaml.org,2002:{tag}", re.compile(pattern, re.X), list(first) if first else None
    )


_add("null", r"^(?:~|null|Null|NULL)$", "~nN")
StrictRules.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
_add("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_add("int", r"^(?:[-+]?[0-9][0-9_]*|[-+]?0o[0-7_]+|[-+]?0x[0-9a-fA-F_]+)$", "-+0123456789")
_add(
    "float",
    r"""^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    "-+0123456789.",
)
# ISO-8601 timestamps, as PyYAML reads them (a full date, with an optional time and zone).
_add(
    "timestamp",
    r"""^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}
    (?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$""",
    "0123456789",
)
_add("merge", r"^(?:<<)$", "<")
StrictRules.add_constructor("tag:yaml.org,2002:int", StrictRules.construct_yaml_int)
StrictRules.add_constructor("tag:yaml.org,2002:float", StrictRules.construct_yaml_float)


class StrictLoader(yaml.SafeLoader, StrictRules):
    """The pure-Python parser with :class:`StrictRules` (its reader refuses non-printable
    characters)."""


_CSafeLoader = getattr(yaml, "CSafeLoader", None)  # None: PyYAML built without libyaml
if _CSafeLoader is not None:

    class StrictCLoader(_CSafeLoader, StrictRules):
        """libyaml's parser and composer with :class:`StrictRules` (libyaml's reader refuses
        non-printable characters, and nesting over 1,000 levels)."""

    _LOADER: type = StrictCLoader
else:  # pragma: no cover - every PyYAML wheel on PyPI carries libyaml
    _LOADER = StrictLoader


class StrictDumper(yaml.SafeDumper):
    """``SafeDumper`` that quotes every string a YAML 1.1 *or* a :class:`StrictRules` reader
    would take for something else (``'1e5'``, ``'on'``, ``'8:30'``), so files citysafe writes
    read back identically under either."""

    yaml_implicit_resolvers = {
        first: list(yaml.SafeDumper.yaml_implicit_resolvers.get(first, []))
        + list(StrictRules.yaml_implicit_resolvers.get(first, []))
        for first in set(yaml.SafeDumper.yaml_implicit_resolvers)
        | set(StrictRules.yaml_implicit_resolvers)
    }


def dump_yaml(data: Any, **kwargs: Any) -> str:
    """YAML text of plain data (block style, keys in order, Unicode kept) that
    :func:`load_yaml` reads back as ``data``."""
    kwargs.setdefault("sort_keys", False)
    kwargs.setdefault("allow_unicode", True)
    return yaml.dump(data, Dumper=StrictDumper, **kwargs)


def _where(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(yaml)"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode):
        return []
    if isinstance(node, yaml.MappingNode):
        return [c for pair in node.value for c in pair]
    return list(node.value)


def _alias_expansion(root: yaml.Node, limit: int) -> int:
    """Nodes that aliases add to the document once followed: the sum, over every alias, of the
    nodes of the subtree it names (aliases inside it followed too). A file without aliases
    adds 0, whatever its size.

    Composed, an alias is the anchored node itself, referenced from one more parent, so this is
    sum over nodes of (parents - 1) x expanded size. One depth-first pass over the distinct
    nodes, each expanded size capped at ``limit + 1``: O(distinct nodes), never the expansion.

    Returns:
        The nodes added, or a number above ``limit`` once the count passes it.

    Raises:
        YamlInputError: an alias inside the collection it names (a cycle: infinitely deep).
    """
    size: dict[int, int] = {}
    parents: dict[int, int] = {id(root): 1}
    on_path: set[int] = set()
    added = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            on_path.discard(key)
            size[key] = min(limit + 1, 1 + sum(size[id(c)] for c in kids))
            continue
        if key in size:
            continue
        if key in on_path:
            raise YamlInputError(
                _where(node.start_mark),
                "an alias refers to the collection that holds it (infinitely deep); "
                "write the values out instead",
            )
        on_path.add(key)
        stack.append((node, True))
        for child in kids:
            parents[id(child)] = parents.get(id(child), 0) + 1
            if id(child) not in size:
                stack.append((child, False))
    for key, n_parents in parents.items():  # every parent is known only now
        added += (n_parents - 1) * size[key]
        if added > limit:
            break
    return added


def load_yaml(text: str) -> Any:
    """Parse one YAML document strictly (module docstring).

    Returns:
        Plain data: dicts, lists, str, int, float, bool, None, datetime/date.

    Raises:
        YamlInputError: syntax errors, duplicate keys, alias bombs, impossible values (e.g.
            the date 2019-13-45), nesting too deep; ``where`` gives line and column.
    """
    loader = None
    collecting = gc.isenabled()
    gc.disable()  # composing allocates millions of objects and no cycle: GC scans were > half
    try:
        loader = _LOADER(text)  # the reader refuses non-printable characters here
        node = loader.get_single_node()
        if node is None:
            return None
        # an alias needs an anchor, and an anchor an '&': without one, skip the walk
        if "&" in text and _alias_expansion(node, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
            raise YamlInputError(
                "(yaml)",
                f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); "
                "write the values out instead",
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is not None and mark.index >= len(text):  # libyaml puts the end of a text
            lines = text.split("\n")  # without a final line break on the line after it
            mark = yaml.Mark("", mark.index, len(lines) - 1, len(lines[-1]), None, None)
            what += " (at the end of the text)"
        raise YamlInputError(_where(mark), f"YAML syntax error: {what}") from None
    except RecursionError:
        raise YamlInputError("(yaml)", "nesting too deep") from None
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, YamlInputError):
            raise
        raise YamlInputError("(yaml)", f"invalid value: {exc}") from None
    finally:
        if collecting:
            gc.enable()
        if loader is not None:
            loader.dispose()


def read_yaml_file(path: Path, max_bytes: int = SCENARIO_MAX_BYTES) -> Any:
    """Read and strictly parse a UTF-8 YAML file of at most ``max_bytes`` bytes.

    Raises:
        FileNotFoundError: no such file (callers word their own message).
        YamlInputError: a folder, not a regular file, too large, unreadable
            (:func:`sim.core.text_input.read_bounded`), not UTF-8 (a BOM is accepted; UTF-16
            with its BOM is decoded, :func:`sim.core.text_input.decode_text`), or
            :func:`load_yaml` refused it.
    """
    try:
        text = decode_text(read_bounded(path, max_bytes), path)
    except InputFileError as exc:
        raise YamlInputError("(file)", exc.what) from None
    return load_yaml(text)
