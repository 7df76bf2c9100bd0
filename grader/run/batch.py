"""Batch grading: the jobs of a folder of submissions and the results file they fill.

A submissions folder holds one subfolder per submission (its name is the submission's
id), each with some of the exercise files (NAME.py). A missing file is "not submitted",
not an error. Every finished grading becomes one line of OUT/results.jsonl: the result
schema (grader.results) plus "submission" and "sha256" (of the graded file). A line is
written whole, flushed and synced before the next, so after a crash the file holds only
complete results (a torn last line is dropped when the file is opened again), and
`pending()` leaves out every job that already has its line: re-running resumes.

Imports neither torch nor pytest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from grader import registry

RESULTS_FILE = "results.jsonl"


class BatchError(ValueError):
    """Bad input for a batch: one line for the user."""


@dataclass(frozen=True)
class BatchJob:
    submission: str
    exercise: str
    path: Path  # the submission's folder
    sha256: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.submission, self.exercise, self.sha256

    @property
    def file(self) -> Path:
        return self.path / registry.get(self.exercise).filename

    def source(self) -> bytes:
        return self.file.read_bytes()

    def error_result(self, message: str) -> dict:
        from grader.results import assemble

        return assemble(exercise=self.exercise, impl=str(self.path), device="cpu", duration_s=0.0, plan=[],
                        done={}, verdict="crash", verdict_message=message)


@dataclass(frozen=True)
class Batch:
    submissions: list[str]
    exercises: list[str]
    jobs: list[BatchJob]
    missing: list[tuple[str, str]]  # (submission, exercise) with no file
    skipped: list[str]  # entries of the folder that are not submissions


def _check_name(name: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 or 0xDC80 <= ord(c) <= 0xDCFF for c in name):
        raise BatchError(f"submission folder {name!r} has control characters or undecodable bytes in its name: rename it")


def _sha256(file: Path) -> str:
    """The file's SHA-256; "" for a file that cannot be read (its job says why when graded)."""
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError:
        return ""


def discover(root: Path, exercises: Iterable[str]) -> Batch:
    """The jobs for `exercises` in the submissions folder `root`, sorted by submission."""
    root = Path(root)
    if not root.exists():
        raise BatchError(f"{root}: no such folder")
    if not root.is_dir():
        raise BatchError(f"{root} is a file: pass the folder that holds one subfolder per submission")
    exercises = list(exercises)
    entries = sorted(root.iterdir(), key=lambda p: p.name)
    folders = [p for p in entries if p.is_dir() and not p.name.startswith(".")]
    skipped = [p.name for p in entries if p not in folders and not p.name.startswith(".")]
    if not folders:
        raise BatchError(f"{root} has no submission folders: put each submission in its own subfolder "
                         f"(e.g. {root}/alice/freezing.py)")
    for folder in folders:
        _check_name(folder.name)
    jobs, missing = [], []
    for folder in folders:
        for name in exercises:
            file = folder / registry.get(name).filename
            if file.is_file():
                jobs.append(BatchJob(folder.name, name, folder.resolve(), _sha256(file)))
            else:
                missing.append((folder.name, name))
    if not jobs:
        raise BatchError(f"no submission in {root} has any of the files {', '.join(registry.get(n).filename for n in exercises)}")
    return Batch([f.name for f in folders], exercises, jobs, missing, skipped)


class ResultsFile:
    """OUT/results.jsonl: append-only, one complete line per graded job."""

    def __init__(self, out: Path):
        self.path = Path(out) / RESULTS_FILE

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def load(self) -> list[dict]:
        """Every complete line; a torn last line (a crash mid-write) is cut off the file."""
        if not self.path.is_file():
            return []
        data = self.path.read_bytes()
        rows, good = [], 0
        for line in data.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break
            try:
                rows.append(json.loads(line))
            except ValueError:
                break
            good += len(line)
        if good < len(data):
            with open(self.path, "r+b") as f:
                f.truncate(good)
        return rows

    def pending(self, batch: Batch) -> list[BatchJob]:
        have = {(r["submission"], r["exercise"], r["sha256"]) for r in self.load()}
        return [job for job in batch.jobs if job.key not in have]

    def append(self, job: BatchJob, result: dict) -> dict:
        row = {"submission": job.submission, "sha256": job.sha256, **result}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        finally:
            os.close(fd)
        return row


def latest(rows: list[dict], batch: Batch) -> dict[tuple[str, str], dict]:
    """(submission, exercise) -> the result line for the file as it is now."""
    current = {(j.submission, j.exercise): j.sha256 for j in batch.jobs}
    found = {}
    for row in rows:
        key = (row["submission"], row["exercise"])
        if current.get(key) == row["sha256"]:
            found[key] = row
    return found
