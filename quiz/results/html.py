"""A grading result (grader.results schema) as a self-contained HTML fragment, for a
notebook's cell output: the verdict, the summary and points, failures first with
identical ones folded into one entry (quiz.results.arrange), each with its message and
hint, then the passed checks folded. Inline styles only (notebooks strip <style> and
scripts from untrusted output); readable on light and dark themes. Give it the result
in the reader's language (grader.results.localized)."""

from __future__ import annotations

from html import escape

from quiz.results.arrange import failures_first

COLOUR = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#cf222e", "timeout": "#9a6700", "crash": "#8250df"}
MUTED = "#6e7781"
WORDS = {
    "points": {"en": "points", "zh": "分"},
    "timing": {"en": "{duration:.2f} s on {device}", "zh": "{device} 上用时 {duration:.2f} 秒"},
    "hint": {"en": "hint:", "zh": "提示："},
    "same_way": {"en": "{n} checks fail the same way", "zh": "{n} 项检查以同样方式未通过"},
    "which": {"en": "which", "zh": "哪些"},
    "passed": {"en": "{n} passed", "zh": "{n} 项通过"},
    "not_run": {"en": "{n} not run", "zh": "{n} 项未运行"},
    "flags": {"en": "note: code that reaches into the grading machinery", "zh": "注意：代码触及评测机制"},
}


def _w(key: str, lang: str, **values) -> str:
    return WORDS[key][lang].format(**values)


def render_html(result: dict, *, lang: str = "en", verbose: bool = False) -> str:
    """The result as HTML; `verbose` opens the list of passed checks."""
    view = failures_first(result, hidden_apart=False)
    colour = COLOUR.get(result["status"], MUTED)
    out = ["<div class='transferlings-result' style='line-height:1.45'>",
           f"<div><span style='background:{colour};color:#fff;border-radius:4px;padding:1px 8px;"
           f"font-weight:bold'>{escape(result['status'].upper())}</span> <b>{escape(result['exercise'])}</b>"]
    if result["tests"]:
        out.append(f" &nbsp;{escape(view.summary_in(lang))} &nbsp;·&nbsp; "
                   f"<b>{result['points']}/{result['max_points']} {_w('points', lang)}</b>"
                   f" <span style='color:{MUTED}'>· {escape(str(result['impl']))} · "
                   f"{escape(_w('timing', lang, duration=result['duration_s'], device=result['device']))}</span>")
    out.append("</div>")
    if result["status"] not in ("pass", "fail") and result.get("message"):
        out.append(f"<pre style='color:{colour};white-space:pre-wrap;margin:4px 0'>{escape(result['message'])}</pre>")
    if result.get("flags"):
        found = "; ".join(f"line {f['line']}: {f['message']}" for f in result["flags"])
        out.append(f"<div style='color:#9a6700'>{_w('flags', lang)} ({escape(found)})</div>")
    for group in view.failed:
        out.append("<div style='margin:6px 0;padding-left:10px;border-left:3px solid #cf222e'>")
        if group.count == 1:
            out.append(f"<div>✗ <b>{escape(group.tests[0]['name'])}</b></div>")
        else:
            names = ", ".join(escape(t["name"]) for t in group.tests)
            out.append(f"<div>✗ <b>{_w('same_way', lang, n=group.count)}</b> <details style='display:inline'>"
                       f"<summary style='display:inline;cursor:pointer;color:{MUTED}'>({_w('which', lang)})</summary>"
                       f"<span style='color:{MUTED}'>{names}</span></details></div>")
        out.append(f"<pre style='margin:2px 0;white-space:pre-wrap;color:#cf222e'>{escape(group.message)}</pre>")
        if group.hint:
            out.append(f"<div style='color:#9a6700'><b>{_w('hint', lang)}</b> {escape(group.hint)}</div>")
        out.append("</div>")
    if view.passed:
        names = "".join(f"<li>{escape(t['name'])}</li>" for t in view.passed)
        out.append(f"<details{' open' if verbose else ''}><summary style='color:#1a7f37;cursor:pointer'>✓ "
                   f"{_w('passed', lang, n=len(view.passed))}</summary><ul style='margin:0;color:{MUTED}'>{names}</ul>"
                   "</details>")
    if view.skipped:
        out.append(f"<div style='color:{MUTED}'>– {_w('not_run', lang, n=len(view.skipped))}</div>")
    out.append("</div>")
    return "".join(out)
