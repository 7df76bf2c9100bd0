"""A review session: the questions due now, one after another, each rated with FSRS."""

from __future__ import annotations

from quiz import bank, schedule
from quiz.ui.dialogs import ConfirmScreen
from quiz.ui.i18n import t
from quiz.ui.question import QuestionScreen

SOONEST = 3


def start_review(app) -> None:
    """Push the session's first question; with nothing due, offer the ones due soonest."""
    ids = [q.id for q in bank.load_questions()]
    due = schedule.due_now(app.store, ids, app.clock())
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

    def show_next(self) -> None:
        if self.index >= len(self.questions):
            self.app.notify(t("review.done", self.app.lang, n=len(self.questions)))
            return
        qid = self.questions[self.index]
        self.index += 1
        progress = t("review.progress", self.app.lang, n=self.index, total=len(self.questions))
        self.app.push_screen(QuestionScreen(qid, on_rated=self._rated, answer_box=True, progress=progress))

    def _rated(self, rating: str) -> None:
        self.app.pop_screen()
        self.show_next()
