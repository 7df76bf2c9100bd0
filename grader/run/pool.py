"""A pool of N warm grading workers forked from one warm parent (grader.run.zygote).

    with LocalPool(4) as pool:
        for job, result in pool.run(jobs):      # jobs: BatchJob; results as they finish
            ...

Each slot is a Grader whose worker is forked by the zygote instead of started anew, so
the pool imports torch once and its workers share those pages copy-on-write. Jobs are
dealt out as slots free up. A worker that dies is replaced (the zygote forks another) and
its job is retried once before it is recorded as a crash. Imports neither torch nor
pytest.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Iterable, Iterator

from grader.run.engine import DEFAULT_MEMORY_MB, ROOT, Grader, _LineReader, worker_env


def worker_lost(result: dict) -> bool:
    """True for the engine's verdict on a worker that died or hung mid-run."""
    return result["status"] == "crash" and result["message"].startswith("the grading worker")


class Zygote:
    """The warm parent process; `spawn()` forks a worker and returns (socket, pid)."""

    def __init__(self, python: str = sys.executable, timeout: float = 180.0):
        self.python, self.timeout = python, timeout
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.proc = subprocess.Popen(
            [self.python, "-m", "grader.run.zygote", str(theirs.fileno())], pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(ROOT), env=worker_env(), start_new_session=True,
        )
        theirs.close()
        self.control = ours
        self._reader = _LineReader(ours.fileno())
        line = self._reader.readline(self.timeout)
        if not line:
            self.close()
            raise RuntimeError("the grading pool failed to start (is torch installed?)")
        ready = json.loads(line)
        self.cuda, self.cuda_name = bool(ready.get("cuda")), ready.get("cuda_name")
        self.isolation: dict | None = ready.get("isolation")

    def spawn(self) -> tuple[socket.socket, int]:
        """Fork a worker; a zygote that died (a submission can kill it) is started again."""
        with self._lock:
            for _ in range(2):
                if self.proc.poll() is not None:
                    self.close()
                    self._start()
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    socket.send_fds(self.control, [b"spawn\n"], [theirs.fileno()])
                    line = self._reader.readline(30.0)
                except OSError:
                    line = None
                theirs.close()
                if line:
                    return ours, json.loads(line)["pid"]
                ours.close()
                self.proc.wait(timeout=5)
        raise RuntimeError("the grading pool's parent process keeps dying")

    def close(self) -> None:
        self.control.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class _SocketWriter:
    """The write side of a worker's socket; closing it is the worker's end of input."""

    def __init__(self, conn: socket.socket):
        self.conn = conn

    def write(self, data: bytes) -> None:
        self.conn.sendall(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        try:
            self.conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class _ForkedWorker:
    """What Grader needs of its worker process (the subset of Popen it uses), for a
    worker forked by the zygote and reached through a socket."""

    def __init__(self, conn: socket.socket, pid: int):
        self.conn, self.pid = conn, pid
        self.stdin = _SocketWriter(conn)
        self.stdout = conn

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        return None

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired("grading worker", timeout)
            time.sleep(0.01)
        return -1


class ForkedGrader(Grader):
    """A Grader whose worker is forked by a shared zygote."""

    def __init__(self, zygote: Zygote, *, memory_mb: int = DEFAULT_MEMORY_MB):
        super().__init__(memory_mb=memory_mb)
        self.zygote = zygote
        self.cuda, self.cuda_name = zygote.cuda, zygote.cuda_name
        self.isolation = zygote.isolation

    def start(self, timeout: float = 120.0) -> None:
        with self._lock:
            if self.started:
                return
            conn, pid = self.zygote.spawn()
            self._proc = _ForkedWorker(conn, pid)
            self._reader = _LineReader(conn.fileno())


class LocalPool:
    """N forked warm workers on this machine; `run(jobs)` yields (job, result) as they finish."""

    def __init__(self, workers: int, *, memory_mb: int = DEFAULT_MEMORY_MB):
        if workers < 1:
            raise ValueError("--workers must be at least 1")
        self.workers = workers
        self.memory_mb = memory_mb
        self.zygote: Zygote | None = None
        self.slots: list[ForkedGrader] = []

    def __enter__(self) -> "LocalPool":
        self.zygote = Zygote()
        self.slots = [ForkedGrader(self.zygote, memory_mb=self.memory_mb) for _ in range(self.workers)]
        return self

    def __exit__(self, *exc) -> None:
        for slot in self.slots:
            slot.close()
        if self.zygote is not None:
            self.zygote.close()

    @property
    def cuda(self) -> bool:
        return bool(self.zygote and self.zygote.cuda)

    @property
    def isolation(self) -> dict | None:
        """What the pool's grading runs will get (grader.guard.confine.probe)."""
        return self.zygote.isolation if self.zygote else None

    def worker_pids(self) -> list[int]:
        return [s._proc.pid for s in self.slots if s.started]

    def run(self, jobs: Iterable, *, device: str = "auto", timeout: float | None = None) -> Iterator[tuple]:
        todo: queue.Queue = queue.Queue()
        done: queue.Queue = queue.Queue()
        count = 0
        for job in jobs:
            todo.put(job)
            count += 1
        stop = threading.Event()

        def serve(slot: ForkedGrader) -> None:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = grade_with_retry(slot, job, device=device, timeout=timeout)
                except Exception as e:  # noqa: BLE001 - one job's failure must not stop the batch
                    result = job.error_result(f"the batch could not grade it: {e}")
                done.put((job, result))

        threads = [threading.Thread(target=serve, args=(s,), daemon=True) for s in self.slots]
        for t in threads:
            t.start()
        try:
            for _ in range(count):
                yield done.get()
        finally:
            stop.set()


def grade_with_retry(grader: Grader, job, *, device: str, timeout: float | None) -> dict:
    """Grade `job` (a BatchJob); a job whose worker died is retried once on a fresh worker."""
    result = grader.grade(job.exercise, job.path, device=device, timeout=timeout)
    if worker_lost(result):
        result = grader.grade(job.exercise, job.path, device=device, timeout=timeout)
    return result
