"""The folder layout is the flow: a room imports only from rooms before it, and nothing imports in a circle.

Every import counts, at module level or inside a function: a cycle hidden behind a function-level import
is still a cycle, and a lower room reaching up is still a layering break. ``TYPE_CHECKING`` imports count
too, since they say which way the dependency runs.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import nql_lsp

PACKAGE = Path(nql_lsp.__file__).parent

#: Rooms in the order of the flow. A module may import from its own room and the rooms listed before it.
ROOMS: tuple[tuple[str, ...], ...] = (
    ("nql_lsp",),  # the version
    ("nql_lsp.language",),  # the catalog: types, operators, aggregates, values, schema, record classes
    ("nql_lsp.diagnostics",),  # what a diagnostic is, every code
    ("nql_lsp.syntax",),  # text, tokens, tree, parser
    ("nql_lsp.sources",),  # where queries stand in files
    ("nql_lsp.analysis",),  # checks, diagnostics of a query
    ("nql_lsp.features", "nql_lsp.completion"),  # completion, hover, format, outline
    ("nql_lsp.runs",),  # runs as data
    ("nql_lsp.evaluation",),  # queries over runs
    ("nql_lsp.api",),  # the Python API over runs sources
    ("nql_lsp.explore",),  # the local web explorer
    ("nql_lsp.lsp",),  # the language server's handlers and state
    ("nql_lsp.server",),  # the one module that wires them to pygls
    ("nql_lsp.cli", "nql_lsp.__main__"),  # the command line
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rank(module: str) -> int:
    best = -1
    best_len = -1
    for i, room in enumerate(ROOMS):
        for prefix in room:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    assert best >= 0, f"{module} is in no room: add it to ROOMS and to docs/architecture.md"
    return best


def imports() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            found.update(t for t in targets if t in modules and t != name)
        graph[name] = found
    return graph


def test_every_module_is_in_a_room() -> None:
    for module in imports():
        rank(module)


#: The modules the package keeps at its top level; everything else lives in a room's folder.
TOP_LEVEL = {"__init__", "__main__", "server", "diagnostics", "completion"}


def test_only_the_fixed_modules_stand_at_the_top_level() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} == TOP_LEVEL


def test_no_room_imports_from_a_later_room() -> None:
    breaks = [
        f"{module} -> {target}"
        for module, targets in sorted(imports().items())
        for target in sorted(targets)
        if rank(target) > rank(module)
    ]
    assert breaks == []


def test_no_import_cycles_even_through_function_level_imports() -> None:
    graph = imports()
    # A package's __init__ re-exporting its members is not a dependency of the members on the package.
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    try:
        list(TopologicalSorter(edges).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None


def test_only_the_server_layer_imports_pygls_or_lsprotocol() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name == "nql_lsp.server" or name.startswith("nql_lsp.lsp"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offenders += [f"{name}: {n}" for n in names if n.split(".")[0] in ("pygls", "lsprotocol")]
    assert offenders == []
