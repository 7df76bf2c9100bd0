"""The exercise registry and the stubs it points to."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from grader import registry
from quiz.questions import bank
from quiz.storage.workspace import PRISTINE

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("exercise", registry.exercises(), ids=lambda e: e.name)
def test_every_exercise_is_complete(exercise):
    assert exercise.grader_file.is_file()
    assert (ROOT / "solutions" / exercise.filename).is_file()
    assert (PRISTINE / exercise.filename).is_file()
    assert len(exercise.hints["en"]) >= 3 and len(exercise.hints["zh"]) == len(exercise.hints["en"])
    assert exercise.points > 0
    assert exercise.questions and all(1 <= q <= 10 for q in exercise.questions)


def test_every_exercise_is_linked_from_its_questions():
    linked = {name for q in bank.load_questions() for name in q.exercises}
    assert linked == set(registry.names())
    for exercise in registry.exercises():
        for q in exercise.questions:
            assert exercise.name in bank.get_question(q).exercises


def test_pristine_stubs_match_the_committed_workspace_stubs():
    """grader/stubs/ (used by init and reset) is a copy of exercises/ as committed."""
    try:
        committed = {e.name: subprocess.run(["git", "show", f"HEAD:exercises/{e.filename}"], cwd=ROOT,
                                            capture_output=True, check=True).stdout for e in registry.exercises()}
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("not a git checkout")
    for name, text in committed.items():
        assert (PRISTINE / f"{name}.py").read_bytes() == text, name


@pytest.mark.parametrize("exercise", registry.exercises(), ids=lambda e: e.name)
def test_the_chinese_task_keeps_every_name_and_number_of_the_stubs_statement(exercise):
    """task.zh translates the stub's docstring (the English task): a dropped function, argument,
    method or figure would make the two languages state different tasks."""
    source = (PRISTINE / exercise.filename).read_text(encoding="utf-8")
    english = ast.get_docstring(ast.parse(source))
    functions = {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
    named = set(re.findall(r"`([^`]+)`", english)) | {w for w in re.findall(r"\w+", english) if w in functions}
    named |= {w for w in re.findall(r"\b[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*\b", english)  # LEEP, CORAL, MLP
              if not re.fullmatch(r"Q\d+", w)}  # "Q8" reads 第 8 题
    chinese = exercise.task_zh
    assert re.search(r"[\u4e00-\u9fff]", chinese)
    assert sorted(n for n in named if n not in chinese) == []
    assert sorted(set(re.findall(r"\d+", english)) - set(re.findall(r"\d+", chinese))) == []
