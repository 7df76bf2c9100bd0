"""Activity over time (from Progress, key y): the 26-week calendar of reviews, gradings
and interviews, the current streak, points over time per exercise and the checks failed
most often; f opens the review settings."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from quiz.learning import activity, path, schedule
from quiz.ui.progress import heatmap
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t

BARS = "▁▂▃▄▅▆▇█"
def spark(values: list[int], top: int) -> str:
    """One bar per value, scaled to `top`; the last 40 values."""
    return "".join(BARS[min(len(BARS) - 1, round(v / top * (len(BARS) - 1))) if top else 0] for v in values[-40:])


class ActivityScreen(LocalizedScreen):
    HELP_NAME = {"zh": "学习记录", "en": "Activity"}
    BINDINGS = [Binding("f", "settings", "Review settings"), Binding("escape", "back", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="activity-pane"):
            yield Static(id="activity")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#activity-pane").focus()

    shown = 0  # times the screen came into view

    def on_screen_resume(self) -> None:
        """Back from the review settings or anywhere else: drawn afresh (the first showing
        was drawn by on_mount)."""
        self.shown += 1
        if self.shown > 1:
            self.render_lang()

    def render_lang(self) -> None:
        lang, store = self.lang, self.app.store
        today = schedule.local_day(self.app.clock())
        days = activity.per_day(store)
        cal = activity.calendar(store, today)
        streak = activity.streak(set(days), today)
        active = sum(1 for n in cal.counts.values() if n)
        parts = [
            Text(t("activity.calendar", lang), style="bold underline"),
            heatmap.render(cal, lang),
            Text(t("activity.streak", lang, n=streak, active=active, days="day" if streak == 1 else "days"), style="bold"),
            Text(""),
            Text(t("activity.points", lang), style="bold underline"),
            self._points(lang),
            Text(""),
            Text(t("activity.failed", lang), style="bold underline"),
            self._failed(lang),
        ]
        self.query_one("#activity", Static).update(Group(*parts))

    def _points(self, lang: str):
        table = Table(box=None, header_style="bold dim", pad_edge=False)
        for key in ("col.exercise", "col.trend", "col.last"):
            table.add_column(t(f"activity.{key}", lang))
        for name in path.exercise_order():
            series = activity.points_over_time(self.app.store, name)
            if series:
                top = series[-1][2]
                table.add_row(name, Text(spark([p for _, p, _ in series], top), style="green"),
                              f"{series[-1][1]}/{top}")
        return table if table.row_count else Text(t("activity.no_points", lang), style="dim")

    def _failed(self, lang: str):
        rows = activity.most_failed(self.app.store, limit=8, lang=lang)
        if not rows:
            return Text(t("activity.no_failed", lang), style="dim")
        table = Table(box=None, header_style="bold dim", pad_edge=False, expand=True)
        table.add_column(t("activity.col.times", lang), justify="right")
        table.add_column(t("activity.col.exercise", lang), no_wrap=True)
        table.add_column(t("activity.col.check", lang), ratio=1, overflow="fold")
        for row in rows:
            check = Text(row.check)
            if row.cases:
                check.append("  " + t("activity.cases", lang, n=row.cases), style="dim")
            table.add_row(str(row.times), row.exercise, check)
        return table

    def action_settings(self) -> None:
        self.app.open_review_settings()

    def action_back(self) -> None:
        self.app.pop_screen()
