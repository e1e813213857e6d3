"""The house rules of the code (DESIGN.md), checked on every module the app ships:
only ui/ imports Gradio, no folder imports the doors (ui/, api/), studio/ stays headless,
the runtime never imports the build tools, there are no import circles, and no function is
more tangled than a reader can follow (cyclomatic complexity ≤ 25)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
# What the app ships; tests/ and the build-time tools have rules of their own.
RUNTIME = ("agent", "api", "music", "store", "studio", "styles", "ui", "video")
TOP_MODULES = ("app.py", "errors.py", "files.py", "allocator.py", "datafiles.py",
               "model_loading.py")
MAX_COMPLEXITY = 25


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def shipped_files() -> list[Path]:
    files = [ROOT / name for name in TOP_MODULES if (ROOT / name).is_file()]
    for folder in (*RUNTIME, "bench", "tools"):
        files.extend(sorted((ROOT / folder).rglob("*.py")))
    return files


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, lazy imports inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else \
        module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def top(name: str) -> str:
    return name.partition(".")[0]


FILES = shipped_files()
IMPORTS = {module_name(path): imports_of(path) for path in FILES}


def test_the_rules_see_the_whole_tree():
    names = set(IMPORTS)
    assert {"app", "studio.services", "studio.session", "ui.server", "api.routes",
            "agent.rewriter", "video.engines.base"} <= names
    assert len(names) > 150


@pytest.mark.parametrize("library", ["gradio"])
def test_only_ui_imports_gradio(library):
    offenders = sorted(m for m, found in IMPORTS.items()
                       if top(m) != "ui" and any(top(i) == library for i in found))
    assert offenders == []


def test_no_folder_imports_the_doors():
    """ui/ and api/ are doors onto studio/: nothing below them imports them, and neither
    imports the other (app.py, the one entry, puts them on one server)."""
    offenders = []
    for module, found in IMPORTS.items():
        for door in ("ui", "api"):
            if top(module) not in (door, "app") and any(top(i) == door for i in found):
                offenders.append(f"{module} imports {door}")
    assert offenders == []


def test_studio_and_below_know_no_web_framework():
    offenders = sorted(m for m, found in IMPORTS.items()
                       if top(m) not in ("ui", "api", "app")
                       and any(top(i) in ("gradio", "fastapi", "uvicorn") for i in found))
    assert offenders == []


def test_the_runtime_never_imports_the_build_tools_or_the_benches():
    offenders = sorted(m for m, found in IMPORTS.items()
                       if top(m) in (*RUNTIME, "app") and any(top(i) in ("tools", "bench")
                                                             for i in found))
    assert offenders == []


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_circles_are_found_when_there_are_some():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    graph = {m: {i for i in found if i in IMPORTS and i != m} for m, found in IMPORTS.items()}
    assert circles(graph) == []


def test_no_function_is_too_tangled_to_follow():
    tangled = []
    for path in FILES:
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > MAX_COMPLEXITY:
                tangled.append(f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname} "
                               f"({block.complexity})")
    assert tangled == []
