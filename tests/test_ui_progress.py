"""Progress and Activity as a learner meets them: only the workspace's gradings count for
an exercise (an interview's are kept apart), whole question titles at 80 and 120
columns, both screens fresh when you come back to them, and a parametrised check counted
once per grading in "Checks you failed most often"."""

from __future__ import annotations

import pytest

from quiz.learning import history, standing
from quiz.questions import bank
from quiz.storage.store import Store
from quiz.ui.progress.activity import ActivityScreen
from quiz.ui.progress.screen import ProgressScreen
from tests.test_ui_exercise_keys import screen_lines
from tests.test_ui_loop import run_result, text_of
from tests.ui_helpers import make_app


def cell(lines: list[str], header: str, row_text: str) -> str:
    """The text under `header` on the line holding `row_text`."""
    head = next(line for line in lines if header in line.split())
    start = head.index(f" {header} ") + 1
    line = next(line for line in lines if row_text in line)
    return line[start:].split()[0]


async def test_an_interviews_gradings_never_count_as_the_exercises_runs(tmp_path):
    app = make_app(tmp_path)
    history.record(app.store, run_result("fail", 1, folder=app.workspace), "x = 1\n")
    interview = tmp_path / "interviews" / "2026-03-02" / "freezing.py"
    interview.parent.mkdir(parents=True)
    interview.write_text("x = 2\n")
    standing.record_run(app.store, run_result("pass", 3, folder=interview.parent))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert "· 1 run ·" in text_of(app, "#totals")
        lines = screen_lines(app)
        assert cell(lines, "runs", "freezing ") == "1"
        assert app.screen.query_one("#history").row_count == 1


def title_column(lines: list[str]) -> str:
    """The question titles as the reviews table shows them, lines joined."""
    head = next(line for line in lines if " question " in line or " 题目 " in line)
    start = head.index(" question " if " question " in head else " 题目 ") + 1
    end = head.index(" n " if " n " in head else " 次数 ", start)
    below = lines[lines.index(head) + 1:]
    return " ".join(line[start:end].strip() for line in below if line[start:end].strip())


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_question_titles_show_whole(tmp_path, size, lang):
    app = make_app(tmp_path, lang=lang)
    async with app.run_test(size=size) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("tab", "tab")  # into the reviews table, scrolled into view
        await pilot.pause()
        shown = title_column(screen_lines(app))
        assert "…" not in shown
        assert bank.get_question(1).title[lang].replace(" ", "") in shown.replace(" ", ""), shown
        assert bank.get_question(2).title[lang].replace(" ", "")[:20] in shown.replace(" ", "")


async def test_progress_and_activity_are_fresh_when_you_come_back(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert "· 0 runs ·" in text_of(app, "#totals")
        app.open_exercise("freezing")
        await pilot.pause()
        history.record(app.store, run_result("fail", 1, folder=app.workspace), "x = 1\n")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        assert "· 1 run ·" in text_of(app, "#totals")
        await pilot.press("y")
        await pilot.pause()
        assert "No failed check yet" not in text_of(app, "#activity")
        app.open_exercise("heads")
        await pilot.pause()
        history.record(app.store, run_result("fail", 0, exercise="heads", folder=app.workspace), "y = 1\n")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ActivityScreen)
        assert "heads" in text_of(app, "#activity")


def parametrised_result(folder, failing: list[str], plain: str = "fail") -> dict:
    base = "find_head names the head of standard models"
    tests = [{"name": f"{base} [{case}]", "status": "fail" if case in failing else "pass",
              "message": "wrong", "hint": "", "duration_s": 0.0, "level": "basic", "points": 1, "hidden": False,
              "output": "", "zh": {"name": f"find_head 找出标准模型的输出层 [{case}]", "hint": ""}}
             for case in ("resnet18", "vgg11", "tiny_vit")]
    tests.append({"name": "a plain check", "status": plain, "message": "no", "hint": "", "duration_s": 0.0,
                  "level": "basic", "points": 1, "hidden": False, "output": ""})
    passed = sum(t["status"] == "pass" for t in tests)
    return {"exercise": "heads", "impl": str(folder), "device": "cpu", "status": "fail", "message": "",
            "passed": passed, "failed": len(tests) - passed, "points": passed, "max_points": len(tests),
            "duration_s": 0.1, "tests": tests}


def test_a_parametrised_check_is_one_row_counted_once_per_grading(tmp_path):
    from quiz.learning import activity

    store = Store(tmp_path / "p.sqlite3")
    history.record(store, parametrised_result(tmp_path, ["resnet18", "vgg11", "tiny_vit"]), "a = 1\n")
    history.record(store, parametrised_result(tmp_path, ["vgg11"], plain="pass"), "a = 2\n")
    rows = activity.most_failed(store)
    assert [(r.exercise, r.check, r.times) for r in rows] == [
        ("heads", "find_head names the head of standard models", 2), ("heads", "a plain check", 1)]
    assert rows[0].cases == 3 and rows[1].cases == 0
    assert activity.most_failed(store, lang="zh")[0].check == "find_head 找出标准模型的输出层"


async def test_activity_lists_a_parametrised_check_once(tmp_path):
    app = make_app(tmp_path)
    history.record(app.store, parametrised_result(app.workspace, ["resnet18", "vgg11"]), "a = 1\n")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_activity()
        await pilot.pause()
        text = text_of(app, "#activity")
        assert text.count("find_head names the head of standard models") == 1
        assert "2 cases" in text
