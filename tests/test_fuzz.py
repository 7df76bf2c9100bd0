"""A seeded keystroke fuzz over every screen: random keys (letters, digits, Chinese,
punctuation, arrows, tab, enter, escape, the ctrl commands) from each screen the app
has, checking after every key that

- the app is still running (no exception ended it);
- a printable key pressed in a text box is in that box (typing is never a command);
- no box loses its text, unless the key went to that box;
- a key pressed on a read-only screen (home, progress, activity, attempts, a report,
  help) changes nothing stored: it may only navigate (or switch the language).

Each walk keeps to its screen: a few keys after one opened another screen the walk goes
back, and when a key closed it (escape) the walk opens it again.
`q` and ctrl+q are left out outside text boxes: quitting ends the walk (it is tested on
its own). Grading answers at once from a stand-in grader: this is about keys, not checks.
"""

from __future__ import annotations

import random

import pytest
from textual.widgets import Input, TextArea

from grader import results
from quiz.interview.session import InterviewConfig, InterviewSession, Item, report
from quiz.learning import history
from quiz.questions.bank import load_questions
from quiz.ui.dialogs import HelpScreen
from quiz.ui.exercise.attempts import HistoryScreen
from quiz.ui.home.screen import HomeScreen
from quiz.ui.interview.launch import start_interview
from quiz.ui.interview.report import ReportScreen
from quiz.ui.progress.activity import ActivityScreen
from quiz.ui.progress.screen import ProgressScreen
from tests.ui_helpers import FIXED_NOW, footprint, make_app, type_text

SEED = 19
KEYS_PER_SCREEN = 20
AWAY = 3  # keys a walk may spend on a screen it opened before it goes back to its own
PRINTABLE = list("abcdefghijklmnoprstuvwxyz0123456789 ?,.:;-'") + list("迁移学习：，。？")
SPECIAL = ["enter", "escape", "tab", "shift+tab", "up", "down", "left", "right", "pagedown", "pageup", "home",
           "end", "backspace", "delete", "ctrl+r", "ctrl+b", "ctrl+z", "ctrl+n", "ctrl+g", "ctrl+t", "ctrl+f",
           "ctrl+s", "ctrl+c", "question_mark"]
READ_ONLY = (HomeScreen, ProgressScreen, ActivityScreen, HistoryScreen, ReportScreen, HelpScreen)


class InstantGrader:
    """Grades at once with one failing check: the fuzz is about keys, not checks."""

    started, cuda = True, False

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def grade(self, exercise: str, folder, **kwargs) -> dict:
        meta = {"id": "0", "name": "a check", "points": 1, "hidden": False, "hint": "a hint"}
        return results.assemble(exercise=exercise, impl=str(folder), device="cpu", duration_s=0.01, plan=[meta],
                        done={"0": results.test_entry(meta, "fail", "wrong")})


def _saved_report(app) -> dict:
    session = InterviewSession(InterviewConfig(questions=2, minutes=10, seed=1),
                               [Item(3, "concept"), Item(6, "coding", "freezing")], FIXED_NOW)
    session.set_answer(0, "an answer\n\n    indented")
    session.set_code(1, "def f():\n    return 1\n")
    session.finish(FIXED_NOW)
    return app.store.interview(app.store.save_interview(report(session, load_questions())))


START = {
    "home": lambda app: None,
    "question": lambda app: app.open_question(3),
    "review": lambda app: app.start_review(),
    "exercise": lambda app: app.open_exercise("heads"),
    "progress": lambda app: app.action_progress(),
    "activity": lambda app: app.open_activity(),
    "attempts": lambda app: app.open_attempts("heads"),
    "interview": lambda app: start_interview(app, InterviewConfig(questions=2, seed=5), True),
    "report": lambda app: app.open_interview_report(_saved_report(app)),
    "help": lambda app: app.action_help(),
    "setup": lambda app: app.choose_interview(),
    "review settings": lambda app: app.open_review_settings(),
}


def texts(app) -> dict:
    """Everything typed so far, each under where it lives: the text boxes of every screen,
    and a running interview's answers and notes (its box shows one item at a time)."""
    found = {}
    for screen in app.screen_stack:
        for box in screen.query("TextArea, Input"):
            if box.id not in ("iv-answer", "iv-note"):
                found[id(box)] = (box, box_text(box))
        for n, entry in enumerate(getattr(getattr(screen, "session", None), "entries", [])):
            found[(id(screen), n)] = (screen.query_one("#iv-answer"), (entry.answer, entry.note))
    return found


def box_text(box) -> str:
    return box.text if isinstance(box, TextArea) else box.value


def now_text(key, box):
    if isinstance(key, tuple):
        entry = box.screen.session.entries[key[1]]
        return entry.answer, entry.note
    return box_text(box)


def stored(app) -> dict:
    state = footprint(app)
    state.pop("screens")
    state.pop("lang")
    state["settings"].pop("lang", None)
    return state


@pytest.mark.parametrize("start", list(START))
async def test_random_keys_never_crash_lose_text_or_change_a_read_only_screen(start, tmp_path, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(tmp_path, grader=InstantGrader())
    ws = app.workspace / "heads.py"
    for text in (ws.read_text(), ws.read_text() + "\n# edited\n"):
        history.record(app.store, {**InstantGrader().grade("heads", app.workspace), "status": "fail"}, text)
    rng = random.Random(f"{SEED}-{start}")
    pressed: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        START[start](app)
        await pilot.pause()
        base, away = app.screen, 0
        for _ in range(KEYS_PER_SCREEN):
            away = away + 1 if app.screen is not base else 0
            if base in app.screen_stack and away > AWAY:  # walked on from it: back to it
                while app.screen is not base:
                    app.pop_screen()
                await pilot.pause()
            elif base not in app.screen_stack:  # walked off it: open it again
                START[start](app)
                await pilot.pause()
                base = app.screen
            key = rng.choice(PRINTABLE + SPECIAL)
            focused = app.focused
            in_box = isinstance(focused, (TextArea, Input)) and not getattr(focused, "read_only", False)
            if key == "q" or (not in_box and key in ("ctrl+q",)):
                continue
            before_texts = texts(app)
            before_text = box_text(focused) if in_box else None
            read_only = isinstance(app.screen, READ_ONLY)
            before = stored(app) if read_only else None
            if len(key) == 1:
                await type_text(pilot, key)
            else:
                await pilot.press(key)
                await pilot.pause()
            pressed.append(key)
            where = f"seed {SEED}, from {start}, keys {pressed}"
            assert app.is_running, f"the app stopped: {where}"
            if in_box and len(key) == 1 and focused.is_mounted and focused.has_focus:
                if not (isinstance(focused, Input) and focused.type != "text" and not key.isdigit()):
                    assert box_text(focused) != before_text, f"{key!r} typed into {focused} was lost: {where}"
            for ident, (box, text) in before_texts.items():
                if box.is_mounted and not (in_box and (box is focused or box.screen is focused.screen
                                                       and focused.id in ("iv-answer", "iv-note"))):
                    assert now_text(ident, box) == text, f"{box} lost its text on {key!r}: {where}"
            if read_only:
                assert stored(app) == before, f"{key!r} changed something on a read-only screen: {where}"
