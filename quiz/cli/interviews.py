"""`interview` and `report`: timed mock interviews and their saved reports."""

from __future__ import annotations

import sys
from pathlib import Path

from quiz.cli.common import EXIT_OK, UsageError, run_app


def cmd_interview(args) -> int:
    from quiz.interview.session import InterviewConfig

    if args.resume:
        return _resume()
    try:
        config = InterviewConfig(questions=args.questions, mix=args.mix, minutes=args.minutes, order=args.order,
                                 seed=args.seed, allow_hints=args.allow_hints)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return run_app("interview", (config, args.interviewer))


def _resume() -> int:
    from quiz.interview import saved as interview_saved
    from quiz.storage.locations import home

    left = interview_saved.unfinished(home() / "interviews")
    if not left:
        raise UsageError("there is no unfinished mock interview to resume (start one with: transferlings interview)")
    try:
        interview_saved.load(left[0], interview_saved.datetime.now().astimezone())
    except ValueError as e:
        raise UsageError(str(e)) from None
    return run_app("resume", (left[0],))


REPORT_FORMATS = {"md": "to_markdown", "json": "to_json", "html": "to_html"}
_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def _saved_interview(store, which: str | None) -> dict:
    if which is None:
        found = store.last_interview()
        if found is None:
            raise UsageError("no mock interview has been saved yet")
        return found
    if not which.isdigit():
        raise UsageError(f"interview ID must be a number, not {which!r}")
    found = store.interview(int(which))
    if found is None:
        latest = store.interviews(limit=1)
        known = f" (the latest is {latest[0]['id']})" if latest else " (none saved yet)"
        raise UsageError(f"there is no interview {which}{known}")
    return found


def _report_format(args) -> str:
    if args.format:
        return args.format
    return _SUFFIX_FORMATS.get(Path(args.output).suffix.lower(), "md") if args.output else "md"


def cmd_report(args) -> int:
    from quiz.interview import export
    from quiz.text.lang import resolve_lang
    from quiz.storage.store import Store

    if args.id is not None and args.last:
        raise UsageError("give an interview ID or --last, not both")
    lang = resolve_lang(args.lang)
    fmt = _report_format(args)
    store = Store()
    try:
        saved = _saved_interview(store, args.id)
    finally:
        store.close()
    render = getattr(export, REPORT_FORMATS[fmt])
    text = render(saved) if fmt == "json" else render(saved, lang)
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    if target.exists() and not args.force:
        raise UsageError(f"{target} already exists (add --force to overwrite it)")
    target.write_text(text, encoding="utf-8")
    print(f"Wrote interview {saved['id']} to {target}", file=sys.stderr)
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("interview", help="start a timed mock interview", description=(
        "Open the app on a timed mock interview of questions and coding exercises, answered in writing and "
        "scored against the rubric; the same --seed repeats it. Saved on every change: --resume carries on."))
    p.add_argument("--questions", type=int, default=5, metavar="N", help="how many questions (default 5)")
    p.add_argument("--minutes", type=int, default=30, metavar="M", help="time limit (default 30)")
    p.add_argument("--seed", type=int, metavar="S", help="repeat a session: same seed, same questions")
    p.add_argument("--mix", choices=("concept", "coding", "both"), default="both",
                   help="concept questions, coding exercises, or both (default)")
    p.add_argument("--order", choices=("random", "fixed"), default="random",
                   help="random (default) or by question number")
    p.add_argument("--interviewer", action="store_true", help="show the interviewer's rubric beside the answers")
    p.add_argument("--allow-hints", action="store_true",
                   help="let the candidate open hints and solutions (each use is recorded in the report)")
    p.add_argument("--resume", action="store_true",
                   help="carry on with the latest unfinished interview (saved on every change, also on quit)")
    p.set_defaults(func=cmd_interview)

    p = sub.add_parser("report", help="export a saved mock-interview report (Markdown, JSON or HTML)",
                       description="Export a saved mock interview: the latest (the default, or --last) or the one "
                       "with ID. Prints to stdout, or writes FILE with --output (never over an existing "
                       "file unless --force).")
    p.add_argument("id", nargs="?", metavar="ID", help="interview number (default: the latest)")
    p.add_argument("--last", action="store_true", help="the latest interview (the default)")
    p.add_argument("--format", choices=tuple(REPORT_FORMATS),
                   help="md, json or html (default: from the --output file's suffix, else md)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the Markdown or HTML report")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.set_defaults(func=cmd_report)
