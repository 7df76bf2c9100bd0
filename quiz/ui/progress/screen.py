"""Progress: per exercise its standing and the runs of the workspace's file (gradings of
interviews and other folders are kept apart: they never count); per question the reviews,
with whole titles; past mock interviews. Drawn afresh whenever it comes into view. Below
NARROW columns the two halves stack and the screen scrolls."""

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

NARROW = 100
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

    drawn_width = 0  # the terminal's width when last drawn
    shown = 0  # times the screen came into view

    def on_screen_resume(self) -> None:
        """Back from an exercise, a review or an interview: what changed shows (the first
        showing was drawn by on_mount)."""
        self.shown += 1
        if self.shown > 1:
            self.render_lang()

    def on_resize(self) -> None:
        if self.app.size.width != self.drawn_width:
            self.render_lang()

    def render_lang(self) -> None:
        lang, store = self.lang, self.app.store
        self.drawn_width = self.app.size.width
        self.query_one("#progress-panes").set_class(self.drawn_width < NARROW, "narrow")
        names = registry.names()
        self.query_one("#exercises-title", Static).update(t("progress.exercises", lang))
        self.query_one("#questions-title", Static).update(t("progress.questions", lang))
        table = self.query_one("#exercises", DataTable)
        table.clear(columns=True)
        for key in ("col.exercise", "col.now", "col.points", "col.runs", "col.last"):
            table.add_column(t(key, lang))
        states = standing.exercise_states(store, self.app.workspace)
        runs = standing.workspace_runs(store, self.app.workspace)
        for name in names:
            state = states[name]
            mine = [run for run in runs if run["exercise"] == name]
            cell = Text(state.label().removeprefix(name).strip(), style=STATUS_STYLE[state.state])
            table.add_row(name, cell, f"{state.points}/{state.max_points}", str(len(mine)),
                          local_time(mine[0]["created_at"]) if mine else "—", key=name)
        totals = standing.totals(states)
        reviews = store.reviews()
        self.query_one("#totals", Static).update(t(
            "progress.totals", lang, passed=totals.passed, exercises=totals.exercises, points=totals.points,
            max_points=totals.max_points, runs=len(runs), reviews=len(reviews))
            + " · " + loop.streak_line(self.app))
        self._draw_reviews()
        self._draw_interviews()
        self._draw_history(names[min(table.cursor_row, len(names) - 1)] if names else None)

    def _draw_reviews(self) -> None:
        lang, store, now = self.lang, self.app.store, self.app.clock()
        table = self.query_one("#reviews", DataTable)
        table.clear(columns=True)
        fixed = (("col.id", 2), ("col.reviews", 4), ("col.last_rating", 6), ("col.next", 8))
        # The title takes what its half (the whole width when stacked) leaves, so "next" is
        # never cut off; a title longer than that wraps onto more lines, never cut.
        pane = self.app.size.width if self.app.size.width < NARROW else self.app.size.width // 2
        title = max(12, pane - 4 - sum(w for _, w in fixed) - 2 * table.cell_padding * 5)
        title -= title % 2  # an even width: a line of wide (Chinese) characters fills it exactly
        for key, width in (fixed[0], ("col.title", title), *fixed[1:]):
            table.add_column(t(key, lang), width=width)
        questions = bank.load_questions()
        due = schedule.schedule(store, [q.id for q in questions])
        for q in questions:
            reviews = store.reviews(q.id)
            last = t(f"rating.{reviews[0]['rating']}", lang) if reviews else "—"
            table.add_row(str(q.id), Text(q.title[lang], overflow="fold"), str(len(reviews)), last,
                          schedule.describe(due[q.id], now, lang), height=None)

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
        for run in standing.workspace_runs(self.app.store, self.app.workspace, name)[:200]:
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
