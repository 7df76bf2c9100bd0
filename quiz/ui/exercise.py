"""An exercise: the task, the candidate's source, and the checks streaming in as they run."""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
import threading
from pathlib import Path

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, ProgressBar, Static

from grader import registry
from grader.checks import LEVELS
from grader.engine import GradingCancelled, GradingError
from quiz import workspace
from quiz.paths import PACKAGED_SOLUTIONS
from quiz.report import ICONS as REPORT_ICONS
from quiz.report import VERDICT_STYLE
from quiz.ui.base import LocalizedScreen
from quiz.ui.dialogs import CodeScreen, ConfirmScreen, EditorScreen
from quiz.ui.i18n import t

ICONS = {**REPORT_ICONS, "running": ("…", "yellow"), "pending": ("·", "dim")}
WATCH_INTERVAL_S = 0.3


def display_path(path: Path) -> str:
    """Relative to the current folder when inside it, else the last two parts."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(Path("…", path.parent.name, path.name))


def task_text(path: Path, fallback: Path) -> str:
    """The module docstring of the user's file (or of the pristine stub if it doesn't parse)."""
    for source in (path, fallback):
        try:
            doc = ast.get_docstring(ast.parse(source.read_text(encoding="utf-8")))
        except (SyntaxError, OSError, UnicodeDecodeError):
            continue
        if doc:
            return doc
    return ""


class ExerciseScreen(LocalizedScreen):
    HELP_NAME = {"zh": "编程练习", "en": "Exercise"}
    BINDINGS = [
        Binding("r,f5", "grade", "Grade"),
        Binding("escape", "cancel_or_back", "Cancel/Back"),
        Binding("e", "edit", "Edit"),
        Binding("w", "watch", "Watch"),
        Binding("h", "hint", "Hint"),
        Binding("s", "solution", "Solution"),
        Binding("x", "reset", "Reset"),
        Binding("d", "device", "Device"),
    ]

    class GradeEvent(Message):
        def __init__(self, event: dict):
            super().__init__()
            self.event = event

    class Graded(Message):
        def __init__(self, result: dict):
            super().__init__()
            self.result = result

    class GradeStopped(Message):
        def __init__(self, reason: str, error: bool):
            super().__init__()
            self.reason = reason
            self.error = error

    def __init__(self, name: str, *, candidate: bool = False, folder: Path | None = None, on_graded=None):
        """`candidate`: hidden checks show only as "hidden check" (mock interviews);
        `folder`: grade the file there instead of the workspace's; `on_graded(result)`
        is called after each completed run."""
        super().__init__()
        self.exercise = registry.get(name)
        self.candidate = candidate
        self.on_graded = on_graded
        self.folder = folder or self.app.workspace
        self.path = self.folder / self.exercise.filename
        self.plan: list[dict] = []
        self.results: dict[str, dict] = {}
        self.running_id: str | None = None
        self.last: dict | None = None
        self.last_when: str | None = None
        self.status_line = ""
        self.hints_shown = 0
        self.device = "auto"
        self.cancel: threading.Event | None = None
        self.watching = False
        self.watch_timer = None
        self.watch_stamp: tuple | None = None
        self.pending_regrade = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="task")
        with Horizontal(id="panes"):
            with VerticalScroll(id="source-pane"):
                yield Static(id="source")
            with Vertical(id="side"):
                with VerticalScroll(id="checks-pane"):
                    yield Static(id="checks")
                yield Static(id="hints")
        yield ProgressBar(id="progress", show_eta=False)
        yield Static(id="status")
        yield Footer()

    @property
    def running(self) -> bool:
        return self.cancel is not None

    # ---- drawing ------------------------------------------------------------------------

    def render_lang(self) -> None:
        if self.last is None:
            self._load_last_run()
        lang = self.lang
        task = task_text(self.path, workspace.pristine(self.exercise.name))
        self.query_one("#task", Static).update(
            Text.assemble((self.exercise.title[lang], "bold"), "\n", (task, "")))
        self._draw_source()
        self._draw_checks()
        self._draw_hints()
        self._draw_status()

    def _load_last_run(self) -> None:
        runs = self.app.store.runs(self.exercise.name, limit=1)
        if runs:
            self._show_result(runs[0]["result"], runs[0]["created_at"])

    def _show_result(self, result: dict, when: str | None) -> None:
        """Make `result` the checks list's state (`when`: its stored time, None if just run)."""
        self.last, self.last_when = result, when
        self.plan = [{"id": str(i), **test} for i, test in enumerate(result["tests"])]
        self.results = {str(i): test for i, test in enumerate(result["tests"])}

    def _draw_source(self) -> None:
        try:
            code = self.path.read_text(encoding="utf-8")
        except OSError as e:
            code = f"# {e}"
        self.query_one("#source", Static).update(Group(
            Text(t("ex.source", self.lang, path=display_path(self.path)), style="dim"),
            Syntax(code, "python", line_numbers=True, theme="ansi_dark", word_wrap=False),
        ))

    def _draw_checks(self) -> None:
        lang = self.lang
        if not self.plan:
            self.query_one("#checks", Static).update(Text(t("ex.never", lang), style="dim"))
            return
        parts = [Text(t("ex.checks", lang), style="bold")]
        for level in LEVELS:
            metas = [m for m in self.plan if m.get("level", "basic") == level]
            if not metas:
                continue
            done = sum(self.results.get(m["id"], {}).get("status") == "pass" for m in metas)
            parts.append(Text(f"{t('level.' + level, lang)}  {done}/{len(metas)}", style="bold underline"))
            for meta in metas:
                parts.append(self._check_line(meta))
        self.query_one("#checks", Static).update(Group(*parts))

    def _check_line(self, meta: dict) -> Table:
        """The check's icon, and beside it (wrapped with a hanging indent) its name and, for a
        failure, the message and hint; a hidden check shows no content to a candidate."""
        test = self.results.get(meta["id"])
        state = test["status"] if test else ("running" if meta["id"] == self.running_id else "pending")
        icon, style = ICONS[state]
        hidden = self.candidate and meta.get("hidden")
        text = Text(t("ex.hidden", self.lang) if hidden else meta["name"])
        if test and state in ("fail", "error") and not hidden:
            text.append("\n" + test["message"], style="red")
            if test.get("hint"):
                text.append("\n" + t("hint.label", self.lang), style="bold yellow")
                text.append(test["hint"], style="yellow")
        line = Table.grid(padding=(0, 1))
        line.add_column(width=2, justify="right")
        line.add_column(ratio=1)
        line.add_row(Text(icon, style=style), text)
        return line

    def _draw_hints(self) -> None:
        lang = self.lang
        hints = self.exercise.hints[lang]
        shown = [Text.assemble((t("ex.hint", lang, n=i + 1, total=len(hints)) + ": ", "bold yellow"), h)
                 for i, h in enumerate(hints[: self.hints_shown])]
        widget = self.query_one("#hints", Static)
        widget.display = bool(shown)
        widget.update(Group(*shown))

    def _draw_status(self) -> None:
        lang = self.lang
        parts = []
        if self.running:
            done = len(self.results)
            parts.append(Text(t("ex.grading", lang, done=done, total=len(self.plan) or "?"), style="yellow")
                         if self.plan else Text(t("ex.starting", lang), style="yellow"))
        elif self.status_line:
            parts.append(Text(self.status_line))
        elif self.last is not None:
            parts.append(self._graded_text(self.last))
            if self.last_when:
                parts.append(Text("  " + t("ex.last", lang, when=self.last_when[:16].replace("T", " ")), style="dim"))
        parts.append(Text("  " + t("ex.device", lang, device=self.device), style="dim"))
        if self.watching:
            parts.append(Text("  " + t("ex.watch_on", lang), style="cyan"))
        self.query_one("#status", Static).update(Text.assemble(*parts))
        bar = self.query_one("#progress", ProgressBar)
        bar.display = self.running
        if self.running and self.plan:
            bar.update(total=len(self.plan), progress=len(self.results))

    def _graded_text(self, result: dict) -> Text:
        return Text(t("ex.graded", self.lang, verdict=t(f"verdict.{result['status']}", self.lang),
                      passed=result["passed"], total=len(result["tests"]), points=result["points"],
                      max_points=result["max_points"], seconds=result["duration_s"], device=result["device"]),
                    style=VERDICT_STYLE[result["status"]])

    # ---- grading ------------------------------------------------------------------------

    def action_grade(self) -> None:
        if self.running:
            self.pending_regrade = True
            return
        self.cancel = threading.Event()
        self.plan, self.results, self.running_id, self.status_line = [], {}, None, ""
        self._draw_checks()
        self._draw_status()
        self._grade(self.cancel, self.device)

    @work(thread=True, group="grade")
    def _grade(self, cancel: threading.Event, device: str) -> None:
        try:
            result = self.app.grading.grade(self.exercise.name, self.folder, device=device,
                                            on_event=lambda e: self.post_message(self.GradeEvent(e)), cancel=cancel)
        except GradingCancelled:
            self.post_message(self.GradeStopped(t("ex.cancelled", self.lang), error=False))
            return
        except (GradingError, RuntimeError, OSError) as e:
            self.post_message(self.GradeStopped(str(e), error=True))
            return
        self.post_message(self.Graded(result))

    @on(GradeEvent)
    def _on_grade_event(self, message: GradeEvent) -> None:
        event = message.event
        if event["event"] == "plan":
            self.plan = event["tests"]
        elif event["event"] == "start":
            self.running_id = event["id"]
        elif event["event"] == "test":
            self.results[event["id"]] = event["entry"]
            self.running_id = None
        self._draw_checks()
        self._draw_status()

    @on(Graded)
    def _on_graded(self, message: Graded) -> None:
        result = message.result
        self.app.store.record_run(result)
        self.cancel = None
        self._show_result(result, None)
        self.status_line = ""
        if result["status"] not in ("pass", "fail"):
            self.status_line = f"{t('verdict.' + result['status'], self.lang)}: {result['message']}"
            self.notify(result["message"], severity="error", timeout=8)
        self._draw_checks()
        self._draw_status()
        if self.on_graded is not None:
            self.on_graded(result)
        self._after_run()

    @on(GradeStopped)
    def _on_stopped(self, message: GradeStopped) -> None:
        self.cancel = None
        self.running_id = None
        self.status_line = message.reason
        if message.error:
            self.notify(message.reason, severity="error", timeout=8)
        self._draw_checks()
        self._draw_status()
        self._after_run()

    def _after_run(self) -> None:
        if self.pending_regrade:
            self.pending_regrade = False
            self.action_grade()

    def action_cancel_or_back(self) -> None:
        if self.running:
            self.cancel.set()
        else:
            self._stop_watching()
            self.app.pop_screen()

    # ---- editing, watching --------------------------------------------------------------

    def action_edit(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.app.push_screen(EditorScreen(self.path), self._edited)
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

    # ---- hints, solution, reset, device -------------------------------------------------

    def action_hint(self) -> None:
        hints = self.exercise.hints[self.lang]
        if self.hints_shown >= len(hints):
            self.notify(t("ex.no_more_hints", self.lang))
            return
        self.hints_shown += 1
        self._draw_hints()

    def action_solution(self) -> None:
        def show(yes: bool | None = True) -> None:
            if yes:
                path = PACKAGED_SOLUTIONS / self.exercise.filename
                self.app.push_screen(CodeScreen(str(path), path.read_text(encoding="utf-8")))

        if self.app.store.exercise_status(self.exercise.name).state == "passed":
            show()
        else:
            self.app.push_screen(ConfirmScreen(t("ex.solution_confirm", self.lang)), show)

    def action_reset(self) -> None:
        def reset(yes: bool | None) -> None:
            if not yes:
                return
            saved = workspace.reset(self.exercise.name, self.folder)
            self.notify(t("ex.reset_done", self.lang, path=saved) if saved else t("ex.reset_clean", self.lang))
            self._draw_source()

        self.app.push_screen(ConfirmScreen(t("ex.reset_confirm", self.lang, name=self.path.name)), reset)

    def action_device(self) -> None:
        order = ["auto", "cpu"] + (["cuda"] if self.app.grading.cuda else [])
        self.device = order[(order.index(self.device) + 1) % len(order)] if self.device in order else "auto"
        self._draw_status()
