"""How a grader module declares its checks.

A grader is a pytest module in grader/graders/NAME.py whose test functions are decorated
with `@check(...)`: a title that reads as a sentence, a level, points and a hint, each
title and hint also in Chinese (`title_zh`, `hint_zh`; shown when the language is zh). Tests
take the `impl` fixture (the candidate's module, loaded by path) and `device`.
Assertion messages are shown to the user verbatim: state what was expected and what was
seen, in one or two lines, in both languages with `say(english, chinese)`:

    assert got == want, say(f"expected {want}, got {got}", f"应为 {want}，实际为 {got}")

The values in a message may stay as they are; its frame is translated. Where `==` decides
a check on a value the candidate returned, check its exact type first (`assert_exact_type`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

LEVELS = ("basic", "interview", "expert")

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Check:
    title: str
    level: str
    points: int
    hint: str
    hidden: bool = False
    title_zh: str = ""
    hint_zh: str = ""


def check(title: str, *, level: str, points: int, hint: str, hidden: bool = False, title_zh: str = "",
          hint_zh: str = "") -> Callable[[F], F]:
    """Mark a test function as a graded check.

    `hidden` checks are shown to a candidate only as "hidden check" (mock interviews);
    their content is visible to an interviewer.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if points < 1:
        raise ValueError("points must be >= 1")

    def mark(fn: F) -> F:
        fn.__check__ = Check(title, level, points, hint, hidden, title_zh, hint_zh)
        return fn

    return mark


class Said(str):
    """An assertion message: the English text, carrying its Chinese as `zh`."""

    zh: str


def say(en: str, zh: str) -> Said:
    """A check's message in English and Chinese (the result shows the reader's language)."""
    message = Said(en)
    message.zh = zh
    return message


def assert_exact_type(value, kind: type, what: str) -> None:
    """Fail unless `type(value) is kind`. Where equality decides a check, a subclass could
    redefine `==` (a str equal to everything) and pass it, so the type is checked first."""
    assert type(value) is kind, say(f"expected {what} to be exactly {kind.__name__}, got {type(value).__name__}",
                                    f"{what} 的类型应恰好是 {kind.__name__}，实际为 {type(value).__name__}")


def check_of(fn) -> Check | None:
    return getattr(fn, "__check__", None)


def raising(fn: Callable[[], object]) -> Said | None:
    """Call `fn`: None when it raises ValueError, else what it did instead, for an
    assertion message ("returned without raising", "raised KeyError: ...", with its Chinese
    as `.zh`). A stub's NotImplementedError propagates, so it reads as "not implemented"."""
    try:
        fn()
    except ValueError:
        return None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the candidate
        return say(f"raised {type(exc).__name__}: {exc}", f"抛出了 {type(exc).__name__}: {exc}")
    return say("returned without raising", "正常返回，没有抛出异常")


def raising_zh(problem: str) -> str:
    """`raising()`'s account of what happened instead, in Chinese."""
    if problem == "returned without raising":
        return "没有抛出异常，直接返回了"
    return problem.replace("raised ", "抛出的是 ", 1) if problem.startswith("raised ") else problem


class FakeModel:
    """A stand-in model for protocol checks (transfer_rate, data_efficiency): what
    make_model built it with, and `history`, the (data, steps, seed) of each train call
    a grader's fake `train` records."""

    def __init__(self, pretrained: bool, seed):
        self.pretrained, self.seed = bool(pretrained), seed
        self.history: list[tuple] = []

    @property
    def arm(self) -> str:
        return "transfer" if self.pretrained else "scratch"

    def __repr__(self) -> str:
        return f"<{self.arm} model, seed {self.seed}>"
