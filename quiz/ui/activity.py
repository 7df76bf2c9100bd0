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

from quiz import activity, path, schedule
from quiz.ui import heatmap
from quiz.ui.base import LocalizedScreen

BARS = "▁▂▃▄▅▆▇█"
TEXT = {
    "calendar": {"en": "Activity, last 26 weeks: reviews, gradings and interviews a day",
                 "zh": "近 26 周的学习记录：每天的复习、评测和模拟面试次数"},
    "streak": {"en": "Current streak: {n} {days} · active on {active} of the last 182 days",
               "zh": "当前连续学习 {n} 天 · 近 182 天中有 {active} 天在学习"},
    "points": {"en": "Points over time (each grading of your file, oldest first)",
               "zh": "得分变化（你的文件每次评测的得分，从早到晚）"},
    "no_points": {"en": "No grading of your own files yet.", "zh": "你的文件还没有评测记录。"},
    "failed": {"en": "Checks you failed most often", "zh": "你最常未通过的检查"},
    "no_failed": {"en": "No failed check yet.", "zh": "还没有未通过的检查。"},
    "col.exercise": {"en": "exercise", "zh": "练习"}, "col.check": {"en": "check", "zh": "检查"},
    "col.times": {"en": "times", "zh": "次数"}, "col.trend": {"en": "points", "zh": "得分"},
    "col.last": {"en": "latest", "zh": "最近"},
}


def tl(key: str, lang: str, **kwargs) -> str:
    return TEXT[key][lang].format(**kwargs)


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

    def render_lang(self) -> None:
        lang, store = self.lang, self.app.store
        today = schedule.local_day(self.app.clock())
        days = activity.per_day(store)
        cal = activity.calendar(store, today)
        streak = activity.streak(set(days), today)
        active = sum(1 for n in cal.counts.values() if n)
        parts = [
            Text(tl("calendar", lang), style="bold underline"),
            heatmap.render(cal, lang),
            Text(tl("streak", lang, n=streak, active=active, days="day" if streak == 1 else "days"), style="bold"),
            Text(""),
            Text(tl("points", lang), style="bold underline"),
            self._points(lang),
            Text(""),
            Text(tl("failed", lang), style="bold underline"),
            self._failed(lang),
        ]
        self.query_one("#activity", Static).update(Group(*parts))

    def _points(self, lang: str):
        table = Table(box=None, header_style="bold dim", pad_edge=False)
        for key in ("col.exercise", "col.trend", "col.last"):
            table.add_column(tl(key, lang))
        for name in path.exercise_order():
            series = activity.points_over_time(self.app.store, name)
            if series:
                top = series[-1][2]
                table.add_row(name, Text(spark([p for _, p, _ in series], top), style="green"),
                              f"{series[-1][1]}/{top}")
        return table if table.row_count else Text(tl("no_points", lang), style="dim")

    def _failed(self, lang: str):
        rows = activity.most_failed(self.app.store, limit=8)
        if not rows:
            return Text(tl("no_failed", lang), style="dim")
        table = Table(box=None, header_style="bold dim", pad_edge=False, expand=True)
        table.add_column(tl("col.times", lang), justify="right")
        table.add_column(tl("col.exercise", lang), no_wrap=True)
        table.add_column(tl("col.check", lang), ratio=1, overflow="fold")
        for exercise, check, n in rows:
            table.add_row(str(n), exercise, check)
        return table

    def action_settings(self) -> None:
        from quiz.ui.review_settings import ReviewSettingsScreen

        self.app.push_screen(ReviewSettingsScreen())

    def action_back(self) -> None:
        self.app.pop_screen()
