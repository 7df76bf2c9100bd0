"""The import rules of docs/ARCHITECTURE.md, checked over the real import graph (every
import statement, at module level or inside a function)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("quiz", "grader")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (a name imported from a package that is
    itself a module counts as that module)."""
    mods = modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for target in targets:
                found = resolve(target)
                if found and found != name:
                    edges[name].add(found)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(edges) | {w for targets in edges.values() for w in targets}):
        if v not in index:
            visit(v)
    return found


def under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(rule) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets if rule(a, b))


def test_the_import_graph_has_no_circle():
    assert cycles(graph()) == []


def test_the_grader_never_imports_the_app():
    assert violations(lambda a, b: under(a, "grader") and under(b, "quiz")) == []


def test_only_the_cli_imports_the_ui_and_nothing_imports_the_cli():
    assert violations(lambda a, b: under(b, "quiz.ui") and not under(a, "quiz.ui", "quiz.cli")) == []
    assert violations(lambda a, b: under(b, "quiz.cli") and not under(a, "quiz.cli", "quiz.__main__")) == []


def test_only_the_cli_reaches_the_browser_notebook_and_anki_modules():
    """quiz.reach (textual-serve, IPython, genanki) is loaded by its commands only; the
    notebook extension enters through the top-level `transferlings` package."""
    assert violations(lambda a, b: under(b, "quiz.reach") and not under(a, "quiz.reach", "quiz.cli")) == []
    assert violations(lambda a, b: under(a, "quiz.reach") and under(b, "quiz.ui", "quiz.cli")) == []


def test_the_app_s_domains_know_no_ui_and_the_store_no_engine():
    """questions, text, storage, learning, interview, results and batch are plain data and
    rules: they import no UI and no CLI; storage and text import nothing of the grader but
    its registry."""
    core = ("quiz.questions", "quiz.text", "quiz.storage", "quiz.learning", "quiz.interview", "quiz.results",
            "quiz.batch")
    assert violations(lambda a, b: under(a, *core) and under(b, "quiz.ui", "quiz.cli")) == []
    assert violations(lambda a, b: under(a, "quiz.storage", "quiz.text") and under(b, "grader")
                      and b != "grader.registry") == []


def test_graders_and_fixtures_use_only_the_authoring_api():
    """A grader module imports the authoring API and the fixtures, never the engine or the
    guard (which judge it); fixtures import neither."""
    assert violations(lambda a, b: under(a, "grader.graders", "grader.fixtures", "grader.authoring")
                      and under(b, "grader.run", "grader.guard")) == []


def test_screens_never_import_one_another():
    """A screen opens another through the app (open_question, open_exercise, ...): only
    quiz.ui.app and the launchers import screens. Dialogs are shared widgets."""
    screens = {m for m in modules() if under(m, "quiz.ui") and m.rsplit(".", 1)[0] != "quiz.ui"
               and defines_screen(modules()[m])}
    assert violations(lambda a, b: b in screens and a in screens) == []
    feature = lambda m: m.split(".")[2] if m.count(".") >= 3 else None  # noqa: E731
    assert violations(lambda a, b: under(a, "quiz.ui") and b in screens and a != "quiz.ui.app"
                      and feature(a) != feature(b)) == []


def defines_screen(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = ast.unparse(base)
                if "Screen" in name or "Modal" in name:
                    return True
    return False


def test_no_two_modules_in_a_folder_differ_by_one_letter():
    by_folder = defaultdict(list)
    for path in modules().values():
        by_folder[path.parent].append(path.stem)
    close = []
    for folder, names in by_folder.items():
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if one_edit(a, b):
                    close.append(f"{folder.relative_to(ROOT)}: {a} / {b}")
    assert close == []


def one_edit(a: str, b: str) -> bool:
    """a and b differ by one inserted, deleted or replaced character."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def test_the_rules_catch_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
