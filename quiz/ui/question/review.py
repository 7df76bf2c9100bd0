"""A review session: the questions due now, one after another, each rated with FSRS."""

from __future__ import annotations

from textual.widgets import TextArea

from quiz.learning import path, schedule
from quiz.ui.dialogs import ConfirmScreen
from quiz.ui.i18n import t
from quiz.ui.question.screen import QuestionScreen, draft_key

SOONEST = 3


def start_review(app) -> None:
    """Push the session's first question; with nothing due, offer the ones due soonest."""
    ids = path.question_order()
    due = schedule.queue(app.store, ids, app.clock()).questions
    if due:
        ReviewSession(app, due).show_next()
        return
    soonest = schedule.due_soonest(app.store, ids, SOONEST)

    def decided(yes: bool | None) -> None:
        if yes:
            ReviewSession(app, soonest).show_next()

    app.push_screen(ConfirmScreen(t("review.none_due", app.lang, n=len(soonest))), decided)


class ReviewSession:
    def __init__(self, app, questions: list[int]):
        self.app = app
        self.questions = questions
        self.index = 0
        self.rated: list[tuple[int, str]] = []  # (review id, answer typed) of this session's ratings, in order

    def show_next(self) -> None:
        if self.index >= len(self.questions):
            self.app.notify(t("review.done", self.app.lang, n=len(self.questions)))
            return
        qid = self.questions[self.index]
        self.index += 1
        progress = t("review.progress", self.app.lang, n=self.index, total=len(self.questions))
        screen = QuestionScreen(qid, on_rated=self._rated, progress=progress)
        screen.on_undo = self._undo
        self.app.push_screen(screen)

    def _rated(self, rating: str) -> None:
        screen = self.app.screen
        self.rated.append((screen.review_id, screen.query_one("#typed", TextArea).text))
        self.app.pop_screen()
        self.show_next()

    def _undo(self) -> bool:
        """Undo the previous question's rating and show that question again, with the
        answer typed for it; the answer typed on this one stays its draft."""
        if not self.rated:
            return False
        review_id, typed = self.rated.pop()
        question = self.app.store.undo_review(review_id)["question"]
        self.app.store.set_setting(draft_key(question), typed)
        self.app.pop_screen()
        self.index -= 2
        self.show_next()
        return True
