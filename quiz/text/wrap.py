"""Line breaking by terminal cell width that is right for Chinese as well as English.

Rich and Textual break lines only at spaces, so a run of Chinese between two spaces
("用 PyTorch 的预训练模型……") is one unbreakable "word" pushed whole onto the next line,
and a line may start with "，". Here:

- a line may break between any two CJK characters, and at spaces;
- never before closing punctuation (，。、；：！？）」』】》… and their ASCII kin) nor after
  opening punctuation (（「『【《“ …);
- never inside a Latin word or number ("ImageNet", "3.5%", "resnet18"), unless the word
  alone is wider than the line (then it is folded, as Rich does).

`wrap(text, width)` returns the lines; `divide_line` has the signature of
`rich._wrap.divide_line` and `install()` makes Rich's `Text` and Textual's `Content` use
it, so Markdown, Static and RichLog wrap Chinese this way (call it once at start-up; pure
ASCII text wraps exactly as before). No torch.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from rich.cells import cell_len, chop_cells

_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
OPENING = frozenset("（《「『【〔〈〖〘〚｛［“‘([{")
CLOSING = frozenset("，。、；：！？）》」』】〕〉〗〙〛｝］”’…‥・〜～%,.;:!?)]}")
# A CJK character, or a run of anything else that is not a space (a Latin word, a number,
# code), with the spaces around it.
_TOKEN = re.compile(rf"\s*(?:[{_CJK}]|[^\s{_CJK}]+)\s*")


def units(text: str):
    """(start, unit) pairs covering `text`: tokens, with closing punctuation joined to the
    token before it and opening punctuation to the token after it. A line may break
    before any unit but the first."""
    merged: list[list] = []
    glue = False  # the previous unit ends in opening punctuation
    for m in _TOKEN.finditer(text):
        token = m.group()
        if merged and (glue or (token[0] in CLOSING and not merged[-1][1][-1].isspace())):
            merged[-1][1] += token
        else:
            merged.append([m.start(), token])
        glue = token[-1] in OPENING
    return [tuple(u) for u in merged]


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Offsets at which to break `text` so that each line fits `width` cells (the
    contract of rich._wrap.divide_line)."""
    breaks: list[int] = []
    offset = 0
    for start, unit in units(text):
        length = cell_len(unit.rstrip())
        if width - offset >= length:
            offset += cell_len(unit)
        elif length > width:
            if not fold:
                if start:
                    breaks.append(start)
                offset = cell_len(unit)
                continue
            pieces = chop_cells(unit, width)
            for i, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if i == len(pieces) - 1:
                    offset = cell_len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(unit)
    return breaks


def wrap(text: str, width: int) -> list[str]:
    """`text` as lines of at most `width` cells (trailing spaces dropped); its own
    newlines are kept as line breaks."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        cuts = [0, *divide_line(paragraph, max(1, width)), len(paragraph)]
        lines += [paragraph[a:b].rstrip() for a, b in zip(cuts, cuts[1:])] or [""]
    return lines


_ORIGINALS: dict[str, object] = {}
_TARGETS = ("rich._wrap", "rich.text", "textual.content")


def install() -> None:
    """Make Rich `Text` and Textual `Content` wrap with `divide_line` (idempotent). Call
    it before Textual is imported, or after: both work; Textual is never imported here."""
    import sys

    import rich._wrap
    import rich.text  # noqa: F401

    for name in _TARGETS:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "divide_line", divide_line) is not divide_line:
            _ORIGINALS[name] = module.divide_line
            module.divide_line = divide_line


def uninstall() -> None:
    """Undo install(), also in a Textual imported after it (which took ours from Rich)."""
    import sys

    fallback = _ORIGINALS.get("rich._wrap")
    for name in _TARGETS:
        module = sys.modules.get(name)
        original = _ORIGINALS.get(name, fallback)
        if module is not None and original is not None and getattr(module, "divide_line", None) is divide_line:
            module.divide_line = original
    _ORIGINALS.clear()


@contextmanager
def installed():
    """`install()` for the duration of a block (for one-off printing, as `show` does)."""
    already = bool(_ORIGINALS)
    install()
    try:
        yield
    finally:
        if not already:
            uninstall()
