"""`serve` and `export-anki`: the app in a browser, the questions as an Anki deck.
(The third way to practise elsewhere, `%load_ext transferlings` in a notebook, is no
command: see quiz/reach/notebook.py.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from quiz.cli.common import EXIT_OK, UsageError, console


def cmd_serve(args) -> int:
    from quiz.reach.serve import LocalServer, app_command, is_loopback
    from quiz.storage import workspace
    from quiz.text.lang import ENV_VAR

    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: choose a port from 1 to 65535")
    folder = None
    if args.workspace:
        folder = Path(args.workspace).expanduser().resolve()
        if not (folder / workspace.MARKER).is_file():
            raise UsageError(f"{folder} is not a workspace: run `transferlings init {args.workspace}` first")
    _check_free(args.host, args.port)
    if args.lang:
        os.environ[ENV_VAR] = args.lang  # each session's app inherits the server's environment
    if not is_loopback(args.host):
        console(stderr=True).print(
            f"[bold yellow]warning:[/] serving on {args.host}: anyone who can reach port {args.port} can use the app, "
            "and the app runs code (your exercise files, through the grader) on this machine. There is no login.")
    LocalServer(app_command([sys.executable, "-m", "quiz"], cwd=folder), host=args.host, port=args.port).serve()
    return EXIT_OK


def _check_free(host: str, port: int) -> None:
    """A one-line error before anything starts when the address cannot be listened on."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise UsageError(f"--host {host}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as e:
            raise UsageError(f"cannot listen on {host} port {port}: {(e.strerror or str(e)).lower()} "
                             "(choose another with --port)") from None


def cmd_export_anki(args) -> int:
    from quiz.reach import anki_deck

    target = Path(args.file)
    if target.suffix != ".apkg":
        raise UsageError(f"{target}: the file must end in .apkg (Anki imports packages by that name)")
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists: choose another name or pass --force")
    if target.is_dir():
        raise UsageError(f"{target} is a folder: name the package file inside it")
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent}: no such folder")
    langs = anki_deck.LANGS if args.lang == "both" else (args.lang,)
    notes = anki_deck.export(target, langs)
    decks = ", ".join(anki_deck.DECK_NAMES[lang] for lang in langs)
    console().print(f"Wrote {target}: {notes} notes in {decks}. In Anki: File > Import; importing a later "
                    "export updates these notes and keeps their reviews.")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("serve", help="the app in a browser (textual-serve), on this machine only by default", description=(
        "Serve the app in a web browser through textual-serve: each tab runs its own app on this machine, with "
        "your workspace, progress and grader. It listens on 127.0.0.1 only unless --host says otherwise; whoever "
        "can open the page can run code here through the grader."))
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; the app runs code here)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--lang", choices=("zh", "en"), help="the app's language in every session")
    p.add_argument("--workspace", metavar="DIR", help="a workspace made by `transferlings init DIR` (default: as in a "
                                                      "terminal here)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export-anki", help="the questions as an Anki package (.apkg), one note per question and language",
                       description=(
        "Write the ten questions as an Anki deck for your phone: one note per question and language, the model "
        "answer, key points and reading on the back. Notes keep stable ids, so importing a newer export updates "
        "them. Anki's schedule is its own: the app's reviews are not shared with it."))
    p.add_argument("file", metavar="FILE.apkg", help="the package to write (.apkg)")
    p.add_argument("--lang", choices=("zh", "en", "both"), default="both", help="which languages (default both)")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p.set_defaults(func=cmd_export_anki)
