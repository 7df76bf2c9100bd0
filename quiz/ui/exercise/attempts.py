"""Past attempts at an exercise (every grading of the user's own file): time, state,
points; the diff between the selected attempt and the one before it, or between the
user's passing code and the reference solution. Side by side from SIDE_BY_SIDE columns."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from grader import registry
from quiz.learning import history
from quiz.interview.export import local_time
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t

SIDE_BY_SIDE = 110
STYLES = {" ": "", "-": "red", "+": "green", "~": "yellow"}
def diff_view(old: str, new: str, width: int, names: tuple[str, str]) -> Group | Text:
    """Side by side when `width` allows, else a unified diff; lines fold, never cut."""
    if old == new:
        return Text("")
    if width >= SIDE_BY_SIDE:
        table = Table(box=None, show_header=True, header_style="bold dim", expand=True, pad_edge=False)
        table.add_column(names[0], ratio=1, overflow="fold")
        table.add_column(names[1], ratio=1, overflow="fold")
        for tag, left, right in history.side_by_side(old, new):
            style = STYLES[tag]
            table.add_row(Text(left, style=style if tag != "+" else ""), Text(right, style=style if tag != "-" else ""))
        return Group(table)
    lines = Text()
    for line in history.unified(old, new, *names):
        style = "bold" if line.startswith(("---", "+++")) else {"-": "red", "+": "green", "@": "cyan"}.get(line[:1], "")
        lines.append(line + "\n", style=style)
    return lines


class HistoryScreen(LocalizedScreen):
    HELP_NAME = {"zh": "提交记录", "en": "Attempts"}
    DEFAULT_CSS = """
    HistoryScreen #attempts { height: auto; max-height: 40%; }
    HistoryScreen #diff-pane { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "versus_solution", "Vs solution"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, exercise: str):
        super().__init__()
        self.exercise = registry.get(exercise)
        self.attempts: list[dict] = []
        self.against_solution = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="attempts-title", classes="section")
        yield DataTable(id="attempts", cursor_type="row", zebra_stripes=True)
        yield Static(id="diff-title", classes="section")
        with VerticalScroll(id="diff-pane"):
            yield Static(id="diff")
        yield Footer()

    def render_lang(self) -> None:
        lang = self.lang
        self.attempts = self.app.store.attempts(self.exercise.name)
        self.query_one("#attempts-title", Static).update(
            Text.assemble((t("history.title", lang, name=self.exercise.name, n=len(self.attempts)), "bold"),
                          "   ", (t("history.keys", lang), "dim")))
        table = self.query_one("#attempts", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in ("col.when", "col.state", "col.checks", "col.points"):
            table.add_column(t(f"history.{key}", lang))
        for a in self.attempts:
            style = "green" if a["status"] == "pass" else "red"
            table.add_row(local_time(a["created_at"]), Text(t(f"verdict.{a['status']}", lang), style=style),
                          f"{a['passed']}/{a['total']}", f"{a['points']}/{a['max_points']}")
        table.display = bool(self.attempts)
        if self.attempts:
            table.move_cursor(row=min(row, len(self.attempts) - 1))
        self.draw_diff()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.against_solution = False
        self.draw_diff()

    def on_resize(self) -> None:
        self.draw_diff()

    def draw_diff(self) -> None:
        lang, title, body = self.lang, self.query_one("#diff-title", Static), self.query_one("#diff", Static)
        if not self.attempts:
            title.update(t("history.none", lang, name=self.exercise.name))
            body.update("")
            return
        width = self.size.width
        if self.against_solution:
            passing = history.last_passing(self.attempts)
            when = local_time(passing["created_at"])
            title.update(t("history.vs_solution", lang, new=when))
            body.update(diff_view(passing["code"], history.solution_text(self.exercise.name), width,
                                  (when, f"solutions/{self.exercise.filename}")))
            return
        index = min(self.query_one("#attempts", DataTable).cursor_row, len(self.attempts) - 1)
        new, old = self.attempts[index], history.previous(self.attempts, index)
        new_when = local_time(new["created_at"])
        if old is None:
            title.update(t("history.first", lang, new=new_when))
            body.update(diff_view("", new["code"], width, ("", new_when)))
        elif old["code"] == new["code"]:
            title.update(t("history.vs_previous", lang, new=new_when, old=local_time(old["created_at"])))
            body.update(Text(t("history.same", lang), style="dim"))
        else:
            old_when = local_time(old["created_at"])
            title.update(t("history.vs_previous", lang, new=new_when, old=old_when))
            body.update(diff_view(old["code"], new["code"], width, (old_when, new_when)))

    def action_versus_solution(self) -> None:
        if history.last_passing(self.attempts) is None:
            self.notify(t("history.no_pass", self.lang), severity="warning")
            return
        self.against_solution = not self.against_solution
        self.draw_diff()

    def action_back(self) -> None:
        self.app.pop_screen()
