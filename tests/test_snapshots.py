"""Every screen at 100x30, in both languages. Regenerate after an intended change with
`pytest tests/test_snapshots.py --snapshot-update` and review the SVGs."""

from __future__ import annotations

import pytest

from quiz.interview import InterviewConfig
from quiz.store import Store
from quiz.ui.exercise import ExerciseScreen
from tests.ui_helpers import make_app

SIZE = (100, 30)
LANGS = ["en", "zh"]


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
    store = Store(tmp_path / "progress.sqlite3")
    store.record_run(failing_run(), at="2026-03-01T10:00:00+00:00")
    return make_app(tmp_path, lang=lang, store=store)


@pytest.mark.parametrize("lang", LANGS)
def test_home(snap_compare, tmp_path, lang):
    assert snap_compare(app_with_history(tmp_path, lang), terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_question_before_reveal(snap_compare, tmp_path, lang):
    assert snap_compare(make_app(tmp_path, lang=lang), press=["down", "enter"], terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_question_revealed(snap_compare, tmp_path, lang):
    assert snap_compare(make_app(tmp_path, lang=lang), press=["enter", "space", "_"], terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_exercise_with_a_failing_run(snap_compare, tmp_path, lang):
    async def open_exercise(pilot):
        pilot.app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()

    assert snap_compare(app_with_history(tmp_path, lang), run_before=open_exercise, terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_progress(snap_compare, tmp_path, lang):
    assert snap_compare(app_with_history(tmp_path, lang), press=["p", "_"], terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_help(snap_compare, tmp_path, lang):
    assert snap_compare(make_app(tmp_path, lang=lang), press=["question_mark", "_"], terminal_size=SIZE)


def start(config, interviewer: bool):
    async def run_before(pilot):
        from quiz.ui.interview import start_interview

        start_interview(pilot.app, config, interviewer)
        await pilot.pause()

    return run_before


CONCEPT = InterviewConfig(questions=3, mix="concept", minutes=20, order="fixed", seed=11)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_setup(snap_compare, tmp_path, lang):
    assert snap_compare(make_app(tmp_path, lang=lang), press=["i", "_"], terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_candidate_view(snap_compare, tmp_path, lang):
    assert snap_compare(make_app(tmp_path, lang=lang), run_before=start(CONCEPT, False), terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_interviewer_view(snap_compare, tmp_path, lang):
    assert snap_compare(make_app(tmp_path, lang=lang), run_before=start(CONCEPT, True), terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_interview_report(snap_compare, tmp_path, lang):
    async def finish(pilot):
        await start(CONCEPT, False)(pilot)
        await pilot.press("ctrl+f", "y", "ctrl+f")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path, lang=lang), run_before=finish, terminal_size=SIZE)


@pytest.mark.parametrize("lang", LANGS)
def test_review_question_with_answer_box(snap_compare, tmp_path, lang):
    assert snap_compare(make_app(tmp_path, lang=lang), press=["v", "_"], terminal_size=SIZE)
