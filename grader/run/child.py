"""One grading run, inside a freshly forked child of the worker.

The child becomes its own process group leader, sends stdin/stdout/stderr to /dev/null
(pytest captures each check's output itself), takes the run's clean environment (its
scratch folder as HOME and TMPDIR, no secret), limits its address space, and runs the
grader module with pytest, keeping only the checks the worker planned. Once they are
collected it snapshots the grading machinery (grader.guard.tamper), confines itself
(grader.guard.confine: still single-threaded here), drops every PYTEST_* variable,
installs the run-time audit hook (grader.guard.audit) and only then imports the
candidate's module, under a neutral name. JSON events go down `result_fd`, each carrying
the run's secret `key` (the worker drops the run as tampered on a line without it); the
child reports outcomes only: the worker holds the plan, names and points.

    {"event": "isolation", "level", "applied", "missing"}   what confine() achieved
    {"event": "start", "id": nodeid}           a check begins
    {"event": "ran", "id": nodeid}             the check's function returned and the machinery
                                               verified unchanged: it really ran
    {"event": "test", "id": nodeid, "status": pass|fail|error, "message", "message_zh",
     "duration", "output", "cause": null|"sys.exit"|"memory"}
    {"event": "memory", "id": nodeid}          a check hit the memory limit: stop the run
    {"event": "tampered", "what": "..."}       the grading machinery was modified
    {"event": "import_error", "message": "...", "memory": bool}
    {"event": "confine_error", "message": "..."}   isolation failed: the run fails closed
    {"event": "end"}                           pytest finished normally
"""

from __future__ import annotations

import functools
import gc
import json
import os
import resource
import sys
from pathlib import Path

from grader.run.describe import describe_exception, describe_import_error, memory_error, user_frame

_exit = os._exit  # bound before the candidate's code could replace os._exit
_collect, _freeze = gc.collect, gc.freeze


class Emitter:
    """Writes events, signed with the run's key, with the functions it started with."""

    def __init__(self, fd: int, key: str):
        self.fd = fd
        self._key = key
        self._dumps = json.dumps
        self._write = os.write

    def __call__(self, event: dict) -> None:
        data = (self._dumps({**event, "key": self._key}) + "\n").encode()
        while data:
            data = data[self._write(self.fd, data):]


def _confirmed(fn, emit: Emitter, nodeid: str, verify):
    """`fn`, reporting that it returned, once the machinery is verified unchanged (after a
    garbage collection, so finalizers have run): a pass the worker counts needs this."""

    @functools.wraps(fn)
    def check(*args, **kwargs):
        result = fn(*args, **kwargs)
        _collect()
        _freeze()  # what survived is not traversed again: each collection costs one check's objects
        verify()
        emit({"event": "ran", "id": nodeid})
        return result

    return check


class Reporter:
    """pytest plugin that reports each planned check's outcome. Once the checks are
    collected it keeps the planned ones, snapshots the grading machinery, confines the
    process, installs the audit hook, then imports the candidate's module; it verifies
    the snapshot after the import, after each check returns and after each teardown."""

    def __init__(self, emit: Emitter, job: dict, confinement):
        self.emit = emit
        self.job = job
        self.impl_file = job["impl_file"]
        self.confinement = confinement  # (scratch, policy, audit_fd, key), from the worker
        self.partial: dict[str, dict] = {}
        self.changed = None

    def _verify(self) -> None:
        what = self.changed()
        if what:
            self.emit({"event": "tampered", "what": ", ".join(what[:3]) + (", …" if len(what) > 3 else "")})
            _exit(0)

    def pytest_collection_modifyitems(self, config, items):
        planned = set(self.job["run_ids"])
        keep = [i for i in items if i.nodeid in planned]
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid not in planned])
        items[:] = keep
        for item in items:
            item.obj = _confirmed(item.obj, self.emit, item.nodeid, self._verify)
        from grader.guard import tamper

        modules = list({id(i.module): i.module for i in items if getattr(i, "module", None)}.values())
        self.changed = tamper.snapshot(config, modules)
        self._isolate_and_import(modules)
        self._verify()

    def _isolate_and_import(self, grader_modules: list) -> None:
        from grader.guard import audit, confine
        from grader.run import plugin

        scratch, policy, audit_fd, key = self.confinement
        try:
            iso = confine.confine(scratch, policy, nproc=self.job.get("nproc", 64), fsize_mb=self.job.get("fsize_mb", 256))
        except confine.ConfinementError as e:
            self.emit({"event": "confine_error", "message": str(e)})
            _exit(0)
        self.emit({"event": "isolation", **iso.as_dict()})
        for name in [k for k in os.environ if k.startswith("PYTEST")]:
            del os.environ[name]
        sys.argv = [self.impl_file]
        try:
            plugin.load_impl(Path(self.impl_file),
                             before=lambda module: audit.install(audit_fd, key, vars(module), self.impl_file, scratch,
                                                                 policy.library_roots, grader_modules))
        except BaseException as exc:  # the candidate's import may raise anything
            self.emit({"event": "import_error", "message": describe_import_error(exc, self.impl_file),
                       "memory": memory_error(exc)})
            _exit(0)

    def pytest_runtest_logstart(self, nodeid, location):
        self.emit({"event": "start", "id": nodeid})

    def pytest_runtest_makereport(self, item, call):
        state = self.partial.setdefault(item.nodeid, {"status": "pass", "message": "", "cause": None,
                                                      "duration": 0.0, "output": []})
        state["duration"] += call.duration
        if call.excinfo is None or state["status"] != "pass":
            return
        exc = call.excinfo.value
        import pytest

        cause = None
        if isinstance(exc, pytest.skip.Exception):
            where = user_frame(exc.__traceback__, self.impl_file)
            message = (f"your code skipped the check (at {where}): a grader never counts that as a pass" if where
                       else f"the check was skipped ({str(exc).strip() or 'no reason given'}): a skipped check "
                            "is never a pass")
            state["status"] = "error"
        else:
            message, cause = describe_exception(exc, self.impl_file)
            state["status"] = "error" if call.when != "call" or cause in ("sys.exit", "memory") else "fail"
        state["cause"], state["message"] = cause, message
        if cause == "memory":
            self.emit({"event": "memory", "id": item.nodeid})

    def pytest_runtest_logreport(self, report):
        state = self.partial.get(report.nodeid)
        if state is None or report.when != "teardown":
            return
        self._verify()
        message = state["message"]
        zh = getattr(message, "zh", None)
        self.emit({"event": "test", "id": report.nodeid, "status": state["status"], "message": str(message),
                   "message_zh": zh if isinstance(zh, str) else None, "duration": state["duration"],
                   "output": "".join(text for _, text in report.sections), "cause": state["cause"]})


def _limit_memory(memory_mb: int) -> None:
    """Cap new address space at the current size plus `memory_mb` (CPU runs only:
    CUDA reserves huge virtual ranges)."""
    with open("/proc/self/statm") as f:
        current = int(f.read().split()[0]) * resource.getpagesize()
    limit = current + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_worker() -> None:
    """Ask Linux to kill this process if the worker that forked it dies first."""
    import signal

    from grader.guard import kernel

    try:
        kernel.prctl(kernel.PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except OSError:
        pass


def _silence_stdio(keep: tuple[int, ...]) -> None:
    """/dev/null for stdin, stdout and stderr; every other inherited descriptor but
    `keep` closed, so the candidate cannot write to the worker's own protocol pipe."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def run(job: dict, result_fd: int, audit_fd: int, key: str, confinement) -> None:
    """Grade in this (forked) process and exit; never returns. `key` signs every event;
    `confinement` is (scratch, policy) from the worker."""
    code = 0
    try:
        os.setpgid(0, 0)
        _die_with_worker()
        _silence_stdio((result_fd, audit_fd))
        emit = Emitter(result_fd, key)
        from grader.guard import environment

        environment.apply_env({**job["env"], "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        if job["device"] == "cpu" and job.get("memory_mb"):
            _limit_memory(job["memory_mb"])
        import pytest

        from grader.run.plan import pytest_args

        args = pytest_args(job["grader_file"], job["device"]) + ["--impl-file", job["impl_file"]]
        if job.get("failfast"):
            args.append("-x")
        pytest.main(args, plugins=[Reporter(emit, job, (*confinement, audit_fd, key))])
        emit({"event": "end"})
    except MemoryError:
        code = 70
        emit({"event": "memory", "id": None})
    except BaseException:
        code = 70
    finally:
        sys.stdout.flush()
        _exit(code)
