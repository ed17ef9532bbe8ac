"""The package import graph: no cycle between packages, and the layer rules of STYLE.md.

Every module under ``geohub/`` is parsed with ``ast``; imports at module level, inside
functions and under ``TYPE_CHECKING`` all count. A "package" is a top-level entry of
``geohub``: a subpackage (``geohub.storage``) or a module (``geohub.services``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

GEOHUB = Path(__file__).resolve().parents[1] / "geohub"

# Beside every `routes.py`, the only modules that may import Flask (or a Flask extension): the
# app, its HTTP hooks and helpers. Core modules (services, stores, publishing, tiles…) never do.
FLASK_MODULES = {
    "geohub.app",
    "geohub.base_url",
    "geohub.compression",
    "geohub.cors",
    "geohub.extensions",
    "geohub.health",
    "geohub.problems",
    "geohub.request_log",
    "geohub.request_body",
    "geohub.request_language",
    "geohub.request_writer",
    "geohub.security_headers",
    "geohub.static_response",
    "geohub.auth.context",
    "geohub.auth.http",
    "geohub.auth.layer_visibility",
    "geohub.features.revalidation",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(GEOHUB.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every absolute module name ``path`` imports, wherever the import statement sits."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            for alias in node.names:  # `from geohub import services` names a module
                yield f"{target}.{alias.name}"


def all_imports() -> dict[str, set[str]]:
    return {module_name(path): set(imported_modules(path)) for path in sorted(GEOHUB.rglob("*.py"))}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "geohub" or len(parts) < 2:
        return None
    return parts[1]


def package_graph(imports: dict[str, set[str]]) -> dict[str, set[str]]:
    known = {package_of(module) for module in imports} - {None}
    graph: dict[str, set[str]] = {package: set() for package in known if package}
    for module, targets in imports.items():
        source = package_of(module)
        if source is None:
            continue
        for target in targets:
            imported = package_of(target)
            if imported in known and imported != source:
                graph[source].add(imported)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_graph_is_found() -> None:
    graph = package_graph(all_imports())
    assert {"storage", "tiles", "publishing", "features", "layers"} <= set(graph)
    assert "storage" in graph["tiles"]


def test_no_import_cycle_between_packages() -> None:
    cycle = find_cycle(package_graph(all_imports()))
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_find_cycle_names_the_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_only_the_http_layer_imports_flask() -> None:
    importers = {
        module
        for module, targets in all_imports().items()
        if any(target.split(".")[0].startswith("flask") for target in targets)
    }
    outside = {module for module in importers - FLASK_MODULES if not module.endswith(".routes")}
    assert not outside, f"core modules import flask: {sorted(outside)}"


def test_routes_never_import_psycopg() -> None:
    offenders = {
        module
        for module, targets in all_imports().items()
        if module.endswith(".routes")
        and any(target.split(".")[0].startswith("psycopg") for target in targets)
    }
    assert not offenders, f"routes import psycopg: {sorted(offenders)}"
