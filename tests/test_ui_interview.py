"""Mock interviews in the UI, on a fake clock: answer, time out, score, report; the
interviewer view with hidden checks; the setup form."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from textual.widgets import Input, Markdown, TextArea

from quiz.interview.session import InterviewConfig
from quiz.storage.locations import home
from quiz.ui.dialogs import ConfirmScreen
from quiz.ui.exercise.screen import ExerciseScreen
from quiz.ui.interview.launch import start_interview
from quiz.ui.interview.report import ReportScreen
from quiz.ui.interview.screen import InterviewScreen
from quiz.ui.interview.setup import InterviewSetupScreen
from quiz.ui.progress.screen import ProgressScreen
from quiz.ui.exercise.results import failures_first_options
from tests.ui_helpers import FIXED_NOW, make_app, wait_until

ROOT = Path(__file__).resolve().parent.parent
SIZE = (100, 30)


class FakeClock:
    def __init__(self):
        self.now = FIXED_NOW

    def __call__(self):
        return self.now

    def advance(self, **kwargs):
        self.now += timedelta(**kwargs)


def interview_app(tmp_path, clock, **kwargs):
    app = make_app(tmp_path, **kwargs)
    app.clock = clock
    return app


async def test_a_concept_interview_runs_times_out_is_scored_and_reported(tmp_path):
    clock = FakeClock()
    app = interview_app(tmp_path, clock)
    config = InterviewConfig(questions=3, mix="concept", minutes=10, order="fixed", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, config, False)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        assert not screen.query_one("#iv-interviewer").display  # candidate view: no rubric
        await pilot.press(*"freeze the backbone")  # the answer box has the keys from the start
        clock.advance(minutes=2)
        await pilot.press("ctrl+n")
        assert screen.session.current == 1
        await pilot.press(*"source task")
        clock.advance(minutes=9)
        await wait_until(pilot, lambda: screen.session.ended, timeout=5)
        assert screen.session.entries[0].answer == "freeze the backbone"
        assert screen.session.entries[1].answer == "source task"
        assert screen.query_one("#iv-interviewer").display  # scoring shows the rubric
        assert screen.query_one("#iv-answer", TextArea).read_only
        assert "Time is up" in str(screen.query_one("#iv-clock").content)
        await pilot.press("ctrl+b", "a", "b")  # letter keys tick the rubric's key points
        await pilot.pause()
        assert screen.session.entries[0].ticks == {0, 1}
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        saved = app.store.last_interview()
        first = saved["items"][0]
        assert saved["ended_by"] == "time" and first["answer"] == "freeze the backbone"
        assert first["seconds"] == 120.0 and saved["items"][1]["seconds"] == 480.0
        total_points = len(first["key_points"])
        assert saved["total"] == round(100 * (2 / total_points) / 3, 1)
        await pilot.press("m", "h")
        exported = sorted(p.suffix for p in (home() / "reports").iterdir())
        assert exported == [".html", ".md"]


async def test_interviewer_view_shows_rubric_notes_and_hidden_checks(tmp_path, grader_engine):
    clock = FakeClock()
    app = interview_app(tmp_path, clock, grader=grader_engine)
    config = InterviewConfig(questions=1, mix="coding", minutes=30, order="fixed", seed=1)
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, config, True)
        await pilot.pause()
        screen = app.screen
        item = screen.item
        assert item.mode == "coding" and screen.query_one("#iv-interviewer").display
        shutil.copy(ROOT / "solutions" / f"{item.exercise}.py", screen.folder / f"{item.exercise}.py")
        await pilot.press("ctrl+g")
        exercise = app.screen
        assert isinstance(exercise, ExerciseScreen) and exercise.candidate
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.entry.grading is not None)
        hidden = [c for c in screen.entry.grading["tests"] if c["hidden"]]
        assert hidden, "every grader carries a hidden check"
        failed = {**screen.entry.grading, "status": "fail",
                  "tests": [{**hidden[0], "status": "fail", "message": "secret detail"}]}
        shown = Console(file=io.StringIO(), width=200)
        for option in failures_first_options(failed, candidate=True, expanded=True, lang="en"):
            shown.print(option.prompt)
        text = shown.file.getvalue()
        assert "hidden check" in text and hidden[0]["name"] not in text and "secret detail" not in text
        assert "h" not in {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}  # no hints
        await pilot.press("escape")
        assert app.screen is screen
        screen.query_one("#iv-note", Input).focus()
        await pilot.press(*"solid")
        assert screen.entry.note == "solid"
        text = str(screen.query_one("#iv-grading").content)
        assert hidden[0]["name"] in text
        await pilot.press("ctrl+f", "y", "ctrl+f")
        await pilot.pause()
        saved = app.store.last_interview()
        assert saved["ended_by"] == "finish" and saved["total"] == 100.0
        assert saved["items"][0]["note"] == "solid"
        assert "def " in saved["items"][0]["code"]  # the candidate's code is kept


async def test_setup_form_starts_an_interview_and_progress_lists_it(tmp_path):
    clock = FakeClock()
    app = interview_app(tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert isinstance(app.screen, InterviewSetupScreen)
        app.screen.query_one("#questions", Input).value = "2"
        app.screen.query_one("#seed", Input).value = "42"
        await pilot.click("#start")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and len(screen.session.items) == 2
        assert screen.session.config.seed == 42
        await pilot.press("ctrl+f", "y", "ctrl+f")
        await pilot.pause()
        await pilot.press("escape", "p")
        assert isinstance(app.screen, ProgressScreen)
        assert app.screen.query_one("#interviews").row_count == 1


async def test_leaving_a_running_interview_asks_first(tmp_path):
    app = interview_app(tmp_path, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, InterviewConfig(questions=2, seed=3), False)
        await pilot.pause()
        await pilot.press("escape", "escape")  # out of the answer box, then out of the interview
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, InterviewScreen)


async def test_the_interview_command_opens_the_session_directly(tmp_path):
    from quiz.storage.store import Store
    from quiz.ui.app import TransferlingsApp
    from quiz.ui.grading import GradingService

    config = InterviewConfig(questions=3, minutes=5, seed=9)
    app = TransferlingsApp(store=Store(tmp_path / "p.sqlite3"), grading=GradingService(), folder=tmp_path,
                           clock=FakeClock(), start_grader=False, start="interview", interview=(config, True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert len(app.screen.session.items) == 3 and app.screen.interviewer


def test_interview_command_rejects_bad_settings_in_one_line(capsys):
    from quiz.cli import main

    assert main(["interview", "--questions", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("transferlings: ") and len(err.splitlines()) == 1


async def test_typing_at_once_never_runs_a_command_and_quitting_keeps_the_interview(tmp_path):
    clock = FakeClock()
    app = interview_app(tmp_path, clock)
    config = InterviewConfig(questions=3, mix="concept", minutes=10, order="fixed", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, config, False)
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"open quiz", "question_mark", "ctrl+n", *"lp")
        assert app.screen is screen and app.lang == "en"
        assert [e.answer for e in screen.session.entries[:2]] == ["open quiz?", "lp"]
        clock.advance(minutes=3)
        await pilot.press("escape", "ctrl+c", "q")  # out of the box: ctrl+c never quits, q asks
        assert isinstance(app.screen, ConfirmScreen) and app.is_running
        await pilot.press("n", "ctrl+q")
        assert isinstance(app.screen, ConfirmScreen) and "resume" in str(app.screen.question)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running

    resumed = interview_app(tmp_path / "again", clock)
    resumed.start, resumed.interview = "resume", None
    async with resumed.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = resumed.screen
        assert isinstance(screen, InterviewScreen) and screen.session.current == 1
        assert [e.answer for e in screen.session.entries[:2]] == ["open quiz?", "lp"]
        assert screen.session.remaining(clock()) == 7 * 60  # the clock waited while away
        await pilot.press("ctrl+f", "y")
        clock_line = str(screen.query_one("#iv-clock").content)
        assert "Finished" in clock_line and "Time is up" not in clock_line
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(resumed.screen, ReportScreen)
        await pilot.press("escape")
        assert not resumed.screen.query_one("#resume-line").display  # nothing left to resume


async def test_hints_in_an_interview_only_when_allowed_and_each_use_is_reported(tmp_path):
    clock = FakeClock()
    app = interview_app(tmp_path, clock)
    config = InterviewConfig(questions=1, mix="coding", minutes=30, order="fixed", seed=1, allow_hints=True)
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, config, False)
        await pilot.pause()
        screen = app.screen
        await pilot.press("ctrl+g")
        clock.advance(minutes=4)
        await pilot.press("h", "h", "s", "y")
        await pilot.pause()
        assert [a["kind"] for a in screen.entry.aids] == ["hint", "hint", "solution"]
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert "help used: 2 hints, 1 solution" in str(screen.query_one("#iv-coding").content)
        await pilot.press("ctrl+f", "y", "ctrl+f")
        await pilot.pause()
        saved = app.store.last_interview()
        assert saved["aids"] == {"hint": 2, "solution": 1}
        text = "\n".join(md.source for md in app.screen.query(Markdown))
        assert "with help: 2 hints, 1 solution" in text and "solution opened at" in text


async def test_setup_checkboxes_read_without_colour_and_allow_hints_reaches_the_config(tmp_path):
    app = interview_app(tmp_path, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        box = app.screen.query_one("#allow-hints")
        assert "X" not in str(box.render())
        box.value = True
        await pilot.pause()
        assert "X" in str(box.render())
        app.screen.query_one("#seed", Input).value = "5"
        await pilot.click("#start")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen) and app.screen.session.config.allow_hints


def test_resume_with_nothing_to_resume_is_one_clear_line(capsys):
    from quiz.cli import main

    assert main(["interview", "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no unfinished mock interview" in err and len(err.splitlines()) == 1


def _run(folder, exercise: str, status: str, hint: str = "") -> dict:
    test = {"name": "a check", "status": status, "message": "" if status == "pass" else "expected 1, got 2",
            "hint": hint, "duration_s": 0.01, "level": "basic", "points": 1, "hidden": False, "output": ""}
    return {"exercise": exercise, "impl": str(folder), "device": "cpu", "status": status, "message": "",
            "passed": int(status == "pass"), "failed": int(status != "pass"), "points": int(status == "pass"),
            "max_points": 1, "duration_s": 0.1, "tests": [test]}


async def test_an_interviews_exercise_screen_never_shows_the_workspaces_run(tmp_path):
    app = interview_app(tmp_path, FakeClock())
    config = InterviewConfig(questions=1, mix="coding", minutes=30, order="fixed", seed=1)
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, config, False)
        await pilot.pause()
        exercise = app.screen.item.exercise
        app.store.record_run(_run(app.workspace, exercise, "pass"), at="2026-03-01T10:00:00+00:00")
        await pilot.press("ctrl+g")
        status = str(app.screen.query_one("#status").content)
        assert app.screen.last is None and "PASS" not in status and "Last run" not in status
        await pilot.press("escape")
        app.open_exercise(exercise)  # and the workspace's screen never shows the interview's runs
        await pilot.pause()
        assert app.screen.last is not None and app.screen.last["impl"] == str(app.workspace)


async def test_without_hints_allowed_no_check_shows_its_hint(tmp_path):
    app = interview_app(tmp_path, FakeClock())
    config = InterviewConfig(questions=1, mix="coding", minutes=30, order="fixed", seed=1)
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, config, False)
        await pilot.pause()
        screen = app.screen
        app.store.record_run(_run(screen.folder, screen.item.exercise, "fail", hint="THE CHECK'S OWN HINT"))
        await pilot.press("ctrl+g")
        shown = Console(file=io.StringIO(), width=200)
        for option in app.screen.query_one("#checks").options:
            shown.print(option.prompt)
        text = shown.file.getvalue()
        assert "expected 1, got 2" in text and "THE CHECK'S OWN HINT" not in text and "hint:" not in text


async def test_the_in_app_report_keeps_code_indentation_and_blank_lines(tmp_path):
    code = "def f(x):\n    if x:\n        return 1\n\n    return 2"
    typed = "First, freeze.\n\n    Then train the head."
    app = interview_app(tmp_path, FakeClock())
    saved = {"format": 1, "id": 1, "started_at": "2026-03-02T09:00:00+00:00", "ended_at": "2026-03-02T09:20:00+00:00",
             "ended_by": "finish", "config": {"questions": 2, "mix": "both", "minutes": 30, "order": "fixed",
                                              "seed": 1, "allow_hints": False},
             "repeat": "transferlings interview --seed 1", "total": 0.0, "aids": {}, "seconds": 60.0,
             "items": [{"question": q, "kind": kind, "mode": mode, "exercise": ex, "title": {"en": "T", "zh": "T"},
                        "seconds": 30.0, "score": 0.0, "answer": answer, "note": "", "grading": None, "aids": [],
                        "key_points": [{"text": {"en": "p", "zh": "p"}, "ticked": False}]}
                       for q, kind, mode, ex, answer in ((3, "concept", "concept", None, typed),
                                                         (6, "coding", "coding", "freezing", code))]}
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_interview_report(saved)
        await pilot.pause()
        from textual.widgets.markdown import MarkdownFence

        fences = [fence.code for fence in app.screen.query(MarkdownFence)]
        shown = "\n".join(str(w.content) for w in app.screen.query(".verbatim"))
        assert code in fences and typed in shown


async def test_letters_typed_on_a_setup_list_choose_from_it_or_say_none_fits(tmp_path):
    app = interview_app(tmp_path, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i", "tab", *"cod")
        assert app.screen.query_one("#mix").value == "coding"
        await pilot.press("tab", "tab", "z")
        assert app.screen.query_one("#order").value == "random"
        assert any('"z"' in n.message for n in app._notifications)  # not dropped silently


async def test_once_scoring_letters_tick_the_rubric_even_after_the_note_had_the_keys(tmp_path):
    """Finished with the interviewer's note focused, or back from a dialog: a-h tick the
    rubric, as the status line says, and never type into the note."""
    clock = FakeClock()
    app = interview_app(tmp_path, clock)
    config = InterviewConfig(questions=2, mix="concept", minutes=10, order="fixed", seed=7)
    async with app.run_test(size=SIZE) as pilot:
        start_interview(app, config, True)
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"transfer", "tab", *"good")  # the answer, then the interviewer's note
        assert isinstance(screen.focused, Input) and screen.focused.value == "good"
        await pilot.press("ctrl+f", "y")
        await pilot.pause()
        assert screen.session.ended
        await pilot.press("a")
        await pilot.press("escape", "n")  # a dialog (leave?) and back: focus must not land in a box
        await pilot.press("b")
        await pilot.pause()
        assert screen.session.entries[0].ticks == {0, 1}
        assert screen.session.entries[0].note == "good"
