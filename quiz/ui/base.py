"""What every screen shares: footer labels and content in the app's current language."""

from __future__ import annotations

from dataclasses import replace
from typing import Generic, TypeVar

from textual.screen import ModalScreen, Screen

from quiz.ui.i18n import action_label


def localize_bindings(node, lang: str) -> None:
    """Relabel `node`'s key bindings (footer, help, palette) in `lang`."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [replace(b, description=action_label(b.action, lang) or b.description) for b in bindings]


class Localized:
    """Mixin: `apply_lang()` is called when the screen mounts and whenever `l` switches
    the language; screens override `render_lang` to redraw their text."""

    @property
    def lang(self) -> str:
        return self.app.lang

    def on_mount(self) -> None:
        self.apply_lang()

    def apply_lang(self) -> None:
        localize_bindings(self, self.lang)
        self.refresh_bindings()
        self.render_lang()

    def render_lang(self) -> None:
        pass


class LocalizedScreen(Localized, Screen):
    pass


ResultType = TypeVar("ResultType")


class LocalizedModal(Localized, ModalScreen[ResultType], Generic[ResultType]):
    pass
