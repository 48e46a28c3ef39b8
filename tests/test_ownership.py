"""Mesa-style ownership: only a model writes its own state.

An AST scan of every module under ``sim/`` fails on any write into the state of a model
object from outside the model's own module: ``model.x = …``, ``model.x += …``,
``model.a.b[k] = …``, ``del model.x``, ``setattr(model, …)`` — where a model object is a
name ``model``, ``ctx`` or ``context`` (the run context a model hands out) or any
``….model`` / ``…._model`` attribute (a Mesa agent's ``self.model``). Collaborators book
through :class:`sim.core.context.RunContext` and return results instead (the blackboard that
issue 12 removed must not come back).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
MODEL_MODULES = {"sim/models/emergency.py", "sim/models/longrun.py", "sim/models/base.py"}
"""The models themselves (they write their own state through ``self``)."""
MODEL_NAMES = {"model", "ctx", "context"}
MODEL_ATTRS = {"model", "_model"}


def _is_model(node: ast.AST) -> bool:
    """A reference to a model object: ``model``, ``ctx``, ``x.model``, ``self._model`` …"""
    if isinstance(node, ast.Name):
        return node.id in MODEL_NAMES
    return isinstance(node, ast.Attribute) and node.attr in MODEL_ATTRS


def _writes_into_model(target: ast.AST) -> bool:
    """True if assigning to ``target`` changes state reached through a model reference (the
    reference itself, ``self.model = m``, is not such a write)."""
    if isinstance(target, ast.Tuple | ast.List):
        return any(_writes_into_model(t) for t in target.elts)
    if isinstance(target, ast.Starred):
        return _writes_into_model(target.value)
    node = target
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
        if _is_model(node):
            return True
    return False


def violations(source: str, path: str = "<string>") -> list[str]:
    """``path:line: code`` of every write into a model's state in ``source``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.Call) and node.args:
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")
            if name in ("setattr", "__setattr__", "delattr") and _is_model(node.args[0]):
                out.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
        if any(_writes_into_model(t) for t in targets):
            out.append(f"{path}:{node.lineno}: {ast.unparse(node)[:80]}")
    return out


def test_no_module_writes_into_a_model_but_the_model_itself():
    found = []
    for file in sorted(SIM.rglob("*.py")):
        rel = file.relative_to(SIM.parent).as_posix()
        if rel not in MODEL_MODULES:
            found += violations(file.read_text(encoding="utf-8"), rel)
    assert not found, "writes into a model's state from outside it:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "code",
    [
        "model.deaths = 1",
        "model.deaths += 1",
        "model.losses.by_item['x'] = 2.0",
        "model.epidemic_state.s[d] -= n",
        "self.model.hazard = h",
        "a, model.x = 1, 2",
        "del model.x",
        "setattr(model, 'deaths', 1)",
        "object.__setattr__(self.model, 'x', 1)",
        "ctx.time = 3.0",
        "model.x: float = 1.0",
    ],
)
def test_scan_catches_a_write(code):
    assert len(violations(code)) == 1


@pytest.mark.parametrize(
    "code",
    [
        "self.model = model",
        "x = model.deaths",
        "model_x = 1",
        "model.service.dispatch()",
        "gov.relocated += 1",
        "setattr(other, 'x', 1)",
    ],
)
def test_scan_passes_reads_calls_and_references(code):
    assert violations(code) == []
