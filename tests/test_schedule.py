"""Reviews as Anki does them: new apart from due with a daily limit, the interval on each
key, one rating per showing, undo, desired retention, optimisation from the own log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fsrs import Card, Rating, Scheduler

from quiz.learning import schedule, tuning
from quiz.storage.store import Store

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
QUESTIONS = list(range(1, 11))


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "progress.sqlite3")
    yield s
    s.close()


def test_new_questions_are_not_due_and_come_at_most_three_a_day(store):
    q = schedule.queue(store, QUESTIONS, T0)
    assert q.due == [] and q.new == [1, 2, 3]
    for n in (1, 2):
        schedule.review(store, n, "good", 0, 4, when=T0)
    q = schedule.queue(store, QUESTIONS, T0 + timedelta(minutes=1))
    assert q.new == [3] and q.due == []  # learning steps: due again in 10 minutes
    assert schedule.queue(store, QUESTIONS, T0 + timedelta(minutes=11)).due == [1, 2]
    schedule.set_new_per_day(store, 5)
    assert schedule.queue(store, QUESTIONS, T0).new == [3, 4, 5]
    assert schedule.queue(store, QUESTIONS, T0 + timedelta(days=1)).new == [3, 4, 5, 6, 7]


def test_the_interval_on_each_key_is_the_one_the_rating_gives(store):
    labels = {r: schedule.interval_label(d) for r, d in schedule.preview(store, 4, T0).items()}
    assert labels == {"again": "1m", "hard": "6m", "good": "10m", "easy": "8d"}  # FSRS-6 defaults on a new card
    for rating in ("again", "hard", "good", "easy"):
        expected = schedule.preview(store, 4, T0)[rating]
        rated = schedule.review(store, 4, rating, 0, 4, when=T0)
        assert rated.due - T0 == expected
        schedule.undo_last(store)


def test_a_second_key_replaces_the_first_rating_of_the_showing(store):
    first = schedule.review(store, 3, "again", 2, 4, when=T0, points=[0, 1])
    second = schedule.review(store, 3, "easy", 0, 4, when=T0, replaces=first.review_id)
    [only] = store.reviews(3)
    assert only["id"] == second.review_id and only["rating"] == "easy" and only["points_ticked"] == 2
    expected, _ = Scheduler(enable_fuzzing=False).review_card(Card(card_id=3), Rating.Easy, review_datetime=T0)
    assert Card.from_json(store.card(3)).due == expected.due == second.due
    schedule.undo_last(store)
    assert store.card(3) is None and store.ticks(3) == {0, 1}


def test_undo_restores_the_card_the_log_and_the_ticks(store):
    schedule.review(store, 6, "good", 0, 4, when=T0)
    card_before = store.card(6)
    store.set_tick(6, 2, True)
    schedule.review(store, 6, "hard", 1, 4, when=T0 + timedelta(minutes=20), points=[2])
    assert store.ticks(6) == set()
    undone = schedule.undo_last(store)
    assert undone["rating"] == "hard"
    assert store.card(6) == card_before and [r["rating"] for r in store.reviews(6)] == ["good"]
    assert store.ticks(6) == {2}
    schedule.undo_last(store)
    assert store.card(6) is None and store.reviews() == []
    assert schedule.undo_last(store) is None


def test_desired_retention_shortens_or_lengthens_intervals(store):
    schedule.review(store, 1, "good", 0, 4, when=T0)
    schedule.review(store, 1, "good", 0, 4, when=T0 + timedelta(minutes=10))
    later = T0 + timedelta(days=3)
    default = schedule.preview(store, 1, later)["good"]
    schedule.set_desired_retention(store, 0.95)
    assert schedule.preview(store, 1, later)["good"] < default
    schedule.set_desired_retention(store, 0.8)
    assert schedule.preview(store, 1, later)["good"] > default
    with pytest.raises(ValueError):
        schedule.set_desired_retention(store, 1.5)


def test_optimisation_waits_for_enough_reviews_and_says_how_many(store):
    for day in range(3):
        schedule.review(store, 1, "good", 0, 4, when=T0 + timedelta(days=day))
    assert tuning.countable_reviews(tuning.review_logs(store)) == 2
    message = tuning.optimise(store)
    assert message.startswith("2 of the 512 reviews") and "default parameters" in message
    assert store.setting(schedule.SETTING_PARAMETERS) is None


def test_stored_parameters_drive_the_scheduler(store):
    params = list(Scheduler().parameters)
    params[2] = 5.0  # initial stability after Good
    store.set_setting(schedule.SETTING_PARAMETERS, str(params))
    assert schedule.scheduler(store).parameters[2] == 5.0


def test_reviews_count_for_optimisation_as_py_fsrs_counts_them(store):
    for day in range(70):
        schedule.review(store, 1, "good", 0, 4, when=T0 + timedelta(days=day))
        schedule.review(store, 2, "good", 0, 4, when=T0 + timedelta(days=day, hours=1))
    schedule.review(store, 2, "good", 0, 4, when=T0 + timedelta(days=1, hours=2))  # same day: not counted
    # The first 64 reviews of each card count when a whole day (24 h) passed since the one
    # before: card 1 on days 1-63; card 2 on days 1 and 3-62 (day 2 comes 23 h after the extra one).
    assert tuning.countable_reviews(tuning.review_logs(store)) == 63 + 61


def test_with_enough_reviews_the_optimiser_runs_in_its_own_process_or_says_what_it_needs(store):
    import importlib.util

    if importlib.util.find_spec("pandas") is not None:
        pytest.skip("the optimiser's extra is installed here: a real fit takes a minute")
    for day in range(53):
        for q in range(1, 11):
            schedule.review(store, q, "good", 0, 4, when=T0 + timedelta(days=day, minutes=q))
    assert tuning.countable_reviews(tuning.review_logs(store)) >= tuning.MIN_REVIEWS
    with pytest.raises(RuntimeError, match=r'pip install "fsrs\[optimizer\]"'):
        tuning.optimise(store)
    assert store.setting(schedule.SETTING_PARAMETERS) is None


def test_one_function_writes_every_due_time_and_a_moment_later_it_reads_the_same():
    spans = {timedelta(seconds=20): ("<1m", "<1分钟"), timedelta(minutes=10): ("10m", "10分钟"),
             timedelta(hours=23, minutes=50): ("1d", "1天"), timedelta(days=8): ("8d", "8天"),
             timedelta(days=45): ("1.5mo", "1.5个月"), timedelta(days=400): ("1.1y", "1.1年")}
    for span, (en, zh) in spans.items():
        assert (schedule.interval_label(span), schedule.interval_label(span, "zh")) == (en, zh)
    due = schedule.Due(4, T0 + timedelta(days=4))
    shown = {schedule.describe(due, T0 + timedelta(seconds=s), "en") for s in (0, 5, 60)}
    assert shown == {"in 4d"}  # the toast at rating time and home a minute later agree
    assert schedule.describe(due, T0, "zh") == "4天后"
