"""A question: type an answer first, reveal the model answer, tick the key points covered, rate.

The answer box holds the keys from the start: whatever a person types there is text,
never a command, so the commands that work in it are ctrl keys (ctrl+r reveals, ctrl+b
undoes a rating, ctrl+z undoes typing as in any text box). Revealing moves the keys to
the page, where letters tick key points and digits rate; tab goes back to the box.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Markdown, Static, TextArea

from quiz.questions import bank
from quiz.ui import loop
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t, tag_label
from quiz.ui.widgets import TICK_KEYS, AnswerBox, KeyPoints, scroll_code, typed_outside

RATINGS = ("again", "hard", "good", "easy")
# Actions of printable keys: inactive (and out of the footer) while the answer box has the keys.
PAGE_ACTIONS = {"rate", "open_exercise", "tick", "scroll_body", "scroll_code"}


def draft_key(question: int) -> str:
    """The setting that keeps the answer typed for `question` while it is typed (closing
    the terminal loses nothing); cleared when the question is rated or the answer discarded."""
    return f"review.draft.{question}"


def bullets(items) -> str:
    return "\n".join(f"- {item}" for item in items)


class QuestionScreen(LocalizedScreen):
    HELP_NAME = {"zh": "题目", "en": "Question"}
    BINDINGS = [
        Binding("ctrl+r", "reveal", "Reveal", priority=True),
        Binding("space", "reveal", "Reveal", show=False),
        Binding("1", "rate('again')", "Again", show=False),
        Binding("2", "rate('hard')", "Hard", show=False),
        Binding("3", "rate('good')", "Good"),
        Binding("4", "rate('easy')", "Easy", show=False),
        Binding("o", "open_exercise", "Exercise"),
        Binding("ctrl+b", "undo_rating", "Undo rating", priority=True),
        Binding("escape", "back", "Back", priority=True),
        Binding("j", "scroll_body('down')", "Scroll down", show=False),
        Binding("k", "scroll_body('up')", "Scroll up", show=False),
        Binding("left", "scroll_code(-1)", "Code sideways", show=False),
        Binding("right", "scroll_code(1)", "Code sideways", show=False),
        *(Binding(key, f"tick({i})", "Tick", show=False) for i, key in enumerate(TICK_KEYS)),
    ]

    def __init__(self, question: int, *, on_rated=None, progress: str = ""):
        """`on_rated(rating)` replaces staying on the screen after a rating (review
        sessions); `progress` ("Review 2/3") is shown before the title."""
        super().__init__()
        self.question = bank.get_question(question)
        self.revealed = False
        self.rated_message = ""
        self.review_id: int | None = None  # this showing's rating, which a second key replaces
        self.rated_ticks: set[int] = set()  # the key points ticked when it was rated (the store clears them)
        self.on_undo = None  # a review session's undo of its previous question's rating
        self.on_rated = on_rated
        self.progress = progress

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="qbody")
        yield AnswerBox(id="typed", classes="typed")
        yield Horizontal(
            *(Button("", id=f"rate-{r}", classes=f"rate rate-{r}", compact=True) for r in RATINGS),
            id="ratings",
        )
        yield Footer(compact=True)

    def check_action(self, action: str, parameters) -> bool | None:
        if action in PAGE_ACTIONS and isinstance(self.focused, TextArea):
            return False
        if action == "open_exercise":
            return bool(self.question.exercises)
        if action == "reveal":
            return not self.revealed
        if action == "tick":
            return self.revealed and parameters[0] < len(self.question.key_points[self.lang])
        if action == "rate":
            return self.revealed
        if action == "undo_rating":
            return self.review_id is not None or self.on_undo is not None
        return True

    def on_mount(self) -> None:
        box = self.query_one("#typed", AnswerBox)
        with self.prevent(TextArea.Changed):
            box.load_text(self.app.store.setting(self.draft_key, "") or "")
        box.move_cursor(box.document.end)
        box.focus()

    # ---- drawing ------------------------------------------------------------------------

    def render_lang(self) -> None:
        """Draw the page from the top (on mount, reveal and a language switch)."""
        lang, q = self.lang, self.question
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
            widgets.append(Static(t("q.hidden_box", lang), classes="hidden-note"))
        else:
            widgets += [
                Static(t("q.answer", lang), classes="section"),
                Markdown(q.answer[lang]),
                Static(t("q.key_points", lang), classes="section"),
                Static(t("q.tick_how", lang, last=TICK_KEYS[min(len(q.key_points[lang]), len(TICK_KEYS)) - 1]),
                       classes="tick-how"),
                KeyPoints(q.key_points[lang], self._ticks(), classes="points"),
                Static(t("q.mistakes", lang), classes="section"),
                Markdown(bullets(q.mistakes[lang])),
                Static(t("q.followups", lang), classes="section"),
                Markdown("\n\n".join(f"**{f.question}**\n\n{f.answer}" for f in q.followups[lang])),
                Static(t("q.reading", lang), classes="section"),
                Markdown(bullets(q.reading)),
            ]
        widgets.append(Static(self.rated_message, classes="rated"))
        body.mount_all(widgets)
        self._draw_rating()

    def _ticks(self) -> set[int]:
        """The key points ticked in this showing: kept by the rating once rated."""
        return set(self.rated_ticks) if self.review_id is not None else self.app.store.ticks(self.question.id)

    def _draw_rating(self) -> None:
        """The rating's line, the rating keys and the ticks, in place (the page keeps its scroll)."""
        for rated in self.query(".rated").results(Static):
            rated.update(self.rated_message)
            rated.display = bool(self.rated_message)
        for points in self.query(KeyPoints).results(KeyPoints):
            points.ticked = self._ticks()
            points.draw()
        self.query_one("#ratings").display = self.revealed
        self.query_one("#typed").set_class(self.revealed, "revealed")
        loop.label_ratings(self)
        self.refresh_bindings()

    # ---- keys ---------------------------------------------------------------------------

    def on_key(self, event) -> None:
        typed_outside(self, event, t("q.typed_outside", self.lang))

    def action_reveal(self) -> None:
        if not self.revealed:
            self.revealed = True
            self.query_one("#qbody").focus()  # scroll keys, ticks and ratings work at once
            self.render_lang()

    def action_scroll_body(self, how: str) -> None:
        getattr(self.query_one("#qbody", VerticalScroll), f"scroll_{how}")()

    def action_scroll_code(self, step: int) -> None:
        scroll_code(self.query_one("#qbody"), step)

    def action_tick(self, index: int) -> None:
        if self.review_id is not None:
            self.notify(t("q.rated_ticks", self.lang), severity="warning")
            return
        points = self.query(KeyPoints)
        if points:
            self.app.store.set_tick(self.question.id, index, points.last().toggle(index))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("rate-"):
            self.action_rate(event.button.id.removeprefix("rate-"))

    def action_rate(self, rating: str) -> None:
        if not self.revealed:
            self.notify(t("q.reveal_first", self.lang), severity="warning")
            return
        if self.review_id is None:
            self.rated_ticks = self.app.store.ticks(self.question.id)
        self.rated_message = loop.rate(self, rating)
        self.app.store.set_setting(self.draft_key, "")
        self.notify(self.rated_message)
        if self.on_rated is not None:
            self.on_rated(rating)
            return
        self._draw_rating()

    def action_undo_rating(self) -> None:
        loop.undo_rating(self)

    def rating_undone(self) -> None:
        """After this showing's rating was undone: its ticks are back, and the typed
        answer is a draft again."""
        self.rated_message = ""
        self.app.store.set_setting(self.draft_key, self.query_one("#typed", TextArea).text)
        self._draw_rating()

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

    # ---- the typed answer ---------------------------------------------------------------

    @property
    def draft_key(self) -> str:
        return draft_key(self.question.id)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "typed" and not self.rated_message:
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
        return "" if self.rated_message else self.query_one("#typed", TextArea).text.strip()

    def action_back(self) -> None:
        if isinstance(self.focused, TextArea):
            self.query_one("#qbody").focus()
            return
        if self.typed_text():
            from quiz.ui.dialogs import ConfirmScreen

            self.app.push_screen(ConfirmScreen(t("review.discard_confirm", self.lang)), self._discard_and_leave)
            return
        self.app.pop_screen()
