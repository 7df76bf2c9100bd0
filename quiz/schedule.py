"""Spaced repetition of the ten questions with FSRS (the `fsrs` package), stored in the
progress store. No torch, no UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

from quiz.store import RATINGS, Store

_RATING = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
_SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class Due:
    question: int
    due: datetime | None  # None: never reviewed (new)

    def is_due(self, now: datetime) -> bool:
        return self.due is None or self.due <= now


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def review(store: Store, question: int, rating: str, ticked: int, total: int, *, when: datetime | None = None) -> datetime:
    """Record a self-rated review and return the question's next due time."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    when = when or utcnow()
    stored = store.card(question)
    card = Card.from_json(stored) if stored else Card(card_id=question)
    card, log = _SCHEDULER.review_card(card, _RATING[rating], review_datetime=when)
    store.record_review(question, rating, ticked, total, card=card.to_json(), due=card.due.isoformat(),
                        log=log.to_json(), at=when.isoformat(timespec="seconds"))
    return card.due


def schedule(store: Store, questions: list[int]) -> dict[int, Due]:
    times = store.due_times()
    return {q: Due(q, datetime.fromisoformat(times[q]) if q in times else None) for q in questions}


def due_now(store: Store, questions: list[int], now: datetime | None = None) -> list[int]:
    """Questions due now: overdue first (earliest due first), then never-reviewed ones."""
    now = now or utcnow()
    table = schedule(store, questions)
    due = sorted((d for d in table.values() if d.is_due(now)),
                 key=lambda d: (d.due is None, d.due or now, d.question))
    return [d.question for d in due]


def due_soonest(store: Store, questions: list[int], n: int) -> list[int]:
    """The `n` reviewed questions whose next review comes first."""
    table = schedule(store, questions)
    ahead = sorted((d for d in table.values() if d.due is not None), key=lambda d: (d.due, d.question))
    return [d.question for d in ahead[:n]]


def next_due(store: Store, questions: list[int]) -> datetime | None:
    times = [d.due for d in schedule(store, questions).values() if d.due is not None]
    return min(times) if times else None


def describe(due: Due, now: datetime, lang: str) -> str:
    """'new', 'due' or 'in 3 d' (in `lang`)."""
    if due.due is None:
        return "新题" if lang == "zh" else "new"
    if due.due <= now:
        return "待复习" if lang == "zh" else "due"
    seconds = (due.due - now).total_seconds()
    for size, en, zh in ((86400, "d", "天"), (3600, "h", "小时"), (60, "min", "分钟")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {zh}后" if lang == "zh" else f"in {n} {en}"
    return "1 分钟内" if lang == "zh" else "in 1 min"
