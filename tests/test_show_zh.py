"""`transferlings show` in Chinese in a terminal: lines wrap by cell width between
characters (no ragged lines, no line starting with closing punctuation, no Latin word
split) and every tag and label is in Chinese."""

from __future__ import annotations

import argparse
import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from quiz.questions import bank, show
from quiz.text import tags

CLOSING = "，。、；：！？）」』】》"


def shown(n: int, lang: str, width: int) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, legacy_windows=False)
    assert show.run(argparse.Namespace(n=n, lang=lang, answer=True), console=console) == 0
    return [line.rstrip() for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("n", [1, 6, 10])
def test_chinese_paragraphs_wrap_between_characters(n):
    width = 60
    lines = shown(n, "zh", width)
    prose = [ln for ln in lines if re.search(r"[\u4e00-\u9fff]", ln) and not ln.startswith(" ")]
    assert prose
    for line in lines:
        assert cell_len(line) <= width
        assert not line.lstrip() or line.lstrip()[0] not in CLOSING, line
    # A wrapped Chinese line is full: the next line's first character did not fit.
    short = [ln for ln, nxt in zip(prose, prose[1:])
             if re.match(r"[\u4e00-\u9fff]", nxt) and cell_len(ln) < width - 8 and ln[-1] not in "。：！？)）"]
    assert not short, short


def test_tags_and_labels_are_chinese_in_the_chinese_output():
    lines = shown(1, "zh", 100)
    meta = lines[1]
    q = bank.get_question(1)
    for tag in q.tags:
        assert tags.tag_label(tag, "zh") in meta
    assert not re.search(r"\b[a-z]+-[a-z]+\b", meta), meta  # no slug like "fine-tuning" left
    assert "概念题" in meta


def test_every_tag_of_the_bank_has_a_chinese_name():
    used = {t for q in bank.load_questions() for t in q.tags}
    assert used <= set(tags.ZH), sorted(used - set(tags.ZH))
