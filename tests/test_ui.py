"""UI flows, driven with Textual's Pilot as a user would. Grading flows use the real engine
on CPU (the session's warm worker)."""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path

from rich.console import Console
from textual.content import Content
from textual.widgets import DataTable, OptionList, Static, TextArea

from grader import registry
from quiz.storage.store import Store
from quiz.ui.dialogs import ConfirmScreen, CodeScreen, EditorScreen, HelpScreen
from quiz.ui.exercise.screen import ExerciseScreen
from quiz.ui.home.screen import HomeScreen
from quiz.ui.progress.screen import ProgressScreen
from quiz.ui.question.screen import QuestionScreen
from quiz.ui.widgets import KeyPoints
from quiz.storage.workspace import PRISTINE
from tests.ui_helpers import FIXED_NOW, make_app, wait_until

ROOT = Path(__file__).resolve().parent.parent
SIZE = (100, 30)


def screen_text(app) -> str:
    """The plain text of every Static and option list on the current screen."""
    out = io.StringIO()
    console = Console(file=out, width=300, color_system=None)
    for widget in app.screen.query(Static):
        content = widget.content
        console.print(content if not isinstance(content, (str, Content)) else str(content))
    for options in app.screen.query(OptionList):
        for option in options.options:
            console.print(option.prompt)
    return out.getvalue()


async def test_open_reveal_tick_and_rate_a_question(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, QuestionScreen) and app.screen.question.id == 1
        assert not app.screen.query(KeyPoints)
        await pilot.press("3")
        assert app.store.reviews() == []  # the answer box has the keys: "3" is typed, not a rating
        assert app.screen.query_one("#typed", TextArea).text == "3"
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("a", "c", "b", "b")  # letter keys tick key points, a second press unticks
        assert app.store.ticks(1) == {0, 2}
        points = screen_text(app)
        assert "a [x]" in points and "b [ ]" in points and "Press a–" in points
        await pilot.press("3")
        (review,) = app.store.reviews()
        assert (review["question"], review["rating"], review["points_ticked"]) == (1, "good", 2)
        assert app.store.due_times()[1] > FIXED_NOW.isoformat()
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one(DataTable)
        assert "new" not in str(table.get_row_at(0)[-1])


async def test_language_switch_changes_every_screen_and_is_remembered(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "ctrl+r")
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "zh"
        assert "迁移学习" in screen_text(app)
        await pilot.press("escape")
        table = app.screen.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()][1] == "题目"
        assert app.store.setting("lang") == "zh"


async def test_grade_a_failing_stub_then_the_solution(tmp_path, grader_engine):
    app = make_app(tmp_path, grader=grader_engine)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        screen = app.screen
        await pilot.press("r")
        await wait_until(pilot, lambda: app.store.runs("freezing"))
        await pilot.pause()
        assert app.store.exercise_status("freezing").state == "failing"
        text = screen_text(app)
        # Identical failures read as one entry that says how many checks it covers, first.
        checks = screen.query_one("#checks", OptionList)
        failures = [o for o in checks.options if o.id.startswith("fail-")]
        assert len(failures) <= 5 and text.count("not implemented yet") == len(failures) == text.count("hint:")
        total = len(app.store.runs("freezing")[0]["result"]["tests"])
        assert f"0/{total} checks pass" in text and re.search(r"\b\d\d checks fail the same way", text)
        assert checks.has_focus and checks.highlighted_option.id == "fail-0"
        await pilot.press("t")  # re-run only the selected check: shown, not recorded
        await wait_until(pilot, lambda: screen.rerun_note)
        assert "re-ran 1 check" in screen_text(app) and len(app.store.runs("freezing")) == 1
        shutil.copy(ROOT / "solutions" / "freezing.py", app.workspace / "freezing.py")
        await pilot.press("f5")
        await wait_until(pilot, lambda: len(app.store.runs("freezing")) == 2)
        await pilot.pause()
        assert app.store.exercise_status("freezing").state == "passed"
        assert "graded in" in screen_text(app) and screen is app.screen
        assert f"{total} checks passed (enter shows" in screen_text(app)
        await pilot.press("enter")  # unfolds the passed checks
        await pilot.pause()
        assert "Only the head" in screen_text(app) and screen.expanded
        await pilot.press("s")
        assert isinstance(app.screen, CodeScreen)  # no confirmation needed after a pass
        await pilot.press("escape", "p")
        assert isinstance(app.screen, ProgressScreen)
        history = app.screen.query_one("#history", DataTable)
        assert history.row_count == 2


async def test_watch_mode_regrades_when_the_file_is_saved(tmp_path, grader_engine):
    app = make_app(tmp_path, grader=grader_engine)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("heads"))
        await pilot.press("w")
        await pilot.pause(0.5)
        assert app.store.runs("heads") == []
        target = app.workspace / "heads.py"
        target.write_text(target.read_text() + "\n# edited\n")
        await wait_until(pilot, lambda: app.store.runs("heads"))
        assert app.screen.watching
        await pilot.press("w")
        assert not app.screen.watching


async def test_escape_cancels_a_running_grade(tmp_path, grader_engine):
    app = make_app(tmp_path, grader=grader_engine)
    async with app.run_test(size=SIZE) as pilot:
        (app.workspace / "freezing.py").write_text(
            "def freeze_backbone(model, head, *, train_bn=False):\n    while True:\n        pass\n")
        app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        screen = app.screen
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.running_id is not None)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.running, timeout=10)
        assert app.screen is screen
        assert "cancelled" in screen.status_line
        assert app.store.runs("freezing") == []


async def test_reset_asks_first_and_keeps_a_backup(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        target = app.workspace / "heads.py"
        target.write_text("# my attempt\n")
        app.push_screen(ExerciseScreen("heads"))
        await pilot.pause()
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.pause()
        question = app.screen.query_one(".dialog-text")
        assert question.size.height >= 2 and question.size.width < 70  # wrapped inside the dialog, not cut
        await pilot.press("n")
        assert target.read_text() == "# my attempt\n"
        await pilot.press("x", "y")
        await pilot.pause()
        assert target.read_bytes() == (PRISTINE / "heads.py").read_bytes()
        (backup,) = app.workspace.glob("heads.py.bak-*")
        assert backup.read_text() == "# my attempt\n"


async def test_solution_before_passing_needs_a_confirmation(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("heads"))
        await pilot.pause()
        await pilot.press("s")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert isinstance(app.screen, CodeScreen)


async def test_hints_are_revealed_one_at_a_time(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        hints = app.screen.exercise.hints["en"]
        await pilot.press("h")
        text = screen_text(app)
        assert hints[0] in text.replace("\n", " ") or hints[0][:30] in text
        assert f"Hint 1/{len(hints)}" in text and "Hint 2/" not in text


async def test_in_app_editor_saves_when_no_editor_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("heads"))
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, EditorScreen)
        await pilot.press("ctrl+home", "#", " ", "h", "i", "enter", "ctrl+s", "escape")
        assert (app.workspace / "heads.py").read_text().startswith("# hi\n")
        assert isinstance(app.screen, ExerciseScreen)


async def test_external_editor_is_used_when_set(tmp_path, monkeypatch):
    script = tmp_path / "fake_editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('# edited outside\\n')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("heads"))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert (app.workspace / "heads.py").read_text().endswith("# edited outside\n")


async def test_a_corrupt_database_is_moved_aside_with_a_message(tmp_path):
    db = tmp_path / "progress.sqlite3"
    db.write_bytes(b"garbage" * 100)
    app = make_app(tmp_path, store=Store(db))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("moved to" in n.message for n in app._notifications)
        assert any(".corrupt-" in p.name for p in tmp_path.iterdir())
        assert isinstance(app.screen, HomeScreen)


async def test_help_lists_every_screens_keys(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for label in ("Reveal", "Grade", "Watch", "Reset", "Device", "Progress", "Quit"):
            assert label in text


async def test_every_key_is_in_the_command_palette(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("heads"))
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Grade", "Watch", "Hint", "Solution", "Reset", "Device", "Edit"} <= titles


async def test_device_cycles_through_what_is_available(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("heads"))
        await pilot.pause()
        seen = []
        for _ in range(3):
            await pilot.press("d")
            seen.append(app.screen.device)
        assert seen[:2] == ["cpu", "auto"] or "cuda" in seen


async def test_review_session_walks_the_due_questions_and_updates_fsrs(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.progress == "Review 1/3"
        await pilot.click("#typed")
        await pilot.press("t", "r", "a", "n", "s", "f", "e", "r", "3")
        assert "transfer3" in screen.query_one("#typed").text
        assert app.store.reviews() == []
        await pilot.press("ctrl+r", "3")
        await pilot.pause()
        assert [r["rating"] for r in app.store.reviews()] == ["good"]
        assert isinstance(app.screen, QuestionScreen) and app.screen.progress == "Review 2/3"
        await pilot.press("ctrl+r", "1")  # the box has the keys: ctrl+r reveals, then keys are commands
        await pilot.pause()
        assert app.screen.progress == "Review 3/3"
        assert set(app.store.due_times()) == {1, 8}  # new questions come in path order, 3 a day


async def test_review_with_nothing_due_offers_the_soonest(tmp_path):
    from quiz.learning import schedule

    app = make_app(tmp_path)
    for q in range(1, 11):
        schedule.review(app.store, q, "easy", 5, 5, when=FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert isinstance(app.screen, QuestionScreen) and app.screen.progress == "Review 1/3"


async def test_typing_in_the_review_answer_box_never_runs_a_command(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        screen = app.screen
        typed = "the source task: open, run, edit, quit? l p 1 3"
        await pilot.press(*[{" ": "space", "?": "question_mark", ",": "comma", ":": "colon"}.get(c, c) for c in typed])
        assert app.screen is screen and len(app.screen_stack) == 3  # default, home, the question
        assert screen.query_one("#typed", TextArea).text == typed
        assert app.store.reviews() == [] and app.lang == "en"


async def test_revealed_answer_scrolls_at_once_and_reads_whole(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "ctrl+r")
        await pilot.pause()
        body = app.screen.query_one("#qbody")
        await pilot.press("pagedown")
        await pilot.pause()
        first = body.scroll_y
        await pilot.press("j", "down")
        await pilot.pause()
        assert 0 < first < body.scroll_y
        points = app.screen.query_one(KeyPoints)
        assert "…" not in screen_text(app)
        assert all(p.split()[-1] in screen_text(app) for p in points.points)


async def test_quitting_with_a_typed_review_answer_asks_first(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "h", "i")
        await pilot.press("escape", "escape")  # leave the box, then the question
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n", "ctrl+q")
        assert isinstance(app.screen, ConfirmScreen) and app.is_running
        await pilot.press("n")
        assert isinstance(app.screen, QuestionScreen) and app.screen.query_one("#typed", TextArea).text == "hi"
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running


async def test_home_names_every_exercise_with_its_state_and_agrees_with_progress(tmp_path):
    from tests.test_snapshots import failing_run

    app = make_app(tmp_path)
    # A pass of another folder must not count; a failing run of the workspace's file does.
    app.store.record_run({**failing_run(), "status": "pass", "impl": str(tmp_path / "elsewhere")})
    app.store.record_run({**failing_run(), "impl": str(app.workspace)})
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        cell = str(table.get_row("1")[3])
        assert cell.splitlines() == ["freezing ✗ 2/3", "heads —"]
        n = len(registry.names())
        summary = re.search(r"(\d+)/(\d+) exercises passed \((\d+)/(\d+) points\)", screen_text(app)).groups()
        assert summary[:3] == ("0", str(n), "4")
        await pilot.press("p")
        await pilot.pause()
        totals = str(app.screen.query_one("#totals").content)
        assert re.match(r"(\d+)/(\d+) exercises passed · (\d+)/(\d+) points", totals).groups() == summary


async def test_palette_finds_questions_and_exercises_by_number_and_name_in_both_languages(tmp_path):
    from textual.command import CommandPalette

    from quiz.ui.palette import QuestionsProvider

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        provider = QuestionsProvider(app.screen)

        async def top(query):
            hits = sorted([h async for h in provider.search(query)], key=lambda h: h.score, reverse=True)
            return hits[0].text if hits else None

        assert (await top("freez")).startswith("Exercise freezing")
        assert (await top("question 5")).startswith("Question 5:")
        assert (await top("问题 5")).startswith("问题 5：")
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"freez")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.name == "freezing"
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Cursor down" not in titles and "Grade" in titles


async def test_exercise_screen_at_80x24_stacks_its_panes_and_its_footer_fits(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        assert app.screen.query_one("#panes").has_class("narrow")
        footer_width = sum(key.size.width for key in app.screen.query("FooterKey"))
        assert footer_width <= 80 - len("^p palette")
        await pilot.press("h", "h", "h", "h")
        hints = app.screen.query_one("#hints")
        hints.focus()
        await pilot.press("end")
        await pilot.pause()
        assert hints.scroll_y == hints.max_scroll_y and hints.virtual_size.height > hints.size.height
    wide = make_app(tmp_path / "wide")
    async with wide.run_test(size=(120, 36)) as pilot:
        wide.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        assert not wide.screen.query_one("#panes").has_class("narrow")


async def test_help_closes_with_a_visible_key_scrolls_and_explains_each_screen(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        text = screen_text(app)
        assert "esc or ? closes" in text and "ctrl+r reveals the model answer" in text
        scroll = app.screen.query_one("#help-scroll")
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_exercise_header_states_the_task_of_the_stub_not_of_the_users_file(tmp_path):
    app = make_app(tmp_path)
    (app.workspace / "heads.py").write_text('"""My own notes, not the task."""\n')
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("heads"))
        await pilot.pause()
        header = str(app.screen.query_one("#task").content)
        stub_doc = (PRISTINE / "heads.py").read_text().split('"""')[1].strip().splitlines()[0]
        assert stub_doc in header and "My own notes" not in header


def test_a_chinese_failure_line_wraps_whole_and_is_never_cut_with_an_ellipsis():
    from rich.text import Text

    from quiz.text import wrap
    from quiz.ui.exercise.results import line

    text = "提示：Set requires_grad=False on every parameter, then requires_grad=True on the head's parameters."
    with wrap.installed():
        for width in range(30, 80):
            out = io.StringIO()
            Console(file=out, width=width, color_system=None).print(line("✗", "red", Text(text)))
            assert "…" not in out.getvalue()
            assert " ".join(out.getvalue().split()).replace("✗ ", "", 1) == text


async def test_a_typed_review_answer_survives_the_app_and_goes_once_rated(tmp_path):
    store = Store(tmp_path / "progress.sqlite3")
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", *"half an answer")
        qid = app.screen.question.id
    again = make_app(tmp_path, store=store)  # as after a closed terminal
    async with again.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        assert again.screen.question.id == qid
        assert again.screen.query_one("#typed", TextArea).text == "half an answer"
        await pilot.press("ctrl+r", "3")
        await pilot.pause()
        assert store.setting(f"review.draft.{qid}") == ""


async def test_z_zooms_the_focused_exercise_pane_and_back(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        source = app.screen.query_one("#source-pane")
        source.focus()
        small = source.size.height
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is source and source.size.height > 2 * small
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is None


async def test_a_result_reads_in_chinese_on_the_exercise_screen_and_reruns_by_its_stored_name(tmp_path):
    zh = {"name": "分类头可训练", "hint": "把分类头设为可训练。"}
    tests = [{"name": "EN head check", "status": "fail", "message": "`freeze_backbone` is not implemented yet "
              "(NotImplementedError at freezing.py:32)", "hint": "EN head hint", "duration_s": 0.0,
              "level": "basic", "points": 1, "hidden": False, "output": "", "zh": zh},
             {"name": "EN count check", "status": "fail", "message": "expected 3, got 2", "hint": "EN count hint",
              "duration_s": 0.0, "level": "basic", "points": 1, "hidden": False, "output": "",
              "zh": {"name": "计数", "hint": "数标量。", "message": "应为 3，实际为 2"}}]
    result = {"exercise": "freezing", "impl": "x", "device": "cpu", "status": "fail", "message": "2 of 2 checks failed",
              "passed": 0, "failed": 2, "points": 0, "max_points": 2, "duration_s": 0.1, "tests": tests}
    app = make_app(tmp_path, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ExerciseScreen("freezing"))
        await pilot.pause()
        screen = app.screen
        screen.post_message(ExerciseScreen.Graded(result))
        await pilot.pause()
        text = screen_text(app)
        for shown in ("分类头可训练", "`freeze_backbone` 尚未实现（NotImplementedError，位于 freezing.py:32）",
                      "提示", "把分类头设为可训练。", "计数", "应为 3，实际为 2", "数标量。"):
            assert shown in text
        assert "EN " not in text and "not implemented" not in text and "expected 3" not in text
        await pilot.press("down")
        assert screen._selected_check()["name"] == "EN count check"  # a re-run filters by the stored name


async def test_help_opens_at_the_screen_it_was_asked_from(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "ctrl+r", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert screen_text(app).splitlines()[1] == "Question"  # under the dialog's title
        await pilot.press("escape", "escape", "question_mark")
        assert screen_text(app).splitlines()[1] == "Everywhere"  # home: the app's keys, then home's


async def test_code_in_a_model_answer_keeps_its_lines_and_scrolls_sideways(tmp_path):
    from textual.widgets.markdown import MarkdownFence

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "ctrl+r")
        await pilot.pause()
        fence = app.screen.query(MarkdownFence).first()
        longest = max(len(line) for line in fence.code.splitlines())
        assert fence.virtual_size.width >= longest > fence.size.width  # not wrapped: wider than the pane
        await pilot.press("right", "right")
        await pilot.pause()
        assert fence.scroll_x > 0
