"""`list` and `review`: the question bank from the command line (never imports torch)."""

from __future__ import annotations

import json

from quiz.cli.common import EXIT_OK, console, run_app


def cmd_list(args) -> int:
    from quiz.questions import bank
    from quiz.text.lang import resolve_lang

    lang = resolve_lang(args.lang)
    questions = bank.load_questions()
    if args.json:
        rows = [{"id": q.id, "kind": q.kind, "title": {"zh": q.title["zh"], "en": q.title["en"]},
                 "exercises": list(q.exercises)} for q in questions]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    from quiz.questions.show import render_list

    console().print(render_list(questions, lang))
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("list", help="the ten questions and their exercises", description=(
        "The ten interview questions, with both titles and the exercises that go with them."))
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--lang", choices=("zh", "en"), help="which language comes first")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("review", help="review the questions due now (spaced repetition)", description=(
        "Open the app on a review session: the questions due now, then as many new ones as today's limit "
        "allows (transferlings schedule shows and sets it)."))
    p.set_defaults(func=lambda args: run_app("review"))

    from quiz.questions import show

    show.register(sub)
