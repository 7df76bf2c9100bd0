"""Progress: per exercise the best result and the run history; per question the reviews."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Sparkline, Static

from grader import registry
from quiz.questions import bank
from quiz.learning import schedule, standing
from quiz.interview.export import local_time
from quiz.results.terminal import VERDICT_STYLE
from quiz.ui import loop
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t

STATUS_STYLE = {"passed": "green", "failing": "red", "not started": "dim"}
STYLE = {status: style.removeprefix("bold ") for status, style in VERDICT_STYLE.items()}


class ProgressScreen(LocalizedScreen):
    HELP_NAME = {"zh": "进度", "en": "Progress"}
    BINDINGS = [Binding("escape", "back", "Back"), Binding("y", "activity", "Activity")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="totals")
        with Horizontal(id="progress-panes"):
            with Vertical():
                yield Static(id="exercises-title", classes="section")
                yield DataTable(id="exercises", cursor_type="row")
                yield Static(id="history-title", classes="section")
                yield DataTable(id="history", cursor_type="row")
            with Vertical():
                yield Static(id="questions-title", classes="section")
                yield DataTable(id="reviews", cursor_type="row")
                yield Static(id="interviews-title", classes="section")
                yield Sparkline([], id="scores")
                yield DataTable(id="interviews", cursor_type="row")
        yield Footer(compact=True)

    def render_lang(self) -> None:
        lang, store = self.lang, self.app.store
        names = registry.names()
        self.query_one("#exercises-title", Static).update(t("progress.exercises", lang))
        self.query_one("#questions-title", Static).update(t("progress.questions", lang))
        table = self.query_one("#exercises", DataTable)
        table.clear(columns=True)
        for key in ("col.exercise", "col.now", "col.points", "col.runs", "col.last"):
            table.add_column(t(key, lang))
        states = standing.exercise_states(store, self.app.workspace)
        for name in names:
            state = states[name]
            runs = store.runs(name, limit=1000)
            cell = Text(state.label().removeprefix(name).strip(), style=STATUS_STYLE[state.state])
            table.add_row(name, cell, f"{state.points}/{state.max_points}", str(len(runs)),
                          local_time(runs[0]["created_at"]) if runs else "—", key=name)
        totals = standing.totals(states)
        reviews = store.reviews()
        self.query_one("#totals", Static).update(t(
            "progress.totals", lang, passed=totals.passed, exercises=totals.exercises, points=totals.points,
            max_points=totals.max_points, runs=len(store.runs(limit=100000)), reviews=len(reviews))
            + " · " + loop.streak_line(self.app))
        self._draw_reviews()
        self._draw_interviews()
        self._draw_history(names[min(table.cursor_row, len(names) - 1)] if names else None)

    def _draw_reviews(self) -> None:
        lang, store, now = self.lang, self.app.store, self.app.clock()
        table = self.query_one("#reviews", DataTable)
        table.clear(columns=True)
        fixed = (("col.id", 2), ("col.reviews", 4), ("col.last_rating", 6), ("col.next", 8))
        # The title takes what the right half leaves, so "next" is never cut off at 80 columns.
        title = max(6, self.app.size.width // 2 - 2 - sum(w for _, w in fixed) - 2 * table.cell_padding * 5)
        for key, width in (fixed[0], ("col.title", title), *fixed[1:]):
            table.add_column(t(key, lang), width=width)
        questions = bank.load_questions()
        due = schedule.schedule(store, [q.id for q in questions])
        for q in questions:
            reviews = store.reviews(q.id)
            last = t(f"rating.{reviews[0]['rating']}", lang) if reviews else "—"
            table.add_row(str(q.id), Text(q.title[lang], overflow="ellipsis", no_wrap=True), str(len(reviews)), last,
                          schedule.describe(due[q.id], now, lang))

    def _draw_interviews(self) -> None:
        lang = self.lang
        past = self.app.store.interviews(limit=100)
        self.query_one("#interviews-title", Static).update(t("progress.interviews", lang))
        spark = self.query_one("#scores", Sparkline)
        spark.data = [row["score"] for row in reversed(past)]
        spark.display = len(past) > 1
        table = self.query_one("#interviews", DataTable)
        table.clear(columns=True)
        for key in ("col.when", "iv.questions", "col.score"):
            table.add_column(t(key, lang))
        for row in past:
            table.add_row(local_time(row["started_at"]), str(row["config"]["questions"]),
                          f"{row['score']:.1f}", key=str(row["id"]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "interviews":
            self.app.open_interview_report(self.app.store.interview(int(event.row_key.value)))

    def _draw_history(self, name: str | None) -> None:
        lang = self.lang
        table = self.query_one("#history", DataTable)
        table.clear(columns=True)
        self.query_one("#history-title", Static).update(t("progress.history", lang, name=name or ""))
        for key in ("col.when", "col.status", "col.checks", "col.seconds"):
            table.add_column(t(key, lang))
        if name is None:
            return
        for run in self.app.store.runs(name, limit=200):
            table.add_row(local_time(run["created_at"]),
                          Text(t(f"verdict.{run['status']}", lang), style=STYLE[run["status"]]),
                          f"{run['passed']}/{run['total']}", f"{run['duration_s']:.2f}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "exercises" and event.row_key is not None:
            self._draw_history(event.row_key.value)

    def action_activity(self) -> None:
        self.app.open_activity()

    def action_back(self) -> None:
        self.app.pop_screen()
