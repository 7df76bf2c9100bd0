"""Activity over days from the progress store: the 26-week calendar, the current streak,
points over time per exercise, the checks failed most often. Days are local calendar
days. No torch, no UI."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from grader.results import localized
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


@dataclass(frozen=True)
class FailedCheck:
    exercise: str
    check: str  # the check's name; a parametrised check's without its " [case]"
    times: int  # gradings in which it failed (any of its cases)
    cases: int  # how many of its cases ever failed (0: not parametrised)


def split_case(name: str) -> tuple[str, str | None]:
    """"find_head … [resnet18]" -> ("find_head …", "resnet18"); a name without a case
    comes back with None."""
    base, bracket, case = name.rpartition(" [")
    return (base, case[:-1]) if bracket and case.endswith("]") else (name, None)


def most_failed(store: Store, limit: int = 10, lang: str = "en") -> list[FailedCheck]:
    """The checks failed most often over the user's own gradings, most first: a
    parametrised check is one entry, counted once per grading however many of its cases
    failed. Names in `lang` where the grader has them."""
    times: Counter = Counter()
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in store.db.execute("SELECT exercise, result FROM runs WHERE snapshot IS NOT NULL"):
        failed = set()
        for test in localized(json.loads(row["result"]), lang)["tests"]:
            if test["status"] in ("fail", "error"):
                check, case = split_case(test["name"])
                failed.add((row["exercise"], check))
                if case is not None:
                    cases[(row["exercise"], check)].add(case)
        times.update(failed)
    ranked = sorted(times.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [FailedCheck(exercise, check, n, len(cases[(exercise, check)])) for (exercise, check), n in ranked]
