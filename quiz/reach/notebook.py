"""`%load_ext transferlings`: grading and the learning loop in Jupyter, Colab or Kaggle.

    %%grade EXERCISE [--device auto|cpu|cuda] [-k TEXT] [-v] [--lang zh|en]
        grade the cell's source as EXERCISE.py
    %grade EXERCISE [--device …] [--impl DIR] [-k TEXT] [-v] [--lang zh|en]
        grade the notebook workspace's EXERCISE.py (or DIR's)
    %transferlings next | status | hint EXERCISE | show N [--answer]   [--lang zh|en]

Gradings go through the CLI's engine (grader.run.engine.Grader: the same sandboxed
worker and child, the same verdicts and result schema), one warm worker per kernel,
closed when the extension is unloaded or the kernel exits. The notebook has its own
workspace, `notebook/` in the data folder (quiz.storage.locations.home()): `%%grade`
saves the cell there as EXERCISE.py (a file changed there since its last grading is
backed up first) and, like `%grade`, records the grading as an attempt of that workspace
(quiz.learning.history.grade_and_record, as `transferlings grade` does); `%transferlings
status` and `next` describe it. Gradings of --impl folders or of some checks (-k) are no
attempts, as in the CLI.

Results display as HTML (quiz.results.html) with the terminal rendering as text/plain, in
the reader's language (grader.results.localized). A usage problem is one line (IPython's
UsageError, no traceback): an unknown exercise, a syntax error in the cell, an empty cell,
a missing file, an unavailable device, an interrupted run.
"""

from __future__ import annotations

import argparse
import atexit
import io
import shlex
import tempfile
import threading
from html import escape
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from grader import registry
from grader.results import localized
from grader.run.engine import DEVICES, Grader, GradingError
from quiz.storage import workspace
from quiz.storage.locations import home
from quiz.text.lang import LANGS, LangError, resolve_lang

WIDTH = 100  # columns of the text renderings
THIS_CELL = {"en": "this cell", "zh": "本单元格"}

# -- one warm grader per kernel -------------------------------------------------------------

_grader: Grader | None = None
_grader_lock = threading.Lock()


def grader() -> Grader:
    global _grader
    with _grader_lock:
        if _grader is None:
            _grader = Grader()
        return _grader


def close_grader() -> None:
    """Stop the worker and any run in flight; the next grading starts a fresh one."""
    global _grader
    with _grader_lock:
        g, _grader = _grader, None
    if g is not None:
        g.close()


atexit.register(close_grader)

# -- the notebook's workspace and store ----------------------------------------------------------


def notebook_workspace() -> Path:
    """The notebook's workspace, made from the pristine stubs on first use (it is never
    made the `workspace` setting: the terminal's workspace stays as it is)."""
    folder = home() / "notebook"
    if not (folder / workspace.MARKER).is_file():
        try:
            workspace.init(folder, remember=False)
        except workspace.WorkspaceError as e:
            raise UsageError(str(e)) from None
    return folder


def _store():
    from quiz.storage.store import Store

    store = Store()
    if store.notice:
        print(store.notice)
    return store


def _lang(explicit: str | None, store) -> str:
    try:
        return resolve_lang(explicit or store.setting("lang"))
    except LangError as e:
        raise UsageError(str(e)) from None


def known_exercise(name: str) -> str:
    names = registry.names()
    if name not in names:
        raise UsageError(f"unknown exercise {name!r} (known: {', '.join(names)})")
    return name


def check_source(exercise: str, source: str) -> None:
    """A one-line UsageError for an empty cell or one Python cannot compile (line numbers
    count from the first line under %%grade)."""
    if not source.strip():
        raise UsageError(f"%%grade {exercise}: the cell is empty; write {exercise}.py's code under the magic")
    try:
        compile(source, f"{exercise}.py", "exec", dont_inherit=True)
    except SyntaxError as e:
        where = f"line {e.lineno} of the cell" if e.lineno else "the cell"
        raise UsageError(f"{exercise}.py: syntax error on {where}: {e.msg}") from None


def save_cell(store, folder: Path, exercise: str, source: str) -> None:
    """Write the cell as the workspace's file of `exercise`; a file that was changed there
    since its last grading (or an edited file never graded) is backed up first."""
    from quiz.learning import standing

    path = folder / registry.get(exercise).filename
    if path.is_file() and path.read_text(encoding="utf-8", errors="replace") != source:
        state = standing.exercise_state(store, folder, exercise)
        untouched_stub = path.read_bytes() == workspace.pristine(exercise).read_bytes()
        if state.edited or (state.state == "not started" and not untouched_stub):
            saved = workspace.backup(path)
            print(f"{path.name} had changed since its last grading; kept as {saved}")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(source, encoding="utf-8")
    tmp.replace(path)


# -- running a grading ------------------------------------------------------------------------


class Plain:
    """A line of text for a cell's output (text/plain and text/html)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre style='margin:0'>{escape(self.text)}</pre>"


class Progress:
    """A live line under the cell (a display updated in place) that becomes the report."""

    def __init__(self, exercise: str, where: str):
        self.label = f"grading {exercise} ({where}) …"
        self.total = self.done = 0
        self.handle = display(Plain(self.label), display_id=True)

    def on_event(self, event: dict) -> None:
        if event.get("event") == "plan":
            self.total = len(event.get("tests", []))
        elif event.get("event") == "test":
            self.done += 1
            if self.done == self.total or self.done % 5 == 0:
                self.handle.update(Plain(f"{self.label} {self.done}/{self.total} checks"))

    def show(self, shown) -> None:
        self.handle.update(shown)


def run_grading(exercise: str, folder: Path, *, where: str, store, device: str,
                only: str | None) -> tuple[dict, Progress]:
    """Grade `folder`'s file of `exercise` (recorded as an attempt when `store` is given)
    with a live progress line, for the caller to replace with the report; usage problems
    and interrupts raise UsageError."""
    from quiz.learning import history

    path = folder / registry.get(exercise).filename
    if not path.is_file():
        raise UsageError(f"{path}: no such file (`transferlings reset {exercise}` restores the stub)")
    progress = None
    try:
        g = grader()
        try:
            device = g.resolve_device(device)  # starts the warm worker once per kernel
        except GradingError as e:
            raise UsageError(str(e)) from None
        except RuntimeError as e:  # the worker could not start
            close_grader()
            raise UsageError(str(e)) from None
        progress = Progress(exercise, where)
        try:
            result = history.grade_and_record(g, store, exercise, folder, device=device, on_event=progress.on_event,
                                              only=only)
        except GradingError as e:
            progress.show(Plain(f"grading {exercise}: {e}"))
            raise UsageError(str(e)) from None
    except KeyboardInterrupt:  # Kernel > Interrupt while the worker starts or a run is in flight
        close_grader()
        if progress is not None:
            progress.show(Plain(f"grading {exercise}: interrupted"))
        raise UsageError(f"grading {exercise} interrupted") from None
    if only and not result["tests"] and result["status"] == "error":
        progress.show(Plain(f"grading {exercise}: no check matched -k {only!r}"))
        raise UsageError(f"-k {only!r}: no check of {exercise} has that in its name")
    return result, progress


class GradeReport:
    """A grading result in a cell: HTML, and the terminal's rendering as text/plain."""

    def __init__(self, result: dict, lang: str, verbose: bool = False):
        self.result = localized(result, lang)
        self.lang = lang
        self.verbose = verbose

    def __repr__(self) -> str:
        from quiz.results.terminal import render_result

        return plain_text(render_result(self.result, verbose=self.verbose))

    def _repr_html_(self) -> str:
        from quiz.results.html import render_html

        return render_html(self.result, lang=self.lang, verbose=self.verbose)


class RichOutput:
    """A Rich renderable (what a `transferlings` command prints) in a cell: HTML with
    inline colours, and plain text."""

    def __init__(self, renderable):
        self.renderable = renderable

    def __repr__(self) -> str:
        return plain_text(self.renderable)

    def _repr_html_(self) -> str:
        from rich.console import Console

        from quiz.text.wrap import installed as cjk_wrap

        console = Console(file=io.StringIO(), record=True, width=WIDTH, force_terminal=True, force_jupyter=False,
                          color_system="truecolor")
        with cjk_wrap():
            console.print(self.renderable)
        return console.export_html(inline_styles=True, code_format=(
            "<pre style='font-family:var(--jp-code-font-family,monospace);line-height:1.35;margin:0'>{code}</pre>"))


def plain_text(renderable) -> str:
    from rich.console import Console

    from quiz.text.wrap import installed as cjk_wrap

    console = Console(file=io.StringIO(), width=WIDTH, color_system=None, force_terminal=False, force_jupyter=False)
    with cjk_wrap():
        console.print(renderable)
    return console.file.getvalue().rstrip() + "\n"


# -- the magics ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage problem as IPython's UsageError (one line)."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")

    def exit(self, status=0, message=None):  # after --help
        if message:
            print(message)
        raise _HelpShown()


class _HelpShown(Exception):
    pass


def _transferlings_parser() -> _Parser:
    p = _Parser(prog="%transferlings", description="the learning loop in a notebook")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="next|status|hint|show")
    sub.add_parser("next", help="the next step of the path")
    sub.add_parser("status", help="every exercise of the notebook workspace, with points")
    sub.add_parser("hint", help="an exercise's hints").add_argument("exercise")
    show = sub.add_parser("show", help="question N (--answer: with the model answer)")
    show.add_argument("n", type=int)
    show.add_argument("--answer", action="store_true")
    for parser in sub.choices.values():
        parser.add_argument("--lang", choices=LANGS)
    return p


@magics_class
class TransferlingsMagics(Magics):
    @magic_arguments()
    @argument("exercise", help="the exercise, e.g. heads")
    @argument("--device", choices=DEVICES, default="auto", help="where the checks run (default: auto, CUDA if there)")
    @argument("--impl", metavar="DIR", help="%%grade only: grade DIR/EXERCISE.py (no attempt)")
    @argument("-k", dest="only", metavar="TEXT", help="run only the checks whose name contains TEXT (no attempt)")
    @argument("-v", "--verbose", action="store_true", help="list the passed checks")
    @argument("--lang", choices=LANGS, help="zh or en (default: as the app)")
    @line_cell_magic
    def grade(self, line: str, cell: str | None = None):
        """Grade an exercise: %%grade EXERCISE grades the cell's source as EXERCISE.py (saved
        in the notebook workspace and recorded as an attempt); %grade EXERCISE grades the
        notebook workspace's file as it is."""
        args = parse_argstring(self.grade, line)
        exercise = known_exercise(args.exercise)
        store = _store()
        lang = _lang(args.lang, store)
        options = dict(device=args.device, only=args.only)
        if cell is not None:
            if args.impl:
                raise UsageError("%%grade grades the cell: --impl is for %grade")
            check_source(exercise, cell)
            if args.only:  # some checks only: no attempt, the workspace is left alone
                with tempfile.TemporaryDirectory(prefix="transferlings-cell-") as tmp:
                    (Path(tmp) / registry.get(exercise).filename).write_text(cell, encoding="utf-8")
                    result, progress = run_grading(exercise, Path(tmp), where="this cell", store=None, **options)
            else:
                folder = notebook_workspace()
                save_cell(store, folder, exercise, cell)
                result, progress = run_grading(exercise, folder, where="this cell", store=store, **options)
            shown = dict(result, impl=THIS_CELL[lang])
        else:
            folder = Path(args.impl).expanduser() if args.impl else notebook_workspace()
            recorded = None if args.impl or args.only else store
            result, progress = run_grading(exercise, folder, where=str(folder), store=recorded, **options)
            shown = result
        self.shell.user_ns["_transferlings_result"] = result
        progress.show(GradeReport(shown, lang, verbose=args.verbose))

    @line_magic
    def transferlings(self, line: str):
        """%transferlings next | status | hint EXERCISE | show N [--answer]   [--lang zh|en]"""
        try:
            args = _transferlings_parser().parse_args(shlex.split(line))
        except _HelpShown:
            return
        store = _store()
        lang = _lang(args.lang, store)
        if args.command == "next":
            from quiz.learning import overview

            shown = overview.next_step(store, notebook_workspace(), lang, front="notebook")
        elif args.command == "status":
            from quiz.learning import overview

            shown = overview.status(store, notebook_workspace(), lang)
        elif args.command == "hint":
            from quiz.questions.show import render_hints

            shown = render_hints(known_exercise(args.exercise), lang)
        else:
            from quiz.questions.bank import NoSuchQuestion, get_question
            from quiz.questions.show import render_question

            try:
                question = get_question(args.n)
            except NoSuchQuestion as e:
                raise UsageError(str(e)) from None
            shown = render_question(question, lang, answer=args.answer)
        display(RichOutput(shown))


# -- the extension protocol ------------------------------------------------------------------------


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(TransferlingsMagics)
    print(f"transferlings: %%grade EXERCISE grades a cell; cells are saved in {home() / 'notebook'} "
          "(the notebook workspace) and recorded as attempts. %transferlings next says what to do.")


def unload_ipython_extension(ipython) -> None:
    close_grader()
