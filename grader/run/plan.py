"""A grader's plan: its checks in file order, each with the name, points, level, hint,
hidden flag and Chinese name and hint the worker reports and scores. The worker
collects it once per grader file and device in a trusted forked child that never sees
candidate code, and caches it; a run's child only reports outcomes for planned ids.

`pytest_args()` is the one command line of both that collection and the runs, so their
node ids agree: no conftest.py is ever loaded (a submission that managed to write one
could otherwise hook every later run), no plugin autoloading, no cache.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

GRADER_INI = Path(__file__).with_name("pytest.ini")
_CACHE: dict[tuple, tuple[list[dict], str | None]] = {}


def pytest_args(grader_file: str, device: str) -> list[str]:
    args = [grader_file, "-c", str(GRADER_INI), "--rootdir", str(Path(grader_file).parent), "--noconftest",
            "-p", "grader.run.plugin"]
    for plugin in ("cacheprovider", "unraisableexception", "threadexception", "faulthandler", "randomly", "logging",
                   "warnings", "junitxml", "doctest", "pastebin", "stepwise", "legacypath"):
        args += ["-p", f"no:{plugin}"]
    return args + ["--assert=plain", "-q", "--device", device]


def meta(item) -> dict:
    """A collected item's entry in the plan."""
    from grader.authoring.checks import check_of

    check = check_of(getattr(item, "function", None))
    suffix = f" [{item.callspec.id}]" if hasattr(item, "callspec") else ""
    if check is None:
        return {"id": item.nodeid, "name": item.name, "level": "basic", "points": 1, "hint": "", "hidden": False}
    entry = {"id": item.nodeid, "name": check.title + suffix, "level": check.level, "points": check.points,
             "hint": check.hint, "hidden": check.hidden}
    if check.title_zh or check.hint_zh:
        entry["zh"] = {"name": (check.title_zh or check.title) + suffix, "hint": check.hint_zh or check.hint}
    return entry


class _Planner:
    def __init__(self) -> None:
        self.plan: list[dict] = []
        self.error: str | None = None

    def pytest_collection_modifyitems(self, items):
        self.plan = [meta(item) for item in items]

    def pytest_collectreport(self, report):
        if report.failed and self.error is None:
            self.error = str(report.longrepr).strip().splitlines()[-1]


def _collect_here(grader_file: str, device: str, out: int) -> None:
    import pytest

    planner = _Planner()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    pytest.main(pytest_args(grader_file, device) + ["--collect-only"], plugins=[planner])
    data = json.dumps({"plan": planner.plan, "error": planner.error}).encode()
    while data:
        data = data[os.write(out, data):]


def collect(grader_file: str, device: str) -> tuple[list[dict], str | None]:
    """(plan, None), or ([], why) when the grader cannot be collected."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            _collect_here(grader_file, device, w)
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    try:
        found = json.loads(data)
    except ValueError:
        return [], "collecting the checks failed"
    return found["plan"], found["error"]


def plan_for(grader_file: str, device: str) -> tuple[list[dict], str | None]:
    """The cached plan of `grader_file` (collected again when the file changes)."""
    try:
        st = os.stat(grader_file)
    except OSError:
        return [], f"{grader_file}: no such grader"
    key = (grader_file, device, st.st_mtime_ns, st.st_size)
    if key not in _CACHE:
        _CACHE[key] = collect(grader_file, device)
    return _CACHE[key]


def only(plan: list[dict], text: str | None) -> list[dict]:
    """The checks whose name contains `text` (case-insensitive); all without it."""
    if not text:
        return plan
    return [m for m in plan if text.lower() in m["name"].lower()]
