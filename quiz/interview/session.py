"""Mock interviews without the UI: the setup, the plan of questions, a timed session,
the score and the report. No torch, no Textual, and no clock: every method that needs
the time takes `now`, so the UI passes the real clock and the tests a fake one.

What `mix` means (each planned question becomes one `Item`):
- "concept": every question of the bank, answered in text and scored by the key points
  ticked (by the candidate or an interviewer), coding questions included.
- "coding": only questions that have exercises; each is answered by editing and grading
  an exercise and scored by the grader's points.
- "both": every question in its natural mode: kind "coding" (with an exercise) is a
  coding item, anything else a concept item. With two questions or more, a "both"
  interview always holds at least one of each mode.

A coding item's exercise is the first of its question's exercises that no lower-numbered
coding item of the same interview uses, so two items never send the candidate to the
same exercise file (when all are taken, the first is shared).

Selection and order are seeded (`random.Random(seed)`): the questions are a seeded
sample of the eligible ones; order "random" asks them in the sampled order, "fixed" by
ascending question id. The same config and seed always give the same plan.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from quiz.questions.bank import Question

MIXES = ("concept", "coding", "both")
ORDERS = ("random", "fixed")
MODES = ("concept", "coding")
AIDS = ("hint", "solution")
SEEDS = 1_000_000  # a picked seed is below this: short enough to read out and type
REPORT_FORMAT = 2  # 2: a coding item's typed answer and its code are apart ("answer", "code")


@dataclass(frozen=True)
class InterviewConfig:
    """How an interview is set up. `seed=None` picks a random seed and keeps it in
    `seed`, so the report can say how to repeat the session. Invalid values raise
    ValueError with a one-line message."""

    questions: int = 5
    mix: str = "both"
    minutes: int = 30
    order: str = "random"
    seed: int | None = None
    allow_hints: bool = False

    def __post_init__(self) -> None:
        _positive_int("questions", self.questions)
        _positive_int("minutes", self.minutes)
        _one_of("mix", self.mix, MIXES)
        _one_of("order", self.order, ORDERS)
        if self.seed is None:
            object.__setattr__(self, "seed", random.SystemRandom().randrange(SEEDS))
        elif not _is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, not {self.seed!r}")
        if not isinstance(self.allow_hints, bool):
            raise ValueError(f"allow_hints must be true or false, not {self.allow_hints!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    def repeat_command(self) -> str:
        """The command line that runs this interview again with the same questions."""
        return (f"transferlings interview --questions {self.questions} --mix {self.mix} "
                f"--order {self.order} --minutes {self.minutes} --seed {self.seed}"
                + (" --allow-hints" if self.allow_hints else ""))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(name: str, value) -> None:
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, not {value!r}")


def _one_of(name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")


# ---- planning ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One planned question: answered in text ("concept") or by an exercise ("coding")."""

    question: int
    mode: str
    exercise: str | None = None


class Plan(list):
    """The items in the order they are asked. `notice` is a one-line message when fewer
    questions were available than the config asked for, else None."""

    def __init__(self, items: Iterable[Item], notice: str | None = None):
        super().__init__(items)
        self.notice = notice


def _mode(question: Question, mix: str) -> str:
    if not question.exercises or mix == "concept":
        return "concept"
    if mix == "coding" or question.kind == "coding":
        return "coding"
    return "concept"


def _eligible(question: Question, mix: str) -> bool:
    return mix != "coding" or bool(question.exercises)


def _assign_exercises(coding: Iterable[Question]) -> dict[int, str]:
    """Question id -> exercise, preferring exercises no lower-numbered question took."""
    used: set[str] = set()
    chosen: dict[int, str] = {}
    for q in sorted(coding, key=lambda q: q.id):
        name = next((e for e in q.exercises if e not in used), q.exercises[0])
        used.add(name)
        chosen[q.id] = name
    return chosen


def _include_both_modes(chosen: list[Question], eligible: list[Question], rng: random.Random) -> None:
    """Make `chosen` hold a coding and a concept item: a missing mode replaces the
    last-sampled question of the mode that has more than one."""
    for wanted in MODES:
        if any(_mode(q, "both") == wanted for q in chosen):
            continue
        pool = [q for q in eligible if _mode(q, "both") == wanted and q not in chosen]
        if pool:
            chosen[-1] = rng.choice(pool)


def plan(config: InterviewConfig, questions: Iterable[Question]) -> Plan:
    """The items of an interview: deterministic for a given config (seed included).

    Asking for more questions than the mix allows plans all of them and sets
    `Plan.notice`; a mix with no eligible question at all raises ValueError."""
    eligible = sorted((q for q in questions if _eligible(q, config.mix)), key=lambda q: q.id)
    if not eligible:
        raise ValueError(f"no question can be asked with mix {config.mix!r}")
    count = min(config.questions, len(eligible))
    rng = random.Random(config.seed)
    chosen = rng.sample(eligible, count)
    if config.mix == "both" and count >= 2:
        _include_both_modes(chosen, eligible, rng)
    if config.order == "fixed":
        chosen.sort(key=lambda q: q.id)
    modes = {q.id: _mode(q, config.mix) for q in chosen}
    exercises = _assign_exercises(q for q in chosen if modes[q.id] == "coding")
    items = [Item(q.id, modes[q.id], exercises.get(q.id)) for q in chosen]
    notice = None
    if count < config.questions:
        notice = f"only {count} questions fit mix {config.mix!r}; the interview has {count}, not {config.questions}"
    return Plan(items, notice)


# ---- the timed session ------------------------------------------------------------------

class SessionEnded(RuntimeError):
    """An answer was edited after the session ended; answers are final then."""


@dataclass
class Entry:
    """What was recorded for one item: the typed answer (a coding item's too: the
    candidate walks through their approach), a coding item's `code` (the exercise file as
    last kept), the key points ticked (indices into the question's key_points), the
    interviewer's note, the latest grading result (coding items), the seconds spent on the
    item, and each hint or solution opened (`aids`: {"kind": "hint" | "solution", "at":
    ISO time, "elapsed_s": into the session})."""

    answer: str = ""
    code: str = ""
    ticks: frozenset[int] = field(default_factory=frozenset)
    note: str = ""
    grading: dict | None = None
    seconds: float = 0.0
    aids: list[dict] = field(default_factory=list)


class InterviewSession:
    """A running interview. Time accrues to the current item between calls that take
    `now` (tick, goto, next, prev, finish) and stops at the deadline.

    The session ends when `tick` (or any call taking `now`) sees the deadline, or on
    `finish`. After the end, answers stay readable and `set_answer` raises SessionEnded;
    ticks, notes and grading results can still be recorded, because scoring (and a
    grading run in flight at the deadline) happens after the candidate's time is up.
    Moving between items stays possible, for reading."""

    def __init__(self, config: InterviewConfig, items: Iterable[Item], now: datetime):
        self.config = config
        self.items: tuple[Item, ...] = tuple(items)
        if not self.items:
            raise ValueError("an interview needs at least one item")
        self.entries = [Entry() for _ in self.items]
        self.current = 0
        self.started_at = now
        self.deadline = now + timedelta(minutes=config.minutes)
        self.ended_at: datetime | None = None
        self.ended_by: str | None = None  # "time" or "finish"
        self._mark = now

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def remaining(self, now: datetime) -> float:
        """Seconds left on the clock (frozen at the end, never negative)."""
        until = self.ended_at if self.ended_at is not None else now
        return max(0.0, (self.deadline - until).total_seconds())

    def tick(self, now: datetime) -> bool:
        """Account the time up to `now`; end the session if the deadline has passed.
        True exactly when this call ended it."""
        if self.ended:
            return False
        self._accrue(now)
        if now >= self.deadline:
            self._end(self.deadline, "time")
            return True
        return False

    def goto(self, index: int, now: datetime) -> int:
        """Make item `index` current (time so far goes to the previous one)."""
        self._check_index(index)
        self.tick(now)
        self.current = index
        return index

    def next(self, now: datetime) -> int:
        """Move to the next item (stays on the last); returns the current index."""
        return self.goto(min(self.current + 1, len(self.items) - 1), now)

    def prev(self, now: datetime) -> int:
        """Move to the previous item (stays on the first); returns the current index."""
        return self.goto(max(self.current - 1, 0), now)

    def finish(self, now: datetime) -> None:
        """End the session now (or at the deadline, if that came first)."""
        self.tick(now)
        if not self.ended:
            self._end(now, "finish")

    def set_answer(self, index: int, text: str) -> None:
        self._check_index(index)
        if self.ended:
            raise SessionEnded("the interview has ended: answers are final")
        self.entries[index].answer = str(text)

    def set_code(self, index: int, text: str) -> None:
        """Keep coding item `index`'s file as it stands; final once the session ended."""
        self._check_index(index)
        if self.items[index].mode != "coding":
            raise ValueError(f"item {index + 1} is answered in text, not in code")
        if self.ended:
            raise SessionEnded("the interview has ended: answers are final")
        self.entries[index].code = str(text)

    def set_ticks(self, index: int, ticks: Iterable[int]) -> None:
        """The key points heard for item `index` (indices into its key_points)."""
        self._check_index(index)
        ticks = frozenset(ticks)
        if not all(_is_int(t) and t >= 0 for t in ticks):
            raise ValueError(f"key point indices must be whole numbers >= 0, not {sorted(ticks, key=str)}")
        self.entries[index].ticks = ticks

    def set_note(self, index: int, text: str) -> None:
        self._check_index(index)
        self.entries[index].note = str(text)

    def record_grading(self, index: int, result: dict) -> None:
        """Keep `result` (grader.results schema) as the latest grading of coding item
        `index`; ValueError for a concept item or a result of another exercise."""
        self._check_index(index)
        item = self.items[index]
        if item.mode != "coding":
            raise ValueError(f"item {index + 1} is answered in text, not graded")
        if result.get("exercise") != item.exercise:
            raise ValueError(f"item {index + 1} is graded by {item.exercise!r}, not {result.get('exercise')!r}")
        self.entries[index].grading = result

    def use_aid(self, index: int, kind: str, now: datetime) -> None:
        """Record that a hint or the solution of coding item `index` was opened at `now`.
        ValueError when the interview's config does not allow help."""
        self._check_index(index)
        if not self.config.allow_hints:
            raise ValueError("this interview allows no hints or solutions")
        _one_of("aid", kind, AIDS)
        elapsed = (min(now, self.ended_at or now) - self.started_at).total_seconds()
        self.entries[index].aids.append({"kind": kind, "at": _iso(now), "elapsed_s": round(elapsed, 1)})

    def _check_index(self, index: int) -> None:
        if not _is_int(index) or not 0 <= index < len(self.items):
            raise IndexError(f"no item {index!r}: the interview has items 0 to {len(self.items) - 1}")

    def _accrue(self, now: datetime) -> None:
        until = min(now, self.deadline)
        if until > self._mark:
            self.entries[self.current].seconds += (until - self._mark).total_seconds()
            self._mark = until

    def _end(self, at: datetime, by: str) -> None:
        self.ended_at = at
        self.ended_by = by


# ---- scoring and the report -------------------------------------------------------------

@dataclass(frozen=True)
class Score:
    """Per-item fractions in [0, 1], in item order, and the total out of 100."""

    items: tuple[float, ...]
    total: float


def _by_id(questions: Iterable[Question], items: Iterable[Item]) -> dict[int, Question]:
    found = {q.id: q for q in questions}
    for item in items:
        if item.question not in found:
            raise ValueError(f"question {item.question} is not in the bank")
    return found


def _fraction(item: Item, entry: Entry, question: Question) -> float:
    if item.mode == "coding":
        g = entry.grading
        return g["points"] / g["max_points"] if g and g["max_points"] > 0 else 0.0
    total = len(question.key_points["en"])
    if any(t >= total for t in entry.ticks):
        raise ValueError(f"question {question.id} has key points 0 to {total - 1}, not {sorted(entry.ticks)}")
    return len(entry.ticks) / total


def score(session: InterviewSession, questions: Iterable[Question]) -> Score:
    """Concept items: key points ticked / all; coding items: the latest grading's
    points / max_points (0 if never graded); total = 100 * mean, one decimal."""
    bank = _by_id(questions, session.items)
    fractions = tuple(_fraction(item, entry, bank[item.question])
                      for item, entry in zip(session.items, session.entries))
    return Score(fractions, round(100 * sum(fractions) / len(fractions), 1))


def _grading_summary(result: dict) -> dict:
    """The report's view of a grading; where the Chinese differs (a check's name, the
    message), it rides along under "zh", as in the result schema."""
    from grader.results import localized

    zh = localized(result, "zh")
    summary = {
        "status": result["status"],
        "message": result.get("message", ""),
        "passed": result["passed"],
        "total": len(result["tests"]),
        "points": result["points"],
        "max_points": result["max_points"],
        "checks": [{"name": t["name"], "status": t["status"], "points": t.get("points", 1),
                    "hidden": bool(t.get("hidden", False))} | ({"zh": {"name": z["name"]}} if z["name"] != t["name"] else {})
                   for t, z in zip(result["tests"], zh["tests"])],
        "flags": [{"line": f.get("line"), "message": f["message"], "source": f.get("source", "static")}
                  for f in result.get("flags", [])],
        "isolation": result.get("isolation"),
    }
    if zh["message"] != summary["message"]:
        summary["zh"] = {"message": zh["message"]}
    return summary


def _item_report(item: Item, entry: Entry, question: Question, fraction: float) -> dict:
    points = zip(question.key_points["zh"], question.key_points["en"])
    return {
        "question": item.question,
        "kind": question.kind,
        "mode": item.mode,
        "exercise": item.exercise,
        "title": dict(question.title),
        "seconds": round(entry.seconds, 1),
        "score": round(fraction, 4),
        "answer": entry.answer,
        "code": entry.code if item.mode == "coding" else "",
        "note": entry.note,
        "key_points": [{"text": {"zh": zh, "en": en}, "ticked": i in entry.ticks}
                       for i, (zh, en) in enumerate(points)],
        "grading": _grading_summary(entry.grading) if entry.grading else None,
        "aids": list(entry.aids),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def report(session: InterviewSession, questions: Iterable[Question]) -> dict:
    """Everything an exported report shows, as JSON-serialisable data: bilingual
    titles and key points (each with `ticked`; a coding item's are never ticked: its
    checks score it), answers, a coding item's code, notes, seconds and score per
    item, a grading summary for coding items (hidden checks included: the report is
    for the interviewer), the total, the config with its seed and the command that
    repeats the interview. ValueError while the session is still running."""
    if session.ended_at is None:
        raise ValueError("the interview is still running: finish it before reporting")
    bank = _by_id(questions, session.items)
    result = score(session, bank.values())
    items = [_item_report(item, entry, bank[item.question], fraction)
             for item, entry, fraction in zip(session.items, session.entries, result.items)]
    return {
        "format": REPORT_FORMAT,
        "started_at": _iso(session.started_at),
        "ended_at": _iso(session.ended_at),
        "ended_by": session.ended_by,
        "config": session.config.to_dict(),
        "repeat": session.config.repeat_command(),
        "total": result.total,
        "aids": {kind: sum(a["kind"] == kind for e in session.entries for a in e.aids) for kind in AIDS},
        "seconds": round(sum(e.seconds for e in session.entries), 1),
        "items": items,
    }
