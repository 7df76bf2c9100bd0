"""Every grader proven against implementations: the reference solution passes every check,
the untouched stub passes none, each mutant (tests/mutants/NAME/*.py, one realistic bug a
file) fails, and each alternative correct implementation (tests/alternatives/NAME/*.py)
passes. A mutant's docstring may say `Caught by: <part of a check's name>`; then a check
with that name must be among the failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader import registry
from quiz.storage.workspace import PRISTINE

HERE = Path(__file__).parent
ROOT = HERE.parent
EXERCISES = registry.names()


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
