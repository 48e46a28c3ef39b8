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
* aliases that expand to more than :data:`MAX_EXPANDED_NODES` nodes (a "billion laughs" file
  of a few hundred bytes is rejected after composing, before anything walks the expansion);
* files larger than the caller's byte limit (:func:`read_yaml_file`), and nesting deeper than
  the interpreter can follow.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sim.core.text_input import InputFileError, decode_text

MAX_EXPANDED_NODES = 200_000
"""Largest number of nodes a document may expand to once its aliases are followed (a scenario
has a few hundred; a long sweep spec a few thousand)."""
SCENARIO_MAX_BYTES = 1_000_000
"""Largest scenario, ``extends:`` parent or spec file read (shipped ones are < 20 kB)."""
JOURNAL_MAX_BYTES = 20_000_000
"""Largest exercise journal read (a day-long exercise writes well under 1 MB)."""


class YamlInputError(ValueError):
    """A YAML text that cannot be accepted: ``where`` (``line L, column C``, ``(file)`` or
    ``(yaml)``) and ``message`` (what was found and what was expected)."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` with YAML 1.2 core-schema scalars and duplicate keys refused (module
    docstring). No object construction beyond plain data."""

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
    StrictLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{tag}", re.compile(pattern, re.X), list(first) if first else None
    )


_add("null", r"^(?:~|null|Null|NULL)$", "~nN")
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
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
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)


class StrictDumper(yaml.SafeDumper):
    """``SafeDumper`` that quotes every string a YAML 1.1 *or* a :class:`StrictLoader` reader
    would take for something else (``'1e5'``, ``'on'``, ``'8:30'``), so files citysafe writes
    read back identically under either."""

    yaml_implicit_resolvers = {
        first: list(yaml.SafeDumper.yaml_implicit_resolvers.get(first, []))
        + list(StrictLoader.yaml_implicit_resolvers.get(first, []))
        for first in set(yaml.SafeDumper.yaml_implicit_resolvers)
        | set(StrictLoader.yaml_implicit_resolvers)
    }


def dump_yaml(data: Any, **kwargs: Any) -> str:
    """YAML text of plain data (block style, keys in order, Unicode kept) that
    :func:`load_yaml` reads back as ``data``."""
    kwargs.setdefault("sort_keys", False)
    kwargs.setdefault("allow_unicode", True)
    return yaml.dump(data, Dumper=StrictDumper, **kwargs)


def _where(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(yaml)"


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes in the document once aliases are followed (an alias re-counts its target's
    subtree); stops counting past ``limit``. Memoised per node, so O(distinct nodes)."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        if isinstance(node, yaml.ScalarNode):
            size[id(node)] = 1
            continue
        children = (
            [c for pair in node.value for c in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if done:
            size[id(node)] = min(limit + 1, 1 + sum(size[id(c)] for c in children))
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)
    return size[id(root)]


def load_yaml(text: str) -> Any:
    """Parse one YAML document strictly (module docstring).

    Returns:
        Plain data: dicts, lists, str, int, float, bool, None, datetime/date.

    Raises:
        YamlInputError: syntax errors, duplicate keys, alias bombs, impossible values (e.g.
            the date 2019-13-45), nesting too deep; ``where`` gives line and column.
    """
    loader = None
    try:
        loader = StrictLoader(text)  # the reader refuses non-printable characters here
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
            raise YamlInputError(
                "(yaml)",
                f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); "
                "write the values out instead",
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlInputError(_where(mark), f"YAML syntax error: {what}") from None
    except RecursionError:
        raise YamlInputError("(yaml)", "nesting too deep") from None
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, YamlInputError):
            raise
        raise YamlInputError("(yaml)", f"invalid value: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml_file(path: Path, max_bytes: int = SCENARIO_MAX_BYTES) -> Any:
    """Read and strictly parse a UTF-8 YAML file of at most ``max_bytes`` bytes.

    Raises:
        FileNotFoundError: no such file (callers word their own message).
        YamlInputError: too large, not UTF-8 (a BOM is accepted; UTF-16 with its BOM is
            decoded, :func:`sim.core.text_input.decode_text`), unreadable, or
            :func:`load_yaml` refused it.
    """
    path = Path(path)
    try:
        n_bytes = path.stat().st_size
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise YamlInputError("(file)", f"cannot read: {exc}") from None
    if n_bytes > max_bytes:
        raise YamlInputError(
            "(file)", f"file is {n_bytes:,} bytes; at most {max_bytes:,} are accepted"
        )
    try:
        text = decode_text(path.read_bytes(), path)
    except InputFileError as exc:
        raise YamlInputError("(file)", exc.what) from None
    except IsADirectoryError:
        raise YamlInputError("(file)", "is a folder, not a file") from None
    except OSError as exc:
        raise YamlInputError("(file)", f"cannot read: {exc}") from None
    return load_yaml(text)
