"""Where transferlings keeps its files: no torch, no UI."""

from __future__ import annotations

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGED_STUBS = CHECKOUT / "exercises"
PACKAGED_SOLUTIONS = CHECKOUT / "solutions"


def home() -> Path:
    """The user's data folder: $TRANSFERLINGS_HOME, else the platform's data directory."""
    override = os.environ.get("TRANSFERLINGS_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("transferlings", appauthor=False))


def config_file() -> Path:
    return home() / "config.toml"


def database_file() -> Path:
    return home() / "progress.sqlite3"


def display_path(path: Path) -> str:
    """Relative to the current folder when inside it (never a bare "."), else under "~",
    else the whole path: the user must be able to find it."""
    path = path.resolve()
    for base, prefix in ((Path.cwd().resolve(), ""), (Path.home().resolve(), "~/")):
        try:
            relative = path.relative_to(base)
        except ValueError:
            continue
        if relative.parts:
            return prefix + str(relative)
    return str(path)
