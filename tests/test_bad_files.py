"""A user's file that is not UTF-8, binary, empty, huge or unreadable, in every place that
reads one: the app (exercise screen, its editor, an interview's code, resuming an
interview), `grade`, `watch`, `batch`, the attempts history, `import` and the settings.
Each says in one line what is wrong and carries on; nothing ends in a traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from grader import registry
from quiz.cli import main
from quiz.interview.session import InterviewConfig
from quiz.learning import history
from quiz.storage.locations import home
from quiz.storage.store import Store
from quiz.ui.dialogs import EditorScreen
from quiz.ui.exercise.screen import ExerciseScreen
from quiz.ui.interview.launch import start_interview
from quiz.ui.interview.report import ReportScreen
from tests.ui_helpers import make_app

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "prior_knowledge"  # the fastest grader
STUB = (ROOT / "grader" / "stubs" / f"{EXERCISE}.py").read_bytes()
KINDS = {
    "non-UTF-8": b'"""Saved as Latin-1."""\nname = "caf\xe9"\n',
    "binary": bytes(range(256)) * 8,
    "empty": b"",
    "huge": b"# " + b"generated " * 110_000 + b"\n",  # 1.1 MB: no exercise file is near 1 MB
    "unreadable": STUB,
}
SAYS = {"non-UTF-8": "not UTF-8 text (byte 0xe9 on line 2)", "binary": "a binary file", "huge": "too big",
        "unreadable": "permission denied"}


@pytest.fixture
def bad_files(tmp_path, monkeypatch):
    """write(folder, name) -> {kind: path}: one bad file of each kind, each in its own
    folder under `folder`, as `name`. "unreadable" is chmod 000, and its reads are also
    refused in this process, as they would be for a user (root reads anything)."""
    denied: set[Path] = set()
    real = Path.read_bytes

    def read_bytes(self):
        if self.resolve() in denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)

    def write(folder: Path, name: str = f"{EXERCISE}.py") -> dict[str, Path]:
        made = {}
        for kind, data in KINDS.items():
            (folder / kind).mkdir(parents=True, exist_ok=True)
            path = made[kind] = folder / kind / name
            path.write_bytes(data)
        deny(made["unreadable"])
        return made

    def deny(path: Path) -> None:
        path.chmod(0)
        denied.add(path.resolve())

    write.deny, write.denied = deny, denied
    return write


def test_each_bad_file_is_one_line_in_either_language_and_an_empty_one_is_text(tmp_path, bad_files):
    from quiz.storage.userfile import UnreadableFile, read_text

    files = bad_files(tmp_path)
    assert read_text(files["empty"]) == ""
    for kind, says in SAYS.items():
        with pytest.raises(UnreadableFile) as caught:
            read_text(files[kind])
        assert says in str(caught.value) and str(files[kind]) in str(caught.value)
        assert "\n" not in str(caught.value) and "\n" not in caught.value.message("zh")
    with pytest.raises(UnreadableFile, match="a folder, not a file"):
        read_text(tmp_path)
    coded = tmp_path / "coded.py"
    coded.write_bytes(b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n")  # valid Python: its coding line says so
    assert "café" in read_text(coded)


def test_attempts_keep_what_can_be_read_and_no_huge_copy(tmp_path, bad_files):
    files = bad_files(tmp_path)
    assert history.read_snapshot(files["huge"]) is None and history.read_snapshot(files["unreadable"]) is None
    assert history.read_snapshot(files["empty"]) == ""
    assert "caf\ufffd" in history.read_snapshot(files["non-UTF-8"])
    assert history.read_snapshot(files["binary"]) is not None


async def test_the_exercise_screen_and_its_editor_say_what_is_wrong_and_carry_on(tmp_path, bad_files, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(tmp_path)
    target = app.workspace / f"{EXERCISE}.py"
    async with app.run_test(size=(80, 24)) as pilot:
        for kind, data in KINDS.items():
            target.chmod(0o644)
            bad_files.denied.clear()
            target.write_bytes(data)
            if kind == "unreadable":
                bad_files.deny(target)
            app.open_exercise(EXERCISE)
            await pilot.pause()
            screen = app.screen
            source = str(screen.query_one("#source").content.renderables[-1])
            await pilot.press("e")
            await pilot.pause()
            if kind == "empty":
                assert isinstance(app.screen, EditorScreen)  # an empty file is text
                await pilot.press("escape")
            else:
                assert SAYS[kind] in source, kind
                assert app.screen is screen  # no editor on a file it could not write back as it was
                assert any(SAYS[kind] in n.message for n in app._notifications), kind
            await pilot.press("escape")
            assert app.is_running and app.screen is not screen


async def test_continue_reaches_an_exercise_file_that_is_not_utf8_on_every_launch(tmp_path):
    from quiz.learning import schedule

    store = Store(tmp_path / "progress.sqlite3")
    schedule.review(store, 1, "good", 0, 8)  # question 1 done: the path continues with freezing
    for launch in range(2):
        app = make_app(tmp_path, store=store)
        (app.workspace / "freezing.py").write_bytes(KINDS["non-UTF-8"])
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.name == "freezing", launch
            assert SAYS["non-UTF-8"] in str(app.screen.query_one("#source").content.renderables[-1])
            await pilot.press("escape")
            assert app.is_running


async def test_an_interview_with_a_bad_code_file_and_a_bad_saved_session_carries_on(tmp_path, bad_files):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        start_interview(app, InterviewConfig(questions=1, mix="coding", minutes=10, seed=1), False)
        await pilot.pause()
        screen = app.screen
        code = screen.folder / registry.get(screen.item.exercise).filename
        code.write_bytes(KINDS["non-UTF-8"])
        await pilot.press("ctrl+f", "y", "ctrl+f")  # finishing keeps the code: it cannot, and says why
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert any("not UTF-8" in n.message for n in app._notifications)
        await pilot.press("escape")

        for kind, path in bad_files(home() / "interviews", "session.json").items():
            app.screen.render_lang()  # home lists what is left to resume
            await pilot.press("u")
            await pilot.pause()
            assert app.is_running and type(app.screen).__name__ == "HomeScreen", kind
            shutil.rmtree(path.parent)
        assert main(["interview", "--resume"]) == 2


def _shared(grader_engine):
    """The CLI's Grader, answered by the session's warm worker (no second start)."""

    class Shared:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return grader_engine

        def __exit__(self, *exc):
            return False

    return Shared


def test_grade_and_watch_give_each_bad_file_its_verdict_and_go_on(tmp_path, bad_files, grader_engine, monkeypatch,
                                                                   capsys):
    from quiz.cli.watcher import Watch

    monkeypatch.setattr("grader.run.engine.Grader", _shared(grader_engine))
    files = bad_files(tmp_path / "subs")
    impls = [arg for path in files.values() for arg in ("--impl", str(path.parent))]
    assert main(["grade", EXERCISE, *impls, "--json", "--device", "cpu"]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in results] == ["error", "error", "fail", "fail", "fail"]
    assert "non-UTF-8" in results[0]["impl"] and "utf-8" in results[0]["message"]

    store = Store(tmp_path / "progress.sqlite3")
    for kind, path in files.items():
        out = Console(file=io.StringIO(), width=100)
        watch = Watch(grader_engine, store, path.parent, EXERCISE, "en", out, device="cpu")
        watch.cancel = cancel = __import__("threading").Event()
        watch._grade(EXERCISE, cancel)
        assert watch.handle(watch.events.get()), kind
        assert "FAIL" in out.file.getvalue() or "ERROR" in out.file.getvalue(), kind
    assert len(store.runs(EXERCISE)) == len(files)
    assert not store.db.execute("SELECT 1 FROM snapshots WHERE length(code) > 1000000").fetchall()


def test_batch_says_why_a_file_was_not_graded_and_grades_the_rest(tmp_path, bad_files, grader_engine, monkeypatch):
    from grader.run.pool import grade_with_retry

    class SharedPool:
        """The local pool's grading, by the session's warm worker (no pool to start)."""

        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def run(self, jobs, *, device="auto", timeout=None):
            for job in jobs:
                yield job, grade_with_retry(grader_engine, job, device=device, timeout=timeout)

    monkeypatch.setattr("grader.run.pool.LocalPool", SharedPool)
    subs = tmp_path / "subs"
    bad_files(subs)
    (subs / "alice").mkdir()
    shutil.copyfile(ROOT / "solutions" / f"{EXERCISE}.py", subs / "alice" / f"{EXERCISE}.py")
    (subs / "folder" / f"{EXERCISE}.py").mkdir(parents=True)  # a folder where the file should be: not submitted
    out = tmp_path / "out"
    assert main(["batch", str(subs), EXERCISE, "--workers", "1", "--timeout", "20", "--out", str(out)]) == 1
    rows = {r["submission"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    assert {k: r["status"] for k, r in rows.items()} == {
        "alice": "pass", "non-UTF-8": "error", "binary": "error", "empty": "fail", "huge": "error", "unreadable": "error"}
    assert "too big" in rows["huge"]["message"] and "permission denied" in rows["unreadable"]["message"]
    assert (out / "report.html").is_file()


def test_import_and_settings_files_that_are_bad_are_one_line(tmp_path, bad_files, capsys):
    for kind, path in bad_files(tmp_path, "export.json").items():
        assert main(["import", str(path)]) == 2, kind
        err = capsys.readouterr().err.strip()
        assert err.startswith("transferlings: ") and len(err.splitlines()) == 1, kind
    config = home() / "config.toml"
    for kind, data in KINDS.items():
        if kind in ("empty", "huge", "unreadable"):
            continue  # an empty file is no settings; the others are TOML or not
        config.write_bytes(data)
        assert main(["status"]) == 2, kind
        err = capsys.readouterr().err.strip()
        assert "config.toml" in err and len(err.splitlines()) == 1, kind
