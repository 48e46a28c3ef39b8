"""Break-it findings of issue 16 on journals and sweeps (a fresh-clone session's inputs).

Journals: the alias cap counted every node (a plain 1.8 MB journal was an "alias bomb"), an
alias inside what it names hung the reader, and a journal of another scenario replayed without
a word. Sweeps: see the second half of this file.
"""

from __future__ import annotations

import time

import pytest

from sim.core.yaml_input import MAX_EXPANDED_NODES, YamlInputError, load_yaml
from sim.interfaces.exercise.journal import Journal, JournalError

# 10 levels of 10: under 500 bytes that expand to 10^10 strings (the break-it session's was 474).
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


# ---------------------------------------------------------------------------- the alias cap
def _plain_journal(n: int) -> str:
    """A journal of ``n`` injects without an alias (13 YAML nodes each)."""
    names = ["Riverside", "Westhill", "Harbour", "Oldtown", "Northgate"]
    lines = ["journal: 1", "scenario: typhoon.yaml", "seed: 2030", "entries:"]
    lines += [
        f"- {{t_h: {i * 30 / n:.5f}, by: trainer, event: {{type: road_collapse, "
        f"district: {names[i % 5]}, count: {1 + i % 3}}}}}"
        for i in range(n)
    ]
    return "\n".join(lines) + "\n"


def test_a_plain_journal_over_the_node_cap_loads(tmp_path):
    """20,000 injects are 260,000 nodes, none reached through an alias: not a bomb."""
    text = _plain_journal(20_000)
    assert 13 * 20_000 > MAX_EXPANDED_NODES and "&" not in text
    path = tmp_path / "big.yaml"
    path.write_text(text)
    started = time.perf_counter()
    journal = Journal.load(path)
    assert len(journal.entries) == 20_000 and journal.entries[-1].event["district"] == "Northgate"
    assert time.perf_counter() - started < 5.0  # 0.8 s measured (the pure-Python parser: 14 s)


def test_the_474_byte_bomb_is_still_refused_at_once(tmp_path):
    assert len(BOMB) < 500
    started = time.perf_counter()
    with pytest.raises(YamlInputError, match="aliases expand to more than 200,000 nodes"):
        load_yaml(BOMB)
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    with pytest.raises(JournalError, match="alias bomb"):
        Journal.load(path)
    assert time.perf_counter() - started < 1.0


def test_only_nodes_reached_through_an_alias_count():
    """An anchored list of 1,000 nodes (999 scalars) named n more times adds n x 1,000."""
    anchored = "a: &a [" + ", ".join(["x"] * 999) + "]\n"
    fits = MAX_EXPANDED_NODES // 1_000
    assert len(load_yaml(anchored + f"b: [{', '.join(['*a'] * fits)}]\n")["b"]) == fits
    with pytest.raises(YamlInputError, match="alias bomb"):
        load_yaml(anchored + f"b: [{', '.join(['*a'] * (fits + 1))}]\n")
    # an anchor inside a list, named from a later one: every alias counts wherever it is
    nested = "r: [[&a [" + ", ".join(["x"] * 999) + "]], [" + ", ".join(["*a"] * (fits + 1))
    with pytest.raises(YamlInputError, match="alias bomb"):
        load_yaml(nested + "]]\n")
    # merge keys are aliases too: a base of 1,999 nodes merged 100 times fits, 101 not
    base = "base: &b {" + ", ".join(f"k{i}: {i}" for i in range(999)) + "}\nc:\n"
    assert len(load_yaml(base + "  - {<<: *b, own: 1}\n" * 100)["c"]) == 100
    with pytest.raises(YamlInputError, match="alias bomb"):
        load_yaml(base + "  - {<<: *b, own: 1}\n" * 101)


def test_an_alias_inside_what_it_names_is_refused_not_followed_for_ever():
    """`a: &a [*a]` composes to a cycle: the node counter looped, growing without bound."""
    started = time.perf_counter()
    for text in ("a: &a [*a, 1]\n", "x: 1\nm: &m {k: {deeper: *m}}\n"):
        with pytest.raises(YamlInputError, match="refers to the collection that holds it"):
            load_yaml(text)
    assert time.perf_counter() - started < 1.0


def test_a_syntax_error_at_the_end_of_the_text_is_placed_on_its_last_line():
    """libyaml puts the end of a text without a final line break on a line after it."""
    with pytest.raises(YamlInputError) as err:
        load_yaml("entries: [1, 2")
    assert err.value.where == "line 1, column 15"
    assert "did not find expected ',' or ']' (at the end of the text)" in err.value.message
