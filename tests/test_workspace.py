"""The workspace is the user's: made from the pristine stubs on first use, in a folder git
ignores, never the checkout's exercises/; an existing `workspace` setting is kept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from grader import registry
from quiz.storage import config, workspace
from quiz.storage.workspace import MARKER, PRISTINE

ROOT = Path(__file__).resolve().parent.parent


def stubs_in(folder: Path) -> bool:
    return all((folder / e.filename).read_bytes() == (PRISTINE / e.filename).read_bytes()
               for e in registry.exercises())


def test_first_use_makes_the_workspace_from_the_stubs_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder, notice = workspace.locate()
    assert folder == Path(__import__("os").environ["TRANSFERLINGS_HOME"]) / "workspace"
    assert (folder / MARKER).exists() and stubs_in(folder)
    assert str(folder) in notice
    (folder / "heads.py").write_text("# mine\n")
    assert workspace.locate() == (folder, None)
    assert (folder / "heads.py").read_text() == "# mine\n"


def test_in_a_checkout_it_is_the_ignored_workspace_folder_and_installed_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("TRANSFERLINGS_HOME")
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    monkeypatch.setattr(workspace, "CHECKOUT", checkout)
    assert workspace.default_folder() == checkout / "workspace"
    monkeypatch.setattr(workspace, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(workspace, "home", lambda: tmp_path / "data")
    assert workspace.default_folder() == tmp_path / "data" / "workspace"


def test_git_ignores_the_checkouts_workspace():
    ignored = subprocess.run(["git", "check-ignore", "-q", "workspace/freezing.py"], cwd=ROOT)
    assert ignored.returncode == 0


def test_an_existing_workspace_setting_is_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "my-exercises"
    mine.mkdir()
    config.set_value("workspace", str(mine))
    assert workspace.locate() == (mine, None)


def test_edits_made_when_exercises_was_the_workspace_are_carried_over(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "exercises"
    old.mkdir()
    for e in registry.exercises():
        (old / e.filename).write_bytes((PRISTINE / e.filename).read_bytes())
    (old / "heads.py").write_text("# my work\n")
    monkeypatch.setattr(workspace, "PACKAGED_STUBS", old)
    folder, notice = workspace.locate()
    assert (folder / "heads.py").read_text() == "# my work\n"
    assert (folder / "freezing.py").read_bytes() == (PRISTINE / "freezing.py").read_bytes()
    assert "heads.py" in notice


def test_a_stub_added_by_an_update_appears_and_nothing_else_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder, _ = workspace.locate()
    (folder / "lora.py").unlink(missing_ok=True)
    (folder / "heads.py").unlink()
    (folder / "freezing.py").write_text("# mine\n")
    again, notice = workspace.locate()
    assert again == folder and (folder / "heads.py").exists() and "heads.py" in notice
    assert (folder / "freezing.py").read_text() == "# mine\n"


def test_init_in_a_place_that_cannot_be_written_is_one_clear_line(tmp_path):
    with pytest.raises(workspace.WorkspaceError) as e:
        workspace.init(Path("/proc/forbidden"))
    assert "Errno" not in str(e.value) and "/proc/forbidden" in str(e.value)


def test_init_never_makes_the_shipped_stubs_the_workspace():
    for folder in (ROOT / "exercises", PRISTINE):
        with pytest.raises(workspace.WorkspaceError, match="stays pristine"):
            workspace.init(folder)
    assert config.get("workspace") is None
