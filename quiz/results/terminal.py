"""Rich rendering of grading results (the schema in grader.results) for the terminal:
failures first, identical failures collapsed (quiz.results.arrange). `lang` picks the
labels; pass a result already localized (grader.results.localized) for the checks' text."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from quiz.results.arrange import FailureGroup, ResultView, failures_first
from quiz.text.wrap import divide_line

ICONS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("!", "red"), "skip": ("–", "dim")}
VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold red", "timeout": "bold yellow", "crash": "bold magenta"}


BASES_SHOWN, PARAMS_SHOWN = 2, 3
LABELS = {
    "points": {"en": "{points}/{max_points} points · ", "zh": "{points}/{max_points} 分 · "},
    "where": {"en": "{impl} · {seconds:.2f} s on {device}", "zh": "{impl} · {seconds:.2f} 秒（{device}）"},
    "more": {"en": "; and {n} more", "zh": "；另有 {n} 项"},
    "flags": {"en": "note: code that reaches into the grading machinery ({found})",
              "zh": "注意：代码触及了评分机制（{found}）"},
    "flag": {"en": "line {line}: {message}", "zh": "第 {line} 行：{message}"},
    "runtime": {"en": "seen while it ran: {found}", "zh": "运行时发现：{found}"},
    "static": {"en": "in its source: {found}", "zh": "源码中发现：{found}"},
    "isolation": {"en": " · isolation {level}", "zh": " · 隔离：{level}"},
    "not_isolated": {"en": "not isolated", "zh": "未隔离"},
    "partly_isolated": {"en": "partly isolated", "zh": "部分隔离"},
    "checks": {"en": "{n} checks: ", "zh": "{n} 项检查："},
    "hint": {"en": "hint: ", "zh": "提示："},
    "passed": {"en": "{n} passed", "zh": "{n} 项通过"},
    "not_run": {"en": "{n} not run", "zh": "{n} 项未运行"},
}


def label(key: str, lang: str, **values) -> str:
    return LABELS[key]["zh" if lang == "zh" else "en"].format(**values)


def summary_line(result: dict, view: ResultView, lang: str = "en") -> Text:
    line = Text()
    line.append(f"{result['status'].upper():7}", style=VERDICT_STYLE[result["status"]])
    line.append(f" {result['exercise']}", style="bold")
    if not result["tests"]:  # nothing ran: where is all there is to say
        line.append(f"\n        {result['impl']}", style="dim")
        return line
    line.append(f"  {view.summary_in(lang)}")
    line.append("\n        " + label("points", lang, points=result["points"], max_points=result["max_points"]))
    isolation = result.get("isolation")
    level = label("isolation", lang, level=isolation["level"]) if isolation else ""
    line.append(label("where", lang, impl=result["impl"], seconds=result["duration_s"], device=result["device"])
                + level, style="dim")
    return line


def check_names(tests: list[dict], lang: str = "en") -> str:
    """The checks' names, parametrized ones folded: "find_head … [resnet18, vgg11, +16]"."""
    bases: dict[str, list[str]] = {}
    for t in tests:
        name = t["name"]
        base, bracket, param = name.rpartition(" [")
        if bracket and param.endswith("]"):
            bases.setdefault(base, []).append(param[:-1])
        else:
            bases.setdefault(name, [])
    parts = []
    for base, params in list(bases.items())[:BASES_SHOWN]:
        if params:
            shown = params[:PARAMS_SHOWN] + ([f"+{len(params) - PARAMS_SHOWN}"] if len(params) > PARAMS_SHOWN else [])
            base += f" [{', '.join(shown)}]"
        parts.append(base)
    rest = sum(max(1, len(p)) for p in list(bases.values())[BASES_SHOWN:])
    return "; ".join(parts) + (label("more", lang, n=rest) if rest else "")


class Hanging:
    """A marker ("  ✗ ") and paragraphs (Text) wrapped under it with a hanging indent, by
    cell width and CJK-aware (quiz.text.wrap), with no trailing padding."""

    def __init__(self, marker: Text, paragraphs: list[Text]):
        self.marker = marker
        self.paragraphs = paragraphs

    def __rich_console__(self, console, options):
        indent = self.marker.cell_len
        width = max(10, options.max_width - indent)
        first = True
        for paragraph in self.paragraphs:
            for line in paragraph.divide(divide_line(paragraph.plain, width)):
                line.rstrip()
                yield (self.marker if first else Text(" " * indent)) + line
                first = False


def flags_text(result: dict, lang: str = "en") -> str | None:
    """The flags in one line, for a human to look at: what the run's audit hook saw while
    the code ran, then what the static scan read in its source (no flag proves nothing);
    None without flags."""
    flags = result.get("flags", [])
    parts = []
    for source in ("runtime", "static"):
        found = "; ".join(label("flag", lang, line=f["line"], message=f["message"])
                          for f in flags if f.get("source", "static") == source)
        if found:
            parts.append(label(source, lang, found=found))
    return label("flags", lang, found="; ".join(parts)) if parts else None


def isolation_text(result: dict, lang: str = "en") -> str | None:
    """A warning when the run was not fully isolated (grader.guard.confine), with why;
    None when it was."""
    isolation = result.get("isolation")
    if not isolation or isolation.get("level") == "full":
        return None
    what = label("not_isolated" if isolation.get("level") == "none" else "partly_isolated", lang)
    why = "; ".join(isolation.get("missing") or []) or "unknown"
    return f"{what}: {why}"


def _note(text: str | None) -> Hanging | None:
    return Hanging(Text(" " * 8), [Text(text, style="yellow")]) if text else None


def failure_block(group: FailureGroup, lang: str = "en") -> Hanging:
    """One failure: the check (or how many checks share it), its message and hint."""
    icon, style = ICONS[group.status]
    if group.count == 1:
        paragraphs = [Text(group.tests[0]["name"], style="bold"), Text(group.message, style=style)]
    else:
        names = Text(label("checks", lang, n=group.count), style="bold")
        names.append(check_names(group.tests, lang), style="dim")
        paragraphs = [Text(group.message, style=style), names]
    if group.hint:
        hint = Text(label("hint", lang), style="bold yellow")
        hint.append(group.hint, style="yellow")
        paragraphs.append(hint)
    return Hanging(Text(f"  {icon} ", style=style), paragraphs)


def render_result(result: dict, *, verbose: bool = False, lang: str = "en") -> Group:
    """Failures first (identical ones collapsed, with how many checks each covers), then
    one line for the passed checks (each listed with `verbose`) and the skipped ones."""
    view = failures_first(result, hidden_apart=False)
    parts: list = [summary_line(result, view, lang)]
    if result["status"] not in ("pass", "fail"):
        style = VERDICT_STYLE[result["status"]]  # a SyntaxError's message has its source line and caret
        parts.append(Hanging(Text(" " * 8), [Text(line, style=style) for line in result["message"].split("\n")]))
    parts += [note for note in (_note(isolation_text(result, lang)), _note(flags_text(result, lang))) if note]
    parts += [failure_block(group, lang) for group in view.failed]
    if view.passed:
        icon, style = ICONS["pass"]
        line = Text(f"  {icon} " + label("passed", lang, n=len(view.passed)), style=style)
        if verbose:
            line.append("".join(f"\n      {t['name']}" for t in view.passed), style="dim")
        parts.append(line)
    if view.skipped:
        icon, style = ICONS["skip"]
        reasons = sorted({t["message"].removeprefix("not run").removeprefix("未运行").lstrip(":： ")
                          for t in view.skipped} - {""})
        colon, sep = ("：", "；") if lang == "zh" else (": ", "; ")
        parts.append(Text(f"  {icon} " + label("not_run", lang, n=len(view.skipped))
                          + (colon + sep.join(reasons) if reasons else ""), style=style))
    parts.append(Text(""))
    return Group(*parts)
