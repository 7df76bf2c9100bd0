"""Widgets the screens share: a text box that never lets a typed key run a command (and
a word when typing lands outside it), a list of key points ticked by letter keys, and
sideways scrolling of code blocks."""

from __future__ import annotations

import time

from rich.table import Table
from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Static, TextArea
from textual.widgets.markdown import MarkdownFence

TICK_KEYS = "abcdefgh"
TICKED, UNTICKED = "[x]", "[ ]"


class AnswerBox(TextArea):
    """A TextArea for typed answers. A printable key pressed in it is text, never a
    command: it stops here even when the box is read-only, where TextArea would let it
    bubble up to the screen's and the app's key bindings. Tab moves the focus on (to
    the interviewer's note, or the page), as in a form."""

    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)
        if event.is_printable or event.key in ("space", "enter", "backspace", "delete"):
            event.stop()
            event.prevent_default()


NOTICE_EVERY_S = 4.0


def typed_outside(screen, event: events.Key, message: str) -> None:
    """On a screen with an answer box: a printable key that no binding takes, pressed while
    no text box has the focus, is not dropped silently: `message` says where typing goes
    (at most every few seconds, so a typed sentence gives one notice)."""
    if not event.is_printable or isinstance(screen.focused, (TextArea, Input)):
        return
    active = screen.active_bindings.get(event.key)
    if active is not None and active.enabled:
        return
    now = time.monotonic()
    if now - getattr(screen, "_typed_outside_at", -NOTICE_EVERY_S) >= NOTICE_EVERY_S:
        screen._typed_outside_at = now
        screen.notify(message, severity="warning")


class KeyPoints(Static):
    """Key points, each behind its letter key and a ticked `[x]` or unticked `[ ]` box
    that reads without colour; long points wrap with a hanging indent, never cut."""

    def __init__(self, points: list[str], ticked: set[int] | frozenset[int], **kwargs):
        super().__init__(**kwargs)
        self.points = list(points)
        self.ticked = set(ticked)

    def on_mount(self) -> None:
        self.draw()

    def toggle(self, index: int) -> bool:
        """Flip point `index`; returns whether it is now ticked."""
        if index in self.ticked:
            self.ticked.discard(index)
        else:
            self.ticked.add(index)
        self.draw()
        return index in self.ticked

    def draw(self) -> None:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        for i, point in enumerate(self.points):
            key = TICK_KEYS[i] if i < len(TICK_KEYS) else " "
            on = i in self.ticked
            mark = Text.assemble((key, "bold cyan"), " ", (TICKED if on else UNTICKED, "bold green" if on else "dim"))
            grid.add_row(mark, Text(point, overflow="fold"))  # "fold": see quiz.ui.exercise.results.line
        self.update(grid)


class TickBox(Checkbox):
    """A checkbox whose mark is "X" only when ticked (Textual draws the same glyph for both
    states and tells them apart by colour alone, unreadable with NO_COLOR)."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return "X" if self.value else " "


class Pane(VerticalScroll):
    """A scrolling pane that may fill the screen (Screen.maximize), which Textual's
    VerticalScroll refuses by default."""

    ALLOW_MAXIMIZE = True


CODE_STEP = 8  # columns a code block moves per ←/→


def scroll_code(container, step: int) -> None:
    """Scroll every code block in `container` `step` * CODE_STEP columns sideways: code
    never wraps (a wrapped line loses its indentation), its long lines scroll."""
    for fence in container.query(MarkdownFence):
        fence.scroll_relative(x=step * CODE_STEP, animate=False)
