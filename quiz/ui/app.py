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
            from quiz.ui.question.review import start_review

            self.call_after_refresh(start_review, self)
        elif self.start == "interview":
            from quiz.ui.interview.screen import start_interview

            self.call_after_refresh(start_interview, self, *self.interview)
        elif self.start == "resume":
            from quiz.ui.interview.screen import resume_interview

            self.call_after_refresh(resume_interview, self, *(self.interview or ()))

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
        from quiz.ui.interview.screen import InterviewScreen
        from quiz.ui.question.screen import QuestionScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, InterviewScreen) and not screen.saved:
                screen.autosave()
                return t("iv.quit_confirm", self.lang)
            if isinstance(screen, QuestionScreen) and screen.typed_text():
                return t("review.quit_confirm", self.lang)
        return None

    def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    def action_progress(self) -> None:
        from quiz.ui.progress.screen import ProgressScreen

        if not isinstance(self.screen, ProgressScreen):
            self.push_screen(ProgressScreen())

    def action_help(self) -> None:
        from quiz.ui.dialogs import HelpScreen

        self.push_screen(HelpScreen())

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
