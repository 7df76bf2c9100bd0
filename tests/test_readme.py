"""The README's figures come from the things they describe: its grading example is a real
run of the file it names, the standing line, the stub's entries, the rating intervals,
the exercise table and the defaults are checked here, so none can go stale.

`UPDATE_README=1 pytest tests/test_readme.py` rewrites the grading example from a real run
(after a grader's messages change); then read the diff."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from grader import registry
from quiz.cli.grading import print_standing
from quiz.learning import history, path, schedule, tuning
from quiz.questions import bank
from quiz.results.arrange import failures_first
from quiz.results.terminal import render_result
from quiz.storage.store import Store
from quiz.storage.workspace import PRISTINE

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COMMAND = "$ transferlings grade transfer_rate --impl candidate/\n"
CANDIDATE = ROOT / "tests" / "mutants" / "transfer_rate" / "negative_ignores_direction.py"
WIDTH = 88


def printed(*renderables) -> str:
    console = Console(file=io.StringIO(), width=WIDTH, highlight=False, color_system=None)
    for r in renderables:
        console.print(r)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()).strip("\n")


def example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(COMMAND) + len(COMMAND)
    return text[start:text.index("```", start)].rstrip("\n")


def without_time(text: str) -> str:
    return re.sub(r"\d+\.\d\d s on", "… s on", text)


def test_the_grading_example_is_what_grading_that_file_prints(grade, tmp_path):
    folder = tmp_path / "candidate"
    folder.mkdir()
    shutil.copy(CANDIDATE, folder / "transfer_rate.py")
    result = grade("transfer_rate", folder)
    real = printed(render_result(dict(result, impl="candidate")))
    if os.environ.get("UPDATE_README"):
        text = README.read_text(encoding="utf-8")
        README.write_text(text.replace(example(), real), encoding="utf-8")
    assert without_time(example()) == without_time(real), f"the README's example is stale; a real run prints:\n{real}"


def test_the_standing_line_and_the_stub_entries_are_real(grade, tmp_path):
    text = " ".join(README.read_text(encoding="utf-8").split())
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for stub in PRISTINE.glob("*.py"):
        shutil.copy(stub, workspace / stub.name)
    shutil.copy(ROOT / "solutions" / "freezing.py", workspace / "freezing.py")
    store = Store(tmp_path / "progress.sqlite3")
    history.record(store, grade("freezing", workspace), (workspace / "freezing.py").read_text())
    console = Console(file=io.StringIO(), width=WIDTH, color_system=None)
    print_standing(console, store, workspace, "en")
    standing = console.file.getvalue().strip()
    assert f"once `freezing` passes: `{standing}`" in text

    stub = grade("heads", PRISTINE)
    entries = len(failures_first(stub, hidden_apart=False).failed)
    assert f"the untouched `heads` stub shows {entries} entries for its {len(stub['tests'])} checks" in text


def test_the_rating_intervals_and_defaults_are_the_schedulers(tmp_path):
    text = " ".join(README.read_text(encoding="utf-8").split())
    store = Store(tmp_path / "p.sqlite3")
    now = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    intervals = schedule.preview(store, 1, now)
    labels = " · ".join(f"{i} {r.title()} {schedule.interval_label(intervals[r])}" for i, r in enumerate(intervals, 1))
    assert f"(`{labels}` on a new question)" in text
    assert f"at most {schedule.NEW_PER_DAY} new questions a day" in text
    assert f"default {schedule.RETENTION}" in text
    assert f"once it holds {tuning.MIN_REVIEWS} reviews" in text
    assert len(bank.load_questions()) == 10 and len(registry.names()) == 10  # "ten questions", "ten coding exercises"
    assert "ten interview questions" in text and "ten coding exercises" in text


def test_the_exercise_table_follows_the_path_with_each_exercises_questions():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| exercise | question | what it asks |"):].split("\n\n")[0]
    rows = [line.split("|") for line in table.splitlines()[2:] if line.startswith("| `")]
    assert [r[1].strip().strip("`") for r in rows] == path.exercise_order()
    for r in rows:
        name = r[1].strip().strip("`")
        questions = sorted(q.id for q in bank.load_questions() if name in q.exercises)
        assert r[2].strip() == ", ".join(map(str, questions)), name


def test_the_keys_table_has_one_row_per_place():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| where | keys |"):].split("\n\n")[0]
    places = [line.split("|")[1].strip() for line in table.splitlines()[2:]]
    assert len(places) == len(set(places)), places
