"""The exercise registry (registry.toml): plain data, no torch."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REGISTRY_FILE = Path(__file__).with_name("registry.toml")
GRADERS_DIR = Path(__file__).with_name("graders")
LANGS = ("zh", "en")


class RegistryError(ValueError):
    """The registry file is malformed; the message names the exercise and field."""


@dataclass(frozen=True)
class Exercise:
    name: str
    questions: tuple[int, ...]
    title: dict[str, str]
    hints: dict[str, tuple[str, ...]]
    points: int
    timeout_s: float
    grader_file: Path
    task_zh: str = ""  # the task in Chinese; in English it is the stub's module docstring

    @property
    def filename(self) -> str:
        return f"{self.name}.py"


def _parse(entry: dict, index: int) -> Exercise:
    where = f"{REGISTRY_FILE.name}: exercise #{index + 1}"
    try:
        name = entry["name"]
        where = f"{REGISTRY_FILE.name}: exercise {name!r}"
        title = entry["title"]
        hints = entry["hints"]
        for lang in LANGS:
            if not isinstance(title.get(lang), str) or not title[lang]:
                raise RegistryError(f"{where}: title.{lang} is missing")
            if not isinstance(hints.get(lang), list):
                raise RegistryError(f"{where}: hints.{lang} is missing")
        task_zh = entry.get("task", {}).get("zh")
        if not isinstance(task_zh, str) or not task_zh.strip():
            raise RegistryError(f"{where}: task.zh is missing")
        if len(hints["en"]) != len(hints["zh"]):
            raise RegistryError(f"{where}: hints.en and hints.zh differ in length")
        return Exercise(
            name=name,
            questions=tuple(int(q) for q in entry["questions"]),
            title=dict(title),
            hints={lang: tuple(hints[lang]) for lang in LANGS},
            points=int(entry["points"]),
            timeout_s=float(entry.get("timeout_s", 60)),
            grader_file=GRADERS_DIR / f"{name}.py",
            task_zh=task_zh.strip(),
        )
    except KeyError as missing:
        raise RegistryError(f"{where}: field {missing} is missing") from None


@lru_cache(maxsize=1)
def exercises() -> tuple[Exercise, ...]:
    """All exercises in registry order."""
    with REGISTRY_FILE.open("rb") as f:
        data = tomllib.load(f)
    found = tuple(_parse(e, i) for i, e in enumerate(data.get("exercise", [])))
    names = [e.name for e in found]
    if len(set(names)) != len(names):
        raise RegistryError(f"{REGISTRY_FILE.name}: duplicate exercise names")
    return found


def names() -> list[str]:
    return [e.name for e in exercises()]


def get(name: str) -> Exercise:
    """The exercise called `name`; KeyError with the known names otherwise."""
    for e in exercises():
        if e.name == name:
            return e
    raise KeyError(f"unknown exercise {name!r} (known: {', '.join(names())})")
