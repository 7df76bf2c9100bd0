"""Export and import of the whole progress (reviews and cards, gradings and attempt
snapshots, ticked key points, settings, interviews) as one JSON document, to move to
another machine. No torch, no UI.

Import merges and is idempotent: a row already present (same natural key) is skipped, a
card is taken only when its last review is later than the local one, local settings win.
It runs in one transaction; `merge(..., dry_run=True)` counts what would be added and
changes nothing, so a backup copy of the database is made only when something is new.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

from quiz.storage.store import Store

FORMAT, VERSION = "transferlings-progress", 1
# table -> (columns exported, columns that identify a row for de-duplication)
TABLES = {
    "snapshots": (("sha", "code"), ("sha",)),
    "runs": (("exercise", "impl", "device", "status", "passed", "failed", "total", "points", "max_points",
              "duration_s", "created_at", "result", "snapshot"), ("exercise", "impl", "created_at", "result")),
    "reviews": (("question", "rating", "points_ticked", "points_total", "created_at", "log"),
                ("question", "rating", "created_at")),
    "ticks": (("question", "point"), ("question", "point")),
    "interviews": (("started_at", "ended_at", "score", "config", "report"), ("started_at", "ended_at", "report")),
}


class ExchangeError(ValueError):
    pass


def export(store: Store) -> dict:
    data: dict = {"format": FORMAT, "version": VERSION,
                  "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    for table, (columns, _) in TABLES.items():
        rows = store.db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")
        data[table] = [dict(row) for row in rows]
    data["cards"] = [dict(r) for r in store.db.execute("SELECT question, card, due FROM cards ORDER BY question")]
    data["settings"] = {r["key"]: r["value"] for r in store.db.execute("SELECT key, value FROM settings ORDER BY key")}
    return data


def write(store: Store, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(export(store), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def read(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ExchangeError(f"{path}: not a transferlings export ({e})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExchangeError(f"{path}: not a transferlings export (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise ExchangeError(f"{path}: export version {data.get('version')} is not supported (expected {VERSION})")
    return data


def backup(store: Store) -> Path:
    """A copy of the database beside it, PATH.bak-YYYYmmdd-HHMMSS (never over an earlier one)."""
    name = f"{store.path.name}.bak-{time.strftime('%Y%m%d-%H%M%S')}"
    dest, n = store.path.with_name(name), 1
    while dest.exists():
        dest, n = store.path.with_name(f"{name}-{n}"), n + 1
    copy = sqlite3.connect(dest)
    try:
        store.db.backup(copy)
    finally:
        copy.close()
    return dest


def _last_review(card_json: str) -> str:
    return json.loads(card_json).get("last_review") or ""


class _DryRun(Exception):
    """Rolls back a dry run's transaction."""


def merge(store: Store, data: dict, *, dry_run: bool = False) -> dict[str, int]:
    """Add what `data` has and the store lacks; returns rows added per table (with
    `dry_run`, the rows that would be added, and nothing is written)."""
    added = {}
    try:
        with store.transaction() as db:
            for table, (columns, key) in TABLES.items():
                n = 0
                for row in data.get(table, []):
                    where = " AND ".join(f"{c} IS ?" for c in key)
                    if db.execute(f"SELECT 1 FROM {table} WHERE {where}", [row[c] for c in key]).fetchone():
                        continue
                    db.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                               [row.get(c) for c in columns])
                    n += 1
                added[table] = n
            n = 0
            for row in data.get("cards", []):
                local = db.execute("SELECT card FROM cards WHERE question = ?", (row["question"],)).fetchone()
                if local is None or _last_review(row["card"]) > _last_review(local["card"]):
                    db.execute("INSERT INTO cards (question, card, due) VALUES (?, ?, ?) ON CONFLICT(question)"
                               " DO UPDATE SET card = excluded.card, due = excluded.due",
                               (row["question"], row["card"], row["due"]))
                    n += 1
            added["cards"] = n
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
                           list(data.get("settings", {}).items()))
            added["settings"] = db.total_changes - before
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except (KeyError, TypeError, AttributeError, sqlite3.DatabaseError) as e:
        raise ExchangeError(f"the export is malformed ({type(e).__name__}: {e}); nothing was imported") from None
    return added
