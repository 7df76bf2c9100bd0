"""The class report on a constructed class: item analysis, histograms, co-failures, CSV,
escaping, and look-alike submissions."""

from __future__ import annotations

import re
from pathlib import Path

from quiz.batch import report as batch_report
from quiz.batch.similarity import normalise, similar_groups


def result(points: int, failed: set[str], status: str | None = None) -> dict:
    tests = [{"name": n, "status": "fail" if n in failed else "pass", "hint": f"hint {n}", "points": 1}
             for n in ("c1", "c2", "c3", "c4")]
    return {"status": status or ("fail" if failed else "pass"), "points": points, "duration_s": 1.0, "tests": tests}


CLASS = {
    ("s1", "ex"): result(4, set()),
    ("s2", "ex"): result(2, {"c1", "c2"}),
    ("s3", "ex"): result(2, {"c1", "c2"}),
    ("s4", "ex"): result(3, {"c1"}),
}


def test_item_analysis_sorts_checks_by_failure_share_with_hints():
    report = batch_report.analyse(["s1", "s2", "s3", "s4", "s5"], ["ex"], CLASS, {"ex": 4})
    (stats,) = report.stats
    assert [(c.name, c.failed, c.graded) for c in stats.checks[:2]] == [("c1", 3, 4), ("c2", 2, 4)]
    assert stats.checks[0].share == 0.75 and stats.checks[0].hint == "hint c1"
    assert stats.together == [("c1", "c2", 2, 0.67)]
    assert stats.submitted == 4 and stats.passed == 1
    assert stats.histogram == [("0", 0), ("1", 0), ("2", 2), ("3", 1), ("4", 1)]


def test_in_chinese_the_checks_and_hints_read_in_chinese():
    def run(failed):
        return {"status": "fail", "points": 0, "duration_s": 0.1, "message": "1 of 1 checks failed",
                "tests": [{"name": "c [x]", "status": "fail" if failed else "pass", "hint": "h", "points": 1,
                           "zh": {"name": "检查 [x]", "hint": "提示一"}}]}
    report = batch_report.analyse(["a", "b"], ["ex"], {("a", "ex"): run(True), ("b", "ex"): run(False)}, {"ex": 1},
                                  lang="zh")
    (check,) = report.stats[0].checks
    assert (check.name, check.hint, check.failed) == ("检查", "提示一", 1)
    assert "<html lang=zh>" in batch_report.to_html(report, lang="zh")


def test_histogram_bins_cover_every_point_once():
    report = batch_report.analyse(["a"], ["ex"], {}, {"ex": 32})
    assert report.stats[0].histogram == [("0–6", 0), ("7–13", 0), ("14–20", 0), ("21–27", 0), ("28–32", 0)]


def test_the_cases_of_a_check_count_once_per_submission():
    def run(statuses):
        return {"status": "fail", "points": 0, "duration_s": 0.1,
                "tests": [{"name": f"c [{case}]", "status": st, "hint": "h", "points": 1}
                          for case, st in statuses.items()]}
    data = {("a", "ex"): run({"x": "fail", "y": "fail"}), ("b", "ex"): run({"x": "pass", "y": "pass"})}
    (stats,) = batch_report.analyse(["a", "b"], ["ex"], data, {"ex": 2}).stats
    assert [(c.name, c.failed, c.graded) for c in stats.checks] == [("c", 1, 2)]


def test_missing_submissions_score_zero_and_show_as_missing():
    report = batch_report.analyse(["s1", "s5"], ["ex"], CLASS, {"ex": 4})
    rows = {r.submission: r for r in report.submissions}
    assert rows["s5"].points == {"ex": None} and rows["s5"].statuses == {"ex": "missing"}
    assert rows["s1"].status == "pass" and rows["s5"].status == "incomplete"
    csv = batch_report.to_csv(report).splitlines()
    assert csv[1] == "s1,4,pass,4,4,pass,1.0" and csv[2] == "s5,,missing,0,4,incomplete,0"


def test_a_submission_shows_its_real_verdict_not_fail():
    data = {("t", "ex"): result(0, set(), status="timeout"), ("t", "other"): result(4, set()),
            ("m", "ex"): result(1, {"c1"}), ("m", "other"): result(0, set(), status="crash"),
            ("e", "ex"): result(0, set(), status="error"), ("e", "other"): result(2, {"c1"})}
    report = batch_report.analyse(["t", "m", "e"], ["ex", "other"], data, {"ex": 4, "other": 4})
    assert {r.submission: r.status for r in report.submissions} == {"t": "timeout", "m": "crash", "e": "error"}
    assert batch_report.to_csv(report).splitlines()[1].endswith(",timeout,2.0")
    assert '<span class="timeout">timeout</span>' in batch_report.to_html(report)


def test_static_scan_flags_are_listed_for_a_human():
    flagged = result(4, set()) | {"flags": [{"kind": "import", "line": 2, "message": "imports <_pytest>"}]}
    report = batch_report.analyse(["s1", "s2"], ["ex"], {("s1", "ex"): result(4, set()), ("s2", "ex"): flagged}, {"ex": 4})
    assert report.flags == [("s2", "ex", 2, "imports <_pytest>", "static")]
    assert "imports &lt;_pytest&gt;" in batch_report.to_html(report)


def test_html_is_self_contained_and_escaped():
    evil = '<script>alert(1)</script>'
    data = {(evil, "ex"): result(4, set())}
    page = batch_report.to_html(batch_report.analyse([evil], ["ex"], data, {"ex": 4}))
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "http" not in page and "src=" not in page


STUB = 'def f(x):\n    """Return x twice."""\n    raise NotImplementedError\n'
REFERENCE = "def f(x):\n    return x * 2\n"
ORIGINAL = """
def f(values, scale=2):
    # double then shift
    total = []
    for v in values:
        total.append(v * scale + 1)
    return total
"""
RENAMED = """
def f(xs, scale=2):
    out = []   # a different comment
    for item in xs:
        out.append(item*scale + 1)

    return out
"""
OTHER = "def f(values):\n    return [v - 1 for v in sorted(values)]\n"


def test_renaming_and_comments_do_not_hide_a_copy():
    assert normalise(ORIGINAL) == normalise(RENAMED)
    assert normalise(ORIGINAL) != normalise(OTHER)


def test_similar_groups_flag_copies_not_stubs():
    sources = {"a": ORIGINAL, "b": RENAMED, "c": OTHER, "d": STUB, "e": STUB, "f": REFERENCE}
    found = similar_groups("ex", sources, stub=STUB, reference=REFERENCE)
    assert [(s.submissions, s.note) for s in found] == [(("f",), "same as the reference solution"),
                                                     (("a", "b"), "identical")]


def test_near_identical_pairs_are_scored():
    real = (Path(__file__).resolve().parent.parent / "solutions" / "domain_shift.py").read_text()
    tweaked = real.replace("return model", "model.zero_grad()\n    return model", 1)
    assert tweaked != real
    found = similar_groups("ex", {"a": real, "b": tweaked, "c": OTHER})
    assert [(s.submissions, s.note) for s in found] == [(("a", "b"), "near-identical")]
    assert 0.85 <= found[0].similarity < 1


def test_a_chinese_report_says_everything_of_its_own_in_chinese():
    """Every label a Chinese report or summary shows comes from its Chinese column: no
    English heading, note or column name is left on the page."""
    from rich.console import Console

    from quiz.batch.labels import LABELS

    flagged = result(2, {"c1"}) | {"flags": [{"kind": "frame", "line": 3, "message": "m", "source": "runtime"}],
                                   "isolation": {"level": "partial", "missing": ["seccomp"]}}
    data = {("s1", "ex"): result(4, set()), ("s2", "ex"): flagged, ("s3", "ex"): result(0, set(), status="timeout")}
    similar = similar_groups("ex", {"s1": REFERENCE, "s2": REFERENCE + "\n", "s3": STUB + "x = 1\n"},
                             stub=STUB, reference=REFERENCE)
    report = batch_report.analyse(["s1", "s2", "s3", "s4"], ["ex"], data, {"ex": 4}, similar, ["notes.txt"], lang="zh")
    console = Console(width=200, record=True)
    console.print(batch_report.summary(report, lang="zh"))
    page = re.sub(r"<style>.*?</style>|<[^>]*>", " ", batch_report.to_html(report, lang="zh"), flags=re.S)
    shown = page + console.export_text()
    english = {en for zh, en in LABELS.values() if "{" not in en and len(en) > 4 and en != zh}
    assert sorted(e for e in english if e in shown) == []
    for key in ("alike", "flags", "isolation", "checks", "runtime", "same as the reference solution", "timeout"):
        assert LABELS[key][0] in shown, key
