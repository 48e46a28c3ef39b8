"""Architecture invariants of sim/, read from the source (AST), not from imports at run time.

1. No import cycle between files. Every import counts, including those deferred into functions
   (they still tie two files together when the function runs); imports under
   ``if TYPE_CHECKING:`` do not (they never run). A package's ``__init__`` importing its own
   submodules is not a design cycle (same rule as /work/shared/tools/import_cycles.py).
2. Data flows one way: a module imports only from its own top-level package, from packages
   earlier in ``LAYERS`` and from ``sim.core``. Today's exceptions are listed in
   ``LAYER_EXCEPTIONS`` with their reason; a new one fails, and so does a listed one that is no
   longer needed (delete it then).
3. No function over ``MAX_FUNCTION_LINES`` lines (def line to last line, docstring included)
   unless it says why in a ``# long: <reason>`` comment on its def line or the line before it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SIM = Path(__file__).resolve().parents[1] / "sim"

LAYERS = (
    "core",
    "scenario",
    "city",
    "hazards",
    "damage",
    "networks",
    "risk",
    "agents",
    "response",
    "models",
    "results",
    "studies",
    "interfaces",
)
"""Top-level packages of sim/ in the order data flows (docs/architecture.md)."""

LAYER_EXCEPTIONS: dict[tuple[str, str], str] = {
    # The long-run schema's defaults are the risk processes' calibrated constants (accident
    # rate per worker-hour, deaths per accident, P(cavity | burst), the maintenance priority
    # rules), defined next to their derivation in sim/risk. To remove: move the constants into
    # the schema module and let sim/risk import them from there.
    ("sim.scenario.longrun", "sim.risk.construction"): "calibrated defaults",
    ("sim.scenario.longrun", "sim.risk.maintenance"): "priority rule names",
    ("sim.scenario.longrun", "sim.risk.pipeline"): "calibrated default",
    # `fragility:` overrides are checked against the curve library when the file is loaded,
    # so a misspelt curve is a FILE: fragility: message, not a failure at model build.
    ("sim.scenario.schema", "sim.damage.fragility"): "override keys checked at load",
}
"""(importer, imported module) pairs allowed against the layer order, each with its reason."""

MAX_FUNCTION_LINES = 80

LONG_EXCEPTIONS: dict[str, str] = {}
"""Long functions without a ``# long:`` comment, in files this test may not edit yet."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(SIM.parent).with_suffix("").parts
        name = ".".join(parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported sim module, line) for every import that runs, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for b in node.body for n in ast.walk(b))
    is_pkg = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                up = parts[: len(parts) - node.level + (1 if is_pkg else 0)]
                base = ".".join(up + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "sim":
                continue
            while target and target not in modules:  # `from pkg import name`: the package
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append((target, node.lineno))
    return found


def _graph() -> nx.DiGraph:
    modules = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        for target, line in _imports(name, path, modules):
            g.add_edge(name, target, line=line)
    return g


def _cycles(g: nx.DiGraph) -> list[list[str]]:
    out = []
    for comp in nx.strongly_connected_components(g):
        comp = sorted(comp)
        if len(comp) < 2:
            continue
        if len(comp) == 2 and comp[1].startswith(comp[0] + "."):
            continue  # a package __init__ importing its own submodule
        out.append(comp)
    return out


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _layer_violations(g: nx.DiGraph) -> dict[tuple[str, str], int]:
    out = {}
    for src, dst, data in g.edges(data=True):
        a, b = _layer(src), _layer(dst)
        if a is None or b is None or a == b or b == "core":
            continue
        if LAYERS.index(b) > LAYERS.index(a):
            out[(src, dst)] = data["line"]
    return out


def _functions(node: ast.AST, prefix: str = ""):
    """(qualified name, def node) of every function under ``node``, nested ones included."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{child.name}", child
            yield from _functions(child, f"{prefix}{child.name}.")
        else:
            yield from _functions(child, prefix)


def _long_functions(root: Path = SIM) -> dict[str, int]:
    """'file:Qual.name' -> lines, for functions over the limit without a `# long:` reason."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        rel = path.relative_to(root.parent).as_posix()
        for name, fn in _functions(ast.parse("\n".join(lines))):
            length = fn.end_lineno - fn.lineno + 1
            first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
            around = {first - 1, fn.lineno - 1, fn.lineno}  # 1-based: line before, def line
            if length > MAX_FUNCTION_LINES and not any(
                "# long:" in lines[i - 1] for i in around if i >= 1
            ):
                out[f"{rel}:{name}"] = length
    return out


def test_every_top_level_package_has_a_place_in_the_layer_order():
    packages = {p.name for p in SIM.iterdir() if (p / "__init__.py").exists() or p.is_dir()}
    packages.discard("__pycache__")
    assert packages <= set(LAYERS), f"add {sorted(packages - set(LAYERS))} to LAYERS"


def test_no_import_cycle_between_files():
    cycles = _cycles(_graph())
    assert cycles == [], "import cycles (deferred imports count): " + "; ".join(
        " <-> ".join(c) for c in cycles
    )


def test_the_scan_counts_deferred_imports_and_skips_type_checking(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sim.models.emergency import CityModel\n"
        "def f():\n"
        "    from sim.core.streams import RandomStreams\n"
        "    from sim.networks import cascade\n",
        encoding="utf-8",
    )
    found = sorted({t for t, _ in _imports("sim.x.m", src, _modules())})
    assert found == ["sim.core.streams", "sim.networks", "sim.networks.cascade"]


def test_a_deferred_import_closes_a_cycle():
    g = _graph()
    assert g.has_edge("sim.interfaces.cli.sweep", "sim.studies.sweep.executor")  # in a function
    g.add_edge("sim.studies.sweep.executor", "sim.interfaces.cli.sweep", line=0)
    assert ["sim.interfaces.cli.sweep", "sim.studies.sweep.executor"] in _cycles(g)


def test_the_length_check_reads_the_long_reason(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "a.py").write_text(
        f"def short():\n    pass\n\n\ndef bare():\n{body}\n\n"
        f"def excused():  # long: a table of constants\n{body}\n\n"
        f"class K:\n    # long: typer options\n    @staticmethod\n    def m():\n"
        + body.replace("    ", "        "),
        encoding="utf-8",
    )
    assert _long_functions(tmp_path) == {f"{tmp_path.name}/a.py:bare": MAX_FUNCTION_LINES + 1}


def test_imports_follow_the_layer_order():
    found = _layer_violations(_graph())
    new = {k: v for k, v in found.items() if k not in LAYER_EXCEPTIONS}
    assert not new, (
        "imports against the layer order "
        + " < ".join(LAYERS)
        + ": "
        + ", ".join(f"{a} (line {line}) imports {b}" for (a, b), line in sorted(new.items()))
    )
    stale = sorted(set(LAYER_EXCEPTIONS) - set(found))
    assert not stale, f"LAYER_EXCEPTIONS entries no longer needed, delete them: {stale}"


def test_no_long_function_without_a_reason():
    found = _long_functions()
    new = {k: v for k, v in found.items() if k not in LONG_EXCEPTIONS}
    assert not new, (
        f"functions over {MAX_FUNCTION_LINES} lines: split them or say why in a "
        f"'# long: <reason>' comment at the def: {new}"
    )
    stale = sorted(set(LONG_EXCEPTIONS) - set(found))
    assert not stale, f"LONG_EXCEPTIONS entries no longer needed, delete them: {stale}"
