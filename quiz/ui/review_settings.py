"""Review settings (from the activity screen, key f): new questions a day, desired
retention, and FSRS optimisation from the own review log (run in its own process, from
a worker thread)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from quiz import schedule, tuning
from quiz.ui.base import LocalizedModal

TEXT = {
    "title": {"en": "Review settings", "zh": "复习设置"},
    "new": {"en": "New questions a day (0-100)", "zh": "每天的新题数（0-100）"},
    "retention": {"en": "Desired retention (0.70-0.97): higher means shorter intervals",
                  "zh": "目标记忆保持率（0.70-0.97）：越高，间隔越短"},
    "reviews": {"en": "{n} of the {need} reviews FSRS needs to fit its parameters to you; now: {tuned}",
                "zh": "FSRS 需要 {need} 次复习记录才能按你的情况拟合参数，目前 {n} 次；当前：{tuned}"},
    "tuned": {"en": ("defaults", "optimised from your reviews"), "zh": ("默认参数", "已按你的复习记录优化")},
    "save": {"en": "Save (enter)", "zh": "保存（enter）"},
    "optimise": {"en": "Optimise now", "zh": "立即优化"},
    "saved": {"en": "Review settings saved", "zh": "复习设置已保存"},
    "numbers": {"en": "Enter a whole number of new questions and a retention such as 0.90",
                "zh": "请输入整数的新题数，以及类似 0.90 的记忆保持率"},
    "optimising": {"en": "Optimising FSRS in the background …", "zh": "正在后台优化 FSRS 参数……"},
}


def tl(key: str, lang: str, **kwargs) -> str:
    return TEXT[key][lang].format(**kwargs)


class ReviewSettingsScreen(LocalizedModal[bool]):
    DEFAULT_CSS = """
    ReviewSettingsScreen { align: center middle; }
    ReviewSettingsScreen > Vertical { width: 76; max-width: 100%; height: auto; border: round $accent;
                                      padding: 1 2; background: $panel; }
    ReviewSettingsScreen Input { width: 20; }
    ReviewSettingsScreen #settings-buttons { height: auto; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(False)", "Close")]

    def compose(self) -> ComposeResult:
        store = self.app.store
        with Vertical():
            yield Label(id="settings-title", classes="dialog-title")
            yield Label(id="new-label")
            yield Input(str(schedule.new_per_day(store)), id="new-per-day", type="integer")
            yield Label(id="retention-label")
            yield Input(f"{schedule.desired_retention(store):.2f}", id="retention", type="number")
            yield Static(id="reviews-line")
            with Horizontal(id="settings-buttons"):
                yield Button("", id="save", variant="primary")
                yield Button("", id="optimise")

    def render_lang(self) -> None:
        lang, store = self.lang, self.app.store
        self.query_one("#settings-title", Label).update(tl("title", lang))
        self.query_one("#new-label", Label).update(tl("new", lang))
        self.query_one("#retention-label", Label).update(tl("retention", lang))
        n = tuning.countable_reviews(tuning.review_logs(store))
        tuned = TEXT["tuned"][lang][store.setting(schedule.SETTING_PARAMETERS) is not None]
        self.query_one("#reviews-line", Static).update(tl("reviews", lang, n=n, need=tuning.MIN_REVIEWS, tuned=tuned))
        self.query_one("#save", Button).label = tl("save", lang)
        self.query_one("#optimise", Button).label = tl("optimise", lang)

    def on_input_submitted(self) -> None:
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()
        elif event.button.id == "optimise":
            self.notify(tl("optimising", self.lang))
            self.optimise()

    def save(self) -> None:
        store = self.app.store
        try:
            new = int(self.query_one("#new-per-day", Input).value)
            retention = float(self.query_one("#retention", Input).value)
        except ValueError:
            self.notify(tl("numbers", self.lang), severity="error")
            return
        try:
            schedule.set_new_per_day(store, new)
            schedule.set_desired_retention(store, retention)
        except ValueError as e:
            self.notify(str(e), severity="error")
            return
        self.app.notify(tl("saved", self.lang))
        self.dismiss(True)

    @work(thread=True, exclusive=True)
    def optimise(self) -> None:
        try:
            message, severity = tuning.optimise(self.app.store), "information"
        except (RuntimeError, OSError) as e:
            message, severity = str(e), "error"
        self.app.call_from_thread(self.app.notify, message, severity=severity, timeout=10)
        self.app.call_from_thread(self.render_lang)
