"""The grading-result schema (product.md): one dict per exercise and implementation.

    {"exercise", "impl", "status": pass|fail|error|timeout|crash, "message", "device",
     "duration_s", "passed", "failed", "points", "max_points",
     "tests": [{"name", "status": pass|fail|error|skip, "message", "hint", "duration_s",
                "level", "points", "hidden", "output"}],
     "flags": [{"kind", "line", "message", "source": runtime|static}],
     "isolation": {"level": full|partial|none, "applied": [...], "missing": [...]}}

`flags` mark code in the submission that reaches into the grading machinery, each with
its line: "runtime" flags are facts the run's audit hook saw (grader.guard.audit),
"static" ones the source scan's second opinion (grader.guard.scan). A note in practice,
for a human to look at in mock interviews and batch grading; no flag is no proof of
honesty. `isolation` says how the run was confined (grader.guard.confine): "none" means
the candidate's code could read the grader and the reference solutions. Results saved
before these keys existed lack them: read them with `result.get("flags", [])` and
`result.get("isolation")`. A run passes only when every planned check passed.

Plain data only: this module is imported by the CLI and the UI.
"""

from __future__ import annotations

STATUSES = ("pass", "fail", "error", "timeout", "crash")
TEST_STATUSES = ("pass", "fail", "error", "skip")
NOT_RUN = {"level": "none", "applied": [], "missing": ["the submission's code was not run"]}
OUTPUT_CAP = 4096
MESSAGE_CAP = 400


def cap_output(text: str, limit: int = OUTPUT_CAP) -> str:
    """Keep the first `limit` characters, noting how much was cut."""
    if len(text) <= limit:
        return text
    total = len(text)
    size = f"{total / 1e6:.1f} MB" if total >= 1e6 else f"{total / 1e3:.1f} KB"
    return text[:limit] + f"\n… [output cut: {size} printed in all, first {limit} characters kept]"


def cap_message(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()][:2]
    text = "\n".join(lines)
    return text if len(text) <= MESSAGE_CAP else text[: MESSAGE_CAP - 1] + "…"


def test_entry(meta: dict, status: str, message: str = "", duration_s: float = 0.0, output: str = "") -> dict:
    """One check's entry; `meta["zh"]` (the check's Chinese name and hint), when the
    grader has them, rides along under "zh" for `localized`."""
    entry = {
        "name": meta["name"],
        "status": status,
        "message": cap_message(message),
        "hint": meta.get("hint", ""),
        "duration_s": round(duration_s, 4),
        "level": meta.get("level", "basic"),
        "points": meta.get("points", 1),
        "hidden": meta.get("hidden", False),
        "output": cap_output(output),
    }
    if meta.get("zh"):
        entry["zh"] = dict(meta["zh"])
    zh_message = getattr(message, "zh", None)
    if isinstance(zh_message, str):
        entry.setdefault("zh", {})["message"] = cap_message(zh_message)
    return entry


def localized(result: dict, lang: str) -> dict:
    """A copy of `result` whose checks' names, hints and messages are in `lang` (zh where
    the grader has them; the engine's own messages through grader.translations; else
    English), without the "zh" entries: what a person or `--json` sees."""
    from grader import translations

    names = {t["name"]: t["zh"]["name"] for t in result.get("tests", []) if t.get("zh", {}).get("name")}
    tests = []
    for test in result.get("tests", []):
        test = dict(test)
        zh = test.pop("zh", None) or {}
        if lang == "zh":
            message = test.get("message", "")
            test.update(name=zh.get("name", test["name"]), hint=zh.get("hint", test.get("hint", "")),
                        message=zh.get("message") or translations.zh(message, names))
        tests.append(test)
    if lang != "zh":
        return {**result, "tests": tests}
    return {**result, "tests": tests, "message": translations.zh(result.get("message", ""), names)}


def assemble(
    *,
    exercise: str,
    impl: str,
    device: str,
    duration_s: float,
    plan: list[dict],
    done: dict[str, dict],
    running: str | None = None,
    verdict: str | None = None,
    verdict_message: str = "",
    flags: list[dict] | None = None,
    isolation: dict | None = None,
) -> dict:
    """Build the result from the planned tests and those reported done.

    `verdict` (error, timeout or crash) says the run ended abnormally; the test that was
    `running` then is marked error and the ones never reached are skipped. `isolation`:
    how the run was confined (None: no run took place).
    """
    tests = []
    for meta in plan:
        nodeid = meta["id"]
        if nodeid in done:
            tests.append(done[nodeid])
        elif verdict and nodeid == running:
            tests.append(test_entry(meta, "error", f"{verdict}: {verdict_message}"))
        else:
            reason = f"not run: grading stopped ({verdict})" if verdict else "not run"
            tests.append(test_entry(meta, "skip", reason))
    passed = sum(t["status"] == "pass" for t in tests)
    failed = sum(t["status"] in ("fail", "error") for t in tests)
    status, message = verdict, verdict_message
    if status is None:
        exits = [t for t in tests if t.get("cause") == "sys.exit"]
        memory = [t for t in tests if t.get("cause") == "memory"]
        if memory:
            status, message = "crash", memory[0]["message"]
        elif exits:
            status, message = "error", exits[0]["message"]
        elif not tests:
            status, message = "error", "the grader collected no checks"
        elif failed:
            status, message = "fail", f"{failed} of {len(tests)} checks failed"
        elif passed == len(tests):
            status, message = "pass", f"all {passed} checks passed"
        elif passed:
            status, message = "error", f"{len(tests) - passed} of {len(tests)} checks never ran: a run passes only when every check passed"
        else:
            status, message = "fail", "no check passed"
    for t in tests:
        t.pop("cause", None)
    return {
        "exercise": exercise,
        "impl": impl,
        "status": status,
        "message": message,
        "device": device,
        "duration_s": round(duration_s, 3),
        "passed": passed,
        "failed": failed,
        "points": sum(t["points"] for t in tests if t["status"] == "pass"),
        "max_points": sum(t["points"] for t in tests),
        "tests": tests,
        "flags": list(flags or []),
        "isolation": dict(isolation) if isolation else NOT_RUN,
    }
