"""A review session: the questions due now, one after another, each rated with FSRS."""

from __future__ import annotations

from quiz.learning import path, schedule
from quiz.ui.dialogs import ConfirmScreen
from quiz.ui.i18n import t
from quiz.ui.question.screen import QuestionScreen

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
        self.rated: list[int] = []  # review ids of this session's ratings, in order

    def show_next(self) -> None:
        if self.index >= len(self.questions):
            self.app.notify(t("review.done", self.app.lang, n=len(self.questions)))
            return
        qid = self.questions[self.index]
        self.index += 1
        progress = t("review.progress", self.app.lang, n=self.index, total=len(self.questions))
        screen = QuestionScreen(qid, on_rated=self._rated, answer_box=True, progress=progress)
        screen.on_undo = self._undo
        self.app.push_screen(screen)

    def _rated(self, rating: str) -> None:
        self.rated.append(self.app.screen.review_id)
        self.app.pop_screen()
        self.show_next()

    def _undo(self) -> bool:
        """Undo the previous question's rating and show that question again."""
        if not self.rated:
            return False
        self.app.store.undo_review(self.rated.pop())
        self.app.pop_screen()
        self.index -= 2
        self.show_next()
        return True
