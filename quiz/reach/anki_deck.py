"""The question bank as an Anki package (.apkg), built with genanki: for reviewing on a
phone, apart from the app's own FSRS schedule.

One note per question and language, in the decks "transferlings::English" and
"transferlings::中文". Front: the question (its number, kind, level, title and prompt).
Back: the model answer (Markdown, code highlighted by Pygments with the colours in the
note type's CSS, light and night mode), the key points as a checklist, and a reading line.
Tags: transferlings, transferlings::qNN, transferlings::lang::en|zh,
transferlings::kind::…, transferlings::difficulty::… and transferlings::topic::<tag>.

Re-importing a later export updates the notes in place and keeps their reviews: Anki
matches an incoming note by GUID and updates it when the incoming one is newer and of the
same note type (same id, same field and template names). So the GUIDs, the note type's
and decks' ids and the field and template names are fixed below (a change of fields
needs a new MODEL_ID and MODEL_NAME), and the export is stamped with the current time
(SOURCE_DATE_EPOCH, or `timestamp`, gives a byte-reproducible file instead).
"""

from __future__ import annotations

import html
import os
import sqlite3
import tempfile
import time
import zipfile
from itertools import count
from pathlib import Path

import genanki
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from quiz.questions.bank import Question, load_questions

LANGS = ("en", "zh")
# Chosen once at random in [2**30, 2**31) as genanki advises; never change them.
MODEL_ID = 1_842_177_031
DECK_IDS = {"en": 1_593_200_611, "zh": 1_593_200_612}
DECK_NAMES = {"en": "transferlings::English", "zh": "transferlings::中文"}
MODEL_NAME = "transferlings question (v1)"
FIELDS = ("Question", "Answer", "KeyPoints", "Reading", "Key")
LABELS = {
    "en": {"question": "Question", "key_points": "Key points", "reading": "Reading"},
    "zh": {"question": "问题", "key_points": "要点", "reading": "延伸阅读"},
}
LIGHT_STYLE, NIGHT_STYLE = "friendly", "monokai"
_code = HtmlFormatter(nowrap=True)  # Pygments' class spans; the colours live in the note type's CSS


def _css() -> str:
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".card pre.code")
    night = HtmlFormatter(style=NIGHT_STYLE).get_style_defs([".nightMode pre.code", ".night_mode pre.code"])
    return f"""\
.card {{ font-family: -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
  font-size: 18px; line-height: 1.5; text-align: left; color: #1f2328; background: #fff; }}
.nightMode.card, .night_mode .card {{ color: #e6edf3; background: #1e1e1e; }}
.card h3 {{ margin: 0 0 .4em; }}
.card code {{ font-family: "JetBrains Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .9em; }}
.card pre.code {{ padding: .6em .8em; border-radius: 6px; overflow-x: auto; font-size: 14px; line-height: 1.35; }}
.card ul.checklist {{ list-style: none; padding-left: .2em; }}
.card ul.checklist li::before {{ content: "☐ "; }}
.card .section {{ font-weight: bold; margin-top: 1em; }}
.card .meta, .card .reading {{ font-size: .8em; color: #57606a; }}
.nightMode .meta, .night_mode .meta, .nightMode .reading, .night_mode .reading {{ color: #9da7b3; }}
{light}
{night}
"""


def _highlight(code: str, lang: str, _attrs) -> str:
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    return f'<pre class="code"><code>{highlight(code, lexer, _code)}</code></pre>'


# html=False: raw HTML in the bank's Markdown is shown as text, never passed through.
_markdown = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")


def note_type() -> genanki.Model:
    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{
            "name": "Question → answer",
            "qfmt": "{{Question}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}{{KeyPoints}}{{Reading}}",
        }],
        css=_css(),
        sort_field_index=FIELDS.index("Key"),  # Anki's browser lists q01-en, q01-zh, … in bank order
    )


def note_guid(question_id: int, lang: str) -> str:
    return genanki.guid_for("transferlings", "question", question_id, lang)


def note_tags(q: Question, lang: str) -> list[str]:
    """Anki tags are words ('::' nests them in the browser); the bank's tags are slugs."""
    tags = ["transferlings", f"transferlings::q{q.id:02d}", f"transferlings::lang::{lang}",
            f"transferlings::kind::{q.kind}", f"transferlings::difficulty::{q.difficulty}"]
    return tags + [f"transferlings::topic::{tag}" for tag in q.tags]


def question_note(q: Question, lang: str, model: genanki.Model) -> genanki.Note:
    label = LABELS[lang]
    front = (f'<div class="meta">transferlings · {label["question"]} {q.id} · {html.escape(q.label("kind", lang))}'
             f' · {html.escape(q.label("difficulty", lang))}</div>'
             f"<h3>{_markdown.renderInline(q.title[lang])}</h3>{_markdown.render(q.prompt[lang]).strip()}")
    points = "".join(f"<li>{_markdown.renderInline(p)}</li>" for p in q.key_points[lang])
    reading = " · ".join(_markdown.renderInline(r) for r in q.reading)
    fields = [
        front,
        _markdown.render(q.answer[lang]).strip(),
        f'<div class="section">{label["key_points"]}</div><ul class="checklist">{points}</ul>',
        f'<p class="reading"><b>{label["reading"]}:</b> {reading}</p>' if reading else "",
        f"q{q.id:02d}-{lang}",
    ]
    return genanki.Note(model=model, fields=fields, tags=note_tags(q, lang), guid=note_guid(q.id, lang))


def package(langs: tuple[str, ...] = LANGS, questions: list[Question] | None = None) -> genanki.Package:
    model = note_type()
    questions = load_questions() if questions is None else questions
    decks = []
    for lang in langs:
        deck = genanki.Deck(DECK_IDS[lang], DECK_NAMES[lang],
                            description="Transfer-learning interview questions from transferlings")
        for q in questions:
            deck.add_note(question_note(q, lang, model))
        decks.append(deck)
    return genanki.Package(decks)


def write(pkg: genanki.Package, path: Path, timestamp: float | None = None) -> None:
    """Write `pkg` to `path` as genanki's write_to_file does, but byte-reproducible for a
    fixed timestamp (zip entries with a fixed date; genanki stamps them with the clock) and
    atomically (written beside `path`, then renamed over it)."""
    if timestamp is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        timestamp = float(epoch) if epoch else time.time()
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="transferlings-anki-") as tmp:
        db = Path(tmp) / "collection.anki2"
        connection = sqlite3.connect(db)
        try:
            pkg.write_to_db(connection.cursor(), timestamp, count(int(timestamp * 1000)))
            connection.commit()
        finally:
            connection.close()
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as z:
                for name, data in (("collection.anki2", db.read_bytes()), ("media", b"{}")):
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    z.writestr(info, data)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)


def export(path: Path, langs: tuple[str, ...] = LANGS, timestamp: float | None = None) -> int:
    """Write the deck of `langs` to `path`; the number of notes written."""
    pkg = package(langs)
    write(pkg, path, timestamp)
    return sum(len(deck.notes) for deck in pkg.decks)
