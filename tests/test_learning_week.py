"""A learner's simulated week with an injected clock: each day they review what is due
and the new questions the daily limit allows; everything is checked against a plain FSRS
scheduler run beside it and against the calendar. `pytest -s` prints the walkthrough."""

from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from fsrs import Card, Rating, Scheduler

from quiz.learning import activity, path, schedule
from quiz.storage.store import Store

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
RATING = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
# What the learner answers, by question (the same every time: a weak spot on 6, 8 easy).
ANSWERS = {1: "good", 8: "easy", 6: "again", 2: "good", 3: "hard", 4: "good", 5: "good", 9: "good", 10: "easy", 7: "good"}
SKIPPED = {4}  # Friday: no study


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def test_a_week_of_reviews_matches_fsrs_and_the_calendar(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    plain = Scheduler(enable_fuzzing=False)
    mirror: dict[int, Card] = {}
    order = path.question_order()
    log = []
    for day in range(7):
        if day in SKIPPED:
            log.append(f"day {day + 1}: skipped")
            continue
        now = MONDAY + timedelta(days=day)
        q = schedule.queue(store, order, now)
        assert q.new == [n for n in order if n not in mirror][:3]
        assert q.due == sorted((n for n, c in mirror.items() if c.due <= now), key=lambda n: (mirror[n].due, n))
        seen = f"day {day + 1}: {len(q.due)} due {q.due} · {len(q.new)} new {q.new}"
        for n in q.questions:
            card = mirror.get(n, Card(card_id=n))
            keys = schedule.preview(store, n, now)
            for rating, delta in keys.items():
                assert plain.review_card(card, RATING[rating], review_datetime=now)[0].due - now == delta
            if day == 0 and n == q.new[0]:  # a slip of the finger, undone
                schedule.review(store, n, "again", 0, 4, when=now)
                assert schedule.undo_last(store)["rating"] == "again" and store.card(n) is None
            rated = schedule.review(store, n, ANSWERS[n], 0, 4, when=now)
            mirror[n] = plain.review_card(card, RATING[ANSWERS[n]], review_datetime=now)[0]
            assert rated.due == mirror[n].due
            seen += f"\n    q{n} keys " + " · ".join(f"{r} {schedule.interval_label(d)}" for r, d in keys.items())
            seen += f" -> {ANSWERS[n]}, next {rated.due:%a %d %H:%M}"
        # Learning steps come back within the day: review those once more, ten minutes on.
        later = now + timedelta(minutes=10)
        for n in schedule.queue(store, order, later).due:
            rated = schedule.review(store, n, "good", 0, 4, when=later)
            mirror[n] = plain.review_card(mirror[n], Rating.Good, review_datetime=later)[0]
            assert rated.due == mirror[n].due
            seen += f"\n    q{n} again at +10 min -> good, next {rated.due:%a %d %H:%M}"
        assert schedule.new_left_today(store, later) == 0 or not [n for n in order if n not in mirror]
        log.append(seen)
    sunday = date(2026, 3, 8)
    days = activity.per_day(store)
    assert sorted(days) == [date(2026, 3, d) for d in (2, 3, 4, 5, 7, 8)]
    assert sum(days.values()) == len(store.reviews())
    assert activity.streak(set(days), sunday) == 2 and activity.streak(set(days), date(2026, 3, 5)) == 4
    cal = activity.calendar(store, sunday)
    assert cal.cell(25, 6) == days[sunday] and cal.cell(25, 4) == 0 and cal.cell(25, 0) == days[date(2026, 3, 2)]
    assert cal.start == date(2025, 9, 8) and cal.cell(0, 0) == 0
    log.append(f"reviews a day: {dict((d.isoformat(), n) for d, n in sorted(days.items()))}; streak on Sunday: 2")
    if os.environ.get("WALKTHROUGH"):
        print("\n" + "\n".join(log))
    store.close()
