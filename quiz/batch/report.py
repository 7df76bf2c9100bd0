"""What a teacher or a hiring panel reads after a batch: per submission, per exercise, per
check, and the submissions that look alike.

`analyse(...)` turns the batch's result lines into a `ClassReport` (plain data);
`to_csv`, `to_html` and `summary` render it. No torch, no UI.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

from quiz.batch.labels import label
from quiz.batch.similarity import Similar

BINS = 5


@dataclass(frozen=True)
class CheckStat:
    name: str
    hint: str
    failed: int  # submissions failing it (any of its cases: fail or error)
    skipped: int  # submissions whose run ended before it
    graded: int  # submissions whose run planned it

    @property
    def share(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class ExerciseStats:
    exercise: str
    max_points: int
    submitted: int
    passed: int
    statuses: dict[str, int]
    histogram: list[tuple[str, int]]  # (points range, submissions)
    checks: list[CheckStat]  # most failed first
    together: list[tuple[str, str, int, float]]  # (check a, check b, both failed, Jaccard)


WORST_FIRST = ("crash", "timeout", "error", "fail")


@dataclass(frozen=True)
class SubmissionRow:
    submission: str
    points: dict[str, int | None]  # None: not submitted
    statuses: dict[str, str]  # exercise -> status, or "missing"
    total: int
    max_total: int
    duration_s: float

    @property
    def status(self) -> str:
        """"pass" when every exercise passed; else the worst verdict among its exercises
        (crash, timeout, error, fail: a submission that timed out reads "timeout", never
        "fail"); "incomplete" when the only trouble is a file not handed in."""
        values = set(self.statuses.values())
        if values == {"pass"}:
            return "pass"
        return next((verdict for verdict in WORST_FIRST if verdict in values), "incomplete")


@dataclass
class ClassReport:
    exercises: list[str]
    submissions: list[SubmissionRow]
    stats: list[ExerciseStats]
    similar: list[Similar] = field(default_factory=list)
    skipped_entries: list[str] = field(default_factory=list)
    flags: list[tuple[str, str, int | None, str, str]] = field(default_factory=list)
    # (submission, exercise, line, message, source: runtime|static)
    isolation: dict[str, int] = field(default_factory=dict)  # level -> gradings
    unisolated: list[tuple[str, str, str, str]] = field(default_factory=list)  # submission, exercise, level, why


def _histogram(points: list[int], top: int) -> list[tuple[str, int]]:
    """About BINS bins of equal integer width over 0..top."""
    width = max(1, -(-(top + 1) // BINS))
    bins = []
    for lo in range(0, top + 1, width):
        hi = min(lo + width - 1, top)
        bins.append((str(lo) if lo == hi else f"{lo}–{hi}", sum(lo <= p <= hi for p in points)))
    return bins


def _fails_together(failures: dict[str, set[str]], minimum: int = 2, jaccard: float = 0.6) -> list:
    pairs = []
    for a, b in combinations(sorted(failures), 2):
        both = failures[a] & failures[b]
        if len(both) < minimum:
            continue
        score = len(both) / len(failures[a] | failures[b])
        if score >= jaccard:
            pairs.append((a, b, len(both), round(score, 2)))
    return sorted(pairs, key=lambda p: (-p[3], -p[2], p[0], p[1]))[:10]


def check_name(test_name: str) -> str:
    """A check's name without its case ("... [resnet18]"): the cases of one check count as one."""
    return re.sub(r" \[[^\]]*\]$", "", test_name)


def _exercise_stats(exercise: str, max_points: int, results: dict[str, dict]) -> ExerciseStats:
    planned: dict[str, set[str]] = {}
    failures: dict[str, set[str]] = {}
    skipped: dict[str, set[str]] = {}
    hints: dict[str, str] = {}
    for sid, result in results.items():
        for test in result["tests"]:
            name = check_name(test["name"])
            planned.setdefault(name, set()).add(sid)
            hints.setdefault(name, test.get("hint", ""))
            if test["status"] in ("fail", "error"):
                failures.setdefault(name, set()).add(sid)
            elif test["status"] == "skip":
                skipped.setdefault(name, set()).add(sid)
    checks = [CheckStat(n, hints[n], len(failures.get(n, ())), len(skipped.get(n, set()) - failures.get(n, set())),
                        len(planned[n])) for n in planned]
    checks.sort(key=lambda c: (-c.share, c.name))
    return ExerciseStats(
        exercise=exercise,
        max_points=max_points,
        submitted=len(results),
        passed=sum(r["status"] == "pass" for r in results.values()),
        statuses=dict(Counter(r["status"] for r in results.values())),
        histogram=_histogram([r["points"] for r in results.values()], max_points),
        checks=checks,
        together=_fails_together(failures),
    )


def analyse(submissions: list[str], exercises: list[str], results: dict[tuple[str, str], dict],
            max_points: dict[str, int], similar: list[Similar] = (), skipped_entries: list[str] = (),
            lang: str = "en") -> ClassReport:
    """`results`: (submission, exercise) -> its latest result line; a missing key is an
    exercise the submission did not hand in (0 points, status "missing"). The checks'
    names and hints are given in `lang` (grader.results.localized)."""
    from grader.results import localized

    results = {key: localized(r, lang) for key, r in results.items()}
    rows = []
    for sid in submissions:
        got = {ex: results.get((sid, ex)) for ex in exercises}
        rows.append(SubmissionRow(
            submission=sid,
            points={ex: (r["points"] if r else None) for ex, r in got.items()},
            statuses={ex: (r["status"] if r else "missing") for ex, r in got.items()},
            total=sum(r["points"] for r in got.values() if r),
            max_total=sum(max_points[ex] for ex in exercises),
            duration_s=round(sum(r["duration_s"] for r in got.values() if r), 3),
        ))
    stats = [_exercise_stats(ex, max_points[ex], {sid: r for (sid, e), r in results.items() if e == ex})
             for ex in exercises]
    flags = [(sid, ex, f.get("line"), f["message"], f.get("source", "static")) for (sid, ex), r in sorted(results.items())
             for f in r.get("flags", [])]
    levels = {key: (r.get("isolation") or {"level": "unknown", "missing": ["graded before results said"]})
              for key, r in sorted(results.items())}
    isolation = dict(Counter(i["level"] for i in levels.values()))
    unisolated = [(sid, ex, i["level"], "; ".join(i.get("missing") or [])) for (sid, ex), i in levels.items()
                  if i["level"] != "full"]
    return ClassReport(exercises, rows, stats, list(similar), list(skipped_entries), flags, isolation, unisolated)


# ---- CSV ------------------------------------------------------------------------------

def to_csv(report: ClassReport) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["submission", *[f"{ex}_points" for ex in report.exercises],
                     *[f"{ex}_status" for ex in report.exercises], "total", "max_total", "status", "duration_s"])
    for row in report.submissions:
        writer.writerow([row.submission, *["" if row.points[ex] is None else row.points[ex] for ex in report.exercises],
                         *[row.statuses[ex] for ex in report.exercises], row.total, row.max_total, row.status,
                         row.duration_s])
    return buf.getvalue()


# ---- HTML -----------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#0a7a28}.fail,.error{color:#b00020}.timeout{color:#a36a00}.crash{color:#8a2be2}.missing,.incomplete{color:#888}
.bar{display:inline-block;height:.8em;background:#4a7bd0;vertical-align:middle}.hint{color:#555;font-size:.9em}
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _status(status: str, lang: str) -> str:
    return f'<span class="{_e(status)}">{_e(label(status, lang))}</span>'


def to_html(report: ClassReport, title: str | None = None, lang: str = "en") -> str:
    """The whole report as one HTML page, its own words in `lang` ("zh" or "en")."""
    def L(key: str, **fields) -> str:
        return _e(label(key, lang, **fields))

    title = title or label("title", lang)
    out = [f"<!doctype html><html lang={_e(lang)}><head><meta charset=utf-8><title>{_e(title)}</title>",
           f"<style>{CSS}</style></head><body><h1>{_e(title)}</h1>",
           f"<p>{L('overview', n=len(report.submissions), m=len(report.exercises), names=', '.join(report.exercises))}</p>"]
    out += _isolation_html(report, lang)
    out.append(f"<h2>{L('submissions')}</h2><table><tr><th>{L('submission')}</th>")
    out += [f"<th class=num>{_e(ex)}</th>" for ex in report.exercises]
    out.append(f"<th class=num>{L('total')}</th><th>{L('status')}</th><th class=num>{L('time')}</th></tr>")
    for row in report.submissions:
        out.append(f"<tr><td>{_e(row.submission)}</td>")
        for ex in report.exercises:
            pts = row.points[ex]
            cell = "—" if pts is None else pts
            out.append(f'<td class="num {_e(row.statuses[ex])}" title="{L(row.statuses[ex])}">{_e(cell)}</td>')
        out.append(f"<td class=num>{row.total}/{row.max_total}</td><td>{_status(row.status, lang)}</td>"
                   f"<td class=num>{row.duration_s:.2f}</td></tr>")
    out.append("</table>")
    for st in report.stats:
        out.append(f"<h2>{_e(st.exercise)}</h2><p>{L('counts', submitted=st.submitted, passed=st.passed)} · "
                   + " · ".join(f"{_status(k, lang)} {v}" for k, v in sorted(st.statuses.items())) + "</p>")
        top = max((n for _, n in st.histogram), default=0) or 1
        out.append(f"<table><tr><th>{L('points_of', max=st.max_points)}</th><th class=num>{L('n_submissions')}</th>"
                   "<th></th></tr>")
        for bin_label, n in st.histogram:
            out.append(f"<tr><td>{_e(bin_label)}</td><td class=num>{n}</td>"
                       f'<td><span class=bar style="width:{round(200 * n / top)}px"></span></td></tr>')
        out.append(f"</table><h3>{L('checks')}</h3><table><tr><th class=num>{L('failed')}</th>"
                   f"<th>{L('check')}</th></tr>")
        for c in st.checks:
            if not c.failed and not c.skipped:
                continue
            skipped = L("not_reached", n=c.skipped) if c.skipped else ""
            out.append(f"<tr><td class=num>{c.share:.0%} ({c.failed}/{c.graded}{skipped})</td><td>{_e(c.name)}"
                       f"<div class=hint>{_e(c.hint)}</div></td></tr>")
        out.append("</table>")
        if st.together:
            out.append(f"<h3>{L('together')}</h3><table><tr><th>{L('check')}</th><th>{L('check')}</th>"
                       f"<th class=num>{L('both_failed')}</th><th class=num>Jaccard</th></tr>")
            out += [f"<tr><td>{_e(a)}</td><td>{_e(b)}</td><td class=num>{n}</td><td class=num>{j:.2f}</td></tr>"
                    for a, b, n, j in st.together]
            out.append("</table>")
    out.append(f"<h2>{L('alike')}</h2>")
    if report.similar:
        out.append(f"<p>{L('alike_note')}</p><table><tr><th>{L('exercise')}</th><th>{L('submissions')}</th>"
                   f"<th>{L('similarity')}</th></tr>")
        out += [f"<tr><td>{_e(s.exercise)}</td><td>{_e(', '.join(s.submissions))}</td>"
                f"<td>{L(s.note)} ({s.similarity:.2f})</td></tr>" for s in report.similar]
        out.append("</table>")
    else:
        out.append(f"<p>{L('none_found')}</p>")
    out.append(f"<h2>{L('flags')}</h2>")
    if report.flags:
        out.append(f"<p>{L('flags_note')}</p><table><tr><th>{L('submission')}</th><th>{L('exercise')}</th>"
                   f"<th class=num>{L('line')}</th><th>{L('seen')}</th><th>{L('what')}</th></tr>")
        out += [f"<tr><td>{_e(sid)}</td><td>{_e(ex)}</td><td class=num>{_e(line or '')}</td>"
                f"<td>{L('runtime' if source == 'runtime' else 'static')}</td><td>{_e(msg)}</td></tr>"
                for sid, ex, line, msg, source in report.flags]
        out.append("</table>")
    else:
        out.append(f"<p>{L('no_flags')}</p>")
    if report.skipped_entries:
        out.append(f"<p class=hint>{L('skipped', names=', '.join(report.skipped_entries))}</p>")
    out.append("</body></html>\n")
    return "".join(out)


def _isolation_html(report: ClassReport, lang: str) -> list[str]:
    total = sum(report.isolation.values())
    if total and report.isolation.get("full") == total:
        return [f"<p>{_e(label('isolated_all', lang, total=total))}</p>"]
    out = [f"<h2 class=fail>{_e(label('isolation', lang))}</h2>"
           f"<p>{_e(label('isolated_some', lang, full=report.isolation.get('full', 0), total=total))}</p>"
           f"<table><tr><th>{_e(label('submission', lang))}</th><th>{_e(label('exercise', lang))}</th>"
           f"<th>{_e(label('level', lang))}</th><th>{_e(label('why', lang))}</th></tr>"]
    out += [f"<tr><td>{_e(sid)}</td><td>{_e(ex)}</td><td>{_e(level)}</td><td>{_e(why)}</td></tr>"
            for sid, ex, level, why in report.unisolated]
    return out + ["</table>"]


# ---- terminal -------------------------------------------------------------------------

def summary(report: ClassReport, top_checks: int = 3, lang: str = "en"):
    """A Rich renderable in `lang`: per exercise, the pass count and the checks most failed."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold dim", pad_edge=False)
    table.add_column(label("exercise", lang), style="bold")
    table.add_column(label("submitted", lang), justify="right")
    table.add_column(label("passed", lang), justify="right")
    table.add_column(label("mean_points", lang), justify="right")
    table.add_column(label("most_failed", lang), ratio=1)
    for st in report.stats:
        points = [row.points[st.exercise] for row in report.submissions if row.points[st.exercise] is not None]
        mean = f"{sum(points) / len(points):.1f}/{st.max_points}" if points else "—"
        worst = Text()
        for c in [c for c in st.checks if c.failed][:top_checks]:
            worst.append(f"{c.share:.0%} ", style="red")
            worst.append(c.name + "\n")
        worst.rstrip()
        table.add_row(st.exercise, str(st.submitted), str(st.passed), mean, worst if worst.plain else Text("—", style="dim"))
    parts = [table]
    passed = sum(r.status == "pass" for r in report.submissions)
    parts.append(Text(label("passed_all", lang, passed=passed, n=len(report.submissions)), style="bold"))
    total = sum(report.isolation.values())
    if total and report.isolation.get("full") != total:
        parts.append(Text(label("unisolated_line", lang, n=total - report.isolation.get("full", 0), total=total),
                          style="bold red"))
    elif total:
        parts.append(Text(label("isolated_line", lang, total=total), style="dim"))
    if report.flags:
        flagged = len({(sid, ex) for sid, ex, *_ in report.flags})
        parts.append(Text(label("flagged_line", lang, n=flagged), style="yellow"))
    if report.similar:
        parts.append(Text(label("alike_line", lang, n=len(report.similar)), style="yellow"))
    return Group(*parts)
