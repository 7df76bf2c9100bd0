"""A calendar heatmap of activity as Rich text: 7 rows (Monday first), one column per
week, a distinct glyph per level so it reads without colour too."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from quiz.learning.activity import WEEKS, Calendar

LEVELS = ((0, "·", "grey35"), (1, "░", "green4"), (3, "▒", "green3"), (6, "▓", "green1"), (10, "█", "bold green1"))
DAYS = {"en": ("Mon", "", "Wed", "", "Fri", "", "Sun"), "zh": ("周一", "", "周三", "", "周五", "", "周日")}
MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
          "zh": tuple(f"{m}月" for m in range(1, 13))}
LEGEND = {"en": ("less", "more"), "zh": ("少", "多")}


def glyph(count: int) -> tuple[str, str]:
    mark, style = LEVELS[0][1:]
    for threshold, g, s in LEVELS:
        if count >= threshold:
            mark, style = g, s
    return mark, style


def render(cal: Calendar, lang: str) -> Text:
    """Month names above the weeks they start in; two cells per week; days after today blank."""
    pad = 5
    header, cursor = " " * pad, 0
    for week, month in cal.month_starts().items():
        name = MONTHS[lang][month - 1]
        if cursor <= week * 2:
            header += " " * (week * 2 - cursor) + name
            cursor = week * 2 + cell_len(name)
    out = Text(header + "\n", style="dim")
    for weekday in range(7):
        label = DAYS[lang][weekday]
        out.append(label + " " * (pad - cell_len(label)), style="dim")
        for week in range(WEEKS):
            count = cal.cell(week, weekday)
            if count is None:
                out.append("  ")
            else:
                mark, style = glyph(count)
                out.append(mark + " ", style=style)
        out.append("\n")
    less, more = LEGEND[lang]
    out.append(" " * pad + less + " ", style="dim")
    for _, mark, style in LEVELS:
        out.append(mark + " ", style=style)
    out.append(more, style="dim")
    out.append(f"   {cal.start.isoformat()} – {cal.today.isoformat()}", style="dim")
    return out
