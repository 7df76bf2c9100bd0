"""Where the learner stands, as Rich renderables for `transferlings next` and `status` and
for `%transferlings next` and `status` in a notebook: the next step of the path and how
to take it there, every exercise's state with points, the review queue. No torch, no UI."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from grader import registry
from quiz.learning import path, schedule, standing

TEXT = {
    "columns": {"en": ("#", "exercise", "state", "points"), "zh": ("#", "练习", "状态", "得分")},
    "totals": {"en": "{passed}/{exercises} passed · {points}/{max_points} points · {due} due · {new} new today",
               "zh": "已通过 {passed}/{exercises} · 得分 {points}/{max_points} · {due} 道待复习 · 今日新题 {new} 道"},
    "workspace": {"en": "workspace", "zh": "工作区"},
    "next": {"en": "Next", "zh": "下一步"},
    "done": {"en": "Every question is reviewed and every exercise passes.", "zh": "所有题目都复习过，所有练习都已通过。"},
    "read": {"en": "read it, answer it", "zh": "读题，想好答案"},
    "compare": {"en": "compare with the model answer", "zh": "对照参考答案"},
    "rate": {"en": "rate yourself (spaced repetition)", "zh": "复习并评分"},
    "rate_in_terminal": {"en": "rate yourself, in a terminal", "zh": "在终端里复习并评分"},
    "rate_in_app": {"en": 'rate yourself in the app: enter on "Continue" opens it',
                    "zh": "在应用里自评：在“继续”一行按 enter 打开这道题"},
    "not_in_review": {"en": "  (review leaves it out today: today's new questions are used up, {limit} a day;"
                            " transferlings schedule --new-per-day N changes that)",
                      "zh": "  （今天的复习不含这道题：今天的新题名额（每天 {limit} 道）已用完；"
                            "可用 transferlings schedule --new-per-day N 调整）"},
    "edit": {"en": "edit", "zh": "编辑"},
    "cell": {"en": "or write it in a cell that starts with", "zh": "或在单元格中写代码，首行为"},
    "grade": {"en": "grade the file", "zh": "评测这个文件"},
}
STATE_STYLE = {"passed": "green", "failing": "red", "not started": "dim"}
# How each front end takes a step: the terminal's commands, a notebook's magics.
COMMANDS = {
    "terminal": {"show": "transferlings show {n}", "review": "transferlings review", "rate": "rate",
                 "grade": "transferlings watch {exercise}"},
    "notebook": {"show": "%transferlings show {n}", "review": "transferlings review", "rate": "rate_in_terminal",
                 "grade": "%grade {exercise}", "cell": "%%grade {exercise}"},
}


def next_step(store, folder: Path, lang: str, front: str = "terminal") -> RenderableType:
    """The next unfinished step of the path and the commands (or magics) that take it."""
    step = path.next_step(store, standing.exercise_states(store, folder))
    if step is None:
        return Text(TEXT["done"][lang])
    how = COMMANDS[front]
    lines = [f"[bold]{TEXT['next'][lang]}:[/] {step.title(lang)}"]
    if step.kind == "question":
        show = how["show"].format(n=step.question)
        width = len(show) + len(" --answer") + 1
        lines += [f"  {show:<{width}}# {TEXT['read'][lang]}", f"  {show + ' --answer':<{width}}# {TEXT['compare'][lang]}"]
        if step.question in schedule.queue(store, path.question_order()).questions:
            lines.append(f"  {how['review']:<{width}}# {TEXT[how['rate']][lang]}")
        else:  # today's new questions are taken: review leaves it out until tomorrow
            lines.append(f"  {'transferlings':<{width}}# {TEXT['rate_in_app'][lang]}")
            lines.append("[dim]" + TEXT["not_in_review"][lang].format(limit=schedule.new_per_day(store)) + "[/]")
    else:
        lines.append(f"  {TEXT['edit'][lang]}: {folder / registry.get(step.target).filename}")
        lines.append(f"  {how['grade'].format(exercise=step.target)}")
        if "cell" in how:
            lines.append(f"  {TEXT['cell'][lang]} {how['cell'].format(exercise=step.target)}")
    return Group(*(Text.from_markup(line) for line in lines))


def status(store, folder: Path, lang: str) -> RenderableType:
    """Every exercise in path order with its state and points, then the totals and the
    review queue."""
    states = standing.exercise_states(store, folder)
    table = Table(box=None, header_style="bold dim", pad_edge=False)
    for i, column in enumerate(TEXT["columns"][lang]):
        table.add_column(column, justify="right" if i in (0, 3) else "left")
    for i, name in enumerate(path.exercise_order(), 1):
        s = states[name]
        table.add_row(str(i), name, Text(s.words(lang), style=STATE_STYLE[s.state]), f"{s.points}/{s.max_points}")
    totals = standing.totals(states)
    queue = schedule.queue(store, path.question_order())
    line = TEXT["totals"][lang].format(passed=totals.passed, exercises=totals.exercises, points=totals.points,
                                       max_points=totals.max_points, due=len(queue.due), new=len(queue.new))
    return Group(Text(f"{TEXT['workspace'][lang]}: {folder}", style="dim"), table, Text(line, style="bold"))
