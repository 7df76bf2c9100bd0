"""Starting and resuming a mock interview: a fresh folder of stubs for its coding items,
then the interview screen."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from grader import registry
from quiz.interview import saved as interview_saved
from quiz.interview.session import InterviewConfig, InterviewSession, plan
from quiz.questions import bank
from quiz.storage.locations import home
from quiz.storage.workspace import pristine
from quiz.ui.i18n import t
from quiz.ui.interview.screen import InterviewScreen


def interview_folder(config: InterviewConfig, exercises: list[str]) -> Path:
    """A fresh folder of pristine stubs for the interview's coding items."""
    folder = home() / "interviews" / f"{time.strftime('%Y%m%d-%H%M%S')}-seed{config.seed}"
    n = 1
    while folder.exists():
        folder = folder.with_name(f"{folder.name}-{n}")
        n += 1
    folder.mkdir(parents=True)
    for name in exercises:
        shutil.copyfile(pristine(name), folder / registry.get(name).filename)
    return folder


def start_interview(app, config: InterviewConfig, interviewer: bool) -> None:
    try:
        items = plan(config, bank.load_questions())
    except ValueError as e:
        app.notify(str(e), severity="error")
        return
    if items.notice:
        app.notify(items.notice, severity="warning")
    folder = interview_folder(config, sorted({i.exercise for i in items if i.exercise}))
    session = InterviewSession(config, items, app.clock())
    app.push_screen(InterviewScreen(session, interviewer=interviewer, folder=folder))


def resume_interview(app, folder: Path | None = None) -> None:
    """Carry on with the interview saved in `folder` (default: the latest one left)."""
    if folder is None:
        left = interview_saved.unfinished(home() / "interviews")
        if not left:
            app.notify(t("iv.nothing_to_resume", app.lang), severity="warning")
            return
        folder = left[0]
    try:
        session, interviewer = interview_saved.load(folder, app.clock())
    except ValueError as e:
        app.notify(str(e), severity="error")
        return
    app.push_screen(InterviewScreen(session, interviewer=interviewer, folder=folder))
