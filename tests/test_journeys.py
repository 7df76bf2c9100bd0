"""Whole journeys through the real app, as a person walks them, at 80x24 and 120x36:
typing whole sentences in English and Chinese wherever the app invites an answer, and
checking that nothing navigates, toggles or ticks unless a key meant it.

Hang-up is walked in tests/test_hangup.py (a real terminal closed while typing)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Markdown, OptionList, Static, TextArea
from textual.widgets.markdown import MarkdownFence

from grader import registry
from quiz.interview.session import InterviewConfig
from quiz.learning import schedule, standing
from quiz.storage.store import Store
from quiz.ui.dialogs import ConfirmScreen, EditorScreen
from quiz.ui.exercise.screen import ExerciseScreen
from quiz.ui.home.screen import HomeScreen
from quiz.ui.interview.launch import start_interview
from quiz.ui.interview.report import ReportScreen
from quiz.ui.interview.screen import InterviewScreen
from quiz.ui.question.screen import QuestionScreen
from quiz.ui.widgets import KeyPoints
from tests.ui_helpers import CHINESE, ENGLISH, FIXED_NOW, footprint, make_app, type_text, wait_until

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"80x24": (80, 24), "120x36": (120, 36)}


@pytest.fixture(params=list(SIZES))
def size(request):
    return SIZES[request.param]


class Clock:
    def __init__(self):
        self.now = FIXED_NOW

    def __call__(self):
        return self.now


def shown(app) -> str:
    """The plain text of the current screen's widgets, each as drawn, with code blocks."""
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    console = Console(file=out, width=300, color_system=None)
    for widget in app.screen.query(Static):
        console.print(widget.content if not isinstance(widget.content, str) else widget.content)
    for options in app.screen.query(OptionList):
        for option in options.options:
            console.print(option.prompt)
    return out.getvalue()


async def test_a_question_typed_revealed_ticked_rated_and_undone(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.press("enter")  # home opens on "Continue: Question 1"
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.question.id == 1
        before = footprint(app)
        await type_text(pilot, ENGLISH + "\n" + CHINESE)
        box = screen.query_one("#typed", TextArea)
        assert box.text == ENGLISH + "\n" + CHINESE
        assert footprint(app) == before and not screen.revealed and app.screen is screen  # nothing but text
        assert not screen.query(KeyPoints)

        await pilot.press("ctrl+r", "a", "c")
        assert screen.revealed and app.store.ticks(1) == {0, 2}
        body = screen.query_one("#qbody")
        body.scroll_end(animate=False)
        await pilot.pause()
        scrolled = body.scroll_y
        await pilot.press("3")
        await pilot.pause()
        assert [r["rating"] for r in app.store.reviews()] == ["good"]
        assert body.scroll_y == scrolled  # rating keeps the view where it was
        assert screen.query_one(KeyPoints).ticked == {0, 2}  # and the ticks it went with
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.store.reviews() == [] and app.store.ticks(1) == {0, 2}
        assert box.text == ENGLISH + "\n" + CHINESE  # undoing a rating never loses text
        assert app.store.setting("review.draft.1") == box.text
        await pilot.press("4", "escape")
        assert isinstance(app.screen, HomeScreen) and [r["rating"] for r in app.store.reviews()] == ["easy"]


async def test_a_review_session_types_in_every_box_and_goes_back_with_ctrl_b(tmp_path, size):
    app = make_app(tmp_path)
    schedule.set_new_per_day(app.store, 2)
    async with app.run_test(size=size) as pilot:
        await pilot.press("v")
        first = app.screen
        assert first.progress == "Review 1/2" and app.focused.id == "typed"
        before = footprint(app)
        await type_text(pilot, ENGLISH)
        assert footprint(app) == before and app.screen is first
        await pilot.press("ctrl+r", "3")
        await pilot.pause()
        second = app.screen
        assert second.progress == "Review 2/2" and app.focused.id == "typed"
        await type_text(pilot, CHINESE)
        await pilot.press("ctrl+z")  # in a text box: undo typing, never a rating
        assert app.screen is second and len(app.store.reviews()) == 1
        assert second.query_one("#typed", TextArea).text != CHINESE
        await type_text(pilot, CHINESE)
        typed_second = second.query_one("#typed", TextArea).text
        await pilot.press("ctrl+b")  # back to the first question, its rating undone
        await pilot.pause()
        again = app.screen
        assert again.progress == "Review 1/2" and again.question.id == first.question.id
        assert again.query_one("#typed", TextArea).text == ENGLISH and app.store.reviews() == []
        await pilot.press("ctrl+r", "2")
        await pilot.pause()
        assert app.screen.query_one("#typed", TextArea).text == typed_second  # kept as its draft
        await pilot.press("ctrl+r", "4")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert sorted(r["rating"] for r in app.store.reviews()) == ["easy", "hard"]


async def test_an_exercise_edited_graded_read_hinted_passed_and_next(tmp_path, size, grader_engine, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(tmp_path, grader=grader_engine)
    name = "prior_knowledge"
    async with app.run_test(size=size) as pilot:
        app.open_exercise(name)
        await pilot.pause()
        screen = app.screen
        await pilot.press("e")  # no $EDITOR: the in-app editor
        assert isinstance(app.screen, EditorScreen)
        editor = app.screen.query_one("#editor", TextArea)
        editor.move_cursor(editor.document.end)
        before = footprint(app)
        await type_text(pilot, "# " + ENGLISH + "\n# " + CHINESE + "\n")
        assert footprint(app) == before and isinstance(app.screen, EditorScreen)  # typing is only text
        await pilot.press("ctrl+s", "escape")
        await pilot.pause()
        saved = (app.workspace / f"{name}.py").read_text(encoding="utf-8")
        assert ENGLISH in saved and CHINESE in saved and app.screen is screen

        await pilot.press("r")
        await wait_until(pilot, lambda: screen.last is not None and not screen.running)
        await pilot.pause()
        assert screen.last["status"] == "fail"
        text = shown(app)
        assert "not implemented yet" in text and "hint:" in text  # the failures, first, with their hints
        assert screen.query_one("#checks", OptionList).highlighted_option.id == "fail-0"
        await pilot.press("h")
        await pilot.pause()
        assert screen.query_one("#hints").display and "Hint 1/" in shown(app)

        shutil.copy(ROOT / "solutions" / f"{name}.py", app.workspace / f"{name}.py")  # as saved from $EDITOR
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.last is not None and screen.last["status"] == "pass" and not screen.running)
        assert standing.exercise_state(app.store, app.workspace, name).state == "passed"
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is not screen and isinstance(app.screen, (QuestionScreen, ExerciseScreen))


def _passing_run(folder: Path, exercise: str) -> dict:
    tests = [{"name": f"check {i}", "status": "pass", "message": "", "hint": "", "duration_s": 0.01,
              "level": "basic", "points": 1, "hidden": False, "output": ""} for i in range(4)]
    return {"exercise": exercise, "impl": str(folder), "device": "cpu", "status": "pass", "message": "4 passed",
            "passed": 4, "failed": 0, "points": 4, "max_points": 4, "duration_s": 0.2, "tests": tests}


def _failing_run(folder: Path, exercise: str) -> dict:
    tests = [{"name": "the check that fails", "status": "fail", "message": "expected 1, got 2",
              "hint": "A HINT THE CANDIDATE MUST NOT SEE", "duration_s": 0.01, "level": "basic", "points": 1,
              "hidden": False, "output": ""}]
    return {"exercise": exercise, "impl": str(folder), "device": "cpu", "status": "fail", "message": "1 failed",
            "passed": 0, "failed": 1, "points": 0, "max_points": 1, "duration_s": 0.2, "tests": tests}


CODE = "def fit(x):\n    if x:\n        return 1\n\n    return 2\n"


async def test_a_mock_interview_answered_scored_by_the_interviewer_and_reported(tmp_path, size):
    clock = Clock()
    app = make_app(tmp_path)
    app.clock = clock
    config = InterviewConfig(questions=2, mix="both", minutes=20, order="fixed", seed=4)
    async with app.run_test(size=size) as pilot:
        start_interview(app, config, False)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        modes = [item.mode for item in screen.session.items]
        assert sorted(modes) == ["coding", "concept"]
        concept, coding = modes.index("concept"), modes.index("coding")
        exercise = screen.session.items[coding].exercise
        # The workspace already passes this exercise: the interview must never show that.
        app.store.record_run(_passing_run(app.workspace, exercise))

        screen.session.goto(concept, clock())
        screen.render_lang()
        screen._focus_answer()
        before = footprint(app)
        await type_text(pilot, ENGLISH + "\n" + CHINESE)
        assert screen.session.entries[concept].answer == ENGLISH + "\n" + CHINESE
        assert footprint(app) == before and app.screen is screen and not screen.interviewer

        await pilot.press("ctrl+n" if coding > concept else "ctrl+b")
        assert screen.session.current == coding and app.focused.id == "iv-answer"  # a coding item has a box too
        await type_text(pilot, CHINESE + "\n" + ENGLISH)
        assert screen.session.entries[coding].answer == CHINESE + "\n" + ENGLISH
        assert footprint(app) == before and app.screen is screen

        await pilot.press("ctrl+g")
        ex = app.screen
        assert isinstance(ex, ExerciseScreen) and ex.candidate
        status = str(ex.query_one("#status").content)
        assert "PASS" not in status and "Last run" not in status and ex.last is None  # not the workspace's run
        app.store.record_run(_failing_run(screen.folder, exercise))  # the interview's own file, graded
        ex.last = None
        ex.render_lang()
        await pilot.pause()
        text = shown(app)
        assert "expected 1, got 2" in text and "A HINT THE CANDIDATE MUST NOT SEE" not in text  # no hints allowed
        (screen.folder / registry.get(exercise).filename).write_text(CODE, encoding="utf-8")
        await pilot.press("escape")
        assert app.screen is screen

        await pilot.press("ctrl+t", "escape")  # the interviewer's view; out of the answer box
        assert screen.interviewer
        await pilot.press("ctrl+n" if concept > coding else "ctrl+b")
        assert screen.session.current == concept
        await pilot.press("escape", "a", "b")
        assert screen.session.entries[concept].ticks == {0, 1}
        await pilot.press("tab", "tab")  # the answer box, then the interviewer's note
        assert app.focused.id == "iv-note"
        await type_text(pilot, "Clear on BN; 讲清楚了冻结。")
        assert screen.session.entries[concept].note == "Clear on BN; 讲清楚了冻结。"

        clock.now += timedelta(minutes=3)
        await pilot.press("ctrl+f", "y")
        assert screen.scoring
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        saved = app.store.last_interview()
        assert saved["items"][coding]["code"] == CODE
        text = "\n".join(md.source for md in app.screen.query(Markdown))
        points = len(saved["items"][coding]["key_points"])
        assert f"(0/{points})" not in text  # a coding item's key points are never counted as missed
        fences = [f.code for f in app.screen.query(MarkdownFence)]
        assert CODE.rstrip("\n") in fences  # indentation and blank lines kept
        typed = [str(s.content) for s in app.screen.query(".verbatim")]
        assert ENGLISH + "\n" + CHINESE in typed and CHINESE + "\n" + ENGLISH in typed
        table = app.screen.query_one(".score-table")
        assert table.size.width <= size[0]


async def test_resume_after_quitting_keeps_a_typed_answer_and_a_running_interview(tmp_path, size):
    store = Store(tmp_path / "progress.sqlite3")
    clock = Clock()
    app = make_app(tmp_path, store=store)
    app.clock = clock
    async with app.run_test(size=size) as pilot:
        await pilot.press("enter")
        await type_text(pilot, CHINESE)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)  # an answer typed: asks first
        await pilot.press("y")
    again = make_app(tmp_path, store=store)
    again.clock = clock
    async with again.run_test(size=size) as pilot:
        await pilot.press("enter")
        assert again.screen.query_one("#typed", TextArea).text == CHINESE  # the typed answer is back
        start_interview(again, InterviewConfig(questions=2, mix="concept", minutes=10, order="fixed", seed=2), False)
        await pilot.pause()
        await type_text(pilot, ENGLISH)
        clock.now += timedelta(minutes=4)
        await pilot.press("ctrl+q", "y")
    third = make_app(tmp_path, store=store)
    third.clock = clock
    third.start = "resume"
    async with third.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: isinstance(third.focused, TextArea), timeout=30)
        screen = third.screen
        assert isinstance(screen, InterviewScreen) and screen.session.entries[0].answer == ENGLISH
        assert screen.session.remaining(clock()) == 6 * 60  # the clock waited while the app was closed
        await type_text(pilot, " " + CHINESE)
        assert screen.session.entries[0].answer == ENGLISH + " " + CHINESE
