"""`init`, `hint`, `solution`, `reset`: the workspace of stubs and what helps with it."""

from __future__ import annotations

from pathlib import Path

from grader import registry
from quiz.cli.common import EXIT_OK, UsageError, console, exercise_help, exercise_names


def cmd_init(args) -> int:
    from quiz.storage import workspace

    try:
        created, kept = workspace.init(Path(args.dir))
    except workspace.WorkspaceError as e:
        raise UsageError(str(e)) from None
    out = console()
    out.print(f"Workspace ready in [bold]{Path(args.dir).resolve()}[/] ({len(created)} stubs copied); "
              "it is now your workspace.")
    if kept:
        out.print(f"Kept your existing files: {', '.join(kept)}")
    out.print("Edit a stub there, then run [bold]transferlings grade NAME[/].")
    return EXIT_OK


def cmd_hint(args) -> int:
    from quiz.questions.show import render_hints
    from quiz.text.lang import resolve_lang

    (name,) = exercise_names([args.exercise])
    console().print(render_hints(name, resolve_lang(args.lang)))
    return EXIT_OK


def cmd_solution(args) -> int:
    """Highlighted with line numbers in a terminal; the plain source when piped or with
    --plain, so it can be saved to a file."""
    import sys

    from quiz.storage.locations import PACKAGED_SOLUTIONS

    (name,) = exercise_names([args.exercise])
    source = (PACKAGED_SOLUTIONS / registry.get(name).filename).read_text(encoding="utf-8")
    out = console()
    if args.plain or not out.is_terminal:
        sys.stdout.write(source)
        return EXIT_OK
    from rich.syntax import Syntax

    out.print(Syntax(source, "python", line_numbers=True, word_wrap=True))
    return EXIT_OK


def cmd_reset(args) -> int:
    from quiz.storage import workspace

    (name,) = exercise_names([args.exercise])
    folder = Path(args.impl) if args.impl else workspace.find()
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    saved = workspace.reset(name, folder)
    out = console()
    target = folder / registry.get(name).filename
    if saved:
        out.print(f"Restored the stub in {target}; your version is kept in {saved}.")
    else:
        out.print(f"{target} is the untouched stub.")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("init", help="make a fresh workspace of stubs in DIR", description=(
        "Copy the exercise stubs into DIR (made if needed; files already there are kept as they are) and make "
        "DIR your workspace: the app and every command use it from now on, wherever you run them."))
    p.add_argument("dir", metavar="DIR", help="the folder for your exercise files")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("hint", help="the hints for an exercise",
                       description="Print all of an exercise's hints, mildest first.")
    p.add_argument("exercise", metavar="EXERCISE", help=exercise_help())
    p.add_argument("--lang", choices=("zh", "en"), help="language of the hints (default: your setting)")
    p.set_defaults(func=cmd_hint)

    p = sub.add_parser("solution", help="the reference solution of an exercise", description=(
        "Print the reference solution: highlighted in a terminal, the plain source when piped "
        "(transferlings solution heads > mine.py)."))
    p.add_argument("exercise", metavar="EXERCISE", help=exercise_help())
    p.add_argument("--plain", action="store_true", help="the bare source (the default when not printing to a terminal)")
    p.set_defaults(func=cmd_solution)

    p = sub.add_parser("reset", help="restore an exercise's stub (your file is backed up first)", description=(
        "Put the untouched stub back in your workspace (or in --impl DIR). Your file is first kept beside it "
        "as NAME.py.bak-YYYYmmdd-HHMMSS."))
    p.add_argument("exercise", metavar="EXERCISE", help=exercise_help())
    p.add_argument("--impl", metavar="DIR", help="workspace folder (default: the current workspace)")
    p.set_defaults(func=cmd_reset)
