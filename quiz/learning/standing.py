"""Where the learner stands on each exercise: one definition for home, progress, CLI and
reports. No torch, no UI.

An exercise is **passed** when the file in the active workspace passes every check: its
latest grading run *for this workspace* passed, and the file is unchanged since (same
SHA-256 as the graded file when the run stored one, else not modified after the run).
It is **failing** when it was graded and is not passed (an edited file counts as failing,
with `edited` set, until it is graded again), and **not started** when this workspace's
file was never graded. Its **points** are those of that latest run while the file is
unchanged (0 otherwise), out of the registry's points for the exercise. Runs of other
folders (`grade --impl DIR`, interviews) never count.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader import registry

HASH_KEY = "source_sha256"
GLYPHS = {"passed": "✓", "failing": "✗", "not started": "—"}
EDITED_GLYPH = "✎"
WORDS = {
    "passed": {"en": "passed", "zh": "已通过"},
    "failing": {"en": "failing {failed} of {total}", "zh": "{total} 项中 {failed} 项未通过"},
    "not started": {"en": "not started", "zh": "未开始"},
    "edited": {"en": "edited since graded", "zh": "改动后尚未评测"},
}


@dataclass(frozen=True)
class ExerciseState:
    exercise: str
    state: str  # "not started" | "failing" | "passed"
    passed: int = 0  # checks passed in the latest run of this workspace's file
    total: int = 0  # checks in that run
    points: int = 0
    max_points: int = 0
    edited: bool = False  # the file changed after its latest run

    def label(self, lang: str = "en") -> str:
        """Compact and language-neutral: "freezing ✗ 0/42", "heads —", "transfer_rate ✓ 30/30",
        "lora ✎ 12/20" (edited since graded). `lang` is accepted for symmetry with `words`."""
        if self.state == "not started":
            return f"{self.exercise} {GLYPHS['not started']}"
        glyph = EDITED_GLYPH if self.edited else GLYPHS[self.state]
        return f"{self.exercise} {glyph} {self.passed}/{self.total}"

    def words(self, lang: str = "en") -> str:
        """The state in words: "passed", "failing 3 of 42", "edited since graded"…"""
        if self.edited:
            return WORDS["edited"][lang]
        return WORDS[self.state][lang].format(failed=self.total - self.passed, total=self.total)


@dataclass(frozen=True)
class Totals:
    passed: int
    exercises: int
    points: int
    max_points: int


def source_hash(path: Path) -> str | None:
    """SHA-256 of the file's text as UTF-8 (as quiz.learning.history stores it), None if unreadable."""
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def graded_file(result: dict) -> Path:
    impl = Path(result["impl"])
    return impl if impl.suffix == ".py" else impl / registry.get(result["exercise"]).filename


def record_run(store, result: dict, sha256: str | None = None) -> int:
    """Record `result` in the store with the graded file's hash (pass the hash taken
    before grading; without one the file is hashed now). The result itself is not changed."""
    if sha256 is None:
        sha256 = source_hash(graded_file(result))
    return store.record_run(dict(result, **{HASH_KEY: sha256}) if sha256 else result)


def _same_folder(impl: str, workspace: Path) -> bool:
    path = Path(impl).expanduser()
    if path.suffix == ".py":
        path = path.parent
    try:
        return path.resolve() == workspace
    except OSError:
        return False


def _parse_time(text: str) -> float:
    stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


def _unchanged(row, file: Path) -> bool:
    stored = json.loads(row["result"]).get(HASH_KEY)
    if stored:
        return source_hash(file) == stored
    try:
        # created_at has whole seconds and is written after grading ends.
        return file.stat().st_mtime < _parse_time(row["created_at"]) + 1
    except (OSError, ValueError):
        return False


def _latest_row(store, folder: Path, exercise: str):
    rows = store.db.execute("SELECT * FROM runs WHERE exercise = ? ORDER BY id DESC", (exercise,))
    return next((r for r in rows if _same_folder(r["impl"], folder)), None)


def latest_run(store, folder: Path, exercise: str) -> dict | None:
    """The latest grading of the file of `exercise` in `folder` (a workspace or an
    interview's folder; gradings of other folders never count): its columns with `result`
    parsed, or None when that file was never graded."""
    row = _latest_row(store, Path(folder).expanduser().resolve(), exercise)
    return dict(row) | {"result": json.loads(row["result"])} if row is not None else None


def exercise_state(store, workspace: Path, exercise: str) -> ExerciseState:
    ex = registry.get(exercise)
    workspace = Path(workspace).expanduser().resolve()
    row = _latest_row(store, workspace, exercise)
    if row is None:
        return ExerciseState(exercise, "not started", max_points=ex.points)
    file = workspace / ex.filename
    if not _unchanged(row, file):
        return ExerciseState(exercise, "failing", row["passed"], row["total"], 0, ex.points, edited=True)
    state = "passed" if row["status"] == "pass" else "failing"
    return ExerciseState(exercise, state, row["passed"], row["total"], row["points"], ex.points)


def workspace_runs(store, workspace: Path, exercise: str | None = None) -> list[dict]:
    """The gradings of the files in `workspace`, most recent first (the run's columns,
    without its result): what counts for an exercise. Gradings of other folders
    (interviews, `grade --impl`) are left out."""
    workspace = Path(workspace).expanduser().resolve()
    query = ("SELECT id, exercise, impl, device, status, passed, failed, total, points, max_points, duration_s,"
             " created_at FROM runs" + (" WHERE exercise = ?" if exercise else "") + " ORDER BY id DESC")
    rows = store.db.execute(query, (exercise,) if exercise else ())
    return [dict(row) for row in rows if _same_folder(row["impl"], workspace)]


def exercise_states(store, workspace: Path) -> dict[str, ExerciseState]:
    """Every registry exercise, in registry order, for the files in `workspace`."""
    return {name: exercise_state(store, workspace, name) for name in registry.names()}


def totals(states: dict[str, ExerciseState]) -> Totals:
    values = list(states.values())
    return Totals(passed=sum(s.state == "passed" for s in values), exercises=len(values),
                  points=sum(s.points for s in values), max_points=sum(s.max_points for s in values))
