"""A saved mock interview's report on screen, with exports to Markdown and HTML."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Markdown

from quiz.interview import export
from quiz.storage.locations import home
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t


class ReportScreen(LocalizedScreen):
    """A saved interview's report, with exports to Markdown and HTML files."""

    HELP_NAME = {"zh": "面试报告", "en": "Interview report"}
    BINDINGS = [
        Binding("m", "export('md')", "Markdown"),
        Binding("h", "export('html')", "HTML"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, saved: dict):
        super().__init__()
        self.saved = saved

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="report-body"):
            yield Markdown(id="report")
        yield Footer(compact=True)

    def render_lang(self) -> None:
        self.query_one("#report", Markdown).update(export.to_markdown(self.saved, self.lang, wrap=True))

    def action_export(self, fmt: str) -> None:
        folder = home() / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"interview-{self.saved['id']}-{self.lang}.{fmt}"
        text = export.to_markdown(self.saved, self.lang) if fmt == "md" else export.to_html(self.saved, self.lang)
        path.write_text(text, encoding="utf-8")
        self.notify(t("iv.exported", self.lang, path=path))

    def action_back(self) -> None:
        self.app.pop_screen()
