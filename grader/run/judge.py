"""One grading job in the worker: fork the child, relay its events, enforce the limits,
judge, and assemble the result. The worker is what the candidate's code cannot touch
once forked, so it is the judge of last resort:

- the plan (names, points, levels, hidden) is the worker's own (grader.run.plan); the
  child only reports outcomes, each for a planned check, once;
- every event must carry the run's key; a pass counts only for a check that confirmed
  it ran; a run passes only when every planned check passed;
- the audit hook's lines (a second pipe) become runtime flags; a refused operation or a
  tampered function ends the run at once;
- memory is what the run's whole process tree allocated, counted by unique pages (PSS);
- after the run every descendant is killed (the worker is their subreaper); `clean()`
  removes the scratch folder once the result is on its way.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import signal
import time

from grader.guard import audit, processes
from grader.run.plan import only, plan_for

SIGNAL_NAMES = {signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted", signal.SIGBUS: "bus error",
                signal.SIGFPE: "floating-point exception", signal.SIGILL: "illegal instruction"}
MAX_RUNTIME_FLAGS = 12
REFUSED_WHY = {"code": "read the grader's code", "gc": "walk the object graph", "frame": "take hold of frames (they lead to the grader's own)", "trace": "trace or profile",
               "ctypes": "load libraries or dereference pointers with ctypes"}


class Run:
    """One job: fork the child, relay its events, enforce the limits, report the result."""

    def __init__(self, job: dict, send, sandbox, orphaned=lambda: False):
        """`sandbox`: grader.run.sandbox.Sandbox; `orphaned()`: True once the process that
        started the worker is gone."""
        self.job = job
        self.send = send
        self.sandbox = sandbox
        self.orphaned = orphaned
        self.plan: list[dict] = []
        self.meta: dict[str, dict] = {}
        self.done: dict[str, dict] = {}
        self.running: str | None = None
        self.ended = False
        self.import_error: str | None = None
        self.import_memory = False
        self.key = secrets.token_hex(16)
        self.ran: set[str] = set()
        self.isolation: dict | None = None
        self.runtime_flags: list[dict] = []
        self.stop: tuple[str, str] | None = None  # (verdict, message) that ends the run now
        self.buffers: dict[int, bytes] = {}  # a pipe's partial last line
        self.scratch = ""

    def _tampered(self, what: str) -> None:
        if self.stop is None:
            self.stop = ("error", f"the grading machinery was modified ({what})")

    def _name(self, nodeid: str | None) -> str:
        return self.meta.get(nodeid, {}).get("name", str(nodeid))

    def _where(self) -> str:
        return f" while running: {self._name(self.running)}" if self.running else ""

    # ---- the two pipes -------------------------------------------------------------

    def _line(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict) or event.pop("key", None) != self.key:
            self._tampered("forged events on the result pipe")
            return
        self._event(event)

    def _audit_line(self, line: bytes) -> None:
        found = audit.parse(line, self.key)
        if found is None:
            self._tampered("forged events on the result pipe")
            return
        if found["what"] == "tamper":
            self._tampered(found["message"] + (f" at line {found['line']}" if found["line"] else ""))
            return
        flag = {"kind": found["kind"], "line": found["line"], "message": found["message"], "source": "runtime"}
        if flag not in self.runtime_flags and len(self.runtime_flags) < MAX_RUNTIME_FLAGS:
            self.runtime_flags.append(flag)
        if found["what"] == "deny" and self.stop is None:
            at = f" (line {found['line']})" if found["line"] else " (in a thread it started)"
            why = REFUSED_WHY.get(found["kind"], "do that")
            self.stop = ("error", f"refused: your code {found['message']}{at}; graded code may not {why}")

    def _event(self, event: dict) -> None:
        kind = event.get("event")
        if self.stop is not None:
            return
        if kind == "isolation":
            self.isolation = {k: event.get(k) for k in ("level", "applied", "missing")}
        elif kind == "start":
            if event.get("id") not in self.meta:
                self._tampered(f"an unplanned check {event.get('id')}")
                return
            self.running = event["id"]
        elif kind == "ran":
            self.ran.add(event.get("id"))
        elif kind == "test":
            self._outcome(event)
        elif kind == "memory":
            where = f" while running: {self._name(event['id'])}" if event.get("id") else self._where()
            self.stop = ("crash", "memory limit exceeded" + where)
        elif kind == "tampered":
            self._tampered(str(event.get("what")))
        elif kind == "import_error":
            self.import_error = str(event.get("message"))
            self.import_memory = bool(event.get("memory"))
        elif kind == "confine_error":
            self.stop = ("error", f"the grading run could not be isolated: {event.get('message')}")
        elif kind == "end":
            self.ended = True
        if kind == "start":
            self.send({"job": self.job["job"], "event": "start", "id": event["id"]})

    def _outcome(self, event: dict) -> None:
        from grader.authoring.checks import say
        from grader.results import test_entry

        nodeid, status = event.get("id"), event.get("status")
        if nodeid in self.done or nodeid not in self.meta:
            self._tampered(f"an unplanned or repeated report for {nodeid}")
            return
        if status not in ("pass", "fail", "error"):
            self._tampered(f"a report of {status!r} for {self._name(nodeid)}")
            return
        if status == "pass" and nodeid not in self.ran:
            self._tampered(f"{self._name(nodeid)} reported a pass but never ran")
            return
        message, zh = str(event.get("message") or ""), event.get("message_zh")
        entry = test_entry(self.meta[nodeid], status, say(message, zh) if isinstance(zh, str) else message,
                           float(event.get("duration") or 0.0), str(event.get("output") or ""))
        if event.get("cause") in ("sys.exit", "memory"):
            entry["cause"] = event["cause"]
        self.done[nodeid] = entry
        self.running = None
        relay = {k: v for k, v in entry.items() if k != "cause"}
        self.send({"job": self.job["job"], "event": "test", "id": nodeid, "entry": relay})

    # ---- the run ---------------------------------------------------------------------

    def execute(self) -> dict:
        from grader.guard.scan import read_source, scan
        from grader.results import assemble

        job = self.job
        start = time.monotonic()
        plan, error = plan_for(job["grader_file"], job["device"])
        self.plan = only(plan, job.get("only"))
        self.meta = {m["id"]: m for m in self.plan}
        self.send({"job": job["job"], "event": "plan", "tests": self.plan})
        source = read_source(job["impl_file"])  # before the candidate's code could rewrite it
        static: list[dict] = []
        if error:
            verdict, message = "error", f"the grader could not be loaded: {error}"
        else:
            verdict, message = self._grade(start, lambda: static.extend(scan(source)))
        flags = self.runtime_flags + [{**f, "source": "static"} for f in static]
        flags.sort(key=lambda f: (f["line"], f["source"] != "runtime"))
        return assemble(
            exercise=job["exercise"], impl=job["impl"], device=job["device"],
            duration_s=time.monotonic() - start, plan=self.plan, done=self.done,
            running=self.running, verdict=verdict, verdict_message=message, flags=flags,
            isolation=self.isolation or self.sandbox.expected.as_dict(),
        )

    def _grade(self, start: float, meanwhile) -> tuple[str | None, str]:
        """Fork the child and watch it; `meanwhile()` runs while it does (the static scan)."""
        from grader.run import child

        job = self.job
        scratch, policy, env, nproc = self.sandbox.prepare(job["impl_file"], job["device"])
        self.scratch = scratch
        child_job = {**job, "run_ids": list(self.meta), "env": env, "nproc": nproc}
        r, w = os.pipe()
        ar, aw = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.close(ar)
            child.run(child_job, w, aw, self.key, (scratch, policy))
        os.close(w)
        os.close(aw)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        self.send({"job": job["job"], "event": "started", "pid": pid})
        meanwhile()
        self.buffers = {r: b"", ar: b""}
        try:
            verdict, message, status = self._watch(pid, r, ar, start)
        finally:
            self.sandbox.finish()
            for fd in (r, ar):
                self._drain(fd, self.buffers[fd], self._audit_line if fd == ar else self._line)
                os.close(fd)
        if verdict is None and self.stop is not None:
            verdict, message = self.stop
        if verdict is None:
            verdict, message = self._judge(status)
        return verdict, message

    def clean(self) -> None:
        """Remove the run's scratch folder (after the result is sent: off the critical path)."""
        if self.scratch:
            self.sandbox.clean(self.scratch)
            self.scratch = ""

    def _watch(self, pid: int, r: int, ar: int, start: float) -> tuple[str | None, str, int | None]:
        job = self.job
        deadline = start + float(job["timeout_s"])
        # The run is charged its anonymous pages by PSS. Of those, at most all the worker's
        # own (inherited copy-on-write; a fork leaves the worker's count as it was) can
        # predate it, so a tree over memory_mb plus them has allocated more than memory_mb:
        # never a false kill.
        limit_mb = (job.get("memory_mb") or 0) and job["memory_mb"] + processes.resident_mb([os.getpid()])
        buffers = self.buffers
        handlers = {r: self._line, ar: self._audit_line}
        open_fds = [r, ar]
        audit_closed_at = None
        next_memory_check = 0.0
        while True:
            if open_fds:
                ready, _, _ = select.select(open_fds, [], [], 0.05)
                for fd in ready:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        open_fds.remove(fd)
                        if fd == ar:
                            audit_closed_at = time.monotonic()
                        continue
                    *lines, buffers[fd] = (buffers[fd] + chunk).split(b"\n")
                    for line in lines:
                        handlers[fd](line)
            else:
                time.sleep(0.01)
            if self.stop is not None:
                self._kill(pid)
                return (*self.stop, None)
            got, status = os.waitpid(pid, os.WNOHANG)
            if got:
                return None, "", status
            if audit_closed_at is not None and time.monotonic() - audit_closed_at > 1.0:
                self._tampered("the run-time audit pipe was closed")
                continue
            if self.orphaned():
                self._kill(pid)
                self.sandbox.finish()
                self.clean()
                os._exit(0)
            if time.monotonic() > deadline and not self.ended:
                self._kill(pid)
                return "timeout", f"time limit of {job['timeout_s']:g} s exceeded" + self._where(), None
            if limit_mb and time.monotonic() >= next_memory_check:
                next_memory_check = time.monotonic() + 0.05
                pids = processes.tree(pid)
                if processes.resident_mb(pids) > limit_mb and processes.proportional_mb(pids) > limit_mb:
                    self._kill(pid)
                    return "crash", f"memory limit exceeded (over {job['memory_mb']} MB)" + self._where(), None

    @staticmethod
    def _drain(fd: int, buf: bytes, handle) -> None:
        """What is left in a pipe after the run; a line cut short by a death is no event."""
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
        *lines, _partial = buf.split(b"\n")
        for line in lines:
            handle(line)

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
