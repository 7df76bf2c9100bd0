"""Attempts: every grading of the user's own workspace file, with a snapshot of the file
(stored once per content hash) and its result; diffs between attempts and against the
reference solution. No torch, no UI."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

from grader import registry
from quiz.storage.locations import PACKAGED_SOLUTIONS
from quiz.learning import standing
from quiz.learning.standing import HASH_KEY
from quiz.storage.store import Store
from quiz.storage.userfile import UnreadableFile, read_bytes


def read_snapshot(path: Path) -> str | None:
    """The file's text as graded, read before grading; None when it cannot be read or is
    too big to keep as an attempt (quiz.storage.userfile.MAX_BYTES)."""
    try:
        return read_bytes(path).decode("utf-8", errors="replace")
    except UnreadableFile:
        return None


def record(store: Store, result: dict, code: str | None, sha256: str | None = None) -> int:
    """Record a grading of the workspace file whose text was `code` (None: a grading of
    another folder, no snapshot): the run, its snapshot, and the file's hash `sha256`
    (hashed from `code` when not given), which quiz.learning.standing uses to tell an unchanged file."""
    if code is None:
        return standing.record_run(store, result, sha256)
    sha = sha256 or hashlib.sha256(code.encode("utf-8")).hexdigest()
    return store.record_run(dict(result, **{HASH_KEY: sha}), code=code)


def grade_and_record(grader, store: Store | None, exercise: str, folder: Path, **grade_options) -> dict:
    """Grade `folder`'s file of `exercise` with `grader` (a grader.run.engine.Grader:
    its sandbox, its verdicts) and, given a store, record the run as an attempt with the
    file's text as it was when grading started. `grade_options` go to Grader.grade."""
    code = read_snapshot(Path(folder) / registry.get(exercise).filename) if store is not None else None
    result = grader.grade(exercise, folder, **grade_options)
    if store is not None:
        record(store, result, code)
    return result


def previous(attempts: list[dict], index: int) -> dict | None:
    """The attempt before `attempts[index]` (attempts most recent first)."""
    return attempts[index + 1] if index + 1 < len(attempts) else None


def last_passing(attempts: list[dict]) -> dict | None:
    return next((a for a in attempts if a["status"] == "pass"), None)


def solution_text(exercise: str) -> str:
    return (PACKAGED_SOLUTIONS / registry.get(exercise).filename).read_text(encoding="utf-8")


def unified(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm=""))


def side_by_side(old: str, new: str) -> list[tuple[str, str, str]]:
    """Aligned rows (tag, left, right): tag is ' ' same, '-' only left, '+' only right,
    '~' changed."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [(" ", a[i], b[j]) for i, j in zip(range(i1, i2), range(j1, j2))]
        elif tag == "delete":
            rows += [("-", a[i], "") for i in range(i1, i2)]
        elif tag == "insert":
            rows += [("+", "", b[j]) for j in range(j1, j2)]
        else:
            left, right = a[i1:i2], b[j1:j2]
            for k in range(max(len(left), len(right))):
                rows.append(("~", left[k] if k < len(left) else "", right[k] if k < len(right) else ""))
    return rows
