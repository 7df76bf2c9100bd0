"""The command line as a user drives it: exit codes, one-line errors, JSON, workspaces."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import registry
from quiz.cli import main
from quiz.storage.workspace import MARKER, PRISTINE

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quiz", *args], capture_output=True, text=True, cwd=cwd,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def test_list_json_has_the_ten_questions_with_both_titles(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == list(range(1, 11))
    assert all(r["title"]["zh"] and r["title"]["en"] and r["kind"] in ("concept", "coding") for r in rows)
    assert rows[5]["exercises"] == ["freezing", "heads"]


def test_list_puts_the_chosen_language_first_and_speaks_it(capsys):
    main(["list", "--lang", "zh"])
    out = capsys.readouterr().out
    assert out.index("迁移学习的核心思想") < out.index("core idea")
    assert "题型" in out and "概念题" in out and "concept" not in out


@pytest.mark.parametrize("args, message", [
    (["grade", "nope"], "unknown exercise 'nope'"),
    (["grade"], "name at least one exercise"),
    (["grade", "freezing", "--all"], "not both"),
    (["grade", "freezing", "--impl", "/no/such/dir"], "no such folder"),
    (["hint", "nope"], "unknown exercise"),
    (["reset", "nope"], "unknown exercise"),
])
def test_usage_errors_exit_2_with_one_line(args, message):
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_device_cuda_without_cuda_is_a_usage_error():
    result = cli("grade", "freezing", "--impl", "solutions", "--device", "cuda")
    if result.returncode != 2:
        pytest.skip("this machine has CUDA")
    assert result.stderr.strip() == "transferlings: --device cuda: CUDA is not available on this machine"


def test_grade_several_impls_in_order_with_json_and_exit_codes(tmp_path):
    candidate = tmp_path / "candidate"
    candidate.mkdir()
    shutil.copy(PRISTINE / "freezing.py", candidate / "freezing.py")
    result = cli("grade", "freezing", "--impl", "solutions", "--impl", str(candidate), "--json", "--device", "cpu")
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["impl"], r["status"]) for r in rows] == [("solutions", "pass"), (str(candidate), "fail")]
    keys = {"exercise", "status", "message", "device", "duration_s", "passed", "failed", "tests"}
    assert keys <= rows[0].keys()
    assert {"name", "status", "message", "hint", "duration_s"} <= rows[0]["tests"][0].keys()
    assert "zh" not in rows[0]["tests"][0]  # the reader's language only
    ok = cli("grade", "freezing", "--impl", "solutions", "--device", "cpu")
    assert ok.returncode == 0 and "PASS" in ok.stdout


def test_grade_with_lang_zh_shows_checks_hints_and_messages_in_chinese_also_as_json(tmp_path):
    candidate = tmp_path / "candidate"
    candidate.mkdir()
    shutil.copy(PRISTINE / "freezing.py", candidate / "freezing.py")
    args = ("grade", "freezing", "--impl", str(candidate), "--device", "cpu", "-k", "Only the head", "--lang")
    shown = subprocess.run([sys.executable, "-m", "quiz", *args, "zh"], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"})
    assert shown.returncode == 1, shown.stderr
    assert "冻结后只有分类头的参数可训练" in shown.stdout and "`freeze_backbone` 尚未实现" in shown.stdout
    assert "提示：先把所有参数设为 requires_grad=False" in shown.stdout and "0/4 项检查通过" in shown.stdout
    assert "Only the head" not in shown.stdout and "hint:" not in shown.stdout and "not implemented" not in shown.stdout
    rows = json.loads(cli(*args, "zh", "--json").stdout)
    first = rows[0]["tests"][0]
    assert rows[0]["message"] == "4 项检查中有 4 项未通过" and "zh" not in first
    line = next(n for n, text in enumerate((PRISTINE / "freezing.py").read_text().splitlines(), 1)
                if "raise NotImplementedError" in text)
    assert (first["name"], first["message"]) == ("冻结后只有分类头的参数可训练 [resnet18]",
                                                 f"`freeze_backbone` 尚未实现（NotImplementedError，位于 freezing.py:{line}）")


@pytest.mark.parametrize("args, message", [
    (["init", "/proc/forbidden"],
     "transferlings: cannot make a workspace in /proc/forbidden: no such file or directory; pass a folder you can write to"),
    (["grade", "heads", "--impl", "README.md"],
     "transferlings: README.md is a file, not a folder: pass the folder that holds heads.py"),
    (["grade", "heads", "--impl", "{empty}"],
     "transferlings: {empty} holds no heads.py: run `transferlings init {empty}` to copy the stubs there"),
])
def test_bad_places_get_one_line_that_says_what_to_do(args, message, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli(*[a.format(empty=empty) for a in args])
    assert result.returncode == 2
    assert result.stderr.strip() == message.format(empty=empty)


def test_version():
    result = cli("--version")
    assert result.returncode == 0 and re.fullmatch(r"transferlings \d+\.\d+\.\d+\S*\n", result.stdout)


def test_solution_is_plain_source_when_piped_or_asked(capsys):
    source = (ROOT / "solutions" / "heads.py").read_text(encoding="utf-8")
    assert cli("solution", "heads").stdout == source
    assert main(["solution", "heads", "--plain"]) == 0
    assert capsys.readouterr().out == source


@pytest.mark.parametrize("args", [[], ["review"]])
def test_without_a_terminal_the_app_says_what_to_use_instead(args):
    result = cli(*args)
    assert result.returncode == 2 and "transferlings --help" in result.stderr and not result.stdout


def test_grading_the_untouched_stub_is_short_failures_first_and_in_the_users_workspace(tmp_path):
    home = Path(os.environ["TRANSFERLINGS_HOME"])
    result = cli("grade", "heads", "--device", "cpu", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    folder = home / "workspace"
    assert f"Created your workspace in {folder}" in " ".join(result.stderr.split())  # however the terminal wraps it
    lines = result.stdout.splitlines()
    assert len(lines) <= 30, result.stdout
    assert lines[0].startswith("FAIL") and "0/" in lines[0] and "failing" in lines[0]
    assert str(folder) in lines[1]
    collapsed = [int(m) for m in re.findall(r"^\s+(\d+) checks: ", result.stdout, re.M)]
    assert collapsed and sum(collapsed) >= 40, result.stdout
    assert result.stdout.count("not implemented yet") == len(collapsed)
    assert f"Workspace: 0/{len(registry.names())} exercises passed" in result.stdout
    assert not subprocess.run(["git", "status", "--porcelain", "exercises"], cwd=ROOT, capture_output=True,
                              text=True).stdout  # the checkout's exercises/ stays pristine


def test_a_failure_comes_before_the_passed_checks_and_a_missing_file_is_an_error_result(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    source = (ROOT / "solutions" / "transfer_rate.py").read_text(encoding="utf-8")
    broken = source + "\n\ndef negative_transfer(transfer_score, scratch_score, *, higher_is_better=True):\n    return False\n"
    (ws / "transfer_rate.py").write_text(broken, encoding="utf-8")
    result = cli("grade", "heads", "transfer_rate", "--impl", str(ws), "--device", "cpu")
    assert result.returncode == 1
    out = result.stdout
    assert re.search(r"^ERROR\s+heads\n", out, re.M) and "no such file" in out
    lines = out[out.index("transfer_rate"):].splitlines()
    first_failure = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("✗"))
    passed = next(i for i, ln in enumerate(lines) if re.match(r"\s+✓ \d+ passed", ln))
    assert first_failure < passed and "negative_transfer" in out


def test_init_makes_a_workspace_found_from_its_folder_and_keeps_existing_files(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "heads.py").write_text("# mine\n")
    result = cli("init", str(ws))
    assert result.returncode == 0, result.stderr
    assert (ws / MARKER).exists()
    assert (ws / "heads.py").read_text() == "# mine\n"
    for ex in registry.exercises():
        assert (ws / ex.filename).exists()
    graded = cli("grade", "freezing", "--json", "--device", "cpu", cwd=ws)
    assert json.loads(graded.stdout)[0]["impl"] == str(ws)
    from quiz.storage.store import Store

    assert [r["exercise"] for r in Store().runs()] == ["freezing"]  # workspace runs are recorded


def test_reset_keeps_a_backup_and_restores_the_stub(tmp_path):
    ws = tmp_path / "ws"
    assert main(["init", str(ws)]) == 0
    mine = ws / "freezing.py"
    mine.write_text("def freeze_backbone(model, head, *, train_bn=False):\n    return model  # my attempt\n")
    assert main(["reset", "freezing", "--impl", str(ws)]) == 0
    assert mine.read_bytes() == (PRISTINE / "freezing.py").read_bytes()
    (backup,) = ws.glob("freezing.py.bak-*")
    assert "my attempt" in backup.read_text()
    assert main(["reset", "freezing", "--impl", str(ws)]) == 0
    assert len(list(ws.glob("freezing.py.bak-*"))) == 1


def test_hint_and_solution_print(capsys):
    assert main(["hint", "freezing", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") >= 3
    assert main(["solution", "freezing"]) == 0
    assert "def freeze_backbone" in capsys.readouterr().out


def test_main_leaves_rich_wrapping_as_it_found_it(capsys):
    import rich.text

    before = rich.text.divide_line
    assert main(["hint", "freezing", "--lang", "zh"]) == 0
    assert rich.text.divide_line is before
