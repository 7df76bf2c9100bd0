"""The warm grading worker: `python -m grader.run.worker`.

Imports torch, torchvision and pytest once (never initialising CUDA), then reads jobs as
JSON lines on stdin and answers with JSON lines on stdout. For each job it forks a fresh,
isolated child (grader.run.child) so every grading run starts from the same clean, warm
state, and judges it (grader.run.judge: the plan is the worker's own, events must be
signed with the run's key, the time and memory limits, every descendant killed after):

    -> {"job": id, "exercise", "impl": dir, "impl_file", "grader_file", "device",
        "timeout_s", "memory_mb", "failfast", "only"}
    <- {"event": "ready", "cuda": bool, "cuda_name": str|null,
        "isolation": {"level", "applied", "missing"}}               once, at start-up
    <- {"job": id, "event": "started", "pid": child_pid}
    <- {"job": id, "event": "plan" | "start" | "test", ...}          relayed from the child
    <- {"job": id, "event": "done", "result": {...}}                 the schema in results.py

The worker lives only as long as the process that started it: it exits at EOF on stdin
when idle, and while importing torch and during a run it checks every 50-100 ms that
stdin is still open and its parent unchanged; if not, it kills the grading child and exits. (Not PR_SET_PDEATHSIG: that
follows the parent *thread*, and the UI starts the worker from a short-lived one.)
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys
import threading

os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def preload() -> None:
    """Import what every grading run needs, so forked children start warm; then pin the
    modules checks use and snapshot the grading machinery (grader.guard)."""
    import pytest  # noqa: F401
    import _pytest.python  # noqa: F401
    import _pytest.runner
    import torch
    import torchvision.models  # noqa: F401

    import grader.authoring.checks  # noqa: F401
    import grader.fixtures.models  # noqa: F401
    import grader.guard.audit
    import grader.guard.confine  # noqa: F401
    import grader.guard.pin
    import grader.guard.scan  # noqa: F401
    import grader.guard.tamper
    import grader.results  # noqa: F401
    import grader.run.child  # noqa: F401
    import grader.run.judge  # noqa: F401
    import grader.run.plugin  # noqa: F401

    torch.set_num_threads(1)  # fixture models are tiny: more threads only contend
    _warm_up_optimizers(torch)
    grader.fixtures.models.warm()
    _warm_graders()
    # pytest announces each running test in os.environ (PYTEST_CURRENT_TEST): nothing in
    # the candidate's environment may say it is being graded
    _pytest.runner._update_current_test_var = _no_current_test_var
    grader.guard.pin.pin_graders()
    grader.guard.tamper.prepare(grader.guard.pin.copies())  # last: they note what the preload built
    grader.guard.audit.prepare()


def _no_current_test_var(item, when) -> None:
    """pytest's `_update_current_test_var`, minus the variable."""


def _warm_graders() -> None:
    """Import every grader module and run its optional `warm()` (building fixture models),
    so forked grading runs share them; pytest then finds the modules already imported."""
    import importlib

    from grader import registry

    for exercise in registry.exercises():
        module = importlib.import_module(f"grader.graders.{exercise.name}")
        if hasattr(module, "warm"):
            module.warm()


def _warm_up_optimizers(torch) -> None:
    """The first optimizer step in a process costs about a second of lazy set-up; pay it
    here once so forked grading runs that train don't."""
    weight = torch.nn.Parameter(torch.zeros(2))
    for optimizer in (torch.optim.SGD([weight], lr=0.1), torch.optim.Adam([weight]), torch.optim.AdamW([weight])):
        weight.sum().backward()
        optimizer.step()
        optimizer.zero_grad()


def probe_cuda() -> tuple[bool, str | None]:
    """Ask a throwaway child whether CUDA works, so this process never initialises it."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            import torch

            ok = torch.cuda.is_available()
            name = torch.cuda.get_device_name(0) if ok else None
            os.write(w, json.dumps([ok, name]).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 4096):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    try:
        ok, name = json.loads(data)
        return bool(ok), name
    except ValueError:
        return False, None


def serve(stdin, out_fd: int) -> None:
    from grader.run.judge import Run
    from grader.run.sandbox import Sandbox

    def send(event: dict) -> None:
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(out_fd, data):]

    parent = os.getppid()
    control = select.poll()
    control.register(stdin.fileno(), 0)  # reports only POLLHUP/POLLERR: the parent closed it

    def orphaned() -> bool:
        return os.getppid() != parent or bool(control.poll(0))

    stop = threading.Event()

    def watch_while_preloading() -> None:
        while not stop.wait(0.1):
            if orphaned():
                os._exit(0)

    watcher = threading.Thread(target=watch_while_preloading, daemon=True)
    watcher.start()
    preload()
    stop.set()
    watcher.join()  # no second thread when the grading children are forked
    cuda, cuda_name = probe_cuda()
    sandbox = Sandbox.here()
    sandbox.reap()
    gc.freeze()
    send({"event": "ready", "cuda": cuda, "cuda_name": cuda_name, "isolation": sandbox.expected.as_dict()})
    for line in stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        run = Run(job, send, sandbox, orphaned)
        send({"job": job["job"], "event": "done", "result": run.execute()})
        run.clean()


def main() -> None:
    out_fd = os.dup(1)
    os.dup2(2, 1)  # stray prints must not corrupt the protocol on the real stdout
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin, out_fd)


if __name__ == "__main__":
    main()
