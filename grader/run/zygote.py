"""A warm parent that forks grading workers: `python -m grader.run.zygote CONTROL_FD`.

It imports torch, torchvision, pytest and every grader once (grader.run.worker.preload),
freezes those objects for the garbage collector, and then forks one grading worker per
request, so N workers share the warm pages copy-on-write instead of importing torch N
times. Requests arrive on the Unix socket CONTROL_FD: each is one line with one file
descriptor attached (a socket for the new worker's jobs and events); the zygote answers
with a JSON line. Each forked worker speaks grader.run.worker's protocol on its socket, minus
the "ready" line:

    -> b"spawn\\n" + [fd]          <- {"pid": worker_pid}
    (at start-up)                  <- {"event": "ready", "cuda": bool, "cuda_name": str|null}

A worker leads its own session (so it can be killed as a group) and dies with the process
that started the zygote (the pool's owner), however that ends, but not with the zygote:
a submission that kills the zygote costs the pool a restart of it, not the jobs running
on the other workers. The zygote exits when its control socket closes.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys

os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

def die_with(owner_fd: int) -> None:
    """Kill this process as soon as the process behind the pidfd `owner_fd` exits."""
    import select
    import threading

    def watch() -> None:
        select.select([owner_fd], [], [])
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()


def serve_worker(conn: socket.socket, sandbox) -> None:
    """The forked worker: grade the jobs that arrive on `conn`, one at a time."""
    from grader.run.judge import Run

    sandbox.reap()
    fd = conn.fileno()

    def send(event: dict) -> None:
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(fd, data):]

    for line in conn.makefile("rb"):
        if not line.strip():
            continue
        job = json.loads(line)
        run = Run(job, send, sandbox)
        send({"job": job["job"], "event": "done", "result": run.execute()})
        run.clean()


def spawn(control: socket.socket, conn: socket.socket, owner_fd: int, sandbox) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:
        control.close()
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        die_with(owner_fd)
        serve_worker(conn, sandbox)
    finally:
        os._exit(0)


def main() -> None:
    from grader.run import worker
    from grader.run.sandbox import Sandbox

    control = socket.socket(fileno=int(sys.argv[1]))
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    owner_fd = os.pidfd_open(os.getppid())
    worker.preload()
    cuda, cuda_name = worker.probe_cuda()
    sandbox = Sandbox.here()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    gc.freeze()
    control.sendall((json.dumps({"event": "ready", "cuda": cuda, "cuda_name": cuda_name,
                                 "isolation": sandbox.expected.as_dict()}) + "\n").encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1024, 1)
        if not message:
            return
        conn = socket.socket(fileno=fds[0])
        pid = spawn(control, conn, owner_fd, sandbox)
        conn.close()
        control.sendall((json.dumps({"pid": pid}) + "\n").encode())


if __name__ == "__main__":
    main()
