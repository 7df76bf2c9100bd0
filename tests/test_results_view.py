"""Results for a learner (quiz.results.arrange): failures first, identical ones collapsed."""

from __future__ import annotations

from quiz.results.arrange import failures_first


def check(name, status="pass", message="", hint="", hidden=False):
    return {"name": name, "status": status, "message": message, "hint": hint, "duration_s": 0.0,
            "level": "basic", "points": 1, "hidden": hidden, "output": ""}


def result(tests):
    return {"exercise": "heads", "impl": "w", "status": "fail", "message": "", "device": "cpu", "duration_s": 0.1,
            "passed": sum(t["status"] == "pass" for t in tests),
            "failed": sum(t["status"] in ("fail", "error") for t in tests), "points": 0, "max_points": len(tests),
            "tests": tests}


def test_an_untouched_stub_collapses_into_one_group_per_message():
    stub = "`find_head` is not implemented yet (NotImplementedError at heads.py:30)"
    other = "`replace_head` is not implemented yet (NotImplementedError at heads.py:55)"
    tests = [check(f"find {i}", "fail", stub, f"hint {i % 3}") for i in range(18)]
    tests += [check(f"replace {i}", "fail", other, "h") for i in range(32)]
    view = failures_first(result(tests))
    assert [(g.message, g.count) for g in view.failed] == [(stub, 18), (other, 32)]
    assert view.failed[0].hint == "hint 0" and view.failed[0].hints == ["hint 0", "hint 1", "hint 2"]
    assert view.failed[0].tests[0]["name"] == "find 0"
    assert view.passed == [] and view.summary == "0/50 checks pass · 50 failing (2 distinct)"


def test_one_broken_behaviour_comes_first_and_passes_follow_in_file_order():
    tests = [check(f"ok {i}") for i in range(5)] + [check("bn", "fail", "running_mean changed", "use eval")]
    tests += [check("later"), check("never", "skip", "not run")]
    view = failures_first(result(tests))
    assert [g.tests[0]["name"] for g in view.failed] == ["bn"]
    assert view.failed[0].status == "fail" and view.failed[0].hint == "use eval"
    assert [t["name"] for t in view.passed] == ["ok 0", "ok 1", "ok 2", "ok 3", "ok 4", "later"]
    assert [t["name"] for t in view.skipped] == ["never"]
    assert view.summary == "6/8 checks pass · 1 failing · 1 not run"
    assert view.summary_in("zh") == "6/8 项检查通过 · 1 项未通过 · 1 项未运行"


def test_the_same_message_is_one_group_but_hidden_checks_stay_apart():
    tests = [check("a", "fail", "same"), check("b", "error", "same"), check("c", "fail", "same", hidden=True),
             check("d", "fail", "other")]
    view = failures_first(result(tests))
    assert [[t["name"] for t in g.tests] for g in view.failed] == [["a", "b"], ["c"], ["d"]]
    assert [g.hidden for g in view.failed] == [False, True, False]
    assert view.summary == "0/4 checks pass · 4 failing (3 distinct)"


def test_outside_an_interview_hidden_checks_join_their_message_group():
    tests = [check("a", "fail", "same"), check("c", "fail", "same", hidden=True)]
    assert [g.count for g in failures_first(result(tests), hidden_apart=False).failed] == [2]


def test_localized_shows_each_check_in_the_language_it_has():
    from grader.results import localized, test_entry

    zh = test_entry({"name": "a", "hint": "h", "zh": {"name": "甲", "hint": "提示"}}, "fail")
    plain = test_entry({"name": "b", "hint": "g"}, "pass")
    result = {"exercise": "x", "tests": [zh, plain]}
    assert [(t["name"], t["hint"]) for t in localized(result, "zh")["tests"]] == [("甲", "提示"), ("b", "g")]
    assert [(t["name"], t["hint"]) for t in localized(result, "en")["tests"]] == [("a", "h"), ("b", "g")]
    assert all("zh" not in t for t in localized(result, "zh")["tests"])
    assert result["tests"][0]["zh"] == {"name": "甲", "hint": "提示"}


def test_the_exercise_screen_says_how_a_run_was_isolated_and_what_was_flagged():
    from quiz.ui.exercise.results import failures_first_options

    test = {"name": "a", "status": "pass", "message": "", "hint": "", "points": 1, "hidden": False}
    result = {"exercise": "x", "status": "pass", "message": "", "tests": [test],
              "isolation": {"level": "none", "missing": ["no Landlock (kernel too old)"]},
              "flags": [{"kind": "exec", "line": 3, "message": "exec of a string", "source": "runtime"}]}
    summary = str(failures_first_options(result, candidate=False, expanded=False, lang="en")[0].prompt)
    assert "not isolated: no Landlock (kernel too old)" in summary
    assert "seen while it ran: line 3: exec of a string" in summary
    zh = str(failures_first_options(result, candidate=False, expanded=False, lang="zh")[0].prompt)
    assert "未隔离" in zh and "运行时发现：第 3 行：exec of a string" in zh
    full = dict(result, isolation={"level": "full", "missing": []}, flags=[])
    assert str(failures_first_options(full, candidate=False, expanded=False, lang="en")[0].prompt).count("\n") == 0
