"""The recommended path (quiz/path.toml): questions and exercises in the order to learn
them, and the learner's next unfinished step. No torch, no UI.

A question step is done once the question has been reviewed (rated) at least once; an
exercise step once the active workspace's file passes (quiz.learning.standing).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grader import registry
from quiz.questions import bank

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PATH_FILE = Path(__file__).resolve().parents[1] / "path.toml"


class PathError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    kind: str  # "question" or "exercise"
    target: str  # question id as text, or exercise name

    @property
    def question(self) -> int:
        return int(self.target)

    def title(self, lang: str) -> str:
        if self.kind == "question":
            q = bank.get_question(self.question)
            return f"{'问题' if lang == 'zh' else 'Question'} {q.id}: {q.title[lang]}"
        ex = registry.get(self.target)
        return f"{'练习' if lang == 'zh' else 'Exercise'} {ex.name}: {ex.title[lang]}"


@lru_cache(maxsize=1)
def steps() -> tuple[Step, ...]:
    """The path, validated: every question of the bank exactly once, every registry
    exercise exactly once (appended when the file lacks it)."""
    with PATH_FILE.open("rb") as f:
        entries = tomllib.load(f)["steps"]
    known_questions = {q.id for q in bank.load_questions()}
    known_exercises = set(registry.names())
    found: list[Step] = []
    for entry in entries:
        kind, _, target = entry.partition(" ")
        if kind == "question":
            if not target.isdigit() or int(target) not in known_questions:
                raise PathError(f"{PATH_FILE.name}: no question {target!r}")
        elif kind != "exercise":
            raise PathError(f"{PATH_FILE.name}: {entry!r} is neither 'question N' nor 'exercise NAME'")
        elif target not in known_exercises:
            continue
        if Step(kind, target) in found:
            raise PathError(f"{PATH_FILE.name}: {entry!r} appears twice")
        found.append(Step(kind, target))
    missing_q = known_questions - {s.question for s in found if s.kind == "question"}
    if missing_q:
        raise PathError(f"{PATH_FILE.name}: questions {sorted(missing_q)} are not on the path")
    found += [Step("exercise", name) for name in registry.names() if Step("exercise", name) not in found]
    return tuple(found)


def exercise_order() -> list[str]:
    return [s.target for s in steps() if s.kind == "exercise"]


def question_order() -> list[int]:
    return [s.question for s in steps() if s.kind == "question"]


def is_done(step: Step, store, states: dict) -> bool:
    """`states`: exercise -> quiz.learning.standing.ExerciseState of the active workspace."""
    if step.kind == "question":
        return store.card(step.question) is not None
    return states[step.target].state == "passed"


def next_step(store, states: dict, after: Step | None = None) -> Step | None:
    """The first unfinished step (after `after`, wrapping around, when given); None when
    every step is done."""
    order = list(steps())
    if after is not None and after in order:
        i = order.index(after) + 1
        order = order[i:] + order[:i]
    return next((s for s in order if not is_done(s, store, states)), None)


def next_exercise(store, states: dict, after: str | None = None) -> str | None:
    """The first exercise of the path not passed (after `after`, wrapping around)."""
    order = exercise_order()
    if after in order:
        i = order.index(after) + 1
        order = order[i:] + order[:i]
    return next((name for name in order if states[name].state != "passed" and name != after), None)
