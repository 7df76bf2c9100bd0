"""Interview reports: the Markdown, JSON and HTML exports, the store that keeps them,
and `transferlings report`."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from grader import results
from quiz.interview import export
from quiz.questions.bank import code_blocks, load_questions
from quiz.cli import main
from quiz.interview.session import InterviewConfig, InterviewSession, Item, report
from quiz.storage.store import MIGRATIONS, SCHEMA_VERSION, Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
QUESTIONS = load_questions()
SCRIPT = "<script>alert('x')</script>"
ANSWER = f"Freeze the backbone.\n{SCRIPT}\n```\nnot a fence end\n````\n# not a heading\n| not | a table |"
CODE = "def freeze_backbone(model, head):\n    return model  # ``` and `````\n"
WALKTHROUGH = "Freeze everything, then\n\n    unfreeze the head."
NOTE = "Strong on BN <b>bold?</b> & [link](http://example.com)"


def grading() -> dict:
    metas = [{"id": "a", "name": "only the head trains", "points": 2, "hidden": False},
             {"id": "b", "name": "BN stats frozen after model.train()", "points": 3, "hidden": True}]
    done = {"a": results.test_entry(metas[0], "pass"), "b": results.test_entry(metas[1], "fail", "stats moved")}
    return results.assemble(exercise="freezing", impl="exercises", device="cpu", duration_s=1.0, plan=metas, done=done)


def make_report(seed: int = 11) -> dict:
    items = [Item(3, "concept"), Item(6, "coding", "freezing")]
    s = InterviewSession(InterviewConfig(questions=2, minutes=20, seed=seed), items, T0)
    s.set_answer(0, ANSWER)
    s.set_answer(1, WALKTHROUGH)
    s.set_code(1, CODE)
    s.set_ticks(0, {0, 2})
    s.set_note(0, NOTE)
    s.next(T0 + timedelta(seconds=125))
    s.record_grading(1, grading())
    s.tick(T0 + timedelta(minutes=20))
    return report(s, QUESTIONS)


@pytest.fixture
def rep() -> dict:
    return make_report()


# ---- JSON and Markdown ------------------------------------------------------------------

def test_json_round_trips(rep):
    text = export.to_json(rep)
    assert json.loads(text) == rep
    assert QUESTIONS[2].title["zh"] in text  # UTF-8, not \u escapes


def test_markdown_has_a_score_table_task_lists_and_sections(rep):
    md = export.to_markdown(rep, "en")
    assert md.startswith("# Mock interview report\n")
    assert "**Total: 32.5 / 100**" in md and "seed 11" in md
    assert "| 1 | Q3 · What are the main motivations for transfer learning? | concept | 2:05 | 25% |" in md
    assert "| 2 | Q6 · " in md and "| coding · freezing | 17:55 | 40% |" in md
    ticked = [line for line in md.splitlines() if line.startswith("- [x] ")]
    missed = [line for line in md.splitlines() if line.startswith("- [ ] ")]
    assert len(ticked) == 2 and len(missed) == len(QUESTIONS[2].key_points["en"]) - 2
    assert ticked[0] == "- [x] " + " ".join(QUESTIONS[2].key_points["en"][0].split())
    assert "fail · 1/2 checks passed · 2/5 points" in md
    assert "| BN stats frozen after model.train\\(\\) | fail | 3 | yes |" in md
    assert "transferlings interview --questions 2 --mix both --order random --minutes 20 --seed 11" in md
    assert "## 1. Q3 · " in md and "## 2. Q6 · " in md


def test_a_chinese_report_names_the_checks_and_the_verdict_in_chinese():
    metas = [{"id": "a", "name": "only the head trains", "points": 2, "hidden": False,
              "zh": {"name": "只有分类头可训练", "hint": "冻结骨干"}},
             {"id": "b", "name": "count", "points": 1, "hidden": False}]
    done = {"a": results.test_entry(metas[0], "fail", "is not implemented yet (NotImplementedError)"),
            "b": results.test_entry(metas[1], "pass")}
    s = InterviewSession(InterviewConfig(questions=1, minutes=20, seed=3), [Item(6, "coding", "freezing")], T0)
    s.record_grading(0, results.assemble(exercise="freezing", impl="x", device="cpu", duration_s=1.0, plan=metas,
                                         done=done))
    s.tick(T0 + timedelta(minutes=20))
    rep = report(s, QUESTIONS)
    for text in (export.to_markdown(rep, "zh"), export.to_html(rep, "zh")):
        assert "只有分类头可训练" in text and "2 项检查中有 1 项未通过" in text and "only the head trains" not in text
        assert "count" in text  # a check without Chinese keeps its name
    english = export.to_markdown(rep, "en")
    assert "only the head trains" in english and "1 of 2 checks failed" in english and "只有" not in english


def test_markdown_keeps_typed_text_verbatim_in_fences_no_backtick_run_can_close(rep):
    md = export.to_markdown(rep, "en")
    blocks = code_blocks(md)
    assert (("text", ANSWER + "\n") in blocks) and (("python", CODE) in blocks) and (("text", NOTE + "\n") in blocks)
    assert ("text", WALKTHROUGH + "\n") in blocks
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in html and "<b>" not in html and "href" not in html
    assert html.count("<h2>") == 2 and html.count("<h1>") == 1  # "# not a heading" stayed in its block
    assert html.count("<pre>") == 4


def test_markdown_in_chinese(rep):
    md = export.to_markdown(rep, "zh")
    assert md.startswith("# 模拟面试报告\n") and "**总分: 32.5 / 100**" in md
    assert QUESTIONS[2].title["zh"] in md and "概念题" in md and "编程题 · freezing" in md


def test_saved_reports_show_their_id(rep):
    assert export.to_markdown(rep | {"id": 4}, "en").startswith("# Mock interview report #4\n")


def test_fence_is_longer_than_any_backtick_run():
    assert export.fenced("a ``` b ````` c").startswith("``````text\n")
    assert export.fenced("plain\r\nline") == "```text\nplain\nline\n```"


# ---- HTML -------------------------------------------------------------------------------

class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def test_html_is_self_contained_and_escapes_everything_typed(rep):
    page = export.to_html(rep, "en")
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; [link](http://example.com)" in page
    parser = Tags()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert not {"href", "src"} & set(parser.attrs)
    outside_typed_text = page.replace("http://example.com", "")
    assert "http" not in outside_typed_text and "url(" not in page and "@import" not in page
    assert parser.tags.count("style") == 1 and parser.tags.count("section") == 2


def test_html_shows_scores_key_points_and_hidden_checks(rep):
    page = export.to_html(rep, "zh")
    assert "<html lang=\"zh\">" in page and "模拟面试报告" in page and "32.5 / 100" in page
    assert page.count('<li class="hit">') == 2
    assert "BN stats frozen after model.train()" in page and "<td>是</td>" in page
    assert re.search(r"<td class=\"num\">2:05</td><td class=\"num\">25%</td>", page)


# ---- the store --------------------------------------------------------------------------

def test_store_round_trip_most_recent_first(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    assert store.last_interview() is None and store.interviews() == []
    first, second = make_report(1), make_report(2)
    second["total"] = 80.0
    a, b = store.save_interview(first), store.save_interview(second)
    assert store.interview(a) == first | {"id": a}
    assert store.last_interview() == second | {"id": b}
    assert store.interview(b + 1) is None
    rows = store.interviews()
    assert [(r["id"], r["score"], r["started_at"], r["config"]["seed"]) for r in rows] == [
        (b, 80.0, second["started_at"], 2), (a, 32.5, first["started_at"], 1)]
    assert [r["id"] for r in store.interviews(limit=1)] == [b]
    store.close()


def test_a_schema_1_database_is_migrated_without_losing_runs(tmp_path):
    path = tmp_path / "p.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO runs (exercise, impl, device, status, passed, failed, total, points, max_points,"
               " duration_s, created_at, result) VALUES ('freezing', 'x', 'cpu', 'pass', 1, 0, 1, 2, 2, 0.1, 't', '{}')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = Store(path)
    assert store.notice is None
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    assert [r["exercise"] for r in store.runs()] == ["freezing"]
    assert store.save_interview(make_report()) == 1
    store.close()


# ---- transferlings report -----------------------------------------------------------------

@pytest.fixture
def saved() -> list[int]:
    store = Store()
    ids = [store.save_interview(make_report(seed)) for seed in (1, 2)]
    store.close()
    return ids


def test_report_defaults_to_the_last_interview_in_markdown(saved, capsys):
    assert main(["report", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# Mock interview report #{saved[1]}\n") and "--seed 2" in out
    assert main(["report", "--last", "--lang", "en"]) == 0
    assert capsys.readouterr().out == out


def test_report_by_id_in_json_and_html(saved, capsys):
    assert main(["report", str(saved[0]), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == saved[0] and data["config"]["seed"] == 1
    assert main(["report", str(saved[0]), "--format", "html", "--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>\n<html lang=\"zh\">")


def test_report_output_file_infers_the_format_and_never_overwrites_without_force(saved, tmp_path, capsys):
    target = tmp_path / "interview.html"
    assert main(["report", "--output", str(target), "--lang", "en"]) == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", "1", "--output", str(target), "--format", "md", "--lang", "en"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", "1", "-o", str(target), "--format", "md", "--lang", "en", "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("# Mock interview report #1\n")


@pytest.mark.parametrize("args, message", [
    (["report", "9"], "there is no interview 9 (the latest is 2)"),
    (["report", "abc"], "interview ID must be a number"),
    (["report", "1", "--last"], "not both"),
])
def test_report_errors_are_one_line_exit_2(saved, capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_report_with_nothing_saved_is_a_usage_error(capsys):
    assert main(["report"]) == 2
    assert capsys.readouterr().err.strip() == "transferlings: no mock interview has been saved yet"


def test_times_are_local_and_human_not_iso(rep, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    import time

    time.tzset()
    try:
        text = export.to_markdown(rep, "en")
        assert "Started 2025-03-01 17:00 · ended 17:20 (time ran out)" in text
        assert "T09:00" not in text and "+00:00" not in text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_app_version_keeps_what_was_typed_apart_to_draw_it_as_typed(rep):
    parts = export.parts(rep, "en")
    typed = [(p.info, p.text) for p in parts if isinstance(p, export.Verbatim)]
    assert typed == [("text", ANSWER), ("text", NOTE), ("text", WALKTHROUGH), ("python", CODE)]
    markdown = "\n".join(p for p in parts if isinstance(p, str))
    assert "<script>" not in markdown and "unfreeze the head" not in markdown


def test_a_coding_item_is_scored_by_its_checks_never_by_unticked_key_points():
    """A coding item's key points cannot be ticked: no report counts them as missed."""
    s = InterviewSession(InterviewConfig(questions=1, minutes=20, seed=1), [Item(6, "coding", "freezing")], T0)
    s.record_grading(0, grading())
    s.tick(T0 + timedelta(minutes=20))
    rep = report(s, QUESTIONS)
    missed = f"(0/{len(QUESTIONS[5].key_points['en'])})"
    for lang in ("en", "zh"):
        md = export.to_markdown(rep, lang)
        assert "- [ ]" not in md and "- [x]" not in md and missed not in md
        assert ("scored by the checks below" if lang == "en" else "由下面的评测检查项计分") in md
        page = export.to_html(rep, lang).split("<section>")[1].split("<table>")[0]
        assert "✗" not in page and "✓" not in page and missed not in page


def test_reports_of_format_1_show_a_coding_items_answer_as_its_code(rep):
    old = json.loads(json.dumps(rep))
    for item in old["items"]:
        code = item.pop("code")
        if item["mode"] == "coding":
            item["answer"] = code
    blocks = code_blocks(export.to_markdown(old, "en"))
    assert ("python", CODE) in blocks and ("text", ANSWER + "\n") in blocks
    assert ("text", WALKTHROUGH + "\n") not in blocks and ("text", CODE) not in blocks


def test_static_scan_flags_reach_the_interviewer_in_every_format():
    flagged = grading() | {"flags": [{"kind": "import", "line": 3, "message": "imports _pytest <internals>"}]}
    items = [Item(6, "coding", "freezing")]
    s = InterviewSession(InterviewConfig(questions=1, minutes=20, seed=1), items, T0)
    s.record_grading(0, flagged)
    s.tick(T0 + timedelta(minutes=20))
    flagged_report = report(s, QUESTIONS)
    assert r"- line 3: imports \_pytest \<internals\>" in export.to_markdown(flagged_report, "en")
    assert "第 3 行：imports _pytest &lt;internals&gt;" in export.to_html(flagged_report, "zh")
    assert "static scan" not in export.to_markdown(make_report(), "en")


def test_the_interviewer_sees_how_the_grading_was_isolated():
    items = [Item(6, "coding", "freezing")]
    s = InterviewSession(InterviewConfig(questions=1, minutes=20, seed=1), items, T0)
    s.record_grading(0, grading() | {"isolation": {"level": "none", "applied": ["rlimits"],
                                                   "missing": ["kernel 5.4.0 has no Landlock"]}})
    s.tick(T0 + timedelta(minutes=20))
    rep = report(s, QUESTIONS)
    assert ("Isolation: none, the graded code could read the grader and the reference solutions "
            r"\(kernel 5.4.0 has no Landlock\)") in export.to_markdown(rep, "en")
    assert "隔离：无，被评分的代码能读到评分器和参考解（kernel 5.4.0 has no Landlock）" in export.to_html(rep, "zh")
    del rep["items"][0]["grading"]["isolation"]  # a report saved before gradings said
    assert "Isolation" not in export.to_markdown(rep, "en")
