"""Reading a file the user wrote (an exercise file, a submission): its text, or one line
that says what is wrong with it (missing, a folder, unreadable, too big, binary, not
UTF-8), in English or Chinese. Never a traceback: the caller shows the line and carries on."""

from __future__ import annotations

import errno
import io
import tokenize
from pathlib import Path

MAX_BYTES = 1_000_000  # an exercise file is a few KB: past this it is not shown, edited or kept as an attempt

REASONS = {  # (zh, en)
    "missing": ("文件不存在", "no such file"),
    "folder": ("这是一个文件夹，不是文件", "a folder, not a file"),
    "denied": ("没有读取权限", "permission denied"),
    "os": ("无法读取（{why}）", "cannot be read ({why})"),
    "big": ("文件有 {size}，太大了（练习文件最多 {limit}）", "{size}, too big for an exercise file (at most {limit})"),
    "binary": ("是二进制文件（含 NUL 字节），不是 Python 源代码", "a binary file (it holds NUL bytes), not Python source"),
    "encoding": ("不是 UTF-8 文本（第 {line} 行有字节 0x{byte:02x}）：请以 UTF-8 编码保存",
                 "not UTF-8 text (byte 0x{byte:02x} on line {line}): save it as UTF-8"),
}


class UnreadableFile(ValueError):
    """A user's file that cannot be read as text; `str()` is one English line, `message(lang)`
    the line in the reader's language."""

    def __init__(self, path: Path, reason: str, **fields):
        self.path, self.reason, self.fields = Path(path), reason, fields
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        zh, en = REASONS[self.reason]
        return f"{self.path}: " + (zh if lang == "zh" else en).format(**self.fields)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def read_bytes(path: Path, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the user's file at `path`; UnreadableFile when it is missing, a folder,
    not readable or over `limit` bytes."""
    path = Path(path)
    try:
        if path.is_dir():
            raise UnreadableFile(path, "folder")
        size = path.stat().st_size
        if size > limit:
            raise UnreadableFile(path, "big", size=_size(size), limit=_size(limit))
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(path, "missing") from None
    except PermissionError:
        raise UnreadableFile(path, "denied") from None
    except OSError as e:
        raise UnreadableFile(path, "os", why=(e.strerror or errno.errorcode.get(e.errno, str(e))).lower()) from None


def read_text(path: Path, *, limit: int = MAX_BYTES) -> str:
    """The text of the user's Python file at `path`, decoded as Python would (UTF-8, or
    the encoding its coding line names); an empty file is "". UnreadableFile otherwise."""
    data = read_bytes(path, limit=limit)
    if b"\0" in data:
        raise UnreadableFile(path, "binary")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # a bad byte or an unknown coding in the first two lines
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise UnreadableFile(path, "encoding", byte=data[e.start], line=data[:e.start].count(b"\n") + 1) from None
