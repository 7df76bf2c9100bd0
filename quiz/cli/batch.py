"""`batch`: grade a folder of submissions on every core (or a Ray cluster) and write a
class report: OUT/results.jsonl, OUT/scores.csv, OUT/report.html and a terminal summary."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from grader import registry
from quiz.cli.common import EXIT_FAILED, EXIT_OK, UsageError, console, exercise_help, exercise_names

DESCRIPTION = """Grade many submissions at once. SUBMISSIONS holds one subfolder per submission (its
name is the submission's id) with some of the exercise files (NAME.py); a missing file
counts as not submitted. Results stream to OUT/results.jsonl as they finish (one line per
submission and exercise: the grading-result schema plus "submission" and "sha256"); after
an interruption, the same command with --resume grades only what has no line yet. At the
end OUT/scores.csv, OUT/report.html (points, histograms, the checks most failed with their
hints, look-alike submissions) and a summary are written.

Every grading runs isolated (Linux: Landlock, seccomp, an unprivileged uid): a
submission cannot read the grader, the reference solutions or another submission,
write outside its scratch folder, reach the network or leave a process behind. Where
the machine cannot isolate (an old kernel, macOS), batch refuses to grade unless given
--allow-unisolated; the report then says which results are no proof."""


def cmd_batch(args) -> int:
    from grader.run.batch import BatchError, ResultsFile, discover
    from quiz.text.lang import resolve_lang

    if args.all and args.exercises:
        raise UsageError("name exercises or use --all, not both")
    if args.exercises:
        names = exercise_names(args.exercises)
    else:
        from quiz.learning import path

        names = path.exercise_order()
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    try:
        batch = discover(Path(args.submissions), names)
    except BatchError as e:
        raise UsageError(str(e)) from None
    out = Path(args.out) if args.out else Path(args.submissions).resolve().parent / f"{Path(args.submissions).resolve().name}-graded"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file: name a folder")
    lang = resolve_lang(args.lang)  # before grading: a bad setting fails at once
    results = ResultsFile(out)
    if results.exists() and not args.resume:
        raise UsageError(f"{results.path} already has results: add --resume to go on with them, or choose another --out")
    todo = results.pending(batch)
    workers = args.workers or os.cpu_count() or 1
    err = console(stderr=True)
    done_before = len(batch.jobs) - len(todo)
    note = f" ({done_before} already graded)" if done_before else ""
    if todo and args.ray is None:
        _refuse_unisolated(_local_isolation(), args)
    err.print(f"{len(batch.submissions)} submissions · {len(batch.jobs)} files to grade{note} · "
              f"{'Ray' if args.ray is not None else 'local'} pool of {workers} workers → {out}")
    todo = _set_aside_unfit(todo, results)
    if todo:
        _grade_all(todo, results, args, workers, err)
    return _report(batch, results, out, lang)


def _set_aside_unfit(todo, results) -> list:
    """Jobs whose file cannot be read or is too big for an exercise file get their `error`
    result at once, saying why, and are not sent to a worker; the others are returned."""
    from grader.results import assemble
    from quiz.storage.userfile import UnreadableFile, read_bytes

    fit = []
    for job in todo:
        try:
            read_bytes(job.file)
        except UnreadableFile as e:
            results.append(job, assemble(exercise=job.exercise, impl=str(job.path), device="cpu", duration_s=0.0,
                                         plan=[], done={}, verdict="error", verdict_message=str(e)))
            continue
        fit.append(job)
    return fit


def _local_isolation() -> dict:
    """What a grading run on this machine will get (grader.guard.confine.probe)."""
    from grader.guard import confine

    return confine.probe(confine.NOBODY if os.geteuid() == 0 else None).as_dict()


def _refuse_unisolated(isolation: dict | None, args) -> None:
    """A usage error when grading runs would not be isolated, unless --allow-unisolated."""
    level = (isolation or {}).get("level", "none")
    why = "; ".join((isolation or {}).get("missing") or ["unknown"])
    if level == "none" and not args.allow_unisolated:
        raise UsageError(f"grading here would not be isolated ({why}): a submission could read the grader and the "
                         "reference solutions and change other submissions' files; grade in a Linux VM or "
                         "container, or add --allow-unisolated to grade anyway")
    if level != "full":
        console(stderr=True).print(f"[yellow]isolation {level}: {why}[/]")


def _pool(args, workers: int):
    if args.ray is not None:
        from grader.run.ray_pool import RayPool

        return RayPool(workers, address=args.ray or None)
    from grader.run.pool import LocalPool

    return LocalPool(workers)


def _grade_all(todo, results, args, workers: int, err) -> None:
    with _pool(args, workers) as pool:
        if args.ray is not None:
            _refuse_unisolated(pool.isolation, args)
        stream = pool.run(todo, device=args.device, timeout=args.timeout)
        if err.is_terminal:
            _with_progress_bar(stream, results, len(todo), err)
        else:
            start = time.monotonic()
            for i, (job, result) in enumerate(stream, 1):
                results.append(job, result)
                print(f"[{i}/{len(todo)}] {job.submission} {job.exercise}: {result['status']} "
                      f"{result['points']}/{result['max_points']} ({time.monotonic() - start:.0f} s)",
                      file=sys.stderr, flush=True)


def _with_progress_bar(stream, results, total: int, err) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}/min"), TextColumn("ETA"), TimeRemainingColumn())
    start = time.monotonic()
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("batch", total=total, rate="—")
        for i, (job, result) in enumerate(stream, 1):
            results.append(job, result)
            rate = 60 * i / max(time.monotonic() - start, 1e-6)
            progress.update(task, advance=1, rate=f"{rate:.0f}")


def _report(batch, results, out: Path, lang: str) -> int:
    from grader.run.batch import latest
    from quiz.batch import report as batch_report
    from quiz.storage.locations import PACKAGED_SOLUTIONS
    from quiz.batch.similarity import similar_groups
    from quiz.storage.workspace import pristine

    found = latest(results.load(), batch)
    similar = []
    for name in batch.exercises:
        ex = registry.get(name)
        sources = {j.submission: _source(j.file) for j in batch.jobs if j.exercise == name}
        similar += similar_groups(name, sources, stub=pristine(name).read_text(encoding="utf-8"),
                                  reference=(PACKAGED_SOLUTIONS / ex.filename).read_text(encoding="utf-8"))
    report = batch_report.analyse(batch.submissions, batch.exercises, found,
                                  {n: registry.get(n).points for n in batch.exercises}, similar, batch.skipped, lang)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scores.csv").write_text(batch_report.to_csv(report), encoding="utf-8")
    (out / "report.html").write_text(batch_report.to_html(report, lang=lang), encoding="utf-8")
    term = console()
    term.print(batch_report.summary(report, lang=lang))
    term.print(f"Wrote {out / 'results.jsonl'}, {out / 'scores.csv'} and {out / 'report.html'}")
    if batch.skipped:
        console(stderr=True).print(f"[yellow]Skipped (not submission folders): {', '.join(batch.skipped)}[/]")
    ungraded = [j for j in batch.jobs if (j.submission, j.exercise) not in found]
    if ungraded:
        raise UsageError(f"{len(ungraded)} files have no result (interrupted?): run the same command with --resume")
    return EXIT_OK if all(row.status == "pass" for row in report.submissions) else EXIT_FAILED


def _source(file: Path) -> str:
    """A submission's text for look-alike detection ("" when it cannot be read or is too big)."""
    from quiz.storage.userfile import UnreadableFile, read_bytes

    try:
        return read_bytes(file).decode("utf-8", errors="replace")
    except UnreadableFile:
        return ""


def register(sub) -> None:
    p = sub.add_parser("batch", help="grade a folder of submissions on every core (or Ray) with a class report",
                       description=DESCRIPTION)
    p.add_argument("submissions", metavar="SUBMISSIONS", help="folder with one subfolder per submission")
    p.add_argument("exercises", nargs="*", metavar="EXERCISE", help=exercise_help("exercises to grade (default: all)"))
    p.add_argument("--all", action="store_true", help="every exercise (the default)")
    p.add_argument("--workers", type=int, metavar="N", help="warm grading workers (default: the number of cores)")
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="grade on a Ray cluster at ADDRESS (as ray.init takes it); no ADDRESS: a local Ray")
    p.add_argument("--out", metavar="DIR", help="where results and reports go (default: SUBMISSIONS-graded)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="time limit per submission and exercise")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where the checks run (default auto: the GPU when there is one)")
    p.add_argument("--resume", action="store_true", help="go on with the results already in OUT")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the report: its words and the checks' names and hints")
    p.add_argument("--allow-unisolated", action="store_true",
                   help="grade even where the machine cannot isolate grading runs (an old kernel, macOS)")
    p.set_defaults(func=cmd_batch, trailing_positionals="exercises")
