"""The learning loop from the command line: `next`, `status`, `watch`, `schedule`,
`export` and `import`. Imports nothing heavy; `watch` starts the grading worker."""

from __future__ import annotations

import json
from pathlib import Path

from quiz.cli.common import EXIT_OK, UsageError, console, exercise_help, exercise_names

TEXT = {
    "queue": {"en": "{due} due · {new} new today · at most {limit} new a day · desired retention {retention:.2f}"
                    " · parameters: {tuned}",
              "zh": "{due} 道待复习 · 今日新题 {new} 道 · 每天最多 {limit} 道新题 · 目标记忆保持率 {retention:.2f}"
                    " · 参数：{tuned}"},
    "tuned": {"en": ("FSRS defaults", "optimised from your reviews"), "zh": ("FSRS 默认值", "按你的复习记录优化")},
}


def _context(lang_arg: str | None = None):
    from quiz.storage import workspace
    from quiz.text.lang import resolve_lang
    from quiz.storage.store import Store

    store = Store()
    if store.notice:
        console(stderr=True).print(f"[yellow]{store.notice}[/]")
    return store, workspace.find(), resolve_lang(lang_arg or store.setting("lang"))


def cmd_next(args) -> int:
    from quiz.learning import overview

    store, folder, lang = _context(args.lang)
    console().print(overview.next_step(store, folder, lang))
    return EXIT_OK


def cmd_status(args) -> int:
    from quiz.learning import overview, path, standing

    store, folder, lang = _context(args.lang)
    if args.json:
        states = standing.exercise_states(store, folder)
        print(json.dumps([{"exercise": n, "state": states[n].state, "passed": states[n].passed,
                           "total": states[n].total, "points": states[n].points, "max_points": states[n].max_points,
                           "edited": states[n].edited} for n in path.exercise_order()], ensure_ascii=False, indent=2))
        return EXIT_OK
    console().print(overview.status(store, folder, lang))
    return EXIT_OK


def cmd_watch(args) -> int:
    from quiz.learning import path, standing
    from quiz.cli.watcher import Watch, key_reader

    store, folder, lang = _context(args.lang)
    if args.exercise:
        name = exercise_names([args.exercise])[0]
    else:
        name = path.next_exercise(store, standing.exercise_states(store, folder)) or path.exercise_order()[0]

    from grader.run.engine import Grader, GradingError
    from quiz.cli import lifetime

    lifetime.guard_terminal()  # a hang-up ends watch and its grading worker
    out = console()
    out.print("[dim]starting the grader …[/]")
    with Grader() as grader:
        try:
            grader.resolve_device(args.device)
        except GradingError as e:
            raise UsageError(str(e)) from None
        with key_reader() as read_key:
            Watch(grader, store, folder, name, lang, out, device=args.device).run(read_key)
    return EXIT_OK


def cmd_schedule(args) -> int:
    from quiz.learning import path, schedule, tuning

    store, _, lang = _context(args.lang)
    if args.new_per_day is not None:
        schedule.set_new_per_day(store, args.new_per_day)
    if args.retention is not None:
        schedule.set_desired_retention(store, args.retention)
    out = console()
    if args.optimise:
        try:
            out.print(tuning.optimise(store))
        except RuntimeError as e:
            raise UsageError(f"FSRS optimisation failed: {e}") from None
    q = schedule.queue(store, path.question_order())
    tuned = TEXT["tuned"][lang][store.setting(schedule.SETTING_PARAMETERS) is not None]
    out.print(TEXT["queue"][lang].format(due=len(q.due), new=len(q.new), limit=schedule.new_per_day(store),
                                         retention=schedule.desired_retention(store), tuned=tuned))
    return EXIT_OK


def cmd_export(args) -> int:
    from quiz.storage import exchange
    from quiz.storage.store import Store

    target = Path(args.file)
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists: choose another name or pass --force")
    exchange.write(Store(), target)
    console().print(f"exported your progress to {target}")
    return EXIT_OK


def cmd_import(args) -> int:
    from quiz.storage import exchange
    from quiz.storage.store import Store

    data = exchange.read(Path(args.file))
    store = Store()
    if not any(exchange.merge(store, data, dry_run=True).values()):
        console().print(f"nothing new to import: your progress already holds everything in {args.file} "
                        "(nothing changed, no backup needed)")
        return EXIT_OK
    saved = exchange.backup(store)
    added = exchange.merge(store, data)
    summary = ", ".join(f"{n} {table}" for table, n in added.items() if n)
    console().print(f"imported {summary} (your previous progress is kept in {saved})")
    return EXIT_OK


def register(sub) -> None:
    def with_lang(p):
        p.add_argument("--lang", choices=("zh", "en"), help="language of the output (default: your setting)")
        return p

    p = with_lang(sub.add_parser("next", help="the next step of the recommended path", description=(
        "The first unfinished step of the learning path (a question to answer and rate, or an exercise to "
        "pass), and the commands that do it.")))
    p.set_defaults(func=cmd_next)
    p = with_lang(sub.add_parser("status", help="every exercise's state in your workspace, with points", description=(
        "Every exercise in the order of the path: not started, failing k of n, or passed, with its points; "
        "then the totals and the review queue.")))
    p.add_argument("--json", action="store_true", help="the exercises' states as JSON")
    p.set_defaults(func=cmd_status)
    p = with_lang(sub.add_parser("watch", help="grade an exercise on every save (h hint, n next, q quit)", description=(
        "Grade an exercise of your workspace each time you save it, in this terminal, as rustlings watch does: "
        "the screen is cleared for each run, failures come first. Once it passes, watch names the next step "
        "of the path and n goes on to the next exercise. Keys: h next hint, n next exercise (after a pass), "
        "q quit.")))
    p.add_argument("exercise", nargs="?", metavar="EXERCISE",
                   help=exercise_help("default: the next unfinished one on the path; one of"))
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where the checks run (default auto: the GPU when there is one)")
    p.set_defaults(func=cmd_watch)
    p = with_lang(sub.add_parser("schedule", help="the review queue and its settings", description=(
        "Show the review queue (due now, new today) and its settings, after changing those given. "
        "--optimise fits the FSRS parameters to your own review log.")))
    p.add_argument("--new-per-day", type=int, metavar="N", help="new questions a day (default 3)")
    p.add_argument("--retention", type=float, metavar="R", help="FSRS desired retention (default 0.9)")
    p.add_argument("--optimise", action="store_true", help="fit FSRS parameters to your review log")
    p.set_defaults(func=cmd_schedule)
    p = sub.add_parser("export", help="write your progress and review history to a JSON file", description=(
        "Write all your progress (gradings and attempts, reviews and schedules, ticked key points, settings, "
        "interviews) to FILE as JSON, to carry it to another machine."))
    p.add_argument("file", metavar="FILE", help="the JSON file to write")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", help="merge a JSON export into your progress (importing twice changes nothing)",
                       description=(
        "Merge an export into your progress: what you have already is skipped, so importing the same file "
        "twice changes nothing. When something new comes in, your database is backed up first."))
    p.add_argument("file", metavar="FILE", help="a file written by transferlings export")
    p.set_defaults(func=cmd_import)
