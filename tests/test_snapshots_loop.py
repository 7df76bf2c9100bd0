"""The learning loop's screens at 80x24 and 120x36, in both languages: the attempts of an
exercise with a diff, the activity calendar, the review settings. (The rating keys' intervals are on the
question screen, in tests/test_snapshots.py and asserted in tests/test_ui_loop.py.)
Regenerate after an intended change with
`pytest tests/test_snapshots_loop.py --snapshot-update` and review the SVGs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from quiz.learning import history, schedule
from quiz.storage.store import Store
from quiz.ui.progress.activity import ActivityScreen
from quiz.ui.exercise.attempts import HistoryScreen
from tests.ui_helpers import FIXED_NOW, make_app, make_workspace

SIZES = [(80, 24), (120, 36)]
LANGS = ["en", "zh"]
FIRST = "import torch\n\n\ndef count_trainable(model):\n    return len(list(model.parameters()))\n"
SECOND = ("import torch\n\n\ndef count_trainable(model):\n"
          "    return sum(p.numel() for p in model.parameters() if p.requires_grad)\n")


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def result(status: str, passed: int, folder) -> dict:
    tests = [{"name": f"count_trainable counts scalars, case {i}", "status": "pass" if i < passed else "fail",
              "message": "" if i < passed else "expected 62 trainable scalars, got 4", "hint": "", "duration_s": 0.01,
              "level": "basic", "points": 1, "hidden": False, "output": ""} for i in range(4)]
    return {"exercise": "freezing", "impl": str(folder), "device": "cpu", "status": status, "message": "",
            "passed": passed, "failed": 4 - passed, "points": passed, "max_points": 4, "duration_s": 0.1, "tests": tests}


def seeded_app(tmp_path, lang):
    store = Store(tmp_path / "progress.sqlite3")
    folder = make_workspace(tmp_path)
    store.record_run(result("fail", 1, folder), at="2026-03-01T10:00:00+00:00", code=FIRST)
    store.record_run(result("fail", 3, folder), at="2026-03-01T10:05:00+00:00", code=SECOND)
    for day, q in ((0, 1), (1, 1), (2, 8), (9, 6), (30, 2)):
        schedule.review(store, q, "good", 0, 4, when=FIXED_NOW - timedelta(days=day, hours=1))
    return make_app(tmp_path, lang=lang, store=store)


def pushing(screen_factory):
    async def run(pilot):
        pilot.app.push_screen(screen_factory())
        await pilot.pause()
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_attempts_with_a_diff(snap_compare, tmp_path, lang, size):
    assert snap_compare(seeded_app(tmp_path, lang), run_before=pushing(lambda: HistoryScreen("freezing")),
                        terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_activity(snap_compare, tmp_path, lang, size):
    assert snap_compare(seeded_app(tmp_path, lang), run_before=pushing(ActivityScreen), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_review_settings(snap_compare, tmp_path, lang, size):
    from quiz.ui.progress.settings import ReviewSettingsScreen

    assert snap_compare(seeded_app(tmp_path, lang), run_before=pushing(ReviewSettingsScreen), terminal_size=size)
