"""A mock interview in progress, kept on disk after every change so that quitting, a
closed terminal or a crash loses nothing, and `transferlings interview --resume` (or
home's resume key) carries on where it stopped.

The session lives in its interview folder (beside the candidate's exercise files) as
`session.json`, written atomically. The clock does not run while the interview is
away: a resumed session has the time that was left when it was last saved. The file
goes when the report is saved or the interview is abandoned.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from quiz.interview.session import Entry, InterviewConfig, InterviewSession, Item

SESSION_FILE = "session.json"
FORMAT = 2  # 2: entries keep a coding item's code apart from its typed answer


def to_dict(session: InterviewSession, *, interviewer: bool, now: datetime) -> dict:
    return {
        "format": FORMAT,
        "config": session.config.to_dict(),
        "items": [{"question": i.question, "mode": i.mode, "exercise": i.exercise} for i in session.items],
        "entries": [{"answer": e.answer, "code": e.code, "ticks": sorted(e.ticks), "note": e.note,
                     "grading": e.grading, "seconds": e.seconds, "aids": e.aids} for e in session.entries],
        "current": session.current,
        "started_at": session.started_at.isoformat(),
        "remaining_s": session.remaining(now),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "ended_by": session.ended_by,
        "saved_at": now.isoformat(),
        "interviewer": interviewer,
    }


def from_dict(data: dict, now: datetime) -> InterviewSession:
    """The saved session, its clock restarted at `now` with the time that was left."""
    session = InterviewSession(InterviewConfig(**data["config"]), [Item(**i) for i in data["items"]], now)
    session.entries = [_entry(e, item) for e, item in zip(data["entries"], session.items, strict=True)]
    session.current = data["current"]
    session.started_at = datetime.fromisoformat(data["started_at"])
    if data["ended_at"]:
        session.ended_at = datetime.fromisoformat(data["ended_at"])
        session.ended_by = data["ended_by"]
        session.deadline = session.ended_at + timedelta(seconds=data["remaining_s"])
    else:
        session.deadline = now + timedelta(seconds=data["remaining_s"])
    return session


def _entry(e: dict, item: Item) -> Entry:
    answer, code = e["answer"], e.get("code")
    if code is None:  # format 1 kept a coding item's file as its answer
        answer, code = ("", answer) if item.mode == "coding" else (answer, "")
    return Entry(answer=answer, code=code, ticks=frozenset(e["ticks"]), note=e["note"], grading=e["grading"],
                 seconds=e["seconds"], aids=list(e.get("aids", [])))


def save(session: InterviewSession, folder: Path, *, interviewer: bool, now: datetime) -> None:
    path = folder / SESSION_FILE
    tmp = path.with_name(SESSION_FILE + ".tmp")
    tmp.write_text(json.dumps(to_dict(session, interviewer=interviewer, now=now), ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, path)


def load(folder: Path, now: datetime) -> tuple[InterviewSession, bool]:
    """(session, interviewer view) saved in `folder`; ValueError if unreadable."""
    try:
        data = json.loads((folder / SESSION_FILE).read_text(encoding="utf-8"))
        return from_dict(data, now), bool(data.get("interviewer"))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"cannot resume the interview in {folder}: {e}") from None


def discard(folder: Path) -> None:
    (folder / SESSION_FILE).unlink(missing_ok=True)


def unfinished(root: Path) -> list[Path]:
    """Interview folders under `root` holding a saved session, the latest saved first."""
    found = [p.parent for p in root.glob(f"*/{SESSION_FILE}")]
    return sorted(found, key=lambda f: (f / SESSION_FILE).stat().st_mtime_ns, reverse=True)


def saved_at(folder: Path) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads((folder / SESSION_FILE).read_text(encoding="utf-8"))["saved_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
