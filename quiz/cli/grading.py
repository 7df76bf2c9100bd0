"""`grade`: run graders on the workspace or on folders named with --impl."""

from __future__ import annotations

import json
from pathlib import Path

from grader import registry
from quiz.cli.common import EXIT_FAILED, EXIT_OK, UsageError, console, exercise_help, exercise_names


def cmd_grade(args) -> int:
    from quiz.storage import workspace

    if args.all and args.exercises:
        raise UsageError("name exercises or use --all, not both")
    if not args.all and not args.exercises:
        raise UsageError("name at least one exercise, or use --all")
    if args.all:
        from quiz.learning import path

        names = path.exercise_order()
    else:
        names = exercise_names(args.exercises)
    impls = [check_impl_folder(Path(p), names) for p in args.impl] if args.impl else [_workspace(workspace)]
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")

    from grader.run.engine import Grader, GradingError
    from grader.results import assemble, localized
    from quiz.cli import lifetime
    from quiz.text.lang import resolve_lang

    lifetime.guard_terminal()

    results = []
    out, err = console(), console(stderr=True)
    store = None if args.impl or args.only else _open_store(err)  # a run of some checks is no attempt
    lang = resolve_lang(args.lang or (store.setting("lang") if store is not None else None))
    with Grader() as grader:
        try:
            grader.resolve_device(args.device)
        except GradingError as e:
            raise UsageError(str(e)) from None
        for folder in impls:
            for name in names:
                if not (folder / f"{name}.py").is_file():
                    result = assemble(exercise=name, impl=str(folder), device=args.device, duration_s=0.0, plan=[],
                                      done={}, verdict="error",
                                      verdict_message=f"{folder / (name + '.py')}: no such file (`transferlings reset {name}"
                                                      + (f" --impl {folder}" if args.impl else "") + "` restores the stub)")
                else:
                    result = _grade_one(grader, store, name, folder, args, err, lang)
                    if args.only and not result["tests"] and result["status"] == "error":
                        raise UsageError(f"-k {args.only!r}: no check of {name} has that in its name")
                results.append(result)
                if not args.json:
                    from quiz.results.terminal import render_result

                    out.print(render_result(localized(result, lang), verbose=args.verbose, lang=lang))
    if args.json:
        print(json.dumps([localized(r, lang) for r in results], ensure_ascii=False, indent=2))
    else:
        if store is not None:
            print_standing(out, store, impls[0], lang)
        else:
            _print_totals(out, results, lang)
    return EXIT_OK if all(r["status"] == "pass" for r in results) else EXIT_FAILED


def _workspace(workspace) -> Path:
    folder, notice = workspace.locate()
    if notice:
        console(stderr=True).print(f"[yellow]{notice}[/]")
    return folder


def check_impl_folder(folder: Path, names: list[str]) -> Path:
    """`folder` if it can be graded for `names`, else a UsageError saying what to do."""
    holds = f"{names[0]}.py" if len(names) == 1 else "the exercise files"
    if folder.is_file():
        raise UsageError(f"{folder} is a file, not a folder: pass the folder that holds {holds}")
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    missing = [n for n in names if not (folder / f"{n}.py").is_file()]
    if len(missing) == len(names):
        what = f"{missing[0]}.py" if len(missing) == 1 else "any exercise file"
        raise UsageError(f"{folder} holds no {what}: run `transferlings init {folder}` to copy the stubs there")
    return folder


def print_standing(out, store, folder: Path, lang: str) -> None:
    """The workspace's standing, as home and progress show it (quiz.learning.standing)."""
    from quiz.learning import standing

    total = standing.totals(standing.exercise_states(store, folder))
    style = "bold green" if total.passed == total.exercises else "bold"
    if lang == "zh":
        out.print(f"[{style}]工作区：已通过 {total.passed}/{total.exercises} 个练习[/] · {total.points}/{total.max_points} 分")
        return
    out.print(f"[{style}]Workspace: {total.passed}/{total.exercises} exercises passed[/] · "
              f"{total.points}/{total.max_points} points")


def _open_store(err):
    """The progress store, so grading your workspace from the CLI shows in the app."""
    from quiz.storage.store import Store

    store = Store()
    if store.notice:
        err.print(f"[yellow]{store.notice}[/]")
    return store


def _grade_one(grader, store, name: str, folder: Path, args, err, lang: str) -> dict:
    """Grade one file (recorded as an attempt when `store` is given), with a progress line
    on a terminal."""
    from quiz.learning import history

    options = dict(device=args.device, timeout=args.timeout, only=args.only)
    if args.json or not err.is_terminal:
        return history.grade_and_record(grader, store, name, folder, **options)
    done = [0]
    grading = f"正在评分 {name}（{folder}）…" if lang == "zh" else f"grading {name} ({folder}) …"
    with err.status(grading) as status:
        def progress(event: dict) -> None:
            if event["event"] == "plan":
                done.append(len(event["tests"]))
            elif event["event"] == "test":
                done[0] += 1
                status.update(f"{grading} {done[0]}/{done[-1]}" + (" 项检查" if lang == "zh" else " checks"))

        return history.grade_and_record(grader, store, name, folder, on_event=progress, **options)


def _print_totals(out, results: list[dict], lang: str) -> None:
    if len(results) < 2:
        return
    passed = sum(r["status"] == "pass" for r in results)
    points = sum(r["points"] for r in results)
    top = sum(registry.get(r["exercise"]).points for r in results)  # also for a run that never started
    style = "bold green" if passed == len(results) else "bold red"
    if lang == "zh":
        out.print(f"[{style}]通过 {passed}/{len(results)}[/] · {points}/{top} 分")
        return
    out.print(f"[{style}]{passed}/{len(results)} passed[/] · {points}/{top} points")


def register(sub) -> None:
    p = sub.add_parser("grade", help="grade exercises in a separate, guarded process", description=(
        "Grade EXERCISE.py of your workspace (or of each --impl DIR) in a separate, guarded process: failures "
        "first, each with its message and hint. Gradings of your workspace are kept as attempts and count for "
        "your progress; gradings of --impl folders never do. Exit status 0 when everything passed, 1 when "
        "something failed, 2 on a usage error."))
    p.add_argument("exercises", nargs="*", metavar="EXERCISE", help=exercise_help("exercises to grade"))
    p.add_argument("--all", action="store_true", help="every exercise, in the order of the learning path")
    p.add_argument("--impl", action="append", metavar="DIR", help="folder holding EXERCISE.py (repeatable; default: the workspace)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where the checks run (default auto: the GPU when there is one)")
    p.add_argument("--json", action="store_true", help="print the results as JSON (every check, in the language's text)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the checks' names, hints and messages")
    p.add_argument("--verbose", "-v", action="store_true", help="also list the checks that passed")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="time limit per exercise and implementation")
    p.add_argument("-k", dest="only", metavar="TEXT",
                   help="run only the checks whose name contains TEXT (not recorded as an attempt)")
    p.set_defaults(func=cmd_grade)
