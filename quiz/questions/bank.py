"""The question bank: quiz/content/qNN.toml, one file per question, validated on load.

No torch, no UI: this module is plain data and is safe to import anywhere. The file
format is described in quiz/content/README.md; `load_questions()` checks every file
against it and raises `BankError` (a ValueError) naming the file and the field at the
first problem, so a broken edit fails the test suite and the app's start-up loudly.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from quiz.text.lang import LANGS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"

KINDS = ("concept", "coding")
DIFFICULTIES = ("easy", "medium", "hard")
# How the UI names a kind or a difficulty in each language.
LABELS = {
    "concept": {"zh": "概念题", "en": "concept"},
    "coding": {"zh": "编程题", "en": "coding"},
    "easy": {"zh": "简单", "en": "easy"},
    "medium": {"zh": "中等", "en": "medium"},
    "hard": {"zh": "困难", "en": "hard"},
}
KEY_POINTS = (4, 8)
MISTAKES = (2, 5)
FOLLOWUPS = (2, 4)
# Fenced code blocks must name one of these languages; only `python` blocks are code
# that the test suite runs (tests/test_snippets.py), the others are shown as-is.
FENCE_LANGS = ("python", "text", "console", "bash")

_TOP_LEVEL = {
    "id", "kind", "difficulty", "tags", "exercises", "reading",
    "title", "prompt", "answer", "key_points", "mistakes", "followups",
}
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FENCE = re.compile(r"^(?P<indent>[ ]{0,3})(?P<fence>```+|~~~+)(?P<info>[^\n`]*)$")


class BankError(ValueError):
    """A question file is invalid; the message names the file and the field."""


class NoSuchQuestion(LookupError):
    """`get_question(n)` for an n that is not in the bank."""

    def __str__(self) -> str:  # a plain one-line message, no KeyError quoting
        return str(self.args[0]) if self.args else "no such question"


@dataclass(frozen=True)
class Followup:
    """A question an interviewer asks next, with a one-paragraph model answer (Markdown)."""

    question: str
    answer: str


@dataclass(frozen=True)
class Snippet:
    """A ```python block of a question's model answer or of a follow-up answer.

    `label` is unique per question and language and is the same for the matching block
    in the other language, e.g. "q06-en-1" / "q06-zh-1" (numbered from 1 in the order
    they appear: the answer first, then the follow-ups)."""

    question: int
    lang: str
    index: int
    code: str
    where: str  # "answer" or "followups[2].answer"

    @property
    def label(self) -> str:
        return f"q{self.question:02d}-{self.lang}-{self.index}"


@dataclass(frozen=True)
class Question:
    """One interview question in both languages.

    Per-language fields are dicts keyed by "zh" and "en" and always hold both.
    - title: the short title (the table in product.md); prompt: the full question.
    - answer: the model answer, Markdown, with ```python blocks that the tests run.
    - key_points: the interviewer's rubric; index i is the same point in both languages.
    - mistakes: common mistakes; index i is the same mistake in both languages.
    - followups: follow-up questions with answers; index i matches across languages.
    - reading: papers and library docs by name (language-neutral).
    - exercises: names from grader/registry.toml (may be empty).
    - path: the file the question was loaded from.
    """

    id: int
    kind: str
    difficulty: str
    tags: tuple[str, ...]
    exercises: tuple[str, ...]
    title: dict[str, str]
    prompt: dict[str, str]
    answer: dict[str, str]
    key_points: dict[str, tuple[str, ...]]
    mistakes: dict[str, tuple[str, ...]]
    followups: dict[str, tuple[Followup, ...]]
    reading: tuple[str, ...]
    path: Path

    def __hash__(self) -> int:  # the per-language dicts are unhashable; id and file identify it
        return hash((self.id, self.path))

    def snippets(self, lang: str) -> list[Snippet]:
        """The ```python blocks of the answer and the follow-up answers, in order."""
        found: list[Snippet] = []
        parts = [("answer", self.answer[lang])]
        parts += [(f"followups[{i}].answer", f.answer) for i, f in enumerate(self.followups[lang])]
        for where, text in parts:
            for info, code in code_blocks(text):
                if info == "python":
                    found.append(Snippet(self.id, lang, len(found) + 1, code, where))
        return found

    def label(self, key: str, lang: str) -> str:
        """The localised name of this question's kind or difficulty (`key` is "kind" or
        "difficulty")."""
        return LABELS[getattr(self, key)][lang]


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """(info string, code) for each fenced code block of a Markdown text, in order.

    Raises ValueError for a fence that is never closed."""
    blocks: list[tuple[str, str]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info, indent = m["fence"], m["info"].strip(), len(m["indent"])
        body: list[str] = []
        i += 1
        while i < len(lines):
            close = _FENCE.match(lines[i])
            if close and close["fence"][0] == fence[0] and len(close["fence"]) >= len(fence) and not close["info"].strip():
                break
            line = lines[i]
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))):])
            i += 1
        else:
            raise ValueError(f"a code block opened with {fence}{info} is never closed")
        blocks.append((info, "\n".join(body) + "\n"))
        i += 1
    return blocks


# -- loading and validation --------------------------------------------------------------


def _exercise_names() -> set[str]:
    from grader import registry  # plain data, no torch

    return set(registry.names())


class _Checker:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, field: str, problem: str) -> BankError:
        return BankError(f"{self.path}: field '{field}' {problem}")

    def text(self, value, field: str) -> str:
        if value is None:
            raise self.fail(field, "is missing")
        if not isinstance(value, str):
            raise self.fail(field, f"must be a string, not {type(value).__name__}")
        if not value.strip():
            raise self.fail(field, "is empty")
        return value.strip("\n")

    def table(self, value, field: str) -> dict:
        if value is None:
            raise self.fail(field, "is missing")
        if not isinstance(value, dict):
            raise self.fail(field, f"must be a table, not {type(value).__name__}")
        return value

    def per_lang(self, value, field: str) -> dict[str, str]:
        table = self.table(value, field)
        unknown = sorted(set(table) - set(LANGS))
        if unknown:
            raise self.fail(f"{field}.{unknown[0]}", f"is not a language ({' or '.join(LANGS)})")
        return {lang: self.text(table.get(lang), f"{field}.{lang}") for lang in LANGS}

    def strings(self, value, field: str, *, allow_empty: bool = True) -> tuple[str, ...]:
        if value is None:
            raise self.fail(field, "is missing")
        if not isinstance(value, list):
            raise self.fail(field, f"must be a list, not {type(value).__name__}")
        if not value and not allow_empty:
            raise self.fail(field, "is empty")
        return tuple(self.text(v, f"{field}[{i}]") for i, v in enumerate(value))

    def pairs(self, data: dict, field: str, bounds: tuple[int, int]) -> dict[str, tuple[str, ...]]:
        """An array of tables [[field]] with one string per language in each."""
        items = data.get(field)
        if items is None:
            raise self.fail(field, "is missing")
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise self.fail(field, "must be an array of tables ([[" + field + "]] with zh and en)")
        lo, hi = bounds
        if not lo <= len(items) <= hi:
            raise self.fail(field, f"has {len(items)} entries; it needs {lo} to {hi}")
        out: dict[str, list[str]] = {lang: [] for lang in LANGS}
        for i, item in enumerate(items):
            for lang, text in self.per_lang(item, f"{field}[{i}]").items():
                out[lang].append(text)
        return {lang: tuple(v) for lang, v in out.items()}

    def markdown(self, text: str, field: str) -> None:
        try:
            blocks = code_blocks(text)
        except ValueError as e:
            raise self.fail(field, f"is not valid Markdown: {e}") from None
        for info, _ in blocks:
            lang = info.split()[0] if info else ""
            if lang not in FENCE_LANGS:
                raise self.fail(
                    field,
                    f"has a code block tagged {info!r}; tag it as one of {', '.join(FENCE_LANGS)}"
                    " (python blocks are run by the tests)",
                )


def parse_question(path: Path, known_exercises: set[str] | None = None) -> Question:
    """Load and validate one question file; BankError names the file and the field."""
    c = _Checker(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise BankError(f"{path}: not valid TOML ({e})") from None

    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise c.fail(unknown[0], f"is not a known field (known: {', '.join(sorted(_TOP_LEVEL))})")

    qid = data.get("id")
    if qid is None:
        raise c.fail("id", "is missing")
    if not isinstance(qid, int) or isinstance(qid, bool) or qid < 1:
        raise c.fail("id", f"must be a positive integer, not {qid!r}")
    m = re.fullmatch(r"q(\d+)", path.stem)
    if m and int(m[1]) != qid:
        raise c.fail("id", f"is {qid} but the file name says {int(m[1])}")

    kind = c.text(data.get("kind"), "kind")
    if kind not in KINDS:
        raise c.fail("kind", f"is {kind!r}; it must be one of {', '.join(KINDS)}")
    difficulty = c.text(data.get("difficulty"), "difficulty")
    if difficulty not in DIFFICULTIES:
        raise c.fail("difficulty", f"is {difficulty!r}; it must be one of {', '.join(DIFFICULTIES)}")

    tags = c.strings(data.get("tags"), "tags", allow_empty=False)
    for i, tag in enumerate(tags):
        if not _TAG.match(tag):
            raise c.fail(f"tags[{i}]", f"is {tag!r}; tags are lower-case words joined by '-'")

    exercises = c.strings(data.get("exercises"), "exercises")
    known = _exercise_names() if known_exercises is None else known_exercises
    for i, name in enumerate(exercises):
        if name not in known:
            raise c.fail(
                f"exercises[{i}]",
                f"names an unknown exercise {name!r} (known: {', '.join(sorted(known))})",
            )

    reading = c.strings(data.get("reading"), "reading", allow_empty=False)
    title = c.per_lang(data.get("title"), "title")
    prompt = c.per_lang(data.get("prompt"), "prompt")
    answer = c.per_lang(data.get("answer"), "answer")
    for lang in LANGS:
        if "\n" in title[lang]:
            raise c.fail(f"title.{lang}", "must be one line")
        c.markdown(prompt[lang], f"prompt.{lang}")
        c.markdown(answer[lang], f"answer.{lang}")

    key_points = c.pairs(data, "key_points", KEY_POINTS)
    mistakes = c.pairs(data, "mistakes", MISTAKES)

    items = data.get("followups")
    if items is None:
        raise c.fail("followups", "is missing")
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise c.fail("followups", "must be an array of tables ([[followups]] with zh and en)")
    lo, hi = FOLLOWUPS
    if not lo <= len(items) <= hi:
        raise c.fail("followups", f"has {len(items)} entries; it needs {lo} to {hi}")
    followups: dict[str, list[Followup]] = {lang: [] for lang in LANGS}
    for i, item in enumerate(items):
        unknown = sorted(set(item) - set(LANGS))
        if unknown:
            raise c.fail(f"followups[{i}].{unknown[0]}", f"is not a language ({' or '.join(LANGS)})")
        for lang in LANGS:
            where = f"followups[{i}].{lang}"
            entry = c.table(item.get(lang), where)
            extra = sorted(set(entry) - {"question", "answer"})
            if extra:
                raise c.fail(f"{where}.{extra[0]}", "is not a known field (question, answer)")
            q = c.text(entry.get("question"), f"{where}.question")
            a = c.text(entry.get("answer"), f"{where}.answer")
            c.markdown(a, f"{where}.answer")
            followups[lang].append(Followup(q, a))

    return Question(
        id=qid,
        kind=kind,
        difficulty=difficulty,
        tags=tags,
        exercises=exercises,
        title=title,
        prompt=prompt,
        answer=answer,
        key_points=key_points,
        mistakes=mistakes,
        followups={lang: tuple(v) for lang, v in followups.items()},
        reading=reading,
        path=path,
    )


def _load(directory: Path) -> tuple[Question, ...]:
    files = sorted(directory.glob("q*.toml"))
    if not files:
        raise BankError(f"{directory}: no question files (q01.toml, ...)")
    known = _exercise_names()
    questions = sorted((parse_question(f, known) for f in files), key=lambda q: q.id)
    seen: dict[int, Path] = {}
    for q in questions:
        if q.id in seen:
            raise BankError(f"{q.path}: field 'id' is {q.id}, already used by {seen[q.id]}")
        seen[q.id] = q.path
    return tuple(questions)


@lru_cache(maxsize=None)
def _cached(directory: Path) -> tuple[Question, ...]:
    return _load(directory)


def load_questions(directory: Path | str | None = None) -> list[Question]:
    """Every question, ordered by id. Cached per folder (the default is quiz/content).

    Raises BankError naming the file and field of the first invalid entry."""
    folder = Path(directory).resolve() if directory is not None else CONTENT_DIR
    return list(_cached(folder))


def get_question(n: int) -> Question:
    """Question `n` of the bank; NoSuchQuestion (a LookupError) with a one-line message
    listing the valid numbers otherwise."""
    questions = load_questions()
    for q in questions:
        if q.id == n:
            return q
    ids = [q.id for q in questions]
    span = f"{ids[0]}-{ids[-1]}" if ids == list(range(ids[0], ids[-1] + 1)) else ", ".join(map(str, ids))
    raise NoSuchQuestion(f"there is no question {n} (questions are {span})")
