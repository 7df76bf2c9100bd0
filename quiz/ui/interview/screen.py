"""Mock interviews in the UI: the timed session (candidate and interviewer views) and
scoring after the clock stops; starting one, the setup form and the report screen have
modules of their own."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, Markdown, Static, TextArea

from grader import registry
from grader.results import localized
from quiz.questions import bank
from quiz.interview import saved as interview_saved
from quiz.interview.session import InterviewSession, SessionEnded, report
from quiz.ui.base import LocalizedScreen
from quiz.ui.dialogs import ConfirmScreen
from quiz.ui.i18n import t
from quiz.storage.userfile import UnreadableFile, read_text
from quiz.ui.widgets import TICK_KEYS, AnswerBox, KeyPoints, typed_outside


def clock_text(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class InterviewScreen(LocalizedScreen):
    """The running interview. The clock keeps running across items and on the exercise
    screen; at zero the answers are kept and the screen turns to scoring.

    Every item has an answer box that holds the keys while the clock runs (a coding item's
    for walking through the approach; its code is the exercise file, ctrl+g): the
    commands are ctrl keys. In the interviewer view, tab goes from the answer to the
    interviewer's note and back."""

    AUTO_FOCUS = ""  # focus is decided here (_focus_answer): once scoring, no box takes it back
    HELP_NAME = {"zh": "模拟面试", "en": "Mock interview"}
    BINDINGS = [
        Binding("ctrl+n", "next", "Next", priority=True),
        Binding("ctrl+b", "previous", "Previous", priority=True, show=False),
        Binding("ctrl+g", "exercise", "Exercise", priority=True),
        Binding("ctrl+t", "interviewer", "Interviewer", priority=True),
        Binding("ctrl+f", "finish", "Finish", priority=True),
        Binding("escape", "leave", "Back", priority=True, show=False),
        *(Binding(key, f"tick({i})", "Tick", show=False) for i, key in enumerate(TICK_KEYS)),
    ]

    def __init__(self, session: InterviewSession, *, interviewer: bool, folder: Path):
        super().__init__()
        self.session = session
        self.interviewer = interviewer
        self.folder = folder
        self.saved = False
        self.questions = {q.id: q for q in bank.load_questions()}

    @property
    def hides_answers(self) -> bool:
        """While it runs, nothing may show a model answer (the command palette asks)."""
        return not self.saved

    def unsaved_work(self) -> str | None:
        """Saved as it stands, the interview would be left running: the app asks first."""
        if self.saved:
            return None
        self.autosave()
        return t("iv.quit_confirm", self.lang)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="iv-clock")
        with Horizontal(id="iv-panes"):
            with VerticalScroll(id="iv-candidate", can_focus=False):
                yield Static(id="iv-title")
                yield Markdown(id="iv-prompt")
                yield Static(id="iv-coding")
                yield AnswerBox(id="iv-answer", classes="typed")
            with VerticalScroll(id="iv-interviewer", can_focus=False):
                yield Input(id="iv-note")
                yield Static(id="iv-points-title", classes="section")
                yield KeyPoints([], (), id="iv-points")
                yield Static(id="iv-grading")
                yield Markdown(id="iv-rubric")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        self.autosave()
        self._focus_answer()

    def _focus_answer(self) -> None:
        """The answer box takes the keys while the clock runs, so the candidate can type at
        once; when scoring, the keys tick the rubric."""
        answer = self.query_one("#iv-answer", TextArea)
        if not self.scoring:
            answer.focus()
        elif isinstance(self.focused, (TextArea, Input)):  # the note too: a-h must reach the rubric
            self.set_focus(None)

    def on_key(self, event) -> None:
        if not self.scoring:  # once scoring, letters tick the rubric and answers are final
            typed_outside(self, event, t("iv.typed_outside", self.lang))

    # ---- state ----------------------------------------------------------------------------

    @property
    def scoring(self) -> bool:
        return self.session.ended

    @property
    def item(self):
        return self.session.items[self.session.current]

    @property
    def entry(self):
        return self.session.entries[self.session.current]

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "exercise":
            return self.item.mode == "coding"
        if action == "interviewer":
            return not self.scoring
        if action == "tick":
            return (self.item.mode == "concept" and (self.interviewer or self.scoring)
                    and parameters[0] < len(self.questions[self.item.question].key_points[self.lang]))
        return True

    def autosave(self) -> None:
        """Keep the session on disk after every change, for `interview --resume`."""
        if not self.saved:
            interview_saved.save(self.session, self.folder, interviewer=self.interviewer, now=self.app.clock())

    def tick(self) -> None:
        if self.session.tick(self.app.clock()):
            self.autosave()
            self._focus_answer()
            self.notify(t("iv.time_up", self.lang), severity="warning", timeout=10)
            self.render_lang()
        else:
            self._draw_clock()

    # ---- drawing --------------------------------------------------------------------------

    def render_lang(self) -> None:
        lang, item, entry = self.lang, self.item, self.entry
        question = self.questions[item.question]
        self._draw_clock()
        self.query_one("#iv-title", Static).update(Text.assemble(
            (f"{self.session.current + 1}/{len(self.session.items)}  ", "bold cyan"),
            (f"{question.id}. {question.title[lang]}", "bold"),
            (f"  {t('iv.mode_' + item.mode, lang)}", "dim")))
        self.query_one("#iv-prompt", Markdown).update(question.prompt[lang])
        answer = self.query_one("#iv-answer", TextArea)
        answer.read_only = self.scoring
        answer.set_class(item.mode == "coding", "coding")
        answer.border_title = t("iv.answer" if item.mode == "concept" else "iv.answer_coding", lang)
        with self.prevent(TextArea.Changed):
            if answer.text != entry.answer:
                answer.load_text(entry.answer)
                answer.move_cursor(answer.document.end)  # back to an item (or resumed): typing goes on at the end
        coding = self.query_one("#iv-coding", Static)
        coding.display = item.mode == "coding"
        if item.mode == "coding":
            coding.update(self._coding_text(item, entry))
        self._draw_interviewer(question)
        self.refresh_bindings()

    def _draw_clock(self) -> None:
        lang, session = self.lang, self.session
        left = session.remaining(self.app.clock())
        if self.scoring:
            status = Text(t(f"iv.scoring_{session.ended_by}", lang), style="bold yellow")
        else:
            status = Text(f"⏱ {clock_text(left)}", style="bold red" if left < 60 else "bold green")
        view = t("iv.view_interviewer" if self.interviewer else "iv.view_candidate", lang)
        self.query_one("#iv-clock", Static).update(Text.assemble(
            status, "  ", (t("iv.progress", lang, n=session.current + 1, total=len(session.items)), ""), "  ",
            (view, "dim")))

    def _coding_text(self, item, entry) -> Text:
        lang = self.lang
        text = Text(t("iv.coding", lang, name=registry.get(item.exercise).title[lang]) + "\n", style="bold")
        text.append(t("iv.coding_how", lang) + "\n", style="dim")
        if entry.grading:
            g = entry.grading
            hidden_failed = sum(1 for c in g["tests"] if c.get("hidden") and c["status"] != "pass")
            text.append(t("iv.graded", lang, passed=g["passed"], total=len(g["tests"]), points=g["points"],
                          max_points=g["max_points"]), style="green" if g["status"] == "pass" else "red")
            if hidden_failed:
                text.append("  " + t("iv.hidden_failed", lang, n=hidden_failed), style="magenta")
        else:
            text.append(t("iv.not_graded", lang), style="dim")
        if not self.session.config.allow_hints:
            text.append("\n" + t("iv.no_help", lang), style="dim")
        elif entry.aids:
            hints = sum(a["kind"] == "hint" for a in entry.aids)
            text.append("\n" + t("iv.help_used", lang, hints=hints, solutions=len(entry.aids) - hints), style="yellow")
        return text

    def _draw_interviewer(self, question) -> None:
        lang, item, entry = self.lang, self.item, self.entry
        pane = self.query_one("#iv-interviewer")
        pane.display = self.interviewer or self.scoring
        if not pane.display:
            return
        concept = item.mode == "concept"
        self.query_one("#iv-points-title", Static).update(t("iv.points" if concept else "iv.checks", lang))
        points = self.query_one("#iv-points", KeyPoints)
        points.display = concept
        points.points, points.ticked = list(question.key_points[lang]), set(entry.ticks)
        points.draw()
        grading = self.query_one("#iv-grading", Static)
        grading.display = not concept
        if not concept:
            grading.update(self._checks_text(entry.grading))
        rubric = [f"**{t('q.mistakes', lang)}**", *[f"- {m}" for m in question.mistakes[lang]], "",
                  f"**{t('q.followups', lang)}**", *[f"- {f.question}" for f in question.followups[lang]]]
        self.query_one("#iv-rubric", Markdown).update("\n".join(rubric))
        note = self.query_one("#iv-note", Input)
        note.placeholder = t("iv.note_how", lang)
        note.border_title = t("iv.note", lang)
        with self.prevent(Input.Changed):
            note.value = entry.note

    def _checks_text(self, grading: dict | None) -> Text:
        if not grading:
            return Text(t("iv.not_graded", self.lang), style="dim")
        text = Text()
        for check in localized(grading, self.lang)["tests"]:
            mark, style = ("✓", "green") if check["status"] == "pass" else ("✗", "red")
            text.append(f"{mark} ", style=style)
            text.append(check["name"])
            if check.get("hidden"):
                text.append(f"  [{t('ex.hidden', self.lang)}]", style="magenta")
            text.append("\n")
        return text

    # ---- input ----------------------------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "iv-answer":
            try:
                self.session.set_answer(self.session.current, event.text_area.text)
            except SessionEnded:
                return
            self.autosave()

    def action_tick(self, index: int) -> None:
        points = self.query_one("#iv-points", KeyPoints)
        points.toggle(index)
        self.session.set_ticks(self.session.current, points.ticked)
        self.autosave()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "iv-note":
            self.session.set_note(self.session.current, event.value)
            self.autosave()

    def action_next(self) -> None:
        self.session.next(self.app.clock())
        self.autosave()
        self.render_lang()
        self._focus_answer()

    def action_previous(self) -> None:
        self.session.prev(self.app.clock())
        self.autosave()
        self.render_lang()
        self._focus_answer()

    def action_interviewer(self) -> None:
        self.interviewer = not self.interviewer
        self.render_lang()

    def action_exercise(self) -> None:
        if self.item.mode != "coding":
            return
        index = self.session.current

        def graded(result: dict) -> None:
            self.session.record_grading(index, result)
            self._keep_code(index)
            self.autosave()

        def aid(kind: str) -> None:
            self.session.use_aid(index, kind, self.app.clock())
            self.autosave()

        allowed = self.session.config.allow_hints
        self.app.open_exercise(self.item.exercise, candidate=True, folder=self.folder, on_graded=graded,
                               on_aid=aid if allowed else None)

    def _keep_code(self, index: int) -> None:
        """Keep coding item `index`'s file as its code (a file that cannot be read as text
        keeps the code kept before, and says why)."""
        item = self.session.items[index]
        try:
            self.session.set_code(index, read_text(self.folder / registry.get(item.exercise).filename))
        except SessionEnded:
            pass
        except UnreadableFile as e:
            self.notify(e.message(self.lang), severity="error", timeout=10)

    def on_screen_resume(self) -> None:
        if self.item.mode == "coding":
            self._keep_code(self.session.current)
        self.tick()
        self.autosave()
        self.render_lang()

    def action_finish(self) -> None:
        if self.scoring:
            self._save()
            return

        def decided(yes: bool | None) -> None:
            if yes:
                for i, item in enumerate(self.session.items):
                    if item.mode == "coding":
                        self._keep_code(i)
                self.session.finish(self.app.clock())
                self.autosave()
                self.render_lang()
                self._focus_answer()

        self.app.push_screen(ConfirmScreen(t("iv.finish_confirm", self.lang)), decided)

    def action_leave(self) -> None:
        if isinstance(self.focused, (TextArea, Input)):
            self.set_focus(None)
            return

        def decided(yes: bool | None) -> None:
            if yes:
                self.autosave()
                self.app.pop_screen()

        self.app.push_screen(ConfirmScreen(t("iv.leave_confirm", self.lang)), decided)

    def _save(self) -> None:
        rep = report(self.session, self.questions.values())
        interview_id = self.app.store.save_interview(rep)
        self.saved = True
        interview_saved.discard(self.folder)
        self.app.open_interview_report(self.app.store.interview(interview_id), replace=True)
