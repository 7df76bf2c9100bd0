"""Rich rendering of grading results (the schema in grader.results) for the terminal."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

ICONS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("!", "red"), "skip": ("–", "dim")}
VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold red", "timeout": "bold yellow", "crash": "bold magenta"}


def summary_line(result: dict) -> Text:
    total = len(result["tests"])
    line = Text()
    line.append(f"{result['status'].upper():7}", style=VERDICT_STYLE[result["status"]])
    line.append(f" {result['exercise']}", style="bold")
    line.append(f" ({result['impl']})", style="dim")
    line.append(f"  {result['passed']}/{total} checks, {result['points']}/{result['max_points']} points")
    line.append(f"  {result['duration_s']:.2f} s on {result['device']}", style="dim")
    if result["status"] != "pass":
        line.append(f"\n        {result['message']}", style=VERDICT_STYLE[result["status"]])
    return line


def check_cell(test: dict) -> Text:
    cell = Text(test["name"])
    if test["status"] in ("fail", "error"):
        cell.append("\n" + test["message"], style="red")
        if test["hint"]:
            cell.append("\nhint: ", style="bold yellow")
            cell.append(test["hint"], style="yellow")
    elif test["status"] == "skip" and test["message"]:
        cell.append("\n" + test["message"], style="dim")
    return cell


def result_table(result: dict) -> Table:
    table = Table(box=None, show_header=True, header_style="bold dim", pad_edge=False, expand=False)
    table.add_column("", width=1)
    table.add_column("level", style="dim", no_wrap=True)
    table.add_column("check", ratio=1)
    table.add_column("pts", justify="right")
    for test in result["tests"]:
        icon, style = ICONS[test["status"]]
        table.add_row(Text(icon, style=style), test["level"], check_cell(test), str(test["points"]))
    return table


def flags_line(result: dict) -> Text:
    """The static scan's flags (grader.scan) on one line, for a human to look at."""
    found = "; ".join(f"line {f['line']}: {f['message']}" for f in result.get("flags", []))
    return Text(f"        note: code that reaches into the grading machinery ({found})", style="yellow")


def render_result(result: dict) -> Group:
    parts = [result_table(result)] if result["tests"] else []
    notes = [flags_line(result)] if result.get("flags") else []
    return Group(*parts, summary_line(result), *notes, Text(""))
