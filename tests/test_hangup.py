"""Nothing keeps running after the terminal is gone: the app is started for real under a
pseudo-terminal (as `python -m quiz`, the console script and `make run`), the terminal
is hung up (its master side closed, as when tmux kills the session or the window is
closed), and every process the app started must be gone within 2 s, grading worker and
grading child included."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from grader import registry
from quiz.storage import workspace

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent
SCRIPT = Path(sys.executable).with_name("transferlings")
GONE_WITHIN_S = 2.0


def _ppids() -> dict[int, int]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                table[int(entry)] = int(fields[1])
    return table


def descendants(pid: int) -> set[int]:
    table = _ppids()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in table.items() if parent in frontier} - found
        found |= frontier
    return found | ({pid} if pid in table else set())


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Terminal:
    """A program running under a fresh pty of 100x30, its output drained continuously."""

    def __init__(self, argv: list[str], cwd: Path, env: dict):
        self.pid, self.master = pty.fork()
        if self.pid == 0:  # the child: session leader with the pty as its terminal
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.output = bytearray()
        self.closed = False
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self) -> None:
        # Never block in read(): a read in progress would keep the master open after close().
        while not self.closed:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, predicate, timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return
            time.sleep(0.1)
        self.hang_up()
        pytest.fail(f"timed out waiting for {what}; output: {bytes(self.output[-600:])!r}")

    def hang_up(self) -> set[int]:
        """Close the terminal; return the processes that were running under it."""
        before = descendants(self.pid)
        self.closed = True
        self.drain.join()
        os.close(self.master)
        return before

    def reap(self) -> None:
        try:
            os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pass


def assert_all_gone(term: Terminal, before: set[int]) -> None:
    end = time.monotonic() + GONE_WITHIN_S
    alive = before
    while time.monotonic() < end:
        term.reap()
        alive = {p for p in before if p in _ppids()}
        if not alive:
            return
        time.sleep(0.05)
    names = {p: _cmdline(p) for p in alive}
    for pid in alive:  # leave nothing behind for the rest of the suite
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    pytest.fail(f"still running {GONE_WITHIN_S} s after the hang-up: {names}")


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    environ = dict(os.environ, TRANSFERLINGS_HOME=str(home), TERM="xterm-256color", LANG="C.UTF-8",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    environ.pop("TRANSFERLINGS_LANG", None)
    return environ


@pytest.fixture
def folder(tmp_path):
    """A workspace whose transfer_rate.py never finishes importing."""
    ws = tmp_path / "ws"
    ws.mkdir()
    for ex in registry.exercises():
        shutil.copyfile(workspace.pristine(ex.name), ws / ex.filename)
    (ws / workspace.MARKER).write_text("")
    (ws / "transfer_rate.py").write_text("while True:\n    pass\n")
    return ws


def graders_of(term: Terminal) -> int:
    """How many grading processes run under the terminal: the worker and its children
    (forked, so they carry the worker's command line)."""
    return sum("grader.run.worker" in _cmdline(p) for p in descendants(term.pid))


LAUNCHERS = {
    "python -m quiz": lambda: [sys.executable, "-m", "quiz"],
    "console script": lambda: [str(SCRIPT)],
    # -o: never (re)install the virtual environment from a test.
    "make run": lambda: ["make", "-s", "-C", str(ROOT), "-o", f"{VENV}/.installed", "run", f"VENV={VENV}"],
}


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_hanging_up_the_idle_app_ends_it_and_its_grading_worker(launcher, env, folder):
    if launcher == "console script" and not SCRIPT.exists():
        pytest.skip("no transferlings console script in this environment")
    if launcher == "make run" and (shutil.which("make") is None or not (VENV / ".installed").exists()):
        pytest.skip("make run needs make and an installed .venv")
    term = Terminal(LAUNCHERS[launcher](), folder, env)
    term.wait_for(lambda: graders_of(term) >= 1 and len(term.output) > 2000, 30, "the app and its worker")
    before = term.hang_up()
    assert len(before) >= 2
    assert_all_gone(term, before)


def test_a_killed_app_takes_its_worker_and_grading_child_along(env, folder):
    """No handler runs on SIGKILL: the worker itself notices that its parent is gone."""
    term = Terminal([sys.executable, "-m", "quiz", "grade", "transfer_rate", "--timeout", "60"], folder, env)
    term.wait_for(lambda: b"grading transfer_rate" in term.output and graders_of(term) >= 2, 30, "the grading child")
    before = descendants(term.pid)
    os.kill(term.pid, signal.SIGKILL)
    try:
        assert_all_gone(term, before)
    finally:
        term.hang_up()


def test_sigterm_ends_the_app_and_gives_the_terminal_back(env, folder):
    term = Terminal([sys.executable, "-m", "quiz"], folder, env)
    term.wait_for(lambda: graders_of(term) >= 1 and len(term.output) > 2000, 30, "the app and its worker")
    before = descendants(term.pid)
    os.kill(term.pid, signal.SIGTERM)
    try:
        assert_all_gone(term, before)
        time.sleep(0.2)
        assert b"\x1b[?1049l" in term.output  # left the alternate screen
        assert termios.tcgetattr(term.master)[3] & termios.ECHO  # echo is back on
    finally:
        term.hang_up()


def open_transfer_rate(term: Terminal) -> None:
    """From home, through the command palette, to the transfer_rate exercise; each step
    waits until its screen has drawn (a screen still mounting drops keys)."""
    for keys, drawn in (("\x10", "transfer"), ("transfer_rate", "measured honestly"), ("\r", "Define the transfer rate")):
        start = len(term.output)
        os.write(term.master, keys.encode())
        term.wait_for(lambda: drawn.encode() in term.output[start:], 30, f"{drawn!r} on screen")
        time.sleep(0.5)


@pytest.mark.parametrize("doing", ["grading", "editing"])
def test_hanging_up_the_app_mid_grade_or_in_the_editor_ends_everything(doing, env, folder, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nexec sleep 600\n")
    editor.chmod(0o755)
    env = dict(env, EDITOR=str(editor), VISUAL=str(editor))
    term = Terminal([sys.executable, "-m", "quiz"], folder, env)
    term.wait_for(lambda: graders_of(term) >= 1 and len(term.output) > 2000, 30, "the app and its worker")
    open_transfer_rate(term)
    os.write(term.master, b"r" if doing == "grading" else b"e")

    def busy() -> bool:
        if doing == "editing":
            return any("sleep 600" in _cmdline(p) for p in descendants(term.pid))
        return graders_of(term) >= 2

    term.wait_for(busy, 30, f"the app {doing}")
    if doing == "grading":  # the worker's start-up probe is a short-lived child too
        time.sleep(1.0)
        term.wait_for(busy, 30, "the grading child")
    before = term.hang_up()
    assert_all_gone(term, before)


def test_quitting_while_the_worker_still_starts_is_immediate():
    """q right after launch: closing the grader must not wait for torch to import."""
    from grader.run.engine import Grader

    grader = Grader()
    errors = []
    starter = threading.Thread(target=lambda: errors.append(_start_error(grader)), daemon=True)
    starter.start()
    end = time.monotonic() + 10
    while grader._proc is None and time.monotonic() < end:
        time.sleep(0.01)
    worker = grader._proc.pid
    start = time.monotonic()
    grader.close()
    assert time.monotonic() - start < 1.5
    starter.join(5)
    assert errors and errors[0] is not None  # the start in flight was ended, not waited for
    assert worker not in _ppids()


def _start_error(grader) -> Exception | None:
    try:
        grader.start()
    except RuntimeError as e:
        return e
    return None


def test_a_worker_still_importing_torch_ends_with_a_killed_app():
    app = subprocess.Popen([sys.executable, "-c", "from grader.run.engine import Grader; Grader().start()"],
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        end = time.monotonic() + 10
        while not (workers := [p for p in descendants(app.pid) if "grader.run.worker" in _cmdline(p)]):
            assert time.monotonic() < end, "no worker started"
            time.sleep(0.02)
        time.sleep(0.3)
        app.kill()
        app.wait()
        end = time.monotonic() + GONE_WITHIN_S
        while any(p in _ppids() for p in workers) and time.monotonic() < end:
            time.sleep(0.05)
        left = [p for p in workers if p in _ppids()]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, "the worker went on importing torch for nobody"
    finally:
        app.kill()


def test_hanging_up_while_typing_an_answer_keeps_it_and_ends_everything(env, folder):
    """The journey's last step: a person types an answer, then closes the terminal."""
    from quiz.storage.store import Store

    term = Terminal([sys.executable, "-m", "quiz"], folder, env)
    term.wait_for(lambda: graders_of(term) >= 1 and len(term.output) > 2000, 30, "the app and its worker")
    start = len(term.output)
    os.write(term.master, b"\r")  # Continue: question 1, its answer box has the keys
    term.wait_for(lambda: "ctrl+r".encode() in term.output[start:], 30, "the question")
    time.sleep(0.5)
    typed = "Transfer learning reuses a pretrained model; 迁移学习：冻结主干。"
    os.write(term.master, typed.encode())
    store = Store(Path(env["TRANSFERLINGS_HOME"]) / "progress.sqlite3")
    term.wait_for(lambda: store.setting("review.draft.1") == typed, 30, "the typed answer saved")
    before = term.hang_up()
    assert_all_gone(term, before)
    assert store.setting("review.draft.1") == typed and store.reviews() == []
