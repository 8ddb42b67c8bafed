"""How the package is laid out stays as docs/architecture.md says: imports at
the top of modules, no cycle among our packages, no module that shadows the
standard library or ckanext-harvest's ``queue``."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import ckanext.nakano

PACKAGE = Path(ckanext.nakano.__file__).parent
PREFIX = "ckanext.nakano"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if "tests" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join([PREFIX, *parts])] = path
    return found


def _own_imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported module of ours, whether the import sits inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {id(node) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for node in ast.walk(fn)}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else (node.module or "")
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                if target in modules and target != name:
                    found.append((target, id(node) in in_function))
        elif isinstance(node, ast.Import):
            found += [(a.name, id(node) in in_function) for a in node.names if a.name in modules]
    return found


def _top(name: str) -> str:
    return ".".join(name.split(".")[:3])


def test_imports_of_our_modules_are_at_the_top():
    modules = _modules()
    inside = [f"{name} imports {target}" for name, path in modules.items()
              for target, in_function in _own_imports(name, path, modules) if in_function]
    assert inside == []


def test_no_cycle_among_our_packages():
    """Package level (``metrics``, ``validation``, ``search`` …): a cycle there is
    what forced the lazy imports before."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        for target, _ in _own_imports(name, path, modules):
            if _top(target) != _top(name):
                graph.setdefault(_top(name), set()).add(_top(target))

    def reaches(start: str, goal: str, seen: set[str]) -> list[str] | None:
        for nxt in sorted(graph.get(start, ())):
            if nxt == goal:
                return [nxt]
            if nxt not in seen:
                seen.add(nxt)
                path = reaches(nxt, goal, seen)
                if path:
                    return [nxt, *path]
        return None

    cycles = []
    for package in sorted(graph):
        path = reaches(package, package, set())
        if path:
            cycles.append(" → ".join([package, *path]).replace(PREFIX + ".", ""))
    assert cycles == []


def test_no_module_shadows_the_standard_library_or_ckanext_harvest():
    names = {path.stem for path in PACKAGE.rglob("*.py") if "tests" not in path.parts}
    assert names & (set(sys.stdlib_module_names) | {"queue"}) == set()
