"""A question: think first, reveal the model answer, tick the key points covered, rate."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Markdown, Static, TextArea

from quiz.questions import bank
from quiz.ui import loop
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t, tag_label
from quiz.ui.widgets import TICK_KEYS, AnswerBox, KeyPoints

RATINGS = ("again", "hard", "good", "easy")


def bullets(items) -> str:
    return "\n".join(f"- {item}" for item in items)


class QuestionScreen(LocalizedScreen):
    HELP_NAME = {"zh": "题目", "en": "Question"}
    BINDINGS = [
        Binding("space", "reveal", "Reveal"),
        Binding("ctrl+r", "reveal", "Reveal", show=False, priority=True),
        Binding("1", "rate('again')", "Again", show=False),
        Binding("2", "rate('hard')", "Hard", show=False),
        Binding("3", "rate('good')", "Good"),
        Binding("4", "rate('easy')", "Easy", show=False),
        Binding("o", "open_exercise", "Exercise"),
        Binding("ctrl+z", "undo_rating", "Undo rating", show=False, priority=True),
        Binding("escape", "back", "Back", priority=True),
        Binding("j", "scroll_body('down')", "Scroll down", show=False),
        Binding("k", "scroll_body('up')", "Scroll up", show=False),
        *(Binding(key, f"tick({i})", "Tick", show=False) for i, key in enumerate(TICK_KEYS)),
    ]

    def __init__(self, question: int, *, on_rated=None, answer_box: bool = False, progress: str = ""):
        """`on_rated(rating)` replaces staying on the screen after a rating (review
        sessions); `answer_box` adds a text area to type an answer before revealing."""
        super().__init__()
        self.question = bank.get_question(question)
        self.revealed = False
        self.rated_message = ""
        self.review_id: int | None = None  # this showing's rating, which a second key replaces
        self.on_undo = None  # a review session's undo of its previous question's rating
        self.on_rated = on_rated
        self.answer_box = answer_box
        self.progress = progress

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="qbody")
        yield Horizontal(
            *(Button("", id=f"rate-{r}", classes=f"rate rate-{r}", compact=True) for r in RATINGS),
            id="ratings",
        )
        yield Footer(compact=True)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "open_exercise":
            return bool(self.question.exercises)
        if action == "reveal":
            return not self.revealed
        if action == "tick":
            return self.revealed and parameters[0] < len(self.question.key_points[self.lang])
        return True

    def compose_answer_box(self) -> None:
        if self.answer_box and not self.query("#typed"):
            box = AnswerBox(self.app.store.setting(self.draft_key, ""), id="typed", classes="typed")
            box.border_title = t("q.type_answer", self.lang)
            self.mount(box, before=self.query_one("#ratings"))
            box.focus()

    def on_mount(self) -> None:
        self.compose_answer_box()
        if not self.answer_box:
            self.query_one("#qbody").focus()

    def render_lang(self) -> None:
        lang, q = self.lang, self.question
        if self.query("#typed"):
            self.query_one("#typed", TextArea).border_title = t("q.type_answer", lang)
        body = self.query_one("#qbody", VerticalScroll)
        body.remove_children()
        meta = f"{q.label('kind', lang)} · {q.label('difficulty', lang)} · {('、' if lang == 'zh' else ', ').join(tag_label(tag, lang) for tag in q.tags)}"
        progress = f"[b cyan]{self.progress}[/]  " if self.progress else ""
        widgets = [
            Static(f"{progress}[b]{q.id}. {q.title[lang]}[/b]\n[dim]{meta}[/dim]", classes="qtitle"),
            Markdown(q.prompt[lang], classes="prompt"),
        ]
        if q.exercises:
            widgets.append(Static(t("q.exercises", lang, names=", ".join(q.exercises)), classes="links"))
        if not self.revealed:
            widgets.append(Static(t("q.hidden_box" if self.answer_box else "q.hidden", lang), classes="hidden-note"))
        else:
            ticks = self.app.store.ticks(q.id)
            widgets += [
                Static(t("q.answer", lang), classes="section"),
                Markdown(q.answer[lang]),
                Static(t("q.key_points", lang), classes="section"),
                Static(t("q.tick_how", lang, last=TICK_KEYS[min(len(q.key_points[lang]), len(TICK_KEYS)) - 1]),
                       classes="tick-how"),
                KeyPoints(q.key_points[lang], ticks, classes="points"),
                Static(t("q.mistakes", lang), classes="section"),
                Markdown(bullets(q.mistakes[lang])),
                Static(t("q.followups", lang), classes="section"),
                Markdown("\n\n".join(f"**{f.question}**\n\n{f.answer}" for f in q.followups[lang])),
                Static(t("q.reading", lang), classes="section"),
                Markdown(bullets(q.reading)),
            ]
        if self.rated_message:
            widgets.append(Static(self.rated_message, classes="rated"))
        body.mount_all(widgets)
        ratings = self.query_one("#ratings")
        ratings.display = self.revealed
        loop.label_ratings(self)

    def action_reveal(self) -> None:
        if not self.revealed:
            self.revealed = True
            self.query_one("#qbody").focus()  # scroll keys, ticks and ratings work at once
            self.render_lang()
            self.refresh_bindings()

    def action_scroll_body(self, how: str) -> None:
        getattr(self.query_one("#qbody", VerticalScroll), f"scroll_{how}")()

    def action_tick(self, index: int) -> None:
        points = self.query(KeyPoints)
        if points:
            self.app.store.set_tick(self.question.id, index, points.last().toggle(index))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("rate-"):
            self.action_rate(event.button.id.removeprefix("rate-"))

    def action_rate(self, rating: str) -> None:
        lang = self.lang
        if not self.revealed:
            self.notify(t("q.reveal_first", lang), severity="warning")
            return
        self.rated_message = loop.rate(self, rating)
        if self.answer_box:
            self.app.store.set_setting(self.draft_key, "")
        self.notify(self.rated_message)
        if self.on_rated is not None:
            self.on_rated(rating)
            return
        self.render_lang()

    def action_undo_rating(self) -> None:
        loop.undo_rating(self)

    def action_open_exercise(self) -> None:
        names = self.question.exercises
        if len(names) == 1:
            self.app.open_exercise(names[0])
        elif names:
            from quiz.ui.dialogs import ChoiceScreen

            def chosen(name: str | None) -> None:
                if name:
                    self.app.open_exercise(name)

            self.app.push_screen(ChoiceScreen(t("q.choose_exercise", self.lang), list(names)), chosen)

    @property
    def draft_key(self) -> str:
        """Where a review's typed answer is kept while it is typed (closing the terminal
        loses nothing); cleared when the question is rated or the answer discarded."""
        return f"review.draft.{self.question.id}"

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "typed":
            self.app.store.set_setting(self.draft_key, event.text_area.text)

    def _discard_and_leave(self, yes: bool | None) -> None:
        if yes:
            self.app.store.set_setting(self.draft_key, "")
            self.app.pop_screen()

    def unsaved_work(self) -> str | None:
        """What quitting now would lose (the app asks before it quits), or None."""
        return t("review.quit_confirm", self.lang) if self.typed_text() else None

    def typed_text(self) -> str:
        """The answer typed in the box, until the question is rated."""
        boxes = self.query("#typed")
        return boxes.first(TextArea).text.strip() if boxes and not self.rated_message else ""

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, TextArea):
            self.query_one("#qbody").focus()
            return
        if self.typed_text():
            from quiz.ui.dialogs import ConfirmScreen

            self.app.push_screen(ConfirmScreen(t("review.discard_confirm", self.lang)), self._discard_and_leave)
            return
        self.app.pop_screen()
