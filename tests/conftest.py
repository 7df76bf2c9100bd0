"""Shared fixtures: one warm grading worker for the whole test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.run.engine import Grader


@pytest.fixture(scope="session")
def grader_engine():
    with Grader() as g:
        g.start()
        yield g


@pytest.fixture
def grade(grader_engine, tmp_path):
    """grade(exercise, path) -> result dict. `path` is a folder holding EXERCISE.py or any
    .py file (copied into a temporary folder under the exercise's file name)."""

    def run(exercise: str, path: Path, **kwargs) -> dict:
        path = Path(path)
        if path.suffix == ".py" and path.name != f"{exercise}.py":
            folder = tmp_path / f"impl_{path.stem}"
            folder.mkdir()
            shutil.copy(path, folder / f"{exercise}.py")
            path = folder
        return grader_engine.grade(exercise, path, device="cpu", **kwargs)

    return run


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Progress, settings and workspaces of tests never touch the real user's files."""
    monkeypatch.setenv("TRANSFERLINGS_HOME", str(tmp_path_factory.mktemp("home")))
