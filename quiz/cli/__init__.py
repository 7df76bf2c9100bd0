"""The `transferlings` command line: one module per command group, each with `register(sub)`.
Imports nothing heavy: torch lives only in the grading worker's process."""

from __future__ import annotations

import argparse
import sys

from quiz.cli import batch, grading, interviews, learn, questions, reach, workspace_cmds
from quiz.cli.common import EXIT_USAGE, UsageError, run_app

COMMAND_GROUPS = (questions, grading, workspace_cmds, interviews, learn, batch, reach)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="transferlings",
        description="Practise transfer-learning interviews: questions, graded PyTorch exercises, reviews, mock interviews.",
        epilog="transferlings COMMAND --help says more about each command; with no command, the app opens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def version() -> str:
    """The installed package's version, else the checkout's pyproject.toml's."""
    from importlib import metadata

    try:
        return metadata.version("transferlings")
    except metadata.PackageNotFoundError:
        from quiz.storage.config import tomllib
        from quiz.storage.locations import CHECKOUT

        try:
            return tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, ValueError):
            return "unknown"


def one_line(e: Exception) -> str:
    """An error as one line for the user: an OSError without its "[Errno N]"."""
    if isinstance(e, OSError) and e.strerror:
        where = f"{e.filename}: " if e.filename else ""
        return f"{where}{e.strerror.lower()}"
    return str(e)


def main(argv: list[str] | None = None) -> int:
    from quiz.text import wrap

    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    trailing = getattr(args, "trailing_positionals", None)
    if extra and trailing and not any(e.startswith("-") for e in extra):
        getattr(args, trailing).extend(extra)  # `batch DIR --out X freezing`: positionals after options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    # Chinese wraps between characters in every command's output and the app; undone
    # afterwards, so that main() called in-process leaves Rich as it found it.
    with wrap.installed():
        try:
            if args.command is None:
                return run_app()
            return args.func(args)
        except (UsageError, ValueError, OSError) as e:
            print(f"transferlings: {one_line(e)}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("transferlings: cancelled", file=sys.stderr)
            return 130
