"""The transferlings Textual app: home, question, exercise, progress and help screens."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from quiz.questions import bank
from quiz.learning import schedule
from quiz.storage import workspace
from quiz.text import wrap
from quiz.text.lang import resolve_lang
from quiz.storage.store import Store
from quiz.ui.base import localize_bindings
from quiz.ui.grading import GradingService
from quiz.ui.i18n import t
from quiz.ui.palette import QuestionsProvider


class TransferlingsApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    COMMANDS = App.COMMANDS | {QuestionsProvider}
    HELP_NAME = {"zh": "全局", "en": "Everywhere"}
    BINDINGS = [  # shown in the footer by home only, so that inner screens' keys fit 80 columns
        Binding("l", "toggle_lang", "中文", show=False),
        Binding("p", "progress", "Progress", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit", show=False),
    ]
    lang = reactive("en", init=False)

    def __init__(
        self,
        *,
        store: Store | None = None,
        grading: GradingService | None = None,
        folder: Path | None = None,
        lang: str | None = None,
        clock: Callable[[], datetime] = schedule.utcnow,
        start_grader: bool = True,
        start: str | None = None,
        interview: tuple | None = None,
    ):
        """`start`: "review" opens a review session over the home screen, "interview" a
        mock interview with `interview` = (InterviewConfig, interviewer view)."""
        super().__init__()
        wrap.install()  # Chinese wraps by character width, not only at spaces
        bank.load_questions()  # invalid content fails at start-up, naming file and field
        self.store = store or Store()
        self.grading = grading or GradingService()
        self.workspace = folder or workspace.find()
        self.clock = clock
        self.start_grader = start_grader
        self.start = start
        self.interview = interview
        self.set_reactive(TransferlingsApp.lang, lang or self.store.setting("lang") or resolve_lang(None))

    def on_mount(self) -> None:
        from quiz.ui.home.screen import HomeScreen

        self.title = t("app.title", self.lang)
        localize_bindings(self, self.lang)
        self.push_screen(HomeScreen())
        if self.store.notice:
            self.notify(self.store.notice, severity="warning", timeout=15)
        if self.start_grader:
            self.call_after_refresh(self.grading.start_in_background)
        if self.start == "review":
            self.call_after_refresh(self.start_review)
        elif self.start == "interview":
            self.call_after_refresh(self.start_interview, *self.interview)
        elif self.start == "resume":
            self.call_after_refresh(self.resume_interview, *(self.interview or ()))

    def on_unmount(self) -> None:
        self.grading.close()

    def watch_lang(self, lang: str) -> None:
        self.store.set_setting("lang", lang)
        self.title = t("app.title", lang)
        localize_bindings(self, lang)
        for screen in self.screen_stack:
            if hasattr(screen, "apply_lang"):
                screen.apply_lang()

    async def action_quit(self) -> None:
        """q and ctrl+q: quit, but ask first when that would leave work behind: a running
        mock interview (saved, resumable) or an answer typed in a review."""
        from quiz.ui.dialogs import ConfirmScreen

        question = self._quit_question()
        if question is None or getattr(self.screen, "quit_guard", False):
            self.exit()
            return
        confirm = ConfirmScreen(question)
        confirm.quit_guard = True
        self.push_screen(confirm, lambda yes: self.exit() if yes else None)

    def _quit_question(self) -> str | None:
        """The question to ask before quitting: the first screen, from the top, whose
        `unsaved_work()` says what would be left behind."""
        for screen in reversed(self.screen_stack):
            ask = getattr(screen, "unsaved_work", None)
            question = ask() if ask else None
            if question:
                return question
        return None

    def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    def action_progress(self) -> None:
        from quiz.ui.progress.screen import ProgressScreen

        if not isinstance(self.screen, ProgressScreen):
            self.push_screen(ProgressScreen())

    def action_help(self) -> None:
        """The help dialog, opening at the current screen's keys and workflow."""
        from quiz.ui.dialogs import HelpScreen
        from quiz.ui.exercise.screen import ExerciseScreen
        from quiz.ui.home.screen import HomeScreen
        from quiz.ui.interview.report import ReportScreen
        from quiz.ui.interview.screen import InterviewScreen
        from quiz.ui.progress.screen import ProgressScreen
        from quiz.ui.question.screen import QuestionScreen

        owners = [TransferlingsApp, HomeScreen, QuestionScreen, ExerciseScreen, ProgressScreen, InterviewScreen,
                  ReportScreen]
        # The screen the reader is on (under a dialog, the screen below it) comes first.
        here = next((type(s) for s in reversed(self.screen_stack) if hasattr(type(s), "HELP_NAME")), None)
        if here is not None and here is not HomeScreen:
            owners = [here, TransferlingsApp] + [o for o in owners if o not in (here, TransferlingsApp)]
        self.push_screen(HelpScreen(owners))

    # ---- navigation: screens never import one another; they ask the app ---------------

    def open_question(self, question: int) -> None:
        from quiz.ui.question.screen import QuestionScreen

        self.push_screen(QuestionScreen(question))

    def open_exercise(self, name: str, **options) -> None:
        """The exercise screen; `options` as ExerciseScreen takes them (an interview's
        folder, candidate mode, callbacks)."""
        from quiz.ui.exercise.screen import ExerciseScreen

        self.push_screen(ExerciseScreen(name, **options))

    def open_step(self, step) -> None:
        """The screen for a step of the learning path (None: nothing)."""
        if step is None:
            return
        if step.kind == "question":
            self.open_question(step.question)
        else:
            self.open_exercise(step.target)

    def open_attempts(self, name: str) -> None:
        from quiz.ui.exercise.attempts import HistoryScreen

        self.push_screen(HistoryScreen(name))

    def open_activity(self) -> None:
        from quiz.ui.progress.activity import ActivityScreen

        self.push_screen(ActivityScreen())

    def open_review_settings(self) -> None:
        from quiz.ui.progress.settings import ReviewSettingsScreen

        self.push_screen(ReviewSettingsScreen())

    def open_interview_report(self, saved: dict, *, replace: bool = False) -> None:
        """A saved interview's report; `replace` swaps it in for the current screen."""
        from quiz.ui.interview.report import ReportScreen

        (self.switch_screen if replace else self.push_screen)(ReportScreen(saved))

    def start_review(self) -> None:
        from quiz.ui.question.review import start_review

        start_review(self)

    def choose_interview(self) -> None:
        """The interview set-up dialog, then the interview it sets up."""
        from quiz.ui.interview.setup import InterviewSetupScreen

        def chosen(choice: tuple | None) -> None:
            if choice:
                self.start_interview(*choice)

        self.push_screen(InterviewSetupScreen(), chosen)

    def start_interview(self, config, interviewer: bool) -> None:
        from quiz.ui.interview.launch import start_interview

        start_interview(self, config, interviewer)

    def resume_interview(self, folder: Path | None = None) -> None:
        from quiz.ui.interview.launch import resume_interview

        resume_interview(self, folder)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every action of the app and the screen that has a key, in the
        current language (not the focused widget's, such as "Cursor down")."""
        seen = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.description in seen or not active.enabled:
                continue
            if active.node is not self and active.node is not screen:
                continue
            seen.add(binding.description)
            yield SystemCommand(binding.description, f"key: {key}", partial(active.node.run_action, binding.action))
        yield from super().get_system_commands(screen)


def run(start: str | None = None, interview: tuple | None = None) -> int:
    TransferlingsApp(start=start, interview=interview).run()
    return 0
