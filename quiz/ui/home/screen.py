"""Home: the ten questions with their exercise status and review schedule."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from rich.cells import cell_len

from quiz.questions import bank
from quiz.learning import schedule, standing
from quiz.ui import loop
from quiz.ui.base import LocalizedScreen
from quiz.storage.locations import display_path
from quiz.ui.i18n import t

STATUS_STYLE = {"passed": "green", "failing": "red", "not started": "dim"}


def exercise_cell(states: dict, names: tuple[str, ...]) -> Text:
    """Every exercise of a question, one a line, named, with an unambiguous state:
    "freezing ✗ 0/42" (checks passed of all), "heads —" (not started), "lora ✓ 20/20"."""
    if not names:
        return Text("—", style="dim")
    return Text("\n").join(Text(states[name].label(), style=STATUS_STYLE[states[name].state]) for name in names)


class HomeScreen(LocalizedScreen):
    HELP_NAME = {"zh": "首页", "en": "Home"}
    BINDINGS = [Binding("enter", "open", "Open", show=False), Binding("v", "review", "Review"),
                Binding("i", "interview", "Interview"), Binding("u", "resume_interview", "Resume"),
                Binding("p", "app.progress", "Progress"), Binding("l", "app.toggle_lang", "中文"),
                Binding("q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield loop.ContinueLine(id="continue-line")
        yield Static(id="where")
        yield Static(id="resume-line")
        yield DataTable(id="questions", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_screen_resume(self) -> None:
        self.render_lang()

    def on_resize(self) -> None:
        self.render_lang()

    def render_lang(self) -> None:
        lang, store, now = self.lang, self.app.store, self.app.clock()
        questions = bank.load_questions()
        table = self.query_one("#questions", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        states = standing.exercise_states(store, self.app.workspace)
        widest = max(cell_len(s.label()) for s in states.values())
        fixed = {"id": 2, "kind": 8, "exercise": min(26, widest), "review": 10}
        title_width = max(10, self.app.size.width - sum(fixed.values()) - 2 * table.cell_padding * 5 - 2)
        table.add_column(t("col.id", lang), key="id", width=fixed["id"])
        table.add_column(t("col.title", lang), key="title", width=title_width)
        table.add_column(t("col.kind", lang), key="kind", width=fixed["kind"])
        table.add_column(t("col.exercise", lang), key="exercise", width=fixed["exercise"])
        table.add_column(t("col.review", lang), key="review", width=fixed["review"])
        due = schedule.schedule(store, [q.id for q in questions])
        for q in questions:
            when = schedule.describe(due[q.id], now, lang)
            table.add_row(
                Text(str(q.id), justify="right"),
                Text(q.title[lang], overflow="ellipsis", no_wrap=True),
                q.label("kind", lang),
                exercise_cell(states, q.exercises),
                Text(when, style="bold yellow" if due[q.id].is_due(now) else "dim"),
                key=str(q.id), height=max(1, len(q.exercises)),
            )
        table.move_cursor(row=row)
        totals = standing.totals(states)
        due_now = sum(d.is_due(now) for d in due.values())
        summary = t("home.summary", lang, passed=totals.passed, exercises=totals.exercises, points=totals.points,
                    max_points=totals.max_points, due=due_now)
        upcoming = [d for d in due.values() if d.due is not None and d.due > now]
        if upcoming and not due_now:  # beside "3 due", "next review in 9m" would read as a contradiction
            soonest = min(upcoming, key=lambda d: d.due)
            summary += " · " + t("home.next_due", lang, when=schedule.describe(soonest, now, lang))
        self.query_one("#summary", Static).update(summary)
        self.query_one("#continue-line", loop.ContinueLine).refresh_line()
        self.query_one("#where", Static).update(t("home.workspace", lang, path=display_path(self.app.workspace)))
        self._draw_resume_line()

    def _unfinished_interview(self):
        from quiz.interview import saved as interview_saved
        from quiz.storage.locations import home

        left = interview_saved.unfinished(home() / "interviews")
        return left[0] if left else None

    def _draw_resume_line(self) -> None:
        from quiz.interview import saved as interview_saved
        from quiz.interview.export import local_time

        folder = self.resume_folder = self._unfinished_interview()
        line = self.query_one("#resume-line", Static)
        line.display = folder is not None
        if folder is not None:
            when = interview_saved.saved_at(folder)
            line.update(Text(t("iv.resume_line", self.lang, when=local_time(when) if when else "?"), style="bold yellow"))
        self.refresh_bindings()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "resume_interview":
            return getattr(self, "resume_folder", None) is not None
        return True

    def action_resume_interview(self) -> None:
        self.app.resume_interview()

    def action_open(self) -> None:
        table = self.query_one("#questions", DataTable)
        if table.row_count:
            self._open(int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def action_review(self) -> None:
        self.app.start_review()

    def action_interview(self) -> None:
        self.app.choose_interview()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(int(event.row_key.value))

    def _open(self, question: int) -> None:
        self.app.open_question(question)
