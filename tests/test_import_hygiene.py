"""The app's modules never import torch: the UI, the CLI's light commands and the store
must start fast, and torch lives only in the grading worker's process. Every module of
quiz/ is covered, found by walking the tree (a new module is covered without being
listed), plus the grader modules the app imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "torchvision", "numpy", "pytest")
GRADER_LIGHT = ["grader.run.engine", "grader.registry", "grader.results", "grader.run.batch", "grader.run.pool",
                "grader.run.ray_pool"]


def app_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "quiz").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def first_heavy_imports(modules: list[str]) -> dict[str, list[str]]:
    """Import `modules` one after another in a fresh interpreter: for each one after which
    a heavy package is loaded, the heavy modules it brought in (the first culprit only)."""
    probe = (
        "import importlib, json, sys\n"
        f"heavy = {HEAVY!r}\n"
        "found = {}\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "    if loaded:\n"
        "        found[name] = loaded[:5]\n"
        "        break\n"
        "print(json.dumps(found))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_walk_finds_the_app():
    assert {"quiz.cli", "quiz.ui.app", "quiz.storage.store"} <= set(app_modules())


def test_no_app_module_imports_torch():
    assert first_heavy_imports(app_modules() + GRADER_LIGHT) == {}


def test_the_probe_catches_a_heavy_import():
    assert first_heavy_imports(["json", "grader.fixtures.models"]) != {}


def test_transferlings_list_imports_no_torch():
    code = ("from quiz.cli import main\nimport contextlib, io, sys\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['list', '--json']) == 0\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip().splitlines()[-1] == "[]"


REACH = ("textual_serve", "aiohttp", "genanki", "IPython")


def test_the_app_and_the_cli_start_without_the_reach_libraries():
    """The browser server, Anki export and notebook extension load their libraries only
    when used: starting the terminal app or a command imports none of them."""
    code = ("import sys\nimport quiz.cli, quiz.ui.app\nfrom quiz.cli import build_parser\nbuild_parser()\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({REACH!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip().splitlines()[-1] == "[]"
