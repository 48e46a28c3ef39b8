"""The Python code of a section of docs/extending.md, for the tests that execute it."""

from __future__ import annotations

import re
from pathlib import Path

EXTENDING = Path(__file__).resolve().parents[1] / "docs" / "extending.md"


def python_blocks(section: str) -> str:
    """The ```python blocks of ``section`` (a ``## `` heading) of docs/extending.md, joined.

    Raises:
        AssertionError: the page lacks the section, or the section has no Python block.
    """
    text = EXTENDING.read_text(encoding="utf-8")
    assert section in text, f"{EXTENDING}: no section {section!r}"
    body = re.split(r"\n## (?!#)", text.split(section, 1)[1], maxsplit=1)[0]
    blocks = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    assert blocks, f"{EXTENDING}: no python block in {section!r}"
    return "\n".join(blocks)
