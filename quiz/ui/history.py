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
from quiz import history
from quiz.reports import local_time
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t

SIDE_BY_SIDE = 110
STYLES = {" ": "", "-": "red", "+": "green", "~": "yellow"}
TEXT = {
    "title": {"en": "Attempts at {name}: {n}", "zh": "{name} 的提交记录：共 {n} 次"},
    "none": {"en": "No attempt yet: grade your file (r on the exercise screen, or transferlings grade {name}).",
             "zh": "还没有提交记录：先评测你的文件（练习页按 r，或运行 transferlings grade {name}）。"},
    "vs_previous": {"en": "Attempt of {new} against the one before it ({old})", "zh": "{new} 的提交与上一次（{old}）对比"},
    "first": {"en": "The first attempt ({new}): the whole file", "zh": "第一次提交（{new}）：完整文件"},
    "same": {"en": "Same file as the attempt before it.", "zh": "与上一次提交的文件相同。"},
    "vs_solution": {"en": "Your passing code ({new}) against the reference solution",
                    "zh": "你通过的代码（{new}）与参考解对比"},
    "no_pass": {"en": "Pass the exercise first: then s compares your code with the reference solution.",
                "zh": "先通过这道练习，之后按 s 可以把你的代码与参考解对比。"},
    "keys": {"en": "↑↓ choose an attempt · s your passing code vs the solution · esc back",
             "zh": "↑↓ 选择提交 · s 你通过的代码与参考解对比 · esc 返回"},
    "col.when": {"en": "when", "zh": "时间"}, "col.state": {"en": "state", "zh": "状态"},
    "col.checks": {"en": "checks", "zh": "检查"}, "col.points": {"en": "points", "zh": "得分"},
}


def tl(key: str, lang: str, **kwargs) -> str:
    return TEXT[key][lang].format(**kwargs)


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
            Text.assemble((tl("title", lang, name=self.exercise.name, n=len(self.attempts)), "bold"),
                          "   ", (tl("keys", lang), "dim")))
        table = self.query_one("#attempts", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in ("col.when", "col.state", "col.checks", "col.points"):
            table.add_column(tl(key, lang))
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
            title.update(tl("none", lang, name=self.exercise.name))
            body.update("")
            return
        width = self.size.width
        if self.against_solution:
            passing = history.last_passing(self.attempts)
            when = local_time(passing["created_at"])
            title.update(tl("vs_solution", lang, new=when))
            body.update(diff_view(passing["code"], history.solution_text(self.exercise.name), width,
                                  (when, f"solutions/{self.exercise.filename}")))
            return
        index = min(self.query_one("#attempts", DataTable).cursor_row, len(self.attempts) - 1)
        new, old = self.attempts[index], history.previous(self.attempts, index)
        new_when = local_time(new["created_at"])
        if old is None:
            title.update(tl("first", lang, new=new_when))
            body.update(diff_view("", new["code"], width, ("", new_when)))
        elif old["code"] == new["code"]:
            title.update(tl("vs_previous", lang, new=new_when, old=local_time(old["created_at"])))
            body.update(Text(tl("same", lang), style="dim"))
        else:
            old_when = local_time(old["created_at"])
            title.update(tl("vs_previous", lang, new=new_when, old=old_when))
            body.update(diff_view(old["code"], new["code"], width, (old_when, new_when)))

    def action_versus_solution(self) -> None:
        if history.last_passing(self.attempts) is None:
            self.notify(tl("no_pass", self.lang), severity="warning")
            return
        self.against_solution = not self.against_solution
        self.draw_diff()

    def action_back(self) -> None:
        self.app.pop_screen()
