"""`transferlings show N [--lang zh|en] [--answer]`: a question rendered with Rich.

`render_question`, `render_list` and `render_hints` return Rich renderables that the UI
and a notebook may reuse.
No torch is imported here.
"""

from __future__ import annotations

import argparse
import sys

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from quiz.questions.bank import BankError, NoSuchQuestion, Question, get_question
from quiz.text.lang import LANGS, LangError, other, resolve_lang
from quiz.text.tags import tags_line
from quiz.text.wrap import installed as cjk_wrap

# Section headings and other fixed words, per language.
WORDS = {
    "question": {"zh": "题目", "en": "Question"},
    "answer": {"zh": "参考答案", "en": "Model answer"},
    "key_points": {"zh": "得分要点", "en": "Key points"},
    "mistakes": {"zh": "常见错误", "en": "Common mistakes"},
    "followups": {"zh": "面试官追问", "en": "Follow-up questions"},
    "followup": {"zh": "追问", "en": "Follow-up"},
    "reading": {"zh": "延伸阅读", "en": "Further reading"},
    "exercises": {"zh": "配套练习", "en": "Exercises"},
    "tags": {"zh": "标签", "en": "tags"},
    "hidden": {
        "zh": "（加 --answer 查看参考答案、得分要点、常见错误和追问）",
        "en": "(add --answer for the model answer, key points, mistakes and follow-ups)",
    },
}


def _w(key: str, lang: str) -> str:
    return WORDS[key][lang]


def _exercise_titles(q: Question, lang: str) -> list[str]:
    from grader import registry  # plain data, no torch

    out = []
    for name in q.exercises:
        try:
            out.append(f"`{name}`: {registry.get(name).title[lang]}")
        except KeyError:  # pragma: no cover - the bank validates names on load
            out.append(f"`{name}`")
    return out


def header(q: Question, lang: str) -> RenderableType:
    """One line: number, title, kind, difficulty and tags."""
    text = Text()
    text.append(f"Q{q.id} ", style="bold cyan")
    text.append(q.title[lang], style="bold")
    sep = " · "
    meta = sep.join([q.label("kind", lang), q.label("difficulty", lang), tags_line(q.tags, lang)])
    text.append(f"\n{meta}", style="dim")
    return text


def render_question(q: Question, lang: str, *, answer: bool) -> RenderableType:
    """The question (and, with `answer`, the model answer, key points, mistakes,
    follow-ups, reading and exercises) as one Rich renderable."""
    if lang not in LANGS:
        raise LangError(f"unknown language {lang!r}: use zh or en")
    parts: list[RenderableType] = [header(q, lang), Rule(style="cyan"), Markdown(q.prompt[lang])]
    if not answer:
        parts += [Text(""), Text(_w("hidden", lang), style="dim")]
        return Group(*parts)

    def section(key: str) -> None:
        parts.append(Text(""))
        parts.append(Rule(_w(key, lang), style="cyan", align="left"))

    section("answer")
    parts.append(Markdown(q.answer[lang]))

    section("key_points")
    parts.append(Markdown("\n".join(f"{i}. {p}" for i, p in enumerate(q.key_points[lang], 1))))

    section("mistakes")
    parts.append(Markdown("\n".join(f"- {m}" for m in q.mistakes[lang])))

    section("followups")
    for i, f in enumerate(q.followups[lang], 1):
        label = f"**{_w('followup', lang)} {i}**：" if lang == "zh" else f"**{_w('followup', lang)} {i}:** "
        parts.append(Markdown(label + f.question))
        parts.append(Padding(Markdown(f.answer), (0, 0, 1, 4)))

    section("reading")
    parts.append(Markdown("\n".join(f"- {r}" for r in q.reading)))

    if q.exercises:
        section("exercises")
        parts.append(Markdown("\n".join(f"- {e}" for e in _exercise_titles(q, lang))))
    return Group(*parts)


def render_list(questions: list[Question], lang: str) -> RenderableType:
    """A table of every question with both titles, `lang` first (for `transferlings list`)."""
    second = other(lang)
    table = Table(box=box.SIMPLE_HEAD, show_lines=False, pad_edge=False)
    table.add_column("#", justify="right", style="cyan", no_wrap=True)
    table.add_column({"zh": "题目", "en": "Question"}[lang], ratio=3)
    table.add_column({"zh": "题型", "en": "Kind"}[lang], no_wrap=True)
    table.add_column({"zh": "难度", "en": "Level"}[lang], no_wrap=True)
    table.add_column({"zh": "练习", "en": "Exercises"}[lang], style="dim")
    for q in questions:
        title = Text(q.title[lang], style="bold")
        title.append(f"\n{q.title[second]}", style="dim")
        table.add_row(str(q.id), title, q.label("kind", lang), q.label("difficulty", lang),
                      ", ".join(q.exercises) or "—")
    return table


def render_hints(exercise: str, lang: str) -> RenderableType:
    """An exercise's title and its hints, numbered, mildest first (`transferlings hint`)."""
    from grader import registry  # plain data, no torch
    from quiz.results.terminal import Hanging

    ex = registry.get(exercise)
    lines = [Text(ex.title[lang], style="bold")]
    lines += [Hanging(Text(f"{i}. ", style="yellow"), [Text(hint)]) for i, hint in enumerate(ex.hints[lang], 1)]
    return Group(*lines)


def register(subparsers) -> argparse.ArgumentParser:
    """Add `show N [--lang zh|en] [--answer]` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "show",
        help="print a question (with --answer: the model answer and rubric)",
        description="Print interview question N; --answer adds the model answer, key points, "
        "common mistakes, follow-up questions and further reading.",
    )
    p.add_argument("n", type=int, metavar="N", help="question number (1-10)")
    p.add_argument("--lang", choices=LANGS, default=None,
                   help="zh or en (default: $TRANSFERLINGS_LANG, the config file, then the locale)")
    p.add_argument("--answer", action="store_true", help="also show the model answer and rubric")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    """Print question args.n; 0 on success, 2 with a one-line message on bad input."""
    try:
        lang = resolve_lang(getattr(args, "lang", None))
        q = get_question(int(args.n))
    except (LangError, NoSuchQuestion, BankError) as e:
        print(f"transferlings show: {e}", file=sys.stderr)
        return 2
    console = console or Console()
    with cjk_wrap():
        console.print(render_question(q, lang, answer=bool(getattr(args, "answer", False))))
    return 0


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - handy for development
    parser = argparse.ArgumentParser(prog="transferlings")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
