"""Building the app for UI tests: a fresh store, a workspace of pristine stubs, a fixed clock."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

from quiz.storage.store import Store
from quiz.ui.app import TransferlingsApp
from quiz.ui.grading import GradingService
from quiz.storage.workspace import PRISTINE

FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def make_workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir(exist_ok=True)
    for stub in PRISTINE.glob("*.py"):
        shutil.copy(stub, folder / stub.name)
    return folder


def make_app(tmp_path: Path, *, lang: str = "en", grader=None, store: Store | None = None) -> TransferlingsApp:
    return TransferlingsApp(
        store=store or Store(tmp_path / "progress.sqlite3"),
        grading=GradingService(grader),
        folder=make_workspace(tmp_path),
        lang=lang,
        clock=lambda: FIXED_NOW,
        start_grader=False,
    )


async def wait_until(pilot, condition, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for the UI")
        await pilot.pause(0.1)
