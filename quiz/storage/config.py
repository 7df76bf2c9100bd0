"""User settings in config.toml (flat `key = "value"` lines): read and written atomically."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from quiz.storage.locations import config_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYS = {"lang", "workspace", "device"}


class ConfigError(ValueError):
    pass


def load(path: Path | None = None) -> dict[str, str]:
    """Settings from the config file; {} when there is none. A malformed file raises
    ConfigError naming it."""
    path = path or config_file()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    return {k: str(v) for k, v in data.items() if k in KEYS}


def get(key: str, default: str | None = None) -> str | None:
    return load().get(key, default)


def set_value(key: str, value: str, path: Path | None = None) -> None:
    """Set one setting, keeping the others; the file is replaced atomically."""
    if key not in KEYS:
        raise ConfigError(f"unknown setting {key!r} (known: {', '.join(sorted(KEYS))})")
    path = path or config_file()
    data = load(path)
    data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in sorted(data.items())), encoding="utf-8")
    os.replace(tmp, path)
