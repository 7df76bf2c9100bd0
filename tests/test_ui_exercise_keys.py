"""The exercise screen's keys as a learner meets them: hints shown from their first line
at 80x24, `n` in the footer once the file passes (and only then), a grading's clock and
`esc` to cancel it."""

from __future__ import annotations

import re
import threading

from grader.run.engine import GradingCancelled
from quiz.learning import schedule
from quiz.ui.exercise.screen import ExerciseScreen
from quiz.ui.home.screen import HomeScreen
from tests.test_ui_loop import run_result, text_of
from tests.ui_helpers import FIXED_NOW, make_app, wait_until

SMALL, LARGE = (80, 24), (120, 36)


def footer_keys(app) -> dict[str, str]:
    """What the footer shows: key -> label."""
    return {key: active.binding.description for key, active in app.screen.active_bindings.items()
            if active.binding.show and active.enabled}


class BlockingGrader:
    """A grader whose run lasts until it is cancelled (a stand-in for a slow grading)."""

    started, cuda = True, False

    def __init__(self):
        self.running = threading.Event()

    def grade(self, exercise, folder, *, cancel, on_event=None, **kwargs):
        on_event({"event": "plan", "tests": [{"id": "a", "name": "first"}, {"id": "b", "name": "second"}]})
        self.running.set()
        cancel.wait(30)
        raise GradingCancelled()

    def start(self):
        pass

    def close(self):
        pass


def screen_lines(app) -> list[str]:
    """The screen as a person sees it, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_each_new_hint_shows_from_its_first_line_at_80x24(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        app.open_exercise("freezing")
        await pilot.pause()
        for n in range(1, 5):
            await pilot.press("h")
            await pilot.pause()
            await pilot.pause()
            lines = screen_lines(app)
            top = next(i for i, line in enumerate(lines) if "Hints (tab here" in line)
            assert lines[top + 1].strip().startswith(f"Hint {n}/4:"), "\n".join(lines)


async def test_n_is_in_the_footer_after_a_pass_and_inactive_before(tmp_path):
    app = make_app(tmp_path)
    schedule.review(app.store, 1, "good", 0, 4, when=FIXED_NOW)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter")  # Continue: Exercise freezing
        screen = app.screen
        assert isinstance(screen, ExerciseScreen) and "n" not in footer_keys(app)
        await pilot.press("n")
        assert app.screen is screen, "n before a pass skipped the exercise"
        screen.snapshot = (app.workspace / "freezing.py").read_text()
        screen.post_message(ExerciseScreen.Graded(run_result("pass", 3, folder=app.workspace)))
        await pilot.pause()
        await pilot.pause()
        assert footer_keys(app).get("n") == "Next step"
        (app.workspace / "freezing.py").write_text("# changed after the pass\n")
        screen.on_screen_resume()
        await pilot.pause()
        assert "n" not in footer_keys(app), "an edited file no longer passes"


async def test_a_grading_shows_its_clock_and_esc_cancels_it(tmp_path):
    grader = BlockingGrader()
    app = make_app(tmp_path, grader=grader)
    async with app.run_test(size=SMALL) as pilot:
        app.open_exercise("freezing")
        await pilot.pause()
        assert footer_keys(app).get("escape") is None
        await pilot.press("r")
        await wait_until(pilot, grader.running.is_set, timeout=10)
        await pilot.pause(0.3)
        assert footer_keys(app).get("escape") == "Cancel"
        first = float(re.search(r"· (\d+\.\d) s", text_of(app, "#status")).group(1))
        await pilot.pause(0.5)
        later = float(re.search(r"· (\d+\.\d) s", text_of(app, "#status")).group(1))
        assert later > first, "the clock does not run"
        await pilot.press("escape")
        await wait_until(pilot, lambda: "Grading cancelled" in text_of(app, "#status"), timeout=10)
        assert isinstance(app.screen, ExerciseScreen)
        assert footer_keys(app).get("escape") is None
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_a_grading_clock_in_chinese(tmp_path):
    grader = BlockingGrader()
    app = make_app(tmp_path, grader=grader, lang="zh")
    async with app.run_test(size=LARGE) as pilot:
        app.open_exercise("freezing")
        await pilot.pause()
        await pilot.press("r")
        await wait_until(pilot, grader.running.is_set, timeout=10)
        await pilot.pause(0.3)
        assert re.search(r"评测中… 0/2 · 已用 \d+\.\d 秒", text_of(app, "#status"))
        assert footer_keys(app).get("escape") == "取消评测"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.screen.running, timeout=10)
