"""Rating semantics shared by the question screen and review sessions, and the learning
loop's lines on other screens (what is due, what comes next on the path).

One rating per question per showing: a second rating key changes it (the first review is
replaced as if never given); ctrl+b undoes it, restoring the card, its log and the ticked
key points (ctrl+z stays the text box's undo of typing). Each rating key shows the
interval FSRS would give before it is pressed.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Button, DataTable, Static

from quiz.learning import activity, path, schedule, standing
from quiz.storage.store import RATINGS
from quiz.ui.i18n import ACTIONS, t

# Footer, help and palette labels of the loop's keys (zh, en).
ACTIONS.update({
    "undo_rating": ("撤销评分", "Undo rating"),
    "attempts": ("提交记录", "Attempts"),
    "next_step": ("下一步", "Next step"),
    "versus_solution": ("对比参考解", "Vs solution"),
    "activity": ("学习记录", "Activity"),
    "settings": ("复习设置", "Review settings"),
})

# ---- ratings -------------------------------------------------------------------------


def label_ratings(screen) -> None:
    """Put "1 Again 1m"-style labels on the screen's rating buttons."""
    store, lang = screen.app.store, screen.lang
    intervals = schedule.preview(store, screen.question.id, screen.app.clock(), replaces=screen.review_id)
    for i, r in enumerate(RATINGS):
        label = f"{i + 1} {t(f'rating.{r}', lang)} {schedule.interval_label(intervals[r], lang)}"
        button = screen.query_one(f"#rate-{r}", Button)
        button.label = label
        button.refresh(layout=True)  # a new label's width (Chinese after English) needs a new layout


def rate(screen, rating: str) -> str:
    """Record `rating` for the screen's showing (replacing its earlier one); returns the
    message to show."""
    store, q, lang, now = screen.app.store, screen.question, screen.lang, screen.app.clock()
    replaced = screen.review_id
    ticks = store.ticks(q.id)
    rated = schedule.review(store, q.id, rating, len(ticks), len(q.key_points[lang]), when=now,
                            points=sorted(ticks), replaces=replaced)
    screen.review_id = rated.review_id
    due = schedule.describe(schedule.Due(q.id, rated.due), now, lang)
    return t("loop.changed" if replaced else "loop.rated", lang, rating=t(f"rating.{rating}", lang), due=due)


def undo_rating(screen) -> None:
    """ctrl+b: undo this showing's rating; in a review session with none, the session's
    previous one (that question comes back with the answer typed for it)."""
    store, lang = screen.app.store, screen.lang
    if screen.review_id is not None:
        store.undo_review(screen.review_id)
        screen.review_id = None
        screen.notify(t("loop.undone", lang))
        screen.rating_undone()
    elif screen.on_undo is not None and screen.on_undo():
        screen.app.notify(t("loop.undone", lang))
    else:
        screen.notify(t("loop.nothing", lang), severity="warning")


# ---- lines on home and after a pass ----------------------------------------------------


def queue_line(app) -> str:
    q = schedule.queue(app.store, path.question_order(), app.clock())
    return t("loop.queue", app.lang, due=len(q.due), new=len(q.new))


def next_step(app, after: path.Step | None = None) -> path.Step | None:
    states = standing.exercise_states(app.store, app.workspace)
    return path.next_step(app.store, states, after)


def streak_line(app) -> str:
    n = activity.streak(set(activity.per_day(app.store)), schedule.local_day(app.clock()))
    return t("loop.streak", app.lang, n=n, n_days="day" if n == 1 else "days")


def continue_line(app) -> str:
    step = next_step(app)
    return t("loop.continue", app.lang, step=step.title(app.lang)) if step else t("loop.all_done", app.lang)


def offer_next(screen, result: dict) -> None:
    """After the workspace's file passes: say so and name the next step (n goes there)."""
    if result["status"] != "pass" or screen.candidate or screen.folder != screen.app.workspace:
        return
    step = next_step(screen.app, path.Step("exercise", screen.exercise.name))
    if step is not None:
        screen.notify(t("loop.next_offer", screen.lang, step=step.title(screen.lang)), timeout=10)


def go_next(screen) -> None:
    """From an exercise screen: replace it with the next step of the path."""
    step = next_step(screen.app, path.Step("exercise", screen.exercise.name))
    if step is None:
        screen.notify(t("loop.all_done", screen.lang))
        return
    screen.app.pop_screen()
    screen.app.open_step(step)


class ContinueLine(Static, can_focus=True):
    """Home's first line: the next step of the path (enter or a click goes there; down
    moves into the question list) and the review queue (v starts it)."""

    DEFAULT_CSS = """
    ContinueLine { padding: 0 1; margin: 0 0 1 0; }
    ContinueLine:focus { background: $accent 30%; text-style: bold; }
    """
    BINDINGS = [Binding("enter", "go", "Continue", show=False), Binding("down", "into_list", show=False)]

    def refresh_line(self) -> None:
        """One line when both parts fit the terminal, else the queue below."""
        step, reviews = continue_line(self.app), queue_line(self.app) + "  (v)"
        gap = "   " if cell_len(step) + 3 + cell_len(reviews) <= self.app.size.width - 2 else "\n"
        self.update(Text.assemble((step, "bold"), gap, (reviews, "yellow")))

    def action_go(self) -> None:
        self.app.open_step(next_step(self.app))

    def action_into_list(self) -> None:
        self.screen.query_one(DataTable).focus()

    def on_click(self) -> None:
        self.action_go()
