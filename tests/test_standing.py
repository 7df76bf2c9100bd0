"""One definition of "passed" and points (quiz.learning.standing): the current workspace file
passes every check; runs of other folders never count."""

from __future__ import annotations

import os
import time

import pytest

from grader import registry
from quiz.learning import standing
from quiz.storage.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "progress.sqlite3")
    yield s
    s.close()


@pytest.fixture
def ws(tmp_path):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "freezing.py").write_text("def freeze_backbone(): ...\n")
    return folder


def run(folder, status="pass", passed=3, total=3, points=70, exercise="freezing"):
    tests = [{"name": f"c{i}", "status": "pass" if i < passed else "fail"} for i in range(total)]
    return {"exercise": exercise, "impl": str(folder), "device": "cpu", "status": status, "passed": passed,
            "failed": total - passed, "points": points, "max_points": 70, "duration_s": 0.1, "tests": tests}


def test_every_exercise_starts_not_started_with_the_registry_points(store, ws):
    states = standing.exercise_states(store, ws)
    assert list(states) == registry.names()
    assert {s.state for s in states.values()} == {"not started"}
    assert states["heads"].label("en") == "heads —"
    total = standing.totals(states)
    assert (total.passed, total.exercises, total.points) == (0, len(registry.names()), 0)
    assert total.max_points == sum(e.points for e in registry.exercises())


def test_a_pass_of_the_current_file_counts_and_an_edit_undoes_it(store, ws):
    standing.record_run(store, run(ws))
    state = standing.exercise_state(store, ws, "freezing")
    assert (state.state, state.points, state.label("en")) == ("passed", 70, "freezing ✓ 3/3")
    assert standing.totals(standing.exercise_states(store, ws)).passed == 1
    (ws / "freezing.py").write_text("def freeze_backbone(): return 1\n")
    state = standing.exercise_state(store, ws, "freezing")
    assert (state.state, state.edited, state.points) == ("failing", True, 0)
    assert state.label("en") == "freezing ✎ 3/3" and state.words("en") == "edited since graded"


def test_failing_reads_as_checks_passed_not_a_score(store, ws):
    standing.record_run(store, run(ws, "fail", 0, 42, 0))
    state = standing.exercise_state(store, ws, "freezing")
    assert state.label("zh") == "freezing ✗ 0/42"
    assert state.words("en") == "failing 42 of 42"


def test_runs_of_other_folders_never_count(store, ws, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "freezing.py").write_text("x = 1\n")
    standing.record_run(store, run(ws, "fail", 1, 3, 10))
    standing.record_run(store, run(other))
    assert standing.exercise_state(store, ws, "freezing").state == "failing"
    assert standing.exercise_state(store, other, "freezing").state == "passed"


def test_without_a_stored_hash_the_files_time_decides(store, ws):
    store.record_run(run(ws))  # an older run: no hash stored with it
    assert standing.exercise_state(store, ws, "freezing").state == "passed"
    later = time.time() + 5
    os.utime(ws / "freezing.py", (later, later))
    assert standing.exercise_state(store, ws, "freezing").edited
