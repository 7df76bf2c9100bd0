"""Grade implementations in a sandboxed child process: the API for the CLI, UI and tests.

    with Grader() as g:                      # starts the warm worker (imports torch once)
        result = g.grade("freezing", "solutions", device="auto", on_event=print)

`grade` blocks until the result (the schema in grader.results) is ready; `on_event`
receives the streamed events (plan, start, test) as they happen; setting `cancel`
(a threading.Event) kills the run and raises GradingCancelled. The worker is restarted
transparently if it dies. This module imports neither torch nor pytest.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Callable

from grader import registry

DEFAULT_MEMORY_MB = int(os.environ.get("TRANSFERLINGS_MEMORY_MB", "6144"))
DEVICES = ("auto", "cpu", "cuda")
# Tensors come from and go back to the heap instead of fresh mmap pages: a grading run
# clones fixture models dozens of times, and page faults were ~15% of a warm re-grade.
MALLOC_TUNING = {"MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**32),
                 "MALLOC_TOP_PAD_": str(2**28)}
ROOT = Path(__file__).resolve().parents[2]
_LIVE: "weakref.WeakSet[Grader]" = weakref.WeakSet()


def worker_env() -> dict:
    """The environment of a warm worker process: a short allow-list of this one's (no
    tokens or keys: grader.guard.environment), this checkout first on the path, no pytest
    plugin autoloading, no bytecode writes, and the malloc tuning above."""
    from grader.guard.environment import worker_env as allowed

    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return allowed(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=path, **MALLOC_TUNING)


class GradingError(Exception):
    """A usage error: unknown exercise, missing folder or file, unavailable device."""


class GradingCancelled(Exception):
    pass


class _LineReader:
    def __init__(self, fd: int):
        self.fd = fd
        self.buf = b""

    def readline(self, timeout: float) -> bytes | None:
        """A line, b"" at EOF, or None when nothing came within `timeout`."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"


class Grader:
    """A warm worker process and the grading API on top of it. Thread-safe: one grading
    run at a time."""

    def __init__(self, *, memory_mb: int = DEFAULT_MEMORY_MB, python: str = sys.executable):
        self.memory_mb = memory_mb
        self.python = python
        self._proc: subprocess.Popen | None = None
        self._reader: _LineReader | None = None
        self._lock = threading.RLock()
        self._jobs = 0
        self._child_pid: int | None = None
        self.cuda = False
        self.cuda_name: str | None = None
        self.isolation: dict | None = None  # what the worker's probe says its runs will get

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def started(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 120.0) -> None:
        """Start the worker and wait until it has imported torch (idempotent)."""
        with self._lock:
            if self.started:
                return
            env = worker_env()
            self._proc = subprocess.Popen(
                [self.python, "-m", "grader.run.worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=str(ROOT), env=env, start_new_session=True,
            )
            _LIVE.add(self)
            self._reader = _LineReader(self._proc.stdout.fileno())
            line = self._reader.readline(timeout)
            if not line:
                self.close()
                raise RuntimeError("the grading worker failed to start (is torch installed?)")
            ready = json.loads(line)
            self.cuda, self.cuda_name = bool(ready.get("cuda")), ready.get("cuda_name")
            self.isolation = ready.get("isolation")

    def close(self) -> None:
        """Stop the worker, and any grading run in flight (callable from another thread).
        Quick even while another thread is still starting the worker: that start is
        ended (it raises RuntimeError there) rather than waited for."""
        if self._child_pid is not None:
            _killpg(self._child_pid)
        if not self._lock.acquire(timeout=0.2):
            proc = self._proc
            if proc is not None:
                _killpg(proc.pid)
            self._lock.acquire()
        try:
            proc, self._proc = self._proc, None
            if proc is None:
                return
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
        finally:
            self._lock.release()

    def kill(self) -> None:
        """SIGKILL the grading child and the worker now, without waiting for the lock: for
        a process that is about to end (the terminal hung up)."""
        proc = self._proc
        for pid in (self._child_pid, proc.pid if proc is not None else None):
            if pid is not None:
                _killpg(pid)

    def resolve_device(self, device: str) -> str:
        if device not in DEVICES:
            raise GradingError(f"unknown device {device!r} (choose auto, cpu or cuda)")
        self.start()
        if device == "auto":
            return "cuda" if self.cuda else "cpu"
        if device == "cuda" and not self.cuda:
            raise GradingError("--device cuda: CUDA is not available on this machine")
        return device

    def grade(
        self,
        exercise: str,
        impl: str | os.PathLike,
        *,
        device: str = "auto",
        timeout: float | None = None,
        on_event: Callable[[dict], None] | None = None,
        cancel: threading.Event | None = None,
        failfast: bool = False,
        only: str | None = None,
    ) -> dict:
        """Grade `impl`/EXERCISE.py (or `impl` itself when it is a .py file named after the
        exercise) and return the result dict. `failfast` stops at the first failing check;
        `only` runs just the checks whose name contains that text."""
        try:
            ex = registry.get(exercise)
        except KeyError as e:
            raise GradingError(e.args[0]) from None
        impl_file = _impl_file(ex, Path(impl))
        with self._lock:
            device = self.resolve_device(device)
            self._jobs += 1
            job = {
                "job": self._jobs,
                "exercise": exercise,
                "impl": str(impl),
                "impl_file": str(impl_file),
                "grader_file": str(ex.grader_file),
                "device": device,
                "timeout_s": float(timeout or ex.timeout_s),
                "memory_mb": self.memory_mb,
                "failfast": failfast,
                "only": only,
            }
            try:
                self._proc.stdin.write((json.dumps(job) + "\n").encode())
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self.close()
                self.start()
                return self.grade(exercise, impl, device=device, timeout=timeout, on_event=on_event, cancel=cancel,
                                  failfast=failfast, only=only)
            return self._await(job, on_event, cancel)

    def _await(self, job: dict, on_event, cancel) -> dict:
        child_pid = None
        cancelled = False
        deadline = time.monotonic() + job["timeout_s"] + 30
        while True:
            if cancel is not None and cancel.is_set() and child_pid and not cancelled:
                cancelled = True
                _killpg(child_pid)
            line = self._reader.readline(0.05)
            if line is None:
                if time.monotonic() > deadline:
                    self._restart()
                    return _worker_lost(job, "the grading worker stopped answering", self.isolation)
                continue
            if line == b"":
                self.close()
                if cancelled:
                    raise GradingCancelled()
                return _worker_lost(job, "the grading worker died", self.isolation)
            event = json.loads(line)
            if event.get("job") != job["job"]:
                continue
            kind = event["event"]
            if kind == "started":
                child_pid = self._child_pid = event["pid"]
            elif kind == "done":
                self._child_pid = None
                if cancelled:
                    raise GradingCancelled()
                return event["result"]
            elif on_event is not None and not cancelled:
                on_event(event)

    def _restart(self) -> None:
        if self._proc is not None:
            _killpg(self._proc.pid)
        self.close()


def kill_all() -> None:
    """Grader.kill() every grader this process started."""
    for grader in list(_LIVE):
        grader.kill()


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _impl_file(ex: registry.Exercise, impl: Path) -> Path:
    if impl.suffix == ".py":
        if impl.name != ex.filename:
            raise GradingError(f"{impl}: the file for {ex.name} must be named {ex.filename}")
        path = impl
    else:
        if not impl.is_dir():
            raise GradingError(f"{impl}: no such folder")
        path = impl / ex.filename
    if not path.is_file():
        raise GradingError(f"{path}: no such file")
    return path.resolve()


def _worker_lost(job: dict, why: str, isolation: dict | None) -> dict:
    from grader.results import assemble

    return assemble(exercise=job["exercise"], impl=job["impl"], device=job["device"], duration_s=0.0,
                    plan=[], done={}, verdict="crash", verdict_message=why, isolation=isolation)
