"""The question bank: every question loads with every field in both languages, the
schema rejects broken files loudly (file and field named), `transferlings show` renders
every question, and the language is resolved with the documented precedence."""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from grader import registry
from quiz.questions import bank, show
from quiz.text import lang as langmod
from quiz.questions.bank import BankError, CONTENT_DIR, load_questions, parse_question
from quiz.text.lang import LANGS, LangError, resolve_lang

QUESTIONS = load_questions()
CJK = re.compile(r"[\u4e00-\u9fff]")

# From product.md: question -> exercises (its table, plus heads on Q1 as the heads contract
# says), and which questions are coding ones.
EXERCISES = {
    1: ("freezing", "heads"), 2: ("fine_tuning",), 3: ("data_efficiency",), 4: ("lora",), 5: ("prior_knowledge",),
    6: ("freezing", "heads"), 7: ("source_selection",), 8: ("transfer_rate",),
    9: ("house_prices", "heads"), 10: ("domain_shift",),
}
CODING = {6, 8, 9}


def ids(questions=QUESTIONS):
    return [f"q{q.id:02d}" for q in questions]


# ---- content --------------------------------------------------------------------------

def test_ten_questions_in_order():
    assert [q.id for q in QUESTIONS] == list(range(1, 11))
    assert load_questions() == QUESTIONS  # cached, stable


@pytest.mark.parametrize("q", QUESTIONS, ids=ids())
def test_every_field_in_both_languages(q):
    for field in ("title", "prompt", "answer"):
        value = getattr(q, field)
        assert set(value) == set(LANGS), field
        for lang in LANGS:
            assert value[lang].strip(), f"{field}.{lang} is empty"
    for field in ("key_points", "mistakes", "followups"):
        value = getattr(q, field)
        assert set(value) == set(LANGS), field
        assert len(value["zh"]) == len(value["en"]), f"{field}: zh and en differ in count"
    assert 4 <= len(q.key_points["en"]) <= 8
    assert 2 <= len(q.mistakes["en"]) <= 5
    assert 2 <= len(q.followups["en"]) <= 4
    for lang in LANGS:
        for f in q.followups[lang]:
            assert f.question.strip() and f.answer.strip()
    assert q.reading and all(r.strip() for r in q.reading)
    assert q.tags and q.kind in bank.KINDS and q.difficulty in bank.DIFFICULTIES


@pytest.mark.parametrize("q", QUESTIONS, ids=ids())
def test_exercises_are_registry_names_as_in_the_product_table(q):
    assert set(q.exercises) <= set(registry.names())
    assert q.exercises == EXERCISES[q.id]
    assert (q.kind == "coding") == (q.id in CODING)


@pytest.mark.parametrize("q", QUESTIONS, ids=ids())
def test_languages_are_not_swapped(q):
    """Chinese fields are written in Chinese, English fields contain no Chinese."""
    def texts(lang):
        yield f"title.{lang}", q.title[lang]
        yield f"prompt.{lang}", q.prompt[lang]
        yield f"answer.{lang}", q.answer[lang]
        for i, p in enumerate(q.key_points[lang]):
            yield f"key_points[{i}].{lang}", p
        for i, m in enumerate(q.mistakes[lang]):
            yield f"mistakes[{i}].{lang}", m
        for i, f in enumerate(q.followups[lang]):
            yield f"followups[{i}].{lang}.question", f.question
            yield f"followups[{i}].{lang}.answer", f.answer

    for where, text in texts("zh"):
        assert CJK.search(text), f"q{q.id:02d} {where} has no Chinese"
    for where, text in texts("en"):
        assert not CJK.search(text), f"q{q.id:02d} {where} contains Chinese: {CJK.search(text).group()}"


@pytest.mark.parametrize("q", QUESTIONS, ids=ids())
def test_answers_are_substantial_and_zh_uses_chinese_ml_terms(q):
    assert len(q.answer["en"].split()) >= 250, "a 2-4 minute answer is longer than this"
    assert len(CJK.findall(q.answer["zh"])) >= 400
    assert "```" not in q.prompt["en"]


def test_chinese_uses_the_usual_terms():
    zh = "\n".join(q.answer["zh"] + "".join(f.answer for f in q.followups["zh"]) for q in QUESTIONS)
    for term in ("微调", "冻结", "负迁移", "领域自适应", "预训练", "分类头", "骨干网络", "先验", "后验"):
        assert term in zh, term


def test_every_seed_error_is_addressed():
    """product.md lists what the seed blog gets wrong; each matching answer fixes it."""
    def answer(n, lang="en"):
        q = bank.get_question(n)
        return q.answer[lang] + "\n".join(f.answer for f in q.followups[lang]) + "\n".join(q.mistakes[lang])

    for n in (1, 3, 6, 9):
        assert "include_top=False" in answer(n), n
    for n in (1, 6):
        text = answer(n)
        assert "running" in text and "model.train()" in text and "training=False" in text and "compile()" in text
    assert "nothing" in answer(2) and "load_state_dict" in answer(2)
    for word in ("L2-SP", "MAP", "prior", "posterior"):
        assert word in answer(5)
    for word in ("LEEP", "NCE", "H-score", "LogME", "Taskonomy", "linear probe"):
        assert word in answer(7)
    text = answer(8)
    for word in ("held-out", "seeds", "negative transfer", "higher_is_better=False", "scratch"):
        assert word in text
    text = answer(9)
    for word in ('class_mode="raw"', "log", "decode", "R2"):
        assert word in text
    text = answer(10)
    for word in ("argsort", "CrossEntropyLoss(weight=", "class_weight", "CORAL", "MMD", "DANN", "AdaBN"):
        assert word in text


# ---- schema: broken files fail loudly -------------------------------------------------

GOOD = CONTENT_DIR / "q03.toml"


def broken_copy(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "content"
    folder.mkdir(exist_ok=True)
    for f in CONTENT_DIR.glob("q*.toml"):
        shutil.copy(f, folder / f.name)
    target = folder / GOOD.name
    text = edit(target.read_text(encoding="utf-8"))
    target.write_text(text, encoding="utf-8")
    return folder


def remove_line(pattern: str):
    def edit(text: str) -> str:
        new, n = re.subn(pattern, "", text, count=1, flags=re.M)
        assert n == 1, pattern
        return new
    return edit


def replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


KEY_POINT = r"\[\[key_points\]\]\n(?:(?:en|zh) = .*\n)+\n"  # one entry; the case keeps three of them

CASES = [
    ("missing field", remove_line(r"^difficulty = .*\n"), "difficulty", "is missing"),
    ("missing top field", remove_line(r"^kind = .*\n"), "kind", "is missing"),
    ("unknown exercise", replace('exercises = ["data_efficiency"]', 'exercises = ["fine_tune"]'), "exercises[0]", "unknown exercise 'fine_tune'"),
    ("missing language in prompt", remove_line(r"^en = '''\nWhat are the main motivations(.|\n)*?'''\n"), "prompt.en", "is missing"),
    ("missing language in a key point", remove_line(r'^zh = "标注稀缺或昂贵.*\n'), "key_points[0].zh", "is missing"),
    ("missing language in a follow-up", remove_line(r"^zh\.question = .*\n"), "followups[0].zh.question", "is missing"),
    ("unknown language", replace("[title]\n", '[title]\nfr = "Quelles sont"\n'), "title.fr", "not a language"),
    ("unknown field", replace("kind = ", 'key_point = "x"\nkind = '), "key_point", "not a known field"),
    ("bad kind", replace('kind = "concept"', 'kind = "essay"'), "kind", "essay"),
    ("bad difficulty", replace('difficulty = "easy"', 'difficulty = "trivial"'), "difficulty", "trivial"),
    ("id does not match file", replace("id = 3", "id = 4"), "id", "file name says 3"),
    ("empty text", replace('zh = "请简述迁移学习的主要动机。"', 'zh = "  "'), "title.zh", "is empty"),
    ("too few key points", lambda t: re.sub(KEY_POINT, "", t, count=len(re.findall(KEY_POINT, t)) - 3), "key_points", "needs 4 to 8"),
    ("untagged code fence", replace("```python\nimport torch\nfrom torch import nn\nfrom torchvision import models\n\nbackbone",
                                    "```\nimport torch\nfrom torch import nn\nfrom torchvision import models\n\nbackbone"), "answer.en", "tag it"),
    ("unclosed code fence", lambda t: t.replace("```\n\nNote `fc", "\n\nNote `fc", 1), "answer.en", "never closed"),
    ("not TOML", lambda t: t + "\nthis is = = not toml\n", "", "not valid TOML"),
]


@pytest.mark.parametrize("edit,field,problem", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_files_fail_naming_file_and_field(tmp_path, edit, field, problem):
    folder = broken_copy(tmp_path, edit)
    with pytest.raises(BankError) as info:
        load_questions(folder)
    message = str(info.value)
    assert "q03.toml" in message, message
    if field:
        assert f"field '{field}'" in message, message
    assert problem in message, message
    assert "\n" not in message


def test_bank_error_is_a_value_error_and_a_duplicate_id_is_named(tmp_path):
    assert issubclass(BankError, ValueError)
    folder = broken_copy(tmp_path, lambda t: t)
    shutil.copy(folder / "q03.toml", folder / "q03b.toml")
    with pytest.raises(BankError, match=r"q03b?\.toml: field 'id' is 3, already used by .*q03b?\.toml"):
        load_questions(folder)


def test_an_untouched_copy_loads(tmp_path):
    folder = broken_copy(tmp_path, lambda t: t)
    assert [q.id for q in load_questions(folder)] == list(range(1, 11))
    assert parse_question(GOOD).id == 3


def test_get_question_unknown_number():
    with pytest.raises(LookupError, match=r"^there is no question 11 \(questions are 1-10\)$"):
        bank.get_question(11)


def test_code_blocks_parser():
    text = "a\n```python\nx = 1\n  y = 2\n```\n\n~~~text\nplain\n~~~\n"
    assert bank.code_blocks(text) == [("python", "x = 1\n  y = 2\n"), ("text", "plain\n")]
    with pytest.raises(ValueError):
        bank.code_blocks("```python\nx = 1\n")


# ---- rendering ------------------------------------------------------------------------

def render(args: list[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="transferlings")
    show.register(parser.add_subparsers(dest="command"))
    ns = parser.parse_args(args)
    out = io.StringIO()
    err = io.StringIO()
    console = Console(file=out, width=100, color_system=None, legacy_windows=False)
    old = sys.stderr
    sys.stderr = err
    try:
        code = ns.func(ns, console=console)
    finally:
        sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("q", QUESTIONS, ids=ids())
@pytest.mark.parametrize("lang", LANGS)
def test_show_renders_every_question(q, lang):
    code, out, err = render(["show", str(q.id), "--lang", lang])
    assert code == 0 and not err
    assert squash(q.title[lang]) in squash(out)
    assert squash(q.mistakes[lang][0])[:15] not in squash(out)  # hidden without --answer
    assert show.WORDS["hidden"][lang] in out

    code, out, err = render(["show", str(q.id), "--lang", lang, "--answer"])
    assert code == 0 and not err
    flat = squash(out)
    for key in ("answer", "key_points", "mistakes", "followups", "reading"):
        assert show.WORDS[key][lang] in out, key
    assert squash(q.key_points[lang][0]).replace("`", "") in flat.replace("`", "") or \
        squash(q.key_points[lang][0])[:10] in flat
    assert squash(q.followups[lang][-1].question)[:12] in flat
    for name in q.exercises:
        assert name in out


def test_show_with_default_lang_follows_the_environment(monkeypatch):
    monkeypatch.setenv("TRANSFERLINGS_LANG", "zh")
    code, out, _ = render(["show", "1"])
    assert code == 0 and "迁移学习的核心思想" in out
    monkeypatch.setenv("TRANSFERLINGS_LANG", "en")
    code, out, _ = render(["show", "1"])
    assert code == 0 and "core idea" in out


def test_show_unknown_question_exits_2_with_one_line(monkeypatch):
    monkeypatch.delenv("TRANSFERLINGS_LANG", raising=False)
    code, out, err = render(["show", "11"])
    assert code == 2 and out == ""
    assert err.strip() == "transferlings show: there is no question 11 (questions are 1-10)"


def test_show_bad_language_setting_exits_2(monkeypatch):
    monkeypatch.setenv("TRANSFERLINGS_LANG", "fr")
    code, out, err = render(["show", "1"])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "TRANSFERLINGS_LANG" in err


def test_show_run_prints_to_stdout(capsys):
    assert show.run(argparse.Namespace(n=4, lang="en", answer=False)) == 0
    assert "Where is transfer learning commonly applied?" in capsys.readouterr().out


def test_render_list_has_both_titles_in_order():
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(show.render_list(QUESTIONS, "zh"))
    out = console.file.getvalue()
    for q in QUESTIONS:
        assert squash(q.title["zh"])[:8] in squash(out)
    zh_pos = squash(out).find(squash(QUESTIONS[0].title["zh"]))
    en_pos = squash(out).find(squash(QUESTIONS[0].title["en"]))
    assert 0 <= zh_pos < en_pos


def test_light_modules_import_no_torch():
    code = ("import quiz.questions.bank, quiz.text.lang, quiz.questions.show, sys\n"
            "quiz.questions.bank.load_questions()\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'numpy')]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    assert out.strip() == "[]"


# ---- language resolution --------------------------------------------------------------

LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG", "TRANSFERLINGS_LANG")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in LOCALE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TRANSFERLINGS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(langmod, "_os_locale", lambda: "")
    return monkeypatch


def write_config(lang_value: str) -> None:
    from quiz.storage.locations import config_file

    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'lang = "{lang_value}"\n', encoding="utf-8")


def test_precedence_explicit_env_config_locale(clean_env):
    assert resolve_lang() == "en"  # nothing set, no OS locale
    clean_env.setenv("LANG", "zh_CN.UTF-8")
    assert resolve_lang() == "zh"  # locale
    write_config("en")
    assert resolve_lang() == "en"  # config beats locale
    clean_env.setenv("TRANSFERLINGS_LANG", "zh")
    assert resolve_lang() == "zh"  # env beats config
    assert resolve_lang("en") == "en"  # explicit beats everything


@pytest.mark.parametrize("env,expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
])
def test_locale(clean_env, env, expected):
    for k, v in env.items():
        clean_env.setenv(k, v)
    assert resolve_lang() == expected


def test_os_locale_fallback(clean_env):
    clean_env.setattr(langmod, "_os_locale", lambda: "Chinese (Simplified)_China")
    assert resolve_lang() == "zh"
    clean_env.setattr(langmod, "_os_locale", lambda: "zh_CN")
    assert resolve_lang() == "zh"
    clean_env.setattr(langmod, "_os_locale", lambda: "English_United States")
    assert resolve_lang() == "en"


@pytest.mark.parametrize("value,expected", [("zh", "zh"), ("ZH", "zh"), ("zh_CN.UTF-8", "zh"), ("zh-Hans", "zh"),
                                            ("chinese", "zh"), ("中文", "zh"), ("en", "en"), ("en_GB", "en"), ("English", "en")])
def test_lenient_values(clean_env, value, expected):
    assert resolve_lang(value) == expected
    clean_env.setenv("TRANSFERLINGS_LANG", value)
    assert resolve_lang() == expected


def test_invalid_values_raise_one_line_errors(clean_env):
    with pytest.raises(LangError, match=r"^unknown language 'fr': use zh or en$"):
        resolve_lang("fr")
    with pytest.raises(ValueError):
        resolve_lang("")
    clean_env.setenv("TRANSFERLINGS_LANG", "klingon")
    with pytest.raises(LangError, match=r"^TRANSFERLINGS_LANG='klingon' is not a language"):
        resolve_lang()
    assert resolve_lang("zh") == "zh"  # an explicit value never consults the bad one
    clean_env.delenv("TRANSFERLINGS_LANG")
    write_config("de")
    with pytest.raises(LangError, match=r"config\.toml: lang = 'de' is not a language"):
        resolve_lang()


def test_empty_env_value_is_unset(clean_env):
    clean_env.setenv("TRANSFERLINGS_LANG", "")
    clean_env.setenv("LANG", "zh_CN.UTF-8")
    assert resolve_lang() == "zh"


@pytest.mark.parametrize("q", QUESTIONS, ids=ids())
@pytest.mark.parametrize("lang", LANGS)
def test_markdown_renders_without_stray_markup(q, lang):
    """CommonMark will not close `**` after Chinese punctuation when a character follows
    (write **粗体**。 not **粗体。**): the asterisks would show up in the terminal."""
    code, out, _ = render(["show", str(q.id), "--lang", lang, "--answer"])
    assert code == 0
    text_only = re.sub(r"(?s)```.*?```", "", out)
    assert "**" not in text_only, [line for line in text_only.splitlines() if "**" in line][:3]
