"""The code's shape: who may import whom (DESIGN.md, "Layers"), and small functions.

::

    cli/  (click: parse options, print)      one library call per command
      └─> attrib.scan · attrib.check · attrib.generate · attrib.web      (front ends)
            ├─> attrib.files    read + decode what to attribute
            ├─> attrib.match    facts: spans and sources      ─> attrib.store (storage only)
            ├─> attrib.judge    policy + notices -> verdicts  (the only place verdicts are made)
            └─> attrib.report   typed report ─> attrib.formats.*
    indexer/ (sources -> pipeline) ─> attrib.store   feeds the index; only cli/ imports it

Imports are read from the source (module level and inside functions alike).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"attrib": ROOT / "attrib", "attrib.cli": ROOT / "cli", "attrib.indexer": ROOT / "indexer"}
MAX_LINES = 60
LONG_FUNCTIONS = {  # function -> why it may be longer than MAX_LINES
    "attrib.web.app.create_app": "the routes are closures over the settings and the per-thread store; each is short",
    "attrib.match._candidates": "one vectorised numpy pipeline (the matcher's internals, issue 13)",
}


def modules() -> dict[str, Path]:
    """Every module of the three packages, by its installed name."""
    out = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join((package, *parts))] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """The modules ``name`` imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def importers_of(prefix: str) -> set[str]:
    return {name for name, path in modules().items()
            if any(i == prefix or i.startswith(prefix + ".") for i in imports(name, path))}


def test_every_module_is_found():
    names = modules()
    assert {"attrib.judge", "attrib.cli.main", "attrib.indexer.pipeline", "attrib.indexer.sources.stack"} <= set(names)


def test_only_the_cli_imports_the_indexer():
    outside = {m for m in importers_of("attrib.indexer") if not m.startswith(("attrib.cli", "attrib.indexer"))}
    assert outside == set()


def test_nothing_imports_the_cli():
    assert {m for m in importers_of("attrib.cli") if not m.startswith("attrib.cli")} <= {"attrib.__main__"}


@pytest.mark.parametrize("lower, higher", [
    ("attrib.store", ("attrib.match", "attrib.judge", "attrib.report", "attrib.formats", "attrib.scan",
                      "attrib.check", "attrib.generate", "attrib.web")),
    ("attrib.match", ("attrib.judge", "attrib.report", "attrib.formats", "attrib.policy", "attrib.scan")),
    ("attrib.judge", ("attrib.store", "attrib.match", "attrib.scan", "attrib.formats.json", "attrib.formats.text")),
    ("attrib.report", ("attrib.store", "attrib.match", "attrib.judge", "attrib.formats")),
    ("attrib.formats", ("attrib.store", "attrib.match", "attrib.judge", "attrib.scan")),
    ("attrib.files", ("attrib.store", "attrib.match", "attrib.judge")),
])
def test_arrows_point_down(lower, higher):
    """A lower layer never imports a higher one (type-checking imports included)."""
    for name, path in modules().items():
        if name == lower or name.startswith(lower + "."):
            bad = {i for i in imports(name, path) for h in higher if i == h or i.startswith(h + ".")}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_only_the_judge_makes_verdicts():
    """Policy.verdict (the policy's table) is consulted by the judge alone."""
    callers = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "verdict":
                callers.add(name)
    assert callers == {"attrib.judge"}


def test_library_functions_are_short():
    long = {}
    for name, path in modules().items():
        if not name.startswith("attrib.") or name.startswith(("attrib.cli", "attrib.indexer")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES and f"{name}.{node.name}" not in LONG_FUNCTIONS:
                    long[f"{name}.{node.name}"] = lines
    assert long == {}, f"functions over {MAX_LINES} lines (split them, or say why in LONG_FUNCTIONS)"
