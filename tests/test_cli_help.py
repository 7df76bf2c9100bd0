"""The command line as a newcomer reads it: every command's --help says what it does,
EXERCISE lists the names, `grade --all` follows the learning path, and a SyntaxError shows
its source line and a caret (in `grade` and in the app)."""

from __future__ import annotations

import pytest

from grader import registry
from quiz.cli import build_parser, main
from quiz.learning import path
from tests.test_ui_exercise_keys import screen_lines
from tests.ui_helpers import make_app, wait_until

BROKEN = '"""A stub with a typo."""\n\n\ndef broken(:\n    return 1\n'


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_describes_itself_and_each_argument(name, capsys):
    with pytest.raises(SystemExit):
        main([name, "--help"])
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    description = rest.split("\n\n")[0]
    assert not description.startswith(("positional arguments", "options")), f"{name} --help has no description"
    parser = subcommands()[name]
    for action in parser._actions:
        assert action.help, f"{name}: {action.option_strings or action.metavar} has no help"
    if any(a.metavar == "EXERCISE" for a in parser._actions):
        listed = " ".join(out.split())
        assert all(n in listed for n in registry.names()), f"{name} --help does not list the exercises"


def test_grade_all_follows_the_learning_path_and_a_syntax_error_shows_its_line_and_caret(tmp_path, capsys):
    (tmp_path / "heads.py").write_text(BROKEN)
    assert main(["grade", "--all", "--impl", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    graded = [line.split()[1] for line in lines if line.split()[:1] in (["PASS"], ["FAIL"], ["ERROR"])]
    assert graded == path.exercise_order()
    assert path.exercise_order() != registry.names()  # else the order above proves nothing
    code = next(i for i, line in enumerate(lines) if "def broken(:" in line)
    assert "SyntaxError in heads.py:4" in lines[code - 1]
    assert lines[code + 1].index("^") == lines[code].index(":"), "\n".join(lines)


async def test_the_app_shows_a_syntax_errors_line_and_caret(tmp_path, grader_engine):
    app = make_app(tmp_path, grader=grader_engine)
    (app.workspace / "heads.py").write_text(BROKEN)
    async with app.run_test(size=(120, 36)) as pilot:
        app.open_exercise("heads")
        await pilot.pause()
        await pilot.press("r")
        await wait_until(pilot, lambda: app.screen.last is not None and not app.screen.running, timeout=60)
        await pilot.pause()
        lines = [line[:54] for line in screen_lines(app)]  # the checks list, left of the source
        code = next(i for i, line in enumerate(lines) if "def broken(:" in line)
        assert lines[code + 1].index("^") == lines[code].index(":"), "\n".join(lines)
