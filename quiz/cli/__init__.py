"""The `transferlings` command line: one module per command group, each with `register(sub)`.
Imports nothing heavy: torch lives only in the grading worker's process."""

from __future__ import annotations

import argparse
import sys

from quiz.cli import batch, grading, interviews, questions, workspace_cmds
from quiz.cli.common import EXIT_USAGE, UsageError, run_app

COMMAND_GROUPS = (questions, grading, workspace_cmds, interviews, batch)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="transferlings",
        description="Practise transfer-learning interviews: questions, graded PyTorch exercises, reviews, mock interviews.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    trailing = getattr(args, "trailing_positionals", None)
    if extra and trailing and not any(e.startswith("-") for e in extra):
        getattr(args, trailing).extend(extra)  # `batch DIR --out X freezing`: positionals after options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        return run_app()
    try:
        return args.func(args)
    except (UsageError, ValueError, OSError) as e:
        print(f"transferlings: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
