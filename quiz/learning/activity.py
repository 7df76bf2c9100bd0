"""Activity over days from the progress store: the 26-week calendar, the current streak,
points over time per exercise, the checks failed most often. Days are local calendar
days. No torch, no UI."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from quiz.storage.store import Store

WEEKS = 26


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone().date()


def per_day(store: Store) -> Counter:
    """Date -> number of reviews, gradings and interviews that day."""
    return Counter(_day(at) for _, at in store.activity_times())


@dataclass(frozen=True)
class Calendar:
    """`weeks` columns of 7 days (Monday first), ending with the week of `today`; days
    after today are None."""

    start: date
    today: date
    counts: dict[date, int]

    def cell(self, week: int, weekday: int) -> int | None:
        day = self.start + timedelta(weeks=week, days=weekday)
        return None if day > self.today else self.counts.get(day, 0)

    def month_starts(self) -> dict[int, int]:
        """Week column -> month number, for each column where a month begins."""
        marks, seen = {}, None
        for week in range(WEEKS):
            month = (self.start + timedelta(weeks=week)).month
            if month != seen:
                marks[week], seen = month, month
        return marks


def calendar(store: Store, today: date) -> Calendar:
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    counts = {d: n for d, n in per_day(store).items() if start <= d <= today}
    return Calendar(start, today, counts)


def streak(days: set[date] | Counter, today: date) -> int:
    """Consecutive active days ending today, or ending yesterday while today has no
    activity yet (a streak is not lost before the day is over)."""
    day = today if today in days else today - timedelta(days=1)
    n = 0
    while day in days:
        n += 1
        day -= timedelta(days=1)
    return n


def points_over_time(store: Store, exercise: str) -> list[tuple[str, int, int]]:
    """(time, points, max points) of each grading of the user's own file, oldest first."""
    return [(a["created_at"], a["points"], a["max_points"]) for a in reversed(store.attempts(exercise, limit=10000))]


def most_failed(store: Store, limit: int = 10, lang: str = "en") -> list[tuple[str, str, int]]:
    """(exercise, check name in `lang` where the grader has it, times failed) over the
    user's own gradings, most first."""
    counts: Counter = Counter()
    for row in store.db.execute("SELECT exercise, result FROM runs WHERE snapshot IS NOT NULL"):
        for test in json.loads(row["result"])["tests"]:
            if test["status"] in ("fail", "error"):
                name = (test.get("zh") or {}).get("name", test["name"]) if lang == "zh" else test["name"]
                counts[(row["exercise"], name)] += 1
    return [(ex, name, n) for (ex, name), n in counts.most_common(limit)]
