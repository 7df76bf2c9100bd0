"""The exercise screen's checks list, as options of an OptionList (selectable, scrollable).

While a run streams in: every check in file order with its state. After a run: failures
first (a summary line, then each distinct failure once, with how many checks it covers,
its message and hint), then the passed checks folded into one line that expands. A
hidden check shows neither its name nor its message to a candidate; without `hints`
(an interview that allows none) no check shows its hint. Names, messages and hints show
in the reader's language (grader.results.localized).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets.option_list import Option

from grader.results import localized
from quiz.results.terminal import ICONS as REPORT_ICONS
from quiz.results.terminal import VERDICT_STYLE, flags_text, isolation_text
from quiz.results.arrange import failures_first
from quiz.ui.i18n import t

ICONS = {**REPORT_ICONS, "running": ("…", "yellow"), "pending": ("·", "dim")}
PASSED_ID = "passed"


def line(icon: str, style: str, text: Text) -> Table:
    """The icon, and beside it `text` wrapped with a hanging indent. Overflow "fold": with
    wide (Chinese) characters Rich keeps a line's trailing space and would then cut the
    line with "…" (Text.rstrip_end counts characters, not cells); folding drops the space."""
    text.overflow = "fold"
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=2, justify="right")
    grid.add_column(ratio=1)
    grid.add_row(Text(icon, style=style), text)
    return grid


def _failure_text(text: Text, message: str, hint: str, lang: str, hints: bool = True) -> Text:
    if message:
        text.append("\n" + message, style="red")
    if hint and hints:
        text.append("\n" + t("hint.label", lang), style="bold yellow")
        text.append(hint, style="yellow")
    return text


def streaming(plan: list[dict], results: dict[str, dict], running_id: str | None, candidate: bool,
              lang: str, hints: bool = True) -> list[Option]:
    """Every planned check in file order with its state so far."""
    options = []
    for meta in plan:
        test = results.get(meta["id"])
        state = test["status"] if test else ("running" if meta["id"] == running_id else "pending")
        hidden = candidate and meta.get("hidden")
        name = (meta.get("zh") or {}).get("name", meta["name"]) if lang == "zh" else meta["name"]
        if test:
            test = localized({"tests": [test]}, lang)["tests"][0]
        text = Text(t("ex.hidden", lang) if hidden else name)
        if test and state in ("fail", "error") and not hidden:
            _failure_text(text, test["message"], test.get("hint", ""), lang, hints)
        options.append(Option(line(*ICONS[state], text), id=f"run-{meta['id']}"))
    return options


def failures_first_options(result: dict, *, candidate: bool, expanded: bool, lang: str,
                           hints: bool = True) -> list[Option]:
    """Summary, failure groups (ids "fail-N"), then the passed checks folded (id "passed")
    or, when `expanded`, one by one."""
    result = localized(result, lang)
    view = failures_first(result)
    summary = Text(view.summary_in(lang), style=VERDICT_STYLE[result["status"]])
    if result["status"] not in ("pass", "fail") and result.get("message"):
        summary.append("\n" + result["message"], style="red")
    for note in (isolation_text(result, lang), flags_text(result, lang)):
        if note:  # every result says how it was isolated and what it was flagged for
            summary.append("\n" + note, style="yellow")
    options = [Option(summary, id="summary", disabled=True)]
    for n, group in enumerate(view.failed):
        icon, style = ICONS[group.status]
        if candidate and group.hidden:
            text = Text(t("ex.hidden_failed", lang, n=group.count), style="magenta")
        else:
            name = group.tests[0]["name"]
            text = Text(name if group.count == 1 else t("ex.covers", lang, n=group.count, name=name))
            _failure_text(text, group.message, group.hint, lang, hints)
        options.append(Option(line(icon, style, text), id=f"fail-{n}"))
    if view.passed:
        icon, style = ICONS["pass"]
        if expanded:
            for n, test in enumerate(view.passed):
                name = t("ex.hidden", lang) if candidate and test.get("hidden") else test["name"]
                options.append(Option(line(icon, style, Text(name, style="dim")), id=f"pass-{n}"))
        else:
            fold = Text(t("ex.passed_fold", lang, n=len(view.passed)), style="green")
            options.append(Option(line(icon, style, fold), id=PASSED_ID))
    for n, test in enumerate(view.skipped):
        options.append(Option(line(*ICONS["skip"], Text(test["name"], style="dim")), id=f"skip-{n}"))
    return options


def group_check(result: dict, option_id: str, lang: str = "en") -> dict | None:
    """The first check of failure group "fail-N" as `lang` groups them (what re-running it
    runs: the stored entry, English name and all), else None."""
    if not option_id.startswith("fail-"):
        return None
    shown = localized(result, lang)["tests"]
    groups = failures_first({"tests": shown}).failed
    n = int(option_id.removeprefix("fail-"))
    if n >= len(groups):
        return None
    first = next(i for i, test in enumerate(shown) if test is groups[n].tests[0])
    return result["tests"][first]


def merge_rerun(last: dict, rerun: dict) -> dict:
    """`last` with the checks re-run in `rerun` replaced by their new outcome."""
    fresh = {test["name"]: test for test in rerun["tests"]}
    tests = [fresh.get(test["name"], test) for test in last["tests"]]
    passed = sum(test["status"] == "pass" for test in tests)
    failed = sum(test["status"] in ("fail", "error") for test in tests)
    points = sum(test.get("points", 1) for test in tests if test["status"] == "pass")
    status = "pass" if passed == len(tests) else "fail"
    return {**last, "tests": tests, "passed": passed, "failed": failed, "points": points, "status": status}
