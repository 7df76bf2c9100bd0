"""grader.translations: the engine's own messages (not implemented, no raise, sys.exit,
limits, skipped checks, summaries) read in Chinese where a result is shown in Chinese, the
values in them kept; grader.results.localized applies it to checks and the result."""

from __future__ import annotations

import pytest

from grader import results
from grader.results import assemble, localized
from grader.translations import FRAMES, zh

NAMES = {"answer() returns 42": "answer() 返回 42"}

CASES = [
    ("`find_head` is not implemented yet (NotImplementedError at heads.py:12)",
     "`find_head` 尚未实现（NotImplementedError，位于 heads.py:12）"),
    ("expected ValueError to be raised, but the call returned normally", "应抛出 ValueError，但调用正常返回了"),
    ("your code called sys.exit(3) (at heads.py:4): a grader never counts that as a pass",
     "你的代码调用了 sys.exit(3)（位于 heads.py:4）：评分器绝不会把它算作通过"),
    ("your code skipped the check (at heads.py:9): a grader never counts that as a pass",
     "你的代码跳过了这项检查（位于 heads.py:9）：评分器绝不会把它算作通过"),
    ("memory limit exceeded while importing heads.py", "导入 heads.py 时超出内存限制"),
    ("memory limit exceeded (over 2048 MB) while running: answer() returns 42",
     "超出内存限制（超过 2048 MB），运行中的检查：answer() 返回 42"),
    ("time limit of 30 s exceeded while running: answer() returns 42",
     "超出 30 秒的时间限制，运行中的检查：answer() 返回 42"),
    ("not run: grading stopped (timeout)", "未运行：评分已中止（超时）"),
    ("not run", "未运行"),
    ("timeout: time limit of 30 s exceeded", "超时：超出 30 秒的时间限制"),
    ("3 of 54 checks failed", "54 项检查中有 3 项未通过"),
    ("all 54 checks passed", "全部 54 项检查通过"),
    ("50 checks passed, 4 skipped", "50 项检查通过，4 项跳过"),
    ("no check passed", "没有一项检查通过"),
    ("the grader collected no checks", "评分器没有收集到任何检查"),
    ("the check's expectation was not met", "这项检查的预期没有满足"),
    ("the grading machinery was modified (builtins.ValueError)", "评分机制被改动了（builtins.ValueError）"),
    ("the grader could not be loaded: ImportError: x", "评分器无法加载：ImportError: x"),
    ("the grading process died: segmentation fault while running: answer() returns 42",
     "评分进程意外终止：段错误，运行中的检查：answer() 返回 42"),
    ("the grading process exited early with code 3 (os._exit?)", "评分进程提前退出，退出码 3（os._exit？）"),
    ("grading was cut short: 4 checks never reported (first: answer() returns 42)",
     "评分被中断：4 项检查没有报告结果（第一项：answer() 返回 42）"),
    ("the grading worker stopped answering", "评分工作进程不再响应"),
    ("the grading worker died", "评分工作进程意外退出"),
    ("heads.py failed to import: NameError: name 'x' is not defined (heads.py:3)",
     "heads.py 导入失败：NameError: name 'x' is not defined（heads.py:3）"),
    ("heads.py called sys.exit(0) while being imported (heads.py:2)", "heads.py 在导入时调用了 sys.exit(0)（heads.py:2）"),
    ("SyntaxError in heads.py:3: invalid syntax", "heads.py:3 处有 SyntaxError：invalid syntax"),
    ("/w/heads.py: no such file (`transferlings reset heads` restores the stub)",
     "/w/heads.py：文件不存在（`transferlings reset heads` 可恢复练习模板）"),
    ("RuntimeError: shapes cannot be multiplied (2x3 and 16x5) (at heads.py:49)",
     "RuntimeError: shapes cannot be multiplied (2x3 and 16x5)（位于 heads.py:49）"),
]


@pytest.mark.parametrize("english, chinese", CASES, ids=[c[0][:40] for c in CASES])
def test_each_engine_frame_reads_in_chinese_with_its_values_kept(english, chinese):
    assert zh(english, NAMES) == chinese


def test_every_frame_has_a_case_and_other_messages_stay_as_they_are():
    used = {next(i for i, (pattern, _) in enumerate(FRAMES) if pattern.match(english)) for english, _ in CASES}
    assert used == set(range(len(FRAMES)))
    assert zh("expected 3 groups, got 2") == "expected 3 groups, got 2"


def test_the_child_describes_exceptions_in_frames_that_translate(tmp_path):
    import pytest as real_pytest
    from grader.run.child import describe_exception

    impl = tmp_path / "heads.py"
    impl.write_text("def find_head():\n    raise NotImplementedError\n", encoding="utf-8")
    namespace: dict = {}
    exec(compile(impl.read_text(), str(impl), "exec"), namespace)
    def returns_normally():
        with real_pytest.raises(ValueError):
            pass

    caught = []
    for call in (namespace["find_head"], returns_normally, lambda: exec("raise SystemExit(3)")):
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - what the child sees
            caught.append(describe_exception(exc, str(impl))[0])
    assert [zh(message) for message in caught] == [
        "`find_head` 尚未实现（NotImplementedError，位于 heads.py:2）",
        "应抛出 ValueError，但调用正常返回了",
        "你的代码调用了 sys.exit(3)：评分器绝不会把它算作通过",
    ]


def test_localized_translates_engine_messages_and_names_the_running_check_in_chinese():
    plan = [{"id": "a", "name": "answer() returns 42", "zh": {"name": "answer() 返回 42", "hint": "返回 42"}},
            {"id": "b", "name": "answer() is an int"}]
    result = assemble(exercise="probe", impl="x", device="cpu", duration_s=1.0, plan=plan, done={}, running="a",
                      verdict="timeout", verdict_message="time limit of 30 s exceeded while running: answer() returns 42")
    shown = localized(result, "zh")
    assert shown["message"] == "超出 30 秒的时间限制，运行中的检查：answer() 返回 42"
    assert [(t["name"], t["message"]) for t in shown["tests"]] == [
        ("answer() 返回 42", "超时：超出 30 秒的时间限制，运行中的检查：answer() 返回 42"),
        ("answer() is an int", "未运行：评分已中止（超时）"),
    ]
    assert localized(result, "en")["message"] == result["message"]
    failed = assemble(exercise="probe", impl="x", device="cpu", duration_s=1.0, plan=plan,
                      done={"a": results.test_entry(plan[0], "fail", "is not implemented yet (NotImplementedError)"),
                            "b": results.test_entry(plan[1], "pass")})
    assert localized(failed, "zh")["message"] == "2 项检查中有 1 项未通过"
    assert localized(failed, "zh")["tests"][0]["message"] == "尚未实现（NotImplementedError）"
