"""The learning loop from the command line: next, status, schedule, export/import,
grade -k and watch (in a real pseudo-terminal)."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import sys
import time
from pathlib import Path

import pytest

from grader import registry
from quiz.learning import schedule
from quiz.cli import main
from quiz.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ws(tmp_path, monkeypatch):
    folder = tmp_path / "ws"
    assert main(["init", str(folder)]) == 0
    monkeypatch.chdir(folder)
    return folder


def record_pass(name: str, folder: Path) -> None:
    from quiz.learning import history

    store = Store()
    code = (folder / f"{name}.py").read_text()
    history.record(store, {"exercise": name, "impl": str(folder), "device": "cpu", "status": "pass", "message": "",
                           "passed": 1, "failed": 0, "points": 70, "max_points": 70, "duration_s": 0.1,
                           "tests": [{"name": "c", "status": "pass"}]}, code)
    store.close()


def test_next_walks_the_path_question_first_then_its_exercise(ws, capsys):
    main(["next"])
    assert "Question 1:" in capsys.readouterr().out
    store = Store()
    schedule.review(store, 1, "good", 0, 4)
    store.close()
    main(["next"])
    out = capsys.readouterr().out
    assert "Exercise freezing" in out and f"{ws / 'freezing.py'}" in out.replace("\n", "")
    record_pass("freezing", ws)
    main(["next"])
    assert "Exercise heads" in capsys.readouterr().out


def test_next_sends_to_review_only_a_question_review_will_show(ws, capsys):
    main(["next", "--lang", "en"])
    assert "transferlings review" in capsys.readouterr().out  # question 1 is among today's new ones
    store = Store()
    schedule.set_new_per_day(store, 0)
    store.close()
    for lang, app_line in (("en", 'enter on "Continue" opens it'), ("zh", "在“继续”一行按 enter")):
        main(["next", "--lang", lang])
        out = " ".join(capsys.readouterr().out.split())
        assert "Question 1" in out or "问题 1" in out
        assert "  transferlings review  " not in out and "rate yourself (spaced" not in out
        assert app_line in out and "--new-per-day" in out


def test_status_lists_every_exercise_in_path_order_with_its_state(ws, capsys):
    record_pass("freezing", ws)
    main(["status", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert [r["exercise"] for r in rows][:3] == ["freezing", "heads", "transfer_rate"]
    assert (rows[0]["state"], rows[0]["points"]) == ("passed", 70) and rows[1]["state"] == "not started"
    (ws / "freezing.py").write_text("# edited\n")
    main(["status"])
    out = capsys.readouterr().out
    assert "edited since graded" in out and f"0/{len(registry.names())} passed" in out and "0 due · 3 new today" in out


def test_schedule_settings_are_checked_and_kept(ws, capsys):
    assert main(["schedule", "--new-per-day", "5", "--retention", "0.85"]) == 0
    out = capsys.readouterr().out
    assert "5 new today" in out and "retention 0.85" in out
    assert main(["schedule", "--retention", "2"]) == 2
    assert "between 0.70 and 0.97" in capsys.readouterr().err
    assert main(["schedule", "--optimise"]) == 0
    assert "0 of the 512 reviews" in capsys.readouterr().out


def test_export_then_import_twice(ws, tmp_path, capsys, monkeypatch):
    store = Store()
    schedule.review(store, 2, "easy", 0, 4)
    store.close()
    target = tmp_path / "progress.json"
    assert main(["export", str(target)]) == 0
    assert main(["export", str(target)]) == 2  # never overwritten without --force
    monkeypatch.setenv("TRANSFERLINGS_HOME", str(tmp_path / "elsewhere"))
    assert main(["import", str(target)]) == 0
    assert "1 reviews" in capsys.readouterr().out.replace("\n", " ")
    backups = lambda: list((tmp_path / "elsewhere").glob("progress.sqlite3.bak-*"))  # noqa: E731
    assert len(backups()) == 1
    assert main(["import", str(target)]) == 0
    assert "nothing new" in capsys.readouterr().out
    assert len(backups()) == 1, "a backup was made although nothing was imported"
    assert len(Store().reviews()) == 1
    (tmp_path / "bad.json").write_text("[1, 2")
    assert main(["import", str(tmp_path / "bad.json")]) == 2
    assert "not a transferlings export" in capsys.readouterr().err


def test_grade_k_runs_only_the_matching_checks_and_records_nothing(ws, capsys):
    assert main(["grade", "transfer_rate", "-k", "ValueError", "--json"]) == 1  # the stub fails them
    [result] = json.loads(capsys.readouterr().out)
    assert result["tests"] and all("ValueError" in t["name"] for t in result["tests"])
    assert Store().runs() == []
    assert main(["grade", "transfer_rate", "-k", "no such check"]) == 2
    assert "no check of transfer_rate has that in its name" in capsys.readouterr().err


class Terminal:
    def __init__(self, args: list[str], cwd: Path):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.chdir(cwd)
            os.environ.update(PYTHONPATH=str(ROOT), COLUMNS="100")
            os.execv(sys.executable, [sys.executable, "-m", "quiz", *args])
        self.out = b""

    def expect(self, text: str, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while text.encode() not in self.out:
            assert time.monotonic() < end, f"no {text!r} in:\n{self.out.decode(errors='replace')}"
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    break
        self.out = self.out[self.out.index(text.encode()) + len(text.encode()):]

    def read_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([self.fd], [], [], 0.05)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    break

    def close(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


CLEAR = "\x1b[2J"


def test_watch_grades_on_save_shows_hints_and_moves_along_the_path(ws):
    term = Terminal(["watch", "freezing", "--device", "cpu", "--lang", "en"], ws)
    term.expect(CLEAR)  # each run starts on a clear screen
    term.expect("first failing check")
    term.expect("FAIL")
    term.expect("(and ")  # identical failures of the stub are one entry
    os.write(term.fd, b"n")
    term.expect("n goes on once freezing passes")  # no skipping before a pass
    os.write(term.fd, b"h")
    term.expect("hint 1/4")
    shutil.copy(ROOT / "solutions" / "freezing.py", ws / "freezing.py")
    term.expect(CLEAR)
    term.expect("freezing passes every check!")
    term.expect("Next on the path: Exercise heads")
    term.expect("n: watch the next exercise, heads")
    term.read_for(2.0)
    assert b"grading heads" not in term.out, "watch went on before n"
    os.write(term.fd, b"n")
    term.expect(CLEAR)
    term.expect("heads: ")
    term.expect("FAIL")
    os.write(term.fd, b"q")
    assert term.close() == 0
    attempts = Store().attempts("freezing")
    assert [a["status"] for a in attempts] == ["pass", "fail"]


def test_watch_names_a_question_that_comes_next_on_the_path_as_next_does(ws, capsys):
    from quiz.cli.watcher import Watch
    from rich.console import Console
    import io

    for name in ("freezing", "heads"):
        record_pass(name, ws)
    store = Store()
    schedule.review(store, 1, "good", 0, 4)
    out = Console(file=io.StringIO(), width=100)
    watch = Watch(None, store, ws, "heads", "en", out)
    assert watch.offer_next() is True
    text = out.file.getvalue()
    main(["next"])
    assert "Question 8" in capsys.readouterr().out
    assert "Next on the path: Question 8" in text and "transferlings show 8" in text
    assert "n: watch the next exercise, transfer_rate" in text


def test_watch_indents_the_wrapped_lines_of_a_failure():
    from quiz.cli.watcher import render
    from rich.console import Console
    import io

    long = "a message long enough to wrap at forty columns, and then some more words"
    result = {"exercise": "heads", "status": "fail", "message": "", "points": 0, "max_points": 1, "duration_s": 0.1,
              "tests": [{"name": "a check whose name is long enough to wrap as well", "status": "fail",
                         "message": long, "hint": "a hint that also wraps onto a second line here", "points": 1}]}
    out = Console(file=io.StringIO(), width=40)
    for line in render(result, "en"):
        out.print(line)
    lines = out.file.getvalue().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("✗ "))
    assert all(line.startswith("  ") for line in lines[first + 1:first + 6] if line.strip()), "\n".join(lines)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_closing_the_terminal_ends_watch_and_its_grading_worker(ws):
    term = Terminal(["watch", "freezing", "--device", "cpu", "--lang", "en"], ws)
    term.expect("FAIL")
    workers = children(term.pid)
    assert workers
    os.close(term.fd)  # the terminal hangs up
    end = time.monotonic() + 5
    while os.waitpid(term.pid, os.WNOHANG) == (0, 0):
        assert time.monotonic() < end, "watch outlived its terminal"
        time.sleep(0.05)
    time.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                and (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z")]


def test_watch_shows_a_result_in_the_readers_language():
    from quiz.cli.watcher import render

    test = {"name": "EN name", "status": "fail", "message": "`f` is not implemented yet (NotImplementedError)",
            "hint": "EN hint", "points": 1, "hidden": False, "zh": {"name": "中文名", "hint": "中文提示"}}
    result = {"exercise": "freezing", "status": "fail", "message": "1 of 1 checks failed", "points": 0,
              "max_points": 1, "duration_s": 0.1, "tests": [test]}
    def shown(lang: str) -> str:
        from rich.console import Console

        console = Console(width=200, record=True, file=open(os.devnull, "w"))
        for line in render(result, lang):
            console.print(line)
        return console.export_text()

    zh = shown("zh")
    assert "中文名" in zh and "`f` 尚未实现（NotImplementedError）" in zh and "提示：中文提示" in zh and "EN" not in zh
    en = shown("en")
    assert "EN name" in en and "hint: EN hint" in en and "中文" not in en
