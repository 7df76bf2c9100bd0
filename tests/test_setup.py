"""The Makefile's set-up: `make run` installs what the app needs and no more, `make test`
adds the test tools, and pip's progress shows during the multi-GB install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def planned(target: str, tmp_path: Path) -> list[str]:
    """The commands `make TARGET` would run for a venv that does not exist yet."""
    out = subprocess.run(["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}"],
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def installs(lines: list[str]) -> list[str]:
    return [line for line in lines if "pip install" in line and "--upgrade pip" not in line]


def test_make_run_installs_the_app_without_the_test_extras_and_shows_progress(tmp_path):
    lines = installs(planned("run", tmp_path))
    assert lines, "make run installs the project"
    assert not any("[test]" in line or "ray" in line for line in lines)
    assert not any("--quiet" in line or " -q" in line for line in lines)


def test_make_test_adds_the_test_extras(tmp_path):
    lines = installs(planned("test", tmp_path))
    assert any("[test]" in line for line in lines)
    assert not any("--quiet" in line for line in lines)


def test_the_test_extras_hold_the_test_tools_and_the_app_needs_none_of_them():
    from quiz.storage.config import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    app = " ".join(project["dependencies"])
    test = " ".join(project["optional-dependencies"]["test"])
    for tool in ("pytest-textual-snapshot", "pytest-asyncio", "ray"):
        assert tool in test and tool not in app
