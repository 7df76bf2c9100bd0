"""The progress store: what it records, and what it does with a bad database file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from quiz.storage.store import SCHEMA_VERSION, Store


def result(status="fail", passed=3, total=5, points=4, max_points=9, exercise="freezing"):
    return {"exercise": exercise, "impl": "exercises", "device": "cpu", "status": status, "passed": passed,
            "failed": total - passed, "points": points, "max_points": max_points, "duration_s": 0.2,
            "tests": [{"name": f"c{i}", "status": "pass" if i < passed else "fail"} for i in range(total)]}


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "progress.sqlite3")
    yield s
    s.close()


def test_fresh_store_is_migrated_to_the_current_schema_in_wal_mode(store):
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.notice is None


def test_exercise_status_follows_the_latest_run(store):
    assert store.exercise_status("freezing").label() == "not started"
    store.record_run(result())
    assert store.exercise_status("freezing").label() == "failing 2 of 5"
    store.record_run(result("pass", 5, 5, 9))
    assert store.exercise_status("freezing").label() == "passed"
    assert store.exercise_status("heads").label() == "not started"


def test_runs_keep_per_check_results_and_the_best_run(store):
    store.record_run(result("pass", 5, 5, 9))
    store.record_run(result("fail", 1, 5, 1))
    runs = store.runs("freezing")
    assert [r["status"] for r in runs] == ["fail", "pass"]
    assert [t["status"] for t in runs[1]["result"]["tests"]] == ["pass"] * 5
    assert store.best_run("freezing")["status"] == "pass"


def test_reviews_ticks_and_settings_survive_reopening(tmp_path):
    s = Store(tmp_path / "p.sqlite3")
    s.record_review(3, "good", 4, 6)
    s.set_tick(3, 0, True)
    s.set_tick(3, 2, True)
    s.set_tick(3, 0, False)
    s.set_setting("lang", "zh")
    s.close()
    s = Store(tmp_path / "p.sqlite3")
    assert [(r["question"], r["rating"], r["points_ticked"]) for r in s.reviews()] == [(3, "good", 4)]
    assert s.ticks(3) == {2}
    assert s.setting("lang") == "zh"
    with pytest.raises(ValueError):
        s.record_review(3, "great", 0, 6)
    s.close()


def test_a_corrupt_database_is_moved_aside_not_deleted(tmp_path):
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"this is not sqlite" * 200)
    s = Store(path)
    assert s.notice and "moved to" in s.notice
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert aside and aside[0].read_bytes().startswith(b"this is not sqlite")
    assert s.exercise_status("freezing").label() == "not started"
    s.close()


def test_a_database_from_a_newer_version_is_moved_aside(tmp_path):
    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    s = Store(path)
    assert s.notice and "newer" in s.notice
    assert any(".newer-" in p.name for p in tmp_path.iterdir())
    s.close()


def test_killing_the_process_mid_write_loses_at_most_that_write(tmp_path):
    path = tmp_path / "progress.sqlite3"
    s = Store(path)
    s.record_run(result("pass", 5, 5, 9))
    s.close()
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {os.getcwd()!r})
        from quiz.storage.store import Store
        s = Store({str(path)!r})
        s.db.execute("BEGIN IMMEDIATE")
        s.db.execute("INSERT INTO reviews (question, rating, points_ticked, points_total, created_at) VALUES (1, 'good', 1, 1, 'x')")
        os._exit(9)
    """)
    subprocess.run([sys.executable, "-c", script], check=False)
    s = Store(path)
    assert s.notice is None
    assert len(s.runs()) == 1 and s.reviews() == []
    s.close()


def test_a_version_2_database_keeps_its_data_when_migrated(tmp_path):
    from quiz.storage.store import MIGRATIONS

    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO reviews (question, rating, points_ticked, points_total, created_at) VALUES (4, 'good', 1, 5, '2026-01-01T10:00:00+00:00')")
    db.commit()
    db.close()
    s = Store(path)
    assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    [old] = s.reviews()
    assert (old["question"], old["rating"], old["undoable"]) == (4, "good", 0)
    with pytest.raises(ValueError, match="cannot be undone"):
        s.undo_review(old["id"])
    s.close()


def test_attempt_snapshots_are_stored_once_per_content(store):
    store.record_run(result(), code="def f(): pass\n")
    store.record_run(result("pass", 5, 5, 9), code="def f(): return 1\n")
    store.record_run(result("pass", 5, 5, 9), code="def f(): return 1\n")
    store.record_run(result() | {"impl": "elsewhere"})  # not the user's workspace: no snapshot
    attempts = store.attempts("freezing")
    assert [a["code"] for a in attempts] == ["def f(): return 1\n"] * 2 + ["def f(): pass\n"]
    assert store.db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 2


def exported_without_time(store):
    from quiz.storage import exchange

    data = exchange.export(store)
    del data["exported_at"]
    return data


def fill(store):
    from datetime import datetime, timezone

    from quiz.learning import schedule

    store.record_run(result(), code="x = 1\n", at="2026-03-01T10:00:00+00:00")
    schedule.review(store, 2, "good", 1, 4, when=datetime(2026, 3, 1, 9, tzinfo=timezone.utc), points=[0])
    store.set_tick(5, 1, True)
    store.set_setting("new_per_day", "5")
    store.save_interview({"started_at": "2026-03-01T11:00:00+00:00", "ended_at": "2026-03-01T11:30:00+00:00",
                          "total": 70.0, "config": {"questions": 2}, "items": []})


def test_export_then_import_elsewhere_round_trips(tmp_path, store):
    from quiz.storage import exchange

    fill(store)
    exchange.write(store, tmp_path / "export.json")
    other = Store(tmp_path / "other.sqlite3")
    added = exchange.merge(other, exchange.read(tmp_path / "export.json"))
    assert added == {"snapshots": 1, "runs": 1, "reviews": 1, "ticks": 1, "interviews": 1, "cards": 1, "settings": 1}
    assert exported_without_time(other) == exported_without_time(store)
    assert other.attempts("freezing")[0]["code"] == "x = 1\n"
    other.close()


def test_importing_the_same_file_twice_changes_nothing(tmp_path, store):
    from quiz.storage import exchange

    fill(store)
    exchange.write(store, tmp_path / "export.json")
    data = exchange.read(tmp_path / "export.json")
    other = Store(tmp_path / "other.sqlite3")
    exchange.merge(other, data)
    once = exported_without_time(other)
    assert set(exchange.merge(other, data).values()) == {0}
    assert exported_without_time(other) == once
    other.close()


def test_import_keeps_the_newer_card_and_local_settings(tmp_path, store):
    from datetime import datetime, timezone

    from quiz.storage import exchange
    from quiz.learning import schedule

    fill(store)
    data = exchange.export(store)
    other = Store(tmp_path / "other.sqlite3")
    other.set_setting("new_per_day", "2")
    schedule.review(other, 2, "easy", 1, 4, when=datetime(2026, 3, 5, 9, tzinfo=timezone.utc))
    local_card = other.card(2)
    exchange.merge(other, data)
    assert other.card(2) == local_card and other.setting("new_per_day") == "2"
    assert len(other.reviews(2)) == 2
    other.close()


def test_a_bad_export_file_is_one_clear_error_and_imports_nothing(tmp_path, store):
    from quiz.storage import exchange

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(exchange.ExchangeError, match="not a transferlings export"):
        exchange.read(bad)
    with pytest.raises(exchange.ExchangeError, match="nothing was imported"):
        exchange.merge(store, {"format": exchange.FORMAT, "version": 1, "snapshots": [{"sha": "a", "code": "x"}],
                               "runs": [{"exercise": "freezing"}]})
    assert store.db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 0
