"""UI strings in both languages; `t(key, lang, **fields)`."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "app.title": ("transferlings · 迁移学习面试练习", "transferlings · transfer-learning interview practice"),
    "home.summary": ("{passed}/{exercises} 道编程题已通过 · {due} 道题待复习", "{passed}/{exercises} exercises passed · {due} questions due for review"),
    "col.id": ("#", "#"),
    "col.title": ("题目", "question"),
    "col.kind": ("类型", "kind"),
    "col.exercise": ("编程练习", "exercise"),
    "col.review": ("复习", "review"),
    "status.not started": ("未开始", "not started"),
    "status.passed": ("已通过", "passed"),
    "status.failing": ("未通过 {failed}/{total}", "failing {failed} of {total}"),
    "status.none": ("—", "—"),
    "q.prompt": ("题目", "Question"),
    "q.hidden": ("先自己作答（说出来或写下来），再按 空格 查看参考答案。", "Answer it yourself first (aloud or in writing), then press space to reveal the model answer."),
    "q.answer": ("参考答案", "Model answer"),
    "q.key_points": ("要点（勾选你答到的）", "Key points (tick what you covered)"),
    "q.mistakes": ("常见错误", "Common mistakes"),
    "q.followups": ("追问", "Follow-up questions"),
    "q.reading": ("延伸阅读", "Further reading"),
    "q.exercises": ("配套编程练习：{names}（按 o 打开）", "Coding exercise: {names} (press o to open)"),
    "q.rate": ("自评：1 重来 · 2 困难 · 3 良好 · 4 简单", "Rate yourself: 1 Again · 2 Hard · 3 Good · 4 Easy"),
    "q.rated": ("已记录：{rating}，下次复习 {due}", "Recorded: {rating}; next review {due}"),
    "q.reveal_first": ("请先查看答案（空格）再自评。", "Reveal the answer (space) before rating."),
    "rating.again": ("重来", "Again"),
    "rating.hard": ("困难", "Hard"),
    "rating.good": ("良好", "Good"),
    "rating.easy": ("简单", "Easy"),
    "ex.task": ("任务", "Task"),
    "ex.checks": ("检查项", "Checks"),
    "ex.source": ("你的代码：{path}", "Your code: {path}"),
    "ex.never": ("还没有评测过。按 r 运行评测。", "Not graded yet. Press r to grade."),
    "ex.last": ("上次评测：{when}", "Last run: {when}"),
    "ex.grading": ("评测中… {done}/{total}", "grading… {done}/{total}"),
    "ex.starting": ("正在启动评测进程…", "starting the grader…"),
    "ex.graded": ("{verdict} · {passed}/{total} 项通过 · {points}/{max_points} 分 · 用时 {seconds:.2f} 秒（{device}）", "{verdict} · {passed}/{total} checks · {points}/{max_points} points · graded in {seconds:.2f} s on {device}"),
    "ex.cancelled": ("已取消评测。", "Grading cancelled."),
    "ex.watch_on": ("监视模式：保存文件后自动评测", "watch mode: re-grading on save"),
    "ex.watch_off": ("监视模式已关闭", "watch mode off"),
    "ex.device": ("设备：{device}", "device: {device}"),
    "ex.hint": ("提示 {n}/{total}", "Hint {n}/{total}"),
    "ex.no_more_hints": ("没有更多提示了。", "No more hints."),
    "ex.hidden": ("隐藏检查项", "hidden check"),
    "ex.reset_confirm": ("把 {name} 恢复为初始代码？你的版本会先备份到同一目录。", "Restore the stub of {name}? Your version is first backed up beside it."),
    "ex.reset_done": ("已恢复初始代码；你的版本保存在 {path}", "Stub restored; your version is kept in {path}"),
    "ex.reset_clean": ("已经是初始代码。", "Already the untouched stub."),
    "ex.solution_confirm": ("你还没有通过这道题。确定要看参考答案吗？", "You have not passed this exercise yet. Show the reference solution anyway?"),
    "ex.saved": ("已保存 {path}", "Saved {path}"),
    "level.basic": ("基础", "basic"),
    "level.interview": ("面试", "interview"),
    "level.expert": ("进阶", "expert"),
    "verdict.pass": ("通过", "PASS"),
    "verdict.fail": ("未通过", "FAIL"),
    "verdict.error": ("错误", "ERROR"),
    "verdict.timeout": ("超时", "TIMEOUT"),
    "verdict.crash": ("崩溃", "CRASH"),
    "hint.label": ("提示：", "hint: "),
    "progress.title": ("学习进度", "Progress"),
    "progress.exercises": ("编程练习", "Exercises"),
    "progress.questions": ("题目复习", "Question reviews"),
    "progress.history": ("{name} 的评测记录", "Runs of {name}"),
    "progress.totals": ("通过 {passed}/{exercises} 道练习 · 最佳得分合计 {points}/{max_points} · 评测 {runs} 次 · 复习 {reviews} 次", "{passed}/{exercises} exercises passed · best points {points}/{max_points} · {runs} runs · {reviews} reviews"),
    "col.best": ("最佳", "best"),
    "col.runs": ("次数", "runs"),
    "col.last": ("最近", "last"),
    "col.when": ("时间", "when"),
    "col.status": ("结果", "status"),
    "col.checks": ("检查项", "checks"),
    "col.seconds": ("秒", "s"),
    "col.reviews": ("复习次数", "reviews"),
    "col.last_rating": ("上次自评", "last rating"),
    "col.next": ("下次", "next"),
    "help.title": ("快捷键", "Keys"),
    "confirm.yes": ("确定", "Yes"),
    "confirm.no": ("取消", "No"),
    "editor.title": ("编辑 {path}（ctrl+s 保存，esc 关闭）", "Editing {path} (ctrl+s saves, esc closes)"),
    "editor.unsaved": ("有未保存的修改。不保存就关闭？", "Unsaved changes. Close without saving?"),
}

# Footer labels, by action name.
ACTIONS: dict[str, tuple[str, str]] = {
    "toggle_lang": ("English", "中文"),
    "help": ("帮助", "Help"),
    "progress": ("进度", "Progress"),
    "quit": ("退出", "Quit"),
    "open": ("打开", "Open"),
    "back": ("返回", "Back"),
    "reveal": ("显示答案", "Reveal"),
    "rate('again')": ("重来", "Again"),
    "rate('hard')": ("困难", "Hard"),
    "rate('good')": ("良好", "Good"),
    "rate('easy')": ("简单", "Easy"),
    "open_exercise": ("编程练习", "Exercise"),
    "grade": ("评测", "Grade"),
    "cancel_or_back": ("取消/返回", "Cancel/Back"),
    "edit": ("编辑", "Edit"),
    "watch": ("监视", "Watch"),
    "hint": ("提示", "Hint"),
    "solution": ("参考解", "Solution"),
    "reset": ("重置", "Reset"),
    "device": ("设备", "Device"),
    "save": ("保存", "Save"),
    "close": ("关闭", "Close"),
    "dismiss": ("关闭", "Close"),
}


def t(key: str, lang: str, **fields) -> str:
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def action_label(action: str, lang: str) -> str | None:
    pair = ACTIONS.get(action)
    if pair is None:
        return None
    return pair[0] if lang == "zh" else pair[1]
