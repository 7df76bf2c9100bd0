"""`transferlings watch`: grade an exercise of the workspace on every save, in a plain
terminal, as `rustlings watch` does. No TUI; the warm grading worker stays up between runs.

The file is polled every POLL_S; a save starts a grading at once (a save during a grading
cancels it and starts again). Failed first, as pytest's --ff: the check that failed first
last time runs alone before the full run, so its verdict shows within a fraction of a
second; otherwise the first failing check is printed the moment its event streams in.
Then the whole result, failures first, identical failures collapsed, wrapped lines indented
under their check. The screen is cleared for each run (in a terminal), so what shows is
this run's result. When the exercise passes, watch says so, names the next step of the
path as `transferlings next` does (a question included: watch grades only exercises, so
for a question it says how to do it), and waits: n goes on to the next exercise, a save
grades this one again. Keys (raw terminal mode when stdin is a terminal): h next hint,
n next exercise (after a pass), q quit.
"""

from __future__ import annotations

import os
import queue
import select
import sys
import termios
import threading
import time
import tty
from contextlib import contextmanager
from pathlib import Path

from rich.text import Text

from grader import registry
from grader.results import localized
from grader.run.engine import GradingCancelled, GradingError
from quiz.learning import history, path, standing
from quiz.results.arrange import failures_first
from quiz.results.terminal import Hanging

POLL_S = 0.025
TEXT = {
    "watching": {"en": "watching {file}: save it to grade · h hint · q quit",
                 "zh": "正在监视 {file}：保存即评测 · h 提示 · q 退出"},
    "grading": {"en": "grading {name} …", "zh": "正在评测 {name} …"},
    "first": {"en": "first failing check: {name}", "zh": "第一个未通过的检查：{name}"},
    "more": {"en": " (and {n} more checks with the same message)", "zh": "（另有 {n} 项检查信息相同）"},
    "more_1": {"en": " (and 1 more check with the same message)", "zh": "（另有 1 项检查信息相同）"},
    "passed_line": {"en": "✓ {n} checks pass", "zh": "✓ {n} 项检查通过"},
    "pass": {"en": "✓ {name} passes every check!", "zh": "✓ {name} 全部检查通过！"},
    "next": {"en": "Next on the path: {step}", "zh": "学习路径的下一步：{step}"},
    "question_how": {"en": "  answer it, then rate it: transferlings show {n}, then transferlings review (or in the app)",
                     "zh": "  先作答，再自评：transferlings show {n}，然后 transferlings review（或在应用里）"},
    "n_next": {"en": "n: watch the next exercise, {name} · save: grade {current} again · q: quit",
               "zh": "n：监视下一个练习 {name} · 保存：重新评测 {current} · q：退出"},
    "n_later": {"en": "n goes on once {name} passes (another exercise: transferlings watch NAME)",
                "zh": "{name} 通过之后 n 才进入下一个练习（换一个练习：transferlings watch 练习名）"},
    "done": {"en": "every exercise of the path passes: well done", "zh": "路径上的练习全部通过，干得好"},
    "hint": {"en": "hint {n}/{total}: {text}", "zh": "提示 {n}/{total}：{text}"},
    "no_hint": {"en": "no more hints for {name}", "zh": "{name} 没有更多提示了"},
    "missing": {"en": "{file} is missing: run `transferlings reset {name}` for a fresh stub",
                "zh": "找不到 {file}：运行 `transferlings reset {name}` 取回原始模板"},
}


def tl(key: str, lang: str, **kwargs) -> str:
    return TEXT[key][lang].format(**kwargs)


def render(result: dict, lang: str) -> list:
    """A result for the terminal: verdict and counts, the failures (collapsed; wrapped
    lines indented under their check), the passed checks as one line."""
    result = localized(result, lang)
    view = failures_first(result)
    style = "bold green" if result["status"] == "pass" else "bold red"
    lines: list = [Text.assemble((f"{result['status'].upper()} ", style), (result["exercise"], "bold"),
                                 f"  {view.summary_in(lang)} · {result['points']}/{result['max_points']}"
                                 + (" 分" if lang == "zh" else " points"),
                                 (f"  {result['duration_s']:.2f} s", "dim"))]
    if result["status"] not in ("pass", "fail"):
        lines.append(Hanging(Text("  "), [Text(line, style=style) for line in result["message"].split("\n")]))
    for group in view.failed:
        name = Text(group.tests[0]["name"], style="bold")
        if group.count > 1:
            name.append(tl("more_1", lang) if group.count == 2 else tl("more", lang, n=group.count - 1), style="dim")
        paragraphs = [name, Text(group.message, style="red")]
        if group.hint:
            hint = Text("hint: " if lang == "en" else "提示：", style="bold yellow")
            hint.append(group.hint, style="yellow")
            paragraphs.append(hint)
        lines.append(Hanging(Text("✗ ", style="red"), paragraphs))
    if view.passed:
        lines.append(Text(tl("passed_line", lang, n=len(view.passed)), style="green"))
    return lines


@contextmanager
def key_reader(stream=None):
    """Yields read(timeout) -> a key or None. Raw (cbreak) mode while stdin is a terminal;
    otherwise characters of its lines; nothing once it is closed."""
    stream = stream or sys.stdin
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        fd = None
    tty_mode = fd is not None and os.isatty(fd)
    saved = termios.tcgetattr(fd) if tty_mode else None
    closed = [fd is None]

    def read(timeout: float) -> str | None:
        if closed[0]:
            time.sleep(timeout)
            return None
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(fd, 1)
        if not data:
            closed[0] = True
            return None
        return data.decode(errors="ignore")

    try:
        if tty_mode:
            tty.setcbreak(fd)
        yield read
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class Watch:
    def __init__(self, grader, store, workspace: Path, exercise: str, lang: str, console, device: str = "auto"):
        self.grader, self.store, self.workspace = grader, store, Path(workspace)
        self.lang, self.out, self.device = lang, console, device
        self.exercise = exercise
        self.hints_shown = 0
        self.last_failed: str | None = None  # the name of the check that failed first last time
        self.events: queue.Queue = queue.Queue()
        self.cancel: threading.Event | None = None
        self.stamp: tuple | None = None
        self.passed = False  # the latest grading of this exercise passed: n goes on

    @property
    def file(self) -> Path:
        return self.workspace / registry.get(self.exercise).filename

    def _stamp(self) -> tuple | None:
        try:
            st = self.file.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

    def switch(self, exercise: str) -> None:
        self.exercise, self.hints_shown, self.last_failed = exercise, 0, None
        self.stamp = self._stamp()
        self.start_grading()

    # ---- grading in a thread ---------------------------------------------------------

    def start_grading(self) -> None:
        """A fresh screen for this run: the exercise, how to use watch, then the result."""
        if self.cancel is not None:
            self.cancel.set()
        self.passed = False
        self.out.clear()
        self.out.rule(Text(f"{self.exercise}: {registry.get(self.exercise).title[self.lang]}", style="bold"))
        self.out.print(Text(tl("watching", self.lang, file=self.file), style="dim"))
        if not self.file.is_file():
            self.out.print(Text(tl("missing", self.lang, file=self.file, name=self.exercise), style="yellow"))
            return
        self.cancel = cancel = threading.Event()
        self.out.print(Text(tl("grading", self.lang, name=self.exercise), style="dim"))
        threading.Thread(target=self._grade, args=(self.exercise, cancel), daemon=True).start()

    def _grade(self, exercise: str, cancel: threading.Event) -> None:
        shown = [False]

        def on_event(event: dict) -> None:
            if event["event"] == "test" and event["entry"]["status"] in ("fail", "error") and not shown[0]:
                shown[0] = True
                name = localized({"tests": [event["entry"]]}, self.lang)["tests"][0]["name"]
                self.out.print(Hanging(Text("✗ ", style="red"), [Text(tl("first", self.lang, name=name), style="red")]))

        code = history.read_snapshot(self.file)
        try:
            if self.last_failed:
                probe = self.grader.grade(exercise, self.workspace, device=self.device, cancel=cancel,
                                          only=self.last_failed, failfast=True)
                for test in probe["tests"]:
                    on_event({"event": "test", "entry": test})
            result = self.grader.grade(exercise, self.workspace, device=self.device, on_event=on_event, cancel=cancel)
        except GradingCancelled:
            return
        except (GradingError, RuntimeError, OSError) as e:
            self.events.put(("error", str(e), cancel))
            return
        self.events.put(("done", result, code, cancel))

    # ---- the loop --------------------------------------------------------------------

    def handle(self, message: tuple) -> bool:
        """A message from the grading thread; False when watching is over."""
        kind = message[0]
        if message[-1] is not self.cancel:
            return True  # a cancelled run's late answer
        self.cancel = None
        if kind == "error":
            self.out.print(Text(message[1], style="bold red"))
            return True
        result, code = message[1], message[2]
        history.record(self.store, result, code)
        self.last_failed = next((t["name"] for t in result["tests"] if t["status"] in ("fail", "error")), None)
        for line in render(result, self.lang):
            self.out.print(line)
        if result["status"] == "pass":
            self.out.print(Text(tl("pass", self.lang, name=self.exercise), style="bold green"))
            return self.offer_next()
        return True

    def offer_next(self) -> bool:
        """After a pass: the next step of the path, as `transferlings next` names it, and
        what n does; False when the whole path is done (watch ends)."""
        self.passed = True
        states = standing.exercise_states(self.store, self.workspace)
        step = path.next_step(self.store, states, after=path.Step("exercise", self.exercise))
        name = path.next_exercise(self.store, states, after=self.exercise)
        if step is None and name is None:
            self.out.print(Text(tl("done", self.lang), style="bold green"))
            return False
        if step is not None:
            self.out.print(Text(tl("next", self.lang, step=step.title(self.lang)), style="bold"))
            if step.kind == "question":
                self.out.print(Text(tl("question_how", self.lang, n=step.question), style="dim"))
        if name is not None:
            self.out.print(Text(tl("n_next", self.lang, name=name, current=self.exercise), style="cyan"))
        return True

    def next_exercise(self) -> bool:
        states = standing.exercise_states(self.store, self.workspace)
        name = path.next_exercise(self.store, states, after=self.exercise)
        if name is None:
            self.out.print(Text(tl("done", self.lang), style="bold green"))
            return False
        self.switch(name)
        return True

    def key(self, key: str) -> bool:
        """A key press; False to quit."""
        if key in ("q", "Q", "\x04"):
            if self.cancel is not None:
                self.cancel.set()
            return False
        if key == "h":
            hints = registry.get(self.exercise).hints[self.lang]
            if self.hints_shown >= len(hints):
                self.out.print(Text(tl("no_hint", self.lang, name=self.exercise), style="dim"))
            else:
                self.hints_shown += 1
                label = tl("hint", self.lang, n=self.hints_shown, total=len(hints), text="")
                self.out.print(Hanging(Text(label, style="bold yellow"),
                                       [Text(hints[self.hints_shown - 1], style="yellow")]))
        elif key == "n":
            if not self.passed:
                self.out.print(Text(tl("n_later", self.lang, name=self.exercise), style="dim"))
                return True
            return self.next_exercise()
        return True

    def poll(self) -> None:
        stamp = self._stamp()
        if stamp != self.stamp:
            self.stamp = stamp
            self.start_grading()

    def run(self, read_key) -> None:
        self.switch(self.exercise)
        while True:
            key = read_key(POLL_S)
            if key is not None and not self.key(key):
                return
            self.poll()
            while not self.events.empty():
                if not self.handle(self.events.get()):
                    return
