"""Which language to show: zh or en. No torch, no UI.

Precedence (first that is set wins):
1. an explicit value (the `--lang` option),
2. the TRANSFERLINGS_LANG environment variable,
3. `lang` in the config file (quiz.storage.config),
4. the locale: LC_ALL, then LC_MESSAGES, then LANG (POSIX order; the first non-empty one
   decides); when none is set, the operating system's locale (Windows, macOS apps).
   A Chinese locale (zh, zh_CN.UTF-8, zh_TW, Chinese_China.936...) gives zh, anything
   else en.

Values are read leniently: "zh", "ZH", "zh_CN.UTF-8", "zh-Hans", "chinese" and "中文" all
mean zh. A value set in 1-3 that is none of these is an error (LangError, a ValueError
with a one-line message naming where it came from), not silently ignored: the user asked
for something and should learn that it did not work.
"""

from __future__ import annotations

import locale
import os

LANGS = ("zh", "en")
ENV_VAR = "TRANSFERLINGS_LANG"
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

_ALIASES = {
    "zh": "zh", "chinese": "zh", "中文": "zh", "汉语": "zh", "cn": "zh",
    "en": "en", "english": "en", "英文": "en", "英语": "en",
}


class LangError(ValueError):
    """A language setting that is neither zh nor en; the message is one line."""


def normalize(value: str | None) -> str | None:
    """"zh" or "en" for a value that names one of them (leniently), else None."""
    if value is None:
        return None
    v = str(value).strip().lower()
    if v in _ALIASES:
        return _ALIASES[v]
    base = v.replace("-", "_").split(".")[0].split("@")[0].split("_")[0]
    return _ALIASES.get(base)


def _os_locale() -> str:
    """The OS locale name when no locale variable is set ('' if unknown)."""
    try:
        name = locale.getlocale(locale.LC_CTYPE)[0]
    except (ValueError, TypeError):  # pragma: no cover - malformed platform locale
        name = None
    return name or ""


def locale_lang(environ: dict | None = None) -> str:
    """zh for a Chinese locale, en otherwise (never raises)."""
    env = os.environ if environ is None else environ
    for var in LOCALE_VARS:
        value = env.get(var)
        if value:
            return "zh" if value.strip().lower().startswith("zh") else "en"
    name = _os_locale().lower()
    return "zh" if name.startswith(("zh", "chinese")) else "en"


def resolve_lang(explicit: str | None = None) -> str:
    """The language to use: explicit > $TRANSFERLINGS_LANG > config `lang` > locale."""
    if explicit is not None:
        lang = normalize(explicit)
        if lang is None:
            raise LangError(f"unknown language {explicit!r}: use zh or en")
        return lang
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        lang = normalize(env)
        if lang is None:
            raise LangError(f"{ENV_VAR}={env!r} is not a language transferlings knows: use zh or en")
        return lang
    from quiz.storage import config
    from quiz.storage.locations import config_file

    value = config.get("lang")
    if value is not None and str(value).strip():
        lang = normalize(value)
        if lang is None:
            raise LangError(f"{config_file()}: lang = {value!r} is not a language transferlings knows: use zh or en")
        return lang
    return locale_lang()


def other(lang: str) -> str:
    """The other language: other("zh") == "en"."""
    return LANGS[1 - LANGS.index(lang)]
