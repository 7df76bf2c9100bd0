"""Every grader proven against implementations: the reference solution passes every check,
the untouched stub passes none, each mutant (tests/mutants/NAME/*.py, one realistic bug a
file) fails, and each alternative correct implementation (tests/alternatives/NAME/*.py)
passes. A mutant's docstring may say `Caught by: <part of a check's name>`; then a check
with that name must be among the failures. Every check speaks Chinese: a title and hint in
Chinese, and each assertion message written with say(english, chinese)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from grader import registry
from quiz.storage.workspace import PRISTINE

HERE = Path(__file__).parent
ROOT = HERE.parent
EXERCISES = registry.names()
CJK = re.compile(r"[\u4e00-\u9fff]")


def _files(kind: str) -> list:
    params = []
    for name in EXERCISES:
        for f in sorted((HERE / kind / name).glob("*.py")):
            params.append(pytest.param(name, f, id=f"{name}/{f.stem}"))
    return params


def _caught_by(path: Path) -> str | None:
    m = re.search(r"^Caught by:\s*(.+)$", path.read_text(encoding="utf-8"), re.M)
    return m.group(1).strip() if m else None


def _summary(result: dict) -> str:
    bad = [f"{t['name']}: {t['message']}" for t in result["tests"] if t["status"] != "pass"]
    return f"{result['status']}: {result['message']}\n" + "\n".join(bad[:10])


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_passes_every_check(grade, name):
    result = grade(name, ROOT / "solutions" / f"{name}.py")
    assert result["status"] == "pass", _summary(result)
    assert result["failed"] == 0 and result["passed"] == len(result["tests"]) > 0
    assert result["max_points"] == registry.get(name).points, "registry.toml's points must equal the grader's"


@pytest.mark.parametrize("name", EXERCISES)
def test_stub_fails_every_check_cleanly(grade, name):
    result = grade(name, PRISTINE / f"{name}.py")
    assert result["status"] == "fail", _summary(result)
    assert result["passed"] == 0, _summary(result)
    for t in result["tests"]:
        assert "NotImplementedError" in t["message"] or "not implemented" in t["message"].lower(), t
        assert t["hint"], t


@pytest.mark.parametrize("name", EXERCISES)
def test_grader_has_enough_mutants_and_alternatives(name):
    assert len(list((HERE / "mutants" / name).glob("*.py"))) >= 10
    assert len(list((HERE / "alternatives" / name).glob("*.py"))) >= 2


@pytest.mark.parametrize("name,path", _files("mutants"))
def test_mutant_is_caught(grade, name, path):
    """Runs only the checks named by the mutant's `Caught by:` line (all checks, stopping
    at the first failure, when it names none): one of them must fail."""
    expected = _caught_by(path)
    result = grade(name, path, only=expected) if expected else grade(name, path, failfast=True)
    assert result["status"] in ("fail", "error"), _summary(result)
    assert result["tests"] or result["status"] == "error", f"no check is named like {expected!r}"
    failing = [t["name"] for t in result["tests"] if t["status"] in ("fail", "error")]
    assert failing or result["status"] == "error", _summary(result)


@pytest.mark.parametrize("name,path", _files("alternatives"))
def test_alternative_correct_implementation_passes(grade, name, path):
    result = grade(name, path)
    assert result["status"] == "pass", _summary(result)


@pytest.mark.parametrize("name", EXERCISES)
def test_every_check_has_a_chinese_title_and_hint(name):
    from grader.authoring.checks import check_of

    module = importlib.import_module(f"grader.graders.{name}")
    checks = {fn: check_of(obj) for fn, obj in vars(module).items() if fn.startswith("test_") and check_of(obj)}
    assert checks
    lacking = [fn for fn, c in checks.items() if not (CJK.search(c.title_zh) and CJK.search(c.hint_zh))]
    assert not lacking, f"checks of {name} without a Chinese title_zh and hint_zh: {lacking}"


def _said(node: ast.expr) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Name) and func.id == "say" or isinstance(func, ast.Attribute) and func.attr == "say"


def _unsaid(path: Path) -> list[str]:
    """Places in `path` whose assertion message has no Chinese: an assert's message or an
    AssertionError's argument that is not say(...), or a pytest.fail."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assert) and node.msg is not None and not _said(node.msg):
            found.append(f"{path.name}:{node.lineno}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "AssertionError"
              and not (node.args and _said(node.args[0]))):
            found.append(f"{path.name}:{node.lineno}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fail":
            found.append(f"{path.name}:{node.lineno} (pytest.fail)")
    return found


@pytest.mark.parametrize("name", EXERCISES)
def test_every_assertion_message_is_said_in_both_languages(name):
    """The grader and the fixture modules it imports (grader/fixtures/...)."""
    grader = ROOT / "grader" / "graders" / f"{name}.py"
    imported = {node.module for node in ast.walk(ast.parse(grader.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("grader.fixtures.")}
    files = [grader] + [ROOT / (module.replace(".", "/") + ".py") for module in sorted(imported)]
    unsaid = [place for path in files for place in _unsaid(path)]
    assert not unsaid, f"assertion messages without say(english, chinese): {unsaid}"
