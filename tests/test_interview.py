"""Mock interviews without the UI: setup, seeded plans, a session on a fake clock,
scoring and the report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from grader import results
from quiz.questions.bank import load_questions
from quiz.interview.session import (
    InterviewConfig,
    InterviewSession,
    Item,
    SessionEnded,
    plan,
    report,
    score,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
QUESTIONS = load_questions()
WITH_EXERCISES = [q.id for q in QUESTIONS if q.exercises]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def grading(exercise: str, outcomes: list[tuple[str, int, bool]]) -> dict:
    """A real grading result: one check per (status, points, hidden)."""
    metas = [{"id": f"t{i}", "name": f"check {i}", "points": p, "hidden": h} for i, (_, p, h) in enumerate(outcomes)]
    done = {m["id"]: results.test_entry(m, status) for m, (status, _, _) in zip(metas, outcomes)}
    return results.assemble(exercise=exercise, impl="exercises", device="cpu", duration_s=1.0, plan=metas, done=done)


def session(minutes: int = 30, items=None) -> InterviewSession:
    items = items or [Item(3, "concept"), Item(6, "coding", "freezing"), Item(8, "coding", "transfer_rate")]
    return InterviewSession(InterviewConfig(questions=len(items), minutes=minutes, seed=7), items, T0)


# ---- setup --------------------------------------------------------------------------------

def test_config_defaults_and_a_picked_seed_is_kept():
    config = InterviewConfig()
    assert (config.questions, config.mix, config.minutes, config.order) == (5, "both", 30, "random")
    assert isinstance(config.seed, int) and config.seed >= 0
    assert config.to_dict()["seed"] == config.seed
    assert InterviewConfig(seed=42).seed == 42


@pytest.mark.parametrize("kwargs, word", [
    ({"questions": 0}, "questions"), ({"questions": "3"}, "questions"), ({"questions": True}, "questions"),
    ({"minutes": 0}, "minutes"), ({"minutes": 2.5}, "minutes"), ({"mix": "all"}, "mix"),
    ({"order": "shuffled"}, "order"), ({"seed": -1}, "seed"), ({"seed": "x"}, "seed"),
])
def test_invalid_config_is_a_one_line_value_error(kwargs, word):
    with pytest.raises(ValueError) as e:
        InterviewConfig(**kwargs)
    assert str(e.value).startswith(word) and "\n" not in str(e.value)


# ---- planning -----------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_plan_and_other_seeds_differ():
    config = InterviewConfig(seed=123)
    assert plan(config, QUESTIONS) == plan(InterviewConfig(seed=123), QUESTIONS)
    plans = {tuple(plan(InterviewConfig(seed=s), QUESTIONS)) for s in range(10)}
    assert len(plans) > 5


def test_fixed_order_asks_the_same_questions_by_ascending_id():
    shuffled = plan(InterviewConfig(questions=6, seed=5), QUESTIONS)
    fixed = plan(InterviewConfig(questions=6, seed=5, order="fixed"), QUESTIONS)
    ids = [i.question for i in fixed]
    assert ids == sorted(ids) and sorted(i.question for i in shuffled) == ids
    assert len(set(ids)) == 6


def test_mix_concept_answers_every_question_in_text():
    items = plan(InterviewConfig(questions=10, mix="concept", order="fixed", seed=1), QUESTIONS)
    assert [i.question for i in items] == list(range(1, 11))
    assert all(i.mode == "concept" and i.exercise is None for i in items)


def test_mix_coding_grades_distinct_exercises_of_questions_that_have_them():
    items = plan(InterviewConfig(questions=10, mix="coding", order="fixed", seed=1), QUESTIONS)
    assert [i.question for i in items] == WITH_EXERCISES
    assert all(i.mode == "coding" for i in items)
    by_question = {i.question: i.exercise for i in items}
    assert by_question[1] == "freezing" and by_question[6] == "heads"  # q1 took freezing first
    assert len(set(by_question.values())) == len(items)
    for i in items:
        assert i.exercise in QUESTIONS[i.question - 1].exercises


def test_mix_both_uses_each_question_in_its_natural_mode():
    items = plan(InterviewConfig(questions=10, order="fixed", seed=1), QUESTIONS)
    coding = {i.question: i.exercise for i in items if i.mode == "coding"}
    assert set(coding) == {q.id for q in QUESTIONS if q.kind == "coding"}
    assert coding[6] == "freezing"  # q1 is a text item here, so q6 gets its first exercise


def test_asking_for_too_many_questions_caps_and_says_so():
    items = plan(InterviewConfig(questions=50, mix="coding", seed=3), QUESTIONS)
    assert len(items) == len(WITH_EXERCISES)
    assert items.notice and str(len(WITH_EXERCISES)) in items.notice and "50" in items.notice
    assert plan(InterviewConfig(questions=3, seed=3), QUESTIONS).notice is None


def test_a_mix_with_no_eligible_question_is_a_value_error():
    concept_only = [q for q in QUESTIONS if not q.exercises]
    with pytest.raises(ValueError, match="no question"):
        plan(InterviewConfig(mix="coding", seed=1), concept_only)


# ---- the session on a fake clock --------------------------------------------------------------

def test_time_accrues_to_the_current_item_between_calls():
    s = session()
    s.set_answer(0, "fine-tuning reuses features")
    assert s.next(at(60)) == 1
    s.set_answer(1, "def freeze_backbone(...): ...")
    assert s.prev(at(90)) == 0
    s.tick(at(100))
    s.goto(2, at(200))
    assert [e.seconds for e in s.entries] == [170.0, 30.0, 0.0]
    assert s.remaining(at(200)) == 30 * 60 - 200
    assert s.entries[0].answer == "fine-tuning reuses features" and s.current == 2


def test_next_and_prev_stay_within_the_items_and_goto_checks_the_index():
    s = session()
    assert s.prev(at(1)) == 0
    s.goto(2, at(2))
    assert s.next(at(3)) == 2
    with pytest.raises(IndexError):
        s.goto(3, at(4))


def test_time_out_ends_the_session_and_keeps_what_was_typed():
    s = session(minutes=1)
    s.set_answer(0, "half an answer")
    assert s.tick(at(50)) is False and not s.ended
    s.next(at(55))
    assert s.tick(at(75)) is True
    assert s.ended and s.ended_by == "time" and s.ended_at == at(60)
    assert [e.seconds for e in s.entries] == [55.0, 5.0, 0.0]
    assert s.tick(at(80)) is False and s.remaining(at(80)) == 0.0
    with pytest.raises(SessionEnded):
        s.set_answer(0, "more")
    assert s.entries[0].answer == "half an answer"
    s.goto(0, at(90))  # reading after the end is allowed; no time accrues
    s.set_ticks(0, {0, 2})
    s.set_note(0, "good intuition")
    assert s.entries[0].ticks == {0, 2} and sum(e.seconds for e in s.entries) == 60.0


def test_finishing_early_freezes_the_clock():
    s = session()
    s.finish(at(600))
    assert s.ended_by == "finish" and s.ended_at == at(600)
    assert s.remaining(at(5000)) == 1200.0
    s.finish(at(700))
    assert s.ended_at == at(600)


def test_grading_results_belong_to_coding_items_of_the_same_exercise():
    s = session()
    with pytest.raises(ValueError, match="text"):
        s.record_grading(0, grading("freezing", [("pass", 1, False)]))
    with pytest.raises(ValueError, match="freezing"):
        s.record_grading(1, grading("heads", [("pass", 1, False)]))
    with pytest.raises(ValueError):
        s.set_ticks(0, {-1})


# ---- scoring and the report -----------------------------------------------------------------

def scored_session() -> InterviewSession:
    s = session()
    s.set_ticks(0, {0, 1, 2, 3})  # q3 has 8 key points
    s.record_grading(1, grading("freezing", [("fail", 2, False), ("pass", 3, False)]))
    s.record_grading(1, grading("freezing", [("pass", 2, False), ("pass", 3, False), ("fail", 5, True)]))
    return s


def test_score_concept_by_key_points_coding_by_points_ungraded_zero():
    result = score(scored_session(), QUESTIONS)
    assert result.items == (0.5, 0.5, 0.0)
    assert result.total == 33.3


def test_score_rejects_a_tick_beyond_the_key_points():
    s = session()
    s.set_ticks(0, {8})
    with pytest.raises(ValueError, match="key points"):
        score(s, QUESTIONS)


def test_report_needs_a_finished_session_and_holds_everything_in_both_languages():
    s = scored_session()
    s.set_answer(0, "answer <one>")
    s.set_note(0, "asked about BN")
    with pytest.raises(ValueError, match="running"):
        report(s, QUESTIONS)
    s.next(at(100))
    s.finish(at(400))
    r = report(s, QUESTIONS)
    assert json.loads(json.dumps(r)) == r
    assert r["total"] == 33.3 and r["ended_by"] == "finish" and r["seconds"] == 400.0
    assert r["started_at"] == "2025-03-01T09:00:00+00:00" and r["ended_at"] == "2025-03-01T09:06:40+00:00"
    assert r["config"]["seed"] == 7
    assert r["repeat"] == "transferlings interview --questions 3 --mix both --order random --minutes 30 --seed 7"
    first, second, third = r["items"]
    assert first["title"] == QUESTIONS[2].title and first["answer"] == "answer <one>"
    assert first["note"] == "asked about BN" and first["seconds"] == 100.0 and first["score"] == 0.5
    assert [p["ticked"] for p in first["key_points"]] == [True, True, True, True, False, False, False, False]
    assert first["key_points"][3]["text"] == {"zh": QUESTIONS[2].key_points["zh"][3], "en": QUESTIONS[2].key_points["en"][3]}
    assert first["grading"] is None
    g = second["grading"]
    assert (g["status"], g["passed"], g["total"], g["points"], g["max_points"]) == ("fail", 2, 3, 5, 10)
    assert [c for c in g["checks"] if c["hidden"]] == [{"name": "check 2", "status": "fail", "points": 5, "hidden": True}]
    assert (second["mode"], second["exercise"], second["seconds"]) == ("coding", "freezing", 300.0)
    assert third["grading"] is None and third["score"] == 0.0


def test_concept_questions_with_an_exercise_join_the_coding_pool_only_in_mix_coding():
    """Q3 and Q4 are concept questions with exercises: coding items in mix "coding", text items in "both"."""
    coding = {i.question: i.exercise for i in plan(InterviewConfig(questions=10, mix="coding", order="fixed", seed=1), QUESTIONS)}
    assert coding[3] == "data_efficiency" and coding[4] == "lora"
    both = {i.question: i for i in plan(InterviewConfig(questions=10, mix="both", order="fixed", seed=1), QUESTIONS)}
    assert both[3].mode == both[4].mode == "concept" and both[3].exercise is None


@pytest.mark.parametrize("seed", range(40))
def test_mix_both_with_two_or_more_questions_holds_both_modes(seed):
    for n in (2, 3):
        items = plan(InterviewConfig(questions=n, mix="both", seed=seed), QUESTIONS)
        assert {i.mode for i in items} == {"concept", "coding"}


def test_help_is_refused_unless_allowed_and_each_use_is_timed_in_the_report():
    s = session()
    with pytest.raises(ValueError, match="no hints"):
        s.use_aid(1, "hint", at(10))
    allowed = InterviewSession(InterviewConfig(questions=3, seed=7, allow_hints=True), s.items, T0)
    allowed.use_aid(1, "hint", at(90))
    allowed.use_aid(1, "solution", at(300))
    allowed.finish(at(400))
    rep = report(allowed, QUESTIONS)
    assert rep["aids"] == {"hint": 1, "solution": 1}
    assert [(a["kind"], a["elapsed_s"]) for a in rep["items"][1]["aids"]] == [("hint", 90.0), ("solution", 300.0)]
    assert "--allow-hints" in rep["repeat"]


def test_a_saved_session_resumes_with_the_time_that_was_left(tmp_path):
    from quiz.interview import saved as interview_saved

    folder = tmp_path / "interview-1"
    folder.mkdir()
    s = session(minutes=10)
    s.set_answer(0, "frozen backbone")
    s.set_ticks(0, {1})
    s.next(at(120))
    interview_saved.save(s, folder, interviewer=True, now=at(180))
    assert interview_saved.unfinished(tmp_path) == [folder]
    later = at(3600)
    back, interviewer = interview_saved.load(folder, later)
    assert interviewer and back.current == 1 and back.entries[0].answer == "frozen backbone"
    assert back.entries[0].ticks == {1} and back.remaining(later) == 7 * 60
    assert not back.tick(later + timedelta(minutes=6)) and back.tick(later + timedelta(minutes=7))
    interview_saved.discard(folder)
    assert interview_saved.unfinished(tmp_path) == []
