"""CJK-aware line breaking (quiz.text.wrap): by cell width, no break before closing or after
opening punctuation, never inside a Latin word; ASCII text wraps exactly as Rich does."""

from __future__ import annotations

import random
import string
import subprocess
import sys

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from quiz.text import wrap

TEXT = ("迁移学习的核心思想是：把在源任务（比如 ImageNet 分类）上学到的知识，用到目标任务上。"
        "例如 A 医院 vs. B 医院的影像数据，分布并不相同；resnet18 的准确率是 93.5%。")
CLOSING = "，。、；：！？）」』】》”…%"
OPENING = "（「『【《“"
WORDS = ("ImageNet", "vs.", "resnet18", "93.5%")


@pytest.mark.parametrize("width", range(8, 41))
def test_chinese_lines_fill_the_width_and_break_at_allowed_places(width):
    lines = wrap.wrap(TEXT, width)
    assert "".join(lines).replace(" ", "") == TEXT.replace(" ", "")
    for i, line in enumerate(lines):
        assert cell_len(line) <= width, line
        assert line[0] not in CLOSING, f"line starts with closing punctuation: {line!r}"
        assert line[-1] not in OPENING, f"line ends with opening punctuation: {line!r}"
        if i + 1 < len(lines):  # not ragged: the next unit really did not fit
            first = wrap.units(lines[i + 1])[0][1].rstrip()
            assert cell_len(line) + 1 + cell_len(first) > width, (line, lines[i + 1])
    joined = "\n".join(lines)
    for word in WORDS:
        assert word in joined, f"{word!r} was split"


def test_the_issues_ragged_examples_break_between_characters():
    lines = wrap.wrap("预训练模型（比如 ImageNet 分类）很有用", 16)
    assert lines[0] == "预训练模型（比如"
    assert wrap.wrap("例如 A 医院 vs. B 医院的数据", 12) == ["例如 A 医院", "vs. B 医院的", "数据"]


def test_a_word_wider_than_the_line_is_folded():
    assert wrap.wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_ascii_breaks_exactly_as_rich_does():
    import rich._wrap

    was_installed = rich._wrap.divide_line is wrap.divide_line  # the app installs it for good
    wrap.uninstall()
    try:
        rich_divide_line = rich._wrap.divide_line
        assert rich_divide_line is not wrap.divide_line
        rnd = random.Random(7)
        for _ in range(500):
            text = " ".join("".join(rnd.choice(string.ascii_letters + "(),.!?'-") for _ in range(rnd.randint(1, 12)))
                            for _ in range(rnd.randint(1, 15)))
            for width in (1, 6, 20, 60):
                assert wrap.divide_line(text, width) == rich_divide_line(text, width), (text, width)
    finally:
        if was_installed:
            wrap.install()


def test_installed_makes_rich_text_wrap_chinese_and_undoes_it():
    import rich.text

    was_installed = rich.text.divide_line is wrap.divide_line  # the app installs it for good
    wrap.uninstall()
    try:
        console = Console(width=20, file=open("/dev/null", "w"), color_system=None)
        text = "迁移学习的核心思想是：把在源任务上学到的知识用到目标任务上"
        with wrap.installed():
            lines = [line.plain for line in Text(text).wrap(console, 20)]
        assert lines[:2] == ["迁移学习的核心思想", "是：把在源任务上学到"]
        after = [line.plain for line in Text(text).wrap(console, 20)]
        assert after[1].startswith("：")  # uninstalled: Rich's own folding again
    finally:
        if was_installed:
            wrap.install()


def test_install_before_textual_is_imported_reaches_textuals_wrapping_too():
    code = ("from quiz.text import wrap; wrap.install()\n"
            "from textual.content import Content\n"
            "text = Content('迁移学习的核心思想是：把在源任务上学到的知识')\n"
            "print(text.wrap(20)[1].plain)\n"
            "wrap.uninstall()\n"
            "print(text.wrap(20)[1].plain)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    installed, uninstalled = out.splitlines()
    assert installed.startswith("是：") and uninstalled.startswith("：")
