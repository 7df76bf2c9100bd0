"""Exporting a mock-interview report (the dict of `quiz.interview.session.report`, or one saved
in the store, which adds its "id") as Markdown, JSON or HTML. Plain text out; no torch,
no UI.

Markdown reads well on a code-hosting site: a score table, key points as task lists,
answers, code and notes in fenced blocks whose fence is longer than any backtick run in
the text, so nothing typed can end the block or be read as Markdown. The app shows the
same report from `parts`, where what was typed stays apart (`Verbatim`) so the screen
draws it as it is. HTML is one file that opens offline: inline CSS, no scripts, no
links, every text HTML-escaped.

A coding item is scored by its checks, never by key points: its key points are listed
for the interviewer, never ticked or counted as missed.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime

from quiz.questions.bank import LABELS
from quiz.text.lang import LANGS

# Fixed words and templates, (zh, en).
WORDS = {
    "title": ("模拟面试报告", "Mock interview report"),
    "total": ("总分", "Total"),
    "summary": ("{questions} · 组合 {mix} · 顺序 {order} · 种子 {seed}",
                "{questions} · mix {mix} · order {order} · seed {seed}"),
    "questions_n": ("{n} 道题", "{n} question|{n} questions"),
    "times": ("开始 {start} · 结束 {end}（{how}）· 用时 {used} / {limit}",
              "Started {start} · ended {end} ({how}) · {used} used of {limit}"),
    "time": ("时间到", "time ran out"),
    "finish": ("提前交卷", "finished early"),
    "repeat": ("重复本场面试：{cmd}", "Repeat with: {cmd}"),
    "question": ("题目", "Question"),
    "mode": ("形式", "Mode"),
    "spent": ("用时", "Time"),
    "score": ("得分", "Score"),
    "item_line": ("用时 {time} · 得分 {score}", "Time {time} · score {score}"),
    "answer": ("作答", "Answer"),
    "no_answer": ("（未作答）", "(no answer)"),
    "code": ("代码", "Code"),
    "no_code": ("（没有代码）", "(no code)"),
    "key_points": ("得分要点", "Key points"),
    "by_checks": ("本题由下面的评测检查项计分，要点不打勾", "this item is scored by the checks below, not by ticks"),
    "grading": ("评分结果", "Grading"),
    "not_graded": ("（未评分）", "(not graded)"),
    "grading_line": ("{status} · 通过 {passed}/{total} 项检查 · {points}/{max} 分",
                     "{status} · {passed}/{total} checks passed · {points}/{max} points"),
    "check": ("检查项", "Check"),
    "status": ("结果", "Status"),
    "points": ("分值", "Points"),
    "hidden": ("隐藏", "Hidden"),
    "yes": ("是", "yes"),
    "note": ("备注", "Note"),
    "flags": ("标记（运行时所见与静态扫描，请人工查看，并非判定）",
              "Flags (seen at run time or by the static scan: for a human to look at, not a verdict)"),
    "flag_line": ("第 {line} 行：{message}", "line {line}: {message}"),
    "flag_line_runtime": ("第 {line} 行（运行时所见）：{message}", "line {line}, seen at run time: {message}"),
    "isolation_full": ("隔离：完整（被评分的代码读不到评分器和参考解）",
                       "Isolation: full (the graded code could not read the grader or the reference solutions)"),
    "isolation_partial": ("隔离：部分，缺少：{why}", "Isolation: partial, missing: {why}"),
    "isolation_none": ("隔离：无，被评分的代码能读到评分器和参考解（{why}）",
                       "Isolation: none, the graded code could read the grader and the reference solutions ({why})"),
    "help": ("使用了帮助：{what}", "with help: {what}"),
    "hints": ("{n} 次提示", "{n} hint|{n} hints"),
    "solutions": ("{n} 次参考解", "{n} solution|{n} solutions"),
    "aid_hint": ("{time} 看了提示", "hint opened at {time}"),
    "aid_solution": ("{time} 看了参考解", "solution opened at {time}"),
    "aids": ("帮助", "Help"),
    "concept": ("概念题", "concept"), "coding": ("编程题", "coding"), "both": ("两者都有", "both"),
    "random": ("随机", "random"), "fixed": ("按题号", "fixed"),
    "pass": ("通过", "pass"), "fail": ("未通过", "fail"), "error": ("错误", "error"),
    "timeout": ("超时", "timeout"), "crash": ("崩溃", "crash"), "skip": ("跳过", "skip"),
}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")


def _w(key: str, lang: str) -> str:
    return WORDS[key][LANGS.index(lang)]


def _count(key: str, n: int, lang: str) -> str:
    """A counted word: "one|many" templates pick by `n`."""
    forms = _w(key, lang).split("|")
    return (forms[0] if n == 1 else forms[-1]).format(n=n)


def local_time(moment: datetime | str, *, date: bool = True, seconds: bool = False) -> str:
    """A stored time as the reader's local clock shows it: "2026-03-02 10:30" (or "10:30";
    with `seconds`, "2026-03-02 10:30:15")."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return moment.strftime(f"%Y-%m-%d {clock}" if date else clock)


def _help(report: dict, lang: str) -> str:
    """"with help: 2 hints, 1 solution", or "" when none was used."""
    aids = report.get("aids") or {}
    parts = [_count(key, aids.get(kind, 0), lang) for kind, key in (("hint", "hints"), ("solution", "solutions"))
             if aids.get(kind)]
    return _w("help", lang).format(what=", ".join(parts)) if parts else ""


def _item_aids(item: dict, lang: str) -> str:
    return " · ".join(_w(f"aid_{a['kind']}", lang).format(time=local_time(a["at"], date=False))
                      for a in item.get("aids") or [])


def _total(report: dict, lang: str) -> str:
    help_used = _help(report, lang)
    return f"{_w('total', lang)}: {report['total']} / 100" + (f" ({help_used})" if help_used else "")


def _clock(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def _heading(report: dict, lang: str) -> str:
    return _w("title", lang) + (f" #{report['id']}" if report.get("id") is not None else "")


def _item_title(item: dict, lang: str) -> str:
    return f"Q{item['question']} · {item['title'][lang]}"


def _mode(item: dict, lang: str) -> str:
    label = LABELS[item["mode"]][lang]
    return f"{label} · {item['exercise']}" if item["exercise"] else label


def _summary(report: dict, lang: str) -> str:
    config = report["config"]
    return _w("summary", lang).format(questions=_count("questions_n", len(report["items"]), lang), mix=_w(config["mix"], lang), order=_w(config["order"], lang),
                                      seed=config["seed"])


def _times(report: dict, lang: str) -> str:
    start, end = local_time(report["started_at"]), local_time(report["ended_at"])
    if end[:10] == start[:10]:
        end = end[11:]
    return _w("times", lang).format(start=start, end=end,
                                    how=_w(report["ended_by"], lang), used=_clock(report["seconds"]),
                                    limit=_clock(60 * report["config"]["minutes"]))


def _grading_line(grading: dict, lang: str) -> str:
    return _w("grading_line", lang).format(status=_w(grading["status"], lang), passed=grading["passed"],
                                           total=grading["total"], points=grading["points"],
                                           max=grading["max_points"])


def _isolation_line(grading: dict, lang: str) -> str:
    """How the grading run was confined; "" for a report saved before runs said so."""
    isolation = grading.get("isolation")
    if not isolation:
        return ""
    level = isolation.get("level")
    why = "; ".join(isolation.get("missing") or [])
    return _w({"full": "isolation_full", "partial": "isolation_partial"}.get(level, "isolation_none"), lang).format(why=why)


def _ticked(item: dict) -> str:
    return f"{sum(p['ticked'] for p in item['key_points'])}/{len(item['key_points'])}"


# ---- JSON -------------------------------------------------------------------------------

def to_json(report: dict) -> str:
    """The report as indented JSON (UTF-8 text, not \\u escapes); `json.loads` gives it back."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


# ---- Markdown ---------------------------------------------------------------------------

def _inline(text: str) -> str:
    """One line of literal text: whitespace collapsed, Markdown punctuation escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _cell(text: str) -> str:
    """Authored Markdown (titles) in a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def fenced(text: str, info: str = "text") -> str:
    """`text` verbatim in a fenced code block that no line of it can close."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


@dataclass(frozen=True)
class Verbatim:
    """Text shown exactly as it was typed: code (`info` "python"), an answer or a note."""

    text: str
    info: str = "text"


def _typed(item: dict) -> str:
    """The typed answer (reports of format 1 kept a coding item's code there instead)."""
    return item["answer"] if "code" in item or item["mode"] != "coding" else ""


def _code(item: dict) -> str:
    return item["code"] if "code" in item else item["answer"]


@dataclass(frozen=True)
class ScoreTable:
    """The table of items: `header` and `rows` of cells (#, question, mode, time, score)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def score_table(report: dict, lang: str) -> ScoreTable:
    header = ("#", _w("question", lang), _w("mode", lang), _w("spent", lang), _w("score", lang))
    rows = tuple((str(n), _item_title(item, lang), _mode(item, lang), _clock(item["seconds"]), _percent(item["score"]))
                 for n, item in enumerate(report["items"], 1))
    return ScoreTable(header, rows)


def _md_table(table: ScoreTable) -> str:
    lines = ["| " + " | ".join(table.header) + " |", "|--:|---|---|--:|--:|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _in(entry: dict, key: str, lang: str) -> str:
    """A check's name or the grading's message in `lang` (the Chinese rides under "zh")."""
    return (entry.get("zh") or {}).get(key, entry[key]) if lang == "zh" else entry[key]


def _md_grading(grading: dict | None, lang: str) -> list[str]:
    lines = [f"**{_w('grading', lang)}**", ""]
    if grading is None:
        return lines + [_w("not_graded", lang)]
    lines.append(_inline(_grading_line(grading, lang)))
    if grading["message"]:
        lines += ["", _inline(_in(grading, "message", lang))]
    if _isolation_line(grading, lang):
        lines += ["", _inline(_isolation_line(grading, lang))]
    if grading["checks"]:
        lines += ["", f"| {_w('check', lang)} | {_w('status', lang)} | {_w('points', lang)} | {_w('hidden', lang)} |",
                  "|---|---|--:|---|"]
        lines += [f"| {_inline(_in(c, 'name', lang))} | {c['status']} | {c['points']} | {_w('yes', lang) if c['hidden'] else ''} |"
                  for c in grading["checks"]]
    if grading.get("flags"):
        lines += ["", f"**{_w('flags', lang)}**", ""]
        lines += [f"- {_inline(_flag_line(f, lang))}" for f in grading["flags"]]
    return lines


def _flag_line(flag: dict, lang: str) -> str:
    key = "flag_line_runtime" if flag.get("source") == "runtime" else "flag_line"
    return _w(key, lang).format(line=flag.get("line") or "?", message=flag["message"])


def _md_block(text: str, info: str, empty: str) -> list:
    return [Verbatim(text, info) if text.strip() else empty]


def _md_points(item: dict, lang: str) -> list[str]:
    if item["mode"] == "coding":
        return [f"**{_w('key_points', lang)}** ({_w('by_checks', lang)})", "",
                *[f"- {' '.join(p['text'][lang].split())}" for p in item["key_points"]]]
    return [f"**{_w('key_points', lang)}** ({_ticked(item)})", "",
            *[f"- [{'x' if p['ticked'] else ' '}] {' '.join(p['text'][lang].split())}" for p in item["key_points"]]]


def _md_item(n: int, item: dict, lang: str) -> list:
    lines = [f"## {n}. {_item_title(item, lang)}", "",
             _w("item_line", lang).format(time=_clock(item["seconds"]), score=_percent(item["score"])), "",
             f"**{_w('answer', lang)}**", "", *_md_block(_typed(item), "text", _w("no_answer", lang))]
    if item["mode"] == "coding":
        lines += ["", f"**{_w('code', lang)}**", "", *_md_block(_code(item), "python", _w("no_code", lang))]
    lines += [""] + _md_points(item, lang)
    if item["mode"] == "coding":
        lines += [""] + _md_grading(item["grading"], lang)
    if item.get("aids"):
        lines += ["", f"**{_w('aids', lang)}**: {_inline(_item_aids(item, lang))}"]
    if item["note"].strip():
        lines += ["", f"**{_w('note', lang)}**", "", Verbatim(item["note"])]
    return lines + [""]


def parts(report: dict, lang: str) -> list:
    """The report in `lang` as Markdown lines (str), the score table (ScoreTable) and what
    was typed (Verbatim), in order."""
    lines = [f"# {_heading(report, lang)}", "",
             f"**{_total(report, lang)}** · {_summary(report, lang)}", "",
             _times(report, lang), "",
             _w("repeat", lang).format(cmd=f"`{report['repeat']}`"), ""]
    lines += [score_table(report, lang), ""]
    for n, item in enumerate(report["items"], 1):
        lines += _md_item(n, item, lang)
    return lines


def to_markdown(report: dict, lang: str) -> str:
    """The report in Markdown, in `lang` ("zh" or "en"); what was typed in fenced blocks."""
    return "\n".join(p if isinstance(p, str) else _md_table(p) if isinstance(p, ScoreTable) else fenced(p.text, p.info)
                     for p in parts(report, lang))


# ---- HTML -------------------------------------------------------------------------------

_CSS = """
body { margin: 0; color: #1f2328; background: #fff;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
main { max-width: 52rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 0 0 .25rem; break-after: avoid; }
h3 { font-size: 1rem; margin: 1rem 0 .35rem; break-after: avoid; }
.total { font-size: 1.3rem; font-weight: 600; margin: 0; }
.meta { color: #59636e; margin: .2rem 0; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; border: 1px solid #d1d9e0; border-radius: 6px; padding: .75rem;
  white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #d1d9e0; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
section { border-top: 1px solid #d1d9e0; margin-top: 1.75rem; padding-top: .75rem; }
ul.points { list-style: none; padding-left: 0; margin: 0; }
ul.points li { padding-left: 1.5em; text-indent: -1.5em; }
.hit .mark, .pass { color: #1a7f37; }
.miss .mark, .fail, .error, .timeout, .crash { color: #cf222e; }
.mark { font-weight: 700; display: inline-block; width: 1.5em; text-indent: 0; }
.empty { color: #59636e; font-style: italic; }
@media print { main { max-width: none; margin: 0; } section { break-inside: auto; } }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _html_table(report: dict, lang: str) -> list[str]:
    rows = [f"<tr><th>#</th><th>{_e(_w('question', lang))}</th><th>{_e(_w('mode', lang))}</th>"
            f"<th>{_e(_w('spent', lang))}</th><th>{_e(_w('score', lang))}</th></tr>"]
    for n, item in enumerate(report["items"], 1):
        rows.append(f"<tr><td class=\"num\">{n}</td><td>{_e(_item_title(item, lang))}</td><td>{_e(_mode(item, lang))}</td>"
                    f"<td class=\"num\">{_clock(item['seconds'])}</td><td class=\"num\">{_percent(item['score'])}</td></tr>")
    return ["<table>", *rows, "</table>"]


def _pre(text: str) -> str:
    return f"<pre>{_e(text.rstrip())}</pre>"


def _html_block(text: str, empty: str) -> str:
    return _pre(text) if text.strip() else f"<p class=\"empty\">{_e(empty)}</p>"


def _html_points(item: dict, lang: str) -> list[str]:
    if item["mode"] == "coding":
        return [f"<h3>{_e(_w('key_points', lang))} ({_e(_w('by_checks', lang))})</h3>", "<ul>",
                *[f"<li>{_e(p['text'][lang])}</li>" for p in item["key_points"]], "</ul>"]
    lines = [f"<h3>{_e(_w('key_points', lang))} ({_ticked(item)})</h3>", "<ul class=\"points\">"]
    for p in item["key_points"]:
        cls, mark = ("hit", "✓") if p["ticked"] else ("miss", "✗")
        lines.append(f"<li class=\"{cls}\"><span class=\"mark\">{mark}</span>{_e(p['text'][lang])}</li>")
    return lines + ["</ul>"]


def _html_grading(grading: dict | None, lang: str) -> list[str]:
    lines = [f"<h3>{_e(_w('grading', lang))}</h3>"]
    if grading is None:
        return lines + [f"<p class=\"empty\">{_e(_w('not_graded', lang))}</p>"]
    status = _e(grading["status"])
    lines.append(f"<p class=\"{status}\">{_e(_grading_line(grading, lang))}</p>")
    if grading["message"]:
        lines.append(f"<p>{_e(_in(grading, 'message', lang))}</p>")
    if _isolation_line(grading, lang):
        lines.append(f"<p>{_e(_isolation_line(grading, lang))}</p>")
    if grading["checks"]:
        lines += ["<table>", f"<tr><th>{_e(_w('check', lang))}</th><th>{_e(_w('status', lang))}</th>"
                  f"<th>{_e(_w('points', lang))}</th><th>{_e(_w('hidden', lang))}</th></tr>"]
        lines += [f"<tr><td>{_e(_in(c, 'name', lang))}</td><td class=\"{_e(c['status'])}\">{_e(c['status'])}</td>"
                  f"<td class=\"num\">{_e(c['points'])}</td><td>{_e(_w('yes', lang)) if c['hidden'] else ''}</td></tr>"
                  for c in grading["checks"]]
        lines.append("</table>")
    if grading.get("flags"):
        lines.append(f"<p><strong>{_e(_w('flags', lang))}</strong></p><ul>")
        lines += [f"<li>{_e(_flag_line(f, lang))}</li>" for f in grading["flags"]]
        lines.append("</ul>")
    return lines


def _html_item(n: int, item: dict, lang: str) -> list[str]:
    lines = ["<section>", f"<h2>{n}. {_e(_item_title(item, lang))}</h2>",
             f"<p class=\"meta\">{_e(_mode(item, lang))} · "
             f"{_e(_w('item_line', lang).format(time=_clock(item['seconds']), score=_percent(item['score'])))}</p>",
             f"<h3>{_e(_w('answer', lang))}</h3>", _html_block(_typed(item), _w("no_answer", lang))]
    if item["mode"] == "coding":
        lines += [f"<h3>{_e(_w('code', lang))}</h3>", _html_block(_code(item), _w("no_code", lang))]
    lines += _html_points(item, lang)
    if item["mode"] == "coding":
        lines += _html_grading(item["grading"], lang)
    if item.get("aids"):
        lines += [f"<h3>{_e(_w('aids', lang))}</h3>", f"<p>{_e(_item_aids(item, lang))}</p>"]
    if item["note"].strip():
        lines += [f"<h3>{_e(_w('note', lang))}</h3>", _pre(item["note"])]
    return lines + ["</section>"]


def to_html(report: dict, lang: str) -> str:
    """The report as one self-contained HTML page in `lang`: inline CSS, no scripts, no
    links, every text escaped; prints cleanly."""
    heading = _heading(report, lang)
    repeat = _e(_w("repeat", lang)).format(cmd=f"<code>{_e(report['repeat'])}</code>")
    lines = ["<!DOCTYPE html>", f"<html lang=\"{_e(lang)}\">", "<head>", "<meta charset=\"utf-8\">",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
             f"<title>{_e(heading)} · {_e(report['total'])}/100</title>", f"<style>{_CSS}</style>", "</head>",
             "<body>", "<main>", f"<h1>{_e(heading)}</h1>",
             f"<p class=\"total\">{_e(_total(report, lang))}</p>",
             f"<p class=\"meta\">{_e(_summary(report, lang))}</p>",
             f"<p class=\"meta\">{_e(_times(report, lang))}</p>",
             f"<p class=\"meta\">{repeat}</p>"]
    lines += _html_table(report, lang)
    for n, item in enumerate(report["items"], 1):
        lines += _html_item(n, item, lang)
    lines += ["</main>", "</body>", "</html>", ""]
    return "\n".join(lines)
