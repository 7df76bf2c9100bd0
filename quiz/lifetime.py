"""Nothing outlives the terminal: when it hangs up, the app and everything it started end.

`guard_terminal()` (called by the CLI before the UI or a grading run starts) treats a
SIGHUP, SIGTERM, or a hang-up seen on the terminal itself (the pty's other end closed,
which delivers no signal to a process that is not the session leader) as the end: it
kills every grading worker and grading child at once, hangs up the rest of the
foreground job (an $EDITOR opened from the app, a `make run` wrapper), and exits with
status 128 + SIGHUP. Work in progress survives because every store write is its own
transaction; callbacks registered with `at_hangup` run first, for at most a second.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
from typing import Callable

_callbacks: list[Callable[[], None]] = []
_guarded = False
CALLBACK_BUDGET_S = 1.0


def at_hangup(callback: Callable[[], None]) -> None:
    """Run `callback` (quickly, from any thread) when the terminal hangs up."""
    _callbacks.append(callback)


def hang_up(signum: int = signal.SIGHUP) -> None:
    """End the process now, taking its grading processes and foreground job along."""
    from grader.engine import kill_all

    kill_all()
    runner = threading.Thread(target=_run_callbacks, daemon=True)
    runner.start()
    runner.join(CALLBACK_BUDGET_S)
    kill_all()  # a callback may have started nothing new, but make sure
    if signum == signal.SIGHUP:
        try:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            os.killpg(0, signal.SIGHUP)
        except (OSError, ValueError):
            pass
    os._exit(128 + int(signum))


def _run_callbacks() -> None:
    for callback in list(_callbacks):
        try:
            callback()
        except Exception:
            pass


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


def guard_terminal(interval: float = 0.2) -> None:
    """Install the SIGHUP/SIGTERM handlers and the terminal watcher (idempotent; only in
    the main thread)."""
    global _guarded
    if _guarded or threading.current_thread() is not threading.main_thread():
        return
    _guarded = True
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, lambda n, _frame: hang_up(n))
    fd = _terminal_fd()
    if fd is not None:
        threading.Thread(target=_watch, args=(fd, interval), name="hangup-watch", daemon=True).start()
