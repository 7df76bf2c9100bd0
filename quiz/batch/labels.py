"""The batch report's own words in Chinese and English (the checks' names and hints come
localized from the results): `label(key, lang, **fields)`."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "title": ("批量评测报告", "Batch grading report"),
    "overview": ("{n} 份提交 · {m} 道练习（{names}）", "{n} submissions · {m} exercises ({names})"),
    "submissions": ("提交", "Submissions"),
    "submission": ("提交", "submission"),
    "total": ("总分", "total"),
    "status": ("状态", "status"),
    "time": ("用时（秒）", "time (s)"),
    "counts": ("{submitted} 份提交 · {passed} 份通过", "{submitted} submitted · {passed} passed"),
    "points_of": ("得分（满分 {max}）", "points (of {max})"),
    "n_submissions": ("提交数", "submissions"),
    "checks": ("检查项，失败最多的在前", "Checks, most failed first"),
    "failed": ("失败", "failed"),
    "check": ("检查项", "check"),
    "not_reached": (" · {n} 份未执行到", " · {n} not reached"),
    "together": ("常常一起失败的检查项", "Checks that fail together"),
    "both_failed": ("同时失败", "both failed"),
    "alike": ("相似的提交", "Submissions that look alike"),
    "alike_note": ("已去掉空白、注释并统一命名后比较。这只是提醒人工查看，不是结论。",
                   "After normalising whitespace, comments and names. A flag for a human to look at, never a verdict."),
    "exercise": ("练习", "exercise"),
    "similarity": ("相似度", "similarity"),
    "none_found": ("未发现。", "None found."),
    "flags": ("标记", "Flags"),
    "flags_note": ("伸向评测机制的代码（pytest、评分器、栈帧、对象图、套接字、进程、自身以外的文件……）："
                   "运行时看到的（事实，附行号），或静态扫描在源代码中读到的（第二意见）。供人工查看，不是结论。",
                   "Code that reaches into the grading machinery (pytest, the grader, frames, the object graph, "
                   "sockets, processes, files outside its own ...): seen while it ran (a fact, with its line) or "
                   "read in its source by the static scan (a second opinion). For a human to look at, not a verdict."),
    "line": ("行", "line"),
    "seen": ("发现于", "seen"),
    "what": ("内容", "what"),
    "runtime": ("运行时", "at run time"),
    "static": ("源代码中", "in the source"),
    "no_flags": ("没有任何标记。标记针对的是运行时审计和静态扫描已知的、伸向评测机制的途径；没有标记并不证明提交是诚实的。",
                 "No flag was raised. Flags mark the known ways into the grading machinery that the run-time audit "
                 "and the static scan look for; their absence does not show that a submission is honest."),
    "skipped": ("不是提交（不是文件夹），已跳过：{names}", "Not submissions (not folders), skipped: {names}"),
    "isolated_all": ("隔离：每次评测都在完全隔离下运行（{total}/{total}）：提交无法读取评分器、参考解或彼此的代码，"
                     "无法写入自己的临时文件夹以外的地方，无法访问网络，也无法留下进程。",
                     "Isolation: every grading ran fully isolated ({total} of {total}): the submissions could not "
                     "read the grader, the reference solutions or one another, write outside their own scratch "
                     "folder, reach the network, or leave a process behind."),
    "isolation": ("隔离", "Isolation"),
    "isolated_some": ("{full}/{total} 次评测在完全隔离下运行。隔离不完整或缺失时，提交可能读取了评分器或参考解，"
                      "或改动了自己文件夹以外的文件（包括其他提交的）：那里的通过不能作为证明。",
                      "{full} of {total} gradings ran fully isolated. Where isolation was partial or missing, a "
                      "submission may have read the grader or the reference solutions, or changed files outside its "
                      "folder (other submissions' included): a pass there is no proof."),
    "level": ("隔离程度", "isolation"),
    "why": ("原因", "why"),
    "submitted": ("提交", "submitted"),
    "passed": ("通过", "passed"),
    "mean_points": ("平均分", "mean pts"),
    "most_failed": ("失败最多的检查项", "most failed checks"),
    "passed_all": ("{passed}/{n} 份提交通过了所有练习", "{passed}/{n} submissions passed every exercise"),
    "unisolated_line": ("{n}/{total} 次评测没有在完全隔离下运行（见 report.html）：它们的结果不能作为证明",
                        "{n} of {total} gradings ran without full isolation (see report.html): their results are "
                        "no proof"),
    "isolated_line": ("隔离：全部 {total} 次评测完全隔离", "isolation: all {total} gradings fully isolated"),
    "flagged_line": ("{n} 个文件被标记，需要人工查看（见 report.html）", "{n} file(s) flagged for a human to look at "
                     "(see report.html)"),
    "alike_line": ("{n} 组相似的提交，需要人工核对（见 report.html）", "{n} group(s) of look-alike submissions "
                   "flagged for a human to check (see report.html)"),
    "pass": ("通过", "pass"),
    "fail": ("未通过", "fail"),
    "error": ("出错", "error"),
    "timeout": ("超时", "timeout"),
    "crash": ("崩溃", "crash"),
    "missing": ("缺交", "missing"),
    "incomplete": ("未交齐", "incomplete"),
    "same as the reference solution": ("与参考解相同", "same as the reference solution"),
    "identical": ("完全相同", "identical"),
    "near-identical": ("几乎相同", "near-identical"),
}


def label(key: str, lang: str, **fields) -> str:
    """The label in `lang` ("zh" or "en"), with `fields` filled in; an unknown key is
    returned as it is (a status or note the table does not know yet)."""
    pair = LABELS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**fields) if fields else text
