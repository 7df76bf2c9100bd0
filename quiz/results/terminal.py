"""Rich rendering of grading results (the schema in grader.results) for the terminal:
failures first, identical failures collapsed (quiz.results.arrange)."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from quiz.results.arrange import FailureGroup, ResultView, failures_first
from quiz.text.wrap import divide_line

ICONS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("!", "red"), "skip": ("–", "dim")}
VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold red", "timeout": "bold yellow", "crash": "bold magenta"}


BASES_SHOWN, PARAMS_SHOWN = 2, 3


def summary_line(result: dict, view: ResultView) -> Text:
    line = Text()
    line.append(f"{result['status'].upper():7}", style=VERDICT_STYLE[result["status"]])
    line.append(f" {result['exercise']}", style="bold")
    if not result["tests"]:  # nothing ran: where is all there is to say
        line.append(f"\n        {result['impl']}", style="dim")
        return line
    line.append(f"  {view.summary}")
    line.append(f"\n        {result['points']}/{result['max_points']} points · ")
    isolation = result.get("isolation")
    level = f" · isolation {isolation['level']}" if isolation else ""
    line.append(f"{result['impl']} · {result['duration_s']:.2f} s on {result['device']}{level}", style="dim")
    return line


def check_names(tests: list[dict]) -> str:
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
    return "; ".join(parts) + (f"; and {rest} more" if rest else "")


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


def flags_line(result: dict) -> Hanging:
    """The flags on one line, for a human to look at: what the run's audit hook saw while
    the code ran, then what the static scan read in its source (no flag proves nothing)."""
    flags = result.get("flags", [])
    parts = []
    for source, heading in (("runtime", "seen while it ran"), ("static", "in its source")):
        found = "; ".join(f"line {f['line']}: {f['message']}" for f in flags if f.get("source", "static") == source)
        if found:
            parts.append(f"{heading}: {found}")
    return Hanging(Text(" " * 8), [Text(f"note: code that reaches into the grading machinery ({'; '.join(parts)})",
                                        style="yellow")])


def isolation_line(result: dict) -> Hanging | None:
    """A warning when the run was not fully isolated (grader.guard.confine), with why."""
    isolation = result.get("isolation")
    if not isolation or isolation.get("level") == "full":
        return None
    what = "not isolated" if isolation.get("level") == "none" else "partly isolated"
    why = "; ".join(isolation.get("missing") or []) or "unknown"
    return Hanging(Text(" " * 8), [Text(f"{what}: {why}", style="yellow")])


def failure_block(group: FailureGroup) -> Hanging:
    """One failure: the check (or how many checks share it), its message and hint."""
    icon, style = ICONS[group.status]
    if group.count == 1:
        paragraphs = [Text(group.tests[0]["name"], style="bold"), Text(group.message, style=style)]
    else:
        names = Text(f"{group.count} checks: ", style="bold")
        names.append(check_names(group.tests), style="dim")
        paragraphs = [Text(group.message, style=style), names]
    if group.hint:
        hint = Text("hint: ", style="bold yellow")
        hint.append(group.hint, style="yellow")
        paragraphs.append(hint)
    return Hanging(Text(f"  {icon} ", style=style), paragraphs)


def render_result(result: dict, *, verbose: bool = False) -> Group:
    """Failures first (identical ones collapsed, with how many checks each covers), then
    one line for the passed checks (each listed with `verbose`) and the skipped ones."""
    view = failures_first(result, hidden_apart=False)
    parts: list = [summary_line(result, view)]
    if result["status"] not in ("pass", "fail"):
        parts.append(Hanging(Text(" " * 8), [Text(result["message"], style=VERDICT_STYLE[result["status"]])]))
    if isolation_line(result) is not None:
        parts.append(isolation_line(result))
    if result.get("flags"):
        parts.append(flags_line(result))
    parts += [failure_block(group) for group in view.failed]
    if view.passed:
        icon, style = ICONS["pass"]
        line = Text(f"  {icon} {len(view.passed)} passed", style=style)
        if verbose:
            line.append("".join(f"\n      {t['name']}" for t in view.passed), style="dim")
        parts.append(line)
    if view.skipped:
        icon, style = ICONS["skip"]
        reasons = sorted({t["message"].removeprefix("not run").lstrip(": ") for t in view.skipped} - {""})
        parts.append(Text(f"  {icon} {len(view.skipped)} not run" + (f": {'; '.join(reasons)}" if reasons else ""),
                          style=style))
    parts.append(Text(""))
    return Group(*parts)
