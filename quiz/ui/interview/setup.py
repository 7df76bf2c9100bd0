"""The mock interview's setup form."""

from __future__ import annotations

import time

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select

from quiz.interview.session import MIXES, ORDERS, InterviewConfig
from quiz.ui.base import LocalizedModal
from quiz.ui.i18n import t
from quiz.ui.widgets import TickBox


TYPED_WITHIN_S = 1.0  # letters typed this close together spell one choice
CHOICES = {"mix": MIXES, "order": ORDERS}


class InterviewSetupScreen(LocalizedModal[tuple]):
    """The interview's settings; dismisses with (InterviewConfig, interviewer) or None.

    Nothing typed on a closed list is dropped silently: letters choose the option they
    spell the start of ("cod" → coding, also in Chinese), or say that none does."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]
    typed, typed_at, typed_in = "", 0.0, None

    def on_key(self, event: events.Key) -> None:
        focused = self.focused
        if not event.is_printable or event.character is None:
            return
        if isinstance(focused, Select) and not focused.expanded:
            event.stop()
            now = time.monotonic()
            same = now - self.typed_at < TYPED_WITHIN_S and self.typed_in == focused.id
            self.typed = (self.typed if same else "") + event.character.lower()
            self.typed_at, self.typed_in = now, focused.id
            match = next((value for label, value in self._choices(focused.id)
                          if label.lower().startswith(self.typed) or value.startswith(self.typed)), None)
            if match is None:
                self.notify(t("iv.no_choice", self.lang, typed=self.typed), severity="warning")
            else:
                focused.value = match

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
        for key, values in CHOICES.items():
            select = self.query_one(f"#{key}", Select)
            value = select.value
            select.set_options(self._choices(key))
            select.value = next(v for v in values if v != value)  # a change redraws the shown label
            select.value = value
        self.query_one("#interviewer", Checkbox).label = t("iv.interviewer_mode", lang)
        self.query_one("#allow-hints", Checkbox).label = t("iv.allow_hints", lang)
        self.query_one("#start", Button).label = t("iv.start", lang)

    def _choices(self, key: str) -> list[tuple[str, str]]:
        return [(t(f"iv.{key}_{v}", self.lang), v) for v in CHOICES[key]]

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
