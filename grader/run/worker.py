"""The warm grading worker: `python -m grader.run.worker`.

Imports torch, torchvision and pytest once (never initialising CUDA), then reads jobs as
JSON lines on stdin and answers with JSON lines on stdout. For each job it forks a fresh
child (grader.run.child) so every grading run starts from the same clean, warm state, relays
the child's events, and enforces the time and memory limits. The worker is what the
candidate's code cannot touch once forked, so it is the judge of last resort: it accepts
only events signed with the run's secret key, takes the plan the child sent before
importing the candidate, counts a pass only for a check that confirmed it ran, and ends
the run at once on the first memory-limit hit or a sign of tampering:

    -> {"job": id, "exercise", "impl": dir, "impl_file", "grader_file", "device",
        "timeout_s", "memory_mb", "failfast"}
    <- {"event": "ready", "cuda": bool, "cuda_name": str|null}      once, at start-up
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
import secrets
import select
import signal
import sys
import threading
import time

os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

SIGNAL_NAMES = {signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted", signal.SIGBUS: "bus error",
                signal.SIGFPE: "floating-point exception", signal.SIGILL: "illegal instruction"}


def preload() -> None:
    """Import what every grading run needs, so forked children start warm."""
    import ctypes  # noqa: F401  (the child's PR_SET_PDEATHSIG)

    import pytest  # noqa: F401
    import _pytest.python  # noqa: F401
    import torch
    import torchvision.models  # noqa: F401

    import grader.authoring.checks  # noqa: F401
    import grader.run.child  # noqa: F401
    import grader.fixtures.models  # noqa: F401
    import grader.run.plugin  # noqa: F401
    import grader.results  # noqa: F401
    import grader.guard.scan  # noqa: F401
    import grader.guard.tamper  # noqa: F401

    torch.set_num_threads(1)  # fixture models are tiny: more threads only contend
    _warm_up_optimizers(torch)
    grader.fixtures.models.warm()
    _warm_graders()
    grader.guard.tamper.prepare()  # last: it snapshots what the preload built


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


def rss_mb(pid: int) -> float:
    """Resident memory of a process group leader and its direct children, in MB."""
    total = 0
    try:
        pids = [pid] + [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total / 2**20


class Run:
    """One job: fork the child, relay its events, enforce the limits, report the result."""

    def __init__(self, job: dict, send, baseline_mb: float, orphaned=lambda: False):
        """`baseline_mb`: the worker's own resident memory, which a fresh child shares;
        `orphaned()`: True once the process that started the worker is gone."""
        self.job = job
        self.orphaned = orphaned
        self.send = send
        self.baseline_mb = baseline_mb
        self.plan: list[dict] = []
        self.done: dict[str, dict] = {}
        self.running: str | None = None
        self.ended = False
        self.import_error: str | None = None
        self.import_memory = False
        self.collect_error: str | None = None
        self.key = secrets.token_hex(16)
        self.planned = False
        self.ran: set[str] = set()
        self.stop: tuple[str, str] | None = None  # (verdict, message) that ends the run now

    def _tampered(self, what: str) -> None:
        if self.stop is None:
            self.stop = ("error", f"the grading machinery was modified ({what})")

    def _line(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict) or event.pop("key", None) != self.key:
            self._tampered("forged events on the result pipe")
            return
        self._event(event)

    def _name(self, nodeid: str | None) -> str:
        return next((m["name"] for m in self.plan if m["id"] == nodeid), str(nodeid))

    def _event(self, event: dict) -> None:
        kind = event.get("event")
        if self.stop is not None:
            return
        if kind == "plan":
            if self.planned:
                self._tampered("a second plan")
                return
            self.plan, self.planned = event["tests"], True
        elif kind == "start":
            self.running = event["id"]
        elif kind == "ran":
            self.ran.add(event["id"])
        elif kind == "test":
            nodeid, entry = event["id"], event["entry"]
            if nodeid in self.done or not any(m["id"] == nodeid for m in self.plan):
                self._tampered(f"an unplanned or repeated report for {nodeid}")
                return
            if entry["status"] == "pass" and nodeid not in self.ran:
                self._tampered(f"{self._name(nodeid)} reported a pass but never ran")
                return
            self.done[nodeid] = entry
            self.running = None
        elif kind == "memory":
            where = f" while running: {self._name(event['id'])}" if event.get("id") else self._where()
            self.stop = ("crash", "memory limit exceeded" + where)
        elif kind == "tampered":
            self._tampered(event["what"])
        elif kind == "import_error":
            self.import_error = event["message"]
            self.import_memory = bool(event.get("memory"))
        elif kind == "collect_error":
            self.collect_error = event["message"]
        elif kind == "end":
            self.ended = True
        if kind in ("plan", "start", "test"):
            relay = dict(event)
            if kind == "test":
                relay["entry"] = {k: v for k, v in relay["entry"].items() if k != "cause"}
            self.send({"job": self.job["job"], **relay})

    def execute(self) -> dict:
        from grader.run import child
        from grader.guard.scan import read_source, scan

        job = self.job
        start = time.monotonic()
        source = read_source(job["impl_file"])  # before the candidate's code can rewrite it
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            child.run(job, w, self.key)
        os.close(w)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        self.send({"job": job["job"], "event": "started", "pid": pid})
        flags = scan(source)  # while the child runs
        verdict, message, status = None, "", None
        deadline = start + float(job["timeout_s"])
        memory_mb = job.get("memory_mb") or 0
        buf = b""
        eof = False
        while True:
            if not eof:
                ready, _, _ = select.select([r], [], [], 0.05)
                if ready:
                    chunk = os.read(r, 65536)
                    if not chunk:
                        eof = True
                    buf += chunk
                    *lines, buf = buf.split(b"\n")
                    for line in lines:
                        self._line(line)
            else:
                time.sleep(0.01)
            if self.stop is not None:
                verdict, message = self.stop
                self._kill(pid)
                break
            got, status = os.waitpid(pid, os.WNOHANG)
            if got:
                if not eof:
                    self._drain(r, buf)
                break
            if self.orphaned():
                self._kill(pid)
                os._exit(0)
            if time.monotonic() > deadline and not self.ended:
                verdict = "timeout"
                message = f"time limit of {job['timeout_s']:g} s exceeded" + self._where()
                self._kill(pid)
                break
            if memory_mb and rss_mb(pid) > memory_mb + self.baseline_mb:
                verdict = "crash"
                message = f"memory limit exceeded (over {memory_mb} MB)" + self._where()
                self._kill(pid)
                break
        os.close(r)
        if verdict is None and self.stop is not None:
            verdict, message = self.stop
        if verdict is None:
            verdict, message = self._judge(status)
        from grader.results import assemble

        return assemble(
            exercise=job["exercise"], impl=job["impl"], device=job["device"],
            duration_s=time.monotonic() - start, plan=self.plan, done=self.done,
            running=self.running, verdict=verdict, verdict_message=message, flags=flags,
        )

    def _where(self) -> str:
        if self.running:
            name = next((m["name"] for m in self.plan if m["id"] == self.running), self.running)
            return f" while running: {name}"
        return ""

    def _drain(self, r: int, buf: bytes) -> None:
        while True:
            ready, _, _ = select.select([r], [], [], 0)
            if not ready:
                break
            chunk = os.read(r, 65536)
            if not chunk:
                break
            buf += chunk
        *lines, _partial = buf.split(b"\n")  # a line cut short by the child's death is no event
        for line in lines:
            self._line(line)

    @staticmethod
    def _kill(pid: int) -> None:
        for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def _judge(self, status: int) -> tuple[str | None, str]:
        if self.import_error:
            return ("crash" if self.import_memory else "error"), self.import_error
        if self.collect_error:
            return "error", f"the grader could not be loaded: {self.collect_error}"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            what = SIGNAL_NAMES.get(sig) or signal.Signals(sig).name
            if sig == signal.SIGKILL:
                what = "killed (SIGKILL: out of memory, or cancelled)"
            return "crash", f"the grading process died: {what}" + self._where()
        if not self.ended:
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
            return "crash", f"the grading process exited early with code {code} (os._exit?)" + self._where()
        missing = [m["name"] for m in self.plan if m["id"] not in self.done]
        if missing and not (self.job.get("failfast") and any(e["status"] != "pass" for e in self.done.values())):
            return "error", f"grading was cut short: {len(missing)} checks never reported (first: {missing[0]})"
        return None, ""


def serve(stdin, out_fd: int) -> None:
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
    gc.freeze()
    baseline_mb = rss_mb(os.getpid())
    send({"event": "ready", "cuda": cuda, "cuda_name": cuda_name})
    for line in stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        result = Run(job, send, baseline_mb, orphaned).execute()
        send({"job": job["job"], "event": "done", "result": result})


def main() -> None:
    out_fd = os.dup(1)
    os.dup2(2, 1)  # stray prints must not corrupt the protocol on the real stdout
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin, out_fd)


if __name__ == "__main__":
    main()
