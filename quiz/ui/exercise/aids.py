"""What helps with an exercise besides grading: hints (one widget each, so a new hint shows
from its first line), the reference solution, reset to the stub, zoom and the device. A
mixin of ExerciseScreen, which provides `exercise`, `candidate`, `on_aid`, `folder`,
`path`, `hints_shown`, `device`, `status_line`, `rerun_note`, `_draw_source` and
`_draw_status`."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from quiz.learning import standing
from quiz.storage import workspace
from quiz.storage.locations import PACKAGED_SOLUTIONS
from quiz.ui.dialogs import CodeScreen, ConfirmScreen
from quiz.ui.i18n import t


class ExerciseAids:
    def _draw_hints(self) -> None:
        """One widget per hint shown, so a new hint can be scrolled to its first line."""
        lang = self.lang
        hints = self.exercise.hints[lang]
        for i, widget in enumerate(self.query(".hint").results(Static)):
            widget.display = i < self.hints_shown
            if widget.display:
                widget.update(Text.assemble((t("ex.hint", lang, n=i + 1, total=len(hints)) + ": ", "bold yellow"),
                                            hints[i], overflow="fold"))
        more = self.query_one("#hints-more", Static)
        more.display = 0 < self.hints_shown < len(hints)
        more.update(Text(t("ex.more_hints", lang), style="dim"))
        pane = self.query_one("#hints", VerticalScroll)
        pane.display = self.hints_shown > 0
        pane.border_title = t("ex.hints_title", lang)

    def action_hint(self) -> None:
        hints = self.exercise.hints[self.lang]
        if self.hints_shown >= len(hints):
            self.notify(t("ex.no_more_hints", self.lang))
            return
        self.hints_shown += 1
        if self.candidate and self.on_aid is not None:
            self.on_aid("hint")
        self._draw_hints()
        pane, new = self.query_one("#hints", VerticalScroll), self.query_one(f"#hint-{self.hints_shown - 1}")
        pane.call_after_refresh(pane.scroll_to_widget, new, top=True, animate=False)  # from its first line

    def action_solution(self) -> None:
        def show(yes: bool | None = True) -> None:
            if yes:
                if self.candidate and self.on_aid is not None:
                    self.on_aid("solution")
                path = PACKAGED_SOLUTIONS / self.exercise.filename
                self.app.push_screen(CodeScreen(str(path), path.read_text(encoding="utf-8")))

        if standing.exercise_state(self.app.store, self.folder, self.exercise.name).state == "passed":
            show()
        else:
            self.app.push_screen(ConfirmScreen(t("ex.solution_confirm", self.lang)), show)

    def action_reset(self) -> None:
        def reset(yes: bool | None) -> None:
            if not yes:
                return
            saved = workspace.reset(self.exercise.name, self.folder)
            self.notify(t("ex.reset_done", self.lang, path=saved) if saved else t("ex.reset_clean", self.lang))
            self.status_line, self.rerun_note = t("ex.reset_regrade", self.lang), ""
            self._draw_source()
            self._draw_status()

        self.app.push_screen(ConfirmScreen(t("ex.reset_confirm", self.lang, name=self.path.name)), reset)

    def action_zoom(self) -> None:
        """The focused pane (checks, hints or code; tab moves between them) fills the
        screen, or goes back: what a small terminal shows a few lines of reads whole."""
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.focused or self.query_one("#checks"), container=False)

    def action_device(self) -> None:
        order = ["auto", "cpu"] + (["cuda"] if self.app.grading.cuda else [])
        self.device = order[(order.index(self.device) + 1) % len(order)] if self.device in order else "auto"
        self._draw_status()
