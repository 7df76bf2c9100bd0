"""Modal screens: confirm, show code, edit a file in-app, and the key help."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, OptionList, Static, TextArea

from quiz.ui.base import LocalizedModal
from quiz.ui.i18n import STRINGS, action_label, t


class ConfirmScreen(LocalizedModal[bool]):
    """Ask a yes/no question; dismisses with True for yes."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", show=False), Binding("n,escape", "answer(False)", "No", show=False)]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="yes", variant="warning")
                yield Button("", id="no", variant="primary")

    def render_lang(self) -> None:
        self.query_one("#yes", Button).label = t("confirm.yes", self.lang) + " (y)"
        self.query_one("#no", Button).label = t("confirm.no", self.lang) + " (n)"
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoiceScreen(LocalizedModal[str]):
    """Pick one of several strings; dismisses with it, or None on escape."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, title: str, choices: list[str]):
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*self.choices, id="choices")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])


class CodeScreen(LocalizedModal[None]):
    """Read-only, syntax-highlighted source."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, title: str, source: str):
        super().__init__()
        self.title_text = title
        self.source = source

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll():
                yield Static(Syntax(self.source, "python", line_numbers=True, word_wrap=True, theme="ansi_dark"))


class EditorScreen(LocalizedModal[bool]):
    """Edit a file in-app when no $EDITOR is set, starting from `text` (the file as read
    by the caller, who says why when it cannot be read). Saves atomically; dismisses with
    True when something was saved."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "close", "Close", priority=True),
    ]

    def __init__(self, path: Path, text: str):
        super().__init__()
        self.path = path
        self.saved_text = text
        self.saved_any = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("", id="editor-title", classes="dialog-title")
            yield TextArea(self.saved_text, id="editor", show_line_numbers=True, tab_behavior="indent", soft_wrap=False)

    def render_lang(self) -> None:
        self.query_one("#editor-title", Label).update(t("editor.title", self.lang, path=self.path.name))
        self.query_one("#editor", TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one("#editor", TextArea).text
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)
        self.saved_text = text
        self.saved_any = True
        self.notify(t("ex.saved", self.lang, path=self.path.name))

    def action_close(self) -> None:
        if self.query_one("#editor", TextArea).text == self.saved_text:
            self.dismiss(self.saved_any)
            return

        def decided(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.saved_any)

        self.app.push_screen(ConfirmScreen(t("editor.unsaved", self.lang)), decided)


class HelpScreen(LocalizedModal[None]):
    """How each screen works and every key of it, in the current language; scrolls.

    `owners` are the app and screen classes to describe, in order (the current screen
    first); each carries its own help: `HELP_NAME` (zh, en), its `BINDINGS`, and the text
    `help.<class name>` when it has one."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, owners: list[type]):
        super().__init__()
        self.owners = owners

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("", id="help-title", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(id="help-body")
            yield Label("", id="help-close", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def render_lang(self) -> None:
        lang = self.lang
        self.query_one("#help-title", Label).update(t("help.title", lang))
        self.query_one("#help-close", Label).update(t("help.close", lang))
        parts = []
        for owner in self.owners:
            parts.append(Text(owner.HELP_NAME[lang], style="bold underline"))
            if f"help.{owner.__name__}" in STRINGS:
                parts.append(Text(t(f"help.{owner.__name__}", lang)))
            labels: dict[str, list[str]] = {}
            for binding in owner.BINDINGS:
                label = action_label(binding.action, lang) or binding.description
                labels.setdefault(label, []).extend(_key_name(k) for k in binding.key.split(","))
            table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
            table.add_column(style="bold cyan", no_wrap=True)
            table.add_column(ratio=1)
            for label, keys in labels.items():
                table.add_row(_keys(keys), label)
            parts += [table, Text("")]
        self.query_one("#help-body", Static).update(Group(*parts))


def _keys(keys: list[str]) -> str:
    """"a, b, …, h" reads as "a–h"."""
    if len(keys) > 3 and all(len(k) == 1 for k in keys):
        return f"{keys[0]}–{keys[-1]}"
    return ", ".join(keys)


def _key_name(key: str) -> str:
    return {"question_mark": "?", "space": "space", "escape": "esc", "enter": "enter"}.get(key, key)
