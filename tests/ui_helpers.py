"""Building the app for UI tests: a fresh store, a workspace of pristine stubs, a fixed
clock; typing as a terminal sends it; what a stray key could have changed."""

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


# Sentences a person types wherever the app invites an answer. They hold the letters,
# digits and punctuation bound to commands elsewhere (l language, p progress, q quit,
# o exercise, n next, a-h ticks, 1-4 ratings, space reveal, ? help, v review, i interview).
ENGLISH = "Transfer learning reuses a pretrained model: quantization, LoRA & open questions? 1 2 3 4 - yes!"
CHINESE = "迁移学习把源任务学到的知识用到目标任务上：冻结主干，只训练新的分类头。对吗？"


async def type_text(pilot, text: str) -> None:
    """Type `text` as a terminal sends it: one key event per character carrying the
    character itself (Pilot.press drops Chinese punctuation such as "：", whose key name
    it cannot map back), and enter for a line break."""
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    for line_no, line in enumerate(text.split("\n")):
        if line_no:
            await pilot.press("enter")
        for character in line:
            event = events.Key(_character_to_key(character), character)
            event.set_sender(app)
            app._driver.send_message(event)
        await pilot.pause()


def footprint(app) -> dict:
    """Everything a stray key could change: the screens, the language, ratings, ticks,
    runs, interviews, the settings other than typed drafts, and the workspace's files."""
    store = app.store
    return {
        "screens": [type(s).__name__ for s in app.screen_stack],
        "lang": app.lang,
        "reviews": [(r["question"], r["rating"]) for r in store.reviews()],
        "ticks": {q: store.ticks(q) for q in range(1, 11)},
        "runs": len(store.runs(limit=10_000)),
        "interviews": len(store.interviews()),
        "settings": {r["key"]: r["value"] for r in store.db.execute("SELECT key, value FROM settings")
                     if not r["key"].startswith("review.draft.")},
        "files": {p.name: p.read_bytes() for p in sorted(app.workspace.glob("*.py"))},
    }
