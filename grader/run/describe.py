"""One-line summaries of what went wrong in a grading run: an exception raised in a
check, or while importing the candidate's module, with the candidate's file:line."""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path

MEMORY_MARKERS = ("can't allocate memory", "DefaultCPUAllocator", "CUDA out of memory", "out of memory")


def memory_error(exc: BaseException | None) -> bool:
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


def user_frame(tb, impl_file: str) -> str:
    """'file.py:LINE' of the deepest traceback frame in the candidate's file, or ''."""
    where = ""
    for frame in traceback.extract_tb(tb):
        if os.path.realpath(frame.filename) == impl_file:
            where = f"{Path(frame.filename).name}:{frame.lineno}"
    return where


def describe_exception(exc: BaseException, impl_file: str) -> tuple[str, str | None]:
    """One-line summary of an exception raised in a check, and its cause tag."""
    where = user_frame(exc.__traceback__, impl_file)
    at = f" (at {where})" if where else ""
    if memory_error(exc):
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
    if memory_error(exc):
        return f"memory limit exceeded while importing {name}"
    if isinstance(exc, SyntaxError):
        where = f"{Path(exc.filename or name).name}:{exc.lineno}"
        return f"{type(exc).__name__} in {where}: {exc.msg}" + source_pointer(exc)
    if isinstance(exc, SystemExit):
        where = user_frame(exc.__traceback__, impl_file) or name
        return f"{name} called sys.exit({exc.code!r}) while being imported ({where})"
    where = user_frame(exc.__traceback__, impl_file) or name
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{name} failed to import: {type(exc).__name__}: {first} ({where})"
