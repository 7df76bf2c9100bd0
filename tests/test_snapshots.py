"""Every screen at 80x24 and 120x36, in both languages. Regenerate after an intended
change with `pytest tests/test_snapshots.py --snapshot-update` and review the SVGs."""

from __future__ import annotations

import time

import pytest

from quiz.interview.session import InterviewConfig
from quiz.learning import standing
from quiz.storage.store import Store
from quiz.ui.exercise.screen import ExerciseScreen
from tests.ui_helpers import make_app

SIZES = {"80x24": (80, 24), "120x36": (120, 36)}
LANGS = ["en", "zh"]


@pytest.fixture(autouse=True)
def stable_screen(monkeypatch, tmp_path):
    """Times in UTC and the workspace shown relative to the current folder, whatever
    machine renders the snapshot."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(tmp_path)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(params=list(SIZES))
def size(request):
    return SIZES[request.param]


def failing_run() -> dict:
    tests = [
        {"name": "Only the head's parameters are trainable after freezing [resnet18]", "status": "pass", "message": "",
         "hint": "", "duration_s": 0.1, "level": "basic", "points": 1, "hidden": False, "output": ""},
        {"name": "BatchNorm running statistics stay fixed after model.train() [resnet18]", "status": "fail",
         "message": "expected running_mean unchanged after a forward pass in train mode; it moved by 0.31",
         "hint": "requires_grad=False does not stop BatchNorm from updating its statistics.",
         "duration_s": 0.2, "level": "interview", "points": 2, "hidden": False, "output": ""},
        {"name": "train_bn=True keeps normalisation affine parameters trainable", "status": "pass", "message": "",
         "hint": "", "duration_s": 0.1, "level": "expert", "points": 3, "hidden": True, "output": ""},
    ]
    return {"exercise": "freezing", "impl": "workspace", "status": "fail", "message": "1 of 3 checks failed",
            "device": "cpu", "duration_s": 0.42, "passed": 2, "failed": 1, "points": 4, "max_points": 6, "tests": tests}


def app_with_history(tmp_path, lang):
    """A failing run of the workspace's (unchanged) freezing.py."""
    store = Store(tmp_path / "progress.sqlite3")
    app = make_app(tmp_path, lang=lang, store=store)
    graded = app.workspace / "freezing.py"
    store.record_run({**failing_run(), "impl": str(app.workspace), standing.HASH_KEY: standing.source_hash(graded)},
                     at="2026-03-01T10:00:00+00:00")
    return app


@pytest.mark.parametrize("lang", LANGS)
def test_home(snap_compare, tmp_path, lang, size):
    assert snap_compare(app_with_history(tmp_path, lang), terminal_size=size)


def pressing(*keys: str):
    async def run_before(pilot):
        await pilot.press(*keys)
        await steady_cursor(pilot)

    return run_before


@pytest.mark.parametrize("lang", LANGS)
def test_question_before_reveal(snap_compare, tmp_path, lang, size):
    assert snap_compare(make_app(tmp_path, lang=lang), run_before=pressing("down", "enter"), terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_question_revealed(snap_compare, tmp_path, lang, size):
    assert snap_compare(make_app(tmp_path, lang=lang), run_before=pressing("enter", "ctrl+r"),
                        terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_exercise_with_a_failing_run(snap_compare, tmp_path, lang, size):
    async def open_exercise(pilot):
        pilot.app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()

    assert snap_compare(app_with_history(tmp_path, lang), run_before=open_exercise, terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_progress(snap_compare, tmp_path, lang, size):
    assert snap_compare(app_with_history(tmp_path, lang), press=["p", "_"], terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_help(snap_compare, tmp_path, lang, size):
    assert snap_compare(make_app(tmp_path, lang=lang), press=["question_mark", "_"], terminal_size=size)


async def steady_cursor(pilot) -> None:
    """Text boxes keep their cursor shown, not blinking, so the picture is stable."""
    from textual.widgets import TextArea

    for box in pilot.app.screen.query(TextArea):
        box.cursor_blink = False
    await pilot.pause()


def start(config, interviewer: bool):
    async def run_before(pilot):
        from quiz.ui.interview.launch import start_interview

        start_interview(pilot.app, config, interviewer)
        await pilot.pause()
        await steady_cursor(pilot)

    return run_before


CONCEPT = InterviewConfig(questions=3, mix="concept", minutes=20, order="fixed", seed=11)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_setup(snap_compare, tmp_path, lang, size):
    assert snap_compare(make_app(tmp_path, lang=lang), press=["i", "_"], terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_candidate_view(snap_compare, tmp_path, lang, size):
    assert snap_compare(make_app(tmp_path, lang=lang), run_before=start(CONCEPT, False), terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_interviewer_view(snap_compare, tmp_path, lang, size):
    assert snap_compare(make_app(tmp_path, lang=lang), run_before=start(CONCEPT, True), terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_report(snap_compare, tmp_path, lang, size):
    async def finish(pilot):
        await start(CONCEPT, False)(pilot)
        await pilot.press("ctrl+f", "y", "ctrl+f")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path, lang=lang), run_before=finish, terminal_size=size)


@pytest.mark.parametrize("lang", LANGS)
def test_review_question_with_answer_box(snap_compare, tmp_path, lang, size):
    async def review(pilot):
        await pilot.press("v")
        await steady_cursor(pilot)

    assert snap_compare(make_app(tmp_path, lang=lang), run_before=review, terminal_size=size)
