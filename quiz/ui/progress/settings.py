"""Review settings (from the activity screen, key f): new questions a day, desired
retention, and FSRS optimisation from the own review log (run in its own process, from
a worker thread)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from quiz.learning import schedule, tuning
from quiz.ui.base import LocalizedModal
from quiz.ui.i18n import t

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
        self.query_one("#settings-title", Label).update(t("settings.title", lang))
        self.query_one("#new-label", Label).update(t("settings.new", lang))
        self.query_one("#retention-label", Label).update(t("settings.retention", lang))
        n = tuning.countable_reviews(tuning.review_logs(store))
        tuned = t(f"settings.tuned.{int(store.setting(schedule.SETTING_PARAMETERS) is not None)}", lang)
        self.query_one("#reviews-line", Static).update(t("settings.reviews", lang, n=n, need=tuning.MIN_REVIEWS, tuned=tuned))
        self.query_one("#save", Button).label = t("settings.save", lang)
        self.query_one("#optimise", Button).label = t("settings.optimise", lang)

    def on_input_submitted(self) -> None:
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()
        elif event.button.id == "optimise":
            self.notify(t("settings.optimising", self.lang))
            self.optimise()

    def save(self) -> None:
        store = self.app.store
        try:
            new = int(self.query_one("#new-per-day", Input).value)
            retention = float(self.query_one("#retention", Input).value)
        except ValueError:
            self.notify(t("settings.numbers", self.lang), severity="error")
            return
        try:
            schedule.set_new_per_day(store, new)
            schedule.set_desired_retention(store, retention)
        except ValueError as e:
            self.notify(str(e), severity="error")
            return
        self.app.notify(t("settings.saved", self.lang))
        self.dismiss(True)

    @work(thread=True, exclusive=True)
    def optimise(self) -> None:
        try:
            message, severity = tuning.optimise(self.app.store), "information"
        except (RuntimeError, OSError) as e:
            message, severity = str(e), "error"
        self.app.call_from_thread(self.app.notify, message, severity=severity, timeout=10)
        self.app.call_from_thread(self.render_lang)
