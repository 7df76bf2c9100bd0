"""Progress in SQLite: grading runs with per-check results and attempt snapshots (the
graded file, stored once per content hash), reviews (undoable: each keeps the card it
replaced), FSRS cards, ticked key points, settings, mock-interview reports. Knows no torch
and no UI.

Schema versioned by `PRAGMA user_version` with forward-only migrations; WAL journal; every
write in its own transaction, so killing the app loses at most the action in flight. A
corrupt database, or one written by a newer version, is moved aside (never deleted) and a
fresh one started; `Store.notice` then says what happened.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from quiz.storage.locations import database_file

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        exercise TEXT NOT NULL,
        impl TEXT NOT NULL,
        device TEXT NOT NULL,
        status TEXT NOT NULL,
        passed INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        total INTEGER NOT NULL,
        points INTEGER NOT NULL,
        max_points INTEGER NOT NULL,
        duration_s REAL NOT NULL,
        created_at TEXT NOT NULL,
        result TEXT NOT NULL
    );
    CREATE INDEX runs_by_exercise ON runs (exercise, id);
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        question INTEGER NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('again', 'hard', 'good', 'easy')),
        points_ticked INTEGER NOT NULL,
        points_total INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        log TEXT
    );
    CREATE TABLE cards (
        question INTEGER PRIMARY KEY,
        card TEXT NOT NULL,
        due TEXT NOT NULL
    );
    CREATE INDEX reviews_by_question ON reviews (question, id);
    CREATE TABLE ticks (
        question INTEGER NOT NULL,
        point INTEGER NOT NULL,
        PRIMARY KEY (question, point)
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE interviews (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        score REAL NOT NULL,
        config TEXT NOT NULL,
        report TEXT NOT NULL
    );
    """,
    # Undo of a rating (the card before it and the ticks it cleared; reviews recorded
    # before this migration cannot be undone), and attempt snapshots: each grading of the
    # user's own workspace points at the graded file's content, stored once per hash.
    """
    ALTER TABLE reviews ADD COLUMN undoable INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE reviews ADD COLUMN card_before TEXT;
    ALTER TABLE reviews ADD COLUMN ticked TEXT;
    CREATE TABLE snapshots (
        sha TEXT PRIMARY KEY,
        code TEXT NOT NULL
    );
    ALTER TABLE runs ADD COLUMN snapshot TEXT REFERENCES snapshots (sha);
    CREATE INDEX reviews_by_time ON reviews (created_at);
    CREATE INDEX runs_by_time ON runs (created_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
RATINGS = ("again", "hard", "good", "easy")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExerciseStatus:
    state: str  # "not started", "failing" or "passed"
    passed: int = 0
    total: int = 0

    def label(self) -> str:
        if self.state == "failing":
            return f"failing {self.total - self.passed} of {self.total}"
        return self.state


class Store:
    def __init__(self, path: Path | None = None):
        self.path = Path(path or database_file())
        self.notice: str | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = self._open()

    # ---- opening and migrating ----------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.close()
                return self._start_fresh(f"was written by a newer transferlings (schema {version} > {SCHEMA_VERSION})", "newer")
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                db.close()
                return self._start_fresh("failed its integrity check", "corrupt")
            self._migrate(db, version)
            return db
        except sqlite3.DatabaseError as e:
            return self._start_fresh(f"could not be read ({e})", "corrupt")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=5)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def _start_fresh(self, why: str, tag: str) -> sqlite3.Connection:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.{tag}-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                src.replace(Path(str(aside) + suffix))
        self.notice = f"Your progress database {why}; it was moved to {aside} and a fresh one started."
        db = self._connect()
        self._migrate(db, 0)
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection, version: int) -> None:
        for target in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # ---- grading runs -------------------------------------------------------------------

    def record_run(self, result: dict, *, at: str | None = None, code: str | None = None) -> int:
        """Keep a grading result; with `code` (the graded file's text, for gradings of the
        user's own workspace) also an attempt snapshot, its text stored once per hash."""
        with self.transaction() as db:
            sha = None
            if code is not None:
                sha = hashlib.sha256(code.encode("utf-8")).hexdigest()
                db.execute("INSERT OR IGNORE INTO snapshots (sha, code) VALUES (?, ?)", (sha, code))
            cur = db.execute(
                "INSERT INTO runs (exercise, impl, device, status, passed, failed, total, points, max_points,"
                " duration_s, created_at, result, snapshot) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (result["exercise"], result["impl"], result["device"], result["status"], result["passed"],
                 result["failed"], len(result["tests"]), result["points"], result["max_points"],
                 result["duration_s"], at or now(), json.dumps(result, ensure_ascii=False), sha),
            )
            return cur.lastrowid

    def attempts(self, exercise: str, limit: int = 200) -> list[dict]:
        """Gradings of the user's own file, most recent first: the run's columns, its
        `result` parsed and the graded `code`."""
        rows = self.db.execute(
            "SELECT runs.*, snapshots.code AS code FROM runs JOIN snapshots ON snapshots.sha = runs.snapshot"
            " WHERE runs.exercise = ? ORDER BY runs.id DESC LIMIT ?", (exercise, limit))
        return [dict(row) | {"result": json.loads(row["result"])} for row in rows]

    def runs(self, exercise: str | None = None, limit: int = 50) -> list[dict]:
        """Most recent first; each row's columns plus `result` parsed."""
        query = "SELECT * FROM runs" + (" WHERE exercise = ?" if exercise else "") + " ORDER BY id DESC LIMIT ?"
        params = (exercise, limit) if exercise else (limit,)
        return [dict(row) | {"result": json.loads(row["result"])} for row in self.db.execute(query, params)]

    def best_run(self, exercise: str) -> dict | None:
        row = self.db.execute(
            "SELECT * FROM runs WHERE exercise = ? ORDER BY (status = 'pass') DESC, points DESC, passed DESC, id DESC LIMIT 1",
            (exercise,),
        ).fetchone()
        return dict(row) | {"result": json.loads(row["result"])} if row else None

    def exercise_status(self, exercise: str) -> ExerciseStatus:
        """From the latest run: not started / failing k of n / passed."""
        row = self.db.execute(
            "SELECT status, passed, total FROM runs WHERE exercise = ? ORDER BY id DESC LIMIT 1", (exercise,)
        ).fetchone()
        if row is None:
            return ExerciseStatus("not started")
        if row["status"] == "pass":
            return ExerciseStatus("passed", row["passed"], row["total"])
        return ExerciseStatus("failing", row["passed"], row["total"])

    # ---- reviews and key points ---------------------------------------------------------

    def record_review(self, question: int, rating: str, points_ticked: int, points_total: int,
                      *, card: str | None = None, due: str | None = None, log: str | None = None,
                      at: str | None = None, card_before: str | None = None, ticked: list[int] | None = None,
                      replaces: int | None = None) -> int:
        """Record a review and, with `card` (FSRS card JSON) and its `due` time, the
        question's new schedule, in one transaction. `card_before` (None: a new card) and
        `ticked` (the key points ticked, then cleared) make it undoable; `replaces` deletes
        that earlier review in the same transaction (a changed rating of the same showing)."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        with self.transaction() as db:
            if replaces is not None:
                db.execute("DELETE FROM reviews WHERE id = ?", (replaces,))
            if card is not None:
                db.execute("INSERT INTO cards (question, card, due) VALUES (?, ?, ?) ON CONFLICT(question)"
                           " DO UPDATE SET card = excluded.card, due = excluded.due", (question, card, due))
            if ticked is not None:
                db.execute("DELETE FROM ticks WHERE question = ?", (question,))
            return db.execute(
                "INSERT INTO reviews (question, rating, points_ticked, points_total, created_at, log, undoable,"
                " card_before, ticked) VALUES (?,?,?,?,?,?,?,?,?)",
                (question, rating, points_ticked, points_total, at or now(), log, int(card is not None),
                 card_before, json.dumps(sorted(ticked)) if ticked is not None else None),
            ).lastrowid

    def review(self, review_id: int) -> dict | None:
        row = self.db.execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()
        return dict(row) if row else None

    def last_review(self) -> dict | None:
        row = self.db.execute("SELECT * FROM reviews ORDER BY id DESC LIMIT 1").fetchone()
        return dict(row) if row else None

    def undo_review(self, review_id: int) -> dict:
        """Delete a review and put back the card and ticked key points it replaced; returns
        the deleted row. ValueError if it is gone or was recorded before undo existed."""
        with self.transaction() as db:
            row = db.execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()
            if row is None or not row["undoable"]:
                raise ValueError("that rating cannot be undone")
            question = row["question"]
            if row["card_before"] is None:
                db.execute("DELETE FROM cards WHERE question = ?", (question,))
            else:
                due = json.loads(row["card_before"])["due"]
                db.execute("UPDATE cards SET card = ?, due = ? WHERE question = ?", (row["card_before"], due, question))
            if row["ticked"] is not None:
                db.execute("DELETE FROM ticks WHERE question = ?", (question,))
                db.executemany("INSERT INTO ticks (question, point) VALUES (?, ?)",
                               [(question, p) for p in json.loads(row["ticked"])])
            db.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
            return dict(row)

    def first_reviews(self) -> dict[int, str]:
        """Question -> time of its first review (when it stopped being new)."""
        rows = self.db.execute("SELECT question, MIN(created_at) AS at FROM reviews GROUP BY question")
        return {r["question"]: r["at"] for r in rows}

    def activity_times(self) -> list[tuple[str, str]]:
        """(kind, ISO time) of every review, grading and interview, oldest first."""
        rows = self.db.execute(
            "SELECT 'review' AS kind, created_at AS at FROM reviews UNION ALL SELECT 'grading', created_at FROM runs"
            " UNION ALL SELECT 'interview', started_at FROM interviews ORDER BY at")
        return [(r["kind"], r["at"]) for r in rows]

    def card(self, question: int) -> str | None:
        row = self.db.execute("SELECT card FROM cards WHERE question = ?", (question,)).fetchone()
        return row["card"] if row else None

    def due_times(self) -> dict[int, str]:
        """Question -> ISO due time, for questions reviewed at least once."""
        return {r["question"]: r["due"] for r in self.db.execute("SELECT question, due FROM cards")}

    def reviews(self, question: int | None = None) -> list[dict]:
        query = "SELECT * FROM reviews" + (" WHERE question = ?" if question is not None else "") + " ORDER BY id DESC"
        return [dict(r) for r in self.db.execute(query, (question,) if question is not None else ())]

    def ticks(self, question: int) -> set[int]:
        return {r["point"] for r in self.db.execute("SELECT point FROM ticks WHERE question = ?", (question,))}

    def set_tick(self, question: int, point: int, ticked: bool) -> None:
        with self.transaction() as db:
            if ticked:
                db.execute("INSERT OR IGNORE INTO ticks (question, point) VALUES (?, ?)", (question, point))
            else:
                db.execute("DELETE FROM ticks WHERE question = ? AND point = ?", (question, point))

    def clear_ticks(self, question: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM ticks WHERE question = ?", (question,))

    # ---- settings -----------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       (key, value))

    # ---- mock interviews ----------------------------------------------------------------

    def save_interview(self, report: dict) -> int:
        """Keep a finished interview's report (quiz.interview.session.report); returns its id."""
        with self.transaction() as db:
            return db.execute(
                "INSERT INTO interviews (started_at, ended_at, score, config, report) VALUES (?,?,?,?,?)",
                (report["started_at"], report["ended_at"], report["total"],
                 json.dumps(report["config"], ensure_ascii=False), json.dumps(report, ensure_ascii=False)),
            ).lastrowid

    def interviews(self, limit: int = 100) -> list[dict]:
        """Most recent first: id, started_at, ended_at, score (out of 100) and config
        parsed, without the reports (for lists and the progress chart)."""
        rows = self.db.execute("SELECT id, started_at, ended_at, score, config FROM interviews ORDER BY id DESC LIMIT ?",
                               (limit,))
        return [dict(row) | {"config": json.loads(row["config"])} for row in rows]

    def interview(self, interview_id: int) -> dict | None:
        """The saved report with its "id" added, or None."""
        row = self.db.execute("SELECT id, report FROM interviews WHERE id = ?", (interview_id,)).fetchone()
        return json.loads(row["report"]) | {"id": row["id"]} if row else None

    def last_interview(self) -> dict | None:
        row = self.db.execute("SELECT id FROM interviews ORDER BY id DESC LIMIT 1").fetchone()
        return self.interview(row["id"]) if row else None
