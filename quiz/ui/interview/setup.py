"""The mock interview's setup form."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select

from quiz.interview.session import MIXES, ORDERS, InterviewConfig
from quiz.ui.base import LocalizedModal
from quiz.ui.i18n import t
from quiz.ui.widgets import TickBox


class InterviewSetupScreen(LocalizedModal[tuple]):
    """The interview's settings; dismisses with (InterviewConfig, interviewer) or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label("", id="setup-title", classes="dialog-title")
            for key, widget in (
                ("questions", Input("5", id="questions", type="integer", compact=True)),
                ("mix", Select([(m, m) for m in MIXES], value="both", allow_blank=False, id="mix", compact=True)),
                ("minutes", Input("30", id="minutes", type="integer", compact=True)),
                ("order", Select([(o, o) for o in ORDERS], value="random", allow_blank=False, id="order",
                                 compact=True)),
                ("seed", Input("", id="seed", type="integer", compact=True)),
            ):
                with Horizontal(classes="field"):
                    yield Label("", id=f"label-{key}", classes="field-label")
                    yield widget
            yield TickBox("", id="interviewer", compact=True)
            yield TickBox("", id="allow-hints", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="start", variant="success")

    def render_lang(self) -> None:
        lang = self.lang
        self.query_one("#setup-title", Label).update(t("iv.setup", lang))
        for key in ("questions", "mix", "minutes", "order", "seed"):
            self.query_one(f"#label-{key}", Label).update(t(f"iv.{key}", lang))
        self.query_one("#seed", Input).placeholder = t("iv.seed_random", lang)
        for key, values in (("mix", MIXES), ("order", ORDERS)):
            select = self.query_one(f"#{key}", Select)
            value = select.value
            select.set_options([(t(f"iv.{key}_{v}", lang), v) for v in values])
            select.value = next(v for v in values if v != value)  # a change redraws the shown label
            select.value = value
        self.query_one("#interviewer", Checkbox).label = t("iv.interviewer_mode", lang)
        self.query_one("#allow-hints", Checkbox).label = t("iv.allow_hints", lang)
        self.query_one("#start", Button).label = t("iv.start", lang)

    def on_input_submitted(self) -> None:
        self._start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self._start()

    def _start(self) -> None:
        def number(field: str) -> int | None:
            value = self.query_one(f"#{field}", Input).value.strip()
            return int(value) if value else None

        try:
            config = InterviewConfig(
                questions=number("questions") or 5, mix=self.query_one("#mix", Select).value,
                minutes=number("minutes") or 30, order=self.query_one("#order", Select).value, seed=number("seed"),
                allow_hints=self.query_one("#allow-hints", Checkbox).value,
            )
        except ValueError as e:
            self.notify(str(e), severity="error")
            return
        self.dismiss((config, self.query_one("#interviewer", Checkbox).value))
