"""The `transferlings` command line. Imports nothing heavy: torch lives only in the
grading worker's process."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader import registry

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A one-line message for the user; exit status 2."""


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _exercise_names(names: list[str]) -> list[str]:
    known = registry.names()
    for name in names:
        if name not in known:
            raise UsageError(f"unknown exercise {name!r} (known: {', '.join(known)})")
    return names


# ---- list -----------------------------------------------------------------------------

def cmd_list(args) -> int:
    from quiz import bank
    from quiz.lang import resolve_lang

    lang = resolve_lang(args.lang)
    other = "en" if lang == "zh" else "zh"
    questions = bank.load_questions()
    if args.json:
        rows = [{"id": q.id, "kind": q.kind, "title": {"zh": q.title["zh"], "en": q.title["en"]},
                 "exercises": list(q.exercises)} for q in questions]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold dim", pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("kind", style="dim")
    table.add_column("question", ratio=1)
    table.add_column("exercises", style="cyan")
    for q in questions:
        title = Text(q.title[lang], style="bold")
        title.append("\n" + q.title[other], style="dim")
        table.add_row(str(q.id), q.kind, title, "\n".join(q.exercises) or "—")
    _console().print(table)
    return EXIT_OK


# ---- grade ----------------------------------------------------------------------------

def cmd_grade(args) -> int:
    from quiz import workspace

    if args.all and args.exercises:
        raise UsageError("name exercises or use --all, not both")
    if not args.all and not args.exercises:
        raise UsageError("name at least one exercise, or use --all")
    names = registry.names() if args.all else _exercise_names(args.exercises)
    impls = [Path(p) for p in args.impl] if args.impl else [workspace.find()]
    for folder in impls:
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")

    from grader.engine import Grader, GradingError
    from grader.results import assemble

    results = []
    out, err = _console(), _console(stderr=True)
    store = None if args.impl else _open_store(err)
    with Grader() as grader:
        try:
            grader.resolve_device(args.device)
        except GradingError as e:
            raise UsageError(str(e)) from None
        for folder in impls:
            for name in names:
                if not (folder / f"{name}.py").is_file():
                    result = assemble(exercise=name, impl=str(folder), device=args.device, duration_s=0.0, plan=[],
                                      done={}, verdict="error", verdict_message=f"{folder / (name + '.py')}: no such file")
                else:
                    result = _grade_one(grader, name, folder, args, err)
                    if store is not None:
                        store.record_run(result)
                results.append(result)
                if not args.json:
                    from quiz.report import render_result

                    out.print(render_result(result))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        _print_totals(out, results)
    return EXIT_OK if all(r["status"] == "pass" for r in results) else EXIT_FAILED


def _open_store(err):
    """The progress store, so grading your workspace from the CLI shows in the app."""
    from quiz.store import Store

    store = Store()
    if store.notice:
        err.print(f"[yellow]{store.notice}[/]")
    return store


def _grade_one(grader, name: str, folder: Path, args, err) -> dict:
    if args.json or not err.is_terminal:
        return grader.grade(name, folder, device=args.device, timeout=args.timeout)
    done = [0]
    with err.status(f"grading {name} ({folder}) …") as status:
        def progress(event: dict) -> None:
            if event["event"] == "plan":
                done.append(len(event["tests"]))
            elif event["event"] == "test":
                done[0] += 1
                status.update(f"grading {name} ({folder}) … {done[0]}/{done[-1]} checks")

        return grader.grade(name, folder, device=args.device, timeout=args.timeout, on_event=progress)


def _print_totals(out, results: list[dict]) -> None:
    if len(results) < 2:
        return
    passed = sum(r["status"] == "pass" for r in results)
    points = sum(r["points"] for r in results)
    top = sum(r["max_points"] for r in results)
    style = "bold green" if passed == len(results) else "bold red"
    out.print(f"[{style}]{passed}/{len(results)} passed[/] · {points}/{top} points")


# ---- workspace commands ---------------------------------------------------------------

def cmd_init(args) -> int:
    from quiz import workspace

    try:
        created, kept = workspace.init(Path(args.dir))
    except workspace.WorkspaceError as e:
        raise UsageError(str(e)) from None
    out = _console()
    out.print(f"Workspace ready in [bold]{Path(args.dir).resolve()}[/] ({len(created)} stubs copied).")
    if kept:
        out.print(f"Kept your existing files: {', '.join(kept)}")
    out.print("Edit a stub there, then run [bold]transferlings grade NAME[/] from that folder.")
    return EXIT_OK


def cmd_hint(args) -> int:
    from quiz.lang import resolve_lang

    (name,) = _exercise_names([args.exercise])
    lang = resolve_lang(args.lang)
    ex = registry.get(name)
    out = _console()
    out.print(f"[bold]{ex.title[lang]}[/]")
    for i, hint in enumerate(ex.hints[lang], 1):
        out.print(f"[yellow]{i}.[/] {hint}")
    return EXIT_OK


def cmd_solution(args) -> int:
    from rich.syntax import Syntax

    from quiz.paths import PACKAGED_SOLUTIONS

    (name,) = _exercise_names([args.exercise])
    path = PACKAGED_SOLUTIONS / registry.get(name).filename
    _console().print(Syntax(path.read_text(encoding="utf-8"), "python", line_numbers=True, word_wrap=True))
    return EXIT_OK


def cmd_reset(args) -> int:
    from quiz import workspace

    (name,) = _exercise_names([args.exercise])
    folder = Path(args.impl) if args.impl else workspace.find()
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    saved = workspace.reset(name, folder)
    out = _console()
    target = folder / registry.get(name).filename
    if saved:
        out.print(f"Restored the stub in {target}; your version is kept in {saved}.")
    else:
        out.print(f"{target} is the untouched stub.")
    return EXIT_OK


def _run_app(start: str | None = None, interview: tuple | None = None) -> int:
    from quiz.ui.app import run

    return run(start, interview)


def cmd_interview(args) -> int:
    from quiz.interview import InterviewConfig

    try:
        config = InterviewConfig(questions=args.questions, mix=args.mix, minutes=args.minutes, order=args.order,
                                 seed=args.seed)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return _run_app("interview", (config, args.interviewer))


# ---- report ---------------------------------------------------------------------------

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
    from quiz import reports
    from quiz.lang import resolve_lang
    from quiz.store import Store

    if args.id is not None and args.last:
        raise UsageError("give an interview ID or --last, not both")
    lang = resolve_lang(args.lang)
    fmt = _report_format(args)
    store = Store()
    try:
        saved = _saved_interview(store, args.id)
    finally:
        store.close()
    render = getattr(reports, REPORT_FORMATS[fmt])
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


# ---- parser ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="transferlings",
        description="Practise transfer-learning interviews: questions, graded PyTorch exercises, reviews, mock interviews.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", help="the ten questions and their exercises")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--lang", choices=("zh", "en"), help="which language comes first")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("grade", help="grade exercises in a sandboxed process")
    p.add_argument("exercises", nargs="*", metavar="EXERCISE")
    p.add_argument("--all", action="store_true", help="every exercise")
    p.add_argument("--impl", action="append", metavar="DIR", help="folder holding EXERCISE.py (repeatable; default: the workspace)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="time limit per exercise and implementation")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("init", help="make a fresh workspace of stubs in DIR")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("hint", help="the hints for an exercise")
    p.add_argument("exercise", metavar="EXERCISE")
    p.add_argument("--lang", choices=("zh", "en"))
    p.set_defaults(func=cmd_hint)

    p = sub.add_parser("solution", help="the reference solution of an exercise")
    p.add_argument("exercise", metavar="EXERCISE")
    p.set_defaults(func=cmd_solution)

    p = sub.add_parser("reset", help="restore an exercise's stub (your file is backed up first)")
    p.add_argument("exercise", metavar="EXERCISE")
    p.add_argument("--impl", metavar="DIR", help="workspace folder (default: the current workspace)")
    p.set_defaults(func=cmd_reset)

    p = sub.add_parser("interview", help="start a timed mock interview")
    p.add_argument("--questions", type=int, default=5, metavar="N", help="how many questions (default 5)")
    p.add_argument("--minutes", type=int, default=30, metavar="M", help="time limit (default 30)")
    p.add_argument("--seed", type=int, metavar="S", help="repeat a session: same seed, same questions")
    p.add_argument("--mix", choices=("concept", "coding", "both"), default="both")
    p.add_argument("--order", choices=("random", "fixed"), default="random")
    p.add_argument("--interviewer", action="store_true", help="show the interviewer's rubric beside the answers")
    p.set_defaults(func=cmd_interview)

    p = sub.add_parser("review", help="review the questions due now (spaced repetition)")
    p.set_defaults(func=lambda args: _run_app("review"))

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

    from quiz import show

    show.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _run_app()
    try:
        return args.func(args)
    except UsageError as e:
        print(f"transferlings: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError) as e:
        print(f"transferlings: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
