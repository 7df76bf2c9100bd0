"""One grading run, inside a freshly forked child of the worker.

The child becomes its own process group leader (so a timeout kills everything the
candidate's code started), sends stdin/stdout/stderr to /dev/null (pytest captures each
check's output itself), limits its address space, and runs the grader module with pytest:
the checks are collected and the plan sent, the grading machinery snapshotted
(grader.guard.tamper), and only then the candidate's module imported. JSON events go down
`result_fd`, each carrying the run's secret `key` (the worker drops the run as tampered on
a line without it):

    {"event": "plan", "tests": [meta...]}      checks collected, in file order (sent once)
    {"event": "start", "id": nodeid}           a check begins
    {"event": "ran", "id": nodeid}             the check's function returned: it really ran
    {"event": "test", "id": nodeid, "entry": {...}}
    {"event": "memory", "id": nodeid}          a check hit the memory limit: stop the run
    {"event": "tampered", "what": "..."}       the grading machinery was modified
    {"event": "import_error", "message": "...", "memory": bool}
    {"event": "end"}                           pytest finished normally
"""

from __future__ import annotations

import functools
import json
import os
import re
import resource
import sys
import traceback
from pathlib import Path

GRADER_INI = Path(__file__).with_name("pytest.ini")
_exit = os._exit  # bound before the candidate's code could replace os._exit
MEMORY_MARKERS = ("can't allocate memory", "DefaultCPUAllocator", "CUDA out of memory", "out of memory")


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


def _memory_error(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from or while handling, is running
    out of memory (also when a `raising()` helper turned it into an assertion message)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, MemoryError) or (
            isinstance(exc, RuntimeError) and any(m in str(exc) for m in MEMORY_MARKERS)
        ) or (isinstance(exc, AssertionError) and re.search(r"\bMemoryError\b", str(exc))):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _user_frame(tb, impl_file: str) -> str:
    """'file.py:LINE' of the deepest traceback frame in the candidate's file, or ''."""
    where = ""
    for frame in traceback.extract_tb(tb):
        if os.path.realpath(frame.filename) == impl_file:
            where = f"{Path(frame.filename).name}:{frame.lineno}"
    return where


def describe_exception(exc: BaseException, impl_file: str) -> tuple[str, str | None]:
    """One-line summary of an exception raised in a check, and its cause tag."""
    where = _user_frame(exc.__traceback__, impl_file)
    at = f" (at {where})" if where else ""
    if _memory_error(exc):
        return f"memory limit exceeded{at}: {type(exc).__name__}", "memory"
    if isinstance(exc, AssertionError):
        if exc.args and isinstance(exc.args[0], str) and isinstance(getattr(exc.args[0], "zh", None), str):
            return exc.args[0], None  # the message in both languages (grader.authoring.checks.say)
        text = str(exc).strip() or "the check's expectation was not met"
        return text, None
    raised = re.match(r"DID NOT RAISE <class '(?:[\w.]+\.)?(\w+)'>", str(getattr(exc, "msg", "")))
    if raised:
        return f"expected {raised.group(1)} to be raised, but the call returned normally", None
    if isinstance(exc, NotImplementedError):
        func = ""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == impl_file]
        if frames:
            func = f"`{frames[-1].name}` "
        where = f" at {where}" if where else ""
        return f"{func}is not implemented yet (NotImplementedError{where})", None
    if isinstance(exc, SystemExit):
        return f"your code called sys.exit({exc.code!r}){at}: a grader never counts that as a pass", "sys.exit"
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}{at}", None


def source_pointer(exc: SyntaxError) -> str:
    """The offending line and a caret under the error, as Python prints them: two more
    lines ("" when the source line is unknown). The line is dedented and indented by
    four; the caret counts wide (Chinese) characters as two columns."""
    import unicodedata

    if not exc.text or not exc.text.strip():
        return ""
    raw = exc.text.rstrip("\r\n").expandtabs(1)
    line = raw.lstrip()
    start = max(0, (exc.offset or 1) - 1 - (len(raw) - len(line)))
    same_line = exc.end_lineno in (None, exc.lineno) and exc.end_offset and exc.end_offset > (exc.offset or 1)
    width = min(exc.end_offset - exc.offset, max(1, len(line) - start)) if same_line else 1

    def cells(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    caret = " " * cells(line[:start]) + "^" * max(1, cells(line[start:start + width]))
    return f"\n    {line}\n    {caret}"


def describe_import_error(exc: BaseException, impl_file: str) -> str:
    name = Path(impl_file).name
    if _memory_error(exc):
        return f"memory limit exceeded while importing {name}"
    if isinstance(exc, SyntaxError):
        where = f"{Path(exc.filename or name).name}:{exc.lineno}"
        return f"{type(exc).__name__} in {where}: {exc.msg}" + source_pointer(exc)
    if isinstance(exc, SystemExit):
        where = _user_frame(exc.__traceback__, impl_file) or name
        return f"{name} called sys.exit({exc.code!r}) while being imported ({where})"
    where = _user_frame(exc.__traceback__, impl_file) or name
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{name} failed to import: {type(exc).__name__}: {first} ({where})"


def _confirmed(fn, emit: Emitter, nodeid: str):
    """`fn`, reporting that it returned: a pass the worker counts needs this event."""

    @functools.wraps(fn)
    def check(*args, **kwargs):
        result = fn(*args, **kwargs)
        emit({"event": "ran", "id": nodeid})
        return result

    return check


class Reporter:
    """pytest plugin that turns each check's outcome into a schema entry. Once the checks
    are collected it sends the plan, snapshots the grading machinery, then imports the
    candidate's module; it verifies the snapshot after the import and after each check."""

    def __init__(self, emit: Emitter, impl_file: str, only: str | None = None):
        self.emit = emit
        self.impl_file = impl_file
        self.only = only
        self.meta: dict[str, dict] = {}
        self.partial: dict[str, dict] = {}
        self.changed = None

    def _verify(self) -> None:
        what = self.changed()
        if what:
            self.emit({"event": "tampered", "what": ", ".join(what[:3]) + (", …" if len(what) > 3 else "")})
            _exit(0)

    @staticmethod
    def _meta(item) -> dict:
        from grader.authoring.checks import check_of

        check = check_of(getattr(item, "function", None))
        suffix = f" [{item.callspec.id}]" if hasattr(item, "callspec") else ""
        if check is None:
            return {"id": item.nodeid, "name": item.name, "level": "basic", "points": 1, "hint": "", "hidden": False}
        meta = {
            "id": item.nodeid,
            "name": check.title + suffix,
            "level": check.level,
            "points": check.points,
            "hint": check.hint,
            "hidden": check.hidden,
        }
        if check.title_zh or check.hint_zh:
            meta["zh"] = {"name": (check.title_zh or check.title) + suffix, "hint": check.hint_zh or check.hint}
        return meta

    def pytest_collection_modifyitems(self, config, items):
        for item in items:
            self.meta[item.nodeid] = self._meta(item)
        if self.only:
            keep = [i for i in items if self.only.lower() in self.meta[i.nodeid]["name"].lower()]
            config.hook.pytest_deselected(items=[i for i in items if i not in keep])
            items[:] = keep
        self.emit({"event": "plan", "tests": [self.meta[i.nodeid] for i in items]})
        for item in items:
            item.obj = _confirmed(item.obj, self.emit, item.nodeid)
        from grader.run import plugin
        from grader.guard import tamper

        modules = list({id(i.module): i.module for i in items if getattr(i, "module", None)}.values())
        self.changed = tamper.snapshot(config, modules)
        try:
            plugin.load_impl(Path(self.impl_file))
        except BaseException as exc:  # the candidate's import may raise anything
            self.emit({"event": "import_error", "message": describe_import_error(exc, self.impl_file),
                       "memory": _memory_error(exc)})
            _exit(0)
        self._verify()

    def pytest_collectreport(self, report):
        if report.failed:
            self.emit({"event": "collect_error", "message": str(report.longrepr).strip().splitlines()[-1]})

    def pytest_runtest_logstart(self, nodeid, location):
        self.emit({"event": "start", "id": nodeid})

    def pytest_runtest_makereport(self, item, call):
        state = self.partial.setdefault(item.nodeid, {"status": "pass", "message": "", "cause": None, "duration": 0.0, "output": []})
        state["duration"] += call.duration
        if call.excinfo is None or state["status"] != "pass":
            return
        exc = call.excinfo.value
        import pytest

        where = _user_frame(exc.__traceback__, self.impl_file)
        if isinstance(exc, pytest.skip.Exception) and not where:
            state["status"], state["message"] = "skip", str(exc)
            return
        if isinstance(exc, pytest.skip.Exception):
            message, cause = f"your code skipped the check (at {where}): a grader never counts that as a pass", None
        else:
            message, cause = describe_exception(exc, self.impl_file)
        state["cause"] = cause
        state["message"] = message
        if call.when != "call" or cause in ("sys.exit", "memory"):
            state["status"] = "error"
        else:
            state["status"] = "fail"
        if cause == "memory":
            self.emit({"event": "memory", "id": item.nodeid})

    def pytest_runtest_logreport(self, report):
        state = self.partial.get(report.nodeid)
        if state is None:
            return
        if report.when != "teardown":
            return
        self._verify()
        state["output"] = [text for _, text in report.sections]
        from grader.results import test_entry

        entry = test_entry(self.meta[report.nodeid], state["status"], state["message"], state["duration"], "".join(state["output"]))
        if state["cause"]:
            entry["cause"] = state["cause"]
        self.emit({"event": "test", "id": report.nodeid, "entry": entry})


def _limit_memory(memory_mb: int) -> None:
    """Cap new address space at the current size plus `memory_mb` (CPU runs only:
    CUDA reserves huge virtual ranges)."""
    with open("/proc/self/statm") as f:
        current = int(f.read().split()[0]) * resource.getpagesize()
    limit = current + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_worker() -> None:
    """Ask Linux to kill this process if the worker that forked it dies first."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _silence_stdio(result_fd: int) -> None:
    """/dev/null for stdin, stdout and stderr; every other inherited descriptor but
    `result_fd` closed, so the candidate cannot write to the worker's own protocol pipe."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    os.closerange(3, result_fd)
    os.closerange(result_fd + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def run(job: dict, result_fd: int, key: str) -> None:
    """Grade in this (forked) process and exit; never returns. `key` signs every event."""
    code = 0
    try:
        os.setpgid(0, 0)
        _die_with_worker()
        _silence_stdio(result_fd)
        emit = Emitter(result_fd, key)
        if job["device"] == "cpu" and job.get("memory_mb"):
            _limit_memory(job["memory_mb"])
        impl_file = os.path.realpath(job["impl_file"])
        import pytest

        args = [
            job["grader_file"],
            "-c", str(GRADER_INI),
            "--rootdir", str(Path(job["grader_file"]).parent),
            "-p", "grader.run.plugin",
            "-p", "no:cacheprovider",
            "-p", "no:unraisableexception",
            "-p", "no:threadexception",
            "-p", "no:faulthandler",
            "-p", "no:randomly",
            "-p", "no:logging",
            "-p", "no:warnings",
            "-p", "no:junitxml",
            "-p", "no:doctest",
            "-p", "no:pastebin",
            "-p", "no:stepwise",
            "-p", "no:legacypath",
            "--assert=plain",
            "-q",
            "--impl-file", impl_file,
            "--device", job["device"],
        ]
        if job.get("failfast"):
            args.append("-x")
        pytest.main(args, plugins=[Reporter(emit, impl_file, job.get("only"))])
        emit({"event": "end"})
    except MemoryError:
        code = 70
        emit({"event": "memory", "id": None})
    except BaseException:
        code = 70
    finally:
        sys.stdout.flush()
        _exit(code)
