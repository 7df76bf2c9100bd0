"""A saved mock interview's report on screen, with exports to Markdown and HTML."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Markdown, Static

from quiz.interview import export
from quiz.storage.locations import home
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t
from quiz.ui.widgets import scroll_code


def score_table(table: export.ScoreTable) -> Table:
    """The items' scores: the number, time and score columns never wrap or shrink (a
    Markdown table at 80 columns cut them), titles and modes wrap."""
    grid = Table(box=box.SQUARE, show_edge=True, expand=True)
    for n, name in enumerate(table.header):
        narrow = n in (0, 3, 4)
        grid.add_column(name, justify="right" if narrow else "left", no_wrap=narrow, ratio=None if narrow else (3 if n == 1 else 2))
    for row in table.rows:
        grid.add_row(*row)
    return grid


class ReportScreen(LocalizedScreen):
    """A saved interview's report, with exports to Markdown and HTML files. What was
    typed reads as it was typed: code in blocks that scroll sideways (←/→), answers and
    notes with their line breaks, blank lines and indentation."""

    HELP_NAME = {"zh": "面试报告", "en": "Interview report"}
    BINDINGS = [
        Binding("m", "export('md')", "Markdown"),
        Binding("h", "export('html')", "HTML"),
        Binding("left", "scroll_code(-1)", "Code sideways", show=False),
        Binding("right", "scroll_code(1)", "Code sideways", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, saved: dict):
        super().__init__()
        self.saved = saved

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="report-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()

    def render_lang(self) -> None:
        body = self.query_one("#report-body", VerticalScroll)
        body.remove_children()
        widgets, lines = [], []
        for part in export.parts(self.saved, self.lang) + [None]:
            if isinstance(part, str):
                lines.append(part)
                continue
            if lines:
                widgets.append(Markdown("\n".join(lines)))
                lines = []
            if part is None:
                break
            if isinstance(part, export.ScoreTable):
                widgets.append(Static(score_table(part), classes="score-table"))
            elif part.info == "python":
                widgets.append(Markdown(export.fenced(part.text, "python"), classes="code"))
            else:
                widgets.append(Static(Text(part.text.rstrip("\n")), classes="verbatim"))
        body.mount_all(widgets)

    def action_scroll_code(self, step: int) -> None:
        scroll_code(self.query_one("#report-body"), step)

    def action_export(self, fmt: str) -> None:
        folder = home() / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"interview-{self.saved['id']}-{self.lang}.{fmt}"
        text = export.to_markdown(self.saved, self.lang) if fmt == "md" else export.to_html(self.saved, self.lang)
        path.write_text(text, encoding="utf-8")
        self.notify(t("iv.exported", self.lang, path=path))

    def action_back(self) -> None:
        self.app.pop_screen()
