"""An exercise: the task, the candidate's source, and the checks streaming in as they run."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, OptionList, ProgressBar, Static

from grader import registry
from grader.results import localized
from grader.run.engine import GradingCancelled, GradingError
from quiz.learning import history, standing
from quiz.storage import workspace
from quiz.storage.locations import display_path
from quiz.storage.userfile import UnreadableFile, read_text
from quiz.results.terminal import VERDICT_STYLE
from quiz.ui import loop
from quiz.ui.exercise import results as checks_list
from quiz.ui.base import LocalizedScreen
from quiz.ui.i18n import t
from quiz.ui.widgets import Pane
from quiz.ui.exercise.aids import ExerciseAids
from quiz.ui.exercise.watching import EditAndWatch

NARROW = 100  # below this many columns the panes stack


def task_text(stub: Path) -> str:
    """The task as the exercise states it: the pristine stub's module docstring (never the
    user's file, which may hold anything, a solution included)."""
    try:
        return ast.get_docstring(ast.parse(stub.read_text(encoding="utf-8"))) or ""
    except (SyntaxError, OSError, UnicodeDecodeError):
        return ""


class ExerciseScreen(ExerciseAids, EditAndWatch, LocalizedScreen):
    HELP_NAME = {"zh": "编程练习", "en": "Exercise"}
    BINDINGS = [
        Binding("n", "next_step", "Next step"),
        Binding("r,f5", "grade", "Grade"),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "back", "Back", show=False),
        Binding("e", "edit", "Edit"),
        Binding("w", "watch", "Watch"),
        Binding("h", "hint", "Hint"),
        Binding("s", "solution", "Solution", show=False),
        Binding("x", "reset", "Reset"),
        Binding("t", "run_one", "Run check"),
        Binding("a", "attempts", "Attempts"),
        Binding("d", "device", "Device", show=False),
        Binding("z", "zoom", "Zoom pane", show=False),
    ]

    class GradeEvent(Message):
        def __init__(self, event: dict):
            super().__init__()
            self.event = event

    class Graded(Message):
        def __init__(self, result: dict, sha256: str | None = None, only: str | None = None):
            super().__init__()
            self.result = result
            self.sha256 = sha256
            self.only = only

    class GradeStopped(Message):
        def __init__(self, reason: str, error: bool):
            super().__init__()
            self.reason = reason
            self.error = error

    def __init__(self, name: str, *, candidate: bool = False, folder: Path | None = None, on_graded=None,
                 on_aid=None):
        """`candidate`: hidden checks show only as "hidden check" (mock interviews), and
        hints and the solution are offered only with `on_aid(kind)`, called at each use;
        `folder`: grade the file there instead of the workspace's; `on_graded(result)`
        is called after each completed run."""
        super().__init__()
        self.exercise = registry.get(name)
        self.candidate = candidate
        self.on_graded = on_graded
        self.snapshot: str | None = None  # the text of the workspace file being graded, for its attempt
        self.on_aid = on_aid
        self.expanded = False
        self.rerun_note = ""
        self.checks_mode = ""
        self.folder = folder or self.app.workspace
        self.path = self.folder / self.exercise.filename
        self.plan: list[dict] = []
        self.results: dict[str, dict] = {}
        self.running_id: str | None = None
        self.last: dict | None = None
        self.last_when: str | None = None
        self.status_line = ""
        self.hints_shown = 0
        self.unreadable: str | None = None  # why the file cannot be shown, once said
        self.device = "auto"
        self.cancel: threading.Event | None = None
        self.started = 0.0  # time.monotonic() when the running grading began
        self.clock_timer = None
        self.passed = False  # the file passes as it is now (n goes on to the next step)
        self.source_text: str | None = None  # the file as the source pane shows it
        self.watching = False
        self.watch_timer = None
        self.watch_stamp: tuple | None = None
        self.pending_regrade = False
        self.progress_drawn = True  # False while streamed events wait for one redraw

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="task-pane"):
            yield Static(id="task")
        with Horizontal(id="panes"):
            with Vertical(id="side"):
                yield OptionList(id="checks")
                with Pane(id="hints"):
                    for i in range(max(len(h) for h in self.exercise.hints.values())):
                        yield Static(id=f"hint-{i}", classes="hint")
                    yield Static(id="hints-more")
            with Pane(id="source-pane"):
                yield Static(id="source")
        yield ProgressBar(id="progress", show_eta=False)
        yield Static(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#checks").focus()
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def on_screen_resume(self) -> None:
        """Back from attempts (which may restore an old file) or anywhere else: the file
        and whether it passes are read again."""
        if self.is_mounted:
            before = self.source_text
            self._draw_source()
            if self.source_text != before and self.last is not None and not self.running:
                self.status_line, self.rerun_note = t("ex.changed_regrade", self.lang), ""
                self._draw_status()

    def _layout(self) -> None:
        """Side by side on a wide terminal; stacked, checks first, below NARROW columns."""
        self.query_one("#panes").set_class(self.app.size.width < NARROW, "narrow")

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("hint", "solution") and self.candidate:
            return self.on_aid is not None
        if action == "run_one":
            return not self.running and self._selected_check() is not None
        if action == "attempts":
            return not self.candidate and self.folder == self.app.workspace
        if action == "next_step":  # after a pass only: before it, the path leads back here
            return not self.candidate and self.folder == self.app.workspace and self.passed
        if action == "cancel":
            return self.running
        return True

    @property
    def hints_allowed(self) -> bool:
        """Hints of any kind, the checks' own included: not in an interview that allows none."""
        return not self.candidate or self.on_aid is not None

    @property
    def running(self) -> bool:
        return self.cancel is not None

    # ---- drawing ------------------------------------------------------------------------

    def render_lang(self) -> None:
        if self.last is None:
            self._load_last_run()
        lang = self.lang
        task = (self.exercise.task_zh if lang == "zh" else "") or task_text(workspace.pristine(self.exercise.name))
        self.query_one("#task", Static).update(
            Text.assemble((self.exercise.title[lang], "bold"), "\n", (task, "")))
        self._draw_source()
        self._draw_checks()
        self._draw_hints()
        self._draw_status()

    def _refresh_passed(self) -> None:
        """Whether the file passes as it is now (quiz.learning.standing), for `n`."""
        passed = (not self.candidate and self.folder == self.app.workspace
                  and standing.exercise_state(self.app.store, self.folder, self.exercise.name).state == "passed")
        if passed != self.passed:
            self.passed = passed
            self.refresh_bindings()

    def _load_last_run(self) -> None:
        """The latest grading of this screen's file: an interview's screen never shows a
        run of the workspace, nor the workspace's a run of an interview."""
        run = standing.latest_run(self.app.store, self.folder, self.exercise.name)
        if run is not None:
            self._show_result(run["result"], run["created_at"])

    def _show_result(self, result: dict, when: str | None) -> None:
        """Make `result` the checks list's state (`when`: its stored time, None if just run)."""
        self.last, self.last_when = result, when
        self.plan = [{"id": str(i), **test} for i, test in enumerate(result["tests"])]
        self.results = {str(i): test for i, test in enumerate(result["tests"])}

    def _draw_source(self) -> None:
        """The file as it is now; one that cannot be read as text says why, once."""
        title = Text(t("ex.source", self.lang, path=display_path(self.path)), style="dim")
        try:
            code = read_text(self.path)
            shown = Syntax(code, "python", line_numbers=True, theme="ansi_dark", word_wrap=True)
            self.unreadable = None
        except UnreadableFile as e:
            code = None
            shown = Text(e.message(self.lang), style="bold red")
            if self.unreadable != e.message("en"):
                self.notify(e.message(self.lang), severity="error", timeout=10)
            self.unreadable = e.message("en")
        self.source_text = code
        self.query_one("#source", Static).update(Group(title, shown))
        self._refresh_passed()  # an edited file no longer passes

    def _draw_checks(self) -> None:
        lang = self.lang
        checks = self.query_one("#checks", OptionList)
        highlighted = checks.highlighted
        mode = "stream" if self.running or (self.last is None and self.plan) else "result"
        checks.clear_options()
        if mode == "stream":
            checks.add_options(checks_list.streaming(self.plan, self.results, self.running_id, self.candidate, lang,
                                                     hints=self.hints_allowed))
        elif self.last is not None:
            checks.add_options(checks_list.failures_first_options(self.last, candidate=self.candidate,
                                                                  expanded=self.expanded, lang=lang,
                                                                  hints=self.hints_allowed))
        else:
            checks.add_option(checks_list.Option(Text(t("ex.never", lang), style="dim"), disabled=True))
        enabled = [i for i in range(checks.option_count) if not checks.get_option_at_index(i).disabled]
        if mode != self.checks_mode or highlighted not in enabled:
            highlighted = enabled[0] if enabled else None
        self.checks_mode = mode
        checks.highlighted = highlighted
        self.call_after_refresh(self.refresh_bindings)  # once the list holds its new options

    def _selected_check(self) -> dict | None:
        """The first check of the failure group under the cursor, when there is one."""
        if self.last is None or self.running:
            return None
        checks = self.query_one("#checks", OptionList)
        option = checks.highlighted_option
        return checks_list.group_check(self.last, option.id, self.lang) if option is not None and option.id else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == checks_list.PASSED_ID or (event.option.id or "").startswith("pass-"):
            self.expanded = not self.expanded
            self._draw_checks()
        elif self._selected_check() is not None:
            self.action_run_one()

    def _draw_status(self) -> None:
        lang = self.lang
        parts = []
        if self.running:
            done, seconds = len(self.results), time.monotonic() - self.started
            parts.append(Text(t("ex.grading", lang, done=done, total=len(self.plan), seconds=seconds), style="yellow")
                         if self.plan else Text(t("ex.starting", lang, seconds=seconds), style="yellow"))
        elif self.status_line:
            parts.append(Text(self.status_line))
        elif self.last is not None:
            parts.append(self._graded_text(self.last))
            if self.rerun_note:
                parts.append(Text("  " + self.rerun_note, style="cyan"))
            elif self.last_when:
                from quiz.interview.export import local_time

                parts.append(Text("  " + t("ex.last", lang, when=local_time(self.last_when)), style="dim"))
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

    def action_grade(self, only: str | None = None) -> None:
        if self.running:
            self.pending_regrade = True
            return
        self.cancel = threading.Event()
        self.plan, self.results, self.running_id, self.status_line = [], {}, None, ""
        self.started = time.monotonic()
        self.clock_timer = self.set_interval(0.2, self._draw_status)  # the elapsed time runs on screen
        self.refresh_bindings()  # esc cancels
        self._draw_checks()
        self._draw_status()
        self._grade(self.cancel, self.device, only)

    def action_attempts(self) -> None:
        self.app.open_attempts(self.exercise.name)

    def action_next_step(self) -> None:
        loop.go_next(self)

    def action_run_one(self) -> None:
        """Re-grade only the selected failed check (the rest of the result stays)."""
        check = self._selected_check()
        if check is not None and not self.running:
            self.action_grade(only=check["name"])

    @work(thread=True, group="grade")
    def _grade(self, cancel: threading.Event, device: str, only: str | None = None) -> None:
        sha256 = standing.source_hash(self.path)
        self.snapshot = history.read_snapshot(self.path) if self.folder == self.app.workspace else None
        try:
            result = self.app.grading.grade(self.exercise.name, self.folder, device=device, only=only,
                                            on_event=lambda e: self.post_message(self.GradeEvent(e)), cancel=cancel)
        except GradingCancelled:
            self.post_message(self.GradeStopped(t("ex.cancelled", self.lang), error=False))
            return
        except (GradingError, RuntimeError, OSError) as e:
            self.post_message(self.GradeStopped(str(e), error=True))
            return
        self.post_message(self.Graded(result, sha256, only))

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
        if self.progress_drawn:  # a run streams dozens of events at once: one redraw for all queued
            self.progress_drawn = False
            self.call_later(self._draw_progress)

    def _draw_progress(self) -> None:
        self.progress_drawn = True
        if self.running:
            self._draw_checks()
            self._draw_status()

    @on(Graded)
    def _on_graded(self, message: Graded) -> None:
        result = message.result
        self.cancel = None
        self.status_line = self.rerun_note = ""
        if message.only is not None and self.last is not None and result["status"] in ("pass", "fail"):
            # One check re-run: shown in place, never recorded (it is not a grading of the file).
            ran = ", ".join(f"{t('verdict.' + c['status'], self.lang)}" for c in result["tests"]) or "—"
            self.rerun_note = t("ex.rerun", self.lang, n=len(result["tests"]), verdict=ran)
            self._show_result(checks_list.merge_rerun(self.last, result), self.last_when)
            self._draw_checks()
            self._draw_status()
            self._after_run()
            return
        history.record(self.app.store, result, self.snapshot, message.sha256)
        loop.offer_next(self, result)
        self._show_result(result, None)
        if result["status"] not in ("pass", "fail"):
            shown = localized(result, self.lang)["message"]
            first = shown.split("\n")[0]  # the whole message (a source line, a caret) is in the list
            self.status_line = f"{t('verdict.' + result['status'], self.lang)}: {first}"
            self.notify(shown, severity="error", timeout=8)
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
        if self.clock_timer is not None:
            self.clock_timer.stop()
            self.clock_timer = None
        self._refresh_passed()
        self.refresh_bindings()
        if self.pending_regrade:
            self.pending_regrade = False
            self.action_grade()

    def action_cancel(self) -> None:
        if self.running:
            self.cancel.set()

    def action_back(self) -> None:
        self._stop_watching()
        self.app.pop_screen()
