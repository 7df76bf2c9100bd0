"""Editing and watching the exercise file: $EDITOR (or the in-app editor, always in a
browser), and watch mode that re-grades once the file has stopped changing. A mixin of
ExerciseScreen, which provides `path`, `watching`, `watch_timer`, `watch_stamp`, `_draw_source`,
`_draw_status` and `action_grade`."""

from __future__ import annotations

import os
import shlex
import subprocess

from textual.app import SuspendNotSupported

from quiz.storage.userfile import UnreadableFile, read_text
from quiz.ui.dialogs import EditorScreen
from quiz.ui.i18n import t

WATCH_INTERVAL_S = 0.3


class EditAndWatch:
    def action_edit(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor or self.app.is_web:  # in a browser, a terminal editor would be invisible
            try:
                text = read_text(self.path)
            except UnreadableFile as e:
                self.notify(e.message(self.lang), severity="error", timeout=10)
                return
            self.app.push_screen(EditorScreen(self.path, text), self._edited)
            return
        command = shlex.split(editor) + [str(self.path)]
        try:
            with self.app.suspend():
                subprocess.call(command)
        except SuspendNotSupported:
            subprocess.call(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as e:
            self.notify(f"{editor}: {e}", severity="error")
            return
        self._edited(True)

    def _edited(self, saved: bool | None) -> None:
        self._draw_source()
        if saved and self.watching:
            self.watch_stamp = self._stamp()
            self.action_grade()

    def _stamp(self) -> tuple | None:
        try:
            st = self.path.stat()
            return (st.st_mtime_ns, st.st_size)
        except OSError:
            return None

    def action_watch(self) -> None:
        if self.watching:
            self._stop_watching()
            self.notify(t("ex.watch_off", self.lang))
        else:
            self.watching = True
            self.watch_stamp = self._stamp()
            self.watch_timer = self.set_interval(WATCH_INTERVAL_S, self._poll)
            self.notify(t("ex.watch_on", self.lang))
        self._draw_status()

    def _stop_watching(self) -> None:
        self.watching = False
        if self.watch_timer is not None:
            self.watch_timer.stop()
            self.watch_timer = None

    def _poll(self) -> None:
        stamp = self._stamp()
        if stamp == self.watch_stamp:
            return
        self.watch_stamp = stamp
        self._draw_source()
        self.set_timer(WATCH_INTERVAL_S, lambda: self._settled(stamp))

    def _settled(self, stamp) -> None:
        """Debounce: grade once the file has stopped changing."""
        if self._stamp() == stamp:
            self.action_grade()
