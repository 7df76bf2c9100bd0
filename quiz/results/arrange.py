"""A grading result (grader.results schema) arranged for a learner: failures first,
identical failures collapsed into one group, then passed and skipped checks.

Pure data: no torch, no UI. The CLI and the UI both render a `ResultView`; the JSON
output keeps every check as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FAILED = ("fail", "error")


@dataclass
class FailureGroup:
    """Failed checks that report the same thing: same message and visibility (`status` is
    the first check's: fail or error).

    `hint` is the first check's hint (the checks keep file order, so the most basic one);
    `hints` lists every distinct hint of the group in order."""

    tests: list[dict]
    message: str
    hint: str
    status: str
    hints: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.tests)

    @property
    def hidden(self) -> bool:
        """True when every check of the group is hidden (interview mode masks them)."""
        return all(t.get("hidden", False) for t in self.tests)


@dataclass
class ResultView:
    failed: list[FailureGroup]
    passed: list[dict]
    skipped: list[dict]
    summary: str
    total: int = 0

    @property
    def failed_count(self) -> int:
        return sum(g.count for g in self.failed)

    def summary_in(self, lang: str) -> str:
        return summary_text(len(self.passed), self.total, self.failed_count, len(self.failed), len(self.skipped), lang)


def summary_text(passed: int, total: int, failed: int, groups: int, skipped: int, lang: str = "en") -> str:
    """"33/42 checks pass · 9 failing (2 distinct) · 1 skipped" (zh: "33/42 项检查通过 …")."""
    if lang == "zh":
        parts = [f"{passed}/{total} 项检查通过"]
        if failed:
            parts.append(f"{failed} 项未通过" + (f"（{groups} 类）" if groups < failed else ""))
        if skipped:
            parts.append(f"{skipped} 项未运行")
        return " · ".join(parts)
    parts = [f"{passed}/{total} checks pass"]
    if failed:
        parts.append(f"{failed} failing" + (f" ({groups} distinct)" if groups < failed else ""))
    if skipped:
        parts.append(f"{skipped} not run")
    return " · ".join(parts)


def failures_first(result: dict, *, hidden_apart: bool = True) -> ResultView:
    """Group the failed checks of `result` by message (and, with `hidden_apart`, by
    whether they are hidden, so an interview can mask those groups), in order of each
    group's first check; passed and skipped checks keep file order."""
    groups: dict[tuple, FailureGroup] = {}
    passed, skipped = [], []
    for test in result["tests"]:
        if test["status"] == "pass":
            passed.append(test)
        elif test["status"] == "skip":
            skipped.append(test)
        else:
            key = (test["message"], hidden_apart and bool(test.get("hidden", False)))
            group = groups.get(key)
            if group is None:
                group = groups[key] = FailureGroup([], test["message"], test.get("hint", ""), test["status"])
            group.tests.append(test)
            hint = test.get("hint", "")
            if hint and hint not in group.hints:
                group.hints.append(hint)
    failed = list(groups.values())
    total = len(result["tests"])
    summary = summary_text(len(passed), total, sum(g.count for g in failed), len(failed), len(skipped))
    return ResultView(failed=failed, passed=passed, skipped=skipped, summary=summary, total=total)
