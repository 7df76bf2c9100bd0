"""Chinese for the fixed frames of the engine's own messages: what grader/run/child.py,
worker.py and engine.py and grader/results.py write ("`f` is not implemented yet",
"time limit of 30 s exceeded", "3 of 54 checks failed" ...). Checks bring their own
Chinese (grader.authoring.checks.say); these messages have none, so `zh` rewrites them
when a result is shown in Chinese (grader.results.localized).

The values inside a frame (a function, a file and line, an exception's own text, a number)
stay as they are; "while running: NAME" names the check in Chinese when `names` maps its
English name. A message no frame matches comes back unchanged.

Plain data and `re`: imported by the CLI and the UI.
"""

from __future__ import annotations

import re
from collections.abc import Callable

VERDICTS = {"error": "出错", "timeout": "超时", "crash": "崩溃"}
SIGNALS = {"segmentation fault": "段错误", "aborted": "进程中止", "bus error": "总线错误",
           "floating-point exception": "浮点异常", "illegal instruction": "非法指令",
           "killed (SIGKILL: out of memory, or cancelled)": "被强制结束（SIGKILL：内存不足或被取消）"}
_RUNNING = r"(?: while running: (?P<running>.+))?"


def _at(where: str | None) -> str:
    return f"（位于 {where}）" if where else ""


def _running(m: re.Match, names: dict[str, str]) -> str:
    name = m.group("running")
    return f"，运行中的检查：{names.get(name, name)}" if name else ""


Frame = tuple[re.Pattern, Callable[[re.Match, dict], str]]

FRAMES: list[Frame] = [(re.compile(pattern + "$"), render) for pattern, render in [
    (r"(?P<func>`[^`]+` )?is not implemented yet \(NotImplementedError(?: at (?P<where>.+))?\)",
     lambda m, n: f"{m.group('func') or ''}尚未实现（NotImplementedError"
                  + (f"，位于 {m.group('where')}" if m.group("where") else "") + "）"),
    (r"expected (?P<exc>\w+) to be raised, but the call returned normally",
     lambda m, n: f"应抛出 {m.group('exc')}，但调用正常返回了"),
    (r"your code called sys\.exit\((?P<code>.*?)\)(?: \(at (?P<where>[^()]+)\))?: a grader never counts that as a pass",
     lambda m, n: f"你的代码调用了 sys.exit({m.group('code')}){_at(m.group('where'))}：评分器绝不会把它算作通过"),
    (r"your code skipped the check \(at (?P<where>[^()]+)\): a grader never counts that as a pass",
     lambda m, n: f"你的代码跳过了这项检查{_at(m.group('where'))}：评分器绝不会把它算作通过"),
    (r"memory limit exceeded while importing (?P<file>.+)",
     lambda m, n: f"导入 {m.group('file')} 时超出内存限制"),
    (r"memory limit exceeded(?: \(over (?P<mb>\d+) MB\))?(?: \(at (?P<where>[^()]+)\))?(?:: (?P<exc>\w+))?" + _RUNNING,
     lambda m, n: "超出内存限制" + (f"（超过 {m.group('mb')} MB）" if m.group("mb") else "") + _at(m.group("where"))
                  + (f"：{m.group('exc')}" if m.group("exc") else "") + _running(m, n)),
    (r"time limit of (?P<s>[\d.]+) s exceeded" + _RUNNING,
     lambda m, n: f"超出 {m.group('s')} 秒的时间限制{_running(m, n)}"),
    (r"not run: grading stopped \((?P<verdict>\w+)\)",
     lambda m, n: f"未运行：评分已中止（{VERDICTS.get(m.group('verdict'), m.group('verdict'))}）"),
    (r"not run", lambda m, n: "未运行"),
    (r"(?P<verdict>error|timeout|crash): (?P<rest>.+)",
     lambda m, n: f"{VERDICTS[m.group('verdict')]}：{zh(m.group('rest'), n)}"),
    (r"(?P<failed>\d+) of (?P<total>\d+) checks failed",
     lambda m, n: f"{m.group('total')} 项检查中有 {m.group('failed')} 项未通过"),
    (r"all (?P<n>\d+) checks passed", lambda m, n: f"全部 {m.group('n')} 项检查通过"),
    (r"(?P<passed>\d+) checks passed, (?P<skipped>\d+) skipped",
     lambda m, n: f"{m.group('passed')} 项检查通过，{m.group('skipped')} 项跳过"),
    (r"no check passed", lambda m, n: "没有一项检查通过"),
    (r"the grader collected no checks", lambda m, n: "评分器没有收集到任何检查"),
    (r"the check's expectation was not met", lambda m, n: "这项检查的预期没有满足"),
    (r"the grading machinery was modified \((?P<what>.+)\)", lambda m, n: f"评分机制被改动了（{m.group('what')}）"),
    (r"the grader could not be loaded: (?P<why>.+)", lambda m, n: f"评分器无法加载：{m.group('why')}"),
    (r"the grading process died: (?P<what>.+?)" + _RUNNING,
     lambda m, n: f"评分进程意外终止：{SIGNALS.get(m.group('what'), m.group('what'))}{_running(m, n)}"),
    (r"the grading process exited early with code (?P<code>.+?) \(os\._exit\?\)" + _RUNNING,
     lambda m, n: f"评分进程提前退出，退出码 {m.group('code')}（os._exit？）{_running(m, n)}"),
    (r"grading was cut short: (?P<n>\d+) checks never reported \(first: (?P<first>.+)\)",
     lambda m, n: f"评分被中断：{m.group('n')} 项检查没有报告结果（第一项：{n.get(m.group('first'), m.group('first'))}）"),
    (r"the grading worker stopped answering", lambda m, n: "评分工作进程不再响应"),
    (r"the grading worker died", lambda m, n: "评分工作进程意外退出"),
    (r"(?P<file>[^\s:]+\.py) failed to import: (?P<error>.+) \((?P<where>[^()]+)\)",
     lambda m, n: f"{m.group('file')} 导入失败：{m.group('error')}（{m.group('where')}）"),
    (r"(?P<file>[^\s:]+\.py) called sys\.exit\((?P<code>.*)\) while being imported \((?P<where>[^()]+)\)",
     lambda m, n: f"{m.group('file')} 在导入时调用了 sys.exit({m.group('code')})（{m.group('where')}）"),
    (r"(?P<error>\w+) in (?P<where>[^\s:]+:\d+): (?P<msg>.+)",
     lambda m, n: f"{m.group('where')} 处有 {m.group('error')}：{m.group('msg')}"),
    (r"(?P<path>.+\.py): no such file \(`(?P<cmd>[^`]+)` restores the stub\)",
     lambda m, n: f"{m.group('path')}：文件不存在（`{m.group('cmd')}` 可恢复练习模板）"),
    (r"(?P<error>[\w.]+: .*) \(at (?P<where>[^()]+:\d+)\)",
     lambda m, n: f"{m.group('error')}（位于 {m.group('where')}）"),
]]


def zh(message: str, names: dict[str, str] | None = None) -> str:
    """`message` with its frame in Chinese, or unchanged when it has no known frame."""
    names = names or {}
    for pattern, render in FRAMES:
        m = pattern.match(message)
        if m:
            return render(m, names)
    return message
