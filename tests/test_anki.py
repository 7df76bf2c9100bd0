"""`transferlings export-anki`: the package is opened as Anki opens it (a zip holding an
SQLite collection) and its notes, fields, tags and ids are counted and compared with the
question bank."""

from __future__ import annotations

import html
import json
import sqlite3
import zipfile
from pathlib import Path

from quiz.cli import main
from quiz.questions.bank import load_questions
from quiz.reach import anki_deck


def read_apkg(path: Path, tmp: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["collection.anki2", "media"]
        assert json.loads(z.read("media")) == {}
        z.extract("collection.anki2", tmp)
    db = sqlite3.connect(tmp / "collection.anki2")
    try:
        models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
        decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
        deck_of = dict(db.execute("SELECT nid, did FROM cards").fetchall())
        notes = []
        for nid, guid, mid, mod, tags, fields in db.execute("SELECT id, guid, mid, mod, tags, flds FROM notes"):
            names = [f["name"] for f in models[str(mid)]["flds"]]
            values = fields.split("\x1f")
            assert len(values) == len(names)
            notes.append({"guid": guid, "model": int(mid), "mod": mod, "tags": tags.split(),
                          "fields": dict(zip(names, values)), "deck": decks[str(deck_of[nid])]})
        cards = db.execute("SELECT count(*) FROM cards").fetchone()[0]
    finally:
        db.close()
    return {"notes": notes, "models": models, "cards": cards}


def test_one_note_per_question_and_language_with_the_answer_on_the_back(tmp_path, capsys):
    target = tmp_path / "transferlings.apkg"
    assert main(["export-anki", str(target)]) == 0
    assert "20 notes" in capsys.readouterr().out
    apkg = read_apkg(target, tmp_path)
    questions = {q.id: q for q in load_questions()}
    notes = {n["fields"]["Key"]: n for n in apkg["notes"]}
    assert len(apkg["notes"]) == apkg["cards"] == 2 * len(questions) == len(notes)
    (model,) = apkg["models"].values()
    assert int(model["id"]) == anki_deck.MODEL_ID and [f["name"] for f in model["flds"]] == list(anki_deck.FIELDS)
    assert "{{Answer}}{{KeyPoints}}{{Reading}}" in model["tmpls"][0]["afmt"] and ".nightMode pre.code" in model["css"]
    for key, note in notes.items():
        q, lang = questions[int(key[1:3])], key[-2:]
        assert note["deck"]["id"] == anki_deck.DECK_IDS[lang] and note["deck"]["name"] == anki_deck.DECK_NAMES[lang]
        assert note["guid"] == anki_deck.note_guid(q.id, lang)
        assert html.escape(q.title[lang][:12]) in note["fields"]["Question"]
        assert note["fields"]["KeyPoints"].count("<li>") == len(q.key_points[lang])
        assert 'class="checklist"' in note["fields"]["KeyPoints"]
        assert note["fields"]["Reading"].count(" · ") == len(q.reading) - 1
        assert {"transferlings", f"transferlings::q{q.id:02d}", f"transferlings::lang::{lang}",
                f"transferlings::kind::{q.kind}"} <= set(note["tags"])
        assert {f"transferlings::topic::{t}" for t in q.tags} <= set(note["tags"])
    code = notes["q06-zh"]["fields"]["Answer"]  # the coding question's answer: highlighted Python
    assert '<pre class="code">' in code and '<span class="kn">import</span>' in code and "要点" in \
        notes["q06-zh"]["fields"]["KeyPoints"]


def test_ids_stay_put_so_a_later_export_updates_the_notes(tmp_path):
    first, again, later = tmp_path / "1.apkg", tmp_path / "2.apkg", tmp_path / "3.apkg"
    anki_deck.export(first, ("en",), timestamp=1_800_000_000)
    anki_deck.export(again, ("en",), timestamp=1_800_000_000)
    assert first.read_bytes() == again.read_bytes()  # nothing of the clock leaks in
    anki_deck.export(later, ("en",), timestamp=1_800_000_100)
    a = read_apkg(first, tmp_path / "a")
    b = read_apkg(later, tmp_path / "b")
    assert {n["guid"] for n in a["notes"]} == {n["guid"] for n in b["notes"]}
    assert {n["model"] for n in a["notes"] + b["notes"]} == {anki_deck.MODEL_ID}
    assert {n["mod"] for n in a["notes"]} == {1_800_000_000} and {n["mod"] for n in b["notes"]} == {1_800_000_100}


def test_one_language_and_bad_targets(tmp_path, capsys):
    target = tmp_path / "zh.apkg"
    assert main(["export-anki", str(target), "--lang", "zh"]) == 0
    apkg = read_apkg(target, tmp_path)
    assert len(apkg["notes"]) == len(load_questions()) and {n["deck"]["name"] for n in apkg["notes"]} == {
        "transferlings::中文"}
    capsys.readouterr()
    assert main(["export-anki", str(target)]) == 2
    assert "exists: choose another name or pass --force" in capsys.readouterr().err
    assert main(["export-anki", str(target), "--force", "--lang", "en"]) == 0
    assert main(["export-anki", str(tmp_path / "deck.zip")]) == 2
    assert "must end in .apkg" in capsys.readouterr().err
    assert not (tmp_path / "deck.zip").exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "collection.anki2", "zh.apkg"]


def test_a_target_in_a_missing_folder_or_a_folder_is_refused_in_one_line(tmp_path, capsys):
    assert main(["export-anki", str(tmp_path / "nowhere" / "deck.apkg")]) == 2
    assert capsys.readouterr().err.strip().endswith("nowhere: no such folder")
    (tmp_path / "deck.apkg").mkdir()
    assert main(["export-anki", str(tmp_path / "deck.apkg"), "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert list((tmp_path / "deck.apkg").iterdir()) == [] and not (tmp_path / "nowhere").exists()
