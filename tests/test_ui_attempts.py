"""Attempts (a on an exercise): times to the second, a whole old attempt viewed, copied
or restored (the current file backed up first), diff markers on wrapped lines, "no
differences" instead of an empty pane, and s only after a pass."""

from __future__ import annotations

from textual.widgets import DataTable

from quiz.learning import history
from quiz.ui.dialogs import CodeScreen, ConfirmScreen
from quiz.ui.exercise.attempts import HistoryScreen
from quiz.ui.exercise.screen import ExerciseScreen
from tests.test_ui_exercise_keys import footer_keys, screen_lines
from tests.test_ui_loop import run_result, text_of
from tests.ui_helpers import make_app

FIRST = "def f():\n    return 1\n"
LONG = "def f():\n    return 'a very long line that cannot fit in eighty columns of a terminal, so it wraps' + str(2)\n"


def seeded(tmp_path, *codes, statuses=None, lang="en"):
    app = make_app(tmp_path, lang=lang)
    for i, code in enumerate(codes):
        status = (statuses or ["fail"] * len(codes))[i]
        history.record(app.store, run_result(status, 3 if status == "pass" else 1, folder=app.workspace), code)
    return app


async def open_attempts(app, pilot):
    app.push_screen(ExerciseScreen("freezing"))
    await pilot.pause()
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, HistoryScreen)


async def test_times_show_seconds_and_s_stays_hidden_before_a_pass(tmp_path):
    app = seeded(tmp_path, FIRST, LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attempts(app, pilot)
        when = app.screen.query_one("#attempts", DataTable).get_row_at(0)[0]
        assert len(when.split()[1].split(":")) == 3, when
        assert "s" not in footer_keys(app)
        await pilot.press("s")
        assert "reference solution" not in text_of(app, "#diff-title")


async def test_wrapped_diff_lines_keep_their_markers_at_80_columns(tmp_path):
    app = seeded(tmp_path, FIRST, LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attempts(app, pilot)
        lines = [line for line in screen_lines(app) if line.strip()]
        added = [i for i, line in enumerate(lines) if "a very long line" in line]
        assert added and lines[added[0]].startswith("+")
        assert lines[added[0] + 1].startswith("+"), "the wrapped part of an added line lost its +"
        removed = [line for line in lines if "return 1" in line]
        assert removed and removed[0].startswith("-")


async def test_no_differences_is_said_not_left_blank(tmp_path):
    from quiz.ui.exercise.attempts import diff_view

    assert "no differences" in str(diff_view("x = 1\n", "x = 1\n", 80, ("a", "b"))).lower()
    app = seeded(tmp_path, FIRST, FIRST)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attempts(app, pilot)
        assert "No differences" in text_of(app, "#diff")


async def test_an_old_attempt_is_viewed_copied_and_restored_with_a_backup(tmp_path):
    app = seeded(tmp_path, FIRST, LONG)
    mine = app.workspace / "freezing.py"
    mine.write_text("# what I have now\n")
    async with app.run_test(size=(120, 36)) as pilot:
        await open_attempts(app, pilot)
        await pilot.press("down")  # the older attempt (FIRST)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen) and app.screen.source == FIRST
        await pilot.press("escape", "c")
        assert app.clipboard == FIRST
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert mine.read_text() == FIRST
        [backup] = list(app.workspace.glob("freezing.py.bak-*"))
        assert backup.read_text() == "# what I have now\n"
        await pilot.press("escape")  # back on the exercise: it shows the restored file
        await pilot.pause()
        assert isinstance(app.screen, ExerciseScreen)
        assert "return 1" in "\n".join(screen_lines(app))
        assert "Your file changed" in text_of(app, "#status")


async def test_s_compares_with_the_solution_after_a_pass_in_chinese(tmp_path):
    app = seeded(tmp_path, FIRST, LONG, statuses=["fail", "pass"], lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attempts(app, pilot)
        assert footer_keys(app).get("s") == "对比参考解"
        await pilot.press("s")
        assert "参考解" in text_of(app, "#diff-title")
