"""The workspace: the folder of exercise files the user edits, and its pristine stubs.

Found from the current directory (a folder made by `transferlings init`, or inside one),
then from the `workspace` setting (kept as it is for users who already have one), then
the default workspace, made from the pristine stubs on first use: `workspace/` in
$TRANSFERLINGS_HOME when that is set, else `workspace/` in a git checkout (git ignores
it), else in the platform's data folder when installed as a package. The checkout's
exercises/ folder is never the workspace: it stays pristine. Pristine stubs ship in
grader/stubs/; nothing the user wrote is overwritten without a timestamped backup.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from grader import registry
from quiz.storage import config
from quiz.storage.locations import CHECKOUT, PACKAGED_STUBS, home

MARKER = ".transferlings-workspace"
MARKER_TEXT = "This folder is a transferlings workspace.\n"
PRISTINE = Path(registry.__file__).with_name("stubs")


class WorkspaceError(ValueError):
    pass


def find(cwd: Path | None = None) -> Path:
    return locate(cwd)[0]


def locate(cwd: Path | None = None) -> tuple[Path, str | None]:
    """The active workspace and, when this call created or completed it, a one-line
    notice saying so (for the CLI to print)."""
    cwd = (cwd or Path.cwd()).resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / MARKER).exists():
            return folder, None
    setting = config.get("workspace")
    if setting:
        path = Path(setting).expanduser()
        if not path.is_dir():
            raise WorkspaceError(f"the workspace setting points to {path}, which is not a folder (run `transferlings init DIR`)")
        return path, None
    return ensure_default()


def default_folder() -> Path:
    if os.environ.get("TRANSFERLINGS_HOME"):
        return home() / "workspace"
    if (CHECKOUT / ".git").exists():
        return CHECKOUT / "workspace"
    return home() / "workspace"


def ensure_default() -> tuple[Path, str | None]:
    """The default workspace, made on first use. Stubs missing from it (an exercise added
    by an update) are copied in; existing files are never touched. A checkout's
    exercises/ files that differ from the pristine stubs (edited when exercises/ was the
    workspace) are copied in instead of the stub, so no work is lost."""
    target = default_folder()
    fresh = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
        added, carried = [], []
        for ex in registry.exercises():
            dest = target / ex.filename
            if dest.exists():
                continue
            edited = PACKAGED_STUBS / ex.filename
            if fresh and edited.is_file() and edited.read_bytes() != pristine(ex.name).read_bytes():
                shutil.copyfile(edited, dest)
                carried.append(ex.filename)
            else:
                shutil.copyfile(pristine(ex.name), dest)
                added.append(ex.filename)
        marker = target / MARKER
        if not marker.exists():
            marker.write_text(MARKER_TEXT, encoding="utf-8")
    except OSError as e:
        why = (e.strerror or str(e)).lower()
        raise WorkspaceError(f"cannot create the workspace in {target}: {why} (make one with `transferlings init DIR`)") from None
    if fresh:
        notice = f"Created your workspace in {target} from the pristine stubs."
        if carried:
            notice += f" Your edited {', '.join(carried)} from {PACKAGED_STUBS} were copied in."
        return target, notice
    if added:
        return target, f"Added new exercise stubs to {target}: {', '.join(added)}."
    return target, None


def pristine(exercise: str) -> Path:
    return PRISTINE / registry.get(exercise).filename


def init(target: Path, *, remember: bool = True) -> tuple[list[str], list[str]]:
    """Copy every stub into `target` (created if needed) and, with `remember`, make it the
    workspace setting. Existing files are kept as they are. Returns (created, kept) file
    names."""
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target} exists and is not a folder: pass a folder for the workspace")
    if target.resolve() in (PACKAGED_STUBS.resolve(), PRISTINE.resolve()):
        raise WorkspaceError(f"{target} holds the stubs as shipped and stays pristine: pass another folder, "
                             "e.g. `transferlings init ~/transferlings`")
    created, kept = [], []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for ex in registry.exercises():
            dest = target / ex.filename
            if dest.exists():
                kept.append(ex.filename)
            else:
                shutil.copyfile(pristine(ex.name), dest)
                created.append(ex.filename)
        (target / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    except OSError as e:
        why = (e.strerror or str(e)).lower()
        raise WorkspaceError(f"cannot make a workspace in {target}: {why}; pass a folder you can write to") from None
    if remember:
        config.set_value("workspace", str(target.resolve()))
    return created, kept


def backup(path: Path) -> Path:
    """Copy `path` to PATH.bak-YYYYmmdd-HHMMSS beside it (never overwriting a backup)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while dest.exists():
        dest = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    shutil.copy2(path, dest)
    return dest


def reset(exercise: str, workspace: Path) -> Path | None:
    """Restore the pristine stub; the user's file is backed up first. Returns the backup's
    path, or None when there was nothing to keep (missing or already pristine)."""
    src = pristine(exercise)
    dest = workspace / registry.get(exercise).filename
    if dest.exists() and dest.read_bytes() == src.read_bytes():
        return None
    return _replace(dest, src.read_bytes())


def restore(exercise: str, workspace: Path, code: str) -> Path | None:
    """Put `code` (an old attempt) back in the exercise's file; the user's file is backed
    up first, as `reset` does. Returns the backup's path, or None when there was no file."""
    return _replace(workspace / registry.get(exercise).filename, code.encode("utf-8"))


def _replace(dest: Path, data: bytes) -> Path | None:
    """Write `data` to `dest` atomically, after a backup of what was there."""
    saved = backup(dest) if dest.exists() else None
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return saved
