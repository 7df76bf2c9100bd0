"""The UI, the CLI's light commands and the store never import torch: they must start
fast, and torch lives only in the grading worker's process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LIGHT_MODULES = ["quiz.cli", "quiz.ui.app", "quiz.ui.exercise.screen", "quiz.ui.home.screen", "quiz.ui.question.screen",
                 "quiz.ui.progress.screen", "quiz.ui.dialogs", "quiz.storage.store", "quiz.learning.schedule", "quiz.questions.bank", "quiz.interview.session", "quiz.interview.export", "quiz.ui.question.review",
                 "grader.run.engine", "grader.registry", "grader.results",
                 "quiz.learning.standing", "quiz.results.arrange", "quiz.text.wrap", "quiz.cli.watcher", "quiz.learning.history", "quiz.storage.exchange",
                 "quiz.learning.tuning", "quiz.learning.path", "quiz.batch.report", "quiz.batch.similarity", "quiz.ui.exercise.attempts",
                 "quiz.ui.progress.activity", "quiz.ui.loop", "quiz.ui.palette", "quiz.ui.exercise.results",
                 "grader.run.batch", "grader.run.pool", "grader.run.ray_pool"]


def heavy_modules_after(code: str) -> list[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'numpy', 'pytest'))))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_module_imports_no_torch(module):
    assert heavy_modules_after(f"import {module}") == []


def test_transferlings_list_imports_no_torch():
    code = "from quiz.cli import main\nimport contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    assert main(['list', '--json']) == 0"
    assert heavy_modules_after(code) == []
