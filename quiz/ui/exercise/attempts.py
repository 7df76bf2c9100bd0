"""Past attempts at an exercise (every grading of the user's own file): time to the second,
state, points; the diff between the selected attempt and the one before it, or between the
user's passing code and the reference solution. Side by side from SIDE_BY_SIDE columns.
A whole attempt can be viewed, copied to the clipboard, or restored into the user's file
(which is backed up first, as reset does)."""

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
from quiz.storage import workspace
from quiz.text.wrap import divide_line
from quiz.ui.base import LocalizedScreen
from quiz.ui.dialogs import CodeScreen, ConfirmScreen
from quiz.ui.i18n import ACTIONS, t

SIDE_BY_SIDE = 110
STYLES = {" ": "", "-": "red", "+": "green", "~": "yellow"}
ACTIONS.update({"view": ("查看", "View"), "copy": ("复制", "Copy"), "restore": ("恢复", "Restore")})


class Marked:
    """A unified diff's line: its marker ("-", "+", " ", "@") repeated at the start of
    every line it wraps onto, so a wrapped removed or added line still reads as one."""

    def __init__(self, line: str, style: str):
        self.marker, self.body, self.style = line[:1] or " ", line[1:], style

    def __rich_console__(self, console, options):
        width = max(10, options.max_width - 1)
        body = Text(self.body, style=self.style)
        for piece in body.divide(divide_line(self.body, width)) if self.body else [Text("")]:
            piece.rstrip()
            yield Text(self.marker, style=self.style) + piece


def diff_view(old: str, new: str, width: int, names: tuple[str, str], same: str = "no differences") -> Group | Text:
    """Side by side when `width` allows, else a unified diff; lines fold, never cut. `same`
    is what shows when there is no difference."""
    if old == new:
        return Text(same, style="dim")
    if width >= SIDE_BY_SIDE:
        table = Table(box=None, show_header=True, header_style="bold dim", expand=True, pad_edge=False)
        table.add_column(names[0], ratio=1, overflow="fold")
        table.add_column(names[1], ratio=1, overflow="fold")
        for tag, left, right in history.side_by_side(old, new):
            style = STYLES[tag]
            table.add_row(Text(left, style=style if tag != "+" else ""), Text(right, style=style if tag != "-" else ""))
        return Group(table)
    lines = []
    for line in history.unified(old, new, *names):
        if line.startswith(("---", "+++")):
            lines.append(Text(line, style="bold", overflow="fold"))
        else:
            lines.append(Marked(line, {"-": "red", "+": "green", "@": "cyan"}.get(line[:1], "")))
    return Group(*lines)


class HistoryScreen(LocalizedScreen):
    HELP_NAME = {"zh": "提交记录", "en": "Attempts"}
    DEFAULT_CSS = """
    HistoryScreen #attempts { height: auto; max-height: 40%; }
    HistoryScreen #diff-pane { height: 1fr; }
    """
    BINDINGS = [
        Binding("v", "view", "View"),
        Binding("c", "copy", "Copy"),
        Binding("r", "restore", "Restore"),
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

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("view", "copy", "restore"):
            return bool(self.attempts)
        if action == "versus_solution":  # after a pass only
            return history.last_passing(self.attempts) is not None
        return True

    def render_lang(self) -> None:
        lang = self.lang
        self.attempts = self.app.store.attempts(self.exercise.name)
        self.query_one("#attempts-title", Static).update(
            Text(t("history.title", lang, name=self.exercise.name, n=len(self.attempts)), style="bold"))
        table = self.query_one("#attempts", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in ("col.when", "col.state", "col.checks", "col.points"):
            table.add_column(t(f"history.{key}", lang))
        for a in self.attempts:
            style = "green" if a["status"] == "pass" else "red"
            table.add_row(local_time(a["created_at"], seconds=True), Text(t(f"verdict.{a['status']}", lang), style=style),
                          f"{a['passed']}/{a['total']}", f"{a['points']}/{a['max_points']}")
        table.display = bool(self.attempts)
        if self.attempts:
            table.move_cursor(row=min(row, len(self.attempts) - 1))
        self.refresh_bindings()
        self.draw_diff()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.against_solution = False
        self.draw_diff()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_view()

    def on_resize(self) -> None:
        self.draw_diff()

    def selected(self) -> dict | None:
        if not self.attempts:
            return None
        return self.attempts[min(self.query_one("#attempts", DataTable).cursor_row, len(self.attempts) - 1)]

    def when(self, attempt: dict) -> str:
        return local_time(attempt["created_at"], seconds=True)

    def draw_diff(self) -> None:
        lang, title, body = self.lang, self.query_one("#diff-title", Static), self.query_one("#diff", Static)
        if not self.attempts:
            title.update(t("history.none", lang, name=self.exercise.name))
            body.update("")
            return
        width, same = self.size.width, t("history.no_diff", lang)
        if self.against_solution:
            passing = history.last_passing(self.attempts)
            when = self.when(passing)
            title.update(t("history.vs_solution", lang, new=when))
            body.update(diff_view(passing["code"], history.solution_text(self.exercise.name), width,
                                  (when, f"solutions/{self.exercise.filename}"), same))
            return
        index = self.attempts.index(self.selected())
        new, old = self.attempts[index], history.previous(self.attempts, index)
        new_when = self.when(new)
        if old is None:
            title.update(t("history.first", lang, new=new_when))
            body.update(diff_view("", new["code"], width, ("", new_when), same))
        else:
            title.update(t("history.vs_previous", lang, new=new_when, old=self.when(old)))
            body.update(diff_view(old["code"], new["code"], width, (self.when(old), new_when), t("history.same", lang)))

    def action_view(self) -> None:
        attempt = self.selected()
        if attempt is not None:
            title = t("history.view_title", self.lang, name=self.exercise.filename, when=self.when(attempt),
                      verdict=t(f"verdict.{attempt['status']}", self.lang), passed=attempt["passed"],
                      total=attempt["total"])
            self.app.push_screen(CodeScreen(title, attempt["code"]))

    def action_copy(self) -> None:
        attempt = self.selected()
        if attempt is not None:
            self.app.copy_to_clipboard(attempt["code"])
            self.notify(t("history.copied", self.lang, when=self.when(attempt), n=len(attempt["code"].splitlines())))

    def action_restore(self) -> None:
        attempt = self.selected()
        if attempt is None:
            return
        path = self.app.workspace / self.exercise.filename
        try:
            current = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            current = None
        if current == attempt["code"]:
            self.notify(t("history.already", self.lang, name=path.name, when=self.when(attempt)))
            return

        def restore(yes: bool | None) -> None:
            if not yes:
                return
            try:
                saved = workspace.restore(self.exercise.name, self.app.workspace, attempt["code"])
            except OSError as e:
                self.notify(f"{path}: {e.strerror or e}", severity="error")
                return
            self.notify(t("history.restored", self.lang, name=path.name, when=self.when(attempt),
                          path=saved.name if saved else "—"), timeout=10)

        self.app.push_screen(ConfirmScreen(t("history.restore_confirm", self.lang, name=path.name,
                                             when=self.when(attempt))), restore)

    def action_versus_solution(self) -> None:
        if history.last_passing(self.attempts) is None:
            return
        self.against_solution = not self.against_solution
        self.draw_diff()

    def action_back(self) -> None:
        self.app.pop_screen()
