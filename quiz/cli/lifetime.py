"""Nothing outlives the terminal: when it hangs up, the app and everything it started end.

`guard_terminal()` (called by the CLI before the UI or a grading run starts) treats a
SIGHUP, SIGTERM, or a hang-up seen on the terminal itself (the pty's other end closed,
which delivers no signal to a process that is not the session leader) as the end: it
kills every grading worker and grading child at once, hangs up the rest of the
foreground job (an $EDITOR opened from the app, a `make run` wrapper), and exits with
status 128 + the signal. After SIGTERM the terminal is still there: it gets its modes
back and leaves the app's full-screen mode. Nothing is lost by not unwinding: every store write is its own
transaction, and interviews are saved as they change.

Served in a browser (`transferlings serve`), the app has no terminal: it runs on pipes
under Textual's web driver, in the server's process group. There `end_with_server()`
replaces the terminal guard: the app and its grading processes end when the server that
started them is gone (the web driver does not exit when its pipes close), and no SIGHUP
handler may hang up the process group, which is the server's.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import termios
import threading
import time

from grader.run.engine import kill_all

_ending = threading.Lock()
_guarded = False
_terminal: tuple[int, list] | None = None  # the terminal's fd and its modes before the app
# Undo what Textual switches on: the alternate screen, a hidden cursor, mouse and focus
# reporting, bracketed paste, in-band resize and the kitty keyboard protocol.
RESET = (b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?1004l"
         b"\x1b[?2004l\x1b[?2048l\x1b[<u")


def hang_up(signum: int = signal.SIGHUP) -> None:
    """End the process now, taking its grading processes and foreground job along. Safe
    to call from a signal handler and from any thread; a second caller just returns."""
    if not _ending.acquire(blocking=False):
        return
    kill_all()
    if signum == signal.SIGHUP:
        try:
            os.killpg(0, signal.SIGHUP)  # reaches this process too: _ending makes that a no-op
        except OSError:
            pass
    elif _terminal is not None:  # still there (SIGTERM): give it back as it was
        fd, modes = _terminal
        try:
            os.write(fd, RESET)
            termios.tcsetattr(fd, termios.TCSAFLUSH, modes)
        except (OSError, termios.error):
            pass
    os._exit(128 + int(signum))


def _terminal_fd() -> int | None:
    for stream in (sys.__stdin__, sys.__stdout__):
        try:
            if stream is not None and os.isatty(stream.fileno()):
                return stream.fileno()
        except (OSError, ValueError):
            continue
    return None


def _watch(fd: int, interval: float) -> None:
    poller = select.poll()
    poller.register(fd, 0)  # POLLHUP and POLLERR are reported whatever the mask
    while True:
        try:
            events = poller.poll(interval * 1000)
        except OSError:
            events = []
        if events:
            hang_up(signal.SIGHUP)


WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


def is_served() -> bool:
    """True when this process is an app session of `transferlings serve` (textual-serve
    starts each one with Textual's web driver named in TEXTUAL_DRIVER)."""
    return os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER


def end_with_server(interval: float = 0.5) -> None:
    """End this process, its grading worker and any run in flight, once the process that
    started it (the server) is gone: it was re-parented. Idempotent; a daemon thread."""
    global _guarded
    if _guarded:
        return
    _guarded = True
    server = os.getppid()

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(interval)
        hang_up(signal.SIGTERM)

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


def guard_terminal(interval: float = 0.2) -> None:
    """Install the SIGHUP/SIGTERM handlers and the terminal watcher (idempotent; only in
    the main thread)."""
    global _guarded, _terminal
    if _guarded or threading.current_thread() is not threading.main_thread():
        return
    _guarded = True
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, lambda n, _frame: hang_up(n))
    fd = _terminal_fd()
    if fd is not None:
        try:
            _terminal = (fd, termios.tcgetattr(fd))
        except termios.error:
            pass
        threading.Thread(target=_watch, args=(fd, interval), name="hangup-watch", daemon=True).start()
