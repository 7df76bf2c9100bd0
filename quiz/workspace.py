"""The workspace: the folder of exercise files the user edits, and its pristine stubs.

Found from the current directory (a folder made by `transferlings init`, or inside one),
then from the `workspace` setting, then the checkout's exercises/ folder. Pristine stubs
ship in grader/stubs/; nothing the user wrote is overwritten without a timestamped backup.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from grader import registry
from quiz import config
from quiz.paths import PACKAGED_STUBS

MARKER = ".transferlings-workspace"
PRISTINE = Path(registry.__file__).with_name("stubs")


class WorkspaceError(ValueError):
    pass


def find(cwd: Path | None = None) -> Path:
    cwd = (cwd or Path.cwd()).resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / MARKER).exists():
            return folder
    setting = config.get("workspace")
    if setting:
        path = Path(setting).expanduser()
        if not path.is_dir():
            raise WorkspaceError(f"the workspace setting points to {path}, which is not a folder (run `transferlings init DIR`)")
        return path
    return PACKAGED_STUBS


def pristine(exercise: str) -> Path:
    return PRISTINE / registry.get(exercise).filename


def init(target: Path) -> tuple[list[str], list[str]]:
    """Copy every stub into `target` (created if needed) and remember it as the workspace.
    Existing files are kept as they are. Returns (created, kept) file names."""
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    created, kept = [], []
    for ex in registry.exercises():
        dest = target / ex.filename
        if dest.exists():
            kept.append(ex.filename)
        else:
            shutil.copyfile(pristine(ex.name), dest)
            created.append(ex.filename)
    (target / MARKER).write_text("This folder is a transferlings workspace.\n", encoding="utf-8")
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
    saved = None
    if dest.exists():
        if dest.read_bytes() == src.read_bytes():
            return None
        saved = backup(dest)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)
    return saved
