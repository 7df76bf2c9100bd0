"""What every command shares: exit codes, the one-line usage error, consoles, name checks."""

from __future__ import annotations

from grader import registry

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A one-line message for the user; exit status 2."""


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def exercise_help(what: str = "the exercise") -> str:
    """A positional EXERCISE's help: the names it takes, in the order of the path."""
    from quiz.learning import path

    return f"{what}: {', '.join(path.exercise_order())}"


def exercise_names(names: list[str]) -> list[str]:
    known = registry.names()
    for name in names:
        if name not in known:
            raise UsageError(f"unknown exercise {name!r} (known: {', '.join(known)})")
    return names


def run_app(start: str | None = None, interview: tuple | None = None) -> int:
    """The Textual app, in a terminal or as a session of `transferlings serve` (piped
    otherwise, it would print escape codes)."""
    import sys

    from quiz.cli import lifetime

    served = lifetime.is_served()
    if not served and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the app needs a terminal; see `transferlings --help` for the commands, "
                         "`transferlings status` for where you stand")
    from quiz.ui.app import run

    if served:
        lifetime.end_with_server()
    else:
        lifetime.guard_terminal()

    return run(start, interview)
