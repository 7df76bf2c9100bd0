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
