"""Spaced repetition of the ten questions with FSRS (the `fsrs` package), stored in the
progress store. No torch, no UI.

A question never reviewed is *new*; one reviewed at least once is *due* when its FSRS due
time has come. New questions are introduced at most `new_per_day` a day (a setting,
default 3, as Anki does); days are calendar days in local time. The scheduler uses the
`desired_retention` setting (default 0.9) and parameters optimised from the user's own
log when `quiz.learning.tuning` has stored some; no fuzzing, so the interval shown on a rating key
is the interval that rating gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from fsrs import Card, Rating, Scheduler

from quiz.storage.store import RATINGS, Store

_RATING = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
NEW_PER_DAY, RETENTION = 3, 0.9
SETTING_NEW, SETTING_RETENTION, SETTING_PARAMETERS = "new_per_day", "desired_retention", "fsrs_parameters"


@dataclass(frozen=True)
class Due:
    question: int
    due: datetime | None  # None: never reviewed (new)

    def is_due(self, now: datetime) -> bool:
        return self.due is not None and self.due <= now


@dataclass(frozen=True)
class Rated:
    review_id: int
    due: datetime


@dataclass(frozen=True)
class Queue:
    """What a review session holds now: due questions (most overdue first), then the new
    questions today's limit still allows (in the order asked)."""

    due: list[int]
    new: list[int]

    @property
    def questions(self) -> list[int]:
        return self.due + self.new


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_day(moment: datetime) -> date:
    return moment.astimezone().date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time()).astimezone()
    return start, datetime.combine(day + timedelta(days=1), time()).astimezone()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


# ---- settings ----------------------------------------------------------------------------


def new_per_day(store: Store) -> int:
    return int(store.setting(SETTING_NEW, str(NEW_PER_DAY)))


def desired_retention(store: Store) -> float:
    return float(store.setting(SETTING_RETENTION, str(RETENTION)))


def set_new_per_day(store: Store, n: int) -> None:
    if not 0 <= n <= 100:
        raise ValueError(f"new questions a day must be between 0 and 100, not {n}")
    store.set_setting(SETTING_NEW, str(n))


def set_desired_retention(store: Store, retention: float) -> None:
    if not 0.7 <= retention <= 0.97:
        raise ValueError(f"desired retention must be between 0.70 and 0.97, not {retention}")
    store.set_setting(SETTING_RETENTION, repr(float(retention)))


def scheduler(store: Store) -> Scheduler:
    stored = store.setting(SETTING_PARAMETERS)
    kwargs = {"parameters": json.loads(stored)} if stored else {}
    return Scheduler(desired_retention=desired_retention(store), enable_fuzzing=False, **kwargs)


# ---- rating ------------------------------------------------------------------------------


def _card(stored: str | None, question: int) -> Card:
    return Card.from_json(stored) if stored else Card(card_id=question)


def preview(store: Store, question: int, now: datetime, *, replaces: int | None = None) -> dict[str, timedelta]:
    """Rating -> the interval it would give the question if pressed at `now` (replacing
    the rating `replaces` of the same showing, if given)."""
    sched, stored = scheduler(store), store.card(question)
    if replaces is not None and (old := store.review(replaces)) is not None:
        stored = old["card_before"]
    return {r: sched.review_card(_card(stored, question), _RATING[r], review_datetime=now)[0].due - now
            for r in RATINGS}


# (seconds in the unit, English, Chinese), largest first: how a time span is written.
_UNITS = ((365 * 86400, "y", "年"), (30 * 86400, "mo", "个月"), (86400, "d", "天"), (3600, "h", "小时"),
          (60, "m", "分钟"))


def interval_label(delta: timedelta, lang: str = "en") -> str:
    """The one way a time span is written everywhere (rating keys, the toast after a
    rating, home, progress): Anki's short form, "<1m", "10m", "5h", "3d", "1.5mo", "2.1y",
    or "10分钟", "5小时", "3天", "1.5个月", "2.1年" in Chinese. Rounded to the nearest unit
    (months and years to a tenth), and the unit is the largest the rounded span fills, so
    a span reads the same a few seconds later and 23 h 50 min reads "1d"."""
    seconds = max(0.0, delta.total_seconds())
    zh = lang == "zh"
    for size, en_unit, zh_unit in _UNITS:
        fractional = size >= 30 * 86400
        amount = round(seconds / size, 1) if fractional else round(seconds / size)
        if amount >= 1:
            text = f"{amount:g}"
            return text + (zh_unit if zh else en_unit)
    return "<1分钟" if zh else "<1m"


def review(store: Store, question: int, rating: str, ticked: int, total: int, *, when: datetime | None = None,
           points: list[int] | None = None, replaces: int | None = None) -> Rated:
    """Record a self-rated review and return its id and the question's next due time.
    `points`: the key points ticked (undo puts them back); `replaces`: the id of this
    showing's earlier rating, which this one replaces as if it had never been given."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    when = when or utcnow()
    before = store.card(question)
    if replaces is not None:
        old = store.review(replaces)
        if old is None or not old["undoable"]:
            raise ValueError("that rating cannot be changed")
        before = old["card_before"]
        points = json.loads(old["ticked"]) if old["ticked"] is not None else points
        ticked = old["points_ticked"]
    card, log = scheduler(store).review_card(_card(before, question), _RATING[rating], review_datetime=when)
    review_id = store.record_review(question, rating, ticked, total, card=card.to_json(), due=card.due.isoformat(),
                                    log=log.to_json(), at=_iso(when), card_before=before, ticked=points,
                                    replaces=replaces)
    return Rated(review_id, card.due)


def undo_last(store: Store) -> dict | None:
    """Undo the most recent rating (card, log and ticks restored); returns the deleted
    review, or None when there is none. ValueError if it predates undo."""
    last = store.last_review()
    return store.undo_review(last["id"]) if last else None


# ---- queues ------------------------------------------------------------------------------


def schedule(store: Store, questions: list[int]) -> dict[int, Due]:
    times = store.due_times()
    return {q: Due(q, datetime.fromisoformat(times[q]) if q in times else None) for q in questions}


def new_left_today(store: Store, now: datetime) -> int:
    """How many new questions may still be introduced today."""
    start, end = day_bounds(local_day(now))
    started = sum(_iso(start) <= at < _iso(end) for at in store.first_reviews().values())
    return max(0, new_per_day(store) - started)


def queue(store: Store, questions: list[int], now: datetime | None = None) -> Queue:
    now = now or utcnow()
    table = schedule(store, questions)
    due = sorted((d for d in table.values() if d.is_due(now)), key=lambda d: (d.due, d.question))
    new = [q for q in questions if table[q].due is None]
    return Queue([d.question for d in due], new[: new_left_today(store, now)])


def due_soonest(store: Store, questions: list[int], n: int) -> list[int]:
    """The `n` reviewed questions whose next review comes first."""
    table = schedule(store, questions)
    ahead = sorted((d for d in table.values() if d.due is not None), key=lambda d: (d.due, d.question))
    return [d.question for d in ahead[:n]]


def describe(due: Due, now: datetime, lang: str) -> str:
    """"new", "due" or "in 3d" ("新题", "待复习", "3天后"): the due time of a question as
    every screen shows it, its span written by `interval_label`."""
    if due.due is None:
        return "新题" if lang == "zh" else "new"
    if due.due <= now:
        return "待复习" if lang == "zh" else "due"
    span = interval_label(due.due - now, lang)
    return f"{span}后" if lang == "zh" else f"in {span}"
