"""The learning loop in the app: the path on home, ratings with their intervals, one rating
per showing, ctrl+b undoes it (also from a review's answer box, where ctrl+z undoes
typing), attempts and their diffs."""

from __future__ import annotations

import io
from datetime import timedelta

from rich.console import Console

from textual.widgets import Button, DataTable, Static

from quiz.learning import history, schedule
from quiz.ui.exercise.screen import ExerciseScreen
from quiz.ui.exercise.attempts import HistoryScreen
from quiz.ui.home.screen import HomeScreen
from quiz.ui.loop import ContinueLine
from quiz.ui.question.screen import QuestionScreen
from tests.ui_helpers import FIXED_NOW, make_app

SIZE = (120, 36)


def run_result(status: str, passed: int, exercise: str = "freezing", folder=None) -> dict:
    tests = [{"name": f"check {i}", "status": "pass" if i < passed else "fail", "message": "" if i < passed else "wrong",
              "hint": "", "duration_s": 0.01, "level": "basic", "points": 1, "hidden": False, "output": ""}
             for i in range(3)]
    return {"exercise": exercise, "impl": str(folder), "device": "cpu", "status": status, "message": "",
            "passed": passed, "failed": 3 - passed, "points": passed, "max_points": 3, "duration_s": 0.1, "tests": tests}


def text_of(app, selector: str) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(app.screen.query_one(selector, Static).content)
    return console.export_text()


async def test_home_continues_on_the_path_and_counts_due_and_new(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        line = text_of(app, "#continue-line")
        assert "Continue: Question 1" in line and "0 due · 3 new today" in line
        assert isinstance(app.focused, ContinueLine)
        await pilot.press("enter")
        assert isinstance(app.screen, QuestionScreen) and app.screen.question.id == 1
        await pilot.press("ctrl+r", "3", "escape")
        assert isinstance(app.screen, HomeScreen)
        line = text_of(app, "#continue-line")
        assert "Continue: Exercise freezing" in line and "0 due · 2 new today" in line
        await pilot.press("enter")
        assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.name == "freezing"
        await pilot.press("escape", "down")
        assert isinstance(app.focused, DataTable)


async def test_rating_keys_show_intervals_a_second_key_changes_and_ctrl_b_undoes(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(QuestionScreen(4))
        await pilot.press("ctrl+r")
        await pilot.pause()
        labels = [str(b.label) for b in app.screen.query(Button) if b.id and b.id.startswith("rate-")]
        assert labels == ["1 Again 1m", "2 Hard 6m", "3 Good 10m", "4 Easy 8d"]
        await pilot.press("1", "4")
        [review] = app.store.reviews()
        assert review["rating"] == "easy"
        assert app.store.due_times()[4] == (FIXED_NOW + timedelta(days=8)).isoformat()
        await pilot.press("ctrl+b")
        assert app.store.reviews() == [] and app.store.card(4) is None
        await pilot.press("3")
        assert [r["rating"] for r in app.store.reviews()] == ["good"]


async def test_ctrl_b_in_a_review_answer_box_goes_back_to_the_previous_question_ctrl_z_undoes_typing(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        first = app.screen.question.id
        await pilot.press(*"my answer", "ctrl+r", "3")
        await pilot.pause()
        assert app.screen.progress == "Review 2/3" and app.focused.id == "typed"
        await pilot.press(*"second", "ctrl+z")  # in a text box ctrl+z undoes typing, never a rating
        await pilot.pause()
        assert app.screen.progress == "Review 2/3" and app.screen.query_one("#typed").text == ""
        assert len(app.store.reviews()) == 1
        await pilot.press(*"kept", "ctrl+b")
        await pilot.pause()
        assert app.screen.progress == "Review 1/3" and app.screen.question.id == first
        assert app.store.reviews() == []
        assert app.screen.query_one("#typed").text == "my answer"  # undoing a rating never loses text


async def test_new_questions_stop_at_the_daily_limit(tmp_path):
    app = make_app(tmp_path)
    for q in (1, 8, 6):
        schedule.review(app.store, q, "good", 0, 4, when=FIXED_NOW - timedelta(hours=1))
    async with app.run_test(size=SIZE):
        assert "3 due · 0 new today" in text_of(app, "#continue-line")


async def test_attempts_screen_lists_gradings_and_diffs_them(tmp_path):
    app = make_app(tmp_path)
    ws = app.workspace
    history.record(app.store, run_result("fail", 1, folder=ws), "def f():\n    return 1\n")
    history.record(app.store, run_result("pass", 3, folder=ws), "def f():\n    return 2\n")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        await pilot.press("a")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#attempts", DataTable)
        assert table.row_count == 2
        diff = text_of(app, "#diff")
        assert "return 1" in diff and "return 2" in diff
        await pilot.press("s")
        assert "reference solution" in text_of(app, "#diff-title")
        assert "def freeze_backbone" in text_of(app, "#diff")


async def test_activity_screen_from_progress_shows_calendar_streak_points_and_failures(tmp_path):
    from quiz.ui.progress.activity import ActivityScreen

    app = make_app(tmp_path)
    ws = app.workspace
    for day in (0, 1, 3):  # today, yesterday, three days ago
        schedule.review(app.store, 2, "good", 0, 4, when=FIXED_NOW - timedelta(days=day))
    history.record(app.store, run_result("fail", 1, folder=ws), "x = 1\n")
    history.record(app.store, run_result("fail", 2, folder=ws), "x = 2\n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert "streak 2 days (y: activity)" in text_of(app, "#totals")
        await pilot.press("y")
        assert isinstance(app.screen, ActivityScreen)
        text = text_of(app, "#activity")
        assert "Current streak: 2 days · active on 3 of the last 182 days" in text
        assert "freezing  ▃▆      2/3" in text  # points 1/3 then 2/3
        assert "2  freezing  check 2" in text and "1  freezing  check 1" in text


async def test_after_a_pass_the_exercise_offers_the_next_step_and_n_goes_there(tmp_path):
    app = make_app(tmp_path)
    schedule.review(app.store, 1, "good", 0, 4, when=FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # Continue: Exercise freezing
        screen = app.screen
        assert isinstance(screen, ExerciseScreen) and screen.exercise.name == "freezing"
        screen.snapshot = (app.workspace / "freezing.py").read_text()
        screen.post_message(ExerciseScreen.Graded(run_result("pass", 3, folder=app.workspace)))
        await pilot.pause()
        assert any("Next on the path: Exercise heads" in str(n.message) for n in app._notifications)
        assert [a["status"] for a in app.store.attempts("freezing")] == ["pass"]
        await pilot.press("n")
        assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.name == "heads"


async def test_review_settings_are_checked_saved_and_used(tmp_path):
    from quiz.ui.progress.activity import ActivityScreen
    from quiz.ui.progress.settings import ReviewSettingsScreen

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ActivityScreen())
        await pilot.pause()
        await pilot.press("f")
        assert isinstance(app.screen, ReviewSettingsScreen)
        assert "0 of the 512 reviews" in text_of(app, "#reviews-line")
        app.screen.query_one("#retention").value = "1.5"
        await pilot.click("#save")
        assert isinstance(app.screen, ReviewSettingsScreen) and schedule.desired_retention(app.store) == 0.9
        app.screen.query_one("#new-per-day").value = "5"
        app.screen.query_one("#retention").value = "0.85"
        app.screen.query_one("#retention").focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ActivityScreen)
        assert (schedule.new_per_day(app.store), schedule.desired_retention(app.store)) == (5, 0.85)
        assert len(schedule.queue(app.store, list(range(1, 11)), FIXED_NOW).new) == 5


async def test_chinese_rating_keys_show_chinese_units_whole_after_a_language_switch(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(QuestionScreen(4))
        await pilot.press("ctrl+r", "l")
        await pilot.pause()
        buttons = [b for b in app.screen.query(Button) if b.id and b.id.startswith("rate-")]
        assert [str(b.label) for b in buttons] == ["1 重来 1分钟", "2 困难 6分钟", "3 良好 10分钟", "4 简单 8天"]
        from rich.cells import cell_len

        assert all(b.content_size.width >= cell_len(str(b.label)) for b in buttons)  # laid out again, not cut


async def test_home_says_when_the_next_review_comes_only_when_none_is_due(tmp_path):
    app = make_app(tmp_path)
    schedule.review(app.store, 1, "good", 0, 4, when=FIXED_NOW - timedelta(hours=1))  # due again in 10m: now due
    schedule.review(app.store, 8, "good", 0, 4, when=FIXED_NOW)  # due in 10m
    async with app.run_test(size=SIZE):
        summary = text_of(app, "#summary")
        assert "1 question due" in summary and "next review" not in summary
    app = make_app(tmp_path / "later")
    schedule.review(app.store, 8, "good", 0, 4, when=FIXED_NOW)
    async with app.run_test(size=SIZE):
        assert "0 questions due" in text_of(app, "#summary") and "next review in 10m" in text_of(app, "#summary")
